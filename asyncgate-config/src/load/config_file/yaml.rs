//! A YAML config file (feature `yaml`), read into the table a TOML file
//! gives, with YAML 1.2's core schema and its traps handled, not
//! inherited: `no`, `off` and `on` are strings (only `true`/`false` are
//! booleans), `1:30` is a string, a number with a leading zero (`0755`,
//! octal in YAML 1.1, decimal in 1.2) is refused rather than read either
//! way, a key given twice and a second document are errors, aliases count
//! towards a bound on the nodes a file may expand to (a "billion laughs"
//! file is refused at once), and nesting is bounded. `null` (`~`, empty)
//! leaves a key unset.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

/// The most nodes a file may hold, aliases expanded.
const MAX_NODES: usize = 100_000;
/// The deepest nesting of mappings and lists.
const MAX_DEPTH: usize = 64;

/// The file's table; the error says where and why.
pub(super) fn table(text: &str) -> Result<toml::Table, String> {
    let mut builder = Builder::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            format!(
                " at line {}, column {}: {}",
                e.marker().line(),
                e.marker().col() + 1,
                e.info()
            )
        })?;
        builder.event(event).map_err(|why| {
            format!(
                " at line {}, column {}: {why}",
                span.start.line(),
                span.start.col() + 1
            )
        })?;
    }
    match builder.root {
        None | Some(None) => Ok(toml::Table::new()),
        Some(Some(toml::Value::Table(table))) => Ok(table),
        Some(Some(other)) => Err(format!(
            ": the top level is {}, not a mapping of settings",
            match other {
                toml::Value::Array(_) => "a list",
                _ => "a single value",
            }
        )),
    }
}

/// A mapping or list being built.
enum Frame {
    Mapping {
        table: toml::Table,
        /// Keys given a null value (which leaves no entry in `table`).
        nulls: Vec<String>,
        /// The key whose value comes next.
        key: Option<String>,
        anchor: usize,
        nodes: usize,
    },
    Sequence {
        items: Vec<toml::Value>,
        anchor: usize,
        nodes: usize,
    },
}

/// Builds the document's value from the parser's events.
#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    /// The document's value, once complete (`Some(None)`: null).
    root: Option<Option<toml::Value>>,
    documents: usize,
    /// Each anchor's value and how many nodes it holds.
    anchors: HashMap<usize, (Option<toml::Value>, usize)>,
    /// Nodes so far, aliases expanded.
    nodes: usize,
}

impl Builder {
    fn event(&mut self, event: Event<'_>) -> Result<(), String> {
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(
                        "a second document (`---`): a config file holds one; merge them, or use one file per document"
                            .to_owned(),
                    );
                }
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(&text, style, tag.as_deref())?;
                self.count(1)?;
                if anchor != 0 {
                    self.anchors.insert(anchor, (value.clone(), 1));
                }
                self.push(value, 1)
            }
            Event::Alias(anchor) => {
                let (value, nodes) = self
                    .anchors
                    .get(&anchor)
                    .cloned()
                    .ok_or_else(|| "an alias to an unknown anchor".to_owned())?;
                self.count(nodes)?;
                self.push(value, nodes)
            }
            Event::MappingStart(anchor, _) => self.open(Frame::Mapping {
                table: toml::Table::new(),
                nulls: Vec::new(),
                key: None,
                anchor,
                nodes: 1,
            }),
            Event::SequenceStart(anchor, _) => self.open(Frame::Sequence {
                items: Vec::new(),
                anchor,
                nodes: 1,
            }),
            Event::MappingEnd | Event::SequenceEnd => {
                let (value, anchor, nodes) = match self.stack.pop() {
                    Some(Frame::Mapping {
                        table,
                        anchor,
                        nodes,
                        ..
                    }) => (toml::Value::Table(table), anchor, nodes),
                    Some(Frame::Sequence {
                        items,
                        anchor,
                        nodes,
                    }) => (toml::Value::Array(items), anchor, nodes),
                    None => return Ok(()),
                };
                if anchor != 0 {
                    self.anchors.insert(anchor, (Some(value.clone()), nodes));
                }
                self.push(Some(value), nodes)
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => Ok(()),
        }
    }

    /// Counts `nodes` more towards [`MAX_NODES`].
    fn count(&mut self, nodes: usize) -> Result<(), String> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err(format!(
                "the file expands to more than {MAX_NODES} nodes (aliases of aliases?): a config file this large is refused"
            ));
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame) -> Result<(), String> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        self.count(1)?;
        self.stack.push(frame);
        Ok(())
    }

    /// Places a finished value (`None`: null) where it belongs: a
    /// mapping's key or value, a list's item, or the document.
    fn push(&mut self, value: Option<toml::Value>, nodes: usize) -> Result<(), String> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(value);
                Ok(())
            }
            Some(Frame::Sequence {
                items,
                nodes: total,
                ..
            }) => {
                *total += nodes;
                match value {
                    Some(value) => {
                        items.push(value);
                        Ok(())
                    }
                    None => Err("a list cannot hold null".to_owned()),
                }
            }
            Some(Frame::Mapping {
                table,
                nulls,
                key,
                nodes: total,
                ..
            }) => {
                *total += nodes;
                match key.take() {
                    None => {
                        let name = match value {
                            Some(toml::Value::String(name)) => name,
                            Some(toml::Value::Integer(n)) => n.to_string(),
                            Some(toml::Value::Boolean(b)) => b.to_string(),
                            None => return Err("a key cannot be null".to_owned()),
                            Some(_) => {
                                return Err(
                                    "a key must be a plain name, not a mapping or list".to_owned()
                                );
                            }
                        };
                        if table.contains_key(&name) || nulls.contains(&name) {
                            return Err(format!(
                                "the key `{}` is given twice in one mapping",
                                crate::text::printable_name(&name)
                            ));
                        }
                        *key = Some(name);
                        Ok(())
                    }
                    Some(name) => {
                        // Null leaves the key unset.
                        match value {
                            Some(value) => {
                                table.insert(name, value);
                            }
                            None => nulls.push(name),
                        }
                        Ok(())
                    }
                }
            }
        }
    }
}

/// A scalar under YAML 1.2's core schema: quoted (or block) scalars and
/// `!!str` are strings; plain ones are null, booleans, integers, floats or
/// strings by their text.
fn scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<Option<toml::Value>, String> {
    if let Some(tag) = tag {
        let core = tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!";
        return match (core, tag.suffix.as_str()) {
            (true, "str") => Ok(Some(toml::Value::String(text.to_owned()))),
            (true, "null" | "bool" | "int" | "float") => plain(text),
            _ => Err(format!(
                "the tag `{}{}` is not one a config file can hold",
                tag.handle, tag.suffix
            )),
        };
    }
    match style {
        ScalarStyle::Plain => plain(text),
        _ => Ok(Some(toml::Value::String(text.to_owned()))),
    }
}

fn plain(text: &str) -> Result<Option<toml::Value>, String> {
    Ok(Some(match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(None),
        "true" | "True" | "TRUE" => toml::Value::Boolean(true),
        "false" | "False" | "FALSE" => toml::Value::Boolean(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => toml::Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => toml::Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => toml::Value::Float(f64::NAN),
        _ => {
            let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
            if let Some(octal) = text.strip_prefix("0o") {
                integer(i64::from_str_radix(octal, 8))?
            } else if let Some(hex) = text.strip_prefix("0x") {
                integer(i64::from_str_radix(hex, 16))?
            } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                if digits.len() > 1 && digits.starts_with('0') {
                    // The value is not repeated: it may be a secret.
                    return Err(
                        "a number with a leading zero: YAML 1.1 reads it as octal, YAML 1.2 as decimal; write it with `0o` for octal, without the zeros for decimal, or quote it for a string"
                            .to_owned(),
                    );
                }
                integer(text.parse::<i64>())?
            } else if is_float(digits) {
                text.parse::<f64>()
                    .map(toml::Value::Float)
                    .map_err(|_| "a number that does not parse".to_owned())?
            } else {
                toml::Value::String(text.to_owned())
            }
        }
    }))
}

/// An integer; the error does not repeat the value (it may be a secret).
fn integer(parsed: Result<i64, std::num::ParseIntError>) -> Result<toml::Value, String> {
    parsed
        .map(toml::Value::Integer)
        .map_err(|_| format!("an integer outside {} to {}", i64::MIN, i64::MAX))
}

/// YAML 1.2's float form: `1.5`, `.5`, `1.`, `1e3`, `1.5E-3` (sign removed).
fn is_float(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(whole)
        && digits(fraction)
        && (!whole.is_empty() || !fraction.is_empty())
        && (mantissa.contains('.') || exponent.is_some());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_are_tables_with_yaml_1_2_scalars() {
        let read = table(
            "port: 8080\nratio: 0.5\non: true\nmode: no\nswitch: off\ntime: 1:30\nquoted: '0755'\noctal: 0o17\nhex: 0x1F\nnothing: ~\ndb:\n  url: postgres://x\nlist: [a, b]\n",
        )
        .unwrap();
        assert_eq!(read["port"].as_integer(), Some(8080));
        assert_eq!(read["ratio"].as_float(), Some(0.5));
        assert_eq!(read["on"].as_bool(), Some(true));
        assert_eq!(read["mode"].as_str(), Some("no"));
        assert_eq!(read["switch"].as_str(), Some("off"));
        assert_eq!(read["time"].as_str(), Some("1:30"));
        assert_eq!(read["quoted"].as_str(), Some("0755"));
        assert_eq!(read["octal"].as_integer(), Some(15));
        assert_eq!(read["hex"].as_integer(), Some(31));
        assert!(!read.contains_key("nothing"));
        assert_eq!(read["db"]["url"].as_str(), Some("postgres://x"));
        assert_eq!(read["list"].as_array().map(Vec::len), Some(2));
        assert!(
            super::table("").unwrap().is_empty(),
            "an empty file sets nothing"
        );
        let anchored = table("base: &b\n  size: 3\ncopy: *b\n").unwrap();
        assert_eq!(anchored["copy"]["size"].as_integer(), Some(3));
    }

    #[test]
    fn yaml_traps_are_refused_with_their_place() {
        let octal = table("mode: 0755\n").unwrap_err();
        assert!(
            octal.contains("leading zero") && octal.contains("`0o`"),
            "{octal}"
        );
        assert!(!octal.contains("755"), "the value is not repeated: {octal}");
        assert!(octal.starts_with(" at line 1, column 7"), "{octal}");
        let twice = table("port: 1\nname: x\nport: 2\n").unwrap_err();
        let null_twice = table("port: ~\nport: 2\n").unwrap_err();
        assert!(null_twice.contains("given twice"), "{null_twice}");
        assert!(twice.contains("`port` is given twice"), "{twice}");
        assert!(twice.starts_with(" at line 3"), "{twice}");
        let documents = table("port: 1\n---\nport: 2\n").unwrap_err();
        assert!(documents.contains("a second document"), "{documents}");
        let top = table("- a\n- b\n").unwrap_err();
        assert!(top.contains("the top level is a list"), "{top}");
        let tagged = table("x: !custom 1\n").unwrap_err();
        assert!(tagged.contains("tag"), "{tagged}");
        let syntax = table("port: [1, 2\n").unwrap_err();
        assert!(syntax.starts_with(" at line"), "{syntax}");
    }

    #[test]
    fn a_billion_laughs_and_a_deep_list_are_refused_quickly() {
        let mut bomb = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
        {
            let refs = vec![format!("*{prev}"); 9].join(",");
            bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let started = std::time::Instant::now();
        let err = table(&bomb).unwrap_err();
        assert!(err.contains("more than 100000 nodes"), "{err}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // The parser's own limit, then ours.
        let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let err = table(&deep).unwrap_err();
        assert!(err.contains("recursion limit"), "{err}");
        let deep = format!("a: {}{}\n", "[".repeat(100), "]".repeat(100));
        let err = table(&deep).unwrap_err();
        assert!(err.contains("nesting deeper than 64"), "{err}");
    }
}
