//! The tenant picker: fuzzy search over every tenant's name, slug and id. Tenants load
//! in pages in the background; ranking runs off the UI thread ([`rank`] in a blocking
//! task), so typing stays instant with 100,000 tenants.

use std::sync::Arc;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use super::tree::Ticket;

/// Matches shown (the best first).
pub const SHOWN: usize = 200;

pub use crate::store::read::TenantEntry;

/// What the pattern is matched against.
fn haystack(t: &TenantEntry) -> String {
    format!("{} {} {}", t.name, t.slug, t.id)
}

#[derive(Debug, Clone)]
pub struct Picker {
    pub query: String,
    pub tenants: Arc<Vec<TenantEntry>>,
    /// More tenants are on their way.
    pub loading: bool,
    pub error: Option<String>,
    /// Indexes into `tenants`, best first.
    pub matches: Vec<u32>,
    pub selected: usize,
    /// The ranking whose result is wanted (older ones are dropped).
    pub ranking: Ticket,
    /// The load of the tenant list this picker waits on.
    pub load: Ticket,
}

impl Picker {
    pub fn new(query: String, load: Ticket) -> Picker {
        Picker {
            query,
            tenants: Arc::new(Vec::new()),
            loading: true,
            error: None,
            matches: Vec::new(),
            selected: 0,
            ranking: 0,
            load,
        }
    }

    pub fn chosen(&self) -> Option<&TenantEntry> {
        let index = *self.matches.get(self.selected)?;
        self.tenants.get(index as usize)
    }

    pub fn step(&mut self, delta: isize) {
        let last = self.matches.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }
}

/// Struct the matcher can read a haystack from, remembering its index.
struct Hay(u32, String);

impl AsRef<str> for Hay {
    fn as_ref(&self) -> &str {
        &self.1
    }
}

/// The best `limit` tenants for `query`, as indexes into `tenants`: in list order when
/// the query is empty, else by fuzzy score (ties keep list order).
pub fn rank(tenants: &[TenantEntry], query: &str, limit: usize) -> Vec<u32> {
    if query.trim().is_empty() {
        return (0..tenants.len().min(limit) as u32).collect();
    }
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let hays = tenants
        .iter()
        .enumerate()
        .map(|(i, t)| Hay(i as u32, haystack(t)));
    let mut matches = pattern.match_list(hays, &mut matcher);
    matches.truncate(limit);
    matches.into_iter().map(|(hay, _)| hay.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn tenant(name: &str, slug: &str) -> TenantEntry {
        TenantEntry {
            id: Uuid::nil(),
            name: name.into(),
            slug: slug.into(),
            status: "active".into(),
        }
    }

    #[test]
    fn fuzzy_ranking_finds_by_name_or_slug() {
        let tenants = vec![
            tenant("Northwind Traders", "northwind"),
            tenant("Acme Corporation", "acme"),
            tenant("Globex", "globex-intl"),
        ];
        assert_eq!(rank(&tenants, "acm", 10), vec![1]);
        assert_eq!(rank(&tenants, "gbx", 10), vec![2]);
        assert_eq!(rank(&tenants, "NWT", 10), vec![0]);
        assert_eq!(rank(&tenants, "", 2), vec![0, 1]);
        assert!(rank(&tenants, "zzzz", 10).is_empty());
    }

    #[test]
    fn among_100k_tenants_the_exact_slug_ranks_first() {
        let tenants: Vec<_> = (0..100_000)
            .map(|i| tenant(&format!("Tenant number {i}"), &format!("tenant-{i}")))
            .collect();
        let matches = rank(&tenants, "tenant-99999", SHOWN);
        assert_eq!(matches.first(), Some(&99_999));
    }
}
