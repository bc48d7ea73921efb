//! The loop: one `select!` over terminal events, results from background tasks, a spinner
//! tick (only while something loads) and signals. It never awaits a query: keys and
//! messages update the model, which hands back effects for the [`Loader`] to start.

use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEvent, KeyEventKind};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::App;
use super::keymap::Command;
use super::loader::{Effect, Loader, Msg};
use crate::store::StoreKind;
use crate::store::source::Source;
use crate::ui;

/// The model plus what runs its effects: usable by the terminal loop and by tests.
pub struct Driver {
    pub app: App,
    loader: Option<Loader>,
    tx: UnboundedSender<Msg>,
    rx: UnboundedReceiver<Msg>,
    pending: Vec<Effect>,
    /// Bytes for the terminal itself (OSC 52 copies), written after the next frame.
    pub terminal_out: Vec<Vec<u8>>,
}

impl Driver {
    pub fn new(source: String) -> Driver {
        let (tx, rx) = unbounded_channel();
        Driver {
            app: App::new(source),
            loader: None,
            tx,
            rx,
            pending: Vec::new(),
            terminal_out: Vec::new(),
        }
    }

    /// The stores are ready: start the first loads and anything asked for meanwhile.
    /// `problems` are what could not even be configured.
    pub fn attach(&mut self, live: Source, problems: Vec<(StoreKind, String)>) {
        if let Some(scope) = live.scope() {
            self.app.scope_to(scope.clone());
        }
        self.app.recorded_masks = live.recorded_masks().to_vec();
        self.loader = Some(Loader::new(live, self.tx.clone()));
        for (store, reason) in problems {
            self.message(Msg::Health(store, Some(reason)));
        }
        let mut effects = self.app.start();
        effects.append(&mut self.pending);
        self.run(effects);
    }

    pub fn key(&mut self, key: KeyEvent) {
        let effects = self.app.key(key);
        self.run(effects);
    }

    pub fn command(&mut self, command: Command) {
        let effects = self.app.command(command);
        self.run(effects);
    }

    pub fn select(&mut self, path: super::tree::Path) {
        let effects = self.app.select(path);
        self.run(effects);
    }

    pub fn message(&mut self, msg: Msg) {
        let effects = self.app.message(msg);
        self.run(effects);
    }

    fn run(&mut self, mut effects: Vec<Effect>) {
        self.app.remember_messages();
        effects.retain_mut(|effect| match effect {
            Effect::Terminal(bytes) => {
                self.terminal_out.push(std::mem::take(bytes));
                false
            }
            _ => true,
        });
        match &mut self.loader {
            Some(loader) => effects.into_iter().for_each(|e| loader.run(e)),
            None => self.pending.extend(effects),
        }
    }

    /// Applies messages until nothing is loading (or `limit` passes); false on timeout.
    pub async fn settle(&mut self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if !self.settle_until(left, |app| !app.is_loading()).await {
                return false;
            }
            // Let in-flight health reports land too.
            tokio::time::sleep(Duration::from_millis(20)).await;
            while let Ok(msg) = self.rx.try_recv() {
                self.message(msg);
            }
            if !self.app.is_loading() {
                return true;
            }
        }
    }

    /// Applies messages until `settled` holds (or `limit` passes); false on timeout. A
    /// benchmark waits with it for the tree's pages alone, apart from what they start.
    pub async fn settle_until(&mut self, limit: Duration, settled: impl Fn(&App) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Ok(msg) = self.rx.try_recv() {
                self.message(msg);
            }
            if settled(&self.app) {
                return true;
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => self.message(msg),
                Ok(None) | Err(_) => return false,
            }
        }
    }

    /// Draws if the model changed.
    pub fn draw<B: Backend>(&mut self, terminal: &mut Terminal<B>) -> anyhow::Result<()> {
        if self.app.dirty {
            terminal
                .draw(|frame| ui::draw(frame, &mut self.app))
                .map_err(|e| anyhow::anyhow!("drawing failed: {e}"))?;
            self.app.dirty = false;
        }
        Ok(())
    }
}

/// Writes escape sequences meant for the terminal itself (not drawn cells) to stdout,
/// where the backend draws too.
fn write_to_terminal(out: &mut Vec<Vec<u8>>) -> anyhow::Result<()> {
    use std::io::Write;
    if out.is_empty() {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    for bytes in out.drain(..) {
        stdout.write_all(&bytes)?;
    }
    stdout.flush()?;
    Ok(())
}

/// Runs the explorer on `terminal` until the user quits or a signal arrives. `connect`
/// builds the stores in the background, so the first frame does not wait for them.
pub async fn event_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    source: String,
    connect: impl Future<Output = (Source, Vec<(StoreKind, String)>)> + Send + 'static,
) -> anyhow::Result<()> {
    let mut driver = Driver::new(source);
    let mut connecting = tokio::spawn(connect);
    let mut connected = false;
    let mut events = EventStream::new();
    let mut spinner = tokio::time::interval(Duration::from_millis(100));
    let started = std::time::Instant::now();
    driver.draw(terminal)?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
        since_process_start_ms = crate::logging::since_process_start_ms(),
        "first frame drawn"
    );
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    loop {
        driver.draw(terminal)?;
        if driver.app.quit {
            return Ok(());
        }
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    driver.key(key);
                    write_to_terminal(&mut driver.terminal_out)?;
                }
                Some(Ok(Event::Resize(..))) => driver.app.dirty = true,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(anyhow::anyhow!("reading the terminal failed: {e}")),
                None => return Ok(()),
            },
            Some(msg) = driver.rx.recv() => driver.message(msg),
            stores = &mut connecting, if !connected => {
                connected = true;
                let (live, problems) = stores.map_err(|e| anyhow::anyhow!("connecting failed: {e}"))?;
                driver.attach(live, problems);
            }
            _ = spinner.tick(), if driver.app.is_loading() => {
                // Only the tree's own placeholders spin: rebuilding a tree of 100,000
                // nodes because a pane is loading would cost the UI thread every tick.
                if driver.app.tree.is_loading() {
                    driver.app.tree.spinner += 1;
                    driver.app.tree.rebuild();
                }
                driver.app.dirty = true;
            }
            _ = terminate.recv() => {
                tracing::info!("SIGTERM: restoring the terminal and exiting");
                return Ok(());
            }
            _ = hangup.recv() => {
                tracing::info!("SIGHUP: restoring the terminal and exiting");
                return Ok(());
            }
        }
    }
}
