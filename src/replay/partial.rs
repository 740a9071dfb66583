//! Partial replays: the state of a replay over part of the inputs, written to a file so that
//! replays of shards (other processes, other machines, Spark executors) can be merged into the
//! report one replay over all the inputs would have given. The format is in docs/partials.md.
//!
//! A partial carries the config it counted for (detectors with their effective patterns and
//! alarms, baseline, labels, window and caps) and a [`Fingerprint`] of it; partials merge
//! only when their fingerprints agree. The alarms are simulated once, by [`Partial::finish`],
//! after every partial is merged, so a period that straddles two shards counts once.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::core::{Accumulator, DetectorSpec, MetricSpec, ReplayConfig};
use super::driver::Replay;
use super::report::Report;
use crate::alarm::AlarmSpec;
use crate::trail::labels::{Label, Labels};
use crate::trail::time::TimeWindow;

/// The `format` of every partial.
pub const FORMAT: &str = "cwfilter-replay-partial";
/// The version this build writes and reads.
pub const VERSION: u32 = 1;

/// What must agree between partials for their merge to mean anything.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The current detectors, in config order.
    pub detectors: Vec<DetectorPrint>,
    /// The baseline detectors (`--baseline`), in config order.
    pub baseline: Option<Vec<DetectorPrint>>,
    /// The labels (`--labels`): how many of each and a digest of all of them.
    pub labels: Option<LabelsPrint>,
    /// `--since`, seconds since the epoch.
    pub since: Option<i64>,
    /// `--until`, seconds since the epoch.
    pub until: Option<i64>,
    /// Entries in each top list.
    pub top_n: usize,
    /// Distinct values tracked per detector and dimension.
    pub key_cap: usize,
    /// Distinct values tracked per detector, dimension and period.
    pub bucket_key_cap: usize,
}

/// A detector as the fingerprint records it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectorPrint {
    /// Its key.
    pub key: String,
    /// Its effective pattern (exclusions applied).
    pub pattern: String,
    /// Its exclusion clauses.
    pub exclusions: Vec<String>,
    /// Its alarm.
    pub alarm: AlarmSpec,
    /// The alarm's threshold as the bits of an IEEE 754 double: exact, where the decimal
    /// `alarm.threshold` is for people.
    pub threshold_bits: u64,
    /// How its metric filter publishes, when not 1 per match (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<MetricSpec>,
    /// No alarm watches it (absent when one does).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_alarm: bool,
}

/// The labels as the fingerprint records them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelsPrint {
    /// Events labelled malicious.
    pub malicious: u64,
    /// Events labelled benign.
    pub benign: u64,
    /// `fnv1a64:` and 16 hex digits: FNV-1a (64-bit) of every `eventID\tlabel\n`, sorted by
    /// eventID. Not cryptographic: it tells configurations apart, it does not authenticate.
    pub digest: String,
}

/// A partial replay: its config and its accumulated state.
#[derive(Clone, Debug)]
pub struct Partial {
    fingerprint: Fingerprint,
    config: ReplayConfig,
    state: Accumulator,
}

/// The file format (docs/partials.md).
#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    version: u32,
    fingerprint: Fingerprint,
    /// Every label, sorted by eventID (the report needs the malicious ones not seen).
    labels: Option<Vec<(String, Label)>>,
    state: Accumulator,
}

/// Why partials cannot be read or merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartialError {
    /// Not a partial, truncated, or inconsistent with itself.
    Corrupt(String),
    /// A partial of another format version.
    Version(u64),
    /// Two partials of different configs: the first difference, as a path and both values.
    Mismatch(String),
}

impl std::fmt::Display for PartialError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PartialError::Corrupt(m) => write!(f, "not a valid partial replay: {m}"),
            PartialError::Version(v) => write!(
                f,
                "partial replay format version {v}; this cwfilter reads version {VERSION}"
            ),
            PartialError::Mismatch(m) => {
                write!(f, "partial replays of different configurations: {m}")
            }
        }
    }
}

impl std::error::Error for PartialError {}

fn detector_print(
    spec: &DetectorSpec,
    pattern: &str,
    metric: Option<&MetricSpec>,
) -> DetectorPrint {
    DetectorPrint {
        key: spec.key.clone(),
        pattern: pattern.to_owned(),
        exclusions: spec.exclusions.clone(),
        alarm: spec.alarm.clone(),
        threshold_bits: spec.alarm.threshold.to_bits(),
        metric: metric.cloned(),
        no_alarm: spec.no_alarm,
    }
}

fn spec_of(p: &DetectorPrint) -> DetectorSpec {
    let mut alarm = p.alarm.clone();
    alarm.threshold = f64::from_bits(p.threshold_bits);
    DetectorSpec {
        key: p.key.clone(),
        alarm,
        exclusions: p.exclusions.clone(),
        no_alarm: p.no_alarm,
    }
}

/// FNV-1a, 64 bits, of every label line (sorted).
fn labels_digest(sorted: &[(&str, Label)]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (id, label) in sorted {
        for b in id
            .bytes()
            .chain([b'\t'])
            .chain(label.as_str().bytes())
            .chain([b'\n'])
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("fnv1a64:{h:016x}")
}

fn labels_print(labels: &Labels) -> LabelsPrint {
    let sorted = labels.sorted();
    LabelsPrint {
        malicious: labels.count(Label::Malicious) as u64,
        benign: labels.count(Label::Benign) as u64,
        digest: labels_digest(&sorted),
    }
}

impl Partial {
    /// The partial of `replay` with the state `state` (from [`Replay::accumulate`] or
    /// [`Replay::accumulate_objects`]).
    pub fn new(replay: &Replay, state: Accumulator) -> Partial {
        let cfg = replay.config();
        let prints = |specs: &[DetectorSpec],
                      patterns: &[String],
                      metrics: &[Option<MetricSpec>]|
         -> Vec<DetectorPrint> {
            specs
                .iter()
                .zip(patterns)
                .enumerate()
                .map(|(i, (s, p))| detector_print(s, p, metrics.get(i).and_then(Option::as_ref)))
                .collect()
        };
        Partial {
            fingerprint: Fingerprint {
                detectors: prints(&cfg.detectors, replay.current_patterns(), &cfg.metrics),
                baseline: cfg
                    .baseline
                    .as_ref()
                    .map(|b| prints(b, replay.baseline_patterns(), &[])),
                labels: cfg.labels.as_ref().map(labels_print),
                since: cfg.window.since,
                until: cfg.window.until,
                top_n: cfg.top_n,
                key_cap: cfg.key_cap,
                bucket_key_cap: cfg.bucket_key_cap,
            },
            config: cfg.clone(),
            state,
        }
    }

    /// What must agree with the partials this one merges with.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// Records an input error (an input that could not even be listed, say).
    pub fn add_error(&mut self, path: &str, line: Option<u64>, message: &str) {
        self.state.add_error(path, line, message);
    }

    /// The input errors recorded so far, sorted, at most [`super::report::MAX_ERRORS`].
    pub fn input_errors(&self) -> Vec<super::report::InputError> {
        self.state.input_errors()
    }

    /// The file's text: one line of JSON and a newline.
    pub fn to_json(&self) -> String {
        let file = FileRef {
            format: FORMAT,
            version: VERSION,
            fingerprint: &self.fingerprint,
            labels: self.config.labels.as_ref().map(Labels::sorted),
            state: &self.state,
        };
        let mut text = serde_json::to_string(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Reads a partial written by [`Partial::to_json`], refusing anything truncated, of
    /// another format or version, or inconsistent with its own fingerprint.
    pub fn from_slice(bytes: &[u8]) -> Result<Partial, PartialError> {
        let corrupt = |m: String| PartialError::Corrupt(m);
        // The header first, so a partial of another version says so rather than failing on
        // fields this version does not know.
        let head: Value = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
        if head.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(corrupt(format!("no \"format\": \"{FORMAT}\"")));
        }
        match head.get("version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => return Err(PartialError::Version(v)),
            None => return Err(corrupt("no \"version\"".to_owned())),
        }
        let file: File = serde_json::from_value(head).map_err(|e| corrupt(e.to_string()))?;
        let fp = file.fingerprint;
        let labels = match (&fp.labels, file.labels) {
            (None, None) => None,
            (Some(print), Some(list)) => {
                let mut labels = Labels::default();
                for (id, label) in list {
                    labels.insert(id, label);
                }
                if &labels_print(&labels) != print {
                    return Err(corrupt("the labels do not match their digest".to_owned()));
                }
                Some(labels)
            }
            _ => return Err(corrupt("labels and their digest disagree".to_owned())),
        };
        let mut config = ReplayConfig::new(fp.detectors.iter().map(spec_of).collect());
        config.baseline = fp
            .baseline
            .as_ref()
            .map(|b| b.iter().map(spec_of).collect());
        config.metrics = fp.detectors.iter().map(|d| d.metric.clone()).collect();
        config.labels = labels;
        config.window = TimeWindow {
            since: fp.since,
            until: fp.until,
        };
        config.top_n = fp.top_n;
        config.key_cap = fp.key_cap;
        config.bucket_key_cap = fp.bucket_key_cap;
        config.validate().map_err(|e| corrupt(e.to_string()))?;
        file.state.check_consistent(&config).map_err(corrupt)?;
        Ok(Partial {
            fingerprint: fp,
            config,
            state: file.state,
        })
    }

    /// Adds `other`'s state; refused, naming the first difference, when the fingerprints
    /// differ.
    pub fn merge(&mut self, other: Partial) -> Result<(), PartialError> {
        if let Some(diff) = first_difference(&self.fingerprint, &other.fingerprint) {
            return Err(PartialError::Mismatch(diff));
        }
        self.state
            .merge(other.state)
            .map_err(|e| PartialError::Mismatch(e.to_string()))
    }

    /// Simulates the alarms over the merged counts and builds the report.
    pub fn finish(self) -> Report {
        self.state.finish(&self.config)
    }
}

/// [`File`], borrowed, for writing.
#[derive(Serialize)]
struct FileRef<'a> {
    format: &'static str,
    version: u32,
    fingerprint: &'a Fingerprint,
    labels: Option<Vec<(&'a str, Label)>>,
    state: &'a Accumulator,
}

/// The first field where two fingerprints differ, as `path: mine vs theirs`.
fn first_difference(a: &Fingerprint, b: &Fingerprint) -> Option<String> {
    if a == b {
        return None;
    }
    let (va, vb) = (
        serde_json::to_value(a).unwrap_or(Value::Null),
        serde_json::to_value(b).unwrap_or(Value::Null),
    );
    Some(diff_values("", &va, &vb).unwrap_or_else(|| "fingerprint".to_owned()))
}

fn diff_values(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            for (k, va) in ma {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if let Some(d) = diff_values(&p, va, mb.get(k).unwrap_or(&Value::Null)) {
                    return Some(d);
                }
            }
            None
        }
        (Value::Array(xa), Value::Array(xb)) => {
            for (i, (va, vb)) in xa.iter().zip(xb).enumerate() {
                if let Some(d) = diff_values(&format!("{path}[{i}]"), va, vb) {
                    // Name the detector too: `detectors[3]` alone is hard to find.
                    let key = va.get("key").and_then(Value::as_str);
                    return Some(match key {
                        Some(k) if !d.starts_with(&format!("{path}[{i}].key")) => {
                            format!("{d} (detector {k})")
                        }
                        _ => d,
                    });
                }
            }
            (xa.len() != xb.len()).then(|| {
                format!(
                    "{path}: {} entries in one, {} in the other",
                    xa.len(),
                    xb.len()
                )
            })
        }
        _ => (a != b).then(|| format!("{path}: {a} in one, {b} in the other")),
    }
}
