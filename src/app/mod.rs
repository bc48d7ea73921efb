//! The explorer's model: the tree, the panes for the selected row, which pane has focus,
//! and what the stores last said. Keys arrive as [`Command`]s and IO results as
//! [`Msg`]s; both return the [`Effect`]s to start. Nothing here awaits.

mod browse;
pub mod detail;
pub mod event_loop;
pub mod explore;
mod history;
pub mod keymap;
pub mod loader;
mod panes;
mod pending;
pub mod picker;
pub mod prompt;
pub mod queries;
pub mod results;
pub mod run_view;
pub mod tree;

use std::collections::HashMap;

use crossterm::event::KeyEvent;
use uuid::Uuid;

use crate::load::Ticket;
use crate::resolve::HopState;
use crate::store::StoreKind;
use detail::Detail;
use keymap::{Command, command_for};
use loader::{Effect, Msg};
use pending::Pending;
use picker::Picker;
use prompt::{Prompt, PromptKind};
use results::Results;
use tree::{Selected, Tree};

use crate::schema::{Schema, Table};
use crate::store::read::Filter;
use crate::store::scope::Scope;

/// A row the panes can show: where jumps and marks lead.
pub type Location = (&'static Table, Uuid);

/// A place in the history: a row and the pane it was seen in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop {
    pub table: &'static Table,
    pub id: Uuid,
    pub pane: Pane,
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

/// One line on what of the declaration this database lacks, or None when it fits.
fn schema_notice(schema: &Schema) -> Option<String> {
    use crate::schema::Difference;
    let skipped: Vec<&str> = schema
        .differences
        .iter()
        .filter_map(|d| match d {
            Difference::MissingTable { table } => Some(*table),
            _ => None,
        })
        .collect();
    let others = schema.differences.len() - skipped.len();
    let mut parts = Vec::new();
    if !skipped.is_empty() {
        parts.push(format!(
            "not in this database, not shown: {}",
            skipped.join(", ")
        ));
    }
    if others > 0 {
        parts.push(format!("{others} other differences"));
    }
    (!parts.is_empty()).then(|| {
        format!(
            "schema: {} (`tenantscope doctor` lists them)",
            parts.join("; ")
        )
    })
}

/// What a store last did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Connecting,
    Up,
    Down(String),
}

pub struct App {
    /// The tenant a scoped session reads ("Name (slug)"), shown on the title line.
    pub scope: Option<String>,
    /// The masks a snapshot was taken with, shown on the title line with the session's.
    pub recorded_masks: Vec<String>,
    /// The scope itself: what the session's answers about other tenants say.
    pub tenant_scope: Option<Scope>,
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
    pub revealing: Option<Ticket>,
    /// The search for a pasted id that is running.
    pub finding: Option<Ticket>,
    /// Open the row the running jump lands on (the picker's tenant).
    open_revealed: bool,
    /// The catalog is being read.
    pub fitting_schema: bool,
    /// Load the tenants again when the schema arrives (`r` on the tenants).
    reset_on_schema: bool,
    /// Lines the help popup is scrolled by.
    pub help_scroll: usize,
    pub focus: Focus,
    pub pane: Pane,
    pub help: bool,
    /// Every status-line message of the session, oldest first (the last 200): `:messages`
    /// shows them whole, however long.
    pub messages: Vec<String>,
    /// The `:messages` popup is open.
    pub show_messages: bool,
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
    /// The run view or comparison, and the run `c` marked.
    pub run: run_view::RunViews,
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
            fitting_schema: false,
            reset_on_schema: false,
            help_scroll: 0,
            focus: Focus::Tree,
            pane: Pane::Row,
            help: false,
            messages: Vec::new(),
            show_messages: false,
            notice: None,
            health: [Health::Connecting, Health::Connecting, Health::Connecting],
            source,
            scope: None,
            recorded_masks: Vec::new(),
            tenant_scope: None,
            quit: false,
            dirty: true,
            page_rows: 10,
            save_dir: std::path::PathBuf::from("."),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            content_view: Default::default(),
            run: run_view::RunViews::default(),
            next_ticket: 1_000_000,
        }
    }

    /// Scopes the session to one tenant (before it starts): the tree's root is that
    /// tenant's row, and the title line says so.
    pub fn scope_to(&mut self, scope: Scope) {
        self.scope = Some(format!("{} ({})", scope.tenant.name, scope.slug()));
        self.tree = Tree::scoped(crate::store::read::Item {
            id: scope.id(),
            created_at: Default::default(),
            label: scope.tenant.name.clone(),
            status: None,
        });
        self.tenant_scope = Some(scope);
    }

    /// The first effects: check the stores, fit the schema to the database, load the
    /// tenants (their list does not depend on the schema; the groups under a tenant do,
    /// and are read again if the schema turns out to differ).
    pub fn start(&mut self) -> Vec<Effect> {
        self.fitting_schema = true;
        let mut effects = vec![Effect::Ping, Effect::LoadSchema];
        effects.extend(self.tree.load_root().into_iter().map(Effect::Tree));
        // A scoped tree starts on its tenant's row: the panes show it.
        effects.extend(self.reselect(false));
        effects
    }

    /// Whether anything is on its way (loads, or a store's first answer).
    pub fn is_loading(&self) -> bool {
        self.tree.is_loading()
            || self.detail.as_ref().is_some_and(|d| d.is_loading())
            || self.health.contains(&Health::Connecting)
            || self.fitting_schema
            || self.revealing.is_some()
            || self.finding.is_some()
            || self.results.as_ref().is_some_and(|r| r.loading)
            || self.picker.as_ref().is_some_and(|p| p.loading)
            || self.run.view.as_ref().is_some_and(|v| v.loading())
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

    /// Keeps the status line's messages (a notice, a store's outage) for `:messages`.
    pub fn remember_messages(&mut self) {
        let mut now: Vec<String> = self.notice.iter().cloned().collect();
        for (name, health) in ["PostgreSQL", "MongoDB", "S3"].iter().zip(&self.health) {
            if let Health::Down(reason) = health {
                now.push(format!("{name} down: {reason}"));
            }
        }
        // A message stays on the line over several updates: kept once (an outage and
        // notices may alternate, hence the last few).
        for message in now {
            if !self.messages.iter().rev().take(4).any(|m| *m == message) {
                self.messages.push(message);
            }
        }
        let excess = self.messages.len().saturating_sub(200);
        self.messages.drain(..excess);
    }

    /// Keys while a popup is open (the messages, over the help if both were): scroll it
    /// (the two share one offset), or close it.
    fn popup_command(&mut self, command: Command) {
        let closes = match command {
            Command::Escape | Command::Quit => true,
            Command::Help => !self.show_messages,
            _ => false,
        };
        match command {
            _ if closes => {
                if self.show_messages {
                    self.show_messages = false;
                } else {
                    self.help = false;
                }
                self.help_scroll = 0;
            }
            Command::Down | Command::PageDown => self.help_scroll += 1,
            Command::Up | Command::PageUp => self.help_scroll = self.help_scroll.saturating_sub(1),
            _ => {}
        }
    }

    /// Applies a key's command.
    pub fn command(&mut self, command: Command) -> Vec<Effect> {
        self.dirty = true;
        if self.show_messages || self.help {
            self.popup_command(command);
            return Vec::new();
        }
        let mut effects = Vec::new();
        match command {
            Command::Quit => self.quit = true,
            Command::Help => self.help = true,
            Command::RunView => effects.extend(self.run_view_key()),
            Command::CompareMark => effects.extend(self.compare_key()),
            _ if self.run.visible().is_some() => effects.extend(self.run_command(command)),
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
                    // On the tenants: the catalog again, then the whole tree.
                    (Focus::Tree, _) if self.tree.is_root(self.tree.state.selected()) => {
                        self.fitting_schema = true;
                        self.reset_on_schema = true;
                        effects.push(Effect::LoadSchema);
                    }
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
            Command::ShowWithheld if self.scope.is_some() => {
                self.notice = Some(format!(
                    "this session is scoped to tenant {}: another tenant's data is never read",
                    self.scope.as_deref().unwrap_or_default()
                ))
            }
            Command::ShowWithheld => match self.detail.as_ref() {
                Some(detail) if !detail.withheld.is_empty() && !detail.revealed => {
                    self.pending = Some(Pending::ShowWithheld)
                }
                _ => self.notice = Some("nothing withheld here".into()),
            },
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

    /// The schema arrived: the tree uses it from now on; what did not fit is said once.
    /// When it differs from the declaration (or on `r`), the tenants load again, so no
    /// row keeps groups made from the declaration.
    fn schema_fitted(&mut self, schema: &'static Schema, problem: Option<String>) -> Vec<Effect> {
        self.fitting_schema = false;
        self.tree.schema = schema;
        let reset = std::mem::take(&mut self.reset_on_schema) || !schema.fits();
        self.notice = match problem {
            Some(reason) => Some(format!(
                "the catalog could not be read ({reason}): using the declared schema"
            )),
            None => schema_notice(schema),
        };
        if !reset {
            return Vec::new();
        }
        self.tree
            .reset_root()
            .into_iter()
            .map(Effect::Tree)
            .collect()
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
            Msg::Counts { ticket, result } => self.dirty |= self.tree.apply_counts(ticket, result),
            Msg::Detail { ticket, update } => {
                if let Some(detail) = self.detail.as_mut().filter(|d| d.ticket == ticket) {
                    detail.apply(update);
                    self.dirty = true;
                }
            }
            Msg::Schema(schema, problem) => {
                self.dirty = true;
                return self.schema_fitted(schema, problem);
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
            } => self.results_arrived(ticket, lines, done, error),
            Msg::Tenants {
                ticket,
                result,
                done,
            } => return self.tenants_loaded(ticket, result, done),
            Msg::Ranked { ticket, matches } => self.ranked(ticket, matches),
            Msg::Run(reply) => return self.run_reply(reply),
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
    use crossterm::event::{KeyCode, KeyModifiers};

    use super::*;
    use crate::resolve::{Hop, Resolved};
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
        use crossterm::event::KeyEvent;
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
