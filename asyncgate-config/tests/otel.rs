//! The OpenTelemetry resource, through the real SDK: a tracer provider
//! exports a span whose resource names the replica as validated, with the
//! platform's attributes, for every platform; and nothing a platform did
//! not say.
#![cfg(feature = "opentelemetry")]

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use asyncgate_config::{Environment, GateConfig, InstanceId, Validated, otel};
use opentelemetry::trace::{Tracer, TracerProvider};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData, SpanExporter};

/// Settings as a service writes them, with a service name.
#[derive(GateConfig, Debug)]
#[allow(dead_code)] // Read through the resolution.
#[gate(prefix = "ORDERS", service_name = "orders-api")]
struct Settings {
    #[gate(environment, default = "development", names(qa = "staging"))]
    environment: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
}

/// No `service_name`: the prefix names the service.
#[derive(GateConfig, Debug)]
#[allow(dead_code)] // Read through the resolution.
#[gate(prefix = "BILLING_WORKER")]
struct Unnamed {
    #[gate(environment, default = "development")]
    environment: Environment,
    #[gate(instance_id)]
    instance_id: InstanceId,
}

/// An exporter that keeps what the provider gives it: the spans (in the
/// SDK's in-memory exporter) and the resource they are exported with.
#[derive(Clone, Debug, Default)]
struct Capture {
    spans: InMemorySpanExporter,
    resource: Arc<Mutex<Option<Resource>>>,
}

impl SpanExporter for Capture {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.spans.export(batch).await
    }
    fn set_resource(&mut self, resource: &Resource) {
        *self.resource.lock().unwrap() = Some(resource.clone());
        self.spans.set_resource(resource);
    }
}

fn validated<T: GateConfig>(env: &[(&str, &str)]) -> Validated<T> {
    T::loader()
        .env(env.iter().copied())
        .dotenv(false)
        .hostname("node-a")
        .seed(7)
        .load()
        .unwrap_or_else(|report| panic!("{report}"))
        .validate()
        .unwrap_or_else(|report| panic!("{report}"))
}

/// The attributes as text, by key.
fn attributes(resource: &Resource) -> BTreeMap<String, String> {
    resource
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Our attributes only: those of `otel::attributes`, without the SDK's
/// (`telemetry.sdk.*`, and whatever the process's `OTEL_*` add).
fn ours(settings: &Validated<impl Sized>, options: &otel::Options) -> BTreeMap<String, String> {
    otel::attributes(settings.resolution(), options)
        .into_iter()
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect()
}

/// Variables, or expected attributes: name and value.
type Pairs = &'static [(&'static str, &'static str)];

fn no_namespace_file() -> otel::Options {
    otel::Options::new().kubernetes_namespace_file(None)
}

#[test]
fn an_exported_span_carries_the_replicas_identity() {
    let settings = validated::<Settings>(&[
        ("ORDERS_ENVIRONMENT", "qa"),
        ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
        ("POD_NAME", "orders-7d9f8-x2x4k"),
        ("POD_NAMESPACE", "shop"),
    ]);
    let exporter = Capture::default();
    let provider = SdkTracerProvider::builder()
        .with_resource(otel::resource(&settings))
        .with_simple_exporter(exporter.clone())
        .build();
    provider.tracer("orders").in_span("sweep", |_| {});
    provider.force_flush().unwrap();

    let spans = exporter.spans.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name, "sweep");
    let resource = exporter
        .resource
        .lock()
        .unwrap()
        .clone()
        .expect("the provider set the resource");
    let got = attributes(&resource);
    for (key, value) in [
        ("service.name", "orders-api"),
        ("service.instance.id", "orders-7d9f8-x2x4k"),
        ("deployment.environment.name", "qa"),
        ("k8s.pod.name", "orders-7d9f8-x2x4k"),
        ("k8s.namespace.name", "shop"),
        ("host.name", "node-a"),
    ] {
        assert_eq!(
            got.get(key).map(String::as_str),
            Some(value),
            "{key} in {got:?}"
        );
    }
    assert!(
        got.contains_key("telemetry.sdk.name"),
        "the SDK's own detectors ran: {got:?}"
    );
    assert!(
        !got.contains_key("cloud.platform"),
        "plain Kubernetes has no cloud.platform value"
    );
    provider.shutdown().unwrap();
}

#[test]
fn without_service_name_the_prefix_in_lower_case_names_the_service() {
    let settings = validated::<Unnamed>(&[("FLY_ALLOC_ID", "6e82d4a7")]);
    let got = ours(&settings, &no_namespace_file());
    assert_eq!(got["service.name"], "billing_worker");
    assert_eq!(got["service.instance.id"], "6e82d4a7");
    assert_eq!(got["deployment.environment.name"], "development");
}

#[test]
fn uuid_v5_replaces_the_id_with_the_conventions_uuid() {
    let settings = validated::<Settings>(&[
        ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
        ("POD_NAME", "orders-7d9f8-x2x4k"),
    ]);
    let got = ours(&settings, &no_namespace_file().uuid_v5(true));
    // Python: uuid.uuid5(uuid.UUID(otel::UUID_V5_NAMESPACE), "orders-7d9f8-x2x4k")
    assert_eq!(
        got["service.instance.id"],
        "3a4f284b-9d9d-59ba-8d16-5202cf3c3b80"
    );
    let resource = otel::resource_with(&settings, &no_namespace_file().uuid_v5(true));
    assert_eq!(
        attributes(&resource)["service.instance.id"],
        "3a4f284b-9d9d-59ba-8d16-5202cf3c3b80"
    );
}

/// One row per platform: its variables, and every platform attribute it
/// must produce; no other platform attribute may appear.
#[test]
fn every_platform_gives_its_conventions_attributes_and_no_others() {
    const PLATFORM_KEYS: [&str; 13] = [
        "cloud.provider",
        "cloud.platform",
        "k8s.pod.name",
        "k8s.namespace.name",
        "faas.name",
        "faas.version",
        "faas.instance",
        "gcp.cloud_run.job.execution",
        "gcp.cloud_run.job.task_index",
        "heroku.app.id",
        "cloudfoundry.app.instance.id",
        "aws.ecs.task.arn",
        "azure.app_service.name",
    ];
    let rows: &[(Pairs, Pairs)] = &[
        (&[("FLY_ALLOC_ID", "6e82d4a7")], &[]),
        (
            &[
                ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
                ("HOSTNAME", "orders-0"),
            ],
            &[("k8s.pod.name", "orders-0")],
        ),
        (
            &[(
                "ECS_CONTAINER_METADATA_URI_V4",
                "http://169.254.170.2/v4/abc-123",
            )],
            &[("cloud.provider", "aws"), ("cloud.platform", "aws_ecs")],
        ),
        (
            &[("K_SERVICE", "orders"), ("K_REVISION", "orders-00042-xyz")],
            &[
                ("cloud.provider", "gcp"),
                ("cloud.platform", "gcp_cloud_run"),
                ("faas.name", "orders"),
                ("faas.version", "orders-00042-xyz"),
            ],
        ),
        (
            &[
                ("CLOUD_RUN_JOB", "nightly"),
                ("CLOUD_RUN_EXECUTION", "nightly-x7"),
                ("CLOUD_RUN_TASK_INDEX", "3"),
            ],
            &[
                ("cloud.provider", "gcp"),
                ("cloud.platform", "gcp_cloud_run"),
                ("faas.name", "nightly"),
                ("gcp.cloud_run.job.execution", "nightly-x7"),
                ("gcp.cloud_run.job.task_index", "3"),
            ],
        ),
        (
            &[("NOMAD_ALLOC_ID", "c2b4606d-1b02-0d8d-5fdd-031167cd4c91")],
            &[],
        ),
        (
            &[(
                "CONTAINER_APP_REPLICA_NAME",
                "ca-orders--0000001-646779b4c5-bhc2v",
            )],
            &[
                ("cloud.provider", "azure"),
                ("cloud.platform", "azure.container_apps"),
            ],
        ),
        (&[("RAILWAY_REPLICA_ID", "4f1c2b")], &[]),
        (&[("RENDER_INSTANCE_ID", "srv-abc-5d6f")], &[]),
        (
            &[
                ("HEROKU_DYNO_ID", "1vac4117-c29f-4312-521e-ba4d8638c1ac"),
                ("HEROKU_APP_ID", "9daa2797-e49b-4624-932f-ec3f9688e3da"),
            ],
            &[
                ("cloud.provider", "heroku"),
                ("heroku.app.id", "9daa2797-e49b-4624-932f-ec3f9688e3da"),
            ],
        ),
        (
            &[
                ("CF_INSTANCE_GUID", "41653aa4-3a3a-486a-4431-ef258b39f042"),
                ("CF_INSTANCE_INDEX", "2"),
            ],
            &[("cloudfoundry.app.instance.id", "2")],
        ),
        (
            &[
                ("GAE_ENV", "standard"),
                ("GAE_INSTANCE", "00c61b117c0a"),
                ("GAE_SERVICE", "default"),
                ("GAE_VERSION", "20261204t101010"),
            ],
            &[
                ("cloud.provider", "gcp"),
                ("cloud.platform", "gcp_app_engine"),
                ("faas.name", "default"),
                ("faas.version", "20261204t101010"),
                ("faas.instance", "00c61b117c0a"),
            ],
        ),
    ];
    for (env, expected) in rows {
        let settings = validated::<Settings>(env);
        let got = ours(&settings, &no_namespace_file());
        let platform: BTreeMap<&str, &str> = got
            .iter()
            .filter(|(k, _)| PLATFORM_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let expected: BTreeMap<&str, &str> = expected.iter().copied().collect();
        assert_eq!(platform, expected, "for {env:?}");
    }
}

#[test]
fn azure_app_service_is_named_by_provider_and_platform() {
    // App Service's id is one per VM, so production refuses it; development loads.
    let settings = validated::<Settings>(&[
        ("WEBSITE_SITE_NAME", "orders"),
        ("WEBSITE_INSTANCE_ID", "8f3c1d2e"),
    ]);
    let got = ours(&settings, &no_namespace_file());
    assert_eq!(got["cloud.provider"], "azure");
    assert_eq!(got["cloud.platform"], "azure.app_service");
}

#[test]
fn a_configured_id_keeps_the_detected_platforms_attributes_and_none_switches_them_off() {
    let env = [
        ("ORDERS_INSTANCE_ID", "orders-blue-1"),
        ("K_SERVICE", "orders"),
        ("K_REVISION", "orders-00042-xyz"),
    ];
    let got = ours(&validated::<Settings>(&env), &no_namespace_file());
    assert_eq!(got["service.instance.id"], "orders-blue-1");
    assert_eq!(got["cloud.platform"], "gcp_cloud_run");

    let mut off = env.to_vec();
    off.push(("ORDERS_PLATFORM", "none"));
    let got = ours(&validated::<Settings>(&off), &no_namespace_file());
    assert_eq!(got["service.instance.id"], "orders-blue-1");
    assert!(!got.contains_key("cloud.platform"), "{got:?}");
    assert!(!got.contains_key("faas.name"), "{got:?}");
}

#[test]
fn the_namespace_comes_from_the_service_account_file_when_it_holds_a_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
        ("POD_NAME", "orders-0"),
    ];
    let settings = validated::<Settings>(&env);
    let with_file = |contents: &[u8]| {
        let path: PathBuf = dir.path().join("namespace");
        std::fs::write(&path, contents).unwrap();
        let options = otel::Options::new().kubernetes_namespace_file(Some(path));
        ours(&settings, &options).get("k8s.namespace.name").cloned()
    };
    assert_eq!(with_file(b"shop\n").as_deref(), Some("shop"));
    for bad in [
        &b""[..],
        b"Shop",
        b"shop/../etc",
        b"\xff\xfe",
        &[b'a'; 64],
        &[b'a'; 4096],
    ] {
        assert_eq!(with_file(bad), None, "{:?}", String::from_utf8_lossy(bad));
    }
    // A directory, or no file: no attribute, no error.
    let options = otel::Options::new().kubernetes_namespace_file(Some(dir.path().to_owned()));
    assert!(!ours(&settings, &options).contains_key("k8s.namespace.name"));
    let options = otel::Options::new().kubernetes_namespace_file(Some(dir.path().join("missing")));
    assert!(!ours(&settings, &options).contains_key("k8s.namespace.name"));
    // `POD_NAMESPACE` wins over the file.
    std::fs::write(dir.path().join("namespace"), "from-file").unwrap();
    let settings = validated::<Settings>(&[
        ("KUBERNETES_SERVICE_HOST", "10.0.0.1"),
        ("POD_NAME", "orders-0"),
        ("POD_NAMESPACE", "from-env"),
    ]);
    let options =
        otel::Options::new().kubernetes_namespace_file(Some(dir.path().join("namespace")));
    assert_eq!(ours(&settings, &options)["k8s.namespace.name"], "from-env");
}

#[test]
fn platform_values_that_are_not_names_are_left_out() {
    let long = "p".repeat(300);
    let settings = validated::<Settings>(&[
        ("K_SERVICE", "orders\u{1b}[31m"),
        ("K_REVISION", "orders-00042-xyz"),
        ("GAE_VERSION", &long),
    ]);
    let got = ours(&settings, &no_namespace_file());
    assert!(
        !got.contains_key("faas.name"),
        "a control character: {got:?}"
    );
    assert_eq!(got["faas.version"], "orders-00042-xyz");
    let env: HashMap<&str, &str> = HashMap::from([
        ("CLOUD_RUN_JOB", "j"),
        ("CLOUD_RUN_EXECUTION", "e"),
        ("CLOUD_RUN_TASK_INDEX", "three"),
    ]);
    let got = ours(
        &validated::<Settings>(&env.into_iter().collect::<Vec<_>>()),
        &no_namespace_file(),
    );
    assert!(
        !got.contains_key("gcp.cloud_run.job.task_index"),
        "not an integer: {got:?}"
    );
}
