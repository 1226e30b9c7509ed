//! Unknown names: `<PREFIX>_*` variables and config-file keys that no
//! setting reads draw a warning, with a suggestion when one is a likely typo.

use super::dotenv::DotEnv;
use super::env::Env;
use super::toml_file::ConfigFile;
use crate::report::Finding;
use crate::schema::Schema;
use crate::text::suggest_name;

/// At most this many unknown names are listed one by one; the rest are
/// counted in one more warning (a file of a million keys stays readable).
pub(crate) const MAX_LISTED: usize = 20;

/// Warns about `<PREFIX>_*` variables and file keys that no setting reads.
pub(crate) fn unknown_names(
    schema: &'static Schema,
    env: &Env,
    dotenv: Option<&DotEnv>,
    file: Option<&ConfigFile>,
    findings: &mut Vec<Finding>,
) {
    let prefix = schema.prefix();
    let is_ours = |name: &str| schema.has_prefix(name.as_bytes());
    let env_prefix = format!("{prefix}_");
    let mut listed = 0usize;
    let mut unlisted = 0usize;
    let mut report = |name: &str, place: String| {
        if is_ours(name) && !schema.is_known_var(name) {
            if listed == MAX_LISTED {
                unlisted += 1;
                return;
            }
            listed += 1;
            let hint = suggest_name(name, &env_prefix, schema.known_vars())
                .map(|k| format!(" (did you mean {k}?)"))
                .unwrap_or_default();
            findings.push(
                Finding::warning(
                    "",
                    format!("unknown variable {name}{place} is ignored{hint}"),
                )
                .with_env_var(name)
                .with_remedy("remove it, or rename it to a setting listed by the schema"),
            );
        }
    };
    // Only `<PREFIX>_*` names can be unknown settings; the snapshot is sorted.
    for name in env.names().filter(|n| is_ours(n)) {
        report(name, String::new());
    }
    if let Some(dotenv) = dotenv {
        let mut names: Vec<&String> = dotenv.vars.keys().collect();
        names.sort_unstable();
        for name in names {
            report(name, format!(" in {}", dotenv.path.display()));
        }
    }
    if let Some(file) = file {
        for key in file.table.keys() {
            if schema.field(key).is_none() {
                if listed == MAX_LISTED {
                    unlisted += 1;
                    continue;
                }
                listed += 1;
                let hint = suggest_name(key, "", schema.fields().iter().map(|f| f.name()))
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                findings.push(
                    Finding::warning(
                        "",
                        format!(
                            "unknown key `{key}` in config file {} is ignored{hint}",
                            file.path.display()
                        ),
                    )
                    .with_remedy("remove it, or rename it to a setting's field name"),
                );
            }
        }
    }
    if unlisted > 0 {
        findings.push(
            Finding::warning(
                "",
                format!("and {unlisted} more unknown variables or keys (only the first {MAX_LISTED} are listed)"),
            )
            .with_remedy("remove the names no setting reads"),
        );
    }
}
