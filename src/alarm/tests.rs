//! The alarm and metric model against its case file, tests/data/alarm-model.json: one test
//! per rule of docs/alarms.md.

use std::collections::BTreeMap;

use serde_json::Value;

use super::*;
use crate::eval::{Message, MetricTransformation, MetricValue};
use crate::Pattern;

fn cases() -> Value {
    serde_json::from_str(include_str!("../../tests/data/alarm-model.json")).unwrap()
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[test]
fn statistics_over_a_period() {
    for case in cases()["statistics"].as_array().unwrap() {
        let rule = case["rule"].as_str().unwrap();
        let mut period = PeriodValues::default();
        for v in case["values"].as_array().unwrap() {
            period.push(v.as_f64().unwrap());
        }
        for (name, expect) in case["expect"].as_object().unwrap() {
            let statistic: Statistic = name.parse().unwrap();
            assert_eq!(period.statistic(statistic), num(expect), "{rule}: {name}");
        }
    }
}

#[test]
fn statistic_names() {
    let names = &cases()["statistic_names"];
    for pair in names["valid"].as_array().unwrap() {
        let (text, canonical) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        let s: Statistic = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(s.to_string(), canonical, "{text}");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Statistic>(&json).unwrap(), s);
    }
    for text in names["invalid"].as_array().unwrap() {
        let text = text.as_str().unwrap();
        let e = text.parse::<Statistic>().unwrap_err();
        assert!(
            e.to_string()
                .contains("(one of Sum, SampleCount, Average, Minimum, Maximum, pNN"),
            "{text}: {e}"
        );
    }
}

#[test]
fn comparison_operators() {
    let ops = &cases()["operators"];
    let threshold = ops["threshold"].as_f64().unwrap();
    for case in ops["cases"].as_array().unwrap() {
        let op: ComparisonOperator = case[0].as_str().unwrap().parse().unwrap();
        let datapoint = case[1].as_f64().unwrap();
        assert_eq!(
            op.breaches(datapoint, threshold),
            case[2].as_bool().unwrap(),
            "{op} {datapoint}"
        );
    }
    for name in ops["unsupported"].as_array().unwrap() {
        let op: ComparisonOperator = name.as_str().unwrap().parse().unwrap();
        let spec = AlarmSpec {
            comparison_operator: op,
            ..AlarmSpec::new(1.0, 300, 1)
        };
        let e = spec.validate().unwrap_err().to_string();
        assert!(e.contains("anomaly detection band"), "{e}");
        assert!(e.contains(op.name()), "{e}");
    }
    for name in ops["unknown"].as_array().unwrap() {
        let e = name.as_str().unwrap().parse::<ComparisonOperator>();
        assert!(e.is_err(), "{name}");
    }
}

fn state(name: &str) -> AlarmState {
    match name {
        "OK" => AlarmState::Ok,
        "ALARM" => AlarmState::Alarm,
        "INSUFFICIENT_DATA" => AlarmState::InsufficientData,
        other => panic!("unknown state {other}"),
    }
}

#[test]
fn missing_data_in_the_m_of_n_window() {
    let section = &cases()["missing_data"];
    for case in section["cases"].as_array().unwrap() {
        let points: Vec<Option<f64>> = case["points"]
            .as_str()
            .unwrap()
            .split(' ')
            .map(|p| match p {
                "0" => Some(0.0),
                "X" => Some(1.0),
                "-" => None,
                other => panic!("bad point {other}"),
            })
            .collect();
        for &treat in TreatMissingData::ALL {
            let spec = AlarmSpec {
                datapoints_to_alarm: case["m"].as_u64().unwrap() as u32,
                treat_missing_data: treat,
                ..AlarmSpec::new(1.0, 300, case["n"].as_u64().unwrap() as u32)
            };
            let expect = case[treat.name()].as_str().unwrap();
            let label = format!("{} {}", case["points"], treat);
            for current in [
                AlarmState::Ok,
                AlarmState::Alarm,
                AlarmState::InsufficientData,
            ] {
                let want = if expect == "RETAIN" {
                    current
                } else {
                    state(expect)
                };
                assert_eq!(decide_window(&spec, &points, current), want, "{label}");
            }
        }
    }
}

#[test]
fn metric_filters_publish_series_alarms_select_one() {
    for case in cases()["metric_filters"].as_array().unwrap() {
        let rule = case["rule"].as_str().unwrap();
        let pattern = Pattern::parse(case["pattern"].as_str().unwrap()).unwrap();
        let transformation = MetricTransformation {
            value: MetricValue::parse(case["metricValue"].as_str().unwrap()).unwrap(),
            default_value: case["defaultValue"].as_f64(),
        };
        let dimensions: Vec<(String, MetricValue)> = case["dimensions"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), MetricValue::parse(v.as_str().unwrap()).unwrap()))
            .collect();
        let alarm_dimensions: Dimensions = case["alarmDimensions"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let mut series = MetricSeries::default();
        for event in case["events"].as_array().unwrap() {
            let bucket = event[0].as_i64().unwrap();
            let out = match &event[1] {
                Value::String(line) => {
                    published(&pattern, &transformation, &dimensions, &Message::new(line))
                }
                json => published(&pattern, &transformation, &dimensions, json),
            };
            series.record(bucket, out, transformation.empty_period_value());
        }
        for (name, expect) in case["expect"].as_object().unwrap() {
            let statistic: Statistic = name.parse().unwrap();
            let want: BTreeMap<i64, f64> = expect
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_i64().unwrap(), p[1].as_f64().unwrap()))
                .collect();
            assert_eq!(
                series.datapoints(statistic, &alarm_dimensions),
                want,
                "{rule}: {name}"
            );
        }
    }
}

#[test]
fn replay_counts_under_each_statistic() {
    // The replay keeps a count per period; a period of n matches of metricValue 1 holds n ones.
    let p = PeriodValues::repeated(1.0, 7);
    assert_eq!(p.statistic(Statistic::Sum), Some(7.0));
    assert_eq!(p.statistic(Statistic::SampleCount), Some(7.0));
    assert_eq!(p.statistic(Statistic::Average), Some(1.0));
    assert_eq!(p.statistic(Statistic::Percentile(9900)), Some(1.0));
    assert_eq!(
        PeriodValues::repeated(1.0, 0).statistic(Statistic::Sum),
        None
    );
}
