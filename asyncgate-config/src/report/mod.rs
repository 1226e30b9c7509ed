//! Findings and the [`Report`] that carries them, with its renderings: the
//! human text (`Display` and `Debug`), the detailed `check` text and the
//! JSON shape (`Serialize`).

mod location;
mod render;

pub(crate) use location::Excerpt;
pub use location::Location;

use std::fmt;

use crate::environment::Environment;
use crate::provenance::{Resolution, Source};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The configuration must not be used.
    Error,
    /// Worth an operator's attention; the configuration is still valid.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// One problem found while loading or validating.
///
/// Messages never contain a secret's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    severity: Severity,
    setting: Option<String>,
    env_var: Option<String>,
    source: Option<Source>,
    location: Option<Location>,
    message: String,
    remedy: Option<String>,
}

impl Finding {
    /// An error about `setting` (empty for the whole configuration).
    pub fn error(setting: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, setting, message)
    }

    /// A warning about `setting` (empty for the whole configuration).
    pub fn warning(setting: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, setting, message)
    }

    fn new(severity: Severity, setting: impl Into<String>, message: impl Into<String>) -> Self {
        let setting = setting.into();
        Finding {
            severity,
            setting: (!setting.is_empty()).then_some(setting),
            env_var: None,
            source: None,
            location: None,
            message: message.into(),
            remedy: None,
        }
    }

    /// Names the environment variable (or file variable) involved.
    pub fn with_env_var(mut self, var: impl Into<String>) -> Self {
        self.env_var = Some(var.into());
        self
    }

    /// Records where the offending value came from.
    pub fn with_source(mut self, source: Source) -> Self {
        self.source = Some(source);
        self
    }

    /// Points at the place in a file.
    pub(crate) fn with_location(mut self, location: Option<Location>) -> Self {
        self.set_location(location);
        self
    }

    /// Points at the place in a file, when there is one.
    pub(crate) fn set_location(&mut self, location: Option<Location>) {
        if location.is_some() {
            self.location = location;
        }
    }

    /// Says how to fix it.
    pub fn with_remedy(mut self, remedy: impl Into<String>) -> Self {
        self.remedy = Some(remedy.into());
        self
    }

    /// Error or warning.
    pub fn severity(&self) -> Severity {
        self.severity
    }
    /// The setting's field name, if the finding is about one.
    pub fn setting(&self) -> Option<&str> {
        self.setting.as_deref()
    }
    /// Puts the finding under a section's path: `max` becomes
    /// `database.pool.max`; a finding about no one setting names the
    /// section itself.
    pub(crate) fn in_section(mut self, section: &str) -> Self {
        self.setting = Some(match self.setting.take() {
            Some(name) => format!("{section}.{name}"),
            None => section.to_owned(),
        });
        self
    }
    /// The environment variable involved, if any.
    pub fn env_var(&self) -> Option<&str> {
        self.env_var.as_deref()
    }
    /// Where the offending value came from, if known.
    pub fn source(&self) -> Option<&Source> {
        self.source.as_ref()
    }
    /// Where in a file (config file or `.env`) the offending value or key
    /// is, when it came from one: `file:line:column` and the line.
    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }
    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// How to fix it.
    pub fn remedy(&self) -> Option<&str> {
        self.remedy.as_deref()
    }
    /// `true` for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.severity)?;
        if let Some(setting) = &self.setting {
            write!(f, "[{setting}]")?;
        }
        let mut lines = self.message.lines();
        write!(f, ": {}", lines.next().unwrap_or_default())?;
        for line in lines {
            write!(f, "\n  {line}")?;
        }
        if let Some(var) = &self.env_var {
            write!(f, "\n    env var: {var}")?;
        }
        if let Some(source) = &self.source {
            write!(f, "\n    source:  {source}")?;
        }
        if let Some(location) = &self.location {
            location.write_block(f)?;
        }
        if let Some(remedy) = &self.remedy {
            let mut lines = remedy.lines();
            if let Some(first) = lines.next() {
                write!(f, "\n    fix:     {first}")?;
            }
            for line in lines {
                write!(f, "\n             {line}")?;
            }
        }
        Ok(())
    }
}

/// Every finding of a load or validation: errors first, then warnings,
/// with what was resolved (when the environment and the instance id were).
///
/// `Display` and `Debug` both print the report an operator reads, so
/// `fn main() -> Result<(), Report>` shows it and exits 1;
/// [`detailed`](Report::detailed) adds every setting with its source and
/// the detection trace (what `check` prints); `Serialize` gives the JSON
/// that `check --format json` prints, a stable format:
///
/// ```json
/// {
///   "ok": false,
///   "config": "Settings",
///   "env": "production",
///   "env_rules": "production",
///   "instance_id": "asyncgate-1",
///   "instance_id_origin": "configured",
///   "platform": null,
///   "findings": [
///     {"severity": "error", "setting": "api_key", "env_var": "ASYNCGATE_API_KEY",
///      "message": "api_key is required in production environment",
///      "remedy": "set ASYNCGATE_API_KEY (or ASYNCGATE_API_KEY_FILE to a file holding it)",
///      "source": null, "file": null, "line": null, "column": null},
///     {"severity": "error", "setting": "port", "env_var": "ASYNCGATE_PORT",
///      "message": "invalid value for `port` (u16): expected an integer from 0 to 65535, found `80a`",
///      "remedy": "set `port` in the config file to a valid u16",
///      "source": "key `port` in app.toml", "file": "app.toml", "line": 3, "column": 8}
///   ],
///   "settings": {
///     "port": {"value": "8080", "invalid": null, "source": "default", "source_kind": "default", "env_var": "ASYNCGATE_PORT"},
///     "timeout": {"value": null, "invalid": "expected a duration such as `30s`", "source": "environment variable ASYNCGATE_TIMEOUT", "source_kind": "env", "env_var": "ASYNCGATE_TIMEOUT"}
///   },
///   "detection": [
///     {"platform": "fly", "matched": false, "var": null, "detail": "Fly.io: not detected (FLY_ALLOC_ID not set)"}
///   ],
///   "detection_override": null
/// }
/// ```
///
/// A finding about a value or key in a config file or `.env` (a wrong
/// type, a bad duration, an unknown key, a syntax error) has its `file`,
/// `line` and `column` (from 1, in characters); the text rendering also
/// shows the line with a caret under the value (see [`Location`]).
///
/// A setting's `invalid` says why its value is unusable (it did not
/// parse, or is required and unset; never a secret's value), else `null`.
/// `env` is the environment's name as configured (a team's own, such as
/// `qa`, or the tier's) and `env_rules` the tier whose rules apply. A
/// finding's `setting` is the setting's dotted path (`database.pool.max`),
/// a section's path for a finding of a section's `check` about the whole
/// section, or `null` for one about the whole configuration.
/// `detection_override` is the value of `<PREFIX>_PLATFORM` when it forces
/// a platform (its key) or switches detection off (`none`), else `null`.
/// `env`, `instance_id`, `instance_id_origin` and `platform` are `null`
/// when they could not be resolved; `settings` and `detection` are then
/// empty. Secrets show as `[redacted]`. Fields may be added; none will be
/// removed or change meaning.
#[derive(Clone)]
pub struct Report {
    config: &'static str,
    environment: Option<Environment>,
    findings: Vec<Finding>,
    resolution: Option<Box<Resolution>>,
}

impl Report {
    pub(crate) fn new(
        config: &'static str,
        environment: Option<Environment>,
        mut findings: Vec<Finding>,
    ) -> Self {
        findings.sort_by_key(Finding::severity);
        Report {
            config,
            environment,
            findings,
            resolution: None,
        }
    }

    pub(crate) fn with_resolution(mut self, resolution: Resolution) -> Self {
        self.resolution = Some(Box::new(resolution));
        self
    }

    /// What was resolved: present when the environment and the instance id
    /// were (always, for a failed validation).
    pub fn resolution(&self) -> Option<&Resolution> {
        self.resolution.as_deref()
    }

    /// Every finding, errors first.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }
    /// Only the errors.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_error())
    }
    /// Only the warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.is_error())
    }
    /// The environment the configuration was checked for, when it parsed.
    pub fn environment(&self) -> Option<Environment> {
        self.environment
    }
    /// The name of the settings struct.
    pub fn config_name(&self) -> &'static str {
        self.config
    }
    /// `true` when there is no error (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.errors().next().is_none()
    }
}

impl std::error::Error for Report {}
