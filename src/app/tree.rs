//! The tree model: per-node load state keyed by the node's path of ids, and the
//! tui-tree-widget items rebuilt from it when it changes. Nothing here does IO: opening a
//! node returns the load to start, and results come back through [`Tree::apply_page`]
//! and [`Tree::apply_counts`] with the ticket they were started with.

use std::collections::HashMap;

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use tui_tree_widget::{TreeItem, TreeState};
use uuid::Uuid;

use crate::find::Step;
use crate::load::{Load, Ticket};
use crate::outline::{GroupSpec, groups_of};
use crate::schema::{Schema, Shown, Table};
use crate::store::read::{Count, Cursor, Filter, Item, Listing, Page};
use crate::text::{clean_line, thousands};

pub type NodeId = String;
pub type Path = Vec<NodeId>;

const LOAD_MORE: &str = "+more";
const PLACEHOLDER: &str = "…";
/// Stand-ins for the rows of a large group outside its window.
const NEWER: &str = "^newer";
const OLDER: &str = "volder";
/// Rows of one group handed to the widget at a time. The widget rebuilds and flattens
/// every item it is given on each change and each frame, cloning each node's whole path
/// twice per frame, so a group of 100,000 loaded rows shows a window of them, moved as
/// the selection reaches its edges: four screens of rows, not the whole group.
pub const WINDOW: usize = 200;

/// A group node: one listing, paged.
#[derive(Debug)]
pub struct Group {
    pub listing: Listing,
    pub title: String,
    pub count: Option<Count>,
    pub load: Load<()>,
    pub items: Vec<Item>,
    pub next: Option<Cursor>,
    /// A next page is on its way.
    pub more: Option<Ticket>,
    /// Index of the first row shown when the group has more than [`WINDOW`] rows.
    pub window: usize,
    /// A reveal added rows ahead of their pages: pages are merged into them, not appended.
    pub revealed: bool,
}

impl Group {
    /// A group not loaded yet, its count unknown.
    fn new(listing: Listing, title: String) -> Group {
        Group {
            listing,
            title,
            count: None,
            load: Load::Unloaded,
            items: Vec::new(),
            next: None,
            more: None,
            window: 0,
            revealed: false,
        }
    }

    /// Drops the loaded rows, to load them again from the first page.
    fn forget_rows(&mut self) {
        self.items.clear();
        self.next = None;
        self.more = None;
        self.window = 0;
        self.revealed = false;
    }

    /// Holds rows a reveal added, and its first page is not loaded (or failed).
    fn first_page_wanted(&self) -> bool {
        self.revealed
            && self.next.is_none()
            && matches!(self.load, Load::Unloaded | Load::Failed(_))
    }

    /// The range of `items` handed to the widget.
    fn shown(&self) -> (usize, usize) {
        let start = self.window.min(self.items.len().saturating_sub(WINDOW));
        (start, (start + WINDOW).min(self.items.len()))
    }

    /// Where row `id` is in `items`. The window first: the selection is nearly always
    /// there, and the status line asks on every frame.
    fn position(&self, id: Uuid) -> Option<usize> {
        let (start, end) = self.shown();
        let in_window = |at: &usize| self.items[*at].id == id;
        (start..end)
            .find(in_window)
            .or_else(|| self.items.iter().position(|i| i.id == id))
    }

    /// The loaded row `id`.
    fn item(&self, id: Uuid) -> Option<&Item> {
        self.position(id).map(|at| &self.items[at])
    }
}

/// A row node; its groups come from the schema, their counts from the store.
#[derive(Debug)]
pub struct RowNode {
    pub table: &'static Table,
    pub id: Uuid,
    pub counts: Load<Vec<(GroupSpec, Count)>>,
    /// Groups a reveal made under it, shown before its counts arrive.
    pub revealed: Vec<GroupSpec>,
}

impl RowNode {
    fn new(table: &'static Table, id: Uuid) -> RowNode {
        RowNode {
            table,
            id,
            counts: Load::Unloaded,
            revealed: Vec::new(),
        }
    }
}

/// What the selected node is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selected {
    Row { table: &'static Table, id: Uuid },
    Group,
    LoadMore,
    Other,
}

/// A load the model wants started.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Page {
        ticket: Ticket,
        path: Path,
        listing: Listing,
        after: Option<Cursor>,
    },
    /// The groups of rows (one when a row opens, every row on a revealed path), counted
    /// in one statement.
    Counts {
        ticket: Ticket,
        rows: Vec<(Path, Vec<(GroupSpec, Listing)>)>,
    },
}

/// Counted groups of each row of a [`Request::Counts`].
pub type RowCounts = Vec<(Path, Vec<(GroupSpec, Count)>)>;

pub struct Tree {
    pub state: TreeState<NodeId>,
    /// Top-level groups: query results (`:failed`, `:stuck`), then the tenants (unless
    /// scoped).
    roots: Vec<Path>,
    /// A session scoped to one tenant: the tree's root is that tenant's row. Its
    /// listing (one row) is a group at the empty path that is never drawn itself.
    scoped: Option<Uuid>,
    groups: HashMap<Path, Group>,
    rows: HashMap<Path, RowNode>,
    /// The rows each count request in flight was started for: `is_loading` looks at
    /// these, not at every row (a group can hold 100,000, and the loop asks each turn).
    counting: HashMap<Ticket, Vec<Path>>,
    pub items: Vec<TreeItem<'static, NodeId>>,
    next_ticket: Ticket,
    /// Frame counter for the spinner.
    pub spinner: usize,
    /// Where a row's groups come from: the connection's effective schema.
    pub schema: &'static Schema,
}

/// A group's node id under its row.
fn group_id(spec: &GroupSpec) -> NodeId {
    format!("#{}.{}", spec.table.name, spec.column)
}

fn row_id(table: &Table, id: Uuid) -> NodeId {
    format!("{}:{id}", table.name)
}

fn spinner_char(frame: usize) -> char {
    ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'][frame % 10]
}

impl Default for Tree {
    fn default() -> Self {
        Self::new()
    }
}

impl Tree {
    pub fn new() -> Tree {
        let mut groups = HashMap::new();
        groups.insert(
            vec!["#tenants".to_string()],
            Group::new(Listing::tenants(Schema::declared()), "Tenants".to_string()),
        );
        let mut tree = Tree {
            state: TreeState::default(),
            roots: vec![vec!["#tenants".to_string()]],
            scoped: None,
            groups,
            rows: HashMap::new(),
            counting: HashMap::new(),
            items: Vec::new(),
            next_ticket: 1,
            spinner: 0,
            schema: Schema::declared(),
        };
        tree.state.open(vec!["#tenants".to_string()]);
        tree.state.select(vec!["#tenants".to_string()]);
        tree.rebuild();
        tree
    }

    /// The tree of a session scoped to `tenant`: its row at the root, selected and open.
    pub fn scoped(tenant: Item) -> Tree {
        let tenants = crate::schema::table("tenants").expect("tenants is declared");
        let root = vec![row_id(tenants, tenant.id)];
        let mut group = Group::new(Listing::Tenants(tenants), tenants.title.to_string());
        group.items.push(tenant.clone());
        group.revealed = true;
        let mut tree = Tree {
            state: TreeState::default(),
            roots: Vec::new(),
            scoped: Some(tenant.id),
            groups: HashMap::from([(Vec::new(), group)]),
            rows: HashMap::from([(root.clone(), RowNode::new(tenants, tenant.id))]),
            counting: HashMap::new(),
            items: Vec::new(),
            next_ticket: 1,
            spinner: 0,
            schema: Schema::declared(),
        };
        tree.state.open(root.clone());
        tree.state.select(root);
        tree.rebuild();
        tree
    }

    /// The tenant a scoped tree holds.
    pub fn scoped_tenant(&self) -> Option<Uuid> {
        self.scoped
    }

    /// Where the tenants' rows hang: the tenants group, or (scoped) the empty path.
    fn tenants_path(&self) -> Path {
        match self.scoped {
            Some(_) => Vec::new(),
            None => vec!["#tenants".to_string()],
        }
    }

    /// The scoped tree's root row.
    fn scoped_root(&self) -> Option<Path> {
        self.scoped.map(|id| vec![format!("tenants:{id}")])
    }

    /// Whether `path` is the tree's root: the tenants group, or the scope's tenant.
    pub fn is_root(&self, path: &[NodeId]) -> bool {
        match self.scoped_root() {
            Some(root) => path == root.as_slice(),
            None => path == ["#tenants"],
        }
    }

    fn ticket(&mut self) -> Ticket {
        self.next_ticket += 1;
        self.next_ticket
    }

    pub fn items(&self) -> &[TreeItem<'static, NodeId>] {
        &self.items
    }

    /// The root's first loads (at start, and once PostgreSQL connects): the tenants'
    /// first page, or (scoped) the tenant's row again and its groups.
    pub fn load_root(&mut self) -> Vec<Request> {
        let mut requests: Vec<Request> = self
            .load_group(&self.tenants_path(), false)
            .into_iter()
            .collect();
        if let Some(root) = self.scoped_root() {
            requests.extend(self.load_counts(&root));
        }
        requests
    }

    /// Forgets everything under the root and loads it again (a new schema).
    pub fn reset_root(&mut self) -> Vec<Request> {
        let (root, keep) = match self.scoped_root() {
            Some(root) => (root, Vec::new()),
            None => (self.tenants_path(), self.tenants_path()),
        };
        self.groups
            .retain(|p, _| p.is_empty() || p == &keep || !p.starts_with(&root));
        self.rows
            .retain(|p, _| (self.scoped.is_some() && p == &root) || !p.starts_with(&root));
        if let Some(row) = self.rows.get_mut(&root) {
            row.counts = Load::Unloaded;
            row.revealed.clear();
        }
        if let Some(group) = self.groups.get_mut(&self.tenants_path())
            && self.scoped.is_none()
        {
            group.forget_rows();
            // Read through the tenants table this schema has (its label and status).
            group.listing = Listing::tenants(self.schema);
        }
        let requests = self.load_root();
        self.rebuild();
        requests
    }

    pub fn is_loading(&self) -> bool {
        self.groups
            .values()
            .any(|g| matches!(g.load, Load::Loading(_)) || g.more.is_some())
            || self.counting.iter().any(|(ticket, paths)| {
                paths.iter().any(|p| {
                    self.rows
                        .get(p)
                        .is_some_and(|r| r.counts == Load::Loading(*ticket))
                })
            })
    }

    /// The row at `path`: a row with a node (opened, revealed, the scope's root), or a
    /// row loaded in the group above it, whose node is made when it first opens (a
    /// group of 100,000 rows holds their items, not 100,000 nodes keyed by whole paths).
    fn row_at(&self, path: &[NodeId]) -> Option<(&'static Table, Uuid)> {
        if let Some(row) = self.rows.get(path) {
            return Some((row.table, row.id));
        }
        let (table, id) = self.row_named(path)?;
        self.groups.get(&path[..path.len() - 1])?.position(id)?;
        Some((table, id))
    }

    /// The table and id a row's node id under its group names (`table:uuid`), unchecked.
    fn row_named(&self, path: &[NodeId]) -> Option<(&'static Table, Uuid)> {
        let (last, parent) = path.split_last()?;
        let table = self.groups.get(parent)?.listing.table();
        let id = last.strip_prefix(table.name)?.strip_prefix(':')?;
        Some((table, id.parse().ok()?))
    }

    pub fn selected(&self) -> Selected {
        let path = self.state.selected();
        if let Some((table, id)) = self.row_at(path) {
            return Selected::Row { table, id };
        }
        match path.last().map(String::as_str) {
            Some(LOAD_MORE) => Selected::LoadMore,
            Some(id) if id.starts_with('#') => Selected::Group,
            _ => Selected::Other,
        }
    }

    /// Whether the model has a row or group at `path`.
    pub fn contains(&self, path: &[NodeId]) -> bool {
        self.groups.contains_key(path) || self.row_at(path).is_some()
    }

    /// The rows loaded so far in the group at `path`.
    pub fn group_items(&self, path: &[NodeId]) -> Option<&[Item]> {
        self.groups.get(path).map(|g| g.items.as_slice())
    }

    /// The paths of the top-level groups (query results first, then the tenants).
    pub fn roots(&self) -> &[Path] {
        &self.roots
    }

    /// Rows loaded so far in the group at `path`, and whether there are more.
    pub fn group_progress(&self, path: &[NodeId]) -> Option<(usize, bool)> {
        self.groups
            .get(path)
            .map(|g| (g.items.len(), g.next.is_some()))
    }

    /// The label of row `id` of `table`, if a loaded group holds it.
    pub fn label_of(&self, table: &str, id: Uuid) -> Option<String> {
        self.groups
            .values()
            .filter(|g| g.listing.table().name == table)
            .find_map(|g| g.items.iter().find(|i| i.id == id))
            .map(|i| crate::text::for_terminal(&clean_line(&i.label, 40)).into_owned())
    }

    /// The selection and its ancestors as `table/id label`, whole, for copying.
    pub fn full_path(&self) -> Vec<String> {
        let path = self.state.selected();
        (1..=path.len())
            .filter_map(|n| {
                let (table, id) = self.row_at(&path[..n])?;
                let label = self
                    .groups
                    .get(&path[..n - 1])?
                    .item(id)
                    .map(|i| clean_line(&i.label, usize::MAX))
                    .unwrap_or_default();
                Some(format!("{}/{id} {label}", table.name))
            })
            .collect()
    }

    /// Labels of the selection and its ancestors, for the status bar.
    pub fn breadcrumb(&self) -> Vec<String> {
        let path = self.state.selected();
        (1..=path.len())
            .filter_map(|n| {
                let prefix = &path[..n];
                let parent = &path[..n - 1];
                let group = self.groups.get(parent)?;
                let (_, id) = self.row_at(prefix)?;
                group
                    .item(id)
                    .map(|i| crate::text::for_terminal(&clean_line(&i.label, 40)).into_owned())
            })
            .collect()
    }

    /// Opens the selected node (starting its load) or, on "load more", fetches the next page.
    pub fn open_selected(&mut self) -> Option<Request> {
        let path = self.state.selected().to_vec();
        if path.last().map(String::as_str) == Some(LOAD_MORE) {
            let group_path = &path[..path.len() - 1];
            // A group a reveal made holds the revealed row only: its first page now.
            let first = self
                .groups
                .get(group_path)
                .is_some_and(Group::first_page_wanted);
            return self.load_group(group_path, !first);
        }
        self.state.open(path.clone());
        let request = if self.groups.contains_key(&path) {
            match self.groups[&path].load {
                Load::Unloaded | Load::Failed(_) => self.load_group(&path, false),
                _ => None,
            }
        } else if let Some((table, id)) = self.row_at(&path) {
            let row = self
                .rows
                .entry(path.clone())
                .or_insert_with(|| RowNode::new(table, id));
            match row.counts {
                Load::Unloaded | Load::Failed(_) => self.load_counts(&path),
                _ => None,
            }
        } else {
            None
        };
        self.rebuild();
        request
    }

    /// Closes the selected node, or selects its parent when it is closed already.
    pub fn close_selected(&mut self) {
        self.state.key_left();
        self.rebuild();
    }

    /// Forgets what was loaded under the selected node (or its nearest group) and loads it again.
    pub fn reload_selected(&mut self) -> Option<Request> {
        let path = self.state.selected().to_vec();
        let target = (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| self.contains(p))?;
        let row = (!self.groups.contains_key(&target))
            .then(|| self.row_at(&target))
            .flatten();
        self.groups
            .retain(|p, _| p == &target || !p.starts_with(&target));
        self.rows
            .retain(|p, _| p == &target || !p.starts_with(&target));
        let request = if self.groups.contains_key(&target) {
            let group = self.groups.get_mut(&target).expect("checked");
            group.forget_rows();
            self.load_group(&target, false)
        } else {
            if let Some((table, id)) = row {
                self.rows
                    .entry(target.clone())
                    .or_insert_with(|| RowNode::new(table, id));
            }
            self.load_counts(&target)
        };
        self.rebuild();
        request
    }

    fn load_group(&mut self, path: &[NodeId], more: bool) -> Option<Request> {
        let ticket = self.ticket();
        let group = self.groups.get_mut(path)?;
        let after = if more {
            if group.more.is_some() {
                return None;
            }
            group.next?;
            group.more = Some(ticket);
            group.next
        } else {
            group.load = Load::Loading(ticket);
            None
        };
        let listing = group.listing.clone();
        self.rebuild();
        Some(Request::Page {
            ticket,
            path: path.to_vec(),
            listing,
            after,
        })
    }

    fn load_counts(&mut self, path: &[NodeId]) -> Option<Request> {
        self.load_counts_of(&[path.to_vec()])
    }

    /// One request counting the groups of every row at `paths` (one statement).
    fn load_counts_of(&mut self, paths: &[Path]) -> Option<Request> {
        let ticket = self.ticket();
        let mut rows = Vec::with_capacity(paths.len());
        for path in paths {
            let Some(row) = self.rows.get_mut(path) else {
                continue;
            };
            row.counts = Load::Loading(ticket);
            let listings = groups_of(self.schema, row.table)
                .into_iter()
                .map(|spec| (spec, spec.listing(row.id)))
                .collect();
            rows.push((path.clone(), listings));
        }
        if rows.is_empty() {
            return None;
        }
        self.counting
            .insert(ticket, rows.iter().map(|(p, _)| p.clone()).collect());
        Some(Request::Counts { ticket, rows })
    }

    /// A page arrived. Results for a load that is no longer wanted are dropped.
    pub fn apply_page(
        &mut self,
        ticket: Ticket,
        path: &[NodeId],
        result: Result<Page, String>,
    ) -> bool {
        let Some(group) = self.groups.get_mut(path) else {
            return false;
        };
        let is_more = group.more == Some(ticket);
        if !is_more && group.load != Load::Loading(ticket) {
            return false;
        }
        match result {
            Ok(page) => {
                let table = group.listing.table();
                // Selection on the placeholder, on "load more" or (at start) on the root
                // moves to the first row that just arrived.
                let selected = self.state.selected();
                let on_stand_in = selected.len() == path.len() + 1
                    && selected.starts_with(path)
                    && matches!(
                        selected.last().map(String::as_str),
                        Some(PLACEHOLDER | LOAD_MORE)
                    );
                if (on_stand_in || (path.len() == 1 && selected == path))
                    && let Some(first) = page.items.first()
                {
                    let mut first_path = path.to_vec();
                    first_path.push(row_id(table, first.id));
                    self.state.select(first_path);
                }
                let group = self.groups.get_mut(path).expect("checked above");
                if group.revealed {
                    // Rows added by a reveal come again with their page: keep one of each
                    // (the page's, which is fresh), newest first as the pages are.
                    let fresh: std::collections::HashSet<Uuid> =
                        page.items.iter().map(|i| i.id).collect();
                    group.items.retain(|i| !fresh.contains(&i.id));
                    group.items.extend(page.items);
                    group
                        .items
                        .sort_by_key(|i| std::cmp::Reverse((i.created_at, i.id)));
                } else {
                    group.items.extend(page.items);
                }
                group.next = page.next;
                group.load = Load::Loaded(());
                group.more = None;
            }
            Err(e) if is_more => {
                group.more = None;
                group.load = Load::Failed(format!("next page: {e}"));
            }
            Err(e) => group.load = Load::Failed(e),
        }
        self.rebuild();
        true
    }

    /// Counts arrived for the rows of one request (all of them fail together).
    pub fn apply_counts(&mut self, ticket: Ticket, result: Result<RowCounts, String>) -> bool {
        let mut applied = false;
        let asked = self.counting.remove(&ticket).unwrap_or_default();
        match result {
            Ok(rows) => {
                for (path, counts) in rows {
                    let Some(row) = self.rows.get(&path) else {
                        continue;
                    };
                    if row.counts != Load::Loading(ticket) {
                        continue;
                    }
                    let id = row.id;
                    for (spec, count) in &counts {
                        let mut group_path = path.clone();
                        group_path.push(group_id(spec));
                        // A group made by a reveal exists already: it gets its count now.
                        self.groups
                            .entry(group_path)
                            .or_insert(Group::new(spec.listing(id), spec.table.title.to_string()))
                            .count = Some(*count);
                    }
                    self.rows.get_mut(&path).expect("checked").counts = Load::Loaded(counts);
                    applied = true;
                }
            }
            Err(e) => {
                for path in &asked {
                    let Some(row) = self.rows.get_mut(path) else {
                        continue;
                    };
                    if row.counts == Load::Loading(ticket) {
                        row.counts = Load::Failed(e.clone());
                        applied = true;
                    }
                }
            }
        }
        if applied {
            self.rebuild();
        }
        applied
    }

    /// Rebuilds the widget items from the model (after every change, not every frame).
    pub fn rebuild(&mut self) {
        self.follow_selection();
        let mut items: Vec<_> = self
            .roots
            .iter()
            .map(|root| self.group_item(root))
            .collect();
        // Scoped: the tenant's row (its one-row listing's children) at the top level.
        if self.scoped.is_some() {
            items.extend(self.group_children(&Vec::new(), true));
        }
        self.items = items;
    }

    /// Selects the node at `path`, moving its group's window onto it if it is outside.
    pub fn select(&mut self, path: Path) {
        self.state.select(path);
        if self.follow_selection() {
            self.rebuild();
        }
    }

    /// Moves the windows of the groups on the selected path so the selection is shown.
    /// True when one moved.
    fn follow_selection(&mut self) -> bool {
        let mut moved = false;
        let selected = self.state.selected().to_vec();
        for n in 1..selected.len() {
            let Some((_, id)) = self.row_named(&selected[..=n]) else {
                continue;
            };
            let Some(group) = self.groups.get_mut(&selected[..n]) else {
                continue;
            };
            let (start, end) = group.shown();
            if let Some(at) = group.position(id)
                && !(start..end).contains(&at)
            {
                group.window = at.saturating_sub(WINDOW / 2);
                moved = true;
            }
        }
        moved
    }

    /// After a move onto a window's edge stand-in: shift that window by half its size and
    /// select the row beyond the edge. True when it did.
    pub fn cross_window_edge(&mut self) -> bool {
        let selected = self.state.selected().to_vec();
        let Some((last, group_path)) = selected.split_last() else {
            return false;
        };
        let newer = last == NEWER;
        if !newer && last != OLDER {
            return false;
        }
        let Some(group) = self.groups.get_mut(group_path) else {
            return false;
        };
        let (start, end) = group.shown();
        let target = if newer { start - 1 } else { end };
        group.window = if newer {
            start.saturating_sub(WINDOW / 2)
        } else {
            start + WINDOW / 2
        };
        let id = group.items[target].id;
        let mut path = group_path.to_vec();
        path.push(row_id(group.listing.table(), id));
        self.state.select(path);
        self.rebuild();
        true
    }

    /// Adds a top-level group listing `listing` (a query's results) above the tenants,
    /// selects it and loads its first page. The same query again replaces the old one.
    pub fn add_root(&mut self, title: String, listing: Listing) -> Option<Request> {
        let path = vec![format!("#q:{title}")];
        // One query's results at a time: the new one replaces the last.
        let old: Vec<Path> = self
            .roots
            .iter()
            .filter(|r| r[0].starts_with("#q:"))
            .cloned()
            .collect();
        for root in &old {
            self.remove_under(root);
        }
        self.roots.retain(|r| !r[0].starts_with("#q:"));
        self.roots.insert(0, path.clone());
        self.groups.insert(path.clone(), Group::new(listing, title));
        self.state.open(path.clone());
        self.state.select(path.clone());
        self.load_group(&path, false)
    }

    /// Forgets every node under `path` (and the node itself).
    fn remove_under(&mut self, path: &[NodeId]) {
        self.groups.retain(|p, _| !p.starts_with(path));
        self.rows.retain(|p, _| !p.starts_with(path));
    }

    /// The group the selection is in (the group itself, or the group of the selected row).
    fn selected_group(&self) -> Option<Path> {
        let path = self.state.selected();
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| self.groups.contains_key(p))
    }

    /// The listing of the group the selection is in, and the group's path.
    pub fn selected_listing(&self) -> Option<(Path, Listing)> {
        let path = self.selected_group()?;
        let listing = self.groups[&path].listing.clone();
        Some((path, listing))
    }

    /// Narrows the selected group to `filter` (an empty filter clears it), evaluated by
    /// the store and keyset-paged as before. Selects the group and loads its first page.
    pub fn filter_selected(&mut self, filter: Filter) -> Option<Request> {
        let path = self.selected_group()?;
        let group = self.groups.get_mut(&path)?;
        group.listing = group.listing.with_filter(filter);
        group.forget_rows();
        self.groups
            .retain(|p, _| p == &path || !p.starts_with(&path));
        self.rows.retain(|p, _| !p.starts_with(&path));
        self.state.open(path.clone());
        self.state.select(path.clone());
        self.load_group(&path, false)
    }

    /// Opens the tree down to the row `steps` ends with (tenant first), creating the
    /// nodes it passes through, and selects it. The ancestry brought every row on the
    /// way: each is added to its group (a group made here holds it alone, its pages
    /// loaded when asked for), so a row 200 levels down shows after two round trips:
    /// the counts of every row on the way in one statement, and the first page of the
    /// row's own group (its siblings). Returns the row's path and those loads.
    pub fn reveal(&mut self, steps: &[Step]) -> (Path, Vec<Request>) {
        if let (Some(tenant), Some(first)) = (self.scoped, steps.first())
            && first.item.id != tenant
        {
            // Not this session's tenant (its queries never return one): nowhere to go.
            return (self.state.selected().to_vec(), Vec::new());
        }
        let mut group_path = self.tenants_path();
        let mut row_path = Vec::new();
        let mut parent_id = None;
        let mut uncounted = Vec::new();
        for (depth, step) in steps.iter().enumerate() {
            if let (Some(fk), Some(parent)) = (step.via, parent_id) {
                let spec = GroupSpec {
                    table: step.table,
                    column: fk.column,
                    null_column: match fk.shown {
                        Shown::ChildWhereNull(c) => Some(c),
                        _ => None,
                    },
                };
                if let Some(row) = self.rows.get_mut(&row_path)
                    && !row.revealed.contains(&spec)
                {
                    row.revealed.push(spec);
                }
                group_path = row_path.clone();
                group_path.push(group_id(&spec));
                self.groups.entry(group_path.clone()).or_insert(Group::new(
                    spec.listing(parent),
                    step.table.title.to_string(),
                ));
            }
            let Some(group) = self.groups.get_mut(&group_path) else {
                break;
            };
            if !group.items.iter().any(|i| i.id == step.item.id) {
                group.items.push(step.item.clone());
                group
                    .items
                    .sort_by_key(|i| std::cmp::Reverse((i.created_at, i.id)));
                group.revealed = true;
            }
            if !group_path.is_empty() {
                self.state.open(group_path.clone());
            }
            row_path = group_path.clone();
            row_path.push(row_id(step.table, step.item.id));
            self.rows
                .entry(row_path.clone())
                .or_insert(RowNode::new(step.table, step.item.id));
            if depth + 1 < steps.len() {
                self.state.open(row_path.clone());
                if self.rows[&row_path].counts == Load::Unloaded {
                    uncounted.push(row_path.clone());
                }
            }
            parent_id = Some(step.item.id);
        }
        let mut requests: Vec<Request> = self.load_counts_of(&uncounted).into_iter().collect();
        // The row's siblings: its own group's first page.
        if self
            .groups
            .get(&group_path)
            .is_some_and(|g| g.load == Load::Unloaded)
        {
            requests.extend(self.load_group(&group_path.clone(), false));
        }
        self.state.select(row_path.clone());
        self.rebuild();
        self.state.scroll_selected_into_view();
        (row_path, requests)
    }

    fn group_item(&self, path: &Path) -> TreeItem<'static, NodeId> {
        let group = &self.groups[path];
        let mut title = vec![Span::styled(
            clean_line(&group.title, 80),
            Style::new().add_modifier(Modifier::BOLD),
        )];
        // A table without `created_at` is paged by id: say so, the order is not by time.
        if !group.listing.table().created_at {
            title.push(Span::styled(
                " · by id (no created_at)",
                Style::new().fg(ratatui::style::Color::Yellow),
            ));
        }
        if let (_, Some(filter)) = group.listing.parts() {
            title.push(Span::styled(
                format!(" [{}]", clean_line(&filter.describe(), 60)),
                Style::new().fg(ratatui::style::Color::Cyan),
            ));
        }
        if let Some(count) = group.count {
            let n = thousands(count.n);
            title.push(Span::raw(if count.capped {
                format!(" ({n}+)")
            } else {
                format!(" ({n})")
            }));
        }
        let children = self.group_children(path, self.state.opened().contains(path));
        let id = path.last().expect("non-empty path").clone();
        // Identifiers are unique among siblings by construction; fall back to a leaf if not.
        TreeItem::new(id.clone(), Line::from(title.clone()), children)
            .unwrap_or_else(|_| TreeItem::new_leaf(id, Line::from(title)))
    }

    /// The nodes under the group at `path`: its rows (a window of them) and stand-ins
    /// for what is loading, failed, or not loaded yet.
    fn group_children(&self, path: &Path, opened: bool) -> Vec<TreeItem<'static, NodeId>> {
        let Some(group) = self.groups.get(path) else {
            return Vec::new();
        };
        match &group.load {
            _ if !opened => vec![TreeItem::new_leaf(PLACEHOLDER.to_string(), "…")],
            // Rows a reveal added show while the rest is not loaded or loading.
            Load::Unloaded if group.items.is_empty() => {
                vec![TreeItem::new_leaf(PLACEHOLDER.to_string(), "…")]
            }
            Load::Loading(_) if group.items.is_empty() => vec![TreeItem::new_leaf(
                PLACEHOLDER.to_string(),
                format!("{} loading…", spinner_char(self.spinner)),
            )],
            Load::Failed(e) if group.items.is_empty() => vec![TreeItem::new_leaf(
                PLACEHOLDER.to_string(),
                Line::from(format!("✗ {} (r to retry)", clean_line(e, 200)))
                    .style(Style::new().add_modifier(Modifier::BOLD)),
            )],
            load => {
                let (start, end) = group.shown();
                let mut children = Vec::with_capacity(end - start + 4);
                if start > 0 {
                    children.push(TreeItem::new_leaf(
                        NEWER.to_string(),
                        format!("▴ {} newer rows (k)", thousands(start as u64)),
                    ));
                }
                children.extend(group.items[start..end].iter().map(|item| {
                    let mut row_path = path.clone();
                    row_path.push(row_id(group.listing.table(), item.id));
                    self.row_item(&row_path, item)
                }));
                if end < group.items.len() {
                    children.push(TreeItem::new_leaf(
                        OLDER.to_string(),
                        format!(
                            "▾ {} more loaded rows (j)",
                            thousands((group.items.len() - end) as u64)
                        ),
                    ));
                }
                if let Load::Failed(e) = load {
                    children.push(TreeItem::new_leaf(
                        PLACEHOLDER.to_string(),
                        format!("✗ {}", clean_line(e, 200)),
                    ));
                }
                if group.more.is_some() || matches!(load, Load::Loading(_)) {
                    children.push(TreeItem::new_leaf(
                        LOAD_MORE.to_string(),
                        format!("{} loading more…", spinner_char(self.spinner)),
                    ));
                } else if group.next.is_some() {
                    children.push(TreeItem::new_leaf(LOAD_MORE.to_string(), "▸ load more…"));
                } else if group.first_page_wanted() {
                    children.push(TreeItem::new_leaf(
                        LOAD_MORE.to_string(),
                        match group.count {
                            Some(count) if count.n as usize > group.items.len() => format!(
                                "▸ load the other {}{}…",
                                thousands(count.n - group.items.len() as u64),
                                if count.capped { "+" } else { "" }
                            ),
                            _ => "▸ load the others…".to_string(),
                        },
                    ));
                } else if group.items.is_empty() {
                    children.push(TreeItem::new_leaf(PLACEHOLDER.to_string(), "(none)"));
                }
                children
            }
        }
    }

    fn row_item(&self, path: &Path, item: &Item) -> TreeItem<'static, NodeId> {
        let mut spans = crate::ui::format::terminal_spans(Span::raw(clean_line(&item.label, 80)));
        if let Some(status) = &item.status {
            spans.push(Span::raw(" "));
            spans.push(status_span(status));
        }
        let id = path.last().expect("non-empty path").clone();
        let line = Line::from(spans);
        let Some(row) = self.rows.get(path) else {
            // Never opened: closed, with the stand-in that lets it open.
            let closed = vec![TreeItem::new_leaf(PLACEHOLDER.to_string(), "…")];
            return TreeItem::new(id.clone(), line.clone(), closed)
                .unwrap_or_else(|_| TreeItem::new_leaf(id, line));
        };
        let opened = self.state.opened().contains(path);
        let group_of = |spec: &GroupSpec| {
            let mut group_path = path.clone();
            group_path.push(group_id(spec));
            self.group_item(&group_path)
        };
        // Until the counts come, the groups a reveal made show, then the load's state.
        let waiting = |leaf: TreeItem<'static, NodeId>| {
            let mut children: Vec<_> = row.revealed.iter().map(group_of).collect();
            children.push(leaf);
            children
        };
        let children = match &row.counts {
            _ if !opened => vec![TreeItem::new_leaf(PLACEHOLDER.to_string(), "…")],
            Load::Unloaded => waiting(TreeItem::new_leaf(PLACEHOLDER.to_string(), "…")),
            Load::Loading(_) => waiting(TreeItem::new_leaf(
                PLACEHOLDER.to_string(),
                format!("{} loading…", spinner_char(self.spinner)),
            )),
            Load::Failed(e) => waiting(TreeItem::new_leaf(
                PLACEHOLDER.to_string(),
                format!("✗ {} (r to retry)", clean_line(e, 200)),
            )),
            Load::Loaded(counts) => {
                let children: Vec<_> = counts
                    .iter()
                    .filter(|(spec, c)| c.n > 0 || row.revealed.contains(spec))
                    .map(|(spec, _)| group_of(spec))
                    .collect();
                if children.is_empty() {
                    vec![TreeItem::new_leaf(PLACEHOLDER.to_string(), "(no children)")]
                } else {
                    children
                }
            }
        };
        TreeItem::new(id.clone(), line.clone(), children)
            .unwrap_or_else(|_| TreeItem::new_leaf(id, line))
    }
}

/// A status with a symbol, so nothing depends on colour alone.
pub fn status_span(status: &str) -> Span<'static> {
    use ratatui::style::Color;
    let (symbol, color) = match status {
        "failed" | "timed_out" | "error" | "payment_failed" | "errored" | "missed" => {
            ("✗", Color::Red)
        }
        "running" | "in_progress" | "active" | "queued" => ("●", Color::Yellow),
        "blocked" | "needs_review" | "at_risk" | "off_track" | "disconnected" => {
            ("!", Color::Magenta)
        }
        "done" | "succeeded" | "published" | "approved" | "accepted" | "achieved" | "completed"
        | "connected" => ("✓", Color::Green),
        _ => ("·", Color::Reset),
    };
    Span::styled(
        format!("{symbol} {}", clean_line(status, 24)),
        Style::new().fg(color),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_have_the_declared_top_level_groups() {
        let tenants = crate::schema::table("tenants").unwrap();
        let names: Vec<_> = groups_of(Schema::declared(), tenants)
            .iter()
            .map(|g| g.table.name)
            .collect();
        for expected in [
            "users",
            "contracts",
            "onboarding_runs",
            "strategies",
            "channels",
            "billing_events",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        assert!(
            !names.contains(&"activities"),
            "activities hang under periods, not tenants"
        );
    }

    #[test]
    fn periods_list_only_top_level_activities() {
        let periods = crate::schema::table("deliverable_periods").unwrap();
        let groups = groups_of(Schema::declared(), periods);
        let activities = groups
            .iter()
            .find(|g| g.table.name == "activities")
            .unwrap();
        assert_eq!(activities.null_column, Some("parent_activity_id"));
    }

    #[test]
    fn a_large_group_hands_the_widget_a_window_that_follows_the_selection() {
        let mut tree = Tree::new();
        let Some(Request::Page { ticket, path, .. }) = tree.load_root().pop() else {
            panic!("the root loads")
        };
        let base = chrono::DateTime::<chrono::Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let items: Vec<Item> = (0..1200)
            .map(|n| Item {
                id: Uuid::from_u128(n),
                created_at: base - chrono::Duration::seconds(n as i64),
                label: format!("tenant {n}"),
                status: None,
            })
            .collect();
        let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
        tree.apply_page(ticket, &path, Ok(Page { items, next: None }));
        let shown = |tree: &Tree| tree.state.flatten(&tree.items).len();
        // The group, the window's rows and the stand-in for the rows below.
        assert_eq!(shown(&tree), 1 + WINDOW + 1);
        // Selecting row 1000 moves the window onto it.
        let row = |n: usize| vec!["#tenants".to_string(), format!("tenants:{}", ids[n])];
        tree.state.select(row(1000));
        tree.rebuild();
        let visible: Vec<_> = tree
            .state
            .flatten(&tree.items)
            .into_iter()
            .map(|f| f.identifier)
            .collect();
        assert!(visible.contains(&row(1000)));
        assert!(visible.iter().any(|p| p.last().unwrap() == NEWER));
        // Stepping onto the edge stand-in crosses to the row beyond it.
        let (start, end) = tree.groups[&path].shown();
        tree.state.select(vec!["#tenants".into(), NEWER.into()]);
        assert!(tree.cross_window_edge());
        assert_eq!(tree.state.selected(), row(start - 1).as_slice());
        assert!(tree.groups[&path].shown().0 < start);
        assert!(end <= 1200);
    }

    /// A tree whose tenants group holds `n` loaded rows, newest first; their ids.
    fn tenants(n: u128) -> (Tree, Path, Vec<Uuid>) {
        let mut tree = Tree::new();
        let Some(Request::Page { ticket, path, .. }) = tree.load_root().pop() else {
            panic!("the root loads")
        };
        let base = chrono::DateTime::<chrono::Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        let items: Vec<Item> = (0..n)
            .map(|n| Item {
                id: Uuid::from_u128(n),
                created_at: base - chrono::Duration::seconds(n as i64),
                label: format!("tenant {n}"),
                status: None,
            })
            .collect();
        let ids = items.iter().map(|i| i.id).collect();
        tree.apply_page(ticket, &path, Ok(Page { items, next: None }));
        (tree, path, ids)
    }

    #[test]
    fn selecting_a_row_outside_the_window_moves_the_window_onto_it() {
        let (mut tree, path, ids) = tenants(1200);
        let row = |n: usize| vec!["#tenants".to_string(), format!("tenants:{}", ids[n])];
        let visible = |tree: &Tree| -> Vec<Path> {
            tree.state
                .flatten(&tree.items)
                .into_iter()
                .map(|f| f.identifier)
                .collect()
        };
        assert!(!visible(&tree).contains(&row(900)));
        tree.select(row(900));
        assert!(visible(&tree).contains(&row(900)));
        assert_eq!(tree.state.selected(), row(900).as_slice());
        // A row inside the window leaves it where it is.
        let shown = tree.groups[&path].shown();
        tree.select(row(shown.0 + 1));
        assert_eq!(tree.groups[&path].shown(), shown);
    }

    #[test]
    fn a_page_keeps_its_rows_as_items_and_a_row_gets_its_node_when_it_opens() {
        let (mut tree, _, ids) = tenants(1200);
        // 1,200 rows loaded, no node made for any of them.
        assert!(tree.rows.is_empty());
        let row = |n: usize| vec!["#tenants".to_string(), format!("tenants:{}", ids[n])];
        tree.select(row(700));
        let tenants = crate::schema::table("tenants").unwrap();
        assert_eq!(
            tree.selected(),
            Selected::Row {
                table: tenants,
                id: ids[700]
            }
        );
        assert!(tree.contains(&row(700)));
        assert_eq!(tree.breadcrumb(), vec!["tenant 700".to_string()]);
        // A row id the group does not hold is not a row of it.
        assert!(!tree.contains(&["#tenants".into(), format!("tenants:{}", Uuid::max())]));
        assert!(matches!(tree.open_selected(), Some(Request::Counts { .. })));
        assert_eq!(tree.rows.len(), 1);
        assert!(tree.rows.contains_key(&row(700)));
    }

    #[test]
    fn counts_in_flight_keep_the_tree_loading_until_they_arrive_or_their_row_goes() {
        let (mut tree, _, ids) = tenants(3);
        let row = |n: usize| vec!["#tenants".to_string(), format!("tenants:{}", ids[n])];
        assert!(!tree.is_loading());
        tree.select(row(1));
        let Some(Request::Counts { ticket, rows }) = tree.open_selected() else {
            panic!("opening a row counts its groups")
        };
        assert!(tree.is_loading());
        // Counts for another ticket change nothing.
        assert!(!tree.apply_counts(ticket + 100, Ok(Vec::new())));
        assert!(tree.is_loading());
        let counted = rows
            .into_iter()
            .map(|(path, groups)| {
                let counts = groups
                    .into_iter()
                    .map(|(spec, _)| {
                        (
                            spec,
                            Count {
                                n: 0,
                                capped: false,
                            },
                        )
                    })
                    .collect();
                (path, counts)
            })
            .collect();
        assert!(tree.apply_counts(ticket, Ok(counted)));
        assert!(!tree.is_loading());
        // A row reloaded while its counts are on the way: the new request is what loads.
        tree.select(row(2));
        let Some(Request::Counts { ticket: first, .. }) = tree.open_selected() else {
            panic!("opening a row counts its groups")
        };
        let Some(Request::Counts { ticket: again, .. }) = tree.reload_selected() else {
            panic!("reloading a row counts its groups again")
        };
        assert!(tree.is_loading());
        assert!(!tree.apply_counts(first, Err("late".into())));
        assert!(tree.is_loading());
        assert!(tree.apply_counts(again, Err("down".into())));
        assert!(!tree.is_loading());
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
