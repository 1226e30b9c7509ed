//! Deserializing vocabulary types through their `FromStr`, so that a value
//! from TOML, JSON or an env var gets the same parse and the same message.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

/// Deserializes a string into `T` with `T::from_str`; `expecting` says
/// what a non-string value should have been.
pub(crate) fn deserialize<'de, D, T>(
    deserializer: D,
    expecting: &'static str,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    struct Visitor<T>(&'static str, PhantomData<fn() -> T>);
    impl<T> serde::de::Visitor<'_> for Visitor<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            v.parse().map_err(E::custom)
        }
    }
    deserializer.deserialize_str(Visitor(expecting, PhantomData))
}
