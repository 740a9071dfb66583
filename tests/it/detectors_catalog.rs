//! The built-in catalogs against the research data they were generated from, and upstream's
//! own test assertions (upstream-notes.md §8) replayed against our loader.

use std::collections::BTreeSet;

use cwfilter::alarm::TreatMissingData;
use cwfilter::detectors::{self, catalog, load_str, Detector, Loaded, Profile};
use serde::Deserialize;

#[derive(Deserialize)]
struct UpstreamFile {
    detectors: Vec<UpstreamDetector>,
}

#[derive(Deserialize)]
struct UpstreamDetector {
    key: String,
    cis_control: Option<String>,
    metric_name: String,
    description: String,
    filter_pattern: String,
    filter_pattern_length: usize,
    threshold: f64,
    period: u32,
    evaluation_periods: u32,
    statistic: String,
    comparison_operator: String,
    treat_missing_data: String,
}

#[derive(Deserialize)]
struct CisFile {
    controls: Vec<CisControl>,
}

#[derive(Deserialize)]
struct CisControl {
    id: String,
    security_hub_pattern: String,
    security_hub_pattern_length: usize,
    upstream_detector: String,
}

fn upstream_data() -> Vec<UpstreamDetector> {
    let text = include_str!("../data/upstream-detectors.yaml");
    serde_saphyr::from_str::<UpstreamFile>(text)
        .expect("tests/data/upstream-detectors.yaml parses")
        .detectors
}

fn cis_data() -> Vec<CisControl> {
    let text = include_str!("../data/cis-cloudwatch.yaml");
    serde_saphyr::from_str::<CisFile>(text)
        .expect("tests/data/cis-cloudwatch.yaml parses")
        .controls
}

fn load(yaml: &str) -> Loaded {
    match load_str(yaml, "test.yaml", Profile::Upstream) {
        Ok(l) => l,
        Err(e) => panic!("config should load, got:\n{e}"),
    }
}

fn one(yaml: &str, key: &str) -> Detector {
    let l = load(yaml);
    l.detectors
        .into_iter()
        .find(|d| d.key == key)
        .unwrap_or_else(|| panic!("{key} not enabled"))
}

fn override_yaml(key: &str, body: &str) -> String {
    format!("alerts:\n  {key}: true\n  overrides:\n    {key}:\n{body}")
}

#[test]
fn upstream_catalog_is_byte_identical_to_the_research_data() {
    let data = upstream_data();
    let ours = catalog(Profile::Upstream);
    assert_eq!(data.len(), 23);
    assert_eq!(ours.len(), 23);
    for (d, e) in data.iter().zip(ours) {
        assert_eq!(e.key, d.key);
        assert_eq!(
            e.pattern.as_bytes(),
            d.filter_pattern.as_bytes(),
            "{}",
            d.key
        );
        assert_eq!(
            e.pattern.chars().count(),
            d.filter_pattern_length,
            "{}",
            d.key
        );
        assert_eq!(e.length, d.filter_pattern_length, "{}", d.key);
        assert_eq!(e.metric_name, d.metric_name);
        assert_eq!(e.description, d.description);
        assert_eq!(e.cis_control, d.cis_control);
        assert_eq!(e.threshold, d.threshold, "{}", d.key);
        assert_eq!(e.period, d.period);
        assert_eq!(e.evaluation_periods, d.evaluation_periods);
        assert_eq!(format!("{:?}", e.statistic), d.statistic);
        assert_eq!(
            format!("{:?}", e.comparison_operator),
            d.comparison_operator
        );
        assert_eq!(d.treat_missing_data, "notBreaching");
        assert_eq!(e.treat_missing_data, TreatMissingData::NotBreaching);
    }
}

#[test]
fn securityhub_catalog_is_byte_identical_to_the_research_data() {
    let data = cis_data();
    let ours = catalog(Profile::SecurityHub);
    assert_eq!(data.len(), 14);
    assert_eq!(ours.len(), 14);
    for (c, e) in data.iter().zip(ours) {
        assert_eq!(e.key, c.upstream_detector);
        assert_eq!(e.cis_control.as_deref(), Some(c.id.as_str()));
        assert_eq!(
            e.pattern.as_bytes(),
            c.security_hub_pattern.as_bytes(),
            "{}",
            c.id
        );
        assert_eq!(e.pattern.len(), c.security_hub_pattern_length, "{}", c.id);
        assert_eq!((e.threshold, e.period, e.evaluation_periods), (1.0, 300, 1));
    }
}

#[test]
fn no_config_enables_every_detector_with_defaults_sorted_by_key() {
    let l = detectors::load(None, Profile::Upstream).unwrap();
    assert!(l.warnings.is_empty());
    assert_eq!(l.detectors.len(), 23);
    let keys: Vec<&str> = l.detectors.iter().map(|d| d.key.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    for d in &l.detectors {
        assert_eq!(d.pattern, d.base_pattern);
        assert!(d.exclusions.is_empty());
        assert_eq!(d.alarm.datapoints_to_alarm, d.alarm.evaluation_periods);
        assert_eq!(
            d.alarm.treat_missing_data,
            cwfilter::alarm::TreatMissingData::NotBreaching
        );
    }
    let sh = detectors::load(None, Profile::SecurityHub).unwrap();
    assert_eq!(sh.detectors.len(), 14);
}

// Upstream tests 1, 13, 24, 28: all 23 on, each with a description, a `{` pattern, unique names.
#[test]
fn upstream_all_enabled() {
    let keys: Vec<&str> = catalog(Profile::Upstream)
        .iter()
        .map(|e| e.key.as_str())
        .collect();
    let yaml = format!(
        "alerts:\n{}",
        keys.iter()
            .map(|k| format!("  {k}: true\n"))
            .collect::<String>()
    );
    let l = load(&yaml);
    assert_eq!(l.detectors.len(), 23);
    let names: BTreeSet<&str> = l.detectors.iter().map(|d| d.metric_name.as_str()).collect();
    assert_eq!(names.len(), 23);
    for expected in [
        "ct-root-account-usage",
        "ct-unauthorized-api-calls",
        "ct-iam-policy-changes",
        "ct-kms-key-policy",
        "ct-kms-key-grants",
        "ct-anonymous-probes",
    ] {
        assert!(names.contains(expected), "{expected}");
    }
    for d in &l.detectors {
        assert!(!d.description.is_empty());
        assert!(d.pattern.starts_with('{'), "{}", d.key);
    }
}

// Upstream tests 2-8.
#[test]
fn upstream_default_definitions() {
    let all = detectors::load(None, Profile::Upstream).unwrap().detectors;
    let get = |k: &str| all.iter().find(|d| d.key == k).unwrap();
    assert!(get("consoleLoginWithoutMfa")
        .pattern
        .contains(r#"$.userIdentity.type = "IAMUser""#));
    assert_eq!(get("anonymousProbes").alarm.threshold, 10.0);
    let ua = get("unauthorizedApiCalls");
    assert_eq!(ua.alarm.threshold, 10.0);
    assert!(ua.pattern.contains("($.userIdentity.type NOT EXISTS)"));
    assert!(ua
        .pattern
        .contains(r#"$.userIdentity.type != "AWSService""#));
    assert!(ua
        .pattern
        .contains(r#"$.userIdentity.type != "AWSAccount""#));
    let kp = get("kmsKeyPolicy");
    assert!(kp.pattern.contains(r#"$.eventName = "PutKeyPolicy""#));
    for g in ["CreateGrant", "RetireGrant", "RevokeGrant"] {
        assert!(!kp.pattern.contains(g));
        assert!(get("kmsKeyGrants").pattern.contains(g));
    }
    assert_eq!(kp.alarm.threshold, 1.0);
    assert!(!get("kmsKeyGrants").pattern.contains("PutKeyPolicy"));
    assert_eq!(get("kmsKeyGrants").alarm.threshold, 10.0);
    // Upstream test 9: the pre-split key is gone.
    assert!(!all.iter().any(|d| d.key == "kmsKeyPolicyChanges"));
}

// Upstream tests 10-12.
#[test]
fn upstream_partial_none_and_deterministic() {
    let l = load("alerts:\n  rootAccountUsage: true\n  naclChanges: true\n  vpcChanges: true\n  iamPolicyChanges: false\n");
    assert_eq!(l.detectors.len(), 3);
    assert!(load("alerts: {}\n").detectors.is_empty());
    assert!(load("alerts:\n").detectors.is_empty());
    let five = "alerts:\n  vpcChanges: true\n  unauthorizedApiCalls: true\n  rootAccountUsage: true\n  naclChanges: true\n  failedConsoleLogins: true\n";
    let first: Vec<String> = load(five)
        .detectors
        .into_iter()
        .map(|d| d.metric_name)
        .collect();
    assert_eq!(
        first,
        [
            "ct-failed-console-logins",
            "ct-nacl-changes",
            "ct-root-account-usage",
            "ct-unauthorized-api-calls",
            "ct-vpc-changes"
        ]
    );
    for _ in 0..10 {
        let again: Vec<String> = load(five)
            .detectors
            .into_iter()
            .map(|d| d.metric_name)
            .collect();
        assert_eq!(again, first);
    }
}

// Upstream test 14.
#[test]
fn upstream_override_exclusions() {
    let d = one(
        &override_yaml(
            "iamPolicyChanges",
            "      excludeUserNames: [integrail-deployer-bot]\n",
        ),
        "iamPolicyChanges",
    );
    assert!(d.pattern.starts_with("{ ("));
    assert!(d.pattern.ends_with(" }"));
    assert!(d.pattern.contains("PutRolePolicy"));
    assert!(d.pattern.contains(r#"(($.userIdentity.userName NOT EXISTS) || ($.userIdentity.userName != "integrail-deployer-bot"))"#));
}

// Upstream test 15.
#[test]
fn upstream_not_exists_guard_multiple_values() {
    let d = one(
        &override_yaml(
            "iamPolicyChanges",
            "      excludeUserNames: [gamma, alpha, beta]\n",
        ),
        "iamPolicyChanges",
    );
    assert!(d.pattern.contains(r#"(($.userIdentity.userName NOT EXISTS) || (($.userIdentity.userName != "alpha") && ($.userIdentity.userName != "beta") && ($.userIdentity.userName != "gamma")))"#));
}

// Upstream tests 16-17.
#[test]
fn upstream_multiple_fields_and_determinism() {
    let a = one(
        &override_yaml(
            "unauthorizedApiCalls",
            "      excludeUserNames: [bot]\n      excludeUserTypes: [AWSService, AWSAccount]\n      excludeInvokedBy: [s3.amazonaws.com, lambda.amazonaws.com]\n      excludeUserArnGlobs: ['arn:aws:sts::*:assumed-role/AWSServiceRoleFor*/*']\n",
        ),
        "unauthorizedApiCalls",
    );
    for guard in ["userName", "type", "invokedBy", "arn"] {
        assert!(a
            .pattern
            .contains(&format!("($.userIdentity.{guard} NOT EXISTS)")));
    }
    assert!(a
        .pattern
        .contains(r#""arn:aws:sts::*:assumed-role/AWSServiceRoleFor*/*""#));
    let b = one(
        &override_yaml(
            "unauthorizedApiCalls",
            "      excludeUserArnGlobs: ['arn:aws:sts::*:assumed-role/AWSServiceRoleFor*/*']\n      excludeInvokedBy: [lambda.amazonaws.com, s3.amazonaws.com]\n      excludeUserTypes: [AWSAccount, AWSService]\n      excludeUserNames: [bot]\n",
        ),
        "unauthorizedApiCalls",
    );
    assert_eq!(a.pattern, b.pattern);
}

// Upstream tests 18-19.
#[test]
fn upstream_numbers_and_empty_override() {
    let d = one(
        &override_yaml(
            "iamPolicyChanges",
            "      threshold: 10\n      period: 600\n      evaluationPeriods: 2\n",
        ),
        "iamPolicyChanges",
    );
    assert_eq!(
        (
            d.alarm.threshold,
            d.alarm.period,
            d.alarm.evaluation_periods
        ),
        (10.0, 600, 2)
    );
    assert_eq!(d.pattern, d.base_pattern);
    let e = one(
        &override_yaml("iamPolicyChanges", "      {}\n"),
        "iamPolicyChanges",
    );
    assert_eq!(e.pattern, e.base_pattern);
    assert_eq!(e.alarm.threshold, 1.0);
    let f = one(
        &override_yaml("iamPolicyChanges", "      excludeUserNames: []\n"),
        "iamPolicyChanges",
    );
    assert_eq!(f.pattern, f.base_pattern);
}

// Upstream tests 21-23.
#[test]
fn upstream_empty_strings_duplicates_and_enabled_alerts() {
    let d = one(
        &override_yaml(
            "iamPolicyChanges",
            "      excludeUserNames: ['', real-bot, '']\n",
        ),
        "iamPolicyChanges",
    );
    assert_eq!(d.pattern.matches("$.userIdentity.userName").count(), 2);
    assert!(d.pattern.contains("\"real-bot\""));
    assert!(!d.pattern.contains("!= \"\""));
    let d = one(
        &override_yaml(
            "iamPolicyChanges",
            "      excludeUserNames: [bot, bot, bot]\n",
        ),
        "iamPolicyChanges",
    );
    assert_eq!(d.pattern.matches("\"bot\"").count(), 1);
    let l = load(&override_yaml(
        "iamPolicyChanges",
        "      excludeUserNames: [integrail-deployer-bot]\n",
    ));
    assert_eq!(l.detectors.len(), 1);
    assert_eq!(l.detectors[0].metric_name, "ct-iam-policy-changes");
    assert!(l.detectors[0]
        .pattern
        .contains("\"integrail-deployer-bot\""));
}

// Upstream tests 25-27 (validateOverrides), with our stricter message.
#[test]
fn upstream_validate_overrides() {
    load("alerts:\n  iamPolicyChanges: true\n");
    load(&override_yaml("iamPolicyChanges", "      threshold: 2\n"));
    let e = load_str(
        "alerts:\n  overrides:\n    unauthorizedApiCall: {}\n",
        "t.yaml",
        Profile::Upstream,
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("unknown detector key `unauthorizedApiCall`"),
        "{text}"
    );
    assert!(
        text.contains("did you mean `unauthorizedApiCalls`?"),
        "{text}"
    );
}

#[derive(Deserialize)]
struct Worked {
    name: String,
    key: String,
    overrides: serde_json::Map<String, serde_json::Value>,
    length: usize,
    pattern: String,
}

/// The worked outputs of upstream-notes.md §4.3 (lengths from the notes; strings from an
/// independent re-implementation of upstream's algorithm).
#[test]
fn worked_examples_are_byte_identical() {
    let text = include_str!("../data/upstream-worked-examples.jsonl");
    let mut n = 0;
    for line in text.lines() {
        let w: Worked = serde_json::from_str(line).unwrap();
        let body: String = w
            .overrides
            .iter()
            .map(|(k, v)| format!("      {k}: {v}\n"))
            .collect();
        let d = one(&override_yaml(&w.key, &body), &w.key);
        assert_eq!(d.pattern, w.pattern, "{}", w.name);
        assert_eq!(d.pattern_len(), w.length, "{}", w.name);
        n += 1;
    }
    assert_eq!(n, 5);
}
