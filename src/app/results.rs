//! A list of findings over the tree (`:broken`, `:cost`, what points at a row, the
//! places an id was found): lines that may each lead to a row. Enter jumps there.

use uuid::Uuid;

use super::keymap::Command;
use super::loader::Effect;
use super::prompt::Palette;
use super::{App, Focus};
use crate::load::Ticket;
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

impl App {
    pub(super) fn results_command(&mut self, command: Command) -> Vec<Effect> {
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

    /// Lines for the open results list, if they are for it.
    pub(super) fn results_arrived(
        &mut self,
        ticket: Ticket,
        lines: Vec<ResultLine>,
        done: bool,
        error: Option<String>,
    ) {
        if let Some(results) = self.results.as_mut().filter(|r| r.ticket == ticket) {
            results.lines.extend(lines);
            results.loading = !done;
            if error.is_some() {
                results.error = error;
            }
            self.dirty = true;
        }
    }
}
