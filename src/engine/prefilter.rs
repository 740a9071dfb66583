//! The literal prefilter: which patterns can possibly match a record, judged from its raw bytes.
//!
//! For every pattern we derive a [`Requirement`]: either "always evaluate", or "the raw record
//! contains at least one of these literals". A requirement is a *necessary* condition for a
//! match, never a sufficient one: skipping a pattern whose requirement fails must never change
//! an answer. All literals of all patterns are searched in one Aho-Corasick pass.
//!
//! Soundness against JSON escapes (JSON patterns only): a string value may be spelled with
//! escapes in the raw text. `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` decode to `"`, `\`,
//! `/` or a control character, so a literal containing none of those still appears verbatim in
//! the raw bytes; every other character can only be hidden by a `\uXXXX` escape, and a record
//! whose raw bytes contain `\u` gets every JSON pattern evaluated. See docs/engine.md.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use memchr::memmem;

use crate::syntax::ast::{Ast, CmpOp, Condition, Expr, TermKind, TermPattern, Test, Value};

/// What a record must contain for a pattern to possibly match it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// No usable literal: the pattern is always evaluated.
    Always,
    /// The raw record must contain at least one of these (non-empty) literals.
    AnyOf(Vec<String>),
}

impl Requirement {
    fn one(literal: &str) -> Self {
        Requirement::AnyOf(vec![literal.to_owned()])
    }

    /// How selective a requirement is: the length of its shortest literal (longer literals are
    /// rarer), then fewer alternatives. `None` for [`Requirement::Always`].
    fn selectivity(&self) -> Option<(usize, std::cmp::Reverse<usize>)> {
        match self {
            Requirement::Always => None,
            Requirement::AnyOf(lits) => {
                let shortest = lits.iter().map(|l| l.len()).min().unwrap_or(0);
                Some((shortest, std::cmp::Reverse(lits.len())))
            }
        }
    }

    /// Every operand must hold, so any one operand's requirement is necessary: keep the most
    /// selective.
    fn all_of(reqs: impl IntoIterator<Item = Requirement>) -> Self {
        reqs.into_iter()
            .filter_map(|r| r.selectivity().map(|s| (s, r)))
            .max_by_key(|(s, _)| *s)
            .map_or(Requirement::Always, |(_, r)| r)
    }

    /// One operand must hold: the union of their literals, unless one needs nothing.
    fn any_of(reqs: impl IntoIterator<Item = Requirement>) -> Self {
        let mut out: Vec<String> = Vec::new();
        for r in reqs {
            match r {
                Requirement::Always => return Requirement::Always,
                Requirement::AnyOf(lits) => {
                    for l in lits {
                        if !out.contains(&l) {
                            out.push(l);
                        }
                    }
                }
            }
        }
        if out.is_empty() {
            Requirement::Always
        } else {
            Requirement::AnyOf(out)
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

/// A compiled prefilter over many patterns.
#[derive(Debug)]
pub struct Prefilter {
    /// One automaton over every distinct literal.
    automaton: Option<AhoCorasick>,
    /// For each automaton pattern id, the patterns it admits.
    admits: Vec<Vec<usize>>,
    /// Patterns with no requirement.
    always: Vec<usize>,
    /// JSON patterns with a requirement: admitted whenever the record contains `\u`.
    escape_sensitive: Vec<usize>,
    unicode_escape: memmem::Finder<'static>,
    pattern_count: usize,
}

impl Prefilter {
    /// Builds the prefilter for `asts` (indices are positions in the slice).
    pub fn new<'a>(asts: impl IntoIterator<Item = &'a Ast>) -> Self {
        let mut literals: Vec<String> = Vec::new();
        let mut admits: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        let mut escape_sensitive = Vec::new();
        let mut pattern_count = 0;
        for (i, ast) in asts.into_iter().enumerate() {
            pattern_count = i + 1;
            match requirement(ast) {
                Requirement::Always => always.push(i),
                Requirement::AnyOf(lits) => {
                    if matches!(ast, Ast::Json(_)) {
                        escape_sensitive.push(i);
                    }
                    for lit in lits {
                        let id = match literals.iter().position(|l| *l == lit) {
                            Some(id) => id,
                            None => {
                                literals.push(lit);
                                admits.push(Vec::new());
                                literals.len() - 1
                            }
                        };
                        if !admits[id].contains(&i) {
                            admits[id].push(i);
                        }
                    }
                }
            }
        }
        // Building can only fail on size limits far above a few thousand short literals; if
        // it ever does, admitting every pattern is the sound fallback.
        let automaton = if literals.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .build(&literals)
                .ok()
        };
        if automaton.is_none() && !literals.is_empty() {
            always = (0..pattern_count).collect();
            admits.clear();
            escape_sensitive.clear();
        }
        Prefilter {
            automaton,
            admits,
            always,
            escape_sensitive,
            unicode_escape: memmem::Finder::new(b"\\u").into_owned(),
            pattern_count,
        }
    }

    /// Number of patterns the prefilter was built for.
    pub fn pattern_count(&self) -> usize {
        self.pattern_count
    }

    /// Number of distinct literals searched.
    pub fn literal_count(&self) -> usize {
        self.admits.len()
    }

    /// Marks in `out` (a bitset of `pattern_count` bits, cleared first) the patterns that may
    /// match `raw`. Returns whether the set differs from "all patterns".
    pub fn candidates(&self, raw: &[u8], out: &mut [u64]) {
        out.iter_mut().for_each(|w| *w = 0);
        for &i in &self.always {
            set_bit(out, i);
        }
        if self.unicode_escape.find(raw).is_some() {
            for &i in &self.escape_sensitive {
                set_bit(out, i);
            }
        }
        if let Some(ac) = &self.automaton {
            let mut seen = vec![false; self.admits.len()];
            let mut remaining = self.admits.len();
            for m in ac.find_overlapping_iter(raw) {
                let id = m.pattern().as_usize();
                if !seen[id] {
                    seen[id] = true;
                    for &i in &self.admits[id] {
                        set_bit(out, i);
                    }
                    remaining -= 1;
                    if remaining == 0 {
                        break;
                    }
                }
            }
        }
    }
}

pub(crate) fn set_bit(words: &mut [u64], i: usize) {
    if let Some(w) = words.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{JsonPattern, Selector, Span, Step, Term};

    fn leaf(field: &str, test: Test) -> Expr<Condition> {
        Expr::Leaf(Condition {
            selector: Selector {
                steps: vec![Step::Field(field.into())],
                span: Span::default(),
            },
            test,
            span: Span::default(),
        })
    }
    fn eq(field: &str, s: &str) -> Expr<Condition> {
        leaf(field, Test::Compare(CmpOp::Eq, Value::String(s.into())))
    }
    fn json(expr: Expr<Condition>) -> Ast {
        Ast::Json(JsonPattern {
            expr,
            span: Span::default(),
        })
    }
    fn any(lits: &[&str]) -> Requirement {
        Requirement::AnyOf(lits.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn equality_and_wildcards_give_their_fixed_part() {
        assert_eq!(
            requirement(&json(eq("eventName", "ConsoleLogin"))),
            any(&["ConsoleLogin"])
        );
        assert_eq!(
            requirement(&json(eq("e", "*UnauthorizedOperation"))),
            any(&["UnauthorizedOperation"])
        );
        assert_eq!(
            requirement(&json(eq("e", "AccessDenied*"))),
            any(&["AccessDenied"])
        );
        assert_eq!(requirement(&json(eq("e", "*.8xlarge"))), any(&[".8xlarge"]));
        assert_eq!(requirement(&json(eq("e", "ab*cdef"))), any(&["cdef"]));
        assert_eq!(requirement(&json(eq("e", "**"))), Requirement::Always);
    }

    #[test]
    fn unusable_literals_give_no_requirement() {
        for s in [
            "a/b", "a\"b", "a\\b", "a\nb", "400", "4*", "1e5", "-1.5", "inf", "NaN", "Infin",
        ] {
            assert_eq!(requirement(&json(eq("e", s))), Requirement::Always, "{s:?}");
        }
        assert!(usable_json_literal("s3.amazonaws.com"));
        assert!(usable_json_literal("123456789012x"));
    }

    #[test]
    fn operators_without_literals() {
        for t in [
            Test::Compare(CmpOp::Ne, Value::String("x".into())),
            Test::Compare(CmpOp::Eq, Value::Star),
            Test::Compare(CmpOp::Eq, Value::Number("1".into())),
            Test::Compare(CmpOp::Lt, Value::String("x".into())),
            Test::IsNull,
            Test::NotExists,
        ] {
            assert_eq!(requirement(&json(leaf("a", t))), Requirement::Always);
        }
        assert_eq!(requirement(&json(leaf("a", Test::IsTrue))), any(&["true"]));
        assert_eq!(
            requirement(&json(leaf("a", Test::IsFalse))),
            any(&["false"])
        );
    }

    #[test]
    fn and_picks_most_selective_or_unions() {
        let and = Expr::And(
            vec![
                eq("a", "Root"),
                leaf("b", Test::NotExists),
                eq("c", "AwsServiceEventX"),
            ],
            Span::default(),
        );
        assert_eq!(requirement(&json(and)), any(&["AwsServiceEventX"]));
        let or = Expr::Or(vec![eq("a", "X1"), eq("a", "Y2")], Span::default());
        assert_eq!(requirement(&json(or)), any(&["X1", "Y2"]));
        let or = Expr::Or(
            vec![eq("a", "X1"), leaf("b", Test::NotExists)],
            Span::default(),
        );
        assert_eq!(requirement(&json(or)), Requirement::Always);
    }

    fn terms(ts: &[(TermKind, &str)]) -> Ast {
        Ast::Terms(TermPattern {
            terms: ts
                .iter()
                .map(|(k, t)| Term {
                    kind: *k,
                    text: t.to_string(),
                    span: Span::default(),
                })
                .collect(),
            span: Span::default(),
        })
    }

    #[test]
    fn term_requirements_follow_mixing_rule() {
        use TermKind::*;
        assert_eq!(
            requirement(&terms(&[(Include, "ERROR"), (Include, "ARGUMENTS")])),
            any(&["ARGUMENTS"])
        );
        assert_eq!(
            requirement(&terms(&[(Optional, "A1"), (Optional, "B2")])),
            any(&["A1", "B2"])
        );
        assert_eq!(
            requirement(&terms(&[(Optional, "A1"), (Include, "REQ")])),
            any(&["REQ"])
        );
        assert_eq!(
            requirement(&terms(&[(Optional, "A1"), (Exclude, "C")])),
            Requirement::Always
        );
        assert_eq!(requirement(&terms(&[(Include, " ")])), Requirement::Always);
        assert_eq!(requirement(&terms(&[])), Requirement::Always);
        // Terms are raw-text tests: quotes and slashes are fine.
        assert_eq!(requirement(&terms(&[(Include, "a/\"b")])), any(&["a/\"b"]));
    }

    #[test]
    fn candidates_respect_literals_and_unicode_escapes() {
        let asts = vec![
            json(eq("eventName", "ConsoleLogin")),
            json(leaf("x", Test::NotExists)),
            terms(&[(TermKind::Include, "Root")]),
        ];
        let pf = Prefilter::new(&asts);
        let mut out = [0u64];
        pf.candidates(br#"{"eventName":"GetObject"}"#, &mut out);
        assert_eq!(out[0], 0b010);
        pf.candidates(br#"{"eventName":"ConsoleLogin","t":"Root"}"#, &mut out);
        assert_eq!(out[0], 0b111);
        pf.candidates(br#"{"eventName":"\u0043onsoleLogin"}"#, &mut out);
        assert_eq!(out[0], 0b011);
    }
}
