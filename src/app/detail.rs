//! What the panes show for the selected row: its fields, the chain of references it
//! starts (each hop with its state), the documents and the object at the end of it.

use mongodb::bson::Document;
use uuid::Uuid;

use super::tree::{Load, Ticket};
use crate::schema::Table;
use crate::store::read::{Field, ObjectHead};

/// One hop of a reference chain: `activities.output_ref → activity_outputs/6a5…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub from: String,
    pub to: String,
    pub state: HopState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HopState {
    Loading,
    Resolved,
    /// The reference names nothing: a dangling reference.
    NotFound,
    /// The column is NULL: there is nothing to follow.
    Empty,
    /// The value cannot be a reference (not a 24-hex ObjectId, say).
    Invalid(String),
    Failed(String),
}

/// The object at the end of the chain.
#[derive(Debug, Clone)]
pub struct Content {
    pub key: String,
    pub head: ObjectHead,
}

impl Content {
    /// Whether only the first part of the object was fetched.
    pub fn truncated(&self) -> bool {
        (self.head.bytes.len() as u64) < self.head.meta.size
    }
}

/// Progress of resolving one row, as the loader reports it.
#[derive(Debug, Clone)]
pub enum Resolved {
    Row(Result<Option<Vec<Field>>, String>),
    /// A hop was added (index = hops.len()) or updated.
    Hop(usize, Hop),
    Document(String, Document),
    Content(Content),
    /// More bytes of the content, appended.
    More(Vec<u8>),
}

/// The panes' model for one row.
#[derive(Debug, Clone)]
pub struct Detail {
    pub ticket: Ticket,
    pub table: &'static Table,
    pub id: Uuid,
    pub row: Load<Option<Vec<Field>>>,
    pub hops: Vec<Hop>,
    /// (title, document): the referenced document first, related ones after.
    pub documents: Vec<(String, Document)>,
    pub content: Option<Content>,
    /// The selected field in the row pane (links are followed from here).
    pub field: usize,
    /// Scroll offsets of the row, document and content panes.
    pub scroll: [usize; 3],
}

impl Detail {
    pub fn new(ticket: Ticket, table: &'static Table, id: Uuid) -> Detail {
        Detail {
            ticket,
            table,
            id,
            row: Load::Loading(ticket),
            hops: Vec::new(),
            documents: Vec::new(),
            content: None,
            field: 0,
            scroll: [0; 3],
        }
    }

    pub fn apply(&mut self, update: Resolved) {
        match update {
            Resolved::Row(Ok(row)) => self.row = Load::Loaded(row),
            Resolved::Row(Err(e)) => self.row = Load::Failed(e),
            Resolved::Hop(i, hop) if i < self.hops.len() => self.hops[i] = hop,
            Resolved::Hop(_, hop) => self.hops.push(hop),
            Resolved::Document(title, doc) => self.documents.push((title, doc)),
            Resolved::Content(content) => self.content = Some(content),
            Resolved::More(bytes) => {
                if let Some(content) = &mut self.content {
                    content.head.bytes.extend_from_slice(&bytes);
                }
            }
        }
    }

    pub fn fields(&self) -> &[Field] {
        match &self.row {
            Load::Loaded(Some(fields)) => fields,
            _ => &[],
        }
    }

    pub fn is_loading(&self) -> bool {
        matches!(self.row, Load::Loading(_))
            || self.hops.iter().any(|h| h.state == HopState::Loading)
    }
}
