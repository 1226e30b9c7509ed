//! Field resolution: turning the layers into typed values, one field at a
//! time, collecting every error instead of stopping at the first.
//!
//! Generated code drives a [`FieldReader`] through `__private`; all the logic
//! lives here so that the derive's output stays small.

use serde::de::DeserializeOwned;

use super::layers::{Layers, Raw};
use super::service_links::{is_service_link_value, service_link_collision};
use super::value::{Missing, StrDeserializer};
use crate::environment::Environment;
use crate::instance_id::InstanceId;
use crate::mask::REDACTED;
use crate::mask::mask_toml;
use crate::provenance::{SecretStrength, SettingRecord, Source};
use crate::report::Finding;
use crate::schema::{FieldSchema, Role, Schema, Shape, shape_of};
use crate::text::{printable, quote_input};

/// Resolves the fields of one settings struct. Used by generated code.
#[derive(Debug)]
pub struct FieldReader<'a> {
    /// The dotted path of the section being resolved; empty at the top.
    path: String,
    /// Sections that parsed inside a struct (or section) that did not.
    parsed_sections: Vec<ParsedSectionAt>,
    schema: &'static Schema,
    layers: &'a Layers,
    findings: Vec<Finding>,
    records: Vec<SettingRecord>,
    environment: Option<Environment>,
    /// The environment's name as configured (`qa`), when it has one of its own.
    environment_name: Option<&'static str>,
    instance_id: Option<InstanceId>,
    /// Where the section being resolved starts among the flat settings.
    base: usize,
    /// A probe: each field's shape is recorded instead of its value read.
    shapes: Option<Vec<Shape>>,
}

impl<'a> FieldReader<'a> {
    pub(crate) fn new(schema: &'static Schema, layers: &'a Layers) -> Self {
        FieldReader {
            path: String::new(),
            parsed_sections: Vec::new(),
            schema,
            layers,
            findings: Vec::new(),
            records: schema
                .fields()
                .iter()
                .map(|_| SettingRecord::unset())
                .collect(),
            environment: None,
            environment_name: None,
            instance_id: None,
            base: 0,
            shapes: None,
        }
    }

    /// The shape of every flat setting of `schema`, as `resolve` (the
    /// struct's generated resolution) reads them: generated code hands
    /// this to the schema, for its JSON Schema.
    #[doc(hidden)]
    pub fn __probe<S>(
        schema: &'static Schema,
        resolve: fn(&mut FieldReader<'_>) -> Option<S>,
    ) -> Vec<Shape> {
        let layers = Layers::empty();
        let mut reader = FieldReader::new(schema, &layers);
        reader.shapes = Some(vec![Shape::Any; schema.fields().len()]);
        // Every field is asked for; none has a value, so nothing is built.
        let _ = resolve(&mut reader);
        reader.shapes.unwrap_or_default()
    }

    /// Resolves the environment field first: detection depends on it.
    pub(crate) fn resolve_environment(&mut self) -> Option<Environment> {
        let index = self.schema.index_of(|r| matches!(r, Role::Environment))?;
        if self.schema.environment_names().is_empty() {
            self.environment = self.field::<Environment>(index);
        } else {
            self.environment = self.named_environment(index);
        }
        self.environment
    }

    /// The environment field when the schema has names of its own.
    fn named_environment(&mut self, index: usize) -> Option<Environment> {
        let field = &self.schema.fields()[index];
        let (raw, source) = match self.layers.lookup(field, &mut self.findings) {
            Ok(Some(found)) => found,
            Ok(None) => {
                self.findings.push(missing(field));
                return None;
            }
            Err(finding) => {
                self.findings.push(*finding);
                return None;
            }
        };
        let text = match &raw {
            Raw::Str(s) => s.as_ref(),
            Raw::Toml(toml::Value::String(s)) => s.as_str(),
            Raw::Toml(_) => "",
        };
        match self.schema.parse_environment(text) {
            Ok((name, tier)) => {
                self.records[index] = SettingRecord::new(Some(name.to_owned()), Some(source));
                self.environment_name = Some(name);
                Some(tier)
            }
            Err(message) => {
                self.findings.push(invalid_value(field, &source, &message));
                self.records[index] = SettingRecord::failed(Some(source), message);
                None
            }
        }
    }

    /// The environment's own name (`qa`), or the tier's.
    pub(crate) fn environment_name(&self) -> Option<&'static str> {
        self.environment_name
            .or_else(|| self.environment.map(Environment::as_str))
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
    ///
    /// Only the deserialization is generic: finding the value and
    /// recording the outcome are shared by every type (one copy of that
    /// code, not one per field type, keeps a load's code small).
    pub fn field<T: DeserializeOwned>(&mut self, index: usize) -> Option<T> {
        let index = self.base + index;
        if let Some(shapes) = &mut self.shapes {
            shapes[index] = shape_of::<T>();
            return None;
        }
        let (raw, source) = match self.find(index)? {
            Some(found) => found,
            None => {
                return match T::deserialize(Missing) {
                    Ok(value) => Some(value),
                    Err(_) => {
                        self.missing(index);
                        None
                    }
                };
            }
        };
        let parsed = match &raw {
            Raw::Str(s) => T::deserialize(StrDeserializer::new(s)).map_err(|e| e.0),
            Raw::Toml(toml::Value::String(s)) => {
                T::deserialize(StrDeserializer::new(s)).map_err(|e| e.0)
            }
            Raw::Toml(value) => from_toml(&self.schema.fields()[index], value),
        };
        match parsed {
            Ok(value) => {
                self.parsed(index, &raw, source);
                Some(value)
            }
            Err(message) => {
                self.invalid(index, &raw, source, message);
                None
            }
        }
    }

    /// The value of the field at flat `index` and where it came from:
    /// `Some(None)` when no layer sets it and it has no default, `None`
    /// when a layer holds something unusable (recorded).
    #[inline(never)]
    fn find(&mut self, index: usize) -> Option<Option<(Raw<'a>, Source)>> {
        let layers = self.layers;
        match layers.lookup(&self.schema.fields()[index], &mut self.findings) {
            Ok(found) => Some(found),
            Err(finding) => {
                self.records[index] = SettingRecord::failed(None, finding.message());
                self.findings.push(*finding);
                None
            }
        }
    }

    /// Records a value that parsed.
    #[inline(never)]
    fn parsed(&mut self, index: usize, raw: &Raw<'_>, source: Source) {
        let field = &self.schema.fields()[index];
        let mut record = SettingRecord::new(Some(shown(field, raw)), Some(source));
        if field.is_secret() {
            let text = match raw {
                Raw::Str(s) => Some(&**s),
                Raw::Toml(toml::Value::String(s)) => Some(s.as_str()),
                Raw::Toml(_) => None,
            };
            if let Some(text) = text {
                record.set_strength(SecretStrength {
                    chars: text.chars().count(),
                    placeholder: crate::secret::is_placeholder(text),
                });
            }
        }
        self.records[index] = record;
    }

    /// Records a required field that no layer sets.
    #[cold]
    fn missing(&mut self, index: usize) {
        self.records[index] = SettingRecord::failed(None, "required but not set");
        self.findings.push(missing(&self.schema.fields()[index]));
    }

    /// Records a value that does not parse, and why.
    #[cold]
    fn invalid(&mut self, index: usize, raw: &Raw<'_>, source: Source, message: String) {
        let field = &self.schema.fields()[index];
        if let (Raw::Str(text), Source::Env { var }) = (raw, &source)
            && is_service_link_value(text)
        {
            self.findings.push(service_link_collision(field, var));
            self.records[index] =
                SettingRecord::failed(Some(source), "a Kubernetes service link, not a value");
            return;
        }
        let message = if field.is_secret() {
            "the value does not parse".to_owned()
        } else {
            message
        };
        self.findings.push(invalid_value(field, &source, &message));
        self.records[index] = SettingRecord::failed(Some(source), message);
    }

    /// Records whether the field at `index` is on or present, for its
    /// `required_in` / `forbidden_in` rules (which validation runs).
    #[doc(hidden)]
    pub fn __set_on(&mut self, index: usize, on: bool) {
        self.records[self.base + index].set_on(on);
    }

    /// Resolves the `#[gate(nested)]` section of field `name`, whose
    /// settings start at flat index `offset` of the section being resolved.
    #[doc(hidden)]
    pub fn __section<S>(
        &mut self,
        offset: usize,
        name: &str,
        resolve: fn(&mut Self) -> Option<S>,
    ) -> Option<S> {
        let outer = self.base;
        let outer_len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(name);
        self.base += offset;
        let value = resolve(self);
        self.base = outer;
        self.path.truncate(outer_len);
        value
    }

    /// Whether the section being resolved is configured at all: some
    /// source sets one of its settings (a default does not count), or a
    /// config file has its table (`[tls]`, even empty). An optional
    /// section that is not is `None`, its settings unread: nothing of it
    /// is required, and its `required_in` rules do not fire.
    #[doc(hidden)]
    pub fn __section_present(&mut self) -> bool {
        if self.shapes.is_some() {
            // A probe reads every setting.
            return true;
        }
        self.configured_under(&self.path, true)
    }

    /// Whether some source sets a setting under the dotted `path`, or
    /// (with `tables`) a config file has its table.
    fn configured_under(&self, path: &str, tables: bool) -> bool {
        let prefix = format!("{path}.");
        let layers = self.layers;
        // What looking found is found again if the settings are read.
        let mut scratch = Vec::new();
        self.schema
            .fields()
            .iter()
            .filter(|f| f.name().starts_with(&prefix))
            .any(|f| !matches!(layers.configured(f, &mut scratch), Ok(None)))
            || (tables && layers.files.iter().any(|file| file.get(path).is_some()))
    }

    /// Whether this reader is a probe of the settings' shapes (generated
    /// code then reads every variant of an enum section).
    #[doc(hidden)]
    pub fn __probing(&self) -> bool {
        self.shapes.is_some()
    }

    /// Reads the tag of the enum section being resolved (its own field
    /// `index`): the position among `variants` of the variant it names, in
    /// any case. An unknown name is an error listing the variants.
    #[doc(hidden)]
    pub fn __tag(&mut self, index: usize, variants: &'static [&'static str]) -> Option<usize> {
        let name: String = self.field::<String>(index)?;
        let flat = self.base + index;
        if let Some(found) = variants
            .iter()
            .position(|v| v.eq_ignore_ascii_case(name.trim()))
        {
            return Some(found);
        }
        let field = &self.schema.fields()[flat];
        let hint = crate::text::suggest_value(name.trim(), variants.iter().copied())
            .map(|v| format!(" (did you mean `{v}`?)"))
            .unwrap_or_default();
        let list: Vec<String> = variants.iter().map(|v| format!("`{v}`")).collect();
        let message = format!(
            "unknown variant {}: expected one of {}{hint}",
            quote_input(&name),
            list.join(", ")
        );
        let source = self.records[flat]
            .source()
            .cloned()
            .unwrap_or(Source::Default);
        self.findings.push(invalid_value(field, &source, &message));
        self.records[flat] = SettingRecord::failed(Some(source), message);
        None
    }

    /// Reports the settings of the variant `name` of the enum section being
    /// resolved when some source sets them although the tag selects
    /// `selected`: they are ignored (a warning; an error under
    /// `deny_unknown`).
    #[doc(hidden)]
    pub fn __unselected(&mut self, name: &str, selected: &str) {
        let path = format!("{}.{name}", self.path);
        // A table alone (a template's `[store.postgres]`) sets nothing.
        if self.shapes.is_some() || !self.configured_under(&path, false) {
            return;
        }
        let tag = self.schema.fields()[self.base].name();
        let message = format!(
            "settings of `{path}` are set, but `{tag}` selects `{selected}`: they are ignored"
        );
        let finding = if self.layers.deny_unknown {
            Finding::error(path.as_str(), message)
        } else {
            Finding::warning(path.as_str(), message)
        };
        self.findings.push(finding.with_remedy(format!(
            "remove the `{path}` settings, or set `{tag}` to `{name}` to use them"
        )));
    }

    /// Keeps the section of field `name`, which parsed although the struct
    /// (or section) around it did not: validation still runs its checks.
    #[doc(hidden)]
    pub fn __parsed_section(&mut self, name: &str, section: Box<dyn crate::ParsedSection>) {
        let path = if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        };
        self.parsed_sections.push(ParsedSectionAt { path, section });
    }

    /// Ends resolution: every record, every finding so far, and the
    /// sections that parsed inside a value that did not.
    pub(crate) fn finish(self) -> (Vec<SettingRecord>, Vec<Finding>, Vec<ParsedSectionAt>) {
        (self.records, self.findings, self.parsed_sections)
    }
}

/// A section that parsed, at its dotted path, inside a value that did not.
pub(crate) struct ParsedSectionAt {
    pub(crate) path: String,
    pub(crate) section: Box<dyn crate::ParsedSection>,
}

impl std::fmt::Debug for ParsedSectionAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedSectionAt")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A `T` from a TOML value that is not a string (out of line: most loads
/// read no config file).
#[inline(never)]
fn from_toml<T: DeserializeOwned>(field: &FieldSchema, value: &toml::Value) -> Result<T, String> {
    if field.is_duration() && matches!(value, toml::Value::Integer(_) | toml::Value::Float(_)) {
        return Err(crate::duration::DurationError::NoUnit.to_string());
    }
    T::deserialize(value.clone()).map_err(|e| scrub(e.message(), value))
}

/// How a value is shown in `check` output: secrets never are; passwords
/// inside other values are masked; control characters are escaped.
fn shown(field: &FieldSchema, raw: &Raw<'_>) -> String {
    if field.is_secret() {
        return REDACTED.to_owned();
    }
    match raw {
        Raw::Str(s) => printable(s),
        Raw::Toml(toml::Value::String(s)) => printable(s),
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

pub(crate) fn invalid_value(
    field: &'static FieldSchema,
    source: &Source,
    message: &str,
) -> Finding {
    let remedy = match source {
        Source::Default => format!(
            "the `default` of `{}` in the #[gate(...)] attribute does not parse as {}: fix the attribute",
            field.name(),
            field.type_label()
        ),
        Source::File { key, .. } => format!(
            "set `{key}` in the config file to a valid {}",
            field.type_label()
        ),
        Source::SecretFile { var, .. } => format!(
            "put a valid {} in the file named by {var}",
            field.type_label()
        ),
        Source::Override { origin } => format!(
            "give {} a valid {}",
            origin.as_deref().unwrap_or("`Loader::set`"),
            field.type_label()
        ),
        _ => format!("set {} to a valid {}", field.env(), field.type_label()),
    };
    Finding::error(
        field.name(),
        format!(
            "invalid value for `{}` ({}): {message}",
            field.name(),
            field.type_label()
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
            field.type_label()
        ),
    )
    .with_env_var(field.env())
    .with_remedy(how)
}
