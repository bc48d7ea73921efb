//! The one-line prompt at the bottom: `:` for the command palette, `/` for a filter.
//! Editing, history (Up/Down) and completion of command names (Tab) live here; what a
//! submitted line means is [`Palette::parse`].

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
            "help" | "h" | "?" => Palette::Help,
            // One word that can be an id or a key (ids have their shapes, keys a slash).
            _ if rest.is_empty() && looks_like_a_clue(word) => Palette::Find(word.to_string()),
            _ => return Err(format!("unknown command {word:?} (:help lists them)")),
        })
    }
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
