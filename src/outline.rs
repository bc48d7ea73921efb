//! The shape of the tree, for every face: which child groups a row has (from the
//! schema's foreign keys), how many rows a page holds, where counts stop.

use uuid::Uuid;

use crate::schema::{Schema, Shown, Table};
use crate::store::read::Listing;

/// Rows per page in a group.
pub const PAGE_SIZE: u32 = 50;
/// Counts stop here ("1,000+").
pub const COUNT_CAP: u64 = 1000;

/// A child group of a row: rows of `table` whose `column` points at the row.
#[derive(Debug, Clone, Copy)]
pub struct GroupSpec {
    pub table: &'static Table,
    pub column: &'static str,
    pub null_column: Option<&'static str>,
}

/// Groups are identified by their table and column.
impl PartialEq for GroupSpec {
    fn eq(&self, other: &Self) -> bool {
        self.table.name == other.table.name && self.column == other.column
    }
}

impl GroupSpec {
    pub fn listing(&self, parent: Uuid) -> Listing {
        Listing::Children {
            table: self.table,
            column: self.column,
            parent,
            null_column: self.null_column,
        }
    }
}

/// The child groups under rows of `table`: every shown foreign key of the schema's
/// tables that targets it.
pub fn groups_of(schema: &Schema, table: &Table) -> Vec<GroupSpec> {
    schema
        .tables
        .iter()
        .flat_map(|child| {
            child.foreign_keys.iter().filter_map(move |fk| {
                let null_column = match fk.shown {
                    Shown::Link => return None,
                    Shown::Child => None,
                    Shown::ChildWhereNull(c) => Some(c),
                };
                (fk.target == table.name).then_some(GroupSpec {
                    table: child,
                    column: fk.column,
                    null_column,
                })
            })
        })
        .collect()
}
