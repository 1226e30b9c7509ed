//! A report's renderings: the human text (`Display`, and `Debug`, so that
//! `main() -> Result<(), Report>` prints it), the detailed text of `check`,
//! and the JSON shape of `check --format json` (`Serialize`).

use std::fmt;

use serde::ser::{SerializeMap, SerializeStruct};

use super::{Finding, Report, Severity};
use crate::provenance::{DetectionOverride, Outcome, Resolution};

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.errors().count();
        let warnings = self.findings.len() - errors;
        if errors > 0 {
            write!(f, "invalid configuration for `{}`", self.config)?;
        } else {
            write!(f, "valid configuration for `{}`", self.config)?;
        }
        match (self.resolution(), self.environment) {
            (Some(res), _) => write!(f, " (env: {})", res.environment_label())?,
            (None, Some(env)) => write!(f, " (env: {env})")?,
            (None, None) => {}
        }
        write!(
            f,
            ": {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )?;
        for finding in &self.findings {
            write!(f, "\n\n{finding}")?;
        }
        Ok(())
    }
}

/// The same text as `Display`: a report is read by people, also when it
/// reaches them through `{:?}` (as `main`'s error does).
impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Report {
    /// The text `check` prints: the verdict, the environment and instance
    /// id, errors, warnings, every setting with its value (secrets
    /// redacted) and source, and the detection trace.
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
    /// #     #[gate(default = 8080)]
    /// #     port: u16,
    /// # }
    /// let env = [("APP_PORT", "9000")];
    /// let report = Settings::loader().env(env).dotenv(false).load()?.validate()?.report();
    /// let text = report.detailed().to_string();
    /// assert!(text.starts_with("configuration valid: 0 error(s), 0 warning(s)"));
    /// assert!(text.contains("APP_PORT") && text.contains("9000  [environment variable APP_PORT]"));
    /// # Ok::<(), asyncgate_config::Report>(())
    /// ```
    pub fn detailed(&self) -> impl fmt::Display + '_ {
        Detailed(self)
    }
}

struct Detailed<'a>(&'a Report);

impl fmt::Display for Detailed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.0;
        let errors = report.errors().count();
        let warnings = report.findings.len() - errors;
        let verdict = if errors == 0 { "valid" } else { "INVALID" };
        writeln!(
            f,
            "configuration {verdict}: {errors} error(s), {warnings} warning(s)"
        )?;
        let resolution = report.resolution();
        if let Some(res) = resolution {
            writeln!(f, "environment: {}", res.environment_label())?;
            writeln!(
                f,
                "instance_id: {} ({}{})",
                res.instance_id(),
                res.instance_id_origin(),
                res.platform()
                    .map(|p| format!(" on {}", p.display_name()))
                    .unwrap_or_default()
            )?;
        }
        for (title, severity) in [("Errors", Severity::Error), ("Warnings", Severity::Warning)] {
            let mut list = report
                .findings
                .iter()
                .filter(|f| f.severity() == severity)
                .peekable();
            if list.peek().is_some() {
                writeln!(f, "\n{title}:")?;
                for finding in list {
                    for line in finding.to_string().lines() {
                        writeln!(f, "  {line}")?;
                    }
                }
            }
        }
        if let Some(res) = resolution {
            settings_text(f, res)?;
        }
        Ok(())
    }
}

fn settings_text(f: &mut fmt::Formatter<'_>, res: &Resolution) -> fmt::Result {
    writeln!(f, "\nSettings:")?;
    let width = res.listed().map(|(_, env, _)| env.len()).max().unwrap_or(0);
    // With sections, a variable does not say which setting it sets: the
    // dotted path goes first.
    let path_width = res
        .listed()
        .any(|(name, ..)| name.contains('.'))
        .then(|| res.listed().map(|(name, ..)| name.len()).max())
        .flatten();
    for (name, env, record) in res.listed() {
        let value = match (record.value(), record.problem()) {
            (Some(value), _) => value.to_owned(),
            (None, Some(problem)) => format!("(invalid: {problem})"),
            (None, None) => "(unset)".to_owned(),
        };
        let source = record
            .source()
            .map_or_else(|| "-".to_owned(), ToString::to_string);
        if let Some(path_width) = path_width {
            write!(f, "  {name:path_width$}")?;
        }
        writeln!(f, "  {env:width$}  {value}  [{source}]")?;
    }
    let overridden = res.detection_override();
    if !res.detection_trace().is_empty() || overridden.is_some() {
        writeln!(f, "\nDetection:")?;
        let var = res.schema().platform_env();
        match overridden {
            Some(DetectionOverride::Forced(platform)) => writeln!(
                f,
                "  {var}={}: only {} is detected",
                platform.key(),
                platform.display_name()
            )?,
            Some(DetectionOverride::Off) => writeln!(f, "  {var}=none: detection is off")?,
            None => {}
        }
        for step in res.detection_trace() {
            let mark = if step.matched() { "*" } else { "-" };
            writeln!(f, "  {mark} {step}")?;
        }
    }
    Ok(())
}

impl serde::Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let res = self.resolution();
        let mut out = serializer.serialize_struct("Report", 11)?;
        out.serialize_field("ok", &self.is_ok())?;
        out.serialize_field("config", self.config)?;
        let name = res.map_or_else(
            || self.environment.map(|e| e.as_str()),
            |r| Some(r.environment_name()),
        );
        out.serialize_field("env", &name)?;
        out.serialize_field("env_rules", &self.environment.map(|e| e.as_str()))?;
        out.serialize_field("instance_id", &res.map(|r| r.instance_id().as_str()))?;
        out.serialize_field(
            "instance_id_origin",
            &res.map(|r| r.instance_id_origin().as_str()),
        )?;
        out.serialize_field("platform", &res.and_then(|r| r.platform()).map(|p| p.key()))?;
        out.serialize_field("findings", &Findings(&self.findings))?;
        out.serialize_field("settings", &Settings(res))?;
        out.serialize_field("detection", &Detection(res))?;
        out.serialize_field(
            "detection_override",
            &res.and_then(Resolution::detection_override)
                .map(DetectionOverride::key),
        )?;
        out.end()
    }
}

struct Findings<'a>(&'a [Finding]);

impl serde::Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(FindingJson))
    }
}

struct FindingJson<'a>(&'a Finding);

impl serde::Serialize for FindingJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut out = serializer.serialize_struct("Finding", 9)?;
        out.serialize_field("severity", f.severity().as_str())?;
        out.serialize_field("setting", &f.setting())?;
        out.serialize_field("env_var", &f.env_var())?;
        out.serialize_field("message", f.message())?;
        out.serialize_field("remedy", &f.remedy())?;
        out.serialize_field("source", &f.source().map(ToString::to_string))?;
        let at = f.location();
        out.serialize_field(
            "file",
            &at.map(|l| crate::text::printable_name(&l.path().display().to_string())),
        )?;
        out.serialize_field("line", &at.map(|l| l.line()))?;
        out.serialize_field("column", &at.map(|l| l.column()))?;
        out.end()
    }
}

struct Settings<'a>(Option<&'a Resolution>);

impl serde::Serialize for Settings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (name, env, record) in self.0.into_iter().flat_map(Resolution::listed) {
            map.serialize_entry(
                name,
                &serde_json::json!({
                    "value": record.value(),
                    "invalid": record.problem(),
                    "source": record.source().map(ToString::to_string),
                    "source_kind": record.source().map(|s| s.kind()),
                    "env_var": env,
                }),
            )?;
        }
        map.end()
    }
}

struct Detection<'a>(Option<&'a Resolution>);

impl serde::Serialize for Detection<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let steps = self.0.map_or(&[][..], Resolution::detection_trace);
        serializer.collect_seq(steps.iter().map(|step| {
            let var = match &step.outcome {
                Outcome::Matched { var, .. }
                | Outcome::Shadowed { var }
                | Outcome::Unusable { var, .. } => Some(*var),
                Outcome::Absent { .. } => None,
            };
            serde_json::json!({
                "platform": step.platform.key(),
                "matched": step.matched(),
                "var": var,
                "detail": step.to_string(),
            })
        }))
    }
}
