//! Collecting what a platform's environment says about the replica besides
//! its id, from the same environment snapshot as detection: kept in the
//! [`Resolution`](crate::Resolution) for telemetry (the `opentelemetry`
//! feature's resource attributes).

use crate::load::{EnvLookup, EnvValue};
use crate::platform::FACT_VARS;
use crate::provenance::PlatformFacts;

/// Every variable a fact is read from: [`FACT_VARS`] and those detection
/// reads that also describe the replica.
const READ: [&str; 6] = [
    "POD_NAME",
    "HOSTNAME",
    "K_REVISION",
    "CLOUD_RUN_EXECUTION",
    "CLOUD_RUN_TASK_INDEX",
    "GAE_INSTANCE",
];

/// A value longer than this is not a name a platform sets: it is dropped.
const MAX_LEN: usize = 253;

/// The facts in `env`: each variable set to printable text of at most
/// 253 bytes, trimmed. `hostname` is the one injected into the loader.
pub(crate) fn collect(env: &dyn EnvLookup, hostname: Option<String>) -> PlatformFacts {
    let vars = FACT_VARS
        .iter()
        .chain(READ.iter())
        .filter_map(|&name| match env.lookup(name)? {
            EnvValue::Set(value) => {
                let value = value.trim();
                let usable = !value.is_empty()
                    && value.len() <= MAX_LEN
                    && !value.chars().any(char::is_control);
                usable.then(|| (name, value.to_owned()))
            }
            EnvValue::NotUnicode => None,
        })
        .collect();
    PlatformFacts { vars, hostname }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn every_variable_read_is_kept_by_the_environment_snapshot() {
        use crate::Platform;
        for name in READ {
            assert!(
                Platform::ENV_VARS.contains(&name),
                "{name} is read for a fact but not kept: add it to FACT_VARS"
            );
        }
        for name in FACT_VARS {
            assert!(!Platform::ENV_VARS.contains(&name), "{name} listed twice");
        }
    }

    #[test]
    fn keeps_printable_bounded_values_and_drops_the_rest() {
        let env: HashMap<String, String> = [
            ("POD_NAMESPACE", " payments "),
            ("K_SERVICE", ""),
            ("GAE_SERVICE", "line\nbreak"),
            ("GAE_VERSION", &"v".repeat(254)),
            ("HOSTNAME", "orders-7d9f"),
            ("UNRELATED", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let facts = collect(&env, Some("laptop".into()));
        assert_eq!(facts.var("POD_NAMESPACE"), Some("payments"));
        assert_eq!(facts.var("HOSTNAME"), Some("orders-7d9f"));
        assert_eq!(facts.var("K_SERVICE"), None, "empty");
        assert_eq!(facts.var("GAE_SERVICE"), None, "control character");
        assert_eq!(facts.var("GAE_VERSION"), None, "longer than 253 bytes");
        assert_eq!(facts.var("UNRELATED"), None, "not a platform variable");
        assert_eq!(facts.hostname(), Some("laptop"));
    }
}
