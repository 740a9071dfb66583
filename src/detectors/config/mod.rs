//! Reading the `alerts:` block and turning it into detectors.
//!
//! Upstream decodes the block with Go's non-strict yaml.v3, so a misspelled key anywhere but
//! under `overrides` silently does nothing. Here every key is checked, every number is
//! range-checked against what CloudWatch accepts, and every effective pattern is checked for
//! length and syntax, so a config that loads is one CloudWatch would accept.

use std::collections::{BTreeMap, BTreeSet};

use self::values::did_you_mean;
use self::walk::read_alerts;
use super::catalog::{self, CatalogEntry};
use super::exclusions::{apply_clauses, build_clauses, ExclusionLists};
use super::{
    ConfigError, Detector, Diagnostic, ExclusionKind, Loaded, Origin, Profile, MAX_PATTERN_LEN,
};
use crate::alarm::{AlarmSpec, TreatMissingData};

mod values;
mod walk;

/// The resource type of simple-container's CloudTrail alerts.
const RESOURCE_TYPE: &str = "aws-cloudtrail-security-alerts";

/// Numeric override fields and their spellings, for "did you mean".
const OVERRIDE_NUMBERS: [&str; 3] = ["threshold", "period", "evaluationPeriods"];

const CUSTOM_FIELDS: [&str; 9] = [
    "name",
    "pattern",
    "description",
    "metricName",
    "threshold",
    "period",
    "evaluationPeriods",
    "datapointsToAlarm",
    "treatMissingData",
];

type Pos = Option<(u64, u64)>;

/// One `alerts.overrides.<key>` entry.
#[derive(Default)]
struct Override {
    pos: Pos,
    threshold: Option<(f64, Pos)>,
    period: Option<(u32, Pos)>,
    evaluation_periods: Option<(u32, Pos)>,
    lists: ExclusionLists,
    has_lists: bool,
    /// Where each exclusion list key is written.
    list_pos: Vec<(ExclusionKind, (u64, u64))>,
}

/// One `alerts.custom[]` entry.
struct Custom {
    pos: Pos,
    name: String,
    pattern: String,
    pattern_pos: Pos,
    description: String,
    metric_name: Option<String>,
    threshold: Option<f64>,
    period: Option<(u32, Pos)>,
    evaluation_periods: Option<(u32, Pos)>,
    datapoints_to_alarm: Option<(u32, Pos)>,
    treat_missing_data: TreatMissingData,
}

/// The walked `alerts:` block.
#[derive(Default)]
struct Alerts {
    /// Selector keys set true, with where.
    enabled: Vec<(String, Pos)>,
    overrides: BTreeMap<String, Override>,
    custom: Vec<Custom>,
}

struct Ctx<'a> {
    file: &'a str,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn error(&mut self, pos: Pos, message: String, help: Option<String>) {
        self.errors.push(Diagnostic {
            file: self.file.to_owned(),
            position: pos,
            message,
            help,
        });
    }
    fn warn(&mut self, pos: Pos, message: String, help: Option<String>) {
        self.warnings.push(Diagnostic {
            file: self.file.to_owned(),
            position: pos,
            message,
            help,
        });
    }
}

/// Builds the detectors for `profile` from optional config text.
pub(super) fn build(
    text: Option<&str>,
    file: &str,
    profile: Profile,
) -> Result<Loaded, ConfigError> {
    let mut cx = Ctx {
        file,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let alerts = match text {
        None => None,
        Some(text) => match read_alerts(text, &mut cx) {
            Some(a) => Some(a),
            None => return Err(ConfigError { errors: cx.errors }),
        },
    };
    let detectors = assemble(alerts.as_ref(), profile, &mut cx);
    if cx.errors.is_empty() {
        Ok(Loaded {
            detectors,
            warnings: cx.warnings,
        })
    } else {
        Err(ConfigError { errors: cx.errors })
    }
}

/// CloudWatch's PutMetricAlarm rules: a period of 10, 20, 30 or a multiple of 60 seconds,
/// and period x evaluationPeriods at most one day (periods under an hour) or one week.
fn check_alarm(key: &str, alarm: &AlarmSpec, period_pos: Pos, eval_pos: Pos, cx: &mut Ctx) {
    let p = alarm.period;
    if !(matches!(p, 10 | 20 | 30) || p % 60 == 0) {
        let lower = (p / 60) * 60;
        let suggestion = if lower == 0 { 60 } else { lower };
        cx.error(
            period_pos,
            format!("`{key}`: CloudWatch rejects a period of {p} seconds (it must be 10, 20, 30 or a multiple of 60)"),
            Some(format!("use period: {suggestion} or {}", suggestion + 60)),
        );
        return;
    }
    if matches!(p, 10 | 20 | 30) {
        cx.warn(
            period_pos,
            format!("`{key}`: a {p}-second period needs a high-resolution metric, but metric filters publish one-minute data; the alarm will often be INSUFFICIENT_DATA"),
            Some("use period: 60 or a multiple of it".to_owned()),
        );
    }
    let limit: u64 = if p < 3600 { 86_400 } else { 604_800 };
    let span = u64::from(p) * u64::from(alarm.evaluation_periods);
    if span > limit {
        cx.error(
            eval_pos.or(period_pos),
            format!(
                "`{key}`: period x evaluationPeriods = {p} x {} = {span} seconds exceeds CloudWatch's limit of {limit} ({})",
                alarm.evaluation_periods,
                if p < 3600 { "one day for periods under an hour" } else { "one week" }
            ),
            Some(format!("use at most {} evaluation periods", limit / u64::from(p))),
        );
    }
}

/// The effective pattern must be one CloudWatch accepts: at most 1024 characters, and valid.
fn check_pattern(d: &Detector, pos: Pos, cx: &mut Ctx) {
    let (key, pattern) = (&d.key, &d.pattern);
    let len = pattern.chars().count();
    if len > MAX_PATTERN_LEN {
        cx.error(
            pos,
            format!("`{key}`: the effective pattern is {len} characters, over CloudWatch's limit of {MAX_PATTERN_LEN} (PutMetricFilter would reject it at deploy time)"),
            Some(if d.exclusions.is_empty() {
                "shorten the pattern, or split it into two detectors".to_owned()
            } else {
                "shorten the exclusion lists: one ARN with a trailing `*` can replace several ARNs".to_owned()
            }),
        );
        // The parser would only repeat the length error.
        return;
    }
    if let Err(e) = crate::syntax::parse(pattern) {
        cx.error(
            pos,
            format!("`{key}`: invalid filter pattern: {e}"),
            e.hint().map(str::to_owned),
        );
    }
}

/// Turns the walked config (or no config) into sorted detectors.
fn assemble(alerts: Option<&Alerts>, profile: Profile, cx: &mut Ctx) -> Vec<Detector> {
    let entries = catalog::catalog(profile);
    let by_key: BTreeMap<&str, &CatalogEntry> =
        entries.iter().map(|e| (e.key.as_str(), e)).collect();
    let Some(alerts) = alerts else {
        let mut out: Vec<Detector> = entries.iter().map(|e| from_entry(e, None)).collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        return out;
    };

    let builtin_keys: BTreeSet<&str> = catalog::selector_keys().collect();
    let custom_names: BTreeSet<&str> = alerts.custom.iter().map(|c| c.name.as_str()).collect();

    // Override keys must name a detector (upstream's validateOverrides, plus custom names).
    for (key, ov) in &alerts.overrides {
        if !builtin_keys.contains(key.as_str()) && !custom_names.contains(key.as_str()) {
            let help = did_you_mean(
                key,
                builtin_keys
                    .iter()
                    .copied()
                    .chain(custom_names.iter().copied()),
            )
            .or_else(|| {
                Some(format!(
                    "known: {}",
                    builtin_keys.iter().copied().collect::<Vec<_>>().join(", ")
                ))
            });
            cx.error(
                ov.pos,
                format!("unknown detector key `{key}` in `alerts.overrides`"),
                help,
            );
        }
    }

    let enabled: BTreeMap<&str, Pos> = alerts
        .enabled
        .iter()
        .map(|(k, p)| (k.as_str(), *p))
        .collect();
    for (key, ov) in &alerts.overrides {
        if builtin_keys.contains(key.as_str()) && !enabled.contains_key(key.as_str()) {
            cx.warn(
                ov.pos,
                format!("override for `{key}` has no effect: the detector is not enabled"),
                Some(format!("set `alerts.{key}: true`, or remove the override")),
            );
        }
    }

    let mut out = Vec::new();
    for (&key, &pos) in &enabled {
        let Some(entry) = by_key.get(key) else {
            cx.warn(
                pos,
                format!(
                    "`{key}` has no counterpart in profile {}; skipped",
                    profile.name()
                ),
                None,
            );
            continue;
        };
        let ov = alerts.overrides.get(key);
        let mut d = from_entry(entry, ov);
        d.origin = origin(pos, None, ov);
        if profile == Profile::SecurityHub && d.pattern != d.base_pattern {
            cx.warn(
                ov.and_then(|o| o.pos),
                format!("`{key}`: exclusions change the Security Hub pattern, so Security Hub would fail {}", d.cis_control.as_deref().unwrap_or("the control")),
                None,
            );
        }
        let period_pos = ov
            .and_then(|o| o.period.and_then(|p| p.1))
            .or(ov.and_then(|o| o.pos))
            .or(pos);
        let eval_pos = ov
            .and_then(|o| o.evaluation_periods.and_then(|p| p.1))
            .or(period_pos);
        check_alarm(key, &d.alarm, period_pos, eval_pos, cx);
        check_pattern(&d, ov.and_then(|o| o.pos).or(pos), cx);
        out.push(d);
    }

    let mut metric_names: BTreeMap<String, String> = out
        .iter()
        .map(|d| (d.metric_name.clone(), d.key.clone()))
        .collect();
    let mut seen_custom = BTreeSet::new();
    for c in &alerts.custom {
        if builtin_keys.contains(c.name.as_str()) || !seen_custom.insert(c.name.as_str()) {
            cx.error(
                c.pos,
                format!("custom detector name `{}` is already taken", c.name),
                Some("give the custom detector a name of its own".to_owned()),
            );
            continue;
        }
        let mut d = from_custom(c, alerts.overrides.get(&c.name));
        d.origin = origin(c.pos, c.pattern_pos, alerts.overrides.get(&c.name));
        if let Some(other) = metric_names.insert(d.metric_name.clone(), d.key.clone()) {
            cx.error(
                c.pos,
                format!(
                    "custom detector `{}` uses metric name `{}`, already used by `{other}`",
                    c.name, d.metric_name
                ),
                None,
            );
        }
        if d.alarm.datapoints_to_alarm > d.alarm.evaluation_periods {
            cx.error(
                c.datapoints_to_alarm.and_then(|p| p.1).or(c.pos),
                format!(
                    "`{}`: datapointsToAlarm ({}) cannot exceed evaluationPeriods ({})",
                    c.name, d.alarm.datapoints_to_alarm, d.alarm.evaluation_periods
                ),
                None,
            );
        }
        let ov = alerts.overrides.get(&c.name);
        let period_pos = ov
            .and_then(|o| o.period.and_then(|p| p.1))
            .or(c.period.and_then(|p| p.1))
            .or(c.pos);
        let eval_pos = ov
            .and_then(|o| o.evaluation_periods.and_then(|p| p.1))
            .or(c.evaluation_periods.and_then(|p| p.1))
            .or(period_pos);
        check_alarm(&c.name, &d.alarm, period_pos, eval_pos, cx);
        check_pattern(&d, c.pattern_pos.or(c.pos), cx);
        out.push(d);
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// Where a detector is written: its selector or custom entry, a custom pattern, its override.
fn origin(enabled: Pos, pattern: Pos, ov: Option<&Override>) -> Origin {
    Origin {
        enabled,
        pattern,
        overrides: ov.and_then(|o| o.pos),
        exclusions: ov.map(|o| o.list_pos.clone()).unwrap_or_default(),
    }
}

/// Applies upstream's `applyOverride`: positive numbers replace defaults, exclusion lists
/// re-wrap the pattern.
fn apply_override(d: &mut Detector, ov: &Override) {
    if let Some((t, _)) = ov.threshold {
        d.alarm.threshold = t;
    }
    if let Some((p, _)) = ov.period {
        d.alarm.period = p;
    }
    if let Some((n, _)) = ov.evaluation_periods {
        d.alarm.evaluation_periods = n;
        // Upstream leaves DatapointsToAlarm unset, which CloudWatch reads as N of N.
        d.alarm.datapoints_to_alarm = n;
    }
    if ov.has_lists {
        d.exclusions = build_clauses(&ov.lists);
        d.pattern = apply_clauses(&d.base_pattern, &d.exclusions);
    }
}

fn from_entry(e: &CatalogEntry, ov: Option<&Override>) -> Detector {
    let mut d = Detector {
        key: e.key.clone(),
        metric_name: e.metric_name.clone(),
        description: e.description.clone(),
        cis_control: e.cis_control.clone(),
        base_pattern: e.pattern.clone(),
        pattern: e.pattern.clone(),
        alarm: AlarmSpec {
            threshold: e.threshold,
            period: e.period,
            evaluation_periods: e.evaluation_periods,
            datapoints_to_alarm: e.evaluation_periods,
            statistic: e.statistic,
            comparison_operator: e.comparison_operator,
            treat_missing_data: e.treat_missing_data,
        },
        exclusions: Vec::new(),
        custom: false,
        metric: Default::default(),
        alarm_name: None,
        no_alarm: false,
        source: None,
        origin: Origin::default(),
    };
    if let Some(ov) = ov {
        apply_override(&mut d, ov);
    }
    d
}

fn from_custom(c: &Custom, ov: Option<&Override>) -> Detector {
    let evaluation_periods = c.evaluation_periods.map_or(1, |p| p.0);
    let mut d = Detector {
        key: c.name.clone(),
        metric_name: c.metric_name.clone().unwrap_or_else(|| c.name.clone()),
        description: c.description.clone(),
        cis_control: None,
        base_pattern: c.pattern.clone(),
        pattern: c.pattern.clone(),
        alarm: AlarmSpec {
            datapoints_to_alarm: c.datapoints_to_alarm.map_or(evaluation_periods, |p| p.0),
            treat_missing_data: c.treat_missing_data,
            ..AlarmSpec::new(
                c.threshold.unwrap_or(1.0),
                c.period.map_or(300, |p| p.0),
                evaluation_periods,
            )
        },
        exclusions: Vec::new(),
        custom: true,
        metric: Default::default(),
        alarm_name: None,
        no_alarm: false,
        source: None,
        origin: Origin::default(),
    };
    if let Some(ov) = ov {
        let explicit_m = c.datapoints_to_alarm.map(|p| p.0);
        apply_override(&mut d, ov);
        if let Some(m) = explicit_m {
            d.alarm.datapoints_to_alarm = m;
        }
    }
    d
}
