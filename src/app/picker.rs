//! The tenant picker: fuzzy search over every tenant's name, slug and id. Tenants load
//! in pages in the background; ranking runs off the UI thread ([`rank`] in a blocking
//! task), so typing stays instant with 100,000 tenants.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use super::loader::Effect;
use super::{App, Focus};
use crate::load::Ticket;

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
    /// A scoped session's tenant (its slug): the list holds it alone, as loaded.
    pub scope: Option<String>,
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
            scope: None,
        }
    }

    /// What the picker says when nothing matches the query: in a scoped session "…
    /// not in tenant X" (whether another tenant matches is not asked, nor said).
    pub fn answer(&self) -> Option<String> {
        let query = self.query.trim();
        if self.loading || !self.matches.is_empty() || query.is_empty() {
            return None;
        }
        Some(match &self.scope {
            Some(slug) => format!("{query} not in tenant {slug}"),
            None => format!("no tenant matches {query}"),
        })
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

impl App {
    pub(super) fn open_picker(&mut self, query: String) -> Vec<Effect> {
        let ticket = self.ticket();
        // The list loaded before is reused; it is loaded again only after a failure.
        match self.picker.take().or(self.last_picker.take()) {
            Some(mut picker) if picker.error.is_none() => {
                picker.query = query;
                picker.selected = 0;
                self.picker = Some(picker);
                self.rank()
            }
            _ => {
                let mut picker = Picker::new(query, ticket);
                picker.scope = self.tenant_scope.as_ref().map(|s| s.slug().to_string());
                self.picker = Some(picker);
                vec![Effect::LoadTenants { ticket }]
            }
        }
    }

    pub(super) fn rank(&mut self) -> Vec<Effect> {
        let ticket = self.ticket();
        let Some(picker) = self.picker.as_mut() else {
            return Vec::new();
        };
        picker.ranking = ticket;
        vec![Effect::Rank {
            ticket,
            tenants: Arc::clone(&picker.tenants),
            query: picker.query.clone(),
        }]
    }

    pub(super) fn picker_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(picker) = self.picker.as_mut() else {
            return Vec::new();
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let page = self.page_rows.max(1) as isize;
        match key.code {
            KeyCode::Esc => self.last_picker = self.picker.take(),
            KeyCode::Char('c') if ctrl => self.last_picker = self.picker.take(),
            KeyCode::Down => picker.step(1),
            KeyCode::Char('n') if ctrl => picker.step(1),
            KeyCode::Up => picker.step(-1),
            KeyCode::Char('p') if ctrl => picker.step(-1),
            KeyCode::PageDown => picker.step(page),
            KeyCode::PageUp => picker.step(-page),
            KeyCode::Enter => {
                if let Some(answer) = picker.answer() {
                    self.notice = Some(answer);
                    return Vec::new();
                }
                if let Some(id) = picker.chosen().map(|t| t.id) {
                    self.last_picker = self.picker.take();
                    let Some(tenants) = self.tree.schema.table("tenants") else {
                        self.notice = Some("this database has no tenants table".into());
                        return Vec::new();
                    };
                    self.focus = Focus::Tree;
                    self.open_revealed = true;
                    return self.jump(tenants, id);
                }
            }
            KeyCode::Backspace => {
                picker.query.pop();
                picker.selected = 0;
                return self.rank();
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                picker.query.push(c);
                picker.selected = 0;
                return self.rank();
            }
            _ => {}
        }
        Vec::new()
    }

    /// A page of tenants arrived: add it and rank again.
    pub(super) fn tenants_loaded(
        &mut self,
        ticket: Ticket,
        result: Result<Vec<TenantEntry>, String>,
        done: bool,
    ) -> Vec<Effect> {
        let Some(picker) = self.picker.as_mut().filter(|p| p.load == ticket) else {
            return Vec::new();
        };
        match result {
            Ok(entries) => {
                let mut tenants = picker.tenants.as_ref().clone();
                tenants.extend(entries);
                picker.tenants = Arc::new(tenants);
            }
            Err(e) => picker.error = Some(e),
        }
        picker.loading = !done;
        self.dirty = true;
        self.rank()
    }

    pub(super) fn ranked(&mut self, ticket: Ticket, matches: Vec<u32>) {
        if let Some(picker) = self.picker.as_mut().filter(|p| p.ranking == ticket) {
            picker.matches = matches;
            picker.selected = picker.selected.min(picker.matches.len().saturating_sub(1));
            self.dirty = true;
        }
    }
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
