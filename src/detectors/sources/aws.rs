//! `aws logs describe-metric-filters --output json` and `aws cloudwatch describe-alarms --output
//! json`: the field names of the CloudWatch Logs `MetricFilter` and CloudWatch `MetricAlarm`
//! API shapes, one page per JSON document.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{whole_count, AlarmDef, Deployed, FilterDef};
use crate::detectors::MetricFilterSpec;

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A number as the CLI prints it (`1.0`, `300`); `Err` names what it found instead.
fn number(v: &Value, key: &str) -> Result<Option<f64>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(other) => Err(format!("{key} is {other}, not a number")),
    }
}

fn count(v: &Value, key: &str) -> Result<Option<u32>, String> {
    number(v, key)?.map(|x| whole_count(key, x)).transpose()
}

pub(super) fn read_filters(file: &str, doc: &Value, out: &mut Deployed) {
    let Some(list) = doc.get("metricFilters").and_then(Value::as_array) else {
        out.error(file, "metricFilters is not a list".into());
        return;
    };
    for (i, f) in list.iter().enumerate() {
        let name = text(f, "filterName");
        let resource = match &name {
            Some(n) => format!("metric filter {n}"),
            None => format!("metricFilters[{i}]"),
        };
        let Some(name) = name else {
            out.error(file, format!("{resource} has no filterName"));
            continue;
        };
        // An empty filterPattern is legal in AWS and matches every event.
        let pattern = text(f, "filterPattern").unwrap_or_default();
        let transformations = f.get("metricTransformations").and_then(Value::as_array);
        let Some([t]) = transformations.map(Vec::as_slice) else {
            out.error(
                file,
                format!("{resource} must have exactly one metricTransformations entry"),
            );
            continue;
        };
        let (Some(metric_name), Some(namespace)) =
            (text(t, "metricName"), text(t, "metricNamespace"))
        else {
            out.error(
                file,
                format!("{resource} has no metricName and metricNamespace"),
            );
            continue;
        };
        let default_value = match number(t, "defaultValue") {
            Ok(v) => v,
            Err(e) => {
                out.error(file, format!("{resource}: {e}"));
                continue;
            }
        };
        let mut dimensions = BTreeMap::new();
        if let Some(dims) = t.get("dimensions").and_then(Value::as_object) {
            for (k, v) in dims {
                match v.as_str() {
                    Some(r) => {
                        dimensions.insert(k.clone(), r.to_owned());
                    }
                    None => out.error(file, format!("{resource}: dimension {k} is not a string")),
                }
            }
        }
        out.filters.push(FilterDef {
            file: file.to_owned(),
            resource,
            name,
            pattern,
            metric_name,
            metric: MetricFilterSpec {
                namespace,
                value: text(t, "metricValue").unwrap_or_else(|| "1".to_owned()),
                default_value,
                dimensions,
                alarm_dimensions: BTreeMap::new(),
                log_group: text(f, "logGroupName"),
            },
            origin: Default::default(),
        });
    }
}

pub(super) fn read_alarms(file: &str, doc: &Value, out: &mut Deployed) {
    if let Some(composite) = doc.get("CompositeAlarms").and_then(Value::as_array) {
        for c in composite {
            let name = text(c, "AlarmName").unwrap_or_default();
            out.warn(
                file,
                format!("composite alarm {name} skipped: it combines other alarms' states, not a metric"),
            );
        }
    }
    let Some(list) = doc.get("MetricAlarms") else {
        return;
    };
    let Some(list) = list.as_array() else {
        out.error(file, "MetricAlarms is not a list".into());
        return;
    };
    for (i, a) in list.iter().enumerate() {
        let Some(name) = text(a, "AlarmName") else {
            out.error(file, format!("MetricAlarms[{i}] has no AlarmName"));
            continue;
        };
        let resource = format!("alarm {name}");
        let mut dimensions = BTreeMap::new();
        for d in a
            .get("Dimensions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match (text(d, "Name"), text(d, "Value")) {
                (Some(k), Some(v)) => {
                    dimensions.insert(k, v);
                }
                _ => out.error(file, format!("{resource}: a dimension lacks Name or Value")),
            }
        }
        let numbers = (|| {
            Ok::<_, String>((
                count(a, "Period")?,
                count(a, "EvaluationPeriods")?,
                count(a, "DatapointsToAlarm")?,
                number(a, "Threshold")?,
            ))
        })();
        let (period, evaluation_periods, datapoints_to_alarm, threshold) = match numbers {
            Ok(n) => n,
            Err(e) => {
                out.error(file, format!("{resource}: {e}"));
                continue;
            }
        };
        out.alarms.push(AlarmDef {
            file: file.to_owned(),
            resource,
            name,
            description: text(a, "AlarmDescription"),
            namespace: text(a, "Namespace"),
            metric_name: text(a, "MetricName"),
            dimensions,
            statistic: text(a, "Statistic"),
            extended_statistic: text(a, "ExtendedStatistic"),
            period,
            evaluation_periods,
            datapoints_to_alarm,
            threshold,
            comparison_operator: text(a, "ComparisonOperator"),
            treat_missing_data: text(a, "TreatMissingData"),
            metric_math: a
                .get("Metrics")
                .and_then(Value::as_array)
                .is_some_and(|m| !m.is_empty()),
        });
    }
}
