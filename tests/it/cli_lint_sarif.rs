//! `cwfilter lint --format sarif`: valid against the official SARIF 2.1.0 schema
//! (tests/data/sarif-schema-2.1.0.json, source and licence beside it), one result per finding,
//! each pointing at the line and column of the config where the finding lives, with a URI
//! relative to the working directory.

use std::path::Path;
use std::process::Output;

use serde_json::{json, Value};

use crate::support::{cwfilter, stderr, TempDir};

/// Validates `doc` against the vendored SARIF 2.1.0 schema (draft 4), formats asserted.
pub(crate) fn schema_errors(doc: &Value) -> Option<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema-2.1.0.json"
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler
        .add_resource("urn:sarif-schema-2.1.0", schema)
        .unwrap();
    let index = compiler
        .compile("urn:sarif-schema-2.1.0", &mut schemas)
        .unwrap_or_else(|e| panic!("the SARIF schema compiles: {e:#}"));
    schemas.validate(doc, index).err().map(|e| format!("{e:#}"))
}

/// `cwfilter lint ARGS` run in `dir`, its SARIF parsed and validated.
fn sarif(dir: &Path, args: &[&str]) -> (Output, Value) {
    let out = cwfilter()
        .current_dir(dir)
        .args(["lint", "--format", "sarif"])
        .args(args)
        .output()
        .expect("cwfilter runs");
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("SARIF is JSON: {e}; stderr: {}", stderr(&out)));
    if let Some(errors) = schema_errors(&doc) {
        panic!("not valid SARIF 2.1.0:\n{errors}\n{doc:#}");
    }
    (out, doc)
}

/// (ruleId, detector, uri, line, column) of every result.
fn located(doc: &Value) -> Vec<(String, String, String, u64, u64)> {
    doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0];
            let physical = &loc["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                loc["logicalLocations"][0]["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
                physical["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
                physical["region"]["startLine"].as_u64().unwrap_or(0),
                physical["region"]["startColumn"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

const CONFIG: &str = "\
alerts:
  iamPolicyChanges: true
  consoleLoginWithoutMfa: true
  overrides:
    iamPolicyChanges:
      excludeUserNames: [ci-deployer]
    rootAccountUsage:
      threshold: 2
  custom:
    - name: wideArn
      pattern: '{ $.userIdentity.arn = \"arn:aws:sts::*:assumed-role/x\" }'
";

#[test]
fn findings_point_at_their_line_in_the_config() {
    let dir = TempDir::new("sarif-config");
    dir.write("cfg/server.yaml", CONFIG);
    let (out, doc) = sarif(&dir, &["--config", "cfg/server.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    let s = |t: &str| t.to_owned();
    let uri = "cfg/server.yaml";
    assert_eq!(
        located(&doc),
        [
            // A built-in pattern: the selector that enables it.
            (s("CW001"), s("consoleLoginWithoutMfa"), s(uri), 3, 3),
            (s("CW004"), s("iamPolicyChanges"), s(uri), 2, 3),
            // An exclusion list: its key under the override.
            (s("CW005"), s("iamPolicyChanges"), s(uri), 6, 7),
            // The custom detector's pattern value.
            (s("CW002"), s("wideArn"), s(uri), 11, 16),
            // A config warning: the override of a detector that is not enabled.
            (s("config-warning"), s(""), s(uri), 7, 5),
        ]
    );

    // The same findings as the text format, one result each.
    let text = cwfilter()
        .current_dir(&*dir)
        .args(["lint", "--config", "cfg/server.yaml"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("warning") || l.starts_with("note"))
            .count(),
        doc["runs"][0]["results"].as_array().unwrap().len(),
        "{text}"
    );

    let run = &doc["runs"][0];
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "cwfilter");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "CW001",
            "CW002",
            "CW003",
            "CW004",
            "CW005",
            "CW006",
            "CW007",
            "CW008",
            "CW009",
            "config-warning"
        ]
    );
    for rule in rules {
        assert!(!rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .is_empty());
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
    }
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        // The built-in patterns' own findings are notes; what the config wrote, warnings.
        let builtin = ["CW001", "CW004"].contains(&result["ruleId"].as_str().unwrap());
        assert_eq!(
            result["level"],
            if builtin { "note" } else { "warning" },
            "{result}"
        );
        let message = result["message"]["text"].as_str().unwrap();
        if result["ruleId"] != "config-warning" {
            // The message carries the fix (SARIF `fixes` need byte replacements).
            assert!(message.contains(". Fix: "), "{message}");
            assert!(message.contains(result["properties"]["fix"].as_str().unwrap()));
        }
    }
}

#[test]
fn deny_makes_a_builtin_note_a_sarif_warning_and_allow_drops_it() {
    let dir = TempDir::new("sarif-levels");
    dir.write("server.yaml", "alerts:\n  iamPolicyChanges: true\n");
    let levels = |doc: &Value| -> Vec<(String, String)> {
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_owned(),
                    r["level"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    let (out, doc) = sarif(&dir, &["--config", "server.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(levels(&doc), [pair("CW004", "note")]);
    let (out, doc) = sarif(&dir, &["--config", "server.yaml", "--deny", "CW004"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(levels(&doc), [pair("CW004", "warning")]);
    let (out, doc) = sarif(&dir, &["--config", "server.yaml", "--allow", "CW004"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(levels(&doc).is_empty());
}

#[test]
fn an_absolute_config_path_under_the_working_directory_is_made_relative() {
    let dir = TempDir::new("sarif-absolute");
    let config = dir.write("server.yaml", "alerts:\n  consoleLoginWithoutMfa: true\n");
    let (_, doc) = sarif(&dir, &["--config", config.to_str().unwrap()]);
    assert_eq!(
        located(&doc),
        [(
            "CW001".to_owned(),
            "consoleLoginWithoutMfa".to_owned(),
            "server.yaml".to_owned(),
            2,
            3
        )]
    );
}

#[test]
fn a_trail_finding_points_at_the_exclusion_list() {
    let dir = TempDir::new("sarif-trail");
    let record = json!({
        "eventVersion": "1.08",
        "eventTime": "2024-05-01T10:00:00Z",
        "eventSource": "kms.amazonaws.com",
        "eventName": "ScheduleKeyDeletion",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "192.0.2.1",
        "eventID": "e1",
        "eventType": "AwsApiCall",
        "recipientAccountId": "123456789012",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLE:s1",
            "arn": "arn:aws:sts::123456789012:assumed-role/alice/s1"
        }
    });
    dir.write("trail/a.jsonl", format!("{record}\n"));
    dir.write(
        "server.yaml",
        "alerts:\n  kmsKeyDeletion: true\n  overrides:\n    kmsKeyDeletion:\n      excludeUserArns: ['arn:aws:sts::123456789012:assumed-role/bob/s1']\n",
    );
    let (out, doc) = sarif(&dir, &["--config", "server.yaml", "trail"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        located(&doc),
        [(
            "CW006".to_owned(),
            "kmsKeyDeletion".to_owned(),
            "server.yaml".to_owned(),
            5,
            7
        )]
    );
}

#[test]
fn a_pattern_file_finding_points_at_the_file() {
    let dir = TempDir::new("sarif-pattern");
    dir.write(
        "patterns/root.txt",
        "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy != \"x\" }\n",
    );
    let (out, doc) = sarif(&dir, &["-f", "patterns/root.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        located(&doc),
        [(
            "CW001".to_owned(),
            String::new(),
            "patterns/root.txt".to_owned(),
            1,
            1
        )]
    );

    // An inline pattern has no file: the result has no location, and is still valid.
    let (_, doc) = sarif(&dir, &["--pattern", "{ $.a != 1 }"]);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert!(results[0].get("locations").is_none());
}

#[test]
fn a_clean_config_gives_an_empty_valid_log() {
    let dir = TempDir::new("sarif-clean");
    dir.write("server.yaml", "alerts:\n  rootAccountUsage: true\n");
    let (out, doc) = sarif(&dir, &["--config", "server.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(doc["runs"][0]["results"], json!([]));
}

/// The validator is not a rubber stamp: a level SARIF does not define is rejected.
#[test]
fn the_schema_check_rejects_invalid_sarif() {
    let dir = TempDir::new("sarif-invalid");
    dir.write("server.yaml", CONFIG);
    let (_, mut doc) = sarif(&dir, &["--config", "server.yaml"]);
    doc["runs"][0]["results"][0]["level"] = json!("warn");
    assert!(schema_errors(&doc).is_some());
    doc["runs"][0]["results"][0]["level"] = json!("warning");
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        json!(0);
    assert!(schema_errors(&doc).is_some());
}

/// `--configs FILE...` (the pre-commit hook's entry): each config linted as `--config` would,
/// text findings prefixed with `FILE:LINE:COL:`, one SARIF run over every file, and a config
/// that does not load reported while the others are still linted (exit 2).
#[test]
fn several_configs_in_one_call() {
    let dir = TempDir::new("sarif-configs");
    dir.write("a/server.yaml", "alerts:\n  rootAccountUsage: true\n");
    dir.write("b/server.yaml", "alerts:\n  consoleLoginWithoutMfa: true\n");
    let run = |args: &[&str]| {
        cwfilter()
            .current_dir(&*dir)
            .arg("lint")
            .args(args)
            .output()
            .unwrap()
    };

    let o = run(&["--configs", "a/server.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());

    // CW001 is in the built-in pattern: a note, unless denied.
    let o = run(&["--configs", "a/server.yaml", "b/server.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.starts_with("b/server.yaml:2:3: note[CW001] consoleLoginWithoutMfa: "),
        "{text}"
    );
    assert!(text.contains("\n  fix: "), "{text}");

    let (o, doc) = sarif(
        &dir,
        &[
            "--deny",
            "CW001",
            "--configs",
            "a/server.yaml",
            "b/server.yaml",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(doc["runs"][0]["results"][0]["level"], "warning");
    assert_eq!(
        located(&doc),
        [(
            "CW001".to_owned(),
            "consoleLoginWithoutMfa".to_owned(),
            "b/server.yaml".to_owned(),
            2,
            3
        )]
    );

    let o = run(&[
        "--format",
        "json",
        "--configs",
        "missing.yaml",
        "b/server.yaml",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.yaml"), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["configs"][0]["config"], "b/server.yaml");
    assert_eq!(doc["configs"][0]["warnings"][0]["id"], "CW001");
    assert_eq!(doc["configs"][0]["warnings"][0]["line"], 2);

    // Trail PATHs cannot follow: --configs takes every argument after it.
    let o = run(&["--configs", "a/server.yaml", "--config", "b/server.yaml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_cloudformation_finding_points_at_the_filter_in_its_template() {
    let dir = TempDir::new("sarif-cfn");
    let template = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/deployed/cloudformation.yaml"
    ))
    .unwrap();
    dir.write("stacks/cis.yaml", &template);
    // The AWS CLI's output beside it: each finding names the file its detector comes from.
    let (out, doc) = sarif(&dir, &["--config", "stacks/cis.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = located(&doc);
    let line_of = |needle: &str| {
        template
            .lines()
            .position(|l| l.contains(needle))
            .map(|i| i as u64 + 1)
            .unwrap()
    };
    // CIS.3's `$.additionalEventData.MFAUsed != "Yes"` without a NOT EXISTS guard: CW001, on
    // the FilterPattern of the ConsoleLoginWithoutMfa filter.
    let filter_line = line_of("ConsoleLoginWithoutMfaMetricFilter:");
    let pattern_line = filter_line
        + template
            .lines()
            .skip(filter_line as usize)
            .position(|l| l.contains("FilterPattern:"))
            .unwrap() as u64
        + 1;
    assert!(
        found.contains(&(
            "CW001".to_owned(),
            "ConsoleLoginWithoutMfaMetricFilter".to_owned(),
            "stacks/cis.yaml".to_owned(),
            pattern_line,
            22
        )),
        "{found:?}"
    );
    assert!(found
        .iter()
        .all(|(_, _, uri, line, _)| uri == "stacks/cis.yaml" && *line > 1));
}
