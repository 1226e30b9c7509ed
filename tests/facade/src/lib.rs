//! A platform crate as a company would write one: it depends on
//! `asyncgate-config` under another name (`gate`), derives settings of its
//! own through that name, and re-exports the runtime so that services
//! depend on this crate only and point the derive at the re-export with
//! `#[gate(crate = "asyncgate_facade::asyncgate_config")]`.
#![forbid(unsafe_code)]

pub use gate as asyncgate_config;

use gate::{Environment, GateConfig, InstanceId, SecretString};

/// Settings every service of the platform shares, derived through the
/// renamed dependency.
#[derive(Debug, GateConfig)]
#[gate(crate = "gate", prefix = "PLATFORM", check = rules)]
pub struct PlatformSettings {
    /// Deployment environment.
    #[gate(environment, default = "development")]
    pub env: Environment,
    /// Unique per replica.
    #[gate(instance_id, default = "platform-1")]
    pub instance_id: InstanceId,
    /// The platform's token.
    #[gate(secret, required_in(staging, production))]
    pub token: Option<SecretString>,
    /// Local development only.
    #[gate(default = false, forbidden_in(production))]
    pub debug: bool,
}

fn rules(_: &PlatformSettings, _: &mut gate::validate::Checks<'_>) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_derive_works_through_a_renamed_dependency() {
        let loaded = PlatformSettings::loader()
            .env([("PLATFORM_ENV", "production"), ("PLATFORM_DEBUG", "true")])
            .dotenv(false)
            .hostname("host")
            .seed(1)
            .load()
            .unwrap();
        let report = loaded.validate().unwrap_err();
        let errors: Vec<&str> = report.errors().map(|f| f.message()).collect();
        assert!(
            errors.contains(&"token is required in production environment"),
            "{errors:?}"
        );
        assert!(
            errors.contains(&"debug must not be enabled in production environment"),
            "{errors:?}"
        );
        assert_eq!(
            PlatformSettings::schema().fields()[2].env(),
            "PLATFORM_TOKEN"
        );
    }
}
