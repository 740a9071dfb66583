//! `cwfilter detectors`: the enabled detectors after configuration, as a table or JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use cwfilter::detectors::{Detector, Profile};
use cwfilter::replay::alarm::TreatMissingData;
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct Args {
    /// YAML config: a top-level `alerts:` block or a simple-container server.yaml (`-`
    /// reads stdin).
    /// Without it, every detector of the profile is enabled with its defaults.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
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
    let loaded = match super::input::load_detectors(args.config.as_deref(), args.profile) {
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
    super::input::warn_if_none(&loaded, args.config.as_deref());
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

fn treat_missing(t: TreatMissingData) -> &'static str {
    match t {
        TreatMissingData::NotBreaching => "notBreaching",
        TreatMissingData::Breaching => "breaching",
        TreatMissingData::Ignore => "ignore",
        TreatMissingData::Missing => "missing",
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
    json!({
        "key": d.key,
        "metricName": d.metric_name,
        "description": d.description,
        "cisControl": d.cis_control,
        "pattern": d.pattern,
        "basePattern": d.base_pattern,
        "length": d.pattern_len(),
        "threshold": number(d.alarm.threshold),
        "period": d.alarm.period,
        "evaluationPeriods": d.alarm.evaluation_periods,
        "datapointsToAlarm": d.alarm.datapoints_to_alarm,
        "statistic": "Sum",
        "comparisonOperator": "GreaterThanOrEqualToThreshold",
        "treatMissingData": treat_missing(d.alarm.treat_missing_data),
        "exclusions": exclusions,
        "custom": d.custom,
    })
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
                number(d.alarm.threshold).to_string(),
                d.alarm.period.to_string(),
                format!(
                    "{}/{}",
                    d.alarm.datapoints_to_alarm, d.alarm.evaluation_periods
                ),
                d.pattern_len().to_string(),
                d.exclusions.len().to_string(),
                d.description.clone(),
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
