//! Unknown names: `<PREFIX>_*` variables and config-file keys that no
//! setting reads draw a warning, with a suggestion when one is a likely typo.

use super::config_file::ConfigFile;
use super::dotenv::DotEnv;
use super::env_vars::EnvVars;
use super::locate::{self, Point};
use super::service_links::{is_service_link, service_of};
use crate::report::{Finding, Location};
use crate::schema::{MAX_ELEMENTS, Repeat, Schema};
use crate::text::{key_path, printable_name, suggest_name};

/// At most this many unknown names are listed one by one; the rest are
/// counted in one more warning (a file of a million keys stays readable).
pub(crate) const MAX_LISTED: usize = 20;

/// Reports `<PREFIX>_*` variables and file keys that no setting reads:
/// warnings, or errors when `deny` is set. Three phases, one per source
/// (the environment, the `.env` file, the config file), then the count of
/// names past [`MAX_LISTED`].
pub(crate) fn unknown_names(
    schema: &'static Schema,
    env: &EnvVars,
    dotenv: Option<&DotEnv>,
    files: &[ConfigFile],
    deny: bool,
    findings: &mut Vec<Finding>,
) {
    let mut out = Unknowns {
        schema,
        deny,
        listed: 0,
        unlisted: 0,
        findings,
    };
    unknown_in_env(&mut out, env);
    if let Some(dotenv) = dotenv {
        unknown_in_dotenv(&mut out, dotenv);
    }
    for file in files {
        unknown_in_file(&mut out, file);
    }
    out.finish();
}

/// The unknown names found so far: the first [`MAX_LISTED`] listed, the
/// rest counted.
struct Unknowns<'f> {
    schema: &'static Schema,
    deny: bool,
    listed: usize,
    unlisted: usize,
    findings: &'f mut Vec<Finding>,
}

impl Unknowns<'_> {
    /// A warning, or an error under `deny_unknown`.
    fn finding(&self, message: String) -> Finding {
        if self.deny {
            Finding::error("", message)
        } else {
            Finding::warning("", message)
        }
    }

    /// How many more findings are listed before they are only counted.
    fn room(&self) -> usize {
        MAX_LISTED - self.listed
    }

    /// Lists the finding `build` makes, or only counts it past the limit.
    fn push(&mut self, build: impl FnOnce(&Self) -> Finding) {
        if self.listed == MAX_LISTED {
            self.unlisted += 1;
            return;
        }
        self.listed += 1;
        let found = build(self);
        self.findings.push(found);
    }

    /// Whether `name` is a `<PREFIX>_*` variable that no setting reads and
    /// no `allow_unknown` pattern lets pass.
    fn is_unknown(&self, name: &str) -> bool {
        self.schema.has_prefix(name.as_bytes())
            && !self.schema.is_known_var(name)
            && !self.schema.is_element_var(name)
            && !self.schema.allows_unknown(name)
    }

    /// An unknown variable, set in `place` (empty for the environment).
    fn variable(&mut self, name: &str, place: &str, at: Option<Location>) {
        self.push(|out| {
            let prefix = out.schema.prefix();
            let hint = suggest_name(name, &format!("{prefix}_"), out.schema.known_vars())
                .map(|k| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            let shown = printable_name(name);
            out.finding(format!("unknown variable {shown}{place} is ignored{hint}"))
                .with_env_var(shown)
                .with_remedy("remove it, or rename it to a setting listed by the schema")
                .with_location(at)
        });
    }

    /// The count of names past the limit, if any.
    fn finish(self) {
        if self.unlisted > 0 {
            let more = self.finding(format!(
                "and {} more unknown variables or keys (only the first {MAX_LISTED} are listed)",
                self.unlisted
            ))
            .with_remedy("remove the names no setting reads");
            self.findings.push(more);
        }
    }
}

/// Only `<PREFIX>_*` names can be unknown settings. Kubernetes service
/// links (recognised by name and value) are counted and logged, not
/// reported; the others are reported in name order.
fn unknown_in_env(out: &mut Unknowns<'_>, env: &EnvVars) {
    let prefix = out.schema.prefix();
    let mut links = ServiceLinks::default();
    let mut unknown_vars: Vec<&str> = env
        .names()
        .filter(|n| out.is_unknown(n))
        .filter(|n| {
            let link = env
                .vars_get(n)
                .is_some_and(|v| is_service_link(prefix, n, v));
            if link {
                links.count(n);
            }
            !link
        })
        .collect();
    unknown_vars.sort_unstable();
    for name in unknown_vars {
        out.variable(name, "", None);
    }
    links.log(prefix);
}

/// The `.env` file's unknown variables, in name order.
fn unknown_in_dotenv(out: &mut Unknowns<'_>, dotenv: &DotEnv) {
    let prefix = out.schema.prefix();
    let mut names: Vec<&String> = dotenv
        .vars
        .iter()
        .filter(|(n, v)| out.is_unknown(n) && !is_service_link(prefix, n, v))
        .map(|(n, _)| n)
        .collect();
    names.sort_unstable();
    let place = format!(" in {}", dotenv.path.display());
    for name in names {
        // Only the listed ones are pointed at.
        let at = (out.room() > 0)
            .then(|| dotenv.spot(name))
            .flatten()
            .map(|spot| locate::location(&dotenv.path, &dotenv.text, &spot, Point::Key));
        out.variable(name, &place, at);
    }
}

/// The config file's unknown keys and tables, and values written where a
/// section belongs.
fn unknown_in_file(out: &mut Unknowns<'_>, file: &ConfigFile) {
    let schema = out.schema;
    let mut unknown = Vec::new();
    unknown_keys(schema, &file.table, "", "", &mut unknown);
    let path = file.path.display();
    // Only the listed ones are pointed at: the file is searched once for them.
    let listed: Vec<&str> = unknown
        .iter()
        .take(out.room())
        .map(|(key, _)| key.as_str())
        .collect();
    let mut spots = file.spots(&listed).into_iter();
    for (raw_key, kind) in &unknown {
        let (raw_key, kind) = (raw_key.as_str(), *kind);
        let at = spots
            .next()
            .flatten()
            .map(|spot| locate::location(&file.path, &file.text, &spot, Point::Key));
        out.push(|out| {
            // A quoted TOML key can hold control characters: escape them.
            let key = printable_name(raw_key);
            match kind {
                KeyKind::SectionAsValue => out
                    .finding(format!(
                        "key `{key}` in config file {path} is ignored: `{key}` is a section, not a value"
                    ))
                    .with_remedy(format!(
                        "write its settings in a table: `[{key}]` and a line per setting under it"
                    ))
                    .with_location(at),
                KeyKind::Table => {
                    // A table that names no section: a typo of one at its level?
                    let parent = raw_key.rsplit_once('.').map_or("", |(parent, _)| parent);
                    let sections = section_paths(schema, parent);
                    let hint = suggest_name(raw_key, "", sections.iter().copied())
                        .map(|k| format!(" (did you mean `[{k}]`?)"))
                        .unwrap_or_default();
                    out.finding(format!(
                        "unknown table `[{key}]` in config file {path} is ignored{hint}"
                    ))
                    .with_remedy("remove it, or rename it to a section's name")
                    .with_location(at)
                }
                KeyKind::Value => {
                    let hint =
                        suggest_name(raw_key, "", schema.fields().iter().map(|f| f.name()))
                            .map(|k| format!(" (did you mean `{k}`?)"))
                            .unwrap_or_default();
                    out.finding(format!(
                        "unknown key `{key}` in config file {path} is ignored{hint}"
                    ))
                    .with_remedy("remove it, or rename it to a setting's field name")
                    .with_location(at)
                }
            }
        });
    }
}

/// The service-link variables a load ignored: how many, and the first few
/// Services they belong to (a fixed array: nothing is allocated per variable).
#[derive(Default)]
struct ServiceLinks<'a> {
    count: usize,
    services: [&'a str; 3],
    named: usize,
    more_services: bool,
}

impl<'a> ServiceLinks<'a> {
    fn count(&mut self, name: &'a str) {
        self.count += 1;
        let service = service_of(name);
        if self.services[..self.named].contains(&service) {
            return;
        }
        if self.named < self.services.len() {
            self.services[self.named] = service;
            self.named += 1;
        } else {
            self.more_services = true;
        }
    }

    /// One INFO line that names the Services and the fix.
    fn log(&self, prefix: &str) {
        if self.count == 0 {
            return;
        }
        let mut services = String::new();
        for (i, service) in self.services[..self.named].iter().enumerate() {
            if i > 0 {
                services.push_str(", ");
            }
            services.push_str(&service.to_ascii_lowercase().replace('_', "-"));
        }
        if self.more_services {
            services.push_str(", ...");
        }
        let count = self.count;
        tracing::info!(
            target: "asyncgate_config",
            "Ignoring {count} Kubernetes service-link variables under {prefix}_ (Services {services} in this namespace); `enableServiceLinks: false` in the pod spec stops the kubelet from injecting them",
        );
    }
}

/// What an unknown key of the config file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    /// A value no setting reads.
    Value,
    /// A section's name given a value instead of a table.
    SectionAsValue,
    /// A table that names no section.
    Table,
}

/// The keys of `table` (under the dotted `prefix`) that no setting reads,
/// with what each is. Tables are entered only where they name a section,
/// so the walk is as deep as the schema.
fn unknown_keys(
    schema: &Schema,
    table: &toml::Table,
    prefix: &str,
    shown: &str,
    out: &mut Vec<(String, KeyKind)>,
) {
    let mut path = String::new();
    for (key, value) in table {
        // Most keys name a setting: their path is made in one buffer, and
        // the path as shown only for the others.
        path.clear();
        if !prefix.is_empty() {
            path.push_str(prefix);
            path.push('.');
        }
        path.push_str(key);
        if schema.field(&path).is_some() {
            continue;
        }
        let path = path.clone();
        let shown = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{shown}.{key}")
        };
        if let Some(repeated) = schema.repeated_sections().iter().find(|r| r.path == path) {
            // Each element is walked as the section; a value of the wrong
            // shape is the reader's error.
            let settings = own_settings(schema, &path);
            match (repeated.repeat, value) {
                (Repeat::List, toml::Value::Array(items)) => {
                    for (i, item) in items.iter().take(MAX_ELEMENTS).enumerate() {
                        // An element is walked only when it has a key
                        // no setting reads (its path is made then).
                        if let toml::Value::Table(inner) = item
                            && !all_known(inner, &settings)
                        {
                            unknown_keys(schema, inner, &path, &format!("{shown}[{i}]"), out);
                        }
                    }
                }
                (_, toml::Value::Table(entries)) => {
                    for (name, entry) in entries.iter().take(MAX_ELEMENTS) {
                        if let toml::Value::Table(inner) = entry
                            && !all_known(inner, &settings)
                        {
                            let at = format!("{shown}{}", key_path(name));
                            unknown_keys(schema, inner, &path, &at, out);
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        let is_section = schema.is_section(&path);
        match value {
            toml::Value::Table(inner) if is_section => {
                unknown_keys(schema, inner, &path, &shown, out);
            }
            toml::Value::Table(_) => out.push((shown, KeyKind::Table)),
            _ if is_section => out.push((shown, KeyKind::SectionAsValue)),
            _ => out.push((shown, KeyKind::Value)),
        }
    }
}

/// The names of the settings directly in the section at `path` (`url`
/// for `upstreams.url`; not those of its own sections).
fn own_settings<'s>(schema: &'s Schema, path: &str) -> Vec<&'s str> {
    schema
        .fields()
        .iter()
        .filter_map(|f| f.name().strip_prefix(path)?.strip_prefix('.'))
        .filter(|rest| !rest.contains('.'))
        .collect()
}

/// Whether every key of `table` (a repeated section's element) is one of
/// its section's `settings`, with a plain value: the common case, checked
/// without allocating (a table or array is walked in full).
fn all_known(table: &toml::Table, settings: &[&str]) -> bool {
    table.iter().all(|(key, value)| {
        !matches!(value, toml::Value::Table(_) | toml::Value::Array(_))
            && settings.contains(&key.as_str())
    })
}

/// The dotted paths of the sections directly under `parent` (`""`: the
/// top level), each once.
fn section_paths<'s>(schema: &'s Schema, parent: &str) -> Vec<&'s str> {
    let mut paths: Vec<&str> = Vec::new();
    for field in schema.fields() {
        let name = field.name();
        let rest = if parent.is_empty() {
            Some(name)
        } else {
            name.strip_prefix(parent).and_then(|r| r.strip_prefix('.'))
        };
        // `a.b.c` under `a` gives the section `a.b`.
        if let Some(rest) = rest
            && let Some((segment, _)) = rest.split_once('.')
        {
            let path = &name[..name.len() - rest.len() + segment.len()];
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    paths
}
