//! Where the person is and has been: jumps, `[` and `]`, the tenant in view.

use uuid::Uuid;

use super::detail::Detail;
use super::loader::Effect;
use super::{App, Focus, Location, Pane, Stop};
use crate::schema::Table;

impl App {
    /// Shows `table`/`id`, remembering where it came from for `[`, and opens the tree
    /// down to it.
    pub fn jump(&mut self, table: &'static Table, id: Uuid) -> Vec<Effect> {
        if let Some(here) = self.stop()
            && (here.table, here.id) != (table, id)
        {
            self.back.push(here);
            self.forward.clear();
        }
        self.go(table, id)
    }

    /// Where the history would return to: the row shown, in the pane shown.
    pub(super) fn stop(&self) -> Option<Stop> {
        let (table, id) = self.here()?;
        let pane = if self.focus == Focus::Pane {
            self.pane
        } else {
            Pane::Row
        };
        Some(Stop { table, id, pane })
    }

    /// A hop to another pane of the same row (a reference followed), kept in the history.
    pub(super) fn hop_to_pane(&mut self, pane: Pane) {
        if let Some(here) = self.stop() {
            self.back.push(here);
            self.forward.clear();
        }
        self.pane = pane;
        self.focus = Focus::Pane;
    }

    /// The row the panes show.
    pub fn here(&self) -> Option<Location> {
        self.detail.as_ref().map(|d| (d.table, d.id))
    }

    /// Shows `table`/`id` in the panes at once and asks for its place in the tree.
    pub(super) fn go(&mut self, table: &'static Table, id: Uuid) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.here() != Some((table, id)) {
            let ticket = self.ticket();
            self.detail = Some(Detail::new(ticket, table, id));
            effects.push(Effect::Resolve { ticket, table, id });
        }
        let ticket = self.ticket();
        self.revealing = Some(ticket);
        effects.push(Effect::Reveal { ticket, table, id });
        effects
    }

    pub(super) fn step_history(&mut self, back: bool) -> Vec<Effect> {
        let popped = if back {
            self.back.pop()
        } else {
            self.forward.pop()
        };
        let Some(target) = popped else {
            self.notice = Some(
                if back {
                    "nothing to go back to"
                } else {
                    "nothing to go forward to"
                }
                .into(),
            );
            return Vec::new();
        };
        if let Some(here) = self.stop() {
            if back {
                self.forward.push(here);
            } else {
                self.back.push(here);
            }
        }
        self.pane = target.pane;
        if target.pane != Pane::Row {
            self.focus = Focus::Pane;
        }
        if self.here() == Some((target.table, target.id)) {
            return Vec::new();
        }
        self.go(target.table, target.id)
    }

    /// The tenant of what is shown or selected.
    pub fn current_tenant(&self) -> Option<Uuid> {
        // A scoped session has one tenant, whatever is shown.
        if let Some(scope) = &self.tenant_scope {
            return Some(scope.id());
        }
        if let Some(detail) = &self.detail {
            if detail.table.name == "tenants" {
                return Some(detail.id);
            }
            if let Some(id) = detail
                .fields()
                .iter()
                .find(|f| f.column == "tenant_id")
                .and_then(|f| f.value.as_deref()?.parse().ok())
            {
                return Some(id);
            }
        }
        self.tree
            .state
            .selected()
            .iter()
            .find_map(|node| node.strip_prefix("tenants:")?.parse().ok())
    }
}
