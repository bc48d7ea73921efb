//! Connections to the three stores. The explorer opens them read-only; only the
//! development commands (`dev migrate`, `dev seed`) ask for write access.

pub mod ancestry;
pub mod mongo;
pub mod postgres;
pub mod read;
pub mod s3;
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
