//! The CloudWatch alarm model (metric value 1 per matching event, Sum per period).

use std::collections::BTreeMap;

/// How CloudWatch treats a period with no data point (PutMetricAlarm `TreatMissingData`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum TreatMissingData {
    /// Missing periods count as within threshold (upstream's setting).
    #[default]
    NotBreaching,
    /// Missing periods count as breaching.
    Breaching,
    /// Missing periods are skipped; the alarm keeps its state.
    Ignore,
    /// Missing periods are missing: evaluation looks further back.
    Missing,
}

/// The alarm a detector's metric drives: statistic Sum, GreaterThanOrEqualToThreshold.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlarmSpec {
    /// Sum per period at or above which a period breaches.
    pub threshold: f64,
    /// Period length in seconds (10, 20, 30 or a multiple of 60).
    pub period: u32,
    /// How many recent periods are evaluated.
    pub evaluation_periods: u32,
    /// How many of those must breach (M of N); defaults to `evaluation_periods`.
    pub datapoints_to_alarm: u32,
    pub treat_missing_data: TreatMissingData,
}

impl AlarmSpec {
    /// An alarm with CloudWatch's defaults: M of N = N of N, missing data not breaching.
    pub fn new(threshold: f64, period: u32, evaluation_periods: u32) -> Self {
        AlarmSpec {
            threshold,
            period,
            evaluation_periods,
            datapoints_to_alarm: evaluation_periods,
            treat_missing_data: TreatMissingData::NotBreaching,
        }
    }

    /// Checks the values the simulation depends on (CloudWatch rejects the same alarms).
    pub fn validate(&self) -> Result<(), String> {
        if !self.threshold.is_finite() {
            return Err(format!(
                "threshold {} is not a finite number",
                self.threshold
            ));
        }
        if self.period == 0 {
            return Err("period must be at least 1 second".into());
        }
        if self.evaluation_periods == 0 {
            return Err("evaluationPeriods must be at least 1".into());
        }
        if self.datapoints_to_alarm == 0 || self.datapoints_to_alarm > self.evaluation_periods {
            return Err(format!(
                "datapointsToAlarm {} must be between 1 and evaluationPeriods {}",
                self.datapoints_to_alarm, self.evaluation_periods
            ));
        }
        Ok(())
    }

    /// The period bucket holding an event at `secs` (buckets are aligned to the UTC epoch).
    pub fn bucket_of(&self, secs: i64) -> i64 {
        secs.div_euclid(i64::from(self.period.max(1)))
    }

    /// The first second of bucket `bucket`.
    pub fn bucket_start(&self, bucket: i64) -> i64 {
        bucket.saturating_mul(i64::from(self.period.max(1)))
    }
}

/// The state of a simulated alarm after a period is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlarmState {
    InsufficientData,
    Ok,
    Alarm,
}

/// A maximal run of consecutive periods in ALARM: one notification, sent when `start` was
/// evaluated (the fire). Bucket indices, both inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlarmRun {
    pub start: i64,
    pub end: i64,
}

/// Simulates the alarm over the periods `first..=last`, given the Sum of the metric in every
/// period that has a data point (`sums`; a period absent from the map has no data point, as a
/// metric filter without a default value emits nothing when no event matches).
///
/// At each period the alarm looks at the last `evaluation_periods` periods:
/// - `notBreaching` / `breaching`: a missing period counts as within / beyond the threshold;
///   ALARM when at least `datapoints_to_alarm` breach, else OK.
/// - `missing`: missing periods are dropped; with no data point left the alarm goes to
///   INSUFFICIENT_DATA, else ALARM when at least `datapoints_to_alarm` of the present ones breach.
/// - `ignore`: as `missing`, but with no data point left the alarm keeps its state.
///
/// The alarm starts in INSUFFICIENT_DATA; periods before `first` have no data. Returns the runs of
/// ALARM in order; each run's `start` is a fire.
pub fn evaluate(
    spec: &AlarmSpec,
    sums: &BTreeMap<i64, u64>,
    first: i64,
    last: i64,
) -> Vec<AlarmRun> {
    let n = i64::from(spec.evaluation_periods.max(1));
    let m = u64::from(
        spec.datapoints_to_alarm
            .clamp(1, spec.evaluation_periods.max(1)),
    );
    let mut runs = Vec::new();
    let mut state = AlarmState::InsufficientData;
    let mut run_start: Option<i64> = None;
    let mut b = first;
    while b <= last {
        let lo = b.saturating_sub(n - 1);
        let (mut present, mut breaching) = (0u64, 0u64);
        for (_, &sum) in sums.range(lo..=b) {
            present += 1;
            // Counts are far below 2^53, so the conversion is exact.
            if sum as f64 >= spec.threshold {
                breaching += 1;
            }
        }
        let missing = (n as u64).saturating_sub(present);
        let next = match spec.treat_missing_data {
            TreatMissingData::NotBreaching => decide(breaching >= m),
            TreatMissingData::Breaching => decide(breaching + missing >= m),
            TreatMissingData::Missing if present == 0 => AlarmState::InsufficientData,
            TreatMissingData::Ignore if present == 0 => state,
            TreatMissingData::Missing | TreatMissingData::Ignore => decide(breaching >= m),
        };
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
            match sums.range(b.saturating_add(1)..).next() {
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

    fn sums(pairs: &[(i64, u64)]) -> BTreeMap<i64, u64> {
        pairs.iter().copied().collect()
    }

    fn spec(threshold: f64, n: u32, m: u32, t: TreatMissingData) -> AlarmSpec {
        AlarmSpec {
            threshold,
            period: 300,
            evaluation_periods: n,
            datapoints_to_alarm: m,
            treat_missing_data: t,
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
        assert!(evaluate(&s, &BTreeMap::new(), 0, 1000).is_empty());
    }

    #[test]
    fn run_open_at_window_end_is_closed_there() {
        let s = spec(1.0, 3, 1, TreatMissingData::NotBreaching);
        let runs = evaluate(&s, &sums(&[(9, 1)]), 0, 10);
        assert_eq!(runs, vec![AlarmRun { start: 9, end: 10 }]);
    }

    #[test]
    fn validation() {
        assert!(AlarmSpec::new(1.0, 300, 1).validate().is_ok());
        assert!(AlarmSpec::new(f64::NAN, 300, 1).validate().is_err());
        assert!(AlarmSpec::new(1.0, 0, 1).validate().is_err());
        assert!(AlarmSpec::new(1.0, 300, 0).validate().is_err());
        let mut s = AlarmSpec::new(1.0, 300, 2);
        s.datapoints_to_alarm = 3;
        assert!(s.validate().is_err());
    }

    #[test]
    fn buckets_align_to_the_epoch() {
        let s = AlarmSpec::new(1.0, 300, 1);
        assert_eq!(s.bucket_of(0), 0);
        assert_eq!(s.bucket_of(299), 0);
        assert_eq!(s.bucket_of(300), 1);
        assert_eq!(s.bucket_of(-1), -1);
        assert_eq!(s.bucket_start(2), 600);
    }
}
