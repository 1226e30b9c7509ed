//! The forms people write lists and maps in one environment variable:
//! `a,b,c` and `team=ledger,tier=gold`. A comma, `=` or backslash inside
//! an item is written `\,`, `\=` or `\\`; any other backslash is itself
//! (`C:\data` stays as written). At most [`MAX_ITEMS`] items.

use std::borrow::Cow;

use super::ValueError;
use crate::text::quote_input;

/// The most items a list or map in one variable may hold.
pub(crate) const MAX_ITEMS: usize = 10_000;

/// A list's items, trimmed, empty ones skipped (`a, b,,c`).
pub(super) fn list(text: &str) -> Result<Vec<Cow<'_, str>>, ValueError> {
    let mut items = Vec::new();
    for raw in split(text, ',') {
        let item = raw.trim();
        if item.is_empty() {
            continue;
        }
        if items.len() == MAX_ITEMS {
            return Err(too_many());
        }
        items.push(unescape(item));
    }
    Ok(items)
}

/// A key and its value, unescaped.
pub(super) type Pair<'t> = (Cow<'t, str>, Cow<'t, str>);

/// A map's `key=value` pairs, trimmed; empty items skipped. A pair without
/// `=`, an empty key or a key given twice is an error.
pub(super) fn map(text: &str) -> Result<Vec<Pair<'_>>, ValueError> {
    let mut pairs: Vec<Pair<'_>> = Vec::new();
    for (index, raw) in split(text, ',').enumerate() {
        let item = raw.trim();
        if item.is_empty() {
            continue;
        }
        if pairs.len() == MAX_ITEMS {
            return Err(too_many());
        }
        let Some(eq) = split(item, '=')
            .next()
            .map(str::len)
            .filter(|&n| n < item.len())
        else {
            return Err(ValueError(format!(
                "item {} ({}) has no `=`: write key=value pairs separated by commas, such as team=ledger,tier=gold (a comma or `=` inside a value is `\\,` or `\\=`), or a JSON object",
                index + 1,
                quote_input(item)
            )));
        };
        let key = unescape(item[..eq].trim());
        let value = unescape(item[eq + 1..].trim());
        if key.is_empty() {
            return Err(ValueError(format!(
                "item {} has an empty key: write key=value, such as team=ledger",
                index + 1
            )));
        }
        if pairs.iter().any(|(k, _)| *k == key) {
            return Err(ValueError(format!(
                "key {} is given twice: give each key once",
                quote_input(&key)
            )));
        }
        pairs.push((key, value));
    }
    Ok(pairs)
}

fn too_many() -> ValueError {
    ValueError(format!(
        "more than {MAX_ITEMS} items: a list or map this long belongs in a config file"
    ))
}

/// `text` cut at each `separator` that no backslash escapes.
fn split(text: &str, separator: char) -> impl Iterator<Item = &str> {
    let mut escaped = false;
    text.split(move |c: char| {
        if escaped {
            escaped = false;
            return false;
        }
        if c == '\\' {
            escaped = true;
            return false;
        }
        c == separator
    })
}

/// `\,`, `\=` and `\\` as the character they escape; other text as is.
fn unescape(text: &str) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(&next @ (',' | '=' | '\\'))) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings<'a>(items: impl IntoIterator<Item = Cow<'a, str>>) -> Vec<String> {
        items.into_iter().map(Cow::into_owned).collect()
    }

    #[test]
    fn lists_split_at_unescaped_commas() {
        assert_eq!(strings(list(" a, b,,c ").unwrap()), ["a", "b", "c"]);
        assert_eq!(strings(list(r"x\,y,z").unwrap()), ["x,y", "z"]);
        assert_eq!(
            strings(list(r"C:\data,D:\x\\,y").unwrap()),
            [r"C:\data", r"D:\x\", "y"]
        );
    }

    #[test]
    fn maps_take_key_value_pairs_with_escapes() {
        let pairs: Vec<(String, String)> = map("team=ledger, tier = gold,,note=a\\=b\\,c")
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("team".to_owned(), "ledger".to_owned()),
                ("tier".to_owned(), "gold".to_owned()),
                ("note".to_owned(), "a=b,c".to_owned()),
            ]
        );
        assert_eq!(map("a=").unwrap()[0].1, "", "an empty value is a value");
        assert_eq!(
            map("url=postgres://h/db?x=1").unwrap()[0].1,
            "postgres://h/db?x=1"
        );
    }

    #[test]
    fn maps_refuse_what_is_not_a_pair() {
        let err = map("team=ledger,gold").unwrap_err().0;
        assert!(err.starts_with("item 2 (`gold`) has no `=`"), "{err}");
        assert!(map("=x").unwrap_err().0.contains("empty key"));
        assert!(
            map("a=1,a=2")
                .unwrap_err()
                .0
                .contains("key `a` is given twice")
        );
        assert!(
            map(r"a\=1").unwrap_err().0.contains("has no `=`"),
            "an escaped `=` is not one"
        );
    }

    #[test]
    fn at_most_max_items() {
        let pairs: String = (0..MAX_ITEMS).map(|i| format!("k{i}=v,")).collect();
        assert_eq!(map(&pairs).unwrap().len(), MAX_ITEMS);
        let more = format!("{pairs}last=1");
        assert!(
            map(&more)
                .unwrap_err()
                .0
                .starts_with("more than 10000 items")
        );
        let items = ",x".repeat(MAX_ITEMS + 1);
        assert!(
            list(&items)
                .unwrap_err()
                .0
                .starts_with("more than 10000 items")
        );
    }
}
