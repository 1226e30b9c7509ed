//! Kubernetes service links: the variables the kubelet injects into every
//! pod for each Service of its namespace (unless the pod spec says
//! `enableServiceLinks: false`). A Service `ledger-db` with port 5432 gives
//! `LEDGER_DB_SERVICE_HOST=10.0.0.7`, `LEDGER_DB_SERVICE_PORT=5432`,
//! `LEDGER_DB_PORT=tcp://10.0.0.7:5432`, `LEDGER_DB_PORT_5432_TCP=...` and
//! its `_PROTO`, `_PORT` and `_ADDR`; a service named like a settings
//! struct's prefix puts them under that prefix.
//!
//! They are recognised by the shape of name *and* value, so a real setting
//! that happens to end in `_PORT` is never mistaken for one. Everything
//! here works on borrowed text and allocates nothing.

use std::net::IpAddr;

use crate::report::Finding;

/// A Service name is a DNS label: at most 63 characters.
const MAX_SERVICE_NAME: usize = 63;

/// Whether `name=value` is a variable the kubelet injects for a Service
/// whose variable names start with `<prefix>_` (the Service named like the
/// prefix, or `<prefix>-<anything>`).
pub(crate) fn is_service_link(prefix: &str, name: &str, value: &str) -> bool {
    let Some(rest) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')) else {
        return false;
    };
    // The kubelet upper-cases the Service name (a DNS label of at most 63
    // characters) and turns `-` into `_`.
    if service_of(name).len() > MAX_SERVICE_NAME
        || !rest
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        return false;
    }
    if ends_with_segment(rest, "SERVICE_HOST") {
        return value.parse::<IpAddr>().is_ok();
    }
    if ends_with_segment(rest, "SERVICE_PORT") {
        return is_port(value);
    }
    if ends_with_segment(rest, "PORT") && parse_link_url(value).is_some() {
        return true;
    }
    segment_starts(rest, "SERVICE_PORT_").any(|port_name| !port_name.is_empty() && is_port(value))
        || segment_starts(rest, "PORT_").any(|tail| is_port_variable(tail, value))
}

/// `tcp://10.96.0.12:80` (or `tcp://[fd00::1]:80`): the value of the
/// kubelet's `<SERVICE>_PORT` and `<SERVICE>_PORT_<n>_<PROTO>`.
pub(crate) fn is_service_link_value(value: &str) -> bool {
    parse_link_url(value).is_some()
}

/// Why a setting holds a Kubernetes service link, and the two fixes.
pub(crate) fn service_link_collision(name: &str, var: &str) -> Finding {
    // The kubelet names `<SERVICE>_PORT` after the Service: upper case, `-` as `_`.
    let service = var
        .rsplit_once("_PORT")
        .map_or(var, |(service, _)| service)
        .to_ascii_lowercase()
        .replace('_', "-");
    Finding::error(
        name,
        format!(
            "{var} holds a Kubernetes service link (tcp://<ip>:<port>), not a value for `{name}`: the kubelet sets {var} in every pod of a namespace that has a Service named `{service}`"
        ),
    )
    .with_env_var(var)
    .with_remedy(format!(
        "set `enableServiceLinks: false` in the pod spec, or set {var} explicitly in the container's env"
    ))
}

/// The Service a link variable belongs to, as the kubelet spelled it in
/// the name (`LEDGER_DB` for `LEDGER_DB_PORT_5432_TCP_ADDR`).
pub(crate) fn service_of(name: &str) -> &str {
    for marker in ["_SERVICE_HOST", "_SERVICE_PORT"] {
        if let Some(at) = name.find(marker) {
            return &name[..at];
        }
    }
    if let Some(at) = name.find("_PORT_") {
        return &name[..at];
    }
    name.strip_suffix("_PORT").unwrap_or(name)
}

/// `rest` is `segment` or ends with `_segment`.
fn ends_with_segment(rest: &str, segment: &str) -> bool {
    rest.strip_suffix(segment)
        .is_some_and(|before| before.is_empty() || before.ends_with('_'))
}

/// What follows each place where `marker` starts `rest` or follows a `_`.
fn segment_starts<'a>(rest: &'a str, marker: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    rest.match_indices(marker)
        .filter(move |&(at, _)| at == 0 || rest.as_bytes()[at - 1] == b'_')
        .map(move |(at, _)| &rest[at + marker.len()..])
}

/// `<n>_<PROTO>` (the link URL), `<n>_<PROTO>_PROTO` (`tcp`),
/// `<n>_<PROTO>_PORT` (`<n>`) or `<n>_<PROTO>_ADDR` (the cluster IP).
fn is_port_variable(tail: &str, value: &str) -> bool {
    let Some((number, rest)) = tail.split_once('_') else {
        return false;
    };
    if !is_port(number) {
        return false;
    }
    let (protocol, field) = rest.split_once('_').unwrap_or((rest, ""));
    let lower = match protocol {
        "TCP" => "tcp",
        "UDP" => "udp",
        "SCTP" => "sctp",
        _ => return false,
    };
    match field {
        "" => parse_link_url(value) == Some((lower, number)),
        "PROTO" => value == lower,
        "PORT" => value == number,
        "ADDR" => value.parse::<IpAddr>().is_ok(),
        _ => false,
    }
}

/// A port number as the kubelet writes it: 1 to 65535, digits only.
fn is_port(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 5
        && text.bytes().all(|b| b.is_ascii_digit())
        && text.parse::<u16>().is_ok_and(|p| p > 0)
}

/// `proto://<ip>:<port>` as `(proto, port)`.
fn parse_link_url(value: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = value.split_once("://")?;
    let (host, port) = rest.rsplit_once(':')?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    (matches!(scheme, "tcp" | "udp" | "sctp") && host.parse::<IpAddr>().is_ok() && is_port(port))
        .then_some((scheme, port))
}

#[cfg(test)]
mod tests {
    use super::{is_service_link, service_of};

    #[test]
    fn recognises_every_variable_the_kubelet_injects_under_the_prefix() {
        for (name, value) in [
            // A Service named like the prefix.
            ("LEDGER_SERVICE_HOST", "10.0.0.11"),
            ("LEDGER_SERVICE_PORT", "80"),
            ("LEDGER_SERVICE_PORT_HTTP", "80"),
            ("LEDGER_PORT", "tcp://10.0.0.11:80"),
            ("LEDGER_PORT_80_TCP", "tcp://10.0.0.11:80"),
            ("LEDGER_PORT_80_TCP_PROTO", "tcp"),
            ("LEDGER_PORT_80_TCP_PORT", "80"),
            ("LEDGER_PORT_80_TCP_ADDR", "10.0.0.11"),
            ("LEDGER_PORT_53_UDP", "udp://10.0.0.11:53"),
            // Another Service whose name shares the prefix: `ledger-db`.
            ("LEDGER_DB_SERVICE_HOST", "10.0.0.7"),
            ("LEDGER_DB_SERVICE_PORT", "5432"),
            ("LEDGER_DB_SERVICE_PORT_POSTGRES", "5432"),
            ("LEDGER_DB_PORT", "tcp://10.0.0.7:5432"),
            ("LEDGER_DB_PORT_5432_TCP", "tcp://10.0.0.7:5432"),
            ("LEDGER_DB_PORT_5432_TCP_PROTO", "tcp"),
            ("LEDGER_DB_PORT_5432_TCP_PORT", "5432"),
            ("LEDGER_DB_PORT_5432_TCP_ADDR", "10.0.0.7"),
            // IPv6 clusters, SCTP, names with digits.
            ("LEDGER_V2_SERVICE_HOST", "fd00:10:96::a"),
            ("LEDGER_V2_PORT", "tcp://[fd00:10:96::a]:8080"),
            ("LEDGER_V2_PORT_9000_SCTP", "sctp://[fd00:10:96::a]:9000"),
        ] {
            assert!(is_service_link("LEDGER", name, value), "{name}={value}");
        }
    }

    #[test]
    fn a_name_of_that_shape_with_a_value_of_another_shape_is_not_a_link() {
        let longest = format!("LEDGER_{}_SERVICE_HOST", "X".repeat(56));
        assert!(is_service_link("LEDGER", &longest, "10.0.0.7"));
        for (name, value) in [
            ("LEDGER_PORT", "8080"),
            ("LEDGER_DB_PORT", "5432"),
            ("LEDGER_SERVICE_HOST", "ledger.example.com"),
            ("LEDGER_SERVICE_PORT", "http"),
            ("LEDGER_SERVICE_PORT", "0"),
            ("LEDGER_SERVICE_PORT", "70000"),
            ("LEDGER_PORT_80_TCP", "tcp://10.0.0.11:81"),
            ("LEDGER_PORT_80_TCP", "udp://10.0.0.11:80"),
            ("LEDGER_PORT_80_TCP_PROTO", "udp"),
            ("LEDGER_PORT_80_TCP_PORT", "81"),
            ("LEDGER_PORT_80_TCP_ADDR", "not-an-ip"),
            ("LEDGER_PORT_80_TCP_OTHER", "x"),
            ("LEDGER_PORT_X_TCP", "tcp://10.0.0.11:80"),
            ("LEDGER_PORT_80", "tcp://10.0.0.11:80"),
            ("LEDGER_PORT", "http://10.0.0.11:80"),
            ("LEDGER_PORT", "tcp://db.local:80"),
            ("LEDGER_SERVICE_PORT_", "80"),
            ("LEDGER_DBSERVICE_HOST", "10.0.0.7"),
            ("LEDGER_DB_SERVICE_HOST", ""),
            ("LEDGERX_SERVICE_HOST", "10.0.0.7"),
            ("OTHER_SERVICE_HOST", "10.0.0.7"),
            ("LEDGER_db_SERVICE_HOST", "10.0.0.7"),
            ("LEDGER_DB_SERVICE_HOST\u{1b}", "10.0.0.7"),
            // A Service name is at most 63 characters.
            (
                &format!("LEDGER_{}_SERVICE_HOST", "X".repeat(57)),
                "10.0.0.7",
            ),
        ] {
            assert!(
                !is_service_link("LEDGER", name, value),
                "{name:?}={value:?}"
            );
        }
    }

    #[test]
    fn names_the_service_a_variable_belongs_to() {
        assert_eq!(service_of("LEDGER_DB_PORT_5432_TCP_ADDR"), "LEDGER_DB");
        assert_eq!(service_of("LEDGER_DB_SERVICE_PORT_POSTGRES"), "LEDGER_DB");
        assert_eq!(service_of("LEDGER_PORT"), "LEDGER");
        assert_eq!(service_of("LEDGER_SERVICE_HOST"), "LEDGER");
    }
}
