//! Where a background load stands, and the ticket that names it: a result that comes
//! back with an older ticket than the one asked for last is dropped.

/// Names one request; results carry it back.
pub type Ticket = u64;

/// Where a load stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load<T> {
    Unloaded,
    Loading(Ticket),
    Loaded(T),
    Failed(String),
}
