//! A pattern's [`Requirement`]: the literals a raw record must contain for the pattern to
//! possibly match it (soundness against JSON escapes: see the parent module).

use crate::syntax::ast::{Ast, CmpOp, Condition, Expr, TermKind, TermPattern, Test, Value};

/// What a record must contain for a pattern to possibly match it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// No usable literal: the pattern is always evaluated.
    Always,
    /// Every clause must hold; a clause holds when the raw record contains at least one of its
    /// (non-empty) literals. Clauses are ordered most selective first.
    AllOf(Vec<Vec<String>>),
}

/// At most this many clauses are kept per pattern (the most selective ones): each is checked
/// on every record the automaton found a literal in.
const MAX_CLAUSES: usize = 4;

/// How selective a clause is: the length of its shortest literal (longer literals are rarer),
/// then fewer alternatives.
fn selectivity(clause: &[String]) -> (usize, std::cmp::Reverse<usize>) {
    let shortest = clause.iter().map(|l| l.len()).min().unwrap_or(0);
    (shortest, std::cmp::Reverse(clause.len()))
}

impl Requirement {
    fn one(literal: &str) -> Self {
        Requirement::AllOf(vec![vec![literal.to_owned()]])
    }

    /// The clauses, most selective first (none for [`Requirement::Always`]).
    pub fn clauses(&self) -> &[Vec<String>] {
        match self {
            Requirement::Always => &[],
            Requirement::AllOf(c) => c,
        }
    }

    /// Every operand must hold, so every operand's clauses are necessary: keep them all (up
    /// to [`MAX_CLAUSES`], most selective first).
    fn all_of(reqs: impl IntoIterator<Item = Requirement>) -> Self {
        let mut clauses: Vec<Vec<String>> = Vec::new();
        for r in reqs {
            for c in r.clauses() {
                if !clauses.contains(c) {
                    clauses.push(c.clone());
                }
            }
        }
        if clauses.is_empty() {
            return Requirement::Always;
        }
        clauses.sort_by_key(|c| std::cmp::Reverse(selectivity(c)));
        clauses.truncate(MAX_CLAUSES);
        Requirement::AllOf(clauses)
    }

    /// One operand must hold: each operand's most selective clause is necessary for it, so
    /// their union is necessary for the whole; nothing if an operand needs nothing.
    fn any_of(reqs: impl IntoIterator<Item = Requirement>) -> Self {
        let mut out: Vec<String> = Vec::new();
        for r in reqs {
            let Some(best) = r.clauses().first() else {
                return Requirement::Always;
            };
            for l in best {
                if !out.contains(l) {
                    out.push(l.clone());
                }
            }
        }
        if out.is_empty() {
            Requirement::Always
        } else {
            Requirement::AllOf(vec![out])
        }
    }
}

/// The requirement of a whole pattern, for evaluation against its raw message text.
pub fn requirement(ast: &Ast) -> Requirement {
    match ast {
        Ast::Json(p) => expr_requirement(&p.expr),
        Ast::Terms(t) => terms_requirement(t),
        // Field values of delimited patterns and regexes could yield literals too, but the
        // gain is small for CloudTrail and the soundness argument longer: always evaluate.
        Ast::Delimited(_) | Ast::Regex(_) => Requirement::Always,
    }
}

fn expr_requirement(expr: &Expr<Condition>) -> Requirement {
    match expr {
        Expr::Leaf(c) => condition_requirement(c),
        Expr::And(xs, _) => Requirement::all_of(xs.iter().map(expr_requirement)),
        Expr::Or(xs, _) => Requirement::any_of(xs.iter().map(expr_requirement)),
    }
}

fn condition_requirement(c: &Condition) -> Requirement {
    match &c.test {
        // A JSON boolean is spelled `true` / `false` in the raw text, with no escape possible.
        Test::IsTrue => Requirement::one("true"),
        Test::IsFalse => Requirement::one("false"),
        Test::Compare(CmpOp::Eq, Value::String(s)) => string_value_literal(s),
        // `!=` and the relational operators hold for values the pattern does not spell;
        // numbers have many spellings (`400`, `4e2`, `400.0`); regexes, `*`, IS NULL and
        // NOT EXISTS name no text.
        Test::Compare(..) | Test::IsNull | Test::NotExists => Requirement::Always,
    }
}

/// The literal a string equality needs in the raw JSON text, if one is usable.
///
/// A `*` at either end is a wildcard and one in the middle is literal (spec A19, A11); the
/// longest `*`-free segment is contained in the value under either reading.
fn string_value_literal(value: &str) -> Requirement {
    let Some(segment) = value.split('*').max_by_key(|s| s.len()) else {
        return Requirement::Always;
    };
    if usable_json_literal(segment) {
        Requirement::one(segment)
    } else {
        Requirement::Always
    }
}

/// Whether `lit` is guaranteed to appear verbatim in the raw text of any JSON value whose
/// decoded string (or number text) contains it, given the record has no `\u` escape.
pub fn usable_json_literal(lit: &str) -> bool {
    if lit.is_empty() {
        return false;
    }
    // Characters a JSON string may spell only as an escape other than `\u`.
    if lit
        .chars()
        .any(|c| c == '"' || c == '\\' || c == '/' || c < ' ')
    {
        return false;
    }
    // A numeric value can equal a string literal without sharing its text (`4e2` vs "400"),
    // and the evaluator compares numbers through some textual or numeric form: a literal
    // that could be (part of) a number's text is never required.
    if lit
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return false;
    }
    let lower = lit.to_ascii_lowercase();
    if lit.trim().parse::<f64>().is_ok() || "infinity".contains(&lower) || "nan".contains(&lower) {
        return false;
    }
    true
}

/// Term patterns are substring tests on the raw message itself, so their terms are literals
/// with no escape question (spec §3).
fn terms_requirement(t: &TermPattern) -> Requirement {
    // An empty or all-blank phrase matches everything (spec A3).
    let term_req = |text: &str| {
        if text.trim().is_empty() {
            Requirement::Always
        } else {
            Requirement::one(text)
        }
    };
    let has_plain = t
        .terms
        .iter()
        .any(|x| matches!(x.kind, TermKind::Include | TermKind::Exclude));
    if has_plain {
        // `?` terms are ignored when mixed with other kinds (spec §3.7); exclusions name text
        // that must be absent.
        Requirement::all_of(
            t.terms
                .iter()
                .filter(|x| x.kind == TermKind::Include)
                .map(|x| term_req(&x.text)),
        )
    } else if t.terms.is_empty() {
        Requirement::Always
    } else {
        Requirement::any_of(t.terms.iter().map(|x| term_req(&x.text)))
    }
}
