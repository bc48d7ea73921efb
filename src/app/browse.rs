//! The tree's keys: moving, opening and closing, filtering a group, query groups at
//! the top; the panes follow the selected row.

use super::detail::Detail;
use super::keymap::Command;
use super::loader::Effect;
use super::tree::{self, Selected};
use super::{App, Focus};
use crate::store::read::{Filter, Listing};

impl App {
    pub(super) fn tree_command(&mut self, command: Command) -> Vec<Effect> {
        let mut effects = Vec::new();
        // Moving in the tree overrides a jump still on its way.
        self.revealing = None;
        let page = self.page_rows.max(1);
        match command {
            Command::Down => {
                self.tree.state.key_down();
            }
            Command::Up => {
                self.tree.state.key_up();
            }
            Command::Top => {
                self.tree.state.select_first();
            }
            Command::Bottom => {
                self.tree.state.select_last();
            }
            Command::PageDown => {
                self.tree
                    .state
                    .select_relative(|i| i.map_or(0, |i| i.saturating_add(page)));
            }
            Command::PageUp => {
                self.tree
                    .state
                    .select_relative(|i| i.map_or(0, |i| i.saturating_sub(page)));
            }
            Command::Open => effects.extend(self.tree.open_selected().map(Effect::Tree)),
            Command::Close => self.tree.close_selected(),
            _ => {}
        }
        self.tree.cross_window_edge();
        effects.extend(self.reselect(false));
        effects
    }

    /// Starts resolving the selected row when the selection moved to another row.
    pub(super) fn reselect(&mut self, force: bool) -> Vec<Effect> {
        // A jump on its way decides what the panes show.
        if self.revealing.is_some() {
            return Vec::new();
        }
        let Selected::Row { table, id } = self.tree.selected() else {
            return Vec::new();
        };
        if !force
            && self
                .detail
                .as_ref()
                .is_some_and(|d| d.table == table && d.id == id)
        {
            return Vec::new();
        }
        let ticket = self.ticket();
        self.detail = Some(Detail::new(ticket, table, id));
        vec![Effect::Resolve { ticket, table, id }]
    }

    /// Selects the node at `path` (reveal, tests) and resolves it if it is a row.
    pub fn select(&mut self, path: tree::Path) -> Vec<Effect> {
        self.dirty = true;
        self.tree.select(path);
        self.reselect(false)
    }

    /// A group of the current tenant's runs matching `filter`, at the top of the tree.
    pub(super) fn runs_query(&mut self, title: &str, filter: Filter) -> Vec<Effect> {
        let Some(tenant) = self.current_tenant() else {
            return self.no_tenant();
        };
        let Some(runs) = self.tree.schema.table("activity_runs") else {
            self.notice = Some("this database has no activity_runs table".into());
            return Vec::new();
        };
        let listing = Listing::Children {
            table: runs,
            column: "tenant_id",
            parent: tenant,
            null_column: None,
        }
        .with_filter(filter);
        let name = self
            .tree
            .label_of("tenants", tenant)
            .unwrap_or_else(|| tenant.to_string());
        self.focus = Focus::Tree;
        self.revealing = None;
        self.tree
            .add_root(format!("{title} · {name}"), listing)
            .map(Effect::Tree)
            .into_iter()
            .collect()
    }

    pub(super) fn filter(&mut self, line: &str) -> Vec<Effect> {
        let filter = Filter::parse(line);
        let Some((_, listing)) = self.tree.selected_listing() else {
            self.notice = Some("select a group or a row in one to filter it".into());
            return Vec::new();
        };
        let table = listing.table();
        if !filter.statuses.is_empty() && table.status.is_none() {
            self.notice = Some(format!("{} has no status to filter on", table.name));
            return Vec::new();
        }
        self.focus = Focus::Tree;
        self.revealing = None;
        self.tree
            .filter_selected(filter)
            .map(Effect::Tree)
            .into_iter()
            .collect()
    }
}
