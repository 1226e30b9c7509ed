//! Instance-id detection from the environment variables that platforms set,
//! and the choice of the id: configured, detected, default or fallback.
//!
//! Detection reads environment variables only (no network, no files), and
//! keeps a [`TraceStep`] for every platform it
//! looked at.

#[cfg(feature = "opentelemetry")]
mod facts;
mod identity;
mod platforms;

use crate::instance_id::InstanceId;
pub use crate::load::env_vars::{EnvLookup, EnvValue};
use crate::platform::Platform;
use crate::provenance::{Outcome, TraceStep};
use crate::random;

#[cfg(feature = "opentelemetry")]
pub(crate) use facts::collect as collect_facts;
pub(crate) use identity::identify;
use platforms::{Probe, probe};

/// The result of running detection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Detection {
    /// The platform that matched and the variable it was read from, with the id.
    pub found: Option<(Platform, &'static str, InstanceId)>,
    /// One step per platform checked, in order.
    pub trace: Vec<TraceStep>,
}

/// Checks `platforms` in order against `env`; the first that yields a
/// usable id wins, later ones are traced as shadowed.
///
/// ```
/// use std::collections::HashMap;
/// use asyncgate_config::Platform;
/// use asyncgate_config::detect::detect;
///
/// let env = HashMap::from([("FLY_ALLOC_ID".to_string(), "6e82d4a7".to_string())]);
/// // Random numbers for Cloud Run's suffix: any `FnMut() -> u64`.
/// let detection = detect(&Platform::ALL, &env, &mut || 4);
/// let (platform, var, id) = detection.found.unwrap();
/// assert_eq!((platform, var, id.as_str()), (Platform::Fly, "FLY_ALLOC_ID", "6e82d4a7"));
/// ```
pub fn detect(
    platforms: &[Platform],
    env: &dyn EnvLookup,
    random: &mut dyn FnMut() -> u64,
) -> Detection {
    let mut detection = Detection {
        found: None,
        trace: Vec::with_capacity(platforms.len()),
    };
    for &platform in platforms {
        let outcome = match probe(platform, env) {
            Probe::Absent(vars) => Outcome::Absent { vars },
            Probe::Unusable { var, reason } => Outcome::Unusable { var, reason },
            Probe::Found { var, .. } if detection.found.is_some() => Outcome::Shadowed { var },
            Probe::Found { var, raw } => {
                let raw = if var == "K_REVISION" {
                    format!("{raw}-{}", random::suffix(random))
                } else {
                    raw
                };
                match InstanceId::normalize(&raw) {
                    Some(id) => {
                        detection.found = Some((platform, var, id.clone()));
                        Outcome::Matched { var, id }
                    }
                    None => Outcome::Unusable {
                        var,
                        reason: "no usable characters in the value",
                    },
                }
            }
        };
        detection.trace.push(TraceStep { platform, outcome });
    }
    detection
}
