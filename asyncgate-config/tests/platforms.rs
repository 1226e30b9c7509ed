//! Instance-id detection fixtures: what each platform injects, and the id,
//! origin and platform that must come out.

mod common;

use asyncgate_config::provenance::{DetectionOverride, InstanceIdOrigin, Outcome};
use asyncgate_config::{Platform, Severity};
use common::{Mini, PROD, Settings, loader, with};

enum Expect {
    Id(&'static str),
    /// `<prefix><8 random [a-z0-9]>`.
    Random(&'static str),
}

struct Fixture {
    name: &'static str,
    env: &'static [(&'static str, &'static str)],
    production: bool,
    expect: Expect,
    origin: InstanceIdOrigin,
    platform: Option<Platform>,
}

const K8S: (&str, &str) = ("KUBERNETES_SERVICE_HOST", "10.96.0.1");

const FIXTURES: &[Fixture] = &[
    Fixture {
        name: "fly allocation id",
        env: &[("FLY_ALLOC_ID", "3d8d9163-7a1e-4a2b-9f1e-2fd2f8a3b6e3")],
        production: true,
        expect: Expect::Id("3d8d9163-7a1e-4a2b-9f1e-2fd2f8a3b6e3"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Fly),
    },
    Fixture {
        name: "kubernetes deployment pod (HOSTNAME)",
        env: &[K8S, ("HOSTNAME", "asyncgate-7d9f8b6c5d-x2x9k")],
        production: true,
        expect: Expect::Id("asyncgate-7d9f8b6c5d-x2x9k"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Kubernetes),
    },
    Fixture {
        name: "kubernetes POD_NAME preferred over HOSTNAME",
        env: &[
            K8S,
            ("HOSTNAME", "custom-hostname"),
            ("POD_NAME", "asyncgate-5c8d7-qwert"),
        ],
        production: true,
        expect: Expect::Id("asyncgate-5c8d7-qwert"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Kubernetes),
    },
    Fixture {
        name: "kubernetes statefulset pod asyncgate-1 is trusted",
        env: &[K8S, ("HOSTNAME", "asyncgate-1")],
        production: true,
        expect: Expect::Id("asyncgate-1"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Kubernetes),
    },
    Fixture {
        name: "kubernetes statefulset pod asyncgate-0",
        env: &[K8S, ("POD_NAME", "asyncgate-0")],
        production: true,
        expect: Expect::Id("asyncgate-0"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Kubernetes),
    },
    Fixture {
        name: "ecs on ec2 (v4)",
        env: &[(
            "ECS_CONTAINER_METADATA_URI_V4",
            "http://169.254.170.2/v4/ea32192c8553427eb0b77e7a1ce0fd43",
        )],
        production: true,
        expect: Expect::Id("ecs-ea32192c8553"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Ecs),
    },
    Fixture {
        name: "ecs on fargate (v4) keeps the container number",
        env: &[(
            "ECS_CONTAINER_METADATA_URI_V4",
            "http://169.254.170.2/v4/a8585a7ac9dc4c8a9b4c5bd6b2d8aa0a-3141592653",
        )],
        production: true,
        expect: Expect::Id("ecs-a8585a7ac9dc-3141592653"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Ecs),
    },
    Fixture {
        name: "ecs on fargate, second container of the same task",
        env: &[(
            "ECS_CONTAINER_METADATA_URI_V4",
            "http://169.254.170.2/v4/a8585a7ac9dc4c8a9b4c5bd6b2d8aa0a-2718281828",
        )],
        production: true,
        expect: Expect::Id("ecs-a8585a7ac9dc-2718281828"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Ecs),
    },
    Fixture {
        name: "ecs v3 only",
        env: &[(
            "ECS_CONTAINER_METADATA_URI",
            "http://169.254.170.2/v3/0123456789abcdef0123",
        )],
        production: true,
        expect: Expect::Id("ecs-0123456789ab"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Ecs),
    },
    Fixture {
        name: "ecs v4 preferred over v3",
        env: &[
            (
                "ECS_CONTAINER_METADATA_URI",
                "http://169.254.170.2/v3/111111111111aaaa",
            ),
            (
                "ECS_CONTAINER_METADATA_URI_V4",
                "http://169.254.170.2/v4/222222222222bbbb",
            ),
        ],
        production: true,
        expect: Expect::Id("ecs-222222222222"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Ecs),
    },
    Fixture {
        name: "cloud run service revision gets a random suffix",
        env: &[
            ("K_REVISION", "asyncgate-00042-xuz"),
            ("K_SERVICE", "asyncgate"),
        ],
        production: true,
        expect: Expect::Random("asyncgate-00042-xuz-"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::CloudRun),
    },
    Fixture {
        name: "cloud run job task",
        env: &[
            ("CLOUD_RUN_EXECUTION", "nightly-sweep-x7k2p"),
            ("CLOUD_RUN_TASK_INDEX", "3"),
        ],
        production: true,
        expect: Expect::Id("nightly-sweep-x7k2p-3"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::CloudRun),
    },
    Fixture {
        name: "nomad allocation",
        env: &[("NOMAD_ALLOC_ID", "5a7b3c1d-0e2f-4a6b-8c9d-0e1f2a3b4c5d")],
        production: true,
        expect: Expect::Id("5a7b3c1d-0e2f-4a6b-8c9d-0e1f2a3b4c5d"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Nomad),
    },
    Fixture {
        name: "azure container apps replica",
        env: &[(
            "CONTAINER_APP_REPLICA_NAME",
            "asyncgate--rev3-6f7b9c8d5-abcde",
        )],
        production: true,
        expect: Expect::Id("asyncgate--rev3-6f7b9c8d5-abcde"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::AzureContainerApps),
    },
    Fixture {
        name: "railway replica",
        env: &[("RAILWAY_REPLICA_ID", "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")],
        production: true,
        expect: Expect::Id("0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Railway),
    },
    Fixture {
        name: "render instance",
        env: &[("RENDER_INSTANCE_ID", "srv-cn1abc2def3ghi-5f6g7")],
        production: true,
        expect: Expect::Id("srv-cn1abc2def3ghi-5f6g7"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Render),
    },
    Fixture {
        name: "detected value is normalised into the rules",
        env: &[("RENDER_INSTANCE_ID", " srv abc/1 ")],
        production: true,
        expect: Expect::Id("srv-abc-1"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Render),
    },
    Fixture {
        name: "fly beats kubernetes",
        env: &[
            ("FLY_ALLOC_ID", "fly-alloc-0042"),
            K8S,
            ("HOSTNAME", "pod-abcdef-12345"),
        ],
        production: true,
        expect: Expect::Id("fly-alloc-0042"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Fly),
    },
    Fixture {
        name: "kubernetes beats ecs and cloud run",
        env: &[
            K8S,
            ("HOSTNAME", "pod-abcdef-12345"),
            (
                "ECS_CONTAINER_METADATA_URI_V4",
                "http://169.254.170.2/v4/ea32192c8553427e",
            ),
            ("K_REVISION", "rev-1"),
        ],
        production: true,
        expect: Expect::Id("pod-abcdef-12345"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Kubernetes),
    },
    Fixture {
        name: "an explicit id beats detection",
        env: &[
            ("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4"),
            ("FLY_ALLOC_ID", "fly-alloc-0042"),
        ],
        production: true,
        expect: Expect::Id("worker-a1b2c3d4"),
        origin: InstanceIdOrigin::Configured,
        platform: None,
    },
    Fixture {
        name: "the default set explicitly does not beat detection",
        env: &[
            ("ASYNCGATE_INSTANCE_ID", "asyncgate-1"),
            ("FLY_ALLOC_ID", "fly-alloc-0042"),
        ],
        production: true,
        expect: Expect::Id("fly-alloc-0042"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Fly),
    },
    Fixture {
        name: "a laptop with HOSTNAME exported is not kubernetes",
        env: &[("HOSTNAME", "alices-macbook")],
        production: true,
        expect: Expect::Random("build-host-"),
        origin: InstanceIdOrigin::Fallback,
        platform: None,
    },
    Fixture {
        name: "a plain docker container's HOSTNAME is not kubernetes",
        env: &[("HOSTNAME", "3f4e5d6c7b8a")],
        production: true,
        expect: Expect::Random("build-host-"),
        origin: InstanceIdOrigin::Fallback,
        platform: None,
    },
    Fixture {
        name: "no platform in development keeps the default",
        env: &[],
        production: false,
        expect: Expect::Id("asyncgate-1"),
        origin: InstanceIdOrigin::Default,
        platform: None,
    },
    Fixture {
        name: "no platform in production falls back to hostname + random",
        env: &[],
        production: true,
        expect: Expect::Random("build-host-"),
        origin: InstanceIdOrigin::Fallback,
        platform: None,
    },
    Fixture {
        name: "heroku dyno id (runtime dyno metadata)",
        env: &[
            ("DYNO", "web.1"),
            ("HEROKU_APP_NAME", "orders"),
            ("HEROKU_DYNO_ID", "1vac4117-c29f-4312-521e-ba4d8638c1ac"),
        ],
        production: true,
        expect: Expect::Id("1vac4117-c29f-4312-521e-ba4d8638c1ac"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Heroku),
    },
    Fixture {
        name: "heroku DYNO slot with the app name",
        env: &[("DYNO", "web.1"), ("HEROKU_APP_NAME", "orders")],
        production: true,
        expect: Expect::Id("orders-web.1"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Heroku),
    },
    Fixture {
        name: "azure app service instance",
        env: &[
            ("WEBSITE_SITE_NAME", "orders-api"),
            (
                "WEBSITE_INSTANCE_ID",
                "8f3c6a2e0b1d4c7e9a5f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
            ),
        ],
        production: true,
        expect: Expect::Id("8f3c6a2e0b1d4c7e9a5f2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::AzureAppService),
    },
    Fixture {
        name: "cloud foundry instance guid",
        env: &[
            ("CF_INSTANCE_GUID", "41653aa4-3a3a-486a-4431-ef258b39f042"),
            ("CF_INSTANCE_INDEX", "0"),
        ],
        production: true,
        expect: Expect::Id("41653aa4-3a3a-486a-4431-ef258b39f042"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::CloudFoundry),
    },
    Fixture {
        name: "app engine standard instance",
        env: &[
            ("GAE_ENV", "standard"),
            ("GAE_INSTANCE", "00c61b117c5f9a0d3d4e8f2e4d1c2b3a"),
            ("GAE_SERVICE", "default"),
        ],
        production: true,
        expect: Expect::Id("00c61b117c5f9a0d3d4e8f2e4d1c2b3a"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::AppEngine),
    },
    Fixture {
        name: "empty platform variables count as unset",
        env: &[
            ("FLY_ALLOC_ID", ""),
            K8S,
            ("POD_NAME", " "),
            ("HOSTNAME", "pod-xyz-98765"),
        ],
        production: true,
        expect: Expect::Id("pod-xyz-98765"),
        origin: InstanceIdOrigin::Detected,
        platform: Some(Platform::Kubernetes),
    },
];

#[test]
fn platform_fixtures() {
    assert!(FIXTURES.len() >= 20);
    for fixture in FIXTURES {
        let base: &[(&str, &str)] = if fixture.production { &PROD } else { &[] };
        let env = with(base, fixture.env);
        let loaded = loader::<Settings>(&env)
            .load()
            .unwrap_or_else(|r| panic!("{}: {r}", fixture.name));
        let res = loaded.resolution();
        let id = loaded.instance_id.as_str();
        match fixture.expect {
            Expect::Id(expected) => assert_eq!(id, expected, "{}", fixture.name),
            Expect::Random(prefix) => {
                let suffix = id
                    .strip_prefix(prefix)
                    .unwrap_or_else(|| panic!("{}: {id}", fixture.name));
                assert_eq!(suffix.len(), 8, "{}: {id}", fixture.name);
                assert!(
                    suffix
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                    "{id}"
                );
            }
        }
        assert_eq!(res.instance_id_origin(), fixture.origin, "{}", fixture.name);
        assert_eq!(res.platform(), fixture.platform, "{}", fixture.name);
        assert_eq!(res.instance_id().as_str(), id);
        // Every fixture is a valid deployment: it validates (warnings allowed).
        let validated = loaded
            .validate()
            .unwrap_or_else(|r| panic!("{}: {r}", fixture.name));
        if fixture.origin == InstanceIdOrigin::Fallback {
            assert!(
                validated
                    .warnings()
                    .iter()
                    .any(|w| w.message().contains("changes on every restart")),
                "{}",
                fixture.name
            );
        }
    }
}

#[test]
fn trace_records_every_platform_and_why() {
    let env = with(
        &PROD,
        &[
            ("FLY_ALLOC_ID", "fly-alloc-0042"),
            K8S,
            ("HOSTNAME", "pod-abcdef-12345"),
        ],
    );
    let loaded = loader::<Settings>(&env).load().unwrap();
    let trace = loaded.resolution().detection_trace();
    assert_eq!(trace.len(), Platform::ALL.len());
    assert_eq!(
        trace.iter().map(|s| s.platform).collect::<Vec<_>>(),
        Platform::ALL
    );
    assert!(matches!(
        trace[0].outcome,
        Outcome::Matched {
            var: "FLY_ALLOC_ID",
            ..
        }
    ));
    assert!(matches!(
        trace[1].outcome,
        Outcome::Shadowed { var: "HOSTNAME" }
    ));
    assert!(matches!(trace[2].outcome, Outcome::Absent { .. }));
    assert_eq!(
        trace[0].to_string(),
        "Fly.io: matched FLY_ALLOC_ID -> fly-alloc-0042"
    );
    assert_eq!(
        trace[2].to_string(),
        "AWS ECS: not detected (ECS_CONTAINER_METADATA_URI_V4, ECS_CONTAINER_METADATA_URI not set)"
    );

    let laptop = loader::<Settings>(&[("HOSTNAME", "laptop")])
        .load()
        .unwrap();
    let k8s = &laptop.resolution().detection_trace()[1];
    assert_eq!(
        k8s.to_string(),
        "Kubernetes: not detected (KUBERNETES_SERVICE_HOST not set)"
    );

    let configured = loader::<Settings>(&[("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4")])
        .load()
        .unwrap();
    assert!(
        configured.resolution().detection_trace().is_empty(),
        "a configured id skips detection"
    );
}

#[test]
fn cloud_run_suffix_comes_from_the_injected_random_source() {
    let env = with(&PROD, &[("K_REVISION", "asyncgate-00042-xuz")]);
    let a = loader::<Settings>(&env).load().unwrap().instance_id.clone();
    let b = loader::<Settings>(&env).load().unwrap().instance_id.clone();
    assert_eq!(a, b, "same seed, same id");
    let c = loader::<Settings>(&env)
        .seed(7)
        .load()
        .unwrap()
        .instance_id
        .clone();
    assert_ne!(a, c, "another seed, another id");
}

#[test]
fn the_detect_list_sets_platforms_and_order() {
    let both = [
        ("MINI_REGION", "eu"),
        ("FLY_ALLOC_ID", "fly-alloc-0042"),
        (
            "ECS_CONTAINER_METADATA_URI_V4",
            "http://169.254.170.2/v4/ea32192c8553427e",
        ),
    ];
    let loaded = loader::<Mini>(&both).load().unwrap();
    assert_eq!(
        loaded.instance_id.as_str(),
        "ecs-ea32192c8553",
        "ecs is listed first"
    );
    assert_eq!(loaded.resolution().detection_trace().len(), 2);

    let k8s_only = [("MINI_REGION", "eu"), K8S, ("HOSTNAME", "pod-abcdef-12345")];
    let loaded = loader::<Mini>(&k8s_only).load().unwrap();
    assert_eq!(
        loaded.resolution().instance_id_origin(),
        InstanceIdOrigin::Fallback,
        "kubernetes is not listed"
    );
}

#[test]
fn statefulset_default_lookalike_is_trusted_with_a_warning() {
    let env = with(&PROD, &[K8S, ("HOSTNAME", "asyncgate-1")]);
    let validated = loader::<Settings>(&env).load().unwrap().validate().unwrap();
    let warnings = common::messages(validated.warnings(), Severity::Warning);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("detected on Kubernetes") && w.contains("trusted")),
        "{warnings:?}"
    );
}

/// What each platform sets (its documented variables, more than detection
/// reads), for the matrix below.
fn platform_env(platform: Platform) -> &'static [(&'static str, &'static str)] {
    match platform {
        Platform::Fly => &[
            ("FLY_ALLOC_ID", "3d8d9163-7a1e-4a2b-9f1e-2fd2f8a3b6e3"),
            ("FLY_APP_NAME", "orders"),
            ("FLY_REGION", "ams"),
            ("FLY_MACHINE_ID", "3d8d9163eab2e8"),
        ],
        Platform::Kubernetes => &[
            K8S,
            ("KUBERNETES_SERVICE_PORT", "443"),
            ("HOSTNAME", "orders-7d9f8b6c5d-x2x9k"),
        ],
        Platform::Ecs => &[
            (
                "ECS_CONTAINER_METADATA_URI_V4",
                "http://169.254.170.2/v4/ea32192c8553427eb0b77e7a1ce0fd43",
            ),
            ("AWS_REGION", "eu-west-1"),
            ("HOSTNAME", "ip-10-0-1-17"),
        ],
        Platform::CloudRun => &[
            ("K_SERVICE", "orders"),
            ("K_REVISION", "orders-00042-xuz"),
            ("K_CONFIGURATION", "orders"),
            ("PORT", "8080"),
        ],
        Platform::Nomad => &[
            ("NOMAD_ALLOC_ID", "5ca1ab1e-0000-4000-8000-000000000042"),
            ("NOMAD_JOB_NAME", "orders"),
        ],
        Platform::AzureContainerApps => &[
            ("CONTAINER_APP_REPLICA_NAME", "orders--rev1-5f7c9d8b6-abcde"),
            ("CONTAINER_APP_NAME", "orders"),
        ],
        Platform::Railway => &[
            ("RAILWAY_REPLICA_ID", "2b5c3d4e-1f2a-4b3c-9d8e-7f6a5b4c3d2e"),
            ("RAILWAY_SERVICE_NAME", "orders"),
        ],
        Platform::Render => &[
            ("RENDER_INSTANCE_ID", "srv-cabc123-5d6e7f8g9h-xyz12"),
            ("RENDER_SERVICE_NAME", "orders"),
            ("RENDER", "true"),
        ],
        Platform::Heroku => &[
            ("DYNO", "web.1"),
            ("PORT", "5000"),
            ("HEROKU_APP_NAME", "orders"),
            ("HEROKU_APP_ID", "9daa2797-e49b-4624-932f-ec3f9688e3da"),
            ("HEROKU_DYNO_ID", "1vac4117-c29f-4312-521e-ba4d8638c1ac"),
        ],
        Platform::AzureAppService => &[
            ("WEBSITE_SITE_NAME", "orders-api"),
            ("WEBSITE_INSTANCE_ID", "8f3c6a2e0b1d4c7e9a5f2b3c4d5e6f70"),
            ("WEBSITE_RESOURCE_GROUP", "orders-rg"),
            ("WEBSITE_SKU", "Standard"),
            ("COMPUTERNAME", "RD0003FF1A2B3C"),
        ],
        Platform::CloudFoundry => &[
            ("CF_INSTANCE_GUID", "41653aa4-3a3a-486a-4431-ef258b39f042"),
            ("CF_INSTANCE_INDEX", "0"),
            ("CF_INSTANCE_IP", "10.0.16.4"),
            ("CF_INSTANCE_PORT", "61013"),
            ("INSTANCE_GUID", "41653aa4-3a3a-486a-4431-ef258b39f042"),
            ("VCAP_APPLICATION", "{\"application_name\":\"orders\"}"),
        ],
        Platform::AppEngine => &[
            ("GAE_ENV", "standard"),
            ("GAE_INSTANCE", "00c61b117c5f9a0d3d4e8f2e4d1c2b3a"),
            ("GAE_SERVICE", "default"),
            ("GAE_VERSION", "20261204t101010"),
            ("GOOGLE_CLOUD_PROJECT", "orders-prod"),
            ("PORT", "8081"),
        ],
        _ => panic!("{platform:?} has no fixture: add one"),
    }
}

/// Each platform's variables are detected as that platform and no other:
/// every other probe finds nothing at all (not even "present, unusable").
#[test]
fn each_platforms_variables_detect_that_platform_and_no_other() {
    for platform in Platform::ALL {
        let env: std::collections::HashMap<String, String> = platform_env(platform)
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let detection = asyncgate_config::detect::detect(&Platform::ALL, &env, &mut || 4);
        let found = detection.found.as_ref().map(|(p, _, _)| *p);
        assert_eq!(found, Some(platform), "{platform:?}: {:?}", detection.trace);
        for step in &detection.trace {
            if step.platform != platform {
                assert!(
                    matches!(step.outcome, Outcome::Absent { .. }),
                    "{platform:?}'s variables are seen by {}: {step}",
                    step.platform.display_name()
                );
            }
        }
    }
}

/// Heroku's `DYNO` and Azure App Service's instance id are not unique
/// among live replicas: the id is used, with a warning in production that
/// says how to get a unique one; Heroku's dyno id is trusted.
#[test]
fn ids_a_platform_does_not_keep_unique_are_used_with_a_warning() {
    let warned = |env: &[(&'static str, &'static str)]| -> Vec<String> {
        loader::<Settings>(&with(&PROD, env))
            .load()
            .unwrap()
            .validate()
            .unwrap()
            .warnings()
            .iter()
            .filter(|w| w.message().contains("does not keep it unique"))
            .map(|w| format!("{} | {}", w.message(), w.remedy().unwrap_or("")))
            .collect()
    };
    let slot = warned(&[("DYNO", "web.1"), ("HEROKU_APP_NAME", "orders")]);
    assert_eq!(slot.len(), 1, "{slot:?}");
    assert!(slot[0].contains("from DYNO on Heroku"), "{slot:?}");
    assert!(slot[0].contains("runtime-dyno-metadata"), "{slot:?}");
    let azure = warned(&[
        ("WEBSITE_SITE_NAME", "orders-api"),
        ("WEBSITE_INSTANCE_ID", "8f3c6a2e0b1d4c7e9a5f2b3c"),
    ]);
    assert_eq!(azure.len(), 1, "{azure:?}");
    assert!(azure[0].contains("Azure App Service"), "{azure:?}");
    // Unique per dyno, per instance: no warning.
    assert!(warned(&[("DYNO", "web.1"), ("HEROKU_DYNO_ID", "1vac4117-c29f-4312")]).is_empty());
    assert!(warned(&[("CF_INSTANCE_GUID", "41653aa4-3a3a-486a")]).is_empty());
    assert!(
        warned(&[
            ("GAE_ENV", "standard"),
            ("GAE_INSTANCE", "00c61b117c5f9a0d")
        ])
        .is_empty()
    );
}

/// `ASYNCGATE_PLATFORM=<key>`: only that platform's detection runs, and
/// `check` (text and JSON) says so.
#[test]
fn the_platform_variable_forces_one_platform() {
    let env = with(
        &PROD,
        &[
            ("FLY_ALLOC_ID", "fly-alloc-0042"),
            K8S,
            ("HOSTNAME", "orders-7d9f8b6c5d-x2x9k"),
            ("ASYNCGATE_PLATFORM", "Kubernetes"),
        ],
    );
    let validated = loader::<Settings>(&env).load().unwrap().validate().unwrap();
    let res = validated.resolution();
    assert_eq!(res.platform(), Some(Platform::Kubernetes));
    assert_eq!(validated.instance_id.as_str(), "orders-7d9f8b6c5d-x2x9k");
    assert_eq!(
        res.detection_override(),
        Some(DetectionOverride::Forced(Platform::Kubernetes))
    );
    let steps: Vec<Platform> = res.detection_trace().iter().map(|s| s.platform).collect();
    assert_eq!(
        steps,
        [Platform::Kubernetes],
        "Fly.io is not even looked at"
    );
    let report = validated.report();
    let text = report.detailed().to_string();
    assert!(
        text.contains("ASYNCGATE_PLATFORM=kubernetes: only Kubernetes is detected"),
        "{text}"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["detection_override"], "kubernetes");
    // The variable is ours: never reported as unknown.
    assert!(
        !validated
            .warnings()
            .iter()
            .any(|w| w.message().contains("unknown variable")),
        "{:?}",
        validated.warnings()
    );
}

/// `ASYNCGATE_PLATFORM=none`: no detection; production falls back.
#[test]
fn the_platform_variable_switches_detection_off() {
    let env = with(
        &PROD,
        &[
            ("FLY_ALLOC_ID", "fly-alloc-0042"),
            ("ASYNCGATE_PLATFORM", "none"),
        ],
    );
    let validated = loader::<Settings>(&env).load().unwrap().validate().unwrap();
    let res = validated.resolution();
    assert_eq!(res.instance_id_origin(), InstanceIdOrigin::Fallback);
    assert_eq!(res.platform(), None);
    assert!(res.detection_trace().is_empty());
    assert_eq!(res.detection_override(), Some(DetectionOverride::Off));
    let report = validated.report();
    let text = report.detailed().to_string();
    assert!(
        text.contains("ASYNCGATE_PLATFORM=none: detection is off"),
        "{text}"
    );
    assert_eq!(
        serde_json::to_value(&report).unwrap()["detection_override"],
        "none"
    );
    // A configured id still wins, and no platform id is compared with it.
    let configured = with(&env, &[("ASYNCGATE_INSTANCE_ID", "orders-replica-7")]);
    let loaded = loader::<Settings>(&configured).load().unwrap();
    assert_eq!(loaded.instance_id.as_str(), "orders-replica-7");
    assert_eq!(loaded.resolution().platform_id(), None);
}

#[test]
fn an_unknown_platform_value_is_an_error_listing_the_keys() {
    let env = with(&PROD, &[("ASYNCGATE_PLATFORM", "herok")]);
    let report = loader::<Settings>(&env).load().unwrap_err();
    let error = report
        .errors()
        .find(|e| e.env_var() == Some("ASYNCGATE_PLATFORM"))
        .unwrap_or_else(|| panic!("{report}"));
    let message = error.message();
    assert!(
        message.contains("ASYNCGATE_PLATFORM=`herok` is not a platform"),
        "{message}"
    );
    assert!(message.contains("did you mean `heroku`?"), "{message}");
    for platform in Platform::ALL {
        assert!(
            message.contains(&format!("`{}`", platform.key())),
            "{message}"
        );
    }
    assert!(message.contains("`none`"), "{message}");
}

#[test]
fn a_forced_platform_that_finds_nothing_says_so() {
    let env = with(&PROD, &[("ASYNCGATE_PLATFORM", "heroku")]);
    let validated = loader::<Settings>(&env).load().unwrap().validate().unwrap();
    assert_eq!(
        validated.resolution().instance_id_origin(),
        InstanceIdOrigin::Fallback
    );
    let warning = validated
        .warnings()
        .iter()
        .find(|w| w.message().contains("forces Heroku detection"))
        .unwrap_or_else(|| panic!("{:?}", validated.warnings()));
    assert!(
        warning
            .message()
            .contains("not detected (HEROKU_DYNO_ID, DYNO not set)"),
        "{}",
        warning.message()
    );
}
