//! The environment snapshot: the process's variables (or a test's), read
//! once per load, and the [`EnvLookup`] view that detection reads.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;

/// The value of a set environment variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvValue<'a> {
    /// Set to UTF-8 text.
    Set(&'a str),
    /// Set, but not valid UTF-8.
    NotUnicode,
}

/// Read access to environment variables, so detection can run on any map.
pub trait EnvLookup {
    /// The variable's value; `None` when it is not set.
    fn lookup(&self, name: &str) -> Option<EnvValue<'_>>;
}

impl<S: std::hash::BuildHasher> EnvLookup for std::collections::HashMap<String, String, S> {
    fn lookup(&self, name: &str) -> Option<EnvValue<'_>> {
        self.get(name).map(|v| EnvValue::Set(v))
    }
}

/// A set of environment variables: the process's, or one a test injects.
#[derive(Clone, Debug, Default)]
pub(crate) struct Env {
    vars: HashMap<String, String>,
    /// Names whose values are not UTF-8.
    non_utf8: HashSet<String>,
}

impl Env {
    pub(crate) fn from_os<I, K, V>(vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let mut env = Env::default();
        for (name, value) in vars {
            // A variable whose name is not UTF-8 cannot be one of ours.
            let Ok(name) = name.into().into_string() else {
                continue;
            };
            match value.into().into_string() {
                Ok(value) => {
                    env.non_utf8.remove(&name);
                    env.vars.insert(name, value);
                }
                Err(_) => {
                    env.vars.remove(&name);
                    env.non_utf8.insert(name);
                }
            }
        }
        env
    }

    pub(crate) fn from_process() -> Self {
        Env::from_os(std::env::vars_os())
    }

    /// A UTF-8 value.
    pub(crate) fn vars_get(&self, name: &str) -> Option<&String> {
        self.vars.get(name)
    }

    /// Every variable name, UTF-8 values or not.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.vars
            .keys()
            .chain(self.non_utf8.iter())
            .map(String::as_str)
    }
}

impl EnvLookup for Env {
    fn lookup(&self, name: &str) -> Option<EnvValue<'_>> {
        match self.vars.get(name) {
            Some(v) => Some(EnvValue::Set(v)),
            None if self.non_utf8.contains(name) => Some(EnvValue::NotUnicode),
            None => None,
        }
    }
}
