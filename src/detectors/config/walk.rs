//! Walking the YAML: finding the `alerts:` block and reading its selectors, overrides and
//! custom detectors into [`Alerts`](super::Alerts), with every unknown key reported.

use std::collections::BTreeSet;

use super::values::{boolean, did_you_mean, positive_f64, positive_u32, string, string_list};
use super::{Alerts, Ctx, Custom, Override, CUSTOM_FIELDS, OVERRIDE_NUMBERS, RESOURCE_TYPE};
use crate::alarm::TreatMissingData;
use crate::detectors::catalog;
use crate::detectors::exclusions::ExclusionKind;
use crate::detectors::yaml::{self, key_text, position, Node, SNode};

/// Parses the YAML, finds the block and walks it. `None` when nothing usable was found
/// (the reason is in `cx.errors`).
pub(super) fn read_alerts(text: &str, cx: &mut Ctx) -> Option<Alerts> {
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let pos = e.location().map(|l| (l.line(), l.column()));
            let message = e.to_string();
            let first = message.lines().next().unwrap_or("invalid YAML");
            let (pos, message, help) = yaml_error(text, pos, first);
            cx.error(pos, format!("invalid YAML: {message}"), help);
            return None;
        }
    };
    let mut alerts = Alerts::default();
    if let Some(block) = find_block(&root, cx)? {
        walk_alerts(block, &mut alerts, cx);
    }
    Some(alerts)
}

/// A YAML parser error as one `path:line:col: message`: the parser's own "error: line L
/// column C: " prefix dropped (the position is given once, in front), and an error about a
/// tab moved onto the tab (the parser reports where it noticed it: after the tab on its
/// line, or at the start of the scalar it was scanning, lines earlier), with a help line.
fn yaml_error(
    text: &str,
    pos: Option<(u64, u64)>,
    message: &str,
) -> (Option<(u64, u64)>, String, Option<String>) {
    let mut message = message.trim_start_matches("error: ");
    if let Some((line, column)) = pos {
        let prefix = format!("line {line} column {column}: ");
        message = message.strip_prefix(&prefix).unwrap_or(message);
    }
    if !message.contains("tab") {
        return (pos, message.to_owned(), None);
    }
    let help = Some("YAML indents with spaces only: replace the tab with spaces".to_owned());
    let Some((line, column)) = pos else {
        return (pos, message.to_owned(), help);
    };
    // The last tab at or before the reported column on its line, else the first tab after it.
    let tabs = text.lines().enumerate().flat_map(|(i, l)| {
        l.chars()
            .enumerate()
            .filter(|(_, c)| *c == '\t')
            .map(move |(j, _)| (i as u64 + 1, j as u64 + 1))
    });
    let mut before = None;
    let mut after = None;
    for at in tabs {
        if at.0 == line && at.1 <= column {
            before = Some(at);
        } else if at > (line, column) {
            after = Some(at);
            break;
        }
    }
    (before.or(after).or(pos), message.to_owned(), help)
}

/// The `alerts:` node: the root's own `alerts` key, or `config.alerts` of the one
/// `type: aws-cloudtrail-security-alerts` resource anywhere in the document. `Some(None)`
/// when that resource has no `config.alerts` (nothing enabled); `None` on error.
pub(super) fn find_block<'a>(root: &'a SNode, cx: &mut Ctx) -> Option<Option<&'a SNode>> {
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

pub(super) fn find_resources<'a>(node: &'a SNode, path: &str, out: &mut Vec<(String, &'a SNode)>) {
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

pub(super) fn walk_alerts(block: &SNode, alerts: &mut Alerts, cx: &mut Ctx) {
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

pub(super) fn walk_overrides(v: &SNode, alerts: &mut Alerts, cx: &mut Ctx) {
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
                            if let Some(pos) = position(fk) {
                                ov.list_pos.push((kind, pos));
                            }
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

pub(super) fn walk_custom(v: &SNode, alerts: &mut Alerts, cx: &mut Ctx) {
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

pub(super) fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
