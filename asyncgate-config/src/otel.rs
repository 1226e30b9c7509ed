//! OpenTelemetry (feature `opentelemetry`): the [`Resource`] that names this
//! replica in every span, metric and log it exports, built from what the
//! load validated.
//!
//! The id this crate detects and validates is what the semantic
//! conventions' `service.instance.id` must be: unique for each instance of
//! the service. The resource carries it with the rest of the replica's
//! identity:
//!
//! | attribute | value |
//! |---|---|
//! | `service.name` | `#[gate(service_name = "...")]`, else the prefix in lower case |
//! | `service.instance.id` | the validated instance id, or its UUIDv5 ([`Options::uuid_v5`]) |
//! | `deployment.environment.name` | the environment's name as configured (`production`, `qa`) |
//! | `cloud.provider`, `cloud.platform` | per platform: `aws`/`aws_ecs`, `gcp`/`gcp_cloud_run`, `gcp`/`gcp_app_engine`, `azure`/`azure.container_apps`, `azure`/`azure.app_service`, `heroku` (provider only); none for Kubernetes, Fly.io, Nomad, Railway, Render, Cloud Foundry, which the conventions give no value |
//! | `k8s.pod.name`, `k8s.namespace.name` | Kubernetes: `POD_NAME` (else `HOSTNAME`); `POD_NAMESPACE`, else the service account's namespace file |
//! | `faas.name`, `faas.version`, `faas.instance` | Cloud Run: `K_SERVICE` (or `CLOUD_RUN_JOB`), `K_REVISION`; App Engine: `GAE_SERVICE`, `GAE_VERSION`, `GAE_INSTANCE` |
//! | `gcp.cloud_run.job.execution`, `gcp.cloud_run.job.task_index` | Cloud Run jobs: `CLOUD_RUN_EXECUTION`, `CLOUD_RUN_TASK_INDEX` (an integer) |
//! | `heroku.app.id` | Heroku: `HEROKU_APP_ID` |
//! | `cloudfoundry.app.instance.id` | Cloud Foundry: `CF_INSTANCE_INDEX` |
//! | `host.name` | the loader's hostname ([`Loader::hostname`](crate::load::Loader::hostname)), else the machine's |
//!
//! The platform is the one detection found, also when a configured id
//! overrides the detected one; none when `<PREFIX>_PLATFORM=none` switched
//! detection off. Platform variables are read from the load's environment
//! (the process's, or the one a test injected).
//!
//! The resource starts from the SDK's own detectors
//! ([`Resource::builder`]: `telemetry.sdk.*`, `OTEL_RESOURCE_ATTRIBUTES`,
//! `OTEL_SERVICE_NAME`), and the attributes above are set over them: the
//! validated id always wins.
//!
//! ```
//! # use std::collections::HashMap;
//! use asyncgate_config::{GateConfig, InstanceId, otel};
//! use opentelemetry::Key;
//!
//! #[derive(GateConfig)]
//! #[gate(prefix = "ORDERS", service_name = "orders-api")]
//! struct Settings {
//!     #[gate(environment, default = "development")]
//!     environment: asyncgate_config::Environment,
//!     #[gate(instance_id)]
//!     instance_id: InstanceId,
//! }
//!
//! # fn main() -> Result<(), asyncgate_config::Report> {
//! let env = HashMap::from([
//!     ("ORDERS_ENVIRONMENT", "production"),
//!     ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
//!     ("POD_NAME", "orders-7d9f8-x2x4k"),
//!     ("POD_NAMESPACE", "shop"),
//! ]);
//! let settings = Settings::loader().env(env).dotenv(false).load()?.validate()?;
//!
//! let resource = otel::resource(&settings);
//! let get = |key: &'static str| resource.get(&Key::from_static_str(key)).map(|v| v.to_string());
//! assert_eq!(get("service.name").as_deref(), Some("orders-api"));
//! assert_eq!(get("service.instance.id").as_deref(), Some("orders-7d9f8-x2x4k"));
//! assert_eq!(get("deployment.environment.name").as_deref(), Some("production"));
//! assert_eq!(get("k8s.namespace.name").as_deref(), Some("shop"));
//! # Ok(())
//! # }
//! ```
//!
//! A service hands it to its providers, e.g.
//! `SdkTracerProvider::builder().with_resource(otel::resource(&settings))`.

use std::path::PathBuf;

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;

use crate::instance_id::InstanceId;
use crate::provenance::Resolution;
use crate::typestate::Validated;

mod platform;

/// The semantic conventions' namespace for a UUIDv5 `service.instance.id`.
pub const UUID_V5_NAMESPACE: &str = "4d63009a-8d0f-11ee-aad7-4c796ed8e320";

/// Where Kubernetes mounts the pod's namespace, with the service account's
/// token.
pub const KUBERNETES_NAMESPACE_FILE: &str =
    "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/// How the resource is built; [`Options::default`] is what [`resource`] uses.
#[derive(Clone, Debug)]
pub struct Options {
    uuid_v5: bool,
    namespace_file: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            uuid_v5: false,
            namespace_file: Some(PathBuf::from(KUBERNETES_NAMESPACE_FILE)),
        }
    }
}

impl Options {
    /// The defaults: the id as validated, and the namespace file at
    /// [`KUBERNETES_NAMESPACE_FILE`].
    pub fn new() -> Self {
        Self::default()
    }

    /// `service.instance.id` as the semantic conventions' UUIDv5 of the
    /// validated id (namespace [`UUID_V5_NAMESPACE`]) instead of the id
    /// itself: the same replica gets the same UUID, and a pod name or host
    /// name does not leave the service in telemetry.
    pub fn uuid_v5(mut self, enabled: bool) -> Self {
        self.uuid_v5 = enabled;
        self
    }

    /// Where to read the pod's namespace when `POD_NAMESPACE` is not set;
    /// `None` reads no file.
    pub fn kubernetes_namespace_file(mut self, path: Option<PathBuf>) -> Self {
        self.namespace_file = path;
        self
    }
}

/// The resource of this replica, with the default [`Options`]: see the
/// [module docs](self) for its attributes.
pub fn resource<T>(validated: &Validated<T>) -> Resource {
    resource_with(validated, &Options::default())
}

/// The resource of this replica, built with `options`.
pub fn resource_with<T>(validated: &Validated<T>, options: &Options) -> Resource {
    Resource::builder()
        .with_attributes(attributes(validated.resolution(), options))
        .build()
}

/// The attributes [`resource_with`] sets, for a service that builds its
/// resource itself.
pub fn attributes(resolution: &Resolution, options: &Options) -> Vec<KeyValue> {
    let id = resolution.instance_id();
    let instance_id = if options.uuid_v5 {
        uuid_v5(id)
    } else {
        id.as_str().to_owned()
    };
    let mut out = vec![
        KeyValue::new("service.name", resolution.schema().service_name()),
        KeyValue::new("service.instance.id", instance_id),
        KeyValue::new("deployment.environment.name", resolution.environment_name()),
    ];
    let found = resolution
        .platform_id()
        .map(|found| found.platform)
        .or(resolution.platform());
    if let Some(found) = found {
        platform::attributes(
            found,
            resolution,
            options.namespace_file.as_deref(),
            &mut out,
        );
    }
    let host = resolution
        .facts
        .hostname()
        .map(str::to_owned)
        .or_else(|| hostname::get().ok().and_then(|h| h.into_string().ok()));
    if let Some(host) = host.filter(|h| !h.is_empty()) {
        out.push(KeyValue::new("host.name", host));
    }
    out
}

/// The semantic conventions' UUIDv5 of `id`.
fn uuid_v5(id: &InstanceId) -> String {
    const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x4d63009a_8d0f_11ee_aad7_4c796ed8e320);
    uuid::Uuid::new_v5(&NAMESPACE, id.as_str().as_bytes())
        .hyphenated()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_namespace_constant_is_the_one_the_uuid_is_made_with() {
        let parsed = uuid::Uuid::parse_str(UUID_V5_NAMESPACE).unwrap();
        assert_eq!(parsed.as_u128(), 0x4d63009a_8d0f_11ee_aad7_4c796ed8e320);
    }

    #[test]
    fn uuid_v5_matches_an_independent_implementation() {
        // Python: uuid.uuid5(uuid.UUID("4d63009a-8d0f-11ee-aad7-4c796ed8e320"), "orders-7d9f8-x2x4k")
        let id = InstanceId::new("orders-7d9f8-x2x4k").unwrap();
        assert_eq!(uuid_v5(&id), "3a4f284b-9d9d-59ba-8d16-5202cf3c3b80");
    }
}
