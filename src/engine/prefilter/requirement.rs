//! A pattern's [`Requirement`]: the literals a raw record must contain for the pattern to
//! possibly match it (soundness against JSON escapes: see the parent module).

use crate::syntax::ast::{Ast, CmpOp, Condition, Expr, Step, TermKind, TermPattern, Test, Value};

/// What a record must contain for a pattern to possibly match it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// No usable literal: the pattern is always evaluated.
    Always,
    /// Every clause must hold. Clauses are ordered most selective first.
    AllOf(Vec<Clause>),
}

/// A necessary condition on a raw record: it contains at least one of `literals`.
///
/// With `member`, the clause comes from equalities `$.member = "literal"` (no `*`) on one
/// top-level member, and the stronger condition "the record's top-level `member` is a string
/// equal to one of `literals`" is necessary too; the prefilter checks that one when it can read
/// the member from the raw bytes (`members.rs`), which saves searching the literals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// The literals, at least one; one of them occurs in the raw text of any match.
    pub literals: Vec<String>,
    /// The top-level member whose exact string value must be one of `literals`, if known.
    pub member: Option<String>,
}

impl Clause {
    fn contains(literals: Vec<String>) -> Self {
        Clause {
            literals,
            member: None,
        }
    }
}

/// At most this many clauses are kept per pattern (the most selective ones): each is checked
/// on every record the automaton found a literal in.
const MAX_CLAUSES: usize = 4;

/// How selective a clause is: an exact top-level member value first (decided without a
/// search, and exact), then the length of its shortest literal (longer literals are rarer),
/// then fewer alternatives.
fn selectivity(clause: &Clause) -> (bool, usize, std::cmp::Reverse<usize>) {
    let shortest = clause.literals.iter().map(|l| l.len()).min().unwrap_or(0);
    (
        clause.member.is_some(),
        shortest,
        std::cmp::Reverse(clause.literals.len()),
    )
}

impl Requirement {
    fn one(literal: &str) -> Self {
        Requirement::AllOf(vec![Clause::contains(vec![literal.to_owned()])])
    }

    /// The clauses, most selective first (none for [`Requirement::Always`]).
    pub fn clauses(&self) -> &[Clause] {
        match self {
            Requirement::Always => &[],
            Requirement::AllOf(c) => c,
        }
    }

    /// Every operand must hold, so every operand's clauses are necessary: keep them all (up
    /// to [`MAX_CLAUSES`], most selective first).
    fn all_of(reqs: impl IntoIterator<Item = Requirement>) -> Self {
        let mut clauses: Vec<Clause> = Vec::new();
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
    /// their union is necessary for the whole; nothing if an operand needs nothing. The union
    /// keeps the member only when every operand's clause names the same one.
    fn any_of(reqs: impl IntoIterator<Item = Requirement>) -> Self {
        let mut out: Vec<String> = Vec::new();
        let mut member: Option<Option<String>> = None;
        for r in reqs {
            let Some(best) = r.clauses().first() else {
                return Requirement::Always;
            };
            member = match member {
                None => Some(best.member.clone()),
                Some(m) if m == best.member => Some(m),
                Some(_) => Some(None),
            };
            for l in &best.literals {
                if !out.contains(l) {
                    out.push(l.clone());
                }
            }
        }
        if out.is_empty() {
            Requirement::Always
        } else {
            Requirement::AllOf(vec![Clause {
                literals: out,
                member: member.flatten(),
            }])
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
        Test::Compare(CmpOp::Eq, Value::String(s)) => match string_value_literal(s) {
            Requirement::AllOf(mut clauses) if !s.contains('*') => {
                // No `*`: the condition is string equality (a number or any other value
                // fails it, as the literal is not number-like), so on a one-step selector it
                // fixes the top-level member's value.
                if let [Step::Field(name)] = c.selector.steps.as_slice() {
                    if usable_member_name(name) {
                        for clause in &mut clauses {
                            clause.member = Some(name.clone());
                        }
                    }
                }
                Requirement::AllOf(clauses)
            }
            r => r,
        },
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
    if lit.chars().any(has_short_escape) {
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

/// Whether a member name has one raw spelling without `\u` escapes (so the prefilter can find
/// it as `"name"` verbatim): no character [`has_short_escape`], numbers allowed.
pub(crate) fn usable_member_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(has_short_escape)
}

/// Characters a JSON string can spell with an escape other than `\u` (`\"`, `\\`, `\/`, `\n`,
/// ...; `"`, `\` and controls only so): text holding one may have another raw spelling even
/// without `\u`.
fn has_short_escape(c: char) -> bool {
    c == '"' || c == '\\' || c == '/' || c < ' '
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
