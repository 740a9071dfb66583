//! The alarm's settings, each spelled once: the enum, its AWS name for serde, `FromStr` and
//! `Display`, and the list of names error messages offer.

use std::fmt;
use std::str::FromStr;

/// Declares a setting enum whose variants have exactly one spelling each (AWS's), used by
/// serde, `FromStr`, `Display` and [`UnknownSetting`] alike.
macro_rules! setting {
    (
        $(#[$meta:meta])*
        $name:ident ($setting:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order of [`Self::NAMES`].
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The accepted spellings (AWS's), one per value.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The value's one spelling, as AWS writes it.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $name {
            type Err = UnknownSetting;
            fn from_str(s: &str) -> Result<Self, UnknownSetting> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.name() == s)
                    .ok_or_else(|| UnknownSetting {
                        setting: $setting,
                        value: s.to_owned(),
                        known: $name::NAMES,
                    })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

setting! {
    /// How CloudWatch treats a period with no datapoint (PutMetricAlarm `TreatMissingData`).
    #[derive(Default)]
    TreatMissingData ("treatMissingData") {
        /// Missing periods count as within the threshold. The default of simple-container's
        /// configs; an AWS source that omits TreatMissingData means `missing` (PutMetricAlarm).
        #[default]
        NotBreaching = "notBreaching",
        /// Missing periods count as breaching.
        Breaching = "breaching",
        /// Missing periods are skipped; with none present the alarm keeps its state.
        Ignore = "ignore",
        /// Missing periods are missing: with none present the alarm is INSUFFICIENT_DATA.
        Missing = "missing",
    }
}

/// The statistic that turns a period's metric values into its datapoint (PutMetricAlarm
/// `Statistic`, or `ExtendedStatistic` for a percentile). See docs/alarms.md, "Statistics".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Statistic {
    /// The sum of the period's values (a count when each match publishes 1).
    #[default]
    Sum,
    /// How many values the period holds.
    SampleCount,
    /// Sum / SampleCount.
    Average,
    /// The lowest value.
    Minimum,
    /// The highest value.
    Maximum,
    /// `pNN` / `pNN.N` / `pNN.NN`: the percentile, in hundredths (p99.5 = 9950), 0..=10000.
    Percentile(u16),
}

impl Statistic {
    /// The named statistics (the percentiles are `pNN`, `pNN.N` or `pNN.NN`).
    pub const NAMED: &'static [Statistic] = &[
        Statistic::Sum,
        Statistic::SampleCount,
        Statistic::Average,
        Statistic::Minimum,
        Statistic::Maximum,
    ];
    /// The accepted spellings, as error messages list them.
    pub const NAMES: &'static [&'static str] = &[
        "Sum",
        "SampleCount",
        "Average",
        "Minimum",
        "Maximum",
        "pNN",
        "pNN.N",
        "pNN.NN",
    ];

    /// Whether this is a percentile (an `ExtendedStatistic` in PutMetricAlarm).
    pub const fn is_percentile(self) -> bool {
        matches!(self, Statistic::Percentile(_))
    }
}

impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statistic::Sum => f.write_str("Sum"),
            Statistic::SampleCount => f.write_str("SampleCount"),
            Statistic::Average => f.write_str("Average"),
            Statistic::Minimum => f.write_str("Minimum"),
            Statistic::Maximum => f.write_str("Maximum"),
            Statistic::Percentile(h) => {
                let (whole, frac) = (h / 100, h % 100);
                match frac {
                    0 => write!(f, "p{whole}"),
                    _ if frac % 10 == 0 => write!(f, "p{whole}.{}", frac / 10),
                    _ => write!(f, "p{whole}.{frac:02}"),
                }
            }
        }
    }
}

impl FromStr for Statistic {
    type Err = UnknownSetting;
    fn from_str(s: &str) -> Result<Self, UnknownSetting> {
        let unknown = || UnknownSetting {
            setting: "statistic",
            value: s.to_owned(),
            known: Statistic::NAMES,
        };
        if let Some(named) = Statistic::NAMED.iter().find(|v| v.to_string() == s) {
            return Ok(*named);
        }
        // Percentiles: `p` then 0..=100 with at most two decimals (p0.0 to p100, "up to two
        // decimal places", CloudWatch statistics definitions).
        let digits = s.strip_prefix('p').ok_or_else(unknown)?;
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > 3
            || !all_digits(whole)
            || !all_digits(frac)
            || frac.len() > 2
            || (digits.contains('.') && frac.is_empty())
        {
            return Err(unknown());
        }
        let whole: u32 = whole.parse().map_err(|_| unknown())?;
        let frac: u32 = format!("{frac:0<2}").parse().map_err(|_| unknown())?;
        let hundredths = u16::try_from(whole * 100 + frac)
            .ok()
            .filter(|&h| h <= 10_000)
            .ok_or_else(unknown)?;
        Ok(Statistic::Percentile(hundredths))
    }
}

impl serde::Serialize for Statistic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Statistic {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

setting! {
    /// How a datapoint is compared with the threshold (PutMetricAlarm `ComparisonOperator`).
    /// The three anomaly-detection band operators parse, and [`AlarmSpec::validate`] rejects
    /// them: a band is a model CloudWatch trains on the metric's history, not a number.
    #[derive(Default)]
    ComparisonOperator ("comparisonOperator") {
        /// Breaching when the datapoint is at or above the threshold.
        #[default]
        GreaterThanOrEqualToThreshold = "GreaterThanOrEqualToThreshold",
        /// Breaching when the datapoint is above the threshold.
        GreaterThanThreshold = "GreaterThanThreshold",
        /// Breaching when the datapoint is below the threshold.
        LessThanThreshold = "LessThanThreshold",
        /// Breaching when the datapoint is at or below the threshold.
        LessThanOrEqualToThreshold = "LessThanOrEqualToThreshold",
        /// Anomaly detection: outside the band (unsupported).
        LessThanLowerOrGreaterThanUpperThreshold = "LessThanLowerOrGreaterThanUpperThreshold",
        /// Anomaly detection: below the band (unsupported).
        LessThanLowerThreshold = "LessThanLowerThreshold",
        /// Anomaly detection: above the band (unsupported).
        GreaterThanUpperThreshold = "GreaterThanUpperThreshold",
    }
}

impl ComparisonOperator {
    /// Whether the operator compares with an anomaly-detection band, which cwfilter does not
    /// model (such an alarm fails [`AlarmSpec::validate`]).
    pub const fn is_anomaly_band(self) -> bool {
        matches!(
            self,
            ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold
                | ComparisonOperator::LessThanLowerThreshold
                | ComparisonOperator::GreaterThanUpperThreshold
        )
    }

    /// Whether `datapoint` breaches `threshold` under this operator (never, for the band
    /// operators, which have no threshold; validation rejects them first).
    pub fn breaches(self, datapoint: f64, threshold: f64) -> bool {
        match self {
            ComparisonOperator::GreaterThanOrEqualToThreshold => datapoint >= threshold,
            ComparisonOperator::GreaterThanThreshold => datapoint > threshold,
            ComparisonOperator::LessThanThreshold => datapoint < threshold,
            ComparisonOperator::LessThanOrEqualToThreshold => datapoint <= threshold,
            ComparisonOperator::LessThanLowerOrGreaterThanUpperThreshold
            | ComparisonOperator::LessThanLowerThreshold
            | ComparisonOperator::GreaterThanUpperThreshold => false,
        }
    }
}

/// A setting's value is not one of the names AWS accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSetting {
    /// The setting, as the config spells it (`treatMissingData`).
    pub setting: &'static str,
    /// The value given.
    pub value: String,
    /// The values accepted.
    pub known: &'static [&'static str],
}

impl fmt::Display for UnknownSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} `{}` (one of {})",
            self.setting,
            self.value,
            self.known.join(", ")
        )
    }
}

impl std::error::Error for UnknownSetting {}

/// One alarm on a metric. Serialized with AWS's PutMetricAlarm names in camelCase (the config
/// file's keys); the snake_case names of replay reports written before 0.2 are still read.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlarmSpec {
    /// The value a datapoint is compared with.
    pub threshold: f64,
    /// Period length in seconds (10, 20, 30 or a multiple of 60).
    pub period: u32,
    /// How many recent periods are evaluated (N).
    #[serde(alias = "evaluation_periods")]
    pub evaluation_periods: u32,
    /// How many of those must breach (M of N); CloudWatch's default is N.
    #[serde(alias = "datapoints_to_alarm")]
    pub datapoints_to_alarm: u32,
    /// How a period's values become its datapoint.
    #[serde(default)]
    pub statistic: Statistic,
    /// How a datapoint is compared with the threshold.
    #[serde(default, alias = "comparison_operator")]
    pub comparison_operator: ComparisonOperator,
    /// How periods without a datapoint are evaluated.
    #[serde(alias = "treat_missing_data")]
    pub treat_missing_data: TreatMissingData,
}

impl AlarmSpec {
    /// An alarm with CloudWatch's defaults: Sum, GreaterThanOrEqualToThreshold, M of N = N of
    /// N, missing data not breaching.
    pub fn new(threshold: f64, period: u32, evaluation_periods: u32) -> Self {
        AlarmSpec {
            threshold,
            period,
            evaluation_periods,
            datapoints_to_alarm: evaluation_periods,
            statistic: Statistic::default(),
            comparison_operator: ComparisonOperator::default(),
            treat_missing_data: TreatMissingData::default(),
        }
    }

    /// Checks the values the simulation depends on (CloudWatch rejects the same alarms).
    pub fn validate(&self) -> Result<(), AlarmError> {
        if !self.threshold.is_finite() {
            return Err(AlarmError::ThresholdNotFinite(self.threshold));
        }
        if self.comparison_operator.is_anomaly_band() {
            return Err(AlarmError::AnomalyBandOperator(self.comparison_operator));
        }
        if self.period == 0 {
            return Err(AlarmError::ZeroPeriod);
        }
        if self.evaluation_periods == 0 {
            return Err(AlarmError::ZeroEvaluationPeriods);
        }
        if self.datapoints_to_alarm == 0 || self.datapoints_to_alarm > self.evaluation_periods {
            return Err(AlarmError::DatapointsToAlarmOutOfRange {
                datapoints_to_alarm: self.datapoints_to_alarm,
                evaluation_periods: self.evaluation_periods,
            });
        }
        Ok(())
    }

    /// The period index holding an event at `secs` (periods are aligned to the UTC epoch).
    pub fn bucket_of(&self, secs: i64) -> i64 {
        secs.div_euclid(i64::from(self.period.max(1)))
    }

    /// The first second of period index `bucket`.
    pub fn bucket_start(&self, bucket: i64) -> i64 {
        bucket.saturating_mul(i64::from(self.period.max(1)))
    }
}

/// Why [`AlarmSpec::validate`] rejected an alarm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AlarmError {
    /// The threshold is NaN or infinite.
    ThresholdNotFinite(f64),
    /// An anomaly-detection band operator (needs a trained model, not a threshold).
    AnomalyBandOperator(ComparisonOperator),
    /// The period is 0 seconds.
    ZeroPeriod,
    /// evaluationPeriods is 0.
    ZeroEvaluationPeriods,
    /// datapointsToAlarm is 0 or more than evaluationPeriods.
    DatapointsToAlarmOutOfRange {
        /// M.
        datapoints_to_alarm: u32,
        /// N.
        evaluation_periods: u32,
    },
}

impl fmt::Display for AlarmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlarmError::ThresholdNotFinite(t) => write!(f, "threshold {t} is not a finite number"),
            AlarmError::AnomalyBandOperator(op) => write!(
                f,
                "comparisonOperator {op} compares with an anomaly detection band, which cwfilter does not simulate (use GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold or LessThanOrEqualToThreshold)"
            ),
            AlarmError::ZeroPeriod => f.write_str("period must be at least 1 second"),
            AlarmError::ZeroEvaluationPeriods => f.write_str("evaluationPeriods must be at least 1"),
            AlarmError::DatapointsToAlarmOutOfRange {
                datapoints_to_alarm,
                evaluation_periods,
            } => write!(
                f,
                "datapointsToAlarm {datapoints_to_alarm} must be between 1 and evaluationPeriods {evaluation_periods}"
            ),
        }
    }
}

impl std::error::Error for AlarmError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_round_trips_through_its_one_spelling() {
        for &t in TreatMissingData::ALL {
            assert_eq!(t.to_string().parse::<TreatMissingData>(), Ok(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{t}\""));
            assert_eq!(serde_json::from_str::<TreatMissingData>(&json).unwrap(), t);
        }
        for &c in ComparisonOperator::ALL {
            assert_eq!(c.to_string().parse::<ComparisonOperator>(), Ok(c));
        }
        assert_eq!("Sum".parse::<Statistic>(), Ok(Statistic::Sum));
    }

    #[test]
    fn unknown_setting_names_the_accepted_values() {
        let e = "notbreaching".parse::<TreatMissingData>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown treatMissingData `notbreaching` (one of notBreaching, breaching, ignore, missing)"
        );
        assert!(serde_json::from_str::<TreatMissingData>("\"x\"").is_err());
    }

    #[test]
    fn comparison_operators() {
        use ComparisonOperator::*;
        let cases = [
            (GreaterThanOrEqualToThreshold, [false, true, true]),
            (GreaterThanThreshold, [false, false, true]),
            (LessThanThreshold, [true, false, false]),
            (LessThanOrEqualToThreshold, [true, true, false]),
        ];
        for (op, expect) in cases {
            let got = [0.0, 1.0, 2.0].map(|v| op.breaches(v, 1.0));
            assert_eq!(got, expect, "{op}");
        }
    }

    #[test]
    fn alarm_json_uses_the_config_names_and_reads_the_old_report_names() {
        let spec = AlarmSpec::new(1.0, 300, 1);
        assert_eq!(
            serde_json::to_string(&spec).unwrap(),
            r#"{"threshold":1.0,"period":300,"evaluationPeriods":1,"datapointsToAlarm":1,"statistic":"Sum","comparisonOperator":"GreaterThanOrEqualToThreshold","treatMissingData":"notBreaching"}"#
        );
        let old = r#"{"threshold":1.0,"period":300,"evaluation_periods":1,"datapoints_to_alarm":1,"treat_missing_data":"notBreaching"}"#;
        assert_eq!(serde_json::from_str::<AlarmSpec>(old).unwrap(), spec);
    }

    #[test]
    fn validation() {
        assert!(AlarmSpec::new(1.0, 300, 1).validate().is_ok());
        assert!(AlarmSpec::new(f64::NAN, 300, 1).validate().is_err());
        assert_eq!(
            AlarmSpec::new(1.0, 0, 1).validate(),
            Err(AlarmError::ZeroPeriod)
        );
        assert_eq!(
            AlarmSpec::new(1.0, 300, 0).validate(),
            Err(AlarmError::ZeroEvaluationPeriods)
        );
        let mut s = AlarmSpec::new(1.0, 300, 2);
        s.datapoints_to_alarm = 3;
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "datapointsToAlarm 3 must be between 1 and evaluationPeriods 2"
        );
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
