//! Issue 10 bug 3: a record nested deeper than serde_json's recursion limit (a budget of 128,
//! so 127 levels at most) may be valid JSON
//! that no JSON pattern can be evaluated on. It is said to be what it is, and counted: never
//! "not JSON", never a silent non-match.

use cwfilter::engine::{Engine, RecordErrorKind, MAX_JSON_DEPTH};
use cwfilter::Pattern;
use serde_json::json;

use crate::support::{run_with_stdin, stderr, stdout, TempDir};

const ROOT: &str = r#"{ $.userIdentity.type = "Root" }"#;

/// A Root ConsoleLogin at `time` with a `requestParameters` nested `depth` arrays deep.
fn nested_root(time: &str, depth: usize) -> String {
    let record = json!({
        "eventVersion": "1.08",
        "eventTime": time,
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "eventType": "AwsConsoleSignIn",
        "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"},
        "requestParameters": "NESTED",
    })
    .to_string();
    record.replace(
        "\"NESTED\"",
        &format!("{}1{}", "[".repeat(depth), "]".repeat(depth)),
    )
}

#[test]
fn the_engine_says_too_deep_not_not_json() {
    let engine = Engine::new(vec![((), Pattern::parse(ROOT).unwrap())]);
    // The record's object is one level: MAX_JSON_DEPTH - 1 arrays inside it still parse.
    assert!(engine
        .eval_record(&nested_root("2024-03-01T10:00:00Z", MAX_JSON_DEPTH - 1))
        .unwrap()
        .contains(0));
    let e = engine
        .eval_record(&nested_root("2024-03-01T10:00:00Z", MAX_JSON_DEPTH))
        .unwrap_err();
    assert_eq!(e.kind, RecordErrorKind::TooDeep);
    let text = e.to_string();
    assert!(
        text.starts_with("record is nested deeper than 127 levels"),
        "{text}"
    );
    assert!(!text.contains("not JSON"), "{text}");
    // Text that is not JSON stays "not JSON".
    let e = engine
        .eval_record(r#"{"userIdentity": {"type": "Root"}"#)
        .unwrap_err();
    assert_eq!(e.kind, RecordErrorKind::NotJson);
    assert!(e.to_string().starts_with("record is not JSON: "), "{e}");
}

#[test]
fn replay_counts_it_as_an_event_and_lists_it_as_an_error() {
    let dir = TempDir::new("deep-replay");
    let deep = nested_root("2024-03-01T10:00:00Z", 200);
    let fine = nested_root("2024-03-01T11:00:00Z", 3);
    let file = dir.write("trail.jsonl", format!("{fine}\n{deep}\n"));
    let out = run_with_stdin(&["replay", "--format", "json", file.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let inputs = &report["inputs"];
    assert_eq!(inputs["events"], 2, "{inputs}");
    assert_eq!(inputs["error_count"], 1);
    assert_eq!(inputs["errors"][0]["line"], 2);
    let message = inputs["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("nested deeper than 127 levels"),
        "{message}"
    );
    assert!(!message.contains("not JSON"), "{message}");
    let root = report["detectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "rootAccountUsage")
        .unwrap();
    assert_eq!(root["matched"], 1);
}

#[test]
fn match_reports_it_and_neither_selects_nor_skips_it_silently() {
    let dir = TempDir::new("deep-match");
    let deep = nested_root("2024-03-01T10:00:00Z", 200);
    let fine = nested_root("2024-03-01T11:00:00Z", 3);
    let file = dir.write("trail.jsonl", format!("{fine}\n{deep}\n"));
    let path = file.to_str().unwrap();
    let out = run_with_stdin(&["match", ROOT, path], b"");
    assert_eq!(stdout(&out), format!("{fine}\n"));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "{path}:2:1: record is nested deeper than 127 levels"
        )),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(2));
    // Inverted, it is not selected either: it was not evaluated.
    let out = run_with_stdin(&["match", "-v", ROOT, path], b"");
    assert_eq!(stdout(&out), "");
    assert_eq!(out.status.code(), Some(2));
    // --count counts what was evaluated and says what was not.
    let out = run_with_stdin(&["match", "-c", ROOT, path], b"");
    assert_eq!(stdout(&out), "1\n");
    assert!(stderr(&out).contains("nested deeper than 127"));
}
