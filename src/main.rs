use std::process::ExitCode;

use clap::Parser;
use tenantscope::app::explore;
use tenantscope::cli::Asked;

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
    // Two faces over one core: the explorer (TUI) with no subcommand, else the CLI.
    let run = async {
        match tenantscope::cli::asked(cli)? {
            Asked::Explore {
                stores,
                snapshot: Some(path),
            } => explore::run_snapshot(&path, stores.log.clone()).await,
            Asked::Explore { stores, .. } => explore::run(stores).await,
            Asked::Command(cli) => tenantscope::cli::run(cli).await,
        }
    };
    let code = match runtime.block_on(run) {
        Ok(code) => code,
        Err(e) => {
            eprintln!(
                "tenantscope: {}",
                tenantscope::store::deadline::one_line(&e)
            );
            ExitCode::from(2)
        }
    };
    // Never shut the runtime down: a dropped MongoDB client leaves an `endSessions`
    // task behind, and when the shutdown drops the driver's pool worker before it, that
    // task panics on a closed channel (mongodb 3.9, `cmap/connection_requester.rs`),
    // printing a backtrace after our one-line error. Nothing is left to do here: the
    // terminal is restored and every output written; the process ends with main.
    std::mem::forget(runtime);
    code
}
