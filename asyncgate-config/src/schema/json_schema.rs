//! A JSON Schema (draft 2020-12) of the file form of the settings, for
//! editors (taplo for TOML, yaml-language-server for YAML, JSON editors)
//! and for checking a file before a deploy.

use serde_json::{Map, Value, json};

use super::{FieldSchema, MAX_ELEMENTS, MAX_KEY_CHARS, Repeat, Role, Schema, Shape};

/// The vendor keyword that names each setting's environment variable.
const ENV_KEYWORD: &str = "x-asyncgate-env";

/// A duration as the loader reads it: `250ms`, `30s`, `1m30s`, `1.5h`.
pub(crate) const DURATION_PATTERN: &str =
    r"^\s*(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|ms|s|min|m|h|d))+\s*$";

impl Schema {
    /// The JSON Schema (draft 2020-12) of the settings as a config file
    /// writes them: a property per setting, each with its type (durations
    /// as strings with a pattern, integers with their range, enums with
    /// their names), default, description (the doc comment) and
    /// environment variable (the `x-asyncgate-env` keyword); sections as
    /// nested objects; secrets marked `writeOnly`; no other key allowed
    /// (`additionalProperties: false`) under `deny_unknown`. No setting is
    /// required: any may come from the environment instead. The schema asks
    /// for each value's canonical form (a boolean as `true`/`false`, an
    /// environment's name in lower case); the loader also takes the forms a
    /// variable would (`"yes"`, `Production`), so the schema is the stricter.
    ///
    /// `asyncgate env --format json-schema` (the `cli` feature) prints it;
    /// the TOML and YAML templates name it in the line their editors read.
    ///
    /// ```
    /// use asyncgate_config::{Environment, GateConfig, InstanceId};
    ///
    /// #[derive(GateConfig)]
    /// #[gate(prefix = "APP", deny_unknown)]
    /// struct Settings {
    ///     #[gate(environment, default = "development")]
    ///     env: Environment,
    ///     #[gate(instance_id, default = "app-1")]
    ///     instance_id: InstanceId,
    ///     /// Port to listen on.
    ///     #[gate(default = 8080)]
    ///     port: u16,
    /// }
    ///
    /// let schema = Settings::schema().json_schema();
    /// let port = &schema["properties"]["port"];
    /// // An integer in its range, or "" / null, which leave it unset.
    /// assert_eq!(port["anyOf"][0]["type"], "integer");
    /// assert_eq!(port["anyOf"][0]["maximum"], 65535);
    /// assert_eq!(port["default"], 8080);
    /// assert_eq!(port["description"], "Port to listen on.");
    /// assert_eq!(port["x-asyncgate-env"], "APP_PORT");
    /// assert_eq!(schema["additionalProperties"], false);
    /// ```
    pub fn json_schema(&self) -> Value {
        let shapes = self.shapes.map(|probe| probe()).unwrap_or_default();
        let mut root = object(self.deny_unknown);
        for (index, field) in self.fields().iter().enumerate() {
            let shape = shapes.get(index).cloned().unwrap_or(Shape::Any);
            let property = self.property(field, &shape);
            // `database.url`: `url` in the object `database`.
            let mut parts: Vec<&str> = field.name().split('.').collect();
            let last = parts.pop().unwrap_or_default();
            let mut at = &mut root;
            for part in parts {
                let properties = at["properties"].as_object_mut().expect("an object schema");
                at = properties
                    .entry(part)
                    .or_insert_with(|| object(self.deny_unknown));
            }
            at["properties"][last] = property;
        }
        self.tag_branches(&mut root);
        // Innermost first: an outer one's path runs through plain objects.
        for repeated in self.repeated_sections().iter().rev() {
            if let Some(node) = node_at(&mut root, repeated.path) {
                let element = node.take();
                *node = match repeated.repeat {
                    Repeat::List => json!({
                        "type": "array",
                        "maxItems": MAX_ELEMENTS,
                        "items": element,
                    }),
                    _ => json!({
                        "type": "object",
                        "maxProperties": MAX_ELEMENTS,
                        "propertyNames": {"minLength": 1, "maxLength": MAX_KEY_CHARS},
                        "additionalProperties": element,
                    }),
                };
            }
        }
        let mut out = Map::new();
        out.insert(
            "$schema".into(),
            "https://json-schema.org/draft/2020-12/schema".into(),
        );
        out.insert("title".into(), self.name().into());
        if !self.doc().is_empty() {
            out.insert("description".into(), self.doc().into());
        }
        if let Value::Object(body) = root {
            out.extend(body);
        }
        out.insert(
            "$defs".into(),
            json!({"unset": {
                "description": "an empty string or null leaves the setting unset",
                "anyOf": [{"type": "string", "pattern": r"^\s*$"}, {"type": "null"}],
            }}),
        );
        Value::Object(out)
    }

    /// An enum section's object: `oneOf` on its tag, a branch per variant
    /// (the tag set to its name) and one for the tag left to the
    /// environment or its default (absent, or `""`).
    fn tag_branches(&self, root: &mut Value) {
        for field in self.fields() {
            let Role::Tag { variants } = field.role() else {
                continue;
            };
            let Some((section, tag)) = field.name().rsplit_once('.') else {
                continue;
            };
            let Some(node) = node_at(root, section) else {
                continue;
            };
            let mut branches: Vec<Value> = variants
                .iter()
                .map(|v| {
                    json!({
                        "title": v,
                        "properties": {tag: {"const": v}},
                        "required": [tag],
                    })
                })
                .collect();
            branches.push(json!({
                "title": format!("{tag} from {} or its default", field.env()),
                "properties": {tag: {"$ref": "#/$defs/unset"}},
            }));
            node["oneOf"] = Value::Array(branches);
        }
    }

    /// The file name the templates' editor hint names for the JSON Schema:
    /// `<service name>.schema.json` (`orders.schema.json`), beside the
    /// config file.
    pub fn json_schema_file(&self) -> String {
        format!("{}.schema.json", self.service_name())
    }

    /// One setting's schema.
    fn property(&self, field: &FieldSchema, shape: &Shape) -> Value {
        let mut property = match field.role() {
            Role::Environment => {
                let mut names: Vec<&str> = ["development", "staging", "production"].into();
                names.extend(self.environment_names().iter().map(|(name, _)| *name));
                json!({"type": "string", "enum": names})
            }
            Role::InstanceId { .. } => json!({"type": "string"}),
            Role::Tag { variants } => json!({"type": "string", "enum": variants}),
            _ => type_schema(shape),
        };
        // An empty string or null leaves any setting unset.
        if property.as_object().is_some_and(|p| !p.is_empty()) {
            property = json!({"anyOf": [property, {"$ref": "#/$defs/unset"}]});
        }
        let Value::Object(fields) = &mut property else {
            return property;
        };
        if !field.doc().is_empty() {
            fields.insert("description".into(), field.doc().into());
        }
        if let Some(default) = field.default() {
            fields.insert("default".into(), typed_default(default, shape));
        }
        if field.is_secret() {
            fields.insert("writeOnly".into(), true.into());
        }
        fields.insert(ENV_KEYWORD.into(), field.env().into());
        property
    }
}

/// The schema of the object at the dotted `path` under `root`.
fn node_at<'v>(root: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    let mut at = root;
    for part in path.split('.') {
        at = at.get_mut("properties")?.get_mut(part)?;
    }
    Some(at)
}

/// An object schema with no properties yet.
fn object(deny_unknown: bool) -> Value {
    let mut object = json!({"type": "object", "properties": {}});
    if deny_unknown {
        object["additionalProperties"] = false.into();
    }
    object
}

/// The schema of a value of `shape`.
fn type_schema(shape: &Shape) -> Value {
    match shape {
        Shape::Any => json!({}),
        Shape::Bool => json!({"type": "boolean"}),
        Shape::Integer { min, max } => {
            let mut schema = json!({"type": "integer"});
            // JSON numbers past 64 bits are left unbounded.
            if let Ok(min) = i64::try_from(*min) {
                schema["minimum"] = min.into();
            }
            if let Ok(max) = u64::try_from(*max) {
                schema["maximum"] = max.into();
            }
            schema
        }
        Shape::Number => json!({"type": "number"}),
        Shape::String => json!({"type": "string"}),
        Shape::Duration => json!({"type": "string", "pattern": DURATION_PATTERN}),
        Shape::Enum(names) => json!({"type": "string", "enum": names}),
        Shape::Array(item) => json!({"type": "array", "items": type_schema(item)}),
        Shape::Map(value) => json!({"type": "object", "additionalProperties": type_schema(value)}),
        Shape::Object(fields) => {
            let properties: Map<String, Value> = fields
                .iter()
                .map(|f| ((*f).to_owned(), json!({})))
                .collect();
            json!({"type": "object", "properties": properties})
        }
        Shape::Optional(inner) => type_schema(inner),
    }
}

/// A default, written as the attribute holds it, as the file would write
/// it: a number or boolean as one, a list as an array, else a string.
fn typed_default(text: &str, shape: &Shape) -> Value {
    let inner = match shape {
        Shape::Optional(inner) => inner,
        other => other,
    };
    let parsed = match inner {
        Shape::Integer { .. } | Shape::Number => text
            .trim()
            .parse::<serde_json::Number>()
            .ok()
            .map(Value::Number),
        Shape::Bool => match text.trim() {
            "true" | "1" | "yes" | "on" => Some(true.into()),
            "false" | "0" | "no" | "off" => Some(false.into()),
            _ => None,
        },
        Shape::Array(_) => Some(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| typed_default(s, inner_item(inner)))
                .collect(),
        ),
        _ => None,
    };
    parsed.unwrap_or_else(|| text.into())
}

fn inner_item(shape: &Shape) -> &Shape {
    match shape {
        Shape::Array(item) => item,
        other => other,
    }
}
