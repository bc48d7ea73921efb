//! Development commands. These are the only code paths that write to the stores, and
//! they run only when a developer asks for them by name.

pub mod migrate;
