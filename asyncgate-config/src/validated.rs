//! The typestate: `Loaded<T>` comes out of a load, `Validated<T>` only out
//! of [`Loaded::validate`].

use std::fmt;
use std::ops::Deref;

use crate::resolution::Resolution;
use crate::{Finding, GateConfig, Report};

/// Settings that loaded and parsed, but have not been validated yet.
///
/// Call [`validate`](Loaded::validate) to get a [`Validated<T>`].
#[must_use = "loaded settings are not validated: call `.validate()`"]
pub struct Loaded<T> {
    pub(crate) value: T,
    pub(crate) resolution: Resolution,
}

impl<T> Loaded<T> {
    /// What the load resolved: instance id, its origin, sources.
    pub fn resolution(&self) -> &Resolution {
        &self.resolution
    }
}

impl<T: GateConfig> Loaded<T> {
    /// Runs every validation rule and returns the settings in a form that
    /// proves it, or a [`Report`] with every finding.
    ///
    /// On success it logs `Instance ID validated: <id> (env: <env>)` and
    /// `Environment: <env>` at INFO, and each warning at WARN.
    pub fn validate(self) -> Result<Validated<T>, Report> {
        let Loaded {
            value,
            mut resolution,
        } = self;
        let mut findings = std::mem::take(&mut resolution.warnings);
        crate::rules::check_all(&value, &resolution, &mut findings);
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
        tracing::info!(
            target: "asyncgate_config",
            "Instance ID validated: {} (env: {})",
            resolution.instance_id,
            resolution.environment
        );
        tracing::info!(target: "asyncgate_config", "Environment: {}", resolution.environment);
        resolution.warnings = findings;
        Ok(Validated { value, resolution })
    }
}

impl<T> Deref for Loaded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Loaded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Loaded").field(&self.value).finish()
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
    /// The warnings validation accepted.
    pub fn warnings(&self) -> &[Finding] {
        &self.resolution.warnings
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
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Validated<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Validated").field(&self.value).finish()
    }
}
