//! `cwfilter tune` (issue #16) on the scenario trail of tests/data/tune/
//! (scripts/gen-tune-fixture.py): a CI role, a scanner, Identity Center sessions, service-linked
//! roles and an IAM automation user make the noise; planted incidents include one by the CI
//! role itself. Each rule of docs/tune.md is a test.

use std::path::Path;

use serde_json::Value;

use crate::support::{run, stderr, stdout, TempDir};

const TRAIL: &str = "tests/data/tune/trail.jsonl.gz";
const LABELS: &str = "tests/data/tune/labels.jsonl";
const CONFIG: &str = "tests/data/tune/config.yaml";

fn tune_json(extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args = vec!["tune", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(TRAIL);
    let out = run(&args);
    let text = stdout(&out);
    let json: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("tune JSON: {e}\n{text}\nstderr: {}", stderr(&out)));
    (out.status.code(), json, stderr(&out))
}

fn labelled() -> (Option<i32>, Value, String) {
    tune_json(&["--config", CONFIG, "--labels", LABELS])
}

fn write_config(dir: &TempDir, json: &Value) -> String {
    let path = dir.write("proposed.yaml", json["config"].as_str().expect("config"));
    path.display().to_string()
}

fn replay_json(args: &[&str]) -> Value {
    let mut all = vec!["replay", "--format", "json", "--no-progress"];
    all.extend_from_slice(args);
    all.push(TRAIL);
    let out = run(&all);
    assert!(out.status.code() == Some(0), "replay: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("replay JSON")
}

fn suggestions(json: &Value) -> &Vec<Value> {
    json["suggestions"].as_array().expect("suggestions")
}

#[test]
fn tune_meets_the_budget_on_the_scenario_and_cuts_the_pages() {
    let (code, json, err) = labelled();
    assert_eq!(code, Some(0), "{err}");
    let budget = &json["budget"];
    assert_eq!(budget["met"], true);
    assert_eq!(budget["max_fires_per_week"], 2);
    assert_eq!(budget["window_days"], 21.0);
    assert_eq!(budget["allowed_false_fires"], 6.0);
    let before = json["before"]["false_fires"].as_u64().unwrap();
    let after = json["after"]["false_fires"].as_u64().unwrap();
    // ~16 pages a day before, at most the budget after.
    assert!(before >= 15 * 21 - 60, "before: {before}");
    assert!(after <= 6, "after: {after}");
    assert!(json["after"]["fires"].as_u64().unwrap() < json["before"]["fires"].as_u64().unwrap());
}

#[test]
fn tune_after_figures_are_what_replay_of_the_proposed_config_gives() {
    let (_, json, _) = labelled();
    let dir = TempDir::new("tune-after");
    let proposed = write_config(&dir, &json);
    let report = replay_json(&["--config", &proposed, "--labels", LABELS]);
    let summary = &report["summary"];
    assert_eq!(summary["fires"], json["after"]["fires"]);
    assert_eq!(summary["false_fires"], json["after"]["false_fires"]);
    assert_eq!(summary["false_positive_rate"], json["after"]["fp_rate"]);
    let before = replay_json(&["--config", CONFIG, "--labels", LABELS]);
    assert_eq!(before["summary"]["fires"], json["before"]["fires"]);
    assert_eq!(
        before["summary"]["false_fires"],
        json["before"]["false_fires"]
    );
    // Each suggestion's fires_removed is measured in order: they add up to the difference.
    let removed: i64 = suggestions(&json)
        .iter()
        .map(|s| s["fires_removed"].as_i64().unwrap())
        .sum();
    assert_eq!(
        removed,
        json["before"]["fires"].as_i64().unwrap() - json["after"]["fires"].as_i64().unwrap()
    );
}

#[test]
fn tune_never_loses_a_labelled_incident() {
    let (_, json, _) = labelled();
    let dir = TempDir::new("tune-incidents");
    let proposed = write_config(&dir, &json);
    let report = replay_json(&[
        "--config",
        &proposed,
        "--baseline",
        CONFIG,
        "--labels",
        LABELS,
    ]);
    let what_if = &report["what_if"];
    assert_eq!(what_if["lost_incidents"], Value::Array(vec![]), "{what_if}");
    let before = replay_json(&["--config", CONFIG, "--labels", LABELS]);
    assert_eq!(report["missed_incidents"], before["missed_incidents"]);
    // The scenario's three attacks all page before and after.
    assert_eq!(before["missed_incidents"], Value::Array(vec![]));
}

#[test]
fn tune_does_not_exclude_the_actor_of_an_incident_from_its_detector() {
    let (_, json, _) = labelled();
    for s in suggestions(&json) {
        if s["detector"] == "iamPolicyChanges" || s["detector"] == "accessKeyCreation" {
            let v = s["value"].to_string();
            assert!(!v.contains("ci-deploy"), "{s}");
        }
    }
    // Under a budget it cannot meet, the detector is unmet and says why.
    let (code, json, _) = tune_json(&[
        "--config",
        CONFIG,
        "--labels",
        LABELS,
        "--max-fires-per-week",
        "0",
    ]);
    assert_eq!(code, Some(1));
    let unmet = json["unmet"].as_array().unwrap();
    let iam = unmet
        .iter()
        .find(|u| u["detector"] == "iamPolicyChanges")
        .unwrap_or_else(|| panic!("{unmet:?}"));
    let reason = iam["reason"].as_str().unwrap();
    assert!(
        reason.contains("role ci-deploy") && reason.contains("actor of labelled incident"),
        "{reason}"
    );
    assert!(iam["false_fires"].as_u64().unwrap() > 0);
}

#[test]
fn tune_writes_principals_as_cloudwatch_matches_them() {
    let (_, json, _) = labelled();
    let mut settings = std::collections::BTreeSet::new();
    for s in suggestions(&json) {
        let setting = s["setting"].as_str().unwrap();
        settings.insert(setting.to_owned());
        if setting == "threshold" {
            continue;
        }
        let v = s["value"].as_str().unwrap();
        assert_eq!(v.trim(), v, "no surrounding spaces: {s}");
        assert_ne!(setting, "excludeUserNames", "{s}");
        match setting {
            "excludeUserArnGlobs" => {
                let rest = v
                    .strip_prefix("arn:aws:sts::")
                    .expect("an assumed-role ARN");
                let (account, rest) = rest.split_once(":assumed-role/").unwrap();
                assert!(
                    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()),
                    "{v}"
                );
                let role = rest.strip_suffix("/*").expect("one trailing *");
                assert!(!role.contains('*') && !role.contains('/'), "{v}");
            }
            "excludeUserArns" => {
                assert!(v.starts_with("arn:aws:iam::123456789012:user/"), "{v}");
                assert!(!v.contains('*'), "{v}");
            }
            "excludeInvokedBy" => assert!(v.ends_with(".amazonaws.com") && !v.contains('*')),
            "excludeUserTypes" => assert_eq!(v, "AWSService"),
            other => panic!("unexpected setting {other}"),
        }
    }
    assert!(settings.contains("excludeUserArnGlobs"), "{settings:?}");
    assert!(settings.contains("excludeUserArns"), "{settings:?}");
    let config = json["config"].as_str().unwrap();
    assert!(config.contains("\"arn:aws:sts::123456789012:assumed-role/prowler-scanner/*\""));
    assert!(config.contains("\"arn:aws:iam::123456789012:user/backup-bot\""));
}

#[test]
fn tune_output_passes_detectors_and_lint_without_warnings() {
    let (_, json, _) = labelled();
    let dir = TempDir::new("tune-lint");
    let proposed = write_config(&dir, &json);
    let out = run(&["detectors", "--config", &proposed, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let detectors: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for d in detectors.as_array().unwrap() {
        assert!(d["length"].as_u64().unwrap() <= 1024, "{d}");
    }
    let out = run(&["lint", "--config", &proposed]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!text.contains("CW002") && !text.contains("CW005"), "{text}");
    assert!(!text.contains("warning:"), "{text}");
}

#[test]
fn tune_raises_a_threshold_only_under_small_bursts_and_never_a_period() {
    let (_, json, _) = labelled();
    let thresholds: Vec<&Value> = suggestions(&json)
        .iter()
        .filter(|s| s["setting"] == "threshold")
        .collect();
    // ci-deploy's daily deploys are 1-2 policy changes; its compromise was 4 in one period.
    assert_eq!(thresholds.len(), 1, "{thresholds:?}");
    assert_eq!(thresholds[0]["detector"], "iamPolicyChanges");
    let t = thresholds[0]["value"].as_u64().unwrap();
    assert!((3..=4).contains(&t), "{t}");
    let config = json["config"].as_str().unwrap();
    assert!(
        !config.contains("period:") && !config.contains("evaluationPeriods:"),
        "{config}"
    );
    // No threshold where no labelled incident shows what an attack looks like.
    let (_, json, _) = tune_json(&["--config", CONFIG, "--max-fires-per-week", "0"]);
    assert!(suggestions(&json)
        .iter()
        .all(|s| s["setting"] != "threshold"));
}

#[test]
fn tune_blinds_say_in_one_line_what_each_change_costs() {
    let (_, json, _) = labelled();
    assert!(!suggestions(&json).is_empty());
    for s in suggestions(&json) {
        let blinds = s["blinds"].as_str().unwrap();
        assert!(!blinds.contains('\n'), "{blinds}");
        assert!(
            blinds.starts_with(s["detector"].as_str().unwrap()),
            "{blinds}"
        );
        assert!(blinds.contains("no longer pages"), "{blinds}");
    }
    let prowler = suggestions(&json)
        .iter()
        .find(|s| {
            s["value"]
                .as_str()
                .is_some_and(|v| v.contains("prowler-scanner"))
        })
        .expect("the scanner is excluded");
    assert_eq!(
        prowler["blinds"],
        "unauthorizedApiCalls no longer pages on anything role prowler-scanner does in account 123456789012, including when prowler-scanner itself is compromised"
    );
}

#[test]
fn tune_yaml_is_deterministic_and_summarised_in_comments() {
    let args = ["tune", "--config", CONFIG, "--labels", LABELS, TRAIL];
    let a = run(&args);
    let b = run(&args);
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(a.stdout, b.stdout);
    let text = stdout(&a);
    assert!(text.starts_with("# Proposed by `cwfilter tune`"), "{text}");
    assert!(
        text.contains("\n# before: ") && text.contains("\n# after:  "),
        "{text}"
    );
    assert!(
        text.contains("\nalerts:\n  accessKeyCreation: true\n"),
        "{text}"
    );
    // The YAML is the JSON's config.
    let (_, json, _) = labelled();
    assert_eq!(json["config"].as_str().unwrap(), text);
}

#[test]
fn tune_without_labels_counts_every_fire_as_false() {
    let (code, json, err) = tune_json(&["--config", CONFIG]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(json["before"]["false_fires"], json["before"]["fires"]);
    // No incident is known, so nothing protects the CI role: the blinds line says what it costs.
    let ci = suggestions(&json)
        .iter()
        .find(|s| {
            s["detector"] == "iamPolicyChanges"
                && s["value"] == "arn:aws:sts::123456789012:assumed-role/ci-deploy/*"
        })
        .expect("ci-deploy excluded from iamPolicyChanges");
    assert!(ci["blinds"]
        .as_str()
        .unwrap()
        .contains("ci-deploy itself is compromised"));
}

#[test]
fn tune_unmet_budget_exits_1_prints_the_best_config_and_explains() {
    let out = run(&[
        "tune",
        "--config",
        CONFIG,
        "--labels",
        LABELS,
        "--max-fires-per-week",
        "0",
        TRAIL,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("\nalerts:\n"), "{text}");
    assert!(text.contains("# budget: 0 false fires per week"), "{text}");
    assert!(text.contains("NOT met"), "{text}");
    assert!(
        text.contains(
            "# unmet: rootAccountUsage keeps 1 false fire(s): false fires come from Root"
        ),
        "{text}"
    );
}

#[test]
fn tune_without_cloudtrail_records_exits_2() {
    let dir = TempDir::new("tune-empty");
    let file = dir.write("notes.jsonl", "{\"hello\": 1}\n");
    let out = run(&["tune", "--config", CONFIG, &file.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no CloudTrail records found in"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn tune_without_path_tunes_the_bundled_trail_with_its_labels() {
    let bundled = run(&["tune", "--format", "json"]);
    let explicit = run(&[
        "tune",
        "--format",
        "json",
        "--labels",
        "corpus/labels.jsonl",
        "corpus/trail",
    ]);
    assert_eq!(
        bundled.status.code(),
        explicit.status.code(),
        "{}",
        stderr(&bundled)
    );
    let b: Value = serde_json::from_str(&stdout(&bundled)).expect("tune JSON");
    let e: Value = serde_json::from_str(&stdout(&explicit)).expect("tune JSON");
    assert!(b["before"]["fires"].as_u64().is_some_and(|n| n > 0), "{b}");
    assert_eq!(b, e);
    // A window that keeps none of it names the bundled trail.
    let out = run(&["tune", "--since", "2001-01-01", "--until", "2001-01-02"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no CloudTrail records found in the bundled trail"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn tune_with_no_enabled_detector_exits_2() {
    let dir = TempDir::new("tune-none");
    let config = dir.write("none.yaml", "alerts:\n  iamPolicyChanges: false\n");
    let out = run(&["tune", "--config", &config.display().to_string(), TRAIL]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("enables no detector"),
        "{}",
        stderr(&out)
    );
    assert!(Path::new(TRAIL).exists());
}

#[test]
fn replay_points_at_tune_when_a_detector_is_mostly_noise() {
    let report = |format: &str| {
        let out = run(&[
            "replay",
            "--config",
            CONFIG,
            "--labels",
            LABELS,
            "--no-progress",
            "--format",
            format,
            TRAIL,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let text = report("table");
    assert!(text.contains("false-positive rate above 50%: "), "{text}");
    assert!(
        text.contains("run `cwfilter tune --config FILE --labels FILE PATH...`"),
        "{text}"
    );
    // The markdown and HTML reports say it too, naming the same detectors.
    let noisy = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("false-positive rate above 50%: "))
        .expect("the table names the noisy detectors")
        .to_owned();
    for format in ["markdown", "html"] {
        let report = report(format);
        assert!(report.contains("Tune the noise"), "{format}: {report}");
        assert!(
            report.contains("cwfilter tune --config FILE --labels FILE PATH..."),
            "{format}"
        );
        for key in noisy.split(", ") {
            assert!(
                report.contains(&format!("<code>{key}</code>"))
                    || report.contains(&format!("`{key}`")),
                "{format} does not name {key}"
            );
        }
    }
    // Without labels the rate is unknown: no hint.
    let out = run(&[
        "replay",
        "--config",
        CONFIG,
        "--no-progress",
        "--format",
        "markdown",
        TRAIL,
    ]);
    assert!(!stdout(&out).contains("Tune the noise"));
}

/// A week of records (2025-03-03 to 2025-03-09, both ends present): `(role, hour of day 0..6)`
/// pairs each make one `eventName` by that assumed role, an hour apart at least (one fire each
/// under a 5-minute period).
fn week_trail(dir: &TempDir, event_name: &str, events: &[(&str, u32)]) -> String {
    let mut lines = String::new();
    let mut push =
        |time: String, arn: String, name: &str, n: usize| {
            lines.push_str(&serde_json::json!({
            "eventVersion": "1.09",
            "userIdentity": {"type": "AssumedRole", "arn": arn, "accountId": "123456789012"},
            "eventTime": time,
            "eventSource": "ec2.amazonaws.com",
            "eventName": name,
            "awsRegion": "us-east-1",
            "eventID": format!("00000000-0000-4000-8000-{n:012}"),
            "recipientAccountId": "123456789012",
        }).to_string());
            lines.push('\n');
        };
    let reader = "arn:aws:sts::123456789012:assumed-role/reader/r".to_owned();
    push(
        "2025-03-03T00:00:00Z".into(),
        reader.clone(),
        "DescribeInstances",
        0,
    );
    for (n, (role, slot)) in events.iter().enumerate() {
        let (day, hour) = (3 + slot / 24, slot % 24);
        push(
            format!("2025-03-{day:02}T{hour:02}:30:00Z"),
            format!("arn:aws:sts::123456789012:assumed-role/{role}/session-{n}"),
            event_name,
            n + 1,
        );
    }
    push(
        "2025-03-09T23:59:59Z".into(),
        reader,
        "DescribeInstances",
        9999,
    );
    dir.write("trail.jsonl", lines).display().to_string()
}

#[test]
fn tune_takes_the_most_false_fires_per_character_first_and_stops_at_the_budget() {
    let dir = TempDir::new("tune-greedy");
    let config = dir.write("c.yaml", "alerts:\n  securityGroupChanges: true\n");
    let config = config.display().to_string();
    let long = "terraform-cloud-workspace-production-network-automation";
    // `ci` causes 3 false fires, the long role 4: per character, `ci` is worth more.
    let events = [
        ("ci", 1),
        (long, 3),
        ("ci", 5),
        (long, 7),
        ("ci", 9),
        (long, 11),
        (long, 13),
    ];
    let trail = week_trail(&dir, "AuthorizeSecurityGroupIngress", &events);
    let out = run(&[
        "tune",
        "--format",
        "json",
        "--config",
        &config,
        "--max-fires-per-week",
        "0",
        &trail,
    ]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let order: Vec<&str> = suggestions(&json)
        .iter()
        .map(|s| s["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "arn:aws:sts::123456789012:assumed-role/ci/*".to_owned(),
            format!("arn:aws:sts::123456789012:assumed-role/{long}/*"),
        ],
        "{json}"
    );
    assert_eq!(out.status.code(), Some(0));
    // A budget of 4 a week (7 days: 4 allowed) is met after the first: the search stops there.
    let out = run(&[
        "tune",
        "--format",
        "json",
        "--config",
        &config,
        "--max-fires-per-week",
        "4",
        &trail,
    ]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(suggestions(&json).len(), 1, "{json}");
    assert_eq!(json["after"]["false_fires"], 4);
    assert_eq!(json["budget"]["allowed_false_fires"], 4.0);
}

#[test]
fn tune_keeps_every_effective_pattern_within_1024_characters() {
    let dir = TempDir::new("tune-1024");
    let config = dir.write("c.yaml", "alerts:\n  iamPolicyChanges: true\n");
    let config = config.display().to_string();
    let roles: Vec<String> = (0..6)
        .map(|i| format!("deployment-automation-role-number-{i}-of-the-platform-team"))
        .collect();
    let events: Vec<(&str, u32)> = roles
        .iter()
        .enumerate()
        .map(|(i, r)| (r.as_str(), 2 * i as u32 + 1))
        .collect();
    let trail = week_trail(&dir, "PutRolePolicy", &events);
    let out = run(&[
        "tune",
        "--format",
        "json",
        "--config",
        &config,
        "--max-fires-per-week",
        "0",
        &trail,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let proposed = write_config(&dir, &json);
    let out = run(&["detectors", "--config", &proposed, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let detectors: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let length = detectors[0]["length"].as_u64().unwrap();
    assert!(length <= 1024, "{length}");
    let n = suggestions(&json).len();
    assert!((1..6).contains(&n), "{n}");
    let reason = json["unmet"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("over CloudWatch's limit of 1024"),
        "{reason}"
    );
}

#[test]
fn tune_excludes_a_user_type_only_when_no_incident_of_the_detector_uses_it() {
    let dir = TempDir::new("tune-types");
    let config = dir.write(
        "c.yaml",
        "alerts:\n  kmsKeyGrants: true\n  overrides:\n    kmsKeyGrants:\n      threshold: 1\n",
    );
    let config = config.display().to_string();
    let mut lines = String::new();
    let grant = |time: &str, by: &str, id: &str| {
        serde_json::json!({
            "eventVersion": "1.09",
            "userIdentity": {"type": "AWSService", "invokedBy": by},
            "eventTime": time, "eventSource": "kms.amazonaws.com", "eventName": "CreateGrant",
            "awsRegion": "us-east-1", "eventID": id, "recipientAccountId": "123456789012",
        })
        .to_string()
    };
    for (i, hour) in [1, 5, 9].iter().enumerate() {
        let time = format!("2025-03-03T{hour:02}:00:00Z");
        lines += &grant(&time, "autoscaling.amazonaws.com", &format!("noise-{i}"));
        lines.push('\n');
    }
    // The incident is an AWS service's own call too (a grant made through a hijacked service).
    lines += &grant("2025-03-09T23:59:59Z", "ec2.amazonaws.com", "incident-1");
    lines.push('\n');
    let trail = dir.write("trail.jsonl", lines).display().to_string();
    let labels = dir
        .write(
            "labels.jsonl",
            "{\"eventID\": \"incident-1\", \"label\": \"malicious\"}\n",
        )
        .display()
        .to_string();
    let tune = |extra: &[&str]| -> Value {
        let mut args = vec![
            "tune",
            "--format",
            "json",
            "--config",
            &config,
            "--max-fires-per-week",
            "0",
        ];
        args.extend_from_slice(extra);
        args.push(&trail);
        serde_json::from_str(&stdout(&run(&args))).unwrap()
    };
    let settings = |json: &Value| -> Vec<(String, String)> {
        suggestions(json)
            .iter()
            .map(|s| {
                (
                    s["setting"].as_str().unwrap().to_owned(),
                    s["value"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    // Without labels the type is the cheapest exclusion.
    let json = tune(&[]);
    assert_eq!(
        settings(&json),
        [("excludeUserTypes".to_owned(), "AWSService".to_owned())],
        "{json}"
    );
    // With an incident of that type, the service that made the noise is named instead.
    let json = tune(&["--labels", &labels]);
    assert_eq!(
        settings(&json),
        [(
            "excludeInvokedBy".to_owned(),
            "autoscaling.amazonaws.com".to_owned()
        )],
        "{json}"
    );
    assert_eq!(json["after"]["false_fires"], 0);
    assert_eq!(json["after"]["fires"], 1);
}

#[test]
fn tune_refuses_deployed_metric_filters_it_cannot_write_back() {
    let out = run(&[
        "tune",
        "--config",
        "tests/data/deployed/aws-describe-metric-filters.json",
        TRAIL,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("tune writes a simple-container `alerts:` config"),
        "{err}"
    );
    assert!(stdout(&out).is_empty());
}
