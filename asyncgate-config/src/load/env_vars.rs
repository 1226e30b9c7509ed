//! The environment snapshot: the process's variables (or a test's), read
//! once per load, and the [`EnvLookup`] view that detection reads.

use std::ffi::OsString;
use std::ops::Range;

use crate::name_table::NameTable;

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

/// The variables of one load that a setting or detection can read: the
/// process's, or a test's. Everything else is dropped when the snapshot is
/// taken, so a large environment costs little.
#[derive(Clone, Debug, Default)]
pub(crate) struct EnvVars {
    /// The names and values kept, one after the other: one allocation
    /// for them all, not two per variable.
    text: String,
    /// In the order read, each name once.
    vars: Vec<Var>,
    /// Finds a name's index in `vars`.
    table: NameTable,
}

/// Where one variable is in [`EnvVars::text`].
#[derive(Clone, Debug)]
struct Var {
    name: Range<usize>,
    /// `None` for a value that is not UTF-8.
    value: Option<Range<usize>>,
}

impl EnvVars {
    /// A snapshot of `vars`, keeping the names `relevant` accepts (the
    /// last value of a repeated name wins).
    pub(crate) fn from_os<I, K, V>(vars: I, relevant: &dyn Fn(&[u8]) -> bool) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let mut env = EnvVars::default();
        for (name, value) in vars {
            let name = name.into();
            if !relevant(name.as_encoded_bytes()) {
                continue;
            }
            // A variable whose name is not UTF-8 cannot be one of ours.
            if let Some(name) = name.to_str() {
                env.push(name, value.into().to_str());
            }
        }
        env.indexed()
    }

    /// A snapshot of the process's variables that `relevant` accepts,
    /// from std's copy of them all (std holds its lock around the
    /// environment while it copies; reading it in place would need
    /// `unsafe`, which no crate of ours has).
    pub(crate) fn from_process(relevant: &dyn Fn(&[u8]) -> bool) -> Self {
        EnvVars::from_os(std::env::vars_os(), relevant)
    }

    fn push(&mut self, name: &str, value: Option<&str>) {
        if self.vars.capacity() == 0 {
            // Enough for a typical service's variables without growing.
            self.text.reserve(2048);
            self.vars.reserve(32);
        }
        let mut range = |text: &str| {
            let start = self.text.len();
            self.text.push_str(text);
            start..self.text.len()
        };
        let var = Var {
            name: range(name),
            value: value.map(range),
        };
        self.vars.push(var);
    }

    fn name(&self, index: usize) -> &str {
        &self.text[self.vars[index].name.clone()]
    }

    /// Indexed for search; among repeated names the last one wins.
    fn indexed(mut self) -> Self {
        let mut shadowed = Vec::new();
        self.table = NameTable::new(
            (0..self.vars.len()).map(|i| self.name(i).as_bytes()),
            &mut shadowed,
        );
        if shadowed.is_empty() {
            return self;
        }
        // Rare: a repeated name. Keep the last of each, and index again.
        let mut index = 0;
        self.vars.retain(|_| {
            index += 1;
            shadowed.binary_search(&(index - 1)).is_err()
        });
        self.indexed()
    }

    /// The value of `name`: `Some(None)` when it is set but not UTF-8.
    fn get(&self, name: &str) -> Option<Option<&str>> {
        let index = self
            .table
            .find(name.as_bytes(), |i| self.name(i).as_bytes())?;
        Some(self.vars[index].value.clone().map(|v| &self.text[v]))
    }

    /// A UTF-8 value.
    pub(crate) fn vars_get(&self, name: &str) -> Option<&str> {
        self.get(name).flatten()
    }

    /// Every variable name kept, UTF-8 values or not, in the order read.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        (0..self.vars.len()).map(|i| self.name(i))
    }
}

impl EnvLookup for EnvVars {
    fn lookup(&self, name: &str) -> Option<EnvValue<'_>> {
        self.get(name).map(|v| match v {
            Some(v) => EnvValue::Set(v),
            None => EnvValue::NotUnicode,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_relevant_names_and_the_last_of_repeated_ones() {
        let env = EnvVars::from_os(
            [
                ("APP_A", "1"),
                ("OTHER", "x"),
                ("APP_B", "2"),
                ("APP_A", "3"),
            ],
            &|n| n.starts_with(b"APP_"),
        );
        let mut names: Vec<&str> = env.names().collect();
        names.sort_unstable();
        assert_eq!(names, ["APP_A", "APP_B"]);
        assert_eq!(env.vars_get("APP_A"), Some("3"));
        assert_eq!(env.lookup("OTHER"), None);
    }

    proptest::proptest! {
        /// Against a map built the obvious way: the relevant names, the
        /// last value of each, values that are not UTF-8 marked as such.
        #[test]
        fn the_snapshot_agrees_with_a_map(
            vars in proptest::collection::vec(
                ("(APP_|OTHER_)[AB]{0,3}", proptest::option::of("[a-z=]{0,4}")),
                0..40,
            ),
        ) {
            #[cfg(unix)]
            let os = |v: &Option<String>| -> OsString {
                use std::os::unix::ffi::OsStringExt;
                v.clone().map_or_else(|| OsString::from_vec(vec![0xff]), OsString::from)
            };
            #[cfg(not(unix))]
            let os = |v: &Option<String>| OsString::from(v.clone().unwrap_or_default());
            let env = EnvVars::from_os(
                vars.iter().map(|(n, v)| (OsString::from(n), os(v))),
                &|n| n.starts_with(b"APP_"),
            );
            let mut model = std::collections::HashMap::new();
            for (name, value) in vars.iter().filter(|(n, _)| n.starts_with("APP_")) {
                let value = if cfg!(unix) { value.as_deref() } else { Some(value.as_deref().unwrap_or("")) };
                model.insert(name.as_str(), value);
            }
            let mut names: Vec<&str> = env.names().collect();
            names.sort_unstable();
            let mut expected: Vec<&str> = model.keys().copied().collect();
            expected.sort_unstable();
            proptest::prop_assert_eq!(names, expected);
            for (name, value) in &model {
                let found = env.lookup(name);
                let wanted = Some(value.map_or(EnvValue::NotUnicode, EnvValue::Set));
                proptest::prop_assert_eq!(found, wanted, "{}", name);
            }
            proptest::prop_assert_eq!(env.lookup("OTHER_A"), None);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_value_that_is_not_utf8_is_kept_as_such() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![0xff, 0xfe]);
        let env = EnvVars::from_os([(OsString::from("APP_X"), bad)], &|_| true);
        assert_eq!(env.lookup("APP_X"), Some(EnvValue::NotUnicode));
        assert_eq!(env.vars_get("APP_X"), None);
    }
}
