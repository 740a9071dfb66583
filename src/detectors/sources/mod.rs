//! Config files of every kind, detected from their content, and the join of deployed metric
//! filters with the alarms that watch their metrics.
//!
//! A simple-container config gives its detectors as [`super::config`] builds them. The other
//! kinds (AWS CLI output, `terraform show -json`, CloudFormation templates) are read into [`FilterDef`]s and [`AlarmDef`]s, then joined
//! across all files: an alarm watches the metric filters that publish its (namespace, metric
//! name, dimension names), and each watched filter becomes a detector. Loading is all or
//! nothing: one error anywhere rejects the whole set.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{
    config, ConfigError, Detector, Diagnostic, Loaded, MetricFilterSpec, Origin, Profile, Source,
};
use crate::alarm::{AlarmSpec, ComparisonOperator, Statistic, TreatMissingData};

mod aws;
mod cloudformation;
mod terraform;

/// What a config file holds, as detected from its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// simple-container YAML: a top-level `alerts:` or a server.yaml with the resource.
    SimpleContainer,
    /// `aws logs describe-metric-filters --output json` (`metricFilters`).
    AwsMetricFilters,
    /// `aws cloudwatch describe-alarms --output json` (`MetricAlarms`).
    AwsAlarms,
    /// `terraform show -json` of a state or a saved plan.
    Terraform,
    /// A CloudFormation template, JSON or YAML.
    CloudFormation,
}

impl Kind {
    /// The kinds accepted, as error messages list them.
    pub const ACCEPTED: &'static str = "simple-container YAML (alerts:), `aws logs describe-metric-filters` JSON (metricFilters), `aws cloudwatch describe-alarms` JSON (MetricAlarms), `terraform show -json` (state or plan), a CloudFormation template (JSON or YAML)";
}

/// A metric filter as deployed (one per transformation; AWS allows exactly one).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FilterDef {
    pub file: String,
    /// How the file names it (`metric filter NAME`).
    pub resource: String,
    pub name: String,
    pub pattern: String,
    pub metric_name: String,
    pub metric: MetricFilterSpec,
    /// Where the resource is written, when the source has lines (a template).
    pub origin: Origin,
}

/// A metric alarm as deployed; `None` = unset (the source's zero values already mapped).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct AlarmDef {
    pub file: String,
    pub resource: String,
    pub name: String,
    pub description: Option<String>,
    pub namespace: Option<String>,
    pub metric_name: Option<String>,
    pub dimensions: BTreeMap<String, String>,
    pub statistic: Option<String>,
    pub extended_statistic: Option<String>,
    pub period: Option<u32>,
    pub evaluation_periods: Option<u32>,
    pub datapoints_to_alarm: Option<u32>,
    pub threshold: Option<f64>,
    pub comparison_operator: Option<String>,
    pub treat_missing_data: Option<String>,
    /// The alarm is on metric math (`Metrics`), not one metric.
    pub metric_math: bool,
}

/// What the non-simple-container files hold, and the problems found reading them.
#[derive(Default)]
pub(crate) struct Deployed {
    pub filters: Vec<FilterDef>,
    pub alarms: Vec<AlarmDef>,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl Deployed {
    pub fn error(&mut self, file: &str, message: String) {
        self.errors.push(diag(file, message));
    }

    pub fn error_at(&mut self, file: &str, position: Option<(u64, u64)>, message: String) {
        self.errors.push(Diagnostic {
            position,
            ..diag(file, message)
        });
    }
    pub fn warn(&mut self, file: &str, message: String) {
        self.warnings.push(diag(file, message));
    }
}

/// A count setting (Period, EvaluationPeriods, DatapointsToAlarm) as every source reads it: a
/// whole number from 0 to `u32::MAX`; `Err` says what `key` holds instead.
fn whole_count(key: &str, x: f64) -> Result<u32, String> {
    if x >= 0.0 && x.fract() == 0.0 && x <= f64::from(u32::MAX) {
        Ok(x as u32)
    } else {
        Err(format!("{key} is {x}, not a whole number of at least 0"))
    }
}

fn diag(file: &str, message: String) -> Diagnostic {
    Diagnostic {
        file: file.to_owned(),
        position: None,
        message,
        help: None,
    }
}

/// The JSON documents of a file: one, or several concatenated (paginated CLI output); `None`
/// when the text is not JSON at all.
fn json_documents(text: &str) -> Option<Result<Vec<Value>, serde_json::Error>> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with('{') && !t.starts_with('[') {
        return None;
    }
    Some(
        serde_json::Deserializer::from_str(t)
            .into_iter::<Value>()
            .collect(),
    )
}

/// Where in `text` a [`json_documents`] error is: serde_json counts from the first `{` or `[`,
/// after the byte-order mark and leading whitespace that function skips.
fn json_error_position(text: &str, e: &serde_json::Error) -> (u64, u64) {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    let skipped = &text[..text.len() - t.len()];
    let lines = skipped.matches('\n').count();
    let column = if e.line() <= 1 {
        let before = skipped.rsplit('\n').next().unwrap_or("");
        e.column() + before.trim_start_matches('\u{feff}').chars().count()
    } else {
        e.column()
    };
    ((e.line().max(1) + lines) as u64, column.max(1) as u64)
}

/// The kind of one JSON document, if it is one of the deployed-config kinds.
fn json_kind(doc: &Value) -> Option<Kind> {
    let o = doc.as_object()?;
    if o.contains_key("metricFilters") {
        Some(Kind::AwsMetricFilters)
    } else if terraform::is_terraform(doc) {
        Some(Kind::Terraform)
    } else if o.contains_key("MetricAlarms") || o.contains_key("CompositeAlarms") {
        Some(Kind::AwsAlarms)
    } else {
        None
    }
}

pub(super) fn load_files(
    files: &[(String, String)],
    profile: Profile,
) -> Result<Loaded, ConfigError> {
    if files.is_empty() {
        return config::build(None, "<defaults>", profile);
    }
    let mut detectors = Vec::new();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut deployed = Deployed::default();
    for (file, text) in files {
        match json_documents(text) {
            Some(Err(e)) => deployed.error_at(
                file,
                Some(json_error_position(text, &e)),
                format!("malformed JSON: {}", crate::trail::reader::json_message(&e)),
            ),
            Some(Ok(docs)) if docs.first().and_then(json_kind).is_some() => {
                for (i, doc) in docs.iter().enumerate() {
                    match json_kind(doc) {
                        Some(Kind::AwsMetricFilters) => aws::read_filters(file, doc, &mut deployed),
                        Some(Kind::AwsAlarms) => aws::read_alarms(file, doc, &mut deployed),
                        Some(Kind::Terraform) => terraform::read(file, doc, &mut deployed),
                        _ => deployed.error(
                            file,
                            format!(
                                "JSON document {} is of no known kind (accepted: {})",
                                i + 1,
                                Kind::ACCEPTED
                            ),
                        ),
                    }
                }
            }
            Some(Ok(docs))
                if docs.len() == 1
                    && docs[0].as_object().is_some_and(|o| {
                        o.contains_key("AWSTemplateFormatVersion") || o.contains_key("Resources")
                    }) =>
            {
                read_template(file, text, &mut deployed);
            }
            Some(Ok(docs))
                if !docs
                    .first()
                    .and_then(Value::as_object)
                    .is_some_and(|o| o.contains_key("alerts") || o.contains_key("resources")) =>
            {
                deployed.error(
                    file,
                    format!("a config of no known kind (accepted: {})", Kind::ACCEPTED),
                );
            }
            None if looks_like_template(text) => read_template(file, text, &mut deployed),
            _ => match config::build(Some(text), file, profile) {
                Ok(loaded) => {
                    detectors.extend(loaded.detectors);
                    warnings.extend(loaded.warnings);
                }
                Err(e) => errors.extend(e.errors),
            },
        }
    }
    if !deployed.filters.is_empty() || !deployed.alarms.is_empty() {
        detectors.extend(join(&mut deployed));
    }
    errors.append(&mut deployed.errors);
    warnings.append(&mut deployed.warnings);
    let mut seen = BTreeMap::new();
    for d in &detectors {
        let from = d
            .source
            .as_ref()
            .map_or_else(String::new, |s| s.file.clone());
        if let Some(first) = seen.insert(d.key.clone(), from.clone()) {
            errors.push(diag(
                if from.is_empty() { "<config>" } else { &from },
                format!(
                    "detector `{}` is defined twice (also in {})",
                    d.key,
                    if first.is_empty() {
                        "a simple-container config"
                    } else {
                        &first
                    }
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ConfigError { errors });
    }
    detectors.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(Loaded {
        detectors,
        warnings,
    })
}

/// Whether YAML text is a CloudFormation template rather than a simple-container config
/// (parsed once more by [`read_template`]; templates are small).
fn looks_like_template(text: &str) -> bool {
    cloudformation::parse(text).is_ok_and(|doc| cloudformation::is_template(&doc))
}

fn read_template(file: &str, text: &str, deployed: &mut Deployed) {
    match cloudformation::parse(text) {
        Ok(doc) => cloudformation::read(file, &doc, deployed),
        Err(e) => deployed.error(file, format!("malformed template: {e}")),
    }
}

/// The alarm's settings, or why it cannot be simulated: `Err(Ok(reason))` = skipped (listed
/// as a warning), `Err(Err(message))` = an error.
fn alarm_spec(a: &AlarmDef) -> Result<AlarmSpec, Result<String, String>> {
    let statistic = match (&a.statistic, &a.extended_statistic) {
        (Some(s), _) | (None, Some(s)) => s.parse::<Statistic>().map_err(|e| Err(e.to_string()))?,
        (None, None) => return Err(Err("has neither Statistic nor ExtendedStatistic".into())),
    };
    let comparison_operator = match &a.comparison_operator {
        Some(c) => c
            .parse::<ComparisonOperator>()
            .map_err(|e| Err(e.to_string()))?,
        None => return Err(Err("has no ComparisonOperator".into())),
    };
    if comparison_operator.is_anomaly_band() {
        return Err(Ok(format!(
            "compares with an anomaly detection band ({comparison_operator}), which cwfilter does not simulate"
        )));
    }
    let treat_missing_data = match &a.treat_missing_data {
        Some(t) => t
            .parse::<TreatMissingData>()
            .map_err(|e| Err(e.to_string()))?,
        // PutMetricAlarm: "If this parameter is omitted, the default behavior of missing is used."
        None => TreatMissingData::Missing,
    };
    let need = |v: Option<u32>, what: &str| v.ok_or_else(|| Err(format!("has no {what}")));
    let period = need(a.period, "Period")?;
    let evaluation_periods = need(a.evaluation_periods, "EvaluationPeriods")?;
    let threshold = a
        .threshold
        .ok_or_else(|| Err("has no Threshold".to_owned()))?;
    let spec = AlarmSpec {
        threshold,
        period,
        evaluation_periods,
        datapoints_to_alarm: a.datapoints_to_alarm.unwrap_or(evaluation_periods),
        statistic,
        comparison_operator,
        treat_missing_data,
    };
    spec.validate().map_err(|e| Err(e.to_string()))?;
    if !(matches!(period, 10 | 20 | 30) || period % 60 == 0) {
        return Err(Err(format!(
            "Period {period} is not 10, 20, 30 or a multiple of 60 seconds"
        )));
    }
    Ok(spec)
}

/// Joins the deployed filters with their alarms: one detector per (filter, alarm) pair.
fn join(d: &mut Deployed) -> Vec<Detector> {
    // The same filter listed twice (overlapping pages, or two files) is one filter.
    let mut filters: Vec<FilterDef> = Vec::new();
    for f in std::mem::take(&mut d.filters) {
        match filters
            .iter()
            .find(|g| g.name == f.name && g.metric.log_group == f.metric.log_group)
        {
            Some(g)
                if g.pattern == f.pattern
                    && g.metric == f.metric
                    && g.metric_name == f.metric_name => {}
            Some(g) => {
                let message = format!(
                    "{} is listed twice with different settings (also in {})",
                    f.resource, g.file
                );
                d.error(&f.file, message);
            }
            None => filters.push(f),
        }
    }
    for f in &filters {
        let file = f.file.clone();
        if let Err(e) = crate::syntax::parse(&f.pattern) {
            d.error(
                &file,
                format!("{}: filterPattern does not parse: {e}", f.resource),
            );
        }
        if let Err(e) = crate::eval::MetricValue::parse(&f.metric.value) {
            d.error(&file, format!("{}: {e}", f.resource));
        }
        for (name, reference) in &f.metric.dimensions {
            if !reference.starts_with('$') || crate::eval::MetricValue::parse(reference).is_err() {
                d.error(
                    &file,
                    format!(
                        "{}: dimension {name} = {reference:?} is not a $.field or $field reference",
                        f.resource
                    ),
                );
            }
        }
        if f.metric.default_value.is_some() && !f.metric.dimensions.is_empty() {
            d.error(
                &file,
                format!(
                    "{}: has both a defaultValue and dimensions, which AWS rejects",
                    f.resource
                ),
            );
        }
    }
    let mut alarms: Vec<AlarmDef> = Vec::new();
    for a in std::mem::take(&mut d.alarms) {
        match alarms.iter().find(|b| b.name == a.name) {
            Some(b)
                if *b
                    == AlarmDef {
                        file: b.file.clone(),
                        ..a.clone()
                    } => {}
            Some(b) => {
                let message = format!(
                    "{} is listed twice with different settings (also in {})",
                    a.resource, b.file
                );
                d.error(&a.file, message);
            }
            None => alarms.push(a),
        }
    }

    let mut watched = BTreeSet::new();
    // (filter index, alarm, spec)
    let mut pairs: Vec<(usize, &AlarmDef, AlarmSpec)> = Vec::new();
    for a in &alarms {
        if a.metric_math {
            d.warn(&a.file, format!("{} skipped: it alarms on metric math (Metrics), which cwfilter does not simulate", a.resource));
            continue;
        }
        let (Some(ns), Some(metric)) = (&a.namespace, &a.metric_name) else {
            d.error(
                &a.file,
                format!("{} has no Namespace and MetricName", a.resource),
            );
            continue;
        };
        let spec = match alarm_spec(a) {
            Ok(s) => s,
            Err(Ok(reason)) => {
                d.warn(&a.file, format!("{} skipped: it {reason}", a.resource));
                continue;
            }
            Err(Err(message)) => {
                d.error(&a.file, format!("{} {message}", a.resource));
                continue;
            }
        };
        let names: BTreeSet<&String> = a.dimensions.keys().collect();
        let publishers: Vec<usize> = filters
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.metric.namespace == *ns
                    && f.metric_name == *metric
                    && f.metric.dimensions.keys().collect::<BTreeSet<_>>() == names
            })
            .map(|(i, _)| i)
            .collect();
        match publishers.as_slice() {
            [] => d.warn(
                &a.file,
                format!(
                    "{} skipped: no metric filter given publishes {ns}/{metric}{}",
                    a.resource,
                    dims_text(&a.dimensions)
                ),
            ),
            [i] => {
                watched.insert(*i);
                pairs.push((*i, a, spec));
            }
            many => {
                let names: Vec<&str> = many.iter().map(|&i| filters[i].name.as_str()).collect();
                d.warn(
                    &a.file,
                    format!(
                        "{} skipped: {} metric filters publish {ns}/{metric} ({}); cwfilter simulates one filter per alarm",
                        a.resource,
                        many.len(),
                        names.join(", ")
                    ),
                );
            }
        }
    }
    // A filter no alarm watches is still a detector: its matches are replayed, with no alarm.
    let mut unwatched: Vec<usize> = Vec::new();
    for (i, f) in filters.iter().enumerate() {
        if !watched.contains(&i) {
            d.warn(
                &f.file,
                format!(
                    "{}: no alarm given watches {}/{}: replayed for its matches only (no alarm)",
                    f.resource, f.metric.namespace, f.metric_name
                ),
            );
            unwatched.push(i);
        }
    }
    // Keys: the filter name; a filter with several alarms adds `/alarm`; a name two log groups
    // share adds `@log group`.
    let mut per_filter: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, _, _) in &pairs {
        *per_filter.entry(*i).or_default() += 1;
    }
    let mut name_count: BTreeMap<&str, usize> = BTreeMap::new();
    for i in per_filter.keys().chain(&unwatched) {
        *name_count.entry(filters[*i].name.as_str()).or_default() += 1;
    }
    let key_of = |i: usize| {
        let f = &filters[i];
        if name_count[f.name.as_str()] > 1 {
            format!(
                "{}@{}",
                f.name,
                f.metric.log_group.as_deref().unwrap_or("?")
            )
        } else {
            f.name.clone()
        }
    };
    let no_alarm = unwatched.iter().map(|&i| {
        let f = &filters[i];
        Detector {
            key: key_of(i),
            metric_name: f.metric_name.clone(),
            description: String::new(),
            cis_control: None,
            base_pattern: f.pattern.clone(),
            pattern: f.pattern.clone(),
            // Not an alarm: the period groups its matches for attribution, nothing more.
            alarm: AlarmSpec::new(1.0, 300, 1),
            no_alarm: true,
            exclusions: Vec::new(),
            custom: true,
            metric: f.metric.clone(),
            alarm_name: None,
            origin: f.origin.clone(),
            source: Some(Source {
                file: f.file.clone(),
                resource: format!("{} (no alarm)", f.resource),
            }),
        }
    });
    let mut detectors: Vec<Detector> = no_alarm.collect();
    detectors.extend(pairs.into_iter().map(|(i, a, spec)| {
        let f = &filters[i];
        let mut key = key_of(i);
        if per_filter[&i] > 1 {
            key = format!("{key}/{}", a.name);
        }
        let mut metric = f.metric.clone();
        metric.alarm_dimensions = a.dimensions.clone();
        Detector {
            key,
            metric_name: f.metric_name.clone(),
            description: a.description.clone().unwrap_or_default(),
            cis_control: None,
            base_pattern: f.pattern.clone(),
            pattern: f.pattern.clone(),
            alarm: spec,
            no_alarm: false,
            exclusions: Vec::new(),
            custom: true,
            metric,
            alarm_name: Some(a.name.clone()),
            origin: f.origin.clone(),
            source: Some(Source {
                file: f.file.clone(),
                resource: if a.file == f.file {
                    format!("{}, {}", f.resource, a.resource)
                } else {
                    format!("{}, {} ({})", f.resource, a.resource, a.file)
                },
            }),
        }
    }));
    detectors
}

fn dims_text(dims: &BTreeMap<String, String>) -> String {
    if dims.is_empty() {
        return " without dimensions".to_owned();
    }
    let parts: Vec<String> = dims.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!(" with dimensions {}", parts.join(", "))
}
