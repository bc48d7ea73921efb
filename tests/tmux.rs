//! The real binary in a real terminal: tmux runs it, send-keys types, capture-pane reads
//! the screen. One journey from a tenant to rendered Markdown (and a copy of its id through
//! OSC 52 into a tmux buffer) and back, then SIGTERM,
//! after which the terminal must be back on the main screen with the cursor shown.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::Stores;
use common::tmux::Tmux;
use tenantscope::outline::{COUNT_CAP, PAGE_SIZE, groups_of};
use tenantscope::schema::Schema;
use tenantscope::schema::{self, Table};
use tenantscope::seed::Options;
use tenantscope::store::Access;
use tenantscope::store::read::Live;
use uuid::Uuid;

/// How many j presses lead from a just-opened row to each step of `path` (rows and groups
/// alternate), computed from the same listings the tree shows.
async fn presses(live: &Live, path: &[(&'static Table, Uuid)]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for pair in path.windows(2) {
        let (parent_table, parent_id) = pair[0];
        let (child_table, child_id) = pair[1];
        let mut visible = Vec::new();
        for spec in groups_of(Schema::declared(), parent_table) {
            if live
                .count(&spec.listing(parent_id), COUNT_CAP)
                .await
                .unwrap()
                .n
                > 0
            {
                visible.push(spec);
            }
        }
        let values = live.row(child_table, child_id).await.unwrap().unwrap();
        let value = |c: &str| {
            values
                .iter()
                .find(|f| f.column == c)
                .and_then(|f| f.value.clone())
        };
        let fk = schema::tree_parent(child_table, value).unwrap();
        let group = visible
            .iter()
            .position(|g| g.table == child_table && g.column == fk.column)
            .unwrap();
        let page = live
            .list(&visible[group].listing(parent_id), None, PAGE_SIZE)
            .await
            .unwrap();
        let item = page
            .items
            .iter()
            .position(|i| i.id == child_id)
            .expect("on the first page");
        out.push((group + 1, item + 1));
    }
    out
}

#[tokio::test]
async fn journey_to_rendered_markdown_and_back_then_sigterm_restores_the_terminal() {
    let stores = Stores::create("tmux").await;
    stores
        .seed(Options {
            tenants: 1,
            ..Options::default()
        })
        .await;
    let pg = stores.pg(Access::ReadOnly).await;
    let live = Live {
        pg: Some(pg.clone()),
        ..Live::default()
    };
    // A blog activity whose content resolves, and its ancestry.
    let (activity, title): (Uuid, String) = sqlx::query_as(
        "select a.id, a.title from activities a where a.title like 'Blog post:%' and a.output_ref is not null
         and a.parent_activity_id is null and a.status = 'done' order by a.created_at desc limit 1",
    )
    .fetch_one(&pg)
    .await
    .unwrap();
    let mut chain = vec![(schema::table("activities").unwrap(), activity)];
    loop {
        let (t, id) = *chain.last().unwrap();
        let values = live.row(t, id).await.unwrap().unwrap();
        let value = |c: &str| {
            values
                .iter()
                .find(|f| f.column == c)
                .and_then(|f| f.value.clone())
        };
        let Some(fk) = schema::tree_parent(t, value) else {
            break;
        };
        let parent = value(fk.column).unwrap().parse().unwrap();
        chain.push((schema::table(fk.target).unwrap(), parent));
    }
    chain.reverse();
    let steps = presses(&live, &chain).await;

    let tmux = Tmux::start(
        "tenantscope-test",
        &stores,
        (110, 34),
        &[],
        "echo EXITED:$?; sleep 60",
    );

    tmux.wait_for("the tenant list", |s| {
        s.contains("Tenants") && s.contains("PG ✓")
    });
    // The tenant's row, not the Tenants group above it (selected until the rows come).
    tmux.wait_for("the tenant row selected", |_| {
        let line = tmux.selected_line();
        !line.is_empty() && !line.contains("Tenants")
    });
    // Open the tenant, then for each step: down to the group, open; down to the row, open.
    // Each `l` is followed by a wait until the node it opened shows open with its
    // children loaded: "no loading…" alone can be true before the load has started.
    let opened = |what: &str| {
        tmux.wait_for(what, |s| {
            !s.contains("loading…") && tmux.selected_line().contains("▼")
        });
    };
    tmux.keys("l", 1);
    for (n, (group, item)) in steps.iter().enumerate() {
        opened("the groups");
        tmux.keys("j", *group);
        tmux.keys("l", 1);
        opened("the rows");
        tmux.keys("j", *item);
        if n + 1 < steps.len() {
            tmux.keys("l", 1);
        }
    }
    let short: String = title.chars().take(24).collect();
    tmux.wait_for("the activity selected", |_| {
        tmux.selected_line().contains(&short[..short.len().min(12)])
    });
    tmux.keys("3", 1);
    let screen = tmux.wait_for("rendered Markdown", |s| s.contains(&format!("# {short}")));
    assert!(screen.contains("## "), "{screen}");
    assert!(screen.contains("✓ resolved"), "{screen}");
    // y i: the id goes out as OSC 52, which tmux (set-clipboard on) turns into a buffer.
    tmux.run(&["set-option", "-s", "set-clipboard", "on"]);
    tmux.keys("y", 1);
    tmux.keys("i", 1);
    let start = Instant::now();
    while tmux.buffer().as_deref() != Some(activity.to_string().as_str()) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no copy: buffer {:?}\n{}",
            tmux.buffer(),
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // And back: Esc to the tree, h to the parent group.
    tmux.keys("Escape", 1);
    tmux.keys("h", 1);
    tmux.wait_for("the parent group selected", |_| {
        tmux.selected_line().contains("Activities")
    });

    // SIGTERM to the binary (the pane's child): the terminal comes back.
    let pane_pid = tmux
        .run(&["display", "-p", "-t", "ts", "#{pane_pid}"])
        .trim()
        .to_string();
    let children = Command::new("pgrep")
        .args(["-P", &pane_pid])
        .output()
        .unwrap();
    let pid = String::from_utf8_lossy(&children.stdout)
        .lines()
        .next()
        .expect("the binary runs")
        .to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    tmux.wait_for("the exit", |s| s.contains("EXITED:0"));
    assert_eq!(
        tmux.run(&["display", "-p", "-t", "ts", "#{alternate_on}"])
            .trim(),
        "0",
        "still on the alternate screen"
    );
    assert_eq!(
        tmux.run(&["display", "-p", "-t", "ts", "#{cursor_flag}"])
            .trim(),
        "1",
        "cursor still hidden"
    );
    assert!(
        !tmux.screen().contains("Tenants"),
        "the UI is still on screen:\n{}",
        tmux.screen()
    );
}

/// The run view with the real binary: `:failed` lists the tenant's failed runs, `w` on
/// one shows its steps, `n` goes to the next failed step, Enter shows that tool call with
/// its log document.
#[tokio::test]
async fn journey_from_failed_runs_through_the_run_view_to_a_log_document() {
    use tenantscope::run::load::load;
    use tenantscope::run::timeline::Entry;
    let stores = Stores::create("tmux_run").await;
    stores
        .seed(Options {
            tenants: 1,
            ..Options::default()
        })
        .await;
    let pg = stores.pg(Access::ReadOnly).await;
    let source = tenantscope::store::source::Source::Live(Live {
        pg: Some(pg.clone()),
        ..Live::default()
    });
    // The failed runs as :failed lists them; the first on the first page whose next
    // failed step after the one the view opens on is a tool call with a log.
    let failed: Vec<Uuid> = sqlx::query_scalar(
        "select id from activity_runs where status in ('failed', 'timed_out')
         order by created_at desc, id desc",
    )
    .fetch_all(&pg)
    .await
    .unwrap();
    let mut chosen = None;
    for (k, id) in failed.iter().enumerate().take(PAGE_SIZE as usize) {
        let model = load(&source, *id, chrono::Utc::now())
            .await
            .unwrap()
            .unwrap();
        let entry = |i: usize| {
            model
                .entries
                .iter()
                .position(|e| *e == Entry::Step(i))
                .unwrap()
        };
        let stops: Vec<usize> = model.failed_steps().into_iter().map(entry).collect();
        let Some(start) = model.cause.or(model.failed_steps().first().copied()) else {
            continue;
        };
        let start = entry(start);
        let next = stops
            .iter()
            .copied()
            .find(|&s| s > start)
            .unwrap_or(stops[0]);
        let Entry::Step(i) = model.entries[next] else {
            unreachable!()
        };
        let row = &model.steps[i].row;
        if let (tenantscope::run::StepKind::Tool, Some(log)) = (row.kind, &row.log_ref) {
            chosen = Some((k, *id, row.id, log.clone()));
            break;
        }
    }
    let (k, run, step, log) = chosen.expect("a failed run whose next failed step is a tool call");
    eprintln!("run {run}, number {k} of the failed runs");
    let label: String = sqlx::query_scalar(
        "select run_number || ' · ' || to_char(started_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI')
                || ' · ' || left(coalesce(error_message, ''), 12)
           from activity_runs where id = $1",
    )
    .bind(run)
    .fetch_one(&pg)
    .await
    .unwrap();

    let tmux = Tmux::start(
        "tenantscope-test-run",
        &stores,
        (130, 34),
        &[],
        "echo EXITED:$?; sleep 60",
    );
    tmux.wait_for("the tenant list", |s| {
        s.contains("Tenants") && s.contains("PG ✓")
    });
    tmux.wait_for("the tenant's row", |s| {
        s.contains("│> ") && s.contains("Row · tenants") && s.contains("slug")
    });
    tmux.keys(":failed", 1);
    tmux.wait_for("the prompt", |s| s.contains(":failed"));
    tmux.keys("Enter", 1);
    tmux.wait_for("the failed runs", |s| {
        s.contains("Failed runs · ") && !s.contains("loading…")
    });
    // Down the list to it (its label: number · start · error).
    let mut presses = 0;
    while !tmux.selected_line().contains(&label) {
        tmux.keys("j", 1);
        presses += 1;
        assert!(presses <= k + 3, "{label} not reached:\n{}", tmux.screen());
    }
    tmux.keys("w", 1);
    tmux.wait_for("the run view", |s| {
        s.contains(&format!("Run {run}")) && s.contains("critical path")
    });
    tmux.keys("n", 1);
    tmux.keys("Enter", 1);
    let screen = tmux.wait_for("the tool call's log document", |s| {
        s.contains(&format!("tool_call_logs/{log}")) && s.contains("Document (1)")
    });
    assert!(screen.contains("✓ resolved"), "{screen}");
    assert!(!screen.contains(&format!("Run {run}")), "{screen}");
    // The panes show that tool call: its id is in the chain or the document.
    tmux.keys("1", 1);
    tmux.wait_for("the tool call's row", |s| s.contains(&step.to_string()));
    // w: back to the run view; Esc: back to the tree and the panes.
    tmux.keys("w", 1);
    tmux.wait_for("the run view again", |s| s.contains(&format!("Run {run}")));
    tmux.keys("Escape", 1);
    tmux.wait_for("the view closed", |s| !s.contains(&format!("Run {run}")));
    tmux.keys("q", 1);
    tmux.wait_for("the exit", |s| s.contains("EXITED:0"));
}
