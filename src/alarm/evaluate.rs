//! Evaluating an alarm over a series of datapoints: CloudWatch's M-of-N state machine with
//! its treatment of missing data.

use std::collections::BTreeMap;

use super::spec::{AlarmSpec, TreatMissingData};

/// An alarm's datapoints: period index (see [`AlarmSpec::bucket_of`]) -> the period's statistic.
/// A period absent from the map has no datapoint (a metric filter without a default value
/// publishes nothing in a period where no event matched).
pub type Datapoints = BTreeMap<i64, f64>;

/// The state of a simulated alarm after a period is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlarmState {
    /// Not enough data to decide (the initial state).
    InsufficientData,
    /// Within the threshold.
    Ok,
    /// Breaching.
    Alarm,
}

/// A maximal run of consecutive periods in ALARM: one notification, sent when `start` was
/// evaluated (the fire). Bucket indices, both inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlarmRun {
    /// The period whose evaluation went into ALARM (the fire).
    pub start: i64,
    /// The last period still in ALARM.
    pub end: i64,
}

impl AlarmRun {
    /// The run's alarm window: the `evaluation_periods` (N) periods whose datapoints decided the
    /// fire, and the rest of the run. An event in one of these periods is one the run pages on;
    /// the replay's true fires and covered incidents and `tune`'s false fires all use this.
    pub fn window(&self, evaluation_periods: u32) -> std::ops::RangeInclusive<i64> {
        let n = i64::from(evaluation_periods.max(1));
        self.start.saturating_sub(n - 1)..=self.end
    }
}

/// Simulates the alarm over the periods `first..=last`, given the datapoints of the periods that
/// have one. A datapoint breaches when the alarm's comparison operator says so.
///
/// At each period the alarm looks at the last `evaluation_periods` (N) periods and decides as
/// [`decide_window`] does. The alarm starts in INSUFFICIENT_DATA; periods before `first` have
/// no data. Returns the runs of ALARM in order; each run's `start` is a fire.
pub fn evaluate(spec: &AlarmSpec, datapoints: &Datapoints, first: i64, last: i64) -> Vec<AlarmRun> {
    let n = i64::from(spec.evaluation_periods.max(1));
    let mut runs = Vec::new();
    let mut state = AlarmState::InsufficientData;
    let mut run_start: Option<i64> = None;
    let mut b = first;
    while b <= last {
        let lo = b.saturating_sub(n - 1);
        let mut window = Window::default();
        for (_, &value) in datapoints.range(lo..=b) {
            window.add(spec, value);
        }
        let present = window.present;
        let next = window.decide(spec, state);
        if next == AlarmState::Alarm && state != AlarmState::Alarm {
            run_start = Some(b);
        } else if next != AlarmState::Alarm && state == AlarmState::Alarm {
            if let Some(start) = run_start.take() {
                runs.push(AlarmRun { start, end: b - 1 });
            }
        }
        state = next;
        // With no data point in the window the state is the same for every period until the
        // next data point enters the window, so jump there (sparse trails, long windows).
        b = if present == 0 {
            match datapoints.range(b.saturating_add(1)..).next() {
                Some((&nb, _)) => nb.min(last.saturating_add(1)),
                None => last.saturating_add(1),
            }
        } else {
            b.saturating_add(1)
        };
    }
    if let Some(start) = run_start {
        runs.push(AlarmRun { start, end: last });
    }
    runs
}

/// The state an alarm in state `current` moves to when its last N periods hold `window`
/// (oldest first; `None` = no datapoint; only the last `evaluation_periods` entries count).
///
/// With all N datapoints present: ALARM when at least M (`datapoints_to_alarm`) breach, else
/// OK. With some missing, `treatMissingData` decides (docs/alarms.md, "Missing data", and the
/// AWS user guide's "How alarm state is evaluated when data is missing"):
/// - `breaching` / `notBreaching`: a missing period is a breaching / non-breaching datapoint;
/// - `missing` / `ignore`: with no datapoint, INSUFFICIENT_DATA / the current state; else ALARM
///   when M present datapoints breach, OK when one present datapoint does not breach, and
///   otherwise (all present ones breach, fewer than M) INSUFFICIENT_DATA / the current state.
pub fn decide_window(spec: &AlarmSpec, window: &[Option<f64>], current: AlarmState) -> AlarmState {
    let n = spec.evaluation_periods.max(1) as usize;
    let mut w = Window::default();
    for value in window.iter().rev().take(n).flatten() {
        w.add(spec, *value);
    }
    w.decide(spec, current)
}

/// The present and breaching datapoints of one evaluation window.
#[derive(Default)]
struct Window {
    present: u64,
    breaching: u64,
}

impl Window {
    fn add(&mut self, spec: &AlarmSpec, value: f64) {
        self.present += 1;
        if spec.comparison_operator.breaches(value, spec.threshold) {
            self.breaching += 1;
        }
    }

    fn decide(&self, spec: &AlarmSpec, current: AlarmState) -> AlarmState {
        let n = u64::from(spec.evaluation_periods.max(1));
        let m = u64::from(
            spec.datapoints_to_alarm
                .clamp(1, spec.evaluation_periods.max(1)),
        );
        let missing = n.saturating_sub(self.present);
        let not_breaching = self.present - self.breaching;
        // What `missing` and `ignore` do when the present datapoints cannot decide.
        let undecided = |t: TreatMissingData| match t {
            TreatMissingData::Missing => AlarmState::InsufficientData,
            _ => current,
        };
        match spec.treat_missing_data {
            _ if missing == 0 => decide(self.breaching >= m),
            TreatMissingData::NotBreaching => decide(self.breaching >= m),
            TreatMissingData::Breaching => decide(self.breaching + missing >= m),
            t @ (TreatMissingData::Missing | TreatMissingData::Ignore) => {
                if self.present == 0 {
                    undecided(t)
                } else if self.breaching >= m {
                    AlarmState::Alarm
                } else if not_breaching > 0 {
                    AlarmState::Ok
                } else {
                    undecided(t)
                }
            }
        }
    }
}

fn decide(alarm: bool) -> AlarmState {
    if alarm {
        AlarmState::Alarm
    } else {
        AlarmState::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarm::ComparisonOperator;

    fn sums(pairs: &[(i64, u64)]) -> Datapoints {
        pairs.iter().map(|&(b, n)| (b, n as f64)).collect()
    }

    fn spec(threshold: f64, n: u32, m: u32, t: TreatMissingData) -> AlarmSpec {
        AlarmSpec {
            datapoints_to_alarm: m,
            treat_missing_data: t,
            ..AlarmSpec::new(threshold, 300, n)
        }
    }

    fn starts(runs: &[AlarmRun]) -> Vec<i64> {
        runs.iter().map(|r| r.start).collect()
    }

    #[test]
    fn adjacent_breaching_buckets_are_one_notification() {
        let s = spec(1.0, 1, 1, TreatMissingData::NotBreaching);
        let runs = evaluate(&s, &sums(&[(10, 1), (11, 3), (12, 1), (14, 2)]), 0, 20);
        assert_eq!(
            runs,
            vec![
                AlarmRun { start: 10, end: 12 },
                AlarmRun { start: 14, end: 14 }
            ]
        );
    }

    #[test]
    fn threshold_ten_needs_ten_in_one_bucket() {
        let s = spec(10.0, 1, 1, TreatMissingData::NotBreaching);
        // 9 + 9 in adjacent buckets never reach 10; exactly 10 does; 25 is one fire.
        let runs = evaluate(&s, &sums(&[(1, 9), (2, 9), (5, 10), (8, 25)]), 0, 10);
        assert_eq!(starts(&runs), vec![5, 8]);
    }

    #[test]
    fn two_of_three() {
        let s = spec(1.0, 3, 2, TreatMissingData::NotBreaching);
        // Bucket 1 alone: 1 of 3. Bucket 3 makes 2 of 3 (1, 3) -> fire at 3, stays while
        // the window [2..4] still holds 3 and 4 ... bucket 4 is empty: window [2,3,4] has 1.
        let runs = evaluate(
            &s,
            &sums(&[(1, 1), (3, 1), (10, 1), (11, 1), (12, 1)]),
            0,
            20,
        );
        assert_eq!(
            runs,
            vec![
                AlarmRun { start: 3, end: 3 },
                AlarmRun { start: 11, end: 13 }
            ]
        );
    }

    #[test]
    fn breaching_treats_gaps_as_breaching() {
        let s = spec(1.0, 1, 1, TreatMissingData::Breaching);
        // Everything missing is ALARM from the first period; data below threshold is OK.
        let runs = evaluate(&s, &sums(&[(3, 1)]), 0, 5);
        assert_eq!(runs, vec![AlarmRun { start: 0, end: 5 }]);
        let s10 = spec(10.0, 1, 1, TreatMissingData::Breaching);
        let runs = evaluate(&s10, &sums(&[(3, 1)]), 0, 5);
        assert_eq!(
            runs,
            vec![AlarmRun { start: 0, end: 2 }, AlarmRun { start: 4, end: 5 }]
        );
    }

    #[test]
    fn ignore_keeps_alarm_across_gaps() {
        let s = spec(1.0, 1, 1, TreatMissingData::Ignore);
        let runs = evaluate(&s, &sums(&[(2, 1), (6, 1)]), 0, 9);
        assert_eq!(runs, vec![AlarmRun { start: 2, end: 9 }]);
        // A present non-breaching point ends the run.
        let s = spec(5.0, 1, 1, TreatMissingData::Ignore);
        let runs = evaluate(&s, &sums(&[(2, 5), (4, 1), (6, 5)]), 0, 9);
        assert_eq!(
            runs,
            vec![AlarmRun { start: 2, end: 3 }, AlarmRun { start: 6, end: 9 }]
        );
    }

    #[test]
    fn missing_goes_insufficient_and_refires() {
        let s = spec(1.0, 1, 1, TreatMissingData::Missing);
        let runs = evaluate(&s, &sums(&[(2, 1), (3, 1), (6, 1)]), 0, 9);
        assert_eq!(
            runs,
            vec![AlarmRun { start: 2, end: 3 }, AlarmRun { start: 6, end: 6 }]
        );
        // 2 of 3 over present points only: one present breaching point is not enough.
        let s = spec(1.0, 3, 2, TreatMissingData::Missing);
        assert!(evaluate(&s, &sums(&[(2, 1), (6, 1)]), 0, 9).is_empty());
        assert_eq!(
            starts(&evaluate(&s, &sums(&[(2, 1), (4, 1)]), 0, 9)),
            vec![4]
        );
    }

    #[test]
    fn not_breaching_with_no_data_never_fires() {
        let s = spec(1.0, 1, 1, TreatMissingData::NotBreaching);
        assert!(evaluate(&s, &Datapoints::new(), 0, 1000).is_empty());
    }

    #[test]
    fn run_open_at_window_end_is_closed_there() {
        let s = spec(1.0, 3, 1, TreatMissingData::NotBreaching);
        let runs = evaluate(&s, &sums(&[(9, 1)]), 0, 10);
        assert_eq!(runs, vec![AlarmRun { start: 9, end: 10 }]);
    }

    #[test]
    fn the_comparison_operator_decides_what_breaches() {
        // A "too quiet" alarm: below 2 per period, missing periods breaching.
        let s = AlarmSpec {
            comparison_operator: ComparisonOperator::LessThanThreshold,
            treat_missing_data: TreatMissingData::Breaching,
            ..AlarmSpec::new(2.0, 300, 1)
        };
        let runs = evaluate(&s, &sums(&[(0, 5), (1, 1), (2, 2), (4, 3)]), 0, 4);
        assert_eq!(
            runs,
            vec![AlarmRun { start: 1, end: 1 }, AlarmRun { start: 3, end: 3 }]
        );
    }
}
