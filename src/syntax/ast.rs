//! The abstract syntax tree of a CloudWatch Logs filter pattern.
//!
//! Every node carries a [`Span`] into the pattern text it was parsed from. Spans are metadata:
//! two trees are equal when they say the same thing, wherever they were written, which is what
//! makes `parse(print(ast)) == ast` a testable property. That span-blindness is the nodes'
//! (each node's `PartialEq` and `Hash` below skip its span, explicitly); a [`Span`] itself
//! compares by value, so a test comparing errors or spans sees a wrong one.
//!
//! The tree keeps what the pattern says, not what it means: wildcard and regex meaning is
//! assigned by the evaluator, and nothing here knows about events.

use std::fmt;

/// A half-open byte range `start..end` into the pattern text.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A whole filter pattern: one of the four syntaxes (spec §2).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ast {
    /// Terms and quoted phrases over the raw message; no terms at all is the empty,
    /// match-everything pattern (spec §2.1, §3).
    Terms(TermPattern),
    /// `{ ... }` over a JSON event (spec §5).
    Json(JsonPattern),
    /// `[ ... ]` over a space-delimited message (spec §6).
    Delimited(DelimitedPattern),
    /// A standalone `%regex%` searched in the raw message (spec §4).
    Regex(RegexLit),
}

impl Ast {
    /// Every `%regex%` of the pattern, in the order written.
    pub fn regexes(&self) -> Vec<&RegexLit> {
        fn expr<'a, L>(
            e: &'a Expr<L>,
            get: &dyn Fn(&'a L) -> Option<&'a RegexLit>,
            out: &mut Vec<&'a RegexLit>,
        ) {
            match e {
                Expr::Leaf(l) => out.extend(get(l)),
                Expr::And(items, _) | Expr::Or(items, _) => {
                    for i in items {
                        expr(i, get, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        match self {
            Ast::Terms(_) => {}
            Ast::Regex(r) => out.push(r),
            Ast::Json(j) => expr(
                &j.expr,
                &|c: &Condition| match &c.test {
                    Test::Compare(_, Value::Regex(r)) => Some(r),
                    _ => None,
                },
                &mut out,
            ),
            Ast::Delimited(d) => {
                for f in &d.fields {
                    if let FieldSpec::Field {
                        condition: Some(e), ..
                    } = f
                    {
                        expr(
                            e,
                            &|c: &FieldCondition| match &c.value {
                                Value::Regex(r) => Some(r),
                                _ => None,
                            },
                            &mut out,
                        );
                    }
                }
            }
        }
        out
    }
}

/// A term pattern: `ERROR -ARGUMENTS`, `?ERROR ?WARN`, `"INTERNAL SERVER ERROR"`.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct TermPattern {
    /// The terms in the order written. Empty for the empty pattern.
    pub terms: Vec<Term>,
    /// Where the node was written in the pattern text.
    pub span: Span,
}

/// One term of a term pattern.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Term {
    /// Whether the term is required, excluded or optional.
    pub kind: TermKind,
    /// The text to look for, with quotes removed and escapes decoded.
    pub text: String,
    /// Where the node was written in the pattern text.
    pub span: Span,
}

/// How a term takes part in the match (spec §3.3, §3.5, §3.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// `term`: the message must contain it.
    Include,
    /// `-term`: the message must not contain it.
    Exclude,
    /// `?term`: one of the `?` terms must occur (ignored when mixed with other kinds, §3.7).
    Optional,
}

/// A JSON pattern: the boolean expression between the braces.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct JsonPattern {
    /// The conditions and how they combine.
    pub expr: Expr<Condition>,
    /// Where the node was written in the pattern text.
    pub span: Span,
}

/// A boolean expression over leaves `L`, shared by JSON patterns (leaves are conditions on a
/// selector) and by space-delimited field slots (leaves are conditions on that field).
///
/// `And` and `Or` hold at least two operands. A parenthesised operand of the same operator
/// stays nested (`a && (b && c)`), so the printer can reproduce the tree exactly.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Expr<L> {
    /// `a && b && ...`: every operand holds (two or more operands).
    And(Vec<Expr<L>>, Span),
    /// `a || b || ...`: some operand holds (two or more operands).
    Or(Vec<Expr<L>>, Span),
    /// One condition.
    Leaf(L),
}

/// One JSON condition: `$.eventName = "ConsoleLogin"`, `$.x NOT EXISTS`.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Condition {
    /// What the condition looks at.
    pub selector: Selector,
    /// What it asks of it.
    pub test: Test,
    /// Where the node was written in the pattern text.
    pub span: Span,
}

/// What a condition asks of the node(s) its selector reaches.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Test {
    /// `= != < <= > >=` against a value.
    Compare(CmpOp, Value),
    /// `IS NULL`
    IsNull,
    /// `IS TRUE`
    IsTrue,
    /// `IS FALSE`
    IsFalse,
    /// `NOT EXISTS`
    NotExists,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written in a pattern.
    pub const fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// A JSON selector: `$` followed by steps (spec §5.2).
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Selector {
    /// The steps after `$`, in order; never empty.
    pub steps: Vec<Step>,
    /// Where the node was written in the pattern text.
    pub span: Span,
}

/// One step of a selector.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// `.name` or `.['dotted.name']`: the printer picks the bracket form when the name needs it.
    Field(String),
    /// `[N]`, zero-based.
    Index(u64),
    /// `[*]`: any element of an array.
    AnyIndex,
    /// `.*`: any field of an object.
    AnyField,
}

/// The right-hand side of a comparison (spec §5.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    /// A string, quoted or not, with escapes decoded. A `*` at either end is a wildcard
    /// (spec A19); a `*` elsewhere is literal (A11).
    String(String),
    /// An unquoted number, kept as written (`-1.5e3`) so printing is exact.
    Number(String),
    /// A lone `*` (quoted or not): any string or number.
    Star,
    /// `%regex%`.
    Regex(RegexLit),
}

/// A regular expression between `%` signs, as written (without the `%`).
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct RegexLit {
    /// The regex as written between the `%` signs.
    pub source: String,
    /// Where the node was written in the pattern text.
    pub span: Span,
}

/// A space-delimited pattern: `[ip, user, ..., status_code = 4*, bytes > 1000]`.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct DelimitedPattern {
    /// The slots in order; empty for `[]` (spec A30).
    pub fields: Vec<FieldSpec>,
    /// Where the node was written in the pattern text.
    pub span: Span,
}

/// One slot of a space-delimited pattern.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum FieldSpec {
    /// `...`: any number of fields, zero included (spec A7).
    Ellipsis(Span),
    /// A field: named or not (a trailing comma makes an unnamed last field, spec §6.1),
    /// with an optional condition on it (which requires a name, spec A27).
    Field {
        /// The field name; `None` for the unnamed last field of a trailing comma.
        name: Option<String>,
        /// The conditions on the field, if any.
        condition: Option<Expr<FieldCondition>>,
        /// Where the slot was written in the pattern text.
        span: Span,
    },
}

/// One condition inside a field slot: `= 4*`, `> 1000`, `= %regex%`. The field it tests is
/// the slot's own (cross-field references are rejected, spec §6.6).
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FieldCondition {
    /// The comparison operator.
    pub op: CmpOp,
    /// The value compared with.
    pub value: Value,
    /// Where the node was written in the pattern text.
    pub span: Span,
}

// Span-blind equality and hashing of the nodes (see the module docs): each lists the fields
// that say what the node means, and leaves out `span`.
macro_rules! span_blind {
    ($ty:ident { $($field:ident),+ }) => {
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                $(self.$field == other.$field)&&+
            }
        }
        impl Eq for $ty {}
        impl std::hash::Hash for $ty {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                $(self.$field.hash(state);)+
            }
        }
    };
}

span_blind!(TermPattern { terms });
span_blind!(Term { kind, text });
span_blind!(JsonPattern { expr });
span_blind!(Condition { selector, test });
span_blind!(Selector { steps });
span_blind!(RegexLit { source });
span_blind!(DelimitedPattern { fields });
span_blind!(FieldCondition { op, value });

impl<L: PartialEq> PartialEq for Expr<L> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Expr::And(a, _), Expr::And(b, _)) | (Expr::Or(a, _), Expr::Or(b, _)) => a == b,
            (Expr::Leaf(a), Expr::Leaf(b)) => a == b,
            _ => false,
        }
    }
}
impl<L: Eq> Eq for Expr<L> {}
impl<L: std::hash::Hash> std::hash::Hash for Expr<L> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Expr::And(items, _) | Expr::Or(items, _) => items.hash(state),
            Expr::Leaf(l) => l.hash(state),
        }
    }
}

impl PartialEq for FieldSpec {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (FieldSpec::Ellipsis(_), FieldSpec::Ellipsis(_)) => true,
            (
                FieldSpec::Field {
                    name: a,
                    condition: ca,
                    ..
                },
                FieldSpec::Field {
                    name: b,
                    condition: cb,
                    ..
                },
            ) => a == b && ca == cb,
            _ => false,
        }
    }
}
impl Eq for FieldSpec {}
impl std::hash::Hash for FieldSpec {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        if let FieldSpec::Field {
            name, condition, ..
        } = self
        {
            name.hash(state);
            condition.hash(state);
        }
    }
}

// Hand-written where the derived shape would be awkward JSON: operators print as written,
// expressions as `{"and": [...], "span": ...}`, tests as `{"test": "compare", ...}`.

impl serde::Serialize for CmpOp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<L: serde::Serialize> serde::Serialize for Expr<L> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (op, items, span) = match self {
            Expr::Leaf(l) => return l.serialize(s),
            Expr::And(items, span) => ("and", items, span),
            Expr::Or(items, span) => ("or", items, span),
        };
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry(op, items)?;
        m.serialize_entry("span", span)?;
        m.end()
    }
}

impl serde::Serialize for Test {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let name = match self {
            Test::Compare(..) => "compare",
            Test::IsNull => "is_null",
            Test::IsTrue => "is_true",
            Test::IsFalse => "is_false",
            Test::NotExists => "not_exists",
        };
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("test", name)?;
        if let Test::Compare(op, value) = self {
            m.serialize_entry("op", op)?;
            m.serialize_entry("value", value)?;
        }
        m.end()
    }
}

impl serde::Serialize for FieldSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        match self {
            FieldSpec::Ellipsis(span) => {
                m.serialize_entry("type", "ellipsis")?;
                m.serialize_entry("span", span)?;
            }
            FieldSpec::Field {
                name,
                condition,
                span,
            } => {
                m.serialize_entry("type", "field")?;
                m.serialize_entry("name", name)?;
                m.serialize_entry("condition", condition)?;
                m.serialize_entry("span", span)?;
            }
        }
        m.end()
    }
}
