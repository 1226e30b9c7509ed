//! [`ConnectionUrl`]: a connection string whose password never prints.

use std::fmt;
use std::str::FromStr;

use crate::mask::mask_secrets;

/// A connection string setting (`postgresql://app:pw@db/app`, a DSN, a
/// Redis URL) that may have a default, unlike a secret, and whose `Debug`
/// and `Display` mask the password it carries, as `check` does. The value
/// itself is read with [`expose`](ConnectionUrl::expose).
///
/// ```
/// use asyncgate_config::ConnectionUrl;
///
/// let url: ConnectionUrl = "postgresql://app:Pw1,secret@db/app".parse().unwrap();
/// assert_eq!(url.to_string(), "postgresql://app:[redacted]@db/app");
/// assert_eq!(format!("{url:?}"), "ConnectionUrl(\"postgresql://app:[redacted]@db/app\")");
/// assert_eq!(url.expose(), "postgresql://app:Pw1,secret@db/app");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(transparent)]
pub struct ConnectionUrl(String);

impl ConnectionUrl {
    /// The connection string, password included: for the client that
    /// connects, never for a log.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The connection string, password included.
    pub fn into_exposed(self) -> String {
        self.0
    }
}

impl fmt::Debug for ConnectionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ConnectionUrl")
            .field(&mask_secrets(&self.0))
            .finish()
    }
}

impl fmt::Display for ConnectionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask_secrets(&self.0))
    }
}

impl FromStr for ConnectionUrl {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(ConnectionUrl(s.to_owned()))
    }
}

impl From<String> for ConnectionUrl {
    fn from(s: String) -> Self {
        ConnectionUrl(s)
    }
}
