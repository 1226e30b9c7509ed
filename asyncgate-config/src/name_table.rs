//! A hash index of variable names, for the searches every load makes: is
//! this process variable one a setting or a platform reads, and what is
//! the value of this setting's variable.
//!
//! Names of the same length that share a prefix (`APP_PORT`, `APP_HOST`)
//! made binary searches compare bytes at almost every step: a fifth of a
//! load's time went to `memcmp`. Here a name costs one hash of at most 16
//! of its bytes and, on a hit, one comparison.

/// Slots of indices into a list of names kept by the caller; open
/// addressing with linear probing, at most half full.
#[derive(Clone, Debug, Default)]
pub(crate) struct NameTable {
    /// `index + 1`, or 0 for an empty slot. Empty when there are no names.
    slots: Box<[u32]>,
}

impl NameTable {
    /// A table of `names` (indices `0..names.len()`). Where a name occurs
    /// more than once the table finds its last index, and
    /// `shadowed` lists the indices it no longer finds, in order.
    pub(crate) fn new<'n>(
        names: impl ExactSizeIterator<Item = &'n [u8]> + Clone,
        shadowed: &mut Vec<usize>,
    ) -> Self {
        let len = names.len();
        if len == 0 {
            return NameTable::default();
        }
        let mut table = NameTable {
            slots: vec![0; (len * 2).next_power_of_two().max(8)].into_boxed_slice(),
        };
        let all: Vec<&[u8]> = names.collect();
        for (index, name) in all.iter().enumerate() {
            let mut slot = table.first_slot(name);
            loop {
                match table.slots[slot] {
                    0 => {
                        table.slots[slot] = index as u32 + 1;
                        break;
                    }
                    taken if all[taken as usize - 1] == *name => {
                        shadowed.push(taken as usize - 1);
                        table.slots[slot] = index as u32 + 1;
                        break;
                    }
                    _ => slot = (slot + 1) & (table.slots.len() - 1),
                }
            }
        }
        shadowed.sort_unstable();
        table
    }

    /// The index of `name`, comparing it with the names the table was
    /// built from, `name_at(index)`.
    pub(crate) fn find<'n>(
        &self,
        name: &[u8],
        name_at: impl Fn(usize) -> &'n [u8],
    ) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mut slot = self.first_slot(name);
        loop {
            match self.slots[slot] {
                0 => return None,
                taken => {
                    let index = taken as usize - 1;
                    if name_at(index) == name {
                        return Some(index);
                    }
                }
            }
            slot = (slot + 1) & (self.slots.len() - 1);
        }
    }

    fn first_slot(&self, name: &[u8]) -> usize {
        let bits = self.slots.len().trailing_zeros();
        (hash(name) >> (64 - bits)) as usize
    }
}

/// A hash of the length and of the first and last 8 bytes of `name`
/// (all of it when shorter): variable names differ there.
fn hash(name: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let word = |bytes: &[u8]| {
        let mut buf = [0u8; 8];
        buf[..bytes.len()].copy_from_slice(bytes);
        u64::from_le_bytes(buf)
    };
    let n = name.len();
    let (head, tail) = if n > 8 {
        (word(&name[..8]), word(&name[n - 8..]))
    } else {
        (word(name), 0)
    };
    let mixed = (head ^ tail.rotate_left(31) ^ (n as u64)).wrapping_mul(K);
    (mixed ^ (mixed >> 29)).wrapping_mul(K)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(names: &[&str]) -> (NameTable, Vec<usize>) {
        let mut shadowed = Vec::new();
        let table = NameTable::new(names.iter().map(|n| n.as_bytes()), &mut shadowed);
        (table, shadowed)
    }

    #[test]
    fn finds_every_name_and_nothing_else() {
        // Same lengths, shared prefixes and suffixes, short and long names.
        let names: Vec<String> = (0..300)
            .map(|i| format!("APP_{}_{i}", "X".repeat(i % 13)))
            .chain(["A", "B", "AB", "APP_", "", "APP_PORT", "APP_HOST"].map(String::from))
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let (table, shadowed) = table(&refs);
        assert!(shadowed.is_empty());
        for (index, name) in refs.iter().enumerate() {
            assert_eq!(
                table.find(name.as_bytes(), |i| refs[i].as_bytes()),
                Some(index),
                "{name}"
            );
        }
        for absent in [
            "APP_PORTS",
            "APP_POR",
            "C",
            "APP_X_2",
            "app_port",
            "APP_XXXXXXXXXXXXX_300",
        ] {
            assert_eq!(
                table.find(absent.as_bytes(), |i| refs[i].as_bytes()),
                None,
                "{absent}"
            );
        }
    }

    #[test]
    fn a_repeated_name_finds_its_last_index_and_reports_the_others() {
        let names = ["A", "B", "A", "C", "A"];
        let (table, shadowed) = table(&names);
        assert_eq!(table.find(b"A", |i| names[i].as_bytes()), Some(4));
        assert_eq!(shadowed, [0, 2]);
    }

    proptest::proptest! {
        /// Against a map: every name finds its last index, every other
        /// name finds nothing, and the shadowed indices are exactly the
        /// earlier occurrences. Names are drawn from a small alphabet so
        /// that repeats, shared prefixes and equal lengths are common.
        #[test]
        fn agrees_with_a_map(
            names in proptest::collection::vec("[AB_]{0,12}", 0..60),
            probes in proptest::collection::vec("[AB_]{0,12}", 0..20),
        ) {
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let (table, shadowed) = table(&refs);
            let mut last = std::collections::HashMap::new();
            for (index, name) in refs.iter().enumerate() {
                last.insert(*name, index);
            }
            for name in refs.iter().copied().chain(probes.iter().map(String::as_str)) {
                proptest::prop_assert_eq!(
                    table.find(name.as_bytes(), |i| refs[i].as_bytes()),
                    last.get(name).copied()
                );
            }
            let mut expected: Vec<usize> =
                (0..refs.len()).filter(|i| last[refs[*i]] != *i).collect();
            expected.sort_unstable();
            proptest::prop_assert_eq!(shadowed, expected);
        }
    }

    #[test]
    fn an_empty_table_finds_nothing() {
        let (table, _) = table(&[]);
        assert_eq!(table.find(b"A", |_| unreachable!()), None);
    }
}
