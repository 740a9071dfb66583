//! The tuner's own pass over the trail: every record an enabled detector matched, kept with
//! only what an exclusion can test (`userIdentity`), its time and whether it is labelled
//! malicious. Memory grows with the matched records, not with the trail.

use rayon::prelude::*;
use serde_json::Value;

use crate::detectors::Detector;
use crate::engine::Engine;
use crate::eval::Pattern;
use crate::replay::SetupError;
use crate::trail::labels::{Label, Labels};
use crate::trail::reader::{event_time, read_input, record_event_time, Input, Item, ReadOptions};
use crate::trail::time::TimeWindow;

/// A matched record, reduced to what the search needs.
#[derive(Clone, Debug)]
pub(super) struct Kept {
    /// `eventTime`, seconds since the epoch.
    pub time: i64,
    /// `eventID` (empty when absent).
    pub event_id: String,
    /// `eventName`, for the reasons given in `unmet`.
    pub event_name: String,
    /// Labelled malicious.
    pub malicious: bool,
    /// `{"userIdentity": ...}`: all an exclusion clause reads.
    pub identity: Value,
    /// Indices of the detectors (in setup order) that matched it.
    pub detectors: Vec<usize>,
}

/// What the pass found.
#[derive(Debug, Default)]
pub(super) struct Collected {
    /// Matched records, sorted by (time, eventID).
    pub kept: Vec<Kept>,
    /// First and last in-window eventTime of any record.
    pub min_time: Option<i64>,
    pub max_time: Option<i64>,
}

impl Collected {
    fn merge(mut self, other: Collected) -> Collected {
        self.kept.extend(other.kept);
        self.min_time = match (self.min_time, other.min_time) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max_time = match (self.max_time, other.max_time) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self
    }
}

/// Reads `inputs` once (in parallel) and keeps every record a detector matched.
pub(super) fn collect(
    detectors: &[Detector],
    labels: Option<&Labels>,
    window: &TimeWindow,
    inputs: &[Input],
    opts: &ReadOptions,
) -> Result<Collected, SetupError> {
    let patterns = detectors
        .iter()
        .enumerate()
        .map(|(i, d)| {
            Pattern::parse(&d.pattern)
                .map(|p| (i, p))
                .map_err(|error| SetupError::Pattern {
                    what: "the pattern",
                    key: d.key.clone(),
                    error,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let engine: Engine<usize> = Engine::new(patterns);
    let mut all = inputs
        .par_iter()
        .map(|input| {
            let mut scratch = engine.scratch();
            let mut out = Collected::default();
            read_input(input, opts, &mut |item| {
                let Item::Record { text, .. } = item else {
                    return;
                };
                let Ok(matches) = engine.eval_record_in(&mut scratch, text) else {
                    return;
                };
                // Only a matched record can be a labelled incident a detector catches.
                if matches.is_empty() {
                    if let Some(t) = record_event_time(text).filter(|t| window.contains(*t)) {
                        out.see(t);
                    }
                    return;
                }
                let Ok(record) = serde_json::from_str::<Value>(text) else {
                    return;
                };
                let Some(t) = event_time(&record).filter(|t| window.contains(*t)) else {
                    return;
                };
                out.see(t);
                let event_id = record
                    .get("eventID")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let malicious = labels.is_some_and(|l| l.get(&event_id) == Some(Label::Malicious));
                let mut identity = serde_json::Map::new();
                if let Some(u) = record.get("userIdentity") {
                    identity.insert("userIdentity".to_owned(), u.clone());
                }
                out.kept.push(Kept {
                    time: t,
                    event_name: record
                        .get("eventName")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    event_id,
                    malicious,
                    identity: Value::Object(identity),
                    detectors: matches.iter().collect(),
                });
            });
            out
        })
        .reduce(Collected::default, Collected::merge);
    all.kept.sort_by(|a, b| {
        (a.time, &a.event_id, &a.detectors).cmp(&(b.time, &b.event_id, &b.detectors))
    });
    Ok(all)
}

impl Collected {
    fn see(&mut self, t: i64) {
        self.min_time = Some(self.min_time.map_or(t, |m| m.min(t)));
        self.max_time = Some(self.max_time.map_or(t, |m| m.max(t)));
    }
}
