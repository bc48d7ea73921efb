//! Logs go to a file, never to the screen the UI draws on: `--log PATH` or
//! TENANTSCOPE_LOG, else `$XDG_STATE_HOME/tenantscope/tenantscope.log`
//! (`~/.local/state/...`). RUST_LOG filters (default: info).

use std::path::PathBuf;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// When the process started (set first thing in `main`), for "time to first frame".
pub static PROCESS_START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Milliseconds since [`PROCESS_START`] (since first asked, if `main` did not set it).
pub fn since_process_start_ms() -> f64 {
    PROCESS_START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
        * 1e3
}

/// The default log file.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state"))
        })?;
    Some(base.join("tenantscope").join("tenantscope.log"))
}

/// Starts logging to `path` (appending). Returns the path, or None when the file cannot
/// be opened: the explorer then runs without a log rather than not at all.
pub fn init(path: Option<PathBuf>) -> Option<PathBuf> {
    let path = path.or_else(default_path)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok()?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .ok()?;
    Some(path)
}
