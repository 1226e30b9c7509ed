//! A value as read: parsed from a TOML value that is not a string, and
//! shown in `check` output (secrets never; passwords masked; control
//! characters escaped; a long string in a message cut).

use serde::de::DeserializeOwned;

use crate::load::layers::Raw;
use crate::mask::{REDACTED, mask_toml};
use crate::schema::FieldSchema;
use crate::text::{printable, quote_input};

/// A `T` from a TOML value that is not a string (out of line: most loads
/// read no config file).
#[inline(never)]
pub(super) fn from_toml<T: DeserializeOwned>(
    field: &FieldSchema,
    value: &toml::Value,
) -> Result<T, String> {
    if field.is_duration() && matches!(value, toml::Value::Integer(_) | toml::Value::Float(_)) {
        return Err(crate::duration::DurationError::NoUnit.to_string());
    }
    T::deserialize(value.clone()).map_err(|e| scrub(e.message(), value))
}

/// How a value is shown in `check` output: secrets never are; passwords
/// inside other values are masked; control characters are escaped.
pub(super) fn shown(field: &FieldSchema, raw: &Raw<'_>) -> String {
    if field.is_secret() {
        return REDACTED.to_owned();
    }
    match raw {
        Raw::Str(s) => printable(s),
        Raw::Toml(toml::Value::String(s)) => printable(s),
        // A number or boolean holds nothing to mask or escape.
        Raw::Toml(toml::Value::Integer(n)) => n.to_string(),
        Raw::Toml(toml::Value::Boolean(b)) => b.to_string(),
        Raw::Toml(value) => {
            printable(&serde_json::to_string(&mask_toml(value)).unwrap_or_default())
        }
    }
}

/// A TOML deserializer's message, with any long string of the value that
/// it quotes cut to an excerpt (it may be a secret in the wrong place).
fn scrub(message: &str, value: &toml::Value) -> String {
    let mut message = message.to_owned();
    let mut strings = Vec::new();
    collect_strings(value, &mut strings);
    for s in strings {
        if s.chars().count() > 6 && message.contains(s.as_str()) {
            message = message.replace(s.as_str(), quote_input(s).trim_matches('`'));
        }
    }
    message
}

fn collect_strings<'v>(value: &'v toml::Value, out: &mut Vec<&'v String>) {
    match value {
        toml::Value::String(s) => out.push(s),
        toml::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        toml::Value::Table(table) => table.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}
