//! `Secret<T>`: a secret of any type (a URL with a password, a numeric PIN,
//! a list of keys), for `#[gate(secret)]` fields beside `SecretString`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::mask::REDACTED;

/// Values that are written in examples and templates, never chosen as
/// secrets: a secret equal to one (in any case) is no secret.
const PLACEHOLDERS: [&str; 30] = [
    "changeme",
    "change-me",
    "change_me",
    "changeit",
    "replaceme",
    "replace-me",
    "secret",
    "password",
    "passwd",
    "pass",
    "your-secure-key",
    "your-secret-key",
    "your-api-key",
    "your_api_key",
    "api-key",
    "apikey",
    "token",
    "test",
    "testing",
    "example",
    "default",
    "admin",
    "root",
    "dev",
    "development",
    "1234",
    "12345",
    "123456",
    "12345678",
    "qwerty",
];

/// Whether `secret` is a well-known placeholder, or one character repeated
/// (`xxxxxxxxxxxxxxxx`).
pub(crate) fn is_placeholder(secret: &str) -> bool {
    let mut chars = secret.chars();
    let first = chars.next();
    let repeated = first.is_some_and(|c| chars.all(|d| d == c)) && secret.chars().count() > 1;
    repeated || PLACEHOLDERS.iter().any(|p| secret.eq_ignore_ascii_case(p))
}

/// A secret value of any type that `serde` can read.
///
/// It is never shown: `Debug` prints `Secret([redacted])`, `Serialize`
/// writes `"[redacted]"`, there is no `Display`, and reports, provenance,
/// templates and errors show `[redacted]` too. Read it with
/// [`expose_secret`](Secret::expose_secret). Unlike `SecretString`, the
/// value is not zeroed when dropped (that needs `T: Zeroize`).
///
/// ```
/// use asyncgate_config::{Environment, GateConfig, InstanceId, Secret};
///
/// #[derive(Debug, GateConfig)]
/// #[gate(prefix = "APP")]
/// struct Settings {
///     #[gate(environment, default = "development")]
///     env: Environment,
///     #[gate(instance_id, default = "app-1")]
///     instance_id: InstanceId,
///     /// A numeric PIN, read from APP_PIN or the file named by APP_PIN_FILE.
///     #[gate(secret)]
///     pin: Option<Secret<u32>>,
/// }
///
/// let loaded = Settings::loader().env([("APP_PIN", "4711")]).dotenv(false).load()?;
/// assert_eq!(loaded.pin.as_ref().map(|p| *p.expose_secret()), Some(4711));
/// assert!(!format!("{:?}", *loaded).contains("4711"));
/// # Ok::<(), asyncgate_config::Report>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The secret itself: the one way to read it, easy to find in a review.
    pub fn expose_secret(&self) -> &T {
        &self.0
    }

    /// Gives up the wrapper.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl<T> Serialize for Secret<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_never_shown() {
        let secret = Secret::new(String::from("hunter2"));
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"[redacted]\"");
        assert_eq!(secret.expose_secret(), "hunter2");
        let wrapped = vec![Some(secret)];
        assert!(!format!("{wrapped:?}").contains("hunter2"));
    }
}
