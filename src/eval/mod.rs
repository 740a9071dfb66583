//! Matching events with CloudWatch Logs' semantics (spec §3-§7).
//!
//! A [`Pattern`] is compiled once (wildcards, numbers, regexes, selectors) and then tested
//! against any number of events. Events are read through the [`Event`] trait; the rules about
//! types, absent fields and null live in one module, `truth`, with the table of spec §5.5.

mod compile;
mod delimited;
mod event;
mod explain;
mod json;
mod metric;
mod truth;

use std::fmt;

use crate::syntax::ast::{Selector, Span, TermKind};
use crate::syntax::{self, Ast, ParseError};

use compile::{CSlot, CTerms, Compiled};
pub use event::{Event, JsonNode, Message, Scalar};
pub use explain::{ConditionTrace, Detail, Explanation, Found, SlotTrace, TermTrace, TraceNode};
pub use metric::{JsonPath, MetricTransformation, MetricValue, MetricValueError};

/// A compiled filter pattern. Cheap to share across threads (`Send + Sync`).
#[derive(Debug, Clone)]
pub struct Pattern {
    ast: Ast,
    compiled: Compiled,
}

/// The kind of a pattern (spec §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternKind {
    /// Terms and quoted phrases (spec §3).
    Terms,
    /// `{ ... }` (spec §5).
    Json,
    /// `[ ... ]` (spec §6).
    Delimited,
    /// A standalone `%regex%` (spec §4).
    Regex,
}

impl Pattern {
    /// Parses and compiles a filter pattern.
    pub fn parse(pattern: &str) -> Result<Pattern, ParseError> {
        Pattern::from_ast(syntax::parse(pattern)?)
    }

    /// Compiles an AST. Fails only on a tree the parser would not produce whose regex the
    /// regex engine refuses; the error is then over the tree's canonical text (its
    /// [`ParseError::pattern`] is what [`Pattern`]'s `Display` would print), with a span into
    /// that text.
    pub fn from_ast(ast: Ast) -> Result<Pattern, ParseError> {
        match compile::compile(&ast) {
            Ok(compiled) => Ok(Pattern { ast, compiled }),
            Err(e) => {
                let text = ast.to_string();
                // The parser compiles regexes as `compile` does, so it finds this error (or
                // an earlier one) with a span into the canonical text.
                Err(syntax::parse(&text).err().unwrap_or_else(|| {
                    ParseError::new(
                        e.kind().clone(),
                        e.message(),
                        &text,
                        Span::new(0, text.len()),
                    )
                }))
            }
        }
    }

    /// The pattern's syntax tree.
    pub fn ast(&self) -> &Ast {
        &self.ast
    }

    /// Which of the four syntaxes the pattern is written in.
    pub fn kind(&self) -> PatternKind {
        match self.compiled {
            Compiled::Terms(_) => PatternKind::Terms,
            Compiled::Json(_) => PatternKind::Json,
            Compiled::Delimited(_) => PatternKind::Delimited,
            Compiled::Regex(_) => PatternKind::Regex,
        }
    }

    /// Whether a raw CloudWatch log message matches. JSON patterns parse it (a message that
    /// is not JSON never matches them); other patterns read the text.
    pub fn matches_message(&self, message: &str) -> bool {
        self.matches(&Message::new(message))
    }

    /// Whether an already-parsed record matches. Non-JSON patterns see its compact text.
    pub fn matches_json(&self, value: &serde_json::Value) -> bool {
        self.matches(value)
    }

    /// Whether an event matches.
    pub fn matches(&self, event: &impl Event) -> bool {
        match &self.compiled {
            Compiled::Json(expr) => match event.json_root() {
                Some(root) => expr.eval(&mut |c| json::condition_holds(c, root)),
                None => false,
            },
            Compiled::Terms(t) => terms_match(t, &event.text()),
            Compiled::Regex(re) => re.is_match(&event.text()),
            Compiled::Delimited(d) => {
                let text = event.text();
                let tokens = delimited::tokenize(&text);
                delimited::bind(d, &text, &tokens).is_some()
            }
        }
    }

    /// Explains the verdict on `event`, condition by condition.
    pub fn explain(&self, event: &impl Event) -> Explanation {
        let mut e = self.explain_detail(event);
        e.pattern = self.to_string();
        e
    }

    fn explain_detail(&self, event: &impl Event) -> Explanation {
        match &self.compiled {
            Compiled::Json(expr) => {
                let mut conditions = Vec::new();
                let root = event.json_root();
                let (tree, matched) = json_trace(expr, root, &[], &mut conditions);
                Explanation {
                    pattern: String::new(),
                    matched,
                    detail: Detail::Json {
                        event_is_json: root.is_some(),
                        too_deep: root.is_none() && nests_too_deep(&event.text()),
                        conditions,
                        tree,
                    },
                }
            }
            Compiled::Terms(t) => {
                let text = event.text();
                let terms = t
                    .terms
                    .iter()
                    .map(|term| {
                        let found = term.found_in(&text);
                        let ignored = t.optional_ignored && term.kind == TermKind::Optional;
                        let held = match term.kind {
                            TermKind::Include | TermKind::Optional => found,
                            TermKind::Exclude => !found,
                        };
                        TermTrace {
                            term: term.printed.clone(),
                            found,
                            ignored,
                            held: held || ignored,
                        }
                    })
                    .collect();
                Explanation {
                    pattern: String::new(),
                    matched: terms_match(t, &text),
                    detail: Detail::Terms {
                        terms,
                        optional_ignored: t.optional_ignored,
                    },
                }
            }
            Compiled::Regex(re) => Explanation {
                pattern: String::new(),
                matched: re.is_match(&event.text()),
                detail: Detail::Regex {
                    regex: match &self.ast {
                        Ast::Regex(r) => r.source.clone(),
                        _ => re.as_str().to_owned(),
                    },
                },
            },
            Compiled::Delimited(d) => self.explain_delimited(d, &event.text()),
        }
    }

    fn explain_delimited(&self, d: &compile::CDelimited, text: &str) -> Explanation {
        let tokens = delimited::tokenize(text);
        let matched_binding = delimited::bind(d, text, &tokens);
        let matched = matched_binding.is_some();
        let binding = matched_binding.or_else(|| delimited::bind_structure(d, &tokens));
        let mut slots = Vec::new();
        let mut note = None;
        match binding {
            None => {
                let needed = d
                    .slots
                    .iter()
                    .filter(|s| matches!(s, CSlot::Field { .. }))
                    .count();
                note = Some(format!(
                    "too few fields: the pattern needs {}{}",
                    if d.has_ellipsis { "at least " } else { "" },
                    needed
                ));
            }
            Some(bound) => {
                let mut ellipsis_values: Vec<String> = Vec::new();
                let flush = |vals: &mut Vec<String>, slots: &mut Vec<SlotTrace>| {
                    if !vals.is_empty() {
                        slots.push(SlotTrace {
                            slot: "...".into(),
                            value: Some(vals.join(" ")),
                            condition: None,
                            held: true,
                        });
                        vals.clear();
                    }
                };
                for b in &bound {
                    match *b {
                        delimited::Bound::Ellipsis { token } => ellipsis_values
                            .push(delimited::bound_text(text, &tokens, token, token).to_owned()),
                        delimited::Bound::Field { slot, first, last } => {
                            flush(&mut ellipsis_values, &mut slots);
                            let value = delimited::bound_text(text, &tokens, first, last);
                            let CSlot::Field { name, condition } = &d.slots[slot] else {
                                continue;
                            };
                            let mut texts = Vec::new();
                            let held = condition.as_ref().is_none_or(|c| {
                                c.eval_all(&mut |fc| {
                                    texts.push(fc.text.clone());
                                    truth::compare(fc.op, &fc.value, Scalar::String(value))
                                })
                            });
                            slots.push(SlotTrace {
                                slot: match name {
                                    Some(n) => format!("${n}"),
                                    None => format!("${}", first + 1),
                                },
                                value: Some(value.to_owned()),
                                condition: (!texts.is_empty()).then(|| texts.join(" && ")),
                                held,
                            });
                        }
                    }
                }
                flush(&mut ellipsis_values, &mut slots);
            }
        }
        Explanation {
            pattern: String::new(),
            matched,
            detail: Detail::Delimited {
                fields_in_message: tokens.len(),
                slots,
                note,
            },
        }
    }

    /// The values a space-delimited pattern extracts from a matching message (spec §6.8), in
    /// message order: `$name` for named fields, `$N` for fields under `...` or unnamed.
    /// Other kinds extract nothing (`Some(empty)` when they match). `None` if no match.
    pub fn extracted_values(&self, message: &str) -> Option<Vec<(String, String)>> {
        match &self.compiled {
            Compiled::Delimited(d) => {
                let tokens = delimited::tokenize(message);
                let bound = delimited::bind(d, message, &tokens)?;
                Some(delimited::extracted(d, message, &tokens, &bound))
            }
            _ => self.matches_message(message).then(Vec::new),
        }
    }

    /// The number `metric_value` reads from `event` (spec §7.2, A23): literal numbers as they
    /// are; `$.field` from JSON events (a number, or a string that is a number); `$name`/`$N`
    /// from a space-delimited match. `None` when the reference finds nothing numeric. Does not
    /// test whether the event matches; see [`MetricTransformation::datapoint`].
    pub fn metric_value(&self, metric_value: &MetricValue, event: &impl Event) -> Option<f64> {
        match metric_value {
            MetricValue::Literal(x) => Some(*x),
            MetricValue::Json(path) => {
                let root = event.json_root()?;
                let mut out = None;
                json::any_from_root(root, &path.steps, &mut |n| {
                    out = match n.scalar() {
                        Scalar::Number(x) => Some(x),
                        Scalar::String(s) => syntax::parse_number(s),
                        _ => None,
                    };
                    true
                });
                out
            }
            MetricValue::Field(key) => {
                let values = self.extracted_values(&event.text())?;
                let (_, v) = values.iter().find(|(k, _)| k == key)?;
                syntax::parse_number(v)
            }
        }
    }

    /// The text a metric filter dimension (`"eventName": $.eventName`, `"server": $server`)
    /// reads from `event`, found the way [`Pattern::metric_value`] finds its value: a JSON
    /// string as is, a number or boolean as written; `None` when the reference finds no scalar
    /// (a literal is not a dimension reference).
    pub fn dimension_value(&self, reference: &MetricValue, event: &impl Event) -> Option<String> {
        match reference {
            MetricValue::Literal(_) => None,
            MetricValue::Json(path) => {
                let root = event.json_root()?;
                let mut out = None;
                json::any_from_root(root, &path.steps, &mut |n| {
                    out = match n.scalar() {
                        Scalar::String(s) => Some(s.to_owned()),
                        Scalar::Number(x) => Some(x.to_string()),
                        Scalar::Bool(b) => Some(b.to_string()),
                        _ => None,
                    };
                    true
                });
                out
            }
            MetricValue::Field(key) => {
                let values = self.extracted_values(&event.text())?;
                values.into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
            }
        }
    }
}

/// Explains a JSON expression: every condition evaluated (no short-circuit, as
/// [`compile::CExpr::eval_all`]), pushed to `conditions` in the order written, and the tree of
/// groups over them with each group's verdict. `guarded` holds the selectors a sibling
/// `NOT EXISTS` of the enclosing `||` already guards.
fn json_trace<N: JsonNode>(
    expr: &compile::CExpr<compile::CCondition>,
    root: Option<&N>,
    guarded: &[&[compile::CStep]],
    conditions: &mut Vec<ConditionTrace>,
) -> (TraceNode, bool) {
    use compile::{CExpr, CTest};
    match expr {
        CExpr::Leaf(c) => {
            let found: Vec<Found> = root
                .map(|r| {
                    json::collect(r, &c.steps)
                        .into_iter()
                        .map(Found::of)
                        .collect()
                })
                .unwrap_or_default();
            let held = root.is_some_and(|r| json::condition_holds(c, r));
            // `!=` and the relational tests are false on an absent field (spec §5.5).
            let absent_false =
                matches!(&c.test, CTest::Compare(op, _) if *op != syntax::ast::CmpOp::Eq);
            let absent_guard = (root.is_some()
                && !held
                && found.is_empty()
                && absent_false
                && !guarded.contains(&c.steps.as_slice()))
            .then(|| format!("(({} NOT EXISTS) || ({}))", c.selector_text, c.text));
            conditions.push(ConditionTrace {
                condition: c.text.clone(),
                selector: c.selector_text.clone(),
                found,
                held,
                absent_guard,
            });
            (
                TraceNode::Condition {
                    index: conditions.len() - 1,
                },
                held,
            )
        }
        CExpr::And(xs) => {
            let mut items = Vec::with_capacity(xs.len());
            let mut held = true;
            for x in xs {
                let (node, h) = json_trace(x, root, &[], conditions);
                items.push(node);
                held &= h;
            }
            (TraceNode::And { held, items }, held)
        }
        CExpr::Or(xs) => {
            let siblings: Vec<&[compile::CStep]> = xs
                .iter()
                .filter_map(|x| match x {
                    CExpr::Leaf(c) if matches!(c.test, CTest::NotExists) => {
                        Some(c.steps.as_slice())
                    }
                    _ => None,
                })
                .collect();
            let mut items = Vec::with_capacity(xs.len());
            let mut held = false;
            for x in xs {
                let (node, h) = json_trace(x, root, &siblings, conditions);
                items.push(node);
                held |= h;
            }
            (TraceNode::Or { held, items }, held)
        }
    }
}

/// Term semantics (§3, A3, A5): includes must all occur, excludes must not; `?` terms need one
/// occurrence unless mixed with other kinds, then they are ignored.
fn terms_match(t: &CTerms, text: &str) -> bool {
    let mut any_optional = false;
    let mut optional_found = false;
    for term in &t.terms {
        match term.kind {
            TermKind::Include => {
                if !term.found_in(text) {
                    return false;
                }
            }
            TermKind::Exclude => {
                if !term.match_all && term.found_in(text) {
                    return false;
                }
            }
            TermKind::Optional if !t.optional_ignored => {
                any_optional = true;
                optional_found = optional_found || term.found_in(text);
            }
            TermKind::Optional => {}
        }
    }
    !any_optional || optional_found
}

/// Every node a JSON selector reaches in `root`, in document order (absent = empty). This is
/// the resolver the evaluator uses; exposed for tests and tools.
pub fn select<'a, N: JsonNode>(selector: &Selector, root: &'a N) -> Vec<&'a N> {
    json::collect(root, &compile::compile_steps(selector))
}

impl fmt::Display for Pattern {
    /// The canonical pattern text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.ast, f)
    }
}

#[cfg(test)]
mod tests;

/// Whether `text` fails to parse only because it nests deeper than serde_json's recursion
/// limit.
fn nests_too_deep(text: &str) -> bool {
    matches!(serde_json::from_str::<serde_json::Value>(text), Err(e) if is_recursion_limit(&e))
}

/// Whether a parse error is serde_json's recursion limit: it reports it as a syntax error, and
/// its message is the only thing that tells it apart (pinned by a test). The engine classifies
/// record errors with it too.
pub(crate) fn is_recursion_limit(e: &serde_json::Error) -> bool {
    e.is_syntax() && e.to_string().starts_with("recursion limit exceeded")
}
