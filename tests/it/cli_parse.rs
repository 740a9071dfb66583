//! `cwfilter parse` end to end: canonical text, `--ast` JSON, caret diagnostics, exit codes.

use crate::support::{run as cwfilter, stderr, stdout};

#[test]
fn prints_the_canonical_form() {
    let o = cwfilter(&[
        "parse",
        "{$.eventSource=kms.amazonaws.com&&($.eventName=DisableKey)}",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "{ $.eventSource = \"kms.amazonaws.com\" && $.eventName = \"DisableKey\" }\n"
    );
}

#[test]
fn canonical_form_of_canonical_form_is_the_same() {
    let first = stdout(&cwfilter(&[
        "parse",
        "[ip,user,...,status_code=4*&&status_code!=403,]",
    ]));
    assert_eq!(
        first,
        "[ip, user, ..., status_code = \"4*\" && status_code != 403,]\n"
    );
    let second = stdout(&cwfilter(&["parse", first.trim_end()]));
    assert_eq!(first, second);
}

#[test]
fn a_pattern_may_start_with_a_dash() {
    let o = cwfilter(&["parse", "-DEBUG"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "-DEBUG\n");
}

#[test]
fn ast_is_json_with_spans() {
    let o = cwfilter(&["parse", "--ast", "{ $.a[0] = 1 || $.b IS NULL }"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["kind"], "json");
    assert_eq!(v["span"], serde_json::json!({"start": 0, "end": 29}));
    let or = &v["expr"]["or"];
    assert_eq!(
        or[0]["selector"]["steps"],
        serde_json::json!([{"field": "a"}, {"index": 0}])
    );
    assert_eq!(
        or[0]["test"],
        serde_json::json!({"test": "compare", "op": "=", "value": {"type": "number", "value": "1"}})
    );
    assert_eq!(or[1]["test"], serde_json::json!({"test": "is_null"}));
    assert_eq!(or[1]["span"], serde_json::json!({"start": 16, "end": 27}));
}

#[test]
fn invalid_pattern_prints_a_caret_diagnostic_and_exits_2() {
    let o = cwfilter(&["parse", "{ $.SomeObject IS NOT NULL }"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    assert_eq!(
        stderr(&o),
        "cwfilter: IS NOT is not supported at line 1 column 16\n  |\n1 | { $.SomeObject IS NOT NULL }\n  |                ^^^^^^^^^^^\nhelp: CloudWatch has no IS NOT: `$.SomeObject = *` matches any string or number (and `$.SomeObject NOT EXISTS` matches a missing key)\n"
    );
}

#[test]
fn missing_pattern_is_a_usage_error() {
    let o = cwfilter(&["parse"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn delimited_ast_fields_carry_type_and_span() {
    let o = cwfilter(&["parse", "--ast", "[..., a = 4*,]"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(
        v["fields"][0],
        serde_json::json!({"type": "ellipsis", "span": {"start": 1, "end": 4}})
    );
    assert_eq!(v["fields"][1]["name"], "a");
    assert_eq!(
        v["fields"][1]["condition"]["value"],
        serde_json::json!({"type": "string", "value": "4*"})
    );
    assert_eq!(
        v["fields"][2],
        serde_json::json!({"type": "field", "name": null, "condition": null, "span": {"start": 13, "end": 13}})
    );
}

/// Regression: `parse` used to accept a regex whose characters are all allowed but which the
/// regex engine refuses (`a{5,3}`), while `match` rejected the same pattern; and the error was
/// rendered against the regex alone instead of the whole pattern.
#[test]
fn regression_regex_refused_by_the_engine_is_rejected_in_the_whole_pattern() {
    let o = cwfilter(&["parse", "{ $.a = %a{5,3}% }"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "cwfilter: invalid regular expression: invalid repetition count range, the start must be <= the end at line 1 column 9\n  |\n1 | { $.a = %a{5,3}% }\n  |         ^^^^^^^^\n"
    );
}
