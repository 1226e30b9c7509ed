//! How user input and names appear in messages: quoting, and "did you
//! mean" suggestions that only name a plausible typo.

/// Shows a user-supplied value in a message: passwords masked, control
/// characters escaped, in full up to 120 characters (a longer one cut,
/// with its length). A value that looks like a credential is never shown
/// in full, since a secret may have been put into the wrong variable: a
/// 4-character excerpt and the length.
pub(crate) fn quote_input(value: &str) -> String {
    const FULL: usize = 120;
    const LONG_EXCERPT: usize = 64;
    const SECRET_EXCERPT: usize = 4;
    let masked = crate::mask::mask_secrets(value);
    let count = masked.chars().count();
    let excerpt = |n: usize| -> String {
        let head: String = masked.chars().take(n).collect();
        format!("`{}…` ({count} characters)", head.escape_debug())
    };
    if looks_like_credential(&masked) {
        excerpt(SECRET_EXCERPT)
    } else if count <= FULL {
        format!("`{}`", masked.escape_debug())
    } else {
        excerpt(LONG_EXCERPT)
    }
}

/// A value as a file's line shows it under a finding: as [`quote_input`]
/// decides (passwords masked; a value that looks like a credential cut to
/// 4 characters, a long one to 64, each followed by `…`), without quotes
/// or length. Surrounding quotes, as the file has them, are kept; a table
/// or list is shown as its brackets (`{…}`, `[…]`).
pub(crate) fn excerpt_value(raw: &str) -> String {
    // A table or list may hold anything, secrets too: its brackets only.
    match raw.chars().next() {
        Some('{') => return "{…}".to_owned(),
        Some('[') => return "[…]".to_owned(),
        _ => {}
    }
    let quote = raw
        .chars()
        .next()
        .filter(|&q| (q == '"' || q == '\'') && raw.len() >= 2 && raw.ends_with(q));
    let inner = match quote {
        Some(_) => &raw[1..raw.len() - 1],
        None => raw,
    };
    let masked = crate::mask::mask_secrets(inner);
    let count = masked.chars().count();
    let cut = |n: usize| format!("{}…", masked.chars().take(n).collect::<String>());
    let shown = if looks_like_credential(&masked) {
        cut(4)
    } else if count > 120 {
        cut(64)
    } else {
        masked.into_owned()
    };
    match quote {
        Some(q) => format!("{q}{shown}{q}"),
        None => shown,
    }
}

/// Whether a value looks like a token, key or password rather than a
/// setting's value: 16 characters or more without spaces that mix three
/// kinds of character (lower case, upper case, digits, symbols), or 20 or
/// more that mix letters and digits (hex and base64 keys).
fn looks_like_credential(value: &str) -> bool {
    let len = value.chars().count();
    if len < 16 || value.chars().any(char::is_whitespace) {
        return false;
    }
    let has = |f: fn(&char) -> bool| value.chars().any(|c| f(&c));
    let lower = has(char::is_ascii_lowercase);
    let upper = has(char::is_ascii_uppercase);
    let digit = has(char::is_ascii_digit);
    let symbol = has(|c| !c.is_ascii_alphanumeric());
    let kinds = [lower, upper, digit, symbol]
        .into_iter()
        .filter(|k| *k)
        .count();
    kinds >= 3 || (len >= 20 && digit && (lower || upper))
}

/// A value for display in `check`: passwords masked, control characters
/// (which could rewrite an operator's terminal) escaped.
pub(crate) fn printable(value: &str) -> String {
    let masked = crate::mask::mask_secrets(value);
    if has_control(&masked) {
        masked
            .chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        masked.into_owned()
    }
}

/// A map entry's part of a setting's path: `.acme`, or `."eu west"` for a
/// key that is not bare (quoted as in TOML, control characters escaped,
/// a long key cut).
pub(crate) fn key_path(key: &str) -> String {
    let mut path = String::with_capacity(key.len() + 1);
    push_key_path(&mut path, key);
    path
}

/// Appends [`key_path`]`(key)` to `out`.
pub(crate) fn push_key_path(out: &mut String, key: &str) {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare {
        out.push('.');
        out.push_str(key);
    } else {
        out.push_str(".\"");
        out.push_str(&printable_name(key).replace('"', "\\\""));
        out.push('"');
    }
}

/// A name from the environment or a file (a variable, a key) for display:
/// escaped like [`printable`], and cut after 120 characters with its
/// length, so a hostile name of a megabyte makes a short message.
pub(crate) fn printable_name(name: &str) -> String {
    const MAX: usize = 120;
    if name.len() <= MAX {
        return printable(name);
    }
    let head: String = name.chars().take(MAX).collect();
    format!("{}… ({} bytes)", printable(&head), name.len())
}

/// Whether `text` has a control character: C0 and DEL are single bytes;
/// C1 (U+0080 to U+009F) are encoded from the byte 0xC2, so text without
/// any of those bytes (nearly every value) is not decoded.
fn has_control(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2) && text.chars().any(char::is_control)
}

/// The accepted value `input` most likely meant: a plausible typo of one
/// (see [`is_typo`]), or, for inputs of three characters or more, an
/// abbreviation (`prod` for `production`).
pub(crate) fn suggest_value<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let input = input.trim().to_ascii_lowercase();
    if input.is_empty() {
        return None;
    }
    let mut abbreviation = None;
    for candidate in candidates {
        let lower = candidate.to_ascii_lowercase();
        if is_typo(&input, &lower) {
            return Some(candidate);
        }
        if input.len() >= 3 && lower.starts_with(&input) && abbreviation.is_none() {
            abbreviation = Some(candidate);
        }
    }
    abbreviation
}

/// The known name `input` most likely meant, comparing only what follows
/// `prefix` (`ASYNCGATE_`): a plausible typo, never a name that merely
/// shares words or the prefix.
pub(crate) fn suggest_name<'a, I>(input: &str, prefix: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let input = input.strip_prefix(prefix).unwrap_or(input);
    let input_letters = letters(input);
    candidates.into_iter().find(|candidate| {
        let rest = candidate.strip_prefix(prefix).unwrap_or(candidate);
        // A candidate has at most as many letters as bytes: one shorter
        // than the input by two letters or more is rejected unread.
        rest.len() + 1 >= input_letters && typo_of(input, input_letters, rest)
    })
}

/// The letters of a name: what is left without separators.
fn letters(name: &str) -> usize {
    name.bytes()
        .filter(|c| !matches!(c, b'-' | b'_' | b'.'))
        .count()
}

/// Whether `a` is a plausible typo of `b` (compared case-insensitively):
/// the same but for separators (`-`, `_`, `.`), or one edit away — a
/// transposition, a dropped, doubled or wrong letter. Names of three
/// letters or fewer only match on separators, a transposition, or one
/// letter dropped from a name of four: one wrong letter in a short name
/// makes a different word.
pub(crate) fn is_typo(a: &str, b: &str) -> bool {
    typo_of(a, letters(a), b)
}

/// [`is_typo`], with the letters of `a` counted once by the caller.
fn typo_of(a: &str, a_letters: usize, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return false;
    }
    // Most candidates differ in length by more than one edit: reject them
    // without allocating.
    if a_letters.abs_diff(letters(b)) > 1 {
        return false;
    }
    let fold = |s: &str| -> Vec<u8> {
        s.bytes()
            .filter(|c| !matches!(c, b'-' | b'_' | b'.'))
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let (a, b) = (fold(a), fold(b));
    if a == b {
        return !a.is_empty();
    }
    if a.len().min(b.len()) <= 3 {
        // A short name: a transposition, or one letter dropped from a name
        // of four (`prd` for `prod`); a wrong letter makes another word.
        let edit = one_edit(&a, &b);
        return (a.len() == b.len() && edit == Some(Edit::Transposition))
            || (a.len() == 3 && b.len() == 4 && edit == Some(Edit::Insertion));
    }
    one_edit(&a, &b).is_some()
}

#[derive(Debug, PartialEq, Eq)]
enum Edit {
    Substitution,
    Transposition,
    Insertion,
}

/// The single edit that turns `a` into `b`, if one does (linear time).
fn one_edit(a: &[u8], b: &[u8]) -> Option<Edit> {
    if a.len().abs_diff(b.len()) > 1 {
        return None;
    }
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a_rest, b_rest) = (&a[common..], &b[common..]);
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => {
            if a_rest.len() >= 2
                && a_rest[0] == b_rest[1]
                && a_rest[1] == b_rest[0]
                && a_rest[2..] == b_rest[2..]
            {
                Some(Edit::Transposition)
            } else {
                (a_rest[1..] == b_rest[1..]).then_some(Edit::Substitution)
            }
        }
        std::cmp::Ordering::Less => (a_rest == &b_rest[1..]).then_some(Edit::Insertion),
        std::cmp::Ordering::Greater => (&a_rest[1..] == b_rest).then_some(Edit::Insertion),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_keys_path_part_is_bare_or_quoted_as_in_toml() {
        assert_eq!(key_path("acme-eu_1"), ".acme-eu_1");
        assert_eq!(key_path("eu west"), ".\"eu west\"");
        assert_eq!(key_path("say \"hi\""), ".\"say \\\"hi\\\"\"");
        assert_eq!(key_path("a\u{7}b"), ".\"a\\u{7}b\"");
        assert_eq!(key_path(""), ".\"\"");
        let mut shown = String::from("tenants");
        push_key_path(&mut shown, "b c");
        assert_eq!(shown, "tenants.\"b c\"");
    }

    #[test]
    fn quotes_values_in_full_but_never_a_credential_or_a_long_value() {
        assert_eq!(quote_input("a\nb"), "`a\\nb`");
        assert_eq!(quote_input("eighty"), "`eighty`");
        assert_eq!(quote_input("verbose"), "`verbose`");
        assert_eq!(quote_input("30 seconds, please"), "`30 seconds, please`");
        assert_eq!(quote_input("s3cr3t-t0ken"), "`s3cr3t-t0ken`");
        // Credential-like: mixed kinds of character, or long letters and digits.
        assert_eq!(
            quote_input("Canary-Catalogue-S3cret-77"),
            "`Cana…` (26 characters)"
        );
        assert_eq!(
            quote_input("9f8e7d6c5b4a39281706f5e4"),
            "`9f8e…` (24 characters)"
        );
        assert_eq!(
            quote_input("QWxhZGRpbjpvcGVuIHNlc2FtZQ"),
            "`QWxh…` (26 characters)"
        );
        // Long: cut after 64 characters.
        let long = quote_input(&"x".repeat(200));
        assert_eq!(long, format!("`{}…` (200 characters)", "x".repeat(64)));
        assert_eq!(quote_input("\u{1b}[2J\u{1b}[H"), "`\\u{1b}[2J\\u{1b}[H`");
        assert_eq!(printable("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert!(!printable("postgres://u:hunter2@h/d").contains("hunter2"));
        // C1 controls (CSI is U+009B, two bytes in UTF-8), DEL, and text
        // that only looks close (U+00C2, U+0100) or is plain.
        assert_eq!(printable("a\u{9b}31mb"), "a\\u{9b}31mb");
        assert_eq!(printable("a\u{7f}b"), "a\\u{7f}b");
        assert_eq!(printable("Â ā é"), "Â ā é");
        assert_eq!(printable("plain-value"), "plain-value");
    }

    #[test]
    fn suggests_values_for_typos_and_abbreviations() {
        let names = ["development", "staging", "production"];
        assert_eq!(suggest_value("prod", names), Some("production"));
        assert_eq!(suggest_value("stagin", names), Some("staging"));
        assert_eq!(suggest_value("Developmnet", names), Some("development"));
        assert_eq!(suggest_value("banana", names), None);
        assert_eq!(suggest_value("qa", names), None);
        assert_eq!(suggest_value("", names), None);
    }

    /// Real misspellings of real settings: each names the one it meant.
    #[test]
    fn suggests_names_for_plausible_typos() {
        let known = [
            "ASYNCGATE_INSTANCE_ID",
            "ASYNCGATE_API_KEY",
            "ASYNCGATE_PORT",
            "ASYNCGATE_HOST",
            "ASYNCGATE_ENV",
            "ASYNCGATE_CLAIM_DIR",
            "ASYNCGATE_DATABASE_URL",
            "ASYNCGATE_ALLOW_INSECURE_DEV",
            "ASYNCGATE_LEASE_SWEEP_INTERVAL_SECONDS",
        ];
        let cases = [
            ("ASYNCGATE_INSTANCEID", "ASYNCGATE_INSTANCE_ID"), // separator dropped
            ("ASYNCGATE_INSTANCE-ID", "ASYNCGATE_INSTANCE_ID"), // wrong separator
            ("ASYNCGATE_INSTNACE_ID", "ASYNCGATE_INSTANCE_ID"), // transposition
            ("ASYNCGATE_APIKEY", "ASYNCGATE_API_KEY"),
            ("ASYNCGATE_PROT", "ASYNCGATE_PORT"), // transposition, short
            ("ASYNCGATE_DATABSE_URL", "ASYNCGATE_DATABASE_URL"), // dropped letter
            ("ASYNCGATE_DATABASSE_URL", "ASYNCGATE_DATABASE_URL"), // doubled letter
            ("ASYNCGATE_DATEBASE_URL", "ASYNCGATE_DATABASE_URL"), // wrong letter
            (
                "ASYNCGATE_ALLOW_INSECURE_DEVV",
                "ASYNCGATE_ALLOW_INSECURE_DEV",
            ),
            (
                "ASYNCGATE_LEASE_SWEEP_INTERVAL_SECOND",
                "ASYNCGATE_LEASE_SWEEP_INTERVAL_SECONDS",
            ),
        ];
        for (typo, meant) in cases {
            assert_eq!(
                suggest_name(typo, "ASYNCGATE_", known),
                Some(meant),
                "{typo}"
            );
        }
    }

    /// `suggest_name` skips candidates by length before reading them: it
    /// must name exactly the first candidate `is_typo` accepts, for names
    /// with and without separators, one letter apart or two.
    #[test]
    fn the_length_shortcut_never_changes_the_suggestion() {
        let names = [
            "P_AB",
            "P_ABC",
            "P_A_B_C",
            "P_ABCD",
            "P_AB_CD",
            "P_A-B.C_D",
            "P_ABCDE",
            "P_ABDC",
            "P_ABCDEF",
            "P_A_B_C_D_E_F",
            "P_ABCDEFG",
            "P_BACDEFG",
            "P_",
            "P__",
            "P_X",
        ];
        for input in names {
            for (i, _) in names.iter().enumerate() {
                // Every rotation, so each candidate is first in some order.
                let candidates: Vec<&str> = names[i..].iter().chain(&names[..i]).copied().collect();
                let expected = candidates.iter().copied().find(|c| {
                    is_typo(
                        input.strip_prefix("P_").unwrap_or(input),
                        c.strip_prefix("P_").unwrap_or(c),
                    )
                });
                assert_eq!(
                    suggest_name(input, "P_", candidates.iter().copied()),
                    expected,
                    "{input} among {candidates:?}"
                );
            }
        }
        // The shortcut's edge: a candidate one letter shorter is still read.
        assert_eq!(suggest_name("P_ABCDE", "P_", ["P_ABCD"]), Some("P_ABCD"));
        assert_eq!(suggest_name("P_ABCDE", "P_", ["P_ABC"]), None);
    }

    /// The original service's own unrelated names get no suggestion.
    #[test]
    fn no_suggestion_for_names_that_only_share_words() {
        let known = [
            "ASYNCGATE_INSTANCE_ID",
            "ASYNCGATE_CLAIM_DIR",
            "ASYNCGATE_CLAIM_STORE",
            "ASYNCGATE_CLAIM_TTL_MS",
            "ASYNCGATE_API_KEY",
            "ASYNCGATE_PORT",
            "ASYNCGATE_HOST",
            "ASYNCGATE_ENV",
            "ASYNCGATE_RATE_LIMIT_ENABLED",
        ];
        for unrelated in [
            "ASYNCGATE_ESCALATION_ENABLED",
            "ASYNCGATE_RATE_LIMIT_REQUESTS_PER_MINUTE",
            "ASYNCGATE_RATE_LIMIT_BACKEND",
            "ASYNCGATE_RECEIPT_MODE",
            "ASYNCGATE_CORS_ALLOW_CREDENTIALS",
            "ASYNCGATE_SERVICE_HOST",
            "ASYNCGATE_PORT_80_TCP",
            "ASYNCGATE_DEBUG",
            "ASYNCGATE_KEY",
            "ASYNCGATE_DEV",
            "ASYNCGATE_",
        ] {
            assert_eq!(
                suggest_name(unrelated, "ASYNCGATE_", known),
                None,
                "{unrelated}"
            );
        }
    }

    #[test]
    fn edits_are_classified() {
        assert_eq!(one_edit(b"abcd", b"abdc"), Some(Edit::Transposition));
        assert_eq!(one_edit(b"abcd", b"abxd"), Some(Edit::Substitution));
        assert_eq!(one_edit(b"abcd", b"abd"), Some(Edit::Insertion));
        assert_eq!(one_edit(b"abd", b"abcd"), Some(Edit::Insertion));
        assert_eq!(one_edit(b"abcd", b"badc"), None);
        assert_eq!(one_edit(b"ab", b"abcd"), None);
        assert!(!is_typo("same", "SAME"), "identical names are not typos");
    }
}
