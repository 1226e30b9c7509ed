//! The README's test snippet compiles and runs in a crate that depends on
//! `rand = "0.10"` (what `cargo add rand` gives): the loader takes a seed or
//! any `FnMut() -> u64`, never a `rand` type of ours.

use asyncgate_config::{Environment, GateConfig, InstanceId, Report, SecretString, Validated};
use rand::{Rng, SeedableRng};

/// My service's settings.
#[derive(Debug, GateConfig)]
#[gate(prefix = "MYSVC")]
pub struct Settings {
    /// development, staging or production.
    #[gate(environment, default = "development")]
    pub env: Environment,
    /// Unique per replica; left at the default it is auto-detected.
    #[gate(instance_id, default = "mysvc-1")]
    pub instance_id: InstanceId,
    /// Shared API token.
    #[gate(secret, required_in(staging, production))]
    pub api_key: Option<SecretString>,
    #[gate(default = 8080)]
    pub port: u16,
}

#[test]
fn readme_snippet_with_a_seed_and_with_rand_0_10() -> Result<(), Report> {
    let tempdir = std::env::temp_dir().join("asyncgate-readme-no-dotenv");
    let env = [
        ("MYSVC_ENV", "production"),
        ("MYSVC_API_KEY", "k-0123456789"),
        ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
        ("POD_NAME", "mysvc-5d9f7-x2x9k"),
    ];
    let settings: Validated<Settings> = Settings::loader()
        .env(env)
        .current_dir(&tempdir) // where .env is looked for
        .hostname("test-host") // for the fallback id
        .seed(1) // for random suffixes
        .load()?
        .validate()?;
    assert_eq!(settings.instance_id.as_str(), "mysvc-5d9f7-x2x9k");

    // Any RNG, of any version, through a closure.
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    let fallback = Settings::loader()
        .env([("MYSVC_ENV", "staging"), ("MYSVC_API_KEY", "k-0123456789")])
        .current_dir(&tempdir)
        .hostname("test-host")
        .random(move || rng.next_u64())
        .load()?;
    let id = fallback.resolution().instance_id().as_str();
    assert!(
        id.starts_with("test-host-") && id.len() == "test-host-".len() + 8,
        "{id}"
    );
    Ok(())
}
