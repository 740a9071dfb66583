//! `cwfilter detectors` end to end: upstream's own examples print upstream's patterns byte
//! for byte.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::support::{run as cwfilter, TempDir};

fn json_of(args: &[&str]) -> Vec<Value> {
    let out = cwfilter(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&out.stdout).expect("stdout is a JSON array")
}

fn by_key(array: &[Value]) -> BTreeMap<String, &Value> {
    array
        .iter()
        .map(|d| (d["key"].as_str().unwrap().to_owned(), d))
        .collect()
}

#[derive(Deserialize)]
struct UpstreamFile {
    detectors: Vec<UpstreamDetector>,
}
#[derive(Deserialize)]
struct UpstreamDetector {
    key: String,
    filter_pattern: String,
}

fn upstream_patterns() -> BTreeMap<String, String> {
    serde_saphyr::from_str::<UpstreamFile>(include_str!("../data/upstream-detectors.yaml"))
        .unwrap()
        .detectors
        .into_iter()
        .map(|d| (d.key, d.filter_pattern))
        .collect()
}

#[derive(Deserialize)]
struct Worked {
    name: String,
    pattern: String,
}

fn worked(name: &str) -> String {
    include_str!("../data/upstream-worked-examples.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<Worked>(l).unwrap())
        .find(|w| w.name.starts_with(name))
        .unwrap()
        .pattern
}

#[test]
fn json_objects_carry_the_contract_fields_sorted_by_key() {
    let array = json_of(&["detectors", "--format", "json"]);
    assert_eq!(array.len(), 23);
    let keys: Vec<&str> = array.iter().map(|d| d["key"].as_str().unwrap()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let upstream = upstream_patterns();
    for d in &array {
        for field in [
            "key",
            "pattern",
            "threshold",
            "period",
            "evaluationPeriods",
            "datapointsToAlarm",
            "metricName",
            "description",
        ] {
            assert!(!d[field].is_null(), "{field} missing in {d}");
        }
        let key = d["key"].as_str().unwrap();
        assert_eq!(d["pattern"].as_str().unwrap(), upstream[key], "{key}");
        assert_eq!(d["basePattern"], d["pattern"]);
        assert_eq!(d["treatMissingData"], "notBreaching");
        assert_eq!(d["length"], upstream[key].len());
    }
    let ua = &by_key(&array)["unauthorizedApiCalls"];
    assert_eq!(ua["threshold"], 10.0);
    assert_eq!(ua["period"], 300);
    assert_eq!(ua["cisControl"], "CloudWatch.2");
}

#[test]
fn pr277_example_prints_upstreams_patterns() {
    let array = json_of(&[
        "detectors",
        "--config",
        "tests/data/pr277-example.yaml",
        "--format",
        "json",
    ]);
    let m = by_key(&array);
    assert_eq!(m.len(), 2);
    assert_eq!(m["iamPolicyChanges"]["pattern"], worked("iam-pr-example"));
    assert_eq!(m["iamPolicyChanges"]["length"], 812);
    let ua = m["unauthorizedApiCalls"]["pattern"].as_str().unwrap();
    assert_eq!(ua.len(), 744);
    assert_eq!(
        ua,
        r#"{ ((($.errorCode = "AccessDenied") || ($.errorCode = "AccessDeniedException") || ($.errorCode = "UnauthorizedAccess") || ($.errorCode = "Client.UnauthorizedAccess") || ($.errorCode = "Client.UnauthorizedOperation") || ($.errorCode = "UnauthorizedOperation")) && (($.userIdentity.type NOT EXISTS) || (($.userIdentity.type != "AWSService") && ($.userIdentity.type != "AWSAccount")))) && (($.userIdentity.userName NOT EXISTS) || ($.userIdentity.userName != "prowler-readonly")) && (($.userIdentity.arn NOT EXISTS) || ($.userIdentity.arn != "arn:aws:sts::*:assumed-role/AWSServiceRoleFor*/*")) && (($.userIdentity.invokedBy NOT EXISTS) || (($.userIdentity.invokedBy != "lambda.amazonaws.com") && ($.userIdentity.invokedBy != "s3.amazonaws.com"))) }"#
    );
    let excl = m["unauthorizedApiCalls"]["exclusions"].as_array().unwrap();
    let kinds: Vec<&str> = excl.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "excludeUserNames",
            "excludeUserArnGlobs",
            "excludeInvokedBy"
        ]
    );
    assert_eq!(
        excl[2]["values"],
        serde_json::json!(["lambda.amazonaws.com", "s3.amazonaws.com"])
    );
}

#[test]
fn simple_container_server_yaml_prints_upstreams_patterns() {
    let array = json_of(&[
        "detectors",
        "--config",
        "tests/data/server.yaml",
        "--format",
        "json",
    ]);
    let m = by_key(&array);
    assert_eq!(m.len(), 23);
    assert_eq!(m["iamPolicyChanges"]["pattern"], worked("iam-pr-example"));
    assert_eq!(
        m["unauthorizedApiCalls"]["pattern"],
        worked("unauthorized-pr-example")
    );
    assert_eq!(m["unauthorizedApiCalls"]["length"], 823);
    assert_eq!(
        m["consoleLoginWithoutMfa"]["pattern"],
        worked("console-sso-glob")
    );
    let upstream = upstream_patterns();
    for (key, d) in &m {
        if ![
            "iamPolicyChanges",
            "unauthorizedApiCalls",
            "consoleLoginWithoutMfa",
        ]
        .contains(&key.as_str())
        {
            assert_eq!(d["pattern"].as_str().unwrap(), upstream[key], "{key}");
        }
    }
}

#[test]
fn table_lists_one_row_per_detector() {
    let out = cwfilter(&["detectors", "--config", "tests/data/pr277-example.yaml"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("KEY "));
    assert!(lines[1].starts_with("iamPolicyChanges "));
    assert!(lines[1].contains(" 812 "));
    assert!(lines[2].starts_with("unauthorizedApiCalls "));
}

#[test]
fn securityhub_profile_has_the_14_controls() {
    let array = json_of(&["detectors", "--profile", "securityhub", "--format", "json"]);
    assert_eq!(array.len(), 14);
    let m = by_key(&array);
    assert_eq!(m["rootAccountUsage"]["metricName"], "CloudWatch.1");
    assert_eq!(
        m["rootAccountUsage"]["pattern"],
        r#"{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}"#
    );
}

#[test]
fn config_errors_exit_2_with_file_line_and_column() {
    let dir = TempDir::new("detectors-bad-config");
    let path = dir.join("bad.yaml");
    std::fs::write(
        &path,
        "alerts:\n  iamPolicyChanges: true\n  overrides:\n    iamPolicyChanges:\n      excludeUsernames: [bot]\n",
    )
    .unwrap();
    let out = cwfilter(&["detectors", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("bad.yaml:5:7: unknown field `excludeUsernames`"),
        "{err}"
    );
    assert!(
        err.contains("help: did you mean `excludeUserNames`?"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = cwfilter(&["detectors", "--config", "does/not/exist.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let out = cwfilter(&["detectors", "--profile", "cis"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn config_warnings_go_to_stderr_and_exit_0() {
    let dir = TempDir::new("detectors-warn");
    let path = dir.join("warn.yaml");
    std::fs::write(
        &path,
        "alerts:\n  vpcChanges: true\n  overrides:\n    naclChanges:\n      threshold: 2\n",
    )
    .unwrap();
    let out = cwfilter(&[
        "detectors",
        "--config",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("cwfilter: warning: "), "{err}");
    assert!(
        err.contains("warn.yaml:4:5: override for `naclChanges` has no effect"),
        "{err}"
    );
    let array: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(array.len(), 1);
}

/// Regression (#10 bug 1): a custom detector whose regex the engine refuses was accepted by
/// `detectors` (validation did not compile regexes) and only failed later in `replay`. The
/// loader validates with the parser, which now compiles regexes as the evaluator does.
#[test]
fn custom_detector_with_an_uncompilable_regex_is_rejected_when_loaded() {
    let dir = std::env::temp_dir().join(format!("cwfilter-cli-badregex-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("badregex.yaml");
    std::fs::write(
        &path,
        "alerts:\n  custom:\n    - name: badRegex\n      pattern: '{ $.a = %a{5,3}% }'\n      description: a repetition whose bounds are reversed\n",
    )
    .unwrap();
    let out = cwfilter(&["detectors", "--config", path.to_str().unwrap()]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("`badRegex`: invalid filter pattern: invalid regular expression"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

/// Issue 10 (structure): `detectors --format json` and `replay --format json` name the same
/// alarm settings alike (camelCase, the config's keys; docs/configuration.md) and give them the
/// same values.
#[test]
fn alarm_settings_have_the_same_names_and_values_in_detectors_and_replay() {
    let dir = TempDir::new("alarm-names");
    let config = dir.write(
        "c.yaml",
        "alerts:\n  custom:\n    - name: bigDeletes\n      pattern: '{ $.eventName = \"DeleteBucket\" }'\n      threshold: 2\n      period: 600\n      evaluationPeriods: 3\n      datapointsToAlarm: 2\n      treatMissingData: breaching\n",
    );
    let config = config.to_str().unwrap();
    let detectors = json_of(&["detectors", "--format", "json", "--config", config]);
    let listed = &by_key(&detectors)["bigDeletes"];
    let trail = dir.write(
        "trail.jsonl",
        "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventName\":\"X\"}\n",
    );
    let out = cwfilter(&[
        "replay",
        "--format",
        "json",
        "--config",
        config,
        trail.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let alarm = &report["detectors"][0]["alarm"];
    let settings = [
        "threshold",
        "period",
        "evaluationPeriods",
        "datapointsToAlarm",
        "treatMissingData",
    ];
    for name in settings {
        assert!(
            !alarm[name].is_null(),
            "replay's alarm lacks {name}: {alarm}"
        );
        assert_eq!(alarm[name], listed[name], "{name}");
    }
    assert_eq!(alarm["treatMissingData"], "breaching");
    assert_eq!(alarm["evaluationPeriods"], 3);
    // No snake_case spelling in either.
    for text in [listed.to_string(), alarm.to_string()] {
        assert!(!text.contains("evaluation_periods") && !text.contains("treat_missing_data"));
    }
}
