//! Reading one YAML value of the expected type, with an error saying what was expected, and
//! "did you mean" suggestions.

use super::Ctx;
use crate::detectors::yaml::{position, Node, SNode};

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

pub(super) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    nearest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// A boolean selector. yaml.v3 decodes YAML 1.1 spellings into a Go bool, so they are
/// accepted here too.
pub(super) fn boolean(v: &SNode, what: &str, cx: &mut Ctx) -> Option<bool> {
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
pub(super) fn positive_f64(v: &SNode, what: &str, cx: &mut Ctx) -> Option<f64> {
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
pub(super) fn positive_u32(v: &SNode, what: &str, cx: &mut Ctx) -> Option<u32> {
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

pub(super) fn string(v: &SNode, what: &str, cx: &mut Ctx) -> Option<String> {
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

pub(super) fn string_list(v: &SNode, what: &str, cx: &mut Ctx) -> Option<Vec<String>> {
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
