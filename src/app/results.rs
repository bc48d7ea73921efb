//! A list of findings over the tree (`:broken`, `:cost`, what points at a row, the
//! places an id was found): lines that may each lead to a row. Enter jumps there.

use uuid::Uuid;

use super::tree::Ticket;
use crate::schema::Table;

/// Where a line leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Row(&'static Table, Uuid),
    /// An id or key still to be looked up (a link inside a document).
    Clue(String),
}

/// One line of results, and where it leads, if anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultLine {
    pub text: String,
    pub target: Option<Target>,
}

impl ResultLine {
    pub fn heading(text: impl Into<String>) -> ResultLine {
        ResultLine {
            text: text.into(),
            target: None,
        }
    }

    pub fn row(text: impl Into<String>, table: &'static Table, id: Uuid) -> ResultLine {
        ResultLine {
            text: text.into(),
            target: Some(Target::Row(table, id)),
        }
    }

    pub fn clue(text: impl Into<String>, clue: String) -> ResultLine {
        ResultLine {
            text: text.into(),
            target: Some(Target::Clue(clue)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Results {
    pub ticket: Ticket,
    pub title: String,
    pub lines: Vec<ResultLine>,
    pub selected: usize,
    /// Still arriving.
    pub loading: bool,
    pub error: Option<String>,
}

impl Results {
    pub fn new(ticket: Ticket, title: String) -> Results {
        Results {
            ticket,
            title,
            lines: Vec::new(),
            selected: 0,
            loading: true,
            error: None,
        }
    }

    /// Lines Enter can jump from.
    pub fn targets(&self) -> impl Iterator<Item = &Target> + '_ {
        self.lines.iter().filter_map(|l| l.target.as_ref())
    }

    /// Moves the selection by `delta` lines, staying in bounds.
    pub fn step(&mut self, delta: isize) {
        let last = self.lines.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    /// Where the selected line leads, if anywhere.
    pub fn target(&self) -> Option<&Target> {
        self.lines
            .get(self.selected)
            .and_then(|l| l.target.as_ref())
    }
}
