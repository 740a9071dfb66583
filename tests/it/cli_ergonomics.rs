//! What a new user trips over (issue 18), one test per contract: `--locked` installs, `-` for
//! stdin and stdout, no input on a terminal, a forgotten PATTERN, `-f/--pattern-file`, empty
//! inputs and configs, label warnings, `-o` opened first, grep flags on `match`, narrowing a
//! replay, and one error prefix.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{cwfilter, run, run_with_stdin, stderr, stdout, TempDir};

/// A root console sign-in: rootAccountUsage matches it.
fn root_login(id: &str, time: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "eventID": id,
        "eventTime": time,
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "eventType": "AwsConsoleSignIn",
        "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"},
    })
}

/// An ordinary API call no catalog detector matches.
fn describe(id: &str, time: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "eventID": id,
        "eventTime": time,
        "eventSource": "ec2.amazonaws.com",
        "eventName": "DescribeInstances",
        "eventType": "AwsApiCall",
        "userIdentity": {"type": "IAMUser", "userName": "alice"},
    })
}

fn jsonl(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

/// A trail of three records: two root sign-ins (r1, r2) and one DescribeInstances (d1).
fn trail(dir: &TempDir) -> String {
    let path = dir.write(
        "trail/t.jsonl",
        jsonl(&[
            root_login("r1", "2025-01-06T10:00:00Z"),
            describe("d1", "2025-01-06T11:00:00Z"),
            root_login("r2", "2025-01-07T10:00:00Z"),
        ]),
    );
    path.to_str().unwrap().to_owned()
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

// ---- install ---------------------------------------------------------------------------------

#[test]
fn every_documented_cargo_install_is_locked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs = vec![root.join("README.md"), root.join("CONTRIBUTING.md")];
    if let Ok(entries) = std::fs::read_dir(root.join("docs")) {
        docs.extend(entries.flatten().map(|e| e.path()));
    }
    let mut installs = 0;
    for doc in docs
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(doc).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some(at) = line.find("cargo install ") {
                installs += 1;
                assert!(
                    line[at..].contains("--locked"),
                    "{}:{}: `cargo install` without --locked: {line}",
                    doc.display(),
                    i + 1
                );
            }
        }
    }
    assert!(installs > 0, "the README installs with cargo install");
}

#[test]
fn the_bundled_trail_and_labels_are_in_the_binary_and_replay_from_anywhere() {
    // An empty directory far from the checkout: nothing to read from disk.
    let dir = TempDir::new("bundled-anywhere");
    let o = cwfilter()
        .current_dir(&*dir)
        .args(["replay", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    // corpus/README.md: 4,122 records in 323 objects; 251 malicious and 307 benign labels.
    assert_eq!(r["inputs"]["files"], 323);
    assert_eq!(r["inputs"]["events"], 4122);
    assert_eq!(r["inputs"]["errors"], json!([]));
    assert_eq!(r["labels"]["malicious_seen"], 251);
    assert_eq!(r["labels"]["benign_seen"], 307);
    // The same replay of corpus/trail on disk with corpus/labels.jsonl: the embedded copy
    // equals the directory (trail_corpus.rs checks the directory holds what the manifest
    // lists, and build.rs embeds exactly the manifest's objects).
    let on_disk = run(&[
        "replay",
        "--format",
        "json",
        "--labels",
        "corpus/labels.jsonl",
        "corpus/trail",
    ]);
    let d: Value = serde_json::from_slice(&on_disk.stdout).unwrap();
    assert_eq!(r["detectors"], d["detectors"]);
    assert_eq!(r["labels"], d["labels"]);
    // The S3-key pruning applies to the bundled objects as to files.
    let o = cwfilter()
        .current_dir(&*dir)
        .args(["replay", "--format", "json", "--since", "2023-07-10"])
        .args(["--until", "2023-07-10"])
        .output()
        .unwrap();
    let w: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(w["inputs"]["events"], 2900, "{}", stderr(&o));
}

// ---- `-` for stdin and stdout ----------------------------------------------------------------

#[test]
fn dash_is_stdin_for_configs_and_labels_and_stdout_for_reports() {
    let config = "alerts:\n  rootAccountUsage: true\n";
    let from_stdin = run_with_stdin(
        &["detectors", "--config", "-", "--format", "json"],
        config.as_bytes(),
    );
    assert_eq!(code(&from_stdin), Some(0), "{}", stderr(&from_stdin));
    let keys: Vec<Value> = serde_json::from_slice(&from_stdin.stdout).unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["key"], "rootAccountUsage");
    let lint = run_with_stdin(&["lint", "--config", "-"], config.as_bytes());
    assert!(matches!(code(&lint), Some(0 | 1)), "{}", stderr(&lint));

    let dir = TempDir::new("ergo-dash");
    let trail = trail(&dir);
    let labels = jsonl(&[json!({"eventID": "r1", "label": "malicious"})]);
    let out = run_with_stdin(
        &[
            "replay", "--labels", "-", "--format", "json", "-o", "-", &trail,
        ],
        labels.as_bytes(),
    );
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["labels"]["malicious"], 1);
    assert_eq!(report["labels"]["malicious_seen"], 1);
    let out = run_with_stdin(
        &["replay", "--config", "-", "--format", "json", &trail],
        config.as_bytes(),
    );
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["detectors"].as_array().unwrap().len(), 1);

    // Stdin can be read once.
    let both = run_with_stdin(&["replay", "--config", "-", "--labels", "-", &trail], b"");
    assert_eq!(code(&both), Some(2));
    assert!(
        stderr(&both).contains("--config and --labels"),
        "{}",
        stderr(&both)
    );
}

#[test]
fn synth_out_dash_is_an_error_not_a_directory() {
    let dir = TempDir::new("ergo-synth-dash");
    let out = cwfilter()
        .current_dir(&dir)
        .args([
            "synth",
            "--days",
            "1",
            "--events-per-day",
            "10",
            "--out",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(2));
    assert!(
        stderr(&out).starts_with("cwfilter: --out -"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("-").exists());
}

// ---- no input on a terminal ------------------------------------------------------------------

/// Runs `cwfilter ARGS` with stdin, stdout and stderr on a pseudo-terminal (util-linux
/// `script`), and returns its exit code and output; a hang (waiting for typed input) fails.
fn on_terminal(args: &str) -> (Option<i32>, String) {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_cwfilter"));
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` (Debian's bsdutils) runs the command on a terminal");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("`cwfilter {args}` waits on the terminal instead of failing");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (code(&out), stdout(&out) + &stderr(&out))
}

#[test]
fn no_input_on_a_terminal_is_an_error_not_a_wait() {
    for args in [
        "match ERROR",
        "match ERROR -",
        "replay -",
        "replay --no-progress -",
    ] {
        let (code, text) = on_terminal(args);
        assert_eq!(code, Some(2), "{args}: {text}");
        assert!(
            text.contains("cwfilter: no input: give a PATH or pipe records to stdin"),
            "{args}: {text}"
        );
    }
}

// ---- patterns --------------------------------------------------------------------------------

#[test]
fn a_path_given_as_the_pattern_asks_whether_the_pattern_was_forgotten() {
    for command in ["match", "parse"] {
        let out = run(&[command, "tests/fixtures/trail/lines.jsonl"]);
        assert_eq!(code(&out), Some(2));
        let err = stderr(&out);
        assert!(err.starts_with("cwfilter: "), "{err}");
        assert!(
            err.contains("did you forget the PATTERN?"),
            "{command}: {err}"
        );
    }
    // Not a path: no such guess.
    let out = run(&["parse", "no/such/file.json"]);
    assert_eq!(code(&out), Some(2));
    assert!(!stderr(&out).contains("did you forget"), "{}", stderr(&out));
}

#[test]
fn pattern_file_for_parse_match_and_lint() {
    let dir = TempDir::new("ergo-pattern-file");
    let file = dir.write("root.txt", "{ $.userIdentity.type = \"Root\" }\n");
    let file = file.to_str().unwrap();
    let trail = trail(&dir);

    let parsed = run(&["parse", "-f", file]);
    assert_eq!(code(&parsed), Some(0), "{}", stderr(&parsed));
    assert_eq!(stdout(&parsed), "{ $.userIdentity.type = \"Root\" }\n");
    let from_stdin = run_with_stdin(&["parse", "--pattern-file", "-"], b"ERROR\n");
    assert_eq!(stdout(&from_stdin), "ERROR\n");

    // With -f, the first positional argument is a PATH.
    let counted = run(&["match", "-f", file, "-c", &trail]);
    assert_eq!(stdout(&counted), "2\n", "{}", stderr(&counted));

    let linted = run(&["lint", "-f", file]);
    assert_eq!(code(&linted), Some(0), "{}", stdout(&linted));
    let bad = dir.write("bad.txt", "{ $.a != 1 }\n");
    let linted = run(&["lint", "--pattern-file", bad.to_str().unwrap()]);
    assert_eq!(code(&linted), Some(1));
    assert!(stdout(&linted).contains("CW001"), "{}", stdout(&linted));
}

// ---- empty inputs and configs ----------------------------------------------------------------

#[test]
fn replay_of_no_cloudtrail_record_says_so_and_exits_2_with_the_report() {
    let dir = TempDir::new("ergo-empty");
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    dir.write("other/a.json", "{\"name\": \"not a trail\"}\n");
    for input in ["empty", "other"] {
        let path = dir.join(input);
        let out = run(&["replay", path.to_str().unwrap()]);
        assert_eq!(code(&out), Some(2), "{input}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "cwfilter: no CloudTrail records found in {}",
                path.display()
            )),
            "{err}"
        );
        assert!(!out.stdout.is_empty(), "the report is still printed");
    }
}

#[test]
fn a_config_enabling_no_detector_fails_replay_and_warns_elsewhere() {
    let dir = TempDir::new("ergo-no-detector");
    let config = dir.write("none.yaml", "alerts:\n  rootAccountUsage: false\n");
    let config = config.to_str().unwrap();
    let trail = trail(&dir);
    let out = run(&["replay", "--config", config, &trail]);
    assert_eq!(code(&out), Some(2));
    assert!(
        stderr(&out).contains(&format!("cwfilter: {config}: enables no detector")),
        "{}",
        stderr(&out)
    );
    for command in ["detectors", "lint"] {
        let out = run(&[command, "--config", config]);
        assert_eq!(code(&out), Some(0), "{command}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("cwfilter: warning: {config}: enables no detector")),
            "{command}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn labels_absent_from_the_trail_are_warned_about() {
    let dir = TempDir::new("ergo-labels");
    let trail = trail(&dir);
    let some = dir.write(
        "some.jsonl",
        jsonl(&[
            json!({"eventID": "r1", "label": "malicious"}),
            json!({"eventID": "gone1", "label": "malicious"}),
            json!({"eventID": "gone2", "label": "benign"}),
        ]),
    );
    let out = run(&["replay", "--labels", some.to_str().unwrap(), &trail]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "cwfilter: warning: 2 of 3 labelled eventIDs are absent from the replayed trail"
        ),
        "{}",
        stderr(&out)
    );
    let none = dir.write(
        "none.jsonl",
        jsonl(&[json!({"eventID": "x", "label": "malicious"})]),
    );
    let out = run(&["replay", "--labels", none.to_str().unwrap(), &trail]);
    assert!(
        stderr(&out).contains(
            "none of the 1 labelled eventIDs is in the replayed trail: every fire counts as false"
        ),
        "{}",
        stderr(&out)
    );
    let all = dir.write(
        "all.jsonl",
        jsonl(&[json!({"eventID": "r2", "label": "malicious"})]),
    );
    let out = run(&["replay", "--labels", all.to_str().unwrap(), &trail]);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
}

#[test]
fn output_file_is_opened_before_the_trail_is_read() {
    // Stdin stays open and empty: a replay that read before opening -o would wait forever.
    let mut child = cwfilter()
        .args(["replay", "-o", "no/such/dir/report.txt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("replay read its input before opening -o");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), Some(2));
    assert!(
        stderr(&out).starts_with("cwfilter: cannot write no/such/dir/report.txt: "),
        "{}",
        stderr(&out)
    );
}

// ---- grep habits on `match` ------------------------------------------------------------------

#[test]
fn match_grep_flags() {
    let dir = TempDir::new("ergo-grep");
    let trail = trail(&dir);
    let other = dir.write(
        "other.jsonl",
        jsonl(&[describe("d2", "2025-01-08T00:00:00Z")]),
    );
    let other = other.to_str().unwrap();
    let root = r#"{ $.userIdentity.type = "Root" }"#;

    let ids = |o: &Output| -> Vec<String> {
        stdout(o)
            .lines()
            .map(|l| {
                let json = l.find('{').map_or(l, |i| &l[i..]);
                serde_json::from_str::<Value>(json).unwrap()["eventID"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(ids(&run(&["match", root, &trail])), ["r1", "r2"]);
    assert_eq!(ids(&run(&["match", "-v", root, &trail])), ["d1"]);
    assert_eq!(
        ids(&run(&["match", "--invert-match", root, &trail, other])),
        ["d1", "d2"]
    );
    assert_eq!(stdout(&run(&["match", "-c", root, &trail, other])), "2\n");
    assert_eq!(
        stdout(&run(&["match", "-c", "-H", root, &trail, other])),
        format!("{trail}:2\n{other}:0\n")
    );
    assert_eq!(
        stdout(&run(&["match", "-l", root, &trail, other])),
        format!("{trail}\n")
    );
    assert_eq!(
        stdout(&run(&[
            "match",
            "--files-with-matches",
            "-v",
            root,
            &trail,
            other
        ])),
        format!("{trail}\n{other}\n")
    );
    let quiet = run(&["match", "-q", root, &trail]);
    assert_eq!((code(&quiet), stdout(&quiet)), (Some(0), String::new()));
    let quiet = run(&["match", "--quiet", root, other]);
    assert_eq!((code(&quiet), stdout(&quiet)), (Some(1), String::new()));
    assert_eq!(ids(&run(&["match", "-m", "1", root, &trail])), ["r1"]);
    assert_eq!(
        stdout(&run(&["match", "--max-count", "1", "-c", root, &trail])),
        "1\n"
    );
    let with_name = run(&["match", "-H", root, &trail]);
    assert!(
        stdout(&with_name)
            .lines()
            .all(|l| l.starts_with(&format!("{trail}:{{"))),
        "{}",
        stdout(&with_name)
    );
    // A detector's effective pattern, after a config.
    assert_eq!(
        ids(&run(&["match", "--detector", "rootAccountUsage", &trail])),
        ["r1", "r2"]
    );
    let config = dir.write("off.yaml", "alerts:\n  rootAccountUsage: false\n");
    let missing = run(&[
        "match",
        "--detector",
        "rootAccountUsage",
        "--config",
        config.to_str().unwrap(),
        &trail,
    ]);
    assert_eq!(code(&missing), Some(2));
    assert!(
        stderr(&missing).contains("--detector rootAccountUsage"),
        "{}",
        stderr(&missing)
    );
    // The replay's window.
    assert_eq!(
        ids(&run(&["match", "--since", "2025-01-07", root, &trail])),
        ["r2"]
    );
    assert_eq!(
        ids(&run(&["match", "--until", "2025-01-06", root, &trail])),
        ["r1"]
    );
    assert_eq!(
        ids(&run(&[
            "match",
            "--since",
            "2025-01-06T10:30:00Z",
            "--until",
            "now",
            root,
            &trail
        ])),
        ["r2"]
    );
    // Explanations of every event, then the count of matches.
    let explained = run(&["match", "--explain", "--count", root, &trail]);
    let text = stdout(&explained);
    assert_eq!(text.matches("==> ").count(), 3, "{text}");
    assert!(text.ends_with("\n2\n"), "{text}");
}

// ---- narrowing a replay ----------------------------------------------------------------------

#[test]
fn replay_detector_selection_relative_times_and_no_progress() {
    let dir = TempDir::new("ergo-replay");
    let trail = trail(&dir);
    let keys = |args: &[&str]| -> Vec<String> {
        let out = run(&[
            &["replay", "--format", "json", "--no-progress"],
            args,
            &[&trail],
        ]
        .concat());
        assert_eq!(code(&out), Some(0), "{}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["detectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["key"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        keys(&["--detector", "rootAccountUsage"]),
        ["rootAccountUsage"]
    );
    assert_eq!(
        keys(&[
            "--detector",
            "rootAccountUsage",
            "--detector",
            "kmsKeyDeletion"
        ]),
        ["kmsKeyDeletion", "rootAccountUsage"]
    );
    let unknown = run(&["replay", "--detector", "rootUsage", &trail]);
    assert_eq!(code(&unknown), Some(2));
    assert!(
        stderr(&unknown).starts_with("cwfilter: --detector rootUsage: "),
        "{}",
        stderr(&unknown)
    );

    // Relative times: the 2025 trail is more than a day old, and before now.
    let events = |args: &[&str]| -> u64 {
        let out = run(&[&["replay", "--format", "json"], args, &[&trail]].concat());
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["inputs"]["outside_window"].as_u64().unwrap()
    };
    assert_eq!(events(&["--since", "24h"]), 3);
    assert_eq!(events(&["--since", "7d"]), 3);
    assert_eq!(events(&["--until", "now"]), 0);
    assert_eq!(events(&["--until", "1d"]), 0);
    let bad = run(&["replay", "--since", "7 days", &trail]);
    assert_eq!(code(&bad), Some(2));
    assert!(stderr(&bad).contains("7d, 24h"), "{}", stderr(&bad));
}

#[test]
fn fail_on_lost_exits_1_when_the_what_if_loses_a_labelled_incident() {
    let dir = TempDir::new("ergo-lost");
    let trail = trail(&dir);
    let baseline = dir.write("baseline.yaml", "alerts:\n  rootAccountUsage: true\n");
    let current = dir.write("current.yaml", "alerts:\n  kmsKeyDeletion: true\n");
    let labels = dir.write(
        "labels.jsonl",
        jsonl(&[json!({"eventID": "r1", "label": "malicious"})]),
    );
    let replay = |current: &Path, extra: &[&str]| {
        let args = [
            &[
                "replay",
                "--config",
                current.to_str().unwrap(),
                "--baseline",
                baseline.to_str().unwrap(),
                "--labels",
                labels.to_str().unwrap(),
            ][..],
            extra,
            &[&trail],
        ]
        .concat();
        run(&args)
    };
    let lost = replay(&current, &["--fail-on-lost"]);
    assert_eq!(code(&lost), Some(1), "{}", stderr(&lost));
    assert!(
        stderr(&lost).contains("loses 1 labelled incident"),
        "{}",
        stderr(&lost)
    );
    assert!(!lost.stdout.is_empty(), "the report is printed");
    // Without the flag, the same what-if is a success; with nothing lost, so is the flag.
    assert_eq!(code(&replay(&current, &[])), Some(0));
    assert_eq!(code(&replay(&baseline, &["--fail-on-lost"])), Some(0));
    // It needs a baseline to compare with.
    let alone = run(&["replay", "--fail-on-lost", &trail]);
    assert_eq!(code(&alone), Some(2));
}

// ---- one error format ------------------------------------------------------------------------

#[test]
fn every_command_prefixes_its_errors_with_cwfilter() {
    let dir = TempDir::new("ergo-prefix");
    let bad = dir.write("bad.yaml", "alerts:\n  nope: true\n");
    let bad = bad.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["parse", "{ $.a = }"],
        vec!["match", "{ $.a = }", "-"],
        vec!["lint", "--pattern", "{ $.a = }"],
        vec!["detectors", "--config", bad],
        vec!["lint", "--config", bad],
        vec!["replay", "--config", bad],
        vec!["check", "no/such/cases.jsonl"],
        vec!["synth", "--start", "2025-13-01", "--out", "x"],
    ];
    for args in cases {
        let mut child = cwfilter()
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _ = child.stdin.take().unwrap().write_all(b"");
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert_eq!(code(&out), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("cwfilter: "), "{args:?}: {err}");
        // Config errors carry one location format: path:line:col: message.
        if args.contains(&bad) {
            assert!(
                err.starts_with(&format!("cwfilter: {bad}:2:3: ")),
                "{args:?}: {err}"
            );
        }
    }
}

// ---- lint as a CI gate -----------------------------------------------------------------------

const CW004_IAM: &str = "[CW004] iamPolicyChanges: eventName CreatePolicy, CreatePolicyVersion, DeletePolicy, DeletePolicyVersion, SetDefaultPolicyVersion are also emitted by other services (acm-pca, autoscaling, bedrock-agentcore-control, fms, iot, mediaconvert, organizations, verifiedpermissions), and nothing here scopes the pattern by eventSource\n  fix: AND the eventName conditions with `$.eventSource = \"iam.amazonaws.com\"`\n";

#[test]
fn lint_findings_on_builtin_patterns_are_notes_and_allow_deny_set_their_level() {
    let dir = TempDir::new("ergo-lint-levels");
    let cfg = dir.write("a.yaml", "alerts:\n  iamPolicyChanges: true\n");
    let cfg = cfg.to_str().unwrap();
    let lint = |extra: &[&str]| run(&[&["lint", "--config", cfg][..], extra].concat());

    // Upstream's own pattern: a note, shown, exit 0.
    let plain = lint(&[]);
    assert_eq!(stdout(&plain), format!("note{CW004_IAM}"));
    assert_eq!(stderr(&plain), "1 note\n");
    assert_eq!(code(&plain), Some(0));

    // --deny makes it count, as clippy's deny level does; code or name, any case.
    for id in ["CW004", "cw004", "unscoped-event-name"] {
        let denied = lint(&["--deny", id]);
        assert_eq!(stdout(&denied), format!("warning{CW004_IAM}"), "{id}");
        assert_eq!(stderr(&denied), "1 warning\n");
        assert_eq!(code(&denied), Some(1), "{id}");
    }

    // --allow silences it.
    let allowed = lint(&["--allow", "CW004"]);
    assert_eq!(stdout(&allowed), "");
    assert_eq!(stderr(&allowed), "");
    assert_eq!(code(&allowed), Some(0));

    // Both at once, or an unknown id: a usage error.
    let both = lint(&["--allow", "CW004", "--deny", "cw004"]);
    assert_eq!(code(&both), Some(2));
    assert_eq!(
        stderr(&both),
        "cwfilter: CW004 is given to both --allow and --deny\n"
    );
    let unknown = lint(&["--allow", "CW099"]);
    assert_eq!(code(&unknown), Some(2));
    assert!(stderr(&unknown).contains("unknown lint id \"CW099\""));

    // JSON carries the level.
    let json_out = lint(&["--format", "json"]);
    let doc: Value = serde_json::from_slice(&json_out.stdout).unwrap();
    assert_eq!(doc["warnings"][0]["id"], "CW004");
    assert_eq!(doc["warnings"][0]["level"], "note");
    assert_eq!(code(&json_out), Some(0));

    // What the config adds is the user's: CW005 on the override is a warning, while the
    // catalog's CW004 stays a note although the override changed the effective pattern.
    let over = dir.write(
        "b.yaml",
        "alerts:\n  iamPolicyChanges: true\n  overrides:\n    iamPolicyChanges:\n      excludeUserNames: [ci]\n",
    );
    let out = run(&["lint", "--config", over.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("note{CW004_IAM}")), "{text}");
    assert!(
        text.contains(
            "\nwarning[CW005] iamPolicyChanges: excludeUserNames (ci) only silences IAM users"
        ),
        "{text}"
    );
    assert_eq!(stderr(&out), "1 warning, 1 note\n");
    assert_eq!(code(&out), Some(1));

    // A pattern the user wrote is never a note, and --configs honours the levels too.
    let own = run(&["lint", "--pattern", "{ $.eventName = \"CreatePolicy\" }"]);
    assert!(
        stdout(&own).starts_with("warning[CW004]: "),
        "{}",
        stdout(&own)
    );
    assert_eq!(code(&own), Some(1));
    let many = run(&["lint", "--deny", "CW004", "--configs", cfg]);
    assert_eq!(stdout(&many), format!("{cfg}:2:3: warning{CW004_IAM}"));
    assert_eq!(stderr(&many), "1 warning in 1 config\n");
    assert_eq!(code(&many), Some(1));
    let many = run(&["lint", "--configs", cfg]);
    assert_eq!(stdout(&many), format!("{cfg}:2:3: note{CW004_IAM}"));
    assert_eq!(stderr(&many), "1 note in 1 config\n");
    assert_eq!(code(&many), Some(0));
}

#[test]
fn cw002_fix_names_the_field_with_an_example_of_its_kind() {
    let fix = |pattern: &str| {
        let out = run(&["lint", "--allow", "CW001", "--pattern", pattern]);
        assert_eq!(code(&out), Some(1));
        stdout(&out)
            .lines()
            .find_map(|l| l.strip_prefix("  fix: "))
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        fix(r#"{ $.eventName = "Create*Policy" }"#),
        r#"spell out the $.eventName value, or keep only a trailing `*` (e.g. $.eventName = "Create*")"#
    );
    assert_eq!(
        fix(r#"{ $.errorCode = "*Access*Denied" }"#),
        r#"spell out the $.errorCode value, or keep only a trailing `*` (e.g. $.errorCode = "*Access*")"#
    );
    assert_eq!(
        fix(r#"{ $.userIdentity.arn != "arn:aws:sts::*:assumed-role/X/*" }"#),
        r#"spell out the $.userIdentity.arn value, keeping only a trailing `*` (e.g. $.userIdentity.arn = "arn:aws:sts::123456789012:assumed-role/Role/*")"#
    );
}

// ---- reading the answers ---------------------------------------------------------------------

#[test]
fn missed_and_lost_incidents_are_in_time_order_and_lost_lines_carry_the_time() {
    let dir = TempDir::new("ergo-incident-order");
    // eventID order (a-late, z-early) is the reverse of time order.
    let trail = dir.write(
        "trail/t.jsonl",
        jsonl(&[
            root_login("z-early", "2025-01-06T10:00:00Z"),
            root_login("a-late", "2025-01-07T10:00:00Z"),
        ]),
    );
    let baseline = dir.write("baseline.yaml", "alerts:\n  rootAccountUsage: true\n");
    let current = dir.write("current.yaml", "alerts:\n  kmsKeyDeletion: true\n");
    let labels = dir.write(
        "labels.jsonl",
        jsonl(&[
            json!({"eventID": "a-late", "label": "malicious"}),
            json!({"eventID": "z-early", "label": "malicious"}),
        ]),
    );
    let replay = |format: &str| {
        let out = run(&[
            "replay",
            "--no-progress",
            "--format",
            format,
            "--config",
            current.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
            "--labels",
            labels.to_str().unwrap(),
            trail.to_str().unwrap(),
        ]);
        assert_eq!(code(&out), Some(0), "{}", stderr(&out));
        stdout(&out)
    };

    let text = replay("table");
    assert!(
        text.contains(
            "missed incidents (labelled malicious, no alarm): 2\n\
             \x20 z-early  2025-01-06T10:00:00Z  ConsoleLogin  arn:aws:iam::111122223333:root (Root)\n\
             \x20 a-late  2025-01-07T10:00:00Z  ConsoleLogin  arn:aws:iam::111122223333:root (Root)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "  LOST incident z-early at 2025-01-06T10:00:00Z (ConsoleLogin by arn:aws:iam::111122223333:root)\n\
             \x20 LOST incident a-late at 2025-01-07T10:00:00Z (ConsoleLogin by arn:aws:iam::111122223333:root)\n"
        ),
        "{text}"
    );

    let doc: Value = serde_json::from_str(&replay("json")).unwrap();
    let ids = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|i| i["event_id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&doc["missed_incidents"]), ["z-early", "a-late"]);
    assert_eq!(
        ids(&doc["what_if"]["lost_incidents"]),
        ["z-early", "a-late"]
    );

    for format in ["markdown", "html"] {
        let page = replay(format);
        let first = |id: &str| page.find(id).unwrap_or_else(|| panic!("{format}: {id}"));
        assert!(first("z-early") < first("a-late"), "{format}: {page}");
    }
}

#[test]
fn parse_shows_the_grouping_where_and_and_or_mix() {
    let parse = |pattern: &str| {
        let out = run(&["parse", pattern]);
        assert_eq!(code(&out), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    // `&&` binds tighter: what CloudWatch reads is now visible without --ast.
    assert_eq!(
        parse(r#"{ $.a = 1 || $.b = 2 && $.c = 3 }"#),
        "{ $.a = 1 || ($.b = 2 && $.c = 3) }\n"
    );
    assert_eq!(
        parse(r#"{$.a=1&&$.b=2||$.c=3&&$.d NOT EXISTS}"#),
        "{ ($.a = 1 && $.b = 2) || ($.c = 3 && $.d NOT EXISTS) }\n"
    );
    assert_eq!(
        parse(r#"{ ($.a = 1 || $.b = 2) && $.c = 3 }"#),
        "{ ($.a = 1 || $.b = 2) && $.c = 3 }\n"
    );
    // One operator alone needs no parentheses; a delimited slot follows the same rule.
    assert_eq!(
        parse(r#"{ $.a = 1 && $.b = 2 && $.c = 3 }"#),
        "{ $.a = 1 && $.b = 2 && $.c = 3 }\n"
    );
    assert_eq!(
        parse(r#"[a, b = 1 || b > 5 && b < 9]"#),
        "[a, b = 1 || (b > 5 && b < 9)]\n"
    );
    // The printed form reads back as the same tree, and prints the same.
    let once = parse(r#"{ $.a = 1 || $.b = 2 && $.c = 3 }"#);
    assert_eq!(parse(once.trim_end()), once);
}

#[test]
fn explain_indents_by_the_tree_notes_absent_fields_and_narrows_to_one_event_id() {
    let dir = TempDir::new("ergo-explain");
    let trail = trail(&dir);
    let pattern = r#"{ $.eventName = "ConsoleLogin" && ($.userIdentity.userName != "bot" || $.errorCode > 3) }"#;
    let out = run(&["match", "--explain", "--event-id", "r2", pattern, &trail]);
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "==> {trail}:3\n\
             NO MATCH\n\
             \x20 false &&  (all of)\n\
             \x20   true  $.eventName = \"ConsoleLogin\"  found: string \"ConsoleLogin\"\n\
             \x20   false ||  (any of)\n\
             \x20     false $.userIdentity.userName != \"bot\"  found: absent\n\
             \x20           note: $.userIdentity.userName is absent, so CloudWatch finds this test false; with the NOT EXISTS guard it holds: (($.userIdentity.userName NOT EXISTS) || ($.userIdentity.userName != \"bot\"))\n\
             \x20     false $.errorCode > 3  found: absent\n\
             \x20           note: $.errorCode is absent, so CloudWatch finds this test false; with the NOT EXISTS guard it holds: (($.errorCode NOT EXISTS) || ($.errorCode > 3))\n"
        )
    );
    assert_eq!(stderr(&out), "");

    // Guarded already: no note. A field that is present: no note either.
    let guarded =
        r#"{ ($.userIdentity.userName NOT EXISTS) || ($.userIdentity.userName != "bot") }"#;
    let out = run(&["match", "--explain", "--event-id", "d1", guarded, &trail]);
    assert_eq!(
        stdout(&out),
        format!(
            "==> {trail}:2\n\
             MATCH\n\
             \x20 true  ||  (any of)\n\
             \x20   false $.userIdentity.userName NOT EXISTS  found: string \"alice\"\n\
             \x20   true  $.userIdentity.userName != \"bot\"  found: string \"alice\"\n"
        )
    );
    let out = run(&["match", "--explain", "--event-id", "r1", guarded, &trail]);
    assert!(!stdout(&out).contains("note:"), "{}", stdout(&out));
    assert!(stdout(&out).starts_with(&format!("==> {trail}:1\nMATCH\n")));

    // An eventID no record has: said on stderr, nothing selected.
    let out = run(&["match", "--explain", "--event-id", "nope", pattern, &trail]);
    assert_eq!(code(&out), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "cwfilter: no record with eventID \"nope\" in the inputs\n"
    );
    // It narrows any match, not only --explain.
    let out = run(&[
        "match",
        "-c",
        "--event-id",
        "r1",
        "{ $.eventName = * }",
        &trail,
    ]);
    assert_eq!(stdout(&out), "1\n");
}

#[test]
fn one_location_format_for_configs_labels_case_files_and_trail_records() {
    let dir = TempDir::new("ergo-locations");
    let at = |rel: &str, text: &str| dir.write(rel, text).to_str().unwrap().to_owned();
    let err_of = |args: &[&str]| {
        let out = run(args);
        assert_eq!(code(&out), Some(2), "{args:?}: {}", stderr(&out));
        stderr(&out)
    };

    // A tab in a YAML indentation: reported once, at the tab, with the position given once.
    let tab = at(
        "tab.yaml",
        "alerts:\n  rootAccountUsage: true\n  overrides:\n    rootAccountUsage:\n\t  threshold: 2\n",
    );
    let expected = format!(
        "cwfilter: {tab}:5:1: invalid YAML: tabs disallowed within this context (block indentation)\n  help: YAML indents with spaces only: replace the tab with spaces\n"
    );
    assert_eq!(err_of(&["detectors", "--config", &tab]), expected);
    assert_eq!(err_of(&["lint", "--config", &tab]), expected);
    assert_eq!(err_of(&["replay", "--config", &tab]), expected);
    // A tab the scanner meets lines after the scalar it was reading: still the tab's place.
    let later = at(
        "later.yaml",
        "alerts:\n  rootAccountUsage: true\n\n\tx: 1\n",
    );
    assert!(
        err_of(&["detectors", "--config", &later])
            .starts_with(&format!("cwfilter: {later}:4:1: invalid YAML: ")),
        "{later}"
    );

    // A deployed-config JSON file, leading blank lines and all.
    let json = at(
        "filters.json",
        "\n  {\"metricFilters\": [\n  {\"a\": }\n]}\n",
    );
    assert_eq!(
        err_of(&["detectors", "--config", &json]),
        format!("cwfilter: {json}:3:9: malformed JSON: expected value\n")
    );

    // Labels: the column of the bad value; a contradiction: the line.
    let trail = trail(&dir);
    let labels = at(
        "labels.jsonl",
        "{\"eventID\": \"r1\", \"label\": \"malicious\"}\n{\"eventID\": \"r2\", \"label\": \"evil\"}\n",
    );
    assert_eq!(
        err_of(&["replay", "--labels", &labels, &trail]),
        format!("cwfilter: {labels}:2:33: expected {{\"eventID\": \"...\", \"label\": \"malicious\"|\"benign\"}}: unknown variant `evil`, expected `malicious` or `benign`\n")
    );
    let twice = at(
        "twice.jsonl",
        "{\"eventID\": \"r1\", \"label\": \"malicious\"}\n{\"eventID\": \"r1\", \"label\": \"benign\"}\n",
    );
    assert_eq!(
        err_of(&["replay", "--labels", &twice, &trail]),
        format!("cwfilter: {twice}:2:1: eventID \"r1\" is labelled both malicious and benign\n")
    );

    // Case files.
    let cases = at(
        "cases.jsonl",
        "{\"id\": \"a\", \"pattern\": \"{ $.a = 1 }\", \"event\": {\"a\": 1}, \"expect\": true}\n{\"id\": \"b\", \"pattern\": 3}\n",
    );
    assert!(err_of(&["check", &cases]).starts_with(&format!(
        "cwfilter: {cases}:2:1: case b: \"pattern\" must be a string\n"
    )));
    let broken = at("broken.jsonl", "{\"id\": \"a\", }\n");
    assert!(
        err_of(&["check", &broken]).starts_with(&format!("cwfilter: {broken}:1:13: not JSON: "))
    );

    // Trail records: on stderr and in the report.
    let bad = at(
        "bad/t.jsonl",
        "{\"eventID\": \"x\", \"eventTime\": \"2025-01-01T00:00:00Z\"}\n{bad\n",
    );
    let out = run(&["replay", "--no-progress", &bad]);
    assert_eq!(code(&out), Some(2));
    assert_eq!(
        stderr(&out),
        format!("cwfilter: {bad}:2:2: invalid JSON: key must be a string\n")
    );
    assert!(
        stdout(&out).contains(&format!(
            "  {bad}:2:2: invalid JSON: key must be a string\n"
        )),
        "{}",
        stdout(&out)
    );
}

#[test]
fn the_progress_bar_shows_what_the_guide_says() {
    let dir = TempDir::new("ergo-progress");
    for (i, day) in ["06", "07", "08"].iter().enumerate() {
        dir.write(
            &format!("trail/{i}.jsonl"),
            jsonl(&[root_login(
                &format!("r{i}"),
                &format!("2025-01-{day}T10:00:00Z"),
            )]),
        );
    }
    let trail = dir.join("trail");
    let out = dir.join("report.json");
    let (status, text) = on_terminal(&format!(
        "replay --format json -o {} {}",
        out.display(),
        trail.display()
    ));
    assert_eq!(status, Some(0), "{text}");
    // docs/guide.md: "the time elapsed, files done of all, events read, MB/s of decompressed
    // data and the time left".
    assert!(text.contains("[00:00:0"), "{text:?}");
    assert!(text.contains("0/3 files, 0 events, 0.0 MB/s, "), "{text:?}");
    assert!(text.contains(" left"), "{text:?}");
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/guide.md"))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        guide.contains("a progress bar on stderr shows the time elapsed, files done of all, events read, MB/s of decompressed data and the time left"),
        "the guide describes the bar"
    );
    // --no-progress: no bar, even on a terminal.
    let (status, text) = on_terminal(&format!(
        "replay --no-progress --format json -o {} {}",
        out.display(),
        trail.display()
    ));
    assert_eq!(status, Some(0), "{text}");
    assert!(!text.contains(" files, "), "{text:?}");
}
