//! The pipeline: [`Loader::load`] composes the stages (load → detect →
//! resolve every field) and makes a [`Loaded<T>`], or a [`Report`] of
//! every problem.
//!
//! Data flows one way: the load stage's layers and findings go to
//! detection, both go into the [`Resolution`], and validation appends its
//! findings to theirs. When some fields do not parse, the rules still run
//! on the fields (and sections) that did, so every mistake is in one
//! report.

use crate::GateConfig;
use crate::detect;
use crate::load::{FieldReader, Loader};
use crate::provenance::Resolution;
use crate::report::{Finding, Report};
use crate::typestate::Loaded;
use crate::validate::{self, Parsed, Policy};

impl<T: GateConfig> Loader<T> {
    /// Reads every source, detects the instance id and resolves every
    /// setting. Every problem is reported together: when a setting does not
    /// parse, the report also holds what the rules found in the settings
    /// that did.
    ///
    /// Logs `Using configured instance ID: <id>` or
    /// `Auto-detected instance ID: <id>` at INFO.
    pub fn load(self) -> Result<Loaded<T>, Report> {
        let schema = T::schema();
        // Load: the layers, and what reading them found.
        let read = self.read();
        let mut findings = read.findings;
        let layers = read.layers;
        let mut random = read.random;
        let policy = Policy {
            strict_instance_id: read.strict_instance_id,
        };
        let mut reader = FieldReader::new(schema, &layers);
        let environment = reader.resolve_environment();
        let environment_name = reader.environment_name();
        // Detect: the instance id (detection depends on the environment).
        let injected_host = read.hostname;
        #[cfg(feature = "opentelemetry")]
        let facts = detect::collect_facts(&layers.env, injected_host.clone());
        let hostname = move || {
            injected_host.clone().or_else(|| {
                hostname::get()
                    .ok()
                    .map(|h| h.to_string_lossy().into_owned())
            })
        };
        let identity = detect::identify(
            schema,
            &layers,
            environment,
            &hostname,
            &mut || random.next_u64(),
            &mut findings,
        );
        if let Some(identity) = &identity {
            reader.set_instance_id(identity.index, identity.id.clone(), identity.source.clone());
        }
        // Load again: every field, now that the environment and id are known.
        let value = T::__resolve(&mut reader);
        let finished = reader.finish();
        let (settings, elements, parsed_sections) = (
            finished.records,
            finished.elements,
            finished.parsed_sections,
        );
        findings.extend(finished.findings);
        layers.locate(schema, &mut findings);

        let resolution = match (environment, identity) {
            (Some(environment), Some(identity)) => Some(Resolution {
                schema,
                environment,
                environment_name: environment_name.unwrap_or(environment.as_str()),
                instance_id: identity.id,
                origin: identity.origin,
                platform: identity.platform,
                trace: identity.trace,
                platform_id: identity.platform_id,
                detection_override: identity.detection_override,
                #[cfg(feature = "opentelemetry")]
                facts,
                settings,
                elements,
            }),
            _ => None,
        };
        match (value, resolution) {
            (Some(value), Some(resolution)) if !findings.iter().any(Finding::is_error) => {
                log_identity(&resolution);
                Ok(Loaded::new(value, resolution, findings, policy))
            }
            (value, Some(resolution)) => {
                // Loading found errors: the rules still run, on the whole
                // value when every setting parsed, else on those that did.
                let value = match &value {
                    Some(value) => Parsed::Whole(value),
                    None => Parsed::Sections(parsed_sections),
                };
                validate::run::<T>(value, &resolution, policy, &mut findings);
                layers.locate(schema, &mut findings);
                Err(
                    Report::new(schema.name(), Some(resolution.environment), findings)
                        .with_resolution(resolution),
                )
            }
            (_, None) => Err(Report::new(schema.name(), environment, findings)),
        }
    }
}

fn log_identity(resolution: &Resolution) {
    use crate::provenance::InstanceIdOrigin;
    let id = &resolution.instance_id;
    match resolution.origin {
        InstanceIdOrigin::Configured => {
            tracing::info!(target: "asyncgate_config", "Using configured instance ID: {id}");
        }
        InstanceIdOrigin::Detected => {
            let platform = resolution.platform.map(|p| p.key());
            tracing::info!(target: "asyncgate_config", platform, "Auto-detected instance ID: {id}");
        }
        InstanceIdOrigin::Default => {
            tracing::info!(target: "asyncgate_config", "Using default instance ID: {id}");
        }
        InstanceIdOrigin::Fallback => {
            tracing::info!(target: "asyncgate_config", "Using fallback instance ID: {id}");
        }
    }
}
