//! Which S3 keys exist, many at a time: the keys sorted and walked against the bucket's
//! LIST pages instead of one HEAD each. Where the keys are dense among the objects (a
//! tenant's outputs, under its prefix), one page of up to 1,000 answers hundreds of
//! them; where they are sparse, a key costs one small page, about what a HEAD costs.

use crate::store::read::{KeyPage, ListStart, Live};

/// Walks in flight at once, each over its own slice of the sorted keys.
const WALKS: usize = 4;
/// The size of the page a walk asks for at a key it seeks: small, so a lone key costs
/// about a HEAD.
const SEEK_PAGE: i32 = 64;
/// The largest page S3 returns.
const MAX_PAGE: i32 = 1000;

/// Whether each of `keys` exists. `keys` is sorted in byte order (as S3 lists) without
/// duplicates, and holds only keys the session may read.
pub(super) async fn existing(live: &Live, keys: &[String]) -> anyhow::Result<Vec<bool>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let slice = keys.len().div_ceil(WALKS);
    let walks = keys.chunks(slice).map(|part| walk(live, part));
    Ok(futures::future::try_join_all(walks).await?.concat())
}

/// One LIST page and how far the walk has read it.
#[derive(Default)]
struct Page {
    /// The prefix it lists (the key's first path segment): keys outside it are not in it.
    prefix: String,
    listed: KeyPage,
    /// The first listed key not below the keys asked so far.
    at: usize,
    /// Keys this page answered.
    answered: usize,
    size: i32,
    /// False before the first page.
    read: bool,
}

impl Page {
    /// Whether `key` exists, when this page can tell: it lists `key`'s prefix from before
    /// `key` (every page starts below the keys asked of it), and `key` is not beyond its
    /// last key, or nothing follows.
    fn answer(&mut self, key: &str) -> Option<bool> {
        if !self.read || !key.starts_with(&self.prefix) {
            return None;
        }
        let keys = &self.listed.keys;
        while self.at < keys.len() && keys[self.at].as_str() < key {
            self.at += 1;
        }
        let exists = match keys.get(self.at) {
            Some(listed) => listed == key,
            None if self.listed.next.is_none() => false,
            None => return None,
        };
        self.answered += 1;
        Some(exists)
    }
}

/// Answers `keys` (sorted) in order, one page at a time.
async fn walk(live: &Live, keys: &[String]) -> anyhow::Result<Vec<bool>> {
    let mut found = Vec::with_capacity(keys.len());
    let mut page = Page::default();
    for key in keys {
        loop {
            if let Some(exists) = page.answer(key) {
                found.push(exists);
                break;
            }
            // `key` is beyond the page. Read on where the page answered several keys (dense)
            // or none yet (keys between the seek and `key`); seek where it answered one.
            let read_on = page.read && page.answered != 1 && key.starts_with(&page.prefix);
            page = match (read_on, page.listed.next.take()) {
                (true, Some(token)) => {
                    let size = (page.size * 4).min(MAX_PAGE);
                    let listed = live
                        .key_page(&page.prefix, ListStart::Token(&token), size)
                        .await?;
                    Page {
                        prefix: std::mem::take(&mut page.prefix),
                        listed,
                        size,
                        read: true,
                        ..Page::default()
                    }
                }
                _ => {
                    let prefix = prefix_of(key).to_string();
                    let listed = live
                        .key_page(&prefix, ListStart::After(before(key)), SEEK_PAGE)
                        .await?;
                    Page {
                        prefix,
                        listed,
                        size: SEEK_PAGE,
                        read: true,
                        ..Page::default()
                    }
                }
            };
        }
    }
    Ok(found)
}

/// The key's first path segment with its `/` (a tenant's prefix), or "" when it has none.
fn prefix_of(key: &str) -> &str {
    key.find('/').map_or("", |i| &key[..=i])
}

/// A key just below `key` to list after: `key` without its last character (every key
/// between the two is listed too, and passed over).
fn before(key: &str) -> &str {
    key.char_indices().last().map_or("", |(i, _)| &key[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(prefix: &str, keys: &[&str], next: bool) -> Page {
        Page {
            prefix: prefix.into(),
            listed: KeyPage {
                keys: keys.iter().map(|k| k.to_string()).collect(),
                next: next.then(|| "token".into()),
            },
            read: true,
            ..Page::default()
        }
    }

    #[test]
    fn a_page_answers_the_keys_up_to_its_last_and_past_it_only_at_the_end() {
        let mut p = page("t/", &["t/a", "t/c", "t/e"], true);
        assert_eq!(p.answer("t/a"), Some(true));
        assert_eq!(p.answer("t/b"), Some(false));
        assert_eq!(p.answer("t/e"), Some(true));
        // Beyond the last key of a page that has a next one: this page cannot tell.
        assert_eq!(p.answer("t/f"), None);
        let mut last = page("t/", &["t/a"], false);
        assert_eq!(last.answer("t/z"), Some(false));
        // Another prefix is not listed here.
        assert_eq!(last.answer("u/a"), None);
        assert_eq!(p.answered, 3);
    }

    #[test]
    fn a_seek_starts_just_below_the_key_within_its_prefix() {
        assert_eq!(prefix_of("6b1f/outputs/x.md"), "6b1f/");
        assert_eq!(prefix_of("loose.md"), "");
        assert_eq!(before("t/ab"), "t/a");
        assert_eq!(before("t/é"), "t/");
        assert_eq!(before("x"), "");
        assert!(before("t/a/b") < "t/a/b");
    }
}
