//! The synthetic trail generator: determinism, S3 layout, labels, and realism of records.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cwfilter::trail::reader::{discover, read_input_to_vec, Input, OwnedItem, ReadOptions};
use cwfilter::trail::synth::{
    generate_slot, object_paths, plan_incidents, write_trail, IncidentKind, Label, SynthConfig,
};
use cwfilter::trail::time::{parse_event_time, s3_key_day, DAY};
use serde_json::Value;

use crate::support::TempDir;

fn tempdir(tag: &str) -> TempDir {
    TempDir::new(&format!("synth-{tag}"))
}

fn small(seed: u64) -> SynthConfig {
    SynthConfig {
        days: 1,
        events_per_day: 2_000,
        seed,
        regions: vec![
            "us-east-1".into(),
            "eu-west-1".into(),
            "ap-southeast-2".into(),
        ],
        ..SynthConfig::default()
    }
}

/// Every file under `dir` with its bytes, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    files
}

/// All records of a written trail, parsed, with the S3 key day of their file.
fn records(dir: &Path) -> Vec<(Value, i64, PathBuf)> {
    let found = discover(&[dir.to_path_buf()], &|_| true);
    assert!(found.errors.is_empty());
    let mut out = Vec::new();
    for input in &found.inputs {
        let Input::File(path) = input else {
            unreachable!()
        };
        if path.ends_with("labels.jsonl") {
            continue;
        }
        let (items, _) = read_input_to_vec(input, &ReadOptions::default());
        let day = s3_key_day(path).expect("S3 key layout");
        for item in items {
            match item {
                OwnedItem::Record { text, .. } => {
                    out.push((serde_json::from_str(&text).unwrap(), day, path.clone()))
                }
                other => panic!("{}: {other:?}", path.display()),
            }
        }
    }
    out
}

#[test]
fn same_seed_same_bytes_different_seed_different_trail() {
    let (a, b, c) = (tempdir("det-a"), tempdir("det-b"), tempdir("det-c"));
    let sa = write_trail(&small(7), &a).unwrap();
    // Another thread count must not change a byte.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let sb = pool.install(|| write_trail(&small(7), &b).unwrap());
    write_trail(&small(8), &c).unwrap();
    assert_eq!(sa, sb);
    let (snap_a, snap_b, snap_c) = (snapshot(&a), snapshot(&b), snapshot(&c));
    assert!(snap_a.len() > 400);
    assert!(snap_a == snap_b, "same seed wrote different files");
    assert_ne!(
        snap_a.keys().collect::<Vec<_>>(),
        snap_c.keys().collect::<Vec<_>>()
    );
    for d in [a, b, c] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn layout_is_cloudtrail_s3_keys_of_five_minutes() {
    let dir = tempdir("layout");
    let cfg = small(3);
    let summary = write_trail(&cfg, &dir).unwrap();
    let paths = object_paths(&dir).unwrap();
    assert_eq!(paths.len() as u64, summary.files);
    for path in &paths {
        let rel = path
            .strip_prefix(&dir)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let parts: Vec<&str> = rel.split('/').collect();
        assert_eq!(parts.len(), 8, "{rel}");
        assert_eq!(&parts[..3], &["AWSLogs", "123456789012", "CloudTrail"]);
        let region = parts[3];
        assert!(cfg.regions.iter().any(|r| r == region), "{rel}");
        let name = parts[7];
        let prefix = format!(
            "123456789012_CloudTrail_{region}_{}{}{}T",
            parts[4], parts[5], parts[6]
        );
        assert!(name.starts_with(&prefix), "{rel}");
        assert!(name.ends_with(".json.gz"));
        let suffix = &name[prefix.len() + 5..name.len() - 8];
        assert!(suffix.starts_with('_') && suffix.len() == 17, "{rel}");
    }
    // Each file holds events of the five minutes before its timestamp, of its own region.
    let recs = records(&dir);
    assert_eq!(recs.len() as u64, summary.events);
    for (rec, day, path) in &recs {
        let name = path.file_name().unwrap().to_str().unwrap();
        let stamp = &name.split('_').nth(3).unwrap();
        let file_time = parse_event_time(&format!(
            "{}-{}-{}T{}:{}:00Z",
            &stamp[0..4],
            &stamp[4..6],
            &stamp[6..8],
            &stamp[9..11],
            &stamp[11..13]
        ))
        .unwrap();
        assert_eq!(file_time.div_euclid(DAY), *day);
        let t = parse_event_time(rec["eventTime"].as_str().unwrap()).unwrap();
        assert!(t < file_time && t >= file_time - 300, "{name}: {t}");
        assert_eq!(
            rec["awsRegion"].as_str().unwrap(),
            path.components()
                .nth_back(4)
                .unwrap()
                .as_os_str()
                .to_str()
                .unwrap()
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn records_look_like_cloudtrail() {
    let dir = tempdir("fields");
    write_trail(&small(11), &dir).unwrap();
    let recs = records(&dir);
    let mut ids = BTreeSet::new();
    let mut types = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for (rec, _, _) in &recs {
        for field in [
            "eventVersion",
            "userIdentity",
            "eventTime",
            "eventSource",
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "userAgent",
            "requestParameters",
            "responseElements",
            "requestID",
            "eventID",
            "readOnly",
            "eventType",
            "managementEvent",
            "recipientAccountId",
            "eventCategory",
        ] {
            assert!(rec.get(field).is_some(), "missing {field}: {rec}");
        }
        assert!(rec["readOnly"].is_boolean() && rec["managementEvent"].is_boolean());
        let id = rec["eventID"].as_str().unwrap();
        assert_eq!(id.len(), 36);
        assert!(ids.insert(id.to_string()), "duplicate eventID {id}");
        let failed = rec["errorMessage"].is_string();
        let login_failure = rec["responseElements"]["ConsoleLogin"] == "Failure";
        assert!(rec.get("errorCode").is_none() || failed);
        assert_eq!(
            failed,
            rec.get("errorCode").is_some() || login_failure,
            "{rec}"
        );
        let ui = &rec["userIdentity"];
        types.insert(ui["type"].as_str().unwrap().to_string());
        if ui["type"] == "AssumedRole" {
            assert_eq!(ui["sessionContext"]["sessionIssuer"]["type"], "Role");
            assert!(ui["sessionContext"]["sessionIssuer"]["userName"].is_string());
        }
        if ui["type"] == "AWSService" {
            assert!(ui["invokedBy"].is_string());
        }
        seen.insert(rec["eventName"].as_str().unwrap().to_string());
        if rec["eventName"] == "ConsoleLogin" && ui["type"] == "AssumedRole" {
            assert_eq!(rec["additionalEventData"]["MFAUsed"], "Yes");
        }
    }
    for t in ["AssumedRole", "IAMUser", "AWSService", "Root", "AWSAccount"] {
        assert!(types.contains(t), "no {t} identity");
    }
    for name in [
        "ConsoleLogin",
        "PutRolePolicy",
        "AuthorizeSecurityGroupIngress",
        "CreateRoute",
        "AssumeRole",
    ] {
        assert!(seen.contains(name), "no {name}");
    }
    let denied = recs
        .iter()
        .filter(|(r, _, _)| {
            r["errorCode"] == "AccessDenied"
                && r["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("AWSServiceRoleFor"))
        })
        .count();
    assert!(denied > 10, "service-linked AccessDenied: {denied}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn labels_name_exactly_the_planted_events() {
    let dir = tempdir("labels");
    let cfg = small(5);
    let summary = write_trail(&cfg, &dir).unwrap();
    let recs = records(&dir);
    let by_id: BTreeMap<String, &Value> = recs
        .iter()
        .map(|(r, _, _)| (r["eventID"].as_str().unwrap().to_string(), r))
        .collect();
    let labels: Vec<Value> = std::fs::read_to_string(dir.join("labels.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(labels.len() as u64, summary.malicious + summary.benign);
    let mut malicious = BTreeSet::new();
    for l in &labels {
        let id = l["eventID"].as_str().unwrap();
        let rec = by_id
            .get(id)
            .unwrap_or_else(|| panic!("label for unknown event {id}"));
        if l["label"] == "malicious" {
            malicious.insert(rec["eventName"].as_str().unwrap().to_string());
        } else {
            assert_eq!(l["label"], "benign");
            assert_ne!(rec["userIdentity"]["type"], "Root");
        }
    }
    // Every incident kind shows up with its signature events, labelled malicious.
    for name in [
        "ConsoleLogin",
        "CreateAccessKey",
        "DeleteDetector",
        "StopLogging",
        "CreateFunctionUrlConfig",
        "ScheduleKeyDeletion",
        "DisableKey",
        "AttachUserPolicy",
        "PutBucketPublicAccessBlock",
        "DisableSecurityHub",
        "StopConfigurationRecorder",
        "ListObjects",
    ] {
        assert!(malicious.contains(name), "no malicious {name}");
    }
    // Root activity exists only as planted incidents.
    let root: Vec<&String> = by_id
        .iter()
        .filter(|(_, r)| r["userIdentity"]["type"] == "Root")
        .map(|(id, _)| id)
        .collect();
    // One root incident (a console login and four API calls) in a trail shorter than a week.
    assert_eq!(root.len(), 5);
    let url = recs
        .iter()
        .find(|(r, _, _)| r["eventName"] == "CreateFunctionUrlConfig")
        .unwrap();
    assert_eq!(url.0["requestParameters"]["authType"], "NONE");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn noise_only_has_no_malicious_labels_and_exact_volume() {
    let dir = tempdir("noise");
    let cfg = SynthConfig {
        incidents: false,
        ..small(2)
    };
    let summary = write_trail(&cfg, &dir).unwrap();
    assert_eq!(summary.events, 2_000);
    assert_eq!(summary.malicious, 0);
    assert!(summary.benign > 0);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn incidents_land_in_their_slot() {
    let cfg = small(4);
    let plan = plan_incidents(&cfg);
    let inc = plan
        .iter()
        .find(|p| p.kind == IncidentKind::FailedConsoleLogins)
        .unwrap();
    let out = generate_slot(&cfg, inc.slot, &plan);
    let malicious = out
        .labels
        .iter()
        .filter(|(_, l)| *l == Label::Malicious)
        .count();
    assert!(malicious >= 12, "{malicious}");
    let text: String = out
        .objects
        .iter()
        .map(|o| String::from_utf8(o.json.clone()).unwrap())
        .collect();
    assert!(
        text.matches("\"errorMessage\":\"Failed authentication\"")
            .count()
            >= 12
    );
}
