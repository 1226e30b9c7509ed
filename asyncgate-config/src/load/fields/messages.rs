//! The findings a read makes: a value that does not parse, a required
//! setting that is not set; named by the setting's path and variable (an
//! element's own: `upstreams[1].url`, `ORDERS_UPSTREAMS_1_URL`).

use crate::provenance::Source;
use crate::report::Finding;
use crate::schema::FieldSchema;

pub(crate) fn invalid_value(
    field: &'static FieldSchema,
    source: &Source,
    message: &str,
) -> Finding {
    invalid_value_at(field, field.name(), field.env(), source, message)
}

/// A value of the setting `name` (read from `env`: the field's, or an
/// element's copy of it) that does not parse.
pub(super) fn invalid_value_at(
    field: &'static FieldSchema,
    name: &str,
    env: &str,
    source: &Source,
    message: &str,
) -> Finding {
    let remedy = match source {
        Source::Default => format!(
            "the `default` of `{}` in the #[gate(...)] attribute does not parse as {}: fix the attribute",
            name,
            field.type_label()
        ),
        Source::File { key, .. } => format!(
            "set `{key}` in the config file to a valid {}",
            field.type_label()
        ),
        Source::SecretFile { var, .. } => format!(
            "put a valid {} in the file named by {var}",
            field.type_label()
        ),
        Source::Override { origin } => format!(
            "give {} a valid {}",
            origin.as_deref().unwrap_or("`Loader::set`"),
            field.type_label()
        ),
        _ => format!("set {} to a valid {}", env, field.type_label()),
    };
    Finding::error(
        name,
        format!(
            "invalid value for `{}` ({}): {message}",
            name,
            field.type_label()
        ),
    )
    .with_env_var(match source {
        Source::SecretFile { var, .. } => var.as_ref(),
        _ => env,
    })
    .with_source(source.clone())
    .with_remedy(remedy)
}

pub(super) fn missing(
    field: &'static FieldSchema,
    name: &str,
    env: &str,
    how_to_set: &str,
) -> Finding {
    let how = format!("{how_to_set}, or key `{name}` in the config file");
    Finding::error(
        name,
        format!("`{name}` ({}) is required but not set", field.type_label()),
    )
    .with_env_var(env)
    .with_remedy(how)
}
