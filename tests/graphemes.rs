//! Emoji ZWJ sequences, flags, combining marks, U+FE0F, wide CJK and right-to-left text
//! in every pane, in a real terminal: tmux runs the binary at 80 columns and
//! capture-pane reads what it drew. Every line keeps the panes' borders in their columns
//! (no width disagreement shifted them), wrapped continuation lines start with blank
//! indentation (no fragment of an emoji in it), and every cluster arrives whole.
//!
//! Where a cluster is in a captured line is measured as tmux draws it: each distinct
//! cluster is printed once in a window of the same tmux server and its width read from
//! the cursor, so the check holds whatever tmux's idea of a width is.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::Stores;
use common::tmux::Tmux;
use futures::TryStreamExt;
use mongodb::bson::{Document, doc};
use tenantscope::seed::Options;
use tenantscope::store::Access;
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;
use uuid::Uuid;

const FAMILY_OF_THREE: &str = "👨\u{200d}👩\u{200d}👧";
const FAMILY_OF_FOUR: &str = "👨\u{200d}👩\u{200d}👧\u{200d}👦";

/// Words of every kind that terminals and width tables disagree on, each followed by an
/// ASCII word so a shift shows; short enough that a word never breaks across lines.
fn hard_words() -> Vec<String> {
    [
        FAMILY_OF_THREE,
        "fam3",
        FAMILY_OF_FOUR,
        "fam4",
        "🇯🇵🇫🇷",
        "flags",
        "Cafe\u{301}",
        "Zu\u{308}rich",
        "❤\u{fe0f}",
        "heart",
        "👍🏽",
        "thumb",
        "漢字かな",
        "cjk",
        "שלום",
        "עולם",
        "مرحبا",
        "rtl",
    ]
    .iter()
    .map(|w| w.to_string())
    .collect()
}

/// What a person reads of `word` once drawn: a family of four, longer than a tmux cell
/// holds (`text::CELL_BYTES`), as its members side by side; the rest as they are.
fn drawn(word: &str) -> String {
    tenantscope::text::for_terminal(word).into_owned()
}

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
    tmux.jump(&tenant.to_string());
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
    // The same, measured with the widths tmux draws.
    assert_borders_in_place(&tmux, &screen, "row pane and tree");
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

/// The columns tmux draws each of `clusters` in: each printed alone in a window of the
/// server, its width read from the cursor.
fn tmux_widths(tmux: &Tmux, clusters: &[String]) -> HashMap<String, usize> {
    for (i, cluster) in clusters.iter().enumerate() {
        tmux.run(&[
            "new-window",
            "-d",
            "-n",
            &format!("w{i}"),
            "-e",
            "LANG=C.UTF-8",
            "-e",
            &format!("G={cluster}"),
            "printf '%s' \"$G\"; sleep 30",
        ]);
    }
    std::thread::sleep(Duration::from_millis(500));
    let widths = clusters
        .iter()
        .enumerate()
        .map(|(i, cluster)| {
            let x = tmux.run(&["display", "-p", "-t", &format!("w{i}"), "#{cursor_x}"]);
            (
                cluster.clone(),
                x.trim().parse::<usize>().expect("a column"),
            )
        })
        .collect();
    for i in 0..clusters.len() {
        tmux.run(&["kill-window", "-t", &format!("w{i}")]);
    }
    widths
}

/// The column each cluster of `line` starts at, as tmux draws them.
fn columns(line: &str, widths: &HashMap<String, usize>) -> Vec<(usize, String)> {
    let mut at = 0;
    line.graphemes(true)
        .map(|g| {
            let start = at;
            at += if g.is_ascii() { g.len() } else { widths[g] };
            (start, g.to_string())
        })
        .collect()
}

/// Every line of `screen`, with the columns its box-drawing borders stand in, as tmux
/// drew them: the same borders in the same columns on every line of a pane.
fn assert_borders_in_place(tmux: &Tmux, screen: &str, what: &str) {
    let mut clusters: Vec<String> = screen
        .lines()
        .flat_map(|l| l.graphemes(true))
        .filter(|g| !g.is_ascii())
        .map(str::to_string)
        .collect();
    clusters.sort();
    clusters.dedup();
    let widths = tmux_widths(tmux, &clusters);
    let lines: Vec<&str> = screen.lines().collect();
    // The first line of the panes (after the title and the tabs) sets the columns.
    let borders = |line: &str| -> Vec<usize> {
        columns(line, &widths)
            .into_iter()
            .filter(|(_, g)| g == "│")
            .map(|(at, _)| at)
            .collect()
    };
    let body: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with('│') && l.trim_end().ends_with('│'))
        .collect();
    assert!(body.len() > 10, "{what}:\n{screen}");
    let expected = borders(body[0]);
    assert_eq!(expected.first(), Some(&0), "{what}:\n{screen}");
    assert_eq!(expected.last(), Some(&79), "{what}:\n{screen}");
    for line in &body {
        let width: usize = columns(line.trim_end(), &widths)
            .last()
            .map(|(at, g)| at + if g.is_ascii() { 1 } else { widths[g] })
            .unwrap_or(0);
        assert_eq!(
            width, 80,
            "{what}: a line drawn wider or narrower: {line:?}\n{screen}"
        );
        assert_eq!(
            borders(line),
            expected,
            "{what}: a border out of its column (a fragment in its place): {line:?}\n{screen}"
        );
    }
}

/// Each word of `words`, as drawn, is on the screen whole, in order within its line.
fn assert_all_words_whole(screen: &str, words: &[String], what: &str) {
    let flat: String = screen
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c.is_whitespace()))
        .collect::<Vec<_>>()
        .join(" ");
    for word in words {
        let shown = drawn(word);
        assert!(
            flat.contains(&shown),
            "{what}: {shown:?} missing or cut:\n{screen}"
        );
    }
    // The family of three keeps its joiners: a tmux cell holds it whole.
    assert!(flat.contains(FAMILY_OF_THREE), "{what}:\n{screen}");
}

/// How many times each of `expected` is drawn in the right-hand pane (after the tree's
/// border and the pane's: "││"): a cluster drawn over the wrong cells, or left behind by
/// an earlier frame, is counted once too often; one dropped, once too few. No regional
/// indicator stands alone (half a flag).
fn assert_counts(screen: &str, expected: &[(&str, usize)], what: &str) {
    let pane: Vec<&str> = screen
        .lines()
        .filter_map(|l| l.split_once("││").map(|(_, r)| r))
        .flat_map(|r| r.graphemes(true))
        .collect();
    for (cluster, n) in expected {
        let drawn = pane.iter().filter(|g| *g == cluster).count();
        assert_eq!(
            drawn, *n,
            "{what}: {cluster:?} drawn {drawn} times\n{screen}"
        );
    }
    let halves: Vec<&&str> = pane
        .iter()
        .filter(|g| {
            g.chars().count() == 1
                && ('\u{1f1e6}'..='\u{1f1ff}').contains(&g.chars().next().unwrap())
        })
        .collect();
    assert!(
        halves.is_empty(),
        "{what}: half a flag {halves:?}\n{screen}"
    );
}

#[tokio::test]
async fn the_document_and_content_panes_draw_every_cluster_whole_at_80_columns() {
    let stores = Stores::create("graphemes_panes").await;
    stores
        .seed(Options {
            tenants: 1,
            scale: 0.2,
            ..Options::default()
        })
        .await;
    let words = hard_words();
    let sentence = words.join(" ");
    let text = [sentence.as_str(); 3].join(" ");

    // An activity whose output document names a Markdown object: the document gets the
    // text as its first field, the object a Markdown page of it.
    let pg = stores.pg(Access::ReadOnly).await;
    let outputs = stores
        .mongo()
        .await
        .collection::<Document>("activity_outputs");
    let s3 = stores.s3().await;
    let mut candidates = outputs
        .find(doc! { "s3Key": { "$exists": true },
        "contentType": "text/markdown; charset=utf-8" })
        .limit(50)
        .await
        .unwrap();
    let (document, activity) = loop {
        let document = candidates
            .try_next()
            .await
            .unwrap()
            .expect("an output with a Markdown object");
        let oid = document.get_object_id("_id").unwrap().to_hex();
        let activity: Option<Uuid> =
            sqlx::query_scalar("select id from activities where output_ref = $1 limit 1")
                .bind(&oid)
                .fetch_optional(&pg)
                .await
                .unwrap();
        if let Some(activity) = activity {
            break (document, activity);
        }
    };
    pg.close().await;
    let mut replaced = doc! { "_id": document.get_object_id("_id").unwrap(), "note": &text };
    for (k, v) in document.iter().filter(|(k, _)| *k != "_id") {
        replaced.insert(k.clone(), v.clone());
    }
    outputs
        .replace_one(
            doc! { "_id": document.get_object_id("_id").unwrap() },
            replaced,
        )
        .await
        .unwrap();
    let markdown = format!(
        "# {FAMILY_OF_THREE} title\n\n{text}\n\n- item {} 漢字\n- {FAMILY_OF_FOUR} שלום\n",
        "❤\u{fe0f}"
    );
    s3.put_object()
        .bucket(&stores.bucket)
        .key(document.get_str("s3Key").unwrap())
        .content_type("text/markdown; charset=utf-8")
        .body(markdown.into_bytes().into())
        .send()
        .await
        .unwrap();

    let tmux = Tmux::start(
        "tenantscope-graphemes-panes",
        &stores,
        (80, 50),
        &[("LANG", "C.UTF-8")],
        "sleep 60",
    );
    tmux.wait_for("the tree", |s| s.contains("Tenants") && s.contains("PG ✓"));
    tmux.jump(&activity.to_string());
    tmux.wait_for("the activity's row", |s| s.contains("Row · activities"));
    tmux.wait_for("the chain resolved", |s| {
        s.matches("✓ resolved").count() >= 2
    });

    tmux.keys("2", 1);
    let screen = tmux.wait_for("the document's note", |s| {
        s.contains("Document (") && s.contains("note") && s.contains("rtl")
    });
    assert_borders_in_place(&tmux, &screen, "document pane");
    assert_all_words_whole(&screen, &words, "document pane");
    // The note holds the sentence three times.
    let thrice = [
        (FAMILY_OF_THREE, 3),
        ("👦", 3),
        ("🇯🇵", 3),
        ("🇫🇷", 3),
        ("👍🏽", 3),
        ("❤\u{fe0f}", 3),
        ("e\u{301}", 3),
    ];
    assert_counts(&screen, &thrice, "document pane");

    tmux.keys("3", 1);
    let screen = tmux.wait_for("the Markdown", |s| {
        s.contains("Content") && s.contains("title")
    });
    assert_borders_in_place(&tmux, &screen, "content pane");
    assert_all_words_whole(&screen, &words, "content pane");
    // Three times in the paragraph, and once more each in the title or the list.
    assert_counts(
        &screen,
        &[
            (FAMILY_OF_THREE, 4),
            ("👦", 4),
            ("🇯🇵", 3),
            ("🇫🇷", 3),
            ("👍🏽", 3),
            ("❤\u{fe0f}", 4),
            ("e\u{301}", 3),
        ],
        "content pane",
    );
    // The list item on one line, its heart and its characters in order (tmux draws the
    // heart one column wide: the column ratatui keeps for it after it stays blank).
    let item = screen
        .lines()
        .find(|l| l.contains("• item"))
        .unwrap_or_default();
    let heart = item.find("❤\u{fe0f}").expect("the heart");
    assert!(item[heart..].contains("漢字"), "{item:?}\n{screen}");
}
