//! [`Accumulator::finish`]: simulating every alarm over the window and building the report,
//! one named step per part of it.

use std::collections::{BTreeMap, BTreeSet};

use super::{keep_first_errors, Accumulator, DetState, DetectorSpec, IncidentObs, ReplayConfig};
use crate::alarm::{evaluate, AlarmRun, AlarmSpec, Datapoints, PeriodValues};
use crate::replay::report::{
    BaselineOnly, BaselineReport, DetectorReport, ExclusionReport, Incident, Inputs, LabelSummary,
    Report, Summary, UnusedExclusion, WhatIf, Window, MAX_FIRE_TIMES,
};
use crate::trail::labels::Label;
use crate::trail::time::{format_day, format_event_time as format_timestamp};

/// True and false fires and their rate; all `None` without labels.
#[derive(Clone, Copy, Debug, PartialEq)]
struct FireTruth {
    true_fires: Option<u64>,
    false_fires: Option<u64>,
    false_positive_rate: Option<f64>,
}

impl FireTruth {
    fn new(labelled: bool, fires: u64, true_fires: u64) -> Self {
        if !labelled {
            return FireTruth {
                true_fires: None,
                false_fires: None,
                false_positive_rate: None,
            };
        }
        let false_fires = fires - true_fires;
        FireTruth {
            true_fires: Some(true_fires),
            false_fires: Some(false_fires),
            false_positive_rate: (fires > 0).then(|| false_fires as f64 / fires as f64),
        }
    }
}

/// Every alarm simulated over the window, and how many of each alarm's fires were true.
struct Simulation<'a> {
    labelled: bool,
    /// The window: `--since`/`--until`, else the first and last in-window eventTime.
    start: Option<i64>,
    end: Option<i64>,
    baseline_specs: &'a [DetectorSpec],
    /// Runs of ALARM per current / baseline detector.
    current: Vec<Vec<AlarmRun>>,
    baseline: Vec<Vec<AlarmRun>>,
    /// True fires per current / baseline detector.
    current_true: Vec<u64>,
    baseline_true: Vec<u64>,
}

/// Labelled malicious events by what the alarms did with them.
struct IncidentLists {
    /// No current alarm covered it.
    missed: Vec<Incident>,
    /// A baseline alarm covered it, no current one does.
    lost: Vec<Incident>,
    /// Only a current alarm covers it.
    gained: Vec<Incident>,
}

impl Accumulator {
    /// Simulates every alarm and builds the report.
    pub fn finish(mut self, cfg: &ReplayConfig) -> Report {
        keep_first_errors(&mut self.errors);
        let sim = self.simulate(cfg);
        let detectors = self.detector_reports(cfg, &sim);
        let summary = summary(&detectors, &sim, self.matched_any);
        let incidents = self.incident_lists(cfg, &sim);
        let labels = self.label_summary(cfg);
        let what_if = self.what_if(cfg, &sim, &detectors, &summary, &incidents);
        Report {
            window: Window {
                start: sim.start.map(format_timestamp),
                end: sim.end.map(format_timestamp),
            },
            detectors,
            summary,
            labels,
            missed_incidents: sim.labelled.then_some(incidents.missed),
            what_if,
            inputs: self.inputs(),
            calibration: None,
        }
    }

    /// Step 1: the alarms' runs over the window, and which fires were true.
    fn simulate<'a>(&self, cfg: &'a ReplayConfig) -> Simulation<'a> {
        let start = cfg.window.since.or(self.min_time);
        let end = cfg.window.until.or(self.max_time);
        let span = start.zip(end).filter(|(s, e)| s <= e);
        let baseline_specs = cfg.baseline.as_deref().unwrap_or(&[]);
        let current = simulate_alarms(&cfg.detectors, &self.current, span);
        let baseline = simulate_alarms(baseline_specs, &self.baseline, span);
        let current_true = self.true_fires(&cfg.detectors, &current, |o| &o.current);
        let baseline_true = self.true_fires(baseline_specs, &baseline, |o| &o.baseline);
        Simulation {
            labelled: cfg.labels.is_some(),
            start,
            end,
            baseline_specs,
            current,
            baseline,
            current_true,
            baseline_true,
        }
    }

    /// Per detector, the fires whose alarm window (the N periods that decided the fire, and
    /// the rest of the run) holds a labelled malicious event the detector matched.
    fn true_fires(
        &self,
        specs: &[DetectorSpec],
        runs: &[Vec<AlarmRun>],
        matched: fn(&IncidentObs) -> &Vec<bool>,
    ) -> Vec<u64> {
        specs
            .iter()
            .zip(runs)
            .enumerate()
            .map(|(i, (s, runs))| {
                let malicious: BTreeSet<i64> = self
                    .incidents
                    .values()
                    .filter(|o| matched(o).get(i) == Some(&true))
                    .map(|o| s.alarm.bucket_of(o.time))
                    .collect();
                runs.iter()
                    .filter(|r| {
                        malicious
                            .range(r.window(s.alarm.evaluation_periods))
                            .next()
                            .is_some()
                    })
                    .count() as u64
            })
            .collect()
    }

    /// Step 2: one report per current detector, sorted by key.
    fn detector_reports(&self, cfg: &ReplayConfig, sim: &Simulation) -> Vec<DetectorReport> {
        let mut detectors: Vec<DetectorReport> = cfg
            .detectors
            .iter()
            .enumerate()
            .map(|(i, spec)| self.detector_report(cfg, sim, i, spec))
            .collect();
        detectors.sort_by(|a, b| a.key.cmp(&b.key));
        detectors
    }

    fn detector_report(
        &self,
        cfg: &ReplayConfig,
        sim: &Simulation,
        i: usize,
        spec: &DetectorSpec,
    ) -> DetectorReport {
        let det = &self.current[i];
        let runs = &sim.current[i];
        let fires = runs.len() as u64;
        let truth = FireTruth::new(sim.labelled, fires, sim.current_true[i]);
        let mut rep = DetectorReport {
            key: spec.key.clone(),
            alarm: (!spec.no_alarm).then(|| spec.alarm.clone()),
            matched: det.matched,
            fires,
            fires_by_day: fires_by_day(&spec.alarm, runs),
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
            true_fires: truth.true_fires,
            false_fires: truth.false_fires,
            false_positive_rate: truth.false_positive_rate,
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
            approximate: Vec::new(),
        };
        if let Some(attr) = det.attr.as_deref() {
            attr.fill_tops(&mut rep, runs, cfg.top_n);
        }
        if cfg.baseline.is_some() {
            rep.baseline = Some(self.baseline_report(sim, &spec.key));
        }
        rep
    }

    /// The baseline's figures for the detector `key` (disabled there: all zero).
    fn baseline_report(&self, sim: &Simulation, key: &str) -> BaselineReport {
        match sim.baseline_specs.iter().position(|b| b.key == key) {
            Some(j) => {
                let fires = sim.baseline[j].len() as u64;
                let truth = FireTruth::new(sim.labelled, fires, sim.baseline_true[j]);
                BaselineReport {
                    enabled: true,
                    matched: self.baseline[j].matched,
                    fires,
                    fires_by_day: fires_by_day(&sim.baseline_specs[j].alarm, &sim.baseline[j]),
                    true_fires: truth.true_fires,
                    false_fires: truth.false_fires,
                    false_positive_rate: truth.false_positive_rate,
                }
            }
            None => BaselineReport {
                enabled: false,
                true_fires: sim.labelled.then_some(0),
                false_fires: sim.labelled.then_some(0),
                ..BaselineReport::default()
            },
        }
    }

    /// Step 3: the labelled malicious events the alarms missed, lost and gained, each list in
    /// time order (eventID within a second), so the steps of one attack read together.
    fn incident_lists(&self, cfg: &ReplayConfig, sim: &Simulation) -> IncidentLists {
        let mut ids: Vec<&String> = self.incidents.keys().collect();
        ids.sort_by_key(|id| (self.incidents[*id].time, *id));
        let mut lists = IncidentLists {
            missed: Vec::new(),
            lost: Vec::new(),
            gained: Vec::new(),
        };
        for id in ids {
            let o = &self.incidents[id];
            let now = covered(&cfg.detectors, &sim.current, &o.current, o.time);
            let incident = || incident(id, o, &cfg.detectors);
            if !now {
                lists.missed.push(incident());
            }
            if cfg.baseline.is_some() {
                let before = covered(sim.baseline_specs, &sim.baseline, &o.baseline, o.time);
                if before && !now {
                    lists.lost.push(incident());
                } else if now && !before {
                    lists.gained.push(incident());
                }
            }
        }
        lists
    }

    /// Step 4: how many labels there were and which were seen.
    fn label_summary(&self, cfg: &ReplayConfig) -> Option<LabelSummary> {
        cfg.labels.as_ref().map(|l| LabelSummary {
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
        })
    }

    /// Step 5: the what-if diff against the baseline (`None` without one).
    fn what_if(
        &self,
        cfg: &ReplayConfig,
        sim: &Simulation,
        detectors: &[DetectorReport],
        summary: &Summary,
        incidents: &IncidentLists,
    ) -> Option<WhatIf> {
        let base_specs = cfg.baseline.as_ref()?;
        let mut baseline_only: Vec<BaselineOnly> = base_specs
            .iter()
            .enumerate()
            .filter(|(_, b)| !cfg.detectors.iter().any(|d| d.key == b.key))
            .map(|(j, b)| {
                let fires = sim.baseline[j].len() as u64;
                let truth = FireTruth::new(sim.labelled, fires, sim.baseline_true[j]);
                BaselineOnly {
                    key: b.key.clone(),
                    matched: self.baseline[j].matched,
                    fires,
                    true_fires: truth.true_fires,
                    false_fires: truth.false_fires,
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
        let baseline_fires: u64 = sim.baseline.iter().map(|r| r.len() as u64).sum();
        let base_false = baseline_fires - sim.baseline_true.iter().sum::<u64>();
        Some(WhatIf {
            baseline_only,
            new_detectors,
            baseline_fires,
            current_fires: summary.fires,
            baseline_matched: self.baseline.iter().map(|d| d.matched).sum(),
            current_matched: self.current.iter().map(|d| d.matched).sum(),
            false_fires_removed: summary
                .false_fires
                .map(|cur_false| base_false as i64 - cur_false as i64),
            lost_incidents: sim.labelled.then(|| incidents.lost.clone()),
            gained_incidents: sim.labelled.then(|| incidents.gained.clone()),
            unused_exclusions: unused_exclusions(detectors),
        })
    }

    /// Step 6: what was read.
    fn inputs(self) -> Inputs {
        Inputs {
            files: self.files,
            events: self.events,
            oversize_skipped: self.oversize,
            errors: self.errors,
            error_count: self.error_count,
            no_event_time: self.no_event_time,
            outside_window: self.outside_window,
        }
    }
}

/// The totals over all detectors.
fn summary(detectors: &[DetectorReport], sim: &Simulation, matched_events: u64) -> Summary {
    let fires: u64 = detectors.iter().map(|d| d.fires).sum();
    let truth = FireTruth::new(sim.labelled, fires, sim.current_true.iter().sum());
    Summary {
        detectors: detectors.len() as u64,
        matched_events,
        fires,
        true_fires: truth.true_fires,
        false_fires: truth.false_fires,
        false_positive_rate: truth.false_positive_rate,
    }
}

/// Exclusion clauses of the current config that removed no event.
fn unused_exclusions(detectors: &[DetectorReport]) -> Vec<UnusedExclusion> {
    detectors
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
        .collect()
}

/// Whether an alarm covered an incident at `time`: a detector matched it (`matched`) and its
/// alarm was in ALARM in one of the periods whose evaluation window holds the incident's period.
fn covered(specs: &[DetectorSpec], runs: &[Vec<AlarmRun>], matched: &[bool], time: i64) -> bool {
    specs.iter().enumerate().any(|(i, s)| {
        matched.get(i) == Some(&true) && {
            let b = s.alarm.bucket_of(time);
            runs[i]
                .iter()
                .any(|r| r.window(s.alarm.evaluation_periods).contains(&b))
        }
    })
}

/// An incident as the report lists it, with the current detectors that matched it.
fn incident(id: &str, o: &IncidentObs, specs: &[DetectorSpec]) -> Incident {
    let mut matched_by: Vec<String> = specs
        .iter()
        .zip(&o.current)
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
}

fn simulate_alarms(
    specs: &[DetectorSpec],
    states: &[DetState],
    span: Option<(i64, i64)>,
) -> Vec<Vec<AlarmRun>> {
    specs
        .iter()
        .zip(states)
        .map(|(s, d)| match span {
            _ if s.no_alarm => Vec::new(),
            Some((start, end)) => evaluate(
                &s.alarm,
                &match &d.metric {
                    Some(m) => m
                        .series
                        .datapoints(s.alarm.statistic, &m.spec.alarm_dimensions),
                    None => datapoints(&s.alarm, &d.counts),
                },
                s.alarm.bucket_of(start),
                s.alarm.bucket_of(end),
            ),
            None => Vec::new(),
        })
        .collect()
}

/// The datapoints of a detector's metric under its alarm's statistic: each matching event
/// publishes 1 (no defaultValue, no dimensions), so a period of `n` matches holds `n` ones.
fn datapoints(alarm: &AlarmSpec, counts: &BTreeMap<i64, u64>) -> Datapoints {
    counts
        .iter()
        .filter_map(|(&b, &n)| {
            Some((
                b,
                PeriodValues::repeated(1.0, n).statistic(alarm.statistic)?,
            ))
        })
        .collect()
}

/// Fires by the UTC day of the period that made the transition.
fn fires_by_day(spec: &AlarmSpec, runs: &[AlarmRun]) -> BTreeMap<String, u64> {
    let mut days = BTreeMap::new();
    for r in runs {
        *days
            .entry(format_day(spec.bucket_start(r.start)))
            .or_insert(0) += 1;
    }
    days
}
