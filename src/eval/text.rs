//! Short canonical texts of selectors, values and conditions, for explanations.

use std::fmt::Write;

use crate::syntax::ast::{Condition, Selector, Step, Test, Value};

/// Whether `name` can be written as `.name` (spec §5.2.1); otherwise `.['name']`.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub(crate) fn selector(s: &Selector) -> String {
    let mut out = String::from("$");
    for step in &s.steps {
        match step {
            Step::Field(n) if plain_name(n) => {
                out.push('.');
                out.push_str(n);
            }
            Step::Field(n) => {
                let _ = write!(out, ".['{n}']");
            }
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Step::AnyIndex => out.push_str("[*]"),
            Step::AnyField => out.push_str(".*"),
        }
    }
    out
}

pub(crate) fn value(v: &Value) -> String {
    match v {
        Value::String(s) => {
            let mut out = String::with_capacity(s.len() + 2);
            out.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
            out
        }
        Value::Number(n) => n.clone(),
        Value::Star => "*".to_owned(),
        Value::Regex(r) => format!("%{}%", r.source),
    }
}

pub(crate) fn condition(c: &Condition) -> String {
    let sel = selector(&c.selector);
    match &c.test {
        Test::Compare(op, v) => format!("{sel} {} {}", op.as_str(), value(v)),
        Test::IsNull => format!("{sel} IS NULL"),
        Test::IsTrue => format!("{sel} IS TRUE"),
        Test::IsFalse => format!("{sel} IS FALSE"),
        Test::NotExists => format!("{sel} NOT EXISTS"),
    }
}
