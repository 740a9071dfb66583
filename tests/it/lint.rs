//! `cwfilter lint`: each check fires on the mistake and stays quiet on the fixed form.

use cwfilter::detectors::lint::{lint_detector, lint_pattern, LintId};
use cwfilter::detectors::{load_str, Detector, Profile};

fn ids(pattern: &str) -> Vec<&'static str> {
    lint_pattern(pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .iter()
        .map(|f| f.id.code())
        .collect()
}

fn detector(yaml: &str, key: &str) -> Detector {
    load_str(yaml, "c.yaml", Profile::Upstream)
        .unwrap_or_else(|e| panic!("{e}"))
        .detectors
        .into_iter()
        .find(|d| d.key == key)
        .unwrap()
}

fn detector_ids(d: &Detector) -> Vec<&'static str> {
    lint_detector(d)
        .unwrap()
        .iter()
        .map(|f| f.id.code())
        .collect()
}

use crate::support::run as cwfilter;

#[test]
fn cw001_unguarded_not_equal_on_an_optional_field() {
    assert_eq!(
        ids(
            r#"{ $.errorCode = "AccessDenied" && $.userIdentity.invokedBy != "cloudfront.amazonaws.com" }"#
        ),
        ["CW001"]
    );
    let f = &lint_pattern(r#"{ $.userIdentity.invokedBy != "x" }"#).unwrap()[0];
    assert_eq!(f.id, LintId::UnguardedNotEqual);
    assert_eq!(
        f.fix,
        "write `(($.userIdentity.invokedBy NOT EXISTS) || ($.userIdentity.invokedBy != ...))`"
    );
    // Guarded, in both of upstream's shapes.
    assert!(ids(
        r#"{ ($.userIdentity.invokedBy NOT EXISTS) || ($.userIdentity.invokedBy != "x") }"#
    )
    .is_empty());
    assert!(ids(r#"{ $.a = 1 && (($.userIdentity.type NOT EXISTS) || (($.userIdentity.type != "A") && ($.userIdentity.type != "B"))) }"#).is_empty());
    // Fields every CloudTrail record carries need no guard (rootAccountUsage's eventType).
    assert!(
        ids(r#"{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }"#).is_empty()
    );
    // A guard on another field does not count.
    assert_eq!(
        ids(r#"{ ($.userIdentity.arn NOT EXISTS) || ($.userIdentity.invokedBy != "x") }"#),
        ["CW001"]
    );
}

/// Issue 10 bug 6: the guard and the `!=` were compared as printed text, and `$.['a.b']`
/// (one field named `a.b`) printed as `$.a.b` (field `b` inside `a`), so a guard on the one
/// silenced the finding on the other. Selectors are now compared as values.
#[test]
fn cw001_a_guard_on_a_dotted_field_name_does_not_guard_the_nested_path() {
    assert_eq!(
        ids(r#"{ (($.['a.b'] NOT EXISTS) || ($.a.b != "x")) }"#),
        ["CW001"]
    );
    assert_eq!(
        ids(r#"{ (($.a.b NOT EXISTS) || ($.['a.b'] != "x")) }"#),
        ["CW001"]
    );
    // The finding names the field as written, so the suggested guard is the right one.
    let f = &lint_pattern(r#"{ (($.a.b NOT EXISTS) || ($.['a.b'] != "x")) }"#).unwrap()[0];
    assert!(f.fix.contains("$.['a.b'] NOT EXISTS"), "{}", f.fix);
    // The same field in both spellings is guarded.
    assert!(ids(r#"{ (($.['a'].b NOT EXISTS) || ($.a.b != "x")) }"#).is_empty());
    assert!(ids(r#"{ (($.a.b NOT EXISTS) || ($.a.b != "x")) }"#).is_empty());
    // Always-present fields are recognised by value, however spelled.
    assert!(ids(r#"{ $.['eventType'] != "AwsServiceEvent" }"#).is_empty());
}

#[test]
fn cw001_fires_on_upstreams_mfa_detector_only() {
    let all = cwfilter::detectors::load(None, Profile::Upstream).unwrap();
    let flagged: Vec<&str> = all
        .detectors
        .iter()
        .filter(|d| detector_ids(d).contains(&"CW001"))
        .map(|d| d.key.as_str())
        .collect();
    assert_eq!(flagged, ["consoleLoginWithoutMfa"]);
}

#[test]
fn cw002_mid_value_wildcard() {
    let glob = r#"{ ($.userIdentity.arn NOT EXISTS) || ($.userIdentity.arn != "arn:aws:sts::*:assumed-role/X/*") }"#;
    assert_eq!(ids(glob), ["CW002"]);
    let f = &lint_pattern(glob).unwrap()[0];
    assert!(f.message.contains("may exclude nothing"), "{}", f.message);
    assert!(ids(r#"{ ($.userIdentity.arn NOT EXISTS) || ($.userIdentity.arn != "arn:aws:sts::123456789012:assumed-role/X/*") }"#).is_empty());
    assert!(ids(
        r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#
    )
    .is_empty());
    assert_eq!(ids(r#"{ $.eventName = "Ev*ent" }"#), ["CW002"]);
}

#[test]
fn cw003_near_the_length_limit() {
    let arn = |i: u32| {
        format!("\"arn:aws:sts::123456789012:assumed-role/github-actions-deploy-role-number-{i}/GitHubActions\"")
    };
    let yaml = format!(
        "alerts:\n  kmsKeyDeletion: true\n  overrides:\n    kmsKeyDeletion:\n      excludeUserArns: [{}]\n",
        (0..7).map(arn).collect::<Vec<_>>().join(", ")
    );
    let d = detector(&yaml, "kmsKeyDeletion");
    assert!(
        d.pattern_len() > 922 && d.pattern_len() <= 1024,
        "{}",
        d.pattern_len()
    );
    assert_eq!(detector_ids(&d), ["CW003"]);
    let yaml6 = yaml.replacen(&format!(", {}", arn(6)), "", 1);
    let d6 = detector(&yaml6, "kmsKeyDeletion");
    assert!(d6.pattern_len() <= 921, "{}", d6.pattern_len());
    assert!(detector_ids(&d6).is_empty());
}

#[test]
fn cw004_shared_event_names_without_event_source() {
    let unscoped = r#"{ ($.eventName = "CreateRoute") || ($.eventName = "DeleteRoute") }"#;
    assert_eq!(ids(unscoped), ["CW004"]);
    let f = &lint_pattern(unscoped).unwrap()[0];
    assert_eq!(
        f.fix,
        r#"AND the eventName conditions with `$.eventSource = "ec2.amazonaws.com"`"#
    );
    assert!(ids(r#"{ ($.eventSource = "ec2.amazonaws.com") && (($.eventName = "CreateRoute") || ($.eventName = "DeleteRoute")) }"#).is_empty());
    // Names only one service emits are fine without a scope.
    assert!(
        ids(r#"{ ($.eventName = "StopLogging") || ($.eventName = "DeleteTrail") }"#).is_empty()
    );
    // Upstream's iamPolicyChanges inherits the gap from CIS.
    let all = cwfilter::detectors::load(None, Profile::Upstream).unwrap();
    let flagged: Vec<&str> = all
        .detectors
        .iter()
        .filter(|d| detector_ids(d).contains(&"CW004"))
        .map(|d| d.key.as_str())
        .collect();
    assert_eq!(
        flagged,
        [
            "iamPolicyChanges",
            "routeTableChanges",
            "securityGroupChanges",
            "vpcChanges"
        ]
    );
}

#[test]
fn cw005_user_names_on_detectors_that_match_roles() {
    let on = |key: &str| {
        detector(
            &format!("alerts:\n  {key}: true\n  overrides:\n    {key}:\n      excludeUserNames: [ci-deployer]\n"),
            key,
        )
    };
    assert!(detector_ids(&on("iamPolicyChanges")).contains(&"CW005"));
    assert!(detector_ids(&on("kmsKeyDeletion")).contains(&"CW005"));
    // Scoped to IAMUser or Root: those carry userName, so the exclusion works.
    assert!(!detector_ids(&on("consoleLoginWithoutMfa")).contains(&"CW005"));
    assert!(!detector_ids(&on("rootAccountUsage")).contains(&"CW005"));
    // An ARN glob is the fix.
    let glob = detector(
        "alerts:\n  kmsKeyDeletion: true\n  overrides:\n    kmsKeyDeletion:\n      excludeUserArnGlobs: ['arn:aws:sts::123456789012:assumed-role/ci-deployer/*']\n",
        "kmsKeyDeletion",
    );
    assert!(detector_ids(&glob).is_empty());
}

#[test]
fn exit_codes() {
    let clean = cwfilter(&["lint", "--pattern", r#"{ $.eventName = "ConsoleLogin" }"#]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(clean.stdout.is_empty());

    let warned = cwfilter(&[
        "lint",
        "--pattern",
        r#"{ $.userIdentity.invokedBy != "x" }"#,
    ]);
    assert_eq!(warned.status.code(), Some(1));
    let text = String::from_utf8(warned.stdout).unwrap();
    assert!(text.starts_with("warning[CW001]: "), "{text}");
    assert!(text.contains("\n  fix: "), "{text}");

    let bad = cwfilter(&["lint", "--pattern", "{ $.eventName = }"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8(bad.stderr).unwrap().contains('^'));

    let config = cwfilter(&["lint", "--config", "tests/data/server.yaml"]);
    assert_eq!(config.status.code(), Some(1));
    let text = String::from_utf8(config.stdout).unwrap();
    assert!(
        text.contains("warning[CW002] unauthorizedApiCalls: "),
        "{text}"
    );
    assert!(text.contains("warning[CW005] iamPolicyChanges: "), "{text}");

    let missing = cwfilter(&["lint", "--config", "tests/data/nope.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    let both = cwfilter(&["lint", "--config", "x.yaml", "--pattern", "{ $.a = 1 }"]);
    assert_eq!(both.status.code(), Some(2));
    // A trail that cannot be read (here: missing) is an input error.
    let trail = cwfilter(&["lint", "no-such-trail.json"]);
    assert_eq!(trail.status.code(), Some(2));
    assert!(String::from_utf8(trail.stderr)
        .unwrap()
        .contains("no-such-trail.json"));
}

/// CW008 (#11): the deployed VPC flow-log pattern's `{172\.16\.}` is a literal brace group,
/// so the regex only matches text containing braces; the fix anchors the intended prefix.
#[test]
fn literal_regex_braces_are_flagged_with_the_likely_intent() {
    let pattern = r"[version, accountId, interfaceId, srcAddr=%{172\.16\.}.*?%, dstAddr, ...]";
    let findings = lint_pattern(pattern).unwrap();
    let f = findings
        .iter()
        .find(|f| f.id == LintId::LiteralRegexBrace)
        .unwrap_or_else(|| panic!("{findings:?}"));
    assert_eq!(f.id.code(), "CW008");
    assert!(f.fix.contains(r"%^172\.16\.%"), "{}", f.fix);
    assert!(ids(r"{ $.a = %{x}% }").contains(&"CW008"));
    assert!(!ids(r"[a, b = %^172\.16\.%]").contains(&"CW008"));
    assert!(!ids(r"%a{2,3}\{x\}%").contains(&"CW008"));
}
