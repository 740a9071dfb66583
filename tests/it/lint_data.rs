//! `cwfilter lint ... PATH`: the checks that need a trail (CW006, CW007), on small hand-built
//! trails.

use serde_json::{json, Value};

use cwfilter::detectors::lint::{Finding, LintId};
use cwfilter::detectors::lint_data::{TrailLint, TrailReport};
use cwfilter::detectors::{load, load_str, Detector, Profile};

const ACCOUNT: &str = "123456789012";

/// A CloudTrail record by an assumed role `role` (session `session`).
fn by_role(source: &str, name: &str, role: &str, session: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "eventTime": "2026-11-01T10:00:00Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": format!("AROAEXAMPLE{role}:{session}"),
            "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"),
            "accountId": ACCOUNT,
            "sessionContext": {"sessionIssuer": {"type": "Role", "userName": role}}
        },
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT
    })
}

fn kms_deletion(role: &str) -> Value {
    by_role("kms.amazonaws.com", "ScheduleKeyDeletion", role, "s1")
}

fn detectors(yaml: &str) -> Vec<Detector> {
    load_str(yaml, "c.yaml", Profile::Upstream)
        .unwrap_or_else(|e| panic!("{e}"))
        .detectors
}

fn run_lint(lint: &TrailLint, records: &[Value]) -> TrailReport {
    let mut acc = lint.accumulator();
    for r in records {
        lint.observe(&mut acc, &r.to_string()).unwrap();
    }
    lint.finish(&acc)
}

fn ids(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.id.code()).collect()
}

fn kms_with(override_yaml: &str) -> Vec<Detector> {
    detectors(&format!(
        "alerts:\n  kmsKeyDeletion: true\n  overrides:\n    kmsKeyDeletion:\n{override_yaml}"
    ))
}

#[test]
fn cw006_mid_star_arn_glob_removes_nothing_while_trailing_glob_works() {
    let trail = [
        kms_deletion("ci-deployer"),
        kms_deletion("ci-deployer"),
        kms_deletion("alice"),
    ];

    // upstream's README shape: the account as `*` in the middle, taken literally.
    let mid =
        kms_with("      excludeUserArnGlobs: ['arn:aws:sts::*:assumed-role/ci-deployer/*']\n");
    let report = run_lint(&TrailLint::for_detectors(&mid).unwrap(), &trail);
    assert_eq!(ids(&report.findings), ["CW006"]);
    let f = &report.findings[0];
    assert_eq!(f.detector.as_deref(), Some("kmsKeyDeletion"));
    assert!(f.message.starts_with("excludeUserArnGlobs (\"arn:aws:sts::*:assumed-role/ci-deployer/*\") removed none of the 3 events"), "{}", f.message);
    assert!(f.fix.contains("middle of a value literally"), "{}", f.fix);
    assert!(f.fix.contains("excludePrincipalIds"), "{}", f.fix);
    assert_eq!(report.exclusions.len(), 1);
    assert_eq!(
        (
            report.exclusions[0].base_matches,
            report.exclusions[0].removed
        ),
        (3, 0)
    );

    // The fix: the account spelled out, only a trailing `*`.
    let trailing = kms_with(&format!(
        "      excludeUserArnGlobs: ['arn:aws:sts::{ACCOUNT}:assumed-role/ci-deployer/*']\n"
    ));
    let report = run_lint(&TrailLint::for_detectors(&trailing).unwrap(), &trail);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    let u = &report.exclusions[0];
    assert_eq!((u.base_matches, u.removed), (3, 2));
    assert_eq!(u.config_key, "excludeUserArnGlobs");
    assert_eq!(u.values[0].removed, 2);
}

#[test]
fn cw006_user_names_on_assumed_roles_and_per_value_counts() {
    let trail = [kms_deletion("ci-deployer"), kms_deletion("alice")];
    let ds = kms_with(
        "      excludeUserNames: [ci-deployer]\n      excludePrincipalIds: ['AROAEXAMPLEci-deployer:s1', 'AROAEXAMPLEgone:s1']\n",
    );
    let report = run_lint(&TrailLint::for_detectors(&ds).unwrap(), &trail);
    // Only the userName clause removed nothing; the principal-id clause removed one event.
    assert_eq!(ids(&report.findings), ["CW006"]);
    let f = &report.findings[0];
    assert!(
        f.message.starts_with("excludeUserNames (\"ci-deployer\")"),
        "{}",
        f.message
    );
    assert!(
        f.fix
            .contains("arn:aws:sts::<account-id>:assumed-role/<role>/*"),
        "{}",
        f.fix
    );
    let principal = report
        .exclusions
        .iter()
        .find(|u| u.config_key == "excludePrincipalIds")
        .unwrap();
    assert_eq!(principal.removed, 1);
    let per_value: Vec<(&str, u64)> = principal
        .values
        .iter()
        .map(|v| (v.value.as_str(), v.removed))
        .collect();
    assert_eq!(
        per_value,
        [("AROAEXAMPLEci-deployer:s1", 1), ("AROAEXAMPLEgone:s1", 0)]
    );
}

#[test]
fn cw006_needs_base_matches() {
    // The base pattern matched nothing: nothing to remove, so no judgement on the exclusion.
    let ds = kms_with("      excludeUserNames: [ci-deployer]\n");
    let trail = [by_role(
        "s3.amazonaws.com",
        "GetObject",
        "ci-deployer",
        "s1",
    )];
    let report = run_lint(&TrailLint::for_detectors(&ds).unwrap(), &trail);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(
        (
            report.exclusions[0].base_matches,
            report.exclusions[0].removed
        ),
        (0, 0)
    );
}

#[test]
fn cw006_a_clause_on_an_absent_field_keeps_the_event() {
    // No userIdentity.invokedBy: the NOT EXISTS guard keeps the event, so nothing is removed.
    let ds = kms_with("      excludeInvokedBy: [cloudformation.amazonaws.com]\n");
    let report = run_lint(
        &TrailLint::for_detectors(&ds).unwrap(),
        &[kms_deletion("x")],
    );
    assert_eq!(ids(&report.findings), ["CW006"]);
    let mut invoked = kms_deletion("x");
    invoked["userIdentity"]["invokedBy"] = json!("cloudformation.amazonaws.com");
    let report = run_lint(
        &TrailLint::for_detectors(&ds).unwrap(),
        &[kms_deletion("x"), invoked],
    );
    assert!(report.findings.is_empty());
    assert_eq!(report.exclusions[0].removed, 1);
}

fn lambda_url(name: &str) -> Value {
    let mut r = by_role("lambda.amazonaws.com", name, "dev", "s1");
    r["requestParameters"] = json!({"functionName": "f", "authType": "NONE"});
    r
}

#[test]
fn cw007_versioned_lambda_event_name() {
    let all = load(None, Profile::Upstream).unwrap().detectors;
    let lint = TrailLint::for_detectors(&all).unwrap();
    let trail = [
        lambda_url("CreateFunctionUrlConfig20211031"),
        lambda_url("CreateFunctionUrlConfig20211031"),
        lambda_url("UpdateFunctionUrlConfig20211031"),
    ];
    let report = run_lint(&lint, &trail);
    let cw007: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.id == LintId::EventNameVariant)
        .collect();
    assert_eq!(cw007.len(), 2, "{:?}", report.findings);
    assert!(cw007
        .iter()
        .all(|f| f.detector.as_deref() == Some("lambdaUrlPublic")));
    assert_eq!(
        cw007[0].message,
        "eventName \"CreateFunctionUrlConfig\" never occurs in the trail, but \"CreateFunctionUrlConfig20211031\" does (2 events from lambda.amazonaws.com), so this condition misses them"
    );
    assert_eq!(
        cw007[0].fix,
        "match every version with a trailing wildcard: $.eventName = \"CreateFunctionUrlConfig*\""
    );
    assert!(cw007[1]
        .message
        .contains("\"UpdateFunctionUrlConfig20211031\" does (1 event"));

    // Once the unversioned name occurs too, the literal is in use: no warning for it.
    let mut with_plain = trail.to_vec();
    with_plain.push(lambda_url("CreateFunctionUrlConfig"));
    let report = run_lint(&lint, &with_plain);
    let names: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.id == LintId::EventNameVariant)
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(names.len(), 1);
    assert!(names[0].starts_with("eventName \"UpdateFunctionUrlConfig\""));
}

#[test]
fn cw007_pinned_event_source_must_match() {
    // lambdaUrlPublic pins lambda.amazonaws.com: a versioned name from another source is no
    // variant of its literal.
    let ds = detectors("alerts:\n  lambdaUrlPublic: true\n");
    let lint = TrailLint::for_detectors(&ds).unwrap();
    let other = by_role(
        "example.amazonaws.com",
        "CreateFunctionUrlConfig20211031",
        "d",
        "s",
    );
    assert!(run_lint(&lint, &[other]).findings.is_empty());
}

#[test]
fn cw007_case_variant() {
    let yaml = "alerts:\n  custom:\n    - name: bucketPolicy\n      pattern: '{ ($.eventSource = \"s3.amazonaws.com\") && ($.eventName = \"PutBucketPolicy\") }'\n";
    let lint = TrailLint::for_detectors(&detectors(yaml)).unwrap();
    let report = run_lint(
        &lint,
        &[by_role("s3.amazonaws.com", "putBucketPolicy", "r", "s")],
    );
    assert_eq!(ids(&report.findings), ["CW007"]);
    assert_eq!(
        report.findings[0].fix,
        "write \"putBucketPolicy\": CloudWatch compares eventName case-sensitively"
    );
    // Built-in detectors get case variants too.
    let console = |name: &str| {
        let mut r = by_role("signin.amazonaws.com", name, "r", "s");
        r["userIdentity"] = json!({"type": "IAMUser", "userName": "bob"});
        r["additionalEventData"] = json!({"MFAUsed": "No"});
        r
    };
    let mfa =
        TrailLint::for_detectors(&detectors("alerts:\n  consoleLoginWithoutMfa: true\n")).unwrap();
    let report = run_lint(&mfa, &[console("consoleLogin")]);
    assert_eq!(ids(&report.findings), ["CW007"]);
    assert!(run_lint(&mfa, &[console("ConsoleLogin")])
        .findings
        .is_empty());
}

#[test]
fn cw007_spelling_only_for_user_patterns_and_never_across_verbs() {
    let trail = [
        by_role("signin.amazonaws.com", "ConsoleLogin", "r", "s"),
        by_role("s3.amazonaws.com", "GetBucketCors", "r", "s"),
    ];
    let typo = TrailLint::for_pattern(r#"{ $.eventName = "ConsoleLogn" }"#).unwrap();
    let report = run_lint(&typo, &trail);
    assert_eq!(ids(&report.findings), ["CW007"]);
    assert_eq!(report.findings[0].detector, None);
    assert_eq!(
        report.findings[0].fix,
        "write \"ConsoleLogin\" if that is the operation meant"
    );
    // PutBucketCors is one edit from GetBucketCors, and a different operation.
    let put = TrailLint::for_pattern(r#"{ $.eventName = "PutBucketCors" }"#).unwrap();
    assert!(run_lint(&put, &trail).findings.is_empty());
    // A literal that never occurs, with nothing near: absence is no evidence.
    let absent = TrailLint::for_pattern(r#"{ $.eventName = "DeleteTrail" }"#).unwrap();
    assert!(run_lint(&absent, &trail).findings.is_empty());
    // Wildcards are not literals.
    let wild = TrailLint::for_pattern(r#"{ $.eventName = "consolelog*" }"#).unwrap();
    assert!(run_lint(&wild, &trail).findings.is_empty());
}

#[test]
fn no_false_warning_when_literals_occur() {
    let all = load(None, Profile::Upstream).unwrap().detectors;
    let lint = TrailLint::for_detectors(&all).unwrap();
    // Every literal of lambdaUrlPublic and kmsKeyDeletion occurs, with near names around.
    let trail = [
        lambda_url("CreateFunctionUrlConfig"),
        lambda_url("UpdateFunctionUrlConfig"),
        lambda_url("UpdateFunctionUrlConfig20211031"),
        kms_deletion("a"),
        by_role("kms.amazonaws.com", "DisableKey", "a", "s"),
        by_role("kms.amazonaws.com", "disablekey", "a", "s"),
    ];
    let report = run_lint(&lint, &trail);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert!(report.exclusions.is_empty());
    assert_eq!(report.records, 6);
}

#[test]
fn accumulators_merge_to_the_same_totals() {
    let ds = kms_with(&format!(
        "      excludeUserArnGlobs: ['arn:aws:sts::{ACCOUNT}:assumed-role/ci/*']\n      excludePrincipalIds: [a, b]\n"
    ));
    let lint = TrailLint::for_detectors(&ds).unwrap();
    let trail = [
        kms_deletion("ci"),
        kms_deletion("x"),
        lambda_url("CreateFunctionUrlConfig20211031"),
        kms_deletion("ci"),
    ];
    let whole = run_lint(&lint, &trail);
    let mut a = lint.accumulator();
    let mut b = lint.accumulator();
    for (i, r) in trail.iter().enumerate() {
        let acc = if i % 2 == 0 { &mut a } else { &mut b };
        lint.observe(acc, &r.to_string()).unwrap();
    }
    a.merge(b);
    assert_eq!(lint.finish(&a), whole);
    assert_eq!(whole.exclusions[0].removed, 0);
    assert_eq!(whole.exclusions[1].removed, 2);
}

// ---- the command ----

fn trail_dir(tag: &str, files: &[(&str, &[Value])]) -> TempDir {
    let dir = TempDir::new(&format!("lint-data-{tag}"));
    for (name, records) in files {
        let text: String = records.iter().map(|r| format!("{r}\n")).collect();
        dir.write(name, text);
    }
    dir
}

use crate::support::{run as cwfilter, TempDir};

#[test]
fn cli_text_json_and_exit_codes() {
    let dir = trail_dir(
        "cli",
        &[
            (
                "a.jsonl",
                &[kms_deletion("ci-deployer"), kms_deletion("alice")],
            ),
            ("b.jsonl", &[lambda_url("CreateFunctionUrlConfig20211031")]),
        ],
    );
    // Next to the trail directory, not in it (the reader would take it for a trail file).
    let config = dir.with_extension("yaml");
    std::fs::write(
        &config,
        "alerts:\n  kmsKeyDeletion: true\n  lambdaUrlPublic: true\n  overrides:\n    kmsKeyDeletion:\n      excludeUserArnGlobs: ['arn:aws:sts::*:assumed-role/ci-deployer/*']\n      excludePrincipalIds: ['AROAEXAMPLEci-deployer:s1']\n",
    )
    .unwrap();
    let (config, dir_s) = (config.to_str().unwrap(), dir.to_str().unwrap());

    let out = cwfilter(&["lint", "--config", config, dir_s]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("warning[CW002] kmsKeyDeletion: "), "{text}");
    assert!(
        text.contains("warning[CW006] kmsKeyDeletion: excludeUserArnGlobs "),
        "{text}"
    );
    // The built-in pattern's literal: a note (the config cannot change it).
    assert!(
        text.contains("note[CW007] lambdaUrlPublic: eventName \"CreateFunctionUrlConfig\""),
        "{text}"
    );
    assert!(
        text.contains("info kmsKeyDeletion: excludePrincipalIds removed 1 of the 2 events"),
        "{text}"
    );
    assert_eq!(text.matches("\n  fix: ").count(), 3, "{text}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("checked against 3 events from 2 inputs"),
        "{stderr}"
    );

    let out = cwfilter(&["lint", "--config", config, "--format", "json", dir_s]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warned: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap())
        .collect();
    assert_eq!(warned, ["CW002", "CW006", "CW007"]);
    let levels: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["warning", "warning", "note"]);
    assert_eq!(doc["warnings"][1]["name"], "exclusion-removed-nothing");
    assert_eq!(doc["trail"]["records"], 3);
    let exclusions = doc["trail"]["exclusions"].as_array().unwrap();
    assert_eq!(exclusions.len(), 2);
    assert_eq!(exclusions[0]["configKey"], "excludePrincipalIds");
    assert_eq!(exclusions[0]["removed"], 1);
    assert_eq!(exclusions[0]["baseMatches"], 2);
    assert_eq!(exclusions[1]["configKey"], "excludeUserArnGlobs");
    assert_eq!(exclusions[1]["removed"], 0);

    // Clean: the literal occurs, nothing to warn about.
    let clean = trail_dir("clean", &[("t.jsonl", &[kms_deletion("x")])]);
    let out = cwfilter(&[
        "lint",
        "--pattern",
        r#"{ $.eventName = "ScheduleKeyDeletion" }"#,
        clean.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let out = cwfilter(&[
        "lint",
        "--pattern",
        r#"{ $.eventName = "scheduleKeyDeletion" }"#,
        "--format",
        "json",
        clean.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["warnings"][0]["id"], "CW007");
    assert_eq!(doc["warnings"][0]["detector"], Value::Null);

    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(dir.with_extension("yaml"));
    let _ = std::fs::remove_dir_all(&clean);
}

#[test]
fn cli_unreadable_trail_is_an_error() {
    let dir = trail_dir("bad", &[("t.jsonl", &[kms_deletion("x")])]);
    std::fs::write(dir.join("u.json"), "{\"Records\": [ {\"eventName\": ").unwrap();
    let out = cwfilter(&["lint", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("u.json"), "{stderr}");

    let missing = cwfilter(&["lint", "--pattern", "{ $.a = 1 }", "no/such/trail.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8(missing.stderr)
        .unwrap()
        .contains("no/such/trail.json"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 10 bug 5: which clause removed a record was computed twice (the replay driver and
/// lint CW006), with the clause's pattern text spelled twice. Both now use
/// `exclusions::removed_by` and `ExclusionClause::pattern_text`; their counts agree.
#[test]
fn replay_and_lint_attribute_removals_alike() {
    use cwfilter::replay::{Replay, Setup};
    use cwfilter::trail::{Input, ReadOptions};

    let dets = kms_with(&format!(
        "      excludeUserArnGlobs: ['arn:aws:sts::{ACCOUNT}:assumed-role/ci-deployer/*']\n      excludePrincipalIds: ['AROAEXAMPLEci-deployer:s1', 'AROAEXAMPLEops:s1']\n"
    ));
    // Removed by both clauses, by the principal ID only, by neither.
    let records = [
        kms_deletion("ci-deployer"),
        kms_deletion("ops"),
        kms_deletion("intruder"),
        kms_deletion("intruder"),
    ];
    let lint = run_lint(&TrailLint::for_detectors(&dets).unwrap(), &records);
    let from_lint: Vec<(String, u64)> = lint
        .exclusions
        .iter()
        .map(|u| (u.text.clone(), u.removed))
        .collect();

    let dir = crate::support::TempDir::new("attribution");
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    let file = dir.write("trail.jsonl", text);
    let replay = Replay::new(Setup {
        current: dets.clone(),
        ..Setup::default()
    })
    .unwrap();
    let report = replay.run(&[Input::File(file)], &ReadOptions::default(), &|_| {});
    let kms = report
        .detectors
        .iter()
        .find(|d| d.key == "kmsKeyDeletion")
        .unwrap();
    let from_replay: Vec<(String, u64)> = kms
        .exclusions
        .iter()
        .map(|e| (e.clause.clone(), e.removed))
        .collect();

    assert_eq!(from_lint.len(), 2);
    assert_eq!(from_lint, from_replay);
    let removed: Vec<u64> = from_lint.iter().map(|(_, n)| *n).collect();
    // Clauses in upstream's kind order: principal IDs (2 removed), then ARN globs (1).
    assert_eq!(removed, [2, 1], "{from_lint:?}");
    assert_eq!(kms.removed_by_exclusions, 2);
    assert_eq!(kms.matched, 2);
}
