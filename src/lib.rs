//! tenantscope: a terminal explorer over a multi-tenant platform's data in PostgreSQL,
//! MongoDB and S3.

pub mod app;
pub mod check;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod dev;
pub mod explore;
pub mod export;
pub mod find;
pub mod get;
pub mod logging;
pub mod outline;
pub mod run;
pub mod run_cli;
pub mod schema;
pub mod scriptable;
pub mod seed;
pub mod snapshot;
pub mod store;
pub mod terminal;
pub mod ui;
