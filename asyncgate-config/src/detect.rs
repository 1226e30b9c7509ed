//! Instance-id detection from the environment variables that platforms set.
//!
//! Detection reads environment variables only (no network, no files), and
//! keeps a [`TraceStep`] for every platform it looked at.

use std::fmt;

use rand::RngCore;

use crate::InstanceId;

/// A platform whose environment identifies the replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Platform {
    /// Fly.io: `FLY_ALLOC_ID`.
    Fly,
    /// Kubernetes: `POD_NAME`, else `HOSTNAME`, when `KUBERNETES_SERVICE_HOST` shows a pod.
    Kubernetes,
    /// AWS ECS: the container metadata URI (v4, else v3).
    Ecs,
    /// Google Cloud Run: `K_REVISION` (services) or `CLOUD_RUN_EXECUTION` (jobs).
    CloudRun,
    /// HashiCorp Nomad: `NOMAD_ALLOC_ID`.
    Nomad,
    /// Azure Container Apps: `CONTAINER_APP_REPLICA_NAME`.
    AzureContainerApps,
    /// Railway: `RAILWAY_REPLICA_ID`.
    Railway,
    /// Render: `RENDER_INSTANCE_ID`.
    Render,
}

impl Platform {
    /// Every platform in detection priority order (the default `detect(...)` list).
    pub const ALL: [Platform; 8] = [
        Platform::Fly,
        Platform::Kubernetes,
        Platform::Ecs,
        Platform::CloudRun,
        Platform::Nomad,
        Platform::AzureContainerApps,
        Platform::Railway,
        Platform::Render,
    ];

    /// The snake_case key used in `detect(...)` and in JSON output.
    pub const fn key(self) -> &'static str {
        match self {
            Platform::Fly => "fly",
            Platform::Kubernetes => "kubernetes",
            Platform::Ecs => "ecs",
            Platform::CloudRun => "cloud_run",
            Platform::Nomad => "nomad",
            Platform::AzureContainerApps => "azure_container_apps",
            Platform::Railway => "railway",
            Platform::Render => "render",
        }
    }

    /// The platform's usual name, for people.
    pub const fn display_name(self) -> &'static str {
        match self {
            Platform::Fly => "Fly.io",
            Platform::Kubernetes => "Kubernetes",
            Platform::Ecs => "AWS ECS",
            Platform::CloudRun => "Cloud Run",
            Platform::Nomad => "Nomad",
            Platform::AzureContainerApps => "Azure Container Apps",
            Platform::Railway => "Railway",
            Platform::Render => "Render",
        }
    }

    /// The platform with this [`key`](Platform::key).
    pub fn from_key(key: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.key() == key)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.key())
    }
}

/// The value of a set environment variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvValue<'a> {
    /// Set to UTF-8 text.
    Set(&'a str),
    /// Set, but not valid UTF-8.
    NotUnicode,
}

/// Read access to environment variables, so detection can run on any map.
pub trait EnvLookup {
    /// The variable's value; `None` when it is not set.
    fn lookup(&self, name: &str) -> Option<EnvValue<'_>>;
}

impl<S: std::hash::BuildHasher> EnvLookup for std::collections::HashMap<String, String, S> {
    fn lookup(&self, name: &str) -> Option<EnvValue<'_>> {
        self.get(name).map(|v| EnvValue::Set(v))
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

/// The result of running detection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Detection {
    /// The platform that matched and the variable it was read from, with the id.
    pub found: Option<(Platform, &'static str, InstanceId)>,
    /// One step per platform checked, in order.
    pub trace: Vec<TraceStep>,
}

/// A platform's raw finding before normalisation.
enum Probe {
    Found {
        var: &'static str,
        raw: String,
    },
    Absent(&'static [&'static str]),
    Unusable {
        var: &'static str,
        reason: &'static str,
    },
}

fn get<'e>(env: &'e dyn EnvLookup, name: &str) -> Option<EnvValue<'e>> {
    match env.lookup(name) {
        Some(EnvValue::Set(v)) if v.trim().is_empty() => None,
        other => other,
    }
}

fn simple(env: &dyn EnvLookup, var: &'static str, vars: &'static [&'static str]) -> Probe {
    match get(env, var) {
        None => Probe::Absent(vars),
        Some(EnvValue::NotUnicode) => Probe::Unusable {
            var,
            reason: "not valid UTF-8",
        },
        Some(EnvValue::Set(v)) => Probe::Found {
            var,
            raw: v.trim().to_owned(),
        },
    }
}

fn probe_kubernetes(env: &dyn EnvLookup) -> Probe {
    const VARS: &[&str] = &["KUBERNETES_SERVICE_HOST"];
    if get(env, "KUBERNETES_SERVICE_HOST").is_none() {
        return Probe::Absent(VARS);
    }
    for var in ["POD_NAME", "HOSTNAME"] {
        match get(env, var) {
            Some(EnvValue::Set(v)) => {
                return Probe::Found {
                    var,
                    raw: v.trim().to_owned(),
                };
            }
            Some(EnvValue::NotUnicode) => {
                return Probe::Unusable {
                    var,
                    reason: "not valid UTF-8",
                };
            }
            None => {}
        }
    }
    Probe::Unusable {
        var: "KUBERNETES_SERVICE_HOST",
        reason: "in a pod, but neither POD_NAME nor HOSTNAME is set",
    }
}

fn probe_ecs(env: &dyn EnvLookup) -> Probe {
    const VARS: &[&str] = &[
        "ECS_CONTAINER_METADATA_URI_V4",
        "ECS_CONTAINER_METADATA_URI",
    ];
    for var in VARS {
        match get(env, var) {
            None => continue,
            Some(EnvValue::NotUnicode) => {
                return Probe::Unusable {
                    var,
                    reason: "not valid UTF-8",
                };
            }
            Some(EnvValue::Set(uri)) => {
                return match ecs_id(uri) {
                    Some(raw) => Probe::Found { var, raw },
                    None => Probe::Unusable {
                        var,
                        reason: "the URI has no path segment",
                    },
                };
            }
        }
    }
    Probe::Absent(VARS)
}

/// `ecs-` + the first 12 characters of the URI's last path segment; on
/// Fargate (`<32 hex>-<number>`) the `-<number>` is kept so that two
/// containers of one task stay distinct.
fn ecs_id(uri: &str) -> Option<String> {
    let uri = uri.trim();
    let without_scheme = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    let (_host, path) = without_scheme.split_once('/')?;
    let segment = path.trim_end_matches('/').rsplit('/').next()?;
    if segment.is_empty() {
        return None;
    }
    let short: String = segment.chars().take(12).collect();
    match segment.split_once('-') {
        Some((task, number))
            if task.len() == 32
                && task.bytes().all(|b| b.is_ascii_hexdigit())
                && !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(format!("ecs-{short}-{number}"))
        }
        _ => Some(format!("ecs-{short}")),
    }
}

fn probe_cloud_run(env: &dyn EnvLookup) -> Probe {
    const VARS: &[&str] = &["K_REVISION", "CLOUD_RUN_EXECUTION"];
    if let Some(EnvValue::Set(execution)) = get(env, "CLOUD_RUN_EXECUTION") {
        let task = match get(env, "CLOUD_RUN_TASK_INDEX") {
            Some(EnvValue::Set(index)) => index.trim(),
            _ => "0",
        };
        return Probe::Found {
            var: "CLOUD_RUN_EXECUTION",
            raw: format!("{}-{task}", execution.trim()),
        };
    }
    match get(env, "K_REVISION") {
        None => Probe::Absent(VARS),
        Some(EnvValue::NotUnicode) => Probe::Unusable {
            var: "K_REVISION",
            reason: "not valid UTF-8",
        },
        // The random suffix is added once this platform is chosen.
        Some(EnvValue::Set(revision)) => Probe::Found {
            var: "K_REVISION",
            raw: revision.trim().to_owned(),
        },
    }
}

fn probe(platform: Platform, env: &dyn EnvLookup) -> Probe {
    match platform {
        Platform::Fly => simple(env, "FLY_ALLOC_ID", &["FLY_ALLOC_ID"]),
        Platform::Kubernetes => probe_kubernetes(env),
        Platform::Ecs => probe_ecs(env),
        Platform::CloudRun => probe_cloud_run(env),
        Platform::Nomad => simple(env, "NOMAD_ALLOC_ID", &["NOMAD_ALLOC_ID"]),
        Platform::AzureContainerApps => simple(
            env,
            "CONTAINER_APP_REPLICA_NAME",
            &["CONTAINER_APP_REPLICA_NAME"],
        ),
        Platform::Railway => simple(env, "RAILWAY_REPLICA_ID", &["RAILWAY_REPLICA_ID"]),
        Platform::Render => simple(env, "RENDER_INSTANCE_ID", &["RENDER_INSTANCE_ID"]),
    }
}

/// Eight random characters of `[a-z0-9]`.
pub(crate) fn random_suffix(rng: &mut dyn RngCore) -> String {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..8)
        .map(|_| ALPHABET[(rng.next_u32() % 36) as usize] as char)
        .collect()
}

/// Checks `platforms` in order against `env`; the first that yields a
/// usable id wins, later ones are traced as shadowed.
///
/// ```
/// use std::collections::HashMap;
/// use asyncgate_config::{detect, Platform};
/// use rand::SeedableRng;
///
/// let env = HashMap::from([("FLY_ALLOC_ID".to_string(), "6e82d4a7".to_string())]);
/// let detection = detect(&Platform::ALL, &env, &mut rand::rngs::SmallRng::seed_from_u64(0));
/// let (platform, var, id) = detection.found.unwrap();
/// assert_eq!((platform, var, id.as_str()), (Platform::Fly, "FLY_ALLOC_ID", "6e82d4a7"));
/// ```
pub fn detect(platforms: &[Platform], env: &dyn EnvLookup, rng: &mut dyn RngCore) -> Detection {
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
                    format!("{raw}-{}", random_suffix(rng))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecs_segments() {
        let cases = [
            (
                "http://169.254.170.2/v4/ea32192c8553427eb0b77e7a1ce0fd43",
                "ecs-ea32192c8553",
            ),
            (
                "http://169.254.170.2/v4/a8585a7ac9dc4c8a9b4c5bd6b2d8aa0a-3141592653",
                "ecs-a8585a7ac9dc-3141592653",
            ),
            ("http://169.254.170.2/v3/abc/", "ecs-abc"),
        ];
        for (uri, expected) in cases {
            assert_eq!(ecs_id(uri).as_deref(), Some(expected), "{uri}");
        }
        assert_eq!(ecs_id("http://169.254.170.2:51678"), None);
        assert_eq!(ecs_id("http://169.254.170.2/"), None);
    }

    #[test]
    fn random_suffix_uses_the_injected_source() {
        use rand::SeedableRng;
        let a = random_suffix(&mut rand::rngs::SmallRng::seed_from_u64(7));
        let b = random_suffix(&mut rand::rngs::SmallRng::seed_from_u64(7));
        assert_eq!(a, b);
        assert_eq!(a.len(), 8);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
    }
}
