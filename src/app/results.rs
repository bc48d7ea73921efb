//! A list of findings over the tree (`:broken`, `:cost`, what points at a row, the
//! places an id was found): lines that may each lead to a row. Enter jumps there.

use uuid::Uuid;

use super::tree::Ticket;
use crate::schema::Table;

/// One line of results, and the row it leads to, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultLine {
    pub text: String,
    pub target: Option<(&'static Table, Uuid)>,
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
            target: Some((table, id)),
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

    /// Lines whose target is a row, the ones Enter can jump to.
    pub fn targets(&self) -> impl Iterator<Item = (&'static Table, Uuid)> + '_ {
        self.lines.iter().filter_map(|l| l.target)
    }

    /// Moves the selection by `delta` lines, staying in bounds.
    pub fn step(&mut self, delta: isize) {
        let last = self.lines.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    /// The row the selected line leads to, if any.
    pub fn target(&self) -> Option<(&'static Table, Uuid)> {
        self.lines.get(self.selected).and_then(|l| l.target)
    }
}
