//! The static description of a settings struct, emitted by the derive.
//!
//! Everything here is `&'static` data built in a `const`: docs, `.env`
//! templates and `asyncgate env` are generated from it at run time.

use std::sync::OnceLock;

use crate::environment::Environment;
use crate::name_table::NameTable;
use crate::platform::Platform;

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
    names: OnceLock<Names>,
}

/// The variable names a load looks up, sorted, built on first use.
#[derive(Debug)]
struct Names {
    /// Every variable a setting reads: `env`, `NAME_FILE`, the config-file
    /// variable; sorted (suggestions list them in this order).
    known: Box<[&'static str]>,
    /// Finds a name's index in `known`.
    known_table: NameTable,
    /// Variables outside `<PREFIX>_*` that a load reads: platform
    /// variables and settings' own `env = "..."` names.
    outside_prefix: Box<[&'static str]>,
    /// Finds a name's index in `outside_prefix`.
    outside_table: NameTable,
    /// Bit `n` is set when some name of `outside_prefix` has `n` bytes
    /// (bit 127 for every name of 127 bytes or more).
    outside_lengths: u128,
}

/// The bit of [`Names::outside_lengths`] for a name of `len` bytes.
fn length_bit(len: usize) -> u128 {
    1 << len.min(127)
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
    #[doc(hidden)]
    pub const fn __new(
        name: &'static str,
        prefix: &'static str,
        config_file_env: &'static str,
        doc: &'static str,
        fields: &'static [FieldSchema],
    ) -> Self {
        Schema {
            name,
            prefix,
            config_file_env,
            doc,
            own: fields,
            flat: OnceLock::new(),
            check_fn: None,
            deny_unknown: false,
            allow_unknown: &[],
            environment_names: &[],
            names: OnceLock::new(),
        }
    }
    #[doc(hidden)]
    pub const fn __environment_names(
        mut self,
        names: &'static [(&'static str, Environment)],
    ) -> Self {
        self.environment_names = names;
        self
    }
    #[doc(hidden)]
    pub const fn __deny_unknown(mut self) -> Self {
        self.deny_unknown = true;
        self
    }
    #[doc(hidden)]
    pub const fn __allow_unknown(mut self, patterns: &'static [&'static str]) -> Self {
        self.allow_unknown = patterns;
        self
    }
    #[doc(hidden)]
    pub const fn __check_fn(mut self, path: &'static str) -> Self {
        self.check_fn = Some(path);
        self
    }

    /// The struct's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// The env prefix, without the trailing `_` (`ASYNCGATE`).
    pub fn prefix(&self) -> &'static str {
        self.prefix
    }
    /// The variable that names the TOML file (`ASYNCGATE_CONFIG_FILE`).
    pub fn config_file_env(&self) -> &'static str {
        self.config_file_env
    }
    /// The struct's doc comment.
    pub fn doc(&self) -> &'static str {
        self.doc
    }
    /// Every setting, in declaration order; the settings of a
    /// `#[gate(nested)]` section take its place, named by their dotted
    /// path (`database.url`) and composed env var (`ORDERS_DATABASE_URL`).
    pub fn fields(&self) -> &'static [FieldSchema] {
        self.flat.get_or_init(|| {
            if self.own.iter().all(|f| f.nested.is_none()) {
                return self.own;
            }
            let mut out = Vec::with_capacity(leaf_count(self.own));
            flatten(self.own, None, &mut out);
            Box::leak(out.into_boxed_slice())
        })
    }
    /// The setting with this name (a dotted path for a section's: `http.port`).
    pub fn field(&self, name: &str) -> Option<&'static FieldSchema> {
        self.fields().iter().find(|f| f.name == name)
    }
    /// Whether `name` names a section (`http`, `database.pool`).
    pub(crate) fn is_section(&self, name: &str) -> bool {
        self.fields().iter().any(|f| {
            f.name
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('.'))
        })
    }
    fn names(&self) -> &Names {
        self.names.get_or_init(|| {
            let mut known: Vec<&'static str> = self
                .fields()
                .iter()
                .flat_map(|f| {
                    std::iter::once(f.env)
                        .chain(f.file_env)
                        .chain(f.aliases.iter().copied())
                })
                .chain(std::iter::once(self.config_file_env))
                .collect();
            known.sort_unstable();
            let mut outside_prefix: Vec<&'static str> = Platform::ENV_VARS
                .iter()
                .copied()
                .chain(known.iter().copied())
                .filter(|name| !self.has_prefix(name.as_bytes()))
                .collect();
            outside_prefix.sort_unstable();
            outside_prefix.dedup();
            let table = |names: &[&'static str]| {
                // Repeated names (an alias that is also a platform's
                // variable) are found once; which index does not matter.
                NameTable::new(names.iter().map(|n| n.as_bytes()), &mut Vec::new())
            };
            // Never empty: a prefix is required and starts with a letter.
            debug_assert!(!self.prefix.is_empty());
            let outside_lengths = outside_prefix
                .iter()
                .fold(0, |bits, name| bits | length_bit(name.len()));
            Names {
                known_table: table(&known),
                outside_table: table(&outside_prefix),
                known: known.into(),
                outside_prefix: outside_prefix.into(),
                outside_lengths,
            }
        })
    }

    /// Whether `name` is `<PREFIX>_` followed by something.
    pub(crate) fn has_prefix(&self, name: &[u8]) -> bool {
        let prefix = self.prefix.as_bytes();
        name.len() > prefix.len() + 1
            && name[0] == prefix[0]
            && name[prefix.len()] == b'_'
            && &name[..prefix.len()] == prefix
    }

    /// Whether some setting reads the variable `name`.
    pub(crate) fn is_known_var(&self, name: &str) -> bool {
        let names = self.names();
        names
            .known_table
            .find(name.as_bytes(), |i| names.known[i].as_bytes())
            .is_some()
    }

    /// Every variable some setting reads, sorted.
    pub(crate) fn known_vars(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.names().known.iter().copied()
    }

    /// Whether a variable can matter to a load of this schema: one of
    /// `<PREFIX>_*` (settings, and unknown names to warn about), a
    /// setting's own `env = "..."` name, or a variable detection reads.
    pub(crate) fn reads_var(&self, name: &[u8]) -> bool {
        // Called for every variable of the process: many are rejected by
        // their length alone, the rest by a hash search.
        if self.has_prefix(name) {
            return true;
        }
        let names = self.names();
        names.outside_lengths & length_bit(name.len()) != 0
            && names
                .outside_table
                .find(name, |i| names.outside_prefix[i].as_bytes())
                .is_some()
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

    /// Every `check` function: the struct's (with an empty path), then each
    /// section's, with the section's dotted path.
    pub(crate) fn check_fns(&self) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = self
            .check_fn
            .map(|f| (String::new(), f))
            .into_iter()
            .collect();
        section_checks(self.own, "", &mut out);
        out
    }
    pub(crate) fn index_of(&self, role: fn(&Role) -> bool) -> Option<usize> {
        self.fields().iter().position(|f| role(&f.role))
    }
}

/// How many settings `fields` holds once its sections are flattened.
pub(crate) const fn leaf_count(fields: &[FieldSchema]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < fields.len() {
        count += match fields[i].nested {
            Some(section) => leaf_count(section),
            None => 1,
        };
        i += 1;
    }
    count
}

/// The flat index of own field `index`: how many settings come before it.
pub(crate) const fn flat_offset(fields: &[FieldSchema], index: usize) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < index {
        count += match fields[i].nested {
            Some(section) => leaf_count(section),
            None => 1,
        };
        i += 1;
    }
    count
}

/// Appends the `check` functions of the sections among `fields`, depth
/// first, each with its dotted path under `parent`.
fn section_checks(fields: &[FieldSchema], parent: &str, out: &mut Vec<(String, &'static str)>) {
    for f in fields {
        if let Some(section) = f.nested {
            let path = format!("{parent}{}", f.name);
            if let Some(check) = f.section_check {
                out.push((path.clone(), check));
            }
            section_checks(section, &format!("{path}."), out);
        }
    }
}

/// A composed name, leaked: built once per schema and kept for the process.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Appends the settings of `fields` to `out`, names and env vars composed
/// under `parent` (the enclosing section's dotted path and env var).
fn flatten(
    fields: &'static [FieldSchema],
    parent: Option<(&'static str, &'static str)>,
    out: &mut Vec<FieldSchema>,
) {
    for f in fields {
        let (name, env) = match parent {
            None => (f.name, f.env),
            Some((path, env)) => (
                leak(format!("{path}.{}", f.name)),
                if f.env_exact {
                    f.env
                } else {
                    leak(format!("{env}_{}", f.env))
                },
            ),
        };
        match f.nested {
            Some(section) => flatten(section, Some((name, env)), out),
            None => out.push(FieldSchema {
                name,
                env,
                file_env: f.secret.then(|| leak(format!("{env}_FILE"))),
                env_exact: true,
                ..*f
            }),
        }
    }
}

impl FieldSchema {
    #[doc(hidden)]
    pub const fn __new(name: &'static str, env: &'static str, type_name: &'static str) -> Self {
        FieldSchema {
            name,
            env,
            env_exact: true,
            nested: None,
            section_check: None,
            file_env: None,
            type_name,
            doc: "",
            aliases: &[],
            default: None,
            optional: false,
            secret: false,
            min_len: None,
            role: Role::Setting,
            required_in: &[],
            forbidden_in: &[],
        }
    }
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
        for name in Platform::ENV_VARS {
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
