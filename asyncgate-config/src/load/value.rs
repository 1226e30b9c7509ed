//! Deserializing typed values from the strings of environment variables,
//! `.env` lines and defaults.
//!
//! Numbers and booleans are parsed from text with messages that say what is
//! accepted; lists are comma-separated or a JSON array; maps and structs
//! are `key=value` pairs or a JSON object; enums are their variant names;
//! anything else deserializes from the string itself.

use std::fmt;

use serde::de::{self, Visitor};

use crate::text::quote_input;

mod items;

/// Why a value did not deserialize.
#[derive(Debug)]
pub(crate) struct ValueError(pub(crate) String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

impl de::Error for ValueError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        ValueError(msg.to_string())
    }

    // serde's own messages quote the value in full; ours quote an excerpt.
    fn invalid_type(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        ValueError(format!(
            "invalid type: {}, expected {expected}",
            describe(&unexpected)
        ))
    }

    fn invalid_value(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        ValueError(format!(
            "invalid value: {}, expected {expected}",
            describe(&unexpected)
        ))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        ValueError(format!(
            "unknown variant {}, expected {}",
            quote_input(variant),
            one_of(expected)
        ))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        ValueError(format!(
            "unknown field {}, expected {}",
            quote_input(field),
            one_of(expected)
        ))
    }
}

/// `string `abcd…` (12 characters)` for strings; serde's text otherwise.
fn describe(unexpected: &de::Unexpected<'_>) -> String {
    match unexpected {
        de::Unexpected::Str(s) => format!("string {}", quote_input(s)),
        other => other.to_string(),
    }
}

/// `` `a` or `b` `` / `` one of `a`, `b`, `c` ``, as serde says it.
fn one_of(names: &[&str]) -> String {
    match names {
        [] => "nothing".to_owned(),
        [one] => format!("`{one}`"),
        [a, b] => format!("`{a}` or `{b}`"),
        _ => format!(
            "one of {}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A deserializer over one string value.
pub(crate) struct StrDeserializer<'a> {
    value: &'a str,
}

impl<'a> StrDeserializer<'a> {
    pub(crate) fn new(value: &'a str) -> Self {
        StrDeserializer { value }
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    const TRUE: [&str; 4] = ["true", "1", "yes", "on"];
    const FALSE: [&str; 4] = ["false", "0", "no", "off"];
    let v = value.trim();
    if TRUE.iter().any(|t| v.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if FALSE.iter().any(|f| v.eq_ignore_ascii_case(f)) {
        Some(false)
    } else {
        None
    }
}

macro_rules! integer {
    ($($method:ident => $visit:ident : $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            match self.value.trim().parse::<$ty>() {
                Ok(n) => visitor.$visit(n),
                Err(_) => Err(ValueError(format!(
                    "expected an integer from {} to {}, found {}",
                    <$ty>::MIN,
                    <$ty>::MAX,
                    quote_input(self.value)
                ))),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for StrDeserializer<'_> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_str(self.value)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match parse_bool(self.value) {
            Some(b) => visitor.visit_bool(b),
            None => Err(ValueError(format!(
                "expected a boolean (true/false, 1/0, yes/no, on/off), found {}",
                quote_input(self.value)
            ))),
        }
    }

    integer! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_u128 => visit_u128: u128,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self.value.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => visitor.visit_f64(n),
            _ => Err(ValueError(format!(
                "expected a finite number, found {}",
                quote_input(self.value)
            ))),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let mut chars = self.value.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(ValueError(format!(
                "expected a single character, found {}",
                quote_input(self.value)
            ))),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_str(self.value)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_str(self.value)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_bytes(self.value.as_bytes())
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_bytes(self.value.as_bytes())
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        // An empty value never gets here: empty counts as unset.
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let trimmed = self.value.trim();
        if trimmed.starts_with('[') {
            let json: serde_json::Value = serde_json::from_str(trimmed)
                .map_err(|e| ValueError(format!("invalid JSON array: {e}")))?;
            return de::Deserializer::deserialize_seq(json, visitor)
                .map_err(|e| ValueError(format!("invalid JSON array: {e}")));
        }
        let items = items::list(trimmed)?;
        visitor.visit_seq(de::value::SeqDeserializer::new(
            items.iter().map(|item| StrDeserializer::new(item)),
        ))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let trimmed = self.value.trim();
        if trimmed.starts_with('{') {
            let json: serde_json::Value = serde_json::from_str(trimmed)
                .map_err(|e| ValueError(format!("invalid JSON object: {e}")))?;
            return de::Deserializer::deserialize_map(json, visitor)
                .map_err(|e| ValueError(format!("invalid JSON object: {e}")));
        }
        let pairs = items::map(trimmed)?;
        visitor.visit_map(de::value::MapDeserializer::new(
            pairs
                .iter()
                .map(|(k, v)| (StrDeserializer::new(k), StrDeserializer::new(v))),
        ))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        // `std::time::Duration` asks for `{secs, nanos}`: read `30s` instead.
        if name == "Duration" && fields == ["secs", "nanos"] {
            let duration =
                crate::duration::parse(self.value).map_err(|e| ValueError(e.to_string()))?;
            let parts = [duration.as_secs(), u64::from(duration.subsec_nanos())];
            return visitor.visit_seq(de::value::SeqDeserializer::new(parts.into_iter()));
        }
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_enum(de::value::StrDeserializer::<ValueError>::new(
            self.value.trim(),
        ))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_str(self.value)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_unit()
    }
}

impl<'de, 'a> de::IntoDeserializer<'de, ValueError> for StrDeserializer<'a> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Deserializes a setting that no source set: `None` for options, an empty
/// list for lists, an empty map for maps, an error (reported as
/// "missing") for everything else.
pub(crate) struct Missing;

impl<'de> de::Deserializer<'de> for Missing {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ValueError> {
        Err(ValueError(String::from("missing")))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_none()
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_seq(de::value::SeqDeserializer::<_, ValueError>::new(
            std::iter::empty::<()>(),
        ))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_map(de::value::MapDeserializer::<_, ValueError>::new(
            std::iter::empty::<((), ())>(),
        ))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct tuple
        tuple_struct struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn parse<T: Deserialize<'static>>(s: &'static str) -> Result<T, String> {
        T::deserialize(StrDeserializer::new(s)).map_err(|e| e.0)
    }

    #[test]
    fn scalars() {
        assert_eq!(parse::<u16>(" 8080 "), Ok(8080));
        assert_eq!(parse::<bool>("YES"), Ok(true));
        assert_eq!(parse::<bool>("off"), Ok(false));
        assert_eq!(parse::<f64>("0.5"), Ok(0.5));
        assert_eq!(
            parse::<String>(" keep spaces "),
            Ok(" keep spaces ".to_owned())
        );
        assert_eq!(parse::<Option<u8>>("7"), Ok(Some(7)));
    }

    #[test]
    fn scalar_errors_say_what_is_accepted() {
        assert_eq!(
            parse::<u16>("99999"),
            Err("expected an integer from 0 to 65535, found `99999`".to_owned())
        );
        assert_eq!(
            parse::<i8>("ten"),
            Err("expected an integer from -128 to 127, found `ten`".to_owned())
        );
        assert!(
            parse::<bool>("maybe")
                .unwrap_err()
                .contains("expected a boolean")
        );
        assert!(parse::<f64>("NaN").unwrap_err().contains("finite"));
        assert!(
            parse::<char>("ab")
                .unwrap_err()
                .contains("single character")
        );
    }

    #[test]
    fn lists_are_comma_separated_or_json() {
        assert_eq!(
            parse::<Vec<String>>("a, b,,c "),
            Ok(vec!["a".into(), "b".into(), "c".into()])
        );
        assert_eq!(parse::<Vec<u16>>("[1, 2]"), Ok(vec![1, 2]));
        assert_eq!(
            parse::<Vec<String>>(r#"["x,y", "z"]"#),
            Ok(vec!["x,y".into(), "z".into()])
        );
        assert!(
            parse::<Vec<u16>>("[1, 2")
                .unwrap_err()
                .starts_with("invalid JSON array")
        );
        assert!(parse::<Vec<u16>>("1, x").unwrap_err().contains("found `x`"));
    }

    #[test]
    fn enums_by_variant_name() {
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Mode {
            Fast,
            Safe,
        }
        assert_eq!(parse::<Mode>(" safe"), Ok(Mode::Safe));
        assert_eq!(
            parse::<Mode>("slow"),
            Err("unknown variant `slow`, expected `fast` or `safe`".to_owned())
        );
    }

    #[test]
    fn missing_is_none_or_empty_or_an_error() {
        assert_eq!(Option::<u8>::deserialize(Missing).unwrap(), None);
        assert_eq!(Vec::<u8>::deserialize(Missing).unwrap(), Vec::<u8>::new());
        assert!(u8::deserialize(Missing).is_err());
    }
}
