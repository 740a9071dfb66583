//! The replay report's data model: plain serde structs, the JSON contract (docs/replay.md).
//! The counting code ([`super::core`]) builds a [`Report`]; the renderers ([`super::render`])
//! present it. This module knows neither.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One replay's result. Field order is the JSON key order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub inputs: Inputs,
    pub window: Window,
    /// Every enabled detector, sorted by key.
    pub detectors: Vec<DetectorReport>,
    pub summary: Summary,
    /// `null` when no `--labels` file was given.
    pub labels: Option<LabelSummary>,
    /// Labelled malicious events seen in the trail that no enabled detector's alarm covered
    /// (`null` without labels).
    pub missed_incidents: Option<Vec<Incident>>,
    /// `null` without `--baseline`.
    pub what_if: Option<WhatIf>,
}

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

#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InputError {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub message: String,
}

/// The replayed time range, RFC 3339, both ends inclusive (`null` when nothing was read).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectorReport {
    pub key: String,
    /// The detector's alarm, with the field names of the config (see [`crate::alarm`]).
    pub alarm: crate::alarm::AlarmSpec,
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
    pub top_principals_by_fires: Vec<TopPrincipal>,
    pub top_event_names: Vec<TopEventName>,
    pub top_event_names_by_fires: Vec<TopEventName>,
    pub top_source_ips: Vec<TopSourceIp>,
    pub top_source_ips_by_fires: Vec<TopSourceIp>,
    /// With labels: fires whose alarm window holds a labelled malicious event; else `null`.
    pub true_fires: Option<u64>,
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
}

/// Fire start times listed per detector at most.
pub const MAX_FIRE_TIMES: usize = 1000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopPrincipal {
    pub principal: String,
    pub identity_type: String,
    pub matched: u64,
    pub fires: u64,
    pub fire_events: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopEventName {
    pub event_name: String,
    pub matched: u64,
    pub fires: u64,
    pub fire_events: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopSourceIp {
    pub source_ip: String,
    pub matched: u64,
    pub fires: u64,
    pub fire_events: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExclusionReport {
    pub clause: String,
    pub removed: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BaselineReport {
    /// False when the baseline config does not enable this detector (all counts 0).
    pub enabled: bool,
    pub matched: u64,
    pub fires: u64,
    pub fires_by_day: BTreeMap<String, u64>,
    pub true_fires: Option<u64>,
    pub false_fires: Option<u64>,
    pub false_positive_rate: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub detectors: u64,
    /// Events matched by at least one detector.
    pub matched_events: u64,
    pub fires: u64,
    pub true_fires: Option<u64>,
    pub false_fires: Option<u64>,
    /// Over all detectors: false fires / fires. `null` = unknown (no labels, or no fires).
    pub false_positive_rate: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LabelSummary {
    pub malicious: u64,
    pub benign: u64,
    /// Labelled events found in the replayed window.
    pub malicious_seen: u64,
    pub benign_seen: u64,
    /// Malicious eventIDs never seen (sorted).
    pub malicious_not_seen: Vec<String>,
}

/// A labelled malicious event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub event_id: String,
    pub event_time: String,
    pub event_name: String,
    pub principal: String,
    pub identity_type: String,
    /// Detectors that matched it (without an alarm covering it when listed as missed).
    pub matched_by: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WhatIf {
    /// Detectors enabled only in the baseline (what the new config stops watching).
    pub baseline_only: Vec<BaselineOnly>,
    /// Detectors enabled only in the current config.
    pub new_detectors: Vec<String>,
    pub baseline_fires: u64,
    pub current_fires: u64,
    pub baseline_matched: u64,
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

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BaselineOnly {
    pub key: String,
    pub matched: u64,
    pub fires: u64,
    pub true_fires: Option<u64>,
    pub false_fires: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusedExclusion {
    pub key: String,
    pub clause: String,
}
