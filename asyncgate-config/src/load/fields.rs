//! Field resolution: turning the layers into typed values, one field at a
//! time, collecting every error instead of stopping at the first.
//!
//! Generated code drives a [`FieldReader`] through `__private`; all the logic
//! lives here so that the derive's output stays small.

use serde::de::DeserializeOwned;

use super::layers::{Key, Layers, Raw};
use super::service_links::{is_service_link_value, service_link_collision};
use super::value::{Missing, StrDeserializer};
use crate::environment::Environment;
use crate::instance_id::InstanceId;
use crate::provenance::{ElementSetting, SecretStrength, SettingRecord, Source};
use crate::report::Finding;
use crate::schema::{Role, Schema, Shape, shape_of};
use crate::text::quote_input;

mod element;
mod messages;
mod repeated;
mod values;

use element::InElement;
pub(crate) use messages::invalid_value;
use messages::{invalid_value_at, missing};
use values::{from_toml, shown};

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
    /// The element of a repeated section being resolved, if any.
    element: Option<InElement<'a>>,
    /// The settings of every element resolved so far.
    elements: Vec<ElementSetting>,
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
            element: None,
            elements: Vec::new(),
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
        let (raw, source) = match self.layers.lookup(Key::field(field), &mut self.findings) {
            Ok(Some(found)) => found,
            Ok(None) => {
                self.findings.push(missing(
                    field,
                    field.name(),
                    field.env(),
                    &field.how_to_set(),
                ));
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
        let field = &self.schema.fields()[index];
        // An element's names were made when it was entered: only a
        // secret's `_FILE` variable is made here.
        let file_env = self.element.as_ref().and_then(|el| el.file_env(field));
        let key = match &self.element {
            Some(el) => match el.slot(index, &self.elements) {
                Some(at) => el.key(field, &self.elements[at], file_env.as_deref()),
                None => Key::field(field),
            },
            None => Key::field(field),
        };
        match layers.lookup(key, &mut self.findings) {
            Ok(found) => Some(found),
            Err(finding) => {
                *self.record_mut(index) = SettingRecord::failed(None, finding.message());
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
        *self.record_mut(index) = record;
    }

    /// Records a required field that no layer sets.
    #[cold]
    fn missing(&mut self, index: usize) {
        *self.record_mut(index) = SettingRecord::failed(None, "required but not set");
        let (name, env, how) = self.names_of(index);
        let field = &self.schema.fields()[index];
        self.findings.push(missing(field, &name, &env, &how));
    }

    /// Records a value that does not parse, and why.
    #[cold]
    fn invalid(&mut self, index: usize, raw: &Raw<'_>, source: Source, message: String) {
        let field = &self.schema.fields()[index];
        let (name, env, _) = self.names_of(index);
        if let (Raw::Str(text), Source::Env { var }) = (raw, &source)
            && is_service_link_value(text)
        {
            self.findings.push(service_link_collision(&name, var));
            *self.record_mut(index) =
                SettingRecord::failed(Some(source), "a Kubernetes service link, not a value");
            return;
        }
        let message = if field.is_secret() {
            "the value does not parse".to_owned()
        } else {
            message
        };
        self.findings
            .push(invalid_value_at(field, &name, &env, &source, &message));
        *self.record_mut(index) = SettingRecord::failed(Some(source), message);
    }

    /// Records whether the field at `index` is on or present, for its
    /// `required_in` / `forbidden_in` rules (which validation runs).
    #[doc(hidden)]
    pub fn __set_on(&mut self, index: usize, on: bool) {
        let index = self.base + index;
        self.record_mut(index).set_on(on);
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
        let set = self
            .schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name().starts_with(&prefix))
            .any(|(index, f)| {
                let element = self
                    .element
                    .as_ref()
                    .and_then(|el| Some((el, el.slot(index, &self.elements)?)));
                let file_env = element.and_then(|(el, _)| el.file_env(f));
                let key = match element {
                    Some((el, at)) => el.key(f, &self.elements[at], file_env.as_deref()),
                    None => Key::field(f),
                };
                !matches!(layers.configured(key, &mut scratch), Ok(None))
            });
        if set || !tables {
            return set;
        }
        match &self.element {
            None => layers.files.iter().any(|file| file.get(path).is_some()),
            Some(el) => match path
                .strip_prefix(el.section)
                .and_then(|r| r.strip_prefix('.'))
            {
                Some(rest) => el
                    .at
                    .tables
                    .iter()
                    .flatten()
                    .any(|t| super::config_file::get_in(t, rest).is_some()),
                // The element itself is there.
                None => true,
            },
        }
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
        let (tag_name, tag_env, _) = self.names_of(flat);
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
        let source = self
            .record(flat)
            .and_then(SettingRecord::source)
            .cloned()
            .unwrap_or(Source::Default);
        self.findings.push(invalid_value_at(
            field, &tag_name, &tag_env, &source, &message,
        ));
        *self.record_mut(flat) = SettingRecord::failed(Some(source), message);
        None
    }

    /// Reports the settings of the variant `name` of the enum section being
    /// resolved when some source sets them although the tag selects
    /// `selected`: they are ignored (a warning; an error under
    /// `deny_unknown`).
    #[doc(hidden)]
    pub fn __unselected(&mut self, name: &str, selected: &str) {
        let schema_path = format!("{}.{name}", self.path);
        // A table alone (a template's `[store.postgres]`) sets nothing.
        if self.shapes.is_some() || !self.configured_under(&schema_path, false) {
            return;
        }
        let path = self.shown_path(&schema_path);
        let (tag, _, _) = self.names_of(self.base);
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
            self.shown_path(&format!("{}.{name}", self.path))
        };
        self.parsed_sections.push(ParsedSectionAt { path, section });
    }

    /// Ends resolution: every record, every finding so far, and the
    /// sections that parsed inside a value that did not.
    pub(crate) fn finish(self) -> Finished {
        Finished {
            records: self.records,
            elements: self.elements,
            findings: self.findings,
            parsed_sections: self.parsed_sections,
        }
    }
}

/// What resolution leaves: every record (the schema's settings', then the
/// elements'), every finding, and the sections that parsed inside a value
/// that did not.
pub(crate) struct Finished {
    pub(crate) records: Vec<SettingRecord>,
    pub(crate) elements: Vec<ElementSetting>,
    pub(crate) findings: Vec<Finding>,
    pub(crate) parsed_sections: Vec<ParsedSectionAt>,
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
