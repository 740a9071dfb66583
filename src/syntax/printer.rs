//! The canonical printer: `Display` for the AST.
//!
//! Canonical form: single spaces around operators and inside `{ }`, `, ` between fields,
//! strings always double-quoted (with `"` and `\` escaped), numbers as written, parentheses
//! around every operand that is itself an `&&` or `||` group (so where `&&` and `||` mix, the
//! grouping CloudWatch reads is explicit: `a || (b && c)`; and an operand of the same operator
//! that was parenthesised keeps them), none around a single condition, and `.['key']` only for
//! names that `.name` cannot express. Printing the parse of a printed pattern gives the same
//! text.

use std::fmt::{self, Display, Formatter};

use super::ast::*;
use super::parser::lex::{is_name_char, is_term_char};

impl Display for Ast {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Ast::Terms(t) => t.fmt(f),
            Ast::Json(j) => j.fmt(f),
            Ast::Delimited(d) => d.fmt(f),
            Ast::Regex(r) => r.fmt(f),
        }
    }
}

impl Display for TermPattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            t.fmt(f)?;
        }
        Ok(())
    }
}

impl Display for Term {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.kind {
            TermKind::Include => {}
            TermKind::Exclude => f.write_str("-")?,
            TermKind::Optional => f.write_str("?")?,
        }
        if is_plain_term(&self.text) {
            f.write_str(&self.text)
        } else {
            f.write_str(&quote(&self.text))
        }
    }
}

/// Whether a term's text can be written without quotes: term characters only, and not
/// starting with what would read as a prefix (`?`, `-`) or as another syntax (`{`, `[`, `%`).
pub(crate) fn is_plain_term(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(is_term_char)
        && !text.starts_with(['?', '-', '{', '[', '%'])
}

/// `text` as a double-quoted pattern string, with `"` and `\` escaped: the one quoting rule
/// of the language, for terms and values alike (spec §3.8, A20).
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl Display for JsonPattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("{ ")?;
        self.expr.fmt(f)?;
        f.write_str(" }")
    }
}

impl Display for Expr<Condition> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(f, self, &|f, c| c.fmt(f))
    }
}

/// Writes an expression; `leaf` writes one leaf.
fn write_expr<L>(
    f: &mut Formatter<'_>,
    e: &Expr<L>,
    leaf: &dyn Fn(&mut Formatter<'_>, &L) -> fmt::Result,
) -> fmt::Result {
    let (items, sep) = match e {
        Expr::Leaf(l) => return leaf(f, l),
        Expr::And(items, _) => (items, " && "),
        Expr::Or(items, _) => (items, " || "),
    };
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        // Every group operand is parenthesised: an `||` under `&&` needs it (it binds looser),
        // an operand of the same operator was written in parentheses (it would flatten), and
        // an `&&` under `||` does not need it but shows the grouping CloudWatch reads.
        let paren = !matches!(item, Expr::Leaf(_));
        if paren {
            f.write_str("(")?;
            write_expr(f, item, leaf)?;
            f.write_str(")")?;
        } else {
            write_expr(f, item, leaf)?;
        }
    }
    Ok(())
}

impl Display for Condition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.selector, self.test)
    }
}

impl Display for Test {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Test::Compare(op, v) => write!(f, "{op} {v}"),
            Test::IsNull => f.write_str("IS NULL"),
            Test::IsTrue => f.write_str("IS TRUE"),
            Test::IsFalse => f.write_str("IS FALSE"),
            Test::NotExists => f.write_str("NOT EXISTS"),
        }
    }
}

impl Display for CmpOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for Selector {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for s in &self.steps {
            s.fmt(f)?;
        }
        Ok(())
    }
}

impl Display for Step {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Step::Field(name) if !name.is_empty() && name.chars().all(is_name_char) => {
                write!(f, ".{name}")
            }
            Step::Field(name) => write!(f, ".['{name}']"),
            Step::Index(n) => write!(f, "[{n}]"),
            Step::AnyIndex => f.write_str("[*]"),
            Step::AnyField => f.write_str(".*"),
        }
    }
}

impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => f.write_str(&quote(s)),
            Value::Number(n) => f.write_str(n),
            Value::Star => f.write_str("*"),
            Value::Regex(r) => r.fmt(f),
        }
    }
}

impl Display for RegexLit {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "%{}%", self.source)
    }
}

impl Display for DelimitedPattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
                // The unnamed field of a trailing comma prints as `[a, b,]`.
                if !matches!(field, FieldSpec::Field { name: None, .. }) {
                    f.write_str(" ")?;
                }
            }
            field.fmt(f)?;
        }
        f.write_str("]")
    }
}

impl Display for FieldSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            FieldSpec::Ellipsis(_) => f.write_str("..."),
            FieldSpec::Field {
                name, condition, ..
            } => {
                let name = name.as_deref().unwrap_or("");
                match condition {
                    None => f.write_str(name),
                    Some(expr) => {
                        write_expr(f, expr, &|f, c: &FieldCondition| write!(f, "{name} {c}"))
                    }
                }
            }
        }
    }
}

/// Prints the condition without its field: `= "4*"`.
impl Display for FieldCondition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.op, self.value)
    }
}
