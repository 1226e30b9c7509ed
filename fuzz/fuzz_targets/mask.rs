//! A password of any printable ASCII characters, in any connection-string
//! form the crate knows, never survives masking: the masked text must be
//! the form with `[redacted]` in the password's place, or mask more (every
//! fragment left unmasked is part of the form's own text), so a partial
//! leak fails too. `asyncgate-config/tests/masking.rs` checks the same
//! property as a proptest in CI.
#![no_main]

use libfuzzer_sys::fuzz_target;

const R: &str = "[redacted]";

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    // Every byte becomes a printable ASCII character (printable ones stay
    // as they are, so the dictionary's tokens arrive whole): the whole set,
    // `,;'"@:/?#&=%` and space included.
    let printable = |b: u8| if (32..=126).contains(&b) { b } else { b % 95 + 32 };
    let pw: String = rest.iter().take(64).map(|&b| char::from(printable(b))).collect();
    if pw.is_empty() {
        let _ = asyncgate_config::__fuzz::mask(&String::from_utf8_lossy(data));
        return;
    }
    let quoted = format!("'{}'", pw.replace('\\', "\\\\").replace('\'', "\\'"));
    let encoded: String = pw
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let forms: [(String, String); 11] = [
        (format!("postgresql://app:{pw}@db:5432/app"), format!("postgresql://app:{R}@db:5432/app")),
        (format!("redis://:{pw}@cache:6379/0"), format!("redis://:{R}@cache:6379/0")),
        (format!("https://user:{pw}@host/path"), format!("https://user:{R}@host/path")),
        (format!("postgresql://app:{pw}@h1:5432,h2:5432/app"), format!("postgresql://app:{R}@h1:5432,h2:5432/app")),
        (format!("postgresql://app:{pw}@[fd00::1]:5432/app"), format!("postgresql://app:{R}@[fd00::1]:5432/app")),
        (format!("host=db password={quoted} dbname=app"), format!("host=db password={R} dbname=app")),
        (format!("host=db password = {quoted} dbname=app"), format!("host=db password = {R} dbname=app")),
        (format!("postgres://db/app?user=u&password={encoded}&x=1"), format!("postgres://db/app?user=u&password={R}&x=1")),
        (format!("https://a.example,redis://:{pw}@c:6379"), format!("https://a.example,redis://:{R}@c:6379")),
        (format!("app:{pw}@db:5432/app"), format!("app:{R}@db:5432/app")),
        (format!("host=db password={pw} dbname=app"), format!("host=db password={R} dbname=app")),
    ];
    let index = usize::from(selector) % forms.len();
    // What is ambiguous by construction, for any reader: a schemeless
    // password that starts with `//` (then `app://` is a scheme), an
    // unquoted DSN value with whitespace or a leading quote, and a
    // password holding the start of a new list item (`,x://`).
    let ambiguous = (index == 9 && pw.starts_with("//"))
        || (index == 10 && (pw.contains(char::is_whitespace) || pw.starts_with(['\'', '"'])))
        || pw.contains("://");
    if ambiguous {
        return;
    }
    let (value, expected) = &forms[index];
    let masked = asyncgate_config::__fuzz::mask(value);
    assert!(reveals_no_more(&masked, expected), "{value} -> {masked}");
});

/// `masked` is `expected`, or hides more: each of its unmasked fragments
/// lies within one of `expected`'s.
fn reveals_no_more(masked: &str, expected: &str) -> bool {
    let allowed: Vec<&str> = expected.split(R).collect();
    masked == expected || masked.split(R).all(|part| allowed.iter().any(|a| a.contains(part)))
}
