//! The platforms whose environment identifies a replica.

use std::fmt;

/// A platform whose environment identifies the replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Platform {
    /// Fly.io: `FLY_ALLOC_ID`.
    Fly,
    /// Kubernetes: `POD_NAME`, else `HOSTNAME`, when `KUBERNETES_SERVICE_HOST` shows a pod.
    Kubernetes,
    /// AWS ECS: the container metadata URI (v4, else v3).
    Ecs,
    /// Google Cloud Run: `K_REVISION` (services) or `CLOUD_RUN_EXECUTION` (jobs).
    CloudRun,
    /// HashiCorp Nomad: `NOMAD_ALLOC_ID`.
    Nomad,
    /// Azure Container Apps: `CONTAINER_APP_REPLICA_NAME`.
    AzureContainerApps,
    /// Railway: `RAILWAY_REPLICA_ID`.
    Railway,
    /// Render: `RENDER_INSTANCE_ID`.
    Render,
    /// Heroku: `HEROKU_DYNO_ID` (with runtime dyno metadata), else `DYNO`
    /// (`web.1`) with `HEROKU_APP_NAME` when set. `DYNO` names a slot, not
    /// a dyno: two dynos share it while one replaces the other.
    Heroku,
    /// Azure App Service: `WEBSITE_INSTANCE_ID` when `WEBSITE_SITE_NAME`
    /// shows an App Service app. One id per VM instance: the processes of
    /// one instance share it.
    AzureAppService,
    /// Cloud Foundry: `CF_INSTANCE_GUID` (`CF_INSTANCE_INDEX` is not
    /// unique: always 0 on Kf).
    CloudFoundry,
    /// Google App Engine (standard): `GAE_INSTANCE` when `GAE_ENV` is set.
    AppEngine,
}

impl Platform {
    /// Every platform in detection priority order (the default `detect(...)` list).
    pub const ALL: [Platform; 12] = [
        Platform::Fly,
        Platform::Kubernetes,
        Platform::Ecs,
        Platform::CloudRun,
        Platform::Nomad,
        Platform::AzureContainerApps,
        Platform::Railway,
        Platform::Render,
        Platform::Heroku,
        Platform::AzureAppService,
        Platform::CloudFoundry,
        Platform::AppEngine,
    ];

    /// Every environment variable detection reads, on any platform.
    pub const ENV_VARS: [&'static str; 21] = [
        "FLY_ALLOC_ID",
        "KUBERNETES_SERVICE_HOST",
        "POD_NAME",
        "HOSTNAME",
        "ECS_CONTAINER_METADATA_URI_V4",
        "ECS_CONTAINER_METADATA_URI",
        "K_REVISION",
        "CLOUD_RUN_EXECUTION",
        "CLOUD_RUN_TASK_INDEX",
        "NOMAD_ALLOC_ID",
        "CONTAINER_APP_REPLICA_NAME",
        "RAILWAY_REPLICA_ID",
        "RENDER_INSTANCE_ID",
        "HEROKU_DYNO_ID",
        "DYNO",
        "HEROKU_APP_NAME",
        "WEBSITE_INSTANCE_ID",
        "WEBSITE_SITE_NAME",
        "CF_INSTANCE_GUID",
        "GAE_INSTANCE",
        "GAE_ENV",
    ];

    /// The snake_case key used in `detect(...)` and in JSON output.
    pub const fn key(self) -> &'static str {
        match self {
            Platform::Fly => "fly",
            Platform::Kubernetes => "kubernetes",
            Platform::Ecs => "ecs",
            Platform::CloudRun => "cloud_run",
            Platform::Nomad => "nomad",
            Platform::AzureContainerApps => "azure_container_apps",
            Platform::Railway => "railway",
            Platform::Render => "render",
            Platform::Heroku => "heroku",
            Platform::AzureAppService => "azure_app_service",
            Platform::CloudFoundry => "cloud_foundry",
            Platform::AppEngine => "app_engine",
        }
    }

    /// The platform's usual name, for people.
    pub const fn display_name(self) -> &'static str {
        match self {
            Platform::Fly => "Fly.io",
            Platform::Kubernetes => "Kubernetes",
            Platform::Ecs => "AWS ECS",
            Platform::CloudRun => "Cloud Run",
            Platform::Nomad => "Nomad",
            Platform::AzureContainerApps => "Azure Container Apps",
            Platform::Railway => "Railway",
            Platform::Render => "Render",
            Platform::Heroku => "Heroku",
            Platform::AzureAppService => "Azure App Service",
            Platform::CloudFoundry => "Cloud Foundry",
            Platform::AppEngine => "App Engine",
        }
    }

    /// Whether an id detected from `var` is unique among live replicas: the
    /// platform gives each running replica its own. Not so for Heroku's
    /// `DYNO` (a slot two dynos share while one replaces the other) and
    /// Azure App Service's `WEBSITE_INSTANCE_ID` (one per VM instance,
    /// shared by its processes, and by the old and new process of an
    /// overlapped recycle): those ids are used, the instance claim refuses
    /// the second holder, and validation says how to get a unique one.
    pub fn unique_among_live_replicas(self, var: &str) -> bool {
        !matches!(
            (self, var),
            (Platform::Heroku, "DYNO") | (Platform::AzureAppService, _)
        )
    }

    /// The platform with this [`key`](Platform::key).
    pub fn from_key(key: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// The variables a load keeps for what they say about the replica
/// besides its id (see `detect::facts`), beside those detection reads
/// ([`Platform::ENV_VARS`]).
pub(crate) const FACT_VARS: [&str; 7] = [
    "POD_NAMESPACE",
    "K_SERVICE",
    "CLOUD_RUN_JOB",
    "HEROKU_APP_ID",
    "CF_INSTANCE_INDEX",
    "GAE_SERVICE",
    "GAE_VERSION",
];

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.key())
    }
}
