//! The core semantics table (spec §5.5): the outcome of one condition on one node.
//!
//! Every rule about types, absent fields, null and containers lives here and nowhere else.
//!
//! | Selector reaches        | `=` `!=` `<` `<=` `>` `>=` (any value) | `IS NULL` | `IS TRUE`/`IS FALSE` | `NOT EXISTS` |
//! |-------------------------|-----------------------------------------|-----------|----------------------|--------------|
//! | string                  | string semantics (A9 for numbers)      | false     | false (A10)          | false        |
//! | number                  | numeric semantics (A9 for strings)     | false     | false                | false        |
//! | boolean                 | false (A10)                             | false     | per value            | false        |
//! | null                    | false (A8)                              | true      | false                | false        |
//! | object / array          | false, `!=` included                    | false     | false                | false        |
//! | nothing (absent)        | false, `!=` included                    | false     | false                | true         |
//!
//! On a string or number (A9, A18):
//! - `= *` is true and `!= *` false; `*` with a relational operator is false.
//! - a regex searches string values only (`=` found, `!=` not found); on numbers it is false.
//! - a string literal (with `*` wildcards at its ends, A11/A19) compares textually; a number is
//!   compared through its shortest decimal text (`400`, `1.5`).
//! - a number literal compares numerically with numbers and textually (as written) with strings.
//! - relational operators need both sides numeric; a numeric string is parsed (`"3" > 2`).
//!
//! A selector that reaches several nodes (`[*]`, `.*`) is existential: the condition holds if
//! it holds on one of them; `NOT EXISTS` holds when it reaches none.

use crate::syntax::ast::CmpOp;
use crate::syntax::parse_number;

use super::compile::{CTest, CValue};
use super::event::Scalar;

/// Whether `test` holds on one node that the selector reached. `NOT EXISTS` is decided by the
/// caller from the number of nodes; on a node that exists it is false.
pub(crate) fn test_node(test: &CTest, node: Scalar<'_>) -> bool {
    match test {
        CTest::NotExists => false,
        CTest::IsNull => node == Scalar::Null,
        CTest::IsTrue => node == Scalar::Bool(true),
        CTest::IsFalse => node == Scalar::Bool(false),
        CTest::Compare(op, value) => compare(*op, value, node),
    }
}

/// `node op value`, per the table above.
pub(crate) fn compare(op: CmpOp, value: &CValue, node: Scalar<'_>) -> bool {
    match node {
        Scalar::String(s) => compare_string(op, value, s),
        Scalar::Number(n) => compare_number(op, value, n),
        // null (A8), booleans (A10), objects and arrays (§5.5): false for every operator.
        Scalar::Null | Scalar::Bool(_) | Scalar::Object | Scalar::Array => false,
    }
}

fn compare_string(op: CmpOp, value: &CValue, s: &str) -> bool {
    match value {
        CValue::Star => op == CmpOp::Eq,
        CValue::Regex(re) => equality(op, || re.is_match(s)),
        CValue::Text { glob, number } => match op {
            CmpOp::Eq | CmpOp::Ne => equality(op, || glob.is_match(s)),
            _ => relational(op, parse_number(s), *number),
        },
        CValue::Number { text, value } => match op {
            CmpOp::Eq | CmpOp::Ne => equality(op, || s == text),
            _ => relational(op, parse_number(s), Some(*value)),
        },
    }
}

fn compare_number(op: CmpOp, value: &CValue, n: f64) -> bool {
    match value {
        CValue::Star => op == CmpOp::Eq,
        // A18: a regex only tests string values.
        CValue::Regex(_) => false,
        CValue::Text { glob, number } => match op {
            CmpOp::Eq | CmpOp::Ne => equality(op, || glob.is_match(&number_text(n))),
            _ => relational(op, Some(n), *number),
        },
        CValue::Number { value, .. } => relational(op, Some(n), Some(*value)),
    }
}

/// `=` is `eq()`, `!=` its negation; relational operators are false.
fn equality(op: CmpOp, eq: impl FnOnce() -> bool) -> bool {
    match op {
        CmpOp::Eq => eq(),
        CmpOp::Ne => !eq(),
        _ => false,
    }
}

fn relational(op: CmpOp, left: Option<f64>, right: Option<f64>) -> bool {
    let (Some(l), Some(r)) = (left, right) else {
        return false;
    };
    match op {
        CmpOp::Eq => l == r,
        CmpOp::Ne => l != r,
        CmpOp::Lt => l < r,
        CmpOp::Le => l <= r,
        CmpOp::Gt => l > r,
        CmpOp::Ge => l >= r,
    }
}

/// The text a number is compared as when the other side is a string (A9): the shortest
/// decimal that round-trips (`400`, `1.5`, `0.001`).
pub(crate) fn number_text(n: f64) -> String {
    format!("{n}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::compile::compile_value;
    use crate::syntax::ast::{RegexLit, Span, Value};

    fn text(s: &str) -> CValue {
        compile_value(&Value::String(s.into())).unwrap()
    }
    fn num(s: &str) -> CValue {
        compile_value(&Value::Number(s.into())).unwrap()
    }
    fn star() -> CValue {
        compile_value(&Value::Star).unwrap()
    }
    fn re(s: &str) -> CValue {
        compile_value(&Value::Regex(RegexLit {
            source: s.into(),
            span: Span::default(),
        }))
        .unwrap()
    }

    const ALL_OPS: [CmpOp; 6] = [
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
    ];

    /// Rows null, boolean, object and array: every comparison is false, `!=` included.
    #[test]
    fn non_scalar_rows_fail_every_comparison() {
        let values = [
            text("x"),
            text("*x"),
            num("1"),
            star(),
            re("."),
            text("true"),
        ];
        for node in [
            Scalar::Null,
            Scalar::Bool(true),
            Scalar::Bool(false),
            Scalar::Object,
            Scalar::Array,
        ] {
            for op in ALL_OPS {
                for v in &values {
                    assert!(!compare(op, v, node), "{node:?} {op:?}");
                }
            }
        }
    }

    #[test]
    fn unary_tests_per_row() {
        let rows = [
            (Scalar::String("x"), [false, false, false]),
            (Scalar::Number(1.0), [false, false, false]),
            (Scalar::Bool(true), [false, true, false]),
            (Scalar::Bool(false), [false, false, true]),
            (Scalar::Null, [true, false, false]),
            (Scalar::Object, [false, false, false]),
            (Scalar::Array, [false, false, false]),
        ];
        for (node, [null, t, f]) in rows {
            assert_eq!(test_node(&CTest::IsNull, node), null, "{node:?}");
            assert_eq!(test_node(&CTest::IsTrue, node), t, "{node:?}");
            assert_eq!(test_node(&CTest::IsFalse, node), f, "{node:?}");
            assert!(!test_node(&CTest::NotExists, node), "{node:?}");
        }
    }

    #[test]
    fn string_row() {
        let s = Scalar::String("UpdateTrail");
        assert!(compare(CmpOp::Eq, &text("UpdateTrail"), s));
        assert!(!compare(CmpOp::Eq, &text("updatetrail"), s));
        assert!(compare(CmpOp::Ne, &text("DeleteTrail"), s));
        assert!(compare(CmpOp::Eq, &text("Update*"), s));
        assert!(compare(CmpOp::Eq, &text("*Trail"), s));
        assert!(compare(CmpOp::Eq, &text("*dateTr*"), s));
        assert!(!compare(CmpOp::Eq, &text("Up*Trail"), s));
        assert!(compare(
            CmpOp::Eq,
            &text("Up*Trail"),
            Scalar::String("Up*Trail")
        ));
        assert!(compare(CmpOp::Eq, &star(), s));
        assert!(!compare(CmpOp::Ne, &star(), s));
        assert!(compare(CmpOp::Eq, &re("Trail"), s));
        assert!(!compare(CmpOp::Ne, &re("Trail"), s));
        assert!(compare(CmpOp::Ne, &re("^Trail"), s));
        for op in [CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge] {
            assert!(!compare(op, &num("1"), s), "non-numeric string {op:?}");
            assert!(!compare(op, &star(), s));
            assert!(!compare(op, &re("."), s));
        }
    }

    #[test]
    fn a9_numeric_strings_and_number_literals() {
        let s = Scalar::String("400");
        assert!(compare(CmpOp::Eq, &num("400"), s));
        assert!(
            !compare(CmpOp::Eq, &num("400.0"), s),
            "textual when one side is a string"
        );
        assert!(compare(CmpOp::Gt, &num("300"), s));
        assert!(compare(CmpOp::Le, &num("4e2"), s));
        assert!(compare(CmpOp::Eq, &text("4*"), Scalar::Number(404.0)));
        assert!(compare(CmpOp::Eq, &text("400"), Scalar::Number(400.0)));
        assert!(compare(CmpOp::Gt, &text("3"), Scalar::Number(4.0)));
        assert!(compare(CmpOp::Eq, &num("400.0"), Scalar::Number(400.0)));
        assert!(compare(CmpOp::Ne, &num("1e-3"), Scalar::Number(1000.0)));
        assert!(!compare(CmpOp::Eq, &re("4"), Scalar::Number(400.0)), "A18");
        assert!(!compare(CmpOp::Ne, &re("4"), Scalar::Number(400.0)), "A18");
        assert!(compare(CmpOp::Eq, &star(), Scalar::Number(0.0)));
    }

    #[test]
    fn a10_equals_true_is_text() {
        assert!(!compare(CmpOp::Eq, &text("true"), Scalar::Bool(true)));
        assert!(compare(CmpOp::Eq, &text("true"), Scalar::String("true")));
        assert!(!test_node(&CTest::IsTrue, Scalar::String("true")));
    }
}
