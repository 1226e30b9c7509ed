//! Hiding the secrets that ordinary settings carry: passwords in
//! connection strings. Applied wherever a value is shown: `check`, JSON,
//! provenance, logs and error messages.
//!
//! Masked forms: URL userinfo (`scheme://user:pass@host`, passwords with
//! `/`, `#`, `?` or `@` included, and `user:pass@host` without a scheme),
//! query parameters (`?password=`, `&sslpassword=`, `?token=` ...), key=value
//! DSNs (`host=h user=u password=p`, quoted values too), and every item of
//! a comma-separated list.

use std::borrow::Cow;

use crate::text::REDACTED;

/// Parameter names whose values are secrets, compared case-insensitively.
const SECRET_KEYS: [&str; 12] = [
    "password",
    "passwd",
    "pwd",
    "pass",
    "sslpassword",
    "secret",
    "token",
    "access_token",
    "auth_token",
    "api_key",
    "apikey",
    "client_secret",
];

fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k))
}

/// `value` with every password it carries replaced by `[redacted]`.
pub(crate) fn mask_secrets(value: &str) -> Cow<'_, str> {
    // Cheap test first: most values have none of the markers.
    if !value.contains(['@', '=']) {
        return Cow::Borrowed(value);
    }
    // Built only from the first item that changes.
    let mut masked: Option<String> = None;
    let (mut done, mut start) = (0, 0);
    for item in value.split(',') {
        if let Some(item_masked) = mask_item(item) {
            let out = masked.get_or_insert_with(|| String::with_capacity(value.len()));
            out.push_str(&value[done..start]);
            out.push_str(&item_masked);
            done = start + item.len();
        }
        start += item.len() + 1;
    }
    match masked {
        None => Cow::Borrowed(value),
        Some(mut out) => {
            out.push_str(&value[done..]);
            Cow::Owned(out)
        }
    }
}

/// One item of a list. The userinfo and the key=value readings can
/// disagree on a hostile value (a password holding `&pass=`, or `@` in a
/// query): each finds its secret ranges in the original text, and the
/// union is masked. Over-masking such a value is the safe side.
fn mask_item(item: &str) -> Option<String> {
    let mut ranges = key_value_ranges(item);
    ranges.extend(userinfo_range(item));
    if ranges.is_empty() {
        return None;
    }
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(item.len());
    let mut at = 0;
    for range in ranges {
        if range.end <= at {
            continue;
        }
        let start = range.start.max(at);
        out.push_str(&item[at..start]);
        if !out.ends_with(REDACTED) {
            out.push_str(REDACTED);
        }
        at = range.end;
    }
    out.push_str(&item[at..]);
    Some(out)
}

/// The values of `password=...` and the like: in a query string (`?a=b&
/// password=...`) a value ends at `&`, `;` or `#`; in a DSN (`a=b c=d`,
/// values may be quoted) only at whitespace, so a password may hold them.
fn key_value_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find('=') {
        let eq = from + offset;
        let separator = text[..eq].rfind(['?', '&', ';', ' ', '\t']);
        let key = text[separator.map_or(0, |i| i + 1)..eq].trim();
        let value_start = eq + 1;
        from = value_start;
        if !is_secret_key(key) {
            continue;
        }
        let in_query = separator.is_some_and(|i| matches!(text.as_bytes()[i], b'?' | b'&' | b';'));
        let after = &text[value_start..];
        let len = match after.chars().next() {
            Some(quote @ ('\'' | '"')) => after[1..].find(quote).map_or(after.len(), |i| i + 2),
            _ if in_query => after
                .find(['&', ';', '#', ' ', '\t'])
                .unwrap_or(after.len()),
            _ => after.find([' ', '\t']).unwrap_or(after.len()),
        };
        if len > 0 {
            ranges.push(value_start..value_start + len);
        }
        from = value_start + len;
    }
    ranges
}

/// `scheme://user:pass@host...` or `user:pass@host...`: the password ends
/// at the last `@` of the item, so it may itself hold `/`, `#`, `?`, `@`.
/// The user part cannot hold `/`, `?` or `#`, which tells a path such as
/// `https://host/a:b@c` apart from userinfo.
fn userinfo_range(item: &str) -> Option<std::ops::Range<usize>> {
    let at = item.rfind('@')?;
    let start = item.find("://").map_or(0, |i| i + 3);
    if at < start {
        return None;
    }
    let colon = start + item[start..at].find(':')?;
    let user = &item[start..colon];
    if user.contains(['/', '?', '#', ' ']) {
        return None;
    }
    // Without a scheme, only a word-like user counts (`user:pass@host`).
    if start == 0
        && !user
            .chars()
            .all(|c| c.is_alphanumeric() || "._-%".contains(c))
    {
        return None;
    }
    (colon + 1 < at).then_some(colon + 1..at)
}

/// Masks every string inside a TOML value (tables and arrays too).
pub(crate) fn mask_toml(value: &toml::Value) -> toml::Value {
    match value {
        toml::Value::String(s) => toml::Value::String(mask_secrets(s).into_owned()),
        toml::Value::Array(items) => toml::Value::Array(items.iter().map(mask_toml).collect()),
        toml::Value::Table(table) => toml::Value::Table(
            table
                .iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) && !v.is_table() && !v.is_array() {
                        toml::Value::String(REDACTED.to_owned())
                    } else {
                        mask_toml(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_form_of_password() {
        let r = REDACTED;
        let cases = [
            (
                "postgresql://app:hunter2@db:5432/app",
                format!("postgresql://app:{r}@db:5432/app"),
            ),
            (
                "redis://:p@ss@cache:6379/0",
                format!("redis://:{r}@cache:6379/0"),
            ),
            (
                "postgres://u:p/a#b?c@host/db",
                format!("postgres://u:{r}@host/db"),
            ),
            (
                "postgres://u:p@ss@word@host/db",
                format!("postgres://u:{r}@host/db"),
            ),
            (
                "app:hunter2@db.internal:5432/app",
                format!("app:{r}@db.internal:5432/app"),
            ),
            (
                "postgres://db/app?user=u&password=hunter2&sslmode=require",
                format!("postgres://db/app?user=u&password={r}&sslmode=require"),
            ),
            (
                "rediss://cache:6380/0?password=hunter2",
                format!("rediss://cache:6380/0?password={r}"),
            ),
            (
                "host=h user=u password=hunter2 dbname=d",
                format!("host=h user=u password={r} dbname=d"),
            ),
            (
                "host=h password='two words' dbname=d",
                format!("host=h password={r} dbname=d"),
            ),
            (
                "https://a.example,redis://:hunter2@c:6379",
                format!("https://a.example,redis://:{r}@c:6379"),
            ),
            (
                "https://x?token=abc&q=1",
                format!("https://x?token={r}&q=1"),
            ),
            // Lists: the items around a masked one are kept as they were.
            (
                "redis://:hunter2@a:1,https://ok.example,,redis://:p@ss@b:2,tail",
                format!("redis://:{r}@a:1,https://ok.example,,redis://:{r}@b:2,tail"),
            ),
            (
                "head,postgres://u:hunter2@h/d",
                format!("head,postgres://u:{r}@h/d"),
            ),
        ];
        for (input, expected) in cases {
            let masked = mask_secrets(input);
            assert_eq!(masked, expected, "{input}");
            for secret in ["hunter2", "p@ss", "p/a#b?c", "ss@word", "two words"] {
                if input.contains(secret) {
                    assert!(!masked.contains(secret), "{input} -> {masked}");
                }
            }
        }
    }

    #[test]
    fn leaves_values_without_passwords_alone() {
        for value in [
            "postgresql://app@db/app",
            "https://example.com/a:b@c",
            "0.0.0.0",
            "a=b",
            "https://host/path?page=2",
            "user@example.com",
            "",
        ] {
            assert_eq!(mask_secrets(value), value);
        }
    }

    #[test]
    fn masks_inside_toml_tables_and_arrays() {
        let value: toml::Table = toml::from_str(
            "urls = ['redis://:hunter2@c:6379']\n[db]\nurl = 'postgres://u:hunter2@h/d'\npassword = 'hunter2'\n",
        )
        .unwrap();
        let masked = mask_toml(&toml::Value::Table(value));
        let text = format!("{masked:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(text.matches(REDACTED).count(), 3, "{text}");
    }
}
