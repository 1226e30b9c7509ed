//! Masking by structure: a password made of any printable ASCII
//! characters (`,;'"@:/?#&=%` and spaces included), in every
//! connection-string form the crate knows, never shows in any output
//! channel. The masked text is the form with `[redacted]` in the
//! password's place, or hides more (each unmasked fragment lies within the
//! form's own text), so a partial leak (the part after a `,`) fails as
//! surely as a full one.
#![cfg(feature = "__fuzz")]

mod common;

use asyncgate_config::__fuzz::mask;
use asyncgate_config::{Loaded, Report};
use common::{PROD, Settings, loader, with};
use proptest::prelude::*;

const R: &str = "[redacted]";

/// A password: any printable ASCII, with a core (`QX7`) that appears
/// nowhere else, so a report can be searched for it.
fn password() -> impl Strategy<Value = String> {
    ("[ -~]{0,10}", "[ -~]{0,10}").prop_map(|(a, b)| format!("{a}QX7{b}"))
}

/// libpq's quoting of a value in single quotes: `\\` and `\'` escaped.
fn quoted(password: &str) -> String {
    format!("'{}'", password.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A query value as a URL carries it: reserved characters percent-encoded.
fn percent_encoded(password: &str) -> String {
    password
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Every form, with the text that must come out of masking.
fn forms(pw: &str) -> Vec<(String, String)> {
    let mut forms = vec![
        (
            format!("postgresql://app:{pw}@db:5432/app"),
            format!("postgresql://app:{R}@db:5432/app"),
        ),
        (
            format!("redis://:{pw}@cache:6379/0"),
            format!("redis://:{R}@cache:6379/0"),
        ),
        (
            format!("https://user:{pw}@host/path"),
            format!("https://user:{R}@host/path"),
        ),
        (
            format!("postgresql://app:{pw}@h1:5432,h2:5432/app?target_session_attrs=read-write"),
            format!("postgresql://app:{R}@h1:5432,h2:5432/app?target_session_attrs=read-write"),
        ),
        (
            format!("postgresql://app:{pw}@[fd00::1]:5432/app"),
            format!("postgresql://app:{R}@[fd00::1]:5432/app"),
        ),
        (
            format!("host=db user=app password={} dbname=app", quoted(pw)),
            format!("host=db user=app password={R} dbname=app"),
        ),
        (
            format!("host=db password = {} sslmode=require", quoted(pw)),
            format!("host=db password = {R} sslmode=require"),
        ),
        (
            format!(
                "postgres://db/app?user=app&password={}&sslmode=require",
                percent_encoded(pw)
            ),
            format!("postgres://db/app?user=app&password={R}&sslmode=require"),
        ),
        (
            format!("https://a.example,postgresql://app:{pw}@db/app,redis://:{pw}@c:6379"),
            format!("https://a.example,postgresql://app:{R}@db/app,redis://:{R}@c:6379"),
        ),
    ];
    // Without a scheme, a password cannot start with `//` (that would
    // make `app://` a scheme); unquoted DSN values hold no whitespace and
    // do not start with a quote.
    if !pw.starts_with("//") {
        forms.push((
            format!("app:{pw}@db:5432/app"),
            format!("app:{R}@db:5432/app"),
        ));
    }
    if !pw.contains(char::is_whitespace) && !pw.starts_with(['\'', '"']) {
        forms.push((
            format!("host=db user=app password={pw} dbname=app"),
            format!("host=db user=app password={R} dbname=app"),
        ));
    }
    forms
}

/// `masked` is `expected`, or hides more: each of its unmasked fragments
/// lies within one of `expected`'s.
fn reveals_no_more(masked: &str, expected: &str) -> bool {
    let allowed: Vec<&str> = expected.split(R).collect();
    masked == expected
        || masked
            .split(R)
            .all(|part| allowed.iter().any(|a| a.contains(part)))
}

#[test]
fn the_property_rejects_a_partial_leak_and_accepts_over_masking() {
    let expected = format!("postgresql://app:{R}@db/app");
    assert!(reveals_no_more(&expected, &expected));
    assert!(reveals_no_more(&format!("postgresql://app:{R}"), &expected));
    assert!(!reveals_no_more(
        &format!("postgresql://app:{R},Secret@db/app"),
        &expected
    ));
    assert!(!reveals_no_more(
        "postgresql://app:Pw1,Secret@db/app",
        &expected
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_password_survives_masking_in_any_form(pw in password()) {
        for (value, expected) in forms(&pw) {
            let masked = mask(&value);
            prop_assert!(reveals_no_more(&masked, &expected), "{:?} -> {:?}", value, masked);
        }
    }

    #[test]
    fn no_output_channel_shows_the_password(pw in password()) {
        for (value, _) in forms(&pw) {
            let env = with(&PROD, &[("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4")]);
            let mut env: Vec<(&str, &str)> = env;
            env.push(("ASYNCGATE_DATABASE_URL", &value));
            let outcome = loader::<Settings>(&env).load().and_then(Loaded::validate);
            let (report, debug) = match outcome {
                Ok(validated) => (validated.report(), format!("{validated:?}")),
                Err(report) => (report.clone(), String::new()),
            };
            let all = format!(
                "{report}\n{report:?}\n{}\n{}\n{debug}",
                report.detailed(),
                serde_json::to_string(&report).unwrap()
            );
            prop_assert!(!all.contains("QX7"), "{} leaked from {:?}:\n{}", pw, value, all);
        }
    }
}

#[test]
fn a_password_holding_a_query_parameter_is_masked_with_what_follows() {
    // Found by the fuzzer: `&password=` in userinfo is also read as a query
    // parameter. The union of both readings is masked: more, never less.
    let masked = mask("postgresql://app:&password=@h1:5432,h2:5432/app");
    assert!(!masked.contains("&password="), "{masked}");
    assert!(
        masked.starts_with(&format!("postgresql://app:{R}")),
        "{masked}"
    );
}

#[test]
fn the_reported_leaks_are_masked() {
    for (value, expected) in [
        (
            "postgresql://app:Pw1,Secret@db/app",
            format!("postgresql://app:{R}@db/app"),
        ),
        (
            "redis://:a,b@cache:6379/0",
            format!("redis://:{R}@cache:6379/0"),
        ),
        ("https://user:a,b@host", format!("https://user:{R}@host")),
        (
            "host=db password='a,b' dbname=x",
            format!("host=db password={R} dbname=x"),
        ),
        (
            "host=db password = x dbname=y",
            format!("host=db password = {R} dbname=y"),
        ),
        (
            "https://h/x?refresh_token=abc&b=1",
            format!("https://h/x?refresh_token={R}&b=1"),
        ),
        (
            "https://h/x?session_token=abc",
            format!("https://h/x?session_token={R}"),
        ),
        (
            "https://h/x?sig=abc&key=def",
            format!("https://h/x?sig={R}&key={R}"),
        ),
        (
            "https://s3/b/o?X-Amz-Credential=AKIA%2F20261204&X-Amz-Signature=f00d&X-Amz-Expires=60",
            format!("https://s3/b/o?X-Amz-Credential={R}&X-Amz-Signature={R}&X-Amz-Expires=60"),
        ),
    ] {
        assert_eq!(mask(value), expected, "{value}");
    }
}

#[test]
fn values_without_secrets_are_left_alone() {
    for value in [
        "https://example.com/a:b@c",
        "postgresql://app@db/app",
        "https://host/path?page=2&sort=name",
        "a=b,c=d",
        "user@example.com",
        "postgresql://h1:5432,h2:5432/app",
    ] {
        assert_eq!(mask(value), value);
    }
}

/// A report of a value is the report (for `Report: Clone` in the test above).
#[allow(dead_code)]
fn _report_is_clone(report: &Report) -> Report {
    report.clone()
}
