//! The CloudTrail reader over real fixtures (tests/fixtures/trail, from stratus-red-team).

use std::io::Write;
use std::path::{Path, PathBuf};

use cwfilter::trail::reader::{
    discover, read_from, read_input_to_vec, Input, OwnedItem, Position, ReadOptions,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/trail")
        .join(name)
}

fn read(name: &str) -> Vec<OwnedItem> {
    read_input_to_vec(&Input::File(fixture(name)), &ReadOptions::default()).0
}

fn event_names(items: &[OwnedItem]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            OwnedItem::Record { text, .. } => {
                let v: serde_json::Value = serde_json::from_str(text).expect("record is JSON");
                Some(v["eventID"].as_str().expect("eventID").to_string())
            }
            _ => None,
        })
        .collect()
}

fn errors(items: &[OwnedItem]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            OwnedItem::Error(e) => Some(e.to_string()),
            _ => None,
        })
        .collect()
}

fn positions(items: &[OwnedItem]) -> Vec<Position> {
    items
        .iter()
        .filter_map(|i| match i {
            OwnedItem::Record { position, .. } => Some(*position),
            _ => None,
        })
        .collect()
}

/// The three fixture records' eventIDs, from the JSON Lines file.
fn expected_ids() -> Vec<String> {
    let ids = event_names(&read("lines.jsonl"));
    assert_eq!(ids.len(), 3);
    ids
}

const DAY30: &str =
    "s3/AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/30/111122223333_CloudTrail_us-east-1_20240730T2140Z_aaaa.json.gz";

#[test]
fn every_format_yields_the_same_records() {
    let ids = expected_ids();
    for name in [
        DAY30,
        "s3/AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/30/111122223333_CloudTrail_us-east-1_20240730T2145Z_bbbb.json",
        "pretty.json",
        "array.json",
        "filter_log_events.json",
        "lookup_events.json",
        "multi_member.jsonl.gz",
    ] {
        let items = read(name);
        assert_eq!(errors(&items), Vec::<String>::new(), "{name}");
        assert_eq!(event_names(&items), ids, "{name}");
    }
    assert_eq!(event_names(&read("single.json")), ids[..1].to_vec());
}

#[test]
fn records_are_the_raw_text_of_the_input() {
    let lines = std::fs::read_to_string(fixture("lines.jsonl")).unwrap();
    let items = read(DAY30);
    let texts: Vec<&str> = items
        .iter()
        .filter_map(|i| match i {
            OwnedItem::Record { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, lines.lines().collect::<Vec<_>>());
}

#[test]
fn positions_name_lines_and_indexes() {
    let one = |line, index| Position {
        line: Some(line),
        index,
    };
    assert_eq!(
        positions(&read("lines.jsonl")),
        vec![one(1, None), one(2, None), one(3, None)]
    );
    // Compact S3 object: one line, array indexes.
    assert_eq!(
        positions(&read(DAY30)),
        vec![one(1, Some(0)), one(1, Some(1)), one(1, Some(2))]
    );
    // Pretty-printed: each record starts on its own line.
    let pretty = positions(&read("pretty.json"));
    assert_eq!(pretty.len(), 3);
    assert_eq!(pretty[0], one(3, Some(0)));
    assert!(pretty[1].line > pretty[0].line && pretty[2].line > pretty[1].line);
    assert_eq!(positions(&read("single.json")), vec![one(1, None)]);
}

#[test]
fn bad_json_lines_are_reported_and_reading_goes_on() {
    let items = read("lines_with_errors.jsonl");
    assert_eq!(event_names(&items), expected_ids());
    let errs = errors(&items);
    assert_eq!(errs.len(), 3, "{errs:#?}");
    let path = fixture("lines_with_errors.jsonl").display().to_string();
    assert_eq!(
        errs[0],
        format!("{path}:3:1: line is not a JSON object record")
    );
    assert!(errs[1].starts_with(&format!("{path}:4:")), "{}", errs[1]);
    assert!(errs[1].contains("EOF while parsing"), "{}", errs[1]);
    assert_eq!(
        errs[2],
        format!("{path}:6:1: line is not a JSON object record")
    );
    assert_eq!(
        positions(&items).iter().map(|p| p.line).collect::<Vec<_>>(),
        vec![Some(1), Some(5), Some(7)]
    );
}

#[test]
fn a_broken_first_line_does_not_hide_the_rest_of_a_json_lines_file() {
    let dir = tempdir("broken_first");
    let lines = std::fs::read_to_string(fixture("lines.jsonl")).unwrap();
    let path = dir.join("f.jsonl");
    std::fs::write(&path, format!("{{\"eventName\": \"Tru\n{lines}")).unwrap();
    let items = read_input_to_vec(&Input::File(path), &ReadOptions::default()).0;
    assert_eq!(event_names(&items), expected_ids());
    assert_eq!(errors(&items).len(), 1);
    assert_eq!(
        positions(&items).iter().map(|p| p.line).collect::<Vec<_>>(),
        vec![Some(2), Some(3), Some(4)]
    );
}

#[test]
fn truncated_json_document_is_an_error_with_position() {
    let items = read("truncated.json");
    assert_eq!(event_names(&items), Vec::<String>::new());
    let errs = errors(&items);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].contains("truncated.json:1:"), "{}", errs[0]);
    assert!(errs[0].contains("EOF while parsing"), "{}", errs[0]);
}

#[test]
fn corrupt_and_truncated_gzip_are_errors() {
    for name in ["corrupt.jsonl.gz", "truncated.jsonl.gz"] {
        let items = read(name);
        let errs = errors(&items);
        assert_eq!(errs.len(), 1, "{name}: {errs:?}");
        assert!(errs[0].contains(name), "{}", errs[0]);
    }
    // Records before the damage are still delivered.
    assert!(event_names(&read("corrupt.jsonl.gz")).len() < 120);
}

#[test]
fn invalid_utf8_is_an_error_with_its_column() {
    let items = read("invalid_utf8.jsonl");
    let ids = expected_ids();
    assert_eq!(event_names(&items), vec![ids[0].clone(), ids[2].clone()]);
    let path = fixture("invalid_utf8.jsonl").display().to_string();
    assert_eq!(errors(&items), vec![format!("{path}:2:61: invalid UTF-8")]);
    // In a whole document the position is a line and column too.
    let dir = tempdir("utf8doc");
    let doc = dir.join("doc.json");
    std::fs::write(&doc, b"{\n  \"Records\": [\n  {\"a\": \"\xff\"}]}").unwrap();
    let items = read_input_to_vec(&Input::File(doc.clone()), &ReadOptions::default()).0;
    assert_eq!(
        errors(&items),
        vec![format!("{}:3:10: invalid UTF-8", doc.display())]
    );
}

#[test]
fn oversize_records_are_counted_not_yielded() {
    let dir = tempdir("oversize");
    let path = dir.join("big.jsonl");
    let pad = "x".repeat(262_144);
    let big = format!(r#"{{"eventName":"PutObject","pad":"{pad}"}}"#);
    // Exactly at the limit is delivered.
    let exact = format!(
        r#"{{"eventName":"X","pad":"{}"}}"#,
        "y".repeat(262_144 - 26)
    );
    assert_eq!(exact.len(), 262_144);
    std::fs::write(&path, format!("{{\"a\":1}}\n{big}\n{exact}\n")).unwrap();
    let (items, stats) = read_input_to_vec(&Input::File(path), &ReadOptions::default());
    assert_eq!(stats.records, 2);
    assert_eq!(stats.oversize, 1);
    assert_eq!(
        items[1],
        OwnedItem::Oversize {
            bytes: big.len(),
            position: Position {
                line: Some(2),
                index: None
            }
        }
    );
    // Pretty-printing whitespace does not count: CloudWatch receives compact JSON.
    let pretty = dir.join("pretty.json");
    let spaced = format!(
        "{{\n{}\"a\": \"{}\"\n}}",
        " ".repeat(100),
        "z".repeat(262_000)
    );
    std::fs::write(&pretty, &spaced).unwrap();
    let (_, stats) = read_input_to_vec(&Input::File(pretty), &ReadOptions::default());
    assert_eq!((stats.records, stats.oversize), (1, 0));
}

#[test]
fn gzip_bomb_stops_at_the_limit() {
    let dir = tempdir("bomb");
    let path = dir.join("bomb.json.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::fast(),
    );
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..3 {
        enc.write_all(&zeros).unwrap();
    }
    enc.finish().unwrap();
    let opts = ReadOptions {
        max_file_bytes: 1 << 20,
        ..ReadOptions::default()
    };
    let (items, stats) = read_input_to_vec(&Input::File(path), &opts);
    let errs = errors(&items);
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].contains("larger than 1048576 bytes after decompression"),
        "{}",
        errs[0]
    );
    assert!(stats.bytes <= 1 << 20);
}

#[test]
fn long_lines_over_the_buffer_limit_are_skipped() {
    let dir = tempdir("longline");
    let path = dir.join("f.jsonl");
    let long = format!(r#"{{"pad":"{}"}}"#, "q".repeat(5000));
    std::fs::write(&path, format!("{{\"a\":1}}\n{long}\n{{\"b\":2}}\n")).unwrap();
    let opts = ReadOptions {
        max_buffer_bytes: 1000,
        ..ReadOptions::default()
    };
    let (items, stats) = read_input_to_vec(&Input::File(path), &opts);
    assert_eq!(stats.records, 2);
    let errs = errors(&items);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].contains(":2:1: line of 5011 bytes"), "{}", errs[0]);
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 200_000;
    let text = format!("{{\"a\":{}1{}}}\n", "[".repeat(depth), "]".repeat(depth));
    let mut items = Vec::new();
    read_from("deep", text.as_bytes(), &ReadOptions::default(), &mut |i| {
        items.push(OwnedItem::from(i))
    });
    // Too big to be delivered to CloudWatch, and no crash on the way.
    assert!(matches!(items[..], [OwnedItem::Oversize { .. }]));
    let unclosed = "[".repeat(depth);
    let mut items = Vec::new();
    read_from(
        "deep",
        unclosed.as_bytes(),
        &ReadOptions::default(),
        &mut |i| items.push(OwnedItem::from(i)),
    );
    assert_eq!(errors(&items).len(), 1);
}

#[test]
fn stdin_stream_is_read_like_a_file() {
    // Standard input is an unseekable stream: read gzip from a plain reader.
    let gz = std::fs::read(fixture(DAY30)).unwrap();
    let mut items = Vec::new();
    let stats = read_from("<stdin>", &gz[..], &ReadOptions::default(), &mut |i| {
        items.push(OwnedItem::from(i))
    });
    assert_eq!(stats.records, 3);
    assert_eq!(event_names(&items), expected_ids());
    assert_eq!(Input::from_arg(Path::new("-")), Input::Stdin);
    assert_eq!(Input::Stdin.to_string(), "<stdin>");
}

#[test]
fn directories_are_walked_in_sorted_order_and_digests_skipped() {
    let root = fixture("s3");
    let found = discover(std::slice::from_ref(&root), &|_| true);
    assert!(found.errors.is_empty());
    let names: Vec<String> = found
        .inputs
        .iter()
        .map(|i| match i {
            Input::File(p) => p.strip_prefix(&root).unwrap().display().to_string(),
            other => other.to_string(),
        })
        .collect();
    assert_eq!(
        names,
        vec![
            "AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/29/111122223333_CloudTrail_us-east-1_20240729T0000Z_cccc.json.gz",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/30/111122223333_CloudTrail_us-east-1_20240730T2140Z_aaaa.json.gz",
            "AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/30/111122223333_CloudTrail_us-east-1_20240730T2145Z_bbbb.json",
        ]
    );
    // Key pruning: only day 30.
    let window = cwfilter::trail::time::TimeWindow {
        since: cwfilter::trail::time::parse_date_or_time("2024-07-30"),
        until: None,
    };
    let pruned = discover(&[root, PathBuf::from("-"), fixture("missing")], &|p| {
        window.may_hold_s3_key(p)
    });
    assert_eq!(pruned.inputs.len(), 3);
    assert_eq!(pruned.inputs[2], Input::Stdin);
    assert_eq!(pruned.pruned, 1);
    assert_eq!(pruned.errors.len(), 1);
    assert!(pruned.errors[0].path.ends_with("missing"));
}

#[test]
fn unreadable_file_is_an_error() {
    let (items, stats) = read_input_to_vec(
        &Input::File(fixture("does-not-exist.json")),
        &ReadOptions::default(),
    );
    assert_eq!(stats.errors, 1);
    assert!(errors(&items)[0].contains("does-not-exist.json: "));
}

#[test]
fn envelopes_with_bad_members_report_each_member() {
    let text = r#"{"Records":[{"a":1}, 7, {"b":2}]}
{"events":[{"message":"not json"},{"message":"{\"c\":3}"},{"timestamp":1}]}
{"Events":[{"CloudTrailEvent":"[1]"}]}
{"Records": 5}
"#;
    let mut items = Vec::new();
    read_from(
        "mixed",
        text.as_bytes(),
        &ReadOptions::default(),
        &mut |i| items.push(OwnedItem::from(i)),
    );
    let texts: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            OwnedItem::Record { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, vec![r#"{"a":1}"#, r#"{"b":2}"#, r#"{"c":3}"#]);
    let errs = errors(&items);
    assert_eq!(errs.len(), 5, "{errs:#?}");
    assert_eq!(errs[0], "mixed:1[1]: record is not a JSON object");
    assert!(errs[1].starts_with("mixed:2[0]: `message` is not valid JSON"));
    assert_eq!(errs[2], "mixed:2[2]: event has no `message` string");
    assert_eq!(
        errs[3],
        "mixed:3[0]: `CloudTrailEvent` is not a JSON object record"
    );
    assert!(errs[4].starts_with("mixed:4:1: `Records` is not an array"));
}

use crate::support::TempDir;

fn tempdir(tag: &str) -> TempDir {
    TempDir::new(&format!("reader-{tag}"))
}

#[test]
fn event_time_is_read_from_raw_text() {
    use cwfilter::trail::reader::record_event_time;
    assert_eq!(
        record_event_time(r#"{"eventName":"X","eventTime":"2023-07-10T11:42:18Z"}"#),
        Some(1_688_989_338)
    );
    assert_eq!(
        record_event_time(r#"{"eventTime":"2025-03-26 17:22:33.000000000"}"#),
        Some(1_743_009_753)
    );
    assert_eq!(
        record_event_time(r#"{"eventTime":"\u0032023-07-10T11:42:18Z"}"#),
        Some(1_688_989_338)
    );
    assert_eq!(record_event_time(r#"{"eventTime":12}"#), None);
    assert_eq!(
        record_event_time(r#"{"@timestamp":"2023-07-10T11:42:18Z"}"#),
        None
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn check(bytes: &[u8]) {
        let opts = ReadOptions {
            max_event_bytes: 4096,
            ..ReadOptions::default()
        };
        read_from("prop", bytes, &opts, &mut |item| {
            if let cwfilter::trail::reader::Item::Record { text, .. } = item {
                // Whatever the reader calls a record is one JSON object.
                let v: serde_json::Value = serde_json::from_str(text).expect("record parses");
                assert!(v.is_object());
                assert!(text.len() <= 4096);
            }
        });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            check(&bytes);
        }

        #[test]
        fn damaged_fixtures(which in 0usize..4, cut in any::<prop::sample::Index>(),
                            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4)) {
            let name = ["lines.jsonl", "pretty.json", "filter_log_events.json", DAY30][which];
            let mut bytes = std::fs::read(fixture(name)).unwrap();
            for (at, b) in flips {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
            let end = cut.index(bytes.len() + 1);
            check(&bytes[..end]);
        }
    }
}

#[test]
fn binary_files_get_one_error() {
    let mut zip = b"PK\x03\x04\x14\x00\x00\x00".to_vec();
    zip.extend(std::iter::repeat_n(b"\n\xff\xfe{}\n".iter().copied(), 50).flatten());
    let mut items = Vec::new();
    read_from("a.zip", &zip[..], &ReadOptions::default(), &mut |i| {
        items.push(OwnedItem::from(i))
    });
    assert_eq!(errors(&items), vec!["a.zip: a zip archive; unzip it first"]);
    let mut items = Vec::new();
    let binary = b"\x00\x01\x02{\"a\":1}\n{\"b\":2}\n";
    read_from("bin", &binary[..], &ReadOptions::default(), &mut |i| {
        items.push(OwnedItem::from(i))
    });
    assert_eq!(
        errors(&items),
        vec!["bin:1:1: not UTF-8 text (binary data?); file skipped"]
    );
    assert_eq!(items.len(), 1);
}

#[test]
fn a_one_line_array_is_a_document_of_records() {
    // Regression: a JSON array on one line (as the Cribl capture is) was read as one bad
    // JSON Lines line instead of as records.
    let text = "[{\"a\":1},{\"b\":2}]\n[{\"c\":3}]";
    let mut items = Vec::new();
    read_from("arr", text.as_bytes(), &ReadOptions::default(), &mut |i| {
        items.push(OwnedItem::from(i))
    });
    assert_eq!(errors(&items), Vec::<String>::new());
    assert_eq!(
        positions(&items),
        vec![
            Position {
                line: Some(1),
                index: Some(0)
            },
            Position {
                line: Some(1),
                index: Some(1)
            },
            Position {
                line: Some(2),
                index: Some(0)
            },
        ]
    );
}

#[test]
fn plain_lines_starting_with_a_bracket_stay_lines() {
    // Regression: `[ERROR] ...` log lines were taken for the start of a JSON array.
    let opts = ReadOptions {
        plain_lines: true,
        ..ReadOptions::default()
    };
    let mut items = Vec::new();
    read_from(
        "log",
        &b"[ERROR 400] BAD\n{\"a\":1}\n"[..],
        &opts,
        &mut |i| items.push(OwnedItem::from(i)),
    );
    let texts: Vec<String> = items
        .iter()
        .map(|i| match i {
            OwnedItem::Record { text, .. } => text.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(texts, vec!["[ERROR 400] BAD", "{\"a\":1}"]);
}

/// `cwfilter match` reads JSON Lines with `plain_lines`, where record lines are yielded
/// without a syntax check; envelopes (even with an escaped key) must still be split, and a
/// broken line must come out as the same plain message as before.
#[test]
fn plain_lines_fast_path_keeps_envelopes_and_broken_lines() {
    let text = concat!(
        "{\"eventName\":\"A\"}\n",
        "{\"Records\":[{\"eventName\":\"B\"},{\"eventName\":\"C\"}]}\n",
        "{\"\\u0052ecords\":[{\"eventName\":\"D\"}]}\n",
        "{\"events\":[{\"message\":\"{\\\"eventName\\\":\\\"E\\\"}\"}]}\n",
        "{\"eventName\":\"F\" broken}\r\n",
        "  {\"eventName\":\"G\"}  \n",
    );
    let opts = ReadOptions {
        plain_lines: true,
        ..ReadOptions::default()
    };
    let mut texts = Vec::new();
    read_from("mem", text.as_bytes(), &opts, &mut |i| {
        if let OwnedItem::Record { text, .. } = OwnedItem::from(i) {
            texts.push(text)
        }
    });
    assert_eq!(
        texts,
        [
            r#"{"eventName":"A"}"#,
            r#"{"eventName":"B"}"#,
            r#"{"eventName":"C"}"#,
            r#"{"eventName":"D"}"#,
            r#"{"eventName":"E"}"#,
            r#"{"eventName":"F" broken}"#,
            r#"{"eventName":"G"}"#,
        ]
    );
}
