//! Markdown shapes (issue 13, BENCHMARKS.md "Markdown shapes"): for each pathological but
//! legal document, the time to render it, the time the content pane takes to open it
//! (render and wrap to the pane, once per content and width), and the time of one whole
//! frame of the explorer showing it scrolled to the middle (the rows come from the cache).
//! Each figure is a median over repeated runs, with min–max.
//! `cargo bench --bench markdown` (RUNS=n to change the number of runs).

#[path = "../tests/markdown_shapes/mod.rs"]
mod markdown_shapes;

use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Paragraph, Wrap};
use tenantscope::app::detail::Detail;
use tenantscope::app::{App, Focus, Pane};
use tenantscope::resolve::Content;
use tenantscope::store::read::{ObjectHead, ObjectMeta};
use tenantscope::ui::content_view::ContentView;
use tenantscope::ui::{self, format, markdown};

struct Stats {
    median: f64,
    min: f64,
    max: f64,
}

impl Stats {
    fn of(mut ms: Vec<f64>) -> Stats {
        ms.sort_by(f64::total_cmp);
        Stats {
            median: ms[ms.len() / 2],
            min: ms[0],
            max: ms[ms.len() - 1],
        }
    }
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} ms ({:.2}–{:.2})", self.median, self.min, self.max)
    }
}

fn measure<T>(runs: usize, mut f: impl FnMut() -> T) -> Stats {
    std::hint::black_box(f());
    let mut ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(f());
        ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    Stats::of(ms)
}

fn content(md: &str) -> Content {
    Content {
        key: "tenant/shape.md".into(),
        head: ObjectHead {
            meta: ObjectMeta {
                key: "tenant/shape.md".into(),
                size: md.len() as u64,
                content_type: Some("text/markdown".into()),
                etag: Some("\"bench\"".into()),
                last_modified: None,
            },
            bytes: md.as_bytes().to_vec(),
        },
    }
}

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(15);
    let (width, height) = (160u16, 48u16);
    println!(
        "{runs} runs per figure; screen {width}×{height}, content pane {} columns inside\n",
        width - width * 2 / 5 - 2
    );
    println!(
        "| shape | bytes | render | open (render + wrap) | rows | frame, scrolled to the middle | pane drawn as before the cache |"
    );
    println!("|---|---|---|---|---|---|---|");
    let table = tenantscope::schema::table("activities").expect("declared");
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    for (name, md) in markdown_shapes::shapes() {
        let doc = content(&md);
        let render = measure(runs, || markdown::render(&md));
        let pane = width - width * 2 / 5 - 2;
        let open = measure(runs, || ContentView::default().rows(&doc, pane).len());
        let rows = ContentView::default().rows(&doc, pane).len();

        let mut app = App::new("bench".into());
        let mut detail = Detail::new(1, table, uuid::Uuid::nil());
        detail.content = Some(doc.clone());
        detail.scroll[Pane::Content.index()] = rows / 2;
        app.detail = Some(detail);
        app.pane = Pane::Content;
        app.focus = Focus::Pane;
        terminal.draw(|f| ui::draw(f, &mut app)).unwrap();
        let frame = measure(runs.max(50), || {
            terminal.draw(|f| ui::draw(f, &mut app)).unwrap();
        });
        // What every frame cost before: render the pane's lines, then let the paragraph
        // wrap everything above the scroll offset (clamped to the number of lines).
        let uncached = measure(runs, || {
            let mut lines = format::object_meta(&doc);
            lines.extend(format::content_body(&doc));
            let scroll = (rows / 2).min(lines.len() - 1).min(usize::from(u16::MAX)) as u16;
            terminal
                .draw(|f| {
                    f.render_widget(
                        Paragraph::new(lines)
                            .block(Block::bordered())
                            .wrap(Wrap { trim: false })
                            .scroll((scroll, 0)),
                        Rect::new(0, 0, pane + 2, height - 2),
                    )
                })
                .unwrap();
        });
        println!(
            "| {name} | {} | {render} | {open} | {rows} | {frame} | {uncached} |",
            md.len()
        );
    }
}
