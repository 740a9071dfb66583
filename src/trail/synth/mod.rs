//! A synthetic CloudTrail trail that looks like a real account, for benchmarks and replay
//! tests: S3-layout `.json.gz` objects of five minutes each, a noise profile of everyday
//! activity, and optional planted incidents with a labels file.
//!
//! Everything is a pure function of the configuration and seed: each five-minute slot has its
//! own PRNG stream (splitmix64 seeded from the seed and the slot number), so slots are
//! generated in parallel and the output is byte-identical whatever the thread count.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use rayon::prelude::*;

use super::time::{civil_from_days, DAY};

/// Seconds of events in one S3 object (CloudTrail delivers about every five minutes).
pub const SLOT_SECONDS: i64 = 300;
const SLOTS_PER_DAY: i64 = DAY / SLOT_SECONDS;

/// What to generate.
#[derive(Clone, Debug)]
pub struct SynthConfig {
    /// Days of trail.
    pub days: u32,
    /// Noise events per day (planted incidents come on top).
    pub events_per_day: u64,
    /// PRNG seed: the same seed writes the same trail.
    pub seed: u64,
    /// 12-digit AWS account ID.
    pub account: String,
    /// Regions; global services (IAM, STS, sign-in) log in the first one.
    pub regions: Vec<String>,
    /// First day, in days since 1970-01-01 (UTC).
    pub start_day: i64,
    /// Whether to plant the incidents.
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
    /// A root console sign-in.
    RootConsoleLogin,
    /// Stolen access keys used from elsewhere.
    CredentialAbuse,
    /// GuardDuty detector deleted.
    GuardDutyDisabled,
    /// CloudTrail logging stopped.
    CloudTrailStopped,
    /// A Lambda function URL opened to everyone.
    PublicLambdaUrl,
    /// A burst of failed console sign-ins.
    FailedConsoleLogins,
    /// A KMS key scheduled for deletion.
    KmsKeyDeletion,
    /// An IAM user with access keys and an admin policy created.
    IamBackdoor,
    /// An S3 bucket policy made public.
    S3BucketMadePublic,
    /// Security Hub disabled.
    SecurityHubDisabled,
    /// The AWS Config recorder stopped.
    ConfigRecorderStopped,
    /// Anonymous, denied API probes.
    AnonymousProbes,
}

impl IncidentKind {
    /// Every kind, in plan order.
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
    /// What it is.
    pub kind: IncidentKind,
    /// Slot index from the first slot of the trail.
    pub slot: u64,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SynthSummary {
    /// S3 objects written.
    pub files: u64,
    /// Events written.
    pub events: u64,
    /// Bytes of JSON before compression.
    pub uncompressed_bytes: u64,
    /// Bytes written (gzip).
    pub compressed_bytes: u64,
    /// Events labelled malicious.
    pub malicious: u64,
    /// Events labelled benign.
    pub benign: u64,
    /// The planted incidents.
    pub incidents: Vec<PlannedIncident>,
}

/// One generated S3 object, before compression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthObject {
    /// Path relative to the output directory, in the S3 key layout.
    pub key: String,
    /// `{"Records":[...]}`.
    pub json: Vec<u8>,
    /// Events in it.
    pub events: u64,
}

/// The objects and labels of one slot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotOutput {
    /// The slot's S3 objects.
    pub objects: Vec<SynthObject>,
    /// `{"eventID": ..., "label": ...}` lines, in record order.
    pub labels: Vec<(String, Label)>,
}

pub use super::labels::Label;

mod gen;
mod rng;
mod tables;

use self::gen::{Event, Gen};
use self::rng::{mix, Rng, LOWER_ALNUM};
use self::tables::SERVICE_LINKED_DENIED;

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
            writeln!(labels, "{}", label.jsonl_line(&id))?;
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
