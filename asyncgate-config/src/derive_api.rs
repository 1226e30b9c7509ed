//! Not public API: what generated code reaches (`__private_0_1`), and the
//! version check every derive emits first (`__version`). The crate root
//! re-exports both, hidden.

/// Not public API: what `#[derive(GateConfig)]` expands to reaches through
/// here. The name carries the version (`0.1`), so a derive and a runtime
/// of different versions fail to compile instead of misbehaving.
#[doc(hidden)]
pub mod __private_0_1 {
    use secrecy::SecretString;
    use serde::de::DeserializeOwned;

    pub use crate::Section;
    pub use crate::load::fields::FieldReader;
    pub use crate::schema::Shape;

    /// A type a setting can have: generated code resolves each field
    /// through it, so a type that cannot be read gets this message on the
    /// field, not a bound deep in the reader.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be the type of a setting: it does not implement `serde::Deserialize`",
        label = "a setting's type must implement `serde::Deserialize`",
        note = "derive it (`#[derive(serde::Deserialize)]`), or use a type that has it: integers, floats, `bool`, `String`, `PathBuf`, `Option<T>`, `Vec<T>`, `SecretString`, `Environment`, `InstanceId`, or an enum of unit variants"
    )]
    pub trait Setting: Sized {
        /// Resolves the field at `index` as `Self`.
        fn resolve(reader: &mut FieldReader<'_>, index: usize) -> Option<Self>;
    }

    #[diagnostic::do_not_recommend]
    impl<T: DeserializeOwned> Setting for T {
        fn resolve(reader: &mut FieldReader<'_>, index: usize) -> Option<Self> {
            reader.field::<T>(index)
        }
    }

    /// Whether a setting counts as on, for `forbidden_in`.
    #[diagnostic::on_unimplemented(
        message = "`forbidden_in` needs a `bool`, `Option<T>` or `Vec<T>` field, not `{Self}`",
        label = "`forbidden_in` cannot tell whether this type is on or off"
    )]
    pub trait IsSet {
        /// `true` when the setting is on or present.
        fn is_set(&self) -> bool;
    }

    impl IsSet for bool {
        fn is_set(&self) -> bool {
            *self
        }
    }

    impl<T> IsSet for Option<T> {
        fn is_set(&self) -> bool {
            self.is_some()
        }
    }

    impl<T> IsSet for Vec<T> {
        fn is_set(&self) -> bool {
            !self.is_empty()
        }
    }

    /// Whether an `Option<T>` setting is present, for `required_in`.
    #[diagnostic::on_unimplemented(
        message = "`required_in` needs an `Option<T>` field, not `{Self}`",
        label = "this type cannot be unset"
    )]
    pub trait Optional {
        /// `true` for `Some`.
        fn is_some_value(&self) -> bool;
    }

    impl<T> Optional for Option<T> {
        fn is_some_value(&self) -> bool {
            self.is_some()
        }
    }

    /// Compile-time check that a field type is a secret type.
    #[diagnostic::on_unimplemented(
        message = "`#[gate(secret)]` needs a field of type `SecretString` or `Secret<T>` (or an `Option` of one), not `{Self}`",
        label = "not a secret type: use `asyncgate_config::SecretString`, or `asyncgate_config::Secret<T>` for another type"
    )]
    pub trait SecretField {
        /// Evaluated by generated code: compiles only for secret types.
        const OK: ();
    }
    impl SecretField for SecretString {
        const OK: () = ();
    }
    impl SecretField for Option<SecretString> {
        const OK: () = ();
    }
    impl<T> SecretField for crate::Secret<T> {
        const OK: () = ();
    }
    impl<T> SecretField for Option<crate::Secret<T>> {
        const OK: () = ();
    }

    /// The flat index of own field `index` of `fields` (settings of the
    /// sections before it counted), for a struct with sections.
    pub const fn flat_offset(fields: &[crate::FieldSchema], index: usize) -> usize {
        crate::schema::flat_offset(fields, index)
    }

    /// Fails to compile (evaluated in a `const`) when two settings of a
    /// struct with sections read the same variable.
    pub const fn assert_distinct_vars(config_file_env: &str, fields: &[crate::FieldSchema]) {
        crate::var_names::assert_distinct(config_file_env, fields);
    }

    /// Fails to compile (evaluated in a `const`) when a list or map of
    /// sections holds a list or map of sections.
    pub const fn assert_repeats_not_nested(fields: &[crate::FieldSchema]) {
        crate::repeat_nesting::assert_not_nested(fields);
    }

    /// Fails to compile (evaluated in a `const`) when a `required_in` or
    /// `forbidden_in` inside a section names an environment that the
    /// loaded struct does not have.
    pub const fn assert_rule_environments(fields: &[crate::FieldSchema], names: &[&str]) {
        crate::rule_envs::assert_known(fields, names);
    }

    /// Whether a `default = "..."` of a `Duration` field parses: evaluated
    /// in a `const` by generated code, so a bad literal fails to compile.
    pub const fn duration_is_valid(text: &str) -> bool {
        crate::duration::is_valid(text)
    }
}

/// Not public API: the version check every derive emits first. It is not
/// versioned itself, so a mismatched derive finds it and gets a message
/// that names both versions.
#[doc(hidden)]
pub mod __version {
    /// The version of `asyncgate-config-derive` that expanded a derive.
    #[derive(Debug)]
    pub struct DeriveVersion<const MAJOR: u64, const MINOR: u64>;

    /// Implemented only for the derive version this runtime matches.
    #[diagnostic::on_unimplemented(
        message = "`#[derive(GateConfig)]` was expanded by a different version of asyncgate-config-derive (`{Self}`) than this asyncgate-config (0.1)",
        label = "derive and runtime versions differ",
        note = "depend on `asyncgate-config` alone and use its re-export `asyncgate_config::GateConfig`: it always brings the matching derive"
    )]
    pub trait MatchesRuntime {
        /// Evaluated by the derive's output.
        const OK: ();
    }

    impl MatchesRuntime for DeriveVersion<0, 1> {
        const OK: () = ();
    }
}

#[cfg(test)]
mod version_tests {
    /// Renaming `__private_0_1` and the `DeriveVersion<0, 1>` impl is part
    /// of a version bump: this fails until both follow the package version.
    #[test]
    fn private_module_and_version_check_follow_the_package_version() {
        let mut parts = env!("CARGO_PKG_VERSION").split('.');
        let (major, minor) = (parts.next().unwrap(), parts.next().unwrap());
        let lib = include_str!("derive_api.rs");
        assert!(lib.contains(&format!("pub mod __private_{major}_{minor} {{")));
        assert!(lib.contains(&format!(
            "impl MatchesRuntime for DeriveVersion<{major}, {minor}> {{"
        )));
        assert!(lib.contains(&format!("than this asyncgate-config ({major}.{minor})")));
    }
}
