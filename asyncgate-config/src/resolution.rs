//! What a load resolved: the environment, the instance id and where it came
//! from, the detection trace, and every setting's source.

use std::fmt;

use crate::schema::{FieldSchema, Schema};
use crate::{Environment, Finding, InstanceId, Platform, Source, TraceStep};

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

/// One setting's resolved value as text (secrets redacted) and its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingRecord {
    value: Option<String>,
    source: Option<Source>,
}

impl SettingRecord {
    pub(crate) fn unset() -> Self {
        SettingRecord {
            value: None,
            source: None,
        }
    }
    pub(crate) fn new(value: Option<String>, source: Option<Source>) -> Self {
        SettingRecord { value, source }
    }
    /// The value as given, `[redacted]` for secrets; `None` when unset.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }
    /// Where it came from; `None` when unset.
    pub fn source(&self) -> Option<&Source> {
        self.source.as_ref()
    }
}

/// Everything a load resolved besides the typed settings themselves.
#[derive(Clone, Debug)]
pub struct Resolution {
    pub(crate) schema: &'static Schema,
    pub(crate) environment: Environment,
    pub(crate) instance_id: InstanceId,
    pub(crate) origin: InstanceIdOrigin,
    pub(crate) platform: Option<Platform>,
    pub(crate) trace: Vec<TraceStep>,
    pub(crate) settings: Vec<SettingRecord>,
    pub(crate) warnings: Vec<Finding>,
    pub(crate) strict: bool,
}

impl Resolution {
    /// The schema of the settings struct.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }
    /// The deployment environment.
    pub fn environment(&self) -> Environment {
        self.environment
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
    /// Every platform check, in order (empty when the id was configured).
    pub fn detection_trace(&self) -> &[TraceStep] {
        &self.trace
    }
    /// Every setting with its record, in declaration order.
    pub fn settings(&self) -> impl Iterator<Item = (&'static FieldSchema, &SettingRecord)> {
        self.schema.fields().iter().zip(&self.settings)
    }
    /// Warnings found while loading and validating.
    pub fn warnings(&self) -> &[Finding] {
        &self.warnings
    }
    /// Whether a short instance id is an error rather than a warning.
    pub fn is_strict(&self) -> bool {
        self.strict
    }
}
