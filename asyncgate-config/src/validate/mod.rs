//! Validation: the one place rules run. The instance-id rules, the field
//! rules from attributes and the struct's own `check` function all run in
//! one function, for a full value or for one whose fields did not all parse.

mod checks;
mod rules;

pub use checks::Checks;
pub use rules::MIN_RECOMMENDED_LEN;

use crate::GateConfig;
use crate::provenance::Resolution;
use crate::report::Finding;
use crate::schema::Role;

/// Validation policy that is not part of the settings themselves.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Policy {
    /// Overrides `#[gate(instance_id, strict)]` when set.
    pub(crate) strict_instance_id: Option<bool>,
}

impl Policy {
    /// Whether a short id is an error: the override, else the schema's `strict`.
    fn strict(self, resolution: &Resolution) -> bool {
        self.strict_instance_id.unwrap_or_else(|| {
            resolution
                .schema
                .fields()
                .iter()
                .any(|f| matches!(f.role(), Role::InstanceId { strict: true, .. }))
        })
    }
}

/// Runs every rule and appends what they find to `findings`. `value` is
/// `None` when some fields failed to parse: the rules that need only the
/// fields that parsed still run; the struct's `check` function, which needs
/// the whole value, is skipped with a warning that says so.
pub(crate) fn run<T: GateConfig>(
    value: Option<&T>,
    resolution: &Resolution,
    policy: Policy,
    findings: &mut Vec<Finding>,
) {
    rules::instance_id_rules(resolution, policy.strict(resolution), findings);
    let mut checks = Checks::new(resolution, findings);
    rules::field_rules(&mut checks);
    match value {
        Some(value) => value.__check(&mut checks),
        None => {
            let skipped = resolution.schema.check_fns();
            if !skipped.is_empty() {
                let failed: Vec<&str> = resolution
                    .settings()
                    .filter(|(_, record)| record.is_failed())
                    .map(|(field, _)| field.name())
                    .collect();
                let named: Vec<String> = skipped
                    .iter()
                    .map(|(section, check)| {
                        if section.is_empty() {
                            format!("`{check}`")
                        } else {
                            format!("`{check}` (section {section})")
                        }
                    })
                    .collect();
                let (what, it, runs) = if named.len() == 1 {
                    ("check was", "it needs", "the check runs")
                } else {
                    ("checks were", "they need", "the checks run")
                };
                checks.push(
                    Finding::warning(
                        "",
                        format!(
                            "the {} {what} not run: {it} every setting, and {} did not parse",
                            named.join(", "),
                            failed.join(", ")
                        ),
                    )
                    .with_remedy(format!(
                        "fix the errors above; {runs} once every setting parses"
                    )),
                );
            }
        }
    }
}
