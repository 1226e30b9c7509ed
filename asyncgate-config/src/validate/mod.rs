//! Validation: the one place rules run. The instance-id rules, the field
//! rules from attributes and the struct's own `check` function all run in
//! one function, for a full value or for one whose fields did not all parse.

mod checks;
mod rules;

pub use checks::Checks;
pub use rules::MIN_RECOMMENDED_LEN;

use crate::GateConfig;
use crate::load::ParsedSectionAt;
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

/// What parsed: the whole value, or, when some setting did not parse, the
/// sections that did (each at its dotted path).
pub(crate) enum Parsed<'a, T> {
    Whole(&'a T),
    Sections(Vec<ParsedSectionAt>),
}

/// Runs every rule and appends what they find to `findings`. When some
/// settings did not parse, every rule that can still run does: the
/// built-in rules on the settings that parsed, and the `check` of every
/// section that parsed whole; only the checks that need a setting that
/// failed are skipped, with a warning that names them and why.
pub(crate) fn run<T: GateConfig>(
    value: Parsed<'_, T>,
    resolution: &Resolution,
    policy: Policy,
    findings: &mut Vec<Finding>,
) {
    rules::instance_id_rules(resolution, policy.strict(resolution), findings);
    let mut checks = Checks::new(resolution, findings);
    rules::field_rules(&mut checks);
    rules::secret_rules(&mut checks);
    match value {
        Parsed::Whole(value) => value.__check(&mut checks),
        Parsed::Sections(sections) => {
            for parsed in &sections {
                checks.in_section(&parsed.path, |checks| {
                    parsed.section.check_parsed(checks);
                });
            }
            skipped_checks(resolution, &sections, &mut checks);
        }
    }
}

/// The warning that names the checks that could not run: the struct's own
/// (it needs every setting) and those of sections with a setting that did
/// not parse.
fn skipped_checks(resolution: &Resolution, ran: &[ParsedSectionAt], checks: &mut Checks<'_>) {
    let under = |path: &str, section: &str| {
        path == section
            || path
                .strip_prefix(section)
                .is_some_and(|rest| rest.starts_with('.'))
    };
    let schema = resolution.schema;
    // A check of a repeated section's element is skipped per element: for
    // those with a setting that failed.
    let mut skipped: Vec<(String, &str)> = Vec::new();
    for (section, check) in schema.check_fns() {
        let Some(repeated) = schema
            .repeated_sections()
            .iter()
            .find(|r| under(&section, r.path))
        else {
            skipped.push((section, check));
            continue;
        };
        for (name, _, field, record) in resolution.every_setting() {
            if !record.is_failed() || !under(field.name(), &section) || name == field.name() {
                continue;
            }
            // `upstreams[1].tls.ca` of `upstreams.tls.ca`: the element is `upstreams[1]`.
            let rest = &field.name()[repeated.path.len()..];
            let element = &name[..name.len() - rest.len()];
            let shown = format!("{element}{}", &section[repeated.path.len()..]);
            if !skipped.iter().any(|(s, _)| *s == shown) {
                skipped.push((shown, check));
            }
        }
    }
    skipped.retain(|(section, _)| !ran.iter().any(|parsed| under(section, &parsed.path)));
    if skipped.is_empty() {
        return;
    }
    // The settings that failed where a skipped check reads.
    let failed: Vec<&str> = resolution
        .every_setting()
        .filter(|(.., record)| record.is_failed())
        .map(|(name, ..)| name)
        .filter(|name| {
            skipped
                .iter()
                .any(|(section, _)| section.is_empty() || under(name, section))
        })
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
