//! `cwfilter detectors`: the enabled detectors after configuration, as a table or JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use cwfilter::detectors::{Detector, Profile};
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct Args {
    /// A config file (repeatable; `-` reads stdin), its kind detected from its content:
    /// simple-container YAML, `aws logs describe-metric-filters` or `aws cloudwatch
    /// describe-alarms` JSON. Without one, every detector of the profile with its defaults.
    #[arg(long, value_name = "FILE")]
    pub config: Vec<PathBuf>,
    /// Built-in catalog: `upstream` (simple-container's 23) or `securityhub` (CloudWatch.1-14).
    #[arg(long, value_name = "NAME", default_value = "upstream")]
    pub profile: Profile,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

pub fn run(args: Args) -> ExitCode {
    let loaded = match super::input::load_detectors(&args.config, args.profile) {
        Ok(loaded) => loaded,
        Err(e) => {
            for d in &e.errors {
                eprintln!("cwfilter: {d}");
            }
            return ExitCode::from(2);
        }
    };
    for w in &loaded.warnings {
        eprintln!("cwfilter: warning: {w}");
    }
    super::input::warn_if_none(&loaded, &args.config);
    let text = match args.format {
        Format::Json => {
            let array: Vec<Value> = loaded.detectors.iter().map(to_json).collect();
            match serde_json::to_string_pretty(&array) {
                Ok(s) => s + "\n",
                Err(e) => {
                    eprintln!("cwfilter: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        Format::Table => table(&loaded.detectors),
    };
    match super::output::print(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// A number as JSON, integral values without `.0` (thresholds are floats upstream).
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

pub(crate) fn to_json(d: &Detector) -> Value {
    let exclusions: Vec<Value> = d
        .exclusions
        .iter()
        .map(|c| {
            json!({
                "kind": c.kind.config_key(),
                "field": c.field,
                "values": c.values,
                "text": c.text,
            })
        })
        .collect();
    let mut object = serde_json::Map::new();
    object.insert("key".into(), json!(d.key));
    object.insert("metricName".into(), json!(d.metric_name));
    object.insert("description".into(), json!(d.description));
    object.insert("cisControl".into(), json!(d.cis_control));
    object.insert("pattern".into(), json!(d.pattern));
    object.insert("basePattern".into(), json!(d.base_pattern));
    object.insert("length".into(), json!(d.pattern_len()));
    // The alarm settings flat, serialized as the replay report's `alarm` object is (a struct
    // of numbers and names always serializes to an object).
    // A metric filter no alarm watches: the alarm fields are null.
    if let Ok(Value::Object(alarm)) = serde_json::to_value(&d.alarm) {
        if d.no_alarm {
            object.extend(alarm.into_iter().map(|(k, _)| (k, Value::Null)));
        } else {
            object.extend(alarm);
        }
    }
    object.insert("exclusions".into(), Value::Array(exclusions));
    object.insert("custom".into(), json!(d.custom));
    // The metric filter as deployed (catalog detectors: namespace "", metricValue "1").
    let m = &d.metric;
    object.insert("metricNamespace".into(), json!(m.namespace));
    object.insert("metricValue".into(), json!(m.value));
    object.insert("defaultValue".into(), json!(m.default_value));
    object.insert("dimensions".into(), json!(m.dimensions));
    object.insert("alarmDimensions".into(), json!(m.alarm_dimensions));
    object.insert("logGroupName".into(), json!(m.log_group));
    object.insert("alarmName".into(), json!(d.alarm_name));
    object.insert(
        "source".into(),
        match &d.source {
            Some(s) => json!({"file": s.file, "resource": s.resource}),
            None => Value::Null,
        },
    );
    Value::Object(object)
}

fn table(detectors: &[Detector]) -> String {
    let header = [
        "KEY",
        "METRIC",
        "CIS",
        "THRESHOLD",
        "PERIOD",
        "M/N",
        "LENGTH",
        "EXCL",
        "DESCRIPTION",
    ];
    let rows: Vec<[String; 9]> = detectors
        .iter()
        .map(|d| {
            [
                d.key.clone(),
                d.metric_name.clone(),
                d.cis_control.clone().unwrap_or_else(|| "-".to_owned()),
                if d.no_alarm {
                    "no alarm".to_owned()
                } else {
                    number(d.alarm.threshold).to_string()
                },
                if d.no_alarm {
                    "-".to_owned()
                } else {
                    d.alarm.period.to_string()
                },
                if d.no_alarm {
                    "-".to_owned()
                } else {
                    format!(
                        "{}/{}",
                        d.alarm.datapoints_to_alarm, d.alarm.evaluation_periods
                    )
                },
                d.pattern_len().to_string(),
                d.exclusions.len().to_string(),
                // A deployed detector names where it comes from (its description is in JSON).
                d.source
                    .as_ref()
                    .map_or_else(|| d.description.clone(), ToString::to_string),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let last = cells.len() - 1;
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                let pad = widths[i] - cell.chars().count() + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        line(&cells);
    }
    out
}
