//! The compile-time check that a list or map of sections holds no list or
//! map of sections. An element's settings are named by one index or key
//! (`upstreams[1].url`, `ORDERS_UPSTREAMS_1_URL`); a second level would need
//! two. A section cannot see where it is nested, so the loaded struct's
//! derive emits a `const` that walks its sections and fails to compile,
//! naming both paths, rather than the load refusing the shape.

use crate::const_text::ConstText;
use crate::schema::{FieldSchema, Repeat};
use crate::var_names::MAX_TEXT;

type Path = ConstText<MAX_TEXT>;

/// A compile error's message.
type Message = ConstText<512>;

/// `list` or `map`, for a message.
const fn kind(repeat: Repeat) -> &'static str {
    match repeat {
        Repeat::Map => "map",
        _ => "list",
    }
}

/// The first list or map of sections in `fields` (under `parent`) that is
/// inside the list or map of sections `outer` (its path and kind), as a
/// message.
const fn first_nested(
    fields: &[FieldSchema],
    parent: &Path,
    outer: Option<(&Path, Repeat)>,
) -> Option<Message> {
    let mut i = 0;
    while i < fields.len() {
        let field = &fields[i];
        if let Some(section) = field.section() {
            let path = parent.dotted(field.name());
            let repeat = field.repeat();
            let repeated = matches!(repeat, Repeat::List | Repeat::Map);
            if repeated && let Some((outer, outer_kind)) = outer {
                return Some(
                    Message::EMPTY
                        .push("`")
                        .push_text(&path)
                        .push("` is a ")
                        .push(kind(repeat))
                        .push(" of sections inside each element of the ")
                        .push(kind(outer_kind))
                        .push(" `")
                        .push_text(outer)
                        .push("`: not supported (an element's settings are named by one index or key); move `")
                        .push(field.name())
                        .push("` to the loaded struct as a ")
                        .push(kind(repeat))
                        .push(" of its own, each element naming the `")
                        .push_text(outer)
                        .push("` element it belongs to"),
                );
            }
            let inner = if repeated {
                Some((&path, repeat))
            } else {
                outer
            };
            if let Some(message) = first_nested(section, &path, inner) {
                return Some(message);
            }
        }
        i += 1;
    }
    None
}

/// Fails (evaluated in a `const`: fails to compile) when a list or map of
/// sections in `fields` holds one.
pub(crate) const fn assert_not_nested(fields: &[FieldSchema]) {
    if let Some(message) = first_nested(fields, &Path::EMPTY, None) {
        panic!("{}", message.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMBER: &[FieldSchema] =
        &[FieldSchema::__new("database", "DATABASE", "String").__relative()];

    fn message(fields: &[FieldSchema]) -> Option<String> {
        first_nested(fields, &Path::EMPTY, None).map(|m| m.as_str().to_owned())
    }

    #[test]
    fn a_list_in_a_list_or_map_names_both_paths() {
        for (inner, outer) in [
            (Repeat::List, Repeat::List),
            (Repeat::Map, Repeat::List),
            (Repeat::List, Repeat::Map),
        ] {
            let pool: &'static [FieldSchema] = Box::leak(Box::new([FieldSchema::__new(
                "members",
                "MEMBERS",
                "Vec<Member>",
            )
            .__relative()
            .__nested(MEMBER)
            .__repeat(inner)]));
            let fields = [FieldSchema::__new("pools", "APP_POOLS", "Vec<Pool>")
                .__nested(pool)
                .__repeat(outer)];
            let why = message(&fields).unwrap();
            let expected = format!(
                "`pools.members` is a {} of sections inside each element of the {} `pools`: not supported",
                kind(inner),
                kind(outer)
            );
            assert!(why.starts_with(&expected), "{why}");
        }
    }

    #[test]
    fn one_level_and_lists_inside_plain_or_optional_sections_pass() {
        let list = [FieldSchema::__new("members", "MEMBERS", "Vec<Member>")
            .__relative()
            .__nested(MEMBER)
            .__repeat(Repeat::List)];
        let list: &'static [FieldSchema] = Box::leak(Box::new(list));
        for around in [Repeat::One, Repeat::Optional] {
            let fields = [FieldSchema::__new("pool", "APP_POOL", "Pool")
                .__nested(list)
                .__repeat(around)];
            assert_eq!(message(&fields), None);
        }
        // Sections inside an element, and an optional one, are fine.
        let tls: &'static [FieldSchema] =
            Box::leak(Box::new([FieldSchema::__new("tls", "TLS", "Option<Tls>")
                .__relative()
                .__nested(MEMBER)
                .__repeat(Repeat::Optional)]));
        let fields = [
            FieldSchema::__new("upstreams", "APP_UPSTREAMS", "Vec<Upstream>")
                .__nested(tls)
                .__repeat(Repeat::List),
        ];
        assert_eq!(message(&fields), None);
    }
}
