//! Calibration: the simulated fires of a replay against the account's real alarm history
//! (`aws cloudwatch describe-alarm-history --history-item-type StateUpdate --output json`).
//!
//! For every alarm that is both replayed and in the history, the real transitions into ALARM
//! inside the replay window are paired with the simulated fires. A simulated fire is dated by
//! the period that made the transition; CloudWatch evaluates that period once it has ended, so
//! the real transition is expected at the period's end, a few minutes later. A simulated and a
//! real fire **agree** when the real transition is at most one period away from the end of the
//! simulated fire's period. Pairs are made in time order, each fire used once; the rest are
//! "only simulated" or "only real", each with its time.
//!
//! History item shape: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html>
//! (`AlarmName`, `Timestamp`, `HistoryItemType`, `HistorySummary`, and `HistoryData`, a JSON
//! string with `oldState` / `newState` and their `stateValue`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::report::{Report, MAX_FIRE_TIMES};
use crate::trail::time::{format_event_time, parse_event_time};

/// The transitions into ALARM of every alarm in a history, and which alarms it names.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlarmHistory {
    /// Alarm name -> times (epoch seconds, sorted) of its transitions into ALARM.
    into_alarm: BTreeMap<String, Vec<i64>>,
    /// Every alarm the history names, with or without a transition into ALARM.
    alarms: BTreeSet<String>,
}

/// Why a history file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryError {
    /// What is wrong, with the JSON document and item it is in.
    pub message: String,
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HistoryError {}

impl AlarmHistory {
    /// Reads the JSON the AWS CLI prints: one page, or several pages one after the other.
    /// Items of other types (`ConfigurationUpdate`, `Action`) only record that the alarm
    /// exists.
    pub fn add_json(&mut self, text: &str) -> Result<(), HistoryError> {
        let err = |message: String| HistoryError { message };
        let docs = serde_json::Deserializer::from_str(text.trim_start_matches('\u{feff}'))
            .into_iter::<Value>();
        let mut seen = 0;
        for (d, doc) in docs.enumerate() {
            let doc = doc.map_err(|e| {
                err(format!(
                    "malformed JSON at line {}, column {}: {e}",
                    e.line(),
                    e.column()
                ))
            })?;
            let Some(items) = doc.get("AlarmHistoryItems").and_then(Value::as_array) else {
                return Err(err(format!(
                    "JSON document {} has no AlarmHistoryItems list (expected the output of `aws cloudwatch describe-alarm-history --output json`)",
                    d + 1
                )));
            };
            seen += 1;
            for (i, item) in items.iter().enumerate() {
                let at = || format!("AlarmHistoryItems[{i}] of document {}", d + 1);
                let Some(name) = item.get("AlarmName").and_then(Value::as_str) else {
                    return Err(err(format!("{} has no AlarmName", at())));
                };
                self.alarms.insert(name.to_owned());
                if item.get("HistoryItemType").and_then(Value::as_str) != Some("StateUpdate") {
                    continue;
                }
                if !into_alarm(item).map_err(|e| err(format!("{} ({name}): {e}", at())))? {
                    continue;
                }
                let time = item
                    .get("Timestamp")
                    .and_then(Value::as_str)
                    .and_then(parse_event_time)
                    .ok_or_else(|| err(format!("{} ({name}) has no readable Timestamp", at())))?;
                self.into_alarm
                    .entry(name.to_owned())
                    .or_default()
                    .push(time);
            }
        }
        if seen == 0 {
            return Err(err("no JSON document in the file".to_owned()));
        }
        for times in self.into_alarm.values_mut() {
            times.sort_unstable();
            times.dedup();
        }
        Ok(())
    }

    /// Whether the history names `alarm`.
    pub fn has(&self, alarm: &str) -> bool {
        self.alarms.contains(alarm)
    }
}

/// Whether a StateUpdate item is a transition into ALARM: its `HistoryData`'s
/// `newState.stateValue`, else its summary (`Alarm updated from OK to ALARM`).
fn into_alarm(item: &Value) -> Result<bool, String> {
    if let Some(data) = item.get("HistoryData").and_then(Value::as_str) {
        let data: Value =
            serde_json::from_str(data).map_err(|e| format!("HistoryData is not JSON: {e}"))?;
        let new = data.pointer("/newState/stateValue").and_then(Value::as_str);
        let old = data.pointer("/oldState/stateValue").and_then(Value::as_str);
        if let Some(new) = new {
            return Ok(new == "ALARM" && old != Some("ALARM"));
        }
    }
    match item.get("HistorySummary").and_then(Value::as_str) {
        Some(s) => Ok(s.ends_with(" to ALARM") && !s.contains("from ALARM ")),
        None => Err("a StateUpdate without HistoryData or HistorySummary".to_owned()),
    }
}

/// A replayed detector's alarm, as calibration needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalibratedAlarm {
    /// The detector's key in the report.
    pub detector: String,
    /// The alarm's name in CloudWatch.
    pub alarm_name: String,
}

/// The calibration section of a report (`calibration` in JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// One entry per alarm both replayed and in the history, by alarm name.
    pub alarms: Vec<AlarmCalibration>,
    /// Replayed alarms the history does not name (not compared).
    pub not_in_history: Vec<String>,
    /// Alarms in the history that no replayed detector is (not compared).
    pub not_replayed: Vec<String>,
}

/// One alarm's simulated fires against its real transitions into ALARM.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlarmCalibration {
    /// The alarm's name.
    pub alarm_name: String,
    /// The detector that simulates it.
    pub detector: String,
    /// Simulated fires in the window.
    pub simulated: u64,
    /// Real transitions into ALARM in the window (and one period after it).
    pub real: u64,
    /// Pairs at most one period apart.
    pub agreed: u64,
    /// Start of the period of each simulated fire with no real one (RFC 3339).
    pub only_simulated: Vec<String>,
    /// Time of each real transition with no simulated fire (RFC 3339).
    pub only_real: Vec<String>,
    /// Whether the report listed only the first [`MAX_FIRE_TIMES`] fires, so some simulated
    /// fires could not be compared.
    pub truncated: bool,
}

/// Compares `report`'s simulated fires with `history`. `alarms` names each replayed
/// detector's CloudWatch alarm.
pub fn calibrate(
    report: &Report,
    alarms: &[CalibratedAlarm],
    history: &AlarmHistory,
) -> Calibration {
    let window = (
        report.window.start.as_deref().and_then(parse_event_time),
        report.window.end.as_deref().and_then(parse_event_time),
    );
    let mut out = Calibration::default();
    let mut replayed = BTreeSet::new();
    for a in alarms {
        replayed.insert(a.alarm_name.clone());
        let Some(d) = report.detectors.iter().find(|d| d.key == a.detector) else {
            continue;
        };
        if !history.has(&a.alarm_name) {
            out.not_in_history.push(a.alarm_name.clone());
            continue;
        }
        let Some(alarm) = &d.alarm else { continue };
        let period = i64::from(alarm.period.max(1));
        let simulated: Vec<i64> = d
            .fire_times
            .iter()
            .filter_map(|t| parse_event_time(t))
            .collect();
        let real: Vec<i64> = history
            .into_alarm
            .get(&a.alarm_name)
            .map(|times| {
                times
                    .iter()
                    .copied()
                    .filter(|&t| {
                        window.0.is_none_or(|s| t >= s) && window.1.is_none_or(|e| t <= e + period)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (agreed, only_sim, only_real) = pair(&simulated, &real, period);
        out.alarms.push(AlarmCalibration {
            alarm_name: a.alarm_name.clone(),
            detector: a.detector.clone(),
            simulated: d.fires,
            real: real.len() as u64,
            agreed,
            only_simulated: only_sim.into_iter().map(format_event_time).collect(),
            only_real: only_real.into_iter().map(format_event_time).collect(),
            truncated: d.fires > d.fire_times.len() as u64 && d.fire_times.len() >= MAX_FIRE_TIMES,
        });
    }
    out.alarms.sort_by(|a, b| a.alarm_name.cmp(&b.alarm_name));
    out.not_in_history.sort();
    out.not_replayed = history
        .alarms
        .iter()
        .filter(|n| !replayed.contains(*n))
        .cloned()
        .collect();
    out
}

/// Pairs simulated fires (period starts) with real transitions, in time order: a simulated
/// fire is expected at its period's end, and agrees with a real transition at most `period`
/// seconds from it. Returns (agreed, only simulated, only real).
fn pair(simulated: &[i64], real: &[i64], period: i64) -> (u64, Vec<i64>, Vec<i64>) {
    let mut used = vec![false; real.len()];
    let mut agreed = 0;
    let mut only_sim = Vec::new();
    let mut first_open = 0;
    for &start in simulated {
        let expected = start + period;
        while first_open < real.len() && (used[first_open] || real[first_open] < expected - period)
        {
            first_open += 1;
        }
        let hit = (first_open..real.len())
            .take_while(|&j| real[j] <= expected + period)
            .find(|&j| !used[j]);
        match hit {
            Some(j) => {
                used[j] = true;
                agreed += 1;
            }
            None => only_sim.push(start),
        }
    }
    let only_real = real
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(t, _)| *t)
        .collect();
    (agreed, only_sim, only_real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_within_one_period_of_the_period_end_in_time_order() {
        // Fires at periods starting 0 and 1000 (period 300): expected at 300 and 1300.
        let (agreed, sim, real) = pair(&[0, 1000], &[299 + 300, 1300 + 301], 300);
        assert_eq!((agreed, sim, real), (1, vec![1000], vec![1601]));
        // Each real transition pairs once.
        let (agreed, sim, real) = pair(&[0, 0], &[300], 300);
        assert_eq!((agreed, sim, real), (1, vec![0], vec![]));
        // Before the period started is too early.
        let (agreed, _, real) = pair(&[600], &[599], 300);
        assert_eq!((agreed, real), (0, vec![599]));
        assert_eq!(pair(&[600], &[600], 300).0, 1);
    }

    fn item(name: &str, ty: &str, time: &str, old: &str, new: &str) -> Value {
        serde_json::json!({
            "AlarmName": name,
            "AlarmType": "MetricAlarm",
            "Timestamp": time,
            "HistoryItemType": ty,
            "HistorySummary": format!("Alarm updated from {old} to {new}"),
            "HistoryData": serde_json::json!({
                "version": "1.0",
                "oldState": {"stateValue": old},
                "newState": {"stateValue": new}
            }).to_string()
        })
    }

    #[test]
    fn only_transitions_into_alarm_count_and_pages_concatenate() {
        let page1 = serde_json::json!({"AlarmHistoryItems": [
            item("A", "StateUpdate", "2024-01-01T00:10:03.123000+00:00", "OK", "ALARM"),
            item("A", "StateUpdate", "2024-01-01T00:20:00.000000+00:00", "ALARM", "OK"),
        ], "NextToken": "x"});
        let page2 = serde_json::json!({"AlarmHistoryItems": [
            item("A", "StateUpdate", "2024-01-01T00:30:00Z", "INSUFFICIENT_DATA", "ALARM"),
            item("B", "ConfigurationUpdate", "2024-01-01T00:00:00Z", "OK", "OK"),
        ]});
        let mut h = AlarmHistory::default();
        h.add_json(&format!("{page1}\n{page2}")).unwrap();
        assert_eq!(
            h.into_alarm["A"],
            [
                parse_event_time("2024-01-01T00:10:03Z").unwrap(),
                parse_event_time("2024-01-01T00:30:00Z").unwrap()
            ]
        );
        assert!(h.has("B") && !h.into_alarm.contains_key("B"));
        let bad = AlarmHistory::default().add_json("{\"MetricAlarms\": []}");
        assert!(bad.unwrap_err().message.contains("no AlarmHistoryItems"));
    }
}
