//! A JSON config file, read into the table a TOML file gives: objects are
//! tables, `null` is a key left unset. A key given twice is an error (JSON
//! parsers usually keep the last silently), as is a byte-order mark, and
//! nesting deeper than serde_json's limit (128).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// The file's table; the error says where and why.
pub(super) fn table(text: &str) -> Result<toml::Table, String> {
    if text.starts_with('\u{feff}') {
        return Err(
            " at line 1, column 1: the file starts with a byte-order mark (U+FEFF); save it as UTF-8 without one"
                .to_owned(),
        );
    }
    match serde_json::from_str::<Node>(text) {
        Ok(Node(Some(toml::Value::Table(table)))) => Ok(table),
        Ok(Node(None)) => Ok(toml::Table::new()),
        Ok(Node(Some(other))) => Err(format!(
            ": the top level is {}, not an object of settings",
            kind(&other)
        )),
        Err(e) => Err(format!(
            " at line {}, column {}: {}",
            e.line(),
            // serde_json counts 0 before a line's first character.
            e.column().max(1),
            message(&e)
        )),
    }
}

/// serde_json's message without its own ` at line L column C` suffix.
fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

fn kind(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) | toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Array(_) => "an array",
        _ => "a table",
    }
}

/// One JSON value as a TOML value; `None` for `null`.
struct Node(Option<toml::Value>);

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node(None))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node(Some(toml::Value::Boolean(v))))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node(Some(toml::Value::Integer(v))))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        i64::try_from(v)
            .map(|v| Node(Some(toml::Value::Integer(v))))
            // The value is not repeated: it may be a secret.
            .map_err(|_| E::custom(format!("a number larger than {}", i64::MAX)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node(Some(toml::Value::Float(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node(Some(toml::Value::String(v.to_owned()))))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node(Some(toml::Value::String(v))))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(Node(item)) = seq.next_element()? {
            match item {
                Some(item) => items.push(item),
                None => return Err(de::Error::custom("a list cannot hold null")),
            }
        }
        Ok(Node(Some(toml::Value::Array(items))))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut table = toml::Table::new();
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!(
                    "the key `{}` is given twice",
                    crate::text::printable_name(&key)
                )));
            }
            let Node(value) = map.next_value()?;
            if let Some(value) = value {
                table.insert(key, value);
            }
        }
        Ok(Node(Some(toml::Value::Table(table))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_tables_and_null_leaves_a_key_unset() {
        let read = table(r#"{"port": 8080, "ratio": 0.5, "on": true, "db": {"url": "x"}, "gone": null, "list": ["a"]}"#).unwrap();
        assert_eq!(read["port"].as_integer(), Some(8080));
        assert_eq!(read["ratio"].as_float(), Some(0.5));
        assert_eq!(read["on"].as_bool(), Some(true));
        assert_eq!(read["db"]["url"].as_str(), Some("x"));
        assert!(!read.contains_key("gone"));
        assert_eq!(read["list"].as_array().map(Vec::len), Some(1));
        assert!(super::table("").is_err(), "an empty file is not JSON");
    }

    #[test]
    fn what_json_parsers_let_pass_is_refused_with_its_place() {
        let twice = table("{\n  \"port\": 1,\n  \"port\": 2\n}").unwrap_err();
        assert!(twice.contains("`port` is given twice"), "{twice}");
        assert!(twice.starts_with(" at line 3"), "{twice}");
        let bom = table("\u{feff}{}").unwrap_err();
        assert!(bom.contains("byte-order mark"), "{bom}");
        let top = table("[1, 2]").unwrap_err();
        assert!(top.contains("the top level is an array"), "{top}");
        let deep = table(&format!(
            "{{\"a\": {}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ))
        .unwrap_err();
        assert!(deep.contains("recursion limit"), "{deep}");
        let null_item = table(r#"{"list": ["a", null]}"#).unwrap_err();
        assert!(null_item.contains("cannot hold null"), "{null_item}");
        let huge = table(r#"{"n": 18446744073709551615}"#).unwrap_err();
        assert!(huge.contains("larger than"), "{huge}");
    }
}
