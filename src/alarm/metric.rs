//! From the values a metric filter publishes to an alarm's datapoints: one series per set of
//! dimension values, one [`PeriodValues`] per period, and a [`Statistic`] that turns a period's
//! values into its datapoint. The rules and their AWS references are in docs/alarms.md.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::evaluate::Datapoints;
use super::spec::Statistic;
use crate::eval::{Event, MetricTransformation, MetricValue, Pattern};

/// A metric's dimensions: name -> value. Empty for a metric published without dimensions.
pub type Dimensions = BTreeMap<String, String>;

/// The values one series received in one period. Values are kept as (value, how many times)
/// so a period of a million `1`s is one entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PeriodValues {
    values: BTreeMap<OrderedValue, u64>,
}

/// An f64 ordered by `total_cmp` (metric values are finite: publishers drop the rest).
#[derive(Clone, Copy, Debug, PartialEq)]
struct OrderedValue(f64);

impl Eq for OrderedValue {}

impl PartialOrd for OrderedValue {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderedValue {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

// Serialized as `[[value, count], ...]` (JSON map keys are strings, values are not).
impl Serialize for PeriodValues {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.values.iter().map(|(v, n)| (v.0, *n)))
    }
}

impl<'de> Deserialize<'de> for PeriodValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(f64, u64)>::deserialize(d)?;
        let mut p = PeriodValues::default();
        for (v, n) in pairs {
            p.push_n(v, n);
        }
        Ok(p)
    }
}

impl PeriodValues {
    /// Adds every value of `other`.
    pub fn merge(&mut self, other: PeriodValues) {
        for (v, n) in other.values {
            self.push_n(v.0, n);
        }
    }

    /// A period holding `value` `n` times.
    pub fn repeated(value: f64, n: u64) -> Self {
        let mut p = PeriodValues::default();
        p.push_n(value, n);
        p
    }

    /// Adds one value (a non-finite one is not a metric value and is dropped).
    pub fn push(&mut self, value: f64) {
        self.push_n(value, 1);
    }

    /// Adds `value` `n` times.
    pub fn push_n(&mut self, value: f64, n: u64) {
        if n > 0 && value.is_finite() {
            // -0.0 and 0.0 are one value.
            *self.values.entry(OrderedValue(value + 0.0)).or_insert(0) += n;
        }
    }

    /// How many values the period holds (SampleCount).
    pub fn count(&self) -> u64 {
        self.values.values().sum()
    }

    /// The period's datapoint under `statistic`; `None` when the period holds no value, and for a
    /// percentile when a value is negative (CloudWatch computes no percentile then).
    pub fn statistic(&self, statistic: Statistic) -> Option<f64> {
        let count = self.count();
        if count == 0 {
            return None;
        }
        let sum = || {
            self.values
                .iter()
                .map(|(v, &n)| v.0 * n as f64)
                .sum::<f64>()
        };
        let min = self.values.keys().next()?.0;
        let max = self.values.keys().next_back()?.0;
        Some(match statistic {
            Statistic::Sum => sum(),
            Statistic::SampleCount => count as f64,
            Statistic::Average => sum() / count as f64,
            Statistic::Minimum => min,
            Statistic::Maximum => max,
            Statistic::Percentile(_) if min < 0.0 => return None,
            Statistic::Percentile(hundredths) => {
                // Nearest rank: the smallest value with at least p% of the values at or below
                // it (p0 is the minimum, p100 the maximum).
                let rank = (u128::from(count) * u128::from(hundredths)).div_ceil(10_000);
                let rank = rank.max(1);
                let mut seen = 0u128;
                let mut out = max;
                for (v, &n) in &self.values {
                    seen += u128::from(n);
                    if seen >= rank {
                        out = v.0;
                        break;
                    }
                }
                out
            }
        })
    }
}

/// Everything one metric (namespace + name) received: per set of dimension values, per period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricSeries {
    series: BTreeMap<Dimensions, BTreeMap<i64, PeriodValues>>,
}

// Serialized as `[[dimensions, [[period, values], ...]], ...]`.
impl Serialize for MetricSeries {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            self.series
                .iter()
                .map(|(dims, periods)| (dims, periods.iter().collect::<Vec<_>>())),
        )
    }
}

impl<'de> Deserialize<'de> for MetricSeries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<(Dimensions, Vec<(i64, PeriodValues)>)>::deserialize(d)?;
        let mut m = MetricSeries::default();
        for (dims, periods) in list {
            let series = m.series.entry(dims).or_default();
            for (b, p) in periods {
                series.entry(b).or_default().merge(p);
            }
        }
        Ok(m)
    }
}

impl MetricSeries {
    /// Adds everything `other` received.
    pub fn merge(&mut self, other: MetricSeries) {
        for (dims, periods) in other.series {
            let series = self.series.entry(dims).or_default();
            for (b, p) in periods {
                series.entry(b).or_default().merge(p);
            }
        }
    }

    /// Records `value` in period `bucket` of the series named by `dimensions`.
    pub fn publish(&mut self, bucket: i64, dimensions: &Dimensions, value: f64) {
        if !self.series.contains_key(dimensions) {
            self.series.insert(dimensions.clone(), BTreeMap::new());
        }
        if let Some(periods) = self.series.get_mut(dimensions) {
            periods.entry(bucket).or_default().push(value);
        }
    }

    /// The sets of dimension values seen, in order (one series each).
    pub fn dimension_sets(&self) -> impl Iterator<Item = &Dimensions> {
        self.series.keys()
    }

    /// The datapoints an alarm on this metric sees: those of the one series whose dimensions are
    /// exactly `alarm_dimensions` (CloudWatch aggregates no other combination), under `statistic`.
    pub fn datapoints(&self, statistic: Statistic, alarm_dimensions: &Dimensions) -> Datapoints {
        self.series
            .get(alarm_dimensions)
            .into_iter()
            .flatten()
            .filter_map(|(&b, p)| Some((b, p.statistic(statistic)?)))
            .collect()
    }
}

/// What one ingested log event publishes to a metric filter's metric.
#[derive(Clone, Debug, PartialEq)]
pub enum Published {
    /// The event matched: `value` goes to the series named by `dimensions`.
    Value {
        /// The metric value (metricValue, read from the event or literal).
        value: f64,
        /// The dimension values read from the event (empty without dimensions).
        dimensions: Dimensions,
    },
    /// The event matched but its metricValue or a dimension is not there or not numeric:
    /// nothing is published (A23).
    Nothing,
    /// The event did not match: the filter's defaultValue, if any, is published.
    NoMatch,
}

impl MetricSeries {
    /// Records what one event ingested in period `bucket` publishes. A non-matching event
    /// publishes `default_value` (with no dimensions: AWS rejects a filter with both) when the
    /// filter has one, else nothing. See docs/alarms.md, "defaultValue", for this reading.
    pub fn record(&mut self, bucket: i64, published: Published, default_value: Option<f64>) {
        match published {
            Published::Value { value, dimensions } => self.publish(bucket, &dimensions, value),
            Published::Nothing => {}
            Published::NoMatch => {
                if let Some(d) = default_value {
                    self.publish(bucket, &Dimensions::new(), d);
                }
            }
        }
    }
}

/// What `event` publishes under a metric filter: its pattern, its transformation and its
/// dimensions (name -> `$.field` / `$name` reference). The value is read by the evaluator's
/// [`Pattern::metric_value`]; a dimension the event lacks publishes nothing, like a
/// non-numeric value (A23).
pub fn published(
    pattern: &Pattern,
    transformation: &MetricTransformation,
    dimensions: &[(String, MetricValue)],
    event: &impl Event,
) -> Published {
    if !pattern.matches(event) {
        return Published::NoMatch;
    }
    let Some(value) = pattern.metric_value(&transformation.value, event) else {
        return Published::Nothing;
    };
    let mut dims = Dimensions::new();
    for (name, reference) in dimensions {
        match pattern.dimension_value(reference, event) {
            Some(v) => {
                dims.insert(name.clone(), v);
            }
            None => return Published::Nothing,
        }
    }
    Published::Value {
        value,
        dimensions: dims,
    }
}
