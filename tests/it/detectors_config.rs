//! The config loader's strictness rules: each rule upstream is silent about gets an error (or
//! a warning) with file, line and column.

use cwfilter::detectors::{load_str, ConfigError, Detector, Loaded, Profile};

fn ok(yaml: &str) -> Loaded {
    match load_str(yaml, "c.yaml", Profile::Upstream) {
        Ok(l) => l,
        Err(e) => panic!("config should load, got:\n{e}"),
    }
}

fn err(yaml: &str) -> ConfigError {
    match load_str(yaml, "c.yaml", Profile::Upstream) {
        Ok(l) => panic!("config should be rejected, loaded {:?}", keys(&l.detectors)),
        Err(e) => e,
    }
}

fn keys(ds: &[Detector]) -> Vec<&str> {
    ds.iter().map(|d| d.key.as_str()).collect()
}

/// The single error's `file:line:col: message` and its help.
fn single(e: &ConfigError) -> (String, Option<String>) {
    assert_eq!(e.errors.len(), 1, "expected one error, got:\n{e}");
    let d = &e.errors[0];
    let (l, c) = d.position.expect("error has a position");
    (format!("{}:{l}:{c}: {}", d.file, d.message), d.help.clone())
}

#[test]
fn unknown_selector_key_names_it_and_the_nearest() {
    let (msg, help) = single(&err("alerts:\n  unauthorizedApiCall: true\n"));
    assert_eq!(
        msg,
        "c.yaml:2:3: unknown key `unauthorizedApiCall` under `alerts`"
    );
    assert_eq!(
        help.as_deref(),
        Some("did you mean `unauthorizedApiCalls`?")
    );
}

#[test]
fn unknown_override_key_names_it_and_the_nearest() {
    let (msg, help) = single(&err(
        "alerts:\n  unauthorizedApiCalls: true\n  overrides:\n    unauthorizedApiCall:\n      threshold: 3\n",
    ));
    assert_eq!(
        msg,
        "c.yaml:4:5: unknown detector key `unauthorizedApiCall` in `alerts.overrides`"
    );
    assert_eq!(
        help.as_deref(),
        Some("did you mean `unauthorizedApiCalls`?")
    );
}

#[test]
fn unknown_key_under_alerts_lists_known_keys_when_nothing_is_near() {
    let (msg, help) = single(&err("alerts:\n  webhookUrl: https://x\n"));
    assert_eq!(msg, "c.yaml:2:3: unknown key `webhookUrl` under `alerts`");
    let help = help.unwrap();
    assert!(help.starts_with("known keys: "), "{help}");
    assert!(help.contains("vpcChanges") && help.contains("overrides"));
}

#[test]
fn unknown_override_field_is_an_error() {
    let (msg, help) = single(&err(
        "alerts:\n  iamPolicyChanges: true\n  overrides:\n    iamPolicyChanges:\n      excludeUsernames: [bot]\n",
    ));
    assert_eq!(
        msg,
        "c.yaml:5:7: unknown field `excludeUsernames` in `alerts.overrides.iamPolicyChanges` (upstream drops it silently)"
    );
    assert_eq!(help.as_deref(), Some("did you mean `excludeUserNames`?"));
}

#[test]
fn numbers_set_but_not_positive_are_errors() {
    for (field, value) in [
        ("threshold", "0"),
        ("threshold", "-1"),
        ("threshold", "-0.5"),
        ("period", "0"),
        ("period", "-300"),
        ("evaluationPeriods", "0"),
    ] {
        let yaml = format!(
            "alerts:\n  iamPolicyChanges: true\n  overrides:\n    iamPolicyChanges:\n      {field}: {value}\n"
        );
        let (msg, _) = single(&err(&yaml));
        assert!(
            msg.starts_with(&format!(
                "c.yaml:5:{}: `alerts.overrides.iamPolicyChanges.{field}` must be positive",
                9 + field.len()
            )),
            "{msg}"
        );
    }
}

#[test]
fn numbers_of_the_wrong_type_are_errors() {
    let (msg, _) = single(&err(
        "alerts:\n  iamPolicyChanges: true\n  overrides:\n    iamPolicyChanges:\n      period: 300.5\n",
    ));
    assert!(msg.contains("must be a whole number, found 300.5"), "{msg}");
    let (msg, _) = single(&err(
        "alerts:\n  iamPolicyChanges: true\n  overrides:\n    iamPolicyChanges:\n      threshold: '10'\n",
    ));
    assert!(msg.contains("must be a number, found a string"), "{msg}");
}

fn with_period(period: u32, evaluation_periods: u32) -> Result<Loaded, ConfigError> {
    load_str(
        &format!("alerts:\n  vpcChanges: true\n  overrides:\n    vpcChanges:\n      period: {period}\n      evaluationPeriods: {evaluation_periods}\n"),
        "c.yaml",
        Profile::Upstream,
    )
}

#[test]
fn periods_cloudwatch_rejects_are_errors() {
    for p in [1, 15, 45, 90, 301, 3601] {
        let e = with_period(p, 1).unwrap_err();
        let (msg, _) = single(&e);
        assert!(
            msg.starts_with("c.yaml:5:7: `vpcChanges`: CloudWatch rejects a period of"),
            "{p}: {msg}"
        );
    }
    for p in [60, 120, 300, 900, 3600, 86_400] {
        let l = with_period(p, 1).unwrap();
        assert_eq!(l.detectors[0].alarm.period, p);
        assert!(l.warnings.is_empty());
    }
}

#[test]
fn sub_minute_periods_are_accepted_with_a_warning() {
    for p in [10, 20, 30] {
        let l = with_period(p, 1).unwrap();
        assert_eq!(l.warnings.len(), 1, "{p}");
        assert!(l.warnings[0].message.contains("high-resolution"));
    }
}

#[test]
fn period_times_evaluation_periods_must_fit_cloudwatch_limits() {
    // Under an hour: at most one day.
    assert!(with_period(300, 288).is_ok());
    let (msg, help) = single(&with_period(300, 289).unwrap_err());
    assert_eq!(msg, "c.yaml:6:7: `vpcChanges`: period x evaluationPeriods = 300 x 289 = 86700 seconds exceeds CloudWatch's limit of 86400 (one day for periods under an hour)");
    assert_eq!(help.as_deref(), Some("use at most 288 evaluation periods"));
    // An hour or more: at most one week.
    assert!(with_period(3600, 168).is_ok());
    assert!(with_period(3600, 169).is_err());
}

#[test]
fn override_for_a_disabled_detector_is_a_warning() {
    let l = ok("alerts:\n  vpcChanges: true\n  overrides:\n    iamPolicyChanges:\n      excludeUserNames: [bot]\n");
    assert_eq!(keys(&l.detectors), ["vpcChanges"]);
    assert_eq!(l.warnings.len(), 1);
    let w = &l.warnings[0];
    assert_eq!(w.position, Some((4, 5)));
    assert_eq!(
        w.message,
        "override for `iamPolicyChanges` has no effect: the detector is not enabled"
    );
}

#[test]
fn effective_pattern_over_1024_characters_is_an_error() {
    // iamPolicyChanges (646) + 4 ARNs of 88 characters: 646 + 6 + 39 + 4 x 114 + 12 = 1159.
    let arns: Vec<String> = (0..4)
        .map(|i| format!("\"arn:aws:sts::123456789012:assumed-role/github-actions-deploy-role-number-{i}/GitHubActions\""))
        .collect();
    let yaml = format!(
        "alerts:\n  iamPolicyChanges: true\n  overrides:\n    iamPolicyChanges:\n      excludeUserArns: [{}]\n",
        arns.join(", ")
    );
    let (msg, _) = single(&err(&yaml));
    assert!(
        msg.starts_with("c.yaml:4:5: `iamPolicyChanges`: the effective pattern is 1159 characters, over CloudWatch's limit of 1024"),
        "{msg}"
    );
    // Two fit: 646 + 6 + 39 + 2 x 114 + 4 = 923.
    let yaml2 = yaml.replacen(&format!(", {}, {}", arns[2], arns[3]), "", 1);
    assert_eq!(ok(&yaml2).detectors[0].pattern_len(), 923);
}

#[test]
fn all_errors_are_reported_together() {
    let e = err("alerts:\n  rootAcountUsage: true\n  vpcChanges: true\n  overrides:\n    vpcChanges:\n      period: 45\n      excludeUserName: [x]\n");
    assert_eq!(e.errors.len(), 3, "{e}");
}

#[test]
fn selectors_must_be_booleans_but_accept_yaml_1_1_spellings() {
    assert_eq!(
        keys(&ok("alerts:\n  vpcChanges: yes\n  naclChanges: off\n").detectors),
        ["vpcChanges"]
    );
    let (msg, _) = single(&err("alerts:\n  vpcChanges: 1\n"));
    assert_eq!(
        msg,
        "c.yaml:2:15: `alerts.vpcChanges` must be true or false, found an integer"
    );
    let (msg, _) = single(&err("alerts:\n  vpcChanges: enabled\n"));
    assert!(msg.contains("found the string \"enabled\""), "{msg}");
}

#[test]
fn exclusion_lists_must_be_lists_of_strings() {
    let base = "alerts:\n  vpcChanges: true\n  overrides:\n    vpcChanges:\n";
    let (msg, help) = single(&err(&format!("{base}      excludeUserNames: bot\n")));
    assert!(
        msg.contains("must be a list of strings, found a string"),
        "{msg}"
    );
    assert_eq!(
        help.as_deref(),
        Some("write `excludeUserNames: [\"value\"]`")
    );
    let (msg, help) = single(&err(&format!(
        "{base}      excludePrincipalIds: [123456]\n"
    )));
    assert!(
        msg.contains("`alerts.overrides.vpcChanges.excludePrincipalIds[0]` must be a string, found an integer"),
        "{msg}"
    );
    assert_eq!(help.as_deref(), Some("quote the value"));
}

#[test]
fn invalid_yaml_is_an_error_with_a_position() {
    let e = err("alerts:\n  vpcChanges: [true\n");
    assert!(e.errors[0].message.starts_with("invalid YAML"), "{e}");
    assert!(e.errors[0].position.is_some());
}

#[test]
fn a_file_without_alerts_is_an_error() {
    let (msg, _) = (err("resources:\n  x: 1\n").errors[0].message.clone(), ());
    assert!(msg.starts_with("no `alerts:` block"), "{msg}");
}

#[test]
fn server_yaml_resource_is_found_anywhere() {
    let yaml = "resources:\n  resources:\n    prod:\n      resources:\n        ct:\n          type: aws-cloudtrail-security-alerts\n          config:\n            logGroupName: g\n            alerts:\n              vpcChanges: true\n              unknownThing: true\n";
    let e = err(yaml);
    let (msg, _) = single(&e);
    assert_eq!(
        msg,
        "c.yaml:11:15: unknown key `unknownThing` under `alerts`"
    );
    let l = ok(&yaml.replace("              unknownThing: true\n", ""));
    assert_eq!(keys(&l.detectors), ["vpcChanges"]);
}

#[test]
fn resource_without_alerts_enables_nothing_with_a_warning() {
    let l = ok("r:\n  type: aws-cloudtrail-security-alerts\n  config:\n    logGroupName: g\n");
    assert!(l.detectors.is_empty());
    assert_eq!(l.warnings.len(), 1);
    assert!(l.warnings[0].message.contains("no `config.alerts`"));
}

#[test]
fn two_resources_are_an_error_naming_both() {
    let yaml = "envs:\n  staging:\n    type: aws-cloudtrail-security-alerts\n    config: {alerts: {vpcChanges: true}}\n  prod:\n    type: aws-cloudtrail-security-alerts\n    config: {alerts: {naclChanges: true}}\n";
    let (msg, _) = single(&err(yaml));
    assert!(msg.contains("2 resources of type aws-cloudtrail-security-alerts: `envs.staging` (line 3), `envs.prod` (line 6)"), "{msg}");
}

#[test]
fn custom_detectors_load_with_defaults() {
    let l = ok("alerts:\n  vpcChanges: true\n  custom:\n    - name: rootConsoleLogin\n      pattern: '{ $.eventName = \"ConsoleLogin\" && $.userIdentity.type = \"Root\" }'\n      description: Root signed in\n    - name: bigDeletes\n      pattern: '{ $.eventName = \"DeleteBucket\" }'\n      metricName: ct-big-deletes\n      threshold: 5\n      period: 600\n      evaluationPeriods: 3\n      datapointsToAlarm: 2\n      treatMissingData: missing\n");
    assert_eq!(
        keys(&l.detectors),
        ["bigDeletes", "rootConsoleLogin", "vpcChanges"]
    );
    let root = &l.detectors[1];
    assert!(root.custom);
    assert_eq!(root.metric_name, "rootConsoleLogin");
    assert_eq!(
        (
            root.alarm.threshold,
            root.alarm.period,
            root.alarm.evaluation_periods,
            root.alarm.datapoints_to_alarm
        ),
        (1.0, 300, 1, 1)
    );
    let big = &l.detectors[0];
    assert_eq!(big.metric_name, "ct-big-deletes");
    assert_eq!(
        (
            big.alarm.threshold,
            big.alarm.period,
            big.alarm.evaluation_periods,
            big.alarm.datapoints_to_alarm
        ),
        (5.0, 600, 3, 2)
    );
    assert_eq!(
        big.alarm.treat_missing_data,
        cwfilter::alarm::TreatMissingData::Missing
    );
}

#[test]
fn custom_detectors_take_overrides_by_name() {
    let l = ok("alerts:\n  custom:\n    - name: deletes\n      pattern: '{ $.eventName = \"DeleteBucket\" }'\n  overrides:\n    deletes:\n      excludeUserNames: [cleanup-bot]\n");
    assert_eq!(
        l.detectors[0].pattern,
        r#"{ ($.eventName = "DeleteBucket") && (($.userIdentity.userName NOT EXISTS) || ($.userIdentity.userName != "cleanup-bot")) }"#
    );
}

#[test]
fn custom_detector_mistakes_are_errors() {
    let cases = [
        ("    - name: x\n", "`alerts.custom[0]` needs a `pattern`"),
        ("    - pattern: '{ $.a = 1 }'\n", "`alerts.custom[0]` needs a `name`"),
        (
            "    - name: vpcChanges\n      pattern: '{ $.a = 1 }'\n",
            "custom detector name `vpcChanges` is already taken",
        ),
        (
            "    - name: 'bad name'\n      pattern: '{ $.a = 1 }'\n",
            "must start with a letter",
        ),
        (
            "    - name: x\n      pattern: '{ $.a = 1 }'\n      treshold: 2\n",
            "unknown field `treshold` in `alerts.custom[0]`",
        ),
        (
            "    - name: x\n      pattern: '{ $.a = 1 }'\n      evaluationPeriods: 2\n      datapointsToAlarm: 3\n",
            "datapointsToAlarm (3) cannot exceed evaluationPeriods (2)",
        ),
        (
            "    - name: x\n      pattern: '{ $.a = 1 }'\n      period: 50\n",
            "CloudWatch rejects a period of 50 seconds",
        ),
        (
            "    - name: x\n      pattern: '{ $.a = 1 }'\n      metricName: ct-vpc-changes\n",
            "already used by `vpcChanges`",
        ),
    ];
    for (body, expected) in cases {
        let e = err(&format!("alerts:\n  vpcChanges: true\n  custom:\n{body}"));
        assert!(e.to_string().contains(expected), "{body}: {e}");
    }
    let e =
        err("alerts:\n  custom:\n    - name: x\n      pattern: '{ $.a = 1 }'\n      treshold: 2\n");
    assert_eq!(
        e.errors[0].help.as_deref(),
        Some("did you mean `threshold`?")
    );
}

#[test]
fn custom_pattern_over_1024_is_an_error() {
    let long = format!("{{ $.eventName = \"{}\" }}", "A".repeat(1010));
    let e = err(&format!(
        "alerts:\n  custom:\n    - name: x\n      pattern: '{long}'\n"
    ));
    assert!(
        e.to_string()
            .contains("`x`: the effective pattern is 1030 characters"),
        "{e}"
    );
}

#[test]
fn securityhub_profile_skips_beyond_cis_keys_and_warns_about_exclusions() {
    let l = load_str(
        "alerts:\n  vpcChanges: true\n  guardDutyDisabled: true\n  overrides:\n    vpcChanges:\n      excludeUserNames: [bot]\n",
        "c.yaml",
        Profile::SecurityHub,
    )
    .unwrap();
    assert_eq!(keys(&l.detectors), ["vpcChanges"]);
    assert_eq!(l.detectors[0].metric_name, "CloudWatch.14");
    assert!(l.detectors[0]
        .pattern
        .starts_with("{ (($.eventName=CreateVpc) || ($.eventName=DeleteVpc)"));
    let messages: Vec<&str> = l.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages
        .iter()
        .any(|m| m.contains("`guardDutyDisabled` has no counterpart in profile securityhub")));
    assert!(messages
        .iter()
        .any(|m| m.contains("Security Hub would fail CloudWatch.14")));
}

#[test]
fn invalid_custom_pattern_is_an_error_at_the_pattern() {
    let e = err("alerts:\n  custom:\n    - name: x\n      pattern: '{ $.eventName = }'\n");
    let d = &e.errors[0];
    assert_eq!(d.position, Some((4, 16)), "{e}");
    assert!(
        d.message.starts_with("`x`: invalid filter pattern: "),
        "{e}"
    );
}

#[test]
fn every_catalog_pattern_parses_with_and_without_exclusions() {
    for profile in [Profile::Upstream, Profile::SecurityHub] {
        for e in cwfilter::detectors::catalog(profile) {
            cwfilter::syntax::parse(&e.pattern).unwrap_or_else(|err| panic!("{}: {err}", e.key));
            let body = "      excludeUserNames: [\"a\\\"b\", c]\n      excludeUserArnGlobs: ['arn:aws:sts::1:assumed-role/r/*']\n";
            let yaml = format!(
                "alerts:\n  {k}: true\n  overrides:\n    {k}:\n{body}",
                k = e.key
            );
            let l = load_str(&yaml, "c.yaml", profile).unwrap();
            assert_eq!(l.detectors[0].exclusions.len(), 2);
        }
    }
}

#[test]
fn odd_documents_are_clear_errors() {
    let cases: [(&str, &str); 10] = [
        ("", "no `alerts:` block"),
        ("# only a comment\n", "no `alerts:` block"),
        ("- a\n- b\n", "no `alerts:` block"),
        ("alerts: [1]\n", "`alerts` must be a mapping, found a list"),
        (
            "alerts: 5\n",
            "`alerts` must be a mapping, found an integer",
        ),
        (
            "alerts:\n  overrides: [1]\n",
            "`alerts.overrides` must be a mapping, found a list",
        ),
        (
            "alerts:\n  overrides:\n    vpcChanges: 3\n",
            "`alerts.overrides.vpcChanges` must be a mapping",
        ),
        (
            "alerts:\n  custom: {a: 1}\n",
            "`alerts.custom` must be a list of detectors",
        ),
        (
            "alerts:\n  custom:\n  - 5\n",
            "`alerts.custom[0]` must be a mapping, found an integer",
        ),
        ("alerts:\n  1: true\n", "unknown key `1` under `alerts`"),
    ];
    for (yaml, expected) in cases {
        let e = err(yaml);
        assert!(e.to_string().contains(expected), "{yaml:?}: {e}");
    }
}

#[test]
fn empty_and_padded_exclusion_values_are_warnings() {
    let l = ok("alerts:\n  vpcChanges: true\n  overrides:\n    vpcChanges:\n      excludeUserNames: ['', ' bot', ok]\n");
    let messages: Vec<String> = l.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0]
            .starts_with("c.yaml:5:26: `alerts.overrides.vpcChanges.excludeUserNames[0]` is empty"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("\" bot\" has leading or trailing whitespace"),
        "{messages:?}"
    );
    // Kept as upstream keeps it.
    assert!(l.detectors[0].pattern.contains(r#"!= " bot""#));
}
