//! The random source behind id suffixes (Cloud Run services, the fallback
//! id): a seed or a function, so that callers are not tied to any version
//! of `rand`, and tests are repeatable.

use std::fmt;
use std::hash::{BuildHasher, Hasher};

/// Where random numbers come from: the OS (by default), a fixed seed, or a
/// caller's function.
pub(crate) enum Random {
    /// Seeded from the OS on first use.
    Os(Option<SplitMix64>),
    /// A repeatable sequence.
    Seeded(SplitMix64),
    /// The caller's source.
    Func(Box<dyn FnMut() -> u64 + Send>),
}

impl Random {
    pub(crate) fn next_u64(&mut self) -> u64 {
        match self {
            Random::Os(state) => state.get_or_insert_with(SplitMix64::from_os).next(),
            Random::Seeded(state) => state.next(),
            Random::Func(f) => f(),
        }
    }
}

impl Default for Random {
    fn default() -> Self {
        Random::Os(None)
    }
}

impl fmt::Debug for Random {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Random::Os(_) => "Random::Os",
            Random::Seeded(_) => "Random::Seeded",
            Random::Func(_) => "Random::Func",
        })
    }
}

/// SplitMix64: small, fast, and good enough for id suffixes (they need to
/// differ between replicas, not to resist an attacker).
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// Seeded from the OS: std's `RandomState` keys its hasher with random
    /// bytes from the OS, once per process.
    fn from_os() -> Self {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        hasher.write_u32(std::process::id());
        SplitMix64(hasher.finish())
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Eight random characters of `[a-z0-9]`.
pub(crate) fn suffix(random: &mut dyn FnMut() -> u64) -> String {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bits = random();
    (0..8)
        .map(|_| {
            let c = ALPHABET[(bits % 36) as usize] as char;
            bits /= 36;
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_sources_repeat_and_os_sources_differ() {
        let mut a = Random::Seeded(SplitMix64::new(7));
        let mut b = Random::Seeded(SplitMix64::new(7));
        let first: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..4).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_eq!(
            first.iter().collect::<std::collections::HashSet<_>>().len(),
            4
        );
        let mut os1 = Random::default();
        let mut os2 = Random::default();
        assert_ne!(os1.next_u64(), os2.next_u64());
    }

    #[test]
    fn suffixes_are_eight_characters_of_the_alphabet() {
        let mut n = 0u64;
        let mut counter = || {
            n += 1;
            n * 0x1234_5678_9abc
        };
        let s = suffix(&mut counter);
        assert_eq!(s.len(), 8);
        assert!(
            s.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_ne!(s, suffix(&mut counter));
    }
}
