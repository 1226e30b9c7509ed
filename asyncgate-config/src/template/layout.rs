//! Where the templates put a repeated section's lines: a list's element
//! as `[[upstreams]]` (a `- ` item in YAML), a map's entry under the key
//! `example`, and the `.env` example's variables with `0` or `EXAMPLE`
//! for the element.

use super::OFF_NOTE;
use crate::schema::{FieldSchema, Repeat, Schema};

/// The note under the header of a list section.
pub(super) const LIST_NOTE: &str =
    "# (a list: remove `##` from its lines to add an element; repeat them for each one)";

/// The note under the example entry of a map section.
pub(super) const MAP_NOTE: &str =
    "# (a map: remove `##` from its lines to add an entry, and name it instead of `example`)";

/// Where a YAML line at `depth` (its number of enclosing keys) starts and
/// its comment mark: `##` when `off`; in a list's element (deeper than
/// `list_depth`) the mark comes before the element's indentation and the
/// first key of an element takes the `- `.
pub(super) fn yaml_place(
    depth: usize,
    list_depth: Option<usize>,
    off: bool,
    dash_pending: &mut bool,
) -> (String, String) {
    let mark = if off { "##" } else { "#" };
    match list_depth {
        Some(list) if depth >= list => {
            let lead = if std::mem::take(dash_pending) {
                "- "
            } else {
                "  "
            };
            (
                "  ".repeat(list),
                format!("{mark}{}{lead}", "  ".repeat(depth - list)),
            )
        }
        _ => ("  ".repeat(depth), mark.to_owned()),
    }
}

/// A variable as the `.env` example writes it: an element's with `0` for
/// a list's `<N>` and `EXAMPLE` for a map's `<KEY>`.
pub(super) fn example_var(env: &str) -> String {
    env.replace("<N>", "0").replace("<KEY>", "EXAMPLE")
}

impl Schema {
    /// How the TOML template writes the header of `table`, with the note
    /// under it: a list's element as `[[upstreams]]`, a map's entry under
    /// the key `example` (`[tenants.example]`), an optional section or
    /// variant as `[tls]`.
    pub(super) fn toml_header(&self, table: &str) -> (String, &'static str) {
        for r in self.repeated_sections() {
            if table == r.path {
                return match r.repeat {
                    Repeat::List => (format!("[[{table}]]"), LIST_NOTE),
                    _ => (format!("[{table}.example]"), MAP_NOTE),
                };
            }
            if r.repeat == Repeat::Map
                && let Some(rest) = table.strip_prefix(r.path).and_then(|t| t.strip_prefix('.'))
            {
                return (format!("[{}.example.{rest}]", r.path), OFF_NOTE);
            }
        }
        (format!("[{table}]"), OFF_NOTE)
    }

    /// The YAML keys that lead to `table`: a map's entries under the key
    /// `example`; with the number of keys that lead to a list's element,
    /// when `table` is in one.
    pub(super) fn yaml_segments(&self, table: &'static str) -> (Vec<&'static str>, Option<usize>) {
        let mut segments: Vec<&'static str> = table.split('.').filter(|s| !s.is_empty()).collect();
        let mut list_depth = None;
        for r in self.repeated_sections() {
            let inside = table == r.path || table.starts_with(&format!("{}.", r.path));
            if !inside {
                continue;
            }
            let depth = r.path.split('.').count();
            match r.repeat {
                Repeat::List => list_depth = Some(depth),
                _ => segments.insert(depth, "example"),
            }
            break;
        }
        (segments, list_depth)
    }

    /// The schema's path of YAML keys (without a map's `example`).
    pub(super) fn schema_path(&self, segments: &[&str]) -> String {
        let mut path = String::new();
        for segment in segments {
            if *segment == "example" && self.is_map_path(&path) {
                continue;
            }
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(segment);
        }
        path
    }

    /// Whether the YAML keys `segments` end at a map's `example` entry.
    pub(super) fn is_map_entry(&self, segments: &[&str]) -> bool {
        match segments.split_last() {
            Some((last, parent)) => *last == "example" && self.is_map_path(&parent.join(".")),
            None => false,
        }
    }

    pub(super) fn is_map_path(&self, path: &str) -> bool {
        self.repeated_sections()
            .iter()
            .any(|r| r.path == path && r.repeat == Repeat::Map)
    }

    /// A setting's path as an element's would be written, its place
    /// marked: `upstreams[<N>].url`, `tenants.<KEY>.quota`; the name
    /// itself for a setting of no repeated section.
    pub(crate) fn pattern_name(&self, field: &FieldSchema) -> String {
        let name = field.name();
        for r in self.repeated_sections() {
            if let Some(rest) = name.strip_prefix(r.path)
                && rest.starts_with('.')
            {
                let mark = match r.repeat {
                    Repeat::List => "[<N>]",
                    _ => ".<KEY>",
                };
                return format!("{}{mark}{rest}", r.path);
            }
        }
        name.to_owned()
    }
}
