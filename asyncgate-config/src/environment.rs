//! The deployment environment: development, staging or production.

use std::fmt;
use std::str::FromStr;

use crate::text::{quote_input, suggest_value};

/// The deployment environment a service runs in.
///
/// Parsing ignores case and surrounding whitespace; anything else is an
/// error that lists the accepted values.
///
/// ```
/// use asyncgate_config::Environment;
///
/// assert_eq!(" Production ".parse::<Environment>()?, Environment::Production);
/// let err = "prod".parse::<Environment>().unwrap_err();
/// assert!(err.to_string().contains("did you mean `production`?"));
/// # Ok::<(), asyncgate_config::ParseEnvironmentError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Environment {
    /// A developer's machine: the default instance id is accepted.
    #[default]
    Development,
    /// A shared pre-production deployment: production rules apply.
    Staging,
    /// Production.
    Production,
}

impl Environment {
    /// Every environment, in order.
    pub const ALL: [Environment; 3] = [
        Environment::Development,
        Environment::Staging,
        Environment::Production,
    ];

    /// The lowercase name, as accepted by [`FromStr`].
    pub const fn as_str(self) -> &'static str {
        match self {
            Environment::Development => "development",
            Environment::Staging => "staging",
            Environment::Production => "production",
        }
    }

    /// `true` for [`Environment::Development`].
    pub const fn is_development(self) -> bool {
        matches!(self, Environment::Development)
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// An environment name that is not `development`, `staging` or `production`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown environment {shown}: expected one of `development`, `staging`, `production`{hint}"
)]
pub struct ParseEnvironmentError {
    shown: String,
    hint: String,
}

impl FromStr for Environment {
    type Err = ParseEnvironmentError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        for env in Environment::ALL {
            if trimmed.eq_ignore_ascii_case(env.as_str()) {
                return Ok(env);
            }
        }
        let hint = suggest_value(trimmed, Environment::ALL.map(Environment::as_str))
            .map(|name| format!(" (did you mean `{name}`?)"))
            .unwrap_or_default();
        Err(ParseEnvironmentError {
            shown: quote_input(s),
            hint,
        })
    }
}

impl serde::Serialize for Environment {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Environment {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::from_str::deserialize(
            deserializer,
            "one of `development`, `staging`, `production`",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively_with_whitespace() {
        for (input, expected) in [
            ("development", Environment::Development),
            ("STAGING", Environment::Staging),
            ("\tProduction\n", Environment::Production),
        ] {
            assert_eq!(input.parse::<Environment>(), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn rejects_other_names_with_the_accepted_list() {
        let err = "prod".parse::<Environment>().unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown environment `prod`: expected one of `development`, `staging`, `production` (did you mean `production`?)"
        );
        let err = "qa".parse::<Environment>().unwrap_err().to_string();
        assert!(!err.contains("did you mean"), "{err}");
    }
}
