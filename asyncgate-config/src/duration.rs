//! Durations written as people write them: `250ms`, `30s`, `1m30s`, `2h`,
//! `1.5s`. A bare number is refused (seconds or milliseconds?). The parser
//! is a `const fn`, so the derive checks a `default = "30s"` at compile
//! time with the same rules as loading.

use std::fmt;
use std::time::Duration;

/// Why a duration does not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DurationError {
    Empty,
    /// A number without a unit.
    NoUnit,
    /// A unit that is not `ns`, `us`, `ms`, `s`, `m`, `min`, `h` or `d`.
    UnknownUnit,
    /// Something that is neither a digit, a `.` nor a unit letter.
    Invalid,
    TooLarge,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DurationError::Empty => "expected a duration such as 30s",
            DurationError::NoUnit => {
                "a duration needs a unit: write 30s, 250ms, 1m30s or 2h, not a bare number"
            }
            DurationError::UnknownUnit => {
                "unknown unit in a duration: use ns, us, ms, s, m (or min), h or d, as in 1m30s"
            }
            DurationError::Invalid => "expected a duration such as 30s, 250ms, 1m30s or 2h",
            DurationError::TooLarge => "the duration is too large",
        })
    }
}

/// Nanoseconds in one of `unit`, or `None` for an unknown unit.
const fn unit_nanos(unit: &[u8], start: usize, end: usize) -> Option<u128> {
    let len = end - start;
    let a = if len > 0 { unit[start] } else { 0 };
    let b = if len > 1 { unit[start + 1] } else { 0 };
    let c = if len > 2 { unit[start + 2] } else { 0 };
    match (len, a, b, c) {
        (2, b'n', b's', _) => Some(1),
        (2, b'u', b's', _) => Some(1_000),
        (2, b'm', b's', _) => Some(1_000_000),
        (1, b's', _, _) => Some(1_000_000_000),
        (1, b'm', _, _) | (3, b'm', b'i', b'n') => Some(60_000_000_000),
        (1, b'h', _, _) => Some(3_600_000_000_000),
        (1, b'd', _, _) => Some(86_400_000_000_000),
        _ => None,
    }
}

/// Parses `text` (surrounding whitespace allowed) into a duration.
pub(crate) const fn parse(text: &str) -> Result<Duration, DurationError> {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut end = bytes.len();
    while start < end && bytes[start].is_ascii_whitespace() {
        start += 1;
    }
    while end > start && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    if start == end {
        return Err(DurationError::Empty);
    }
    let mut total: u128 = 0;
    let mut i = start;
    while i < end {
        // A number: digits, and an optional fraction.
        let mut whole: u128 = 0;
        let mut digits = 0;
        while i < end && bytes[i].is_ascii_digit() {
            whole = whole * 10 + (bytes[i] - b'0') as u128;
            if whole > u64::MAX as u128 {
                return Err(DurationError::TooLarge);
            }
            digits += 1;
            i += 1;
        }
        let mut fraction: u128 = 0;
        let mut scale: u128 = 1;
        if i < end && bytes[i] == b'.' {
            i += 1;
            while i < end && bytes[i].is_ascii_digit() {
                if scale < 1_000_000_000 {
                    fraction = fraction * 10 + (bytes[i] - b'0') as u128;
                    scale *= 10;
                }
                digits += 1;
                i += 1;
            }
        }
        if digits == 0 {
            return Err(DurationError::Invalid);
        }
        // Its unit: letters (and `µ`'s UTF-8 bytes are not accepted: `us`).
        let unit_start = i;
        while i < end && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        if unit_start == i {
            return Err(if i == end {
                DurationError::NoUnit
            } else {
                DurationError::Invalid
            });
        }
        let Some(nanos) = unit_nanos(bytes, unit_start, i) else {
            return Err(DurationError::UnknownUnit);
        };
        total += whole * nanos + fraction * nanos / scale;
        if total > u64::MAX as u128 * 1_000_000_000 {
            return Err(DurationError::TooLarge);
        }
    }
    Ok(Duration::new(
        (total / 1_000_000_000) as u64,
        (total % 1_000_000_000) as u32,
    ))
}

/// Whether `text` is a valid duration: what generated code evaluates in a
/// `const` to check a `default = "..."` at compile time.
pub(crate) const fn is_valid(text: &str) -> bool {
    parse(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_people_write() {
        let cases = [
            ("250ms", Duration::from_millis(250)),
            ("30s", Duration::from_secs(30)),
            (" 1m30s ", Duration::from_secs(90)),
            ("2h", Duration::from_secs(7200)),
            ("1d", Duration::from_secs(86_400)),
            ("5min", Duration::from_secs(300)),
            ("1.5s", Duration::from_millis(1500)),
            ("0.25h", Duration::from_secs(900)),
            ("100us", Duration::from_micros(100)),
            ("7ns", Duration::from_nanos(7)),
            ("1h2m3s4ms", Duration::new(3723, 4_000_000)),
            ("0s", Duration::ZERO),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn refuses_bare_numbers_unknown_units_and_garbage() {
        let cases = [
            ("30", DurationError::NoUnit),
            ("1m30", DurationError::NoUnit),
            ("", DurationError::Empty),
            ("  ", DurationError::Empty),
            ("30 s", DurationError::Invalid),
            ("30sec", DurationError::UnknownUnit),
            ("10y", DurationError::UnknownUnit),
            ("s", DurationError::Invalid),
            ("-5s", DurationError::Invalid),
            ("99999999999999999999999s", DurationError::TooLarge),
            ("18446744073709551615d", DurationError::TooLarge),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), Err(expected), "{text:?}");
        }
        // `1.` is 1 with an empty fraction.
        assert_eq!(parse("1.s"), Ok(Duration::from_secs(1)));
        assert!(DurationError::NoUnit.to_string().contains("needs a unit"));
    }
}
