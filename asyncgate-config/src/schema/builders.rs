//! The builders the derive's generated code calls, in `const` context
//! (hidden from the docs: not an API of their own).

use std::sync::OnceLock;

use super::{FieldSchema, Role, Schema};
use crate::environment::Environment;

impl Schema {
    #[doc(hidden)]
    pub const fn __new(
        name: &'static str,
        prefix: &'static str,
        config_file_env: &'static str,
        doc: &'static str,
        fields: &'static [FieldSchema],
    ) -> Self {
        Schema {
            name,
            prefix,
            config_file_env,
            doc,
            own: fields,
            flat: OnceLock::new(),
            check_fn: None,
            deny_unknown: false,
            allow_unknown: &[],
            environment_names: &[],
            service_name: None,
            shapes: None,
            names: OnceLock::new(),
            repeated: OnceLock::new(),
        }
    }
    #[doc(hidden)]
    pub const fn __shapes(mut self, probe: fn() -> Vec<super::Shape>) -> Self {
        self.shapes = Some(probe);
        self
    }
    #[doc(hidden)]
    pub const fn __service_name(mut self, name: &'static str) -> Self {
        self.service_name = Some(name);
        self
    }
    #[doc(hidden)]
    pub const fn __environment_names(
        mut self,
        names: &'static [(&'static str, Environment)],
    ) -> Self {
        self.environment_names = names;
        self
    }
    #[doc(hidden)]
    pub const fn __deny_unknown(mut self) -> Self {
        self.deny_unknown = true;
        self
    }
    #[doc(hidden)]
    pub const fn __allow_unknown(mut self, patterns: &'static [&'static str]) -> Self {
        self.allow_unknown = patterns;
        self
    }
    #[doc(hidden)]
    pub const fn __check_fn(mut self, path: &'static str) -> Self {
        self.check_fn = Some(path);
        self
    }
}

impl FieldSchema {
    #[doc(hidden)]
    pub const fn __new(name: &'static str, env: &'static str, type_name: &'static str) -> Self {
        FieldSchema {
            name,
            env,
            env_exact: true,
            nested: None,
            section_check: None,
            repeat: super::Repeat::One,
            file_env: None,
            type_name,
            doc: "",
            aliases: &[],
            default: None,
            optional: false,
            secret: false,
            min_len: None,
            role: Role::Setting,
            required_in: &[],
            forbidden_in: &[],
        }
    }
}
