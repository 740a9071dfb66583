//! The CloudWatch alarm model (metric value 1 per matching event, Sum per period).

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
