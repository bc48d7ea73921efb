use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    tenantscope::logging::PROCESS_START.get_or_init(std::time::Instant::now);
    let cli = tenantscope::cli::Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("tenantscope: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(tenantscope::cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tenantscope: {e:#}");
            ExitCode::from(2)
        }
    }
}
