//! What the panes show for the selected row: its [`Resolution`] (the row, the chain of
//! references with their states, the documents and the object at the end of it), and
//! where the person is in the panes.

use std::ops::{Deref, DerefMut};

use uuid::Uuid;

use crate::load::Ticket;
use crate::resolve::Resolution;
use crate::schema::Table;

/// The panes' model for one row.
#[derive(Debug, Clone)]
pub struct Detail {
    pub ticket: Ticket,
    pub resolution: Resolution,
    /// The selected field in the row pane (links are followed from here).
    pub field: usize,
    /// Scroll offsets of the row, document and content panes.
    pub scroll: [usize; 3],
    /// Another tenant's withheld documents and object shown (`v`, confirmed).
    pub revealed: bool,
}

impl Detail {
    pub fn new(ticket: Ticket, table: &'static Table, id: Uuid) -> Detail {
        Detail {
            ticket,
            resolution: Resolution::new(ticket, table, id),
            field: 0,
            scroll: [0; 3],
            revealed: false,
        }
    }
}

/// The panes read the resolution's row, hops, documents and content directly.
impl Deref for Detail {
    type Target = Resolution;

    fn deref(&self) -> &Resolution {
        &self.resolution
    }
}

impl DerefMut for Detail {
    fn deref_mut(&mut self) -> &mut Resolution {
        &mut self.resolution
    }
}
