//! `tenantscope dev seed`: a deterministic generator of realistic platform data,
//! written through the real drivers into all three stores. Development only.

pub mod content;
pub mod corpus;
mod generate;
pub mod large;
pub mod pdf;
pub mod sink;
pub mod write;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use uuid::Uuid;

pub use generate::dataset_now;
use sink::Batch;
pub use write::Targets;

/// How much data to make, and from which random stream.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub seed: u64,
    pub tenants: u32,
    /// Multiplies the long series (periods, daily scores and reports, leads).
    pub scale: f64,
    /// Share of references broken on purpose (0.01 = about 1 %). With any rate above 0,
    /// every tenant gets at least one broken reference of each kind.
    pub broken_rate: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            tenants: 3,
            scale: 1.0,
            broken_rate: 0.01,
        }
    }
}

/// The kinds of reference the generator breaks on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokenKind {
    /// A PostgreSQL column holds an ObjectId with no MongoDB document.
    MissingDocument,
    /// A MongoDB document's `s3Key` names no S3 object.
    MissingObject,
    /// A contract's `pdf_s3_key` names no S3 object.
    MissingContractPdf,
}

/// One reference broken on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    pub tenant_id: Uuid,
    pub kind: BrokenKind,
    /// `table/row id` or `collection/_id` holding the reference.
    pub location: String,
    /// The ObjectId or S3 key that does not resolve.
    pub reference: String,
}

/// What a seed wrote.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub rows: BTreeMap<&'static str, u64>,
    pub documents: BTreeMap<&'static str, u64>,
    pub objects: u64,
    pub object_bytes: u64,
    pub broken: Vec<Broken>,
    #[serde(skip)]
    pub elapsed: Duration,
}

impl Report {
    pub fn total_rows(&self) -> u64 {
        self.rows.values().sum()
    }

    pub fn total_documents(&self) -> u64 {
        self.documents.values().sum()
    }

    fn add(&mut self, batch: &Batch) {
        for t in &batch.tables {
            *self.rows.entry(t.table).or_default() += t.rows;
        }
        for (collection, docs) in &batch.documents {
            *self.documents.entry(collection).or_default() += docs.len() as u64;
        }
        self.objects += batch.objects.len() as u64;
        self.object_bytes += batch
            .objects
            .iter()
            .map(|o| o.bytes.len() as u64)
            .sum::<u64>();
    }
}

/// Generates the data set as typed rows (for a snapshot), handing each batch to `flush`
/// on this thread; returns the references broken on purpose.
pub fn generate_fields(
    options: Options,
    mut flush: impl FnMut(Batch) -> anyhow::Result<()> + Send,
) -> anyhow::Result<Vec<Broken>> {
    generate::Generator::new(options, true, &mut flush).run(|_| {})
}

/// Generates the data set and writes it. The database must have the schema
/// (`dev migrate`) and no tenants yet.
pub async fn run(
    options: Options,
    targets: &Targets,
    show_progress: bool,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let existing: i64 =
        sqlx::query_scalar("select count(*) from (select 1 from tenants limit 1) t")
            .fetch_one(&targets.pg)
            .await
            .context("cannot read tenants: run `tenantscope dev migrate` first")?;
    anyhow::ensure!(
        existing == 0,
        "the database already has tenants; seed into an empty database"
    );

    let progress = if show_progress {
        let bar = ProgressBar::new(u64::from(options.tenants));
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} seeding tenants {pos}/{len} [{bar:30}] {elapsed} {msg}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    } else {
        ProgressBar::hidden()
    };

    // Generation runs on its own thread while the previous batch is written.
    let (batches, mut receive) = tokio::sync::mpsc::channel::<Batch>(2);
    let tenant_bar = progress.clone();
    let generator = tokio::task::spawn_blocking(move || {
        let mut flush = move |batch: Batch| {
            batches
                .blocking_send(batch)
                .map_err(|_| anyhow::anyhow!("the writer stopped"))
        };
        generate::Generator::new(options, false, &mut flush)
            .run(|done| tenant_bar.set_position(u64::from(done)))
    });

    let mut report = Report::default();
    let mut write_error = None;
    while let Some(batch) = receive.recv().await {
        report.add(&batch);
        progress.set_message(format!(
            "{} rows, {} documents, {} objects",
            report.total_rows(),
            report.total_documents(),
            report.objects
        ));
        if let Err(e) = write::batch(targets, batch).await {
            write_error = Some(e);
            break;
        }
    }
    drop(receive);
    let generated = generator.await.context("the generator panicked")?;
    progress.finish_and_clear();
    if let Some(e) = write_error {
        return Err(e);
    }
    report.broken = generated?;
    report.elapsed = started.elapsed();
    Ok(report)
}
