//! Hiding the secrets that ordinary settings carry: passwords in
//! connection strings. Applied wherever a value is shown: `check`, JSON,
//! provenance, logs, templates and error messages.
//!
//! Secrets are found by the structure of the whole value, before anything
//! splits it into list items, so a password may hold any printable
//! character (`,;'"@:/?#&=%` and spaces included):
//!
//! - URL userinfo, `scheme://user:password@host` (also without a scheme,
//!   `user:password@host`): the password runs to the last `@` before the
//!   next item of a list that starts with a scheme (`,https://...`), so it
//!   may hold `@`, `/`, `#`, `?` and `,`; multi-host URLs keep their hosts;
//! - `key=value` pairs of DSNs (`password=x`, `password = x`, quoted
//!   `password='a,b'` with backslash escapes) and of query strings
//!   (`?token=x&...`), when the key's name looks secret: it contains
//!   `pass`, `pwd`, `secret`, `token`, `key`, `sig`, `credential`, `auth`
//!   or `session` (case-insensitively), not a closed list of names.
//!
//! Where the readings disagree on a hostile value, the union of what they
//! find is masked: over-masking is the safe side.

use std::borrow::Cow;
use std::ops::Range;

/// How secrets are shown wherever a value is displayed.
pub(crate) const REDACTED: &str = "[redacted]";

/// Parts of a parameter name that make its value a secret, compared
/// case-insensitively (`refresh_token`, `X-Amz-Signature`, `sslpassword`).
const SECRET_NAME_PARTS: [&str; 9] = [
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "sig",
    "credential",
    "auth",
    "session",
];

/// Well-known parameters whose names contain such a part but whose values
/// are not secret (libpq's `target_session_attrs=read-write`).
const PUBLIC_NAMES: [&str; 2] = ["target_session_attrs", "sslkeylogfile"];

/// Whether a parameter or TOML key names a secret.
fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_NAME_PARTS.iter().any(|part| lower.contains(part))
        && !PUBLIC_NAMES.contains(&lower.as_str())
}

/// `value` with every password it carries replaced by `[redacted]`.
pub(crate) fn mask_secrets(value: &str) -> Cow<'_, str> {
    // Cheap test first: most values have none of the markers.
    if !value.contains(['@', '=']) {
        return Cow::Borrowed(value);
    }
    let mut ranges = key_value_ranges(value);
    userinfo_ranges(value, &mut ranges);
    if ranges.is_empty() {
        return Cow::Borrowed(value);
    }
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(value.len());
    let mut at = 0;
    for range in ranges {
        if range.end <= at {
            continue;
        }
        let start = range.start.max(at);
        out.push_str(&value[at..start]);
        if !out.ends_with(REDACTED) {
            out.push_str(REDACTED);
        }
        at = range.end;
    }
    out.push_str(&value[at..]);
    Cow::Owned(out)
}

/// The byte at `i`, if any.
fn byte(text: &str, i: usize) -> Option<u8> {
    text.as_bytes().get(i).copied()
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The values of secret-named `key=value` pairs. In a query string (the
/// key follows `?`, `&` or `;`) a value ends at `&`, `#` or whitespace; in
/// a DSN (the key starts the text or follows whitespace or `,`), at
/// whitespace, and spaces may stand around `=`. A quoted value ends at its
/// closing quote (a backslash escapes the next character). A `,` ends no
/// value: a password may hold one.
fn key_value_ranges(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(offset) = text[from..].find('=') {
        let eq = from + offset;
        from = eq + 1;
        let mut key_end = eq;
        while key_end > 0 && matches!(byte(text, key_end - 1), Some(b' ' | b'\t')) {
            key_end -= 1;
        }
        let mut key_start = key_end;
        while key_start > 0 && byte(text, key_start - 1).is_some_and(is_key_byte) {
            key_start -= 1;
        }
        if key_start == key_end || !is_secret_name(&text[key_start..key_end]) {
            continue;
        }
        let before = key_start.checked_sub(1).and_then(|i| byte(text, i));
        let in_query = matches!(before, Some(b'?' | b'&' | b';'));
        if !in_query && !matches!(before, None | Some(b' ' | b'\t' | b',' | b'\n')) {
            continue;
        }
        let mut start = eq + 1;
        if !in_query {
            while matches!(byte(text, start), Some(b' ' | b'\t')) {
                start += 1;
            }
        }
        let end = value_end(text, start, in_query);
        if end > start {
            ranges.push(start..end);
        }
        from = end.max(eq + 1);
    }
    ranges
}

/// Where the value that starts at `start` ends.
fn value_end(text: &str, start: usize, in_query: bool) -> usize {
    let bytes = text.as_bytes();
    match byte(text, start) {
        Some(quote @ (b'\'' | b'"')) => {
            let mut i = start + 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    b if b == quote => return i + 1,
                    _ => i += 1,
                }
            }
            bytes.len()
        }
        _ => {
            let stop = |b: &u8| b.is_ascii_whitespace() || (in_query && matches!(b, b'&' | b'#'));
            bytes[start..]
                .iter()
                .position(stop)
                .map_or(bytes.len(), |i| start + i)
        }
    }
}

/// The starts of the items of a list that begin with a scheme
/// (`,https://...`): a password runs at most to the next one.
fn item_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    for (i, _) in text.match_indices("://") {
        let mut s = i;
        while s > 0
            && (bytes[s - 1].is_ascii_alphanumeric() || matches!(bytes[s - 1], b'+' | b'.' | b'-'))
        {
            s -= 1;
        }
        if s < i && bytes[s].is_ascii_alphabetic() && s > 0 && bytes[s - 1] == b',' {
            starts.push(s);
        }
    }
    starts
}

/// The passwords of URL userinfo: after each `scheme://`, and, without a
/// scheme, at the start of the value or of a list item (`user:pass@host`,
/// with a word-like user). A user part cannot hold `/`, `?`, `#`, `@`,
/// `,` or whitespace, which tells a path such as `https://host/a:b@c`
/// apart from userinfo.
fn userinfo_ranges(text: &str, ranges: &mut Vec<Range<usize>>) {
    let items = item_starts(text);
    let with_scheme = text.match_indices("://").map(|(i, _)| (i + 3, true));
    let without = std::iter::once(0)
        .chain(text.match_indices(',').map(|(i, _)| i + 1))
        .map(|i| (i, false));
    for (start, schemed) in with_scheme.chain(without) {
        let Some(colon) = text[start..].find(':').map(|i| start + i) else {
            continue;
        };
        let user = &text[start..colon];
        if user.contains(['/', '?', '#', '@', ',', ' ', '\t']) {
            continue;
        }
        if !schemed
            && (text[colon..].starts_with("://")
                || !user
                    .chars()
                    .all(|c| c.is_alphanumeric() || "._-%".contains(c)))
        {
            continue;
        }
        let limit = items
            .iter()
            .copied()
            .find(|&s| s > colon)
            .unwrap_or(text.len());
        if let Some(at) = text[colon + 1..limit].rfind('@')
            && at > 0
        {
            ranges.push(colon + 1..colon + 1 + at);
        }
    }
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
                    let v = if is_secret_name(k) && !v.is_table() && !v.is_array() {
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
