//! Field resolution: turning the layers into typed values, one field at a
//! time, collecting every error instead of stopping at the first.
//!
//! Generated code drives a [`Resolver`] through `__private`; all the logic
//! lives here so that the derive's output stays small.

use serde::de::DeserializeOwned;

use super::layers::{Layers, Raw};
use super::value::{Missing, StrDeserializer};
use crate::environment::Environment;
use crate::instance_id::InstanceId;
use crate::provenance::{SettingRecord, Source};
use crate::report::Finding;
use crate::schema::{FieldSchema, Role, Schema};
use crate::text::REDACTED;

/// Resolves the fields of one settings struct. Used by generated code.
#[derive(Debug)]
pub struct Resolver<'a> {
    schema: &'static Schema,
    layers: &'a Layers,
    findings: Vec<Finding>,
    records: Vec<SettingRecord>,
    environment: Option<Environment>,
    instance_id: Option<InstanceId>,
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(schema: &'static Schema, layers: &'a Layers) -> Self {
        Resolver {
            schema,
            layers,
            findings: Vec::new(),
            records: schema
                .fields()
                .iter()
                .map(|_| SettingRecord::unset())
                .collect(),
            environment: None,
            instance_id: None,
        }
    }

    /// Resolves the environment field first: detection depends on it.
    pub(crate) fn resolve_environment(&mut self) -> Option<Environment> {
        let index = self.schema.index_of(|r| matches!(r, Role::Environment))?;
        self.environment = self.field::<Environment>(index);
        self.environment
    }

    /// Records the instance id chosen by detection.
    pub(crate) fn set_instance_id(&mut self, index: usize, id: InstanceId, source: Source) {
        self.records[index] = SettingRecord::new(Some(id.as_str().to_owned()), Some(source));
        self.instance_id = Some(id);
    }

    /// The environment field's value (resolved first).
    pub fn environment(&self) -> Option<Environment> {
        self.environment
    }

    /// The instance-id field's value (resolved second).
    pub fn instance_id(&self) -> Option<InstanceId> {
        self.instance_id.clone()
    }

    /// Resolves the field at `index` of the schema as a `T`. `None` when it
    /// is missing or invalid; the reason is recorded.
    pub fn field<T: DeserializeOwned>(&mut self, index: usize) -> Option<T> {
        let field = &self.schema.fields()[index];
        let found = match self.layers.lookup(field) {
            Ok(found) => found,
            Err(finding) => {
                self.records[index] = SettingRecord::failed(None);
                self.findings.push(*finding);
                return None;
            }
        };
        let Some((raw, source)) = found else {
            return match T::deserialize(Missing) {
                Ok(value) => Some(value),
                Err(_) => {
                    self.records[index] = SettingRecord::failed(None);
                    self.findings.push(missing(field));
                    None
                }
            };
        };
        let parsed = match &raw {
            Raw::Str(s) => T::deserialize(StrDeserializer::new(s)).map_err(|e| e.0),
            Raw::Toml(toml::Value::String(s)) => {
                T::deserialize(StrDeserializer::new(s)).map_err(|e| e.0)
            }
            Raw::Toml(value) => {
                T::deserialize((*value).clone()).map_err(|e| e.message().to_owned())
            }
        };
        match parsed {
            Ok(value) => {
                self.records[index] = SettingRecord::new(Some(shown(field, &raw)), Some(source));
                Some(value)
            }
            Err(message) => {
                let message = if field.is_secret() {
                    "the value does not parse".to_owned()
                } else {
                    message
                };
                self.findings.push(invalid_value(field, &source, &message));
                self.records[index] = SettingRecord::failed(Some(source));
                None
            }
        }
    }

    /// Records whether the field at `index` is on or present, for its
    /// `required_in` / `forbidden_in` rules (which validation runs).
    #[doc(hidden)]
    pub fn __set_on(&mut self, index: usize, on: bool) {
        self.records[index].set_on(on);
    }

    /// Ends resolution: every record, and every finding so far.
    pub(crate) fn finish(self) -> (Vec<SettingRecord>, Vec<Finding>) {
        (self.records, self.findings)
    }
}

/// How a value is shown in `check` output: secrets never are, and
/// neither are passwords inside URLs.
fn shown(field: &FieldSchema, raw: &Raw<'_>) -> String {
    if field.is_secret() {
        return REDACTED.to_owned();
    }
    match raw {
        Raw::Str(s) => mask_url_password(s),
        Raw::Toml(toml::Value::String(s)) => mask_url_password(s),
        Raw::Toml(value) => serde_json::to_string(value).unwrap_or_default(),
    }
}

/// `scheme://user:[redacted]@host/...` for URLs that carry a password.
fn mask_url_password(value: &str) -> String {
    // A scheme has no ':' of its own, so only the first ':' can start "://".
    let Some(scheme_end) = value
        .find(':')
        .filter(|&i| value[i..].starts_with("://"))
        .map(|i| i + 3)
    else {
        return value.to_owned();
    };
    let rest = &value[scheme_end..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    match authority
        .rfind('@')
        .and_then(|at| authority[..at].find(':').map(|colon| (colon, at)))
    {
        Some((colon, at)) => format!(
            "{}{}{}",
            &value[..scheme_end + colon + 1],
            REDACTED,
            &value[scheme_end + at..]
        ),
        None => value.to_owned(),
    }
}

pub(crate) fn invalid_value(
    field: &'static FieldSchema,
    source: &Source,
    message: &str,
) -> Finding {
    let remedy = match source {
        Source::Default => format!(
            "the `default` of `{}` in the #[gate(...)] attribute does not parse as {}: fix the attribute",
            field.name(),
            field.type_name()
        ),
        Source::File { key, .. } => format!(
            "set `{key}` in the config file to a valid {}",
            field.type_name()
        ),
        Source::SecretFile { var, .. } => format!(
            "put a valid {} in the file named by {var}",
            field.type_name()
        ),
        _ => format!("set {} to a valid {}", field.env(), field.type_name()),
    };
    Finding::error(
        field.name(),
        format!(
            "invalid value for `{}` ({}): {message}",
            field.name(),
            field.type_name()
        ),
    )
    .with_env_var(match source {
        Source::SecretFile { var, .. } => var,
        _ => field.env(),
    })
    .with_source(source.clone())
    .with_remedy(remedy)
}

fn missing(field: &'static FieldSchema) -> Finding {
    let how = format!(
        "{}, or key `{}` in the config file",
        field.how_to_set(),
        field.name()
    );
    Finding::error(
        field.name(),
        format!(
            "`{}` ({}) is required but not set",
            field.name(),
            field.type_name()
        ),
    )
    .with_env_var(field.env())
    .with_remedy(how)
}

#[cfg(test)]
mod tests {
    use super::mask_url_password;

    #[test]
    fn masks_passwords_in_urls_only() {
        let cases = [
            (
                "postgresql://app:hunter2@db:5432/app",
                "postgresql://app:[redacted]@db:5432/app",
            ),
            (
                "redis://:p@ss@cache:6379/0",
                "redis://:[redacted]@cache:6379/0",
            ),
            ("postgresql://app@db/app", "postgresql://app@db/app"),
            ("https://example.com/a:b@c", "https://example.com/a:b@c"),
            ("plain:text@value", "plain:text@value"),
        ];
        for (input, expected) in cases {
            assert_eq!(mask_url_password(input), expected, "{input}");
        }
    }
}
