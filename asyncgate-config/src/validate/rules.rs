//! The built-in rules: the instance-id rules of staging and production, and
//! the field rules from attributes (`required_in`, `forbidden_in`).

use super::checks::Checks;
use crate::environment::Environment;
use crate::platform::Platform;
use crate::provenance::{InstanceIdOrigin, PlatformId, Resolution, SettingRecord, Source};
use crate::report::Finding;
use crate::schema::{FieldSchema, Role};
use crate::text::printable_name;

/// Ids shorter than this draw a warning (an error in strict mode).
pub const MIN_RECOMMENDED_LEN: usize = 8;

/// Prefixes that many replicas share by construction.
const SHARED_PREFIXES: [&str; 2] = ["localhost", "127.0.0.1"];

/// The instance-id rules: the shared-id rule in every environment, the
/// others in staging and production.
pub(super) fn instance_id_rules(res: &Resolution, strict: bool, findings: &mut Vec<Finding>) {
    let env = res.environment;
    let Some((field, record)) = res
        .settings()
        .find(|(f, _)| matches!(f.role(), Role::InstanceId { .. }))
    else {
        return;
    };
    shared_configured_id(res, field, record, strict, findings);
    if env.is_development() {
        return;
    }
    let id = res.instance_id.as_str();
    let default = field.default();
    let shared = default
        .into_iter()
        .chain(SHARED_PREFIXES)
        .find(|p| id.starts_with(p));
    let attach = |finding: Finding| {
        let finding = finding.with_env_var(field.env());
        match record.source() {
            Some(source) => finding.with_source(source.clone()),
            None => finding,
        }
    };
    // A detected id that the platform does not keep unique among live
    // replicas: used (the instance claim refuses a second holder), with
    // the way to a unique one.
    let unique_detection = res
        .platform_id
        .as_ref()
        .is_none_or(|p| p.platform.unique_among_live_replicas(p.var));
    if res.origin == InstanceIdOrigin::Detected
        && let Some(detected) = res.platform_id.as_ref().filter(|_| !unique_detection)
    {
        findings.push(attach(
            Finding::warning(
                field.name(),
                format!(
                    "instance_id='{id}' was detected from {} on {}, which does not keep it unique among live replicas: a second replica with the same id is refused by the instance claim until the first stops",
                    detected.var,
                    detected.platform.display_name()
                ),
            )
            .with_remedy(not_unique_remedy(detected.platform, field.env())),
        ));
    }
    if let Some(prefix) = shared {
        if res.origin == InstanceIdOrigin::Detected && unique_detection {
            let platform = res.platform.map_or("the platform", Platform::display_name);
            findings.push(attach(Finding::warning(
                field.name(),
                format!(
                    "instance_id='{id}' starts with `{prefix}`, a value replicas often share, but it was detected on {platform}, which keeps it unique among live replicas: trusted"
                ),
            )));
        } else {
            findings.push(attach(conflict_risk(
                id,
                &res.environment_phrase(),
                field.env(),
                detectable(field.role()),
            )));
        }
    }
    if res.instance_id.len() < MIN_RECOMMENDED_LEN {
        let message = format!(
            "instance_id='{id}' is only {} characters long; ids shorter than {MIN_RECOMMENDED_LEN} characters collide easily across replicas",
            res.instance_id.len()
        );
        let remedy = format!(
            "use a longer, unique {} (for example the pod or host name plus a random suffix)",
            field.env()
        );
        let finding = if strict {
            Finding::error(field.name(), message)
        } else {
            Finding::warning(field.name(), message)
        };
        findings.push(attach(finding.with_remedy(remedy)));
    }
    if res.origin == InstanceIdOrigin::Fallback {
        findings.push(attach(
            Finding::warning(
                field.name(),
                format!("no platform detected: using the fallback instance_id='{id}', which changes on every restart"),
            )
            .with_remedy(format!("set {} to a stable value unique to this replica", field.env())),
        ));
    }
}

/// How to get an id unique among live replicas where detection gives none.
fn not_unique_remedy(platform: Platform, env: &str) -> String {
    match platform {
        Platform::Heroku => format!(
            "enable Heroku's runtime dyno metadata (`heroku labs:enable runtime-dyno-metadata`, then deploy) so that HEROKU_DYNO_ID names each dyno, or set {env} per dyno"
        ),
        _ => format!(
            "run one process per instance, or set {env} to a value unique to each process (e.g. the instance id plus a random suffix)"
        ),
    }
}

/// A configured id that overrides the id the platform gives this replica
/// is shared by every replica that reads the same source: a file (the
/// TOML file of a ConfigMap, `.env`) always, an environment variable when
/// it is written in the pod template. An id equal to the platform's, or
/// containing it, is per replica and fine.
fn shared_configured_id(
    res: &Resolution,
    field: &FieldSchema,
    record: &SettingRecord,
    strict: bool,
    findings: &mut Vec<Finding>,
) {
    if res.origin != InstanceIdOrigin::Configured {
        return;
    }
    let (Some(platform_id), Some(source)) = (&res.platform_id, record.source()) else {
        return;
    };
    let id = res.instance_id.as_str();
    if id.contains(platform_id.id.as_str()) {
        return;
    }
    let from_file = matches!(source, Source::File { .. } | Source::DotEnv { .. });
    let development = res.environment.is_development();
    // From the environment, development says nothing; a file warns there.
    if development && !from_file {
        return;
    }
    let error = !development && (from_file || strict);
    let PlatformId {
        platform,
        var,
        id: own,
    } = platform_id;
    let platform = platform.display_name();
    // A path can come from an environment variable: escaped, and bounded.
    let shown = |path: &std::path::Path| printable_name(&path.display().to_string());
    let (shared_by, remove) = match source {
        Source::File { path, key } => (
            format!("key `{key}` in {}, a file every replica reads", shown(path)),
            format!("remove `{key}` from {}", shown(path)),
        ),
        Source::DotEnv { path, var } => (
            format!("{var} in {}, a file every replica reads", shown(path)),
            format!("remove {var} from {}", shown(path)),
        ),
        Source::Env { var } => (
            format!(
                "environment variable {var}: a value written in the pod template or service definition is shared by every replica"
            ),
            format!("unset {var}"),
        ),
        other => (
            format!("{other}, which every replica started the same way shares"),
            "stop setting it".to_owned(),
        ),
    };
    let message = format!(
        "instance_id='{id}' comes from {shared_by}, but this replica runs on {platform}, which gives each replica its own id ({var} -> {own}): replicas configured alike would share '{id}'"
    );
    let per_replica = if platform_id.platform == Platform::Kubernetes {
        format!(
            "set {} per replica from the pod's name with the downward API (env: - name: {} valueFrom: fieldRef: fieldPath: metadata.name)",
            field.env(),
            field.env()
        )
    } else {
        format!("set {} per replica from {var}", field.env())
    };
    let remedy = format!(
        "{remove}, so that detection gives each replica its own id; or {per_replica}. An instance_id is per replica: never put it in a file or template that replicas share"
    );
    let finding = if error {
        Finding::error(field.name(), message)
    } else {
        Finding::warning(field.name(), message)
    };
    findings.push(
        finding
            .with_env_var(field.env())
            .with_source(source.clone())
            .with_remedy(remedy),
    );
}

fn detectable(role: Role) -> &'static [Platform] {
    match role {
        Role::InstanceId { detect, .. } => detect,
        _ => &[],
    }
}

/// The error for an id that many replicas could share.
fn conflict_risk(id: &str, phrase: &str, var: &str, platforms: &[Platform]) -> Finding {
    let names: Vec<&str> = platforms.iter().map(|p| p.display_name()).collect();
    let message = format!(
        "INSTANCE ID CONFLICT RISK: instance_id='{id}' is not safe for {phrase}. \
         Multiple instances could share the same ID, causing lease conflicts and data corruption.\n\
         Solutions:\n\
         1. Deploy on a platform with auto-detection ({}) and leave {var} unset\n\
         2. Set {var} to a value unique to each replica (e.g. the pod or host name)\n\
         3. Generate one per replica: {var}=\"$(hostname)-$(openssl rand -hex 4)\"",
        names.join(", ")
    );
    Finding::error("instance_id", message)
}

/// `required_in(...)` and `forbidden_in(...)` of every field whose value
/// parsed; a field that failed has its own error already.
pub(super) fn field_rules(checks: &mut Checks<'_>) {
    let resolution = checks.resolution();
    let phrase = resolution.environment_phrase();
    let mut found = Vec::new();
    for (name, env, field, record) in resolution.every_setting() {
        let Some(on) = record.on() else { continue };
        let applies = |names: &[&str]| names.iter().any(|n| resolution.is_environment(n));
        if !on && applies(field.required_in()) {
            let how = match field.file_env() {
                Some(_) => format!("set {env} (or {env}_FILE to a file holding it)"),
                None => format!("set {env}"),
            };
            found.push(
                Finding::error(name, format!("{name} is required in {phrase}")).with_remedy(how),
            );
        }
        if on && applies(field.forbidden_in()) {
            // Every environment name the schema accepts that no listed name covers.
            let schema = resolution.schema;
            let forbids = |name: &str, tier: Environment| {
                field
                    .forbidden_in()
                    .iter()
                    .any(|f| *f == name || *f == tier.as_str())
            };
            let allowed: Vec<&str> = Environment::ALL
                .iter()
                .map(|e| (e.as_str(), *e))
                .chain(schema.environment_names().iter().copied())
                .filter(|(name, tier)| !forbids(name, *tier))
                .map(|(name, _)| name)
                .collect();
            found.push(
                Finding::error(name, format!("{name} must not be enabled in {phrase}"))
                    .with_remedy(format!(
                        "unset {env} (it is allowed in: {})",
                        if allowed.is_empty() {
                            "none".to_owned()
                        } else {
                            allowed.join(", ")
                        }
                    )),
            );
        }
    }
    for finding in found {
        checks.push(finding);
    }
}

/// The strength rules of secrets: a well-known placeholder (`changeme`)
/// or one shorter than its `min_len` is an error in staging and
/// production, a warning in development. Nothing of the value is shown.
pub(super) fn secret_rules(checks: &mut Checks<'_>) {
    let resolution = checks.resolution();
    let development = resolution.environment.is_development();
    let phrase = resolution.environment_phrase();
    let mut found = Vec::new();
    for (name, env, field, record) in resolution.every_setting() {
        let Some(strength) = record.strength() else {
            continue;
        };
        let finding = |message: String| {
            if development {
                Finding::warning(name, message)
            } else {
                Finding::error(name, message)
            }
        };
        let fresh = format!(
            "set {env} to a random value{}, such as the output of `openssl rand -hex 32`",
            field
                .min_len()
                .map(|n| format!(" of at least {n} characters"))
                .unwrap_or_default()
        );
        if strength.placeholder {
            found.push(
                finding(format!(
                    "{name} is a well-known placeholder, not a secret (its value is not shown): not safe for {phrase}"
                ))
                .with_remedy(fresh.clone()),
            );
        } else if let Some(min) = field.min_len()
            && strength.chars < min as usize
        {
            found.push(
                finding(format!(
                    "{name} is only {} characters long; it must have at least {min} in {phrase} (its value is not shown)",
                    strength.chars
                ))
                .with_remedy(fresh),
            );
        }
    }
    for finding in found {
        checks.push(finding);
    }
}
