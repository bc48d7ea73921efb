//! The run view and the comparison of two runs: one activity run as a timeline of its
//! steps (opened with `w` or `:run ID`), or two runs aligned step by step (`c` on one
//! run then `c` on another, or `:diff A B`). Its state, its keys and its messages live
//! here; the model comes from [`crate::run`], loaded and built off the UI thread; the
//! drawing is `ui::run`.

use std::collections::HashMap;
use std::sync::Arc;

use mongodb::bson::Bson;
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use super::keymap::Command;
use super::loader::{Effect, Msg};
use super::prompt::{Prompt, PromptKind};
use super::tree::Selected;
use super::{App, Focus, Pane};
use crate::load::Ticket;
use crate::run::compare::{Aligned, Comparison, compare};
use crate::run::diff::{DocChange, bson_diff, tool_exchange};
use crate::run::load::{load, tool_log};
use crate::run::output::{OutputDiff, diff_outputs, run_output};
use crate::run::paging::{FIRST, more, open};
use crate::run::timeline::{Entry, RunModel};
use crate::run::{RunInfo, StepKind, StepRow};
use crate::store::deadline::{LOAD_TIMEOUT, bounded, bounded_for};
use crate::store::source::Source;

/// Tool-call log documents a search fetches at a time.
const SEARCH_FETCHES: usize = 8;

/// A partly loaded run reads its next page when the selection comes this many lines
/// from the end of what is listed (or two screens, whichever is more).
const PREFETCH_LINES: usize = 200;

/// Two runs and their alignment.
#[derive(Debug)]
pub struct Compared {
    pub a: RunModel,
    pub b: RunModel,
    pub comparison: Comparison,
}

/// What the view shows.
#[derive(Debug)]
pub enum Shown {
    Run(Arc<RunModel>),
    Compare(Arc<Compared>),
}

/// A search inside the run: the entries that match, and how far the documents are read.
#[derive(Debug, Clone)]
pub struct Search {
    pub ticket: Ticket,
    pub text: String,
    /// Indexes into the run's entries, in order.
    pub matches: Vec<usize>,
    /// Tool-call log documents read so far, and how many there are.
    pub searched: usize,
    pub documents: usize,
    pub done: bool,
    /// Documents that could not be read.
    pub errors: usize,
}

/// What the diff pane under a comparison shows.
#[derive(Debug, Clone)]
pub enum DiffBody {
    /// An aligned pair of tool calls' log documents, path by path.
    Documents(Vec<DocChange>),
    /// The two runs' activity outputs, line by line.
    Outputs(Box<OutputDiff>),
}

/// The diff pane: an aligned pair's log documents, or the two runs' outputs.
#[derive(Debug, Clone)]
pub struct DocDiff {
    pub ticket: Ticket,
    pub title: String,
    /// None while loading.
    pub result: Option<Result<DiffBody, String>>,
}

/// The open run view or comparison.
#[derive(Debug)]
pub struct RunView {
    pub ticket: Ticket,
    /// What is being loaded: one run, or two.
    pub ids: (Uuid, Option<Uuid>),
    /// None while loading.
    pub shown: Option<Shown>,
    pub error: Option<String>,
    /// The selected line (an entry of the run, a line of the comparison).
    pub selected: usize,
    /// `z`: the whole screen rather than the right-hand side.
    pub whole: bool,
    /// Enter showed a step in the panes; `w` brings the view back.
    pub hidden: bool,
    pub search: Option<Search>,
    pub diff: Option<DocDiff>,
    /// It was opened from a results list, which Esc shows again.
    pub from_results: bool,
    /// A page more of a partly loaded run is being read.
    pub more: bool,
    /// Reading the next page failed (`r` loads the run again).
    pub more_error: Option<String>,
}

impl RunView {
    fn new(ticket: Ticket, ids: (Uuid, Option<Uuid>), whole: bool) -> RunView {
        RunView {
            ticket,
            ids,
            shown: None,
            error: None,
            selected: 0,
            whole,
            hidden: false,
            search: None,
            diff: None,
            from_results: false,
            more: false,
            more_error: None,
        }
    }

    /// A view showing `model` at once (tests and benchmarks: what a load would give).
    pub fn for_model(model: Arc<RunModel>) -> RunView {
        let mut view = RunView::new(0, (model.run.id, None), false);
        view.shown = Some(Shown::Run(model));
        view
    }

    pub fn model(&self) -> Option<&RunModel> {
        match &self.shown {
            Some(Shown::Run(m)) => Some(m),
            _ => None,
        }
    }

    pub fn compared(&self) -> Option<&Compared> {
        match &self.shown {
            Some(Shown::Compare(c)) => Some(c),
            _ => None,
        }
    }

    /// Lines the selection moves over.
    pub fn len(&self) -> usize {
        match &self.shown {
            // A partly loaded run ends in a line saying what is still to come.
            Some(Shown::Run(m)) => m.entries.len() + usize::from(!m.complete()),
            // A comparison ends in the line of the two runs' outputs.
            Some(Shown::Compare(c)) => c.comparison.lines.len() + 1,
            None => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn loading(&self) -> bool {
        (self.shown.is_none() && self.error.is_none())
            || self.diff.as_ref().is_some_and(|d| d.result.is_none())
            || self.search.as_ref().is_some_and(|s| !s.done)
            || self.more
    }

    /// The step on the selected line of a run view.
    pub fn selected_step(&self) -> Option<usize> {
        match self.model()?.entries.get(self.selected)? {
            Entry::Step(i) => Some(*i),
            Entry::Idle { .. } => None,
        }
    }

    /// The entry (line) of step `i`.
    fn entry_of(model: &RunModel, i: usize) -> Option<usize> {
        model
            .entries
            .iter()
            .position(|e| matches!(e, Entry::Step(s) if *s == i))
    }

    /// Each listed step's line, by kind and id.
    fn lines_by_id(model: &RunModel) -> HashMap<(StepKind, Uuid), usize> {
        model
            .entries
            .iter()
            .enumerate()
            .filter_map(|(n, e)| match e {
                Entry::Step(i) => Some(((model.steps[*i].row.kind, model.steps[*i].row.id), n)),
                Entry::Idle { .. } => None,
            })
            .collect()
    }

    /// When a partly loaded run's selection nears the end of what is listed, the work
    /// that reads its next page (once: one page at a time).
    fn next_page(&mut self, page: usize) -> Option<Work> {
        let model = match &self.shown {
            Some(Shown::Run(m)) if !m.complete() => m,
            _ => return None,
        };
        if self.more || self.more_error.is_some() {
            return None;
        }
        let near = PREFETCH_LINES.max(page * 2);
        if self.selected + near < model.entries.len() {
            return None;
        }
        self.more = true;
        Some(Work::More {
            ticket: self.ticket,
            model: Arc::clone(model),
        })
    }

    /// The model with one page more: the selection stays on its step, the search's
    /// matches on theirs.
    fn paged(&mut self, model: RunModel) {
        let old = match &self.shown {
            Some(Shown::Run(m)) => Arc::clone(m),
            _ => return,
        };
        let key = |m: &RunModel, line: usize| match m.entries.get(line) {
            Some(Entry::Step(i)) => Some((m.steps[*i].row.kind, m.steps[*i].row.id)),
            _ => None,
        };
        let lines = Self::lines_by_id(&model);
        if let Some(line) = key(&old, self.selected).and_then(|k| lines.get(&k)) {
            self.selected = *line;
        }
        if let Some(search) = self.search.as_mut() {
            let mut matches: Vec<usize> = search
                .matches
                .iter()
                .filter_map(|&line| key(&old, line).and_then(|k| lines.get(&k).copied()))
                .collect();
            matches.sort_unstable();
            search.matches = matches;
        }
        self.shown = Some(Shown::Run(Arc::new(model)));
        self.selected = self.selected.min(self.len().saturating_sub(1));
    }

    /// Lines `n`/`N` go through: the search's matches while one is open, else the
    /// failed steps.
    pub fn stops(&self) -> Vec<usize> {
        if let Some(search) = &self.search {
            return search.matches.clone();
        }
        match &self.shown {
            Some(Shown::Run(m)) => m
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| matches!(e, Entry::Step(i) if m.steps[*i].row.failed()))
                .map(|(n, _)| n)
                .collect(),
            Some(Shown::Compare(c)) => c
                .comparison
                .lines
                .iter()
                .enumerate()
                .filter(|(_, (line, delta))| {
                    !matches!(line, Aligned::Pair(..))
                        || delta.as_ref().is_some_and(|d| d.status.is_some())
                })
                .map(|(i, _)| i)
                .collect(),
            None => Vec::new(),
        }
    }

    fn step(&mut self, delta: isize) {
        let last = self.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }
}

/// What the run view and the comparison keep besides the open view: the run `c` marked.
#[derive(Debug, Default)]
pub struct RunViews {
    pub view: Option<RunView>,
    pub mark: Option<Uuid>,
}

impl RunViews {
    /// The view, when it is on screen.
    pub fn visible(&self) -> Option<&RunView> {
        self.view.as_ref().filter(|v| !v.hidden)
    }
}

/// Background work of the run view.
#[derive(Debug)]
pub enum Work {
    Load {
        ticket: Ticket,
        id: Uuid,
    },
    /// The next keyset page of a partly loaded run.
    More {
        ticket: Ticket,
        model: Arc<RunModel>,
    },
    Compare {
        ticket: Ticket,
        a: Uuid,
        b: Uuid,
    },
    /// Read each tool call's log document and report the steps whose request or
    /// response contains `text` (lowercase).
    Search {
        ticket: Ticket,
        model: Arc<RunModel>,
        text: String,
    },
    /// Stop the running search.
    CancelSearch,
    DocDiff {
        ticket: Ticket,
        a: Box<StepRow>,
        b: Box<StepRow>,
    },
    /// The line diff of the activity outputs two runs wrote.
    OutputDiff {
        ticket: Ticket,
        a: Box<RunInfo>,
        b: Box<RunInfo>,
    },
}

impl Work {
    /// Whether the loader keeps only the latest of these (a new one stops the last).
    pub fn is_search(&self) -> bool {
        matches!(self, Work::Search { .. } | Work::CancelSearch)
    }
}

/// What the run view's background work reports.
#[derive(Debug)]
pub enum Reply {
    Loaded {
        ticket: Ticket,
        result: Result<Option<Box<RunModel>>, String>,
    },
    /// The run with one page more.
    More {
        ticket: Ticket,
        result: Result<Box<RunModel>, String>,
    },
    Compared {
        ticket: Ticket,
        result: Result<Result<Box<Compared>, Uuid>, String>,
    },
    /// Steps whose documents matched (by kind and id: more pages may have come in
    /// since the search started), documents read.
    Searched {
        ticket: Ticket,
        steps: Vec<(StepKind, Uuid)>,
        searched: usize,
        errors: usize,
        done: bool,
    },
    DocDiff {
        ticket: Ticket,
        result: Result<DiffBody, String>,
    },
}

/// Whether `text` (lowercase) occurs in a document's value, as relaxed extended JSON.
fn contains(value: Option<&Bson>, text: &str) -> bool {
    let Some(value) = value else {
        return false;
    };
    let json = value.clone().into_relaxed_extjson();
    let rendered = match &json {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    rendered.to_lowercase().contains(text)
}

/// Does the work, reporting with `tx`. Runs on a task of its own.
pub async fn perform(work: Work, live: Arc<Source>, tx: UnboundedSender<Msg>) {
    match work {
        Work::Load { ticket, id } => {
            let result = bounded(open(&live, id, chrono::Utc::now(), FIRST))
                .await
                .map(|m| m.map(Box::new));
            let _ = tx.send(Msg::Run(Reply::Loaded { ticket, result }));
        }
        Work::More { ticket, model } => {
            let result = bounded(more(&live, &model, chrono::Utc::now()))
                .await
                .map(Box::new);
            let _ = tx.send(Msg::Run(Reply::More { ticket, result }));
        }
        Work::Compare { ticket, a, b } => {
            let result = bounded(async {
                let now = chrono::Utc::now();
                let (ma, mb) = futures::try_join!(load(&live, a, now), load(&live, b, now))?;
                let (ma, mb) = match (ma, mb) {
                    (Some(ma), Some(mb)) => (ma, mb),
                    (None, _) => return Ok(Err(a)),
                    (_, None) => return Ok(Err(b)),
                };
                // Alignment is quadratic at worst: off the async workers.
                let compared = tokio::task::spawn_blocking(move || {
                    let comparison = compare(&ma, &mb);
                    Compared {
                        a: ma,
                        b: mb,
                        comparison,
                    }
                })
                .await?;
                Ok(Ok(Box::new(compared)))
            })
            .await;
            let _ = tx.send(Msg::Run(Reply::Compared { ticket, result }));
        }
        Work::Search {
            ticket,
            model,
            text,
        } => {
            use futures::StreamExt;
            let steps: Vec<usize> = (0..model.steps.len())
                .filter(|&i| model.steps[i].row.log_ref.is_some())
                .collect();
            let mut fetches = futures::stream::iter(steps.into_iter().map(|i| {
                let live = Arc::clone(&live);
                let model = Arc::clone(&model);
                async move {
                    let doc = bounded_for(LOAD_TIMEOUT, tool_log(&live, &model.steps[i].row)).await;
                    (i, doc)
                }
            }))
            .buffered(SEARCH_FETCHES);
            let mut searched = 0;
            let mut errors = 0;
            while let Some((i, doc)) = fetches.next().await {
                searched += 1;
                let mut hit = Vec::new();
                match doc {
                    Ok(Some(doc)) => {
                        if contains(doc.get("request"), &text)
                            || contains(doc.get("response"), &text)
                        {
                            let row = &model.steps[i].row;
                            hit.push((row.kind, row.id));
                        }
                    }
                    Ok(None) => {}
                    Err(_) => errors += 1,
                }
                let reply = Reply::Searched {
                    ticket,
                    steps: hit,
                    searched,
                    errors,
                    done: false,
                };
                if tx.send(Msg::Run(reply)).is_err() {
                    return;
                }
            }
            let _ = tx.send(Msg::Run(Reply::Searched {
                ticket,
                steps: Vec::new(),
                searched,
                errors,
                done: true,
            }));
        }
        Work::CancelSearch => {}
        Work::DocDiff { ticket, a, b } => {
            let result = bounded(async {
                let (da, db) = futures::join!(tool_log(&live, &a), tool_log(&live, &b));
                match (da?, db?) {
                    (Some(da), Some(db)) => Ok(DiffBody::Documents(bson_diff(
                        &tool_exchange(&da),
                        &tool_exchange(&db),
                    ))),
                    (None, _) => anyhow::bail!("tool_calls/{} has no log document", a.id),
                    (_, None) => anyhow::bail!("tool_calls/{} has no log document", b.id),
                }
            })
            .await;
            let _ = tx.send(Msg::Run(Reply::DocDiff { ticket, result }));
        }
        Work::OutputDiff { ticket, a, b } => {
            let result = bounded(async {
                let now = chrono::Utc::now();
                let (oa, ob) =
                    futures::try_join!(run_output(&live, &a, now), run_output(&live, &b, now))?;
                let (oa, ob) = match (oa, ob) {
                    (Ok(oa), Ok(ob)) => (oa, ob),
                    (Err(wa), Err(wb)) => anyhow::bail!("a: {wa}; b: {wb}"),
                    (Err(w), _) => anyhow::bail!("a: {w}"),
                    (_, Err(w)) => anyhow::bail!("b: {w}"),
                };
                // Myers on two large texts: off the async workers (and within its budget).
                let diff = tokio::task::spawn_blocking(move || diff_outputs(oa, ob)).await?;
                Ok(DiffBody::Outputs(Box::new(diff)))
            })
            .await;
            let _ = tx.send(Msg::Run(Reply::DocDiff { ticket, result }));
        }
    }
}

impl App {
    /// The activity run in view: the results line, the tree's selection or the row the
    /// panes show (a step's run for an LLM or tool call).
    fn run_in_view(&self) -> Option<Uuid> {
        if let Some(results) = &self.results {
            return match results.target() {
                Some(super::results::Target::Row(t, id)) if t.name == "activity_runs" => Some(*id),
                _ => None,
            };
        }
        if self.focus == Focus::Tree
            && let Selected::Row { table, id } = self.tree.selected()
            && table.name == "activity_runs"
        {
            return Some(id);
        }
        let detail = self.detail.as_ref()?;
        match detail.table.name {
            "activity_runs" => Some(detail.id),
            "llm_calls" | "tool_calls" => detail
                .fields()
                .iter()
                .find(|f| f.column == "activity_run_id")
                .and_then(|f| f.value.as_deref())
                .and_then(|v| v.parse().ok()),
            _ => None,
        }
    }

    /// `w`: the run view of the run in view (or back to the view a step was shown from;
    /// on the view, the panes behind it).
    pub(super) fn run_view_key(&mut self) -> Vec<Effect> {
        // On the view: to the panes behind it (w comes back).
        if let Some(view) = self.run.view.as_mut().filter(|v| !v.hidden) {
            view.hidden = true;
            return Vec::new();
        }
        let target = self.run_in_view();
        if let Some(view) = self.run.view.as_mut()
            && view.hidden
            && (target.is_none() || target == Some(view.ids.0) || view.ids.1.is_some())
        {
            view.hidden = false;
            return Vec::new();
        }
        match target {
            Some(id) => self.open_run(id),
            None => {
                self.notice = Some("w shows an activity run: select one first".into());
                Vec::new()
            }
        }
    }

    /// Hides the results list the view opens from (kept for `L` and `Esc`); whether the
    /// view came from one, the one before included.
    fn leave_results(&mut self) -> bool {
        if self.results.is_some() {
            self.last_results = self.results.take();
            return true;
        }
        self.run.view.as_ref().is_some_and(|v| v.from_results)
    }

    /// Opens the run view on `id`.
    pub(super) fn open_run(&mut self, id: Uuid) -> Vec<Effect> {
        let ticket = self.ticket();
        let whole = self.run.view.as_ref().is_some_and(|v| v.whole);
        let from_results = self.leave_results();
        let mut view = RunView::new(ticket, (id, None), whole);
        view.from_results = from_results;
        self.run.view = Some(view);
        vec![
            Effect::Run(Work::CancelSearch),
            Effect::Run(Work::Load { ticket, id }),
        ]
    }

    /// Opens the comparison of `a` (the earlier, good one) with `b`.
    pub(super) fn open_compare(&mut self, a: Uuid, b: Uuid) -> Vec<Effect> {
        let ticket = self.ticket();
        let whole = self.run.view.as_ref().is_some_and(|v| v.whole);
        let from_results = self.leave_results();
        let mut view = RunView::new(ticket, (a, Some(b)), whole);
        view.from_results = from_results;
        self.run.view = Some(view);
        vec![
            Effect::Run(Work::CancelSearch),
            Effect::Run(Work::Compare { ticket, a, b }),
        ]
    }

    /// `c`: marks the run in view; on a second run, compares the two.
    pub(super) fn compare_key(&mut self) -> Vec<Effect> {
        let here = match self.run.visible() {
            Some(view) if view.ids.1.is_none() => Some(view.ids.0),
            Some(_) => None,
            None => self.run_in_view(),
        };
        let Some(id) = here else {
            self.notice = Some("c marks an activity run to compare: select one first".into());
            return Vec::new();
        };
        match self.run.mark.take() {
            Some(marked) if marked != id => self.open_compare(marked, id),
            _ => {
                self.run.mark = Some(id);
                self.notice = Some(format!(
                    "run {id} marked: c on another run compares the two"
                ));
                Vec::new()
            }
        }
    }

    /// A key while the view is on screen.
    pub(super) fn run_command(&mut self, command: Command) -> Vec<Effect> {
        let page = self.page_rows.max(1) as isize;
        let Some(view) = self.run.view.as_mut() else {
            return Vec::new();
        };
        match command {
            Command::Down => view.step(1),
            Command::Up => view.step(-1),
            Command::PageDown => view.step(page),
            Command::PageUp => view.step(-page),
            Command::Top => view.selected = 0,
            Command::Bottom => view.step(isize::MAX / 2),
            Command::Zoom => view.whole = !view.whole,
            Command::NextMatch | Command::PreviousMatch => {
                let stops = view.stops();
                let at = view.selected;
                let next = if command == Command::NextMatch {
                    stops
                        .iter()
                        .copied()
                        .find(|&s| s > at)
                        .or(stops.first().copied())
                } else {
                    stops
                        .iter()
                        .copied()
                        .rev()
                        .find(|&s| s < at)
                        .or(stops.last().copied())
                };
                match next {
                    Some(line) => view.selected = line,
                    None => {
                        self.notice = Some(match (&view.search, &view.shown) {
                            (Some(s), _) => format!("no match for {:?}", s.text),
                            (None, Some(Shown::Compare(_))) => {
                                "no added, removed or changed step".to_string()
                            }
                            _ => "no failed step in this run".to_string(),
                        })
                    }
                }
            }
            Command::Back | Command::Forward => {
                return self.switch_retry(command == Command::Forward);
            }
            Command::Escape | Command::Close => {
                if view.diff.take().is_some() {
                } else if view.search.take().is_some() {
                    return vec![Effect::Run(Work::CancelSearch)];
                } else {
                    let from_results = view.from_results;
                    self.run.view = None;
                    if from_results && self.results.is_none() {
                        self.results = self.last_results.take();
                    }
                    return vec![Effect::Run(Work::CancelSearch)];
                }
            }
            Command::Filter => {
                let current = view.search.as_ref().map(|s| s.text.clone());
                self.prompt = Some(Prompt::new(PromptKind::Filter, current.unwrap_or_default()));
            }
            Command::Palette => {
                self.prompt = Some(Prompt::new(PromptKind::Command, String::new()));
            }
            Command::Open => return self.run_open(),
            Command::Reload => {
                let (a, b) = view.ids;
                return match b {
                    Some(b) => self.open_compare(a, b),
                    None => self.open_run(a),
                };
            }
            _ => {}
        }
        // Moving near the end of a partly loaded run reads its next page.
        let page = self.page_rows;
        self.run
            .view
            .as_mut()
            .and_then(|v| v.next_page(page))
            .map(Effect::Run)
            .into_iter()
            .collect()
    }

    /// `[`/`]`: the previous or next run of the same activity.
    fn switch_retry(&mut self, next: bool) -> Vec<Effect> {
        let Some(model) = self.run.visible().and_then(RunView::model) else {
            return Vec::new();
        };
        let number = model.run.run_number;
        let target = if next {
            model
                .retries
                .iter()
                .find(|r| r.run_number > number)
                .map(|r| r.id)
        } else {
            model
                .retries
                .iter()
                .rev()
                .find(|r| r.run_number < number)
                .map(|r| r.id)
        };
        match target {
            Some(id) => self.open_run(id),
            None => {
                self.notice = Some(
                    if next {
                        "no later run of this activity"
                    } else {
                        "no earlier run of this activity"
                    }
                    .into(),
                );
                Vec::new()
            }
        }
    }

    /// Enter: a step into the panes; an aligned pair of tool calls into a diff.
    fn run_open(&mut self) -> Vec<Effect> {
        let ticket = self.ticket();
        let Some(view) = self.run.view.as_mut() else {
            return Vec::new();
        };
        if let Some(c) = view.compared() {
            if view.selected == c.comparison.lines.len() {
                let title = format!(
                    "activity outputs · run #{} → run #{}",
                    c.a.run.run_number.map_or("?".into(), |n| n.to_string()),
                    c.b.run.run_number.map_or("?".into(), |n| n.to_string()),
                );
                let work = Work::OutputDiff {
                    ticket,
                    a: Box::new(c.a.run.clone()),
                    b: Box::new(c.b.run.clone()),
                };
                view.diff = Some(DocDiff {
                    ticket,
                    title,
                    result: None,
                });
                return vec![Effect::Run(work)];
            }
            let Some((line, _)) = c.comparison.lines.get(view.selected) else {
                return Vec::new();
            };
            let Aligned::Pair(i, j) = *line else {
                self.notice = Some("only in one run: nothing to compare it with".into());
                return Vec::new();
            };
            let (a, b) = (&c.a.steps[i].row, &c.b.steps[j].row);
            if a.kind != StepKind::Tool {
                self.notice = Some("Enter compares the log documents of two tool calls".into());
                return Vec::new();
            }
            let title = format!("{} · tool_calls/{} → tool_calls/{}", a.name, a.id, b.id);
            let work = Work::DocDiff {
                ticket,
                a: Box::new(a.clone()),
                b: Box::new(b.clone()),
            };
            view.diff = Some(DocDiff {
                ticket,
                title,
                result: None,
            });
            return vec![Effect::Run(work)];
        }
        let Some(step) = view
            .selected_step()
            .and_then(|i| view.model().map(|m| &m.steps[i].row))
        else {
            return Vec::new();
        };
        let (kind, id) = (step.kind, step.id);
        let Some(table) = self.tree.schema.table(kind.table()) else {
            self.notice = Some(format!("this database has no {} table", kind.table()));
            return Vec::new();
        };
        view.hidden = true;
        let effects = self.jump(table, id);
        self.focus = Focus::Pane;
        self.pane = match kind {
            StepKind::Tool => Pane::Document,
            StepKind::Llm => Pane::Row,
        };
        effects
    }

    /// `/text` submitted in the view: labels and errors at once, the tool-call log
    /// documents streamed.
    pub(super) fn run_search(&mut self, text: &str) -> Vec<Effect> {
        let ticket = self.ticket();
        let Some(view) = self.run.view.as_mut() else {
            return Vec::new();
        };
        let Some(Shown::Run(model)) = &view.shown else {
            self.notice = Some("search works in the run view".into());
            return Vec::new();
        };
        let needle = text.trim().to_lowercase();
        if needle.is_empty() {
            view.search = None;
            return vec![Effect::Run(Work::CancelSearch)];
        }
        let matches: Vec<usize> = model
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| match e {
                Entry::Step(i) => {
                    let row = &model.steps[*i].row;
                    row.name.to_lowercase().contains(&needle)
                        || row.status.to_lowercase().contains(&needle)
                        || row
                            .error
                            .as_deref()
                            .is_some_and(|e| e.to_lowercase().contains(&needle))
                }
                Entry::Idle { .. } => false,
            })
            .map(|(n, _)| n)
            .collect();
        let documents = model
            .steps
            .iter()
            .filter(|s| s.row.log_ref.is_some())
            .count();
        let work = Work::Search {
            ticket,
            model: Arc::clone(model),
            text: needle,
        };
        if let Some(&first) = matches.iter().find(|&&m| m >= view.selected) {
            view.selected = first;
        }
        view.search = Some(Search {
            ticket,
            text: text.trim().to_string(),
            matches,
            searched: 0,
            documents,
            done: documents == 0,
            errors: 0,
        });
        vec![Effect::Run(work)]
    }

    /// What the run view's background work reported.
    pub(super) fn run_reply(&mut self, reply: Reply) -> Vec<Effect> {
        let Some(view) = self.run.view.as_mut() else {
            return Vec::new();
        };
        match reply {
            Reply::Loaded { ticket, result } if ticket == view.ticket => match result {
                Ok(Some(model)) => {
                    // Start on the cause, else the first failed step.
                    let start = model
                        .cause
                        .or_else(|| model.failed_steps().first().copied())
                        .and_then(|i| RunView::entry_of(&model, i));
                    view.selected = start.unwrap_or(0);
                    view.shown = Some(Shown::Run(Arc::new(*model)));
                    let page = self.page_rows;
                    self.dirty = true;
                    return view.next_page(page).map(Effect::Run).into_iter().collect();
                }
                Ok(None) => view.error = Some(format!("no activity run {}", view.ids.0)),
                Err(e) => view.error = Some(e),
            },
            Reply::More { ticket, result } if ticket == view.ticket => {
                view.more = false;
                match result {
                    Ok(model) => view.paged(*model),
                    Err(e) => view.more_error = Some(e),
                }
                // A page that listed little (steps waiting on the other stream) leaves
                // the selection near the end: read on.
                let page = self.page_rows;
                self.dirty = true;
                return view.next_page(page).map(Effect::Run).into_iter().collect();
            }
            Reply::Compared { ticket, result } if ticket == view.ticket => match result {
                Ok(Ok(compared)) => view.shown = Some(Shown::Compare(Arc::new(*compared))),
                Ok(Err(missing)) => view.error = Some(format!("no activity run {missing}")),
                Err(e) => view.error = Some(e),
            },
            Reply::Searched {
                ticket,
                steps,
                searched,
                errors,
                done,
            } => {
                let Some(model) = view.model() else {
                    return Vec::new();
                };
                let by_id = (!steps.is_empty()).then(|| RunView::lines_by_id(model));
                let lines: Vec<usize> = steps
                    .iter()
                    .filter_map(|k| by_id.as_ref().and_then(|m| m.get(k).copied()))
                    .collect();
                let Some(search) = view.search.as_mut().filter(|s| s.ticket == ticket) else {
                    return Vec::new();
                };
                for line in lines {
                    if let Err(at) = search.matches.binary_search(&line) {
                        search.matches.insert(at, line);
                    }
                }
                search.searched = searched;
                search.errors = errors;
                search.done = done;
            }
            Reply::DocDiff { ticket, result } => {
                if let Some(diff) = view.diff.as_mut().filter(|d| d.ticket == ticket) {
                    diff.result = Some(result);
                }
            }
            _ => return Vec::new(),
        }
        self.dirty = true;
        Vec::new()
    }
}
