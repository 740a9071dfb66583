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
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::attribution::{self, bump, Actor, Interner, OTHER, OTHER_ID};
use super::labels::{Label, Labels};
use super::report::*;
use crate::alarm::{evaluate, AlarmRun, AlarmSpec, Datapoints};
use crate::trail::time::{
    format_day, format_event_time as format_timestamp, parse_event_time as parse_timestamp,
};

/// Distinct principals / eventNames / source IPs tracked per detector by default.
pub const DEFAULT_KEY_CAP: usize = 10_000;
/// Distinct values tracked per detector per period (for attribution by fires).
pub const DEFAULT_BUCKET_KEY_CAP: usize = 256;
/// Exclusion clauses per detector the `excluded_by` bitmask can describe.
pub const MAX_EXCLUSIONS: usize = 64;

/// What the core needs to know of a detector.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectorSpec {
    pub key: String,
    pub alarm: AlarmSpec,
    /// Ids of the exclusion clauses, in the order of the bits of [`Verdicts::excluded_by`].
    pub exclusions: Vec<String>,
}

/// Replay settings.
#[derive(Clone, Debug)]
pub struct ReplayConfig {
    /// The enabled detectors (any order; the report sorts them by key).
    pub detectors: Vec<DetectorSpec>,
    /// The baseline detector set for the what-if diff.
    pub baseline: Option<Vec<DetectorSpec>>,
    pub labels: Option<Labels>,
    /// Inclusive bounds in seconds since the epoch (`--since`/`--until`).
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Entries in each top list.
    pub top_n: usize,
    pub key_cap: usize,
    pub bucket_key_cap: usize,
}

impl ReplayConfig {
    pub fn new(detectors: Vec<DetectorSpec>) -> Self {
        ReplayConfig {
            detectors,
            baseline: None,
            labels: None,
            since: None,
            until: None,
            top_n: 10,
            key_cap: DEFAULT_KEY_CAP,
            bucket_key_cap: DEFAULT_BUCKET_KEY_CAP,
        }
    }

    /// Rejects alarms CloudWatch would reject, duplicate keys and too many clauses.
    pub fn validate(&self) -> Result<(), String> {
        let sets = std::iter::once(("", &self.detectors))
            .chain(self.baseline.iter().map(|b| ("baseline ", b)));
        for (what, set) in sets {
            let mut seen = BTreeSet::new();
            for d in set {
                if !seen.insert(d.key.as_str()) {
                    return Err(format!("{what}detector {} is listed twice", d.key));
                }
                d.alarm
                    .validate()
                    .map_err(|e| format!("{what}detector {}: {e}", d.key))?;
                if d.exclusions.len() > MAX_EXCLUSIONS {
                    return Err(format!(
                        "{what}detector {}: {} exclusion clauses (at most {MAX_EXCLUSIONS})",
                        d.key,
                        d.exclusions.len()
                    ));
                }
            }
        }
        if let (Some(s), Some(u)) = (self.since, self.until) {
            if s > u {
                return Err("--since is after --until".into());
            }
        }
        Ok(())
    }

    /// Whether an event at `secs` is inside `--since`/`--until`.
    pub fn contains(&self, secs: i64) -> bool {
        self.since.is_none_or(|s| secs >= s) && self.until.is_none_or(|u| secs <= u)
    }
}

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
    Counted,
    OutsideWindow,
    NoEventTime,
}

/// The record's `eventTime` in seconds since the epoch.
pub fn event_time(record: &Value) -> Option<i64> {
    record.get("eventTime")?.as_str().and_then(parse_timestamp)
}

/// Attribution tables of one detector.
#[derive(Clone, Debug)]
struct Attr {
    actors: Interner<Actor>,
    names: Interner<String>,
    ips: Interner<String>,
    actor_matched: Vec<u64>,
    name_matched: Vec<u64>,
    ip_matched: Vec<u64>,
    other: [u64; 3],
    /// Per period with matches: counts by interned id, for attribution by fires.
    buckets: HashMap<i64, [HashMap<u32, u64>; 3]>,
}

impl Attr {
    fn new(cap: usize) -> Self {
        Attr {
            actors: Interner::new(cap),
            names: Interner::new(cap),
            ips: Interner::new(cap),
            actor_matched: Vec::new(),
            name_matched: Vec::new(),
            ip_matched: Vec::new(),
            other: [0; 3],
            buckets: HashMap::new(),
        }
    }

    fn add(&mut self, bucket: i64, ids: [u32; 3], n: u64, bucket_cap: usize) {
        bump(&mut self.actor_matched, &mut self.other[0], ids[0], n);
        bump(&mut self.name_matched, &mut self.other[1], ids[1], n);
        bump(&mut self.ip_matched, &mut self.other[2], ids[2], n);
        let slot = self.buckets.entry(bucket).or_default();
        for (map, &id) in slot.iter_mut().zip(ids.iter()) {
            let id = if map.len() >= bucket_cap && !map.contains_key(&id) {
                OTHER_ID
            } else {
                id
            };
            *map.entry(id).or_insert(0) += n;
        }
    }
}

#[derive(Clone, Debug)]
struct DetState {
    counts: BTreeMap<i64, u64>,
    matched: u64,
    removed: u64,
    removed_by_clause: Vec<u64>,
    attr: Option<Box<Attr>>,
}

impl DetState {
    fn new(spec: &DetectorSpec, attributed: bool, cap: usize) -> Self {
        DetState {
            counts: BTreeMap::new(),
            matched: 0,
            removed: 0,
            removed_by_clause: vec![0; spec.exclusions.len()],
            attr: attributed.then(|| Box::new(Attr::new(cap))),
        }
    }
}

/// A labelled malicious event seen in the trail.
#[derive(Clone, Debug)]
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
#[derive(Clone, Debug)]
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
    incidents: HashMap<String, IncidentObs>,
    benign_seen: u64,
    bucket_key_cap: usize,
}

impl Accumulator {
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
                .map(|d| DetState::new(d, true, cfg.key_cap))
                .collect(),
            baseline: cfg
                .baseline
                .iter()
                .flatten()
                .map(|d| DetState::new(d, false, cfg.key_cap))
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

    /// Records an unreadable file or a line that is not a record.
    pub fn add_error(&mut self, path: &str, line: Option<u64>, message: &str) {
        self.error_count += 1;
        self.errors.push(InputError {
            path: path.to_owned(),
            line,
            message: message.to_owned(),
        });
        // Keep the smallest by (path, line), not the first to arrive: which errors come
        // first depends on the thread schedule. Trimming at twice the cap keeps this amortized.
        if self.errors.len() >= 2 * MAX_ERRORS {
            keep_first_errors(&mut self.errors);
        }
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
                    let ids = [
                        attr.actors.id(&*a),
                        attr.names.id(&**name),
                        attr.ips.id(&**ip),
                    ];
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

    /// Adds another accumulator's totals (built from the same config).
    pub fn merge(&mut self, other: Accumulator) {
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
            merge_det(mine, theirs, self.bucket_key_cap);
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
    }

    /// Simulates every alarm and builds the report.
    pub fn finish(mut self, cfg: &ReplayConfig) -> Report {
        keep_first_errors(&mut self.errors);
        let start = cfg.since.or(self.min_time);
        let end = cfg.until.or(self.max_time);
        let span = start.zip(end).filter(|(s, e)| s <= e);
        let labelled = cfg.labels.is_some();

        let cur = simulate(&cfg.detectors, &self.current, span);
        let base_specs = cfg.baseline.as_deref().unwrap_or(&[]);
        let base = simulate(base_specs, &self.baseline, span);

        // Periods holding a labelled malicious event each detector matched.
        let malicious = |specs: &[DetectorSpec], pick: fn(&IncidentObs) -> &Vec<bool>| {
            specs
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    self.incidents
                        .values()
                        .filter(|o| pick(o).get(i) == Some(&true))
                        .map(|o| s.alarm.bucket_of(o.time))
                        .collect::<BTreeSet<i64>>()
                })
                .collect::<Vec<_>>()
        };
        let cur_mal = malicious(&cfg.detectors, |o| &o.current);
        let base_mal = malicious(base_specs, |o| &o.baseline);
        let truth = |specs: &[DetectorSpec], runs: &[Vec<AlarmRun>], mal: &[BTreeSet<i64>]| {
            specs
                .iter()
                .zip(runs.iter().zip(mal))
                .map(|(s, (runs, mal))| {
                    let n = i64::from(s.alarm.evaluation_periods.max(1));
                    runs.iter()
                        .filter(|r| {
                            mal.range(r.start.saturating_sub(n - 1)..=r.end)
                                .next()
                                .is_some()
                        })
                        .count() as u64
                })
                .collect::<Vec<u64>>()
        };
        let cur_true = truth(&cfg.detectors, &cur, &cur_mal);
        let base_true = truth(base_specs, &base, &base_mal);

        let mut detectors = Vec::new();
        for (i, spec) in cfg.detectors.iter().enumerate() {
            let det = &self.current[i];
            let runs = &cur[i];
            let fires = runs.len() as u64;
            let (true_fires, false_fires, rate) = split(labelled, fires, cur_true[i]);
            let mut rep = DetectorReport {
                key: spec.key.clone(),
                alarm: spec.alarm.clone(),
                matched: det.matched,
                fires,
                fires_by_day: by_day(&spec.alarm, runs),
                fire_times: runs
                    .iter()
                    .take(MAX_FIRE_TIMES)
                    .map(|r| format_timestamp(spec.alarm.bucket_start(r.start)))
                    .collect(),
                top_principals: Vec::new(),
                top_principals_by_fires: Vec::new(),
                top_event_names: Vec::new(),
                top_event_names_by_fires: Vec::new(),
                top_source_ips: Vec::new(),
                top_source_ips_by_fires: Vec::new(),
                true_fires,
                false_fires,
                false_positive_rate: rate,
                exclusions: spec
                    .exclusions
                    .iter()
                    .zip(&det.removed_by_clause)
                    .map(|(c, &n)| ExclusionReport {
                        clause: c.clone(),
                        removed: n,
                    })
                    .collect(),
                removed_by_exclusions: det.removed,
                baseline: None,
            };
            if let Some(attr) = det.attr.as_deref() {
                fill_tops(&mut rep, attr, runs, cfg.top_n);
            }
            if cfg.baseline.is_some() {
                rep.baseline = Some(match base_specs.iter().position(|b| b.key == spec.key) {
                    Some(j) => {
                        let fires = base[j].len() as u64;
                        let (t, f, r) = split(labelled, fires, base_true[j]);
                        BaselineReport {
                            enabled: true,
                            matched: self.baseline[j].matched,
                            fires,
                            fires_by_day: by_day(&base_specs[j].alarm, &base[j]),
                            true_fires: t,
                            false_fires: f,
                            false_positive_rate: r,
                        }
                    }
                    None => BaselineReport {
                        enabled: false,
                        true_fires: labelled.then_some(0),
                        false_fires: labelled.then_some(0),
                        ..BaselineReport::default()
                    },
                });
            }
            detectors.push(rep);
        }
        detectors.sort_by(|a, b| a.key.cmp(&b.key));

        let total_fires: u64 = detectors.iter().map(|d| d.fires).sum();
        let total_true: u64 = cur_true.iter().sum();
        let (true_fires, false_fires, false_positive_rate) =
            split(labelled, total_fires, total_true);
        let summary = Summary {
            detectors: detectors.len() as u64,
            matched_events: self.matched_any,
            fires: total_fires,
            true_fires,
            false_fires,
            false_positive_rate,
        };

        // Incidents an alarm covered: a detector matched it and its alarm was in ALARM in one
        // of the periods whose evaluation window holds the incident's period.
        let covered = |specs: &[DetectorSpec],
                       runs: &[Vec<AlarmRun>],
                       pick: fn(&IncidentObs) -> &Vec<bool>,
                       o: &IncidentObs| {
            specs.iter().enumerate().any(|(i, s)| {
                pick(o).get(i) == Some(&true) && {
                    let b = s.alarm.bucket_of(o.time);
                    let n = i64::from(s.alarm.evaluation_periods.max(1));
                    runs[i]
                        .iter()
                        .any(|r| r.start <= b.saturating_add(n - 1) && r.end >= b)
                }
            })
        };
        let mut ids: Vec<&String> = self.incidents.keys().collect();
        ids.sort();
        let incident = |id: &str, o: &IncidentObs, specs: &[DetectorSpec], m: &[bool]| {
            let mut matched_by: Vec<String> = specs
                .iter()
                .zip(m)
                .filter(|(_, &hit)| hit)
                .map(|(s, _)| s.key.clone())
                .collect();
            matched_by.sort();
            Incident {
                event_id: id.to_owned(),
                event_time: format_timestamp(o.time),
                event_name: o.event_name.clone(),
                principal: o.actor.name.clone(),
                identity_type: o.actor.identity_type.clone(),
                matched_by,
            }
        };
        let (mut missed, mut lost, mut gained) = (Vec::new(), Vec::new(), Vec::new());
        for id in ids {
            let o = &self.incidents[id];
            let now = covered(&cfg.detectors, &cur, |o| &o.current, o);
            if !now {
                missed.push(incident(id, o, &cfg.detectors, &o.current));
            }
            if cfg.baseline.is_some() {
                let before = covered(base_specs, &base, |o| &o.baseline, o);
                if before && !now {
                    lost.push(incident(id, o, &cfg.detectors, &o.current));
                } else if now && !before {
                    gained.push(incident(id, o, &cfg.detectors, &o.current));
                }
            }
        }

        let labels = cfg.labels.as_ref().map(|l| LabelSummary {
            malicious: l.count(Label::Malicious) as u64,
            benign: l.count(Label::Benign) as u64,
            malicious_seen: self.incidents.len() as u64,
            benign_seen: self.benign_seen,
            malicious_not_seen: l
                .malicious_ids()
                .into_iter()
                .filter(|id| !self.incidents.contains_key(*id))
                .map(str::to_owned)
                .collect(),
        });

        let what_if = cfg.baseline.as_ref().map(|base_specs| {
            let mut baseline_only: Vec<BaselineOnly> = base_specs
                .iter()
                .enumerate()
                .filter(|(_, b)| !cfg.detectors.iter().any(|d| d.key == b.key))
                .map(|(j, b)| {
                    let fires = base[j].len() as u64;
                    let (t, f, _) = split(labelled, fires, base_true[j]);
                    BaselineOnly {
                        key: b.key.clone(),
                        matched: self.baseline[j].matched,
                        fires,
                        true_fires: t,
                        false_fires: f,
                    }
                })
                .collect();
            baseline_only.sort_by(|a, b| a.key.cmp(&b.key));
            let mut new_detectors: Vec<String> = cfg
                .detectors
                .iter()
                .filter(|d| !base_specs.iter().any(|b| b.key == d.key))
                .map(|d| d.key.clone())
                .collect();
            new_detectors.sort();
            let baseline_fires: u64 = base.iter().map(|r| r.len() as u64).sum();
            let base_false = baseline_fires - base_true.iter().sum::<u64>();
            WhatIf {
                baseline_only,
                new_detectors,
                baseline_fires,
                current_fires: total_fires,
                baseline_matched: self.baseline.iter().map(|d| d.matched).sum(),
                current_matched: self.current.iter().map(|d| d.matched).sum(),
                false_fires_removed: false_fires
                    .map(|cur_false| base_false as i64 - cur_false as i64),
                lost_incidents: labelled.then(|| lost.clone()),
                gained_incidents: labelled.then(|| gained.clone()),
                unused_exclusions: detectors
                    .iter()
                    .flat_map(|d| {
                        d.exclusions
                            .iter()
                            .filter(|e| e.removed == 0)
                            .map(|e| UnusedExclusion {
                                key: d.key.clone(),
                                clause: e.clause.clone(),
                            })
                    })
                    .collect(),
            }
        });

        Report {
            inputs: Inputs {
                files: self.files,
                events: self.events,
                oversize_skipped: self.oversize,
                errors: self.errors,
                error_count: self.error_count,
                no_event_time: self.no_event_time,
                outside_window: self.outside_window,
            },
            window: Window {
                start: start.map(format_timestamp),
                end: end.map(format_timestamp),
            },
            detectors,
            summary,
            labels,
            missed_incidents: labelled.then_some(missed),
            what_if,
        }
    }
}

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

/// (true fires, false fires, false-positive rate), all `None` without labels.
fn split(labelled: bool, fires: u64, true_fires: u64) -> (Option<u64>, Option<u64>, Option<f64>) {
    if !labelled {
        return (None, None, None);
    }
    let false_fires = fires - true_fires;
    let rate = (fires > 0).then(|| false_fires as f64 / fires as f64);
    (Some(true_fires), Some(false_fires), rate)
}

fn simulate(
    specs: &[DetectorSpec],
    states: &[DetState],
    span: Option<(i64, i64)>,
) -> Vec<Vec<AlarmRun>> {
    specs
        .iter()
        .zip(states)
        .map(|(s, d)| match span {
            Some((start, end)) => evaluate(
                &s.alarm,
                &datapoints(&d.counts),
                s.alarm.bucket_of(start),
                s.alarm.bucket_of(end),
            ),
            None => Vec::new(),
        })
        .collect()
}

/// The Sum datapoints of a detector's metric: each matching event publishes 1.
fn datapoints(counts: &BTreeMap<i64, u64>) -> Datapoints {
    // Counts are far below 2^53, so the conversion is exact.
    counts.iter().map(|(&b, &n)| (b, n as f64)).collect()
}

fn by_day(spec: &AlarmSpec, runs: &[AlarmRun]) -> BTreeMap<String, u64> {
    let mut days = BTreeMap::new();
    for r in runs {
        *days
            .entry(format_day(spec.bucket_start(r.start)))
            .or_insert(0) += 1;
    }
    days
}

fn merge_det(mine: &mut DetState, theirs: DetState, bucket_cap: usize) {
    for (b, n) in theirs.counts {
        *mine.counts.entry(b).or_insert(0) += n;
    }
    mine.matched += theirs.matched;
    mine.removed += theirs.removed;
    for (a, b) in mine
        .removed_by_clause
        .iter_mut()
        .zip(theirs.removed_by_clause)
    {
        *a += b;
    }
    let (Some(ma), Some(ta)) = (mine.attr.as_deref_mut(), theirs.attr) else {
        return;
    };
    let ta = *ta;
    let maps = [
        remap(&mut ma.actors, &ta.actors),
        remap(&mut ma.names, &ta.names),
        remap(&mut ma.ips, &ta.ips),
    ];
    let matched = [&ta.actor_matched, &ta.name_matched, &ta.ip_matched];
    for k in 0..3 {
        for (old, &n) in matched[k].iter().enumerate() {
            let id = maps[k][old];
            let (counts, other) = match k {
                0 => (&mut ma.actor_matched, &mut ma.other[0]),
                1 => (&mut ma.name_matched, &mut ma.other[1]),
                _ => (&mut ma.ip_matched, &mut ma.other[2]),
            };
            bump(counts, other, id, n);
        }
        ma.other[k] += ta.other[k];
    }
    for (b, slots) in ta.buckets {
        let mine_slots = ma.buckets.entry(b).or_default();
        for (k, map) in slots.into_iter().enumerate() {
            let target = &mut mine_slots[k];
            for (old, n) in map {
                let mut id = if old == OTHER_ID {
                    OTHER_ID
                } else {
                    maps[k][old as usize]
                };
                if target.len() >= bucket_cap && !target.contains_key(&id) {
                    id = OTHER_ID;
                }
                *target.entry(id).or_insert(0) += n;
            }
        }
    }
}

/// Old id in `theirs` -> id in `mine`.
fn remap<K: Clone + Eq + std::hash::Hash>(
    mine: &mut Interner<K>,
    theirs: &Interner<K>,
) -> Vec<u32> {
    (0..theirs.len() as u32)
        .map(|old| theirs.get(old).map_or(OTHER_ID, |k| mine.id(k)))
        .collect()
}

/// (matched, fires, fire_events) per interned id, plus the overflow slot last.
struct Tally {
    rows: Vec<(Option<u32>, u64, u64, u64)>,
}

fn tally(matched: &[u64], other: u64, k: usize, attr: &Attr, runs: &[AlarmRun]) -> Tally {
    let mut fires: HashMap<u32, (u64, u64)> = HashMap::new();
    for r in runs {
        if let Some(slots) = attr.buckets.get(&r.start) {
            for (&id, &n) in &slots[k] {
                let e = fires.entry(id).or_insert((0, 0));
                e.0 += 1;
                e.1 += n;
            }
        }
    }
    let mut rows: Vec<(Option<u32>, u64, u64, u64)> = matched
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(id, &n)| {
            let (f, fe) = fires.get(&(id as u32)).copied().unwrap_or((0, 0));
            (Some(id as u32), n, f, fe)
        })
        .collect();
    let (of, ofe) = fires.get(&OTHER_ID).copied().unwrap_or((0, 0));
    if other > 0 || of > 0 {
        rows.push((None, other, of, ofe));
    }
    Tally { rows }
}

impl Tally {
    /// Top `n` by matched, then by fires; ties by name. The overflow row always comes last.
    fn top<'a>(
        &self,
        n: usize,
        name: impl Fn(u32) -> &'a str,
        by_fires: bool,
    ) -> Vec<(Option<u32>, u64, u64, u64)> {
        let (mut known, other): (Vec<_>, Vec<_>) =
            self.rows.iter().copied().partition(|r| r.0.is_some());
        if by_fires {
            known.retain(|r| r.2 > 0);
        }
        let key_name = |r: &(Option<u32>, u64, u64, u64)| r.0.map_or("", &name);
        known.sort_by(|a, b| {
            let (ka, kb) = if by_fires {
                ((a.2, a.3, a.1), (b.2, b.3, b.1))
            } else {
                ((a.1, a.2, a.3), (b.1, b.2, b.3))
            };
            kb.cmp(&ka).then_with(|| key_name(a).cmp(key_name(b)))
        });
        known.truncate(n);
        known.extend(other.into_iter().filter(|r| !by_fires || r.2 > 0));
        known
    }
}

fn fill_tops(rep: &mut DetectorReport, attr: &Attr, runs: &[AlarmRun], n: usize) {
    let actor = |id: u32| attr.actors.get(id);
    let t = tally(&attr.actor_matched, attr.other[0], 0, attr, runs);
    let name_of = |id: u32| actor(id).map_or(OTHER, |a| a.name.as_str());
    let principals = |by_fires| {
        t.top(n, name_of, by_fires)
            .into_iter()
            .map(|(id, m, f, fe)| {
                let a = id.and_then(actor);
                TopPrincipal {
                    principal: a.map_or(OTHER.to_owned(), |a| a.name.clone()),
                    identity_type: a.map_or(OTHER.to_owned(), |a| a.identity_type.clone()),
                    matched: m,
                    fires: f,
                    fire_events: fe,
                }
            })
            .collect::<Vec<_>>()
    };
    rep.top_principals = principals(false);
    rep.top_principals_by_fires = principals(true);

    let t = tally(&attr.name_matched, attr.other[1], 1, attr, runs);
    let name_of = |id: u32| attr.names.get(id).map_or(OTHER, String::as_str);
    let names = |by_fires| {
        t.top(n, name_of, by_fires)
            .into_iter()
            .map(|(id, m, f, fe)| TopEventName {
                event_name: id.map_or(OTHER, name_of).to_owned(),
                matched: m,
                fires: f,
                fire_events: fe,
            })
            .collect::<Vec<_>>()
    };
    rep.top_event_names = names(false);
    rep.top_event_names_by_fires = names(true);

    let t = tally(&attr.ip_matched, attr.other[2], 2, attr, runs);
    let ip_of = |id: u32| attr.ips.get(id).map_or(OTHER, String::as_str);
    let ips = |by_fires| {
        t.top(n, ip_of, by_fires)
            .into_iter()
            .map(|(id, m, f, fe)| TopSourceIp {
                source_ip: id.map_or(OTHER, ip_of).to_owned(),
                matched: m,
                fires: f,
                fire_events: fe,
            })
            .collect::<Vec<_>>()
    };
    rep.top_source_ips = ips(false);
    rep.top_source_ips_by_fires = ips(true);
}
