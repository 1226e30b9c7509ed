//! The checked model: what the `check` module produces from the parsed attributes
//! once every rule holds, and what `expand.rs` emits code from.

use syn::Type;

use crate::attr::DefaultLit;

/// A struct whose attributes passed every check.
pub(crate) struct Model<'a> {
    pub(crate) input: &'a syn::DeriveInput,
    /// The team's own environment names, with the variant of their tier.
    pub(crate) environment_names: Vec<(String, &'static str)>,
    pub(crate) deny_unknown: bool,
    /// `allow_unknown` patterns: a name, or a prefix ending in `*`.
    pub(crate) allow_unknown: Vec<String>,
    /// `#[gate(section)]`: implements `Section`, not `GateConfig`.
    pub(crate) section: bool,
    /// Whether some field is `#[gate(nested)]`.
    pub(crate) has_nested: bool,
    pub(crate) doc: &'a str,
    pub(crate) prefix: String,
    /// `service_name = "..."`, checked.
    pub(crate) service_name: Option<String>,
    pub(crate) check: Option<&'a syn::Path>,
    /// The runtime crate's path: `::asyncgate_config` unless `crate = "..."`.
    pub(crate) krate: proc_macro2::TokenStream,
    pub(crate) fields: Vec<FieldModel<'a>>,
}

pub(crate) enum Role {
    Setting,
    Environment,
    InstanceId {
        detect: Vec<&'static str>,
        strict: bool,
    },
}

pub(crate) struct FieldModel<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) name: String,
    pub(crate) ty: &'a Type,
    pub(crate) env: String,
    pub(crate) secret: bool,
    /// `#[gate(secret)]` was written (its type is checked at compile time).
    pub(crate) secret_attr: bool,
    /// `min_len = N` with `secret`.
    pub(crate) min_len: Option<u32>,
    pub(crate) doc: &'a str,
    pub(crate) default: Option<&'a DefaultLit>,
    /// The type a typed default literal must have (the `T` of `Option<T>`).
    pub(crate) default_ty: &'a Type,
    pub(crate) optional: bool,
    pub(crate) role: Role,
    /// Environment names: tiers, or the struct's own `names(...)`.
    pub(crate) required_in: Vec<String>,
    pub(crate) forbidden_in: Vec<String>,
    pub(crate) aliases: Vec<String>,
    /// In a section, `env` is a segment that the enclosing names compose.
    pub(crate) relative: bool,
    /// `#[gate(nested)]`: the field holds a section.
    pub(crate) nested: bool,
}

impl FieldModel<'_> {
    pub(crate) fn file_env(&self) -> Option<String> {
        self.secret.then(|| format!("{}_FILE", self.env))
    }
}
