//! `terraform show -json`, of a state or of a saved plan: the `aws_cloudwatch_log_metric_filter`
//! and `aws_cloudwatch_metric_alarm` resources of the root module and of every child module.
//!
//! The JSON output format (<https://developer.hashicorp.com/terraform/internals/json-format>):
//! a state has `values.root_module`, a plan `planned_values.root_module`; a module holds
//! `resources` (each with `address`, `mode`, `type` and `values`) and `child_modules`. Attribute
//! names are the AWS provider's. In a state, an attribute the configuration left unset holds
//! the provider's zero value (`""`, `0`, `[]`); in a plan it is `null`, and an attribute
//! known only after apply is absent. Both mean unset here, except that a value the simulation
//! needs and cannot have (a pattern computed at apply time) is an error naming the resource.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{whole_count, AlarmDef, Deployed, FilterDef};
use crate::detectors::MetricFilterSpec;

/// Whether `doc` is `terraform show -json` output.
pub(super) fn is_terraform(doc: &Value) -> bool {
    doc.get("format_version").is_some()
        && ["values", "planned_values", "terraform_version"]
            .iter()
            .any(|k| doc.get(k).is_some())
}

/// Reads every metric filter and alarm of a state or plan.
pub(super) fn read(file: &str, doc: &Value, out: &mut Deployed) {
    // A plan also carries `prior_state`; what will be deployed is `planned_values`.
    let root = doc
        .pointer("/planned_values/root_module")
        .or_else(|| doc.pointer("/values/root_module"));
    if let Some(root) = root {
        walk(file, root, out);
    }
}

fn walk(file: &str, module: &Value, out: &mut Deployed) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if r.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        let address = r
            .get("address")
            .and_then(Value::as_str)
            .unwrap_or("<resource without address>");
        let empty = Value::Null;
        let values = r.get("values").unwrap_or(&empty);
        match r.get("type").and_then(Value::as_str) {
            Some("aws_cloudwatch_log_metric_filter") => filter(file, address, values, out),
            Some("aws_cloudwatch_metric_alarm") => alarm(file, address, values, out),
            _ => {}
        }
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk(file, child, out);
    }
}

/// A set string attribute: `null`, absent and `""` are unset.
fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A number attribute; `zero_is_unset` for the provider's `0` zero value of optional counts.
fn number(v: &Value, key: &str, zero_is_unset: bool) -> Result<Option<f64>, String> {
    let n = match v.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64(),
        // Terraform writes numbers as numbers, but a string is what a variable may carry.
        Some(Value::String(s)) if s.is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    match n {
        Some(x) if zero_is_unset && x == 0.0 => Ok(None),
        Some(x) if x.is_finite() => Ok(Some(x)),
        _ => Err(format!("{key} is {}, not a number", v[key])),
    }
}

fn count(v: &Value, key: &str, zero_is_unset: bool) -> Result<Option<u32>, String> {
    number(v, key, zero_is_unset)?
        .map(|x| whole_count(key, x))
        .transpose()
}

/// A map attribute of strings (`dimensions`); `null` is empty.
fn string_map(v: &Value, key: &str) -> Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    match v.get(key) {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            for (k, x) in o {
                let Some(s) = x.as_str() else {
                    return Err(format!("{key}.{k} is {x}, not a string"));
                };
                map.insert(k.clone(), s.to_owned());
            }
        }
        Some(other) => return Err(format!("{key} is {other}, not a map")),
    }
    Ok(map)
}

fn filter(file: &str, address: &str, v: &Value, out: &mut Deployed) {
    let resource = address.to_owned();
    let needed = |key: &str| match v.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        None => Err(format!(
            "{resource}: {key} is not known (a plan leaves out what is computed at apply time)"
        )),
        Some(other) => Err(format!("{resource}: {key} is {other}, not a string")),
    };
    let (name, pattern) = match (needed("name"), needed("pattern")) {
        (Ok(n), Ok(p)) => (n, p),
        (Err(e), _) | (_, Err(e)) => return out.error(file, e),
    };
    let transformations = v.get("metric_transformation").and_then(Value::as_array);
    let Some([t]) = transformations.map(Vec::as_slice) else {
        return out.error(
            file,
            format!("{resource} must have exactly one metric_transformation block"),
        );
    };
    let (Some(metric_name), Some(namespace)) = (text(t, "name"), text(t, "namespace")) else {
        return out.error(
            file,
            format!("{resource}: metric_transformation has no name and namespace"),
        );
    };
    // The provider keeps default_value as a string ("" when unset).
    let default_value = match number(t, "default_value", false) {
        Ok(d) => d,
        Err(e) => return out.error(file, format!("{resource}: {e}")),
    };
    let dimensions = match string_map(t, "dimensions") {
        Ok(d) => d,
        Err(e) => return out.error(file, format!("{resource}: {e}")),
    };
    out.filters.push(FilterDef {
        file: file.to_owned(),
        resource,
        name,
        pattern,
        metric_name,
        metric: MetricFilterSpec {
            namespace,
            value: text(t, "value").unwrap_or_else(|| "1".to_owned()),
            default_value,
            dimensions,
            alarm_dimensions: BTreeMap::new(),
            log_group: text(v, "log_group_name"),
        },
        origin: Default::default(),
    });
}

fn alarm(file: &str, address: &str, v: &Value, out: &mut Deployed) {
    let resource = address.to_owned();
    let Some(name) = text(v, "alarm_name") else {
        return out.error(
            file,
            format!("{resource}: alarm_name is not known (a plan leaves out what is computed at apply time)"),
        );
    };
    let settings = (|| {
        Ok::<_, String>((
            count(v, "period", true)?,
            count(v, "evaluation_periods", true)?,
            count(v, "datapoints_to_alarm", true)?,
            number(v, "threshold", false)?,
            string_map(v, "dimensions")?,
        ))
    })();
    let (period, evaluation_periods, datapoints_to_alarm, threshold, dimensions) = match settings {
        Ok(s) => s,
        Err(e) => return out.error(file, format!("{resource}: {e}")),
    };
    out.alarms.push(AlarmDef {
        file: file.to_owned(),
        resource,
        name,
        description: text(v, "alarm_description"),
        namespace: text(v, "namespace"),
        metric_name: text(v, "metric_name"),
        dimensions,
        statistic: text(v, "statistic"),
        extended_statistic: text(v, "extended_statistic"),
        period,
        evaluation_periods,
        datapoints_to_alarm,
        threshold,
        comparison_operator: text(v, "comparison_operator"),
        treat_missing_data: text(v, "treat_missing_data"),
        metric_math: v
            .get("metric_query")
            .and_then(Value::as_array)
            .is_some_and(|q| !q.is_empty()),
    });
}
