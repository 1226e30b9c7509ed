//! The semantic conventions' attributes of each platform: `cloud.*` where
//! the conventions give the platform a value, and what its variables say
//! about the replica (pod, namespace, function, job).

use std::path::Path;

use opentelemetry::KeyValue;

use crate::platform::Platform;
use crate::provenance::Resolution;

/// Appends `platform`'s attributes to `out`. `namespace_file` is read for
/// the pod's namespace when `POD_NAMESPACE` is not set.
pub(super) fn attributes(
    platform: Platform,
    resolution: &Resolution,
    namespace_file: Option<&Path>,
    out: &mut Vec<KeyValue>,
) {
    let facts = &resolution.facts;
    let set = |out: &mut Vec<KeyValue>, key: &'static str, var: &str| {
        if let Some(value) = facts.var(var) {
            out.push(KeyValue::new(key, value.to_owned()));
        }
    };
    let cloud: Option<(&'static str, Option<&'static str>)> = match platform {
        Platform::Kubernetes => {
            let pod = facts.var("POD_NAME").or(facts.var("HOSTNAME"));
            if let Some(pod) = pod {
                out.push(KeyValue::new("k8s.pod.name", pod.to_owned()));
            }
            let namespace = facts
                .var("POD_NAMESPACE")
                .map(str::to_owned)
                .or_else(|| namespace_file.and_then(read_namespace));
            if let Some(namespace) = namespace {
                out.push(KeyValue::new("k8s.namespace.name", namespace));
            }
            None
        }
        Platform::Ecs => Some(("aws", Some("aws_ecs"))),
        Platform::CloudRun => {
            if facts.var("CLOUD_RUN_JOB").is_some() {
                set(out, "faas.name", "CLOUD_RUN_JOB");
                set(out, "gcp.cloud_run.job.execution", "CLOUD_RUN_EXECUTION");
                if let Some(index) = facts
                    .var("CLOUD_RUN_TASK_INDEX")
                    .and_then(|i| i.parse::<i64>().ok())
                {
                    out.push(KeyValue::new("gcp.cloud_run.job.task_index", index));
                }
            } else {
                set(out, "faas.name", "K_SERVICE");
                set(out, "faas.version", "K_REVISION");
            }
            Some(("gcp", Some("gcp_cloud_run")))
        }
        Platform::AppEngine => {
            set(out, "faas.name", "GAE_SERVICE");
            set(out, "faas.version", "GAE_VERSION");
            set(out, "faas.instance", "GAE_INSTANCE");
            Some(("gcp", Some("gcp_app_engine")))
        }
        Platform::AzureContainerApps => Some(("azure", Some("azure.container_apps"))),
        Platform::AzureAppService => Some(("azure", Some("azure.app_service"))),
        Platform::Heroku => {
            set(out, "heroku.app.id", "HEROKU_APP_ID");
            Some(("heroku", None))
        }
        Platform::CloudFoundry => {
            set(out, "cloudfoundry.app.instance.id", "CF_INSTANCE_INDEX");
            None
        }
        // The conventions give these no `cloud.*` value.
        Platform::Fly | Platform::Nomad | Platform::Railway | Platform::Render => None,
    };
    if let Some((provider, cloud_platform)) = cloud {
        out.push(KeyValue::new("cloud.provider", provider));
        if let Some(cloud_platform) = cloud_platform {
            out.push(KeyValue::new("cloud.platform", cloud_platform));
        }
    }
}

/// The namespace in the service account's file: a DNS label (at most 63
/// lower-case letters, digits and `-`), read from a regular file of at
/// most 256 bytes. Anything else is not a namespace: no attribute.
fn read_namespace(path: &Path) -> Option<String> {
    let bytes = crate::load::read_bounded(path, 256).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?.trim();
    let label = !text.is_empty()
        && text.len() <= 63
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    label.then(|| text.to_owned())
}
