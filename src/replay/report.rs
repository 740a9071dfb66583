//! The replay report's data model: plain serde structs, the JSON contract (docs/replay.md).
//! The counting code ([`super::core`]) builds a [`Report`]; the renderers ([`super::render`])
//! present it. This module knows neither.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One replay's result. Field order is the JSON key order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// What was read: files, events, and what could not be used.
    pub inputs: Inputs,
    /// The replayed time range.
    pub window: Window,
    /// Every enabled detector, sorted by key.
    pub detectors: Vec<DetectorReport>,
    /// Totals over every detector.
    pub summary: Summary,
    /// `null` when no `--labels` file was given.
    pub labels: Option<LabelSummary>,
    /// Labelled malicious events seen in the trail that no enabled detector's alarm covered
    /// (`null` without labels).
    pub missed_incidents: Option<Vec<Incident>>,
    /// `null` without `--baseline`.
    pub what_if: Option<WhatIf>,
    /// The simulated fires against the real alarm history (`--alarm-history`); absent
    /// without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<super::calibration::Calibration>,
}

/// Above this false-positive rate a detector is mostly noise, and the reports point at
/// `cwfilter tune` ([`TUNE_COMMAND`]).
pub const MOSTLY_NOISE_RATE: f64 = 0.5;

/// The command the reports suggest for detectors that are mostly noise (docs/tune.md).
pub const TUNE_COMMAND: &str = "cwfilter tune --config FILE --labels FILE PATH...";

impl Report {
    /// The keys of the detectors whose false-positive rate is above [`MOSTLY_NOISE_RATE`]
    /// (none without labels: the rate is unknown then).
    pub fn mostly_noise(&self) -> Vec<&str> {
        self.detectors
            .iter()
            .filter(|d| d.false_positive_rate.is_some_and(|x| x > MOSTLY_NOISE_RATE))
            .map(|d| d.key.as_str())
            .collect()
    }
}

/// What the replay read, and what it could not use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    /// Files (or stdin) opened.
    pub files: u64,
    /// Every record read, oversize ones included.
    pub events: u64,
    /// Records over 256 KB: CloudTrail never delivers them to CloudWatch Logs, so never matched.
    pub oversize_skipped: u64,
    /// Unreadable files and lines that are not records (the first [`MAX_ERRORS`] listed,
    /// sorted by path and line).
    pub errors: Vec<InputError>,
    /// All errors, including those beyond the list.
    pub error_count: u64,
    /// Records without a valid `eventTime` (cannot be placed in a period; not matched).
    pub no_event_time: u64,
    /// Records outside `--since`/`--until`.
    pub outside_window: u64,
}

/// Errors listed in [`Inputs::errors`] at most (all are counted in `error_count`).
pub const MAX_ERRORS: usize = 1000;

/// An unreadable file, or a line or record that could not be used.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InputError {
    /// The input, as displayed (`<stdin>` for `-`).
    pub path: String,
    /// 1-based line in the input; absent for whole-file errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based column on `line`, when known (a JSON syntax error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// What is wrong.
    pub message: String,
}

/// The replayed time range, RFC 3339, both ends inclusive (`null` when nothing was read).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// The first second: `--since`, else the earliest in-window `eventTime`.
    pub start: Option<String>,
    /// The last second: `--until`, else the latest in-window `eventTime`.
    pub end: Option<String>,
}

/// One detector's replay: matched events, simulated alarm fires, who and what they were about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectorReport {
    /// The detector's key (`rootAccountUsage`).
    pub key: String,
    /// The detector's alarm, with the field names of the config (see [`crate::alarm`]);
    /// `null` for a deployed metric filter no alarm watches (then `fires` is 0).
    pub alarm: Option<crate::alarm::AlarmSpec>,
    /// Events the detector's filter matched.
    pub matched: u64,
    /// Alarm notifications (transitions into ALARM).
    pub fires: u64,
    /// Fires by the UTC day of the period that made the transition.
    pub fires_by_day: BTreeMap<String, u64>,
    /// Start of each fire's period (the first [`MAX_FIRE_TIMES`]).
    pub fire_times: Vec<String>,
    /// Top actors by matched events; `fires` = fires whose firing period holds one of their
    /// events, `fire_events` = their events in firing periods.
    pub top_principals: Vec<TopPrincipal>,
    /// Top actors by fires (ties by matched events).
    pub top_principals_by_fires: Vec<TopPrincipal>,
    /// Top eventNames by matched events.
    pub top_event_names: Vec<TopEventName>,
    /// Top eventNames by fires.
    pub top_event_names_by_fires: Vec<TopEventName>,
    /// Top source IPs by matched events.
    pub top_source_ips: Vec<TopSourceIp>,
    /// Top source IPs by fires.
    pub top_source_ips_by_fires: Vec<TopSourceIp>,
    /// With labels: fires whose alarm window holds a labelled malicious event; else `null`.
    pub true_fires: Option<u64>,
    /// With labels: fires that are not true fires; else `null`.
    pub false_fires: Option<u64>,
    /// `false_fires / fires`; `null` without labels or without fires.
    pub false_positive_rate: Option<f64>,
    /// Events the base pattern matched that an exclusion clause removed, per clause (an event
    /// removed by two clauses counts for both).
    pub exclusions: Vec<ExclusionReport>,
    /// Events removed by at least one clause.
    pub removed_by_exclusions: u64,
    /// With `--baseline`: the same detector under the baseline config.
    pub baseline: Option<BaselineReport>,
    /// The top lists (by field name, `top_principals`, ...) that an attribution cap made
    /// approximate; absent from the JSON when every list is exact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approximate: Vec<String>,
}

/// Fire start times listed per detector at most.
pub const MAX_FIRE_TIMES: usize = 1000;

/// An actor among a detector's top list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopPrincipal {
    /// The actor (an ARN, a user name or a service), as attribution reads it.
    pub principal: String,
    /// `userIdentity.type` (`IAMUser`, `AssumedRole`, `Root`, ...).
    pub identity_type: String,
    /// Events of this actor the detector matched.
    pub matched: u64,
    /// Fires whose firing period holds one of this actor's events.
    pub fires: u64,
    /// This actor's events in firing periods.
    pub fire_events: u64,
}

/// An eventName among a detector's top list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopEventName {
    /// The eventName.
    pub event_name: String,
    /// Events with this eventName the detector matched.
    pub matched: u64,
    /// Fires whose firing period holds one of these events.
    pub fires: u64,
    /// These events in firing periods.
    pub fire_events: u64,
}

/// A source IP among a detector's top list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopSourceIp {
    /// `sourceIPAddress` (an IP or a service name).
    pub source_ip: String,
    /// Events from this address the detector matched.
    pub matched: u64,
    /// Fires whose firing period holds one of these events.
    pub fires: u64,
    /// These events in firing periods.
    pub fire_events: u64,
}

/// What one exclusion clause of a detector removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExclusionReport {
    /// The clause, as it appears in the effective pattern.
    pub clause: String,
    /// Events the base pattern matched that this clause removed.
    pub removed: u64,
}

/// A detector under the baseline config (`--baseline`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BaselineReport {
    /// False when the baseline config does not enable this detector (all counts 0).
    pub enabled: bool,
    /// Events the baseline pattern matched.
    pub matched: u64,
    /// Alarm fires under the baseline config.
    pub fires: u64,
    /// Fires by UTC day.
    pub fires_by_day: BTreeMap<String, u64>,
    /// With labels: fires whose alarm window holds a labelled malicious event.
    pub true_fires: Option<u64>,
    /// With labels: the other fires.
    pub false_fires: Option<u64>,
    /// `false_fires / fires`; `null` without labels or fires.
    pub false_positive_rate: Option<f64>,
}

/// Totals over every enabled detector.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Enabled detectors.
    pub detectors: u64,
    /// Events matched by at least one detector.
    pub matched_events: u64,
    /// Fires of all detectors.
    pub fires: u64,
    /// With labels: true fires of all detectors.
    pub true_fires: Option<u64>,
    /// With labels: false fires of all detectors.
    pub false_fires: Option<u64>,
    /// Over all detectors: false fires / fires. `null` = unknown (no labels, or no fires).
    pub false_positive_rate: Option<f64>,
}

/// The `--labels` file against the trail.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LabelSummary {
    /// Events labelled malicious.
    pub malicious: u64,
    /// Events labelled benign.
    pub benign: u64,
    /// Labelled events found in the replayed window.
    pub malicious_seen: u64,
    /// Benign-labelled events found in the replayed window.
    pub benign_seen: u64,
    /// Malicious eventIDs never seen (sorted).
    pub malicious_not_seen: Vec<String>,
}

/// A labelled malicious event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// Its `eventID`.
    pub event_id: String,
    /// Its `eventTime`, RFC 3339.
    pub event_time: String,
    /// Its `eventName`.
    pub event_name: String,
    /// Who did it, as attribution reads the actor.
    pub principal: String,
    /// `userIdentity.type`.
    pub identity_type: String,
    /// Detectors that matched it (without an alarm covering it when listed as missed).
    pub matched_by: Vec<String>,
}

/// The what-if diff: the current config against `--baseline`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WhatIf {
    /// Detectors enabled only in the baseline (what the new config stops watching).
    pub baseline_only: Vec<BaselineOnly>,
    /// Detectors enabled only in the current config.
    pub new_detectors: Vec<String>,
    /// Fires of all baseline detectors.
    pub baseline_fires: u64,
    /// Fires of all current detectors.
    pub current_fires: u64,
    /// Events matched by at least one baseline detector.
    pub baseline_matched: u64,
    /// Events matched by at least one current detector.
    pub current_matched: u64,
    /// With labels: baseline false fires minus current false fires; else `null`.
    pub false_fires_removed: Option<i64>,
    /// With labels: incidents some baseline alarm covered that no current alarm covers.
    pub lost_incidents: Option<Vec<Incident>>,
    /// With labels: incidents only the current config covers.
    pub gained_incidents: Option<Vec<Incident>>,
    /// Exclusion clauses of the current config that removed no event.
    pub unused_exclusions: Vec<UnusedExclusion>,
}

/// A detector only the baseline enables.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BaselineOnly {
    /// Its key.
    pub key: String,
    /// Events it matched.
    pub matched: u64,
    /// Its alarm fires.
    pub fires: u64,
    /// With labels: its true fires.
    pub true_fires: Option<u64>,
    /// With labels: its false fires.
    pub false_fires: Option<u64>,
}

/// An exclusion clause that removed no event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusedExclusion {
    /// The detector's key.
    pub key: String,
    /// The clause, as in the effective pattern.
    pub clause: String,
}
