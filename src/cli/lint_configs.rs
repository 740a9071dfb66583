//! `cwfilter lint --configs FILE...`: the static lint of several configs in one call, the shape
//! pre-commit and similar tools call a hook with (every staged file at the end of the command
//! line). Each config is loaded and linted as `--config FILE` would; a config that does not
//! load is reported and the others are still linted.
//!
//! Text: `FILE:LINE:COL: warning[CWnnn] detector: message` then `  fix: ...`, the location
//! format editors jump to. JSON: `{"configs": [{"config", "configWarnings", "warnings"}]}`
//! with `line` and `column` on each warning. SARIF: one run over every file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{json, Value};

use cwfilter::detectors::lint::{self, Finding};
use cwfilter::detectors::{Diagnostic, Profile};

use super::lint::{tally, Format, Level, Levels};

/// A finding with its level and its 1-based (line, column) in the config.
type Placed = (Finding, Level, Option<(u64, u64)>);

/// One config's lint.
struct Linted {
    path: PathBuf,
    uri: String,
    /// Each finding with its level and its position in the config.
    findings: Vec<Placed>,
    warnings: Vec<Diagnostic>,
}

pub fn run(configs: &[PathBuf], profile: Profile, format: Format, levels: &Levels) -> ExitCode {
    let mut failed = false;
    let mut linted = Vec::new();
    for path in configs {
        match lint_one(path, profile, levels) {
            Ok(l) => linted.push(l),
            Err(errors) => {
                for e in errors {
                    eprintln!("cwfilter: {e}");
                }
                failed = true;
            }
        }
    }
    let out = match format {
        Format::Text => text(&linted),
        Format::Json => json(&linted),
        Format::Sarif => sarif(&linted),
    };
    if let Err(code) = super::output::print(&out) {
        return code;
    }
    let notes: usize = linted
        .iter()
        .map(|l| l.findings.iter().filter(|f| f.1 == Level::Note).count())
        .sum();
    let total: usize = linted
        .iter()
        .map(|l| l.findings.len() + l.warnings.len())
        .sum::<usize>()
        - notes;
    if let Some(tally) = tally(total, notes) {
        eprintln!(
            "{tally} in {} config{}",
            linted.len(),
            if linted.len() == 1 { "" } else { "s" }
        );
    }
    if failed {
        ExitCode::from(2)
    } else if total > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn lint_one(path: &Path, profile: Profile, levels: &Levels) -> Result<Linted, Vec<String>> {
    let configs = [path.to_path_buf()];
    let loaded = super::input::load_detectors(&configs, profile)
        .map_err(|e| e.errors.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    super::input::warn_if_none(&loaded, &configs);
    let mut findings = Vec::new();
    for d in &loaded.detectors {
        let found = lint::lint_detector(d).map_err(|e| {
            vec![format!(
                "{}: detector `{}` has an invalid pattern\n{}",
                path.display(),
                d.key,
                super::input::rendered(&e)
            )]
        })?;
        findings.extend(levels.apply(found).into_iter().map(|(f, level)| {
            let at = f.position(&d.origin);
            (f, level, at)
        }));
    }
    Ok(Linted {
        path: path.to_path_buf(),
        uri: super::sarif::uri(path),
        findings,
        warnings: loaded.warnings,
    })
}

fn text(linted: &[Linted]) -> String {
    let mut out = String::new();
    for l in linted {
        for w in &l.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        for (f, level, at) in &l.findings {
            let place = match at {
                Some((line, column)) => format!("{}:{line}:{column}", l.path.display()),
                None => l.path.display().to_string(),
            };
            let detector = f.detector.as_deref().unwrap_or_default();
            out.push_str(&format!(
                "{place}: {}[{}] {detector}: {}\n  fix: {}\n",
                level.as_str(),
                f.id,
                f.message,
                f.fix
            ));
        }
    }
    out
}

fn json(linted: &[Linted]) -> String {
    let configs: Vec<Value> = linted
        .iter()
        .map(|l| {
            let warnings: Vec<Value> = l
                .findings
                .iter()
                .map(|(f, level, at)| {
                    json!({
                        "id": f.id.code(),
                        "name": f.id.name(),
                        "level": level.as_str(),
                        "detector": f.detector,
                        "message": f.message,
                        "fix": f.fix,
                        "line": at.map(|p| p.0),
                        "column": at.map(|p| p.1),
                    })
                })
                .collect();
            json!({
                "config": l.path.display().to_string(),
                "configWarnings": l.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "warnings": warnings,
            })
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "configs": configs })).map_or_else(
        |e| format!("{{\"error\": {:?}}}\n", e.to_string()),
        |s| s + "\n",
    )
}

fn sarif(linted: &[Linted]) -> String {
    let located: Vec<super::sarif::Located> = linted
        .iter()
        .flat_map(|l| {
            l.findings
                .iter()
                .map(|(f, level, at)| super::sarif::Located {
                    finding: f,
                    level: *level,
                    uri: Some(&l.uri),
                    position: *at,
                })
        })
        .collect();
    let warnings: Vec<(&Diagnostic, Option<&str>)> = linted
        .iter()
        .flat_map(|l| l.warnings.iter().map(|w| (w, Some(l.uri.as_str()))))
        .collect();
    super::sarif::render(&located, &warnings)
}
