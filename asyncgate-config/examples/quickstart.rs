//! Quick start: a settings struct of your own, loaded, detected, validated
//! and printed. Try it as a developer, then as a production pod:
//!
//! ```sh
//! cargo run -p asyncgate-config --example quickstart
//! MYSVC_ENV=production MYSVC_API_KEY=k KUBERNETES_SERVICE_HOST=10.0.0.1 POD_NAME=mysvc-7d9f8-x2x9k \
//!     cargo run -p asyncgate-config --example quickstart
//! MYSVC_ENV=production cargo run -p asyncgate-config --example quickstart   # refused, with the fix
//! ```

use std::process::ExitCode;

use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString, Validated};

/// My service's settings.
#[derive(Debug, GateConfig)]
#[gate(prefix = "MYSVC")]
struct Settings {
    /// development, staging or production.
    #[gate(environment, default = "development")]
    env: Environment,
    /// Unique per replica; left at the default it is auto-detected.
    #[gate(instance_id, default = "mysvc-1")]
    instance_id: InstanceId,
    /// Shared API token.
    #[gate(secret, required_in(staging, production))]
    api_key: Option<SecretString>,
    /// Port to listen on.
    #[gate(default = 8080)]
    port: u16,
    /// Allowed origins: a,b,c or a JSON array.
    cors_origins: Vec<String>,
}

fn main() -> ExitCode {
    let settings: Validated<Settings> = match Settings::load().and_then(|loaded| loaded.validate())
    {
        Ok(settings) => settings,
        Err(report) => {
            eprintln!("{report}");
            return ExitCode::from(78);
        }
    };
    let res = settings.resolution();
    println!("env:         {}", settings.env);
    println!(
        "instance_id: {} ({})",
        settings.instance_id,
        res.instance_id_origin()
    );
    println!("port:        {}", settings.port);
    println!("origins:     {:?}", settings.cors_origins);
    println!(
        "api_key:     {}",
        if settings.api_key.is_some() {
            "set (never shown)"
        } else {
            "unset"
        }
    );
    for warning in settings.warnings() {
        println!("\n{warning}");
    }
    ExitCode::SUCCESS
}
