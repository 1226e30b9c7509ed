//! The built-in rules: the instance-id rules of staging and production, and
//! the field rules from attributes (`required_in`, `forbidden_in`).

use super::checks::Checks;
use crate::environment::Environment;
use crate::platform::Platform;
use crate::provenance::{InstanceIdOrigin, Resolution};
use crate::report::Finding;
use crate::schema::Role;

/// Ids shorter than this draw a warning (an error in strict mode).
pub const MIN_RECOMMENDED_LEN: usize = 8;

/// Prefixes that many replicas share by construction.
const SHARED_PREFIXES: [&str; 2] = ["localhost", "127.0.0.1"];

/// The instance-id rules of staging and production.
pub(super) fn instance_id_rules(res: &Resolution, strict: bool, findings: &mut Vec<Finding>) {
    let env = res.environment;
    if env.is_development() {
        return;
    }
    let Some((field, record)) = res
        .settings()
        .find(|(f, _)| matches!(f.role(), Role::InstanceId { .. }))
    else {
        return;
    };
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
    if let Some(prefix) = shared {
        if res.origin == InstanceIdOrigin::Detected {
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
    let env = resolution.environment;
    let phrase = resolution.environment_phrase();
    let mut found = Vec::new();
    for (field, record) in resolution.settings() {
        let Some(on) = record.on() else { continue };
        if !on && field.required_in().contains(&env) {
            found.push(
                Finding::error(
                    field.name(),
                    format!("{} is required in {phrase}", field.name()),
                )
                .with_remedy(field.how_to_set()),
            );
        }
        if on && field.forbidden_in().contains(&env) {
            let allowed: Vec<&str> = Environment::ALL
                .iter()
                .filter(|e| !field.forbidden_in().contains(e))
                .map(|e| e.as_str())
                .collect();
            found.push(
                Finding::error(
                    field.name(),
                    format!("{} must not be enabled in {phrase}", field.name()),
                )
                .with_remedy(format!(
                    "unset {} (it is allowed in: {})",
                    field.env(),
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
