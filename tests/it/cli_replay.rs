//! `cwfilter replay` end to end through the binary: hand-built trails whose counts are checked
//! by hand in the comments, the bundled trail and a three-week synthetic trail checked against
//! counts computed here independently (direct field checks, not cwfilter's evaluator), every
//! report format, and determinism across thread counts and input orders.
//!
//! Alarm defaults (docs/configuration.md): threshold 1 (10 for unauthorizedApiCalls, kmsKeyGrants,
//! anonymousProbes), period 300 s, 1 of 1, notBreaching. With those, an alarm is in ALARM
//! exactly in the 5-minute buckets whose count reaches the threshold, and a fire is the first
//! bucket of each run of consecutive such buckets.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Helpers

use crate::support::{cwfilter, TempDir as Dir};

/// Trail files in the shapes the replay reads.
trait TrailFiles {
    fn s3(&self, day: &str, name: &str, records: &[Value]) -> PathBuf;
    fn jsonl(&self, rel: &str, records: &[Value]) -> PathBuf;
}

impl TrailFiles for Dir {
    /// A CloudTrail S3 object `{"Records":[...]}`, gzipped, under
    /// `AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/` of delivery day `day` (YYYY-MM-DD).
    fn s3(&self, day: &str, name: &str, records: &[Value]) -> PathBuf {
        let (y, m, d) = (&day[0..4], &day[5..7], &day[8..10]);
        let rel = format!(
            "trail/AWSLogs/{ACCT}/CloudTrail/us-east-1/{y}/{m}/{d}/{ACCT}_CloudTrail_us-east-1_{y}{m}{d}T{name}.json.gz"
        );
        let body = serde_json::to_vec(&json!({ "Records": records })).unwrap();
        self.write(&rel, gzip(&body))
    }

    /// A JSON Lines file, one record per line.
    fn jsonl(&self, rel: &str, records: &[Value]) -> PathBuf {
        let mut text = String::new();
        for r in records {
            text.push_str(&serde_json::to_string(r).unwrap());
            text.push('\n');
        }
        self.write(rel, text.as_bytes())
    }
}

const ACCT: &str = "111122223333";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// An IAM user's API call at `time`; its eventID is `<name>@<time>`.
fn ev(time: &str, name: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEALICE",
            "arn": format!("arn:aws:iam::{ACCT}:user/alice"),
            "accountId": ACCT,
            "userName": "alice"
        },
        "eventTime": time,
        "eventSource": "iam.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": null,
        "responseElements": null,
        "eventID": format!("{name}@{time}"),
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCT
    })
}

/// Sets a dotted path (creating objects on the way).
fn with(mut v: Value, path: &str, x: impl Into<Value>) -> Value {
    let mut at = &mut v;
    let keys: Vec<&str> = path.split('.').collect();
    for k in &keys[..keys.len() - 1] {
        if !at.get(*k).is_some_and(Value::is_object) {
            at[*k] = json!({});
        }
        at = &mut at[*k];
    }
    at[keys[keys.len() - 1]] = x.into();
    v
}

/// The root user calling `GetAccountSummary`: matched by rootAccountUsage only.
fn root(time: &str) -> Value {
    with(
        ev(time, "GetAccountSummary"),
        "userIdentity",
        json!({"type": "Root", "principalId": ACCT, "arn": format!("arn:aws:iam::{ACCT}:root"),
               "accountId": ACCT}),
    )
}

/// An IAM user's denied S3 call: matched by unauthorizedApiCalls (threshold 10) only. Its
/// eventID is `ListBuckets@<time>#<n>` so that calls in the same second differ.
fn denied(time: &str, n: usize) -> Value {
    let e = with(ev(time, "ListBuckets"), "eventSource", "s3.amazonaws.com");
    let e = with(e, "errorCode", "AccessDenied");
    let e = with(e, "errorMessage", "Access Denied");
    with(e, "eventID", format!("ListBuckets@{time}#{n}"))
}

/// `2024-03-01T10:00:00Z` plus `secs` seconds, formatted as CloudTrail does.
fn at(base: &str, secs: i64) -> String {
    let t = epoch(base).unwrap() + secs;
    let (y, m, d) = civil(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

fn finish(o: Output) -> Run {
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
    }
}

fn run<S: AsRef<OsStr>>(args: &[S]) -> Run {
    finish(cwfilter().arg("replay").args(args).output().unwrap())
}

/// `cwfilter replay --format json ARGS`, expecting exit 0.
fn replay<S: AsRef<OsStr>>(args: &[S]) -> Value {
    let r = finish(
        cwfilter()
            .args(["replay", "--format", "json"])
            .args(args)
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    r.json()
}

fn det<'a>(report: &'a Value, key: &str) -> &'a Value {
    report["detectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == key)
        .unwrap_or_else(|| panic!("no detector {key}"))
}

/// (matched, fires) of one detector.
fn mf(report: &Value, key: &str) -> (u64, u64) {
    let d = det(report, key);
    (d["matched"].as_u64().unwrap(), d["fires"].as_u64().unwrap())
}

/// Detectors with at least one matched event: key -> (matched, fires).
fn matched(report: &Value) -> BTreeMap<String, (u64, u64)> {
    report["detectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["matched"].as_u64().unwrap() > 0)
        .map(|d| {
            (
                d["key"].as_str().unwrap().to_owned(),
                (d["matched"].as_u64().unwrap(), d["fires"].as_u64().unwrap()),
            )
        })
        .collect()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}

// Independent time arithmetic (Howard Hinnant's civil-from-days), so the tests do not lean on
// cwfilter's own parser.

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DDTHH:MM:SS` followed by `Z`, a fraction, or nothing (the bundled trail has
/// `2021-01-01 00:00:00` and `...00.000000000` spellings too; all UTC).
fn epoch(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() < 19 || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let rest = &t[19..];
    let rest = rest
        .strip_prefix('.')
        .map_or(rest, |f| f.trim_start_matches(|c: char| c.is_ascii_digit()));
    if !(rest.is_empty() || rest == "Z") {
        return None;
    }
    let n = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    Some(
        days_from_civil(n(0..4)?, n(5..7)?, n(8..10)?) * 86_400
            + n(11..13)? * 3600
            + n(14..16)? * 60
            + n(17..19)?,
    )
}

/// Fires of a 1-of-1 notBreaching alarm with a 300 s period over per-bucket counts: runs of
/// consecutive buckets whose count reaches the threshold. Returns each run's first bucket.
fn fires_1_of_1(counts: &BTreeMap<i64, u64>, threshold: u64) -> Vec<i64> {
    let mut starts = Vec::new();
    let mut prev: Option<i64> = None;
    for (&b, _) in counts.iter().filter(|(_, &n)| n >= threshold) {
        if prev != Some(b - 1) {
            starts.push(b);
        }
        prev = Some(b);
    }
    starts
}

/// Every record of a trail directory (S3 objects, gzipped), read without cwfilter.
fn read_trail(dir: &Path) -> Vec<Value> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".json.gz") {
                files.push(p);
            }
        }
    }
    let mut records = Vec::new();
    for f in files {
        let mut text = String::new();
        MultiGzDecoder::new(std::fs::File::open(&f).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        match doc {
            Value::Object(mut o) => match o.remove("Records") {
                Some(Value::Array(rs)) => records.extend(rs),
                _ => panic!("{}: no Records array", f.display()),
            },
            _ => panic!("{}: not an object", f.display()),
        }
    }
    records
}

// Direct field checks: the detectors' patterns (src/detectors/upstream.yaml) read by hand.
// CloudWatch semantics used: `=`/`!=` are false on an absent field; NOT EXISTS is true only on
// an absent key.

fn s<'a>(r: &'a Value, path: &str) -> Option<&'a str> {
    path.split('.')
        .try_fold(r, |v, k| v.get(k))
        .and_then(Value::as_str)
}

fn absent(r: &Value, path: &str) -> bool {
    path.split('.').try_fold(r, |v, k| v.get(k)).is_none()
}

fn is(r: &Value, path: &str, values: &[&str]) -> bool {
    s(r, path).is_some_and(|v| values.contains(&v))
}

const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedAccess",
    "Client.UnauthorizedAccess",
    "Client.UnauthorizedOperation",
    "UnauthorizedOperation",
];

/// (key, threshold, predicate) for the detectors checked independently.
#[allow(clippy::type_complexity)]
fn oracles() -> Vec<(&'static str, u64, fn(&Value) -> bool)> {
    vec![
        ("rootAccountUsage", 1, |r| {
            s(r, "userIdentity.type") == Some("Root")
                && absent(r, "userIdentity.invokedBy")
                && s(r, "eventType").is_some_and(|t| t != "AwsServiceEvent")
        }),
        ("unauthorizedApiCalls", 10, |r| {
            is(r, "errorCode", DENIED)
                && (absent(r, "userIdentity.type")
                    || s(r, "userIdentity.type")
                        .is_some_and(|t| t != "AWSService" && t != "AWSAccount"))
        }),
        ("anonymousProbes", 10, |r| {
            s(r, "userIdentity.type") == Some("AWSAccount") && is(r, "errorCode", DENIED)
        }),
        ("cloudTrailTampering", 1, |r| {
            is(
                r,
                "eventName",
                &[
                    "CreateTrail",
                    "UpdateTrail",
                    "DeleteTrail",
                    "StartLogging",
                    "StopLogging",
                ],
            )
        }),
        ("configChanges", 1, |r| {
            s(r, "eventSource") == Some("config.amazonaws.com")
                && is(
                    r,
                    "eventName",
                    &[
                        "StopConfigurationRecorder",
                        "DeleteDeliveryChannel",
                        "PutDeliveryChannel",
                        "PutConfigurationRecorder",
                    ],
                )
        }),
        ("guardDutyDisabled", 1, |r| {
            s(r, "eventSource") == Some("guardduty.amazonaws.com")
                && is(
                    r,
                    "eventName",
                    &[
                        "DeleteDetector",
                        "UpdateDetector",
                        "DisassociateMembers",
                        "DeleteMembers",
                        "StopMonitoringMembers",
                    ],
                )
        }),
        ("securityHubDisabled", 1, |r| {
            s(r, "eventSource") == Some("securityhub.amazonaws.com")
                && is(
                    r,
                    "eventName",
                    &[
                        "DisableSecurityHub",
                        "BatchDisableStandards",
                        "DisableImportFindingsForProduct",
                        "DeleteActionTarget",
                    ],
                )
        }),
        ("kmsKeyDeletion", 1, |r| {
            s(r, "eventSource") == Some("kms.amazonaws.com")
                && is(r, "eventName", &["DisableKey", "ScheduleKeyDeletion"])
        }),
        ("failedConsoleLogins", 1, |r| {
            s(r, "eventName") == Some("ConsoleLogin")
                && s(r, "errorMessage") == Some("Failed authentication")
        }),
        ("consoleLoginWithoutMfa", 1, |r| {
            s(r, "eventName") == Some("ConsoleLogin")
                && s(r, "additionalEventData.MFAUsed").is_some_and(|m| m != "Yes")
                && s(r, "responseElements.ConsoleLogin") == Some("Success")
                && is(r, "userIdentity.type", &["IAMUser", "Root"])
        }),
        ("lambdaUrlPublic", 1, |r| {
            s(r, "eventSource") == Some("lambda.amazonaws.com")
                && is(
                    r,
                    "eventName",
                    &["CreateFunctionUrlConfig", "UpdateFunctionUrlConfig"],
                )
                && s(r, "requestParameters.authType") == Some("NONE")
        }),
        ("s3PublicAccessChanges", 1, |r| {
            s(r, "eventSource") == Some("s3.amazonaws.com")
                && is(
                    r,
                    "eventName",
                    &[
                        "PutAccountPublicAccessBlock",
                        "PutBucketPublicAccessBlock",
                        "DeleteAccountPublicAccessBlock",
                        "DeleteBucketPublicAccessBlock",
                    ],
                )
        }),
        ("s3BucketPolicyChanges", 1, |r| {
            s(r, "eventSource") == Some("s3.amazonaws.com")
                && is(
                    r,
                    "eventName",
                    &[
                        "PutBucketAcl",
                        "PutBucketPolicy",
                        "PutBucketCors",
                        "PutBucketLifecycle",
                        "PutBucketReplication",
                        "DeleteBucketPolicy",
                        "DeleteBucketCors",
                        "DeleteBucketLifecycle",
                        "DeleteBucketReplication",
                    ],
                )
        }),
        ("accessKeyCreation", 1, |r| {
            s(r, "eventSource") == Some("iam.amazonaws.com")
                && s(r, "eventName") == Some("CreateAccessKey")
        }),
        ("iamPolicyChanges", 1, |r| {
            is(
                r,
                "eventName",
                &[
                    "DeleteGroupPolicy",
                    "DeleteRolePolicy",
                    "DeleteUserPolicy",
                    "PutGroupPolicy",
                    "PutRolePolicy",
                    "PutUserPolicy",
                    "CreatePolicy",
                    "DeletePolicy",
                    "CreatePolicyVersion",
                    "DeletePolicyVersion",
                    "SetDefaultPolicyVersion",
                    "AttachRolePolicy",
                    "DetachRolePolicy",
                    "AttachUserPolicy",
                    "DetachUserPolicy",
                    "AttachGroupPolicy",
                    "DetachGroupPolicy",
                ],
            )
        }),
    ]
}

/// Per oracle detector: matched count and per-bucket counts.
struct Expected {
    matched: u64,
    buckets: BTreeMap<i64, u64>,
    threshold: u64,
}

fn expectations(records: &[Value]) -> BTreeMap<&'static str, Expected> {
    let mut out = BTreeMap::new();
    for (key, threshold, pred) in oracles() {
        let mut e = Expected {
            matched: 0,
            buckets: BTreeMap::new(),
            threshold,
        };
        for r in records {
            if let Some(t) = r["eventTime"].as_str().and_then(epoch) {
                if pred(r) {
                    e.matched += 1;
                    *e.buckets.entry(t.div_euclid(300)).or_insert(0) += 1;
                }
            }
        }
        out.insert(key, e);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Hand-built trails

#[test]
fn an_alarm_run_over_adjacent_buckets_is_one_fire() {
    let dir = Dir::new("adjacent");
    // rootAccountUsage: threshold 1, period 300.
    // 10:00:10 and 10:04:59 sit in bucket 10:00, 10:05:00 in bucket 10:05: adjacent breaching
    // buckets, one ALARM run, one fire (at 10:00). 10:10 and 10:15 are empty (OK).
    // 10:20:00 and 10:24:59: bucket 10:20, a second fire.
    // 23:58:00 (bucket 23:55) and 00:01:00 the next day (bucket 00:00): one run across
    // midnight, a third fire, dated by its first bucket: 2024-03-01.
    let day1 = [
        root("2024-03-01T10:00:10Z"),
        root("2024-03-01T10:04:59Z"),
        root("2024-03-01T10:05:00Z"),
        root("2024-03-01T10:20:00Z"),
        root("2024-03-01T10:24:59Z"),
    ];
    dir.s3("2024-03-01", "1005Z_a", &day1);
    dir.s3(
        "2024-03-02",
        "0005Z_b",
        &[root("2024-03-01T23:58:00Z"), root("2024-03-02T00:01:00Z")],
    );
    let r = replay(&[dir.join("trail")]);
    assert_eq!(r["inputs"]["files"], 2);
    assert_eq!(r["inputs"]["events"], 7);
    assert_eq!(
        matched(&r),
        BTreeMap::from([("rootAccountUsage".into(), (7, 3))])
    );
    let d = det(&r, "rootAccountUsage");
    assert_eq!(d["fires_by_day"], json!({"2024-03-01": 3}));
    assert_eq!(
        strs(&d["fire_times"]),
        [
            "2024-03-01T10:00:00Z",
            "2024-03-01T10:20:00Z",
            "2024-03-01T23:55:00Z"
        ]
    );
    assert_eq!(r["window"]["start"], "2024-03-01T10:00:10Z");
    assert_eq!(r["window"]["end"], "2024-03-02T00:01:00Z");
    // The actor of a root event is its arn (no sessionIssuer, no userName).
    assert_eq!(
        d["top_principals"][0],
        json!({"principal": format!("arn:aws:iam::{ACCT}:root"), "identity_type": "Root",
               "matched": 7, "fires": 3, "fire_events": 5})
    );
}

/// Bucket 12:00: 9 denied calls; bucket 13:00: 10; 14:02:00..14:07:30: 6 in bucket 14:00 and
/// 6 in bucket 14:05; one denied call by an AWS service (never matched).
fn threshold_ten_events() -> Vec<Value> {
    let mut v = Vec::new();
    for i in 0..9 {
        v.push(denied(&at("2024-03-01T12:00:00Z", 30 * i), i as usize));
    }
    for i in 0..10 {
        v.push(denied(&at("2024-03-01T13:00:00Z", 29 * i), i as usize));
    }
    for i in 0..12 {
        v.push(denied(&at("2024-03-01T14:02:00Z", 30 * i), i as usize));
    }
    v.push(with(
        denied("2024-03-01T13:01:00Z", 99),
        "userIdentity",
        json!({"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}),
    ));
    v
}

#[test]
fn a_threshold_of_ten_needs_ten_events_in_one_bucket() {
    let dir = Dir::new("threshold");
    dir.jsonl("denied.jsonl", &threshold_ten_events());
    let r = replay(&[dir.join("denied.jsonl")]);
    assert_eq!(r["inputs"]["events"], 32);
    // 9 + 10 + 12 matched (the AWSService call is not); only bucket 13:00 reaches 10.
    assert_eq!(
        matched(&r),
        BTreeMap::from([("unauthorizedApiCalls".into(), (31, 1))])
    );
    let d = det(&r, "unauthorizedApiCalls");
    assert_eq!(d["alarm"]["threshold"], 10.0);
    assert_eq!(strs(&d["fire_times"]), ["2024-03-01T13:00:00Z"]);
    // alice made all 31 matched calls, 10 of them in the firing bucket.
    assert_eq!(d["top_principals_by_fires"][0]["principal"], "alice");
    assert_eq!(d["top_principals_by_fires"][0]["fire_events"], 10);
}

#[test]
fn events_are_bucketed_by_event_time_whatever_the_file_order() {
    let dir = Dir::new("order");
    // The same 32 events as above, scattered: reversed, split over two S3 objects whose
    // delivery days contradict their content, and a JSON Lines file; the 10 events of bucket
    // 13:00 are spread over all three files. Counts must be those of the in-order replay.
    let mut all = threshold_ten_events();
    all.reverse();
    let (a, rest) = all.split_at(11);
    let (b, c) = rest.split_at(11);
    dir.s3("2024-03-05", "0000Z_late", a);
    dir.s3("2024-02-20", "0000Z_early", b);
    dir.jsonl("trail/zz.jsonl", c);
    let scattered = replay(&[dir.join("trail")]);
    assert_eq!(scattered["inputs"]["files"], 3);
    assert_eq!(
        matched(&scattered),
        BTreeMap::from([("unauthorizedApiCalls".into(), (31, 1))])
    );
    dir.jsonl("in-order.jsonl", &threshold_ten_events());
    let in_order = replay(&[dir.join("in-order.jsonl")]);
    assert_eq!(scattered["detectors"], in_order["detectors"]);
    assert_eq!(scattered["window"], in_order["window"]);
}

#[test]
fn m_of_n_alarm_from_a_custom_detector() {
    let dir = Dir::new("m-of-n");
    let config = dir.write(
        "m-of-n.yaml",
        br#"alerts:
  custom:
    - name: probeAlarm
      pattern: '{ $.eventName = "Probe" }'
      evaluationPeriods: 3
      datapointsToAlarm: 2
"#,
    );
    // 2 of 3, period 300. Breaching buckets: 10:00, 10:10 (two in a window of three: ALARM
    // at 10:10, one fire; 10:15's window [10:05, 10:10, 10:15] has one: OK);
    // 11:00 alone (never two in a window: no fire);
    // 12:00, 12:05 (ALARM at 12:05; 12:10's window still holds both: the same run; OK at
    // 12:15). Fires: 10:10 and 12:05.
    let times = [
        "2024-03-01T10:00:01Z",
        "2024-03-01T10:12:00Z",
        "2024-03-01T11:03:00Z",
        "2024-03-01T12:04:59Z",
        "2024-03-01T12:05:00Z",
    ];
    let events: Vec<Value> = times.iter().map(|t| ev(t, "Probe")).collect();
    dir.s3("2024-03-01", "1200Z_x", &events);
    let r = replay(&[
        OsStr::new("--config"),
        config.as_os_str(),
        dir.join("trail").as_os_str(),
    ]);
    // With a config, exactly its detectors are enabled: here the custom one only.
    let keys: Vec<&str> = r["detectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["probeAlarm"]);
    let d = det(&r, "probeAlarm");
    assert_eq!(d["alarm"]["evaluationPeriods"], 3);
    assert_eq!(d["alarm"]["datapointsToAlarm"], 2);
    assert_eq!(
        (d["matched"].as_u64(), d["fires"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(
        strs(&d["fire_times"]),
        ["2024-03-01T10:10:00Z", "2024-03-01T12:05:00Z"]
    );
}

#[test]
fn oversize_records_are_counted_never_matched() {
    let dir = Dir::new("oversize");
    // A root event of 300,000+ bytes at 10:30: CloudTrail never delivers it to CloudWatch
    // Logs. Were it matched, rootAccountUsage would fire twice (10:00 and 10:30).
    let pad = "x".repeat(300_000);
    let big = with(
        root("2024-03-01T10:30:00Z"),
        "requestParameters.policy",
        pad.as_str(),
    );
    // Just under the limit (256 KB = 262,144 bytes): an ordinary record.
    let small = root("2024-03-01T11:30:00Z");
    let room = 262_144 - serde_json::to_string(&small).unwrap().len() - 40;
    let near = with(small, "requestParameters.policy", "y".repeat(room).as_str());
    assert!(serde_json::to_string(&near).unwrap().len() < 262_144);
    dir.s3(
        "2024-03-01",
        "1100Z_big",
        &[root("2024-03-01T10:00:00Z"), big.clone(), near],
    );
    // The same oversize record as a JSON Lines line.
    dir.jsonl("trail/big.jsonl", &[big]);
    let r = replay(&[dir.join("trail")]);
    assert_eq!(r["inputs"]["events"], 4);
    assert_eq!(r["inputs"]["oversize_skipped"], 2);
    assert_eq!(
        matched(&r),
        BTreeMap::from([("rootAccountUsage".into(), (2, 2))])
    );
    assert_eq!(
        strs(&det(&r, "rootAccountUsage")["fire_times"]),
        ["2024-03-01T10:00:00Z", "2024-03-01T11:30:00Z"]
    );
}

#[test]
fn a_corrupt_gzip_is_listed_and_the_full_report_still_printed() {
    let dir = Dir::new("corrupt");
    dir.s3(
        "2024-03-01",
        "1000Z_good",
        &[root("2024-03-01T10:00:00Z"), root("2024-03-01T10:20:00Z")],
    );
    // A gzip stream cut in the middle.
    let whole =
        gzip(&serde_json::to_vec(&json!({"Records": [root("2024-03-01T11:00:00Z")]})).unwrap());
    let corrupt = dir.write(
        &format!("trail/AWSLogs/{ACCT}/CloudTrail/us-east-1/2024/03/01/corrupt.json.gz"),
        &whole[..whole.len() / 2],
    );
    let r = run(&[
        OsStr::new("--format"),
        OsStr::new("json"),
        dir.join("trail").as_os_str(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&path_str(&corrupt)), "{}", r.stderr);
    let j = r.json();
    let errors = j["inputs"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["path"], path_str(&corrupt));
    assert!(errors[0].get("line").is_none());
    assert_eq!(j["inputs"]["error_count"], 1);
    // The good file is fully replayed and every detector is listed.
    assert_eq!(j["inputs"]["events"], 2);
    assert_eq!(j["detectors"].as_array().unwrap().len(), 23);
    assert_eq!(mf(&j, "rootAccountUsage"), (2, 2));
    // The table report names it too.
    let t = run(&[dir.join("trail")]);
    assert_eq!(t.code, 2);
    assert!(t.stdout.contains("corrupt.json.gz"), "{}", t.stdout);
}

#[test]
fn a_json_lines_line_that_is_not_a_record_is_named_with_its_line() {
    let dir = Dir::new("bad-line");
    let good1 = serde_json::to_string(&root("2024-03-01T10:00:00Z")).unwrap();
    let good2 = serde_json::to_string(&root("2024-03-01T10:30:00Z")).unwrap();
    let text = format!("{good1}\nnot json at all\n[1, 2, 3]\n{good2}\n");
    let file = dir.write("lines.jsonl", text.as_bytes());
    let r = run(&[OsStr::new("--format"), OsStr::new("json"), file.as_os_str()]);
    assert_eq!(r.code, 2);
    let j = r.json();
    let errors: Vec<(String, u64)> = j["inputs"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_owned(),
                e["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let p = path_str(&file);
    assert_eq!(errors, [(p.clone(), 2), (p.clone(), 3)]);
    assert!(r.stderr.contains(&format!("{p}:2:")), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("{p}:3:")), "{}", r.stderr);
    // The lines around them are replayed.
    assert_eq!(j["inputs"]["events"], 2);
    assert_eq!(mf(&j, "rootAccountUsage"), (2, 2));
}

#[test]
fn a_missing_path_is_an_error_with_its_count() {
    let dir = Dir::new("missing");
    dir.jsonl("a.jsonl", &[root("2024-03-01T10:00:00Z")]);
    let missing = dir.join("no-such-dir");
    let r = run(&[
        OsStr::new("--format"),
        OsStr::new("json"),
        dir.join("a.jsonl").as_os_str(),
        missing.as_os_str(),
    ]);
    assert_eq!(r.code, 2);
    let j = r.json();
    assert_eq!(j["inputs"]["errors"][0]["path"], path_str(&missing));
    // Regression: errors from listing the paths were listed but not counted.
    assert_eq!(j["inputs"]["error_count"], 1);
    assert_eq!(mf(&j, "rootAccountUsage"), (1, 1));
}

#[test]
fn since_and_until_prune_files_by_key_and_events_by_event_time() {
    let dir = Dir::new("window");
    // --since 2024-03-02 --until 2024-03-03 (whole days, inclusive).
    // Under day 03-01: pruned by its key, never opened (its event would be outside anyway).
    dir.s3("2024-03-01", "1205Z_a", &[root("2024-03-01T12:00:00Z")]);
    // Under 03-02: a late delivery from 03-01 (outside) and 08:00 (in).
    dir.s3(
        "2024-03-02",
        "0805Z_b",
        &[root("2024-03-01T23:58:00Z"), root("2024-03-02T08:00:00Z")],
    );
    dir.s3("2024-03-03", "1205Z_c", &[root("2024-03-03T12:00:00Z")]);
    // Under 03-04 (the day after --until may still hold its last minutes): 23:59:30 is in,
    // 00:01 is out.
    dir.s3(
        "2024-03-04",
        "0005Z_d",
        &[root("2024-03-03T23:59:30Z"), root("2024-03-04T00:01:00Z")],
    );
    // Under 03-05: pruned by key.
    dir.s3("2024-03-05", "0005Z_e", &[root("2024-03-04T23:58:00Z")]);
    // Not in the S3 layout: never pruned, filtered by eventTime (03-10 out, 03-02 09:00 in).
    let loose = dir.jsonl(
        "loose.jsonl",
        &[root("2024-03-10T00:00:00Z"), root("2024-03-02T09:00:00Z")],
    );
    let args = |since: &str| {
        vec![
            "--since".into(),
            since.into(),
            "--until".into(),
            "2024-03-03".into(),
            dir.join("trail").into_os_string(),
            loose.clone().into_os_string(),
        ]
    };
    let r = replay(&args("2024-03-02"));
    // Files opened: 03-02, 03-03, 03-04 and loose.jsonl. Events read: 2 + 1 + 2 + 2 = 7, of
    // which 3 outside the window.
    assert_eq!(r["inputs"]["files"], 4);
    assert_eq!(r["inputs"]["events"], 7);
    assert_eq!(r["inputs"]["outside_window"], 3);
    assert_eq!(r["window"]["start"], "2024-03-02T00:00:00Z");
    assert_eq!(r["window"]["end"], "2024-03-03T23:59:59Z");
    // In: 03-02 08:00, 09:00, 03-03 12:00, 23:59:30: four buckets, none adjacent.
    assert_eq!(mf(&r, "rootAccountUsage"), (4, 4));
    assert_eq!(
        det(&r, "rootAccountUsage")["fires_by_day"],
        json!({"2024-03-02": 2, "2024-03-03": 2})
    );
    // An RFC 3339 bound cuts inside a day: 08:00 is now out too.
    let r = replay(&args("2024-03-02T08:30:00Z"));
    assert_eq!(r["inputs"]["outside_window"], 4);
    assert_eq!(mf(&r, "rootAccountUsage"), (3, 3));
    // A bad bound is a usage error.
    let bad = run(&["--since", "2024-13-01", "--format", "json"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("invalid date"), "{}", bad.stderr);
}

/// Issue 10 bug 4: `--until` is inclusive for events and for the key pruning alike. An event
/// at exactly `--until` (a day's first second), delivered under the next day, is counted; the
/// pruning once read the same bound as exclusive.
#[test]
fn until_is_inclusive_for_events_and_for_key_pruning() {
    let dir = Dir::new("until-inclusive");
    dir.s3("2024-03-04", "0005Z_a", &[root("2024-03-03T23:59:59Z")]);
    dir.s3("2024-03-05", "0003Z_b", &[root("2024-03-04T00:00:00Z")]);
    // Two days after --until's day: pruned, never opened.
    dir.s3("2024-03-06", "0003Z_c", &[root("2024-03-04T00:00:00Z")]);
    let r = replay(&[
        "--until".into(),
        "2024-03-04T00:00:00Z".into(),
        dir.join("trail").into_os_string(),
    ]);
    assert_eq!(r["inputs"]["files"], 2);
    assert_eq!(r["inputs"]["events"], 2);
    assert_eq!(r["inputs"]["outside_window"], 0);
    assert_eq!(r["window"]["end"], "2024-03-04T00:00:00Z");
    assert_eq!(mf(&r, "rootAccountUsage").0, 2);
}

fn policy_change(time: &str, user: &str) -> Value {
    let e = with(ev(time, "PutRolePolicy"), "userIdentity.userName", user);
    let e = with(
        e,
        "userIdentity.arn",
        format!("arn:aws:iam::{ACCT}:user/{user}"),
    );
    with(e, "eventID", format!("PutRolePolicy@{time}@{user}"))
}

#[test]
fn baseline_what_if_reports_what_each_exclusion_removed() {
    let dir = Dir::new("baseline");
    let current = dir.write(
        "current.yaml",
        br#"alerts:
  rootAccountUsage: true
  iamPolicyChanges: true
  overrides:
    iamPolicyChanges:
      excludeUserNames: ["ci-deployer"]
      excludeInvokedBy: ["cloudformation.amazonaws.com"]
"#,
    );
    let baseline = dir.write(
        "baseline.yaml",
        br#"alerts:
  iamPolicyChanges: true
  vpcChanges: true
"#,
    );
    // ci-deployer changes a policy at 09:00, 09:30, 10:00 (three buckets, three baseline
    // fires; all removed by excludeUserNames now); alice at 11:00 (fires in both); a VPC is
    // created at 12:00 (baseline only); root at 13:00 (current only). Nothing carries
    // invokedBy: that clause removes nothing.
    let events = [
        policy_change("2024-03-01T09:00:00Z", "ci-deployer"),
        policy_change("2024-03-01T09:30:00Z", "ci-deployer"),
        policy_change("2024-03-01T10:00:00Z", "ci-deployer"),
        policy_change("2024-03-01T11:00:00Z", "alice"),
        with(
            ev("2024-03-01T12:00:00Z", "CreateVpc"),
            "eventSource",
            "ec2.amazonaws.com",
        ),
        root("2024-03-01T13:00:00Z"),
    ];
    dir.s3("2024-03-01", "1305Z_x", &events);
    // Labels: alice's change is malicious (covered before and after); so is ci-deployer's
    // first one (covered only by the baseline: lost); 09:30 is benign.
    let labels = dir.write(
        "labels.jsonl",
        br#"{"eventID": "PutRolePolicy@2024-03-01T11:00:00Z@alice", "label": "malicious"}
{"eventID": "PutRolePolicy@2024-03-01T09:00:00Z@ci-deployer", "label": "malicious"}
{"eventID": "PutRolePolicy@2024-03-01T09:30:00Z@ci-deployer", "label": "benign"}
"#,
    );
    let args = |with_labels: bool| {
        let mut a = vec![
            "--config".into(),
            current.clone().into_os_string(),
            "--baseline".into(),
            baseline.clone().into_os_string(),
        ];
        if with_labels {
            a.push("--labels".into());
            a.push(labels.clone().into_os_string());
        }
        a.push(dir.join("trail").into_os_string());
        a
    };
    let r = replay(&args(false));
    let iam = det(&r, "iamPolicyChanges");
    assert_eq!(mf(&r, "iamPolicyChanges"), (1, 1));
    assert_eq!(iam["removed_by_exclusions"], 3);
    let clauses = iam["exclusions"].as_array().unwrap();
    assert_eq!(clauses.len(), 2);
    assert!(clauses[0]["clause"].as_str().unwrap().contains("userName"));
    assert!(clauses[0]["clause"]
        .as_str()
        .unwrap()
        .contains("ci-deployer"));
    assert_eq!(clauses[0]["removed"], 3);
    assert!(clauses[1]["clause"].as_str().unwrap().contains("invokedBy"));
    assert_eq!(clauses[1]["removed"], 0);
    assert_eq!(iam["baseline"]["enabled"], true);
    assert_eq!(iam["baseline"]["matched"], 4);
    assert_eq!(iam["baseline"]["fires"], 4);
    assert_eq!(det(&r, "rootAccountUsage")["baseline"]["enabled"], false);
    let w = &r["what_if"];
    assert_eq!(
        w["baseline_only"],
        json!([{"key": "vpcChanges", "matched": 1, "fires": 1, "true_fires": null,
                "false_fires": null}])
    );
    assert_eq!(w["new_detectors"], json!(["rootAccountUsage"]));
    assert_eq!(
        (w["baseline_fires"].as_u64(), w["current_fires"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(
        (
            w["baseline_matched"].as_u64(),
            w["current_matched"].as_u64()
        ),
        (Some(5), Some(2))
    );
    assert_eq!(
        w["unused_exclusions"],
        json!([{"key": "iamPolicyChanges", "clause": clauses[1]["clause"]}])
    );
    assert!(w["lost_incidents"].is_null());
    // The table shows each clause whole (the excluded value is at its end).
    let t = run(&args(false));
    let used = clauses[0]["clause"].as_str().unwrap();
    let unused = clauses[1]["clause"].as_str().unwrap();
    assert!(
        t.stdout.contains(&format!("exclusion removed 3: {used}")),
        "{}",
        t.stdout
    );
    assert!(
        t.stdout.contains(&format!(
            "exclusion removed nothing: iamPolicyChanges {unused}"
        )),
        "{}",
        t.stdout
    );

    let r = replay(&args(true));
    let w = &r["what_if"];
    // Baseline false fires: iam 09:30 and 10:00, vpc 12:00 = 3. Current: root 13:00 = 1.
    assert_eq!(w["false_fires_removed"], 2);
    let lost = w["lost_incidents"].as_array().unwrap();
    assert_eq!(lost.len(), 1);
    assert_eq!(
        lost[0]["event_id"],
        "PutRolePolicy@2024-03-01T09:00:00Z@ci-deployer"
    );
    assert_eq!(lost[0]["principal"], "ci-deployer");
    assert_eq!(w["gained_incidents"], json!([]));
    assert_eq!(det(&r, "iamPolicyChanges")["baseline"]["true_fires"], 2);
    assert_eq!(det(&r, "iamPolicyChanges")["true_fires"], 1);
    // The lost incident is also missed by the current config.
    assert_eq!(r["missed_incidents"].as_array().unwrap().len(), 1);
}

fn labelled_trail(dir: &Dir) -> PathBuf {
    // rootAccountUsage: 10:00 (malicious: a true fire); 15:00 (benign) and 15:02 (unlabelled)
    // in one bucket: a false fire. unauthorizedApiCalls: 3 denied calls at 11:00, one
    // malicious: below the threshold of 10, so missed, matched_by that detector. A malicious
    // GetObject at 12:00 that no detector matches: missed, matched_by nothing.
    let events = [
        root("2024-03-01T10:00:00Z"),
        root("2024-03-01T15:00:00Z"),
        root("2024-03-01T15:02:00Z"),
        denied("2024-03-01T11:00:00Z", 0),
        denied("2024-03-01T11:00:01Z", 1),
        denied("2024-03-01T11:00:02Z", 2),
        with(
            ev("2024-03-01T12:00:00Z", "GetObject"),
            "eventSource",
            "s3.amazonaws.com",
        ),
    ];
    dir.s3("2024-03-01", "1505Z_x", &events);
    dir.write(
        "labels.jsonl",
        b"{\"eventID\": \"GetAccountSummary@2024-03-01T10:00:00Z\", \"label\": \"malicious\"}\n\
          {\"eventID\": \"GetAccountSummary@2024-03-01T15:00:00Z\", \"label\": \"benign\"}\n\
          {\"eventID\": \"ListBuckets@2024-03-01T11:00:01Z#1\", \"label\": \"malicious\"}\n\
          {\"eventID\": \"GetObject@2024-03-01T12:00:00Z\", \"label\": \"malicious\"}\n\
          {\"eventID\": \"not-in-the-trail\", \"label\": \"malicious\"}\n",
    )
}

#[test]
fn labels_split_fires_into_true_and_false() {
    let dir = Dir::new("labels");
    let labels = labelled_trail(&dir);
    let r = replay(&[
        OsStr::new("--labels"),
        labels.as_os_str(),
        dir.join("trail").as_os_str(),
    ]);
    let root = det(&r, "rootAccountUsage");
    assert_eq!(mf(&r, "rootAccountUsage"), (3, 2));
    assert_eq!(root["true_fires"], 1);
    assert_eq!(root["false_fires"], 1);
    assert_eq!(root["false_positive_rate"], 0.5);
    // A detector that never fired: no rate, zero true and false fires.
    let un = det(&r, "unauthorizedApiCalls");
    assert_eq!(mf(&r, "unauthorizedApiCalls"), (3, 0));
    assert_eq!(
        (un["true_fires"].as_u64(), un["false_fires"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(un["false_positive_rate"].is_null());
    let sum = &r["summary"];
    assert_eq!(
        (
            sum["fires"].as_u64(),
            sum["true_fires"].as_u64(),
            sum["false_fires"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(sum["false_positive_rate"], 0.5);
    assert_eq!(
        r["labels"],
        json!({"malicious": 4, "benign": 1, "malicious_seen": 3, "benign_seen": 1,
               "malicious_not_seen": ["not-in-the-trail"]})
    );
    let missed: Vec<(String, String, Vec<String>)> = r["missed_incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["event_id"].as_str().unwrap().to_owned(),
                m["event_name"].as_str().unwrap().to_owned(),
                strs(&m["matched_by"]),
            )
        })
        .collect();
    // In time order: the 11:00:01 call before the 12:00 one.
    assert_eq!(
        missed,
        [
            (
                "ListBuckets@2024-03-01T11:00:01Z#1".to_owned(),
                "ListBuckets".to_owned(),
                vec!["unauthorizedApiCalls".to_owned()]
            ),
            (
                "GetObject@2024-03-01T12:00:00Z".to_owned(),
                "GetObject".to_owned(),
                vec![]
            ),
        ]
    );
    // The table names the missed event too.
    let t = run(&[
        OsStr::new("--labels"),
        labels.as_os_str(),
        dir.join("trail").as_os_str(),
    ]);
    assert_eq!(t.code, 0);
    assert!(
        t.stdout.contains("GetObject@2024-03-01T12:00:00Z"),
        "{}",
        t.stdout
    );
}

#[test]
fn without_labels_the_false_positive_rate_is_unknown() {
    let dir = Dir::new("no-labels");
    labelled_trail(&dir);
    let r = replay(&[dir.join("trail")]);
    for d in r["detectors"].as_array().unwrap() {
        assert!(d["true_fires"].is_null(), "{d}");
        assert!(d["false_fires"].is_null(), "{d}");
        assert!(d["false_positive_rate"].is_null(), "{d}");
    }
    assert!(r["summary"]["false_positive_rate"].is_null());
    assert!(r["labels"].is_null());
    assert!(r["missed_incidents"].is_null());
    assert_eq!(mf(&r, "rootAccountUsage"), (3, 2));
    let t = run(&[dir.join("trail")]);
    assert!(t.stdout.contains("unknown"), "{}", t.stdout);
}

#[test]
fn every_enabled_detector_is_listed_sorted_by_key() {
    let dir = Dir::new("listed");
    let f = dir.jsonl("one.jsonl", &[root("2024-03-01T10:00:00Z")]);
    let catalog = |profile: &str| -> Vec<String> {
        let o = cwfilter()
            .args(["detectors", "--format", "json", "--profile", profile])
            .output()
            .unwrap();
        assert!(o.status.success());
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        let list = v.get("detectors").unwrap_or(&v);
        let mut keys: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["key"].as_str().unwrap().to_owned())
            .collect();
        keys.sort();
        keys
    };
    for (profile, n) in [("upstream", 23), ("securityhub", 14)] {
        let r = replay(&[OsStr::new("--profile"), OsStr::new(profile), f.as_os_str()]);
        let keys = strs(&json!(r["detectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["key"].clone())
            .collect::<Vec<_>>()));
        assert_eq!(keys.len(), n);
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(keys, catalog(profile));
        // Detectors that matched nothing are listed with zeros.
        assert_eq!(mf(&r, "vpcChanges"), (0, 0));
    }
    // An empty directory: every detector, zero events, no window; exit 2 (issue 18: no
    // CloudTrail record found), the report still printed.
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    let o = run(&[
        OsStr::new("--format"),
        OsStr::new("json"),
        dir.join("empty").as_os_str(),
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("no CloudTrail records found"),
        "{}",
        o.stderr
    );
    let r = o.json();
    assert_eq!(r["inputs"]["events"], 0);
    assert!(r["window"]["start"].is_null());
    assert_eq!(r["detectors"].as_array().unwrap().len(), 23);
}

#[test]
fn cli_output_shapes_and_stdin_read_the_same_records() {
    let dir = Dir::new("shapes");
    // Root at 10:00 and 10:03 (one bucket) and 10:30: rootAccountUsage matched 3, fires 2.
    let records = [
        root("2024-03-01T10:00:00Z"),
        root("2024-03-01T10:03:00Z"),
        root("2024-03-01T10:30:00Z"),
    ];
    let s3 = dir.s3("2024-03-01", "1035Z_x", &records);
    let jsonl = dir.jsonl("lines.jsonl", &records);
    // `aws logs filter-log-events --output json`: each record is the message string.
    let fle = json!({
        "events": records.iter().enumerate().map(|(i, r)| json!({
            "logStreamName": format!("{ACCT}_CloudTrail_us-east-1"),
            "timestamp": 1_709_287_200_000i64 + i as i64,
            "message": serde_json::to_string(r).unwrap(),
            "ingestionTime": 1_709_287_260_000i64,
            "eventId": format!("3816{i}")
        })).collect::<Vec<_>>(),
        "searchedLogStreams": []
    });
    let fle = dir.write(
        "filter-log-events.json",
        serde_json::to_string_pretty(&fle).unwrap().as_bytes(),
    );
    // `aws cloudtrail lookup-events`: each record is the CloudTrailEvent string.
    let lookup = json!({
        "Events": records.iter().map(|r| json!({
            "EventId": r["eventID"],
            "EventName": r["eventName"],
            "ReadOnly": "true",
            "EventTime": "2024-03-01T10:00:00+00:00",
            "EventSource": "iam.amazonaws.com",
            "Resources": [],
            "CloudTrailEvent": serde_json::to_string(r).unwrap()
        })).collect::<Vec<_>>()
    });
    let lookup = dir.write(
        "lookup-events.json",
        serde_json::to_string_pretty(&lookup).unwrap().as_bytes(),
    );
    let reference = replay(&[&s3]);
    assert_eq!(mf(&reference, "rootAccountUsage"), (3, 2));
    for p in [&jsonl, &fle, &lookup] {
        let r = replay(&[p]);
        assert_eq!(r["inputs"]["events"], 3, "{}", p.display());
        assert_eq!(r["detectors"], reference["detectors"], "{}", p.display());
    }
    // stdin, `-`, gzipped or not.
    for bytes in [std::fs::read(&s3).unwrap(), std::fs::read(&lookup).unwrap()] {
        let mut child = cwfilter()
            .args(["replay", "--format", "json", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&bytes).unwrap();
        let r = finish(child.wait_with_output().unwrap());
        assert_eq!(r.code, 0, "{}", r.stderr);
        let j = r.json();
        assert_eq!(j["inputs"]["files"], 1);
        assert_eq!(j["detectors"], reference["detectors"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Formats and escaping

const SCRIPT: &str = "<script>alert(1)</script>";
const FORMULA: &str = "=HYPERLINK(\"http://evil.example/x\",\"click\")";

fn hostile_trail(dir: &Dir) -> PathBuf {
    // Hostile actors (userName), source IPs and userAgents. Nothing may come out as live HTML
    // or as a spreadsheet formula. accessKeyCreation: the <script> user and the =HYPERLINK
    // user; rootAccountUsage: a =HYPERLINK source IP (alone, so it starts its CSV cell);
    // iamPolicyChanges: a user named @SUM(A1) (alone too).
    let e1 = with(
        ev("2024-03-01T10:00:00Z", "CreateAccessKey"),
        "userIdentity.userName",
        SCRIPT,
    );
    let e1 = with(e1, "userAgent", format!("{SCRIPT} {FORMULA}"));
    let e2 = with(
        ev("2024-03-01T10:30:00Z", "CreateAccessKey"),
        "userIdentity.userName",
        FORMULA,
    );
    let e3 = with(root("2024-03-01T11:00:00Z"), "sourceIPAddress", FORMULA);
    let e3 = with(e3, "userAgent", SCRIPT);
    let e4 = with(
        ev("2024-03-01T12:00:00Z", "PutUserPolicy"),
        "userIdentity.userName",
        "@SUM(A1)",
    );
    dir.s3("2024-03-01", "1205Z_x", &[e1, e2, e3, e4]);
    dir.join("trail")
}

#[test]
fn every_format_renders_from_the_cli_and_escapes_hostile_values() {
    let dir = Dir::new("formats");
    let trail = hostile_trail(&dir);
    let json = replay(&[&trail]);
    assert_eq!(mf(&json, "accessKeyCreation"), (2, 2));
    let names: Vec<&str> = det(&json, "accessKeyCreation")["top_principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["principal"].as_str().unwrap())
        .collect();
    // JSON carries the values as they are (JSON escaping is enough there).
    assert!(
        names.contains(&SCRIPT) && names.contains(&FORMULA),
        "{names:?}"
    );

    let mut outputs = BTreeMap::new();
    for format in ["table", "json", "csv", "markdown", "html"] {
        let out = dir.join(format!("report.{format}"));
        let r = run(&[
            OsStr::new("--format"),
            OsStr::new(format),
            OsStr::new("--output"),
            out.as_os_str(),
            trail.as_os_str(),
        ]);
        assert_eq!(r.code, 0, "{format}: {}", r.stderr);
        assert!(
            r.stdout.is_empty(),
            "{format}: --output writes nothing to stdout"
        );
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains("accessKeyCreation"), "{format}");
        // --output and stdout give the same report.
        let stdout = run(&[
            OsStr::new("--format"),
            OsStr::new(format),
            trail.as_os_str(),
        ]);
        assert_eq!(stdout.stdout, text, "{format}");
        outputs.insert(format, text);
    }

    let html = &outputs["html"];
    assert!(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"));
    assert!(
        !html.to_lowercase().contains("<script"),
        "live script in HTML"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // No network: nothing loads from elsewhere.
    for needle in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(!html.contains(needle), "{needle}");
    }

    let csv = &outputs["csv"];
    // No cell may start with a formula character: every cell is split out properly.
    for (i, row) in parse_csv(csv).iter().enumerate() {
        for cell in row {
            let t = cell.trim_start_matches(' ');
            assert!(
                !t.starts_with(['=', '+', '-', '@']),
                "row {i}: formula cell {cell:?}"
            );
        }
    }
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(csv.contains("'@SUM(A1)"), "{csv}");

    let md = &outputs["markdown"];
    assert!(
        !md.contains(&format!(" {SCRIPT}")) && md.contains(&format!("`{SCRIPT}`")),
        "{md}"
    );
}

/// RFC 4180 rows (quoted cells, doubled quotes, newlines in quotes).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

// ---------------------------------------------------------------------------------------------
// Determinism

fn run_env<S: AsRef<OsStr>>(threads: &str, args: &[S]) -> Run {
    finish(
        cwfilter()
            .env("RAYON_NUM_THREADS", threads)
            .args(["replay", "--format", "json"])
            .args(args)
            .output()
            .unwrap(),
    )
}

#[test]
fn output_is_identical_whatever_the_thread_count_and_file_order() {
    let dir = Dir::new("determinism");
    let synth = dir.join("synth");
    let o = cwfilter()
        .args([
            "synth",
            "--days",
            "2",
            "--events-per-day",
            "400",
            "--seed",
            "5",
        ])
        .args(["--regions", "us-east-1", "--out"])
        .arg(&synth)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    // Hand-built files next to it: ties in the top lists, an error line, an oversize record.
    dir.jsonl(
        "extra/a.jsonl",
        &[
            root("2025-01-06T10:00:00Z"),
            with(root("2025-01-06T10:01:00Z"), "sourceIPAddress", "192.0.2.1"),
        ],
    );
    dir.write(
        "extra/b.jsonl",
        b"{\"eventTime\": \"2025-01-06T11:00:00Z\"}\nnot a record\n",
    );
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![synth.join("AWSLogs"), dir.join("extra")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() > 100);
    let labels = synth.join("labels.jsonl");
    let mut args: Vec<PathBuf> = vec!["--labels".into(), labels.clone()];
    args.extend(files.iter().cloned());
    let one = run_env("1", &args);
    assert_eq!(one.code, 2, "the bad line makes it exit 2: {}", one.stderr);
    let two = run_env("2", &args);
    assert_eq!(one.stdout, two.stdout, "1 thread vs 2 threads");
    let mut reversed: Vec<PathBuf> = vec!["--labels".into(), labels];
    reversed.extend(files.iter().rev().cloned());
    let rev = run_env("2", &reversed);
    assert_eq!(one.stdout, rev.stdout, "files in reverse order");
    // Sanity: the output is a real report.
    let j = one.json();
    assert!(j["summary"]["fires"].as_u64().unwrap() > 0);
    assert_eq!(j["inputs"]["error_count"], 1);
}

#[test]
fn the_error_list_keeps_the_first_errors_by_path_whatever_the_order() {
    // Regression: the list was capped at 1,000 in arrival order before sorting, so with more
    // errors than that it depended on which file a thread read first.
    let dir = Dir::new("many-errors");
    // A good first line (a file of nothing but garbage is one error), then 1,001 bad ones.
    let bad = format!(
        "{{\"eventTime\": \"2024-03-01T10:00:00Z\"}}\n{}",
        "not a record\n".repeat(1001)
    );
    let a = dir.write("a.jsonl", bad.as_bytes());
    let b = dir.write("b.jsonl", bad.as_bytes());
    let ab = run_env("1", &[&a, &b]);
    let ba = run_env("1", &[&b, &a]);
    assert_eq!(ab.code, 2);
    assert_eq!(ab.stdout, ba.stdout);
    let j = ab.json();
    assert_eq!(j["inputs"]["error_count"], 2002);
    let errors = j["inputs"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1000);
    // All of a.jsonl's 1,001 come first; the list holds its lines 2 to 1,001.
    assert!(errors.iter().all(|e| e["path"] == path_str(&a)));
    assert_eq!(errors[0]["line"], 2);
    assert_eq!(errors[999]["line"], 1001);
}

// ---------------------------------------------------------------------------------------------
// The bundled trail

#[test]
fn the_bundled_trail_matches_an_independent_count() {
    let trail = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/trail");
    let records = read_trail(&trail);
    // corpus/README.md says 4,122 records.
    assert_eq!(records.len(), 4122);
    let none: [&str; 0] = [];
    let r = replay(&none);
    assert_eq!(r["inputs"]["events"], records.len());
    assert_eq!(r["inputs"]["oversize_skipped"], 0);
    assert_eq!(r["inputs"]["no_event_time"], 0);
    assert_eq!(r["inputs"]["errors"], json!([]));
    assert!(records
        .iter()
        .all(|r| r["eventTime"].as_str().and_then(epoch).is_some()));
    for (key, e) in expectations(&records) {
        let fires = fires_1_of_1(&e.buckets, e.threshold).len() as u64;
        assert_eq!(mf(&r, key), (e.matched, fires), "{key}");
    }
    // The numbers, once verified: a change in the trail or the detectors shows up here.
    assert_eq!(mf(&r, "rootAccountUsage"), (57, 11));
    assert_eq!(mf(&r, "unauthorizedApiCalls"), (154, 4));
    assert_eq!(mf(&r, "cloudTrailTampering"), (29, 9));
    // With no PATH the bundled labels are used.
    assert_eq!(r["labels"]["malicious"], 251);
}

// ---------------------------------------------------------------------------------------------
// A three-week synthetic trail

#[test]
fn a_three_week_synthetic_trail_fires_on_every_planted_incident() {
    let dir = Dir::new("synth21");
    let out = dir.join("t");
    let o = cwfilter()
        .args([
            "synth",
            "--days",
            "21",
            "--events-per-day",
            "300",
            "--seed",
            "7",
        ])
        .args(["--regions", "us-east-1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let records = read_trail(&out.join("AWSLogs"));
    let labels_path = out.join("labels.jsonl");
    let labels_text = std::fs::read_to_string(&labels_path).unwrap();
    let malicious: BTreeSet<String> = labels_text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["label"] == "malicious")
        .map(|l| l["eventID"].as_str().unwrap().to_owned())
        .collect();

    // Replay the synth output directory itself: labels.jsonl sits in it and must not be read
    // as records (regression: its lines were counted as events without an eventTime).
    let r = replay(&[
        OsStr::new("--labels"),
        labels_path.as_os_str(),
        out.as_os_str(),
    ]);
    assert_eq!(r["inputs"]["events"], records.len());
    assert_eq!(r["inputs"]["no_event_time"], 0);
    assert_eq!(r["labels"]["malicious_seen"], malicious.len());

    // Independent counts for the detectors the planted incidents trip.
    let expected = expectations(&records);
    let mut alarm_buckets: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for (key, e) in &expected {
        let fires = fires_1_of_1(&e.buckets, e.threshold).len() as u64;
        assert_eq!(mf(&r, key), (e.matched, fires), "{key}");
        alarm_buckets.insert(
            key,
            e.buckets
                .iter()
                .filter(|(_, &n)| n >= e.threshold)
                .map(|(&b, _)| b)
                .collect(),
        );
    }

    // A malicious event is caught when a detector matches it and that detector's alarm is in
    // ALARM in the event's bucket (1 of 1: the bucket itself breaches).
    let oracles = oracles();
    let caught = |e: &Value| -> bool {
        let b = epoch(e["eventTime"].as_str().unwrap())
            .unwrap()
            .div_euclid(300);
        oracles
            .iter()
            .any(|(key, _, pred)| pred(e) && alarm_buckets[key].contains(&b))
    };
    // Incidents: the malicious events grouped by 5-minute bucket (synth plants at most one
    // incident per slot, each within 280 s of the slot start, never across a boundary).
    let mut incidents: BTreeMap<i64, Vec<&Value>> = BTreeMap::new();
    for rec in &records {
        if rec["eventID"]
            .as_str()
            .is_some_and(|id| malicious.contains(id))
        {
            let t = epoch(rec["eventTime"].as_str().unwrap()).unwrap();
            incidents.entry(t.div_euclid(300)).or_default().push(rec);
        }
    }
    // 12 kinds, once a week each, over 3 weeks.
    assert_eq!(incidents.len(), 36);
    let mut not_caught = BTreeSet::new();
    for (bucket, events) in &incidents {
        // Every incident fires: at least one of its events is caught.
        assert!(
            events.iter().any(|e| caught(e)),
            "incident at bucket {bucket} ({:?}) fires nothing",
            events.iter().map(|e| &e["eventName"]).collect::<Vec<_>>()
        );
        // Its other steps (reconnaissance, the calls of a credential abuse that were not
        // denied, a CreateUser before the policy attachment) are listed as missed events.
        for e in events.iter().filter(|e| !caught(e)) {
            not_caught.insert((
                epoch(e["eventTime"].as_str().unwrap()).unwrap(),
                e["eventID"].as_str().unwrap().to_owned(),
            ));
        }
    }
    // cwfilter lists exactly those malicious events, in time order (then eventID).
    let missed: Vec<String> = r["missed_incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        missed,
        not_caught
            .iter()
            .map(|(_, id)| id.clone())
            .collect::<Vec<_>>()
    );
    // No detector matches any of them: whatever a detector matches in an incident fires.
    for m in r["missed_incidents"].as_array().unwrap() {
        assert_eq!(m["matched_by"], json!([]), "{m}");
    }
    assert_eq!(r["labels"]["malicious_not_seen"], json!([]));

    // The exact numbers, verified above against the independent counts.
    let pinned = [
        ("accessKeyCreation", (6, 6)),
        ("anonymousProbes", (59, 3)),
        ("cloudTrailTampering", (3, 3)),
        ("configChanges", (3, 3)),
        ("consoleLoginWithoutMfa", (3, 3)),
        ("failedConsoleLogins", (44, 3)),
        ("guardDutyDisabled", (3, 3)),
        ("iamPolicyChanges", (84, 83)),
        ("kmsKeyDeletion", (6, 3)),
        ("lambdaUrlPublic", (3, 3)),
        ("rootAccountUsage", (15, 3)),
        ("s3PublicAccessChanges", (3, 3)),
        ("securityHubDisabled", (3, 3)),
        ("unauthorizedApiCalls", (272, 3)),
    ];
    for (key, want) in pinned {
        assert_eq!(mf(&r, key), want, "{key}");
    }
    assert_eq!(r["inputs"]["events"], 6566);
    assert_eq!(r["summary"]["fires"], 288);
    assert_eq!(r["summary"]["true_fires"], 48);
}

#[test]
fn replay_report_is_the_same_with_one_and_two_threads() {
    // `-j/--threads` (issue 12) sizes the pool; the report must not depend on it. The bundled
    // trail has many files, so both runs really split the work.
    let one = finish(
        cwfilter()
            .args(["replay", "--format", "json", "-j1"])
            .output()
            .unwrap(),
    );
    let two = finish(
        cwfilter()
            .args(["replay", "--format", "json", "--threads", "2"])
            .output()
            .unwrap(),
    );
    assert_eq!(one.code, two.code, "stderr: {}", two.stderr);
    assert!(one.json()["inputs"]["events"].as_u64().unwrap() > 100);
    assert_eq!(one.stdout, two.stdout);
    // match and lint take it too.
    let dir = Dir::new("threads");
    let f = dir.jsonl("t.jsonl", &threshold_ten_events());
    let counts: Vec<String> = ["-j1", "-j2"]
        .iter()
        .map(|j| {
            let o = cwfilter()
                .args(["match", j, "--count", r#"{ $.errorCode = "*" }"#])
                .arg(&f)
                .output()
                .unwrap();
            String::from_utf8(o.stdout).unwrap()
        })
        .collect();
    assert_eq!(counts[0], counts[1]);
    let lint = cwfilter()
        .args(["lint", "-j", "2"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(lint.status.code().unwrap_or(9) <= 1, "{lint:?}");
    let zero = finish(cwfilter().args(["replay", "-j0"]).output().unwrap());
    assert_eq!(zero.code, 2);
}
