//! `cwfilter match`: grep for events (issue 3): inputs, output, --count, --explain, exit codes.

use std::io::Write;
use std::path::PathBuf;

use crate::support::{run_with_stdin as cwfilter, TempDir};

/// Test inputs live in one directory for the whole test binary run (each under its own name).
fn temp(name: &str, bytes: &[u8]) -> PathBuf {
    static DIR: std::sync::OnceLock<TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| TempDir::new("match")).write(name, bytes)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

const ROOT: &str = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;

/// A pretty-printed S3 object: matched records come out compacted, one per line, keys in order.
const S3_OBJECT: &str = r#"{"Records": [
  {"eventVersion": "1.08", "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"},
   "eventName": "ConsoleLogin", "eventType": "AwsConsoleSignIn"},
  {"eventVersion": "1.08", "userIdentity": {"type": "Root", "invokedBy": "support.amazonaws.com"},
   "eventName": "DescribeCases", "eventType": "AwsApiCall"},
  {"eventVersion": "1.08", "userIdentity": {"type": "IAMUser", "userName": "alice"},
   "eventName": "GetObject", "eventType": "AwsApiCall"}
]}"#;

#[test]
fn plain_log_lines_from_stdin_match_like_grep() {
    let out = cwfilter(
        &["match", "ERROR -ARGUMENTS"],
        b"[ERROR 400] BAD REQUEST\n[ERROR 419] MISSING ARGUMENTS\n[INFO] fine\n",
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "[ERROR 400] BAD REQUEST\n"
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn gzipped_records_file_prints_each_match_on_one_line() {
    let path = temp("root.json.gz", &gzip(S3_OBJECT.as_bytes()));
    let out = cwfilter(&["match", ROOT, path.to_str().unwrap()], b"");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        concat!(
            r#"{"eventVersion":"1.08","userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root"},"eventName":"ConsoleLogin","eventType":"AwsConsoleSignIn"}"#,
            "\n"
        )
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn count_prints_only_the_number_and_exits_one_when_zero() {
    let path = temp("count.json", S3_OBJECT.as_bytes());
    let out = cwfilter(
        &[
            "match",
            "--count",
            r#"{ $.eventType = "AwsApiCall" }"#,
            path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2\n");
    assert_eq!(out.status.code(), Some(0));
    let out = cwfilter(
        &[
            "match",
            "-c",
            r#"{ $.eventName = "StopLogging" }"#,
            path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "0\n");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn not_equal_on_an_absent_field_is_false_as_in_cloudwatch() {
    // The "fix" that silently dropped every event without the field.
    let out = cwfilter(
        &[
            "match",
            "-c",
            r#"{ $.userIdentity.userName != "bot" }"#,
            "-",
        ],
        S3_OBJECT.as_bytes(),
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");
}

#[test]
fn explain_traces_every_condition_of_every_event() {
    let out = cwfilter(&["match", "--explain", ROOT, "-"], S3_OBJECT.as_bytes());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("==> <stdin>:2[0]\nMATCH\n"), "{text}");
    assert!(text.contains(
        "==> <stdin>:4[1]\nNO MATCH\n  false &&  (all of)\n    true  $.userIdentity.type = \"Root\"  found: string \"Root\"\n    false $.userIdentity.invokedBy NOT EXISTS  found: string \"support.amazonaws.com\"\n"
    ), "{text}");
    assert!(
        text.contains("false $.userIdentity.invokedBy NOT EXISTS"),
        "{text}"
    );
    assert_eq!(text.matches("==> ").count(), 3);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn invalid_pattern_prints_caret_diagnostic_and_exits_two() {
    let out = cwfilter(&["match", "{ $.a IS NOT NULL }", "-"], b"{}\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("IS NOT"), "{err}");
    assert!(err.contains('^'), "{err}");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unreadable_input_is_named_and_exits_two_even_after_a_match() {
    let good = temp("good.json", S3_OBJECT.as_bytes());
    let out = cwfilter(
        &[
            "match",
            "-c",
            ROOT,
            good.to_str().unwrap(),
            "/nonexistent/trail.json",
        ],
        b"",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/trail.json"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn corrupt_gzip_is_reported_not_skipped() {
    let mut bytes = gzip(S3_OBJECT.as_bytes());
    bytes.truncate(bytes.len() / 2);
    let path = temp("corrupt.json.gz", &bytes);
    let out = cwfilter(&["match", "-c", ROOT, path.to_str().unwrap()], b"");
    assert!(String::from_utf8_lossy(&out.stderr).contains("corrupt.json.gz"));
    assert_eq!(out.status.code(), Some(2));
}
