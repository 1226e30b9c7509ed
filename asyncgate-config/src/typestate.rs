//! The typestate: [`Loaded<T>`], which only the pipeline
//! ([`Loader::load`](crate::load::Loader::load)) makes, and
//! [`Validated<T>`], which only [`Loaded::validate`] makes.

use std::fmt;
use std::ops::Deref;

use crate::GateConfig;
use crate::provenance::Resolution;
use crate::report::{Finding, Report};
use crate::validate::{self, Parsed, Policy};

/// Settings that loaded and parsed, but have not been validated yet.
///
/// Call [`validate`](Loaded::validate) to get a [`Validated<T>`].
#[must_use = "loaded settings are not validated: call `.validate()`"]
pub struct Loaded<T> {
    value: T,
    resolution: Resolution,
    /// Warnings found while loading.
    findings: Vec<Finding>,
    policy: Policy,
}

impl<T> Loaded<T> {
    /// Settings the pipeline loaded without an error.
    pub(crate) fn new(
        value: T,
        resolution: Resolution,
        findings: Vec<Finding>,
        policy: Policy,
    ) -> Self {
        Loaded {
            value,
            resolution,
            findings,
            policy,
        }
    }
    /// What the load resolved: instance id, its origin, sources.
    pub fn resolution(&self) -> &Resolution {
        &self.resolution
    }
    /// The warnings found while loading (unknown variables, ...);
    /// validation adds its own.
    pub fn warnings(&self) -> &[Finding] {
        &self.findings
    }
}

impl<T: GateConfig> Loaded<T> {
    /// Runs every validation rule and returns the settings in a form that
    /// proves it, or a [`Report`] with every finding.
    ///
    /// On success it logs `Instance ID validated: <id> (env: <env>)` and
    /// `Environment: <env>` at INFO (`<env>` as reports name it: `prod
    /// (production rules)` for a name of the team's own), and each warning
    /// at WARN.
    pub fn validate(self) -> Result<Validated<T>, Report> {
        let Loaded {
            value,
            resolution,
            mut findings,
            policy,
        } = self;
        validate::run(Parsed::Whole(&value), &resolution, policy, &mut findings);
        if findings.iter().any(Finding::is_error) {
            let report = Report::new(
                resolution.schema.name(),
                Some(resolution.environment),
                findings,
            );
            return Err(report.with_resolution(resolution));
        }
        for warning in &findings {
            tracing::warn!(target: "asyncgate_config", "{}", warning);
        }
        // The environment as reports name it: `prod (production rules)`.
        let environment = resolution.environment_label();
        tracing::info!(
            target: "asyncgate_config",
            "Instance ID validated: {} (env: {environment})",
            resolution.instance_id,
        );
        tracing::info!(target: "asyncgate_config", "Environment: {environment}");
        Ok(Validated {
            value,
            resolution,
            warnings: findings,
        })
    }
}

impl<T> Deref for Loaded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// `Debug` shows the settings as `check` does (secrets redacted, passwords
/// in connection strings masked, each with its source), never `T`'s own
/// `Debug`, which would print a `String` URL with its password.
impl<T> fmt::Debug for Loaded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loaded")
            .field("instance_id", &self.resolution.instance_id)
            .field("environment", &self.resolution.environment_label())
            .field("settings", &SettingsDebug(&self.resolution))
            .finish()
    }
}

/// Each setting's shown value (`None` when unset) and source.
struct SettingsDebug<'a>(&'a Resolution);

impl fmt::Debug for SettingsDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, _, record) in self.0.listed() {
            let source = record.source().map(ToString::to_string);
            map.entry(&name, &(record.value(), source));
        }
        map.finish()
    }
}

/// Settings that passed validation.
///
/// The only way to get one is [`Loaded::validate`]: there is no public
/// constructor, no `Default`, `From`, `Deserialize` or `DerefMut`, so a
/// function that takes `Validated<Settings>` cannot be called with
/// settings that skipped validation.
///
/// ```
/// # use asyncgate_config::{GateConfig, Validated};
/// # #[derive(GateConfig)]
/// # #[gate(prefix = "APP")]
/// # struct Settings {
/// #     #[gate(environment, default = "development")]
/// #     env: asyncgate_config::Environment,
/// #     #[gate(instance_id, default = "app-1")]
/// #     instance_id: asyncgate_config::InstanceId,
/// #     #[gate(default = 8080)]
/// #     port: u16,
/// # }
/// fn serve(settings: Validated<Settings>) -> u16 {
///     settings.port // reads through `Deref`
/// }
///
/// let settings = Settings::loader().env([("APP_PORT", "9000")]).dotenv(false).load()?.validate()?;
/// assert_eq!(serve(settings), 9000);
/// # Ok::<(), asyncgate_config::Report>(())
/// ```
#[must_use]
pub struct Validated<T> {
    value: T,
    resolution: Resolution,
    warnings: Vec<Finding>,
}

impl<T> Validated<T> {
    /// Gives up the proof and returns the settings.
    pub fn into_inner(self) -> T {
        self.value
    }
    /// What the load resolved: instance id, its origin, sources, warnings.
    pub fn resolution(&self) -> &Resolution {
        &self.resolution
    }
    /// The warnings validation accepted. Each was also logged at WARN;
    /// a service without a `tracing` subscriber should print them:
    ///
    /// ```
    /// # use asyncgate_config::{Environment, GateConfig, InstanceId};
    /// # #[derive(GateConfig)]
    /// # #[gate(prefix = "APP")]
    /// # struct Settings {
    /// #     #[gate(environment, default = "development")]
    /// #     env: Environment,
    /// #     #[gate(instance_id, default = "app-1")]
    /// #     instance_id: InstanceId,
    /// # }
    /// let env = [("APP_ENV", "production"), ("APP_INSTANCE_ID", "w-7")];
    /// let settings = Settings::loader().env(env).dotenv(false).load()?.validate()?;
    /// for warning in settings.warnings() {
    ///     eprintln!("{warning}");
    /// }
    /// assert!(settings.warnings()[0].message().contains("only 3 characters"));
    /// # Ok::<(), asyncgate_config::Report>(())
    /// ```
    pub fn warnings(&self) -> &[Finding] {
        &self.warnings
    }

    /// A report of the valid configuration: its warnings, every setting
    /// with its source and the detection trace, for `check`-style output
    /// ([`Report::detailed`], or JSON through `Serialize`).
    pub fn report(&self) -> Report {
        Report::new(
            self.resolution.schema.name(),
            Some(self.resolution.environment),
            self.warnings.clone(),
        )
        .with_resolution(self.resolution.clone())
    }
}

impl<T> Deref for Validated<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: Clone> Clone for Validated<T> {
    fn clone(&self) -> Self {
        Validated {
            value: self.value.clone(),
            resolution: self.resolution.clone(),
            warnings: self.warnings.clone(),
        }
    }
}

/// As for [`Loaded`]: the settings as `check` shows them.
impl<T> fmt::Debug for Validated<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validated")
            .field("instance_id", &self.resolution.instance_id)
            .field("environment", &self.resolution.environment_label())
            .field("settings", &SettingsDebug(&self.resolution))
            .finish()
    }
}
