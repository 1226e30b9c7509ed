//! Turning the layers into typed values, one field at a time, collecting
//! every error instead of stopping at the first.
//!
//! Generated code drives a [`Resolver`] through `__private`; all the logic
//! lives here so that the derive's output stays small.

use rand::RngCore;
use serde::de::DeserializeOwned;

use crate::detect::{detect, random_suffix};
use crate::resolution::{InstanceIdOrigin, Resolution, SettingRecord};
use crate::schema::{FieldSchema, Role, Schema};
use crate::sources::{Raw, Sources};
use crate::value_de::{Missing, StrDeserializer};
use crate::{Environment, Finding, InstanceId, Source};

/// Resolves the fields of one settings struct. Used by generated code.
#[derive(Debug)]
pub struct Resolver<'a> {
    schema: &'static Schema,
    sources: &'a Sources,
    findings: Vec<Finding>,
    records: Vec<SettingRecord>,
    environment: Option<Environment>,
    identity: Option<(InstanceId, InstanceIdOrigin)>,
    platform: Option<crate::Platform>,
    trace: Vec<crate::TraceStep>,
}

/// What the loader hands the resolver besides the sources.
pub(crate) struct IdentityInputs<'a> {
    pub(crate) hostname: &'a dyn Fn() -> Option<String>,
    pub(crate) rng: &'a mut dyn RngCore,
}

impl<'a> Resolver<'a> {
    pub(crate) fn new(
        schema: &'static Schema,
        sources: &'a Sources,
        findings: Vec<Finding>,
    ) -> Self {
        Resolver {
            schema,
            sources,
            findings,
            records: schema
                .fields()
                .iter()
                .map(|_| SettingRecord::unset())
                .collect(),
            environment: None,
            identity: None,
            platform: None,
            trace: Vec::new(),
        }
    }

    /// Resolves the environment, then the instance id (which depends on it).
    pub(crate) fn resolve_identity(&mut self, inputs: IdentityInputs<'_>) {
        let env_index = self.schema.index_of(|r| matches!(r, Role::Environment));
        self.environment = env_index.and_then(|i| self.field::<Environment>(i));
        if let Some(index) = self
            .schema
            .index_of(|r| matches!(r, Role::InstanceId { .. }))
        {
            self.resolve_instance_id(index, inputs);
        }
    }

    fn resolve_instance_id(&mut self, index: usize, inputs: IdentityInputs<'_>) {
        let field = &self.schema.fields()[index];
        let Role::InstanceId {
            detect: platforms, ..
        } = field.role()
        else {
            return;
        };
        let default = field.default();

        // 1. A configured value other than the default wins.
        match self.sources.configured(field) {
            Err(finding) => {
                self.findings.push(*finding);
                return;
            }
            Ok(Some((raw, source))) => {
                let text = match &raw {
                    Raw::Str(s) => Some(&**s),
                    Raw::Toml(toml::Value::String(s)) => Some(s.as_str()),
                    Raw::Toml(_) => None,
                };
                match text.map(str::parse::<InstanceId>) {
                    Some(Ok(id)) if Some(id.as_str()) != default => {
                        self.set_identity(index, id, InstanceIdOrigin::Configured, source);
                        return;
                    }
                    // The default set explicitly: treated as not configured.
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        self.findings.push(invalid(field, &source, &e.to_string()));
                        return;
                    }
                    None => {
                        self.findings
                            .push(invalid(field, &source, "expected a string"));
                        return;
                    }
                }
            }
            Ok(None) => {}
        }

        // 2. Detection over the platforms, in order.
        let detection = detect(platforms, &self.sources.env, inputs.rng);
        self.trace = detection.trace;
        if let Some((platform, var, id)) = detection.found {
            self.platform = Some(platform);
            self.set_identity(
                index,
                id,
                InstanceIdOrigin::Detected,
                Source::Detected { platform, var },
            );
            return;
        }

        // 3. No platform: the default in development, else hostname + random.
        let development = self.environment.is_none_or(Environment::is_development);
        if let (true, Some(default)) = (development, default) {
            match default.parse::<InstanceId>() {
                Ok(id) => self.set_identity(index, id, InstanceIdOrigin::Default, Source::Default),
                Err(e) => self
                    .findings
                    .push(invalid(field, &Source::Default, &e.to_string())),
            }
            return;
        }
        let host = (inputs.hostname)()
            .and_then(|h| InstanceId::normalize(&h))
            .map_or_else(
                || "instance".to_owned(),
                |h| h.as_str().chars().take(InstanceId::MAX_LEN - 9).collect(),
            );
        let id = InstanceId::normalize(&format!("{host}-{}", random_suffix(inputs.rng)))
            .expect("a normalised hostname and a random suffix form a valid id");
        self.set_identity(index, id, InstanceIdOrigin::Fallback, Source::Fallback);
    }

    fn set_identity(
        &mut self,
        index: usize,
        id: InstanceId,
        origin: InstanceIdOrigin,
        source: Source,
    ) {
        self.records[index] = SettingRecord::new(Some(id.as_str().to_owned()), Some(source));
        self.identity = Some((id, origin));
    }

    /// The environment field's value (resolved first).
    pub fn environment(&self) -> Option<Environment> {
        self.environment
    }

    /// The instance-id field's value (resolved second).
    pub fn instance_id(&self) -> Option<InstanceId> {
        self.identity.as_ref().map(|(id, _)| id.clone())
    }

    /// Resolves the field at `index` of the schema as a `T`. `None` when it
    /// is missing or invalid; the reason is recorded.
    pub fn field<T: DeserializeOwned>(&mut self, index: usize) -> Option<T> {
        let field = &self.schema.fields()[index];
        let found = match self.sources.lookup(field) {
            Ok(found) => found,
            Err(finding) => {
                self.findings.push(*finding);
                return None;
            }
        };
        let Some((raw, source)) = found else {
            return match T::deserialize(Missing) {
                Ok(value) => Some(value),
                Err(_) => {
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
                self.findings.push(invalid(field, &source, &message));
                None
            }
        }
    }

    /// Ends resolution: what was found, and every finding so far.
    pub(crate) fn finish(self, strict: bool) -> (Option<Resolution>, Vec<Finding>) {
        let resolution = match (self.environment, self.identity) {
            (Some(environment), Some((instance_id, origin))) => Some(Resolution {
                schema: self.schema,
                environment,
                instance_id,
                origin,
                platform: self.platform,
                trace: self.trace,
                settings: self.records,
                warnings: Vec::new(),
                strict,
            }),
            _ => None,
        };
        (resolution, self.findings)
    }
}

/// How a value is shown in `check` output: secrets never are, and
/// neither are passwords inside URLs.
fn shown(field: &FieldSchema, raw: &Raw<'_>) -> String {
    if field.is_secret() {
        return crate::REDACTED.to_owned();
    }
    match raw {
        Raw::Str(s) => mask_url_password(s),
        Raw::Toml(toml::Value::String(s)) => mask_url_password(s),
        Raw::Toml(value) => serde_json::to_string(value).unwrap_or_default(),
    }
}

/// `scheme://user:[redacted]@host/...` for URLs that carry a password.
fn mask_url_password(value: &str) -> String {
    let Some(scheme_end) = value.find("://").map(|i| i + 3) else {
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
            crate::REDACTED,
            &value[scheme_end + at..]
        ),
        None => value.to_owned(),
    }
}

fn invalid(field: &'static FieldSchema, source: &Source, message: &str) -> Finding {
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
