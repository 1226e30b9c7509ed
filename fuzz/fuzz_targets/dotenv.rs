//! Any `.env` text parses or fails with messages that quote no value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (vars, messages) = asyncgate_config::__fuzz::dotenv(text);
    let _ = vars;
    // Our own fixed wording; a "value" that is part of it is no leak.
    const FIXED: [&str; 6] = [
        "cannot parse .env",
        "(its value is not shown)",
        "write each line as NAME=value; quote values that contain spaces or '#'",
        "which does not start with NAME=",
        "error: ",
        "    fix:     ",
    ];
    for message in messages {
        let mut message = without_locators(&message);
        for phrase in FIXED {
            message = message.replace(phrase, "\u{0}");
        }
        // Messages name lines and variables; the text after an `=` of a
        // line that failed is never quoted. A long run of the input that
        // is not a variable name must not appear.
        for line in text.lines() {
            if let Some((_, value)) = line.split_once('=') {
                let value = value.trim();
                if value.len() >= 12 && !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    assert!(!message.contains(value), "value quoted: {message}");
                }
            }
        }
    }
});

/// The message without its `at line N (variable NAME)` / `at line N, ...`
/// locators: a line number and a key are shown on purpose.
fn without_locators(message: &str) -> String {
    let mut out = String::new();
    let mut rest = message;
    while let Some(at) = rest.find(" at line ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + " at line ".len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let tail = &after[digits..];
        rest = if let Some(named) = tail.strip_prefix(" (variable ") {
            named.find(')').map_or("", |end| &named[end + 1..])
        } else {
            tail
        };
        out.push('\u{0}');
    }
    out.push_str(rest);
    out
}
