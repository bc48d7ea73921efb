//! Driving the app as a person does: key events in, the real loader against real
//! stores, the screen drawn on a TestBackend and read back as text.
#![allow(dead_code)]

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use sqlx::PgPool;
use tenantscope::app::event_loop::Driver;
use tenantscope::app::keymap::command_for;
use tenantscope::config::StoreArgs;
use tenantscope::schema::{self, Table};
use tenantscope::store::connect::connect;
use tenantscope::store::read::Live;
use tenantscope::store::source::Source;
use unicode_width::UnicodeWidthStr;
use uuid::Uuid;

use super::Stores;

pub fn store_args(stores: &Stores) -> StoreArgs {
    StoreArgs {
        pg: Some(stores.pg_url.clone()),
        mongo: Some(stores.mongo_uri.clone()),
        bucket: Some(stores.bucket.clone()),
        s3_path_style: None,
        ..StoreArgs::default()
    }
}

/// The app on a 140×40 TestBackend.
pub struct Ui {
    pub driver: Driver,
    pub terminal: Terminal<TestBackend>,
}

impl Ui {
    pub async fn open(stores: &Stores) -> Ui {
        Ui::with_size(stores, 140, 40).await
    }

    pub async fn with_size(stores: &Stores, width: u16, height: u16) -> Ui {
        let (live, problems) = connect(store_args(stores)).await;
        Ui::attached(live, problems, width, height).await
    }

    pub async fn attached(
        live: Source,
        problems: Vec<(tenantscope::store::StoreKind, String)>,
        width: u16,
        height: u16,
    ) -> Ui {
        let mut ui = Ui {
            driver: Driver::new("test".into()),
            terminal: Terminal::new(TestBackend::new(width, height)).unwrap(),
        };
        ui.driver.attach(live, problems);
        ui.settle().await;
        ui
    }

    pub async fn settle(&mut self) {
        let settled = self.driver.settle(Duration::from_secs(30)).await;
        self.driver.app.dirty = true;
        self.driver.draw(&mut self.terminal).unwrap();
        assert!(settled, "loads did not finish:\n{}", self.screen());
    }

    pub async fn key(&mut self, code: KeyCode) {
        let key = KeyEvent::new(code, KeyModifiers::NONE);
        assert!(
            self.driver.app.prompt.is_some()
                || self.driver.app.pending.is_some()
                || self.driver.app.picker.is_some()
                || command_for(key).is_some(),
            "{code:?} is not a mapped key"
        );
        self.driver.key(key);
        self.settle().await;
    }

    /// Types `text` as keys (into the prompt or the picker), without pressing Enter.
    pub async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.driver
                .key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        self.settle().await;
    }

    /// In the row pane (at its first field), moves with j to the field `column`.
    pub async fn move_to_field(&mut self, column: &str) {
        let at = self
            .driver
            .app
            .detail
            .as_ref()
            .expect("a row is shown")
            .fields()
            .iter()
            .position(|f| f.column == column)
            .unwrap_or_else(|| panic!("no field {column}"));
        for _ in 0..at {
            self.key(KeyCode::Char('j')).await;
        }
    }

    /// `:` + `line` + Enter.
    pub async fn palette(&mut self, line: &str) {
        self.key(KeyCode::Char(':')).await;
        self.type_text(line).await;
        self.key(KeyCode::Enter).await;
    }

    /// Open, move, cycle panes, open and close help, show content: a quick tour that
    /// touches every part of the layout.
    pub async fn tour(&mut self) {
        for code in [
            KeyCode::Char('l'),
            KeyCode::Char('j'),
            KeyCode::Tab,
            KeyCode::Char('?'),
            KeyCode::Esc,
            KeyCode::Char('3'),
        ] {
            self.key(code).await;
        }
    }

    pub fn screen(&self) -> String {
        // A wide character covers the next cell, as it does on a real terminal.
        let buffer = self.terminal.backend().buffer();
        (0..buffer.area.height)
            .map(|y| {
                let mut line = String::new();
                let mut x = 0;
                while x < buffer.area.width {
                    let symbol = buffer[(x, y)].symbol();
                    line.push_str(symbol);
                    x += u16::try_from(symbol.width().max(1)).unwrap_or(1);
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn selected(&self) -> Vec<String> {
        self.driver.app.tree.state.selected().to_vec()
    }

    /// Walks to `path` with keys only: j until the next node on the path is selected
    /// (Enter on "load more" when it is not loaded yet), then l to open it.
    pub async fn walk(&mut self, path: &[String]) {
        for depth in 2..=path.len() {
            let target = &path[..depth];
            let mut presses = 0;
            while self.selected() != target {
                let visible: Vec<Vec<String>> = self
                    .driver
                    .app
                    .tree
                    .state
                    .flatten(&self.driver.app.tree.items)
                    .into_iter()
                    .map(|f| f.identifier)
                    .collect();
                let at = visible.iter().position(|p| p.as_slice() == self.selected());
                let goal = visible.iter().position(|p| p.as_slice() == target);
                let on_more = self.selected().last().map(String::as_str) == Some("+more");
                let key = match (goal, at) {
                    (Some(goal), Some(at)) if goal < at => KeyCode::Char('k'),
                    _ if on_more => KeyCode::Enter,
                    _ => KeyCode::Char('j'),
                };
                self.key(key).await;
                presses += 1;
                assert!(
                    presses < 400,
                    "could not reach {target:?}:\n{}",
                    self.screen()
                );
            }
            if depth < path.len() {
                self.key(KeyCode::Char('l')).await;
            }
        }
    }
}

/// The tree path of a row: from the tenant down, along the edges the schema shows.
pub async fn tree_path(pg: &PgPool, table: &'static Table, id: Uuid) -> Vec<String> {
    let live = Source::Live(Live {
        pg: Some(pg.clone()),
        ..Live::default()
    });
    source_tree_path(&live, table, id).await
}

/// [`tree_path`] through any store.
pub async fn source_tree_path(live: &Source, table: &'static Table, id: Uuid) -> Vec<String> {
    let mut reversed = Vec::new();
    let (mut table, mut id) = (table, id);
    loop {
        reversed.push(format!("{}:{id}", table.name));
        let fields = live.row(table, id).await.unwrap().expect("the row exists");
        let value = |c: &str| {
            fields
                .iter()
                .find(|f| f.column == c)
                .and_then(|f| f.value.clone())
        };
        let Some(fk) = schema::tree_parent(table, value) else {
            break;
        };
        reversed.push(format!("#{}.{}", table.name, fk.column));
        let parent: Uuid = value(fk.column).unwrap().parse().unwrap();
        (table, id) = (schema::table(fk.target).unwrap(), parent);
    }
    reversed.push("#tenants".into());
    reversed.reverse();
    reversed
}

pub fn table(name: &str) -> &'static Table {
    schema::table(name).unwrap()
}

/// The files of `dir` once it holds `n`, each written whole (not empty, and the same size
/// on two looks 50 ms apart): exports are written in the background, after the key that
/// asked for them has settled. Panics after 10 s.
pub async fn exported_files(dir: &std::path::Path, n: usize) -> Vec<std::path::PathBuf> {
    let sizes = || -> Vec<(std::path::PathBuf, u64)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| (e.path(), e.metadata().map_or(0, |m| m.len())))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    };
    for _ in 0..200 {
        let first = sizes();
        if first.len() == n && first.iter().all(|(_, size)| *size > 0) {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if sizes() == first {
                return first.into_iter().map(|(path, _)| path).collect();
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{dir:?} does not hold {n} whole files: {:?}", sizes());
}
