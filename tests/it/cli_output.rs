//! Writing to stdout (issue 10, bug 2): every command that prints uses one helper, so a full
//! disk is an error (exit 2, said on stderr) and a closed pipe (`| head`) ends quietly with
//! success, as in grep.

use std::fs::File;
use std::io::Write;
use std::process::{Output, Stdio};

use crate::support::{cwfilter, stderr};

/// The commands under test, each printing something on success.
fn commands() -> Vec<(Vec<&'static str>, Option<Vec<u8>>)> {
    vec![
        (vec!["parse", "ERROR"], None),
        (vec!["detectors"], None),
        (vec!["detectors", "--format", "json"], None),
        (vec!["lint"], None),
        (vec!["replay", "tests/fixtures/trail/lines.jsonl"], None),
        (
            vec!["match", "ERROR", "-"],
            Some(b"ERROR one\nfine\n".to_vec()),
        ),
        // `--count` prints only at the end: the final write and flush are checked too.
        (
            vec!["match", "-c", "ERROR", "-"],
            Some(b"ERROR one\n".to_vec()),
        ),
        (
            vec!["check", "corpus/conformance/aws-doc-examples.jsonl"],
            None,
        ),
    ]
}

fn run_to(args: &[&str], input: Option<&[u8]>, stdout: Stdio) -> Output {
    let mut child = cwfilter()
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("cwfilter runs");
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("stdin");
        let _ = stdin.write_all(input);
    }
    child.wait_with_output().expect("cwfilter finishes")
}

#[test]
fn writing_to_a_full_disk_is_an_error_with_exit_2() {
    for (args, input) in commands() {
        let full = File::options()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = run_to(&args, input.as_deref(), Stdio::from(full));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("cwfilter: cannot write output: No space left on device"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    // More output than a pipe buffers (64 KiB), so the write must fail with EPIPE whenever
    // the reader closes.
    let mut big = Vec::new();
    for i in 0..20_000 {
        writeln!(big, "ERROR line {i}").unwrap();
    }
    let mut cases = commands();
    cases.push((vec!["match", "ERROR", "-"], Some(big)));
    for (args, input) in cases {
        let mut child = cwfilter()
            .args(&args)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cwfilter runs");
        // The reader goes away before the command prints anything.
        drop(child.stdout.take());
        if let Some(input) = &input {
            let mut stdin = child.stdin.take().expect("stdin");
            let _ = stdin.write_all(input);
        }
        let out = child.wait_with_output().expect("cwfilter finishes");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}");
    }
}
