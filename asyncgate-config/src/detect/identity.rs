//! Choosing the instance id: a configured value other than the default
//! wins; otherwise detection over the platforms in order; otherwise the
//! default in development, else `<hostname>-<random 8>`.

use std::ops::ControlFlow;

use crate::environment::Environment;
use crate::instance_id::InstanceId;
use crate::load::{EnvLookup, EnvValue};
use crate::load::{Key, Layers, Raw, invalid_value};
use crate::platform::Platform;
use crate::provenance::{DetectionOverride, InstanceIdOrigin, PlatformId, Source, TraceStep};
use crate::random;
use crate::report::Finding;
use crate::schema::{FieldSchema, Role, Schema};

/// The chosen id and how it was obtained.
#[derive(Debug)]
pub(crate) struct Identity {
    /// The instance-id field's index in the schema.
    pub(crate) index: usize,
    pub(crate) id: InstanceId,
    pub(crate) origin: InstanceIdOrigin,
    pub(crate) source: Source,
    pub(crate) platform: Option<Platform>,
    pub(crate) trace: Vec<TraceStep>,
    /// What detection found on this replica's platform, whether or not it
    /// gave the id: a configured id is compared with it.
    pub(crate) platform_id: Option<PlatformId>,
    /// The operator's override of detection, if set.
    pub(crate) detection_override: Option<DetectionOverride>,
}

/// Chooses the id of a schema's `instance_id` field. `None` when the schema
/// has none, or when a configured value is invalid (the reason is pushed
/// to `findings`). Three phases, the first that decides wins.
pub(crate) fn identify(
    schema: &'static Schema,
    layers: &Layers,
    environment: Option<Environment>,
    hostname: &dyn Fn() -> Option<String>,
    random: &mut dyn FnMut() -> u64,
    findings: &mut Vec<Finding>,
) -> Option<Identity> {
    let index = schema.index_of(|r| matches!(r, Role::InstanceId { .. }))?;
    let field = &schema.fields()[index];
    let Role::InstanceId { detect: listed, .. } = field.role() else {
        return None;
    };
    // The operator may force one platform, or switch detection off.
    let detection_override = match detection_override(schema, layers, findings) {
        Ok(chosen) => chosen,
        Err(()) => return None,
    };
    let forced;
    let platforms: &[Platform] = match detection_override {
        None => listed,
        Some(DetectionOverride::Forced(platform)) => {
            forced = [platform];
            &forced
        }
        Some(DetectionOverride::Off) => &[],
    };
    // 1. A configured value other than the default wins.
    if let ControlFlow::Break(chosen) =
        configured_id(index, field, platforms, layers, random, findings)
    {
        return chosen.map(|identity| Identity {
            detection_override,
            ..identity
        });
    }
    // 2. Detection over the platforms, in order.
    let detection = super::detect(platforms, &layers.env, random);
    if let (Some(DetectionOverride::Forced(platform)), None) =
        (detection_override, &detection.found)
    {
        findings.push(
            Finding::warning(
                "",
                format!(
                    "{}={} forces {} detection, but it found no id here: {}",
                    schema.platform_env(),
                    platform.key(),
                    platform.display_name(),
                    detection
                        .trace
                        .first()
                        .map_or_else(String::new, ToString::to_string)
                ),
            )
            .with_env_var(schema.platform_env())
            .with_remedy(format!(
                "unset {} to detect the platform, or set it to the platform this runs on",
                schema.platform_env()
            )),
        );
    }
    if let Some(found) = detection.found {
        let (platform, var, id) = found.clone();
        return Some(Identity {
            index,
            id,
            origin: InstanceIdOrigin::Detected,
            source: Source::Detected { platform, var },
            platform: Some(platform),
            trace: detection.trace,
            platform_id: Some(PlatformId::from(found)),
            detection_override,
        });
    }
    // 3. No platform: the default in development, else hostname + random.
    let development = environment.is_none_or(Environment::is_development);
    let (id, origin, source) = match (development, field.default()) {
        (true, Some(default)) => match default.parse::<InstanceId>() {
            Ok(id) => (id, InstanceIdOrigin::Default, Source::Default),
            Err(e) => {
                findings.push(invalid_value(field, &Source::Default, &e.to_string()));
                return None;
            }
        },
        _ => (
            fallback_id(hostname, random),
            InstanceIdOrigin::Fallback,
            Source::Fallback,
        ),
    };
    Some(Identity {
        index,
        id,
        origin,
        source,
        platform: None,
        trace: detection.trace,
        platform_id: None,
        detection_override,
    })
}

/// `<PREFIX>_PLATFORM`, read from the process environment (where the
/// platforms' own variables are): a platform's key forces that platform,
/// `none` switches detection off, anything else is an error listing the
/// keys (`Err`, the finding pushed).
fn detection_override(
    schema: &'static Schema,
    layers: &Layers,
    findings: &mut Vec<Finding>,
) -> Result<Option<DetectionOverride>, ()> {
    let var = schema.platform_env();
    let text = match EnvLookup::lookup(&layers.env, var) {
        None => return Ok(None),
        Some(EnvValue::Set(text)) => text.trim(),
        Some(EnvValue::NotUnicode) => "",
    };
    if text.is_empty() {
        return Ok(None);
    }
    if text.eq_ignore_ascii_case("none") {
        return Ok(Some(DetectionOverride::Off));
    }
    if let Some(platform) = Platform::ALL
        .into_iter()
        .find(|p| p.key().eq_ignore_ascii_case(text))
    {
        return Ok(Some(DetectionOverride::Forced(platform)));
    }
    let keys = Platform::ALL.iter().map(|p| p.key()).chain(["none"]);
    let hint = crate::text::suggest_value(text, keys.clone())
        .map(|key| format!(" (did you mean `{key}`?)"))
        .unwrap_or_default();
    let list: Vec<String> = keys.map(|k| format!("`{k}`")).collect();
    findings.push(
        Finding::error(
            "",
            format!(
                "{var}={} is not a platform{hint}: expected one of {}",
                crate::text::quote_input(text),
                list.join(", ")
            ),
        )
        .with_env_var(var)
        .with_remedy(format!(
            "set {var} to a platform's key to force its detection, to `none` to switch detection off, or unset it"
        )),
    );
    Err(())
}

/// Phase 1: a configured id other than the default decides (`Break` with
/// it, or with `None` when it is invalid); the default set explicitly, or
/// nothing set, goes on to detection (`Continue`).
fn configured_id(
    index: usize,
    field: &'static FieldSchema,
    platforms: &[Platform],
    layers: &Layers,
    random: &mut dyn FnMut() -> u64,
    findings: &mut Vec<Finding>,
) -> ControlFlow<Option<Identity>> {
    let (raw, source) = match layers.configured(Key::field(field), findings) {
        Err(finding) => {
            findings.push(*finding);
            return ControlFlow::Break(None);
        }
        Ok(Some(configured)) => configured,
        Ok(None) => return ControlFlow::Continue(()),
    };
    let text = match &raw {
        Raw::Str(s) => Some(&**s),
        Raw::Toml(toml::Value::String(s)) => Some(s.as_str()),
        Raw::Toml(_) => None,
    };
    match text.map(str::parse::<InstanceId>) {
        Some(Ok(id)) if Some(id.as_str()) != field.default() => {
            // Detection still runs, for the shared-id rule: a configured
            // id that overrides the platform's own per-replica id may be
            // shared by every replica.
            let found = super::detect(platforms, &layers.env, random).found;
            ControlFlow::Break(Some(Identity {
                index,
                id,
                origin: InstanceIdOrigin::Configured,
                source,
                platform: None,
                trace: Vec::new(),
                platform_id: found.map(PlatformId::from),
                detection_override: None,
            }))
        }
        // The default set explicitly: treated as not configured.
        Some(Ok(_)) => ControlFlow::Continue(()),
        Some(Err(e)) => {
            findings.push(invalid_value(field, &source, &e.to_string()));
            ControlFlow::Break(None)
        }
        None => {
            findings.push(invalid_value(field, &source, "expected a string"));
            ControlFlow::Break(None)
        }
    }
}

/// `<normalised hostname>-<random 8>`, `instance-<random 8>` without a hostname.
fn fallback_id(
    hostname: &dyn Fn() -> Option<String>,
    random: &mut dyn FnMut() -> u64,
) -> InstanceId {
    let host = hostname()
        .and_then(|h| InstanceId::normalize(&h))
        .map_or_else(
            || "instance".to_owned(),
            |h| h.as_str().chars().take(InstanceId::MAX_LEN - 9).collect(),
        );
    InstanceId::normalize(&format!("{host}-{}", random::suffix(random)))
        .expect("a normalised hostname and a random suffix form a valid id")
}
