//! `cwfilter test-metric-filter` against what AWS documents for `aws logs test-metric-filter`
//! and the TestMetricFilter API (tests/data/aws-cli/README.md says where each file comes from).

use std::collections::BTreeMap;
use std::process::{Command, Output};

use serde_json::Value;

fn cwfilter(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cwfilter"))
        .args(args)
        .output()
        .expect("run cwfilter")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/aws-cli/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const CLI_EXAMPLE: [&str; 7] = [
    "test-metric-filter",
    "--filter-pattern",
    "ERROR",
    "--log-event-messages",
    "[ERROR] 400 BAD REQUEST",
    "[ERROR] 400 BAD REQUEST",
    "[INFO] 200 OK",
];

#[test]
fn cli_reference_example_is_byte_identical() {
    let o = cwfilter(&CLI_EXAMPLE);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), data("test-metric-filter-example.json"));
    assert_eq!(stderr(&o), "");
}

#[test]
fn cli_input_json_gives_the_same_answer_inline_and_from_a_file() {
    let request = r#"{"filterPattern": "ERROR", "logEventMessages": ["[ERROR] 400 BAD REQUEST", "[ERROR] 400 BAD REQUEST", "[INFO] 200 OK"]}"#;
    let inline = cwfilter(&["test-metric-filter", "--cli-input-json", request]);
    assert_eq!(stdout(&inline), data("test-metric-filter-example.json"));

    let dir = std::env::temp_dir().join(format!("cwfilter-tmf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("request.json");
    std::fs::write(&file, request).unwrap();
    let arg = format!("file://{}", file.display());
    let from_file = cwfilter(&["test-metric-filter", "--cli-input-json", &arg]);
    assert_eq!(from_file.status.code(), Some(0), "{}", stderr(&from_file));
    assert_eq!(stdout(&from_file), data("test-metric-filter-example.json"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn flags_override_cli_input_json() {
    let o = cwfilter(&[
        "test-metric-filter",
        "--cli-input-json",
        r#"{"filterPattern": "INFO", "logEventMessages": ["[INFO] 200 OK"]}"#,
        "--filter-pattern",
        "ERROR",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "{\n    \"matches\": []\n}\n");
}

/// The API reference's samples, by value: the same messages match, with the same extracted
/// key/value pairs. The samples number events from 0 where the CLI example and the service
/// number them from 1, so the expected numbers are shifted by one.
///
/// One sample disagrees with the library: it shows `[]` (no fields) matching every message
/// and extracting `$1`..`$7`, while the library (docs/semantics.md A30) matches every message
/// and extracts nothing. That reading belongs to the evaluator, not to this command; the test
/// checks the matches and pins the extraction disagreement so a change on either side is
/// noticed.
#[test]
fn api_reference_examples_match_by_value() {
    let doc: Value = serde_json::from_str(&data("test-metric-filter-api-examples.json")).unwrap();
    let examples = doc["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 6);
    for ex in examples {
        let pattern = ex["request"]["filterPattern"].as_str().unwrap();
        let mut args = vec![
            "test-metric-filter".to_owned(),
            "--filter-pattern".to_owned(),
            pattern.to_owned(),
            "--log-event-messages".to_owned(),
        ];
        for m in ex["request"]["logEventMessages"].as_array().unwrap() {
            args.push(m.as_str().unwrap().to_owned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = cwfilter(&args);
        assert_eq!(o.status.code(), Some(0), "{pattern}: {}", stderr(&o));
        let got: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let norm = |matches: &Value, shift: u64| -> Vec<(u64, String, BTreeMap<String, String>)> {
            matches
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    let values = m["extractedValues"]
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                        .collect();
                    (
                        m["eventNumber"].as_u64().unwrap() + shift,
                        m["eventMessage"].as_str().unwrap().to_owned(),
                        values,
                    )
                })
                .collect()
        };
        let mut want = norm(&ex["response"]["matches"], 1);
        if pattern == "[]" {
            for (_, _, values) in &mut want {
                assert_eq!(values.len(), 7, "the sample extracts $1..$7");
                values.clear();
            }
        }
        assert_eq!(norm(&got["matches"], 0), want, "{}", ex["title"]);
    }
}

#[test]
fn space_delimited_values_come_in_message_order() {
    let o = cwfilter(&[
        "test-metric-filter",
        "--filter-pattern",
        "[ip, user, ...]",
        "--log-event-messages",
        "127.0.0.1 frank GET 200",
    ]);
    assert_eq!(
        stdout(&o),
        r#"{
    "matches": [
        {
            "eventNumber": 1,
            "eventMessage": "127.0.0.1 frank GET 200",
            "extractedValues": {
                "$ip": "127.0.0.1",
                "$user": "frank",
                "$3": "GET",
                "$4": "200"
            }
        }
    ]
}
"#
    );
}

#[test]
fn json_keeps_non_ascii_and_escapes_controls_as_python_does() {
    let o = cwfilter(&[
        "test-metric-filter",
        "--filter-pattern",
        "",
        "--log-event-messages",
        "caf\u{e9}\t\u{1}",
    ]);
    assert!(
        stdout(&o).contains(r#""eventMessage": "café\t\u0001","#),
        "{}",
        stdout(&o)
    );
}

#[test]
fn text_output_is_the_aws_cli_text_format() {
    let mut args = CLI_EXAMPLE.to_vec();
    args.extend(["--output", "text"]);
    let o = cwfilter(&args);
    assert_eq!(
        stdout(&o),
        "MATCHES\t[ERROR] 400 BAD REQUEST\t1\nMATCHES\t[ERROR] 400 BAD REQUEST\t2\n"
    );
    let o = cwfilter(&[
        "test-metric-filter",
        "--filter-pattern",
        "[a, b]",
        "--log-event-messages",
        "x y",
        "--output",
        "text",
    ]);
    assert_eq!(stdout(&o), "MATCHES\tx y\t1\nEXTRACTEDVALUES\tx\ty\n");
}

#[test]
fn yaml_output_sorts_keys_and_quotes_like_the_aws_cli() {
    let mut args = CLI_EXAMPLE.to_vec();
    args.extend(["--output", "yaml"]);
    let o = cwfilter(&args);
    assert_eq!(
        stdout(&o),
        "matches:\n\
         - eventMessage: '[ERROR] 400 BAD REQUEST'\n  eventNumber: 1\n  extractedValues: {}\n\
         - eventMessage: '[ERROR] 400 BAD REQUEST'\n  eventNumber: 2\n  extractedValues: {}\n"
    );
    let o = cwfilter(&[
        "test-metric-filter",
        "--filter-pattern",
        "[code, ...]",
        "--log-event-messages",
        "404 it's here",
        "--output",
        "yaml",
    ]);
    assert_eq!(
        stdout(&o),
        "matches:\n- eventMessage: 404 it's here\n  eventNumber: 1\n  extractedValues:\n    \
         $2: it's\n    $3: here\n    $code: '404'\n"
    );
}

#[test]
fn table_output_is_the_aws_cli_table() {
    let mut args = CLI_EXAMPLE.to_vec();
    args.extend(["--output", "table"]);
    let o = cwfilter(&args);
    // Computed with awscli/table.py's rules: the widths 23+4 and 11+4 scale to the 44 columns
    // inside the indentation; a list element with nested values repeats its section title.
    let expected = "\
----------------------------------------------
|              TestMetricFilter              |
+--------------------------------------------+
||                  matches                 ||
|+--------------------------+---------------+|
||       eventMessage       |  eventNumber  ||
|+--------------------------+---------------+|
||  [ERROR] 400 BAD REQUEST |  1            ||
|+--------------------------+---------------+|
||                  matches                 ||
|+--------------------------+---------------+|
||       eventMessage       |  eventNumber  ||
|+--------------------------+---------------+|
||  [ERROR] 400 BAD REQUEST |  2            ||
|+--------------------------+---------------+|
";
    assert_eq!(stdout(&o), expected);
}

#[test]
fn invalid_pattern_is_the_aws_cli_service_error_then_the_diagnostic() {
    let o = cwfilter(&[
        "test-metric-filter",
        "--filter-pattern",
        "{ $.errorCode IS NOT NULL }",
        "--log-event-messages",
        "x",
    ]);
    assert_eq!(o.status.code(), Some(254));
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert!(
        err.starts_with(
            "\nAn error occurred (InvalidParameterException) when calling the TestMetricFilter \
             operation: Invalid metric filter pattern\nerror: IS NOT is not supported at line 1 \
             column 15\n"
        ),
        "{err}"
    );
    assert!(err.contains('^'), "{err}");
}

#[test]
fn over_the_service_limits_warns_then_answers() {
    let messages: Vec<String> = (1..=51).map(|i| format!("ERROR {i}")).collect();
    let mut args = vec![
        "test-metric-filter",
        "--filter-pattern",
        "ERROR",
        "--log-event-messages",
    ];
    args.extend(messages.iter().map(String::as_str));
    let o = cwfilter(&args);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("the service would reject this call: logEventMessages has 51 items"),
        "{}",
        stderr(&o)
    );
    let got: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(got["matches"].as_array().unwrap().len(), 51);
    assert_eq!(got["matches"][50]["eventNumber"], 51);

    // Too long for one command-line argument: the request goes through a file.
    let big = format!("ERROR {}", "x".repeat(300_000));
    let dir = std::env::temp_dir().join(format!("cwfilter-tmf-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("request.json");
    let request = serde_json::json!({"filterPattern": "ERROR", "logEventMessages": [big]});
    std::fs::write(&file, request.to_string()).unwrap();
    let arg = format!("file://{}", file.display());
    let o = cwfilter(&["test-metric-filter", "--cli-input-json", &arg]);
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        stderr(&o).contains("message 1 is 300006 bytes"),
        "{}",
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn missing_request_parameters_are_a_usage_error() {
    let o = cwfilter(&["test-metric-filter", "--filter-pattern", "ERROR"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--log-event-messages"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_documents_the_exit_status_difference() {
    let o = cwfilter(&["test-metric-filter", "--help"]);
    let help = stdout(&o);
    assert!(help.contains("254"), "{help}");
    assert!(help.contains("0/1/2"), "{help}");
}
