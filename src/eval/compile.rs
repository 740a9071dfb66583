//! Compiling an AST once per pattern: selectors to steps, string literals to wildcard
//! matchers, numbers to `f64`, regexes to `regex::Regex`, terms to substring finders.
//! Nothing here is redone per event.

use memchr::memmem;
use regex::Regex;

use crate::syntax::ast::{
    Ast, CmpOp, Condition, DelimitedPattern, Expr, FieldSpec, RegexLit, Selector, Span, Step, Term,
    TermKind, Test, Value,
};
use crate::syntax::{dialect, parse_number, ErrorKind, ParseError};

/// A compiled pattern.
#[derive(Debug, Clone)]
pub(crate) enum Compiled {
    Terms(CTerms),
    Json(CExpr<CCondition>),
    Delimited(CDelimited),
    Regex(Regex),
}

/// A compiled boolean expression.
#[derive(Debug, Clone)]
pub(crate) enum CExpr<L> {
    And(Vec<CExpr<L>>),
    Or(Vec<CExpr<L>>),
    Leaf(L),
}

impl<L> CExpr<L> {
    /// Short-circuit evaluation.
    pub(crate) fn eval(&self, leaf: &mut impl FnMut(&L) -> bool) -> bool {
        match self {
            CExpr::And(xs) => xs.iter().all(|x| x.eval(leaf)),
            CExpr::Or(xs) => xs.iter().any(|x| x.eval(leaf)),
            CExpr::Leaf(l) => leaf(l),
        }
    }

    /// Evaluation that visits every leaf (for explanations); same result as [`CExpr::eval`].
    pub(crate) fn eval_all(&self, leaf: &mut impl FnMut(&L) -> bool) -> bool {
        match self {
            CExpr::And(xs) => {
                let mut all = true;
                for x in xs {
                    all &= x.eval_all(leaf);
                }
                all
            }
            CExpr::Or(xs) => {
                let mut any = false;
                for x in xs {
                    any |= x.eval_all(leaf);
                }
                any
            }
            CExpr::Leaf(l) => leaf(l),
        }
    }
}

/// One selector step. `[*]` and `.*` compile to the same step: every child (A14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CStep {
    Field(String),
    Index(u64),
    Any,
}

/// A JSON condition.
#[derive(Debug, Clone)]
pub(crate) struct CCondition {
    pub steps: Vec<CStep>,
    pub test: CTest,
    /// The condition as written in canonical form, for explanations.
    pub text: String,
    pub selector_text: String,
}

/// What a condition asks of a node.
#[derive(Debug, Clone)]
pub(crate) enum CTest {
    Compare(CmpOp, CValue),
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
}

/// A compiled right-hand side.
#[derive(Debug, Clone)]
pub(crate) enum CValue {
    /// A lone `*`: any string or number.
    Star,
    /// A string literal: a wildcard matcher, and its numeric reading for relational operators.
    Text {
        glob: Glob,
        number: Option<f64>,
    },
    /// A number literal, with its text as written (compared textually against strings, A9).
    Number {
        text: String,
        value: f64,
    },
    Regex(Regex),
}

/// A string with `*` wildcards at its ends only (A11, A19). Linear time: prefix, suffix or
/// substring checks.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    kind: GlobKind,
    needle: String,
    finder: Option<Box<memmem::Finder<'static>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GlobKind {
    Exact,
    Prefix,
    Suffix,
    Contains,
}

impl Glob {
    pub(crate) fn new(s: &str) -> Glob {
        let lead = s.starts_with('*');
        let trail = s.len() > usize::from(lead) && s.ends_with('*');
        let start = usize::from(lead);
        let end = s.len() - usize::from(trail);
        let needle = s.get(start..end).unwrap_or("").to_owned();
        let kind = match (lead, trail) {
            (false, false) => GlobKind::Exact,
            (false, true) => GlobKind::Prefix,
            (true, false) => GlobKind::Suffix,
            (true, true) => GlobKind::Contains,
        };
        let finder = (kind == GlobKind::Contains)
            .then(|| Box::new(memmem::Finder::new(needle.as_bytes()).into_owned()));
        Glob {
            kind,
            needle,
            finder,
        }
    }

    pub(crate) fn is_match(&self, s: &str) -> bool {
        match self.kind {
            GlobKind::Exact => s == self.needle,
            GlobKind::Prefix => s.starts_with(&self.needle),
            GlobKind::Suffix => s.ends_with(&self.needle),
            GlobKind::Contains => self
                .finder
                .as_ref()
                .is_some_and(|f| f.find(s.as_bytes()).is_some()),
        }
    }
}

/// A term pattern.
#[derive(Debug, Clone)]
pub(crate) struct CTerms {
    pub terms: Vec<CTerm>,
    /// `?` terms mixed with other kinds are ignored (§3.7, A5).
    pub optional_ignored: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct CTerm {
    pub kind: TermKind,
    /// The term in canonical form, prefix included (`-"a b"`), for explanations.
    pub printed: String,
    /// Empty or whitespace-only phrases match everything (A3) and are left out of the test.
    pub match_all: bool,
    pub finder: memmem::Finder<'static>,
}

impl CTerm {
    pub(crate) fn found_in(&self, message: &str) -> bool {
        self.match_all || self.finder.find(message.as_bytes()).is_some()
    }
}

/// A space-delimited pattern.
#[derive(Debug, Clone)]
pub(crate) struct CDelimited {
    pub slots: Vec<CSlot>,
    pub has_ellipsis: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum CSlot {
    Ellipsis,
    Field {
        name: Option<String>,
        condition: Option<CExpr<CFieldCondition>>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct CFieldCondition {
    pub op: CmpOp,
    pub value: CValue,
    pub text: String,
}

/// Compiles a whole AST; fails only on a regex the regex engine refuses.
pub(crate) fn compile(ast: &Ast) -> Result<Compiled, ParseError> {
    Ok(match ast {
        Ast::Terms(t) => Compiled::Terms(compile_terms(&t.terms)),
        Ast::Json(j) => Compiled::Json(compile_expr(&j.expr, &mut |c| compile_condition(c))?),
        Ast::Delimited(d) => Compiled::Delimited(compile_delimited(d)?),
        Ast::Regex(r) => Compiled::Regex(compile_regex(r)?),
    })
}

fn compile_terms(terms: &[Term]) -> CTerms {
    let has_optional = terms.iter().any(|t| t.kind == TermKind::Optional);
    let has_other = terms.iter().any(|t| t.kind != TermKind::Optional);
    CTerms {
        terms: terms
            .iter()
            .map(|t| CTerm {
                kind: t.kind,
                printed: t.to_string(),
                match_all: t.text.trim().is_empty(),
                finder: memmem::Finder::new(t.text.as_bytes()).into_owned(),
            })
            .collect(),
        optional_ignored: has_optional && has_other,
    }
}

fn compile_expr<L, C>(
    expr: &Expr<L>,
    leaf: &mut impl FnMut(&L) -> Result<C, ParseError>,
) -> Result<CExpr<C>, ParseError> {
    Ok(match expr {
        Expr::And(xs, _) => CExpr::And(
            xs.iter()
                .map(|x| compile_expr(x, leaf))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(xs, _) => CExpr::Or(
            xs.iter()
                .map(|x| compile_expr(x, leaf))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Leaf(l) => CExpr::Leaf(leaf(l)?),
    })
}

pub(crate) fn compile_steps(selector: &Selector) -> Vec<CStep> {
    selector
        .steps
        .iter()
        .map(|s| match s {
            Step::Field(name) => CStep::Field(name.clone()),
            Step::Index(i) => CStep::Index(*i),
            Step::AnyIndex | Step::AnyField => CStep::Any,
        })
        .collect()
}

fn compile_condition(c: &Condition) -> Result<CCondition, ParseError> {
    let test = match &c.test {
        Test::Compare(op, v) => CTest::Compare(*op, compile_value(v)?),
        Test::IsNull => CTest::IsNull,
        Test::IsTrue => CTest::IsTrue,
        Test::IsFalse => CTest::IsFalse,
        Test::NotExists => CTest::NotExists,
    };
    Ok(CCondition {
        steps: compile_steps(&c.selector),
        test,
        text: c.to_string(),
        selector_text: c.selector.to_string(),
    })
}

pub(crate) fn compile_value(v: &Value) -> Result<CValue, ParseError> {
    Ok(match v {
        Value::Star => CValue::Star,
        Value::String(s) if s == "*" => CValue::Star,
        Value::String(s) => CValue::Text {
            glob: Glob::new(s),
            number: parse_number(s),
        },
        Value::Number(n) => match parse_number(n) {
            Some(value) => CValue::Number {
                text: n.clone(),
                value,
            },
            // The parser only produces valid numbers; keep anything else as text.
            None => CValue::Text {
                glob: Glob::new(n),
                number: None,
            },
        },
        Value::Regex(r) => CValue::Regex(compile_regex(r)?),
    })
}

fn compile_delimited(d: &DelimitedPattern) -> Result<CDelimited, ParseError> {
    let mut slots = Vec::with_capacity(d.fields.len());
    for f in &d.fields {
        slots.push(match f {
            FieldSpec::Ellipsis(_) => CSlot::Ellipsis,
            FieldSpec::Field {
                name, condition, ..
            } => CSlot::Field {
                name: name.clone(),
                condition: match condition {
                    Some(e) => Some(compile_expr(e, &mut |fc| {
                        Ok(CFieldCondition {
                            op: fc.op,
                            value: compile_value(&fc.value)?,
                            text: format!("{} {fc}", name.as_deref().unwrap_or("_")),
                        })
                    })?),
                    None => None,
                },
            },
        });
    }
    Ok(CDelimited {
        has_ellipsis: slots.iter().any(|s| matches!(s, CSlot::Ellipsis)),
        slots,
    })
}

/// Compiles a regex literal with the dialect the parser validated it with
/// ([`crate::syntax::dialect`]). Fails only for a tree built by hand; the error is over the
/// regex's own text (the caller places it in the pattern, see `Pattern::from_ast`).
pub(crate) fn compile_regex(r: &RegexLit) -> Result<Regex, ParseError> {
    dialect::compile(&r.source).map_err(|e| {
        ParseError::new(
            ErrorKind::InvalidRegex,
            format!("invalid regular expression: {}", e.reason),
            &r.source,
            Span::new(0, r.source.len()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_ends_only() {
        assert!(Glob::new("*Event").is_match("PutEvent"));
        assert!(!Glob::new("*Event").is_match("EventId"));
        assert!(Glob::new("Event*").is_match("EventId"));
        assert!(Glob::new("*html*").is_match("GET /index.html HTTP/1.0"));
        assert!(Glob::new("Ev*ent").is_match("Ev*ent"));
        assert!(!Glob::new("Ev*ent").is_match("Event"));
        assert!(Glob::new("**").is_match(""));
        assert!(Glob::new("").is_match(""));
        assert!(!Glob::new("").is_match("x"));
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// The wildcard model of A11/A19, written as a regex: `*` at either end is `.*`, every
    /// other character literal, anchored at both ends.
    fn model(pattern: &str, s: &str) -> bool {
        let lead = pattern.starts_with('*');
        let trail = pattern.len() > usize::from(lead) && pattern.ends_with('*');
        let core = &pattern[usize::from(lead)..pattern.len() - usize::from(trail)];
        let re = format!(
            "^(?s){}{}{}$",
            if lead { ".*" } else { "" },
            regex::escape(core),
            if trail { ".*" } else { "" }
        );
        Regex::new(&re).unwrap().is_match(s)
    }

    proptest! {
        #[test]
        fn glob_agrees_with_model(p in "[ab*]{0,5}", s in "[ab*]{0,6}") {
            prop_assert_eq!(Glob::new(&p).is_match(&s), model(&p, &s));
        }
    }
}
