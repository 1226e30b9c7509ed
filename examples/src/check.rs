//! `asyncgate check`: the resolved configuration, its sources, the
//! detection trace and every finding, as text or JSON. Secrets never show.

use std::fmt::Write as _;

use asyncgate_config::{Finding, Outcome, Report, Resolution, Severity, Validated};
use serde_json::{Map, Value, json};

use crate::settings::Settings;

/// The outcome of resolving and validating, whichever way it went.
#[derive(Debug)]
pub struct CheckOutcome {
    ok: bool,
    findings: Vec<Finding>,
    resolution: Option<Resolution>,
}

impl CheckOutcome {
    /// From the result of `load()?.validate()`.
    pub fn new(result: &Result<Validated<Settings>, Report>) -> Self {
        match result {
            Ok(validated) => CheckOutcome {
                ok: true,
                findings: validated.warnings().to_vec(),
                resolution: Some(validated.resolution().clone()),
            },
            Err(report) => CheckOutcome {
                ok: false,
                findings: report.findings().to_vec(),
                resolution: report.resolution().cloned(),
            },
        }
    }

    /// Whether the configuration is valid (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.ok
    }

    /// One JSON object: `ok`, `env`, `instance_id`, `instance_id_origin`,
    /// `platform`, `findings`, `settings` and `detection`.
    pub fn to_json(&self) -> Value {
        let res = self.resolution.as_ref();
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                json!({
                    "severity": f.severity().as_str(),
                    "setting": f.setting(),
                    "env_var": f.env_var(),
                    "message": f.message(),
                    "remedy": f.remedy(),
                    "source": f.source().map(|s| s.to_string()),
                })
            })
            .collect();
        let mut settings = Map::new();
        let mut detection = Vec::new();
        if let Some(res) = res {
            for (field, record) in res.settings() {
                settings.insert(
                    field.name().to_owned(),
                    json!({
                        "value": record.value(),
                        "source": record.source().map(|s| s.to_string()),
                        "source_kind": record.source().map(|s| s.kind()),
                        "env_var": field.env(),
                    }),
                );
            }
            for step in res.detection_trace() {
                let var = match &step.outcome {
                    Outcome::Matched { var, .. }
                    | Outcome::Shadowed { var }
                    | Outcome::Unusable { var, .. } => Some(*var),
                    _ => None,
                };
                detection.push(json!({
                    "platform": step.platform.key(),
                    "matched": step.matched(),
                    "var": var,
                    "detail": step.to_string(),
                }));
            }
        }
        json!({
            "ok": self.ok,
            "env": res.map(|r| r.environment().as_str()),
            "instance_id": res.map(|r| r.instance_id().as_str()),
            "instance_id_origin": res.map(|r| r.instance_id_origin().as_str()),
            "platform": res.and_then(|r| r.platform()).map(|p| p.key()),
            "findings": findings,
            "settings": settings,
            "detection": detection,
        })
    }

    /// A readable report: verdict, errors, warnings, settings, detection.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let errors = self.findings.iter().filter(|f| f.is_error()).count();
        let warnings = self.findings.len() - errors;
        let verdict = if self.ok { "valid" } else { "INVALID" };
        let _ = writeln!(
            out,
            "configuration {verdict}: {errors} error(s), {warnings} warning(s)"
        );
        if let Some(res) = &self.resolution {
            let _ = writeln!(out, "environment: {}", res.environment());
            let _ = writeln!(
                out,
                "instance_id: {} ({}{})",
                res.instance_id(),
                res.instance_id_origin(),
                res.platform()
                    .map(|p| format!(" on {}", p.display_name()))
                    .unwrap_or_default()
            );
        }
        for (title, severity) in [("Errors", Severity::Error), ("Warnings", Severity::Warning)] {
            let list: Vec<&Finding> = self
                .findings
                .iter()
                .filter(|f| f.severity() == severity)
                .collect();
            if !list.is_empty() {
                let _ = writeln!(out, "\n{title}:");
                for finding in list {
                    for line in finding.to_string().lines() {
                        let _ = writeln!(out, "  {line}");
                    }
                }
            }
        }
        if let Some(res) = &self.resolution {
            let _ = writeln!(out, "\nSettings:");
            let width = res
                .settings()
                .map(|(f, _)| f.env().len())
                .max()
                .unwrap_or(0);
            for (field, record) in res.settings() {
                let value = record.value().unwrap_or("(unset)");
                let source = record
                    .source()
                    .map_or_else(|| "-".to_owned(), ToString::to_string);
                let _ = writeln!(out, "  {:width$}  {value}  [{source}]", field.env());
            }
            if !res.detection_trace().is_empty() {
                let _ = writeln!(out, "\nDetection:");
                for step in res.detection_trace() {
                    let mark = if step.matched() { "*" } else { "-" };
                    let _ = writeln!(out, "  {mark} {step}");
                }
            }
        }
        out
    }
}
