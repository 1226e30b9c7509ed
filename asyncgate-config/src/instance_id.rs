//! `InstanceId`: the identity of one replica, and the rules it must follow.

use std::fmt;
use std::str::FromStr;

/// A replica's identity: 1–253 characters of `[A-Za-z0-9._:-]`, starting
/// with a letter or a digit.
///
/// Two live replicas that share an id sweep the same lease partition; the
/// rest of this crate exists to stop that from happening.
///
/// ```
/// use asyncgate_config::InstanceId;
///
/// let id: InstanceId = "web-7f9c2:0".parse()?;
/// assert_eq!(id.as_str(), "web-7f9c2:0");
///
/// let err = "web 1".parse::<InstanceId>().unwrap_err();
/// assert_eq!(err.to_string(), "invalid character ' ' (U+0020) at position 4: an instance id may contain only A-Z, a-z, 0-9, '.', '_', ':' and '-'");
/// # Ok::<(), asyncgate_config::InvalidInstanceId>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceId(Box<str>);

/// Why a string is not a valid [`InstanceId`]. Positions count characters from 1.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInstanceId {
    /// The id is empty.
    #[error("an instance id must not be empty")]
    Empty,
    /// The id is longer than [`InstanceId::MAX_LEN`].
    #[error("an instance id may be at most 253 characters long, this one has {len}")]
    TooLong {
        /// Its length in characters.
        len: usize,
    },
    /// The first character is allowed, but not as the first one.
    #[error("an instance id must start with a letter or a digit, not {ch:?} (position 1)")]
    BadStart {
        /// The offending character.
        ch: char,
    },
    /// A character outside `[A-Za-z0-9._:-]`.
    #[error("invalid character {ch:?} (U+{code:04X}) at position {position}: an instance id may contain only A-Z, a-z, 0-9, '.', '_', ':' and '-'", code = *ch as u32)]
    BadChar {
        /// The offending character.
        ch: char,
        /// Its position, counting characters from 1.
        position: usize,
    },
}

const fn is_allowed(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-')
}

impl InstanceId {
    /// The longest id accepted, in characters (a DNS name's limit).
    pub const MAX_LEN: usize = 253;

    /// Checks `value` against the rules and wraps it.
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidInstanceId> {
        let value = value.into();
        check(&value)?;
        Ok(InstanceId(value.into_boxed_str()))
    }

    /// Whether `value` follows the rules; usable in `const` contexts (the
    /// derive checks an attribute's `default` with it at compile time).
    pub const fn is_valid(value: &str) -> bool {
        let bytes = value.as_bytes();
        if bytes.is_empty() || bytes.len() > Self::MAX_LEN || !bytes[0].is_ascii_alphanumeric() {
            return false;
        }
        let mut i = 0;
        while i < bytes.len() {
            if !is_allowed(bytes[i]) {
                return false;
            }
            i += 1;
        }
        true
    }

    /// Maps a value read from a platform into the rules: every character
    /// outside the allowed set becomes `-`, leading separators are dropped
    /// and the result is cut to [`InstanceId::MAX_LEN`]. `None` when nothing
    /// usable is left.
    ///
    /// ```
    /// use asyncgate_config::InstanceId;
    ///
    /// let id = InstanceId::normalize("  my pod/0 ").unwrap();
    /// assert_eq!(id.as_str(), "my-pod-0");
    /// assert!(InstanceId::normalize("--").is_none());
    /// ```
    pub fn normalize(raw: &str) -> Option<Self> {
        let mapped: String = raw
            .trim()
            .chars()
            .map(|c| {
                if c.is_ascii() && is_allowed(c as u8) {
                    c
                } else {
                    '-'
                }
            })
            .skip_while(|c| !c.is_ascii_alphanumeric())
            .take(Self::MAX_LEN)
            .collect();
        let trimmed = mapped.trim_end_matches('-');
        if trimmed.is_empty() {
            None
        } else {
            Some(InstanceId(trimmed.into()))
        }
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id's length in characters (all of them are ASCII).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: an id is never empty. Present for API symmetry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn check(value: &str) -> Result<(), InvalidInstanceId> {
    if InstanceId::is_valid(value) {
        return Ok(());
    }
    let mut chars = value.chars().enumerate().peekable();
    match chars.peek() {
        None => return Err(InvalidInstanceId::Empty),
        Some(&(_, ch)) if ch.is_ascii() && is_allowed(ch as u8) && !ch.is_ascii_alphanumeric() => {
            return Err(InvalidInstanceId::BadStart { ch });
        }
        Some(_) => {}
    }
    for (index, ch) in chars {
        if !(ch.is_ascii() && is_allowed(ch as u8)) {
            return Err(InvalidInstanceId::BadChar {
                ch,
                position: index + 1,
            });
        }
    }
    Err(InvalidInstanceId::TooLong {
        len: value.chars().count(),
    })
}

impl FromStr for InstanceId {
    type Err = InvalidInstanceId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        check(s)?;
        Ok(InstanceId(s.into()))
    }
}

impl fmt::Display for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl fmt::Debug for InstanceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("InstanceId").field(&&*self.0).finish()
    }
}

impl AsRef<str> for InstanceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for InstanceId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for InstanceId {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl serde::Serialize for InstanceId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for InstanceId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::from_str::deserialize(
            deserializer,
            "an instance id (1-253 characters of A-Z a-z 0-9 . _ : -)",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_allowed_alphabet() {
        for ok in ["a", "0", "asyncgate-1", "Pod_1.ns:80", &"x".repeat(253)] {
            assert!(ok.parse::<InstanceId>().is_ok(), "{ok}");
            assert!(InstanceId::is_valid(ok), "{ok}");
        }
    }

    #[test]
    fn names_the_character_and_its_position() {
        let cases = [
            ("", InvalidInstanceId::Empty),
            ("-a", InvalidInstanceId::BadStart { ch: '-' }),
            (
                " a",
                InvalidInstanceId::BadChar {
                    ch: ' ',
                    position: 1,
                },
            ),
            (
                "ab/c",
                InvalidInstanceId::BadChar {
                    ch: '/',
                    position: 3,
                },
            ),
            (
                "héllo",
                InvalidInstanceId::BadChar {
                    ch: 'é',
                    position: 2,
                },
            ),
            (
                "a\nb",
                InvalidInstanceId::BadChar {
                    ch: '\n',
                    position: 2,
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(input.parse::<InstanceId>(), Err(expected), "{input:?}");
            assert!(!InstanceId::is_valid(input));
        }
        assert_eq!(
            "y".repeat(254).parse::<InstanceId>(),
            Err(InvalidInstanceId::TooLong { len: 254 })
        );
    }

    #[test]
    fn normalizes_platform_values() {
        let cases = [
            ("pod-abc", Some("pod-abc")),
            ("My Pod/0", Some("My-Pod-0")),
            ("__x__", Some("x__")),
            ("ünïcode", Some("n-code")),
            ("", None),
            ("///", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                InstanceId::normalize(raw).as_ref().map(InstanceId::as_str),
                expected,
                "{raw:?}"
            );
        }
        assert_eq!(InstanceId::normalize(&"z".repeat(400)).unwrap().len(), 253);
    }
}
