//! Content the agents "wrote": Markdown articles, JSON outputs, social copy.

use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::corpus::{CORPUS, Corpus};

/// Word count as a CMS would show it: whitespace-separated words, and for scripts
/// written without spaces (Chinese, Japanese) one word per ideograph or kana.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .map(|token| {
            let dense = token.chars().filter(|c| is_unspaced_script(*c)).count();
            if dense > 0 { dense } else { 1 }
        })
        .sum()
}

fn is_unspaced_script(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}')
}

/// A Markdown article of at least `min_words` words: headings, paragraphs with inline
/// emphasis and links, lists, a table, code blocks and a quote.
pub fn article(
    rng: &mut ChaCha8Rng,
    locale: usize,
    title: &str,
    keywords: &[&str],
    min_words: usize,
) -> String {
    let c: &Corpus = &CORPUS;
    let paragraphs = Corpus::localized(&c.paragraphs, locale);
    let headings = Corpus::localized(&c.headings, locale);
    let mut md = format!("# {title}\n\n");
    md.push_str(&format!("*{}*\n\n", pick(rng, paragraphs)));
    let mut section = 0;
    while word_count(&md) < min_words {
        section += 1;
        md.push_str(&format!("## {}\n\n", pick(rng, headings)));
        for _ in 0..rng.random_range(2..=4) {
            md.push_str(pick(rng, paragraphs));
            md.push_str("\n\n");
        }
        match section % 4 {
            1 => {
                for keyword in keywords {
                    md.push_str(&format!(
                        "- **{keyword}**: {}\n",
                        first_sentence(pick(rng, paragraphs))
                    ));
                }
                md.push_str("\n1. [Checklist](https://example.com/checklist)\n2. _Measure_ twice\n3. Ship\n\n");
            }
            2 => {
                md.push_str("| Metric | Before | After | Change |\n|---|---:|---:|---:|\n");
                for metric in ["Organic sessions", "CTR", "Conversions"] {
                    let before = rng.random_range(100..5000);
                    let after = before + rng.random_range(0..2000);
                    let pct = (after - before) * 100 / before;
                    md.push_str(&format!("| {metric} | {before} | {after} | +{pct}% |\n"));
                }
                md.push('\n');
            }
            3 => {
                let snippet = c
                    .snippets
                    .choose(rng)
                    .expect("snippets are checked non-empty");
                md.push_str(&format!(
                    "```{}\n{}\n```\n\n",
                    snippet.language, snippet.code
                ));
            }
            _ => {
                md.push_str(&format!("> {}\n\n", first_sentence(pick(rng, paragraphs))));
                md.push_str(&format!(
                    "### {}\n\n{}\n\n",
                    pick(rng, headings),
                    pick(rng, paragraphs)
                ));
            }
        }
    }
    md
}

/// A short Markdown note (review feedback, an outreach email, a brief).
pub fn note(rng: &mut ChaCha8Rng, locale: usize, title: &str) -> String {
    let c: &Corpus = &CORPUS;
    let paragraphs = Corpus::localized(&c.paragraphs, locale);
    let mut md = format!("# {title}\n\n{}\n\n", pick(rng, paragraphs));
    for _ in 0..rng.random_range(2..=5) {
        md.push_str(&format!("- {}\n", first_sentence(pick(rng, paragraphs))));
    }
    md.push('\n');
    md
}

/// A structured JSON output for research, optimisation and report activities.
pub fn json_output(
    rng: &mut ChaCha8Rng,
    kind: &str,
    keywords: &[&str],
    generated_at: &str,
) -> serde_json::Value {
    match kind {
        "research" => json!({
            "type": "keyword_research",
            "generatedAt": generated_at,
            "keywords": keywords.iter().map(|k| json!({
                "keyword": k,
                "monthlyVolume": rng.random_range(50..40_000),
                "difficulty": rng.random_range(5..90),
                "cpcUsd": (rng.random_range(20..1500) as f64) / 100.0,
                "intent": *["informational", "commercial", "transactional", "navigational"].choose(rng).expect("non-empty"),
            })).collect::<Vec<_>>(),
            "serpFeatures": ["featured_snippet", "people_also_ask", "video"],
        }),
        "optimize" => json!({
            "type": "ad_optimization",
            "generatedAt": generated_at,
            "recommendations": (0..rng.random_range(2..6)).map(|_| json!({
                "action": *["add_negative", "raise_bid", "lower_bid", "pause_keyword", "shift_budget"].choose(rng).expect("non-empty"),
                "target": CORPUS.search_terms.choose(rng).copied().unwrap_or("brand"),
                "expectedImpact": { "costUsd": -(rng.random_range(5..500) as f64), "conversions": rng.random_range(0..12) },
            })).collect::<Vec<_>>(),
        }),
        _ => json!({
            "type": "performance_report",
            "generatedAt": generated_at,
            "metrics": {
                "sessions": rng.random_range(1_000..90_000),
                "conversions": rng.random_range(10..900),
                "ctr": (rng.random_range(50..900) as f64) / 10_000.0,
                "costUsd": (rng.random_range(10_000..900_000) as f64) / 100.0,
            },
            "highlights": keywords.iter().map(|k| format!("'{k}' moved into the top 10")).collect::<Vec<_>>(),
            "nested": [[1, 2], [3, [4, 5]]],
        }),
    }
}

/// Copy for a social post on `platform`, with hashtags and emoji.
pub fn social(
    rng: &mut ChaCha8Rng,
    locale: usize,
    platform: &str,
    generated_at: &str,
) -> serde_json::Value {
    let text = Corpus::localized(&CORPUS.social, locale)
        .choose(rng)
        .cloned()
        .unwrap_or_default();
    let hashtags: Vec<&str> = text
        .split_whitespace()
        .filter(|w| w.starts_with('#'))
        .collect();
    json!({
        "platform": platform,
        "text": text,
        "hashtags": hashtags,
        "characterCount": text.chars().count(),
        "media": if rng.random_bool(0.4) { json!([{ "type": "image", "alt": "Campaign visual" }]) } else { json!([]) },
        "generatedAt": generated_at,
    })
}

pub fn pick<'a>(rng: &mut ChaCha8Rng, list: &'a [&'static str]) -> &'a str {
    list.choose(rng).copied().unwrap_or("")
}

fn first_sentence(paragraph: &str) -> &str {
    let end = paragraph
        .char_indices()
        .find(|(_, c)| matches!(c, '.' | '。' | '!' | '?' | '؟'))
        .map_or(paragraph.len(), |(i, c)| i + c.len_utf8());
    &paragraph[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn words_count_spaces_and_ideographs() {
        assert_eq!(word_count("Hello brave new world"), 4);
        assert_eq!(word_count("営業チーム 向け"), 7);
    }

    #[test]
    fn articles_reach_their_length_and_carry_every_block_kind() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let md = article(&mut rng, 0, "Title", &["seo", "content"], 5000);
        assert!(word_count(&md) >= 5000);
        for needle in ["# Title", "## ", "| Metric", "```", "> ", "- **seo**"] {
            assert!(md.contains(needle), "missing {needle}");
        }
    }
}
