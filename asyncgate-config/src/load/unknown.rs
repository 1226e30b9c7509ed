//! Unknown names: `<PREFIX>_*` variables and config-file keys that no
//! setting reads draw a warning, with a suggestion when one is a likely typo.

use super::dotenv::DotEnv;
use super::env::Env;
use super::toml_file::ConfigFile;
use crate::report::Finding;
use crate::schema::Schema;
use crate::text::{printable, suggest_name};

/// At most this many unknown names are listed one by one; the rest are
/// counted in one more warning (a file of a million keys stays readable).
pub(crate) const MAX_LISTED: usize = 20;

/// Whether `name` is one the kubelet injects for a Service named like the
/// prefix (`<PREFIX>_SERVICE_HOST`, `<PREFIX>_SERVICE_PORT[_<NAME>]`,
/// `<PREFIX>_PORT_<n>_TCP[_PROTO|_PORT|_ADDR]`, ...); `<PREFIX>_PORT`
/// itself is a setting name, so it is not counted here.
pub(crate) fn is_service_link(prefix: &str, name: &str) -> bool {
    let Some(rest) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')) else {
        return false;
    };
    if rest == "SERVICE_HOST" || rest == "SERVICE_PORT" {
        return true;
    }
    if let Some(port_name) = rest.strip_prefix("SERVICE_PORT_") {
        return !port_name.is_empty();
    }
    let Some(port) = rest.strip_prefix("PORT_") else {
        return false;
    };
    let mut parts = port.splitn(3, '_');
    let number = parts.next().unwrap_or("");
    let protocol = parts.next().unwrap_or("");
    let field = parts.next();
    !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && matches!(protocol, "TCP" | "UDP" | "SCTP")
        && field.is_none_or(|f| matches!(f, "PROTO" | "PORT" | "ADDR"))
}

/// Reports `<PREFIX>_*` variables and file keys that no setting reads:
/// warnings, or errors when `deny` is set.
pub(crate) fn unknown_names(
    schema: &'static Schema,
    env: &Env,
    dotenv: Option<&DotEnv>,
    file: Option<&ConfigFile>,
    deny: bool,
    findings: &mut Vec<Finding>,
) {
    let finding = |message: String| {
        if deny {
            Finding::error("", message)
        } else {
            Finding::warning("", message)
        }
    };
    let prefix = schema.prefix();
    let mut listed = 0usize;
    let mut unlisted = 0usize;
    let mut report = |name: &str, place: String| {
        if listed == MAX_LISTED {
            unlisted += 1;
            return;
        }
        listed += 1;
        let hint = suggest_name(name, &format!("{prefix}_"), schema.known_vars())
            .map(|k| format!(" (did you mean {k}?)"))
            .unwrap_or_default();
        let shown = printable(name);
        findings.push(
            finding(format!("unknown variable {shown}{place} is ignored{hint}"))
                .with_env_var(shown)
                .with_remedy("remove it, or rename it to a setting listed by the schema"),
        );
    };
    let unknown = |name: &str| schema.has_prefix(name.as_bytes()) && !schema.is_known_var(name);
    // Only `<PREFIX>_*` names can be unknown settings. Service links are
    // counted, not reported; the others are reported in name order.
    let mut service_links = 0usize;
    let mut unknown_vars: Vec<&str> = env
        .names()
        .filter(|n| unknown(n))
        .filter(|n| {
            let link = is_service_link(prefix, n);
            service_links += usize::from(link);
            !link
        })
        .collect();
    unknown_vars.sort_unstable();
    for name in unknown_vars {
        report(name, String::new());
    }
    if service_links > 0 {
        tracing::info!(
            target: "asyncgate_config",
            "Ignoring {service_links} Kubernetes service-link variables ({prefix}_SERVICE_*, {prefix}_PORT_*): a Service named like the prefix is in this namespace",
        );
    }
    if let Some(dotenv) = dotenv {
        let mut names: Vec<&String> = dotenv.vars.keys().collect();
        names.sort_unstable();
        for name in names
            .into_iter()
            .filter(|n| unknown(n) && !is_service_link(prefix, n))
        {
            report(name, format!(" in {}", dotenv.path.display()));
        }
    }
    if let Some(file) = file {
        let mut unknown = Vec::new();
        unknown_keys(schema, &file.table, "", &mut unknown);
        for (raw_key, is_section) in unknown {
            // A quoted TOML key can hold control characters: escape them.
            let key = printable(&raw_key);
            if listed == MAX_LISTED {
                unlisted += 1;
                continue;
            }
            listed += 1;
            let path = file.path.display();
            let found = if is_section {
                finding(format!(
                    "key `{key}` in config file {path} is ignored: `{key}` is a section, not a value"
                ))
                .with_remedy(format!(
                    "write its settings in a table: `[{key}]` and a line per setting under it"
                ))
            } else {
                let hint = suggest_name(&raw_key, "", schema.fields().iter().map(|f| f.name()))
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                finding(format!(
                    "unknown key `{key}` in config file {path} is ignored{hint}"
                ))
                .with_remedy("remove it, or rename it to a setting's field name")
            };
            findings.push(found);
        }
    }
    if unlisted > 0 {
        findings.push(
            finding(format!(
                "and {unlisted} more unknown variables or keys (only the first {MAX_LISTED} are listed)"
            ))
            .with_remedy("remove the names no setting reads"),
        );
    }
}

/// The keys of `table` (under the dotted `prefix`) that no setting reads,
/// with whether each names a section given as a value. Tables are entered
/// only where they name a section, so the walk is as deep as the schema.
fn unknown_keys(schema: &Schema, table: &toml::Table, prefix: &str, out: &mut Vec<(String, bool)>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if schema.field(&path).is_some() {
            continue;
        }
        match value {
            toml::Value::Table(inner) if schema.is_section(&path) => {
                unknown_keys(schema, inner, &path, out);
            }
            _ => {
                let is_section = schema.is_section(&path);
                out.push((path, is_section));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_service_link;

    #[test]
    fn recognises_the_kubelets_service_link_variables() {
        for name in [
            "ASYNCGATE_SERVICE_HOST",
            "ASYNCGATE_SERVICE_PORT",
            "ASYNCGATE_SERVICE_PORT_HTTP",
            "ASYNCGATE_PORT_80_TCP",
            "ASYNCGATE_PORT_80_TCP_PROTO",
            "ASYNCGATE_PORT_9091_TCP_PORT",
            "ASYNCGATE_PORT_9091_TCP_ADDR",
            "ASYNCGATE_PORT_53_UDP",
        ] {
            assert!(is_service_link("ASYNCGATE", name), "{name}");
        }
        for name in [
            "ASYNCGATE_PORT",
            "ASYNCGATE_PORTS",
            "ASYNCGATE_PORT_80",
            "ASYNCGATE_PORT_X_TCP",
            "ASYNCGATE_PORT_80_TCP_OTHER",
            "ASYNCGATE_SERVICE_HOSTS",
            "ASYNCGATE_SERVICE",
            "OTHER_SERVICE_HOST",
        ] {
            assert!(!is_service_link("ASYNCGATE", name), "{name}");
        }
    }
}
