//! The text the generator draws from, compiled in from `assets/generator/`.

use std::sync::LazyLock;

/// Languages a tenant can write in: Latin, CJK and right-to-left scripts.
pub const LOCALES: [&str; 9] = ["en", "de", "es", "fr", "ja", "zh", "ko", "ar", "he"];

/// Per-locale files, one entry per [`LOCALES`] item, in the same order.
macro_rules! per_locale {
    ($dir:literal) => {
        [
            include_str!(concat!("../../assets/generator/", $dir, "/en.txt")),
            include_str!(concat!("../../assets/generator/", $dir, "/de.txt")),
            include_str!(concat!("../../assets/generator/", $dir, "/es.txt")),
            include_str!(concat!("../../assets/generator/", $dir, "/fr.txt")),
            include_str!(concat!("../../assets/generator/", $dir, "/ja.txt")),
            include_str!(concat!("../../assets/generator/", $dir, "/zh.txt")),
            include_str!(concat!("../../assets/generator/", $dir, "/ko.txt")),
            include_str!(concat!("../../assets/generator/", $dir, "/ar.txt")),
            include_str!(concat!("../../assets/generator/", $dir, "/he.txt")),
        ]
    };
}

const TENANTS: &str = include_str!("../../assets/generator/tenants.tsv");
const TOPICS: &str = include_str!("../../assets/generator/topics.tsv");
const SOCIAL: &str = include_str!("../../assets/generator/social.tsv");
const SNIPPETS: &str = include_str!("../../assets/generator/snippets.txt");
const SKILLS: &str = include_str!("../../assets/generator/skills.txt");
const RUN_ERRORS: &str = include_str!("../../assets/generator/run_errors.txt");
const TOOL_ERRORS: &str = include_str!("../../assets/generator/tool_errors.txt");
const SEARCH_TERMS: &str = include_str!("../../assets/generator/search_terms.txt");
const NAMES: [&str; 9] = per_locale!("names");
const PARAGRAPHS: [&str; 9] = per_locale!("paragraphs");
const HEADINGS: [&str; 9] = per_locale!("headings");

pub struct Company {
    pub name: &'static str,
    pub slug: &'static str,
    pub industry: &'static str,
    pub locale: usize,
    pub website: &'static str,
}

pub struct Topic {
    pub text: &'static str,
    pub keywords: Vec<&'static str>,
}

pub struct Snippet {
    pub language: &'static str,
    pub code: String,
}

pub struct Skill {
    pub kind: &'static str,
    pub name: &'static str,
    pub content: String,
}

/// Everything parsed once; per-locale lists are indexed like [`LOCALES`].
pub struct Corpus {
    pub companies: Vec<Company>,
    pub names: Vec<Vec<&'static str>>,
    pub paragraphs: Vec<Vec<&'static str>>,
    pub headings: Vec<Vec<&'static str>>,
    pub topics: Vec<Vec<Topic>>,
    pub social: Vec<Vec<String>>,
    pub snippets: Vec<Snippet>,
    pub skills: Vec<Skill>,
    pub run_errors: Vec<&'static str>,
    pub tool_errors: Vec<&'static str>,
    pub search_terms: Vec<&'static str>,
}

pub static CORPUS: LazyLock<Corpus> = LazyLock::new(Corpus::parse);

fn locale_index(code: &str) -> usize {
    LOCALES.iter().position(|l| *l == code).unwrap_or(0)
}

fn lines(text: &'static str) -> Vec<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Data rows of a TSV file (the header line dropped), split on tabs.
fn tsv(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::trim).collect())
}

/// Sections that start with a line `--- header`: (header, body).
fn sections(text: &'static str) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for line in text.lines() {
        if let Some(header) = line.strip_prefix("--- ") {
            out.push((header.trim(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    for (_, body) in &mut out {
        let trimmed = body.trim_end().to_string();
        *body = trimmed;
    }
    out
}

/// Locales in the order tenants take turns, so even three tenants cover Latin, CJK
/// and right-to-left scripts.
const TURNS: [&str; 9] = ["en", "ja", "ar", "de", "zh", "he", "es", "ko", "fr"];

/// Companies reordered round-robin over [`TURNS`].
fn interleave_scripts(companies: Vec<Company>) -> Vec<Company> {
    let mut queues: Vec<Vec<Company>> = TURNS.iter().map(|_| Vec::new()).collect();
    for company in companies.into_iter().rev() {
        let turn = TURNS
            .iter()
            .position(|l| *l == LOCALES[company.locale])
            .unwrap_or(0);
        queues[turn].push(company);
    }
    let mut out = Vec::new();
    while queues.iter().any(|q| !q.is_empty()) {
        out.extend(queues.iter_mut().filter_map(Vec::pop));
    }
    out
}

impl Corpus {
    fn parse() -> Corpus {
        let companies = interleave_scripts(
            tsv(TENANTS)
                .filter(|f| f.len() >= 5)
                .map(|f| Company {
                    name: f[0],
                    slug: f[1],
                    industry: f[2],
                    locale: locale_index(f[3]),
                    website: f[4],
                })
                .collect(),
        );
        let mut topics: Vec<Vec<Topic>> = LOCALES.iter().map(|_| Vec::new()).collect();
        for f in tsv(TOPICS).filter(|f| f.len() >= 3) {
            topics[locale_index(f[0])].push(Topic {
                text: f[1],
                keywords: f[2]
                    .split([',', '、', '،'])
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .collect(),
            });
        }
        let mut social: Vec<Vec<String>> = LOCALES.iter().map(|_| Vec::new()).collect();
        for f in tsv(SOCIAL).filter(|f| f.len() >= 2) {
            social[locale_index(f[0])].push(f[1].replace("\\n", "\n"));
        }
        Corpus {
            companies,
            names: NAMES.iter().map(|t| lines(t)).collect(),
            paragraphs: PARAGRAPHS
                .iter()
                .map(|t| {
                    t.split("\n\n")
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .collect()
                })
                .collect(),
            headings: HEADINGS.iter().map(|t| lines(t)).collect(),
            topics,
            social,
            snippets: sections(SNIPPETS)
                .into_iter()
                .map(|(language, code)| Snippet { language, code })
                .collect(),
            skills: sections(SKILLS)
                .into_iter()
                .map(|(header, content)| {
                    let (kind, name) = header.split_once('\t').unwrap_or(("notes", header));
                    Skill {
                        kind: kind.trim(),
                        name: name.trim(),
                        content,
                    }
                })
                .collect(),
            run_errors: lines(RUN_ERRORS),
            tool_errors: lines(TOOL_ERRORS),
            search_terms: lines(SEARCH_TERMS),
        }
    }

    /// The per-locale list, or English where a locale has none.
    pub fn localized<T>(lists: &[Vec<T>], locale: usize) -> &[T] {
        match lists.get(locale) {
            Some(list) if !list.is_empty() => list,
            _ => &lists[0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_the_generator_draws_from_is_filled() {
        let c = &*CORPUS;
        assert!(c.companies.len() >= 30);
        assert!(c.snippets.len() >= 5 && c.snippets.iter().all(|s| !s.code.is_empty()));
        assert!(c.skills.len() >= 5 && c.skills.iter().all(|s| !s.content.is_empty()));
        assert!(
            !c.run_errors.is_empty() && !c.tool_errors.is_empty() && !c.search_terms.is_empty()
        );
        for (i, locale) in LOCALES.iter().enumerate() {
            assert!(c.names[i].len() >= 10, "names/{locale}");
            assert!(c.paragraphs[i].len() >= 5, "paragraphs/{locale}");
            assert!(c.headings[i].len() >= 10, "headings/{locale}");
            assert!(!c.topics[i].is_empty(), "topics for {locale}");
        }
        let slugs: std::collections::HashSet<_> = c.companies.iter().map(|c| c.slug).collect();
        assert_eq!(slugs.len(), c.companies.len(), "tenant slugs are unique");
    }
}
