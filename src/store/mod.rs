//! Connections to the three stores. The explorer opens them read-only; only the
//! development commands (`dev migrate`, `dev seed`) ask for write access.

pub mod ancestry;
pub mod catalog;
pub mod connect;
pub mod deadline;
pub mod mongo;
pub mod postgres;
pub mod read;
pub mod rows;
pub mod s3;
pub mod scope;
pub mod shapes;
pub mod snapshot;
pub mod source;

/// What a connection may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Every transaction is read-only, enforced by the server.
    ReadOnly,
    /// Development commands that create the schema and seed data.
    ReadWrite,
}

/// The three stores, named in health reports and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Postgres,
    Mongo,
    S3,
}

impl StoreKind {
    pub fn name(self) -> &'static str {
        match self {
            StoreKind::Postgres => "PostgreSQL",
            StoreKind::Mongo => "MongoDB",
            StoreKind::S3 => "S3",
        }
    }
}
