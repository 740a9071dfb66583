//! Property tests: the printer and the parser agree.
//!
//! - Generated well-formed trees print to text that parses back to the same tree, and
//!   printing is idempotent.
//! - Arbitrary text over the pattern alphabet never panics the parser, and whatever parses
//!   round-trips and is well-formed.

use cwfilter::syntax::ast::*;
use cwfilter::syntax::{check_well_formed, parse};
use proptest::prelude::*;

fn sp() -> Span {
    Span::default()
}

fn plain_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,8}"
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![4 => plain_name(), 1 => "[a-z.@ :\\[\\]\"-]{0,6}"]
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 *\"\\\\.é:{}\\[\\]%'-]{0,8}"
}

fn number() -> impl Strategy<Value = String> {
    "[+-]?[0-9]{1,4}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?"
}

fn regex() -> impl Strategy<Value = RegexLit> {
    "[a-z0-9 :_#=@/;,^$?{}|*+.\\[\\]\\\\-]{1,10}".prop_map(|source| RegexLit { source, span: sp() })
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => text().prop_filter("\"*\" is Star", |s| s != "*").prop_map(Value::String),
        2 => number().prop_map(Value::Number),
        1 => Just(Value::Star),
        1 => regex().prop_map(Value::Regex),
    ]
}

fn op() -> impl Strategy<Value = CmpOp> {
    prop_oneof![
        Just(CmpOp::Eq),
        Just(CmpOp::Ne),
        Just(CmpOp::Lt),
        Just(CmpOp::Le),
        Just(CmpOp::Gt),
        Just(CmpOp::Ge)
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => json_key().prop_map(Step::Field),
        2 => any::<u64>().prop_map(Step::Index),
        1 => Just(Step::AnyIndex),
        1 => Just(Step::AnyField),
    ]
}

fn condition() -> impl Strategy<Value = Condition> {
    let test = prop_oneof![
        6 => (op(), value()).prop_map(|(o, v)| Test::Compare(o, v)),
        1 => Just(Test::IsNull),
        1 => Just(Test::IsTrue),
        1 => Just(Test::IsFalse),
        1 => Just(Test::NotExists),
    ];
    (prop::collection::vec(step(), 1..4), test).prop_map(|(steps, test)| Condition {
        selector: Selector { steps, span: sp() },
        test,
        span: sp(),
    })
}

fn expr<L: Clone + std::fmt::Debug + 'static>(
    leaf: impl Strategy<Value = L> + 'static,
) -> impl Strategy<Value = Expr<L>> {
    leaf.prop_map(Expr::Leaf).prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| Expr::And(v, Span::default())),
            prop::collection::vec(inner, 2..4).prop_map(|v| Expr::Or(v, Span::default())),
        ]
    })
}

fn term() -> impl Strategy<Value = Term> {
    let kind = prop_oneof![
        Just(TermKind::Include),
        Just(TermKind::Exclude),
        Just(TermKind::Optional)
    ];
    let text = prop_oneof![3 => "[A-Za-z0-9_]{1,6}", 1 => text()];
    (kind, text).prop_map(|(kind, text)| Term {
        kind,
        text,
        span: sp(),
    })
}

fn field_condition() -> impl Strategy<Value = FieldCondition> {
    (op(), value()).prop_map(|(op, value)| FieldCondition {
        op,
        value,
        span: sp(),
    })
}

fn delimited() -> impl Strategy<Value = DelimitedPattern> {
    let field = prop_oneof![
        1 => Just(None),
        4 => (plain_name(), prop::option::of(expr(field_condition()))).prop_map(Some),
    ];
    (prop::collection::vec(field, 1..6), any::<bool>()).prop_map(|(specs, trailing)| {
        let mut fields: Vec<FieldSpec> = Vec::new();
        let mut seen = Vec::new();
        let mut ellipsis = false;
        for spec in specs {
            match spec {
                None if !ellipsis => {
                    ellipsis = true;
                    fields.push(FieldSpec::Ellipsis(sp()));
                }
                None => {}
                Some((name, condition)) => {
                    if seen.contains(&name) {
                        continue;
                    }
                    seen.push(name.clone());
                    fields.push(FieldSpec::Field {
                        name: Some(name),
                        condition,
                        span: sp(),
                    });
                }
            }
        }
        if trailing {
            fields.push(FieldSpec::Field {
                name: None,
                condition: None,
                span: sp(),
            });
        }
        DelimitedPattern { fields, span: sp() }
    })
}

fn ast() -> impl Strategy<Value = Ast> {
    prop_oneof![
        prop::collection::vec(term(), 0..5)
            .prop_map(|terms| Ast::Terms(TermPattern { terms, span: sp() })),
        expr(condition()).prop_map(|expr| Ast::Json(JsonPattern { expr, span: sp() })),
        delimited().prop_map(Ast::Delimited),
        regex().prop_map(Ast::Regex),
    ]
    .prop_filter("within CloudWatch's limits", |a| {
        check_well_formed(a).is_ok()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn printed_trees_parse_back_to_themselves(ast in ast()) {
        let printed = ast.to_string();
        let reparsed = match parse(&printed) {
            Ok(a) => a,
            Err(e) => return Err(TestCaseError::fail(format!("{printed}\n{}", e.render()))),
        };
        prop_assert_eq!(&reparsed, &ast, "{}", printed);
        prop_assert_eq!(reparsed.to_string(), printed);
    }

    #[test]
    fn any_text_parses_or_fails_without_panicking(
        text in "[ -~\t\n“é\u{a0}]{0,40}",
    ) {
        if let Ok(ast) = parse(&text) {
            prop_assert!(check_well_formed(&ast).is_ok(), "{:?}: {:?}", text, check_well_formed(&ast));
            let printed = ast.to_string();
            let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(e.render()))?;
            prop_assert_eq!(&reparsed, &ast);
            prop_assert_eq!(reparsed.to_string(), printed);
        }
    }

    #[test]
    fn pattern_shaped_text_parses_or_fails_without_panicking(
        text in "\\{ ?(\\(|\\)|\\$|\\.|\\[|\\]|\\*|'|\"|%|=|!=|<|>=|&&|\\|\\||IS|NOT|NULL|EXISTS|a|1|-|,| )*\\}?",
    ) {
        if let Ok(ast) = parse(&text) {
            prop_assert!(check_well_formed(&ast).is_ok());
            let printed = ast.to_string();
            let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(e.render()))?;
            prop_assert_eq!(&reparsed, &ast);
        }
    }

    #[test]
    fn delimited_shaped_text_parses_or_fails_without_panicking(
        text in "\\[(a|b|\\.\\.\\.|,| |=|!=|>|4\\*|\"x\"|%y%|&&|\\|\\||\\(|\\))*\\]",
    ) {
        if let Ok(ast) = parse(&text) {
            prop_assert!(check_well_formed(&ast).is_ok());
            let printed = ast.to_string();
            let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(e.render()))?;
            prop_assert_eq!(&reparsed, &ast);
        }
    }
}

/// Well-formedness rejects the trees no pattern can express.
#[test]
fn ill_formed_trees_are_rejected() {
    let leaf = || {
        Expr::Leaf(Condition {
            selector: Selector {
                steps: vec![Step::Field("a".into())],
                span: sp(),
            },
            test: Test::IsNull,
            span: sp(),
        })
    };
    let one_operand = Ast::Json(JsonPattern {
        expr: Expr::And(vec![leaf()], sp()),
        span: sp(),
    });
    assert!(check_well_formed(&one_operand).is_err());
    let two = Ast::Json(JsonPattern {
        expr: Expr::And(vec![leaf(), leaf()], sp()),
        span: sp(),
    });
    assert!(check_well_formed(&two).is_ok());
    let star_string = Ast::Json(JsonPattern {
        expr: Expr::Leaf(Condition {
            selector: Selector {
                steps: vec![Step::Field("a".into())],
                span: sp(),
            },
            test: Test::Compare(CmpOp::Eq, Value::String("*".into())),
            span: sp(),
        }),
        span: sp(),
    });
    assert!(check_well_formed(&star_string).is_err());
    let paren_regex = Ast::Regex(RegexLit {
        source: "(a)".into(),
        span: sp(),
    });
    assert!(check_well_formed(&paren_regex).is_err());
}
