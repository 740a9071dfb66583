//! Evaluator tests on hand-built ASTs (independent of the parser). The data-driven cases
//! live in corpus/conformance/ and run through tests/it/conformance.rs.

use serde_json::json;

use super::*;
use crate::syntax::ast::*;

fn sp() -> Span {
    Span::default()
}

fn sel(steps: &[Step]) -> Selector {
    Selector {
        steps: steps.to_vec(),
        span: sp(),
    }
}

fn f(name: &str) -> Step {
    Step::Field(name.into())
}

fn leaf(selector: Selector, test: Test) -> Expr<Condition> {
    Expr::Leaf(Condition {
        selector,
        test,
        span: sp(),
    })
}

fn json_pattern(expr: Expr<Condition>) -> Pattern {
    Pattern::from_ast(Ast::Json(JsonPattern { expr, span: sp() })).unwrap()
}

fn cmp(path: &[Step], op: CmpOp, v: Value) -> Pattern {
    json_pattern(leaf(sel(path), Test::Compare(op, v)))
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

fn regex(src: &str) -> Value {
    Value::Regex(RegexLit {
        source: src.into(),
        span: sp(),
    })
}

fn terms(ts: &[(TermKind, &str)]) -> Pattern {
    Pattern::from_ast(Ast::Terms(TermPattern {
        terms: ts
            .iter()
            .map(|(kind, text)| Term {
                kind: *kind,
                text: (*text).into(),
                span: sp(),
            })
            .collect(),
        span: sp(),
    }))
    .unwrap()
}

fn field(name: &str, cond: Option<(CmpOp, Value)>) -> FieldSpec {
    FieldSpec::Field {
        name: Some(name.into()),
        condition: cond.map(|(op, value)| {
            Expr::Leaf(FieldCondition {
                op,
                value,
                span: sp(),
            })
        }),
        span: sp(),
    }
}

fn delimited(fields: Vec<FieldSpec>) -> Pattern {
    Pattern::from_ast(Ast::Delimited(DelimitedPattern { fields, span: sp() })).unwrap()
}

const APACHE: &str =
    r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;

#[test]
fn absent_field_fails_eq_and_ne_only_not_exists_holds() {
    let ev = json!({"a": 1});
    for op in [CmpOp::Eq, CmpOp::Ne, CmpOp::Gt, CmpOp::Lt] {
        assert!(!cmp(&[f("b")], op, s("x")).matches(&ev), "{op:?}");
    }
    assert!(json_pattern(leaf(sel(&[f("b")]), Test::NotExists)).matches(&ev));
    assert!(!json_pattern(leaf(sel(&[f("a")]), Test::NotExists)).matches(&ev));
    assert!(!json_pattern(leaf(sel(&[f("b")]), Test::IsNull)).matches(&ev));
}

#[test]
fn parent_not_a_container_is_absent() {
    let ev = json!({"a": "text", "n": null});
    assert!(json_pattern(leaf(sel(&[f("a"), f("b")]), Test::NotExists)).matches(&ev));
    assert!(json_pattern(leaf(sel(&[f("n"), f("b")]), Test::NotExists)).matches(&ev));
    assert!(!cmp(&[f("a"), f("b")], CmpOp::Ne, s("x")).matches(&ev));
}

#[test]
fn null_exists_and_only_is_null_holds() {
    let ev = json!({"n": null});
    assert!(json_pattern(leaf(sel(&[f("n")]), Test::IsNull)).matches(&ev));
    assert!(!json_pattern(leaf(sel(&[f("n")]), Test::NotExists)).matches(&ev));
    assert!(!cmp(&[f("n")], CmpOp::Eq, Value::Star).matches(&ev));
    assert!(!cmp(&[f("n")], CmpOp::Ne, s("x")).matches(&ev));
}

#[test]
fn containers_fail_eq_and_ne() {
    let ev = json!({"users": [1, 2, 3], "o": {"k": 1}});
    for p in [f("users"), f("o")] {
        assert!(!cmp(
            std::slice::from_ref(&p),
            CmpOp::Eq,
            Value::Number("1".into())
        )
        .matches(&ev));
        assert!(!cmp(
            std::slice::from_ref(&p),
            CmpOp::Ne,
            Value::Number("1".into())
        )
        .matches(&ev));
        assert!(!cmp(&[p], CmpOp::Eq, Value::Star).matches(&ev));
    }
}

#[test]
fn index_and_wildcards() {
    let ev = json!({"arr": ["value", "another value"], "objs": [{"id": 1}, {"id": 2}]});
    assert!(cmp(&[f("arr"), Step::Index(0)], CmpOp::Eq, s("value")).matches(&ev));
    assert!(!cmp(&[f("arr"), Step::Index(5)], CmpOp::Ne, s("value")).matches(&ev));
    assert!(json_pattern(leaf(sel(&[f("arr"), Step::Index(5)]), Test::NotExists)).matches(&ev));
    assert!(cmp(&[f("arr"), Step::AnyIndex], CmpOp::Eq, regex("val.{2}")).matches(&ev));
    assert!(cmp(
        &[f("objs"), Step::AnyIndex, f("id")],
        CmpOp::Eq,
        Value::Number("2".into())
    )
    .matches(&ev));
    assert!(cmp(&[Step::AnyField], CmpOp::Eq, s("value")).matches(&json!({"x": 1, "y": "value"})));
    // A14: one level only.
    assert!(!cmp(&[Step::AnyField], CmpOp::Eq, s("v")).matches(&json!({"x": {"y": "v"}})));
    assert!(cmp(&[Step::AnyField, f("y")], CmpOp::Eq, s("v")).matches(&json!({"x": {"y": "v"}})));
    // Existential NOT EXISTS: true only when the wildcard reaches nothing.
    let ne = json_pattern(leaf(
        sel(&[f("objs"), Step::AnyIndex, f("zz")]),
        Test::NotExists,
    ));
    assert!(ne.matches(&ev));
    assert!(!json_pattern(leaf(
        sel(&[f("objs"), Step::AnyIndex, f("id")]),
        Test::NotExists
    ))
    .matches(&ev));
}

#[test]
fn non_json_and_non_object_top_level() {
    let p = json_pattern(leaf(sel(&[f("a")]), Test::NotExists));
    assert!(
        !p.matches_message("plain text"),
        "A12: never matches non-JSON"
    );
    assert!(
        p.matches_message("[1, 2]"),
        "A12: non-object top level: every selector absent"
    );
    assert!(p.matches_message("{}"));
    let any = cmp(&[Step::AnyIndex], CmpOp::Eq, Value::Number("1".into()));
    assert!(!any.matches_message("[1, 2]"));
}

#[test]
fn boolean_semantics_a10() {
    let ev = json!({"b": true, "s": "true"});
    assert!(json_pattern(leaf(sel(&[f("b")]), Test::IsTrue)).matches(&ev));
    assert!(!json_pattern(leaf(sel(&[f("b")]), Test::IsFalse)).matches(&ev));
    assert!(!json_pattern(leaf(sel(&[f("s")]), Test::IsTrue)).matches(&ev));
    assert!(!cmp(&[f("b")], CmpOp::Eq, s("true")).matches(&ev));
    assert!(!cmp(&[f("b")], CmpOp::Ne, s("false")).matches(&ev));
    assert!(cmp(&[f("s")], CmpOp::Eq, s("true")).matches(&ev));
}

#[test]
fn and_or_short_circuit_agree_with_explain() {
    let a = leaf(sel(&[f("a")]), Test::Compare(CmpOp::Eq, s("1")));
    let b = leaf(sel(&[f("b")]), Test::NotExists);
    let p = json_pattern(Expr::Or(
        vec![Expr::And(vec![a.clone(), b.clone()], sp()), a],
        sp(),
    ));
    for ev in [
        json!({"a": "1"}),
        json!({"a": "1", "b": 2}),
        json!({"a": "2"}),
    ] {
        let e = p.explain(&ev);
        assert_eq!(e.matched, p.matches(&ev), "{ev}");
        assert_eq!(e.to_string().starts_with("MATCH"), e.matched);
    }
}

#[test]
fn explain_reports_what_selectors_found() {
    let p = json_pattern(Expr::And(
        vec![
            leaf(sel(&[f("t")]), Test::Compare(CmpOp::Eq, s("Root"))),
            leaf(sel(&[f("i")]), Test::NotExists),
            leaf(sel(&[f("n")]), Test::IsNull),
            leaf(sel(&[f("o")]), Test::Compare(CmpOp::Ne, s("x"))),
        ],
        sp(),
    ));
    let ev = json!({"t": "IAMUser", "n": null, "o": [1]});
    let e = p.explain(&ev);
    assert!(!e.matched);
    let Detail::Json {
        conditions,
        event_is_json,
        ..
    } = &e.detail
    else {
        panic!("json detail expected")
    };
    assert!(event_is_json);
    assert_eq!(conditions.len(), 4);
    assert_eq!(conditions[0].found, vec![Found::String("IAMUser".into())]);
    assert!(!conditions[0].held);
    assert!(conditions[1].found.is_empty() && conditions[1].held);
    assert_eq!(conditions[2].found, vec![Found::Null]);
    assert_eq!(conditions[3].found, vec![Found::Array]);
    let text = e.to_string();
    assert!(
        text.contains(r#"$.t = "Root"  found: string "IAMUser""#),
        "{text}"
    );
    assert!(text.contains("$.i NOT EXISTS  found: absent"), "{text}");
    let js = serde_json::to_value(&e).unwrap();
    assert_eq!(js["kind"], "json");
    assert_eq!(
        js["conditions"][0]["found"][0],
        json!({"type": "string", "value": "IAMUser"})
    );
}

#[test]
fn terms_semantics() {
    use TermKind::*;
    let msg = "[ERROR 419] MISSING ARGUMENTS";
    assert!(terms(&[]).matches_message(msg));
    assert!(terms(&[(Include, "ERROR"), (Include, "ARGUMENTS")]).matches_message(msg));
    assert!(
        !terms(&[(Include, "error")]).matches_message(msg),
        "case sensitive"
    );
    assert!(!terms(&[(Include, "ERROR"), (Exclude, "ARGUMENTS")]).matches_message(msg));
    assert!(terms(&[(Optional, "WARN"), (Optional, "MISSING")]).matches_message(msg));
    assert!(!terms(&[(Optional, "WARN"), (Optional, "INFO")]).matches_message(msg));
    // §3.7: mixed ? terms are ignored.
    assert!(terms(&[(Optional, "WARN"), (Include, "MISSING")]).matches_message(msg));
    // A5: ? with - only: the ? terms are ignored, leaving the exclusion.
    assert!(terms(&[(Optional, "WARN"), (Exclude, "INFO")]).matches_message(msg));
    assert!(!terms(&[(Optional, "WARN"), (Exclude, "ERROR")]).matches_message(msg));
    // A3: empty or whitespace-only phrases match everything.
    assert!(terms(&[(Include, " ")]).matches_message("nospace"));
    assert!(terms(&[(Include, "")]).matches_message(""));
    assert!(terms(&[(Exclude, " ")]).matches_message("a b"));
    // Phrases are contiguous.
    assert!(terms(&[(Include, "MISSING ARGUMENTS")]).matches_message(msg));
    assert!(!terms(&[(Include, "ARGUMENTS MISSING")]).matches_message(msg));
}

#[test]
fn terms_on_json_records_see_compact_text() {
    let p = terms(&[(TermKind::Include, r#""eventName":"ConsoleLogin""#)]);
    assert!(p.matches_json(&json!({"eventName": "ConsoleLogin"})));
}

#[test]
fn standalone_regex_searches_whole_message() {
    let p = Pattern::from_ast(Ast::Regex(RegexLit {
        source: "AUTHORIZED".into(),
        span: sp(),
    }))
    .unwrap();
    assert!(p.matches_message("[ERROR 401] UNAUTHORIZED REQUEST"));
    assert!(!p.matches_message("authorized"));
}

#[test]
fn delimited_seven_fields_and_extraction() {
    let p = delimited(vec![
        field("ip", None),
        field("user", None),
        field("username", None),
        field("timestamp", None),
        field("request", Some((CmpOp::Eq, s("*.html*")))),
        field("status_code", Some((CmpOp::Eq, s("4*")))),
        field("bytes", Some((CmpOp::Gt, Value::Number("1000".into())))),
    ]);
    assert!(p.matches_message(APACHE));
    let ex = p.extracted_values(APACHE).unwrap();
    assert_eq!(
        ex[3],
        ("$timestamp".into(), "10/Oct/2000:13:25:15 -0700".into())
    );
    assert_eq!(
        ex[4],
        ("$request".into(), "GET /index.html HTTP/1.0".into())
    );
    let bytes = MetricValue::parse("$bytes").unwrap();
    assert_eq!(p.metric_value(&bytes, &Message::new(APACHE)), Some(1534.0));
    assert!(!p.matches_message(&APACHE.replace("1534", "999")));
    assert!(
        !p.matches_message(&APACHE.replace("1534", "-")),
        "6.7: non-numeric token"
    );
}

#[test]
fn delimited_ellipsis_and_unnamed_last_field() {
    let p = delimited(vec![
        FieldSpec::Ellipsis(sp()),
        field("request", Some((CmpOp::Eq, s("*.html*")))),
        field("status_code", Some((CmpOp::Eq, s("4*")))),
        FieldSpec::Field {
            name: None,
            condition: None,
            span: sp(),
        },
    ]);
    let ex = p.extracted_values(APACHE).unwrap();
    let keys: Vec<&str> = ex.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        ["$1", "$2", "$3", "$4", "$request", "$status_code", "$7"]
    );
    assert_eq!(ex[6].1, "1534");
    // A7: ellipsis takes zero fields.
    let q = delimited(vec![
        field("a", None),
        FieldSpec::Ellipsis(sp()),
        field("b", None),
    ]);
    assert!(q.matches_message("x y"));
    assert!(!q.matches_message("x"));
}

#[test]
fn delimited_last_field_absorbs_rest_a6() {
    let p = delimited(vec![
        field("w1", Some((CmpOp::Eq, s("ERROR")))),
        field("w2", None),
    ]);
    assert!(p.matches_message("ERROR WARN message"));
    assert!(p.matches_message("ERROR message"));
    assert!(!p.matches_message("ERROR"), "fewer fields than slots");
    let ex = p.extracted_values("ERROR  WARN message").unwrap();
    assert_eq!(ex[1], ("$w2".into(), "WARN message".into()));
    let ne = delimited(vec![
        field("w1", Some((CmpOp::Ne, s("ERROR")))),
        field("w2", None),
    ]);
    assert!(!ne.matches_message("ERROR WARN message"));
    assert!(ne.matches_message("INFO message"));
}

#[test]
fn metric_values_json_a23() {
    let p = cmp(&[f("latency")], CmpOp::Eq, Value::Star);
    let mv = MetricValue::parse("$.latency").unwrap();
    assert_eq!(p.metric_value(&mv, &json!({"latency": 42})), Some(42.0));
    assert_eq!(p.metric_value(&mv, &json!({"latency": "42.5"})), Some(42.5));
    assert_eq!(p.metric_value(&mv, &json!({"latency": "fast"})), None);
    assert_eq!(p.metric_value(&mv, &json!({})), None);
    let t = MetricTransformation {
        value: mv,
        default_value: Some(0.0),
    };
    assert_eq!(t.datapoint(&p, &json!({"latency": 7})), Some(7.0));
    assert_eq!(
        t.datapoint(&p, &json!({"other": 7})),
        None,
        "no match, no data point"
    );
    assert_eq!(t.empty_period_value(), Some(0.0));
    assert_eq!(MetricValue::parse("1").unwrap(), MetricValue::Literal(1.0));
    assert!(MetricValue::parse("latency").is_err());
    assert!(MetricValue::parse("$.a[x]").is_err());
    assert!(matches!(
        MetricValue::parse("$.a['b.c'][0]").unwrap(),
        MetricValue::Json(_)
    ));
}

#[test]
fn select_is_the_resolver() {
    let ev = json!({"a": [{"b": 1}, {"c": 2}, {"b": 3}]});
    let nodes = select(&sel(&[f("a"), Step::AnyIndex, f("b")]), &ev);
    assert_eq!(nodes, vec![&json!(1), &json!(3)]);
    assert!(select(&sel(&[f("a"), Step::Index(9)]), &ev).is_empty());
}

#[test]
fn pattern_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone>() {}
    assert_traits::<Pattern>();
}

/// Regression (#10 bug 7): `from_ast` on a tree the parser would refuse reported the regex's
/// span in the coordinates of a pattern it did not return; the error is now over the tree's
/// canonical text, and its span indexes that text.
#[test]
fn from_ast_errors_index_their_own_pattern() {
    let ast = Ast::Json(JsonPattern {
        expr: leaf(
            sel(&[f("status")]),
            Test::Compare(
                CmpOp::Eq,
                Value::Regex(RegexLit {
                    source: "a{5,3}".into(),
                    span: Span::new(40, 48),
                }),
            ),
        ),
        span: sp(),
    });
    let e = Pattern::from_ast(ast).unwrap_err();
    assert_eq!(e.pattern(), "{ $.status = %a{5,3}% }");
    assert_eq!(&e.pattern()[e.span().start..e.span().end], "%a{5,3}%");
    assert_eq!(*e.kind(), crate::syntax::ErrorKind::InvalidRegex);
}

/// Regression (#10 bug 7): spans compare by value, so an error at the wrong place is not
/// equal to the right one; trees still compare by meaning.
#[test]
fn spans_compare_by_value_and_trees_by_meaning() {
    use crate::syntax::{parse, ErrorKind, ParseError};
    assert_ne!(Span::new(0, 1), Span::new(1, 2));
    let right = ParseError::new(ErrorKind::Syntax, "x", "ab", Span::new(0, 1));
    let wrong = ParseError::new(ErrorKind::Syntax, "x", "ab", Span::new(1, 2));
    assert_ne!(right, wrong);
    assert_eq!(parse("{ $.a = 1 }").unwrap(), parse("{$.a=1}").unwrap());
}

/// `[]` matches every message and extracts nothing (spec A30).
#[test]
fn empty_brackets_match_everything() {
    let p = Pattern::parse("[]").unwrap();
    for m in ["", "a", "a b c"] {
        assert!(p.matches_message(m), "{m:?}");
        assert_eq!(p.extracted_values(m), Some(Vec::new()));
    }
}

/// Regression (#10 bug 5): `metricValue` selectors use the parser's selector grammar.
#[test]
fn metric_value_selectors_follow_the_pattern_grammar() {
    for bad in ["$.a[+1]", "$.['a'b']", "$.a..b", "$.a[1"] {
        assert!(MetricValue::parse(bad).is_err(), "{bad}");
    }
    let v = MetricValue::parse("$.['a.b'][0]").unwrap();
    assert_eq!(v.to_string(), "$.['a.b'][0]");
    assert_eq!(
        Pattern::parse("{ $.x = 1 }")
            .unwrap()
            .metric_value(&v, &json!({"a.b": [7]})),
        Some(7.0)
    );
    assert_eq!(MetricValue::parse("1e999").unwrap_err().text, "1e999");
}

/// Regression (#10 bug 3, library side): a record nested deeper than serde_json's limit was
/// explained as "not JSON"; it is valid JSON that was not read.
#[test]
fn explain_says_a_too_deep_record_was_not_read() {
    let p = Pattern::parse("{ $.a = 1 }").unwrap();
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let e = p.explain(&crate::eval::Message::new(&deep));
    assert!(!e.matched);
    let Detail::Json {
        event_is_json,
        too_deep,
        ..
    } = &e.detail
    else {
        panic!("json detail expected")
    };
    assert!(!event_is_json && *too_deep);
    assert!(
        e.to_string().contains("nests deeper than 127 levels"),
        "{e}"
    );
    let plain = p.explain(&crate::eval::Message::new("not json"));
    assert!(
        plain.to_string().contains("the event is not JSON"),
        "{plain}"
    );
    assert!(!plain.to_string().contains("deeper"));
}
