//! The variable-name indexes of a schema: which names a load looks up,
//! and which variables of the process can matter to it at all (tested for
//! every variable, so most are turned away by their length alone).

use super::Schema;
use crate::name_table::NameTable;
use crate::platform::Platform;

/// The variable names a load looks up, sorted, built on first use.
#[derive(Debug)]
pub(super) struct Names {
    /// Every variable a setting reads: `env`, `NAME_FILE`, the config-file
    /// variable; sorted (suggestions list them in this order).
    known: Box<[&'static str]>,
    /// Finds a name's index in `known`.
    known_table: NameTable,
    /// Variables outside `<PREFIX>_*` that a load reads: platform
    /// variables and settings' own `env = "..."` names.
    outside_prefix: Box<[&'static str]>,
    /// Finds a name's index in `outside_prefix`.
    outside_table: NameTable,
    /// Bit `n` is set when some name of `outside_prefix` has `n` bytes
    /// (bit 127 for every name of 127 bytes or more).
    outside_lengths: u128,
    /// `<PREFIX>_PLATFORM`, the operator's override of detection.
    platform_env: &'static str,
}

/// The bit of [`Names::outside_lengths`] for a name of `len` bytes.
pub(super) fn length_bit(len: usize) -> u128 {
    1 << len.min(127)
}

impl Schema {
    /// The indexes, built on first use.
    pub(super) fn names(&self) -> &Names {
        self.names.get_or_init(|| {
            // Built once per schema and kept for the process.
            let platform_env: &'static str =
                Box::leak(format!("{}_PLATFORM", self.prefix).into_boxed_str());
            let mut known: Vec<&'static str> = self
                .fields()
                .iter()
                .flat_map(|f| {
                    std::iter::once(f.env)
                        .chain(f.file_env)
                        .chain(f.aliases.iter().copied())
                })
                .chain([self.config_file_env, platform_env])
                .collect();
            known.sort_unstable();
            let mut outside_prefix: Vec<&'static str> = Platform::ENV_VARS
                .iter()
                .chain(crate::platform::FACT_VARS.iter())
                .copied()
                .chain(known.iter().copied())
                .filter(|name| !self.has_prefix(name.as_bytes()))
                .collect();
            outside_prefix.sort_unstable();
            outside_prefix.dedup();
            let table = |names: &[&'static str]| {
                // Repeated names (an alias that is also a platform's
                // variable) are found once; which index does not matter.
                NameTable::new(names.iter().map(|n| n.as_bytes()), &mut Vec::new())
            };
            // Never empty: a prefix is required and starts with a letter.
            debug_assert!(!self.prefix.is_empty());
            let outside_lengths = outside_prefix
                .iter()
                .fold(0, |bits, name| bits | length_bit(name.len()));
            Names {
                known_table: table(&known),
                outside_table: table(&outside_prefix),
                known: known.into(),
                outside_prefix: outside_prefix.into(),
                outside_lengths,
                platform_env,
            }
        })
    }

    /// Whether `name` is `<PREFIX>_` followed by something.
    pub(crate) fn has_prefix(&self, name: &[u8]) -> bool {
        let prefix = self.prefix.as_bytes();
        name.len() > prefix.len() + 1
            && name[0] == prefix[0]
            && name[prefix.len()] == b'_'
            && &name[..prefix.len()] == prefix
    }

    /// Whether some setting reads the variable `name`.
    pub(crate) fn is_known_var(&self, name: &str) -> bool {
        let names = self.names();
        names
            .known_table
            .find(name.as_bytes(), |i| names.known[i].as_bytes())
            .is_some()
    }

    /// Every variable some setting reads, sorted.
    pub(crate) fn known_vars(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.names().known.iter().copied()
    }

    /// Whether a variable can matter to a load of this schema: one of
    /// `<PREFIX>_*` (settings, and unknown names to warn about), a
    /// setting's own `env = "..."` name, or a variable detection reads.
    pub(crate) fn reads_var(&self, name: &[u8]) -> bool {
        // Called for every variable of the process: many are rejected by
        // their length alone, the rest by a hash search.
        if self.has_prefix(name) {
            return true;
        }
        let names = self.names();
        names.outside_lengths & length_bit(name.len()) != 0
            && names
                .outside_table
                .find(name, |i| names.outside_prefix[i].as_bytes())
                .is_some()
    }

    /// `<PREFIX>_PLATFORM`: a platform's key forces that platform's
    /// detection, `none` switches detection off.
    pub fn platform_env(&self) -> &'static str {
        self.names().platform_env
    }
}
