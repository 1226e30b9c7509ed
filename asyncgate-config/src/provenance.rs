//! Where every value came from: each setting's [`Source`] and record, how
//! the instance id was obtained (with the detection trace), and the
//! [`Resolution`] that gathers them for reports, logs and `check`.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::environment::Environment;
use crate::instance_id::InstanceId;
use crate::platform::Platform;
use crate::schema::{FieldSchema, Schema};

#[cfg(feature = "opentelemetry")]
mod facts;
#[cfg(feature = "opentelemetry")]
pub(crate) use facts::PlatformFacts;

/// The origin of one setting's value, kept for error messages, logs and
/// `asyncgate check`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// The `default = ...` of the field's attribute.
    Default,
    /// A process environment variable.
    Env {
        /// The variable's name (`ORDERS_UPSTREAMS_1_URL` for an element of
        /// a repeated section: composed, hence not always `'static`).
        var: Cow<'static, str>,
    },
    /// A line of the `.env` file.
    DotEnv {
        /// The `.env` file.
        path: Arc<Path>,
        /// The variable's name.
        var: Cow<'static, str>,
    },
    /// A key of the TOML configuration file.
    File {
        /// The configuration file.
        path: Arc<Path>,
        /// The key: the field's dotted name, or an element's path
        /// (`upstreams[1].url`, `tenants.acme.url`).
        key: Cow<'static, str>,
    },
    /// A secret read from the file named by `NAME_FILE`.
    SecretFile {
        /// The `NAME_FILE` variable.
        var: Cow<'static, str>,
        /// The file it names.
        path: Arc<Path>,
    },
    /// Detected from a platform's environment variable.
    Detected {
        /// The platform.
        platform: Platform,
        /// The variable the id was read from.
        var: &'static str,
    },
    /// `<hostname>-<random>`: no platform was detected outside development.
    Fallback,
    /// Set by the program through `Loader::set` / `Loader::set_from`.
    Override {
        /// What the program took it from, e.g. the flag `--port`.
        origin: Option<Arc<str>>,
    },
}

impl Source {
    /// A short machine-readable name: `default`, `env`, `dotenv`, `file`,
    /// `secret_file`, `detected`, `fallback` or `override`.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::Env { .. } => "env",
            Source::DotEnv { .. } => "dotenv",
            Source::File { .. } => "file",
            Source::SecretFile { .. } => "secret_file",
            Source::Detected { .. } => "detected",
            Source::Fallback => "fallback",
            Source::Override { .. } => "override",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::Env { var } => write!(f, "environment variable {var}"),
            Source::DotEnv { path, var } => write!(f, "{var} in {}", path.display()),
            Source::File { path, key } => write!(f, "key `{key}` in {}", path.display()),
            Source::SecretFile { var, path } => write!(f, "file {} (from {var})", path.display()),
            Source::Detected { platform, var } => {
                write!(f, "detected on {} ({var})", platform.display_name())
            }
            Source::Fallback => f.write_str("fallback (hostname + random suffix)"),
            Source::Override { origin: None } => f.write_str("set by the program"),
            Source::Override {
                origin: Some(origin),
            } => write!(f, "set by the program from {origin}"),
        }
    }
}

/// How the instance id was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InstanceIdOrigin {
    /// Set explicitly (env var, `.env` or file) to a value other than the default.
    Configured,
    /// Detected from a platform's environment.
    Detected,
    /// `<hostname>-<random>`: no platform, outside development.
    Fallback,
    /// The attribute's default (development without a platform).
    Default,
}

impl InstanceIdOrigin {
    /// `configured`, `detected`, `fallback` or `default`.
    pub const fn as_str(self) -> &'static str {
        match self {
            InstanceIdOrigin::Configured => "configured",
            InstanceIdOrigin::Detected => "detected",
            InstanceIdOrigin::Fallback => "fallback",
            InstanceIdOrigin::Default => "default",
        }
    }
}

impl fmt::Display for InstanceIdOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The id a platform gives this replica, as detection read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformId {
    /// The platform.
    pub platform: Platform,
    /// The variable the id was read from (`POD_NAME`).
    pub var: &'static str,
    /// The id, normalised to the id rules.
    pub id: InstanceId,
}

impl From<(Platform, &'static str, InstanceId)> for PlatformId {
    fn from((platform, var, id): (Platform, &'static str, InstanceId)) -> Self {
        PlatformId { platform, var, id }
    }
}

/// One setting's resolved value as text (secrets redacted), its source,
/// and, when it did not parse, why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingRecord {
    value: Option<String>,
    source: Option<Source>,
    /// Why the value is unusable: it did not parse, or is required and unset.
    problem: Option<String>,
    /// Whether the setting is on or present, for `required_in` and
    /// `forbidden_in`; recorded only for fields with such a rule.
    on: Option<bool>,
    /// For a secret given as text: what its strength rules need, and
    /// nothing of the value itself.
    strength: Option<SecretStrength>,
}

/// What validation may know of a secret's value: its length in characters
/// and whether it is a well-known placeholder (`changeme`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SecretStrength {
    pub(crate) chars: usize,
    pub(crate) placeholder: bool,
}

impl SettingRecord {
    pub(crate) fn unset() -> Self {
        SettingRecord {
            value: None,
            source: None,
            problem: None,
            on: None,
            strength: None,
        }
    }
    pub(crate) fn new(value: Option<String>, source: Option<Source>) -> Self {
        SettingRecord {
            value,
            source,
            ..SettingRecord::unset()
        }
    }
    /// A setting whose value is unusable, and why (shown in `check`; it
    /// holds no secret: a secret's reason never quotes its value).
    pub(crate) fn failed(source: Option<Source>, problem: impl Into<String>) -> Self {
        SettingRecord {
            source,
            problem: Some(problem.into()),
            ..SettingRecord::unset()
        }
    }
    pub(crate) fn set_strength(&mut self, strength: SecretStrength) {
        self.strength = Some(strength);
    }
    pub(crate) fn strength(&self) -> Option<SecretStrength> {
        self.strength
    }
    pub(crate) fn set_on(&mut self, on: bool) {
        self.on = Some(on);
    }
    pub(crate) fn on(&self) -> Option<bool> {
        self.on
    }
    /// The value as given, `[redacted]` for secrets; `None` when unset.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }
    /// Where it came from; `None` when unset.
    pub fn source(&self) -> Option<&Source> {
        self.source.as_ref()
    }
    /// Whether its value failed to parse (the report says why).
    pub fn is_failed(&self) -> bool {
        self.problem.is_some()
    }
    /// Why its value is unusable (`expected a number ...`, `required but
    /// not set`), when it is.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }
}

/// One setting of one element of a repeated section (`upstreams[1].url`,
/// `tenants.acme.quota`), with its record: see
/// [`Resolution::elements`].
#[derive(Clone, Debug)]
pub struct ElementSetting {
    /// The path, then the variable, in one string (one allocation per
    /// element setting): `upstreams[1].urlORDERS_UPSTREAMS_1_URL`.
    names: Box<str>,
    /// Where the variable starts in `names`.
    split: usize,
    pub(crate) field: &'static FieldSchema,
    pub(crate) record: SettingRecord,
    /// The flat index of `field` among the schema's settings.
    pub(crate) index: usize,
}

impl ElementSetting {
    /// A setting of an element, at `path`, read from `env`; unset so far.
    pub(crate) fn new(
        path: &[&str],
        env: &[&str],
        field: &'static FieldSchema,
        index: usize,
    ) -> Self {
        let len = path.iter().chain(env).map(|p| p.len()).sum();
        let mut names = String::with_capacity(len);
        path.iter().for_each(|p| names.push_str(p));
        let split = names.len();
        env.iter().for_each(|p| names.push_str(p));
        ElementSetting {
            names: names.into_boxed_str(),
            split,
            field,
            record: SettingRecord::unset(),
            index,
        }
    }

    /// Its path: `upstreams[1].url`, `tenants.acme.quota`.
    pub fn path(&self) -> &str {
        &self.names[..self.split]
    }
    /// The variable that sets it: `ORDERS_UPSTREAMS_1_URL`.
    pub fn env(&self) -> &str {
        &self.names[self.split..]
    }
    /// The setting of the section it is a copy of (`upstreams.url`).
    pub fn field(&self) -> &'static FieldSchema {
        self.field
    }
    /// Its value, source and problem.
    pub fn record(&self) -> &SettingRecord {
        &self.record
    }
}

/// Everything a load resolved besides the typed settings themselves.
#[derive(Clone, Debug)]
pub struct Resolution {
    pub(crate) schema: &'static Schema,
    pub(crate) environment: Environment,
    pub(crate) environment_name: &'static str,
    pub(crate) instance_id: InstanceId,
    pub(crate) origin: InstanceIdOrigin,
    pub(crate) platform: Option<Platform>,
    pub(crate) trace: Vec<TraceStep>,
    pub(crate) platform_id: Option<PlatformId>,
    pub(crate) detection_override: Option<DetectionOverride>,
    /// What the platform's variables say besides the id (for telemetry).
    #[cfg(feature = "opentelemetry")]
    pub(crate) facts: PlatformFacts,
    pub(crate) settings: Vec<SettingRecord>,
    /// The settings of the elements of repeated sections, in load order.
    pub(crate) elements: Vec<ElementSetting>,
}

/// An operator's override of detection, from `<PREFIX>_PLATFORM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DetectionOverride {
    /// `<PREFIX>_PLATFORM=<key>`: only this platform's detection runs.
    Forced(Platform),
    /// `<PREFIX>_PLATFORM=none`: detection is off; the id is configured,
    /// or the default (development) or the fallback.
    Off,
}

impl DetectionOverride {
    /// The value that sets it: the platform's key, or `none`.
    pub fn key(self) -> &'static str {
        match self {
            DetectionOverride::Forced(platform) => platform.key(),
            DetectionOverride::Off => "none",
        }
    }
}

impl Resolution {
    /// The schema of the settings struct.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }
    /// The deployment environment: the tier whose rules apply.
    pub fn environment(&self) -> Environment {
        self.environment
    }
    /// The environment's name as configured: `qa` for a team's own name
    /// that follows staging rules, else the tier's name.
    pub fn environment_name(&self) -> &'static str {
        self.environment_name
    }
    /// Whether a rule listed for environment `name` applies here: `name` is
    /// this environment's own name (`qa`), or its tier's (`staging` covers
    /// `qa` too).
    pub fn is_environment(&self, name: &str) -> bool {
        name == self.environment_name || name == self.environment.as_str()
    }
    /// `production`, or `qa (staging rules)` for a name of the team's own.
    pub fn environment_label(&self) -> String {
        if self.environment_name == self.environment.as_str() {
            self.environment_name.to_owned()
        } else {
            format!("{} ({} rules)", self.environment_name, self.environment)
        }
    }
    /// `production environment`, or `qa environment (staging rules)`: how
    /// rule messages name it.
    pub(crate) fn environment_phrase(&self) -> String {
        if self.environment_name == self.environment.as_str() {
            format!("{} environment", self.environment_name)
        } else {
            format!(
                "{} environment ({} rules)",
                self.environment_name, self.environment
            )
        }
    }
    /// The resolved instance id.
    pub fn instance_id(&self) -> &InstanceId {
        &self.instance_id
    }
    /// How the instance id was obtained.
    pub fn instance_id_origin(&self) -> InstanceIdOrigin {
        self.origin
    }
    /// The platform the id was detected on, if any.
    pub fn platform(&self) -> Option<Platform> {
        self.platform
    }
    /// The id this replica's platform gives it, when detection found one:
    /// the id itself when it was detected, and also when a configured id
    /// overrides it (validation compares the two).
    pub fn platform_id(&self) -> Option<&PlatformId> {
        self.platform_id.as_ref()
    }
    /// Every platform check, in order (empty when the id was configured).
    pub fn detection_trace(&self) -> &[TraceStep] {
        &self.trace
    }
    /// The operator's override of detection (`<PREFIX>_PLATFORM`), if set.
    pub fn detection_override(&self) -> Option<DetectionOverride> {
        self.detection_override
    }
    /// Every setting with its record, in declaration order.
    pub fn settings(&self) -> impl Iterator<Item = (&'static FieldSchema, &SettingRecord)> {
        self.schema.fields().iter().zip(&self.settings)
    }
    /// The settings of every element of the repeated sections (`Vec<S>`,
    /// maps of `S`), each by its path (`upstreams[1].url`): the schema's
    /// own settings of those sections (`upstreams.url`, in
    /// [`settings`](Resolution::settings)) are the pattern, never set.
    pub fn elements(&self) -> &[ElementSetting] {
        &self.elements
    }
    /// The record of the setting at `path`: a schema setting's name
    /// (`database.url`) or an element's path (`upstreams[1].url`).
    pub fn setting(&self, path: &str) -> Option<&SettingRecord> {
        self.settings()
            .find(|(f, _)| f.name() == path)
            .map(|(_, r)| r)
            .or_else(|| {
                self.elements
                    .iter()
                    .find(|e| e.path() == path)
                    .map(|e| &e.record)
            })
    }
    /// The settings a report lists, by name, env var and record: the
    /// schema's, except the patterns of repeated sections, then each
    /// element's.
    pub(crate) fn listed(&self) -> impl Iterator<Item = (&str, &str, &SettingRecord)> {
        let repeated = self.schema.repeated_sections();
        self.every_setting()
            .filter(move |(name, _, field, _)| {
                // A pattern is named by its field's own name.
                *name != field.name()
                    || !repeated.iter().any(|r| {
                        name.strip_prefix(r.path)
                            .is_some_and(|rest| rest.starts_with('.'))
                    })
            })
            .map(|(name, env, _, record)| (name, env, record))
    }
    /// Every setting by name, env var, schema entry and record: the
    /// schema's, then the elements' (for the rules that run on each).
    pub(crate) fn every_setting(
        &self,
    ) -> impl Iterator<Item = (&str, &str, &'static FieldSchema, &SettingRecord)> {
        self.settings()
            .map(|(f, r)| (f.name(), f.env(), f, r))
            .chain(
                self.elements
                    .iter()
                    .map(|e| (e.path(), e.env(), e.field, &e.record)),
            )
    }
}

/// What detection found for one platform.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The platform's variable identified this replica.
    Matched {
        /// The variable the id came from.
        var: &'static str,
        /// The id.
        id: InstanceId,
    },
    /// The platform is present, but a platform earlier in the order matched.
    Shadowed {
        /// The variable that showed the platform.
        var: &'static str,
    },
    /// None of the platform's variables is set.
    Absent {
        /// What was looked at.
        vars: &'static [&'static str],
    },
    /// The platform is present, but its value gave no usable id.
    Unusable {
        /// The variable.
        var: &'static str,
        /// Why it was not used.
        reason: &'static str,
    },
}

/// One platform's check in the detection trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceStep {
    /// The platform checked.
    pub platform: Platform,
    /// What was found.
    pub outcome: Outcome,
}

impl TraceStep {
    /// `true` when this step gave the id.
    pub fn matched(&self) -> bool {
        matches!(self.outcome, Outcome::Matched { .. })
    }
}

impl fmt::Display for TraceStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.platform.display_name();
        match &self.outcome {
            Outcome::Matched { var, id } => write!(f, "{name}: matched {var} -> {id}"),
            Outcome::Shadowed { var } => {
                write!(
                    f,
                    "{name}: {var} is set, but a platform earlier in the order matched"
                )
            }
            Outcome::Absent { vars } => {
                write!(f, "{name}: not detected ({} not set)", vars.join(", "))
            }
            Outcome::Unusable { var, reason } => write!(f, "{name}: {var} ignored: {reason}"),
        }
    }
}
