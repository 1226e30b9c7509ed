//! The static description of a settings struct, emitted by the derive.
//!
//! Everything here is `&'static` data built in a `const`: docs, `.env`
//! templates and `asyncgate env` are generated from it at run time.

use std::sync::OnceLock;

use crate::environment::Environment;
use crate::platform::Platform;

mod builders;
mod json_schema;
mod names;
mod sections;
mod shape;

use names::Names;
pub use sections::{MAX_ELEMENTS, MAX_KEY_CHARS};
pub(crate) use sections::{RepeatedSection, element_part};
pub(crate) use sections::{flat_offset, has_checks};
pub use shape::Shape;
pub(crate) use shape::shape_of;

/// The description of a settings struct: see [`GateConfig::schema`](crate::GateConfig::schema).
#[derive(Debug)]
pub struct Schema {
    name: &'static str,
    prefix: &'static str,
    config_file_env: &'static str,
    doc: &'static str,
    /// The struct's own fields; a `#[gate(nested)]` field holds its section's.
    own: &'static [FieldSchema],
    /// Every setting, sections flattened depth-first, built on first use.
    flat: OnceLock<&'static [FieldSchema]>,
    check_fn: Option<&'static str>,
    deny_unknown: bool,
    allow_unknown: &'static [&'static str],
    environment_names: &'static [(&'static str, Environment)],
    service_name: Option<&'static str>,
    /// Each flat setting's shape, probed from the generated resolution.
    shapes: Option<fn() -> Vec<Shape>>,
    names: OnceLock<Names>,
    /// The repeated sections, found on first use.
    repeated: OnceLock<&'static [RepeatedSection]>,
}

/// What part a field plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Role {
    /// An ordinary setting.
    Setting,
    /// The `#[gate(environment)]` field.
    Environment,
    /// The `#[gate(instance_id)]` field.
    InstanceId {
        /// Platforms tried, in order.
        detect: &'static [Platform],
        /// Whether an id shorter than 8 characters is an error (not a warning)
        /// in staging and production.
        strict: bool,
    },
    /// The tag of an enum section (`store.kind`, read from `ORDERS_STORE`):
    /// which variant's settings are read.
    Tag {
        /// The variants' names, in declaration order.
        variants: &'static [&'static str],
    },
}

/// How often a `#[gate(nested)]` section occurs: its field's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Repeat {
    /// `S`: once.
    One,
    /// `Option<S>`: once or not at all.
    Optional,
    /// `Vec<S>`: an array of tables (`[[upstreams]]`), each element's
    /// variables numbered (`ORDERS_UPSTREAMS_0_URL`).
    List,
    /// `BTreeMap<String, S>` or `HashMap<String, S>`: a table of tables
    /// keyed by name (`[tenants.acme]`).
    Map,
}

impl Repeat {
    /// What stands for the element in its settings' variable names:
    /// `<N>` (an index) for a list, `<KEY>` (the key in upper case) for a map.
    pub const fn placeholder(self) -> Option<&'static str> {
        match self {
            Repeat::List => Some("<N>"),
            Repeat::Map => Some("<KEY>"),
            Repeat::One | Repeat::Optional => None,
        }
    }
}

/// The description of one setting.
#[derive(Clone, Copy, Debug)]
pub struct FieldSchema {
    name: &'static str,
    env: &'static str,
    /// Whether `env` is the whole variable name; `false` in a section for
    /// the segment (`URL`) that the enclosing names compose into one.
    env_exact: bool,
    /// For a `#[gate(nested)]` field, the section's own fields.
    nested: Option<&'static [FieldSchema]>,
    /// For a `#[gate(nested)]` field, the section's `check` function.
    section_check: Option<&'static str>,
    /// For a `#[gate(nested)]` field, how often the section occurs.
    repeat: Repeat,
    file_env: Option<&'static str>,
    type_name: &'static str,
    doc: &'static str,
    aliases: &'static [&'static str],
    default: Option<&'static str>,
    optional: bool,
    secret: bool,
    /// With `secret`: the fewest characters it may have outside development.
    min_len: Option<u32>,
    role: Role,
    /// Environment names: a tier's (`staging`: every name with its rules)
    /// or one of the team's own (`qa`: that name only).
    required_in: &'static [&'static str],
    forbidden_in: &'static [&'static str],
}

impl Schema {
    /// The struct's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// The env prefix, without the trailing `_` (`ASYNCGATE`).
    pub fn prefix(&self) -> &'static str {
        self.prefix
    }
    /// The service's name for telemetry (OpenTelemetry's `service.name`):
    /// `#[gate(service_name = "...")]`, else the prefix in lower case
    /// (`ORDERS` → `orders`).
    ///
    /// ```
    /// use asyncgate_config::{Environment, GateConfig, InstanceId};
    ///
    /// #[derive(GateConfig)]
    /// #[gate(prefix = "ORDERS")]
    /// struct Settings {
    ///     #[gate(environment, default = "development")]
    ///     environment: Environment,
    ///     #[gate(instance_id)]
    ///     instance_id: InstanceId,
    /// }
    ///
    /// #[derive(GateConfig)]
    /// #[gate(prefix = "ORDERS", service_name = "orders-api")]
    /// struct Named {
    ///     #[gate(environment, default = "development")]
    ///     environment: Environment,
    ///     #[gate(instance_id)]
    ///     instance_id: InstanceId,
    /// }
    ///
    /// assert_eq!(Settings::schema().service_name(), "orders");
    /// assert_eq!(Named::schema().service_name(), "orders-api");
    /// ```
    pub fn service_name(&self) -> std::borrow::Cow<'static, str> {
        match self.service_name {
            Some(name) => name.into(),
            None => self.prefix.to_ascii_lowercase().into(),
        }
    }
    /// The variable that names the TOML file (`ASYNCGATE_CONFIG_FILE`).
    pub fn config_file_env(&self) -> &'static str {
        self.config_file_env
    }
    /// The struct's doc comment.
    pub fn doc(&self) -> &'static str {
        self.doc
    }
    /// The team's own environment names and the rules each follows
    /// (`#[gate(environment, names(qa = "staging"))]`).
    pub fn environment_names(&self) -> &'static [(&'static str, Environment)] {
        self.environment_names
    }

    /// Reads an environment name: one of the three, or one of the team's
    /// own, in any case. The error lists every accepted name.
    pub(crate) fn parse_environment(
        &self,
        text: &str,
    ) -> Result<(&'static str, Environment), String> {
        let trimmed = text.trim();
        if let Some(&(name, tier)) = self
            .environment_names
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(trimmed))
        {
            return Ok((name, tier));
        }
        if let Ok(tier) = trimmed.parse::<Environment>() {
            return Ok((tier.as_str(), tier));
        }
        let accepted = Environment::ALL
            .iter()
            .map(|e| e.as_str())
            .chain(self.environment_names.iter().map(|(name, _)| *name));
        let hint = crate::text::suggest_value(trimmed, accepted.clone())
            .map(|name| format!(" (did you mean `{name}`?)"))
            .unwrap_or_default();
        let list: Vec<String> = accepted.map(|n| format!("`{n}`")).collect();
        Err(format!(
            "unknown environment {}: expected one of {}{hint}",
            crate::text::quote_input(text),
            list.join(", ")
        ))
    }

    /// Whether unknown `<PREFIX>_*` variables and file keys are errors
    /// (`#[gate(deny_unknown)]`), not warnings.
    pub fn denies_unknown(&self) -> bool {
        self.deny_unknown
    }

    /// The `#[gate(allow_unknown = "...")]` patterns: variable names under
    /// the prefix, or prefixes ending in `*`, that no setting reads and that
    /// are never reported as unknown.
    pub fn allowed_unknown(&self) -> &'static [&'static str] {
        self.allow_unknown
    }

    /// Whether `name` matches an `allow_unknown` pattern.
    pub(crate) fn allows_unknown(&self, name: &str) -> bool {
        self.allow_unknown
            .iter()
            .any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == *pattern,
            })
    }

    /// The struct's `#[gate(check = path)]` function, as written.
    pub fn check_fn(&self) -> Option<&'static str> {
        self.check_fn
    }

    pub(crate) fn index_of(&self, role: fn(&Role) -> bool) -> Option<usize> {
        self.fields().iter().position(|f| role(&f.role))
    }
}

impl FieldSchema {
    /// In a section: `env` is a segment that the enclosing names compose.
    #[doc(hidden)]
    pub const fn __relative(mut self) -> Self {
        self.env_exact = false;
        self
    }
    /// A `#[gate(nested)]` field holding the section with these fields.
    #[doc(hidden)]
    pub const fn __nested(mut self, section: &'static [FieldSchema]) -> Self {
        self.nested = Some(section);
        self
    }

    /// How often a `#[gate(nested)]` field's section occurs.
    #[doc(hidden)]
    pub const fn __repeat(mut self, repeat: Repeat) -> Self {
        self.repeat = repeat;
        self
    }
    /// The `check` function of a `#[gate(nested)]` field's section.
    #[doc(hidden)]
    pub const fn __section_check(mut self, check: Option<&'static str>) -> Self {
        self.section_check = check;
        self
    }
    #[doc(hidden)]
    pub const fn __doc(mut self, doc: &'static str) -> Self {
        self.doc = doc;
        self
    }
    #[doc(hidden)]
    pub const fn __aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }
    #[doc(hidden)]
    pub const fn __default(mut self, default: &'static str) -> Self {
        self.default = Some(default);
        self
    }
    #[doc(hidden)]
    pub const fn __optional(mut self) -> Self {
        self.optional = true;
        self
    }
    #[doc(hidden)]
    pub const fn __min_len(mut self, min_len: u32) -> Self {
        self.min_len = Some(min_len);
        self
    }
    #[doc(hidden)]
    pub const fn __secret(mut self, file_env: &'static str) -> Self {
        self.secret = true;
        self.file_env = Some(file_env);
        self
    }
    #[doc(hidden)]
    pub const fn __role(mut self, role: Role) -> Self {
        self.role = role;
        self
    }
    #[doc(hidden)]
    pub const fn __required_in(mut self, envs: &'static [&'static str]) -> Self {
        self.required_in = envs;
        self
    }
    #[doc(hidden)]
    pub const fn __forbidden_in(mut self, envs: &'static [&'static str]) -> Self {
        self.forbidden_in = envs;
        self
    }

    /// The field's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
    /// The environment variable that sets it.
    pub const fn env(&self) -> &'static str {
        self.env
    }
    /// Older names that still set it, with a deprecation warning.
    pub const fn aliases(&self) -> &'static [&'static str] {
        self.aliases
    }
    /// Whether `env` is a whole variable name, not a section's segment.
    pub(crate) const fn env_is_exact(&self) -> bool {
        self.env_exact
    }
    /// For a `#[gate(nested)]` field, the section's own fields.
    pub(crate) const fn section(&self) -> Option<&'static [FieldSchema]> {
        self.nested
    }
    /// For a `#[gate(nested)]` field, how often its section occurs.
    pub(crate) const fn repeat(&self) -> Repeat {
        self.repeat
    }

    /// For secrets, the `NAME_FILE` variable that names a file holding it.
    pub fn file_env(&self) -> Option<&'static str> {
        self.file_env
    }
    /// The Rust type, as written.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
    /// The type as messages and templates name it: `duration (e.g. 30s)`
    /// for `Duration` and `Option<Duration>`, else the Rust type.
    pub fn type_label(&self) -> &'static str {
        if self.is_duration() {
            "duration (e.g. 30s)"
        } else {
            self.type_name
        }
    }
    /// Whether the setting is a `std::time::Duration` (or an `Option` of one).
    pub(crate) fn is_duration(&self) -> bool {
        let ty = self
            .type_name
            .trim_start_matches("Option<")
            .trim_end_matches('>');
        ty == "Duration" || ty.ends_with("::Duration")
    }
    /// The doc comment.
    pub fn doc(&self) -> &'static str {
        self.doc
    }
    /// The default, as written in the attribute.
    pub fn default(&self) -> Option<&'static str> {
        self.default
    }
    /// Whether it may be left unset (`Option<T>` or a list).
    pub fn is_optional(&self) -> bool {
        self.optional
    }
    /// With `#[gate(secret, min_len = N)]`: the fewest characters the
    /// secret may have in staging and production.
    pub fn min_len(&self) -> Option<u32> {
        self.min_len
    }
    /// Whether it is a secret: never shown, and may be read from `NAME_FILE`.
    pub const fn is_secret(&self) -> bool {
        self.secret
    }
    /// What part it plays.
    pub fn role(&self) -> Role {
        self.role
    }
    /// The environments where it must be set, by name: a tier's name
    /// (`staging`) stands for every environment with its rules, a name of
    /// the team's own (`qa`) for that name only.
    pub const fn required_in(&self) -> &'static [&'static str] {
        self.required_in
    }
    /// `set NAME` (`set NAME (or NAME_FILE to a file holding it)` for secrets).
    pub(crate) fn how_to_set(&self) -> String {
        match self.file_env {
            Some(file_var) => format!("set {} (or {file_var} to a file holding it)", self.env),
            None => format!("set {}", self.env),
        }
    }

    /// The environments where it must stay off, by name (as
    /// [`required_in`](FieldSchema::required_in)).
    pub const fn forbidden_in(&self) -> &'static [&'static str] {
        self.forbidden_in
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static FIELDS: [FieldSchema; 2] = [
        FieldSchema::__new("port", "APP_PORT", "u16"),
        // A setting's own exact name, outside the prefix.
        FieldSchema::__new("url", "DATABASE_URL", "String"),
    ];
    static SCHEMA: Schema = Schema::__new("Settings", "APP", "APP_CONFIG_FILE", "", &FIELDS);

    /// The snapshot keeps what `reads_var` accepts: every `<PREFIX>_*`
    /// name (unknown ones draw a warning), a setting's own name, every
    /// platform variable; nothing else, of any length.
    #[test]
    fn reads_its_prefix_its_own_names_and_the_platforms_variables() {
        assert!(SCHEMA.reads_var(b"APP_PORT"));
        assert!(
            SCHEMA.reads_var(b"APP_PROT"),
            "an unknown name under the prefix"
        );
        assert!(SCHEMA.reads_var(b"DATABASE_URL"));
        for name in Platform::ENV_VARS.iter().chain(&crate::platform::FACT_VARS) {
            assert!(SCHEMA.reads_var(name.as_bytes()), "{name}");
        }
        let long = [b'K'; 300];
        for other in [
            &b"DATABASE_URX"[..],
            b"DATABASE_UR",
            b"DATABASE_URL_",
            b"PATH",
            b"APP",
            b"APP_",
            b"app_port",
            b"",
            &long,
        ] {
            assert!(
                !SCHEMA.reads_var(other),
                "{}",
                String::from_utf8_lossy(other)
            );
        }
    }
}
