//! tenantscope: a terminal explorer over a multi-tenant platform's data in PostgreSQL,
//! MongoDB and S3.
//!
//! The core knows nothing of the terminal: `schema`, `store`, `load`, `outline`,
//! `resolve`, `find`, `check`, `run`, `export`, `snapshot`, `text`, `config`. Two faces sit on
//! it: the TUI (`app` for the model and keys, `ui` for drawing, `terminal`, `clipboard`)
//! and the command line (`cli`). Nothing in the core imports a face.

pub mod app;
pub mod audit;
pub mod check;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod dev;
pub mod export;
pub mod find;
pub mod load;
pub mod logging;
pub mod mask;
pub mod outline;
pub mod resolve;
pub mod run;
pub mod schema;
pub mod seed;
pub mod snapshot;
pub mod store;
pub mod terminal;
pub mod text;
pub mod ui;
