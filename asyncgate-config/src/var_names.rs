//! The compile-time check that no two settings of a struct with sections
//! read the same variable.
//!
//! A struct's derive sees only its own fields; the names inside a
//! `#[gate(nested)]` section compose with the field that nests it
//! (`ORDERS_` + `DATABASE_` + `URL`), so a collision across sections
//! (`database_url` next to a `database` section with a `url`) can only be
//! found once every name is known: in a `const` that the derive emits,
//! which fails to compile with the names of both settings.

use crate::const_text::ConstText;
use crate::schema::FieldSchema;

/// Longest name (or dotted path) compared; longer ones are compared by
/// this many bytes, which no real variable name reaches.
pub(crate) const MAX_TEXT: usize = 120;
/// Most names checked (settings, `NAME_FILE`s and aliases together).
const MAX_NAMES: usize = 1024;

/// A name or dotted path.
type Text = ConstText<MAX_TEXT>;
/// A message naming two paths and a variable, each up to [`MAX_TEXT`].
type Message = ConstText<{ 3 * MAX_TEXT + 80 }>;

/// One variable a setting reads, and the setting's dotted path.
#[derive(Clone, Copy)]
struct Entry {
    var: Text,
    path: Text,
}

struct Table {
    entries: [Entry; MAX_NAMES],
    len: usize,
    /// The first setting of a repeated section's element with a variable
    /// of its own (`env = "..."`, `alias`): every element would read it.
    misplaced: Option<Message>,
}

impl Table {
    const fn add(&mut self, var: Text, path: Text) {
        if self.len < MAX_NAMES {
            self.entries[self.len] = Entry { var, path };
            self.len += 1;
        }
    }
}

/// Adds every variable the settings of `fields` read, composed under the
/// enclosing section's path and variable (`parent`); `repeated` inside a
/// list or map of sections, whose elements' variables carry `<N>` or
/// `<KEY>`.
const fn collect(
    fields: &[FieldSchema],
    parent: Option<(&Text, &Text)>,
    repeated: bool,
    table: &mut Table,
) {
    let mut i = 0;
    while i < fields.len() {
        let field = &fields[i];
        let (path, var) = match parent {
            None => (
                Text::EMPTY.push(field.name()),
                Text::EMPTY.push(field.env()),
            ),
            Some((path, var)) => (
                Text::EMPTY.push_text(path).push(".").push(field.name()),
                if field.env_is_exact() {
                    Text::EMPTY.push(field.env())
                } else if field.env().is_empty() {
                    // An enum section's tag: the section's own variable.
                    *var
                } else {
                    Text::EMPTY.push_text(var).push("_").push(field.env())
                },
            ),
        };
        match field.section() {
            Some(section) => match field.repeat().placeholder() {
                Some(mark) => {
                    let var = var.push("_").push(mark);
                    collect(section, Some((&path, &var)), true, table);
                }
                None => collect(section, Some((&path, &var)), repeated, table),
            },
            None => {
                if repeated
                    && table.misplaced.is_none()
                    && (field.env_is_exact() || !field.aliases().is_empty())
                {
                    let key = if field.env_is_exact() {
                        "env = \"...\""
                    } else {
                        "alias"
                    };
                    table.misplaced = Some(
                        Message::EMPTY
                            .push("`")
                            .push_text(&path)
                            .push("` is a setting of a list or map of sections, whose elements each have their own variables (`<N>`, `<KEY>`): remove its `")
                            .push(key)
                            .push("`, which every element would read"),
                    );
                }
                table.add(var, path);
                if field.is_secret() {
                    table.add(var.push("_FILE"), path);
                }
                let aliases = field.aliases();
                let mut a = 0;
                while a < aliases.len() {
                    table.add(Text::EMPTY.push(aliases[a]), path);
                    a += 1;
                }
            }
        }
        i += 1;
    }
}

/// The first clash among the variables of `fields` and the config-file
/// variable, as a message naming both settings.
const fn first_clash(config_file_env: &str, fields: &[FieldSchema]) -> Option<Message> {
    let mut table = Table {
        entries: [Entry {
            var: Text::EMPTY,
            path: Text::EMPTY,
        }; MAX_NAMES],
        len: 0,
        misplaced: None,
    };
    collect(fields, None, false, &mut table);
    if table.misplaced.is_some() {
        return table.misplaced;
    }
    let config_file = Text::EMPTY.push(config_file_env);
    let mut i = 0;
    while i < table.len {
        let a = &table.entries[i];
        if a.var.eq(&config_file) {
            return Some(
                Message::EMPTY
                    .push("`")
                    .push_text(&a.path)
                    .push("` would read ")
                    .push_text(&a.var)
                    .push(", which names the config file: rename it or give it `env = \"...\"`"),
            );
        }
        let mut j = i + 1;
        while j < table.len {
            let b = &table.entries[j];
            if a.var.eq(&b.var) {
                return Some(
                    Message::EMPTY
                        .push("`")
                        .push_text(&a.path)
                        .push("` and `")
                        .push_text(&b.path)
                        .push("` would both read ")
                        .push_text(&a.var)
                        .push(": give one of them `env = \"...\"`, or rename one"),
                );
            }
            j += 1;
        }
        i += 1;
    }
    None
}

/// Fails (at compile time, in the derive's `const`) when two settings read
/// the same variable.
pub(crate) const fn assert_distinct(config_file_env: &str, fields: &[FieldSchema]) {
    if let Some(message) = first_clash(config_file_env, fields) {
        panic!("{}", message.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECTION: &[FieldSchema] = &[
        FieldSchema::__new("url", "URL", "String").__relative(),
        FieldSchema::__new("token", "TOKEN", "SecretString")
            .__relative()
            .__secret("TOKEN_FILE"),
    ];

    fn clash(fields: &[FieldSchema]) -> Option<String> {
        first_clash("APP_CONFIG_FILE", fields).map(|t| t.as_str().to_owned())
    }

    #[test]
    fn a_lists_elements_read_numbered_variables_and_no_own_name() {
        use crate::schema::Repeat;
        // `upstreams_url` and the list's `upstreams.url` do not clash: an
        // element reads `APP_UPSTREAMS_<N>_URL`.
        let fields = [
            FieldSchema::__new("upstreams_url", "APP_UPSTREAMS_URL", "String"),
            FieldSchema::__new("upstreams", "APP_UPSTREAMS", "Vec<Upstream>")
                .__nested(SECTION)
                .__repeat(Repeat::List),
        ];
        assert_eq!(clash(&fields), None);
        const EXACT: &[FieldSchema] = &[FieldSchema::__new("url", "UPSTREAM_URL", "String")];
        let fields = [
            FieldSchema::__new("upstreams", "APP_UPSTREAMS", "Vec<Upstream>")
                .__nested(EXACT)
                .__repeat(Repeat::Map),
        ];
        let message = clash(&fields).unwrap();
        assert!(
            message.starts_with("`upstreams.url` is a setting of a list or map of sections"),
            "{message}"
        );
        assert!(
            message.ends_with("remove its `env = \"...\"`, which every element would read"),
            "{message}"
        );
    }

    #[test]
    fn distinct_names_pass() {
        let fields = [
            FieldSchema::__new("port", "APP_PORT", "u16"),
            FieldSchema::__new("database", "APP_DATABASE", "Database").__nested(SECTION),
        ];
        assert_eq!(clash(&fields), None);
        assert_distinct("APP_CONFIG_FILE", &fields);
    }

    #[test]
    fn names_composed_across_a_section_clash() {
        let fields = [
            FieldSchema::__new("database_url", "APP_DATABASE_URL", "String"),
            FieldSchema::__new("database", "APP_DATABASE", "Database").__nested(SECTION),
        ];
        assert_eq!(
            clash(&fields).as_deref(),
            Some(
                "`database_url` and `database.url` would both read APP_DATABASE_URL: give one of them `env = \"...\"`, or rename one"
            )
        );
    }

    #[test]
    fn a_secret_file_variable_and_an_alias_clash_too() {
        let fields = [
            FieldSchema::__new("database", "APP_DATABASE", "Database").__nested(SECTION),
            FieldSchema::__new("old", "APP_OLD", "String").__aliases(&["APP_DATABASE_TOKEN_FILE"]),
        ];
        let message = clash(&fields).unwrap();
        assert!(message.contains("`database.token` and `old`"), "{message}");
    }

    #[test]
    fn the_config_file_variable_is_taken() {
        const SECTION: &[FieldSchema] =
            &[FieldSchema::__new("file", "FILE", "String").__relative()];
        let fields = [FieldSchema::__new("config", "APP_CONFIG", "Config").__nested(SECTION)];
        let message = clash(&fields).unwrap();
        assert!(
            message.starts_with("`config.file` would read APP_CONFIG_FILE"),
            "{message}"
        );
    }

    #[test]
    fn an_exact_name_in_a_section_is_not_composed() {
        const SECTION: &[FieldSchema] = &[FieldSchema::__new("url", "DATABASE_URL", "String")];
        let fields = [
            FieldSchema::__new("db", "APP_DB", "Db").__nested(SECTION),
            FieldSchema::__new("other", "DATABASE_URL", "String"),
        ];
        assert!(
            clash(&fields)
                .unwrap()
                .contains("would both read DATABASE_URL")
        );
    }
}
