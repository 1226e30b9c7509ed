//! Templates generated from a [`Schema`]: a commented `.env.example`, a
//! Markdown table for a README, a commented config file in TOML and in
//! YAML, an example JSON config file, and a plain table for terminals.
//! Like the schema, they need no loaded values.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::mask::mask_secrets;

use crate::schema::{FieldSchema, Role, Schema};

mod layout;

use layout::{LIST_NOTE, MAP_NOTE, example_var, yaml_place};

/// Where a field must be set: its `required_in` environments, or `all`
/// for a plain setting without a default that cannot be left unset.
fn required_in(field: &FieldSchema) -> String {
    let envs = field.required_in();
    if !envs.is_empty() {
        envs.join(", ")
    } else if field.default().is_none() && !field.is_optional() && field.role() == Role::Setting {
        "all".to_owned()
    } else {
        String::new()
    }
}

/// A default as every template shows it: passwords in connection strings
/// masked, as `check` shows values (a default may carry one).
fn shown_default(field: &FieldSchema) -> Option<Cow<'static, str>> {
    field.default().map(mask_secrets)
}

fn is_instance_id(field: &FieldSchema) -> bool {
    matches!(field.role(), Role::InstanceId { .. })
}

/// What the templates say instead of offering the instance id as a key:
/// a value in a file (or template) that replicas share is shared by all.
fn per_replica_note(out: &mut String, field: &FieldSchema) {
    let _ = writeln!(
        out,
        "# (per replica: detected from the platform; set {} only in one replica's own environment, never in a file that replicas share)",
        field.env()
    );
}

fn first_line(doc: &str) -> &str {
    doc.lines().next().unwrap_or("")
}

/// `type: u16; default: 8080; required in: staging, production; secret; ...`
fn facts(schema: &Schema, field: &FieldSchema) -> String {
    let mut facts = vec![format!("type: {}", field.type_label())];
    // A section's setting: its dotted path, as reports and `Loader::set` name it.
    if field.name().contains('.') {
        facts.insert(0, format!("setting: {}", schema.pattern_name(field)));
    }
    if let Some(d) = shown_default(field) {
        facts.push(format!("default: {d}"));
    }
    let req = required_in(field);
    if !req.is_empty() {
        facts.push(format!("required in: {req}"));
    }
    if let Some(file_env) = field.file_env() {
        facts.push(format!("secret; or {file_env}=/path/to/file"));
    }
    facts.join("; ")
}

/// ` (http.port)` for a section's setting, whose variable alone does not
/// say which setting it is; empty for a top-level one.
fn section_path(schema: &Schema, field: &FieldSchema) -> String {
    if field.name().contains('.') {
        format!(" ({})", schema.pattern_name(field))
    } else {
        String::new()
    }
}

/// A blank line, the setting's doc and its facts, as comments.
fn comment_header(out: &mut String, field: &FieldSchema, facts: &str) {
    out.push('\n');
    for line in field.doc().lines() {
        let _ = writeln!(out, "# {line}");
    }
    let _ = writeln!(out, "# {facts}");
}

impl Schema {
    /// A commented `.env.example`: each setting's doc, type, default, where
    /// it is required and whether it is a secret, then a commented-out
    /// `NAME=default` line.
    ///
    /// ```
    /// # use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString};
    /// # #[derive(GateConfig)]
    /// # #[gate(prefix = "APP")]
    /// # struct Settings {
    /// #     #[gate(environment, default = "development")]
    /// #     env: Environment,
    /// #     #[gate(instance_id, default = "app-1")]
    /// #     instance_id: InstanceId,
    ///     /// Shared API token.
    ///     #[gate(secret, required_in(production))]
    ///     api_key: Option<SecretString>,
    /// # }
    /// let text = Settings::schema().env_example();
    /// assert!(text.contains("# Shared API token.\n# type: Option<SecretString>; required in: production; secret; or APP_API_KEY_FILE=/path/to/file\n#APP_API_KEY=\n"));
    /// ```
    pub fn env_example(&self) -> String {
        let mut out = format!(
            "# Every variable of `{}`, commented out at its default.\n# A TOML file can hold them too: {}=path/to/file.toml\n",
            self.name(),
            self.config_file_env()
        );
        for f in self.fields() {
            comment_header(&mut out, f, &facts(self, f));
            if is_instance_id(f) {
                per_replica_note(&mut out, f);
                continue;
            }
            let _ = writeln!(
                out,
                "#{}={}",
                example_var(f.env()),
                shown_default(f).unwrap_or_default()
            );
        }
        out
    }

    /// A Markdown table of every setting, for a README.
    ///
    /// ```
    /// # use asyncgate_config::{Environment, GateConfig, InstanceId};
    /// # #[derive(GateConfig)]
    /// # #[gate(prefix = "APP")]
    /// # struct Settings {
    /// #     #[gate(environment, default = "development")]
    /// #     env: Environment,
    /// #     #[gate(instance_id, default = "app-1")]
    /// #     instance_id: InstanceId,
    ///     /// Port to listen on.
    ///     #[gate(default = 8080)]
    ///     port: u16,
    /// # }
    /// let table = Settings::schema().markdown();
    /// assert!(table.contains("| `APP_PORT` | `u16` | `8080` |  |  | Port to listen on. |"));
    /// ```
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| Variable | Type | Default | Required in | Secret | Description |\n|---|---|---|---|---|---|\n",
        );
        let cell = |s: &str| s.replace('|', "\\|");
        for f in self.fields() {
            let _ = writeln!(
                out,
                "| `{}`{} | `{}` | {} | {} | {} | {} |",
                f.env(),
                section_path(self, f),
                cell(f.type_label()),
                shown_default(f)
                    .map(|d| format!("`{}`", cell(&d)))
                    .unwrap_or_default(),
                required_in(f),
                if f.is_secret() { "yes" } else { "" },
                cell(first_line(f.doc())),
            );
        }
        out
    }

    /// A commented TOML configuration file (for `<PREFIX>_CONFIG_FILE`):
    /// every setting commented out at its default, with its doc and the
    /// variable that overrides it. Secrets are left out of the file: the
    /// comment says how to set them instead.
    ///
    /// ```
    /// # use asyncgate_config::{Environment, GateConfig, InstanceId};
    /// # #[derive(GateConfig)]
    /// # #[gate(prefix = "APP")]
    /// # struct Settings {
    /// #     #[gate(environment, default = "development")]
    /// #     env: Environment,
    /// #     #[gate(instance_id, default = "app-1")]
    /// #     instance_id: InstanceId,
    ///     /// Port to listen on.
    ///     #[gate(default = 8080)]
    ///     port: u16,
    ///     #[gate(default = "a,b")]
    ///     origins: Vec<String>,
    /// # }
    /// let toml = Settings::schema().toml_template();
    /// assert!(toml.contains("# Port to listen on.\n# type: u16; default: 8080; env: APP_PORT\n#port = 8080\n"));
    /// assert!(toml.contains("#origins = [\"a\", \"b\"]\n"));
    /// // Uncommented, the template is a valid config file.
    /// let uncommented: String = toml.lines().filter(|l| l.starts_with('#') && l.contains(" = "))
    ///     .map(|l| format!("{}\n", &l[1..])).collect();
    /// uncommented.parse::<toml::Table>().unwrap();
    /// ```
    pub fn toml_template(&self) -> String {
        let mut out = format!(
            "#:schema ./{}\n# Config file for `{}`: every setting, commented out at its default.\n# Point {} at this file; environment variables override it.\n# Uncommented, each line is valid as written; an empty string leaves a setting unset.\n",
            self.json_schema_file(),
            self.name(),
            self.config_file_env()
        );
        // Top-level keys come before any table; then one table per section.
        let dormant = self.dormant_sections();
        for table in self.tables_in_tree_order() {
            let off = is_dormant(&dormant, table);
            if off {
                let (header, note) = self.toml_header(table);
                let _ = writeln!(out, "\n##{header}\n{note}");
            } else if !table.is_empty() {
                let _ = writeln!(out, "\n[{table}]");
            }
            for f in self.fields().iter().filter(|f| table_of(f) == table) {
                toml_entry(&mut out, self, f, if off { "##" } else { "#" });
            }
        }
        out
    }

    /// A YAML config file: every setting commented out at its default
    /// (`#key: value`, indented under its section's `#section:`), with the
    /// same comments as [`toml_template`](Schema::toml_template). With the
    /// `#` before every key removed, it is a valid YAML file that loads as
    /// written (`""` leaves a setting unset). Secrets and the instance id
    /// are comments only, as in the TOML template.
    ///
    /// ```
    /// # use asyncgate_config::{Environment, GateConfig, InstanceId};
    /// # #[derive(GateConfig)]
    /// # #[gate(prefix = "APP")]
    /// # struct Settings {
    /// #     #[gate(environment, default = "development")]
    /// #     env: Environment,
    /// #     #[gate(instance_id, default = "app-1")]
    /// #     instance_id: InstanceId,
    ///     /// Port to listen on.
    ///     #[gate(default = 8080)]
    ///     port: u16,
    /// # }
    /// let yaml = Settings::schema().yaml_template();
    /// assert!(yaml.contains("# Port to listen on.\n# type: u16; default: 8080; env: APP_PORT\n#port: 8080\n"));
    /// ```
    pub fn yaml_template(&self) -> String {
        let mut out = format!(
            "# yaml-language-server: $schema=./{}\n# Config file for `{}`: every setting, commented out at its default.\n# Point {} at this file (a .yaml file needs the `yaml` feature); environment variables override it.\n# Uncommented (the `#` before a key removed), each line is valid as written; \"\" leaves a setting unset.\n",
            self.json_schema_file(),
            self.name(),
            self.config_file_env()
        );
        let mut opened: Vec<String> = Vec::new();
        let dormant = self.dormant_sections();
        // In a list's element: the first key written takes the `- `.
        let mut dash_pending = false;
        for table in self.tables_in_tree_order() {
            let (segments, list_depth) = self.yaml_segments(table);
            for depth in 0..segments.len() {
                let path = segments[..=depth].join(".");
                if !opened.contains(&path) {
                    let off = is_dormant(&dormant, &self.schema_path(&segments[..=depth]));
                    let (indent, mark) = yaml_place(depth, list_depth, off, &mut dash_pending);
                    if list_depth == Some(depth + 1) {
                        let _ = writeln!(
                            out,
                            "\n{indent}{mark}{}:\n{indent}{LIST_NOTE}",
                            segments[depth]
                        );
                        dash_pending = true;
                    } else if off
                        && list_depth.is_none_or(|l| depth < l)
                        && !self.is_map_path(&path)
                    {
                        let note = if self.is_map_entry(&segments[..=depth]) {
                            MAP_NOTE
                        } else {
                            OFF_NOTE
                        };
                        let _ =
                            writeln!(out, "\n{indent}{mark}{}:\n{indent}{note}", segments[depth]);
                    } else {
                        let _ = writeln!(out, "\n{indent}{mark}{}:", segments[depth]);
                    }
                    opened.push(path);
                }
            }
            let off = is_dormant(&dormant, table);
            for f in self.fields().iter().filter(|f| table_of(f) == table) {
                comment_header(
                    &mut out,
                    f,
                    &format!("{}; env: {}", facts(self, f), f.env()),
                );
                if is_instance_id(f) {
                    per_replica_note(&mut out, f);
                } else if f.is_secret() {
                    secret_note(&mut out, f);
                } else {
                    let (indent, mark) =
                        yaml_place(segments.len(), list_depth, off, &mut dash_pending);
                    let key = f.name().rsplit('.').next().unwrap_or_default();
                    let _ = writeln!(out, "{indent}{mark}{key}: {}", literal_json(f));
                }
            }
        }
        out
    }

    /// An example JSON config file: every setting at its default (`""`, an
    /// empty list or object where it has none, which leave it unset),
    /// sections as objects. JSON has no comments: secrets and the instance
    /// id are left out (set them per replica, in the environment), and
    /// [`yaml_template`](Schema::yaml_template) or
    /// [`toml_template`](Schema::toml_template) explain each setting. It
    /// loads as written.
    pub fn json_example(&self) -> String {
        let mut root = serde_json::Map::new();
        let dormant = self.dormant_sections();
        for f in self
            .fields()
            .iter()
            .filter(|f| !is_instance_id(f) && !f.is_secret() && !is_dormant(&dormant, f.name()))
        {
            let mut table = &mut root;
            let mut segments = f.name().split('.').peekable();
            while let Some(segment) = segments.next() {
                if segments.peek().is_none() {
                    table.insert(segment.to_owned(), literal_json(f));
                    break;
                }
                let entry = table
                    .entry(segment.to_owned())
                    .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
                let serde_json::Value::Object(next) = entry else {
                    break;
                };
                table = next;
            }
        }
        let mut text = serde_json::to_string_pretty(&serde_json::Value::Object(root))
            .unwrap_or_else(|_| "{}".to_owned());
        text.push('\n');
        text
    }

    /// The config file's tables (`""` for the top level first), in the
    /// order the settings declare them, each after its parent: the order
    /// the TOML and YAML templates write them in.
    fn tables_in_tree_order(&self) -> Vec<&'static str> {
        let mut tables: Vec<&'static str> = Vec::new();
        for f in self.fields() {
            if !tables.contains(&table_of(f)) {
                tables.push(table_of(f));
            }
        }
        // Sections are flattened depth first, so in the order of first use a
        // section's own sections already follow it; the top level goes first.
        tables.sort_by_key(|t| !t.is_empty());
        tables
    }

    /// A plain-text table of every setting, for terminals.
    pub fn table(&self) -> String {
        let headers = [
            "VARIABLE",
            "TYPE",
            "DEFAULT",
            "REQUIRED IN",
            "SECRET",
            "DESCRIPTION",
        ];
        let rows: Vec<[String; 6]> = self
            .fields()
            .iter()
            .map(|f| {
                [
                    format!("{}{}", f.env(), section_path(self, f)),
                    f.type_label().to_owned(),
                    shown_default(f).unwrap_or_default().into_owned(),
                    required_in(f),
                    f.file_env()
                        .map(|file_env| format!("yes (or {file_env})"))
                        .unwrap_or_default(),
                    first_line(f.doc()).to_owned(),
                ]
            })
            .collect();
        let mut widths = headers.map(str::len);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: [&str; 6]| {
            let mut text = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i == cells.len() - 1 {
                    text.push_str(cell);
                } else {
                    let _ = write!(text, "{cell:w$}  ");
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(headers);
        for row in &rows {
            line(row.each_ref().map(String::as_str));
        }
        out
    }
}

/// The table a setting belongs to in a config file (`""`: the top level).
fn table_of(f: &FieldSchema) -> &'static str {
    f.name().rsplit_once('.').map_or("", |(table, _)| table)
}

/// The note under the header of a section a file leaves off.
pub(crate) const OFF_NOTE: &str = "# (off unless configured: remove `##` from its lines to turn it on; for an enum section's variant, also set its tag)";

/// Whether the table or setting `path` is in one of the `dormant` sections.
fn is_dormant(dormant: &[String], path: &str) -> bool {
    dormant.iter().any(|d| {
        path.strip_prefix(d.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

/// One setting of the TOML template: its comment and its line, commented
/// with `mark` (`##` in a section a file leaves off).
fn toml_entry(out: &mut String, schema: &Schema, f: &FieldSchema, mark: &str) {
    comment_header(out, f, &format!("{}; env: {}", facts(schema, f), f.env()));
    let key = f.name().rsplit('.').next().unwrap_or_default();
    if is_instance_id(f) {
        per_replica_note(out, f);
        return;
    }
    if f.is_secret() {
        secret_note(out, f);
        return;
    }
    let _ = writeln!(out, "{mark}{key} = {}", literal(f));
}

/// Where a secret is set instead of in a config file.
fn secret_note(out: &mut String, f: &FieldSchema) {
    let _ = writeln!(
        out,
        "# (a secret: set {} or {} rather than writing it here)",
        f.env(),
        f.file_env().unwrap_or_default()
    );
}

/// A setting's value in a config file, as TOML: its default, or the
/// literal that leaves it unset.
fn literal(f: &FieldSchema) -> String {
    match (shown_default(f), f.role()) {
        (Some(default), _) => toml_literal(f, &default),
        // A tag without a default: the first variant, which the template
        // leaves on.
        (None, Role::Tag { variants }) => format!("\"{}\"", variants.first().unwrap_or(&"")),
        (None, _) => unset_literal(f),
    }
}

/// The same value as JSON, which is also valid YAML (flow style).
fn literal_json(f: &FieldSchema) -> serde_json::Value {
    format!("v = {}", literal(f))
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut table| table.remove("v"))
        .and_then(|value| serde_json::to_value(value).ok())
        .unwrap_or_else(|| serde_json::Value::String(String::new()))
}

/// What the template writes for a setting without a default: an empty
/// list or table for those types, else the empty string, which a config
/// file reads as unset.
fn unset_literal(field: &FieldSchema) -> String {
    let ty = bare_type(field.type_name());
    if ty.starts_with("Vec<") {
        "[]".to_owned()
    } else if is_map(ty) {
        "{}".to_owned()
    } else {
        "\"\"".to_owned()
    }
}

/// `Option<T>` -> `T`, without a leading path (`std::collections::`).
fn bare_type(type_name: &str) -> &str {
    let ty = type_name
        .strip_prefix("Option<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(type_name);
    let generics = ty.find('<').unwrap_or(ty.len());
    match ty[..generics].rfind("::") {
        Some(at) => &ty[at + 2..],
        None => ty,
    }
}

fn is_map(ty: &str) -> bool {
    ty.starts_with("HashMap<") || ty.starts_with("BTreeMap<")
}

/// A default as a TOML value: booleans and numbers bare, lists as arrays
/// (of what the comma-separated text holds), a JSON array or object as a
/// TOML array or inline table, everything else a string. (A JSON string is
/// a valid TOML basic string.)
fn toml_literal(field: &FieldSchema, default: &str) -> String {
    let ty = bare_type(field.type_name());
    let string = |text: &str| serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned());
    let scalar = |text: &str| -> String {
        let text = text.trim();
        let bare = text.parse::<bool>().is_ok()
            || text.parse::<i64>().is_ok()
            || (text.contains('.') && text.parse::<f64>().is_ok_and(f64::is_finite));
        if bare { text.to_owned() } else { string(text) }
    };
    let structured = ty.starts_with("Vec<") || is_map(ty);
    if structured
        && let Ok(json) = serde_json::from_str::<serde_json::Value>(default.trim())
        && (json.is_array() || json.is_object())
    {
        return json_as_toml(&json);
    }
    let string_typed = ["String", "Environment", "InstanceId", "PathBuf"]
        .iter()
        .any(|t| ty.ends_with(t));
    if let Some(inner) = ty.strip_prefix("Vec<") {
        let items: Vec<String> = default
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|item| {
                if inner.starts_with("String") {
                    string(item)
                } else {
                    scalar(item)
                }
            })
            .collect();
        format!("[{}]", items.join(", "))
    } else if string_typed {
        string(default)
    } else {
        scalar(default)
    }
}

/// A JSON value written as a TOML inline value (`null`, which TOML lacks,
/// as the empty string: unset).
fn json_as_toml(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "\"\"".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(json_as_toml).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(entries) if entries.is_empty() => "{}".to_owned(),
        Value::Object(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(key, value)| {
                    let bare = !key.is_empty()
                        && key
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                    let key = if bare {
                        key.clone()
                    } else {
                        serde_json::to_string(key).unwrap_or_default()
                    };
                    format!("{key} = {}", json_as_toml(value))
                })
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
    }
}
