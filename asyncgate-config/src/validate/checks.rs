//! The public `Checks` API: what a struct-level `check` function gets.

use crate::environment::Environment;
use crate::instance_id::InstanceId;
use crate::provenance::Resolution;
use crate::report::Finding;

/// The context a struct-level `check` function gets: the environment, the
/// instance id, and a place to add findings.
///
/// ```
/// use asyncgate_config::validate::Checks;
/// use asyncgate_config::{Finding, GateConfig};
///
/// #[derive(Debug, GateConfig)]
/// #[gate(prefix = "APP", check = no_debug_in_production)]
/// struct Settings {
///     #[gate(environment, default = "development")]
///     env: asyncgate_config::Environment,
///     #[gate(instance_id, default = "app-1")]
///     instance_id: asyncgate_config::InstanceId,
///     #[gate(default = false)]
///     debug: bool,
/// }
///
/// fn no_debug_in_production(settings: &Settings, checks: &mut Checks<'_>) {
///     if settings.debug && !checks.environment().is_development() {
///         checks.push(Finding::error("debug", "debug must be off outside development"));
///     }
/// }
///
/// let env = [("APP_ENV", "production"), ("APP_DEBUG", "true"), ("APP_INSTANCE_ID", "app-7f3c9e21")];
/// let report = Settings::loader().env(env).dotenv(false).load()?.validate().unwrap_err();
/// assert!(report.to_string().contains("debug must be off outside development"));
/// # Ok::<(), asyncgate_config::Report>(())
/// ```
#[derive(Debug)]
pub struct Checks<'a> {
    resolution: &'a Resolution,
    findings: &'a mut Vec<Finding>,
    /// The dotted path of the section whose check runs; empty at the top.
    section: String,
}

impl<'a> Checks<'a> {
    pub(super) fn new(resolution: &'a Resolution, findings: &'a mut Vec<Finding>) -> Self {
        Checks {
            resolution,
            findings,
            section: String::new(),
        }
    }
}

impl Checks<'_> {
    /// The deployment environment: the tier whose rules apply.
    pub fn environment(&self) -> Environment {
        self.resolution.environment
    }

    /// The environment's name as configured (`qa` for a name of the
    /// team's own that follows staging rules).
    pub fn environment_name(&self) -> &'static str {
        self.resolution.environment_name
    }

    /// The resolved instance id.
    pub fn instance_id(&self) -> &InstanceId {
        &self.resolution.instance_id
    }

    /// Everything the load resolved.
    pub fn resolution(&self) -> &Resolution {
        self.resolution
    }

    /// The dotted path of the section whose `check` function runs
    /// (`database.pool`); `None` in the loaded struct's own check.
    pub fn section(&self) -> Option<&str> {
        (!self.section.is_empty()).then_some(self.section.as_str())
    }

    /// Runs a section's checks with findings named under `field`, the
    /// field that nests it. Used by generated code.
    #[doc(hidden)]
    pub fn __section(&mut self, field: &str, check: impl FnOnce(&mut Checks<'_>)) {
        let section = if self.section.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.section)
        };
        check(&mut Checks {
            resolution: self.resolution,
            findings: self.findings,
            section,
        });
    }

    /// Runs an element's checks with findings named under the element's
    /// path: the section's, then `label` (`[1]`, `.acme`). Used by
    /// generated code (through `Vec<S>` and maps of `S`).
    #[doc(hidden)]
    pub fn __element(&mut self, label: &str, check: impl FnOnce(&mut Checks<'_>)) {
        let mut section = String::with_capacity(self.section.len() + label.len());
        section.push_str(&self.section);
        section.push_str(label);
        check(&mut Checks {
            resolution: self.resolution,
            findings: self.findings,
            section,
        });
    }

    /// Runs `check` with findings named under the dotted `path` (from the
    /// loaded struct): a section that parsed inside a struct that did not.
    pub(super) fn in_section(&mut self, path: &str, check: impl FnOnce(&mut Checks<'_>)) {
        check(&mut Checks {
            resolution: self.resolution,
            findings: self.findings,
            section: path.to_owned(),
        });
    }

    /// Adds a finding. When it names a setting of the schema, its env var
    /// and source are filled in; an identical finding is not added twice.
    ///
    /// In a section's `check` function, name the section's own fields
    /// (`max`): the finding is reported under the full path
    /// (`database.pool.max`, `ORDERS_DATABASE_POOL_MAX`), wherever the
    /// section is nested. A finding about no one setting names the section.
    pub fn push(&mut self, finding: Finding) {
        let mut finding = if self.section.is_empty() {
            finding
        } else {
            finding.in_section(&self.section)
        };
        if let Some(name) = finding.setting()
            && let Some((_, env, _, record)) = self
                .resolution
                .every_setting()
                .find(|(setting, ..)| *setting == name)
        {
            if finding.env_var().is_none() {
                finding = finding.with_env_var(env.to_owned());
            }
            if finding.source().is_none()
                && let Some(source) = record.source()
            {
                finding = finding.with_source(source.clone());
            }
        }
        let duplicate = self.findings.iter().any(|f| {
            f.severity() == finding.severity()
                && f.setting() == finding.setting()
                && f.message() == finding.message()
        });
        if !duplicate {
            self.findings.push(finding);
        }
    }
}
