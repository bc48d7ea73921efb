//! The explorer's model: the tree, the panes for the selected row, which pane has focus,
//! and what the stores last said. Keys arrive as [`Command`]s and IO results as
//! [`Msg`]s; both return the [`Effect`]s to start. Nothing here awaits.

pub mod detail;
pub mod keymap;
pub mod loader;
pub mod picker;
pub mod prompt;
pub mod queries;
pub mod results;
pub mod run;
pub mod tree;

use std::collections::HashMap;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use uuid::Uuid;

use detail::{Detail, HopState};
use keymap::{Command, command_for};
use loader::{Effect, Msg, Question, StoreKind};
use picker::Picker;
use prompt::{Palette, Prompt, PromptKind};
use results::{ResultLine, Results, Target};
use tree::{Selected, Tree};

use crate::schema::{self, Table};
use crate::store::read::{Filter, Listing};

/// A row the panes can show: where jumps and marks lead.
pub type Location = (&'static Table, Uuid);

/// A place in the history: a row and the pane it was seen in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop {
    pub table: &'static Table,
    pub id: Uuid,
    pub pane: Pane,
}

/// A key that waits for a second one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    Mark,
    GoMark,
    Copy,
    Export,
}

impl Pending {
    /// The menu shown while waiting.
    pub fn menu(self) -> &'static str {
        match self {
            Pending::Mark => "mark: press a letter",
            Pending::GoMark => "go to mark: press its letter",
            Pending::Copy => "copy: i id · r row JSON · d document · p path · k key · c content",
            Pending::Export => "export: m Markdown · j JSON (to the current directory)",
        }
    }
}

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

/// Every value in the detail's documents that can be looked up: ObjectIds, UUID
/// strings and S3 keys (the fields the schema says hold them), each with its field path.
fn document_links(detail: &Detail) -> Vec<ResultLine> {
    use mongodb::bson::Bson;
    fn walk(value: &Bson, path: &str, key_field: Option<&str>, out: &mut Vec<ResultLine>) {
        match value {
            Bson::Document(d) => {
                for (k, v) in d {
                    let path = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(v, &path, key_field, out);
                }
            }
            Bson::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{path}[{i}]"), key_field, out);
                }
            }
            Bson::ObjectId(id) if path != "_id" => out.push(ResultLine::clue(
                format!("{path}: ObjectId {id}"),
                id.to_hex(),
            )),
            Bson::String(s) if Uuid::parse_str(s).is_ok() => {
                out.push(ResultLine::clue(format!("{path}: {s}"), s.clone()))
            }
            Bson::String(s) if Some(path) == key_field => {
                out.push(ResultLine::clue(format!("{path}: s3 {s}"), s.clone()))
            }
            Bson::Binary(b) if b.subtype == mongodb::bson::spec::BinarySubtype::Uuid => {
                if let Ok(id) = Uuid::from_slice(&b.bytes) {
                    out.push(ResultLine::clue(
                        format!("{path}: UUID {id}"),
                        id.to_string(),
                    ));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (title, document) in &detail.documents {
        let collection = title.split('/').next().unwrap_or_default();
        let key_field = schema::collection(collection).and_then(|c| c.s3_key_field);
        out.push(ResultLine::heading(title.clone()));
        walk(&Bson::Document(document.clone()), "", key_field, &mut out);
    }
    out
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
    /// Where `[` and `]` lead: places left by jumps, and places gone back from.
    pub back: Vec<Stop>,
    pub forward: Vec<Stop>,
    pub marks: HashMap<char, Location>,
    pub prompt: Option<Prompt>,
    /// Lines submitted at the `:` prompt, oldest first.
    pub palette_history: Vec<String>,
    pub pending: Option<Pending>,
    pub results: Option<Results>,
    /// Results hidden by a jump from them, for `L`.
    pub last_results: Option<Results>,
    pub picker: Option<Picker>,
    /// The picker closed last, kept so its tenants need not load again.
    last_picker: Option<Picker>,
    /// The jump being placed in the tree (its ancestry is loading).
    pub revealing: Option<tree::Ticket>,
    /// The search for a pasted id that is running.
    pub finding: Option<tree::Ticket>,
    /// Open the row the running jump lands on (the picker's tenant).
    open_revealed: bool,
    /// Lines the help popup is scrolled by.
    pub help_scroll: usize,
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
    /// The content pane's rendered rows (a drawing cache, see `ui::content_view`).
    pub content_view: crate::ui::content_view::ContentView,
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
            forward: Vec::new(),
            marks: HashMap::new(),
            prompt: None,
            palette_history: Vec::new(),
            pending: None,
            results: None,
            last_results: None,
            picker: None,
            last_picker: None,
            revealing: None,
            finding: None,
            open_revealed: false,
            help_scroll: 0,
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
            content_view: Default::default(),
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
            || self.revealing.is_some()
            || self.finding.is_some()
            || self.results.as_ref().is_some_and(|r| r.loading)
            || self.picker.as_ref().is_some_and(|p| p.loading)
    }

    /// A key: to the prompt, a pending menu or the picker when one is open, else
    /// through the key map.
    pub fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.dirty = true;
        // A notice is about the last thing done; the next key starts something else.
        self.notice = None;
        if self.prompt.is_some() {
            return self.prompt_key(key);
        }
        if let Some(pending) = self.pending.take() {
            return self.pending_key(pending, key);
        }
        if self.picker.is_some() {
            return self.picker_key(key);
        }
        match command_for(key) {
            Some(command) => self.command(command),
            None => Vec::new(),
        }
    }

    fn ticket(&mut self) -> u64 {
        self.next_ticket += 1;
        self.next_ticket
    }

    /// Applies a key's command.
    pub fn command(&mut self, command: Command) -> Vec<Effect> {
        self.dirty = true;
        if self.help {
            match command {
                Command::Escape | Command::Help | Command::Quit => {
                    self.help = false;
                    self.help_scroll = 0;
                }
                Command::Down | Command::PageDown => self.help_scroll += 1,
                Command::Up | Command::PageUp => {
                    self.help_scroll = self.help_scroll.saturating_sub(1)
                }
                _ => {}
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
            _ if self.results.is_some() => effects.extend(self.results_command(command)),
            Command::Escape => self.focus = Focus::Tree,
            Command::Palette => self.prompt = Some(Prompt::new(PromptKind::Command, String::new())),
            Command::Filter => {
                let current = self
                    .tree
                    .selected_listing()
                    .and_then(|(_, l)| l.parts().1.map(Filter::describe_input))
                    .unwrap_or_default();
                self.prompt = Some(Prompt::new(PromptKind::Filter, current));
            }
            Command::Back => effects.extend(self.step_history(true)),
            Command::Forward => effects.extend(self.step_history(false)),
            Command::Mark => self.pending = Some(Pending::Mark),
            Command::GoMark => self.pending = Some(Pending::GoMark),
            Command::Copy | Command::Export if self.detail.is_none() => {
                self.notice = Some("select a row first".into())
            }
            Command::Copy => self.pending = Some(Pending::Copy),
            Command::Export => self.pending = Some(Pending::Export),
            Command::Referrers => effects.extend(self.referrers()),
            Command::Tenants => effects.extend(self.open_picker(String::new())),
            Command::LastResults => match self.last_results.take() {
                Some(results) => self.results = Some(results),
                None => self.notice = Some("no results yet".into()),
            },
            Command::Reveal => match self.tree.selected() {
                Selected::Row { table, id } => effects.extend(self.jump(table, id)),
                _ => self.notice = Some("select a row to show at its place".into()),
            },
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
        // Moving in the tree overrides a jump still on its way.
        self.revealing = None;
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
        self.tree.cross_window_edge();
        effects.extend(self.reselect(false));
        effects
    }

    /// Starts resolving the selected row when the selection moved to another row.
    fn reselect(&mut self, force: bool) -> Vec<Effect> {
        // A jump on its way decides what the panes show.
        if self.revealing.is_some() {
            return Vec::new();
        }
        let Selected::Row { table, id } = self.tree.selected() else {
            return Vec::new();
        };
        if !force
            && self
                .detail
                .as_ref()
                .is_some_and(|d| d.table == table && d.id == id)
        {
            return Vec::new();
        }
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

    fn pane_command(&mut self, command: Command) -> Vec<Effect> {
        let page = self.page_rows.max(1);
        let pane = self.pane;
        if command == Command::Close {
            self.focus = Focus::Tree;
            return Vec::new();
        }
        let Some(detail) = self.detail.as_mut() else {
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
            (Pane::Document, Command::Open) => {
                let lines = document_links(detail);
                let ticket = self.ticket();
                let mut results = Results::new(ticket, "Links in the documents".into());
                results.loading = false;
                results.lines = if lines.is_empty() {
                    vec![ResultLine::heading("no ids or keys in these documents")]
                } else {
                    lines
                };
                self.results = Some(results);
                return Vec::new();
            }
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
            _ => {}
        }
        Vec::new()
    }

    /// Enter on a field: a foreign key jumps to the row it names (`[` comes back); a
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
            let pane = if matches!(
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
            self.hop_to_pane(pane);
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
        let effects = self.jump(target, id);
        if let (Some(field), Some(detail)) = (same_column, self.detail.as_mut()) {
            detail.field = field;
        }
        effects
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
            Msg::Found {
                ticket,
                text,
                found,
            } => {
                if self.finding == Some(ticket) {
                    self.finding = None;
                    self.dirty = true;
                    return self.found(text, found);
                }
            }
            Msg::Revealed {
                ticket,
                table,
                id,
                result,
            } => {
                if self.revealing == Some(ticket) {
                    self.revealing = None;
                    self.dirty = true;
                    match result {
                        Ok(steps) => {
                            let (_, requests) = self.tree.reveal(&steps);
                            let mut effects: Vec<Effect> =
                                requests.into_iter().map(Effect::Tree).collect();
                            if std::mem::take(&mut self.open_revealed) {
                                effects.extend(self.tree.open_selected().map(Effect::Tree));
                            }
                            return effects;
                        }
                        Err(e) => {
                            self.notice = Some(format!(
                                "{}/{id} is shown in the panes only: {e}",
                                table.name
                            ))
                        }
                    }
                }
            }
            Msg::Results {
                ticket,
                lines,
                done,
                error,
            } => {
                if let Some(results) = self.results.as_mut().filter(|r| r.ticket == ticket) {
                    results.lines.extend(lines);
                    results.loading = !done;
                    if error.is_some() {
                        results.error = error;
                    }
                    self.dirty = true;
                }
            }
            Msg::Tenants {
                ticket,
                result,
                done,
            } => {
                if let Some(picker) = self.picker.as_mut().filter(|p| p.load == ticket) {
                    match result {
                        Ok(entries) => {
                            let mut tenants = picker.tenants.as_ref().clone();
                            tenants.extend(entries);
                            picker.tenants = Arc::new(tenants);
                        }
                        Err(e) => picker.error = Some(e),
                    }
                    picker.loading = !done;
                    self.dirty = true;
                    return self.rank();
                }
            }
            Msg::Ranked { ticket, matches } => {
                if let Some(picker) = self.picker.as_mut().filter(|p| p.ranking == ticket) {
                    picker.matches = matches;
                    picker.selected = picker.selected.min(picker.matches.len().saturating_sub(1));
                    self.dirty = true;
                }
            }
        }
        Vec::new()
    }

    /// Shows `table`/`id`, remembering where it came from for `[`, and opens the tree
    /// down to it.
    pub fn jump(&mut self, table: &'static Table, id: Uuid) -> Vec<Effect> {
        if let Some(here) = self.stop()
            && (here.table, here.id) != (table, id)
        {
            self.back.push(here);
            self.forward.clear();
        }
        self.go(table, id)
    }

    /// Where the history would return to: the row shown, in the pane shown.
    fn stop(&self) -> Option<Stop> {
        let (table, id) = self.here()?;
        let pane = if self.focus == Focus::Pane {
            self.pane
        } else {
            Pane::Row
        };
        Some(Stop { table, id, pane })
    }

    /// A hop to another pane of the same row (a reference followed), kept in the history.
    fn hop_to_pane(&mut self, pane: Pane) {
        if let Some(here) = self.stop() {
            self.back.push(here);
            self.forward.clear();
        }
        self.pane = pane;
        self.focus = Focus::Pane;
    }

    /// The row the panes show.
    pub fn here(&self) -> Option<Location> {
        self.detail.as_ref().map(|d| (d.table, d.id))
    }

    /// Shows `table`/`id` in the panes at once and asks for its place in the tree.
    fn go(&mut self, table: &'static Table, id: Uuid) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.here() != Some((table, id)) {
            let ticket = self.ticket();
            self.detail = Some(Detail::new(ticket, table, id));
            effects.push(Effect::Resolve { ticket, table, id });
        }
        let ticket = self.ticket();
        self.revealing = Some(ticket);
        effects.push(Effect::Reveal { ticket, table, id });
        effects
    }

    fn step_history(&mut self, back: bool) -> Vec<Effect> {
        let popped = if back {
            self.back.pop()
        } else {
            self.forward.pop()
        };
        let Some(target) = popped else {
            self.notice = Some(
                if back {
                    "nothing to go back to"
                } else {
                    "nothing to go forward to"
                }
                .into(),
            );
            return Vec::new();
        };
        if let Some(here) = self.stop() {
            if back {
                self.forward.push(here);
            } else {
                self.back.push(here);
            }
        }
        self.pane = target.pane;
        if target.pane != Pane::Row {
            self.focus = Focus::Pane;
        }
        if self.here() == Some((target.table, target.id)) {
            return Vec::new();
        }
        self.go(target.table, target.id)
    }

    /// The tenant of what is shown or selected.
    pub fn current_tenant(&self) -> Option<Uuid> {
        if let Some(detail) = &self.detail {
            if detail.table.name == "tenants" {
                return Some(detail.id);
            }
            if let Some(id) = detail
                .fields()
                .iter()
                .find(|f| f.column == "tenant_id")
                .and_then(|f| f.value.as_deref()?.parse().ok())
            {
                return Some(id);
            }
        }
        self.tree
            .state
            .selected()
            .iter()
            .find_map(|node| node.strip_prefix("tenants:")?.parse().ok())
    }

    fn prompt_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(prompt) = self.prompt.as_mut() else {
            return Vec::new();
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => self.prompt = None,
            KeyCode::Char('c') if ctrl => self.prompt = None,
            KeyCode::Char('u') if ctrl => prompt.input.clear(),
            // Backspace on an empty prompt closes it, as in vim.
            KeyCode::Backspace if prompt.input.pop().is_none() => self.prompt = None,
            KeyCode::Up => prompt.browse(&self.palette_history, true),
            KeyCode::Down => prompt.browse(&self.palette_history, false),
            KeyCode::Tab => {
                let matches = prompt.complete();
                prompt.hint = match matches.len() {
                    0 => Some("no command starts so".into()),
                    1 => None,
                    _ => Some(matches.join(" · ")),
                };
            }
            KeyCode::Enter => {
                let prompt = self.prompt.take().expect("checked above");
                return self.submit(prompt);
            }
            // Pasted text arrives as keys; control characters are dropped.
            KeyCode::Char(c) if !ctrl && !c.is_control() => prompt.input.push(c),
            _ => {}
        }
        Vec::new()
    }

    fn submit(&mut self, prompt: Prompt) -> Vec<Effect> {
        let line = prompt.input.trim().to_string();
        match prompt.kind {
            PromptKind::Filter => self.filter(&line),
            PromptKind::Command => {
                if !line.is_empty() && self.palette_history.last() != Some(&line) {
                    self.palette_history.push(line.clone());
                }
                match Palette::parse(&line) {
                    Ok(palette) => self.palette(palette),
                    Err(e) => {
                        self.notice = Some(e);
                        Vec::new()
                    }
                }
            }
        }
    }

    fn palette(&mut self, palette: Palette) -> Vec<Effect> {
        match palette {
            Palette::Find(text) => {
                let ticket = self.ticket();
                self.finding = Some(ticket);
                self.notice = Some(format!("looking for {text}…"));
                vec![Effect::Find { ticket, text }]
            }
            Palette::Tenant(query) => self.open_picker(query),
            Palette::Failed => self.runs_query(
                "Failed runs",
                Filter {
                    statuses: vec!["failed".into(), "timed_out".into()],
                    ..Filter::default()
                },
            ),
            Palette::Stuck { minutes } => self.runs_query(
                &format!("Runs running over {minutes} min"),
                Filter {
                    statuses: vec!["running".into()],
                    started_before: Some(
                        chrono::Utc::now() - chrono::Duration::minutes(i64::from(minutes)),
                    ),
                    ..Filter::default()
                },
            ),
            Palette::Cost => match self.current_tenant() {
                Some(tenant) => self.ask("LLM cost".into(), Question::Cost { tenant }),
                None => self.no_tenant(),
            },
            Palette::Broken => match self.current_tenant() {
                Some(tenant) => self.ask("Broken references".into(), Question::Broken { tenant }),
                None => self.no_tenant(),
            },
            Palette::Refs => self.referrers(),
            Palette::Filter(text) => self.filter(&text),
            Palette::Help => {
                self.help = true;
                Vec::new()
            }
        }
    }

    fn no_tenant(&mut self) -> Vec<Effect> {
        self.notice = Some("select a tenant (or a row of one) first".into());
        Vec::new()
    }

    /// A group of the current tenant's runs matching `filter`, at the top of the tree.
    fn runs_query(&mut self, title: &str, filter: Filter) -> Vec<Effect> {
        let Some(tenant) = self.current_tenant() else {
            return self.no_tenant();
        };
        let runs = schema::table("activity_runs").expect("activity_runs is declared");
        let listing = Listing::Children {
            table: runs,
            column: "tenant_id",
            parent: tenant,
            null_column: None,
        }
        .with_filter(filter);
        let name = self
            .tree
            .label_of("tenants", tenant)
            .unwrap_or_else(|| tenant.to_string());
        self.focus = Focus::Tree;
        self.revealing = None;
        self.tree
            .add_root(format!("{title} · {name}"), listing)
            .map(Effect::Tree)
            .into_iter()
            .collect()
    }

    fn filter(&mut self, line: &str) -> Vec<Effect> {
        let filter = Filter::parse(line);
        let Some((_, listing)) = self.tree.selected_listing() else {
            self.notice = Some("select a group or a row in one to filter it".into());
            return Vec::new();
        };
        let table = listing.table();
        if !filter.statuses.is_empty() && table.status.is_none() {
            self.notice = Some(format!("{} has no status to filter on", table.name));
            return Vec::new();
        }
        self.focus = Focus::Tree;
        self.revealing = None;
        self.tree
            .filter_selected(filter)
            .map(Effect::Tree)
            .into_iter()
            .collect()
    }

    /// Opens a results list answering `question`.
    fn ask(&mut self, title: String, question: Question) -> Vec<Effect> {
        let ticket = self.ticket();
        self.results = Some(Results::new(ticket, title));
        vec![Effect::Ask { ticket, question }]
    }

    /// What points at the row shown (or, from the document or content pane, at its
    /// document or object).
    fn referrers(&mut self) -> Vec<Effect> {
        let Some(detail) = self.detail.as_ref() else {
            self.notice = Some("select a row first".into());
            return Vec::new();
        };
        let (table, id) = (detail.table, detail.id);
        let clue = match (self.focus, self.pane) {
            (Focus::Pane, Pane::Document) => detail
                .documents
                .first()
                .and_then(|(_, d)| d.get_object_id("_id").ok())
                .map(|id| id.to_hex()),
            (Focus::Pane, Pane::Content) => detail.content.as_ref().map(|c| c.key.clone()),
            _ => None,
        };
        match clue {
            Some(clue) => self.ask(format!("What points at {clue}"), Question::Clue(clue)),
            None => self.ask(
                format!("What points at {}/{id}", table.name),
                Question::RowReferrers { table, id },
            ),
        }
    }

    /// A search's answer: jump to the row it names (or the first row pointing at what it
    /// found); list everything when there is more than that one row.
    fn found(&mut self, text: String, found: crate::find::Found) -> Vec<Effect> {
        if found.is_empty() {
            self.notice = Some(found.not_found_message(&text));
            return Vec::new();
        }
        let mut effects = Vec::new();
        let rows = found
            .places
            .iter()
            .filter(|p| matches!(p, crate::find::Place::Row { .. }))
            .count()
            + found.referrers.len();
        let several = rows > 1 || found.row().is_none() || !found.errors.is_empty();
        if several {
            let ticket = self.ticket();
            let mut results = Results::new(ticket, format!("Found {text}"));
            results.lines = queries::found_lines(&found);
            results.loading = false;
            self.last_results = Some(results);
        }
        match found.row() {
            Some((table, id)) => {
                self.notice = Some(if several {
                    format!("found {text}: showing the first row; L lists every place")
                } else {
                    format!("found {text} in {}", table.name)
                });
                // A document or object found: show it in its pane.
                if !found
                    .places
                    .iter()
                    .any(|p| matches!(p, crate::find::Place::Row { .. }))
                {
                    self.pane = if found
                        .places
                        .iter()
                        .any(|p| matches!(p, crate::find::Place::Object(_)))
                    {
                        Pane::Content
                    } else {
                        Pane::Document
                    };
                }
                effects.extend(self.jump(table, id));
            }
            None => self.results = self.last_results.take(),
        }
        effects
    }

    fn results_command(&mut self, command: Command) -> Vec<Effect> {
        let page = self.page_rows.max(1) as isize;
        let Some(results) = self.results.as_mut() else {
            return Vec::new();
        };
        match command {
            Command::Down => results.step(1),
            Command::Up => results.step(-1),
            Command::PageDown => results.step(page),
            Command::PageUp => results.step(-page),
            Command::Top => results.selected = 0,
            Command::Bottom => results.step(isize::MAX / 2),
            Command::Open => match results.target().cloned() {
                Some(Target::Row(table, id)) => {
                    self.last_results = self.results.take();
                    self.focus = Focus::Tree;
                    return self.jump(table, id);
                }
                Some(Target::Clue(clue)) => {
                    self.last_results = self.results.take();
                    return self.palette(Palette::Find(clue));
                }
                None => {}
            },
            Command::Escape | Command::Close | Command::Quit => {
                self.last_results = self.results.take();
            }
            _ => {}
        }
        Vec::new()
    }

    fn pending_key(&mut self, pending: Pending, key: KeyEvent) -> Vec<Effect> {
        let KeyCode::Char(c) = key.code else {
            return Vec::new();
        };
        match pending {
            Pending::Mark if c.is_ascii_alphabetic() => match self.here() {
                Some(here) => {
                    self.marks.insert(c, here);
                    self.notice = Some(format!("marked {}/{} as '{c}", here.0.name, here.1));
                }
                None => self.notice = Some("select a row to mark".into()),
            },
            Pending::GoMark => match self.marks.get(&c).copied() {
                Some((table, id)) => return self.jump(table, id),
                None => self.notice = Some(format!("no mark '{c}")),
            },
            Pending::Copy => return self.copy(c),
            Pending::Export => return self.export(c),
            Pending::Mark => self.notice = Some(format!("marks are letters, not {c:?}")),
        }
        Vec::new()
    }

    /// `y` then a letter: puts that on the clipboard through the terminal (OSC 52).
    fn copy(&mut self, what: char) -> Vec<Effect> {
        let Some(detail) = self.detail.as_ref() else {
            return Vec::new();
        };
        let text = match what {
            'i' => Some(detail.id.to_string()),
            'r' => serde_json::to_string_pretty(&crate::export::json(detail)["row"]).ok(),
            'd' => detail.documents.first().and_then(|(_, d)| {
                serde_json::to_string_pretty(
                    &mongodb::bson::Bson::Document(d.clone()).into_relaxed_extjson(),
                )
                .ok()
            }),
            'p' => Some(self.tree.full_path().join("\n")).filter(|p| !p.is_empty()),
            'k' => detail.content.as_ref().map(|c| c.key.clone()),
            'c' => detail
                .content
                .as_ref()
                .and_then(|c| String::from_utf8(c.head.bytes.clone()).ok()),
            _ => return Vec::new(),
        };
        let Some(text) = text else {
            self.notice = Some("nothing of that kind to copy here".into());
            return Vec::new();
        };
        match crate::clipboard::osc52(&text) {
            Ok(bytes) => {
                self.notice = Some(format!(
                    "copied {} bytes through the terminal (OSC 52; tmux needs set-clipboard on)",
                    text.len()
                ));
                vec![Effect::Terminal(bytes)]
            }
            Err(e) => {
                self.notice = Some(e);
                Vec::new()
            }
        }
    }

    /// `e` then `m` or `j`: the row, its references, documents and content to a file.
    fn export(&mut self, format: char) -> Vec<Effect> {
        let Some(detail) = self.detail.as_ref() else {
            return Vec::new();
        };
        let (extension, contents) = match format {
            'm' => ("md", crate::export::markdown(detail)),
            'j' => (
                "json",
                serde_json::to_string_pretty(&crate::export::json(detail)).unwrap_or_default(),
            ),
            _ => return Vec::new(),
        };
        let mut path = self
            .save_dir
            .join(format!("{}-{}.{extension}", detail.table.name, detail.id));
        let mut n = 1;
        while path.exists() {
            path = self.save_dir.join(format!(
                "{}-{}.{n}.{extension}",
                detail.table.name, detail.id
            ));
            n += 1;
        }
        vec![Effect::Export { path, contents }]
    }

    fn open_picker(&mut self, query: String) -> Vec<Effect> {
        let ticket = self.ticket();
        // The list loaded before is reused; it is loaded again only after a failure.
        match self.picker.take().or(self.last_picker.take()) {
            Some(mut picker) if picker.error.is_none() => {
                picker.query = query;
                picker.selected = 0;
                self.picker = Some(picker);
                self.rank()
            }
            _ => {
                self.picker = Some(Picker::new(query, ticket));
                vec![Effect::LoadTenants { ticket }]
            }
        }
    }

    fn rank(&mut self) -> Vec<Effect> {
        let ticket = self.ticket();
        let Some(picker) = self.picker.as_mut() else {
            return Vec::new();
        };
        picker.ranking = ticket;
        vec![Effect::Rank {
            ticket,
            tenants: Arc::clone(&picker.tenants),
            query: picker.query.clone(),
        }]
    }

    fn picker_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(picker) = self.picker.as_mut() else {
            return Vec::new();
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let page = self.page_rows.max(1) as isize;
        match key.code {
            KeyCode::Esc => self.last_picker = self.picker.take(),
            KeyCode::Char('c') if ctrl => self.last_picker = self.picker.take(),
            KeyCode::Down => picker.step(1),
            KeyCode::Char('n') if ctrl => picker.step(1),
            KeyCode::Up => picker.step(-1),
            KeyCode::Char('p') if ctrl => picker.step(-1),
            KeyCode::PageDown => picker.step(page),
            KeyCode::PageUp => picker.step(-page),
            KeyCode::Enter => {
                if let Some(id) = picker.chosen().map(|t| t.id) {
                    self.last_picker = self.picker.take();
                    let tenants = schema::table("tenants").expect("tenants is declared");
                    self.focus = Focus::Tree;
                    self.open_revealed = true;
                    return self.jump(tenants, id);
                }
            }
            KeyCode::Backspace => {
                picker.query.pop();
                picker.selected = 0;
                return self.rank();
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                picker.query.push(c);
                picker.selected = 0;
                return self.rank();
            }
            _ => {}
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
    fn following_a_link_is_a_jump_that_back_and_forward_retrace() {
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
        // Follow activity_run_id while the document hop is still loading: the panes
        // show the run at once and the tree is asked to open at it.
        app.command(Command::Pane(1));
        app.command(Command::Down);
        let followed = app.command(Command::Open);
        assert!(
            matches!(followed.as_slice(),
                [Effect::Resolve { id, .. }, Effect::Reveal { id: placed, .. }] if *id == run && *placed == run),
            "{followed:?}"
        );
        assert_eq!(app.back.len(), 1);
        // Back: the row left half loaded is resolved again under a new ticket.
        let back = app.command(Command::Back);
        let [Effect::Resolve { ticket, id, .. }, Effect::Reveal { .. }] = back.as_slice() else {
            panic!("{back:?}");
        };
        assert_eq!(*id, call);
        assert_eq!(app.detail.as_ref().unwrap().ticket, *ticket);
        assert_eq!((app.back.len(), app.forward.len()), (0, 1));
        // Forward again, then r in the panes reloads the row they show.
        let forward = app.command(Command::Forward);
        assert!(
            matches!(forward.as_slice(), [Effect::Resolve { id, .. }, ..] if *id == run),
            "{forward:?}"
        );
        app.focus = Focus::Pane;
        let reload = app.command(Command::Reload);
        assert!(
            reload
                .iter()
                .any(|e| matches!(e, Effect::Resolve { id, .. } if *id == run)),
            "{reload:?}"
        );
        assert_eq!(app.detail.as_ref().unwrap().id, run);
        assert_eq!(app.back.len(), 1, "the way back is kept");
        // Nothing further forward: a notice, no effect.
        assert!(app.command(Command::Forward).is_empty());
        assert!(
            app.notice
                .as_deref()
                .unwrap()
                .contains("nothing to go forward")
        );
    }

    #[test]
    fn marks_remember_rows_and_lead_back_to_them() {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let runs = crate::schema::table("activity_runs").unwrap();
        let mut app = App::new("test".into());
        let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        app.detail = Some(Detail::new(1, runs, a));
        app.key(key('m'));
        app.key(key('a'));
        app.jump(runs, b);
        let effects = app.key(key('\''));
        assert!(effects.is_empty());
        let effects = app.key(key('a'));
        assert!(
            matches!(effects.as_slice(), [Effect::Resolve { id, .. }, ..] if *id == a),
            "{effects:?}"
        );
        assert!(app.key(key('\'')).is_empty());
        app.key(key('z'));
        assert_eq!(app.notice.as_deref(), Some("no mark 'z"));
    }
}
