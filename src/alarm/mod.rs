//! The CloudWatch alarm model: what an alarm is ([`AlarmSpec`] and its settings) and how it
//! moves between states over a series of datapoints ([`evaluate`]).
//!
//! This module sits below both [`crate::detectors`] (which configures alarms) and
//! [`crate::replay`] (which simulates them over recorded CloudTrail); it knows nothing of
//! either. Every alarm setting is spelled here once, with serde, [`std::str::FromStr`] and
//! [`std::fmt::Display`] agreeing on AWS's own names (`PutMetricAlarm`): the JSON field names
//! are the camelCase spellings of the config file (`evaluationPeriods`, `datapointsToAlarm`,
//! `treatMissingData`), the same in `cwfilter detectors --format json` and in the replay report.

mod evaluate;
mod metric;
mod spec;
#[cfg(test)]
mod tests;

pub use evaluate::{decide_window, evaluate, AlarmRun, AlarmState, Datapoints};
pub use metric::{published, Dimensions, MetricSeries, PeriodValues, Published};
pub use spec::{
    AlarmError, AlarmSpec, ComparisonOperator, Statistic, TreatMissingData, UnknownSetting,
};
