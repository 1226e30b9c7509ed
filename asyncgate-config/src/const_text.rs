//! A fixed-size string for the compile-time checks that generated code
//! evaluates in a `const` (no allocation there).

/// A string of at most `N` bytes, for `const fn`s that cannot allocate:
/// text past `N` bytes is dropped.
#[derive(Clone, Copy)]
pub(crate) struct ConstText<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> ConstText<N> {
    pub(crate) const EMPTY: Self = ConstText {
        bytes: [0; N],
        len: 0,
    };

    pub(crate) const fn push(mut self, text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() && self.len < N {
            self.bytes[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    pub(crate) const fn push_text<const M: usize>(self, other: &ConstText<M>) -> Self {
        self.push(other.as_str())
    }

    /// A dotted path: `self.name`, or `name` when `self` is empty.
    pub(crate) const fn dotted(&self, name: &str) -> Self {
        if self.len == 0 {
            Self::EMPTY.push(name)
        } else {
            self.push(".").push(name)
        }
    }

    pub(crate) const fn eq(&self, other: &Self) -> bool {
        if self.len != other.len {
            return false;
        }
        let mut i = 0;
        while i < self.len {
            if self.bytes[i] != other.bytes[i] {
                return false;
            }
            i += 1;
        }
        true
    }

    pub(crate) const fn as_str(&self) -> &str {
        let (head, _) = self.bytes.split_at(self.len);
        match core::str::from_utf8(head) {
            Ok(text) => text,
            // Only ASCII names reach here (the derive checks them); a cut
            // inside a multi-byte character shows nothing rather than fail.
            Err(_) => "",
        }
    }
}
