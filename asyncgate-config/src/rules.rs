//! Validation rules: the instance-id rules, the field rules from attributes
//! (`required_in`, `forbidden_in`) and the struct's own `check` function.

use crate::resolution::{InstanceIdOrigin, Resolution};
use crate::schema::Role;
use crate::{Environment, Finding, GateConfig, InstanceId, Platform};

/// Ids shorter than this draw a warning (an error in strict mode).
pub const MIN_RECOMMENDED_LEN: usize = 8;

/// Prefixes that many replicas share by construction.
const SHARED_PREFIXES: [&str; 2] = ["localhost", "127.0.0.1"];

pub(crate) fn check_all<T: GateConfig>(
    value: &T,
    resolution: &Resolution,
    findings: &mut Vec<Finding>,
) {
    instance_id_rules(resolution, findings);
    let mut checks = Checks {
        resolution,
        findings,
    };
    value.__check(&mut checks);
}

/// The instance-id rules of staging and production.
pub(crate) fn instance_id_rules(res: &Resolution, findings: &mut Vec<Finding>) {
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
                env,
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
        let finding = if res.strict {
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
fn conflict_risk(id: &str, env: Environment, var: &str, platforms: &[Platform]) -> Finding {
    let names: Vec<&str> = platforms.iter().map(|p| p.display_name()).collect();
    let message = format!(
        "INSTANCE ID CONFLICT RISK: instance_id='{id}' is not safe for {env} environment. \
         Multiple instances could share the same ID, causing lease conflicts and data corruption.\n\
         Solutions:\n\
         1. Deploy on a platform with auto-detection ({}) and leave {var} unset\n\
         2. Set {var} to a value unique to each replica (e.g. the pod or host name)\n\
         3. Generate one per replica: {var}=\"$(hostname)-$(openssl rand -hex 4)\"",
        names.join(", ")
    );
    Finding::error("instance_id", message)
}

/// The context a struct-level `check` function gets: the environment, the
/// instance id, and a place to add findings.
///
/// ```
/// use asyncgate_config::{Checks, Finding, GateConfig};
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
}

impl Checks<'_> {
    /// The deployment environment.
    pub fn environment(&self) -> Environment {
        self.resolution.environment
    }

    /// The resolved instance id.
    pub fn instance_id(&self) -> &InstanceId {
        &self.resolution.instance_id
    }

    /// Everything the load resolved.
    pub fn resolution(&self) -> &Resolution {
        self.resolution
    }

    /// Adds a finding. When it names a setting of the schema, its env var
    /// and source are filled in; an identical finding is not added twice.
    pub fn push(&mut self, finding: Finding) {
        let mut finding = finding;
        if let Some(name) = finding.setting()
            && let Some((field, record)) =
                self.resolution.settings().find(|(f, _)| f.name() == name)
        {
            if finding.env_var().is_none() {
                finding = finding.with_env_var(field.env());
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

    /// `#[gate(required_in(...))]`: the field at `index` must be set in those environments.
    #[doc(hidden)]
    pub fn __required(&mut self, index: usize, is_set: bool) {
        let field = &self.resolution.schema.fields()[index];
        let env = self.environment();
        if is_set || !field.required_in().contains(&env) {
            return;
        }
        let how = field.how_to_set();
        self.push(
            Finding::error(
                field.name(),
                format!("{} is required in {env} environment", field.name()),
            )
            .with_remedy(how),
        );
    }

    /// `#[gate(forbidden_in(...))]`: the field at `index` must stay off in those environments.
    #[doc(hidden)]
    pub fn __forbidden(&mut self, index: usize, is_set: bool) {
        let field = &self.resolution.schema.fields()[index];
        let env = self.environment();
        if !is_set || !field.forbidden_in().contains(&env) {
            return;
        }
        let allowed: Vec<&str> = Environment::ALL
            .iter()
            .filter(|e| !field.forbidden_in().contains(e))
            .map(|e| e.as_str())
            .collect();
        self.push(
            Finding::error(
                field.name(),
                format!("{} must not be enabled in {env} environment", field.name()),
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
