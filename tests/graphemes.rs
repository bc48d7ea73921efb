//! Emoji ZWJ sequences and combining marks in the row pane, in a real terminal: tmux
//! runs the binary at 80 columns and capture-pane reads what it drew. Every line keeps
//! the pane's right border in its column (no width disagreement shifted it), wrapped
//! continuation lines start with blank indentation (no fragment of an emoji in it), and
//! the accented letters arrive whole.

mod common;

use common::Stores;
use common::tmux::Tmux;
use tenantscope::seed::Options;
use tenantscope::store::Access;
use unicode_width::UnicodeWidthStr;
use uuid::Uuid;

#[tokio::test]
async fn zwj_sequences_and_combining_marks_wrap_whole_at_80_columns() {
    let stores = Stores::create("graphemes").await;
    stores
        .seed(Options {
            tenants: 1,
            scale: 0.2,
            ..Options::default()
        })
        .await;
    let admin = stores.pg(Access::ReadWrite).await;
    let family = "👨\u{200d}👩\u{200d}👧\u{200d}👦";
    let accented = "Cafe\u{301} Zu\u{308}rich n\u{303}";
    let long = format!("{} {accented} {}", family.repeat(9), family.repeat(30));
    let tenant: Uuid = sqlx::query_scalar("update tenants set name = $1 returning id")
        .bind(&long)
        .fetch_one(&admin)
        .await
        .unwrap();
    admin.close().await;

    let tmux = Tmux::start(
        "tenantscope-graphemes",
        &stores,
        (80, 24),
        &[("LANG", "C.UTF-8")],
        "sleep 60",
    );
    tmux.wait_for("the tree", |s| s.contains("Tenants") && s.contains("PG ✓"));
    tmux.run(&["send-keys", "-t", "ts", ":"]);
    tmux.run(&["send-keys", "-t", "ts", "-l", &tenant.to_string()]);
    tmux.run(&["send-keys", "-t", "ts", "Enter"]);
    let screen = tmux.wait_for("the tenant's row", |s| s.contains("Row · tenants"));
    let screen = if screen.contains("Zu\u{308}rich") {
        screen
    } else {
        tmux.wait_for("the name", |s| s.contains("Zu\u{308}rich"))
    };

    // Every line is 80 columns as the terminal laid it out: the pane's right border
    // sits in the last column on every line of the pane.
    let lines: Vec<&str> = screen.lines().collect();
    let pane: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("│") && l.trim_end().ends_with('│'))
        .collect();
    assert!(pane.len() > 10, "{screen}");
    for line in &pane {
        assert_eq!(
            line.trim_end().width(),
            80,
            "a line shifted by a width disagreement: {line:?}\n{screen}"
        );
    }
    // The name's wrapped lines: the continuation indentation is blank.
    let name_lines: Vec<&str> = lines
        .iter()
        .copied()
        .skip_while(|l| !l.contains(" name "))
        .take_while(|l| !l.contains(" slug "))
        .collect();
    assert!(name_lines.len() >= 3, "the name did not wrap:\n{screen}");
    let value_column = name_lines[0].find(" name ").unwrap();
    for line in &name_lines[1..] {
        // The row pane starts after the tree's border and its own: "││".
        let inside = line.split_once("││").map(|(_, r)| r).unwrap_or(line);
        let indent: String = inside.chars().take(12).collect();
        assert!(
            indent.trim().is_empty(),
            "a fragment in the indentation: {line:?} (column {value_column})\n{screen}"
        );
    }
    // The accented letters arrive whole, each with its mark.
    assert!(screen.contains("Cafe\u{301}"), "{screen}");
    assert!(screen.contains("n\u{303}"), "{screen}");
    // Every family member is drawn: 4 people a family, 39 families (some may be cut at
    // the pane's end, so at least the first lines' worth).
    assert!(screen.matches('👧').count() >= 20, "{screen}");
}
