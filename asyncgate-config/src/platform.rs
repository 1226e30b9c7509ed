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
}

impl Platform {
    /// Every platform in detection priority order (the default `detect(...)` list).
    pub const ALL: [Platform; 8] = [
        Platform::Fly,
        Platform::Kubernetes,
        Platform::Ecs,
        Platform::CloudRun,
        Platform::Nomad,
        Platform::AzureContainerApps,
        Platform::Railway,
        Platform::Render,
    ];

    /// Every environment variable detection reads, on any platform.
    pub const ENV_VARS: [&'static str; 13] = [
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
        }
    }

    /// The platform with this [`key`](Platform::key).
    pub fn from_key(key: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.key() == key)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.key())
    }
}
