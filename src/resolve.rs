//! Following a row's references across the stores: the row, then each reference the
//! schema declares for its table (a MongoDB document, the documents related to it, the S3
//! object a document or a column names), each hop with its state. The explorer's panes
//! and `get` both show what [`resolve`] reports.

use mongodb::bson::{Bson, Document, oid::ObjectId};
use uuid::Uuid;

use crate::load::{Load, Ticket};
use crate::schema::{ForeignKey, Reference, Table};
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
    /// The target belongs to another tenant than the row the chain starts from (a
    /// document's `tenantId`, an S3 key's `{tenantId}/` prefix, a row's `tenant_id`).
    /// What it holds is withheld (see [`Withheld`]).
    OtherTenant(OtherTenant),
    /// In a session scoped to one tenant: the target is outside it. Nothing more is said
    /// (not whose it is).
    OutsideScope(String),
}

/// Whose a cross-tenant target is: its tenant's id and "Name (slug)".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherTenant {
    pub tenant_id: Uuid,
    /// "Name (slug)", when the tenant is known.
    pub label: Option<String>,
}

impl std::fmt::Display for OtherTenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.label {
            Some(label) => write!(f, "{label} {}", self.tenant_id),
            None => write!(f, "{}", self.tenant_id),
        }
    }
}

/// Another tenant's document or object a chain reached: kept apart from the row's own
/// documents and content, never rendered, exported or printed unless asked for (`v` in
/// the explorer, with a confirmation).
#[derive(Debug, Clone)]
pub struct Withheld {
    /// `collection/ObjectId` or `s3://bucket/key`.
    pub title: String,
    pub owner: OtherTenant,
    pub body: WithheldBody,
}

#[derive(Debug, Clone)]
pub enum WithheldBody {
    Document(Document),
    Content(Content),
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
    /// Another tenant's document or object, kept apart.
    Withheld(Withheld),
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
    /// Other tenants' documents and objects the chain reached: not shown by default.
    pub withheld: Vec<Withheld>,
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
            withheld: Vec::new(),
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
            Resolved::Withheld(withheld) => self.withheld.push(withheld),
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

    /// Whether a hop led to another tenant's data.
    pub fn crosses_tenants(&self) -> bool {
        self.hops.iter().any(|h| {
            matches!(
                h.state,
                HopState::OtherTenant(_) | HopState::OutsideScope(_)
            )
        })
    }

    /// The withheld documents (title, owner, document).
    pub fn withheld_documents(&self) -> impl Iterator<Item = (&str, &OtherTenant, &Document)> {
        self.withheld.iter().filter_map(|w| match &w.body {
            WithheldBody::Document(d) => Some((w.title.as_str(), &w.owner, d)),
            WithheldBody::Content(_) => None,
        })
    }

    /// The withheld object, if the chain reached another tenant's.
    pub fn withheld_content(&self) -> Option<(&OtherTenant, &Content)> {
        self.withheld.iter().find_map(|w| match &w.body {
            WithheldBody::Content(c) => Some((&w.owner, c)),
            WithheldBody::Document(_) => None,
        })
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
    let health = |store, result: Option<&String>| health(report, store, result);
    let row = bounded(live.row(table, id)).await;
    health(StoreKind::Postgres, row.as_ref().err());
    let fields = match &row {
        Ok(Some(fields)) => fields.clone(),
        _ => Vec::new(),
    };
    if !fields.is_empty() {
        crate::audit::record("show", &format!("{}/{id}", table.name));
    }
    send(Resolved::Row(row));

    // The tenant the row belongs to: what every hop's target is held against.
    let scope = live.scope();
    let row_tenant = if fields.is_empty() {
        None
    } else if let Some(scope) = scope {
        Some(scope.id())
    } else if table.name == "tenants" {
        Some(id)
    } else {
        tenant_of(&fields)
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
                // The state says why; said once (`→ nothing: invalid: column …`).
                to: "nothing".into(),
                state: HopState::Invalid("column not in this database".into()),
            });
        }
    }
    // The foreign keys' target rows are read while the references are followed (neither
    // waits on the other); their hops are said after the references'.
    let (foreign, ()) = futures::join!(
        foreign_rows(live, table, &fields, row_tenant),
        follow_references(live, table, &fields, row_tenant, report, &mut hop),
    );
    // A hop each for a foreign key naming a row of another tenant (the row pane marks the
    // link); a key naming no row is left to the link.
    if let Some(tenant) = row_tenant {
        for ForeignRow {
            fk,
            target,
            target_id,
            row,
            outside,
        } in foreign
        {
            if let (true, Some(scope)) = (outside, scope) {
                hop(Hop {
                    from: format!("{}.{}", table.name, fk.column),
                    to: format!("{}/{target_id}", target.name),
                    state: HopState::OutsideScope(scope.slug().to_string()),
                });
                continue;
            }
            let owner_id = match row {
                Ok(Some(_)) if target.name == "tenants" => Some(target_id),
                Ok(Some(fields)) => tenant_of(&fields),
                _ => None,
            };
            if let Some(other) = owner_id.filter(|o| *o != tenant) {
                hop(Hop {
                    from: format!("{}.{}", table.name, fk.column),
                    to: format!("{}/{target_id}", target.name),
                    state: HopState::OtherTenant(owner(live, other).await),
                });
            }
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

/// Follows each reference the schema declares for `table` (document, its S3 object,
/// related documents; or an S3 key), one hop after another, from the row's `fields`.
async fn follow_references(
    live: &Source,
    table: &'static Table,
    fields: &[Field],
    row_tenant: Option<Uuid>,
    report: &(dyn Fn(Progress) + Sync),
    hop: &mut impl FnMut(Hop) -> usize,
) {
    let send = |update: Resolved| report(Progress::Update(update));
    let health = |store, result: Option<&String>| health(report, store, result);
    let value = |column: &str| value_of(fields, column);
    let scope = live.scope();
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
                let title = format!("{collection}/{oid}");
                let (state, document) = match document {
                    Ok(Some(d)) => match document_owner(&d, row_tenant) {
                        Some(other) => {
                            let owner = owner(live, other).await;
                            send(Resolved::Withheld(Withheld {
                                title: title.clone(),
                                owner: owner.clone(),
                                body: WithheldBody::Document(d.clone()),
                            }));
                            (HopState::OtherTenant(owner), Some(d))
                        }
                        None => {
                            crate::audit::record("show", &title);
                            send(Resolved::Document(title.clone(), d.clone()));
                            (HopState::Resolved, Some(d))
                        }
                    },
                    Ok(None) => match scope {
                        Some(scope) => {
                            match bounded(live.document_outside(collection, oid)).await {
                                Ok(true) => {
                                    (HopState::OutsideScope(scope.slug().to_string()), None)
                                }
                                Ok(false) => (HopState::NotFound, None),
                                Err(e) => (HopState::Failed(e), None),
                            }
                        }
                        None => (HopState::NotFound, None),
                    },
                    Err(e) => (HopState::Failed(e), None),
                };
                send(Resolved::Hop(index, Hop { from, to, state }));
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
                        Ok(key) => object_hop(live, report, &mut *hop, from, key, row_tenant).await,
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
                            let mut foreign = None;
                            for d in docs {
                                let id = d
                                    .get_object_id("_id")
                                    .map(|i| i.to_hex())
                                    .unwrap_or_default();
                                let title = format!("{}/{id}", r.collection);
                                match document_owner(&d, row_tenant) {
                                    Some(other) => {
                                        let owner = owner(live, other).await;
                                        foreign.get_or_insert(owner.clone());
                                        send(Resolved::Withheld(Withheld {
                                            title,
                                            owner,
                                            body: WithheldBody::Document(d),
                                        }));
                                    }
                                    None => {
                                        crate::audit::record("show", &title);
                                        send(Resolved::Document(title, d))
                                    }
                                }
                            }
                            let state = match foreign {
                                Some(owner) => HopState::OtherTenant(owner),
                                None => HopState::Resolved,
                            };
                            (state, format!("{oid} ({n} documents)"))
                        }
                        Err(e) => (HopState::Failed(e), oid.to_hex()),
                    };
                    hop(Hop { from, to, state });
                }
            }
            Reference::S3 { .. } => {
                object_hop(live, report, &mut *hop, from, &raw, row_tenant).await
            }
        }
    }
}

/// A foreign key's target row, read to tell whether it belongs to another tenant.
struct ForeignRow {
    fk: &'static ForeignKey,
    target: &'static Table,
    target_id: Uuid,
    row: Result<Option<Vec<Field>>, String>,
    /// Scoped: the row is there but outside the scope (it is not read).
    outside: bool,
}

/// The target rows of the row's foreign keys (but `tenant_id`), read together.
async fn foreign_rows(
    live: &Source,
    table: &'static Table,
    fields: &[Field],
    row_tenant: Option<Uuid>,
) -> Vec<ForeignRow> {
    if row_tenant.is_none() {
        return Vec::new();
    }
    let schema = live.schema();
    let scope = live.scope();
    let lookups = table.foreign_keys.iter().filter_map(|fk| {
        if fk.column == "tenant_id" {
            return None;
        }
        let target = schema.table(fk.target)?;
        let target_id = Uuid::parse_str(value_of(fields, fk.column)?.trim()).ok()?;
        Some(async move {
            let row = bounded(live.row(target, target_id)).await;
            // Scoped, another tenant's row is not read: only whether it is there.
            let outside = match (&row, scope) {
                (Ok(None), Some(_)) => bounded(live.row_outside(target, target_id))
                    .await
                    .unwrap_or(false),
                _ => false,
            };
            ForeignRow {
                fk,
                target,
                target_id,
                row,
                outside,
            }
        })
    });
    futures::future::join_all(lookups).await
}

fn value_of(fields: &[Field], column: &str) -> Option<String> {
    fields
        .iter()
        .find(|f| f.column == column)
        .and_then(|f| f.value.clone())
}

/// The tenant a row names in its `tenant_id`.
fn tenant_of(fields: &[Field]) -> Option<Uuid> {
    value_of(fields, "tenant_id").and_then(|v| Uuid::parse_str(v.trim()).ok())
}

/// Reports a store's health after a read: down when `result` is an outage (a schema
/// mismatch or a missing row is not).
fn health(report: &(dyn Fn(Progress) + Sync), store: StoreKind, result: Option<&String>) {
    let down = result.filter(|e| is_outage(e)).cloned();
    report(Progress::Health(store, down))
}

/// The tenant a document belongs to by its `tenantId`, when that is not `tenant`.
pub fn document_owner(document: &Document, tenant: Option<Uuid>) -> Option<Uuid> {
    let tenant = tenant?;
    let owner = crate::store::mongo::document_tenant(document)?;
    (owner != tenant).then_some(owner)
}

/// Another tenant, named as the store knows it.
async fn owner(live: &Source, tenant_id: Uuid) -> OtherTenant {
    let label = bounded(live.tenant(&tenant_id.to_string()))
        .await
        .ok()
        .flatten()
        .map(|t| format!("{} ({})", t.name, t.slug));
    OtherTenant { tenant_id, label }
}

async fn object_hop(
    live: &Source,
    report: &(dyn Fn(Progress) + Sync),
    hop: &mut impl FnMut(Hop) -> usize,
    from: String,
    key: &str,
    row_tenant: Option<Uuid>,
) {
    let to = format!("s3://{}/{key}", live.bucket().unwrap_or("?"));
    let index = hop(Hop {
        from: from.clone(),
        to: to.clone(),
        state: HopState::Loading,
    });
    let other = crate::check::other_tenant_of_key(key, row_tenant);
    // Scoped, a key outside the tenant's prefix is not read at all.
    if let Some(scope) = live.scope().filter(|s| !s.holds_key(key)) {
        let state = HopState::OutsideScope(scope.slug().to_string());
        report(Progress::Update(Resolved::Hop(
            index,
            Hop { from, to, state },
        )));
        return;
    }
    let head = bounded(live.object_head(key, CONTENT_CHUNK)).await;
    report(Progress::Health(
        StoreKind::S3,
        head.as_ref().err().cloned(),
    ));
    let state = match (head, other) {
        (Ok(Some(head)), None) => {
            crate::audit::record("show", &to);
            report(Progress::Update(Resolved::Content(Content {
                key: key.to_string(),
                head,
            })));
            HopState::Resolved
        }
        (Ok(Some(head)), Some(other)) => {
            let owner = owner(live, other).await;
            report(Progress::Update(Resolved::Withheld(Withheld {
                title: to.clone(),
                owner: owner.clone(),
                body: WithheldBody::Content(Content {
                    key: key.to_string(),
                    head,
                }),
            })));
            HopState::OtherTenant(owner)
        }
        // The key names another tenant's place even when nothing is there.
        (Ok(None), Some(other)) => HopState::OtherTenant(owner(live, other).await),
        (Ok(None), None) => HopState::NotFound,
        (Err(e), _) => HopState::Failed(e),
    };
    report(Progress::Update(Resolved::Hop(
        index,
        Hop { from, to, state },
    )));
}
