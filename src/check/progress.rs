//! Where a running check is: per table (or collection), how many of its parts are done,
//! its rows and how long it has taken. The check writes it; a face reads snapshots of it
//! (the CLI's progress line), so the check never waits on a terminal.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One table or collection of a running check.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: &'static str,
    /// Its parts (the count, one per foreign key, S3 keys, merge joins) and how many ended.
    pub parts: usize,
    pub done: usize,
    /// Its rows, once counted.
    pub rows: Option<u64>,
    /// Rows or documents read by its pages so far.
    pub read: u64,
    pub started: Option<Instant>,
    /// Set when its last part has ended.
    pub elapsed: Option<Duration>,
}

impl Entry {
    pub fn running(&self) -> bool {
        self.started.is_some() && self.elapsed.is_none()
    }

    pub fn finished(&self) -> bool {
        self.elapsed.is_some()
    }

    /// Its rows when counted, else what its pages have read.
    pub fn records(&self) -> u64 {
        self.rows.unwrap_or(self.read)
    }

    /// How long it has run (until now, or until it ended).
    pub fn took(&self, now: Instant) -> Duration {
        match (self.elapsed, self.started) {
            (Some(elapsed), _) => elapsed,
            (None, Some(started)) => now.saturating_duration_since(started),
            (None, None) => Duration::ZERO,
        }
    }

    /// Records per second so far.
    pub fn per_second(&self, now: Instant) -> f64 {
        self.records() as f64 / self.took(now).as_secs_f64().max(1e-3)
    }
}

/// The shared progress of one check.
#[derive(Debug)]
pub struct Progress {
    started: Instant,
    entries: Mutex<Vec<Entry>>,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            started: Instant::now(),
            entries: Mutex::new(Vec::new()),
        }
    }
}

impl Progress {
    pub fn new() -> Progress {
        Progress::default()
    }

    /// When the check began.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// The entries, in the order the check planned them.
    pub fn snapshot(&self) -> Vec<Entry> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        // A panic elsewhere must not hide the progress: the data stays usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with(&self, name: &'static str, change: impl FnOnce(&mut Entry)) {
        let mut entries = self.lock();
        let at = match entries.iter().position(|e| e.name == name) {
            Some(at) => at,
            None => {
                entries.push(Entry {
                    name,
                    parts: 0,
                    done: 0,
                    rows: None,
                    read: 0,
                    started: None,
                    elapsed: None,
                });
                entries.len() - 1
            }
        };
        change(&mut entries[at]);
    }

    pub(crate) fn plan(&self, name: &'static str) {
        self.with(name, |e| e.parts += 1);
    }

    pub(crate) fn start(&self, name: &'static str) {
        self.with(name, |e| {
            e.started.get_or_insert_with(Instant::now);
        });
    }

    pub(crate) fn counted(&self, name: &'static str, rows: u64) {
        self.with(name, |e| e.rows = Some(rows));
    }

    pub(crate) fn read(&self, name: &'static str, records: u64) {
        self.with(name, |e| e.read += records);
    }

    pub(crate) fn end(&self, name: &'static str) {
        self.with(name, |e| {
            e.done += 1;
            if e.done >= e.parts {
                e.elapsed = Some(e.took(Instant::now()));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_ends_with_its_last_part() {
        let progress = Progress::new();
        progress.plan("goals");
        progress.plan("goals");
        progress.start("goals");
        progress.counted("goals", 10);
        progress.end("goals");
        let goals = &progress.snapshot()[0];
        assert!(goals.running() && !goals.finished());
        progress.end("goals");
        let goals = &progress.snapshot()[0];
        assert!(goals.finished() && !goals.running());
        assert_eq!(goals.records(), 10);
        assert!(goals.per_second(Instant::now()) > 0.0);
    }
}
