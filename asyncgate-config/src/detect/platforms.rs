//! One probe per platform: what each platform's environment says about
//! the replica, before normalisation.

use crate::load::{EnvLookup, EnvValue};
use crate::platform::Platform;

/// A platform's raw finding before normalisation.
pub(super) enum Probe {
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

/// `var`'s value, when `signal` (a variable only the platform sets) shows
/// the platform: App Service's and App Engine's ids are read only then.
fn signalled(
    env: &dyn EnvLookup,
    signal: &'static str,
    var: &'static str,
    vars: &'static [&'static str],
) -> Probe {
    if get(env, signal).is_none() {
        return Probe::Absent(vars);
    }
    match simple(env, var, vars) {
        Probe::Absent(_) => Probe::Unusable {
            var: signal,
            reason: "the platform is present, but its instance variable is not set",
        },
        found => found,
    }
}

/// `HEROKU_DYNO_ID` (runtime dyno metadata), else `DYNO` prefixed with the
/// app's name when `HEROKU_APP_NAME` is set.
fn probe_heroku(env: &dyn EnvLookup) -> Probe {
    const VARS: &[&str] = &["HEROKU_DYNO_ID", "DYNO"];
    if let Some(found) = match simple(env, "HEROKU_DYNO_ID", VARS) {
        Probe::Absent(_) => None,
        other => Some(other),
    } {
        return found;
    }
    match get(env, "DYNO") {
        None => Probe::Absent(VARS),
        Some(EnvValue::NotUnicode) => Probe::Unusable {
            var: "DYNO",
            reason: "not valid UTF-8",
        },
        Some(EnvValue::Set(dyno)) => {
            let raw = match get(env, "HEROKU_APP_NAME") {
                Some(EnvValue::Set(app)) => format!("{}-{}", app.trim(), dyno.trim()),
                _ => dyno.trim().to_owned(),
            };
            Probe::Found { var: "DYNO", raw }
        }
    }
}

pub(super) fn probe(platform: Platform, env: &dyn EnvLookup) -> Probe {
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
        Platform::Heroku => probe_heroku(env),
        Platform::AzureAppService => signalled(
            env,
            "WEBSITE_SITE_NAME",
            "WEBSITE_INSTANCE_ID",
            &["WEBSITE_SITE_NAME"],
        ),
        Platform::CloudFoundry => simple(env, "CF_INSTANCE_GUID", &["CF_INSTANCE_GUID"]),
        Platform::AppEngine => signalled(env, "GAE_ENV", "GAE_INSTANCE", &["GAE_ENV"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records every name a probe looks up, with every variable set.
    struct Recording(std::cell::RefCell<Vec<String>>);

    impl EnvLookup for Recording {
        fn lookup(&self, name: &str) -> Option<EnvValue<'_>> {
            self.0.borrow_mut().push(name.to_owned());
            Some(EnvValue::Set("x"))
        }
    }

    /// The loader keeps only the variables detection reads (and the
    /// schema's): a probe that reads one not listed would never see it.
    #[test]
    fn every_variable_a_probe_reads_is_in_the_platform_list() {
        for platform in Platform::ALL {
            let env = Recording(Default::default());
            let _ = probe(platform, &env);
            for name in env.0.into_inner() {
                assert!(
                    Platform::ENV_VARS.contains(&name.as_str()),
                    "{platform:?} reads {name}, missing from Platform::ENV_VARS"
                );
            }
        }
    }

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
}
