//! Pathological but legal Markdown (issue 13): the shapes the content pane must open
//! quickly, shared by `tests/markdown.rs` and `benches/markdown.rs`.

/// (name, document).
pub fn shapes() -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    // Emphasis: runs of markers, and emphasis nested thousands deep with text at each level.
    out.push((
        "10,000 `*` then text then 10,000 `*`",
        format!("{}x{}", "*".repeat(10_000), "*".repeat(10_000)),
    ));
    out.push((
        "5,000 nested emphasis levels with text",
        format!("{}core{}", "*a _b ".repeat(2_500), " b_ a*".repeat(2_500)),
    ));
    out.push(("20,000 unmatched `*a`", "*a ".repeat(20_000)));
    // Brackets and link openers that never close.
    out.push(("50,000 `[`", "[".repeat(50_000)));
    out.push(("20,000 `[a](`", "[a](".repeat(20_000)));
    out.push(("20,000 `![a`", "![a".repeat(20_000)));
    out.push(("20,000 `[a]` (no definitions)", "[a] ".repeat(20_000)));
    out.push(("20,000 `<a`", "<a ".repeat(20_000)));
    // Nesting of blocks.
    out.push((
        "block quote 5,000 deep",
        format!("{}deep\n", "> ".repeat(5_000)),
    ));
    out.push((
        "block quote 500 deep, 200 lines",
        format!("{}deep line  \n", "> ".repeat(500)).repeat(200),
    ));
    out.push(("list 5,000 deep", format!("{}deep\n", "- ".repeat(5_000))));
    out.push((
        "ordered list 5,000 deep",
        format!("{}deep\n", "1. ".repeat(5_000)),
    ));
    out.push((
        "list indented 1,000 deep",
        (0..1_000)
            .map(|i| format!("{}- item {i}\n", "  ".repeat(i)))
            .collect(),
    ));
    out.push((
        "quote + list mixed 3,000 deep",
        format!("{}deep\n", "> - ".repeat(3_000)),
    ));
    // Many blocks.
    out.push((
        "10,000 headings",
        (0..10_000).map(|i| format!("# Heading {i}\n")).collect(),
    ));
    out.push(("table with 1,500 columns, 20 rows", table(1_500, 20)));
    out.push(("table with 8,000 rows, 4 columns", table(4, 8_000)));
    // Long words and lines.
    out.push(("one 200,000-character word", "a".repeat(200_000)));
    out.push((
        "200,000-character word in emphasis",
        format!("**{}**", "b".repeat(200_000)),
    ));
    out.push(("one paragraph of 100,000 words", "word ".repeat(100_000)));
    out.push(("200,000 wide characters", "字".repeat(200_000)));
    // Others.
    out.push((
        "unclosed code fence, 50,000 lines",
        format!("```\n{}", "let x = 1;\n".repeat(50_000)),
    ));
    out.push((
        "50,000 one-line paragraphs",
        "para *em* `code`\n\n".repeat(50_000),
    ));
    out
}

/// A pipe table: header, delimiter row, `rows` body rows.
fn table(columns: usize, rows: usize) -> String {
    let mut s = String::new();
    let row = |s: &mut String, r: usize| {
        s.push('|');
        for c in 0..columns {
            s.push_str(&format!(" r{r}c{c} |"));
        }
        s.push('\n');
    };
    s.push('|');
    for c in 0..columns {
        s.push_str(&format!(" h{c} |"));
    }
    s.push('\n');
    s.push('|');
    for c in 0..columns {
        s.push_str(if c % 2 == 0 { "---|" } else { "--:|" });
    }
    s.push('\n');
    for r in 0..rows {
        row(&mut s, r);
    }
    s
}
