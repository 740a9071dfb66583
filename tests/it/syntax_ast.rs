//! The trees the parser builds for the constructs whose shape matters to the evaluator:
//! precedence, flattening, value kinds, selectors, field slots, spans.

use cwfilter::syntax::ast::*;
use cwfilter::syntax::{parse, ErrorKind};

fn json(pattern: &str) -> Expr<Condition> {
    match parse(pattern) {
        Ok(Ast::Json(j)) => j.expr,
        other => panic!("{pattern}: {other:?}"),
    }
}

fn leaf(e: &Expr<Condition>) -> &Condition {
    match e {
        Expr::Leaf(c) => c,
        other => panic!("not a leaf: {other:?}"),
    }
}

fn value(pattern: &str) -> Value {
    match &leaf(&json(pattern)).test {
        Test::Compare(_, v) => v.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn and_binds_tighter_than_or() {
    // a || b && c  ==  a || (b && c)
    match json("{ $.a = 1 || $.b = 2 && $.c = 3 }") {
        Expr::Or(items, _) => {
            assert_eq!(items.len(), 2);
            assert!(matches!(items[0], Expr::Leaf(_)));
            assert!(matches!(&items[1], Expr::And(v, _) if v.len() == 2));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn same_operator_chains_flatten_but_parentheses_nest() {
    assert!(matches!(json("{ $.a = 1 && $.b = 2 && $.c = 3 }"), Expr::And(v, _) if v.len() == 3));
    match json("{ $.a = 1 && ($.b = 2 && $.c = 3) }") {
        Expr::And(v, _) => {
            assert_eq!(v.len(), 2);
            assert!(matches!(&v[1], Expr::And(w, _) if w.len() == 2));
        }
        other => panic!("{other:?}"),
    }
    // Redundant parentheses around one condition vanish.
    assert!(matches!(json("{ ((($.a = 1))) }"), Expr::Leaf(_)));
}

#[test]
fn value_kinds() {
    assert_eq!(
        value("{ $.a = ConsoleLogin }"),
        Value::String("ConsoleLogin".into())
    );
    assert_eq!(value("{ $.a = \"400\" }"), Value::String("400".into()));
    assert_eq!(value("{ $.a = 400 }"), Value::Number("400".into()));
    assert_eq!(value("{ $.a = -1.5e+3 }"), Value::Number("-1.5e+3".into()));
    assert_eq!(value("{ $.a = +1000 }"), Value::Number("+1000".into()));
    assert_eq!(
        value("{ $.a = 123.123.* }"),
        Value::String("123.123.*".into())
    );
    assert_eq!(
        value("{ $.a = *.8xlarge }"),
        Value::String("*.8xlarge".into())
    );
    assert_eq!(
        value("{ $.a = arn:aws:iam::123456789012:role/x }"),
        Value::String("arn:aws:iam::123456789012:role/x".into())
    );
    assert_eq!(value("{ $.a = * }"), Value::Star);
    assert_eq!(value("{ $.a = \"*\" }"), Value::Star);
    assert_eq!(
        value("{ $.a = \"AccessDenied*\" }"),
        Value::String("AccessDenied*".into())
    );
    assert_eq!(
        value("{ $.a = \"x\\\"y\\\\z\" }"),
        Value::String("x\"y\\z".into())
    );
    // Other backslashes are kept as written.
    assert_eq!(
        value("{ $.a = \"\\u00e9\" }"),
        Value::String("\\u00e9".into())
    );
    assert!(
        matches!(value("{ $.a = %^a[0-9]{2}$% }"), Value::Regex(r) if r.source == "^a[0-9]{2}$")
    );
}

#[test]
fn selectors() {
    let steps = |p: &str| leaf(&json(p)).selector.steps.clone();
    assert_eq!(
        steps("{ $.a[0][12].b-c_d = 1 }"),
        vec![
            Step::Field("a".into()),
            Step::Index(0),
            Step::Index(12),
            Step::Field("b-c_d".into())
        ]
    );
    assert_eq!(
        steps("{ $.['cluster.name'] = 1 }"),
        vec![Step::Field("cluster.name".into())]
    );
    assert_eq!(
        steps("{ $['cluster.name'] = 1 }"),
        vec![Step::Field("cluster.name".into())]
    );
    assert_eq!(
        steps("{ $.a[*].id = 1 }"),
        vec![
            Step::Field("a".into()),
            Step::AnyIndex,
            Step::Field("id".into())
        ]
    );
    assert_eq!(steps("{ $.* = 1 }"), vec![Step::AnyField]);
}

#[test]
fn keyword_tests() {
    assert_eq!(leaf(&json("{ $.a IS NULL }")).test, Test::IsNull);
    assert_eq!(leaf(&json("{ $.a IS TRUE }")).test, Test::IsTrue);
    assert_eq!(leaf(&json("{ $.a IS FALSE }")).test, Test::IsFalse);
    assert_eq!(leaf(&json("{ $.a NOT EXISTS }")).test, Test::NotExists);
    assert_eq!(leaf(&json("{$.a\tNOT\n EXISTS}")).test, Test::NotExists);
}

#[test]
fn terms() {
    let Ok(Ast::Terms(t)) = parse("?ERROR -\"a b\" WARN \"\"") else {
        panic!()
    };
    let got: Vec<(TermKind, &str)> = t.terms.iter().map(|t| (t.kind, t.text.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (TermKind::Optional, "ERROR"),
            (TermKind::Exclude, "a b"),
            (TermKind::Include, "WARN"),
            (TermKind::Include, "")
        ]
    );
    assert_eq!((t.terms[1].span.start, t.terms[1].span.end), (7, 13));
    let Ok(Ast::Terms(empty)) = parse(" \t ") else {
        panic!()
    };
    assert!(empty.terms.is_empty());
}

#[test]
fn delimited_slots() {
    let Ok(Ast::Delimited(d)) = parse("[ip, ..., code = 4* || code = 5*, bytes > 10,]") else {
        panic!()
    };
    assert_eq!(d.fields.len(), 5);
    assert!(matches!(d.fields[1], FieldSpec::Ellipsis(_)));
    match &d.fields[2] {
        FieldSpec::Field {
            name,
            condition: Some(Expr::Or(v, _)),
            ..
        } => {
            assert_eq!(name.as_deref(), Some("code"));
            assert_eq!(v.len(), 2);
        }
        other => panic!("{other:?}"),
    }
    match &d.fields[3] {
        FieldSpec::Field {
            condition: Some(Expr::Leaf(c)),
            ..
        } => {
            assert_eq!(c.op, CmpOp::Gt);
            assert_eq!(c.value, Value::Number("10".into()));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        d.fields[4],
        FieldSpec::Field {
            name: None,
            condition: None,
            ..
        }
    ));
}

#[test]
fn spans_point_into_the_pattern() {
    let p = "  { $.a = \"x\" || $.b NOT EXISTS }  ";
    let Ok(Ast::Json(j)) = parse(p) else { panic!() };
    assert_eq!(
        &p[j.span.start..j.span.end],
        "{ $.a = \"x\" || $.b NOT EXISTS }"
    );
    let Expr::Or(items, span) = &j.expr else {
        panic!()
    };
    assert_eq!(&p[span.start..span.end], "$.a = \"x\" || $.b NOT EXISTS");
    let c = leaf(&items[1]);
    assert_eq!(&p[c.span.start..c.span.end], "$.b NOT EXISTS");
    assert_eq!(&p[c.selector.span.start..c.selector.span.end], "$.b");
}

#[test]
fn length_limit_counts_characters() {
    let ok = format!("\"{}\"", "é".repeat(1022));
    assert!(
        parse(&ok).is_ok(),
        "1024 characters (2046 bytes) is within the limit"
    );
    let long = format!("\"{}\"", "é".repeat(1023));
    assert_eq!(parse(&long).unwrap_err().kind(), &ErrorKind::TooLong);
}

#[test]
fn nesting_limit_is_an_error_not_a_crash() {
    let deep = format!("{{ {}$.a = 1{} }}", "(".repeat(64), ")".repeat(64));
    assert!(parse(&deep).is_ok());
    let deeper = format!("{{ {}$.a = 1{} }}", "(".repeat(65), ")".repeat(65));
    assert_eq!(parse(&deeper).unwrap_err().kind(), &ErrorKind::TooDeep);
    let absurd = "{".to_owned() + &"(".repeat(1000) + "}";
    assert!(parse(&absurd).is_err());
}

/// Regression: a space-delimited slot that starts with `(` was read as a field name and
/// rejected, so the printer's output for `(a = 1 || a = 2) && a = 3` did not parse back.
#[test]
fn regression_delimited_slot_starting_with_paren() {
    let Ok(ast) = parse("[(a = 1 || a = 2) && a = 3, b]") else {
        panic!()
    };
    assert_eq!(ast.to_string(), "[(a = 1 || a = 2) && a = 3, b]");
}

/// Regression: a no-break space right after a `-` or `?` prefix, or inside a term, sliced a
/// multi-byte character and panicked.
#[test]
fn regression_no_break_space_does_not_panic() {
    for p in [
        "-\u{a0}x",
        "?\u{a0}",
        "ERROR\u{a0}X",
        "\u{a0}",
        "{ $.a = 1\u{a0}}",
    ] {
        assert!(parse(p).is_err(), "{p:?}");
    }
}
