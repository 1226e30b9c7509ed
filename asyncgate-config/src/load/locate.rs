//! From a key's place in a settings file to the [`Location`] a finding
//! shows: `file:line:column` and the part of the line that says what is
//! wrong, with nothing secret in it.
//!
//! A line can hold more than the offending value: other values (a JSON or
//! YAML flow mapping on one line), comments. Only the key and the value
//! are shown; anything before the key on its line is `…`, anything after
//! the value is `…`, and a secret's value, or the value of a key no
//! setting reads (it may be a misspelled secret), is `***`.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::layers::Layers;
use crate::provenance::Source;
use crate::report::{Excerpt, Finding, Location};
use crate::schema::Schema;

/// Where a key and its value are in a file's text (byte ranges).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Spot {
    pub(crate) key: Range<usize>,
    pub(crate) value: Range<usize>,
}

/// What the caret points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Point {
    /// The value: shown unless `secret`.
    Value { secret: bool },
    /// The key (no setting reads it); its value is never shown.
    Key,
}

/// The location of `spot` in `text`, the contents of `path`. Spans out of
/// order, out of the text or inside a character (none should be) show
/// less, never panic.
pub(crate) fn location(path: &Arc<Path>, text: &str, spot: &Spot, point: Point) -> Location {
    let part = |a: usize, b: usize| text.get(a..b).unwrap_or("");
    let mut at = match point {
        Point::Value { .. } => spot.value.start,
        Point::Key => spot.key.start,
    }
    .min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find(['\n', '\r']).map_or(text.len(), |i| at + i);
    let line = text[..at].matches('\n').count() + 1;
    let column = text[line_start..at].chars().count() + 1;
    // The key is shown when it is on the line, before the value.
    let key_on_line =
        spot.key.start >= line_start && spot.key.start <= at && spot.key.end <= line_end;
    let mut shown = String::new();
    let start = if key_on_line { spot.key.start } else { at };
    let indent = part(line_start, start);
    let plain = indent.trim() == "export"
        || indent
            .chars()
            .all(|c| c.is_whitespace() || matches!(c, '{' | '[' | '-' | '"' | '\''));
    if !plain {
        shown.push_str("… ");
    } else {
        shown.push_str(indent.trim_start());
    }
    // The key (and what separates it from the value), as written.
    let (caret, width, end) = match point {
        Point::Key => {
            let key_end = spot.key.end.clamp(at, line_end);
            let caret = shown.chars().count();
            shown.push_str(&capped(part(at, key_end)));
            let width = shown.chars().count() - caret;
            // `]` closes a table header; anything else may be a value.
            let rest = part(key_end, line_end).trim();
            if rest.chars().all(|c| matches!(c, ']' | '"' | '\'')) {
                shown.push_str(rest);
            } else {
                let separator = part(key_end, line_end);
                let cut = separator
                    .find(|c: char| !(c.is_whitespace() || matches!(c, ':' | '=')))
                    .unwrap_or(separator.len());
                shown.push_str(&separator[..cut]);
                shown.push_str("***");
            }
            (caret, width, line_end)
        }
        Point::Value { secret } => {
            shown.push_str(&capped(part(start, at)));
            let caret = shown.chars().count();
            let value_end = spot.value.end.clamp(at, line_end);
            if secret {
                shown.push_str("***");
            } else {
                shown.push_str(&crate::text::excerpt_value(part(at, value_end)));
            }
            let width = (shown.chars().count() - caret).max(1);
            (caret, width, value_end)
        }
    };
    let rest = part(end, line_end).trim();
    let more_lines = spot.value.end > line_end && matches!(point, Point::Value { .. });
    if !rest.chars().all(|c| matches!(c, ',' | '}' | ']')) || more_lines {
        shown.push_str(" …");
    }
    let text: String = shown
        .chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '?',
            c => c,
        })
        .collect();
    Location {
        path: path.clone(),
        line,
        column,
        excerpt: Some(Excerpt { text, caret, width }),
    }
}

/// A key as shown: at most 120 characters, then `…`.
fn capped(key: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 120;
    match key.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &key[..cut]).into(),
        None => key.into(),
    }
}

impl Layers {
    /// Points every finding about a value from a config file or `.env`
    /// at the value's place in its file (each file searched once).
    pub(crate) fn locate(&self, schema: &Schema, findings: &mut [Finding]) {
        let point_of = |finding: &Finding| Point::Value {
            secret: finding
                .setting()
                .and_then(|name| schema.field(name))
                .is_none_or(|field| field.is_secret()),
        };
        for file in &self.files {
            let (indexes, keys): (Vec<usize>, Vec<String>) = findings
                .iter()
                .enumerate()
                .filter(|(_, f)| f.location().is_none())
                .filter_map(|(i, f)| match f.source() {
                    Some(Source::File { path, key }) if Arc::ptr_eq(path, &file.path) => {
                        Some((i, key.to_string()))
                    }
                    _ => None,
                })
                .unzip();
            if keys.is_empty() {
                continue;
            }
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            for (i, spot) in indexes.into_iter().zip(file.spots(&keys)) {
                let at = spot
                    .map(|spot| location(&file.path, &file.text, &spot, point_of(&findings[i])));
                findings[i].set_location(at);
            }
        }
        let Some(dotenv) = &self.dotenv else {
            return;
        };
        for finding in findings.iter_mut().filter(|f| f.location().is_none()) {
            let at = match finding.source() {
                Some(Source::DotEnv { path, var }) if Arc::ptr_eq(path, &dotenv.path) => dotenv
                    .spot(var)
                    .map(|spot| location(path, &dotenv.text, &spot, point_of(finding))),
                _ => None,
            };
            finding.set_location(at);
        }
    }
}

/// A location without a line shown: a syntax error at `line`, `column`.
pub(crate) fn bare(path: &Arc<Path>, line: usize, column: usize) -> Location {
    Location {
        path: path.clone(),
        line,
        column,
        excerpt: None,
    }
}

/// The key and value text a format's `spot` finds at `path`: for the
/// formats' tests.
#[cfg(test)]
pub(crate) fn found(
    spot: fn(&str, &str) -> Option<Spot>,
    text: &str,
    path: &str,
) -> Option<(String, String)> {
    let spot = spot(text, path)?;
    Some((text[spot.key].to_owned(), text[spot.value].to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spot_of(text: &str, key: &str, value: &str) -> Spot {
        let k = text.find(key).unwrap();
        let v = k + text[k..].find(value).unwrap();
        Spot {
            key: k..k + key.len(),
            value: v..v + value.len(),
        }
    }

    fn shown(text: &str, key: &str, value: &str, point: Point) -> (String, usize, usize) {
        let path: Arc<Path> = Path::new("app.toml").into();
        let at = location(&path, text, &spot_of(text, key, value), point);
        (at.excerpt().unwrap(), at.line, at.column)
    }

    #[test]
    fn a_value_on_its_own_line_is_shown_with_the_caret_under_it() {
        let (excerpt, line, column) = shown(
            "name = \"a\"\nport = \"80a\"\n",
            "port",
            "\"80a\"",
            Point::Value { secret: false },
        );
        assert_eq!(excerpt, "port = \"80a\"\n       ^^^^^");
        assert_eq!((line, column), (2, 8));
    }

    #[test]
    fn a_secret_and_everything_else_on_its_line_is_never_shown() {
        let text = r#"{"api_key": "s3cr3t-value", "port": "80a", "token": "t0k3n"} # hunter2"#;
        let (excerpt, _, column) =
            shown(text, "\"port\"", "\"80a\"", Point::Value { secret: false });
        assert_eq!(excerpt, "… \"port\": \"80a\" …\n          ^^^^^");
        assert_eq!(column, 37);
        let (excerpt, ..) = shown(
            text,
            "\"api_key\"",
            "\"s3cr3t-value\"",
            Point::Value { secret: true },
        );
        assert_eq!(excerpt, "{\"api_key\": *** …\n            ^^^");
        for secret in ["s3cr3t", "t0k3n", "hunter2"] {
            assert!(!excerpt.contains(secret), "{excerpt}");
        }
    }

    #[test]
    fn an_unknown_key_is_shown_without_its_value() {
        let (excerpt, line, column) = shown(
            "api_kye = \"s3cr3t\"\n",
            "api_kye",
            "\"s3cr3t\"",
            Point::Key,
        );
        assert_eq!(excerpt, "api_kye = ***\n^^^^^^^");
        assert_eq!((line, column), (1, 1));
        let (excerpt, ..) = shown("[databse]\nurl = 1\n", "databse", "url = 1", Point::Key);
        assert_eq!(excerpt, "[databse]\n ^^^^^^^");
    }

    #[test]
    fn control_characters_and_tabs_keep_the_caret_aligned() {
        let (excerpt, ..) = shown(
            "\tport =\t\"8\u{1b}0\"\n",
            "port",
            "\"8\u{1b}0\"",
            Point::Value { secret: false },
        );
        assert_eq!(excerpt, "port = \"8?0\"\n       ^^^^^");
    }

    #[test]
    fn a_value_that_may_be_a_secret_in_the_wrong_setting_is_cut_as_messages_cut_it() {
        let text = "port = \"Canary-S3cret-0042\"\nurl = \"postgres://app:hunter2@db/app\"\n";
        let (excerpt, ..) = shown(
            text,
            "port",
            "\"Canary-S3cret-0042\"",
            Point::Value { secret: false },
        );
        assert_eq!(excerpt, "port = \"Cana…\"\n       ^^^^^^^");
        let (excerpt, ..) = shown(
            text,
            "url",
            "\"postgres://app:hunter2@db/app\"",
            Point::Value { secret: false },
        );
        assert!(!excerpt.contains("hunter2"), "{excerpt}");
    }

    #[test]
    fn a_long_key_is_cut() {
        let key = "k".repeat(1 << 20);
        let text = format!("{key} = 1\n");
        let (excerpt, ..) = shown(&text, &key, "1", Point::Key);
        assert!(excerpt.len() < 400, "{} bytes", excerpt.len());
        assert!(excerpt.starts_with(&format!("{}…", "k".repeat(120))));
        let (excerpt, ..) = shown(&text, &key, "1", Point::Value { secret: false });
        assert!(excerpt.len() < 400, "{} bytes", excerpt.len());
    }
}
