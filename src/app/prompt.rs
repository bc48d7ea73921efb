//! The one-line prompt at the bottom: `:` for the command palette, `/` for a filter.
//! Editing, history (Up/Down) and completion of command names (Tab) live here; what a
//! submitted line means is [`Palette::parse`].

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::loader::{Effect, Question};
use super::queries;
use super::results::Results;
use super::{App, Focus, Pane};
use crate::store::read::Filter;

/// What the prompt is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Command,
    Filter,
}

impl PromptKind {
    pub fn symbol(self) -> char {
        match self {
            PromptKind::Command => ':',
            PromptKind::Filter => '/',
        }
    }
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: String,
    /// Position in the history while browsing it with Up/Down.
    history_at: Option<usize>,
    /// What Tab found (the candidates when several commands match).
    pub hint: Option<String>,
}

/// The palette's commands, with what they take, for completion and `:help`.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "id",
        "ID: jump to a row, document or object by UUID, ObjectId or S3 key",
    ),
    ("tenant", "NAME: pick a tenant (fuzzy)"),
    (
        "failed",
        "failed or timed-out runs of the current tenant, newest first",
    ),
    (
        "stuck",
        "[MINUTES]: runs still running after MINUTES (default 60)",
    ),
    (
        "cost",
        "LLM tokens and cost by strategy, goal, deliverable and run",
    ),
    ("broken", "every dangling reference of the current tenant"),
    (
        "refs",
        "what points at the selected row, document or object",
    ),
    (
        "filter",
        "TEXT status:S: narrow the selected group (the same as /)",
    ),
    ("run", "ID: the run view of an activity run"),
    ("diff", "A B: compare two activity runs step by step"),
    ("messages", "the session's status-line messages, whole"),
    ("help", "the keys and these commands"),
];

/// A submitted palette line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Palette {
    /// An id, an ObjectId or a key, with or without `id`.
    Find(String),
    Tenant(String),
    Failed,
    Stuck {
        minutes: u32,
    },
    Cost,
    Broken,
    Refs,
    Filter(String),
    Run(uuid::Uuid),
    Diff(uuid::Uuid, uuid::Uuid),
    Messages,
    Help,
}

impl Palette {
    pub fn parse(line: &str) -> Result<Palette, String> {
        let line = line.trim();
        let (word, rest) = line
            .split_once(char::is_whitespace)
            .map_or((line, ""), |(w, r)| (w, r.trim()));
        Ok(match word {
            "" => return Err("type a command or an id (:help lists them)".into()),
            "id" if rest.is_empty() => return Err(":id takes an id".into()),
            "id" => Palette::Find(rest.to_string()),
            "tenant" | "t" => Palette::Tenant(rest.to_string()),
            "failed" => Palette::Failed,
            "stuck" => Palette::Stuck {
                minutes: if rest.is_empty() {
                    60
                } else {
                    rest.parse()
                        .map_err(|_| format!(":stuck takes minutes, not {rest:?}"))?
                },
            },
            "cost" => Palette::Cost,
            "broken" => Palette::Broken,
            "refs" => Palette::Refs,
            "filter" => Palette::Filter(rest.to_string()),
            "run" => Palette::Run(run_id(rest)?),
            "diff" => match rest.split_whitespace().collect::<Vec<_>>().as_slice() {
                [a, b] => Palette::Diff(run_id(a)?, run_id(b)?),
                _ => return Err(":diff takes two activity run ids".into()),
            },
            "help" | "h" | "?" => Palette::Help,
            "messages" | "messages!" | "mes" => Palette::Messages,
            // One word that can be an id or a key (ids have their shapes, keys a slash).
            _ if rest.is_empty() && looks_like_a_clue(word) => Palette::Find(word.to_string()),
            _ => return Err(format!("unknown command {word:?} (:help lists them)")),
        })
    }
}

/// An activity run id, bare or as `activity_runs/ID`.
fn run_id(text: &str) -> Result<uuid::Uuid, String> {
    text.trim()
        .trim_start_matches("activity_runs/")
        .parse()
        .map_err(|_| format!("{text:?} is not an activity run id (a UUID)"))
}

/// Whether `word` can be something to look up rather than a mistyped command.
fn looks_like_a_clue(word: &str) -> bool {
    matches!(
        crate::find::Clue::parse(word),
        Some(crate::find::Clue::Row(_) | crate::find::Clue::Document(_))
    ) || word.contains('/')
}

impl Prompt {
    pub fn new(kind: PromptKind, input: String) -> Prompt {
        Prompt {
            kind,
            input,
            history_at: None,
            hint: None,
        }
    }

    /// Up (older) or Down (newer) through `history`, newest last.
    pub fn browse(&mut self, history: &[String], older: bool) {
        if history.is_empty() {
            return;
        }
        let at = match (self.history_at, older) {
            (None, true) => history.len() - 1,
            (None, false) => return,
            (Some(i), true) => i.saturating_sub(1),
            (Some(i), false) if i + 1 >= history.len() => {
                self.history_at = None;
                self.input.clear();
                return;
            }
            (Some(i), false) => i + 1,
        };
        self.history_at = Some(at);
        self.input = history[at].clone();
    }

    /// Completes the command name being typed: to the only match, or to the longest
    /// prefix the matches share. Returns the matches to show.
    pub fn complete(&mut self) -> Vec<&'static str> {
        if self.kind != PromptKind::Command || self.input.contains(' ') {
            return Vec::new();
        }
        let matches: Vec<&str> = COMMANDS
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| name.starts_with(self.input.as_str()))
            .collect();
        match matches.as_slice() {
            [] => {}
            [only] => self.input = format!("{only} "),
            [first, rest @ ..] => {
                let mut common = first.to_string();
                for name in rest {
                    while !name.starts_with(&common) {
                        common.pop();
                    }
                }
                self.input = common;
            }
        }
        matches
    }
}

impl App {
    pub(super) fn prompt_key(&mut self, key: KeyEvent) -> Vec<Effect> {
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

    pub(super) fn submit(&mut self, prompt: Prompt) -> Vec<Effect> {
        let line = prompt.input.trim().to_string();
        match prompt.kind {
            PromptKind::Filter if self.run.visible().is_some() => self.run_search(&line),
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

    pub(super) fn palette(&mut self, palette: Palette) -> Vec<Effect> {
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
            Palette::Run(id) => self.open_run(id),
            Palette::Diff(a, b) => self.open_compare(a, b),
            Palette::Help => {
                self.help = true;
                Vec::new()
            }
            Palette::Messages => {
                self.show_messages = true;
                self.help_scroll = 0;
                Vec::new()
            }
        }
    }

    pub(super) fn no_tenant(&mut self) -> Vec<Effect> {
        self.notice = Some("select a tenant (or a row of one) first".into());
        Vec::new()
    }

    /// Opens a results list answering `question`.
    pub(super) fn ask(&mut self, title: String, question: Question) -> Vec<Effect> {
        let ticket = self.ticket();
        self.results = Some(Results::new(ticket, title));
        vec![Effect::Ask { ticket, question }]
    }

    /// What points at the row shown (or, from the document or content pane, at its
    /// document or object).
    pub(super) fn referrers(&mut self) -> Vec<Effect> {
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
    pub(super) fn found(&mut self, text: String, found: crate::find::Found) -> Vec<Effect> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_lines() {
        assert_eq!(Palette::parse("failed"), Ok(Palette::Failed));
        assert_eq!(
            Palette::parse("stuck 15"),
            Ok(Palette::Stuck { minutes: 15 })
        );
        assert_eq!(Palette::parse("stuck"), Ok(Palette::Stuck { minutes: 60 }));
        assert!(Palette::parse("stuck soon").is_err());
        assert_eq!(Palette::parse(" id  abc "), Ok(Palette::Find("abc".into())));
        assert_eq!(
            Palette::parse("6a5f0c2e9b1d4e7f8a9b0c1d"),
            Ok(Palette::Find("6a5f0c2e9b1d4e7f8a9b0c1d".into()))
        );
        assert_eq!(
            Palette::parse("tenant acme co"),
            Ok(Palette::Tenant("acme co".into()))
        );
        assert!(Palette::parse("frobnicate now").is_err());
        assert!(Palette::parse("faild").is_err(), "a typo is not an S3 key");
        assert_eq!(
            Palette::parse("tenants/a/b.md"),
            Ok(Palette::Find("tenants/a/b.md".into()))
        );
        assert!(Palette::parse("").is_err());
        let (a, b) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        assert_eq!(Palette::parse(&format!("run {a}")), Ok(Palette::Run(a)));
        assert_eq!(
            Palette::parse(&format!("run activity_runs/{a}")),
            Ok(Palette::Run(a))
        );
        assert!(Palette::parse("run soon").is_err());
        assert_eq!(
            Palette::parse(&format!("diff {a} {b}")),
            Ok(Palette::Diff(a, b))
        );
        assert!(Palette::parse(&format!("diff {a}")).is_err());
    }

    #[test]
    fn completion_and_history() {
        let mut prompt = Prompt::new(PromptKind::Command, "fa".into());
        assert_eq!(prompt.complete(), vec!["failed"]);
        assert_eq!(prompt.input, "failed ");
        let mut prompt = Prompt::new(PromptKind::Command, "".into());
        assert_eq!(prompt.complete().len(), COMMANDS.len());
        let history = vec!["failed".to_string(), "cost".to_string()];
        let mut prompt = Prompt::new(PromptKind::Command, String::new());
        prompt.browse(&history, true);
        assert_eq!(prompt.input, "cost");
        prompt.browse(&history, true);
        assert_eq!(prompt.input, "failed");
        prompt.browse(&history, false);
        assert_eq!(prompt.input, "cost");
        prompt.browse(&history, false);
        assert_eq!(prompt.input, "");
    }
}
