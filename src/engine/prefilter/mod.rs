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

use aho_corasick::{packed, AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use memchr::memmem;

use crate::syntax::ast::Ast;

mod members;
mod requirement;

use self::members::{Member, MemberScanner};
pub use self::requirement::{requirement, Clause, Requirement};

/// A compiled prefilter over many patterns.
#[derive(Debug)]
pub struct Prefilter {
    /// Every distinct literal, searched twice: see [`Searchers`].
    automaton: Option<Searchers>,
    literal_count: usize,
    /// Patterns with a requirement.
    gated: Vec<Gate>,
    /// Patterns with no requirement.
    always: Vec<usize>,
    /// JSON patterns with a requirement: admitted whenever the record contains `\u`.
    escape_sensitive: Vec<usize>,
    unicode_escape: memmem::Finder<'static>,
    /// Reads the top-level members that member clauses test (and finds `\u` in the same
    /// pass); `None` when no pattern has a member clause.
    members: Option<MemberScanner>,
    pattern_count: usize,
}

/// One gated pattern's clauses, all of which must hold.
#[derive(Debug)]
struct Gate {
    pattern: usize,
    /// Each: the record contains one of these literals (automaton pattern ids).
    literals: Vec<Vec<usize>>,
    /// Each: the top-level member (index into the scanner's names) is one of these strings.
    members: Vec<(usize, Vec<Vec<u8>>)>,
}

/// Per-thread buffers of [`Prefilter::candidates_with`].
#[derive(Clone, Debug, Default)]
pub struct PrefilterScratch {
    seen: Vec<bool>,
    members: Vec<Member>,
    positions: Vec<(usize, usize)>,
}

impl Prefilter {
    /// Builds the prefilter for `asts` (indices are positions in the slice).
    ///
    /// A pattern with member clauses (`$.eventName = "X" || ...` on top-level members) is
    /// gated by those alone: reading a member's value decides them exactly, and dropping its
    /// other clauses keeps their literals out of the search. The others are gated by literals.
    pub fn new<'a>(asts: impl IntoIterator<Item = &'a Ast>) -> Self {
        let mut reqs = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for ast in asts {
            let req = requirement(ast);
            for c in req.clauses() {
                if let Some(m) = &c.member {
                    if !names.contains(m) {
                        names.push(m.clone());
                    }
                }
            }
            reqs.push((req, matches!(ast, Ast::Json(_))));
        }
        let members = if names.is_empty() {
            None
        } else {
            MemberScanner::new(&names)
        };
        let mut literals: Vec<String> = Vec::new();
        let mut gated = Vec::new();
        let mut always = Vec::new();
        let mut escape_sensitive = Vec::new();
        let pattern_count = reqs.len();
        for (i, (req, is_json)) in reqs.iter().enumerate() {
            if req.clauses().is_empty() {
                always.push(i);
                continue;
            }
            if *is_json {
                escape_sensitive.push(i);
            }
            let member_clauses: Vec<(usize, Vec<Vec<u8>>)> = match &members {
                Some(_) => req
                    .clauses()
                    .iter()
                    .filter_map(|c| {
                        let m = c.member.as_ref()?;
                        let at = names.iter().position(|n| n == m)?;
                        Some((
                            at,
                            c.literals.iter().map(|l| l.as_bytes().to_vec()).collect(),
                        ))
                    })
                    .collect(),
                None => Vec::new(),
            };
            let literal_clauses = if member_clauses.is_empty() {
                req.clauses()
                    .iter()
                    .map(|c| {
                        c.literals
                            .iter()
                            .map(|lit| match literals.iter().position(|l| l == lit) {
                                Some(id) => id,
                                None => {
                                    literals.push(lit.clone());
                                    literals.len() - 1
                                }
                            })
                            .collect()
                    })
                    .collect()
            } else {
                Vec::new()
            };
            gated.push(Gate {
                pattern: i,
                literals: literal_clauses,
                members: member_clauses,
            });
        }
        // Building can only fail on size limits far above a few thousand short literals; if
        // it ever does, admitting every pattern is the sound fallback.
        let automaton = Searchers::new(&literals);
        if automaton.is_none() && !literals.is_empty() {
            always = (0..pattern_count).collect();
            gated.clear();
            escape_sensitive.clear();
        }
        Prefilter {
            automaton,
            literal_count: literals.len(),
            gated,
            always,
            escape_sensitive,
            unicode_escape: memmem::Finder::new(b"\\u").into_owned(),
            members,
            pattern_count,
        }
    }

    /// Number of patterns the prefilter was built for.
    pub fn pattern_count(&self) -> usize {
        self.pattern_count
    }

    /// Number of distinct literals searched.
    pub fn literal_count(&self) -> usize {
        self.literal_count
    }

    /// Marks in `out` (a bitset of `pattern_count` bits, cleared first) the patterns that may
    /// match `raw`.
    pub fn candidates(&self, raw: &[u8], out: &mut [u64]) {
        self.candidates_with(raw, out, &mut PrefilterScratch::default());
    }

    /// [`Prefilter::candidates`] reusing `scratch` between calls.
    pub fn candidates_with(&self, raw: &[u8], out: &mut [u64], scratch: &mut PrefilterScratch) {
        out.iter_mut().for_each(|w| *w = 0);
        for &i in &self.always {
            set_bit(out, i);
        }
        if self.gated.is_empty() {
            return;
        }
        let escaped = match &self.members {
            Some(m) => m.scan(raw, &mut scratch.members, &mut scratch.positions),
            None => !self.escape_sensitive.is_empty() && self.unicode_escape.find(raw).is_some(),
        };
        if escaped {
            for &i in &self.escape_sensitive {
                set_bit(out, i);
            }
        }
        let seen = &mut scratch.seen;
        seen.clear();
        if let Some(searchers) = &self.automaton {
            seen.resize(self.literal_count, false);
            searchers.mark_all(raw, seen);
        }
        let members = &scratch.members;
        for gate in &self.gated {
            let literals_hold = gate
                .literals
                .iter()
                .all(|c| c.iter().any(|&id| seen.get(id).copied().unwrap_or(true)));
            let members_hold = literals_hold
                && gate.members.iter().all(|(m, values)| {
                    match members.get(*m).copied().unwrap_or(Member::Unknown) {
                        Member::Absent => false,
                        Member::Unknown => true,
                        Member::Str(a, b) => {
                            let v = raw.get(a..b).unwrap_or(&[]);
                            values.iter().any(|x| x.as_slice() == v)
                        }
                    }
                });
            if members_hold {
                set_bit(out, gate.pattern);
            }
        }
    }
}

/// Finding every literal that occurs, fast.
///
/// An overlapping search reports every occurrence but cannot use the SIMD prefilters and runs
/// at DFA speed over every byte. A leftmost-first search skips ahead with a prefilter but
/// hides occurrences that start inside a reported match (`AccessDenied` inside
/// `AccessDeniedException`). So: a leftmost-first scan over the record, and, around each
/// (rare) reported match `[s, e)`, an overlapping search of the window
/// `[s, e + longest - 1)`. That finds everything: an occurrence starting at `a` that the scan
/// did not report starts inside some reported match (the scan resumes at `e` only after a
/// match starting at or before `a`), so `s <= a < e` and the occurrence ends by
/// `e - 1 + longest`.
///
/// The leftmost-first scan is split into groups of at most [`GROUP`] literals: small groups
/// get aho-corasick's SIMD (Teddy) prefilter, which large sets lose. The argument above holds
/// per group.
#[derive(Debug)]
struct Searchers {
    leftmost: Vec<Leftmost>,
    overlapping: AhoCorasick,
    longest: usize,
    count: usize,
}

/// One group's leftmost-first searcher.
#[derive(Debug)]
enum Leftmost {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Leftmost {
    /// Start and end of every non-overlapping leftmost-first match.
    fn find_iter<'a>(&'a self, raw: &'a [u8]) -> Box<dyn Iterator<Item = (usize, usize)> + 'a> {
        match self {
            Leftmost::Packed(p) => Box::new(p.find_iter(raw).map(|m| (m.start(), m.end()))),
            Leftmost::Automaton(a) => Box::new(a.find_iter(raw).map(|m| (m.start(), m.end()))),
        }
    }
}

impl Searchers {
    /// `None` when there are no literals or on a build failure (size limits far above a few
    /// thousand short literals); the caller then admits every pattern.
    fn new(literals: &[String]) -> Option<Searchers> {
        if literals.is_empty() {
            return None;
        }
        let leftmost = literals
            .chunks(GROUP)
            .map(|group| {
                // Teddy directly when it builds: aho-corasick's own prefilter choice for a few
                // literals is often "rare bytes" that are common in JSON (`A`, `D`, `U` for the
                // errorCode values), several times slower here.
                let packed = packed::Config::new()
                    .match_kind(packed::MatchKind::LeftmostFirst)
                    .builder()
                    .extend(group)
                    .build();
                match packed {
                    Some(p) => Some(Leftmost::Packed(p)),
                    None => AhoCorasickBuilder::new()
                        .match_kind(MatchKind::LeftmostFirst)
                        .build(group)
                        .ok()
                        .map(Leftmost::Automaton),
                }
            })
            .collect::<Option<Vec<_>>>()?;
        let overlapping = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(literals)
            .ok()?;
        Some(Searchers {
            leftmost,
            overlapping,
            longest: literals.iter().map(String::len).max().unwrap_or(0),
            count: literals.len(),
        })
    }

    /// Marks in `seen` every literal that occurs in `raw`; returns how many.
    /// (`seen` has one entry per literal, all `false`.)
    fn mark_all(&self, raw: &[u8], seen: &mut [bool]) -> usize {
        let mut found = 0;
        for group in &self.leftmost {
            for (start, end) in group.find_iter(raw) {
                let end = end.saturating_add(self.longest - 1).min(raw.len());
                let window = raw.get(start..end).unwrap_or(&[]);
                for w in self.overlapping.find_overlapping_iter(window) {
                    if let Some(s) = seen.get_mut(w.pattern().as_usize()).filter(|s| !**s) {
                        *s = true;
                        found += 1;
                    }
                }
                if found == self.count {
                    return found;
                }
            }
        }
        found
    }
}

/// Literals per leftmost-first group (Teddy handles up to 64).
const GROUP: usize = 64;

pub(crate) fn set_bit(words: &mut [u64], i: usize) {
    if let Some(w) = words.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

#[cfg(test)]
mod tests {
    use super::requirement::usable_json_literal;
    use super::*;
    use crate::syntax::ast::{
        CmpOp, Condition, Expr, JsonPattern, Selector, Span, Step, Term, TermKind, TermPattern,
        Test, Value,
    };

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
    /// The requirement with member names dropped: the literal clauses alone.
    fn req(ast: &Ast) -> Requirement {
        match requirement(ast) {
            Requirement::AllOf(cs) => Requirement::AllOf(
                cs.into_iter()
                    .map(|c| Clause { member: None, ..c })
                    .collect(),
            ),
            r => r,
        }
    }
    fn clause(lits: &[&str]) -> Clause {
        Clause {
            literals: lits.iter().map(|s| s.to_string()).collect(),
            member: None,
        }
    }
    fn any(lits: &[&str]) -> Requirement {
        Requirement::AllOf(vec![clause(lits)])
    }
    fn all(clauses: &[&[&str]]) -> Requirement {
        Requirement::AllOf(clauses.iter().map(|c| clause(c)).collect())
    }

    #[test]
    fn equality_and_wildcards_give_their_fixed_part() {
        assert_eq!(
            req(&json(eq("eventName", "ConsoleLogin"))),
            any(&["ConsoleLogin"])
        );
        assert_eq!(
            req(&json(eq("e", "*UnauthorizedOperation"))),
            any(&["UnauthorizedOperation"])
        );
        assert_eq!(req(&json(eq("e", "AccessDenied*"))), any(&["AccessDenied"]));
        assert_eq!(req(&json(eq("e", "*.8xlarge"))), any(&[".8xlarge"]));
        assert_eq!(req(&json(eq("e", "ab*cdef"))), any(&["cdef"]));
        assert_eq!(req(&json(eq("e", "**"))), Requirement::Always);
    }

    #[test]
    fn unusable_literals_give_no_requirement() {
        for s in [
            "a/b", "a\"b", "a\\b", "a\nb", "400", "4*", "1e5", "-1.5", "inf", "NaN", "Infin",
        ] {
            assert_eq!(req(&json(eq("e", s))), Requirement::Always, "{s:?}");
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
            assert_eq!(req(&json(leaf("a", t))), Requirement::Always);
        }
        assert_eq!(req(&json(leaf("a", Test::IsTrue))), any(&["true"]));
        assert_eq!(req(&json(leaf("a", Test::IsFalse))), any(&["false"]));
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
        assert_eq!(req(&json(and)), all(&[&["AwsServiceEventX"], &["Root"]]));
        let or = Expr::Or(vec![eq("a", "X1"), eq("a", "Y2")], Span::default());
        assert_eq!(req(&json(or)), any(&["X1", "Y2"]));
        let or = Expr::Or(
            vec![eq("a", "X1"), leaf("b", Test::NotExists)],
            Span::default(),
        );
        assert_eq!(req(&json(or)), Requirement::Always);
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
            req(&terms(&[(Include, "ERROR"), (Include, "ARGUMENTS")])),
            all(&[&["ARGUMENTS"], &["ERROR"]])
        );
        assert_eq!(
            req(&terms(&[(Optional, "A1"), (Optional, "B2")])),
            any(&["A1", "B2"])
        );
        assert_eq!(
            req(&terms(&[(Optional, "A1"), (Include, "REQ")])),
            any(&["REQ"])
        );
        assert_eq!(
            req(&terms(&[(Optional, "A1"), (Exclude, "C")])),
            Requirement::Always
        );
        assert_eq!(req(&terms(&[(Include, " ")])), Requirement::Always);
        assert_eq!(req(&terms(&[])), Requirement::Always);
        // Terms are raw-text tests: quotes and slashes are fine.
        assert_eq!(req(&terms(&[(Include, "a/\"b")])), any(&["a/\"b"]));
    }

    #[test]
    fn conjunctions_keep_every_clause_and_disjunctions_the_best_of_each() {
        let kms = Expr::And(
            vec![
                eq("eventSource", "kms.amazonaws.com"),
                Expr::Or(
                    vec![
                        eq("eventName", "DisableKey"),
                        eq("eventName", "ScheduleKeyDeletion"),
                    ],
                    Span::default(),
                ),
            ],
            Span::default(),
        );
        assert_eq!(
            req(&json(kms.clone())),
            all(&[
                &["kms.amazonaws.com"],
                &["DisableKey", "ScheduleKeyDeletion"]
            ])
        );
        let either = Expr::Or(vec![kms, eq("x", "Root")], Span::default());
        assert_eq!(req(&json(either)), any(&["kms.amazonaws.com", "Root"]));
        let pf = Prefilter::new(&[json(Expr::And(
            vec![
                eq("eventSource", "kms.amazonaws.com"),
                eq("eventName", "DisableKey"),
            ],
            Span::default(),
        ))]);
        let mut out = [0u64];
        pf.candidates(
            br#"{"eventSource":"kms.amazonaws.com","eventName":"Decrypt"}"#,
            &mut out,
        );
        assert_eq!(out[0], 0);
        pf.candidates(
            br#"{"eventSource":"kms.amazonaws.com","eventName":"DisableKey"}"#,
            &mut out,
        );
        assert_eq!(out[0], 1);
    }

    #[test]
    fn equalities_on_top_level_members_become_member_clauses() {
        let member = |m: &str, lits: &[&str]| Clause {
            member: Some(m.to_owned()),
            ..clause(lits)
        };
        let or = Expr::Or(
            vec![
                eq("eventName", "DisableKey"),
                eq("eventName", "ScheduleKeyDeletion"),
            ],
            Span::default(),
        );
        assert_eq!(
            requirement(&json(or)),
            Requirement::AllOf(vec![member(
                "eventName",
                &["DisableKey", "ScheduleKeyDeletion"]
            )])
        );
        // Different members, a wildcard, a nested selector: literals only.
        let mixed = Expr::Or(
            vec![eq("eventName", "A1"), eq("errorCode", "B2")],
            Span::default(),
        );
        assert_eq!(requirement(&json(mixed)), any(&["A1", "B2"]));
        assert_eq!(requirement(&json(eq("eventName", "Get*"))), any(&["Get"]));
        let nested = Expr::Leaf(Condition {
            selector: Selector {
                steps: vec![
                    Step::Field("userIdentity".into()),
                    Step::Field("type".into()),
                ],
                span: Span::default(),
            },
            test: Test::Compare(CmpOp::Eq, Value::String("Root".into())),
            span: Span::default(),
        });
        assert_eq!(requirement(&json(nested)), any(&["Root"]));
        // A member clause sorts before literal clauses.
        let and = Expr::And(
            vec![eq("a/b", "LongerLiteral"), eq("eventName", "X1")],
            Span::default(),
        );
        assert_eq!(
            requirement(&json(and)),
            Requirement::AllOf(vec![
                member("eventName", &["X1"]),
                clause(&["LongerLiteral"])
            ])
        );
    }

    #[test]
    fn member_clauses_decide_by_the_top_level_value() {
        let kms = json(Expr::And(
            vec![
                eq("eventSource", "kms.amazonaws.com"),
                eq("eventName", "DisableKey"),
            ],
            Span::default(),
        ));
        let pf = Prefilter::new(&[kms]);
        assert_eq!(
            pf.literal_count(),
            0,
            "member clauses need no literal search"
        );
        let cand = |raw: &str| {
            let mut out = [0u64];
            pf.candidates(raw.as_bytes(), &mut out);
            out[0]
        };
        // The literal appears, but not as the member's value.
        assert_eq!(
            cand(r#"{"eventSource":"kms.amazonaws.com","eventName":"Decrypt","x":"DisableKey"}"#),
            0
        );
        assert_eq!(
            cand(r#"{"eventSource":"kms.amazonaws.com","eventName":"DisableKey"}"#),
            1
        );
        // Absent member.
        assert_eq!(cand(r#"{"eventSource":"kms.amazonaws.com"}"#), 0);
        // A nested name only: the record has none of its own (rejected, soundly).
        assert_eq!(
            cand(r#"{"eventSource":"kms.amazonaws.com","y":{"eventName":"DisableKey"}}"#),
            1
        );
        assert_eq!(
            cand(r#"{"eventSource":"kms.amazonaws.com","y":{"eventName":"A"}}"#),
            0
        );
        // Cannot tell: a duplicate key, an escape: admitted.
        assert_eq!(
            cand(r#"{"eventSource":"kms.amazonaws.com","eventName":"A","eventName":"B"}"#),
            1
        );
        assert_eq!(
            cand(r#"{"eventSource":"kms.amazonaws.com","eventName":"Disable\/Key"}"#),
            1
        );
        assert_eq!(
            cand(r#"{"eventSource":"kms.amazonaws.com","eventName":"\u0041"}"#),
            1
        );
        // Not JSON at all: whatever the answer, JSON patterns do not match it.
        assert_eq!(cand("eventName DisableKey"), 0);
    }

    #[test]
    fn overlapping_and_nested_literals_are_all_found() {
        // Leftmost-first reports `AccessDeniedException` / `abc` and hides what starts inside
        // them; the window search must still find those.
        let pats = [
            "AccessDenied",
            "AccessDeniedException",
            "Exception",
            "abc",
            "bcd",
            "c",
        ];
        let lits: Vec<String> = pats.iter().map(|s| s.to_string()).collect();
        let s = Searchers::new(&lits).expect("builds");
        let mut seen = vec![false; lits.len()];
        assert_eq!(s.mark_all(b"x AccessDeniedException y abcd", &mut seen), 6);
        assert!(seen.iter().all(|b| *b));
        // Many literals: several groups, each with its own hidden overlaps.
        let many: Vec<String> = (0..150).map(|i| format!("Lit{i:03}Tail")).collect();
        let s = Searchers::new(&many).expect("builds");
        let mut seen = vec![false; many.len()];
        let hay = "Lit007TailLit149Tail Lit064Tail";
        assert_eq!(s.mark_all(hay.as_bytes(), &mut seen), 3);
        assert!(seen[7] && seen[149] && seen[64]);
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
