//! The environment snapshot: the process's variables (or a test's), read
//! once per load, and the [`EnvLookup`] view that detection reads.

use std::ffi::OsString;

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
pub(crate) struct Env {
    /// In the order read, each name once; `None` for a value that is not
    /// UTF-8.
    vars: Vec<(String, Option<String>)>,
    /// Finds a name's index in `vars`.
    table: NameTable,
}

impl Env {
    /// A snapshot of `vars`, keeping the names `relevant` accepts (the
    /// last value of a repeated name wins).
    pub(crate) fn from_os<I, K, V>(vars: I, relevant: &dyn Fn(&[u8]) -> bool) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        let mut kept: Vec<(String, Option<String>)> = Vec::new();
        for (name, value) in vars {
            let name = name.into();
            if !relevant(name.as_encoded_bytes()) {
                continue;
            }
            // A variable whose name is not UTF-8 cannot be one of ours.
            if let Ok(name) = name.into_string() {
                kept.push((name, value.into().into_string().ok()));
            }
        }
        Env::indexed(kept)
    }

    /// A snapshot of the process's variables that `relevant` accepts: read
    /// in place where that is sound (see [`environ`](super::environ)),
    /// else from std's copy of them all.
    pub(crate) fn from_process(relevant: &dyn Fn(&[u8]) -> bool) -> Self {
        let mut kept: Vec<(String, Option<String>)> = Vec::new();
        let in_place = super::environ::for_each(|name, value| {
            if relevant(name)
                && let Ok(name) = std::str::from_utf8(name)
            {
                let value = std::str::from_utf8(value()).ok().map(str::to_owned);
                kept.push((name.to_owned(), value));
            }
        });
        match in_place {
            Some(()) => Env::indexed(kept),
            None => Env::from_os(std::env::vars_os(), relevant),
        }
    }

    /// Indexed for search; among repeated names the last one wins.
    fn indexed(mut kept: Vec<(String, Option<String>)>) -> Self {
        let mut shadowed = Vec::new();
        let table = NameTable::new(kept.iter().map(|(n, _)| n.as_bytes()), &mut shadowed);
        if shadowed.is_empty() {
            return Env { vars: kept, table };
        }
        // Rare: a repeated name. Keep the last of each, and index again.
        let mut index = 0;
        kept.retain(|_| {
            index += 1;
            shadowed.binary_search(&(index - 1)).is_err()
        });
        Env::indexed(kept)
    }

    fn get(&self, name: &str) -> Option<&Option<String>> {
        self.table
            .find(name.as_bytes(), |i| self.vars[i].0.as_bytes())
            .map(|i| &self.vars[i].1)
    }

    /// A UTF-8 value.
    pub(crate) fn vars_get(&self, name: &str) -> Option<&String> {
        self.get(name).and_then(Option::as_ref)
    }

    /// Every variable name kept, UTF-8 values or not, in the order read.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.iter().map(|(n, _)| n.as_str())
    }
}

impl EnvLookup for Env {
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
        let env = Env::from_os(
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
        assert_eq!(env.vars_get("APP_A").map(String::as_str), Some("3"));
        assert_eq!(env.lookup("OTHER"), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_value_that_is_not_utf8_is_kept_as_such() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![0xff, 0xfe]);
        let env = Env::from_os([(OsString::from("APP_X"), bad)], &|_| true);
        assert_eq!(env.lookup("APP_X"), Some(EnvValue::NotUnicode));
        assert_eq!(env.vars_get("APP_X"), None);
    }
}
