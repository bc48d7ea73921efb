//! The deterministic generator: the same options always give the same rows, documents
//! and objects. Every random choice comes from one ChaCha stream seeded by `--seed`, and
//! every timestamp is relative to a fixed instant, never the clock.

mod marketing;
mod org;
mod showcase;
mod work;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mongodb::bson::oid::ObjectId;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use super::corpus::{CORPUS, Corpus};
use super::sink::{Batch, Sink};
use super::{Broken, BrokenKind, Options};

/// "Now" for the generated data set.
pub fn dataset_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
        .single()
        .expect("a valid instant")
}

/// Generated data goes to the writers in batches of about this many bytes: large, since
/// each batch costs one COPY round trip per table (about 40 ms each over TCP).
const FLUSH_BYTES: usize = 24 << 20;

/// Receives each full batch; an error stops generation.
pub type Flush<'a> = dyn FnMut(Batch) -> anyhow::Result<()> + Send + 'a;

/// One user of the current tenant.
#[derive(Clone)]
struct User {
    id: Uuid,
    role: &'static str,
}

/// What generating one tenant needs to remember as it goes.
struct Tenant {
    id: Uuid,
    locale: usize,
    slug: String,
    domain: String,
    created_at: DateTime<Utc>,
    users: Vec<User>,
    channels: Vec<marketing::Channel>,
    campaigns: Vec<marketing::Campaign>,
    breaker: Breaker,
    /// Whether a 5,000+ word article was written yet.
    has_long_article: bool,
    /// Whether the run inspector's showcase runs were written yet.
    showcased: bool,
}

/// Decides which references to break on purpose: each one with probability `rate`, and,
/// when `rate` > 0, one early candidate of each guaranteed kind, so every tenant has at
/// least one broken reference of every kind.
struct Breaker {
    rate: f64,
    slots: Vec<(&'static str, u32, Option<u32>)>,
}

impl Breaker {
    fn new(rng: &mut ChaCha8Rng, rate: f64) -> Breaker {
        let mut slots = Vec::new();
        if rate > 0.0 {
            // The three kinds the explorer must be able to show in every tenant.
            slots.push(("activities.output_ref", 0, Some(rng.random_range(0..3))));
            slots.push(("activity_outputs.s3Key", 0, Some(rng.random_range(0..3))));
            slots.push(("contracts.pdf_s3_key", 0, Some(rng.random_range(0..2))));
        }
        Breaker { rate, slots }
    }

    /// Whether the next candidate of `slot` is broken.
    fn breaks(&mut self, rng: &mut ChaCha8Rng, slot: &'static str) -> bool {
        let random = self.rate > 0.0 && rng.random_bool(self.rate.min(1.0));
        let index = match self.slots.iter_mut().find(|(s, _, _)| *s == slot) {
            Some(entry) => entry,
            None => {
                self.slots.push((slot, 0, None));
                self.slots.last_mut().expect("just pushed")
            }
        };
        let forced = index.2 == Some(index.1);
        index.1 += 1;
        random || forced
    }
}

/// The generator's state.
pub struct Generator<'a> {
    rng: ChaCha8Rng,
    options: Options,
    sink: Sink,
    flush: &'a mut Flush<'a>,
    broken: Vec<Broken>,
    corpus: &'static Corpus,
}

impl<'a> Generator<'a> {
    /// `as_fields`: keep rows as typed fields (for a snapshot) instead of COPY text.
    pub fn new(options: Options, as_fields: bool, flush: &'a mut Flush<'a>) -> Self {
        Generator {
            rng: ChaCha8Rng::seed_from_u64(options.seed),
            options,
            sink: Sink::new(as_fields),
            flush,
            broken: Vec::new(),
            corpus: &CORPUS,
        }
    }

    /// Generates every tenant, handing batches to `flush`; returns the references it broke.
    pub fn run(mut self, mut on_tenant: impl FnMut(u32)) -> anyhow::Result<Vec<Broken>> {
        for index in 0..self.options.tenants {
            let mut tenant = self.tenant_row(index);
            self.organisation(&mut tenant);
            self.marketing(&mut tenant)?;
            self.strategies(&mut tenant)?;
            self.leads(&tenant);
            self.checkpoint()?;
            on_tenant(index + 1);
        }
        self.flush_now()?;
        Ok(self.broken)
    }

    /// Hands the collected data over once it is large.
    fn checkpoint(&mut self) -> anyhow::Result<()> {
        if self.sink.pending_bytes() >= FLUSH_BYTES {
            self.flush_now()?;
        }
        Ok(())
    }

    fn flush_now(&mut self) -> anyhow::Result<()> {
        let batch = self.sink.take();
        (self.flush)(batch)
    }

    fn uuid(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.random()).into_uuid()
    }

    /// An ObjectId whose timestamp part is `at`, as a driver would make it then.
    fn object_id(&mut self, at: DateTime<Utc>) -> ObjectId {
        let mut bytes: [u8; 12] = self.rng.random();
        let seconds = u32::try_from(at.timestamp()).unwrap_or(0);
        bytes[..4].copy_from_slice(&seconds.to_be_bytes());
        ObjectId::from_bytes(bytes)
    }

    /// A random instant in `[from, to]` (just after `from` when the range is empty).
    fn between(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
        let span = (to - from).num_milliseconds();
        if span <= 0 {
            return from + Duration::seconds(1);
        }
        from + Duration::milliseconds(self.rng.random_range(0..=span))
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *items
            .choose(&mut self.rng)
            .expect("picking from a non-empty list")
    }

    /// One of `items`, drawn by weight.
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.random_range(0..total);
        for (item, weight) in items {
            if roll < *weight {
                return *item;
            }
            roll -= weight;
        }
        items[items.len() - 1].0
    }

    /// `base` multiplied by the size scale, at least 1.
    fn scaled(&self, base: u32) -> u32 {
        ((f64::from(base) * self.options.scale).round() as u32).max(1)
    }

    fn record_broken(
        &mut self,
        tenant: &Tenant,
        kind: BrokenKind,
        location: String,
        reference: String,
    ) {
        self.broken.push(Broken {
            tenant_id: tenant.id,
            kind,
            location,
            reference,
        });
    }

    fn user(&mut self, tenant: &Tenant, roles: &[&str]) -> Uuid {
        let candidates: Vec<Uuid> = tenant
            .users
            .iter()
            .filter(|u| roles.contains(&u.role))
            .map(|u| u.id)
            .collect();
        if candidates.is_empty() {
            tenant.users[0].id
        } else {
            self.pick(&candidates)
        }
    }
}

/// Money with six decimals from integer micro-dollars, exact.
fn usd(micros: i64) -> String {
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

/// A BSON date for `at` (millisecond precision, as BSON stores it).
fn bson_time(at: DateTime<Utc>) -> mongodb::bson::DateTime {
    mongodb::bson::DateTime::from_millis(at.timestamp_millis())
}

/// 24-hex text of an ObjectId, as PostgreSQL stores it.
fn hex(id: ObjectId) -> String {
    id.to_hex()
}

#[cfg(test)]
mod tests {
    use super::usd;

    #[test]
    fn micro_dollars_format_exactly() {
        assert_eq!(usd(0), "0.000000");
        assert_eq!(usd(12_345_678), "12.345678");
        assert_eq!(usd(42), "0.000042");
    }
}
