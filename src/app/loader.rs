//! Runs loads in background tasks and reports back with messages carrying their ticket.
//! Only the latest detail resolution runs: starting one aborts the previous.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::picker;
use super::queries;
use super::results::ResultLine;
use super::tree::{Path, Request, RowCounts};
use crate::find::{Clue, Found, Step, ancestry, find};
use crate::load::Ticket;
use crate::outline::{COUNT_CAP, PAGE_SIZE};
use crate::resolve::{CONTENT_CHUNK, Progress, Resolved, resolve};
use crate::schema::{Schema, Table};
use crate::store::StoreKind;
use crate::store::deadline::{LOAD_TIMEOUT, bounded, bounded_for, is_outage};
use crate::store::read::Page;
use crate::store::read::TenantEntry;
use crate::store::source::Source;

/// `:broken` checks a whole tenant, streaming what it finds; it stops after this.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(300);

/// What background work reports.
#[derive(Debug)]
pub enum Msg {
    Page {
        ticket: Ticket,
        path: Path,
        result: Result<Page, String>,
    },
    Counts {
        ticket: Ticket,
        result: Result<RowCounts, String>,
    },
    Detail {
        ticket: Ticket,
        update: Resolved,
    },
    /// A store answered (None) or failed (Some(reason)).
    Health(StoreKind, Option<String>),
    /// The connection's effective schema (the declaration when the catalog could not
    /// be read, with the reason).
    Schema(&'static Schema, Option<String>),
    /// A notice for the status line.
    Notice(String),
    /// Where a pasted id was found.
    Found {
        ticket: Ticket,
        text: String,
        found: Found,
    },
    /// A row's place in the tree, tenant first.
    Revealed {
        ticket: Ticket,
        table: &'static Table,
        id: Uuid,
        result: Result<Vec<Step>, String>,
    },
    /// Lines for the results list (appended), and whether more are coming.
    Results {
        ticket: Ticket,
        lines: Vec<ResultLine>,
        done: bool,
        error: Option<String>,
    },
    /// A page of tenants for the picker.
    Tenants {
        ticket: Ticket,
        result: Result<Vec<TenantEntry>, String>,
        done: bool,
    },
    /// The picker's ranking for its query.
    Ranked {
        ticket: Ticket,
        matches: Vec<u32>,
    },
    /// The run view's work reporting.
    Run(super::run_view::Reply),
}

/// What a results list shows.
#[derive(Debug, Clone)]
pub enum Question {
    /// Rows whose foreign keys name this row.
    RowReferrers { table: &'static Table, id: Uuid },
    /// Where a clue (an ObjectId, a key) is, and what points at it.
    Clue(String),
    /// The tenant's LLM cost roll-up.
    Cost { tenant: Uuid },
    /// Every dangling reference of the tenant.
    Broken { tenant: Uuid },
}

/// Work the app asks for.
#[derive(Debug)]
pub enum Effect {
    Tree(Request),
    Resolve {
        ticket: Ticket,
        table: &'static Table,
        id: Uuid,
    },
    MoreContent {
        ticket: Ticket,
        key: String,
        from: u64,
    },
    /// Save the whole object to a new file in `dir`.
    Save {
        key: String,
        size: u64,
        dir: std::path::PathBuf,
    },
    /// Check each store once (at start, and on reload).
    Ping,
    /// Read the catalog and fit the schema to it (at start, and on a reload of the root).
    LoadSchema,
    /// Search every store for a pasted id.
    Find {
        ticket: Ticket,
        text: String,
    },
    /// Work out a row's ancestry, to open the tree down to it.
    Reveal {
        ticket: Ticket,
        table: &'static Table,
        id: Uuid,
    },
    /// Answer a question in the results list.
    Ask {
        ticket: Ticket,
        question: Question,
    },
    /// Load every tenant for the picker, page by page.
    LoadTenants {
        ticket: Ticket,
    },
    /// Rank the tenants for the picker's query (off the UI thread).
    Rank {
        ticket: Ticket,
        tenants: Arc<Vec<TenantEntry>>,
        query: String,
    },
    /// Bytes for the terminal itself (an OSC 52 copy); the event loop writes them.
    Terminal(Vec<u8>),
    /// Write `contents` to a new file `path`.
    Export {
        path: std::path::PathBuf,
        contents: String,
    },
    /// The run view's work (loading, comparing, searching, diffing).
    Run(super::run_view::Work),
}

/// Runs effects against the live stores.
/// Resolves asked for less than this apart come from a key that repeats.
const REPEAT: Duration = Duration::from_millis(100);
/// How long a repeated resolve waits for the selection to rest (it is aborted when the
/// next one comes first).
const SETTLE: Duration = Duration::from_millis(30);

pub struct Loader {
    live: Arc<Source>,
    tx: UnboundedSender<Msg>,
    detail: Option<JoinHandle<()>>,
    /// When the last row was asked to resolve: keys that repeat faster than
    /// [`REPEAT`] wait [`SETTLE`] before querying.
    last_resolve: Option<Instant>,
    /// The run view's search: only the latest runs.
    run_search: Option<JoinHandle<()>>,
}

/// What a load says of its store's health: up when it answered, even with a schema
/// mismatch (that is the group's or hop's message, not an outage).
fn health<T>(tx: &UnboundedSender<Msg>, store: StoreKind, result: &Result<T, String>) {
    let down = result.as_ref().err().filter(|e| is_outage(e)).cloned();
    let _ = tx.send(Msg::Health(store, down));
}

impl Loader {
    pub fn new(live: Source, tx: UnboundedSender<Msg>) -> Loader {
        Loader {
            live: Arc::new(live),
            tx,
            detail: None,
            last_resolve: None,
            run_search: None,
        }
    }

    pub fn run(&mut self, effect: Effect) {
        let live = Arc::clone(&self.live);
        let tx = self.tx.clone();
        match effect {
            Effect::Tree(Request::Page {
                ticket,
                path,
                listing,
                after,
            }) => {
                tokio::spawn(async move {
                    let result = bounded(live.list(&listing, after, PAGE_SIZE)).await;
                    health(&tx, StoreKind::Postgres, &result);
                    let _ = tx.send(Msg::Page {
                        ticket,
                        path,
                        result,
                    });
                });
            }
            Effect::Tree(Request::Counts { ticket, rows }) => {
                tokio::spawn(async move {
                    // Every row's groups in one statement, handed back row by row.
                    let listings: Vec<_> = rows
                        .iter()
                        .flat_map(|(_, groups)| groups.iter().map(|(_, l)| l.clone()))
                        .collect();
                    let result = bounded(live.counts(&listings, COUNT_CAP)).await;
                    health(&tx, StoreKind::Postgres, &result);
                    let result = result.map(|counts| {
                        let mut counts = counts.into_iter();
                        rows.into_iter()
                            .map(|(path, groups)| {
                                let counted = groups
                                    .into_iter()
                                    .zip(counts.by_ref())
                                    .map(|((spec, _), count)| (spec, count))
                                    .collect();
                                (path, counted)
                            })
                            .collect()
                    });
                    let _ = tx.send(Msg::Counts { ticket, result });
                });
            }
            Effect::Resolve { ticket, table, id } => {
                if let Some(previous) = self.detail.take() {
                    previous.abort();
                }
                // A held key moves the selection every few milliseconds: its rows are
                // not queried until the selection rests, so the stores (and the cores
                // they share with the UI) are not kept busy with rows passed over.
                let now = Instant::now();
                let repeating = self
                    .last_resolve
                    .is_some_and(|last| now.duration_since(last) < REPEAT);
                self.last_resolve = Some(now);
                self.detail = Some(tokio::spawn(async move {
                    if repeating {
                        tokio::time::sleep(SETTLE).await;
                    }
                    resolve(&live, table, id, &|progress| {
                        let _ = tx.send(match progress {
                            Progress::Update(update) => Msg::Detail { ticket, update },
                            Progress::Health(store, problem) => Msg::Health(store, problem),
                        });
                    })
                    .await;
                }));
            }
            Effect::MoreContent { ticket, key, from } => {
                tokio::spawn(async move {
                    let result = bounded(live.object_range(&key, from, CONTENT_CHUNK)).await;
                    health(&tx, StoreKind::S3, &result);
                    match result {
                        Ok(bytes) => {
                            let _ = tx.send(Msg::Detail {
                                ticket,
                                update: Resolved::More(bytes),
                            });
                        }
                        Err(e) => {
                            let _ =
                                tx.send(Msg::Notice(format!("reading more of {key} failed: {e}")));
                        }
                    }
                });
            }
            Effect::Save { key, size, dir } => {
                tokio::spawn(async move {
                    let notice = match save(&live, &key, size, &dir).await {
                        Ok(path) => format!("saved {key} to {path} ({size} bytes)"),
                        Err(e) => format!(
                            "saving {key} failed: {}",
                            crate::store::deadline::one_line(&e)
                        ),
                    };
                    let _ = tx.send(Msg::Notice(notice));
                });
            }
            Effect::LoadSchema => {
                tokio::spawn(async move {
                    let result = bounded(live.load_schema()).await;
                    health(&tx, StoreKind::Postgres, &result);
                    let _ = tx.send(match result {
                        Ok(schema) => Msg::Schema(schema, None),
                        Err(e) => Msg::Schema(live.schema(), Some(e)),
                    });
                });
            }
            Effect::Ping => {
                tokio::spawn(ping(live, tx));
            }
            Effect::Find { ticket, text } => {
                tokio::spawn(async move {
                    let found = match Clue::parse(&text) {
                        Some(clue) => {
                            match tokio::time::timeout(LOAD_TIMEOUT, find(&live, &clue)).await {
                                Ok(found) => found,
                                Err(_) => Found {
                                    errors: vec![format!(
                                        "timed out after {} s",
                                        LOAD_TIMEOUT.as_secs()
                                    )],
                                    ..Found::default()
                                },
                            }
                        }
                        None => Found::default(),
                    };
                    let _ = tx.send(Msg::Found {
                        ticket,
                        text,
                        found,
                    });
                });
            }
            Effect::Reveal { ticket, table, id } => {
                tokio::spawn(async move {
                    let result = bounded(ancestry(&live, table, id)).await;
                    let _ = tx.send(Msg::Revealed {
                        ticket,
                        table,
                        id,
                        result,
                    });
                });
            }
            Effect::Ask { ticket, question } => {
                tokio::spawn(async move {
                    // A whole tenant's check streams its lines; it may take minutes.
                    let limit = match question {
                        Question::Broken { .. } => CHECK_TIMEOUT,
                        _ => LOAD_TIMEOUT,
                    };
                    let result = bounded_for(limit, async {
                        match question {
                            Question::RowReferrers { table, id } => {
                                queries::referrers_of_row(&live, table, id).await
                            }
                            Question::Clue(text) => queries::clue_referrers(&live, &text).await,
                            Question::Cost { tenant } => queries::cost(&live, tenant).await,
                            Question::Broken { tenant } => {
                                queries::broken(&live, tenant, |line| {
                                    let _ = tx.send(Msg::Results {
                                        ticket,
                                        lines: vec![line],
                                        done: false,
                                        error: None,
                                    });
                                })
                                .await
                            }
                        }
                    })
                    .await;
                    let (lines, error) = match result {
                        Ok(lines) => (lines, None),
                        Err(e) => (Vec::new(), Some(e)),
                    };
                    let _ = tx.send(Msg::Results {
                        ticket,
                        lines,
                        done: true,
                        error,
                    });
                });
            }
            Effect::LoadTenants { ticket } => {
                tokio::spawn(load_tenants(live, tx, ticket));
            }
            Effect::Rank {
                ticket,
                tenants,
                query,
            } => {
                tokio::task::spawn_blocking(move || {
                    let matches = picker::rank(&tenants, &query, picker::SHOWN);
                    let _ = tx.send(Msg::Ranked { ticket, matches });
                });
            }
            Effect::Run(work) => {
                let search = work.is_search();
                if search && let Some(previous) = self.run_search.take() {
                    previous.abort();
                }
                let task = tokio::spawn(super::run_view::perform(work, live, tx));
                if search {
                    self.run_search = Some(task);
                }
            }
            Effect::Terminal(_) => {
                tracing::warn!("terminal bytes reached the loader; the driver writes them");
            }
            Effect::Export { path, contents } => {
                tokio::spawn(async move {
                    use tokio::io::AsyncWriteExt;
                    let written = async {
                        let mut file = tokio::fs::File::create_new(&path).await?;
                        file.write_all(contents.as_bytes()).await?;
                        file.flush().await
                    }
                    .await;
                    let notice = match written {
                        Ok(()) => {
                            format!("exported to {} ({} bytes)", path.display(), contents.len())
                        }
                        Err(e) => format!("exporting to {} failed: {e}", path.display()),
                    };
                    let _ = tx.send(Msg::Notice(notice));
                });
            }
        }
    }
}

/// Tenants for the picker, a page at a time (newest first, along the tree's index), each
/// page sent as it arrives so the picker works before the last one.
async fn load_tenants(source: Arc<Source>, tx: UnboundedSender<Msg>, ticket: Ticket) {
    let mut after = None;
    loop {
        let (result, done) = match bounded(source.tenants(after)).await {
            Ok((entries, next)) => {
                after = next;
                (Ok(entries), next.is_none())
            }
            Err(e) => (Err(e), true),
        };
        if tx
            .send(Msg::Tenants {
                ticket,
                result,
                done,
            })
            .is_err()
            || done
        {
            return;
        }
    }
}

/// One cheap call per store, so the status bar knows at once which ones answer.
async fn ping(source: Arc<Source>, tx: UnboundedSender<Msg>) {
    let live = match source.as_ref() {
        Source::Live(live) => live,
        // A snapshot file is always there once opened.
        Source::Snapshot(_) => {
            for store in [StoreKind::Postgres, StoreKind::Mongo, StoreKind::S3] {
                let _ = tx.send(Msg::Health(store, None));
            }
            return;
        }
    };
    let pg = async {
        let pool = live
            .pg
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("not configured"))?;
        sqlx::query("select 1").execute(pool).await?;
        Ok(())
    };
    let mongo = async {
        let db = live
            .mongo
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("not configured"))?;
        db.run_command(mongodb::bson::doc! { "ping": 1 }).await?;
        Ok(())
    };
    let s3 = async {
        let (client, bucket) = live
            .s3
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("not configured"))?;
        client
            .head_bucket()
            .bucket(bucket)
            .send()
            .await
            .map_err(aws_sdk_s3::Error::from)?;
        Ok(())
    };
    let (pg, mongo, s3) = tokio::join!(bounded(pg), bounded(mongo), bounded(s3));
    // Stores that are not configured keep the reason they were given at start.
    for (store, result, configured) in [
        (StoreKind::Postgres, pg, live.pg.is_some()),
        (StoreKind::Mongo, mongo, live.mongo.is_some()),
        (StoreKind::S3, s3, live.s3.is_some()),
    ] {
        if configured {
            health(&tx, store, &result);
        }
    }
}

/// Downloads `key` in ranged chunks to a new file in the current directory.
async fn save(
    live: &Source,
    key: &str,
    size: u64,
    dir: &std::path::Path,
) -> anyhow::Result<String> {
    use tokio::io::AsyncWriteExt;
    let name = key
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("object");
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut path = dir.join(&name);
    let mut n = 1;
    while path.exists() {
        path = dir.join(format!("{name}.{n}"));
        n += 1;
    }
    let mut file = tokio::fs::File::create_new(&path).await?;
    let chunk = 8 * 1024 * 1024;
    let mut offset = 0;
    while offset < size {
        let bytes = tokio::time::timeout(LOAD_TIMEOUT, live.object_range(key, offset, chunk))
            .await
            .map_err(|_| anyhow::anyhow!("timed out"))??;
        if bytes.is_empty() {
            break;
        }
        offset += bytes.len() as u64;
        file.write_all(&bytes).await?;
    }
    file.flush().await?;
    Ok(path.display().to_string())
}
