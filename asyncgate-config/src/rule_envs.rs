//! The compile-time check that every `required_in(...)` and
//! `forbidden_in(...)` names an environment of the struct that is loaded.
//!
//! A struct's derive checks its own fields against the tiers and its own
//! `names(...)`; a section cannot see the names of the struct that nests
//! it, so the loaded struct's derive emits a `const` that walks its
//! sections and fails to compile with the setting and the name.

use crate::const_text::ConstText;
use crate::schema::FieldSchema;
use crate::var_names::MAX_TEXT;

/// The tiers, whose names every struct accepts.
const TIERS: [&str; 3] = ["development", "staging", "production"];

/// A compile error's message.
type Message = ConstText<512>;

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn listed(name: &str, names: &[&str]) -> bool {
    let mut i = 0;
    while i < names.len() {
        if same(name, names[i]) {
            return true;
        }
        i += 1;
    }
    false
}

/// The first name in a rule of `fields` (under `parent`) that is neither a
/// tier nor one of `team`'s, as a message naming the setting.
const fn first_unknown(
    fields: &[FieldSchema],
    parent: &ConstText<MAX_TEXT>,
    team: &[&str],
) -> Option<Message> {
    let mut i = 0;
    while i < fields.len() {
        let field = &fields[i];
        let path = parent.dotted(field.name());
        if let Some(section) = field.section() {
            if let Some(message) = first_unknown(section, &path, team) {
                return Some(message);
            }
        } else {
            let rules = [
                ("required_in", field.required_in()),
                ("forbidden_in", field.forbidden_in()),
            ];
            let mut r = 0;
            while r < rules.len() {
                let (key, names) = rules[r];
                let mut n = 0;
                while n < names.len() {
                    if !listed(names[n], &TIERS) && !listed(names[n], team) {
                        return Some(unknown(&path, key, names[n], team));
                    }
                    n += 1;
                }
                r += 1;
            }
        }
        i += 1;
    }
    None
}

const fn unknown(path: &ConstText<MAX_TEXT>, key: &str, name: &str, team: &[&str]) -> Message {
    let mut message = Message::EMPTY
        .push("`")
        .push_text(path)
        .push("` has `")
        .push(key)
        .push("(")
        .push(name)
        .push(")`, but `")
        .push(name)
        .push("` is no environment of this struct: expected one of `development`, `staging`, `production`");
    let mut i = 0;
    while i < team.len() {
        message = message.push(", `").push(team[i]).push("`");
        i += 1;
    }
    message.push(" (names of your own go in `#[gate(environment, names(...))]`)")
}

/// Fails (at compile time, in the derive's `const`) when a rule names an
/// environment that is neither a tier nor one of `team`'s names.
pub(crate) const fn assert_known(fields: &[FieldSchema], team: &[&str]) {
    if let Some(message) = first_unknown(fields, &ConstText::EMPTY, team) {
        panic!("{}", message.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECTION: &[FieldSchema] = &[
        FieldSchema::__new("url", "URL", "Option<String>")
            .__relative()
            .__required_in(&["prod"]),
        FieldSchema::__new("debug", "DEBUG", "bool")
            .__relative()
            .__forbidden_in(&["staging", "qa"]),
    ];

    fn check(team: &[&str]) -> Option<String> {
        let fields = [FieldSchema::__new("db", "APP_DB", "Db").__nested(SECTION)];
        first_unknown(&fields, &ConstText::EMPTY, team).map(|m| m.as_str().to_owned())
    }

    #[test]
    fn names_of_the_team_and_tiers_pass() {
        assert_eq!(check(&["prod", "qa"]), None);
    }

    #[test]
    fn a_name_the_struct_does_not_have_names_the_setting_and_the_accepted_names() {
        assert_eq!(
            check(&["qa"]).as_deref(),
            Some(
                "`db.url` has `required_in(prod)`, but `prod` is no environment of this struct: expected one of `development`, `staging`, `production`, `qa` (names of your own go in `#[gate(environment, names(...))]`)"
            )
        );
        assert!(
            check(&["prod"])
                .unwrap()
                .starts_with("`db.debug` has `forbidden_in(qa)`")
        );
    }
}
