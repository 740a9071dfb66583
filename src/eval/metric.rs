//! Metric transformations (spec §7): the value a matching event contributes.
//!
//! `metricValue` is a literal number (`1`), a JSON selector (`$.latency`, JSON patterns) or a
//! field reference (`$size`, `$7`, space-delimited patterns). A reference that finds no numeric
//! value emits no data point for that event, although the event still matches (A23).
//! `defaultValue` is what an ingested event the pattern does not match publishes (the API
//! reference's reading; docs/alarms.md, "defaultValue", gives the evidence and the other
//! reading); [`MetricTransformation::empty_period_value`] exposes it for the alarm model.

use std::fmt;

use crate::syntax::{parse_number, parse_selector};

use super::compile::{compile_steps, CStep};
use super::event::Event;

/// A parsed `metricValue`.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    /// A literal number: every matching event counts this much.
    Literal(f64),
    /// `$.a.b[0]`: the first node the selector finds in a JSON event.
    Json(JsonPath),
    /// `$name` or `$N`: an extracted value of a space-delimited pattern.
    Field(String),
}

/// A metricValue selector.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    pub(crate) steps: Vec<CStep>,
    text: String,
}

impl fmt::Display for MetricValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricValue::Literal(x) => write!(f, "{x}"),
            MetricValue::Json(p) => f.write_str(&p.text),
            MetricValue::Field(k) => f.write_str(k),
        }
    }
}

/// An invalid `metricValue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricValueError {
    /// The `metricValue` as given.
    pub text: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for MetricValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid metricValue {:?}: {}", self.text, self.message)
    }
}

impl std::error::Error for MetricValueError {}

impl MetricValue {
    /// Parses a `metricValue` (at most 100 characters, spec §7.2).
    pub fn parse(s: &str) -> Result<MetricValue, MetricValueError> {
        let err = |m: &str| MetricValueError {
            text: s.to_owned(),
            message: m.to_owned(),
        };
        let t = s.trim();
        if t.chars().count() > 100 {
            return Err(err("longer than 100 characters"));
        }
        if let Some(x) = parse_number(t) {
            return Ok(MetricValue::Literal(x));
        }
        let Some(rest) = t.strip_prefix('$') else {
            return Err(err("expected a number, $.field, $name or $N"));
        };
        if rest.starts_with('.') || rest.starts_with('[') {
            // The selector grammar of JSON conditions (spec §5.2), one for both.
            return parse_selector(t)
                .map(|selector| {
                    MetricValue::Json(JsonPath {
                        steps: compile_steps(&selector),
                        text: selector.to_string(),
                    })
                })
                .map_err(|e| {
                    let at = e.position().column;
                    err(&format!("{} at column {at}", e.message()))
                });
        }
        if !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Ok(MetricValue::Field(t.to_owned()));
        }
        Err(err("expected a number, $.field, $name or $N"))
    }
}

/// A metric filter's transformation: the value per matching event and the default value.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricTransformation {
    /// What each matching event contributes.
    pub value: MetricValue,
    /// Published by each ingested event that does not match (§7.3, docs/alarms.md);
    /// `None` = nothing.
    pub default_value: Option<f64>,
}

impl MetricTransformation {
    /// The data point `event` contributes: `None` if it does not match or if its value is not
    /// numeric (A23).
    pub fn datapoint(&self, pattern: &super::Pattern, event: &impl Event) -> Option<f64> {
        if !pattern.matches(event) {
            return None;
        }
        pattern.metric_value(&self.value, event)
    }

    /// The value a non-matching ingested event publishes (so a period with events but no match
    /// has a datapoint; a period without events has none).
    pub fn empty_period_value(&self) -> Option<f64> {
        self.default_value
    }
}
