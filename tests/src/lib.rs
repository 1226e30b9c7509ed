//! Tests of the workspace: trybuild UI cases and end-to-end runs of the `asyncgate` binary.
#![forbid(unsafe_code)]

/// The workspace README's examples, run as doctests (the published crate
/// runs its own README's).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct WorkspaceReadme;

/// The derive's attribute reference (its rustdoc), run as doctests here,
/// where the runtime is (a proc-macro crate cannot run them).
#[cfg(doctest)]
#[doc = include_str!("../../asyncgate-config-derive/ATTRIBUTES.md")]
struct DeriveAttributeReference;
