//! Reading field types syntactically.

use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

/// The last path segment's name: `Environment` for `asyncgate_config::Environment`.
pub(crate) fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

/// Whether the type's last segment is `name`.
pub(crate) fn is(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name)
}

/// `T` for `Option<T>` (or `Vec<T>` when `wrapper` is `"Vec"`).
pub(crate) fn inner<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let segment = last_segment(ty)?;
    if segment.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// `K` for `BTreeMap<K, V>` and `HashMap<K, V>` (or `HashMap<K, V, S>`).
pub(crate) fn map_key(ty: &Type) -> Option<&Type> {
    let segment = last_segment(ty)?;
    if segment.ident != "BTreeMap" && segment.ident != "HashMap" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(key) => Some(key),
        _ => None,
    }
}

/// `u16`, `bool`, ... when the type is a primitive that a number or bool
/// literal can express.
pub(crate) fn primitive(ty: &Type) -> Option<&'static str> {
    const PRIMITIVES: &[&str] = &[
        "bool", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128",
        "isize", "f32", "f64",
    ];
    let Type::Path(p) = ty else { return None };
    let ident = p.path.get_ident()?;
    PRIMITIVES.iter().copied().find(|name| ident == name)
}

/// The type as a user wrote it, without the spaces `to_token_stream` adds.
pub(crate) fn display(ty: &Type) -> String {
    let raw = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(raw.len());
    for part in raw.split(' ') {
        let glued_to_previous = matches!(part, "<" | ">" | "::" | "," | ")" | "]");
        let previous_glues = ["<", "::", "(", "[", "&"].iter().any(|p| out.ends_with(p));
        if !out.is_empty() && !glued_to_previous && !previous_glues {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_types_compactly() {
        let cases = [
            ("Option<SecretString>", "Option<SecretString>"),
            ("Vec<std::string::String>", "Vec<std::string::String>"),
            ("HashMap<String, u8>", "HashMap<String, u8>"),
            ("u16", "u16"),
        ];
        for (src, expected) in cases {
            let ty: Type = syn::parse_str(src).unwrap();
            assert_eq!(display(&ty), expected);
        }
    }

    #[test]
    fn finds_inner_types() {
        let ty: Type = syn::parse_str("Option<Vec<u8>>").unwrap();
        assert!(inner(&ty, "Option").is_some_and(|t| is(t, "Vec")));
        assert!(inner(&ty, "Vec").is_none());
    }
}
