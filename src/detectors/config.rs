//! Reading the `alerts:` block and turning it into detectors.
//!
//! Upstream decodes the block with Go's non-strict yaml.v3, so a misspelled key anywhere but
//! under `overrides` silently does nothing. Here every key is checked, every number is
//! range-checked against what CloudWatch accepts, and every effective pattern is checked for
//! length and syntax, so a config that loads is one CloudWatch would accept.

use std::collections::{BTreeMap, BTreeSet};

use super::catalog::{self, CatalogEntry};
use super::exclusions::{apply_clauses, build_clauses, ExclusionKind, ExclusionLists};
use super::yaml::{self, key_text, position, Node, SNode};
use super::{ConfigError, Detector, Diagnostic, Loaded, Profile, MAX_PATTERN_LEN};
use crate::alarm::{AlarmSpec, TreatMissingData};

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

/// Parses the YAML, finds the block and walks it. `None` when nothing usable was found
/// (the reason is in `cx.errors`).
fn read_alerts(text: &str, cx: &mut Ctx) -> Option<Alerts> {
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let pos = e.location().map(|l| (l.line(), l.column()));
            let message = e.to_string();
            let first = message.lines().next().unwrap_or("invalid YAML").to_owned();
            cx.error(pos, format!("invalid YAML: {first}"), None);
            return None;
        }
    };
    let mut alerts = Alerts::default();
    if let Some(block) = find_block(&root, cx)? {
        walk_alerts(block, &mut alerts, cx);
    }
    Some(alerts)
}

/// The `alerts:` node: the root's own `alerts` key, or `config.alerts` of the one
/// `type: aws-cloudtrail-security-alerts` resource anywhere in the document. `Some(None)`
/// when that resource has no `config.alerts` (nothing enabled); `None` on error.
fn find_block<'a>(root: &'a SNode, cx: &mut Ctx) -> Option<Option<&'a SNode>> {
    if let Some(block) = root.value.get("alerts") {
        return Some(Some(block));
    }
    let mut found = Vec::new();
    find_resources(root, "", &mut found);
    match found.as_slice() {
        [] => {
            cx.error(
                None,
                format!("no `alerts:` block: neither a top-level `alerts:` key nor a resource with `type: {RESOURCE_TYPE}`"),
                Some("docs/configuration.md describes the two accepted shapes".to_owned()),
            );
            None
        }
        [(path, resource)] => match resource
            .value
            .get("config")
            .and_then(|c| c.value.get("alerts"))
        {
            Some(block) => Some(Some(block)),
            None => {
                cx.warn(
                    position(resource),
                    format!("resource `{path}` has no `config.alerts`: no detector is enabled"),
                    None,
                );
                Some(None)
            }
        },
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|(path, node)| match position(node) {
                    Some((l, _)) => format!("`{path}` (line {l})"),
                    None => format!("`{path}`"),
                })
                .collect();
            cx.error(
                position(many[0].1),
                format!(
                    "{} resources of type {RESOURCE_TYPE}: {}; cwfilter reads one alerts block",
                    many.len(),
                    list.join(", ")
                ),
                Some("copy the resource's `config.alerts` into its own file with a top-level `alerts:` key".to_owned()),
            );
            None
        }
    }
}

fn find_resources<'a>(node: &'a SNode, path: &str, out: &mut Vec<(String, &'a SNode)>) {
    match &node.value {
        Node::Map(entries) => {
            if node.value.get("type").and_then(|t| t.value.as_str()) == Some(RESOURCE_TYPE) {
                out.push((
                    if path.is_empty() {
                        "<root>".to_owned()
                    } else {
                        path.to_owned()
                    },
                    node,
                ));
                return;
            }
            for (k, v) in entries {
                let child = if path.is_empty() {
                    key_text(k)
                } else {
                    format!("{path}.{}", key_text(k))
                };
                find_resources(v, &child, out);
            }
        }
        Node::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                find_resources(v, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The nearest of `candidates` to `word`, if it is plausibly a misspelling.
fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    nearest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

fn walk_alerts(block: &SNode, alerts: &mut Alerts, cx: &mut Ctx) {
    let entries = match &block.value {
        Node::Null => return,
        Node::Map(entries) => entries,
        other => {
            cx.error(
                position(block),
                format!("`alerts` must be a mapping, found {}", other.kind()),
                None,
            );
            return;
        }
    };
    let known: BTreeSet<&str> = catalog::selector_keys().collect();
    for (k, v) in entries {
        let key = key_text(k);
        match key.as_str() {
            "overrides" => walk_overrides(v, alerts, cx),
            "custom" => walk_custom(v, alerts, cx),
            key if known.contains(key) => {
                if let Some(on) = boolean(v, &format!("alerts.{key}"), cx) {
                    if on {
                        alerts.enabled.push((key.to_owned(), position(k)));
                    }
                }
            }
            _ => {
                let help = did_you_mean(&key, known.iter().copied().chain(["overrides", "custom"]))
                    .or_else(|| {
                        Some(format!(
                            "known keys: {}, overrides, custom",
                            known.iter().copied().collect::<Vec<_>>().join(", ")
                        ))
                    });
                cx.error(
                    position(k),
                    format!("unknown key `{key}` under `alerts`"),
                    help,
                );
            }
        }
    }
}

/// A boolean selector. yaml.v3 decodes YAML 1.1 spellings into a Go bool, so they are
/// accepted here too.
fn boolean(v: &SNode, what: &str, cx: &mut Ctx) -> Option<bool> {
    match &v.value {
        Node::Bool(b) => Some(*b),
        Node::Str(s) => match s.as_str() {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
            _ => {
                cx.error(
                    position(v),
                    format!("`{what}` must be true or false, found the string {s:?}"),
                    None,
                );
                None
            }
        },
        other => {
            cx.error(
                position(v),
                format!("`{what}` must be true or false, found {}", other.kind()),
                None,
            );
            None
        }
    }
}

/// A number that must be > 0 when set (upstream ignores zero and negatives silently).
fn positive_f64(v: &SNode, what: &str, cx: &mut Ctx) -> Option<f64> {
    let n = match &v.value {
        Node::Int(i) => *i as f64,
        Node::Float(f) => *f,
        other => {
            cx.error(
                position(v),
                format!("`{what}` must be a number, found {}", other.kind()),
                None,
            );
            return None;
        }
    };
    if !(n.is_finite() && n > 0.0) {
        cx.error(
            position(v),
            format!("`{what}` must be positive, found {n}"),
            Some("upstream ignores a zero or negative value silently and keeps the default; remove the key to keep the default".to_owned()),
        );
        return None;
    }
    Some(n)
}

/// A whole number >= 1 that fits CloudWatch's integer fields.
fn positive_u32(v: &SNode, what: &str, cx: &mut Ctx) -> Option<u32> {
    match &v.value {
        Node::Int(i) if *i > 0 => match u32::try_from(*i) {
            Ok(n) => Some(n),
            Err(_) => {
                cx.error(position(v), format!("`{what}` is too large: {i}"), None);
                None
            }
        },
        Node::Int(i) => {
            cx.error(
                position(v),
                format!("`{what}` must be positive, found {i}"),
                Some("upstream ignores a zero or negative value silently and keeps the default; remove the key to keep the default".to_owned()),
            );
            None
        }
        Node::Float(f) => {
            cx.error(
                position(v),
                format!("`{what}` must be a whole number, found {f}"),
                None,
            );
            None
        }
        other => {
            cx.error(
                position(v),
                format!("`{what}` must be a whole number, found {}", other.kind()),
                None,
            );
            None
        }
    }
}

fn string(v: &SNode, what: &str, cx: &mut Ctx) -> Option<String> {
    match &v.value {
        Node::Str(s) => Some(s.clone()),
        other => {
            cx.error(
                position(v),
                format!("`{what}` must be a string, found {}", other.kind()),
                Some("quote the value".to_owned()),
            );
            None
        }
    }
}

fn string_list(v: &SNode, what: &str, cx: &mut Ctx) -> Option<Vec<String>> {
    match &v.value {
        Node::Null => Some(Vec::new()),
        Node::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                match string(item, &format!("{what}[{i}]"), cx) {
                    Some(s) => {
                        // Upstream keeps these silently; neither is ever a real principal.
                        if s.is_empty() {
                            cx.warn(
                                position(item),
                                format!("`{what}[{i}]` is empty and is skipped"),
                                None,
                            );
                        } else if s.trim() != s {
                            cx.warn(
                                position(item),
                                format!("`{what}[{i}]` {s:?} has leading or trailing whitespace, kept as is, so it matches no CloudTrail value"),
                                Some("remove the whitespace".to_owned()),
                            );
                        }
                        out.push(s)
                    }
                    None => ok = false,
                }
            }
            ok.then_some(out)
        }
        other => {
            cx.error(
                position(v),
                format!("`{what}` must be a list of strings, found {}", other.kind()),
                Some(format!(
                    "write `{}: [\"value\"]`",
                    what.rsplit('.').next().unwrap_or(what)
                )),
            );
            None
        }
    }
}

fn walk_overrides(v: &SNode, alerts: &mut Alerts, cx: &mut Ctx) {
    let entries = match &v.value {
        Node::Null => return,
        Node::Map(entries) => entries,
        other => {
            cx.error(
                position(v),
                format!(
                    "`alerts.overrides` must be a mapping, found {}",
                    other.kind()
                ),
                None,
            );
            return;
        }
    };
    for (k, body) in entries {
        let key = key_text(k);
        let mut ov = Override {
            pos: position(k),
            ..Override::default()
        };
        let fields = match &body.value {
            Node::Null => &[][..],
            Node::Map(fields) => fields.as_slice(),
            other => {
                cx.error(
                    position(body),
                    format!(
                        "`alerts.overrides.{key}` must be a mapping, found {}",
                        other.kind()
                    ),
                    None,
                );
                continue;
            }
        };
        for (fk, fv) in fields {
            let field = key_text(fk);
            let what = format!("alerts.overrides.{key}.{field}");
            match field.as_str() {
                "threshold" => {
                    ov.threshold = positive_f64(fv, &what, cx).map(|n| (n, position(fk)))
                }
                "period" => ov.period = positive_u32(fv, &what, cx).map(|n| (n, position(fk))),
                "evaluationPeriods" => {
                    ov.evaluation_periods = positive_u32(fv, &what, cx).map(|n| (n, position(fk)))
                }
                f => match ExclusionKind::from_config_key(f) {
                    Some(kind) => {
                        if let Some(values) = string_list(fv, &what, cx) {
                            ov.has_lists |= !values.is_empty();
                            ov.lists.set(kind, values);
                        }
                    }
                    None => {
                        let known = OVERRIDE_NUMBERS
                            .into_iter()
                            .chain(ExclusionKind::ALL.map(ExclusionKind::config_key));
                        let help = did_you_mean(f, known.clone()).or_else(|| {
                            Some(format!(
                                "known fields: {}",
                                known.collect::<Vec<_>>().join(", ")
                            ))
                        });
                        cx.error(
                            position(fk),
                            format!("unknown field `{f}` in `alerts.overrides.{key}` (upstream drops it silently)"),
                            help,
                        );
                    }
                },
            }
        }
        alerts.overrides.insert(key, ov);
    }
}

fn walk_custom(v: &SNode, alerts: &mut Alerts, cx: &mut Ctx) {
    let items = match &v.value {
        Node::Null => return,
        Node::Seq(items) => items,
        other => {
            cx.error(
                position(v),
                format!(
                    "`alerts.custom` must be a list of detectors, found {}",
                    other.kind()
                ),
                Some("write `custom:` followed by `- name: ...` entries".to_owned()),
            );
            return;
        }
    };
    for (i, item) in items.iter().enumerate() {
        let Some(fields) = item.value.as_map() else {
            cx.error(
                position(item),
                format!(
                    "`alerts.custom[{i}]` must be a mapping, found {}",
                    item.value.kind()
                ),
                None,
            );
            continue;
        };
        let mut c = Custom {
            pos: position(item),
            name: String::new(),
            pattern: String::new(),
            pattern_pos: None,
            description: String::new(),
            metric_name: None,
            threshold: None,
            period: None,
            evaluation_periods: None,
            datapoints_to_alarm: None,
            treat_missing_data: TreatMissingData::NotBreaching,
        };
        let mut ok = true;
        let mut has_name = false;
        let mut has_pattern = false;
        for (fk, fv) in fields {
            let field = key_text(fk);
            let what = format!("alerts.custom[{i}].{field}");
            let fpos = position(fk);
            match field.as_str() {
                "name" => match string(fv, &what, cx) {
                    Some(s) => {
                        has_name = true;
                        c.name = s;
                    }
                    None => ok = false,
                },
                "pattern" => match string(fv, &what, cx) {
                    Some(s) => {
                        has_pattern = true;
                        c.pattern = s;
                        c.pattern_pos = position(fv);
                    }
                    None => ok = false,
                },
                "description" => match string(fv, &what, cx) {
                    Some(s) => c.description = s,
                    None => ok = false,
                },
                "metricName" => match string(fv, &what, cx) {
                    Some(s) => c.metric_name = Some(s),
                    None => ok = false,
                },
                "threshold" => match positive_f64(fv, &what, cx) {
                    Some(n) => c.threshold = Some(n),
                    None => ok = false,
                },
                "period" => match positive_u32(fv, &what, cx) {
                    Some(n) => c.period = Some((n, fpos)),
                    None => ok = false,
                },
                "evaluationPeriods" => match positive_u32(fv, &what, cx) {
                    Some(n) => c.evaluation_periods = Some((n, fpos)),
                    None => ok = false,
                },
                "datapointsToAlarm" => match positive_u32(fv, &what, cx) {
                    Some(n) => c.datapoints_to_alarm = Some((n, fpos)),
                    None => ok = false,
                },
                "treatMissingData" => match fv.value.as_str().map(str::parse) {
                    Some(Ok(t)) => c.treat_missing_data = t,
                    _ => {
                        cx.error(
                            position(fv),
                            format!(
                                "`{what}` must be one of {}",
                                TreatMissingData::NAMES.join(", ")
                            ),
                            None,
                        );
                        ok = false;
                    }
                },
                f => {
                    cx.error(
                        fpos,
                        format!("unknown field `{f}` in `alerts.custom[{i}]`"),
                        did_you_mean(f, CUSTOM_FIELDS).or_else(|| {
                            Some(format!("known fields: {}", CUSTOM_FIELDS.join(", ")))
                        }),
                    );
                    ok = false;
                }
            }
        }
        if !has_name || !has_pattern {
            let missing = if has_name { "pattern" } else { "name" };
            cx.error(
                c.pos,
                format!("`alerts.custom[{i}]` needs a `{missing}`"),
                None,
            );
            continue;
        }
        if !valid_name(&c.name) {
            cx.error(
                c.pos,
                format!("custom detector name {:?} must start with a letter and hold only letters, digits, `-` and `_`", c.name),
                None,
            );
            continue;
        }
        if ok {
            alerts.custom.push(c);
        }
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
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
        let d = from_entry(entry, ov);
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
        let d = from_custom(c, alerts.overrides.get(&c.name));
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
