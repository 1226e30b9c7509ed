//! The shape of a setting's type, found by asking its `Deserialize` what
//! it wants: a deserializer that answers no value, only records the first
//! thing it is asked for (an integer of some width, a string, a list of
//! something, an enum of these names...). The JSON Schema is built from it.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// What a setting's type reads, as far as its `Deserialize` says.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shape {
    /// Nothing known (a custom `Deserialize` that takes anything).
    Any,
    /// `true` or `false`.
    Bool,
    /// An integer in `min..=max`.
    Integer {
        /// The least value.
        min: i128,
        /// The greatest value.
        max: u128,
    },
    /// A floating-point number.
    Number,
    /// Text.
    String,
    /// A `std::time::Duration`, written `30s`.
    Duration,
    /// One of these names.
    Enum(&'static [&'static str]),
    /// A list of items of one shape.
    Array(Box<Shape>),
    /// A map from names to values of one shape.
    Map(Box<Shape>),
    /// A struct with these fields.
    Object(&'static [&'static str]),
    /// An `Option`: the inner shape, or unset.
    Optional(Box<Shape>),
}

/// The shape of `T`.
pub(crate) fn shape_of<T: DeserializeOwned>() -> Shape {
    match T::deserialize(Probe) {
        Err(Found(shape)) => shape,
        Ok(_) => Shape::Any,
    }
}

/// The error that carries the answer out of the type's `Deserialize`.
#[derive(Debug)]
struct Found(Shape);

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::error::Error for Found {}

impl de::Error for Found {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Found(Shape::Any)
    }
}

fn found<T>(shape: Shape) -> Result<T, Found> {
    Err(Found(shape))
}

/// The shape an inner probe found, wrapped by `wrap`.
fn wrapped<T>(inner: Result<T, Found>, wrap: fn(Box<Shape>) -> Shape) -> Result<T, Found> {
    match inner {
        Err(Found(shape)) => found(wrap(Box::new(shape))),
        Ok(_) => found(wrap(Box::new(Shape::Any))),
    }
}

struct Probe;

macro_rules! integers {
    ($($method:ident: $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
            #[allow(clippy::cast_sign_loss, clippy::unnecessary_cast)]
            found(Shape::Integer { min: <$ty>::MIN as i128, max: <$ty>::MAX as u128 })
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Probe {
    type Error = Found;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        found(Shape::Any)
    }
    fn deserialize_bool<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        found(Shape::Bool)
    }
    integers! {
        deserialize_i8: i8, deserialize_i16: i16, deserialize_i32: i32,
        deserialize_i64: i64, deserialize_i128: i128,
        deserialize_u8: u8, deserialize_u16: u16, deserialize_u32: u32,
        deserialize_u64: u64, deserialize_u128: u128,
    }
    fn deserialize_f32<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        found(Shape::Number)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        found(Shape::Number)
    }
    fn deserialize_char<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        found(Shape::String)
    }
    fn deserialize_str<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        found(Shape::String)
    }
    fn deserialize_string<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        found(Shape::String)
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        found(Shape::String)
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        found(Shape::String)
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Found> {
        wrapped(visitor.visit_some(Probe), Shape::Optional)
    }
    fn deserialize_unit<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        found(Shape::Any)
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value, Found> {
        found(Shape::Any)
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Found> {
        visitor.visit_newtype_struct(Probe)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Found> {
        wrapped(visitor.visit_seq(OneItem), Shape::Array)
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Found> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, Found> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Found> {
        wrapped(visitor.visit_map(OneEntry), Shape::Map)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Found> {
        if name == "Duration" && fields == ["secs", "nanos"] {
            found(Shape::Duration)
        } else {
            found(Shape::Object(fields))
        }
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Found> {
        found(Shape::Enum(variants))
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        found(Shape::String)
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Found> {
        found(Shape::Any)
    }
}

/// A list whose first item is probed.
struct OneItem;

impl<'de> SeqAccess<'de> for OneItem {
    type Error = Found;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Found> {
        seed.deserialize(Probe).map(Some)
    }
}

/// A map with one key (`key`) whose value is probed.
struct OneEntry;

impl<'de> MapAccess<'de> for OneEntry {
    type Error = Found;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Found> {
        seed.deserialize(de::value::StrDeserializer::<Found>::new("key"))
            .map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Found> {
        seed.deserialize(Probe)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};
    use std::path::PathBuf;
    use std::time::Duration;

    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Level {
        Debug,
        Info,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Limits {
        burst: u32,
    }

    #[test]
    fn each_type_reads_as_its_shape() {
        let int = |min: i128, max: u128| Shape::Integer { min, max };
        assert_eq!(shape_of::<u16>(), int(0, 65535));
        assert_eq!(shape_of::<i32>(), int(-2_147_483_648, 2_147_483_647));
        assert_eq!(shape_of::<bool>(), Shape::Bool);
        assert_eq!(shape_of::<f64>(), Shape::Number);
        assert_eq!(shape_of::<String>(), Shape::String);
        assert_eq!(shape_of::<PathBuf>(), Shape::String);
        assert_eq!(shape_of::<Duration>(), Shape::Duration);
        assert_eq!(shape_of::<Level>(), Shape::Enum(&["Debug", "Info"]));
        assert_eq!(shape_of::<Limits>(), Shape::Object(&["burst"]));
        assert_eq!(
            shape_of::<Option<Vec<u8>>>(),
            Shape::Optional(Box::new(Shape::Array(Box::new(int(0, 255)))))
        );
        assert_eq!(
            shape_of::<HashMap<String, bool>>(),
            Shape::Map(Box::new(Shape::Bool))
        );
        assert_eq!(
            shape_of::<BTreeMap<String, String>>(),
            Shape::Map(Box::new(Shape::String))
        );
        assert_eq!(shape_of::<secrecy::SecretString>(), Shape::String);
        assert_eq!(shape_of::<crate::InstanceId>(), Shape::String);
    }
}
