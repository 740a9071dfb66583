//! A report built through the core from a small hostile trail, for the renderer tests.
//! Principals, eventNames, IPs, eventIDs and error text carry injection attempts.

use serde_json::json;

use crate::alarm::AlarmSpec;
use crate::replay::calibration::{AlarmCalibration, Calibration};
use crate::replay::core::{Accumulator, DetectorSpec, ReplayConfig, Verdicts};
use crate::replay::report::Report;
use crate::trail::labels::{Label, Labels};

pub(crate) const SCRIPT: &str = "<script>alert('x')</script>";
pub(crate) const FORMULA: &str = "=HYPERLINK(\"http://evil\",\"x\")";
pub(crate) const PIPE: &str = "a|b`c*d_@team";
pub(crate) const ESC: &str = "evil\u{1b}[2J\u{7}";

fn det(key: &str, threshold: f64, exclusions: &[&str]) -> DetectorSpec {
    DetectorSpec {
        key: key.into(),
        alarm: AlarmSpec::new(threshold, 300, 1),
        exclusions: exclusions.iter().map(|s| s.to_string()).collect(),
        no_alarm: false,
    }
}

pub(crate) fn config() -> ReplayConfig {
    let mut cfg = ReplayConfig::new(vec![
        det("rootAccountUsage", 1.0, &["excludeUsers: ci"]),
        det("unauthorizedApiCalls", 2.0, &[]),
        det("iamPolicyChanges", 1.0, &[]),
    ]);
    cfg.baseline = Some(vec![
        det("rootAccountUsage", 1.0, &[]),
        det("unauthorizedApiCalls", 1.0, &[]),
        det("vpcChanges", 1.0, &[]),
    ]);
    let mut labels = Labels::default();
    labels.insert("evil-1", Label::Malicious);
    labels.insert(SCRIPT, Label::Malicious);
    labels.insert("ok-1", Label::Benign);
    cfg.labels = Some(labels);
    cfg
}

pub(crate) fn report() -> Report {
    let cfg = config();
    let mut acc = Accumulator::new(&cfg);
    acc.add_file();
    acc.add_file();
    acc.add_oversize();
    acc.add_error("trail/<b>bad</b>.json.gz", None, "invalid gzip header");
    acc.add_error(
        "=cmd.jsonl",
        Some(7),
        "expected a JSON object, found `<img src=x>`",
    );
    let users = [SCRIPT, FORMULA, PIPE, ESC, "alice"];
    for (i, t) in [
        "2024-03-01T10:00:00Z",
        "2024-03-01T10:01:00Z",
        "2024-03-01T18:00:00Z",
        "2024-03-02T09:00:00Z",
        "2024-03-02T09:02:00Z",
        "2024-03-02T09:03:00Z",
        "2024-03-04T23:59:00Z",
        "2024-03-05T00:30:00Z",
    ]
    .iter()
    .enumerate()
    {
        let user = users[i % users.len()];
        let id = match i {
            2 => "evil-1".to_string(),
            3 => SCRIPT.to_string(),
            4 => "ok-1".to_string(),
            _ => format!("id-{i}"),
        };
        let rec = json!({
            "eventTime": t,
            "eventName": if i % 2 == 0 { "ConsoleLogin".to_string() } else { format!("{FORMULA}{i}") },
            "sourceIPAddress": if i == 3 { "<svg onload=alert(1)>" } else { "203.0.113.7" },
            "eventID": id,
            "userAgent": SCRIPT,
            "userIdentity": {"type": if i == 0 { "Root" } else { "IAMUser" }, "userName": user},
        });
        let cur = [i % 3 != 1, i >= 3, false];
        let base = [true, i >= 3, i == 5];
        let excl = [u64::from(i % 3 == 1), 0, 0];
        acc.observe(
            &cfg,
            &rec,
            &Verdicts {
                current: &cur,
                baseline: &base,
                excluded_by: &excl,
            },
        );
    }
    let mut report = acc.finish(&cfg);
    report.calibration = Some(calibration());
    report
}

/// A calibration whose alarm names carry injection attempts (alarm names are user text).
fn calibration() -> Calibration {
    Calibration {
        alarms: vec![AlarmCalibration {
            alarm_name: SCRIPT.to_owned(),
            detector: "rootAccountUsage".to_owned(),
            simulated: 2,
            real: 2,
            agreed: 1,
            only_simulated: vec!["2024-03-01T10:00:00Z".to_owned()],
            only_real: vec!["2024-03-02T09:07:00Z".to_owned()],
            truncated: false,
        }],
        not_in_history: vec![FORMULA.to_owned()],
        not_replayed: vec![PIPE.to_owned(), ESC.to_owned()],
    }
}

#[test]
fn sample_is_rich_enough() {
    let r = report();
    assert!(r.detectors.iter().any(|d| d.fires > 0));
    assert!(r.what_if.is_some());
    assert!(!r.missed_incidents.as_ref().unwrap().is_empty() || r.summary.true_fires > Some(0));
    assert!(r
        .detectors
        .iter()
        .flat_map(|d| &d.top_principals)
        .any(|p| p.principal == SCRIPT));
}

#[test]
#[ignore = "prints the sample in every format for eyeballing"]
fn print_sample() {
    for f in ["table", "json", "csv", "markdown"] {
        println!("{}", super::render(&report(), f.parse().unwrap()));
    }
    std::fs::write(
        "/tmp/cwfilter-sample.html",
        super::render(&report(), super::Format::Html),
    )
    .unwrap();
}
