//! `cwfilter lint --format sarif`: the findings as a SARIF 2.1.0 log (OASIS Standard), the
//! format GitHub code scanning and other viewers read to annotate pull-request lines.
//!
//! One run, one result per finding: `ruleId` the lint id (`CW001`...), level `warning` (or
//! `note` for a finding on a built-in pattern the config does not change), the
//! message with its fix, and a location in the config file where the finding lives (the
//! detector's selector, override, exclusion list or custom `pattern:`; line 1 of a
//! `--pattern-file`). Config warnings are results of the rule `config-warning`. A finding
//! with no file behind it (the default catalog, an inline `--pattern`) has no location.
//! `tests/it/cli_lint_sarif.rs` validates the output against the official schema.

use std::path::{Component, Path};

use serde_json::{json, Map, Value};

use cwfilter::detectors::lint::{Finding, LintId};
use cwfilter::detectors::Diagnostic;

/// The schema the output follows (the OASIS Errata 01 URI, as in the schema's own `id`).
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The rule of config warnings (a config that loads, with a part that has no effect).
const CONFIG_RULE: &str = "config-warning";

/// A finding and where it lives: a file URI (relative to the working directory) and a
/// 1-based (line, column) in it.
pub struct Located<'a> {
    pub finding: &'a Finding,
    pub level: super::lint::Level,
    pub uri: Option<&'a str>,
    pub position: Option<(u64, u64)>,
}

/// The SARIF log of `findings` and `config_warnings` (each with the URI of its config file).
pub fn render(findings: &[Located], config_warnings: &[(&Diagnostic, Option<&str>)]) -> String {
    let mut rules: Vec<Value> = LintId::ALL
        .iter()
        .map(|id| {
            json!({
                "id": id.code(),
                "name": id.name(),
                "shortDescription": { "text": id.summary() },
                "help": { "text": id.help() },
                "defaultConfiguration": { "level": "warning" },
            })
        })
        .collect();
    rules.push(json!({
        "id": CONFIG_RULE,
        "name": CONFIG_RULE,
        "shortDescription": { "text": "a part of the config that has no effect or that CloudWatch would read differently" },
        "help": { "text": "The config loads, but the part named has no effect (an override of a detector that is not enabled, a selector the profile lacks) or changes what the profile prescribes. The message says which; fix or remove that part." },
        "defaultConfiguration": { "level": "warning" },
    }));

    let mut results: Vec<Value> = findings
        .iter()
        .map(|l| {
            let f = l.finding;
            let rule_index = LintId::ALL.iter().position(|id| *id == f.id).unwrap_or(0);
            let text = match &f.detector {
                Some(key) => format!("{key}: {}. Fix: {}", f.message, f.fix),
                None => format!("{}. Fix: {}", f.message, f.fix),
            };
            let mut result = Map::new();
            result.insert("ruleId".into(), json!(f.id.code()));
            result.insert("ruleIndex".into(), json!(rule_index));
            result.insert("level".into(), json!(l.level.as_str()));
            result.insert("message".into(), json!({ "text": text }));
            let location = location(l.uri, l.position, f.detector.as_deref());
            if let Some(location) = location {
                result.insert("locations".into(), json!([location]));
            }
            result.insert(
                "properties".into(),
                json!({ "detector": f.detector, "fix": f.fix }),
            );
            Value::Object(result)
        })
        .collect();
    for (w, uri) in config_warnings {
        let text = match &w.help {
            Some(help) => format!("{}. Help: {help}", w.message),
            None => w.message.clone(),
        };
        let mut result = Map::new();
        result.insert("ruleId".into(), json!(CONFIG_RULE));
        result.insert("ruleIndex".into(), json!(LintId::ALL.len()));
        result.insert("level".into(), json!("warning"));
        result.insert("message".into(), json!({ "text": text }));
        if let Some(location) = location(*uri, w.position, None) {
            result.insert("locations".into(), json!([location]));
        }
        results.push(Value::Object(result));
    }

    let mut driver = json!({
        "name": "cwfilter",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        driver["informationUri"] = json!(repository);
    }
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            // serde-saphyr counts columns in characters.
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).map_or_else(
        |e| format!("{{\"error\": {:?}}}\n", e.to_string()),
        |s| s + "\n",
    )
}

/// A SARIF location: the file and position when there is a file, the detector as a logical
/// location when there is one.
fn location(
    uri: Option<&str>,
    position: Option<(u64, u64)>,
    detector: Option<&str>,
) -> Option<Value> {
    let mut location = Map::new();
    if let Some(uri) = uri {
        let mut physical = json!({ "artifactLocation": { "uri": uri } });
        if let Some((line, column)) = position {
            physical["region"] = json!({ "startLine": line, "startColumn": column });
        }
        location.insert("physicalLocation".into(), physical);
    }
    if let Some(key) = detector {
        location.insert(
            "logicalLocations".into(),
            json!([{ "name": key, "kind": "object" }]),
        );
    }
    (!location.is_empty()).then_some(Value::Object(location))
}

/// `path` as a URI reference relative to the working directory (`cfg/server.yaml`), the form
/// code scanning resolves against the checkout; a path outside it becomes a `file://` URI.
pub fn uri(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let absolute = if path.is_absolute() {
        Some(path.to_path_buf())
    } else {
        cwd.as_ref().map(|c| c.join(path))
    };
    let relative = match (&absolute, &cwd) {
        (Some(abs), Some(cwd)) => normalize(abs)
            .strip_prefix(normalize(cwd))
            .ok()
            .map(Path::to_path_buf),
        _ => None,
    };
    match relative {
        Some(rel) => encode(&slashed(&rel)),
        None => {
            let abs = absolute.unwrap_or_else(|| path.to_path_buf());
            let text = slashed(&normalize(&abs));
            let text = if text.starts_with('/') {
                text
            } else {
                format!("/{text}")
            };
            format!("file://{}", encode(&text))
        }
    }
}

/// `.` and `..` resolved lexically (no symlinks followed: the file may be given by a path
/// through one, and the URI should read as the user wrote it).
fn normalize(path: &Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The path with `/` separators.
fn slashed(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Percent-encodes what a URI path cannot hold as is (RFC 3986 unreserved, sub-delims, `:`,
/// `@` and `/` stay).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_relative_and_are_encoded() {
        assert_eq!(uri(Path::new("server.yaml")), "server.yaml");
        assert_eq!(
            uri(Path::new("./cfg/../cfg/a b#.yaml")),
            "cfg/a%20b%23.yaml"
        );
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(uri(&cwd.join("x/y.yaml")), "x/y.yaml");
    }

    #[test]
    fn paths_outside_the_working_directory_are_file_uris() {
        let u = uri(Path::new("../elsewhere.yaml"));
        assert!(u.starts_with("file:///"), "{u}");
        assert!(u.ends_with("/elsewhere.yaml"), "{u}");
    }
}
