//! A synthetic CloudTrail trail that looks like a real account, for benchmarks and replay
//! tests: S3-layout `.json.gz` objects of five minutes each, a noise profile of everyday
//! activity, and optional planted incidents with a labels file.
//!
//! Everything is a pure function of the configuration and seed: each five-minute slot has its
//! own PRNG stream (splitmix64 seeded from the seed and the slot number), so slots are
//! generated in parallel and the output is byte-identical whatever the thread count.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use rayon::prelude::*;

use super::time::{civil_from_days, format_event_time, DAY};

/// Seconds of events in one S3 object (CloudTrail delivers about every five minutes).
pub const SLOT_SECONDS: i64 = 300;
const SLOTS_PER_DAY: i64 = DAY / SLOT_SECONDS;

/// What to generate.
#[derive(Clone, Debug)]
pub struct SynthConfig {
    pub days: u32,
    /// Noise events per day (planted incidents come on top).
    pub events_per_day: u64,
    pub seed: u64,
    /// 12-digit AWS account ID.
    pub account: String,
    /// Regions; global services (IAM, STS, sign-in) log in the first one.
    pub regions: Vec<String>,
    /// First day, in days since 1970-01-01 (UTC).
    pub start_day: i64,
    pub incidents: bool,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            days: 1,
            events_per_day: 10_000,
            seed: 1,
            account: "123456789012".to_string(),
            regions: vec!["us-east-1".to_string(), "eu-west-1".to_string()],
            // 2025-01-06, a Monday: a fixed default keeps output reproducible.
            start_day: 20_094,
            incidents: true,
        }
    }
}

/// The kinds of planted incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncidentKind {
    RootConsoleLogin,
    CredentialAbuse,
    GuardDutyDisabled,
    CloudTrailStopped,
    PublicLambdaUrl,
    FailedConsoleLogins,
    KmsKeyDeletion,
    IamBackdoor,
    S3BucketMadePublic,
    SecurityHubDisabled,
    ConfigRecorderStopped,
    AnonymousProbes,
}

impl IncidentKind {
    pub const ALL: [IncidentKind; 12] = [
        IncidentKind::RootConsoleLogin,
        IncidentKind::CredentialAbuse,
        IncidentKind::GuardDutyDisabled,
        IncidentKind::CloudTrailStopped,
        IncidentKind::PublicLambdaUrl,
        IncidentKind::FailedConsoleLogins,
        IncidentKind::KmsKeyDeletion,
        IncidentKind::IamBackdoor,
        IncidentKind::S3BucketMadePublic,
        IncidentKind::SecurityHubDisabled,
        IncidentKind::ConfigRecorderStopped,
        IncidentKind::AnonymousProbes,
    ];

    /// A stable kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            IncidentKind::RootConsoleLogin => "root-console-login",
            IncidentKind::CredentialAbuse => "credential-abuse",
            IncidentKind::GuardDutyDisabled => "guardduty-disabled",
            IncidentKind::CloudTrailStopped => "cloudtrail-stopped",
            IncidentKind::PublicLambdaUrl => "public-lambda-url",
            IncidentKind::FailedConsoleLogins => "failed-console-logins",
            IncidentKind::KmsKeyDeletion => "kms-key-deletion",
            IncidentKind::IamBackdoor => "iam-backdoor",
            IncidentKind::S3BucketMadePublic => "s3-bucket-made-public",
            IncidentKind::SecurityHubDisabled => "securityhub-disabled",
            IncidentKind::ConfigRecorderStopped => "config-recorder-stopped",
            IncidentKind::AnonymousProbes => "anonymous-probes",
        }
    }
}

/// One planted incident: its kind and the slot it starts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedIncident {
    pub kind: IncidentKind,
    /// Slot index from the first slot of the trail.
    pub slot: u64,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SynthSummary {
    pub files: u64,
    pub events: u64,
    /// Bytes of JSON before compression.
    pub uncompressed_bytes: u64,
    pub compressed_bytes: u64,
    pub malicious: u64,
    pub benign: u64,
    pub incidents: Vec<PlannedIncident>,
}

/// One generated S3 object, before compression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthObject {
    /// Path relative to the output directory, in the S3 key layout.
    pub key: String,
    /// `{"Records":[...]}`.
    pub json: Vec<u8>,
    pub events: u64,
}

/// The objects and labels of one slot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotOutput {
    pub objects: Vec<SynthObject>,
    /// `{"eventID": ..., "label": ...}` lines, in record order.
    pub labels: Vec<(String, Label)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    Malicious,
    Benign,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Malicious => "malicious",
            Label::Benign => "benign",
        }
    }
}

/// splitmix64: tiny, fast, and good enough for test data; no `rand` dependency.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `percent_tenths / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

fn mix(a: u64, b: u64) -> u64 {
    Rng::new(a ^ b.wrapping_mul(0xD6E8_FEB8_6659_FD93)).next_u64()
}

/// Stable pseudo-random text for a name (principal IDs, key IDs): same name, same ID.
fn stable_id(name: &str, len: usize, alphabet: &[u8]) -> String {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
    }
    let mut rng = Rng::new(h);
    (0..len).map(|_| char::from(*rng.pick(alphabet))).collect()
}

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";

/// Plans the incidents: each kind about once a week (at least once), at a seeded slot in
/// working hours, never two in the same slot.
pub fn plan_incidents(cfg: &SynthConfig) -> Vec<PlannedIncident> {
    if !cfg.incidents || cfg.days == 0 {
        return Vec::new();
    }
    let mut rng = Rng::new(mix(cfg.seed, 0x1AC1_DE27));
    let per_kind = (u64::from(cfg.days) / 7).max(1);
    let mut taken = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for kind in IncidentKind::ALL {
        for _ in 0..per_kind {
            loop {
                let day = rng.below(u64::from(cfg.days));
                // 07:00 to 22:55 UTC.
                let slot_of_day = 84 + rng.below(192);
                let slot = day * SLOTS_PER_DAY as u64 + slot_of_day;
                if taken.insert(slot) {
                    out.push(PlannedIncident { kind, slot });
                    break;
                }
            }
        }
    }
    out.sort_by_key(|p| p.slot);
    out
}

/// Relative activity per hour of day (UTC): a working day in Europe and America.
const HOUR_WEIGHT: [u64; 24] = [
    3, 2, 2, 2, 2, 3, 4, 6, 9, 10, 10, 10, 10, 10, 10, 10, 10, 9, 8, 7, 6, 5, 4, 3,
];

/// Noise events in slot `s` of a day: the day's total split by hour weight, exactly.
fn slot_count(events_per_day: u64, slot_of_day: u64) -> u64 {
    let total: u64 = HOUR_WEIGHT.iter().sum::<u64>() * 12;
    let cum = |s: u64| -> u64 {
        let full_hours = (s / 12) as usize;
        HOUR_WEIGHT[..full_hours].iter().sum::<u64>() * 12
            + HOUR_WEIGHT.get(full_hours).copied().unwrap_or(0) * (s % 12)
    };
    let at = |s: u64| (u128::from(events_per_day) * u128::from(cum(s)) / u128::from(total)) as u64;
    at(slot_of_day + 1) - at(slot_of_day)
}

/// Generates one slot: its S3 objects (one per region with events) and labels.
pub fn generate_slot(cfg: &SynthConfig, slot: u64, incidents: &[PlannedIncident]) -> SlotOutput {
    let mut rng = Rng::new(mix(cfg.seed, slot.wrapping_add(1)));
    let start = (cfg.start_day + (slot / SLOTS_PER_DAY as u64) as i64) * DAY
        + (slot % SLOTS_PER_DAY as u64) as i64 * SLOT_SECONDS;
    let mut g = Gen {
        cfg,
        rng: &mut rng,
        out: String::new(),
    };
    let mut events: Vec<Event> = Vec::new();
    let n = slot_count(cfg.events_per_day, slot % SLOTS_PER_DAY as u64);
    // About every three hours a service-linked role (AWS Config's periodic evaluation, say)
    // hits a burst of AccessDenied: the classic false fire of the unauthorized-calls alarm.
    let burst = if g.rng.chance(28) {
        n.min(8 + g.rng.below(8))
    } else {
        0
    };
    let burst_role = g.rng.below(SERVICE_LINKED_DENIED.len() as u64) as usize;
    let burst_start = start + g.rng.below(SLOT_SECONDS as u64 / 2) as i64;
    for i in 0..n {
        if i < burst {
            events.push(g.service_denied(burst_start + i as i64 * 7, burst_role));
        } else {
            let t = start + g.rng.below(SLOT_SECONDS as u64) as i64;
            events.push(g.noise(t));
        }
    }
    for inc in incidents.iter().filter(|i| i.slot == slot) {
        let t0 = start + g.rng.below(100) as i64;
        g.incident(inc.kind, t0, &mut events);
    }
    // Records within a file are in time order; ties keep generation order.
    events.sort_by_key(|e| e.time);
    let mut by_region: Vec<(usize, Vec<u8>, u64)> = Vec::new();
    let mut labels = Vec::new();
    for ev in &events {
        if let Some(label) = ev.label {
            labels.push((ev.id.clone(), label));
        }
        let pos = match by_region.iter().position(|(r, _, _)| *r == ev.region) {
            Some(p) => p,
            None => {
                by_region.push((ev.region, b"{\"Records\":[".to_vec(), 0));
                by_region.len() - 1
            }
        };
        let entry = &mut by_region[pos];
        if entry.2 > 0 {
            entry.1.push(b',');
        }
        entry.1.extend_from_slice(ev.json.as_bytes());
        entry.2 += 1;
    }
    by_region.sort_by_key(|(r, _, _)| *r);
    let delivered = start + SLOT_SECONDS;
    let (y, m, d) = civil_from_days(delivered.div_euclid(DAY));
    let sod = delivered.rem_euclid(DAY);
    let objects = by_region
        .into_iter()
        .map(|(region, mut json, count)| {
            json.extend_from_slice(b"]}");
            let region = &cfg.regions[region];
            let suffix: String = (0..16).map(|_| char::from(*rng.pick(LOWER_ALNUM))).collect();
            let key = format!(
                "AWSLogs/{acct}/CloudTrail/{region}/{y:04}/{m:02}/{d:02}/{acct}_CloudTrail_{region}_{y:04}{m:02}{d:02}T{:02}{:02}Z_{suffix}.json.gz",
                sod / 3600,
                sod / 60 % 60,
                acct = cfg.account,
            );
            SynthObject {
                key,
                json,
                events: count,
            }
        })
        .collect();
    SlotOutput { objects, labels }
}

/// Writes the whole trail under `out` and `out/labels.jsonl`; returns what was written.
pub fn write_trail(cfg: &SynthConfig, out: &Path) -> io::Result<SynthSummary> {
    validate(cfg)?;
    let incidents = plan_incidents(cfg);
    let slots = u64::from(cfg.days) * SLOTS_PER_DAY as u64;
    fs::create_dir_all(out)?;
    // Slots in parallel; results come back in slot order, so labels are deterministic.
    type SlotResult = io::Result<(u64, u64, u64, u64, Vec<(String, Label)>)>;
    let results: Vec<SlotResult> = (0..slots)
        .into_par_iter()
        .map(|slot| {
            let output = generate_slot(cfg, slot, &incidents);
            let mut raw = 0;
            let mut packed = 0;
            let mut events = 0;
            for obj in &output.objects {
                let path = out.join(&obj.key);
                if let Some(dir) = path.parent() {
                    fs::create_dir_all(dir)?;
                }
                let gz = gzip(&obj.json)?;
                fs::write(&path, &gz)?;
                raw += obj.json.len() as u64;
                packed += gz.len() as u64;
                events += obj.events;
            }
            Ok((
                output.objects.len() as u64,
                raw,
                packed,
                events,
                output.labels,
            ))
        })
        .collect();
    let mut summary = SynthSummary {
        incidents,
        ..SynthSummary::default()
    };
    let mut labels = io::BufWriter::new(fs::File::create(out.join("labels.jsonl"))?);
    for result in results {
        let (files, raw, packed, events, slot_labels) = result?;
        summary.files += files;
        summary.uncompressed_bytes += raw;
        summary.compressed_bytes += packed;
        summary.events += events;
        for (id, label) in slot_labels {
            match label {
                Label::Malicious => summary.malicious += 1,
                Label::Benign => summary.benign += 1,
            }
            writeln!(
                labels,
                "{{\"eventID\":\"{id}\",\"label\":\"{}\"}}",
                label.as_str()
            )?;
        }
    }
    labels.flush()?;
    Ok(summary)
}

fn gzip(data: &[u8]) -> io::Result<Vec<u8>> {
    // Fast level: the trail feeds throughput benchmarks; ratio matters less than speed.
    let mut enc = GzEncoder::new(Vec::with_capacity(data.len() / 8), Compression::fast());
    enc.write_all(data)?;
    enc.finish()
}

fn validate(cfg: &SynthConfig) -> io::Result<()> {
    let bad = |m: String| Err(io::Error::new(io::ErrorKind::InvalidInput, m));
    if cfg.account.len() != 12 || !cfg.account.bytes().all(|b| b.is_ascii_digit()) {
        return bad(format!("account must be 12 digits, got {:?}", cfg.account));
    }
    if cfg.regions.is_empty() {
        return bad("at least one region is needed".to_string());
    }
    for r in &cfg.regions {
        if r.is_empty()
            || !r
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return bad(format!("region {r:?} is not a region name like us-east-1"));
        }
    }
    Ok(())
}

/// The objects' relative paths, for tests and tools.
pub fn object_paths(out: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                stack.push(entry.path());
            } else if entry.path().extension().is_some_and(|e| e == "gz") {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// One generated record.
struct Event {
    time: i64,
    region: usize,
    id: String,
    json: String,
    label: Option<Label>,
}

/// Who makes a call.
#[derive(Clone, Copy)]
enum Who<'a> {
    /// A role session: role name, session name, optional invoking service.
    Role(&'a str, &'a str, Option<&'a str>),
    User(&'a str),
    Root,
    Service(&'a str),
    Anonymous,
}

/// One API call to write.
struct Call<'a> {
    who: Who<'a>,
    source: &'a str,
    name: &'a str,
    region: usize,
    ip: &'a str,
    agent: &'a str,
    /// JSON object text, or "null".
    request: &'a str,
    response: &'a str,
    error: Option<(&'a str, &'a str)>,
    additional: Option<&'a str>,
    read_only: bool,
    event_type: &'a str,
    management: bool,
    label: Option<Label>,
}

impl<'a> Call<'a> {
    fn new(who: Who<'a>, source: &'a str, name: &'a str) -> Self {
        Call {
            who,
            source,
            name,
            region: 0,
            ip: "203.0.113.10",
            agent: "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023",
            request: "null",
            response: "null",
            error: None,
            additional: None,
            read_only: false,
            event_type: "AwsApiCall",
            management: true,
            label: None,
        }
    }
}

const READ_ROLES: &[&str] = &[
    "grafana-cloudwatch-reader",
    "datadog-integration",
    "eks-prod-node-group",
    "eks-staging-node-group",
    "data-pipeline-etl",
    "billing-reports",
    "AWSReservedSSO_ReadOnlyAccess_6c0a3f1e2b4d5a79",
    "AWSReservedSSO_PowerUserAccess_0b9e8d7c6a5f4e31",
    "backup-verifier",
    "prowler-scanner",
    "lambda-orders-api",
    "lambda-image-resize",
    "ecs-task-payments",
    "ecs-task-search",
    "karpenter-controller",
    "external-dns",
    "cost-explorer-exporter",
    "inventory-collector",
];

const SESSION_NAMES: &[&str] = &[
    "aws-go-sdk-1736150400",
    "botocore-session-1736150400",
    "i-0a1b2c3d4e5f60718",
    "alice@example.com",
    "bob@example.com",
    "carol@example.com",
    "1736150400123456789",
    "terraform-plan",
];

const DEV_USERS: &[&str] = &["alice", "bob", "carol", "dave", "erin"];

const AGENTS: &[&str] = &[
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023",
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.150.0",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.79 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-java/2.25.16 Linux/6.1.79 OpenJDK_64-Bit_Server_VM/21.0.2+13-LTS Java/21.0.2 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/standard",
    "Grafana/10.4.1 aws-sdk-go/1.51.0 (go1.21.8; linux; amd64)",
];

const NAT_IPS: &[&str] = &["52.23.41.7", "34.201.17.88", "3.92.150.12", "54.85.9.200"];
const OFFICE_IPS: &[&str] = &["203.0.113.10", "203.0.113.24", "203.0.113.77"];
const ATTACKER_IPS: &[&str] = &["198.51.100.23", "198.51.100.87", "198.51.100.140"];

const BUCKETS: &[&str] = &[
    "acme-prod-artifacts",
    "acme-prod-logs",
    "acme-data-lake-raw",
    "acme-terraform-state",
];
const FUNCTIONS: &[&str] = &[
    "orders-api",
    "image-resize",
    "report-builder",
    "webhook-relay",
];

/// Read-only calls: (eventSource, eventName, requestParameters template). `$B` bucket,
/// `$F` function, `$G` region, `$I` instance, `$A` account, `$R` a role name.
const READS: &[(&str, &str, &str)] = &[
    (
        "ec2.amazonaws.com",
        "DescribeInstances",
        r#"{"instancesSet":{},"filterSet":{}}"#,
    ),
    (
        "ec2.amazonaws.com",
        "DescribeSecurityGroups",
        r#"{"securityGroupSet":{},"securityGroupIdSet":{},"filterSet":{}}"#,
    ),
    (
        "ec2.amazonaws.com",
        "DescribeVpcs",
        r#"{"vpcSet":{},"filterSet":{}}"#,
    ),
    (
        "ec2.amazonaws.com",
        "DescribeSubnets",
        r#"{"subnetSet":{},"filterSet":{}}"#,
    ),
    (
        "ec2.amazonaws.com",
        "DescribeRouteTables",
        r#"{"routeTableIdSet":{},"filterSet":{}}"#,
    ),
    (
        "ec2.amazonaws.com",
        "DescribeVolumes",
        r#"{"volumeSet":{},"filterSet":{}}"#,
    ),
    (
        "ec2.amazonaws.com",
        "DescribeNetworkInterfaces",
        r#"{"networkInterfaceIdSet":{},"filterSet":{"items":[{"name":"attachment.instance-id","valueSet":{"items":[{"value":"$I"}]}}]}}"#,
    ),
    (
        "s3.amazonaws.com",
        "ListBuckets",
        r#"{"Host":"s3.amazonaws.com"}"#,
    ),
    (
        "s3.amazonaws.com",
        "GetBucketLocation",
        r#"{"bucketName":"$B","Host":"$B.s3.amazonaws.com","location":""}"#,
    ),
    (
        "s3.amazonaws.com",
        "GetBucketPolicy",
        r#"{"bucketName":"$B","Host":"$B.s3.$G.amazonaws.com","policy":""}"#,
    ),
    (
        "s3.amazonaws.com",
        "GetBucketAcl",
        r#"{"bucketName":"$B","Host":"$B.s3.$G.amazonaws.com","acl":""}"#,
    ),
    ("iam.amazonaws.com", "ListRoles", r#"{"maxItems":100}"#),
    ("iam.amazonaws.com", "GetRole", r#"{"roleName":"$R"}"#),
    (
        "iam.amazonaws.com",
        "ListAttachedRolePolicies",
        r#"{"roleName":"$R"}"#,
    ),
    ("sts.amazonaws.com", "GetCallerIdentity", "null"),
    ("lambda.amazonaws.com", "ListFunctions20150331", "null"),
    (
        "lambda.amazonaws.com",
        "GetFunction20150331v2",
        r#"{"functionName":"$F"}"#,
    ),
    ("logs.amazonaws.com", "DescribeLogGroups", r#"{"limit":50}"#),
    (
        "logs.amazonaws.com",
        "DescribeLogStreams",
        r#"{"logGroupName":"/aws/lambda/$F","orderBy":"LastEventTime","descending":true,"limit":5}"#,
    ),
    (
        "monitoring.amazonaws.com",
        "DescribeAlarms",
        r#"{"maxRecords":100}"#,
    ),
    (
        "monitoring.amazonaws.com",
        "GetMetricData",
        r#"{"startTime":"Jan 6, 2025, 10:00:00 AM","endTime":"Jan 6, 2025, 11:00:00 AM","maxDatapoints":1000}"#,
    ),
    ("rds.amazonaws.com", "DescribeDBInstances", "null"),
    (
        "ecs.amazonaws.com",
        "DescribeServices",
        r#"{"cluster":"prod","services":["payments","search"],"include":["TAGS"]}"#,
    ),
    (
        "ecs.amazonaws.com",
        "ListTasks",
        r#"{"cluster":"prod","serviceName":"payments"}"#,
    ),
    (
        "ssm.amazonaws.com",
        "GetParameter",
        r#"{"name":"/prod/$F/config","withDecryption":true}"#,
    ),
    (
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        r#"{"secretId":"prod/$F/db"}"#,
    ),
    (
        "dynamodb.amazonaws.com",
        "DescribeTable",
        r#"{"tableName":"orders"}"#,
    ),
    (
        "elasticloadbalancing.amazonaws.com",
        "DescribeTargetHealth",
        r#"{"targetGroupArn":"arn:aws:elasticloadbalancing:$G:$A:targetgroup/orders/6d0ecf831eec9f09"}"#,
    ),
    (
        "autoscaling.amazonaws.com",
        "DescribeAutoScalingGroups",
        "null",
    ),
    (
        "cloudformation.amazonaws.com",
        "DescribeStacks",
        r#"{"stackName":"orders-prod"}"#,
    ),
];

/// Deploy-bot writes: mostly application churn, some IAM, security-group and route changes.
const DEPLOY_WRITES: &[(&str, &str, &str, &str)] = &[
    (
        "lambda.amazonaws.com",
        "UpdateFunctionCode20150331v2",
        r#"{"functionName":"$F","s3Bucket":"acme-prod-artifacts","s3Key":"$F/build-$N.zip","publish":true}"#,
        r#"{"functionName":"$F","functionArn":"arn:aws:lambda:$G:$A:function:$F","runtime":"python3.12","codeSize":48213,"version":"$N"}"#,
    ),
    (
        "lambda.amazonaws.com",
        "UpdateFunctionConfiguration20150331v2",
        r#"{"functionName":"$F","timeout":30,"memorySize":512}"#,
        r#"{"functionName":"$F","functionArn":"arn:aws:lambda:$G:$A:function:$F","state":"Active"}"#,
    ),
    (
        "cloudformation.amazonaws.com",
        "CreateChangeSet",
        r#"{"stackName":"orders-prod","changeSetName":"deploy-$N","changeSetType":"UPDATE"}"#,
        r#"{"id":"arn:aws:cloudformation:$G:$A:changeSet/deploy-$N/0b3c","stackId":"arn:aws:cloudformation:$G:$A:stack/orders-prod/5b1c"}"#,
    ),
    (
        "cloudformation.amazonaws.com",
        "ExecuteChangeSet",
        r#"{"changeSetName":"deploy-$N","stackName":"orders-prod"}"#,
        "null",
    ),
    (
        "ecs.amazonaws.com",
        "RegisterTaskDefinition",
        r#"{"family":"payments","networkMode":"awsvpc","cpu":"512","memory":"1024"}"#,
        r#"{"taskDefinition":{"family":"payments","revision":$N,"status":"ACTIVE"}}"#,
    ),
    (
        "ecs.amazonaws.com",
        "UpdateService",
        r#"{"cluster":"prod","service":"payments","taskDefinition":"payments:$N","forceNewDeployment":false}"#,
        r#"{"service":{"serviceName":"payments","status":"ACTIVE","desiredCount":3}}"#,
    ),
    (
        "ssm.amazonaws.com",
        "PutParameter",
        r#"{"name":"/prod/$F/version","type":"String","overwrite":true}"#,
        r#"{"version":$N,"tier":"Standard"}"#,
    ),
    (
        "logs.amazonaws.com",
        "PutRetentionPolicy",
        r#"{"logGroupName":"/aws/lambda/$F","retentionInDays":30}"#,
        "null",
    ),
    (
        "ecr.amazonaws.com",
        "PutImage",
        r#"{"repositoryName":"payments","imageTag":"build-$N","registryId":"$A"}"#,
        r#"{"image":{"repositoryName":"payments","imageId":{"imageTag":"build-$N"}}}"#,
    ),
    (
        "iam.amazonaws.com",
        "PutRolePolicy",
        r#"{"roleName":"lambda-orders-api","policyName":"orders-table-access","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"dynamodb:GetItem\",\"dynamodb:PutItem\"],\"Resource\":\"arn:aws:dynamodb:$G:$A:table/orders\"}]}"}"#,
        "null",
    ),
    (
        "iam.amazonaws.com",
        "AttachRolePolicy",
        r#"{"roleName":"ecs-task-search","policyArn":"arn:aws:iam::aws:policy/CloudWatchLambdaInsightsExecutionRolePolicy"}"#,
        "null",
    ),
    (
        "ec2.amazonaws.com",
        "AuthorizeSecurityGroupIngress",
        r#"{"groupId":"sg-0a1b2c3d4e5f60718","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":443,"toPort":443,"ipRanges":{"items":[{"cidrIp":"10.20.0.0/16","description":"internal-alb"}]}}]}}"#,
        r#"{"requestId":"$Q","_return":true}"#,
    ),
    (
        "ec2.amazonaws.com",
        "RevokeSecurityGroupIngress",
        r#"{"groupId":"sg-0a1b2c3d4e5f60718","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":8080,"toPort":8080,"ipRanges":{"items":[{"cidrIp":"10.20.0.0/16"}]}}]}}"#,
        r#"{"requestId":"$Q","_return":true}"#,
    ),
    (
        "ec2.amazonaws.com",
        "CreateRoute",
        r#"{"routeTableId":"rtb-0f1e2d3c4b5a69788","destinationCidrBlock":"10.40.0.0/16","transitGatewayId":"tgw-0123456789abcdef0"}"#,
        r#"{"requestId":"$Q","_return":true}"#,
    ),
    (
        "ec2.amazonaws.com",
        "ReplaceRoute",
        r#"{"routeTableId":"rtb-0f1e2d3c4b5a69788","destinationCidrBlock":"0.0.0.0/0","natGatewayId":"nat-0a9b8c7d6e5f40312"}"#,
        r#"{"requestId":"$Q","_return":true}"#,
    ),
];

/// AWS services acting on the account's behalf: (invoking service, eventSource, eventName).
const SERVICE_CALLS: &[(&str, &str, &str)] = &[
    ("lambda.amazonaws.com", "sts.amazonaws.com", "AssumeRole"),
    ("ecs-tasks.amazonaws.com", "sts.amazonaws.com", "AssumeRole"),
    ("ec2.amazonaws.com", "sts.amazonaws.com", "AssumeRole"),
    (
        "cloudtrail.amazonaws.com",
        "kms.amazonaws.com",
        "GenerateDataKey",
    ),
    ("s3.amazonaws.com", "kms.amazonaws.com", "Decrypt"),
    (
        "secretsmanager.amazonaws.com",
        "kms.amazonaws.com",
        "Decrypt",
    ),
    (
        "autoscaling.amazonaws.com",
        "ec2.amazonaws.com",
        "DescribeInstanceStatus",
    ),
    (
        "config.amazonaws.com",
        "ec2.amazonaws.com",
        "DescribeSecurityGroups",
    ),
    (
        "elasticloadbalancing.amazonaws.com",
        "ec2.amazonaws.com",
        "DescribeNetworkInterfaces",
    ),
];

/// Service-linked roles that probe APIs they are not allowed to call (benign AccessDenied).
const SERVICE_LINKED_DENIED: &[(&str, &str, &str, &str)] = &[
    (
        "AWSServiceRoleForConfig",
        "config.amazonaws.com",
        "s3.amazonaws.com",
        "GetBucketPolicy",
    ),
    (
        "AWSServiceRoleForSecurityHub",
        "securityhub.amazonaws.com",
        "s3.amazonaws.com",
        "GetBucketAcl",
    ),
    (
        "AWSServiceRoleForAccessAnalyzer",
        "access-analyzer.amazonaws.com",
        "kms.amazonaws.com",
        "GetKeyPolicy",
    ),
    (
        "AWSServiceRoleForTrustedAdvisor",
        "trustedadvisor.amazonaws.com",
        "iam.amazonaws.com",
        "GetAccountPasswordPolicy",
    ),
    (
        "AWSServiceRoleForAmazonGuardDuty",
        "guardduty.amazonaws.com",
        "ec2.amazonaws.com",
        "DescribeVpcEndpoints",
    ),
];

struct Gen<'c, 'r> {
    cfg: &'c SynthConfig,
    rng: &'r mut Rng,
    out: String,
}

impl Gen<'_, '_> {
    fn uuid(&mut self) -> String {
        let a = self.rng.next_u64();
        let b = self.rng.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xFFFF,
            a & 0xFFF,
            0x8000 | ((b >> 48) & 0x3FFF),
            b & 0xFFFF_FFFF_FFFF
        )
    }

    fn token(&mut self, len: usize, alphabet: &[u8]) -> String {
        (0..len)
            .map(|_| char::from(*self.rng.pick(alphabet)))
            .collect()
    }

    /// The region for a call: global services log in the first region.
    fn region_for(&mut self, source: &str) -> usize {
        let global = matches!(
            source,
            "iam.amazonaws.com"
                | "sts.amazonaws.com"
                | "signin.amazonaws.com"
                | "organizations.amazonaws.com"
                | "sso.amazonaws.com"
        );
        if global || self.cfg.regions.len() == 1 || self.rng.chance(700) {
            0
        } else {
            1 + self.rng.below(self.cfg.regions.len() as u64 - 1) as usize
        }
    }

    /// Expands `$X` placeholders in a JSON template.
    fn fill(&mut self, template: &str) -> String {
        let mut s = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(i) = rest.find('$') {
            s.push_str(&rest[..i]);
            let key = rest.as_bytes().get(i + 1).copied();
            rest = &rest[(i + 2).min(rest.len())..];
            match key {
                Some(b'B') => s.push_str(self.rng.pick::<&str>(BUCKETS)),
                Some(b'F') => s.push_str(self.rng.pick::<&str>(FUNCTIONS)),
                Some(b'G') => s.push_str(&self.cfg.regions[0]),
                Some(b'A') => s.push_str(&self.cfg.account),
                Some(b'R') => s.push_str(self.rng.pick::<&str>(READ_ROLES)),
                Some(b'I') => {
                    let id = self.token(17, HEX);
                    s.push_str("i-");
                    s.push_str(&id);
                }
                Some(b'N') => {
                    let n = 100 + self.rng.below(900);
                    let _ = write!(s, "{n}");
                }
                Some(b'Q') => {
                    let id = self.uuid();
                    s.push_str(&id);
                }
                _ => s.push('$'),
            }
        }
        s.push_str(rest);
        s
    }

    fn identity(&mut self, who: Who<'_>, time: i64) {
        let acct = &self.cfg.account;
        let out = &mut self.out;
        match who {
            Who::Role(role, session, invoked_by) => {
                let role_id = format!("AROA{}", stable_id(role, 17, UPPER_ALNUM));
                let key = format!(
                    "ASIA{}",
                    stable_id(&format!("{role}{session}{}", time / 3600), 16, UPPER_ALNUM)
                );
                let created = format_event_time(time - time.rem_euclid(3600));
                let _ = write!(
                    out,
                    r#"{{"type":"AssumedRole","principalId":"{role_id}:{session}","arn":"arn:aws:sts::{acct}:assumed-role/{role}/{session}","accountId":"{acct}","accessKeyId":"{key}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"{role_id}","arn":"arn:aws:iam::{acct}:role/{path}{role}","accountId":"{acct}","userName":"{role}"}},"webIdFederationData":{{}},"attributes":{{"creationDate":"{created}","mfaAuthenticated":"false"}}}}"#,
                    path = if role.starts_with("AWSServiceRole") {
                        "aws-service-role/"
                    } else if role.starts_with("AWSReservedSSO") {
                        "aws-reserved/sso.amazonaws.com/"
                    } else {
                        ""
                    },
                );
                if let Some(by) = invoked_by {
                    let _ = write!(out, r#","invokedBy":"{by}""#);
                }
                out.push('}');
            }
            Who::User(name) => {
                let _ = write!(
                    out,
                    r#"{{"type":"IAMUser","principalId":"AIDA{}","arn":"arn:aws:iam::{acct}:user/{name}","accountId":"{acct}","accessKeyId":"AKIA{}","userName":"{name}"}}"#,
                    stable_id(name, 17, UPPER_ALNUM),
                    stable_id(&format!("key-{name}"), 16, UPPER_ALNUM),
                );
            }
            Who::Root => {
                let _ = write!(
                    out,
                    r#"{{"type":"Root","principalId":"{acct}","arn":"arn:aws:iam::{acct}:root","accountId":"{acct}","accessKeyId":"ASIA{}"}}"#,
                    stable_id(&format!("root{}", time / 3600), 16, UPPER_ALNUM),
                );
            }
            Who::Service(by) => {
                let _ = write!(out, r#"{{"type":"AWSService","invokedBy":"{by}"}}"#);
            }
            Who::Anonymous => {
                out.push_str(
                    r#"{"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"}"#,
                );
            }
        }
    }

    fn emit(&mut self, time: i64, call: &Call<'_>) -> Event {
        self.out.clear();
        self.out
            .push_str(r#"{"eventVersion":"1.09","userIdentity":"#);
        self.identity(call.who, time);
        let region = self.cfg.regions[call.region].clone();
        let request_id = self.uuid();
        let event_id = self.uuid();
        let out = &mut self.out;
        let _ = write!(
            out,
            r#","eventTime":"{}","eventSource":"{}","eventName":"{}","awsRegion":"{region}","sourceIPAddress":"{}","userAgent":"{}""#,
            format_event_time(time),
            call.source,
            call.name,
            call.ip,
            call.agent,
        );
        if let Some((code, message)) = call.error {
            // Console sign-in failures carry only an errorMessage.
            if !code.is_empty() {
                let _ = write!(out, r#","errorCode":"{code}""#);
            }
            let _ = write!(out, r#","errorMessage":"{message}""#);
        }
        let _ = write!(
            out,
            r#","requestParameters":{},"responseElements":{}"#,
            call.request, call.response
        );
        if let Some(extra) = call.additional {
            let _ = write!(out, r#","additionalEventData":{extra}"#);
        }
        let _ = write!(
            out,
            r#","requestID":"{request_id}","eventID":"{event_id}","readOnly":{},"eventType":"{}","managementEvent":{},"recipientAccountId":"{}","eventCategory":"{}""#,
            call.read_only,
            call.event_type,
            call.management,
            self.cfg.account,
            if call.management {
                "Management"
            } else {
                "Data"
            },
        );
        if call.ip.starts_with(|c: char| c.is_ascii_digit()) {
            let _ = write!(
                out,
                r#","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{}.{region}.amazonaws.com"}}"#,
                call.source.trim_end_matches(".amazonaws.com"),
            );
        }
        out.push('}');
        Event {
            time,
            region: call.region,
            id: event_id,
            json: self.out.clone(),
            label: call.label,
        }
    }

    /// A service-linked role denied an API it probes (benign, but CIS CloudWatch.2 counts it).
    fn service_denied(&mut self, time: i64, which: usize) -> Event {
        let (role, by, source, name) = SERVICE_LINKED_DENIED[which];
        let request = match source {
            "s3.amazonaws.com" => {
                self.fill(r#"{"bucketName":"$B","Host":"$B.s3.$G.amazonaws.com","policy":""}"#)
            }
            "kms.amazonaws.com" => format!(
                r#"{{"keyId":"{}","policyName":"default"}}"#,
                stable_uuid("kms-app-key")
            ),
            _ => "null".to_string(),
        };
        let session = by.trim_end_matches(".amazonaws.com");
        let message = format!(
            "User: arn:aws:sts::{}:assumed-role/{role}/{session} is not authorized to perform: {}:{name} because no identity-based policy allows the {}:{name} action",
            self.cfg.account,
            source.trim_end_matches(".amazonaws.com"),
            source.trim_end_matches(".amazonaws.com"),
        );
        let code = if source == "s3.amazonaws.com" {
            "AccessDenied"
        } else {
            "AccessDeniedException"
        };
        let mut call = Call::new(Who::Role(role, session, Some(by)), source, name);
        call.region = self.region_for(source);
        call.request = &request;
        call.ip = by;
        call.agent = by;
        call.read_only = true;
        call.error = Some((code, &message));
        call.label = Some(Label::Benign);
        self.emit(time, &call)
    }

    /// One event of everyday activity.
    fn noise(&mut self, time: i64) -> Event {
        let roll = self.rng.below(1000);
        // A 1% sample of plain noise is labelled benign; detector-relevant noise always is.
        let sample = if self.rng.chance(10) {
            Some(Label::Benign)
        } else {
            None
        };
        match roll {
            0..=599 => {
                let (source, name, template) = *self.rng.pick(READS);
                let role = *self.rng.pick(READ_ROLES);
                let session = *self.rng.pick(SESSION_NAMES);
                let request = self.fill(template);
                let agent = *self.rng.pick(AGENTS);
                let ip = *self.rng.pick(NAT_IPS);
                let throttled = self.rng.chance(15);
                let mut call = Call::new(Who::Role(role, session, None), source, name);
                call.region = self.region_for(source);
                call.request = &request;
                call.agent = agent;
                call.ip = ip;
                call.read_only = true;
                call.label = sample;
                if throttled {
                    call.error = Some(("ThrottlingException", "Rate exceeded"));
                }
                self.emit(time, &call)
            }
            600..=699 => {
                let (source, name, template) = *self.rng.pick(READS);
                let user = *self.rng.pick(DEV_USERS);
                let request = self.fill(template);
                let ip = *self.rng.pick(OFFICE_IPS);
                let mut call = Call::new(Who::User(user), source, name);
                call.region = self.region_for(source);
                call.request = &request;
                call.ip = ip;
                call.read_only = true;
                call.label = sample;
                self.emit(time, &call)
            }
            700..=839 => {
                let (by, source, name) = *self.rng.pick(SERVICE_CALLS);
                let role = *self.rng.pick(READ_ROLES);
                let request = if name == "AssumeRole" {
                    format!(
                        r#"{{"roleArn":"arn:aws:iam::{}:role/{role}","roleSessionName":"{}","durationSeconds":3600}}"#,
                        self.cfg.account,
                        self.rng.below(1 << 40)
                    )
                } else if source == "kms.amazonaws.com" {
                    format!(
                        r#"{{"keyId":"arn:aws:kms:{}:{}:key/{}","encryptionAlgorithm":"SYMMETRIC_DEFAULT"}}"#,
                        self.cfg.regions[0],
                        self.cfg.account,
                        stable_uuid("kms-data-key")
                    )
                } else {
                    "null".to_string()
                };
                let service_event = name == "AssumeRole" || source == "kms.amazonaws.com";
                let who = if service_event {
                    Who::Service(by)
                } else {
                    Who::Role(role, "AWSConfig-Describe", Some(by))
                };
                let mut call = Call::new(who, source, name);
                call.region = self.region_for(source);
                call.request = &request;
                call.ip = by;
                call.agent = by;
                call.read_only = true;
                call.label = sample;
                if service_event {
                    call.event_type = "AwsServiceEvent";
                }
                self.emit(time, &call)
            }
            840..=939 => {
                let (source, name, template, response) = *self.rng.pick(DEPLOY_WRITES);
                let request = self.fill(template);
                let response = self.fill(response);
                let run = format!(
                    "GitHubActions-{}",
                    7_000_000_000 + self.rng.below(99_999_999)
                );
                let mut call =
                    Call::new(Who::Role("github-actions-deploy", &run, None), source, name);
                call.region = self.region_for(source);
                call.request = &request;
                call.response = &response;
                call.ip = "4.175.114.51";
                call.agent = "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 exec-env/GitHubActions terraform/1.7.5";
                let relevant = matches!(source, "iam.amazonaws.com" | "ec2.amazonaws.com");
                call.label = if relevant {
                    Some(Label::Benign)
                } else {
                    sample
                };
                self.emit(time, &call)
            }
            940..=942 => {
                let which = self.rng.below(SERVICE_LINKED_DENIED.len() as u64) as usize;
                self.service_denied(time, which)
            }
            943..=957 => {
                let user = *self.rng.pick(DEV_USERS);
                let role = if self.rng.chance(500) {
                    "AWSReservedSSO_AdministratorAccess_2a9f0c47d1e8b356"
                } else {
                    "AWSReservedSSO_ReadOnlyAccess_6c0a3f1e2b4d5a79"
                };
                let session = format!("{user}@example.com");
                let ip = *self.rng.pick(OFFICE_IPS);
                let mut call = Call::new(
                    Who::Role(role, &session, None),
                    "signin.amazonaws.com",
                    "ConsoleLogin",
                );
                call.region = 0;
                call.ip = ip;
                call.agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36";
                call.response = r#"{"ConsoleLogin":"Success"}"#;
                call.additional = Some(r#"{"MobileVersion":"No","MFAUsed":"Yes"}"#);
                call.event_type = "AwsConsoleSignIn";
                call.label = Some(Label::Benign);
                self.emit(time, &call)
            }
            _ => {
                let role = *self.rng.pick(READ_ROLES);
                let target = *self.rng.pick(READ_ROLES);
                let request = format!(
                    r#"{{"roleArn":"arn:aws:iam::{}:role/{target}","roleSessionName":"{}","durationSeconds":3600}}"#,
                    self.cfg.account,
                    self.rng.below(1 << 40)
                );
                let session = *self.rng.pick(SESSION_NAMES);
                let ip = *self.rng.pick(NAT_IPS);
                let mut call = Call::new(
                    Who::Role(role, session, None),
                    "sts.amazonaws.com",
                    "AssumeRole",
                );
                call.region = 0;
                call.request = &request;
                call.ip = ip;
                call.read_only = true;
                call.label = sample;
                self.emit(time, &call)
            }
        }
    }

    /// Writes the events of one planted incident starting at `t0`.
    fn incident(&mut self, kind: IncidentKind, t0: i64, events: &mut Vec<Event>) {
        let attacker_ip = *self.rng.pick(ATTACKER_IPS);
        let bad_agent = "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.15.0 md/arch#x86_64 lang/python#3.10.12 Botocore/1.34.69";
        let browser = "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0";
        let acct = self.cfg.account.clone();
        let compromised = Who::Role("ops-admin", "ops-admin-session", None);
        // Most incident steps: the compromised role calling from the attacker's host.
        let by_attacker = |source: &'static str, name: &'static str| {
            let mut c = Call::new(compromised, source, name);
            c.ip = attacker_ip;
            c.agent = bad_agent;
            c
        };
        let mut push = |g: &mut Self, t: i64, mut call: Call<'_>| {
            call.label = Some(Label::Malicious);
            if call.region == 0 {
                call.region = g.region_for(call.source);
            }
            let ev = g.emit(t, &call);
            events.push(ev);
        };
        match kind {
            IncidentKind::RootConsoleLogin => {
                let mut c = Call::new(Who::Root, "signin.amazonaws.com", "ConsoleLogin");
                c.ip = attacker_ip;
                c.agent = browser;
                c.response = r#"{"ConsoleLogin":"Success"}"#;
                c.additional = Some(
                    r#"{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"No"}"#,
                );
                c.event_type = "AwsConsoleSignIn";
                push(self, t0, c);
                let console = "AWS Internal";
                for (i, (source, name, ro)) in [
                    ("iam.amazonaws.com", "GetAccountSummary", true),
                    ("iam.amazonaws.com", "ListUsers", true),
                    ("iam.amazonaws.com", "CreateAccessKey", false),
                    ("organizations.amazonaws.com", "DescribeOrganization", true),
                ]
                .into_iter()
                .enumerate()
                {
                    let mut c = Call::new(Who::Root, source, name);
                    c.ip = attacker_ip;
                    c.agent = console;
                    c.read_only = ro;
                    if name == "CreateAccessKey" {
                        c.response = r#"{"accessKey":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","status":"Active","createDate":"Jan 6, 2025, 2:14:07 PM"}}"#;
                    }
                    push(self, t0 + 20 + 15 * i as i64, c);
                }
            }
            IncidentKind::CredentialAbuse => {
                let n = 25 + self.rng.below(15);
                for i in 0..n {
                    let (source, name, _) = *self.rng.pick(READS);
                    let denied = self.rng.chance(850);
                    let ec2 = source == "ec2.amazonaws.com";
                    let message = format!(
                        "User: arn:aws:iam::{acct}:user/svc-reporting is not authorized to perform: {}:{name}",
                        source.trim_end_matches(".amazonaws.com")
                    );
                    let mut c = Call::new(Who::User("svc-reporting"), source, name);
                    c.ip = attacker_ip;
                    c.agent = bad_agent;
                    c.read_only = true;
                    if denied {
                        c.error = Some(if ec2 {
                            (
                                "Client.UnauthorizedOperation",
                                "You are not authorized to perform this operation.",
                            )
                        } else {
                            ("AccessDenied", &message)
                        });
                    }
                    push(self, t0 + (i * 170 / n) as i64, c);
                }
            }
            IncidentKind::GuardDutyDisabled => {
                let detector = stable_id("guardduty-detector", 32, HEX);
                let req = format!(r#"{{"detectorId":"{detector}"}}"#);
                let mut c = by_attacker("guardduty.amazonaws.com", "ListDetectors");
                c.read_only = true;
                push(self, t0, c);
                let mut c = by_attacker("guardduty.amazonaws.com", "DeleteDetector");
                c.request = &req;
                push(self, t0 + 9, c);
            }
            IncidentKind::CloudTrailStopped => {
                let req = format!(
                    r#"{{"name":"arn:aws:cloudtrail:{}:{acct}:trail/org-trail"}}"#,
                    self.cfg.regions[0]
                );
                let mut c = by_attacker("cloudtrail.amazonaws.com", "StopLogging");
                c.request = &req;
                push(self, t0, c);
            }
            IncidentKind::PublicLambdaUrl => {
                let req = r#"{"functionName":"webhook-relay","authType":"NONE","cors":{"allowOrigins":["*"]}}"#;
                let resp = format!(
                    r#"{{"functionUrl":"https://{}.lambda-url.{}.on.aws/","functionArn":"arn:aws:lambda:{}:{acct}:function:webhook-relay","authType":"NONE","creationTime":"{}"}}"#,
                    self.token(32, LOWER_ALNUM),
                    self.cfg.regions[0],
                    self.cfg.regions[0],
                    format_event_time(t0)
                );
                let mut c = by_attacker("lambda.amazonaws.com", "CreateFunctionUrlConfig");
                c.request = req;
                c.response = &resp;
                push(self, t0, c);
                let perm = r#"{"functionName":"webhook-relay","statementId":"FunctionURLAllowPublicAccess","action":"lambda:InvokeFunctionUrl","principal":"*","functionUrlAuthType":"NONE"}"#;
                let mut c = by_attacker("lambda.amazonaws.com", "AddPermission20150331v2");
                c.request = perm;
                push(self, t0 + 4, c);
            }
            IncidentKind::FailedConsoleLogins => {
                let n = 12 + self.rng.below(10);
                let user = *self.rng.pick(DEV_USERS);
                for i in 0..n {
                    let mut c = Call::new(Who::User(user), "signin.amazonaws.com", "ConsoleLogin");
                    c.ip = attacker_ip;
                    c.agent = browser;
                    c.error = Some(("", "Failed authentication"));
                    c.response = r#"{"ConsoleLogin":"Failure"}"#;
                    c.additional = Some(
                        r#"{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"No"}"#,
                    );
                    c.event_type = "AwsConsoleSignIn";
                    push(self, t0 + (i * 180 / n) as i64, c);
                }
            }
            IncidentKind::KmsKeyDeletion => {
                let key = stable_uuid("kms-app-key");
                let req = format!(r#"{{"keyId":"{key}"}}"#);
                let mut c = by_attacker("kms.amazonaws.com", "DisableKey");
                c.request = &req;
                push(self, t0, c);
                let req = format!(r#"{{"keyId":"{key}","pendingWindowInDays":7}}"#);
                let resp = format!(
                    r#"{{"keyId":"arn:aws:kms:{}:{acct}:key/{key}","deletionDate":"{}","keyState":"PendingDeletion","pendingWindowInDays":7}}"#,
                    self.cfg.regions[0],
                    format_event_time(t0 + 7 * DAY)
                );
                let mut c = by_attacker("kms.amazonaws.com", "ScheduleKeyDeletion");
                c.request = &req;
                c.response = &resp;
                push(self, t0 + 6, c);
            }
            IncidentKind::IamBackdoor => {
                let steps: [(&str, String); 3] = [
                    ("CreateUser", r#"{"userName":"support-sync"}"#.to_string()),
                    ("AttachUserPolicy", r#"{"userName":"support-sync","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}"#.to_string()),
                    ("CreateAccessKey", r#"{"userName":"support-sync"}"#.to_string()),
                ];
                for (i, (name, req)) in steps.iter().enumerate() {
                    let mut c = by_attacker("iam.amazonaws.com", name);
                    c.request = req;
                    push(self, t0 + 7 * i as i64, c);
                }
            }
            IncidentKind::S3BucketMadePublic => {
                let pab = r#"{"publicAccessBlock":"","bucketName":"acme-data-lake-raw","PublicAccessBlockConfiguration":{"xmlns":"http://s3.amazonaws.com/doc/2006-03-01/","RestrictPublicBuckets":false,"BlockPublicPolicy":false,"BlockPublicAcls":false,"IgnorePublicAcls":false},"Host":"acme-data-lake-raw.s3.amazonaws.com"}"#;
                let mut c = by_attacker("s3.amazonaws.com", "PutBucketPublicAccessBlock");
                c.request = pab;
                push(self, t0, c);
                let policy = r#"{"bucketPolicy":{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::acme-data-lake-raw/*"}]},"bucketName":"acme-data-lake-raw","Host":"acme-data-lake-raw.s3.amazonaws.com","policy":""}"#;
                let mut c = by_attacker("s3.amazonaws.com", "PutBucketPolicy");
                c.request = policy;
                push(self, t0 + 5, c);
            }
            IncidentKind::SecurityHubDisabled => {
                let mut c = by_attacker("securityhub.amazonaws.com", "DisableSecurityHub");
                c.request = "{}";
                push(self, t0, c);
            }
            IncidentKind::ConfigRecorderStopped => {
                let mut c = by_attacker("config.amazonaws.com", "StopConfigurationRecorder");
                c.request = r#"{"configurationRecorderName":"default"}"#;
                push(self, t0, c);
            }
            IncidentKind::AnonymousProbes => {
                let n = 15 + self.rng.below(10);
                for i in 0..n {
                    let bucket = *self.rng.pick(BUCKETS);
                    let req = format!(
                        r#"{{"bucketName":"{bucket}","Host":"{bucket}.s3.amazonaws.com","list-type":"2"}}"#
                    );
                    let mut c = Call::new(Who::Anonymous, "s3.amazonaws.com", "ListObjects");
                    c.ip = attacker_ip;
                    c.agent = "curl/8.5.0";
                    c.request = &req;
                    c.read_only = true;
                    c.management = false;
                    c.error = Some(("AccessDenied", "Access Denied"));
                    push(self, t0 + (i * 150 / n) as i64, c);
                }
            }
        }
    }
}

/// A uuid-shaped ID that is the same for the same name (a KMS key, a detector).
fn stable_uuid(name: &str) -> String {
    let h = stable_id(name, 32, HEX);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_counts_add_up_to_the_day() {
        for per_day in [0, 1, 287, 288, 10_000, 1_000_003] {
            let total: u64 = (0..SLOTS_PER_DAY as u64)
                .map(|s| slot_count(per_day, s))
                .sum();
            assert_eq!(total, per_day);
        }
        // Busy hours get more than quiet ones.
        assert!(slot_count(100_000, 12 * 12) > slot_count(100_000, 2 * 12));
    }

    #[test]
    fn splitmix_is_the_reference_sequence() {
        // First outputs of splitmix64 seeded with 0 (Vigna's reference implementation).
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn uuids_are_uuid_shaped() {
        let cfg = SynthConfig::default();
        let mut rng = Rng::new(9);
        let mut g = Gen {
            cfg: &cfg,
            rng: &mut rng,
            out: String::new(),
        };
        for _ in 0..100 {
            let u = g.uuid();
            let parts: Vec<&str> = u.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                vec![8, 4, 4, 4, 12]
            );
            assert!(u.bytes().all(|b| b == b'-' || HEX.contains(&b)));
            assert!(parts[2].starts_with('4'));
        }
    }

    #[test]
    fn incidents_are_planned_once_a_week_per_kind() {
        let cfg = SynthConfig {
            days: 14,
            ..SynthConfig::default()
        };
        let plan = plan_incidents(&cfg);
        assert_eq!(plan.len(), 2 * IncidentKind::ALL.len());
        for kind in IncidentKind::ALL {
            assert_eq!(plan.iter().filter(|p| p.kind == kind).count(), 2);
        }
        let off = SynthConfig {
            incidents: false,
            ..cfg
        };
        assert!(plan_incidents(&off).is_empty());
    }
}
