//! Not public API: the parsers the fuzz targets (`fuzz/`) drive directly.

/// The parsers, each returning what a target checks.
pub mod __fuzz {
    use std::path::Path;

    use crate::load::config_file::ConfigFile;

    /// Parses `.env` text; returns the variables and every message.
    pub fn dotenv(text: &str) -> (Vec<(String, String)>, Vec<String>) {
        let mut findings = Vec::new();
        let parsed = crate::load::dotenv::DotEnv::parse(Path::new(".env"), text, &mut findings);
        (
            parsed.vars.into_iter().collect(),
            findings.iter().map(ToString::to_string).collect(),
        )
    }

    /// Parses config-file text as the format `name`'s extension names.
    fn parse(name: &str, text: &str) -> (Option<ConfigFile>, Vec<String>) {
        let mut findings = Vec::new();
        let file = ConfigFile::parse(Path::new(name), "FUZZ_CONFIG_FILE", text, &mut findings);
        (file, findings.iter().map(ToString::to_string).collect())
    }

    /// Parses TOML config-file text; returns every message.
    pub fn toml(text: &str) -> Vec<String> {
        config_file("c.toml", text)
    }

    /// Parses config-file text as the format `name`'s extension names
    /// (`c.toml`, `c.yaml`, `c.json`); returns every message.
    pub fn config_file(name: &str, text: &str) -> Vec<String> {
        parse(name, text).1
    }

    /// The table config-file text gives, as JSON text (`None` when it is
    /// refused): for comparing formats.
    pub fn config_table(name: &str, text: &str) -> Option<String> {
        parse(name, text)
            .0
            .and_then(|file| serde_json::to_string(&file.table).ok())
    }

    /// Every key of the file text pointed at, as findings show them: the
    /// excerpt under a value (shown, and as a secret) and under the key,
    /// for each dotted path of the parsed table (`upstreams[1].url` inside
    /// an array of tables; at most 256). Empty when
    /// the text is refused.
    pub fn locate_every_key(name: &str, text: &str) -> Vec<String> {
        use crate::load::locate::{Point, location};
        let Some(file) = parse(name, text).0 else {
            return Vec::new();
        };
        let mut paths = Vec::new();
        collect_paths(&file.table, "", &mut paths);
        let keys: Vec<&str> = paths.iter().map(String::as_str).collect();
        let mut out = Vec::new();
        for spot in file.spots(&keys).into_iter().flatten() {
            for point in [
                Point::Value { secret: false },
                Point::Value { secret: true },
                Point::Key,
            ] {
                let at = location(&file.path, &file.text, &spot, point);
                out.push(format!("{at}\n{}", at.excerpt().unwrap_or_default()));
            }
        }
        out
    }

    fn collect_paths(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
        for (key, value) in table {
            if out.len() == 256 {
                return;
            }
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(inner) => collect_paths(inner, &path, out),
                // A repeated section's elements: `upstreams[1].url`.
                toml::Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let toml::Value::Table(inner) = item {
                            collect_paths(inner, &format!("{path}[{i}]"), out);
                        }
                    }
                }
                _ => {}
            }
            out.push(path);
        }
    }

    /// Masks the passwords in a value.
    pub fn mask(value: &str) -> String {
        crate::mask::mask_secrets(value).into_owned()
    }

    /// How a value is quoted in messages.
    pub fn quote(value: &str) -> String {
        crate::text::quote_input(value)
    }
}
