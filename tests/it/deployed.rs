//! Deployed metric filters and alarms as `--config` (issue 14, part 1): the CIS CloudWatch.1-14
//! fixtures in tests/data/deployed/, written as each tool writes them, replay a generated trail
//! with the same per-detector figures as `--profile securityhub`; bad input names the file and
//! the resource, exits 2 and loads nothing.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{run, stderr, stdout, TempDir};

const AWS_FILTERS: &str = "tests/data/deployed/aws-describe-metric-filters.json";
const AWS_ALARMS: &str = "tests/data/deployed/aws-describe-alarms.json";
const TF_STATE: &str = "tests/data/deployed/terraform-state.json";
const TF_PLAN: &str = "tests/data/deployed/terraform-plan.json";
const CFN_YAML: &str = "tests/data/deployed/cloudformation.yaml";
const CFN_JSON: &str = "tests/data/deployed/cloudformation.json";

/// A small generated trail, written once for the module.
fn trail() -> &'static str {
    static TRAIL: OnceLock<(TempDir, String)> = OnceLock::new();
    &TRAIL
        .get_or_init(|| {
            let dir = TempDir::new("deployed-trail");
            let out = dir.join("trail");
            let o = run(&[
                "synth",
                "--days",
                "3",
                "--events-per-day",
                "1500",
                "--seed",
                "14",
                "--out",
                out.to_str().unwrap(),
            ]);
            assert!(o.status.success(), "{}", stderr(&o));
            let path = out.join("AWSLogs").to_string_lossy().into_owned();
            (dir, path)
        })
        .1
}

/// Per detector pattern: (matched, fires, fire times), from `replay --format json`.
fn figures(config: &[&str]) -> BTreeMap<String, (u64, u64, Value)> {
    let mut args = vec!["replay", "--format", "json", "--no-progress"];
    args.extend(config);
    args.push(trail());
    let o = run(&args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let detectors = report["detectors"].as_array().unwrap();
    // Keys differ between sources; the effective pattern is what both deploy.
    let patterns = patterns(config);
    detectors
        .iter()
        .map(|d| {
            let key = d["key"].as_str().unwrap();
            (
                patterns[key].clone(),
                (
                    d["matched"].as_u64().unwrap(),
                    d["fires"].as_u64().unwrap(),
                    d["fire_times"].clone(),
                ),
            )
        })
        .collect()
}

fn patterns(config: &[&str]) -> BTreeMap<String, String> {
    let mut args = vec!["detectors", "--format", "json"];
    args.extend(config);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let list: Value = serde_json::from_str(&stdout(&o)).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["key"].as_str().unwrap().to_owned(),
                d["pattern"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn aws_cli_output_replays_like_the_securityhub_profile() {
    let reference = figures(&["--profile", "securityhub"]);
    assert_eq!(reference.len(), 14);
    assert!(
        reference.values().any(|(_, fires, _)| *fires > 0),
        "the trail fires some CIS alarm"
    );
    let aws = figures(&["--config", AWS_FILTERS, "--config", AWS_ALARMS]);
    assert_eq!(aws, reference);
    // The order of the files does not matter.
    let swapped = figures(&["--config", AWS_ALARMS, "--config", AWS_FILTERS]);
    assert_eq!(swapped, reference);
}

#[test]
fn terraform_and_cloudformation_replay_like_the_securityhub_profile() {
    let reference = figures(&["--profile", "securityhub"]);
    for file in [TF_STATE, TF_PLAN, CFN_YAML, CFN_JSON] {
        assert_eq!(figures(&["--config", file]), reference, "{file}");
    }
}

/// The CIS.1 detector of `detectors --format json --config FILE`.
fn root_detector(files: &[&str]) -> Value {
    let mut args = vec!["detectors", "--format", "json"];
    for f in files {
        args.extend(["--config", f]);
    }
    let o = run(&args);
    let file = files.join(" ");
    assert!(o.status.success(), "{file}: {}", stderr(&o));
    let list: Value = serde_json::from_str(&stdout(&o)).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "RootAccountUsageMetricFilter")
        .unwrap_or_else(|| panic!("{file}: {list:#}"))
        .clone()
}

#[test]
fn every_source_gives_the_same_settings_and_names_its_resources() {
    let reference = root_detector(&[AWS_FILTERS, AWS_ALARMS]);
    for (file, filter, alarm) in [
        (
            TF_STATE,
            "module.cis.aws_cloudwatch_log_metric_filter.this[\"RootAccountUsage\"]",
            "module.cis.aws_cloudwatch_metric_alarm.this[\"RootAccountUsage\"]",
        ),
        (
            TF_PLAN,
            "module.cis.aws_cloudwatch_log_metric_filter.this[\"RootAccountUsage\"]",
            "module.cis.aws_cloudwatch_metric_alarm.this[\"RootAccountUsage\"]",
        ),
        (
            CFN_YAML,
            "AWS::Logs::MetricFilter RootAccountUsageMetricFilter",
            "AWS::CloudWatch::Alarm RootAccountUsageAlarm",
        ),
        (
            CFN_JSON,
            "AWS::Logs::MetricFilter RootAccountUsageMetricFilter",
            "AWS::CloudWatch::Alarm RootAccountUsageAlarm",
        ),
    ] {
        let d = root_detector(&[file]);
        for field in [
            "pattern",
            "alarmName",
            "metricName",
            "metricNamespace",
            "metricValue",
            "logGroupName",
            "treatMissingData",
            "threshold",
            "period",
            "evaluationPeriods",
            "datapointsToAlarm",
        ] {
            assert_eq!(d[field], reference[field], "{file}: {field}");
        }
        assert_eq!(d["source"]["file"], file);
        let resource = d["source"]["resource"].as_str().unwrap();
        assert_eq!(resource, format!("{filter}, {alarm}"), "{file}");
    }
}

const TEMPLATE_HEAD: &str = "AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Topic: {Type: String}
Resources:
  Logins:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: !Ref AWS::StackName
      FilterPattern: '{ $.eventName = \"ConsoleLogin\" }'
      MetricTransformations:
        - {MetricName: Logins, MetricNamespace: Sec, MetricValue: '1'}
  LoginAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: Sec
      MetricName: Logins
      Statistic: Sum
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      AlarmActions: [!Ref Topic]
";

#[test]
fn a_template_value_the_replay_needs_and_cannot_know_is_an_error_naming_it() {
    // Unresolvable properties the replay does not need (LogGroupName, AlarmActions) are fine;
    // FilterName and AlarmName default to the logical ids.
    let good = format!("{TEMPLATE_HEAD}      Period: 300\n");
    let (code, out, err) = detectors(&[("t.yaml", good)]);
    assert_eq!(code, 0, "{err}");
    let list: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list[0]["key"], "Logins");
    assert_eq!(list[0]["alarmName"], "LoginAlarm");
    assert_eq!(list[0]["period"], 300);

    for (period, fragments) in [
        (
            "!Ref AWS::Region",
            vec![
                "AWS::CloudWatch::Alarm LoginAlarm",
                "Period",
                "pseudo parameter AWS::Region",
            ],
        ),
        (
            "!Ref Topic",
            vec!["Period refers to the parameter Topic, which has no Default"],
        ),
        ("!GetAtt Logins.Arn", vec!["Period uses Fn::GetAtt"]),
        ("five", vec!["Period is \"five\", not a number"]),
    ] {
        let text = format!("{TEMPLATE_HEAD}      Period: {period}\n");
        let (code, out, err) = detectors(&[("t.yaml", text)]);
        assert_eq!(code, 2, "{period}: {err}");
        assert!(out.is_empty(), "{period}: nothing loaded");
        // The error points at the line of the property.
        assert!(err.contains("t.yaml:22:"), "{period}: {err}");
        for f in fragments {
            assert!(err.contains(f), "{period}: {f:?} not in {err}");
        }
    }
}

#[test]
fn a_plan_attribute_known_only_after_apply_is_an_error() {
    let mut plan: Value = serde_json::from_str(&std::fs::read_to_string(TF_PLAN).unwrap()).unwrap();
    let resources = plan["planned_values"]["root_module"]["child_modules"][0]["resources"]
        .as_array_mut()
        .unwrap();
    let filter = resources
        .iter_mut()
        .find(|r| r["type"] == "aws_cloudwatch_log_metric_filter")
        .unwrap();
    filter["values"].as_object_mut().unwrap().remove("pattern");
    let address = filter["address"].as_str().unwrap().to_owned();
    let (code, out, err) = detectors(&[("plan.json", plan.to_string())]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("plan.json"), "{err}");
    assert!(
        err.contains(&format!("{address}: pattern is not known")),
        "{err}"
    );
}

#[test]
fn aws_cli_detectors_name_their_source_and_settings() {
    let o = run(&[
        "detectors",
        "--format",
        "json",
        "--config",
        AWS_FILTERS,
        "--config",
        AWS_ALARMS,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let list: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let root = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "RootAccountUsageMetricFilter")
        .unwrap();
    assert_eq!(root["alarmName"], "CIS-CloudWatch.1-RootAccountUsage");
    assert_eq!(root["metricNamespace"], "CISBenchmark");
    assert_eq!(root["metricValue"], "1");
    assert_eq!(root["logGroupName"], "aws-cloudtrail-logs-123456789012");
    // CloudWatch.1's alarm sets no TreatMissingData: PutMetricAlarm's default, `missing`.
    assert_eq!(root["treatMissingData"], "missing");
    assert_eq!(root["source"]["file"], AWS_FILTERS);
    assert!(root["source"]["resource"]
        .as_str()
        .unwrap()
        .contains("alarm CIS-CloudWatch.1-RootAccountUsage"));
    let two = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["alarmName"] == "CIS-CloudWatch.2-UnauthorizedApiCalls")
        .unwrap();
    assert_eq!(two["treatMissingData"], "notBreaching");
}

fn alarms_doc(alarms: Value) -> String {
    serde_json::to_string_pretty(
        &serde_json::json!({"MetricAlarms": alarms, "CompositeAlarms": []}),
    )
    .unwrap()
}

fn filters_doc(filters: Value) -> String {
    serde_json::to_string_pretty(&serde_json::json!({ "metricFilters": filters })).unwrap()
}

fn filter(name: &str, metric: &str) -> Value {
    serde_json::json!({
        "filterName": name,
        "filterPattern": "{ $.eventName = \"ConsoleLogin\" }",
        "metricTransformations": [{"metricName": metric, "metricNamespace": "Sec", "metricValue": "1"}],
        "logGroupName": "trail"
    })
}

fn alarm(name: &str, metric: &str) -> Value {
    serde_json::json!({
        "AlarmName": name, "Namespace": "Sec", "MetricName": metric, "Dimensions": [],
        "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold"
    })
}

/// Runs `detectors` over the files; returns (exit code, stdout, stderr).
fn detectors(files: &[(&str, String)]) -> (i32, String, String) {
    let dir = TempDir::new("deployed-bad");
    let mut args = vec!["detectors".to_owned(), "--format".into(), "json".into()];
    for (name, text) in files {
        let path = dir.write(name, text);
        args.push("--config".into());
        args.push(path.to_string_lossy().into_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&args);
    (o.status.code().unwrap_or(-1), stdout(&o), stderr(&o))
}

/// (what, files as (name, text), fragments stderr must hold).
type BadCase<'a> = (&'a str, Vec<(&'a str, String)>, Vec<&'a str>);

#[test]
fn bad_deployed_configs_name_the_file_and_resource_and_load_nothing() {
    let good_filters = filters_doc(serde_json::json!([filter("Logins", "Logins")]));
    let mut unknown_statistic = alarm("LoginAlarm", "Logins");
    unknown_statistic["Statistic"] = "Median".into();
    let mut no_period = alarm("LoginAlarm", "Logins");
    no_period.as_object_mut().unwrap().remove("Period");
    let mut bad_pattern = filter("Broken", "Logins");
    bad_pattern["filterPattern"] = "{ $.eventName = ".into();
    let cases: Vec<BadCase> = vec![
        (
            "malformed JSON",
            vec![("f.json", "{\"metricFilters\": [".to_owned())],
            vec!["f.json", "malformed JSON"],
        ),
        (
            "no known kind",
            vec![("x.json", "{\"Stacks\": []}".to_owned())],
            vec!["x.json", "no known kind", "describe-metric-filters"],
        ),
        (
            "unknown statistic",
            vec![
                ("f.json", good_filters.clone()),
                ("a.json", alarms_doc(serde_json::json!([unknown_statistic]))),
            ],
            vec!["a.json", "alarm LoginAlarm", "unknown statistic `Median`"],
        ),
        (
            "missing Period",
            vec![
                ("f.json", good_filters.clone()),
                ("a.json", alarms_doc(serde_json::json!([no_period]))),
            ],
            vec!["a.json", "alarm LoginAlarm", "has no Period"],
        ),
        (
            "pattern that does not parse",
            vec![
                ("f.json", filters_doc(serde_json::json!([bad_pattern]))),
                (
                    "a.json",
                    alarms_doc(serde_json::json!([alarm("LoginAlarm", "Logins")])),
                ),
            ],
            vec!["f.json", "metric filter Broken", "does not parse"],
        ),
    ];
    for (what, files, fragments) in cases {
        let (code, out, err) = detectors(&files);
        assert_eq!(code, 2, "{what}: {err}");
        assert!(out.is_empty(), "{what}: nothing is listed, got {out}");
        for f in fragments {
            assert!(err.contains(f), "{what}: {f:?} not in {err}");
        }
    }
}

#[test]
fn unwatched_filters_and_unsimulated_alarms_are_listed_as_skipped() {
    let mut math = alarm("MathAlarm", "Logins");
    math["Metrics"] = serde_json::json!([{"Id": "m1", "Expression": "m0 * 2"}]);
    let mut band = alarm("BandAlarm", "Logins");
    band["ComparisonOperator"] = "GreaterThanUpperThreshold".into();
    let files = vec![
        (
            "f.json",
            filters_doc(serde_json::json!([
                filter("Logins", "Logins"),
                filter("Quiet", "Quiet")
            ])),
        ),
        (
            "a.json",
            alarms_doc(serde_json::json!([
                alarm("LoginAlarm", "Logins"),
                alarm("Orphan", "NobodyPublishes"),
                math,
                band
            ])),
        ),
    ];
    let (code, out, err) = detectors(&files);
    assert_eq!(code, 0, "{err}");
    let list: Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    // Quiet has no alarm: a detector whose alarm fields are null.
    assert_eq!(keys, ["Logins", "Quiet"]);
    let quiet = &list[1];
    assert_eq!(quiet["threshold"], Value::Null);
    assert_eq!(quiet["period"], Value::Null);
    assert_eq!(quiet["alarmName"], Value::Null);
    assert!(quiet["source"]["resource"]
        .as_str()
        .unwrap()
        .ends_with("(no alarm)"));
    for fragment in [
        "metric filter Quiet: no alarm given watches Sec/Quiet: replayed for its matches only (no alarm)",
        "alarm Orphan skipped: no metric filter given publishes Sec/NobodyPublishes",
        "alarm MathAlarm skipped: it alarms on metric math",
        "alarm BandAlarm skipped: it compares with an anomaly detection band",
    ] {
        assert!(err.contains(fragment), "{fragment:?} not in {err}");
    }
}

fn with_default(default: f64, statistic: &str) -> Vec<(&'static str, String)> {
    let mut f = filter("Logins", "Logins");
    f["metricTransformations"][0]["defaultValue"] = default.into();
    let mut a = alarm("LoginAlarm", "Logins");
    a["Statistic"] = statistic.into();
    vec![
        ("f.json", filters_doc(serde_json::json!([f]))),
        ("a.json", alarms_doc(serde_json::json!([a]))),
    ]
}

/// Runs `cmd --config F...` over the files, plus `extra` arguments.
fn run_over(cmd: &str, files: &[(&str, String)], extra: &[&str]) -> (i32, String, String) {
    let dir = TempDir::new(&format!("deployed-{cmd}"));
    let mut args = vec![cmd.to_owned()];
    for (name, text) in files {
        args.push("--config".into());
        args.push(dir.write(name, text).to_string_lossy().into_owned());
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&args);
    (o.status.code().unwrap_or(-1), stdout(&o), stderr(&o))
}

#[test]
fn lint_warns_when_an_alarm_depends_on_the_default_value_reading() {
    for (default, statistic, warns) in [
        (0.0, "Sum", false),
        (0.0, "SampleCount", true),
        (0.0, "Average", true),
        (1.0, "Sum", true),
        (0.0, "p90", true),
    ] {
        let (code, out, err) = run_over("lint", &with_default(default, statistic), &[]);
        assert_eq!(
            out.contains("CW009"),
            warns,
            "{default} {statistic}: {out}{err}"
        );
        assert_eq!(code, i32::from(warns), "{default} {statistic}: {out}{err}");
    }
}

/// A JSON Lines trail: (minute after 2025-01-06T00:00:00Z, eventName, userName, bytes).
fn minutes_trail(events: &[(u32, &str, &str, Value)]) -> String {
    events
        .iter()
        .enumerate()
        .map(|(i, (minute, name, user, bytes))| {
            serde_json::json!({
                "eventVersion": "1.08",
                "eventTime": format!("2025-01-06T{:02}:{:02}:30Z", minute / 60, minute % 60),
                "eventSource": "s3.amazonaws.com",
                "eventName": name,
                "eventID": format!("ev-{i}"),
                "userIdentity": {"type": "IAMUser", "userName": user},
                "requestParameters": {"bytes": bytes},
            })
            .to_string()
                + "\n"
        })
        .collect()
}

/// `replay --format json` of `trail` with one deployed filter and its alarm; the detector's
/// (matched, fire_times).
fn replay_metric(filter: Value, alarm: Value, trail: &str) -> (u64, Vec<String>) {
    let dir = TempDir::new("metric-trail");
    let path = dir.write("trail.jsonl", trail);
    let (code, out, err) = run_over(
        "replay",
        &[
            ("f.json", filters_doc(serde_json::json!([filter]))),
            ("a.json", alarms_doc(serde_json::json!([alarm]))),
        ],
        &["--format", "json", "--no-progress", path.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let d = &report["detectors"][0];
    let times = d["fire_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    (d["matched"].as_u64().unwrap(), times)
}

fn at(minute: u32) -> String {
    format!("2025-01-06T{:02}:{:02}:00Z", minute / 60, minute % 60)
}

#[test]
fn replay_simulates_a_metric_value_read_from_the_event() {
    let mut f = filter("Big", "BigReads");
    f["filterPattern"] = "{ $.eventName = \"GetObject\" }".into();
    f["metricTransformations"][0]["metricValue"] = "$.requestParameters.bytes".into();
    let mut a = alarm("BigReadAlarm", "BigReads");
    a["Statistic"] = "Maximum".into();
    a["Threshold"] = 100.0.into();
    a["TreatMissingData"] = "notBreaching".into();
    let trail = minutes_trail(&[
        (1, "GetObject", "alice", 50.into()),
        (2, "GetObject", "alice", 150.into()),
        (6, "GetObject", "alice", 99.into()),
        // Not a number: the event matches but publishes nothing (A23).
        (11, "GetObject", "alice", "abc".into()),
        (16, "GetObject", "alice", 100.into()),
        (17, "PutObject", "alice", 1000.into()),
    ]);
    // Counting matches (Maximum of 1s) would never reach 100.
    assert_eq!(replay_metric(f, a, &trail), (5, vec![at(0), at(15)]));
}

#[test]
fn replay_publishes_the_default_value_in_periods_with_events_but_no_match() {
    // A heartbeat alarm: fewer than 1 Heartbeat in a period that has events.
    let mut f = filter("Heartbeat", "Heartbeats");
    f["filterPattern"] = "{ $.eventName = \"Heartbeat\" }".into();
    f["metricTransformations"][0]["defaultValue"] = 0.0.into();
    let mut a = alarm("NoHeartbeat", "Heartbeats");
    a["ComparisonOperator"] = "LessThanThreshold".into();
    a["TreatMissingData"] = "notBreaching".into();
    let trail = minutes_trail(&[
        (1, "Heartbeat", "svc", 0.into()),
        (2, "GetObject", "svc", 0.into()),
        // 00:05-00:10: events, no heartbeat: the default 0 breaches.
        (6, "GetObject", "svc", 0.into()),
        // 00:10-00:15: no event at all: missing, not breaching (back to OK).
        (16, "GetObject", "svc", 0.into()),
        (21, "Heartbeat", "svc", 0.into()),
    ]);
    assert_eq!(
        replay_metric(f.clone(), a.clone(), &trail),
        (2, vec![at(5), at(15)])
    );
    // Without the defaultValue those periods have no datapoint: nothing fires.
    f["metricTransformations"][0]
        .as_object_mut()
        .unwrap()
        .remove("defaultValue");
    assert_eq!(replay_metric(f, a, &trail), (2, vec![]));
}

#[test]
fn replay_gives_an_alarm_only_the_series_of_its_dimensions() {
    let mut f = filter("Reads", "Reads");
    f["filterPattern"] = "{ $.eventName = \"GetObject\" }".into();
    f["metricTransformations"][0]["dimensions"] =
        serde_json::json!({"User": "$.userIdentity.userName"});
    let mut a = alarm("AliceReads", "Reads");
    a["Dimensions"] = serde_json::json!([{"Name": "User", "Value": "alice"}]);
    a["Threshold"] = 2.0.into();
    let trail = minutes_trail(&[
        (1, "GetObject", "alice", 0.into()),
        (2, "GetObject", "bob", 0.into()),
        (3, "GetObject", "bob", 0.into()),
        (6, "GetObject", "alice", 0.into()),
        (7, "GetObject", "alice", 0.into()),
    ]);
    // Bob's two reads in the first period are another series.
    assert_eq!(replay_metric(f, a, &trail), (5, vec![at(5)]));
}

#[test]
fn metric_replays_split_into_partials_merge_to_the_same_report() {
    let mut f = filter("Big", "BigReads");
    f["filterPattern"] = "{ $.eventName = \"GetObject\" }".into();
    f["metricTransformations"][0]["metricValue"] = "$.requestParameters.bytes".into();
    let mut a = alarm("BigReadAlarm", "BigReads");
    a["Statistic"] = "p50".into();
    a["Threshold"] = 100.0.into();
    let events: Vec<(u32, &str, &str, Value)> = (0..40)
        .map(|i| (i * 2, "GetObject", "alice", ((i * 37) % 200).into()))
        .collect();
    let dir = TempDir::new("metric-partials");
    let whole = dir.write("whole/trail.jsonl", minutes_trail(&events));
    let first = dir.write("a/trail.jsonl", minutes_trail(&events[..17]));
    let second = dir.write("b/trail.jsonl", minutes_trail(&events[17..]));
    let files = [
        ("f.json", filters_doc(serde_json::json!([f]))),
        ("a.json", alarms_doc(serde_json::json!([a]))),
    ];
    let (code, one_shot, err) = run_over(
        "replay",
        &files,
        &["--format", "json", "--no-progress", whole.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let mut partials = Vec::new();
    for (i, part) in [&first, &second].iter().enumerate() {
        let out = dir.join(format!("p{i}.json"));
        let (code, _, err) = run_over(
            "replay",
            &files,
            &[
                "--no-progress",
                "--partial-out",
                out.to_str().unwrap(),
                part.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{err}");
        partials.push(out.to_string_lossy().into_owned());
    }
    let mut args = vec!["merge", "--format", "json"];
    args.extend(partials.iter().map(String::as_str));
    let merged = run(&args);
    assert!(merged.status.success(), "{}", stderr(&merged));
    // Input paths differ; everything else is the same.
    let strip = |text: &str| {
        let mut v: Value = serde_json::from_str(text).unwrap();
        v["inputs"]["files"] = Value::Null;
        v
    };
    let one: Value = strip(&one_shot);
    assert!(
        one["detectors"][0]["fires"].as_u64().unwrap() > 0,
        "{one:#}"
    );
    assert_eq!(strip(&stdout(&merged)), one);
}

#[test]
fn a_baseline_must_publish_one_per_match() {
    let dir = TempDir::new("metric-baseline");
    let template = format!("{TEMPLATE_HEAD}      Period: 300\n")
        .replace("MetricValue: '1'}", "MetricValue: '1', DefaultValue: 0}");
    assert!(template.contains("DefaultValue: 0"));
    let baseline = dir.write("baseline.yaml", template);
    let o = run(&[
        "replay",
        "--no-progress",
        "--config",
        AWS_FILTERS,
        "--config",
        AWS_ALARMS,
        "--baseline",
        baseline.to_str().unwrap(),
        trail(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("baseline detector Logins"), "{err}");
    assert!(err.contains("defaultValue 0"), "{err}");
}

/// An alarm history as `describe-alarm-history` prints it: for each (alarm, time), an OK ->
/// ALARM item at that time and an ALARM -> OK item ten minutes later, newest first.
fn history_doc(transitions: &[(String, i64)]) -> String {
    let stamp = |t: i64| {
        let s = cwfilter::trail::time::format_event_time(t);
        s.replace('Z', ".123000+00:00")
    };
    let item = |name: &str, t: i64, old: &str, new: &str| {
        serde_json::json!({
            "AlarmName": name,
            "AlarmType": "MetricAlarm",
            "Timestamp": stamp(t),
            "HistoryItemType": "StateUpdate",
            "HistorySummary": format!("Alarm updated from {old} to {new}"),
            "HistoryData": serde_json::json!({
                "version": "1.0",
                "oldState": {"stateValue": old, "stateReason": "..."},
                "newState": {"stateValue": new, "stateReason": "Threshold Crossed: 1 datapoint"}
            }).to_string()
        })
    };
    let mut items = Vec::new();
    for (name, t) in transitions {
        items.push(item(name, *t, "OK", "ALARM"));
        items.push(item(name, *t + 600, "ALARM", "OK"));
    }
    items.reverse();
    // Two pages, one after the other, as `--max-items` paging writes them.
    let half = items.len() / 2;
    format!(
        "{}\n{}\n",
        serde_json::json!({"AlarmHistoryItems": items[..half], "NextToken": "eyJ4Ijox"}),
        serde_json::json!({"AlarmHistoryItems": items[half..]})
    )
}

#[test]
fn calibration_agrees_with_a_history_of_the_same_fires_and_names_planted_disagreements() {
    let config = ["--config", AWS_FILTERS, "--config", AWS_ALARMS];
    let mut args = vec!["replay", "--format", "json", "--no-progress"];
    args.extend(config);
    args.push(trail());
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        report.get("calibration").is_none(),
        "absent without a history"
    );
    let names = patterns_to_alarm_names();
    // Real ALARM transitions 90 s after each simulated fire's period ends.
    let mut real: Vec<(String, i64)> = Vec::new();
    for d in report["detectors"].as_array().unwrap() {
        let period = d["alarm"]["period"].as_i64().unwrap();
        for t in d["fire_times"].as_array().unwrap() {
            let start = cwfilter::trail::time::parse_event_time(t.as_str().unwrap()).unwrap();
            real.push((
                names[d["key"].as_str().unwrap()].clone(),
                start + period + 90,
            ));
        }
    }
    assert!(real.len() >= 2, "the trail fires: {real:?}");
    let dir = TempDir::new("calibration");
    let calibrated = |history: &str, format: &str| {
        let path = dir.write("history.json", history);
        let mut args = vec!["replay", "--format", format, "--no-progress"];
        args.extend(config);
        args.extend(["--alarm-history", path.to_str().unwrap(), trail()]);
        let o = run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    // The history of the simulated fires themselves, plus an alarm no detector is.
    let mut same = real.clone();
    same.push(("SomeOtherAlarm".to_owned(), real[0].1));
    let json: Value = serde_json::from_str(&calibrated(&history_doc(&same), "json")).unwrap();
    let c = &json["calibration"];
    let alarms = c["alarms"].as_array().unwrap();
    let fired: std::collections::BTreeSet<&String> = real.iter().map(|(n, _)| n).collect();
    assert_eq!(alarms.len(), fired.len(), "{c:#}");
    for a in alarms {
        assert_eq!(a["agreed"], a["simulated"], "{a:#}");
        assert_eq!(a["real"], a["simulated"], "{a:#}");
        assert_eq!(a["only_simulated"], serde_json::json!([]));
        assert_eq!(a["only_real"], serde_json::json!([]));
    }
    assert_eq!(c["not_replayed"], serde_json::json!(["SomeOtherAlarm"]));
    // Alarms that never went to ALARM in the history are not in it at all.
    assert_eq!(
        c["not_in_history"].as_array().unwrap().len(),
        14 - fired.len(),
        "{c:#}"
    );

    // Planted: one real fire lost (of an alarm that has others, so it stays in the history),
    // and a real ALARM three hours after the last one.
    let lost = real
        .iter()
        .position(|(n, _)| real.iter().filter(|(m, _)| m == n).count() > 1)
        .expect("an alarm fires twice");
    let (lost_name, lost_time) = real[lost].clone();
    let mut planted: Vec<(String, i64)> = real.clone();
    planted.remove(lost);
    // The extra one inside the window, an hour from any fire of its alarm.
    let parse = |v: &Value| cwfilter::trail::time::parse_event_time(v.as_str().unwrap()).unwrap();
    let (start, end) = (
        parse(&report["window"]["start"]),
        parse(&report["window"]["end"]),
    );
    let extra_name = lost_name.clone();
    let extra_time = (start..end)
        .step_by(600)
        .find(|t| {
            real.iter()
                .all(|(n, r)| *n != extra_name || (r - t).abs() > 3600)
        })
        .expect("a quiet hour in the window");
    planted.push((extra_name.clone(), extra_time));
    let json: Value = serde_json::from_str(&calibrated(&history_doc(&planted), "json")).unwrap();
    let alarms = json["calibration"]["alarms"].as_array().unwrap();
    let only_sim: Vec<(&str, &str)> = alarms
        .iter()
        .flat_map(|a| {
            a["only_simulated"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |t| (a["alarm_name"].as_str().unwrap(), t.as_str().unwrap()))
        })
        .collect();
    let only_real: Vec<(&str, &str)> = alarms
        .iter()
        .flat_map(|a| {
            a["only_real"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |t| (a["alarm_name"].as_str().unwrap(), t.as_str().unwrap()))
        })
        .collect();
    let lost_start = cwfilter::trail::time::format_event_time(lost_time - 300 - 90);
    let extra = cwfilter::trail::time::format_event_time(extra_time);
    assert_eq!(only_sim, [(lost_name.as_str(), lost_start.as_str())]);
    assert_eq!(only_real, [(extra_name.as_str(), extra.as_str())]);

    // The table shows the section and each disagreement with its time.
    let table = calibrated(&history_doc(&planted), "table");
    assert!(
        table.contains("calibration against the alarm history"),
        "{table}"
    );
    assert!(
        table.contains(&format!("only real: {extra_name} ALARM at {extra}")),
        "{table}"
    );
}

/// Detector key -> AlarmName, from `detectors --format json` over the AWS CLI fixtures.
fn patterns_to_alarm_names() -> BTreeMap<String, String> {
    let o = run(&[
        "detectors",
        "--format",
        "json",
        "--config",
        AWS_FILTERS,
        "--config",
        AWS_ALARMS,
    ]);
    let list: Value = serde_json::from_str(&stdout(&o)).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["key"].as_str().unwrap().to_owned(),
                d["alarmName"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_bad_alarm_history_is_an_error_naming_the_file() {
    let dir = TempDir::new("calibration-bad");
    for (text, fragment) in [
        ("{\"MetricAlarms\": []}", "no AlarmHistoryItems"),
        ("{\"AlarmHistoryItems\": [", "malformed JSON"),
        (
            "{\"AlarmHistoryItems\": [{\"AlarmName\": \"A\", \"HistoryItemType\": \"StateUpdate\", \"HistorySummary\": \"Alarm updated from OK to ALARM\", \"Timestamp\": \"yesterday\"}]}",
            "no readable Timestamp",
        ),
    ] {
        let path = dir.write("h.json", text);
        let o = run(&[
            "replay", "--no-progress", "--config", AWS_FILTERS, "--config", AWS_ALARMS,
            "--alarm-history", path.to_str().unwrap(), trail(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{text}");
        let err = stderr(&o);
        assert!(err.contains("h.json") && err.contains(fragment), "{err}");
        assert!(stdout(&o).is_empty(), "no report on a bad history");
    }
}

#[test]
fn a_filter_no_alarm_watches_is_replayed_for_its_matches_with_no_alarm() {
    let dir = TempDir::new("no-alarm");
    let trail = dir.write(
        "trail.jsonl",
        minutes_trail(&[
            (1, "GetObject", "alice", 0.into()),
            (2, "GetObject", "bob", 0.into()),
            (3, "PutObject", "bob", 0.into()),
        ]),
    );
    let mut f = filter("Reads", "Reads");
    f["filterPattern"] = "{ $.eventName = \"GetObject\" }".into();
    // The filters alone: no alarm file at all.
    let files = [("f.json", filters_doc(serde_json::json!([f])))];
    let (code, out, err) = run_over(
        "replay",
        &files,
        &["--format", "json", "--no-progress", trail.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no alarm given watches Sec/Reads"), "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let d = &report["detectors"][0];
    assert_eq!(d["key"], "Reads");
    assert_eq!(d["matched"], 2);
    assert_eq!(d["fires"], 0);
    assert_eq!(d["alarm"], Value::Null);
    assert_eq!(d["top_principals"][0]["matched"], 1);
    let (code, table, err) = run_over(
        "replay",
        &files,
        &["--no-progress", trail.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    assert!(table.contains("Reads: no alarm (matches only)"), "{table}");
}
