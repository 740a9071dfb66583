//! The streaming splitter (`stream_above`) against the buffered reader it replaces for large
//! objects: the same items, positions and statistics on every fixture and on edge cases, and
//! bounded work on the whitespace bomb of issue 12.

use std::io::Write;
use std::path::{Path, PathBuf};

use cwfilter::trail::reader::{read_from, InputStats, OwnedItem, ReadOptions};

fn read(bytes: &[u8], opts: &ReadOptions) -> (Vec<OwnedItem>, InputStats) {
    let mut items = Vec::new();
    let stats = read_from("t", bytes, opts, &mut |i| items.push(OwnedItem::from(i)));
    (items, stats)
}

fn buffered() -> ReadOptions {
    ReadOptions {
        stream_above: usize::MAX,
        ..ReadOptions::default()
    }
}

fn streamed() -> ReadOptions {
    ReadOptions {
        stream_above: 0,
        ..ReadOptions::default()
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn is_error(i: &OwnedItem) -> bool {
    matches!(i, OwnedItem::Error(_))
}

/// Same items and statistics, streamed or buffered.
#[track_caller]
fn same(bytes: &[u8]) -> Vec<OwnedItem> {
    let (old, old_stats) = read(bytes, &buffered());
    let (new, new_stats) = read(bytes, &streamed());
    assert_eq!(new, old, "input: {:?}", String::from_utf8_lossy(bytes));
    assert_eq!(new_stats, old_stats);
    new
}

/// Malformed input: the streamed read yields what came before the fault (the buffered read
/// yields nothing of a broken object), then as many errors.
#[track_caller]
fn prefix_then_error(bytes: &[u8]) {
    let (old, old_stats) = read(bytes, &buffered());
    let (new, new_stats) = read(bytes, &streamed());
    assert_eq!(new_stats.errors, old_stats.errors, "{old:?}\n{new:?}");
    let good = |v: &[OwnedItem]| {
        v.iter()
            .filter(|i| !is_error(i))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (old_good, new_good) = (good(&old), good(&new));
    assert!(new_good.len() >= old_good.len(), "{old:?}\n{new:?}");
    assert!(is_error(new.last().unwrap()), "{new:?}");
}

fn fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            fixtures(&p, out);
        } else if !matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "py")) {
            out.push(p);
        }
    }
}

#[test]
fn streaming_splitter_matches_the_buffered_reader_on_the_trail_fixtures() {
    let mut files = Vec::new();
    fixtures(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trail"),
        &mut files,
    );
    files.sort();
    assert!(files.len() > 10);
    let mut streamed_records = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let (old, _) = read(&bytes, &buffered());
        if old.iter().any(is_error) && f.to_string_lossy().contains("truncated") {
            prefix_then_error(&bytes);
        } else {
            streamed_records += same(&bytes).len();
        }
    }
    assert!(streamed_records > 10);
}

#[test]
fn streaming_splitter_matches_on_envelope_edge_cases() {
    let rec = r#"{"eventName":"ConsoleLogin","a":"]}[{\"\\","b":[[1,[2]],{"c":"\"]"}],"d":{}}"#;
    let cases = [
        format!(r#"{{"Records":[{rec},{rec}]}}"#),
        format!("{{ \"Records\" :\n [ {rec} ,\n\n {rec}\n ]\n}}\n"),
        r#"{"Records":[]}"#.to_string(),
        format!("{{\"Records\":[\n]}}\n{{\"Records\":[{rec}]}}\n"),
        // Line by line: an envelope per line, and records between.
        format!("{{\"Records\":[{rec}]}}\n{rec}\n{{\"Records\":[{rec},{rec}]}}  \n"),
        // Pretty-printed, several documents.
        format!("{{\n  \"Records\": [\n    {rec},\n    {rec}\n  ]\n}}\n{{\"Records\":[{rec}]}}"),
        // An escaped key is the same key (buffered path).
        format!(r#"{{"Rec\u006frds":[{rec}]}}"#),
        // Other keys after the records; `events` loses to `Records`.
        format!(r#"{{"Records":[{rec}],"x":{{"y":[1,"]"]}},"events":[]}}"#),
        // Members that are not objects, a byte order mark.
        format!("\u{feff}{{\"Records\":[1,\"[\",[{rec}],null,{rec}]}}"),
        // Not envelopes: a record, an array, CLI output, scalars.
        rec.to_string(),
        format!("[{rec},\n{rec}]"),
        format!(
            r#"{{"events":[{{"message":{}}}]}}"#,
            serde_json::to_string(rec).unwrap()
        ),
        format!("1\n\"x\"\n{rec}"),
        // Pretty records whose raw text is long but whose compact text is not.
        format!("{{\"Records\":[{{\"a\":{}1}}]}}", " ".repeat(300_000)),
        // A record over the event limit (oversize, counted).
        format!(
            "{{\"Records\":[{{\"a\":\"{}\"}},{rec}]}}",
            "q".repeat(300_000)
        ),
    ];
    for case in &cases {
        same(case.as_bytes());
        same(&gzip(case.as_bytes()));
    }
}

#[test]
fn streaming_splitter_reports_broken_envelopes_after_the_records_before_them() {
    let rec = r#"{"eventName":"ConsoleLogin"}"#;
    for case in [
        format!(r#"{{"Records":[{rec},{rec}"#),
        format!(r#"{{"Records":[{rec},{rec},{{"a":}}]}}"#),
        format!(r#"{{"Records":[{rec} {rec}]}}"#),
        format!(r#"{{"Records":[{rec},]}}"#),
        format!("{{\"Records\":[{rec},\n{{\"a\":\"\u{1}\"}}]}}"),
        format!(r#"{{"Records":[{rec}],"Records":[]}}"#),
    ] {
        prefix_then_error(case.as_bytes());
    }
    // A truncated gzip stream: the records inflated before the cut, then the error.
    let body = format!("{{\"Records\":[{}]}}", vec![rec; 2000].join(","));
    let gz = gzip(body.as_bytes());
    let cut = &gz[..gz.len() / 2];
    let (items, stats) = read(cut, &streamed());
    assert_eq!(stats.errors, 1, "{:?}", items.last());
    assert!(stats.records > 0);
    let (_, old_stats) = read(cut, &buffered());
    assert_eq!(old_stats.errors, 1);
}

#[test]
fn whitespace_bomb_in_a_records_envelope_is_a_clean_zero_record_read() {
    // Issue 12: `{"Records":[` + whitespace + `]}` made the reader buffer the whole object.
    // Here the buffer limit is far below the whitespace: the old path could only fail.
    let opts = ReadOptions {
        max_buffer_bytes: 1 << 20,
        ..ReadOptions::default()
    };
    for ws in [b' ', b'\n'] {
        let mut body = b"{\"Records\":[".to_vec();
        body.resize(body.len() + (16 << 20), ws);
        body.extend_from_slice(b"]}");
        let (items, stats) = read(&gzip(&body), &opts);
        assert_eq!(items, vec![], "whitespace {ws:?}");
        assert_eq!(stats.records + stats.errors + stats.oversize, 0);
        assert_eq!(stats.bytes, body.len() as u64);
    }
}

#[test]
fn oversize_records_in_a_streamed_envelope_are_counted_not_buffered() {
    // The buffer limit is below the record: only a record skipped unbuffered is counted.
    let opts = ReadOptions {
        max_buffer_bytes: 64 << 10,
        max_event_bytes: 16 << 10,
        ..ReadOptions::default()
    };
    let big = format!(r#"{{"a":"{}"}}"#, "q".repeat(4 << 20));
    let body = format!(r#"{{"Records":[{big},{{"b":1}}]}}"#);
    let (items, stats) = read(&gzip(body.as_bytes()), &opts);
    assert_eq!(
        (stats.records, stats.oversize, stats.errors),
        (1, 1, 0),
        "{items:?}"
    );
    assert!(matches!(items[0], OwnedItem::Oversize { bytes, .. } if bytes == big.len()));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    /// The `reader` fuzz target's differential, on mutated envelopes: wherever the buffered
    /// read finds no error, the streamed read yields exactly the same items.
    #[test]
    fn streamed_reads_equal_buffered_reads_on_mutated_envelopes(
        seed in 0usize..4,
        edits in proptest::collection::vec((0usize..200, 0usize..3, 0usize..14), 0..4),
    ) {
        let rec = r#"{"eventName":"A","x":[1,{"y":"]\"}"}]}"#;
        let seeds = [
            format!(r#"{{"Records":[{rec},{rec}]}}"#),
            format!("{{\"Records\":[\n {rec},\n {rec}\n]}}\n{{\"Records\":[{rec}]}}"),
            format!("{{\"Records\":[{rec}]}}\n{rec}\n"),
            format!(r#"{{"Records":[{rec}],"events":[],"a":1}}"#),
        ];
        let mut bytes = seeds[seed].clone().into_bytes();
        let alphabet = b"{}[],:\"\\ \na1R";
        for (at, op, c) in edits {
            let at = at % (bytes.len() + 1);
            let c = alphabet[c % alphabet.len()];
            match op {
                0 => bytes.insert(at, c),
                1 if at < bytes.len() => { bytes.remove(at); }
                _ if at < bytes.len() => bytes[at] = c,
                _ => {}
            }
        }
        let (old, old_stats) = read(&bytes, &buffered());
        let (new, new_stats) = read(&bytes, &streamed());
        // (With errors the two may differ: the streamed read yields what precedes a fault,
        // and reads a first line `{"Records":[ {...},` followed by a line holding one whole
        // object as the document it is, where the buffered read guesses JSON Lines.)
        if old_stats.errors == 0 {
            proptest::prop_assert_eq!(&new, &old, "{:?}", String::from_utf8_lossy(&bytes));
            proptest::prop_assert_eq!(new_stats, old_stats);
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
    /// The replay's raw `eventTime` scan (`yielded_record_event_time`) agrees with the parse
    /// (`record_event_time`) on objects spelling `eventTime` anywhere: nested, in strings,
    /// escaped, duplicated, with any value.
    #[test]
    fn raw_event_time_scan_agrees_with_the_parse(
        members in proptest::collection::vec((0usize..6, 0usize..8, 0usize..3), 0..5),
    ) {
        use cwfilter::trail::reader::{record_event_time, yielded_record_event_time};
        let keys = ["eventTime", "a", "event\\u0054ime", "x\\\"eventTime", "eventTime\\\"", "b"];
        let values = [
            "\"2024-01-02T03:04:05Z\"",
            "\"2024-01-02T03:04:05\\u005a\"",
            "{\"eventTime\":\"2024-01-02T03:04:06Z\"}",
            "[\"eventTime\",\"2024-01-02T03:04:07Z\"]",
            "7",
            "\"x\\\"eventTime\\\":\\\"2024-01-02T03:04:08Z\"",
            "\"2024-01-02T03:04:09Z \"",
            "null",
        ];
        let ws = ["", " ", "\n\t "];
        let body: Vec<String> = members
            .iter()
            .map(|&(k, v, w)| format!("{w}\"{}\"{w}:{w}{}{w}", keys[k], values[v], w = ws[w]))
            .collect();
        let text = format!("{{{}}}", body.join(","));
        if serde_json::from_str::<serde_json::Value>(&text).is_ok() {
            proptest::prop_assert_eq!(yielded_record_event_time(&text), record_event_time(&text), "{}", text);
        }
    }
}
