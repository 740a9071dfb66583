//! Every documented pattern parses, prints canonically and round-trips; every documented
//! invalid pattern is rejected, for the documented reason.

use std::path::PathBuf;

use cwfilter::syntax::{parse, ErrorKind};

fn cases(file: &str) -> Vec<serde_json::Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/conformance")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("conformance file");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
        .collect()
}

fn field<'a>(case: &'a serde_json::Value, name: &str) -> &'a str {
    case[name].as_str().expect("string field")
}

#[test]
fn every_documented_pattern_parses_and_round_trips() {
    let cases = cases("aws-doc-examples.jsonl");
    assert_eq!(cases.len(), 425);
    for case in &cases {
        let (id, pattern) = (field(case, "id"), field(case, "pattern"));
        let ast = parse(pattern).unwrap_or_else(|e| panic!("{id}: {pattern}\n{}", e.render()));
        let printed = ast.to_string();
        let reparsed = parse(&printed)
            .unwrap_or_else(|e| panic!("{id}: canonical form does not parse\n{}", e.render()));
        assert_eq!(reparsed, ast, "{id}: {pattern} -> {printed}");
        assert_eq!(
            reparsed.to_string(),
            printed,
            "{id}: printing is not idempotent"
        );
    }
}

#[test]
fn every_documented_invalid_pattern_is_rejected_for_its_reason() {
    let cases = cases("aws-doc-invalid.jsonl");
    assert_eq!(cases.len(), 17);
    for case in &cases {
        let (id, pattern) = (field(case, "id"), field(case, "pattern"));
        let err = match parse(pattern) {
            Ok(ast) => panic!("{id}: {pattern} was accepted as {ast}"),
            Err(e) => e,
        };
        let expected = match id {
            "inv-regex-bang"
            | "inv-regex-parens"
            | "inv-regex-escaped-parens"
            | "inv-regex-multibyte" => ErrorKind::InvalidRegexChar,
            "inv-regex-three-json" | "inv-regex-three-delimited" => ErrorKind::TooManyRegexes,
            "inv-wildcard-two-in-selector" | "inv-wildcard-star-star" => {
                ErrorKind::TooManyWildcards
            }
            "inv-wildcard-four-compound" => ErrorKind::TooManyWildcardSelectors,
            "inv-is-not-null" => ErrorKind::IsNot,
            "inv-exists" => ErrorKind::BareExists,
            "inv-doc-example-and-across-fields" => ErrorKind::CrossFieldCondition,
            "inv-no-dollar-selector" => ErrorKind::MissingDollar,
            "inv-single-quotes" => ErrorKind::SingleQuote,
            "inv-unclosed-brace" => ErrorKind::UnclosedBrace,
            "inv-curly-quotes" => ErrorKind::CrossFieldCondition,
            "inv-too-long" => ErrorKind::TooLong,
            other => panic!("no expectation for {other}"),
        };
        assert_eq!(err.kind(), &expected, "{id}: {}", err.render());
    }
}

/// The canonical forms of a few documented patterns, pinned.
#[test]
fn canonical_forms() {
    let cases = [
        ("{$.a=1&&$.b=2}", "{ $.a = 1 && $.b = 2 }"),
        ("{$.foo = bar}", "{ $.foo = \"bar\" }"),
        (
            "{($.eventSource=kms.amazonaws.com) && (($.eventName=DisableKey) || ($.eventName=ScheduleKeyDeletion))}",
            "{ $.eventSource = \"kms.amazonaws.com\" && ($.eventName = \"DisableKey\" || $.eventName = \"ScheduleKeyDeletion\") }",
        ),
        (
            "{ $.eventType = \"*\" && $.sourceIPAddress != 123.123.* }",
            "{ $.eventType = * && $.sourceIPAddress != \"123.123.*\" }",
        ),
        ("{ $.['cluster.name'] = \"c\" }", "{ $.['cluster.name'] = \"c\" }"),
        ("{ $['plain'] = 1 }", "{ $.plain = 1 }"),
        ("{ $.a && 1 }", ""),
        ("[..., request=*.html*, status_code=4*,]", "[..., request = \"*.html*\", status_code = \"4*\",]"),
        ("[w1!=ERROR&&w1!=WARN, w2]", "[w1 != \"ERROR\" && w1 != \"WARN\", w2]"),
        ("  ?ERROR   -\"a b\" \"c\"  ", "?ERROR -\"a b\" c"),
        ("%^[hc]at%", "%^[hc]at%"),
        ("", ""),
        ("   ", ""),
        ("\" \"", "\" \""),
        ("{ (($.a = 1)) }", "{ $.a = 1 }"),
        ("{ $.a = 1 && ($.b = 2 && $.c = 3) }", "{ $.a = 1 && ($.b = 2 && $.c = 3) }"),
        ("{ $.a = 1 || ($.b = 2 || $.c = 3) }", "{ $.a = 1 || ($.b = 2 || $.c = 3) }"),
        ("{ ($.a = 1 || $.b = 2) && $.c = 3 }", "{ ($.a = 1 || $.b = 2) && $.c = 3 }"),
        ("{ $.a = \"x\\\"y\\\\z\" }", "{ $.a = \"x\\\"y\\\\z\" }"),
        ("{ $.n > -1.5e+3 }", "{ $.n > -1.5e+3 }"),
        ("{ $.n = \"400\" }", "{ $.n = \"400\" }"),
    ];
    for (pattern, canonical) in cases {
        if canonical.is_empty() && !pattern.trim().is_empty() {
            assert!(parse(pattern).is_err(), "{pattern} should be rejected");
            continue;
        }
        let ast = parse(pattern).unwrap_or_else(|e| panic!("{}", e.render()));
        assert_eq!(ast.to_string(), canonical, "{pattern}");
    }
}
