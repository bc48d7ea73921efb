//! Following a row's references across the stores: the row, then each reference the
//! schema declares for its table (a MongoDB document, the documents related to it, the S3
//! object a document or a column names), each hop with its state. The explorer's panes
//! and `get` both show what [`resolve`] reports.

use mongodb::bson::{Bson, Document, oid::ObjectId};
use uuid::Uuid;

use crate::load::{Load, Ticket};
use crate::schema::{Reference, Table};
use crate::store::StoreKind;
use crate::store::deadline::{bounded, is_outage};
use crate::store::read::{Field, ObjectHead};
use crate::store::source::Source;

/// Bytes of an object fetched at first (and per "more").
pub const CONTENT_CHUNK: u64 = 256 * 1024;

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

/// What resolving a row reports, step by step.
#[derive(Debug, Clone)]
pub enum Progress {
    Update(Resolved),
    /// A store answered (None) or failed (Some(reason)).
    Health(StoreKind, Option<String>),
}

/// A row and everything its references lead to, as far as it has been resolved.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub table: &'static Table,
    pub id: Uuid,
    pub row: Load<Option<Vec<Field>>>,
    pub hops: Vec<Hop>,
    /// (title, document): the referenced document first, related ones after.
    pub documents: Vec<(String, Document)>,
    pub content: Option<Content>,
}

impl Resolution {
    /// Nothing resolved yet; `ticket` names the load of the row.
    pub fn new(ticket: Ticket, table: &'static Table, id: Uuid) -> Resolution {
        Resolution {
            table,
            id,
            row: Load::Loading(ticket),
            hops: Vec::new(),
            documents: Vec::new(),
            content: None,
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

/// Resolves a row completely (the same steps the panes show), for the command line.
pub async fn resolve_all(source: &Source, table: &'static Table, id: Uuid) -> Resolution {
    let resolution = std::sync::Mutex::new(Resolution::new(1, table, id));
    resolve(source, table, id, &|progress| {
        if let Progress::Update(update) = progress {
            resolution
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .apply(update);
        }
    })
    .await;
    resolution
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Reads a row and follows every reference the schema declares for its table, reporting
/// each step as it completes.
pub async fn resolve(
    live: &Source,
    table: &'static Table,
    id: Uuid,
    report: &(dyn Fn(Progress) + Sync),
) {
    let started = std::time::Instant::now();
    let send = |update: Resolved| report(Progress::Update(update));
    let health = |store, result: Option<&String>| {
        let down = result.filter(|e| is_outage(e)).cloned();
        report(Progress::Health(store, down))
    };
    let row = bounded(live.row(table, id)).await;
    health(StoreKind::Postgres, row.as_ref().err());
    let fields = match &row {
        Ok(Some(fields)) => fields.clone(),
        _ => Vec::new(),
    };
    send(Resolved::Row(row));
    let value = |column: &str| {
        fields
            .iter()
            .find(|f| f.column == column)
            .and_then(|f| f.value.clone())
    };

    let mut hops = 0;
    let mut hop = |h: Hop| {
        let index = hops;
        hops += 1;
        send(Resolved::Hop(index, h));
        index
    };
    // Declared references this database lacks: said once each, nothing to follow.
    if !fields.is_empty() {
        for reference in table.missing_references {
            hop(Hop {
                from: format!("{}.{}", table.name, reference.column()),
                to: "column not in this database".into(),
                state: HopState::Invalid("column not in this database".into()),
            });
        }
    }
    for reference in table.references {
        let from = format!("{}.{}", table.name, reference.column());
        let Some(raw) = value(reference.column()) else {
            if !fields.is_empty() {
                hop(Hop {
                    from,
                    to: "nothing (NULL)".into(),
                    state: HopState::Empty,
                });
            }
            continue;
        };
        match reference {
            Reference::Mongo {
                collection,
                related,
                ..
            } => {
                let to = format!("{collection}/{raw}");
                let Ok(oid) = ObjectId::parse_str(raw.trim()) else {
                    hop(Hop {
                        from,
                        to,
                        state: HopState::Invalid("not a 24-hex ObjectId".into()),
                    });
                    continue;
                };
                let index = hop(Hop {
                    from: from.clone(),
                    to: to.clone(),
                    state: HopState::Loading,
                });
                let document = bounded(live.document(collection, oid)).await;
                health(StoreKind::Mongo, document.as_ref().err());
                let (state, document) = match document {
                    Ok(Some(d)) => (HopState::Resolved, Some(d)),
                    Ok(None) => (HopState::NotFound, None),
                    Err(e) => (HopState::Failed(e), None),
                };
                send(Resolved::Hop(index, Hop { from, to, state }));
                if let Some(document) = &document {
                    send(Resolved::Document(
                        format!("{collection}/{oid}"),
                        document.clone(),
                    ));
                }
                // The object first: related documents are found by a field other than
                // `_id`, which a server may answer slowly (FerretDB scans), and the
                // content must not wait on them.
                let key_field = live
                    .schema()
                    .collection(collection)
                    .and_then(|c| c.s3_key_field);
                if let (Some(field), Some(document)) = (key_field, &document) {
                    let from = format!("{collection}.{field}");
                    match document.get_str(field) {
                        Ok(key) => object_hop(live, report, &mut hop, from, key).await,
                        Err(_) => {
                            hop(Hop {
                                from,
                                to: "nothing (field missing or not a string)".into(),
                                state: HopState::Invalid("no S3 key".into()),
                            });
                        }
                    }
                }
                for r in *related {
                    let docs = bounded(live.documents_where(
                        r.collection,
                        r.field,
                        Bson::ObjectId(oid),
                        20,
                    ))
                    .await;
                    health(StoreKind::Mongo, docs.as_ref().err());
                    let from = format!("{}.{}", r.collection, r.field);
                    let (state, to) = match docs {
                        Ok(docs) if docs.is_empty() => {
                            (HopState::NotFound, format!("{oid} (no documents)"))
                        }
                        Ok(docs) => {
                            let n = docs.len();
                            for d in docs {
                                let id = d
                                    .get_object_id("_id")
                                    .map(|i| i.to_hex())
                                    .unwrap_or_default();
                                send(Resolved::Document(format!("{}/{id}", r.collection), d));
                            }
                            (HopState::Resolved, format!("{oid} ({n} documents)"))
                        }
                        Err(e) => (HopState::Failed(e), oid.to_hex()),
                    };
                    hop(Hop { from, to, state });
                }
            }
            Reference::S3 { .. } => object_hop(live, report, &mut hop, from, &raw).await,
        }
    }
    tracing::info!(
        table = table.name,
        %id,
        hops,
        ms = started.elapsed().as_secs_f64() * 1e3,
        "resolved the row and its references"
    );
}

async fn object_hop(
    live: &Source,
    report: &(dyn Fn(Progress) + Sync),
    hop: &mut impl FnMut(Hop) -> usize,
    from: String,
    key: &str,
) {
    let to = format!("s3://{}/{key}", live.bucket().unwrap_or("?"));
    let index = hop(Hop {
        from: from.clone(),
        to: to.clone(),
        state: HopState::Loading,
    });
    let head = bounded(live.object_head(key, CONTENT_CHUNK)).await;
    report(Progress::Health(
        StoreKind::S3,
        head.as_ref().err().cloned(),
    ));
    let state = match head {
        Ok(Some(head)) => {
            report(Progress::Update(Resolved::Content(Content {
                key: key.to_string(),
                head,
            })));
            HopState::Resolved
        }
        Ok(None) => HopState::NotFound,
        Err(e) => HopState::Failed(e),
    };
    report(Progress::Update(Resolved::Hop(
        index,
        Hop { from, to, state },
    )));
}
