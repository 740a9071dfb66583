//! Why an event did or did not match: one entry per leaf condition, with what its selector
//! found. `Display` is for people; `Serialize` gives the same facts as JSON.

use std::fmt;

use serde::Serialize;

use super::event::{JsonNode, Scalar};
use super::truth::number_text;

/// The explanation of one pattern against one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The pattern in canonical form.
    pub pattern: String,
    /// The overall verdict (always equal to `Pattern::matches` on the same event).
    pub matched: bool,
    /// What each part of the pattern found.
    #[serde(flatten)]
    pub detail: Detail,
}

/// Per-kind details.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    /// A term pattern: each term and whether the message contains it.
    Terms {
        /// The terms in the order written.
        terms: Vec<TermTrace>,
        /// `?` terms were mixed with other kinds and so ignored (§3.7).
        optional_ignored: bool,
    },
    /// A JSON pattern: each condition with what its selector found.
    Json {
        /// `false` when the message is not JSON (then nothing matches, A12).
        event_is_json: bool,
        /// The message is JSON-shaped but nests deeper than serde_json's recursion limit: it
        /// was not read, so the verdict says nothing about it (reported by the replay, `match`
        /// and `lint` as an error, never as a non-match).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        too_deep: bool,
        /// The leaf conditions in the order written.
        conditions: Vec<ConditionTrace>,
        /// The pattern's `&&`/`||` tree over `conditions`, with each group's verdict.
        tree: TraceNode,
    },
    /// A space-delimited pattern: the message's fields and each slot's binding.
    Delimited {
        /// How many fields the message splits into (spec §6.2).
        fields_in_message: usize,
        /// Each slot with the field it took.
        slots: Vec<SlotTrace>,
        /// Why no binding was possible, when none was.
        note: Option<String>,
    },
    /// A standalone regex searched in the whole message.
    Regex {
        /// The regex as written.
        regex: String,
    },
}

/// One term of a term pattern.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermTrace {
    /// The term as written (`ERROR`, `-"x y"`, `?WARN`).
    pub term: String,
    /// Whether the message contains the term's text.
    pub found: bool,
    /// Whether the term took part (a `?` term mixed with others does not).
    pub ignored: bool,
    /// Whether the term's requirement held (include: found; exclude: not found).
    pub held: bool,
}

/// One leaf condition of a JSON pattern.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionTrace {
    /// The condition in canonical form.
    pub condition: String,
    /// The condition's selector in canonical form.
    pub selector: String,
    /// What the selector found; empty = absent.
    pub found: Vec<Found>,
    /// Whether the condition held.
    pub held: bool,
    /// When the condition is a `!=` or relational test that is false only because the field
    /// is absent (spec §5.5) and no sibling `NOT EXISTS` guards it: the guarded form,
    /// `(($.f NOT EXISTS) || ($.f != "x"))`, which would also hold without the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absent_guard: Option<String>,
}

/// A node of a JSON pattern's `&&`/`||` tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum TraceNode {
    /// An `&&` group: holds when every item does.
    And {
        /// Whether the group held.
        held: bool,
        /// Its operands.
        items: Vec<TraceNode>,
    },
    /// An `||` group: holds when an item does.
    Or {
        /// Whether the group held.
        held: bool,
        /// Its operands.
        items: Vec<TraceNode>,
    },
    /// A condition: its index in the explanation's `conditions`.
    Condition {
        /// Index into `conditions`.
        index: usize,
    },
}

/// What a selector found at one node.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Found {
    /// JSON `null`.
    Null,
    /// `true` or `false`.
    Boolean(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// An object (its content is not shown).
    Object,
    /// An array (its content is not shown).
    Array,
}

impl Found {
    pub(crate) fn of<N: JsonNode>(n: &N) -> Found {
        match n.scalar() {
            Scalar::Null => Found::Null,
            Scalar::Bool(b) => Found::Boolean(b),
            Scalar::Number(x) => Found::Number(x),
            Scalar::String(s) => Found::String(s.to_owned()),
            Scalar::Object => Found::Object,
            Scalar::Array => Found::Array,
        }
    }
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Null => f.write_str("null"),
            Found::Boolean(b) => write!(f, "boolean {b}"),
            Found::Number(x) => write!(f, "number {}", number_text(*x)),
            Found::String(s) => write!(f, "string {}", quoted(s)),
            Found::Object => f.write_str("an object"),
            Found::Array => f.write_str("an array"),
        }
    }
}

/// One slot of a space-delimited pattern.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotTrace {
    /// `$name`, `$N` for an unnamed field, or `...`.
    pub slot: String,
    /// The field text the slot took (for `...`, the fields it covered, space-joined).
    pub value: Option<String>,
    /// The slot's condition in canonical form.
    pub condition: Option<String>,
    /// Whether the slot's condition held (true without one).
    pub held: bool,
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

fn verdict(b: bool) -> &'static str {
    if b {
        "true "
    } else {
        "false"
    }
}

/// Writes a JSON pattern's tree: a group as its verdict and operator, its operands indented
/// one level (two spaces) under it; a condition as its verdict, text and what was found.
fn write_tree(
    f: &mut fmt::Formatter<'_>,
    node: &TraceNode,
    conditions: &[ConditionTrace],
    depth: usize,
) -> fmt::Result {
    let indent = "  ".repeat(depth);
    match node {
        TraceNode::And { held, items } | TraceNode::Or { held, items } => {
            let op = if matches!(node, TraceNode::And { .. }) {
                "&&  (all of)"
            } else {
                "||  (any of)"
            };
            writeln!(f, "{indent}{} {op}", verdict(*held))?;
            for item in items {
                write_tree(f, item, conditions, depth + 1)?;
            }
            Ok(())
        }
        TraceNode::Condition { index } => {
            let Some(c) = conditions.get(*index) else {
                return Ok(());
            };
            let found = if c.found.is_empty() {
                "absent".to_owned()
            } else {
                c.found
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            writeln!(
                f,
                "{indent}{} {}  found: {}",
                verdict(c.held),
                c.condition,
                found
            )?;
            if let Some(guard) = &c.absent_guard {
                writeln!(
                    f,
                    "{indent}      note: {} is absent, so CloudWatch finds this test false; with the NOT EXISTS guard it holds: {guard}",
                    c.selector
                )?;
            }
            Ok(())
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", if self.matched { "MATCH" } else { "NO MATCH" })?;
        match &self.detail {
            Detail::Terms {
                terms,
                optional_ignored,
            } => {
                if terms.is_empty() {
                    writeln!(f, "  empty pattern: matches every event")?;
                }
                for t in terms {
                    let state = if t.ignored {
                        "ignored (? terms mixed with other terms)"
                    } else if t.found {
                        "found"
                    } else {
                        "not found"
                    };
                    writeln!(f, "  {} {}  {}", verdict(t.held), t.term, state)?;
                }
                if *optional_ignored {
                    writeln!(f, "  note: ? terms are ignored when mixed with other terms")?;
                }
            }
            Detail::Json {
                event_is_json,
                too_deep,
                conditions,
                tree,
            } => {
                if *too_deep {
                    writeln!(
                        f,
                        "  the event nests deeper than 127 levels: it was not read, so JSON patterns were not evaluated on it"
                    )?;
                } else if !event_is_json {
                    writeln!(
                        f,
                        "  the event is not JSON: a JSON pattern never matches it"
                    )?;
                }
                write_tree(f, tree, conditions, 1)?;
            }
            Detail::Delimited {
                fields_in_message,
                slots,
                note,
            } => {
                writeln!(f, "  message has {fields_in_message} field(s)")?;
                if let Some(n) = note {
                    writeln!(f, "  {n}")?;
                }
                for s in slots {
                    let value = s.value.as_deref().map_or("-".to_owned(), quoted);
                    match &s.condition {
                        Some(c) => {
                            writeln!(f, "  {} {} = {}  ({c})", verdict(s.held), s.slot, value)?
                        }
                        None => writeln!(f, "  {} {} = {}", verdict(s.held), s.slot, value)?,
                    }
                }
            }
            Detail::Regex { regex } => {
                writeln!(
                    f,
                    "  {} %{regex}% searched in the whole message",
                    verdict(self.matched)
                )?;
            }
        }
        Ok(())
    }
}
