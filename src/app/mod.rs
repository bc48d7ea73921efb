//! The explorer's model: the tree, the panes for the selected row, which pane has focus,
//! and what the stores last said. Keys arrive as [`Command`]s and IO results as
//! [`Msg`]s; both return the [`Effect`]s to start. Nothing here awaits.

pub mod detail;
pub mod keymap;
pub mod loader;
pub mod run;
pub mod tree;

use detail::{Detail, HopState};
use keymap::Command;
use loader::{Effect, Msg, StoreKind};
use tree::{Selected, Tree};

use crate::schema;

/// Where keys go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Tree,
    Pane,
}

/// The right-hand panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Row,
    Document,
    Content,
}

impl Pane {
    pub fn index(self) -> usize {
        match self {
            Pane::Row => 0,
            Pane::Document => 1,
            Pane::Content => 2,
        }
    }
}

/// What a store last did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Connecting,
    Up,
    Down(String),
}

pub struct App {
    pub tree: Tree,
    pub detail: Option<Detail>,
    /// Rows left by following links, for going back.
    pub back: Vec<Detail>,
    pub focus: Focus,
    pub pane: Pane,
    pub help: bool,
    pub notice: Option<String>,
    pub health: [Health; 3],
    /// Where the data comes from, for the title bar.
    pub source: String,
    pub quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
    /// Rows a page key moves (set from the last frame's height).
    pub page_rows: usize,
    /// Where `s` saves objects (the current directory).
    pub save_dir: std::path::PathBuf,
    /// NO_COLOR was set: draw without colours.
    pub no_color: bool,
    next_ticket: u64,
}

fn store_index(store: StoreKind) -> usize {
    match store {
        StoreKind::Postgres => 0,
        StoreKind::Mongo => 1,
        StoreKind::S3 => 2,
    }
}

impl App {
    pub fn new(source: String) -> App {
        App {
            tree: Tree::new(),
            detail: None,
            back: Vec::new(),
            focus: Focus::Tree,
            pane: Pane::Row,
            help: false,
            notice: None,
            health: [Health::Connecting, Health::Connecting, Health::Connecting],
            source,
            quit: false,
            dirty: true,
            page_rows: 10,
            save_dir: std::path::PathBuf::from("."),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            next_ticket: 1_000_000,
        }
    }

    /// The first effects: check the stores, load the tenants.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut effects = vec![Effect::Ping];
        effects.extend(self.tree.load_root().map(Effect::Tree));
        effects
    }

    /// Whether anything is on its way (loads, or a store's first answer).
    pub fn is_loading(&self) -> bool {
        self.tree.is_loading()
            || self.detail.as_ref().is_some_and(Detail::is_loading)
            || self.health.contains(&Health::Connecting)
    }

    fn ticket(&mut self) -> u64 {
        self.next_ticket += 1;
        self.next_ticket
    }

    /// Applies a key's command.
    pub fn command(&mut self, command: Command) -> Vec<Effect> {
        self.dirty = true;
        if self.help {
            if matches!(command, Command::Escape | Command::Help | Command::Quit) {
                self.help = false;
            }
            return Vec::new();
        }
        let mut effects = Vec::new();
        match command {
            Command::Quit => self.quit = true,
            Command::Help => self.help = true,
            Command::NextPane => self.cycle(true),
            Command::PreviousPane => self.cycle(false),
            Command::Pane(n) => {
                self.pane = match n {
                    1 => Pane::Row,
                    2 => Pane::Document,
                    _ => Pane::Content,
                };
                self.focus = Focus::Pane;
            }
            Command::Reload => {
                effects.push(Effect::Ping);
                match (self.focus, &self.detail) {
                    // In the panes: the row they show, which may be one reached by a link.
                    (Focus::Pane, Some(shown)) => {
                        let (table, id, field) = (shown.table, shown.id, shown.field);
                        let ticket = self.ticket();
                        let mut fresh = Detail::new(ticket, table, id);
                        fresh.field = field;
                        self.detail = Some(fresh);
                        effects.push(Effect::Resolve { ticket, table, id });
                    }
                    _ => {
                        effects.extend(self.tree.reload_selected().map(Effect::Tree));
                        effects.extend(self.reselect(true));
                    }
                }
            }
            Command::Save => match self.detail.as_ref().and_then(|d| d.content.as_ref()) {
                Some(content) => effects.push(Effect::Save {
                    key: content.key.clone(),
                    size: content.head.meta.size,
                    dir: self.save_dir.clone(),
                }),
                None => {
                    self.notice = Some("nothing to save: the selected row has no object".into())
                }
            },
            Command::Escape if self.focus == Focus::Pane => effects.extend(self.go_back()),
            Command::Escape => {}
            _ if self.focus == Focus::Tree => effects.extend(self.tree_command(command)),
            _ => effects.extend(self.pane_command(command)),
        }
        effects
    }

    fn cycle(&mut self, forward: bool) {
        let order = [
            (Focus::Tree, self.pane),
            (Focus::Pane, Pane::Row),
            (Focus::Pane, Pane::Document),
            (Focus::Pane, Pane::Content),
        ];
        let at = match self.focus {
            Focus::Tree => 0,
            Focus::Pane => 1 + self.pane.index(),
        };
        let next = if forward { (at + 1) % 4 } else { (at + 3) % 4 };
        self.focus = order[next].0;
        if next > 0 {
            self.pane = order[next].1;
        }
    }

    fn tree_command(&mut self, command: Command) -> Vec<Effect> {
        let mut effects = Vec::new();
        let page = self.page_rows.max(1);
        match command {
            Command::Down => {
                self.tree.state.key_down();
            }
            Command::Up => {
                self.tree.state.key_up();
            }
            Command::Top => {
                self.tree.state.select_first();
            }
            Command::Bottom => {
                self.tree.state.select_last();
            }
            Command::PageDown => {
                self.tree
                    .state
                    .select_relative(|i| i.map_or(0, |i| i.saturating_add(page)));
            }
            Command::PageUp => {
                self.tree
                    .state
                    .select_relative(|i| i.map_or(0, |i| i.saturating_sub(page)));
            }
            Command::Open => effects.extend(self.tree.open_selected().map(Effect::Tree)),
            Command::Close => self.tree.close_selected(),
            _ => {}
        }
        effects.extend(self.reselect(false));
        effects
    }

    /// Starts resolving the selected row when the selection moved to another row.
    fn reselect(&mut self, force: bool) -> Vec<Effect> {
        let Selected::Row { table, id } = self.tree.selected() else {
            return Vec::new();
        };
        if !force
            && self.back.is_empty()
            && self
                .detail
                .as_ref()
                .is_some_and(|d| d.table == table && d.id == id)
        {
            return Vec::new();
        }
        self.back.clear();
        let ticket = self.ticket();
        self.detail = Some(Detail::new(ticket, table, id));
        vec![Effect::Resolve { ticket, table, id }]
    }

    /// Selects the node at `path` (reveal, tests) and resolves it if it is a row.
    pub fn select(&mut self, path: tree::Path) -> Vec<Effect> {
        self.dirty = true;
        self.tree.state.select(path);
        self.reselect(false)
    }

    /// Back to the row left by following a link. Only the latest resolution runs, so a
    /// row left before it had finished loading is resolved again.
    fn go_back(&mut self) -> Vec<Effect> {
        let Some(mut previous) = self.back.pop() else {
            self.focus = Focus::Tree;
            return Vec::new();
        };
        let mut effects = Vec::new();
        if previous.is_loading() {
            let ticket = self.ticket();
            let mut fresh = Detail::new(ticket, previous.table, previous.id);
            fresh.field = previous.field;
            previous = fresh;
            effects.push(Effect::Resolve {
                ticket,
                table: previous.table,
                id: previous.id,
            });
        }
        self.detail = Some(previous);
        effects
    }

    fn pane_command(&mut self, command: Command) -> Vec<Effect> {
        let page = self.page_rows.max(1);
        let pane = self.pane;
        let Some(detail) = self.detail.as_mut() else {
            if command == Command::Close {
                self.focus = Focus::Tree;
            }
            return Vec::new();
        };
        let fields = detail.fields().len();
        let scroll = &mut detail.scroll[pane.index()];
        match (pane, command) {
            (Pane::Row, Command::Down) => {
                detail.field = (detail.field + 1).min(fields.saturating_sub(1))
            }
            (Pane::Row, Command::Up) => detail.field = detail.field.saturating_sub(1),
            (Pane::Row, Command::Top) => detail.field = 0,
            (Pane::Row, Command::Bottom) => detail.field = fields.saturating_sub(1),
            (Pane::Row, Command::PageDown) => {
                detail.field = (detail.field + page).min(fields.saturating_sub(1))
            }
            (Pane::Row, Command::PageUp) => detail.field = detail.field.saturating_sub(page),
            (Pane::Row, Command::Open) => return self.follow_link(),
            (_, Command::Down) => *scroll += 1,
            (_, Command::Up) => *scroll = scroll.saturating_sub(1),
            (_, Command::Top) => *scroll = 0,
            (_, Command::Bottom) => *scroll = usize::MAX / 2,
            (_, Command::PageDown) => *scroll += page,
            (_, Command::PageUp) => *scroll = scroll.saturating_sub(page),
            (Pane::Content, Command::Open) => {
                if let Some(content) = detail.content.as_ref().filter(|c| c.truncated()) {
                    return vec![Effect::MoreContent {
                        ticket: detail.ticket,
                        key: content.key.clone(),
                        from: content.head.bytes.len() as u64,
                    }];
                }
            }
            (_, Command::Close) => return self.go_back(),
            _ => {}
        }
        Vec::new()
    }

    /// Enter on a field: a foreign key opens the row it names (Esc comes back); a
    /// reference column shows the document or object pane.
    fn follow_link(&mut self) -> Vec<Effect> {
        let Some(detail) = self.detail.as_ref() else {
            return Vec::new();
        };
        let Some(field) = detail.fields().get(detail.field) else {
            return Vec::new();
        };
        if detail
            .table
            .references
            .iter()
            .any(|r| r.column() == field.column)
        {
            self.pane = if matches!(
                detail
                    .table
                    .references
                    .iter()
                    .find(|r| r.column() == field.column),
                Some(schema::Reference::S3 { .. })
            ) {
                Pane::Content
            } else {
                Pane::Document
            };
            return Vec::new();
        }
        let fk = detail
            .table
            .foreign_keys
            .iter()
            .find(|f| f.column == field.column);
        let (Some(fk), Some(value)) = (fk, field.value.as_deref()) else {
            self.notice = Some(format!("{} is not a link", field.column));
            return Vec::new();
        };
        let (Some(target), Ok(id)) = (schema::table(fk.target), value.parse::<uuid::Uuid>()) else {
            self.notice = Some(format!("{} = {value} is not a row id", field.column));
            return Vec::new();
        };
        // Along a self-reference (parent of parent...), stay on the same column.
        let same_column = (target == detail.table).then_some(detail.field);
        let ticket = self.ticket();
        let mut next = Detail::new(ticket, target, id);
        next.field = same_column.unwrap_or(0);
        let previous = self.detail.replace(next);
        self.back.extend(previous);
        vec![Effect::Resolve {
            ticket,
            table: target,
            id,
        }]
    }

    /// Applies what background work reported.
    pub fn message(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Page {
                ticket,
                path,
                result,
            } => {
                if self.tree.apply_page(ticket, &path, result) {
                    self.dirty = true;
                    return self.reselect(false);
                }
            }
            Msg::Counts {
                ticket,
                path,
                result,
            } => self.dirty |= self.tree.apply_counts(ticket, &path, result),
            Msg::Detail { ticket, update } => {
                if let Some(detail) = self.detail.as_mut().filter(|d| d.ticket == ticket) {
                    detail.apply(update);
                    self.dirty = true;
                }
            }
            Msg::Health(store, problem) => {
                let health = match problem {
                    None => Health::Up,
                    Some(reason) => Health::Down(reason),
                };
                let slot = &mut self.health[store_index(store)];
                if *slot != health {
                    *slot = health;
                    self.dirty = true;
                }
            }
            Msg::Notice(text) => {
                self.notice = Some(text);
                self.dirty = true;
            }
        }
        Vec::new()
    }

    /// The chain's state in one word per hop, for tests and the status line.
    pub fn chain_summary(&self) -> Vec<(String, HopState)> {
        self.detail
            .as_ref()
            .map(|d| {
                d.hops
                    .iter()
                    .map(|h| (format!("{} → {}", h.from, h.to), h.state.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::detail::{Hop, Resolved};
    use crate::store::read::Field;

    fn field(column: &str, value: &str) -> Field {
        Field {
            column: column.into(),
            value: Some(value.into()),
            pg_type: "uuid".into(),
        }
    }

    #[test]
    fn going_back_to_a_row_left_half_loaded_resolves_it_again() {
        let calls = crate::schema::table("tool_calls").unwrap();
        let mut app = App::new("test".into());
        let call = uuid::Uuid::new_v4();
        let run = uuid::Uuid::new_v4();
        app.detail = Some(Detail::new(7, calls, call));
        app.message(Msg::Detail {
            ticket: 7,
            update: Resolved::Row(Ok(Some(vec![
                field("id", &call.to_string()),
                field("activity_run_id", &run.to_string()),
            ]))),
        });
        app.message(Msg::Detail {
            ticket: 7,
            update: Resolved::Hop(
                0,
                Hop {
                    from: "tool_calls.log_ref".into(),
                    to: "tool_call_logs/…".into(),
                    state: HopState::Loading,
                },
            ),
        });
        // Follow activity_run_id while the document hop is still loading.
        app.command(Command::Pane(1));
        app.command(Command::Down);
        let followed = app.command(Command::Open);
        assert!(
            matches!(followed.as_slice(), [Effect::Resolve { id, .. }] if *id == run),
            "{followed:?}"
        );
        // Back: the half-loaded row is resolved again under a new ticket.
        let back = app.command(Command::Escape);
        let [Effect::Resolve { ticket, id, .. }] = back.as_slice() else {
            panic!("{back:?}");
        };
        assert_eq!(*id, call);
        let detail = app.detail.as_ref().unwrap();
        assert_eq!((detail.id, detail.ticket, detail.field), (call, *ticket, 1));
        // A fully loaded row comes back as it was, with nothing to load.
        app.message(Msg::Detail {
            ticket: *ticket,
            update: Resolved::Row(Ok(Some(vec![
                field("id", &call.to_string()),
                field("activity_run_id", &run.to_string()),
            ]))),
        });
        app.command(Command::Open);
        assert!(app.command(Command::Escape).is_empty());

        // r in the panes reloads the row they show, here one reached by a link.
        app.command(Command::Open);
        let reload = app.command(Command::Reload);
        assert!(
            reload
                .iter()
                .any(|e| matches!(e, Effect::Resolve { id, .. } if *id == run)),
            "{reload:?}"
        );
        assert_eq!(app.detail.as_ref().unwrap().id, run);
        assert_eq!(app.back.len(), 1, "the way back is kept");
    }
}
