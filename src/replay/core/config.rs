//! What the replay core is told: the detectors, the window, the caps, and why such a setup
//! can be refused.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::alarm::{AlarmError, AlarmSpec};
use crate::trail::labels::Labels;
use crate::trail::time::TimeWindow;

/// Distinct principals / eventNames / source IPs tracked per detector by default.
pub const DEFAULT_KEY_CAP: usize = 10_000;
/// Distinct values tracked per detector per period (for attribution by fires).
pub const DEFAULT_BUCKET_KEY_CAP: usize = 256;
/// Exclusion clauses per detector the `excluded_by` bitmask can describe.
pub const MAX_EXCLUSIONS: usize = 64;

/// What the core needs to know of a detector.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectorSpec {
    /// The detector's key.
    pub key: String,
    /// Its alarm.
    pub alarm: AlarmSpec,
    /// Ids of the exclusion clauses, in the order of the bits of [`Verdicts::excluded_by`](super::Verdicts::excluded_by).
    pub exclusions: Vec<String>,
    /// No alarm watches the detector's metric: its matches are counted and attributed (by
    /// `alarm.period`), no alarm is simulated, and the report's `alarm` is null.
    pub no_alarm: bool,
}

/// Replay settings.
#[derive(Clone, Debug)]
pub struct ReplayConfig {
    /// The enabled detectors (any order; the report sorts them by key).
    pub detectors: Vec<DetectorSpec>,
    /// The baseline detector set for the what-if diff.
    pub baseline: Option<Vec<DetectorSpec>>,
    /// Ground truth (`--labels`), for true and false fires.
    pub labels: Option<Labels>,
    /// `--since`/`--until`, both ends inclusive.
    pub window: TimeWindow,
    /// Entries in each top list.
    pub top_n: usize,
    /// Distinct principals / eventNames / source IPs tracked per detector.
    pub key_cap: usize,
    /// Distinct values tracked per detector per period.
    pub bucket_key_cap: usize,
    /// Per current detector, in order: how its metric filter publishes when not 1 per match
    /// (`None`, or a shorter list: 1 per match, no defaultValue, no dimensions).
    pub metrics: Vec<Option<MetricSpec>>,
}

/// A metric filter that does not publish 1 per match: its values are recorded per series and
/// period ([`crate::alarm::MetricSeries`]; the caller reads them from each record and passes
/// them to [`super::Accumulator::publish`]), and the alarm is simulated on them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricSpec {
    /// `metricValue` as written (`1`, a number, `$.field`, `$name`).
    pub value: String,
    /// The transformation's dimensions: name -> `$.field` / `$name`.
    pub dimensions: std::collections::BTreeMap<String, String>,
    /// Published by each ingested event that does not match (docs/alarms.md, defaultValue).
    pub default_value: Option<f64>,
    /// The one series the alarm sees: its Dimensions (empty for a metric without dimensions).
    pub alarm_dimensions: crate::alarm::Dimensions,
}

impl ReplayConfig {
    /// A config for `detectors` with the default caps, no baseline, no labels, no window.
    pub fn new(detectors: Vec<DetectorSpec>) -> Self {
        ReplayConfig {
            detectors,
            baseline: None,
            labels: None,
            window: TimeWindow::default(),
            top_n: 10,
            key_cap: DEFAULT_KEY_CAP,
            bucket_key_cap: DEFAULT_BUCKET_KEY_CAP,
            metrics: Vec::new(),
        }
    }

    /// Rejects alarms CloudWatch would reject, duplicate keys and too many clauses.
    pub fn validate(&self) -> Result<(), SetupError> {
        let sets = std::iter::once((false, &self.detectors))
            .chain(self.baseline.iter().map(|b| (true, b)));
        for (baseline, set) in sets {
            let mut seen = BTreeSet::new();
            for d in set {
                let key = || d.key.clone();
                if !seen.insert(d.key.as_str()) {
                    return Err(SetupError::ListedTwice {
                        baseline,
                        key: key(),
                    });
                }
                d.alarm.validate().map_err(|error| SetupError::Alarm {
                    baseline,
                    key: key(),
                    error,
                })?;
                if d.exclusions.len() > MAX_EXCLUSIONS {
                    return Err(SetupError::TooManyClauses {
                        baseline,
                        key: key(),
                        clauses: d.exclusions.len(),
                    });
                }
            }
        }
        if let (Some(s), Some(u)) = (self.window.since, self.window.until) {
            if s > u {
                return Err(SetupError::SinceAfterUntil);
            }
        }
        Ok(())
    }

    /// Whether an event at `secs` is inside `--since`/`--until` ([`TimeWindow::contains`]).
    pub fn contains(&self, secs: i64) -> bool {
        self.window.contains(secs)
    }
}

/// Why a replay cannot be set up.
#[derive(Clone, Debug, PartialEq)]
pub enum SetupError {
    /// A detector key appears twice in one set (`baseline`: in the baseline set).
    ListedTwice {
        /// Whether the baseline set is at fault.
        baseline: bool,
        /// The detector's key.
        key: String,
    },
    /// An alarm CloudWatch would reject.
    Alarm {
        /// Whether the baseline set is at fault.
        baseline: bool,
        /// The detector's key.
        key: String,
        /// What is wrong with the alarm.
        error: AlarmError,
    },
    /// More exclusion clauses than [`MAX_EXCLUSIONS`].
    TooManyClauses {
        /// Whether the baseline set is at fault.
        baseline: bool,
        /// The detector's key.
        key: String,
        /// Its clause count.
        clauses: usize,
    },
    /// `--since` is after `--until`.
    SinceAfterUntil,
    /// A detector whose metric filter the replay's counts cannot simulate (the message names
    /// it and why).
    UncountedMetric(String),
    /// A detector's pattern (`what`: "the pattern", "an exclusion clause", ...) does not parse.
    Pattern {
        /// Which of the detector's patterns.
        what: &'static str,
        /// The detector's key.
        key: String,
        /// The parse error.
        error: crate::ParseError,
    },
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |baseline: bool| if baseline { "baseline " } else { "" };
        match self {
            SetupError::ListedTwice { baseline, key } => {
                write!(f, "{}detector {key} is listed twice", set(*baseline))
            }
            SetupError::Alarm {
                baseline,
                key,
                error,
            } => write!(f, "{}detector {key}: {error}", set(*baseline)),
            SetupError::TooManyClauses {
                baseline,
                key,
                clauses,
            } => write!(
                f,
                "{}detector {key}: {clauses} exclusion clauses (at most {MAX_EXCLUSIONS})",
                set(*baseline)
            ),
            SetupError::SinceAfterUntil => f.write_str("--since is after --until"),
            SetupError::UncountedMetric(message) => f.write_str(message),
            SetupError::Pattern { what, key, error } => {
                write!(f, "{what} of detector {key} is invalid: {error}")
            }
        }
    }
}

impl std::error::Error for SetupError {}
