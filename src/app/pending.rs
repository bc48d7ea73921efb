//! Keys that wait for a second one: marks, copy (OSC 52) and export.

use crossterm::event::{KeyCode, KeyEvent};

use super::App;
use super::loader::Effect;

/// A key that waits for a second one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    Mark,
    GoMark,
    Copy,
    Export,
    /// `v`: the confirmation before another tenant's data is shown.
    ShowWithheld,
}

impl Pending {
    /// The menu shown while waiting.
    pub fn menu(self) -> &'static str {
        match self {
            Pending::Mark => "mark: press a letter",
            Pending::GoMark => "go to mark: press its letter",
            Pending::Copy => "copy: i id · r row JSON · d document · p path · k key · c content",
            Pending::Export => "export: m Markdown · j JSON (to the current directory)",
            Pending::ShowWithheld => {
                "⚠ show ANOTHER TENANT's data withheld here? y shows it · any other key cancels"
            }
        }
    }
}

impl App {
    pub(super) fn pending_key(&mut self, pending: Pending, key: KeyEvent) -> Vec<Effect> {
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
            Pending::ShowWithheld if c == 'y' => {
                if let Some(detail) = self.detail.as_mut() {
                    detail.revealed = true;
                    for w in &detail.withheld {
                        crate::audit::record(
                            "show_other_tenant",
                            &format!("{} of tenant {}", w.title, w.owner.tenant_id),
                        );
                    }
                    self.notice = Some("showing another tenant's data (this row only)".into());
                }
            }
            Pending::ShowWithheld => {
                self.notice = Some("another tenant's data stays withheld".into())
            }
            Pending::Mark => self.notice = Some(format!("marks are letters, not {c:?}")),
        }
        Vec::new()
    }

    /// `y` then a letter: puts that on the clipboard through the terminal (OSC 52).
    pub(super) fn copy(&mut self, what: char) -> Vec<Effect> {
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
                let kind = match what {
                    'i' => "id",
                    'r' => "row",
                    'd' => "document",
                    'p' => "path",
                    'k' => "key",
                    _ => "content",
                };
                crate::audit::record(
                    "copy",
                    &format!("{} of {}/{}", kind, detail.table.name, detail.id),
                );
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
    pub(super) fn export(&mut self, format: char) -> Vec<Effect> {
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
        crate::audit::record(
            "export",
            &format!("{}/{} to {}", detail.table.name, detail.id, path.display()),
        );
        vec![Effect::Export { path, contents }]
    }
}
