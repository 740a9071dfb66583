//! The search: simulating each detector's alarm from the records the pass kept, and the greedy
//! choice of exclusions (then thresholds) that removes the most false fires per character.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::collect::Kept;
use crate::alarm::{evaluate, AlarmSpec, ComparisonOperator, Datapoints, PeriodValues, Statistic};
use crate::detectors::exclusions::{apply_clauses, build_clauses, go_quote};
use crate::detectors::{Detector, ExclusionKind, ExclusionLists, MAX_PATTERN_LEN};
use crate::eval::Pattern;

/// The largest burst (matching events in one period) a threshold change may be proposed
/// against: above it, the noise is not "single events or small bursts".
pub const SMALL_BURST: u64 = 5;

/// One detector as the search sees it.
pub(super) struct Det {
    pub key: String,
    pub alarm: AlarmSpec,
    pub no_alarm: bool,
    pub base_pattern: String,
    /// The input's exclusion lists plus the accepted proposals.
    pub lists: ExclusionLists,
    /// Indices into the kept records, in time order.
    pub events: Vec<usize>,
    /// Per entry of `events`: removed by a proposed exclusion.
    pub removed: Vec<bool>,
}

impl Det {
    pub fn new(d: &Detector, index: usize, kept: &[Kept]) -> Det {
        let mut lists = ExclusionLists::default();
        for c in &d.exclusions {
            let mut values = lists.get(c.kind).to_vec();
            values.extend(c.values.iter().cloned());
            lists.set(c.kind, values);
        }
        let events: Vec<usize> = kept
            .iter()
            .enumerate()
            .filter(|(_, k)| k.detectors.contains(&index))
            .map(|(i, _)| i)
            .collect();
        Det {
            key: d.key.clone(),
            alarm: d.alarm.clone(),
            no_alarm: d.no_alarm,
            base_pattern: d.base_pattern.clone(),
            lists,
            removed: vec![false; events.len()],
            events,
        }
    }

    /// The effective pattern's length (characters) with `extra` added to the lists.
    pub fn pattern_len_with(&self, extra: Option<(ExclusionKind, &str)>) -> usize {
        let mut lists = self.lists.clone();
        if let Some((kind, value)) = extra {
            let mut values = lists.get(kind).to_vec();
            values.push(value.to_owned());
            lists.set(kind, values);
        }
        apply_clauses(&self.base_pattern, &build_clauses(&lists))
            .chars()
            .count()
    }
}

/// One simulation of a detector's alarm.
#[derive(Clone, Debug, Default)]
pub(super) struct Sim {
    pub fires: u64,
    pub false_fires: u64,
    /// Kept-record indices of the labelled malicious events the alarm covers.
    pub covered: BTreeSet<usize>,
    /// The false runs' alarm windows (first bucket, last bucket).
    pub false_windows: Vec<(i64, i64)>,
}

/// Simulates `det`'s alarm with `alarm`, leaving out the events `removed` marks, over the
/// buckets of `span`. Without labels every fire is false.
pub(super) fn simulate(
    det: &Det,
    alarm: &AlarmSpec,
    removed: &[bool],
    kept: &[Kept],
    span: Option<(i64, i64)>,
) -> Sim {
    let Some((start, end)) = span.filter(|_| !det.no_alarm) else {
        return Sim::default();
    };
    let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
    let mut malicious: Vec<(i64, usize)> = Vec::new();
    for (pos, &i) in det.events.iter().enumerate() {
        if removed[pos] {
            continue;
        }
        let b = alarm.bucket_of(kept[i].time);
        *counts.entry(b).or_insert(0) += 1;
        if kept[i].malicious {
            malicious.push((b, i));
        }
    }
    let datapoints: Datapoints = counts
        .iter()
        .filter_map(|(&b, &n)| {
            Some((
                b,
                PeriodValues::repeated(1.0, n).statistic(alarm.statistic)?,
            ))
        })
        .collect();
    let runs = evaluate(
        alarm,
        &datapoints,
        alarm.bucket_of(start),
        alarm.bucket_of(end),
    );
    let mut sim = Sim {
        fires: runs.len() as u64,
        ..Sim::default()
    };
    for r in &runs {
        let window = r.window(alarm.evaluation_periods);
        let lo = *window.start();
        let mut any = false;
        for &(b, i) in &malicious {
            if window.contains(&b) {
                sim.covered.insert(i);
                any = true;
            }
        }
        if !any {
            sim.false_fires += 1;
            sim.false_windows.push((lo, r.end));
        }
    }
    sim
}

/// Who is behind an event, as an exclusion can name them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Who {
    /// An assumed role (`role` in `account`).
    Role { role: String, account: String },
    /// An IAM user (its ARN's last path segment, and account).
    User { name: String, account: String },
    /// An AWS service acting on a principal's behalf (`invokedBy`).
    Service(String),
    /// Every AWS service's own calls (`userIdentity.type` AWSService).
    AnyService,
}

/// A proposed exclusion value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Candidate {
    pub kind: ExclusionKind,
    pub value: String,
    pub who: Who,
}

/// A value CloudWatch takes as written: no control character, no surrounding whitespace, no
/// `*` (the caller adds the one trailing `*` of a glob), no empty value.
fn plain(v: &str) -> bool {
    !v.is_empty()
        && v.trim() == v
        && !v.contains('*')
        && !v.chars().any(char::is_control)
        && !v.contains('"')
        && !v.contains('\\')
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str()
}

/// The exclusions that name the principal of a record (`{"userIdentity": ...}`), or why none
/// can (`Err`: "Root", "FederatedUser arn:...").
pub(super) fn candidates_of(identity: &Value) -> Result<Vec<Candidate>, String> {
    let kind = str_at(identity, &["userIdentity", "type"]).unwrap_or("");
    let arn = str_at(identity, &["userIdentity", "arn"]);
    match kind {
        "AssumedRole" => {
            let parsed = arn.and_then(|arn| {
                let rest = arn.strip_prefix("arn:")?;
                let (partition, rest) = rest.split_once(":sts::")?;
                let (account, rest) = rest.split_once(":assumed-role/")?;
                let (role, _session) = rest.split_once('/')?;
                let ok = plain(partition)
                    && account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
                    && plain(role)
                    && !role.contains(' ');
                ok.then(|| (partition.to_owned(), account.to_owned(), role.to_owned()))
            });
            match parsed {
                Some((partition, account, role)) => {
                    let mut out = vec![Candidate {
                        kind: ExclusionKind::UserArnGlobs,
                        value: format!("arn:{partition}:sts::{account}:assumed-role/{role}/*"),
                        who: Who::Role { role, account },
                    }];
                    // A service acting through a (service-linked) role names itself.
                    out.extend(invoked_by(identity));
                    Ok(out)
                }
                None => Err(format!("AssumedRole {}", arn.unwrap_or("without an ARN"))),
            }
        }
        "IAMUser" => {
            let parsed = arn.and_then(|arn| {
                let rest = arn.strip_prefix("arn:")?;
                let (_, rest) = rest.split_once(":iam::")?;
                let (account, path) = rest.split_once(":user/")?;
                let name = path.rsplit('/').next()?;
                (plain(arn) && !name.is_empty() && account.len() == 12)
                    .then(|| (name.to_owned(), account.to_owned()))
            });
            match (parsed, arn) {
                (Some((name, account)), Some(arn)) => Ok(vec![Candidate {
                    kind: ExclusionKind::UserArns,
                    value: arn.to_owned(),
                    who: Who::User { name, account },
                }]),
                _ => Err(format!("IAMUser {}", arn.unwrap_or("without an ARN"))),
            }
        }
        "AWSService" => {
            let mut out = vec![Candidate {
                kind: ExclusionKind::UserTypes,
                value: "AWSService".to_owned(),
                who: Who::AnyService,
            }];
            out.extend(invoked_by(identity));
            Ok(out)
        }
        "" => Err("a record without userIdentity.type".to_owned()),
        other => Err(match arn {
            Some(arn) => format!("{other} {arn}"),
            None => other.to_owned(),
        }),
    }
}

/// `excludeInvokedBy` for a record an AWS service made (`invokedBy` a service's host name).
fn invoked_by(identity: &Value) -> Option<Candidate> {
    let by = str_at(identity, &["userIdentity", "invokedBy"])
        .filter(|v| plain(v) && v.ends_with(".amazonaws.com") && !v.contains(' '))?;
    Some(Candidate {
        kind: ExclusionKind::InvokedBy,
        value: by.to_owned(),
        who: Who::Service(by.to_owned()),
    })
}

impl Candidate {
    /// The clause for this value alone, as a pattern: it holds on a record the value keeps.
    fn pattern(&self) -> Option<Pattern> {
        let field = self.kind.field();
        let text = format!(
            "{{ (($.{field} NOT EXISTS) || ($.{field} != {})) }}",
            go_quote(&self.value)
        );
        Pattern::parse(&text).ok()
    }

    /// What the detector no longer sees, in one line.
    pub fn blinds(&self, det: &str) -> String {
        match &self.who {
            Who::Role { role, account } => format!(
                "{det} no longer pages on anything role {role} does in account {account}, including when {role} itself is compromised"
            ),
            Who::User { name, account } => format!(
                "{det} no longer pages on anything IAM user {name} does in account {account}, including when its access keys are stolen"
            ),
            Who::Service(by) => format!(
                "{det} no longer pages on calls {by} makes on a principal's behalf"
            ),
            Who::AnyService => format!(
                "{det} no longer pages on any AWS service's own calls (userIdentity.type AWSService), whichever service makes them"
            ),
        }
    }

    pub fn describe(&self) -> String {
        match &self.who {
            Who::Role { role, .. } => format!("role {role}"),
            Who::User { name, .. } => format!("IAM user {name}"),
            Who::Service(by) => by.clone(),
            Who::AnyService => "AWS services".to_owned(),
        }
    }
}

/// A proposal the search accepted, in order.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Accepted {
    pub det: usize,
    pub change: Change,
    pub fires_removed: i64,
    pub events_removed: u64,
    pub blinds: String,
}

/// What an accepted proposal changes.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Change {
    Exclude(Candidate),
    Threshold(f64),
}

/// The search's state over all detectors.
pub(super) struct Search<'a> {
    pub kept: &'a [Kept],
    pub dets: Vec<Det>,
    pub sims: Vec<Sim>,
    pub span: Option<(i64, i64)>,
    /// Per (detector, kind, value): positions in the detector's events the value removes.
    removals: BTreeMap<(usize, ExclusionKind, String), Vec<usize>>,
    pub accepted: Vec<Accepted>,
}

/// The best move for one detector, and why other moves were not made.
struct Scan {
    best: Option<(Move, Sim)>,
    reasons: BTreeSet<String>,
}

#[derive(Clone, Debug)]
struct Move {
    change: Change,
    /// Positions newly removed (exclusions).
    removes: Vec<usize>,
    cost: usize,
}

impl<'a> Search<'a> {
    pub fn new(kept: &'a [Kept], dets: Vec<Det>, span: Option<(i64, i64)>) -> Self {
        let sims = dets
            .iter()
            .map(|d| simulate(d, &d.alarm, &d.removed, kept, span))
            .collect();
        Search {
            kept,
            dets,
            sims,
            span,
            removals: BTreeMap::new(),
            accepted: Vec::new(),
        }
    }

    pub fn false_fires(&self) -> u64 {
        self.sims.iter().map(|s| s.false_fires).sum()
    }

    /// The records of `det` (positions) inside its false runs' alarm windows.
    fn noisy_positions(&self, det: usize) -> Vec<usize> {
        let d = &self.dets[det];
        let windows = &self.sims[det].false_windows;
        d.events
            .iter()
            .enumerate()
            .filter(|&(pos, &i)| {
                !d.removed[pos] && {
                    let b = d.alarm.bucket_of(self.kept[i].time);
                    windows.iter().any(|&(lo, hi)| (lo..=hi).contains(&b))
                }
            })
            .map(|(pos, _)| pos)
            .collect()
    }

    fn removal(&mut self, det: usize, c: &Candidate) -> Vec<usize> {
        let key = (det, c.kind, c.value.clone());
        if let Some(r) = self.removals.get(&key) {
            return r.clone();
        }
        let d = &self.dets[det];
        let r: Vec<usize> = match c.pattern() {
            Some(p) => d
                .events
                .iter()
                .enumerate()
                .filter(|(_, &i)| !p.matches_json(&self.kept[i].identity))
                .map(|(pos, _)| pos)
                .collect(),
            None => Vec::new(),
        };
        self.removals.insert(key, r.clone());
        r
    }

    /// The best exclusion for `det`: most false fires removed per character added.
    fn scan_exclusions(&mut self, det: usize) -> Scan {
        let mut scan = Scan {
            best: None,
            reasons: BTreeSet::new(),
        };
        if self.sims[det].false_fires == 0 {
            return scan;
        }
        let mut cands: BTreeSet<Candidate> = BTreeSet::new();
        for pos in self.noisy_positions(det) {
            let k = &self.kept[self.dets[det].events[pos]];
            match candidates_of(&k.identity) {
                Ok(cs) => cands.extend(cs),
                Err(who) => {
                    scan.reasons.insert(format!(
                        "false fires come from {who}, which no exclusion names safely"
                    ));
                }
            }
        }
        let cur_len = self.dets[det].pattern_len_with(None);
        let key = self.dets[det].key.clone();
        for c in cands {
            let d = &self.dets[det];
            if d.lists.get(c.kind).contains(&c.value) {
                continue;
            }
            let all = self.removal(det, &c);
            let d = &self.dets[det];
            let removes: Vec<usize> = all.into_iter().filter(|&p| !d.removed[p]).collect();
            if removes.is_empty() {
                continue;
            }
            // Every labelled malicious event the detector matched must keep matching.
            let incident = d
                .events
                .iter()
                .enumerate()
                .filter(|(pos, _)| !d.removed[*pos])
                .map(|(_, &i)| &self.kept[i])
                .find(|k| k.malicious && !c.pattern().is_some_and(|p| p.matches_json(&k.identity)));
            if let Some(k) = incident {
                scan.reasons.insert(format!(
                    "{} is behind false fires but is the actor of labelled incident {} ({}): not excluded",
                    c.describe(),
                    k.event_id,
                    k.event_name
                ));
                continue;
            }
            if c.kind == ExclusionKind::UserTypes
                && d.events.iter().any(|&i| {
                    self.kept[i].malicious
                        && str_at(&self.kept[i].identity, &["userIdentity", "type"])
                            == Some(c.value.as_str())
                })
            {
                continue;
            }
            let new_len = d.pattern_len_with(Some((c.kind, &c.value)));
            if new_len > MAX_PATTERN_LEN {
                scan.reasons.insert(format!(
                    "excluding {} would make {key}'s pattern {new_len} characters, over CloudWatch's limit of {MAX_PATTERN_LEN}",
                    c.describe()
                ));
                continue;
            }
            let mut removed = d.removed.clone();
            for &p in &removes {
                removed[p] = true;
            }
            let sim = simulate(d, &d.alarm, &removed, self.kept, self.span);
            let cur = &self.sims[det];
            if sim.false_fires >= cur.false_fires || !sim.covered.is_superset(&cur.covered) {
                continue;
            }
            let mv = Move {
                change: Change::Exclude(c),
                removes,
                cost: new_len.saturating_sub(cur_len).max(1),
            };
            if better(&mv, &sim, scan.best.as_ref(), cur.false_fires) {
                scan.best = Some((mv, sim));
            }
        }
        scan
    }

    /// The best threshold for `det`, if its false fires are single events or small bursts and
    /// every labelled incident it catches still reaches the threshold in its period.
    fn scan_threshold(&mut self, det: usize) -> Scan {
        let mut scan = Scan {
            best: None,
            reasons: BTreeSet::new(),
        };
        let d = &self.dets[det];
        let cur = &self.sims[det];
        if cur.false_fires == 0
            || d.no_alarm
            || d.alarm.statistic != Statistic::Sum
            || d.alarm.comparison_operator != ComparisonOperator::GreaterThanOrEqualToThreshold
        {
            return scan;
        }
        let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
        for (pos, &i) in d.events.iter().enumerate() {
            if !d.removed[pos] {
                *counts
                    .entry(d.alarm.bucket_of(self.kept[i].time))
                    .or_insert(0) += 1;
            }
        }
        let burst = cur
            .false_windows
            .iter()
            .flat_map(|&(lo, hi)| counts.range(lo..=hi).map(|(_, &n)| n))
            .max()
            .unwrap_or(0);
        if burst > SMALL_BURST {
            scan.reasons.insert(format!(
                "false fires include bursts of {burst} events in one period: no threshold is proposed above bursts of {SMALL_BURST}"
            ));
        }
        // What an attack looks like to this detector is known only from its labelled
        // incidents: without one it catches, no threshold is raised.
        let caught =
            d.events.iter().enumerate().any(|(pos, &i)| {
                !d.removed[pos] && self.kept[i].malicious && cur.covered.contains(&i)
            });
        if !caught {
            scan.reasons.insert(
                "no labelled incident it catches shows that a higher threshold would still catch an attack"
                    .to_owned(),
            );
            return scan;
        }
        let from = d.alarm.threshold.floor() as u64 + 1;
        let to = burst.min(SMALL_BURST) + 1;
        for t in from..=to {
            let t = t as f64;
            let short = d
                .events
                .iter()
                .enumerate()
                .filter(|(pos, &i)| !d.removed[*pos] && self.kept[i].malicious)
                .map(|(_, &i)| {
                    (
                        i,
                        counts
                            .get(&d.alarm.bucket_of(self.kept[i].time))
                            .copied()
                            .unwrap_or(0),
                    )
                })
                .find(|&(_, n)| (n as f64) < t);
            if let Some((i, n)) = short {
                let k = &self.kept[i];
                scan.reasons.insert(format!(
                    "a threshold of {t} would miss labelled incident {} ({}: {n} event(s) in its period)",
                    k.event_id, k.event_name
                ));
                break;
            }
            let mut alarm = d.alarm.clone();
            alarm.threshold = t;
            let sim = simulate(d, &alarm, &d.removed, self.kept, self.span);
            if sim.false_fires >= cur.false_fires || !sim.covered.is_superset(&cur.covered) {
                continue;
            }
            let mv = Move {
                change: Change::Threshold(t),
                removes: Vec::new(),
                cost: 1,
            };
            // Most false fires removed; the lowest threshold among equals.
            let wins = scan
                .best
                .as_ref()
                .is_none_or(|(_, b)| sim.false_fires < b.false_fires);
            if wins {
                scan.best = Some((mv, sim));
            }
        }
        scan
    }

    fn apply(&mut self, det: usize, mv: Move, sim: Sim) {
        let d = &mut self.dets[det];
        let before = &self.sims[det];
        let fires_removed = before.fires as i64 - sim.fires as i64;
        let blinds = match &mv.change {
            Change::Exclude(c) => {
                let mut values = d.lists.get(c.kind).to_vec();
                values.push(c.value.clone());
                d.lists.set(c.kind, values);
                for &p in &mv.removes {
                    d.removed[p] = true;
                }
                c.blinds(&d.key)
            }
            Change::Threshold(t) => {
                let old = d.alarm.threshold;
                d.alarm.threshold = *t;
                format!(
                    "{} no longer pages on fewer than {} matching events in {} seconds (was {})",
                    d.key,
                    number(*t),
                    d.alarm.period,
                    number(old)
                )
            }
        };
        self.accepted.push(Accepted {
            det,
            change: mv.change,
            fires_removed,
            events_removed: mv.removes.len() as u64,
            blinds,
        });
        self.sims[det] = sim;
    }

    /// Runs the greedy search until the false fires are at most `allowed` or no safe move is
    /// left: exclusions first (most false fires removed per character), then thresholds.
    pub fn run(&mut self, allowed: f64) {
        for phase in [Phase::Exclusions, Phase::Thresholds] {
            while (self.false_fires() as f64) > allowed {
                let mut best: Option<(usize, Move, Sim)> = None;
                for det in 0..self.dets.len() {
                    let scan = match phase {
                        Phase::Exclusions => self.scan_exclusions(det),
                        Phase::Thresholds => self.scan_threshold(det),
                    };
                    let Some((mv, sim)) = scan.best else { continue };
                    let cur = self.sims[det].false_fires;
                    let wins = match &best {
                        None => true,
                        Some((bd, bm, bs)) => {
                            let (g, bg) = (
                                cur - sim.false_fires,
                                self.sims[*bd].false_fires - bs.false_fires,
                            );
                            match phase {
                                // g/cost > bg/bcost, compared without division.
                                Phase::Exclusions => {
                                    (g as u128 * bm.cost as u128) > (bg as u128 * mv.cost as u128)
                                }
                                Phase::Thresholds => g > bg,
                            }
                        }
                    };
                    if wins {
                        best = Some((det, mv, sim));
                    }
                }
                match best {
                    Some((det, mv, sim)) => self.apply(det, mv, sim),
                    None => break,
                }
            }
        }
    }

    /// Per detector with false fires no safe move removes: its false fires and why.
    pub fn unmet(&mut self) -> Vec<(usize, u64, String)> {
        let mut out = Vec::new();
        for det in 0..self.dets.len() {
            let false_fires = self.sims[det].false_fires;
            if false_fires == 0 {
                continue;
            }
            let ex = self.scan_exclusions(det);
            let th = self.scan_threshold(det);
            if ex.best.is_some() || th.best.is_some() {
                continue;
            }
            let mut reasons: Vec<String> = ex.reasons.into_iter().chain(th.reasons).collect();
            reasons.dedup();
            if reasons.is_empty() {
                reasons.push("no safe exclusion or threshold removes its false fires".to_owned());
            }
            out.push((det, false_fires, reasons.join("; ")));
        }
        out
    }
}

#[derive(Clone, Copy)]
enum Phase {
    Exclusions,
    Thresholds,
}

/// Whether `mv` (leaving `sim`) beats `best` within one detector: more false fires removed per
/// character, then more removed, then the first candidate in order (kind, value).
fn better(mv: &Move, sim: &Sim, best: Option<&(Move, Sim)>, cur: u64) -> bool {
    let Some((bm, bs)) = best else { return true };
    let (g, bg) = (
        (cur - sim.false_fires) as u128,
        (cur - bs.false_fires) as u128,
    );
    let (a, b) = (g * bm.cost as u128, bg * mv.cost as u128);
    a > b || (a == b && g > bg)
}

/// A threshold as the config writes it: `3`, or `2.5`.
pub(super) fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}
