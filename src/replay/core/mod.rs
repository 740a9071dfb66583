//! The pure replay core: records x detector verdicts -> matched counts, simulated alarm fires,
//! attribution, false-positive accounting and the what-if diff.
//!
//! Matching is not done here. The caller parses each record, runs the detectors, and hands
//! [`Accumulator::observe`] the record with a [`Verdicts`]. Accumulators are mergeable, so files
//! can be replayed in parallel (one accumulator per file or per worker) and merged; every count
//! is a sum and every output list is sorted, so the report does not depend on the order.
//!
//! Memory is proportional to the number of periods with matching events, not to the number of
//! events: per detector, a count per period plus capped attribution tables.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::attr::{Attr, Ids};
use super::attribution::{self, Actor};
use super::report::{InputError, MAX_ERRORS};
use crate::alarm::{MetricSeries, Published};
use crate::trail::labels::Label;
use crate::trail::reader::event_time;

mod attr;
mod config;
mod finish;
mod sorted;

pub use self::config::{
    DetectorSpec, MetricSpec, ReplayConfig, SetupError, DEFAULT_BUCKET_KEY_CAP, DEFAULT_KEY_CAP,
    MAX_EXCLUSIONS,
};

/// The detectors' verdicts on one record.
#[derive(Clone, Copy, Debug, Default)]
pub struct Verdicts<'a> {
    /// Per current detector (config order): did its effective pattern match?
    pub current: &'a [bool],
    /// Per baseline detector: did it match? Empty without a baseline.
    pub baseline: &'a [bool],
    /// Per current detector: bit `j` set when the base pattern matched and exclusion clause `j`
    /// excluded the record. Empty when the caller does not track exclusions.
    pub excluded_by: &'a [u64],
}

/// What [`Accumulator::observe`] did with a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Observed {
    /// Counted in the window.
    Counted,
    /// Outside `--since`/`--until`.
    OutsideWindow,
    /// Without a valid `eventTime`.
    NoEventTime,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct DetState {
    counts: BTreeMap<i64, u64>,
    matched: u64,
    removed: u64,
    removed_by_clause: Vec<u64>,
    attr: Option<Box<Attr>>,
    /// What the metric filter published, when it does not publish 1 per match
    /// ([`MetricSpec`]); the alarm is then simulated on it instead of `counts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metric: Option<MetricState>,
}

/// A metric filter's published values, with the settings that turn them into the alarm's
/// datapoints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct MetricState {
    spec: MetricSpec,
    series: MetricSeries,
}

impl DetState {
    /// Adds another accumulator's state of the same detector (lengths checked by the caller).
    fn merge(&mut self, theirs: DetState, bucket_cap: usize) {
        for (b, n) in theirs.counts {
            *self.counts.entry(b).or_insert(0) += n;
        }
        self.matched += theirs.matched;
        self.removed += theirs.removed;
        for (a, b) in self
            .removed_by_clause
            .iter_mut()
            .zip(theirs.removed_by_clause)
        {
            *a += b;
        }
        if let (Some(mine), Some(theirs)) = (self.attr.as_deref_mut(), theirs.attr) {
            mine.merge(*theirs, bucket_cap);
        }
        if let (Some(mine), Some(theirs)) = (self.metric.as_mut(), theirs.metric) {
            mine.series.merge(theirs.series);
        }
    }

    fn new(spec: &DetectorSpec, attributed: bool, cap: usize, metric: Option<&MetricSpec>) -> Self {
        DetState {
            counts: BTreeMap::new(),
            matched: 0,
            removed: 0,
            removed_by_clause: vec![0; spec.exclusions.len()],
            attr: attributed.then(|| Box::new(Attr::new(cap))),
            metric: metric.map(|m| MetricState {
                spec: m.clone(),
                series: MetricSeries::default(),
            }),
        }
    }
}

/// A labelled malicious event seen in the trail.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct IncidentObs {
    time: i64,
    event_name: String,
    actor: Actor,
    current: Vec<bool>,
    baseline: Vec<bool>,
}

fn or_into(into: &mut Vec<bool>, from: &[bool]) {
    if into.len() < from.len() {
        into.resize(from.len(), false);
    }
    for (a, &b) in into.iter_mut().zip(from) {
        *a |= b;
    }
}

/// Running totals of a replay (one per worker; merge them, then [`Accumulator::finish`]).
///
/// Serializable (serde) so that a replay can be split across processes or machines; the
/// versioned file format around it is [`crate::replay::partial`]. A deserialized accumulator
/// must pass [`Accumulator::check_consistent`] before it is merged or finished.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Accumulator {
    files: u64,
    events: u64,
    oversize: u64,
    errors: Vec<InputError>,
    error_count: u64,
    no_event_time: u64,
    outside_window: u64,
    min_time: Option<i64>,
    max_time: Option<i64>,
    matched_any: u64,
    current: Vec<DetState>,
    baseline: Vec<DetState>,
    #[serde(serialize_with = "sorted::serialize")]
    incidents: HashMap<String, IncidentObs>,
    benign_seen: u64,
    bucket_key_cap: usize,
}

impl Accumulator {
    /// An empty accumulator for `cfg`.
    pub fn new(cfg: &ReplayConfig) -> Self {
        Accumulator {
            files: 0,
            events: 0,
            oversize: 0,
            errors: Vec::new(),
            error_count: 0,
            no_event_time: 0,
            outside_window: 0,
            min_time: None,
            max_time: None,
            matched_any: 0,
            current: cfg
                .detectors
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let metric = cfg.metrics.get(i).and_then(Option::as_ref);
                    DetState::new(d, true, cfg.key_cap, metric)
                })
                .collect(),
            baseline: cfg
                .baseline
                .iter()
                .flatten()
                .map(|d| DetState::new(d, false, cfg.key_cap, None))
                .collect(),
            incidents: HashMap::new(),
            benign_seen: 0,
            bucket_key_cap: cfg.bucket_key_cap,
        }
    }

    /// Counts an opened input file.
    pub fn add_file(&mut self) {
        self.files += 1;
    }

    /// Counts a record over CloudTrail's 256 KB delivery limit (read, never matched).
    pub fn add_oversize(&mut self) {
        self.events += 1;
        self.oversize += 1;
    }

    /// Counts a record that was read but that the detectors could not be evaluated on (nested
    /// deeper than [`crate::engine::MAX_JSON_DEPTH`], say): an event, and an input error.
    pub fn add_unreadable_record(&mut self, path: &str, line: Option<u64>, message: &str) {
        self.events += 1;
        self.add_error(path, line, message);
    }

    /// Records an unreadable file or a line that is not a record.
    pub fn add_error(&mut self, path: &str, line: Option<u64>, message: &str) {
        self.add_error_at(path, line, None, message);
    }

    /// Records an error at a column of a line (a JSON syntax error in a trail file).
    pub fn add_error_at(
        &mut self,
        path: &str,
        line: Option<u64>,
        column: Option<u64>,
        message: &str,
    ) {
        self.error_count += 1;
        self.errors.push(InputError {
            path: path.to_owned(),
            line,
            column,
            message: message.to_owned(),
        });
        // Keep the smallest by (path, line), not the first to arrive: which errors come
        // first depends on the thread schedule. Trimming at twice the cap keeps this amortized.
        if self.errors.len() >= 2 * MAX_ERRORS {
            keep_first_errors(&mut self.errors);
        }
    }

    /// The input errors recorded so far, sorted, at most [`MAX_ERRORS`].
    pub fn input_errors(&self) -> Vec<InputError> {
        let mut errors = self.errors.clone();
        keep_first_errors(&mut errors);
        errors
    }

    /// Counts a record and, if it is in the window, its detectors' verdicts.
    pub fn observe(&mut self, cfg: &ReplayConfig, record: &Value, v: &Verdicts) -> Observed {
        let t = match self.enter(cfg, event_time(record)) {
            Ok(t) => t,
            Err(skipped) => return skipped,
        };

        let any = v.current.iter().any(|&m| m);
        if any {
            self.matched_any += 1;
        }
        let mut values: Option<(Actor, Cow<str>, Cow<str>)> = None;
        for (i, (det, spec)) in self.current.iter_mut().zip(&cfg.detectors).enumerate() {
            if v.current.get(i) == Some(&true) {
                let bucket = spec.alarm.bucket_of(t);
                det.matched += 1;
                *det.counts.entry(bucket).or_insert(0) += 1;
                if let Some(attr) = det.attr.as_deref_mut() {
                    let (a, name, ip) = values.get_or_insert_with(|| {
                        (
                            attribution::actor(record),
                            attribution::event_name(record),
                            attribution::source_ip(record),
                        )
                    });
                    let ids = Ids {
                        actor: attr.actors.values.id(&*a),
                        name: attr.names.values.id(&**name),
                        ip: attr.ips.values.id(&**ip),
                    };
                    attr.add(bucket, ids, 1, self.bucket_key_cap);
                }
            }
            let mask = v.excluded_by.get(i).copied().unwrap_or(0);
            if mask != 0 {
                det.removed += 1;
                for (j, n) in det.removed_by_clause.iter_mut().enumerate() {
                    if mask & (1u64 << j) != 0 {
                        *n += 1;
                    }
                }
            }
        }
        if let Some(base) = &cfg.baseline {
            for (i, (det, spec)) in self.baseline.iter_mut().zip(base).enumerate() {
                if v.baseline.get(i) == Some(&true) {
                    det.matched += 1;
                    *det.counts.entry(spec.alarm.bucket_of(t)).or_insert(0) += 1;
                }
            }
        }
        if let Some(labels) = &cfg.labels {
            let id = record.get("eventID").and_then(Value::as_str);
            match id.and_then(|id| labels.get(id).map(|l| (id, l))) {
                Some((id, Label::Malicious)) => {
                    let obs = self
                        .incidents
                        .entry(id.to_owned())
                        .or_insert_with(|| IncidentObs {
                            time: t,
                            event_name: attribution::event_name(record).into_owned(),
                            actor: attribution::actor(record),
                            current: Vec::new(),
                            baseline: Vec::new(),
                        });
                    obs.time = obs.time.min(t);
                    or_into(&mut obs.current, v.current);
                    or_into(&mut obs.baseline, v.baseline);
                }
                Some((_, Label::Benign)) => self.benign_seen += 1,
                None => {}
            }
        }
        Observed::Counted
    }

    /// Counts a record that no detector (current, base or baseline) matched, knowing only its
    /// `eventTime` (read from the raw text): the same totals as [`Accumulator::observe`] with
    /// all-false verdicts, without parsing the record. Not for replays with labels, which must
    /// see every record's eventID.
    pub fn observe_unmatched(&mut self, cfg: &ReplayConfig, event_time: Option<i64>) -> Observed {
        match self.enter(cfg, event_time) {
            Ok(_) => Observed::Counted,
            Err(skipped) => skipped,
        }
    }

    /// Records what a counted record (one [`Accumulator::observe`] or
    /// [`Accumulator::observe_unmatched`] counted in the window, at `event_time`) published to
    /// current detector `detector`'s metric. Only detectors with a [`MetricSpec`] keep it.
    pub fn publish(
        &mut self,
        cfg: &ReplayConfig,
        event_time: i64,
        detector: usize,
        published: Published,
    ) {
        let (Some(det), Some(spec)) = (self.current.get_mut(detector), cfg.detectors.get(detector))
        else {
            return;
        };
        if let Some(m) = det.metric.as_mut() {
            let bucket = spec.alarm.bucket_of(event_time);
            m.series.record(bucket, published, m.spec.default_value);
        }
    }

    /// Counts a record and places it in the window; `Err` says why it is not counted further.
    fn enter(&mut self, cfg: &ReplayConfig, event_time: Option<i64>) -> Result<i64, Observed> {
        self.events += 1;
        let Some(t) = event_time else {
            self.no_event_time += 1;
            return Err(Observed::NoEventTime);
        };
        if !cfg.contains(t) {
            self.outside_window += 1;
            return Err(Observed::OutsideWindow);
        }
        self.min_time = Some(self.min_time.map_or(t, |m| m.min(t)));
        self.max_time = Some(self.max_time.map_or(t, |m| m.max(t)));
        Ok(t)
    }

    /// Whether `other` counts the same detectors, clauses and attribution as this accumulator
    /// (accumulators built from the same config always do).
    pub fn check_mergeable(&self, other: &Accumulator) -> Result<(), MergeError> {
        let mismatch = |what: &str, mine: usize, theirs: usize| {
            (mine != theirs).then(|| MergeError {
                what: what.to_owned(),
                mine,
                theirs,
            })
        };
        let sets = [
            ("detectors", &self.current, &other.current),
            ("baseline detectors", &self.baseline, &other.baseline),
        ];
        for (what, mine, theirs) in sets {
            if let Some(e) = mismatch(what, mine.len(), theirs.len()) {
                return Err(e);
            }
            for (i, (m, t)) in mine.iter().zip(theirs).enumerate() {
                let clauses = format!("exclusion clauses of {what} #{i}");
                if let Some(e) = mismatch(
                    &clauses,
                    m.removed_by_clause.len(),
                    t.removed_by_clause.len(),
                ) {
                    return Err(e);
                }
                let metric = format!("metric settings of {what} #{i}");
                if m.metric.as_ref().map(|x| &x.spec) != t.metric.as_ref().map(|x| &x.spec) {
                    return Err(MergeError {
                        what: metric,
                        mine: usize::from(m.metric.is_some()),
                        theirs: usize::from(t.metric.is_some()),
                    });
                }
                let tables = format!("attribution tables of {what} #{i}");
                if let Some(e) = mismatch(
                    &tables,
                    usize::from(m.attr.is_some()),
                    usize::from(t.attr.is_some()),
                ) {
                    return Err(e);
                }
            }
        }
        match mismatch(
            "distinct values per period",
            self.bucket_key_cap,
            other.bucket_key_cap,
        ) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Checks a deserialized accumulator against the config it claims to count for: the same
    /// detectors, clauses, attribution tables and caps, every interned id known, every time
    /// a valid one. Accumulators built by [`Accumulator::new`] always pass.
    pub fn check_consistent(&self, cfg: &ReplayConfig) -> Result<(), String> {
        Accumulator::new(cfg)
            .check_mergeable(self)
            .map_err(|e| e.to_string())?;
        for (i, d) in self.current.iter().enumerate() {
            if let Some(attr) = d.attr.as_deref() {
                attr.check(cfg.key_cap)
                    .map_err(|e| format!("attribution of detector #{i}: {e}"))?;
            }
        }
        // Times are seconds of years 0000 to 9999, as eventTime parses them.
        const TIMES: std::ops::RangeInclusive<i64> = -62_167_219_200..=253_402_300_799;
        let times = [self.min_time, self.max_time]
            .into_iter()
            .flatten()
            .chain(self.incidents.values().map(|o| o.time));
        for t in times {
            if !TIMES.contains(&t) {
                return Err(format!("time {t} out of range"));
            }
        }
        if self.min_time.is_some() != self.max_time.is_some() || self.min_time > self.max_time {
            return Err("first time after last time".to_owned());
        }
        if self
            .incidents
            .values()
            .any(|o| o.current.len() > self.current.len() || o.baseline.len() > self.baseline.len())
        {
            return Err("an incident matched by more detectors than there are".to_owned());
        }
        if self.errors.len() as u64 > self.error_count {
            return Err("more errors listed than counted".to_owned());
        }
        Ok(())
    }

    /// Adds another accumulator's totals. Both must come from the same config: when they do
    /// not count the same detectors and clauses (see [`Accumulator::check_mergeable`]), nothing
    /// is added and the error says what differs.
    pub fn merge(&mut self, other: Accumulator) -> Result<(), MergeError> {
        self.check_mergeable(&other)?;
        self.files += other.files;
        self.events += other.events;
        self.oversize += other.oversize;
        self.error_count += other.error_count;
        self.errors.extend(other.errors);
        if self.errors.len() > MAX_ERRORS {
            keep_first_errors(&mut self.errors);
        }
        self.no_event_time += other.no_event_time;
        self.outside_window += other.outside_window;
        self.min_time = min_opt(self.min_time, other.min_time, i64::min);
        self.max_time = min_opt(self.max_time, other.max_time, i64::max);
        self.matched_any += other.matched_any;
        self.benign_seen += other.benign_seen;
        for (mine, theirs) in self
            .current
            .iter_mut()
            .chain(self.baseline.iter_mut())
            .zip(other.current.into_iter().chain(other.baseline))
        {
            mine.merge(theirs, self.bucket_key_cap);
        }
        for (id, obs) in other.incidents {
            match self.incidents.get_mut(&id) {
                Some(mine) => {
                    if obs.time < mine.time {
                        mine.time = obs.time;
                        mine.event_name = obs.event_name;
                        mine.actor = obs.actor;
                    }
                    or_into(&mut mine.current, &obs.current);
                    or_into(&mut mine.baseline, &obs.baseline);
                }
                None => {
                    self.incidents.insert(id, obs);
                }
            }
        }
        Ok(())
    }
}

/// Two accumulators that do not count the same things cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeError {
    /// What differs (`detectors`, `exclusion clauses of detectors #3`, ...).
    pub what: String,
    /// How many this accumulator has.
    pub mine: usize,
    /// How many the other has.
    pub theirs: usize,
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot merge replays of different configs: {} {} here, {} in the other",
            self.what, self.mine, self.theirs
        )
    }
}

impl std::error::Error for MergeError {}

/// Sorts errors by path, line and message and keeps the first [`MAX_ERRORS`].
fn keep_first_errors(errors: &mut Vec<InputError>) {
    errors.sort();
    errors.truncate(MAX_ERRORS);
}

fn min_opt(a: Option<i64>, b: Option<i64>, f: fn(i64, i64) -> i64) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(f(a, b)),
        (a, b) => a.or(b),
    }
}
