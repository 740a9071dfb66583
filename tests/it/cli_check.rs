//! `cwfilter check`: output format and exit codes (issue 3).

use std::path::PathBuf;

use crate::support::{cwfilter, TempDir};

#[test]
fn passing_corpus_exits_zero_with_summary_line() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/conformance");
    let out = cwfilter()
        .arg("check")
        .arg(corpus.join("aws-doc-examples.jsonl"))
        .arg(corpus.join("aws-doc-invalid.jsonl"))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, "442 passed, 0 failed\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn failing_case_prints_id_expected_got_and_exits_one() {
    let dir = TempDir::new("check-fail");
    let f = dir.write(
        "fail.jsonl",
        concat!(
            r#"{"id":"absent-ne","pattern":"{ $.a != 1 }","event":"{}","expect":true}"#,
            "\n",
            r#"{"id":"ok","pattern":"ERROR","event":"an ERROR","expect":true}"#,
            "\n",
            r#"{"id":"not-invalid","pattern":"ERROR","expect_error":true}"#,
            "\n",
        ),
    );
    let out = cwfilter().arg("check").arg(&f).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("FAIL absent-ne "), "{stdout}");
    assert!(lines[0].ends_with("expected true, got false"), "{stdout}");
    assert!(lines[1].starts_with("FAIL not-invalid "), "{stdout}");
    assert!(
        lines[1].ends_with("expected error, got valid pattern"),
        "{stdout}"
    );
    assert_eq!(lines[2], "1 passed, 2 failed");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn bad_line_or_unreadable_file_exits_two() {
    let dir = TempDir::new("check-bad");
    let f = dir.write("bad.jsonl", "{\"id\":\"x\"}\n");
    let out = cwfilter().arg("check").arg(&f).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.jsonl:1:"), "{stderr}");

    let out = cwfilter()
        .args(["check", "/nonexistent/cases.jsonl"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).ends_with("0 passed, 0 failed\n"));
}
