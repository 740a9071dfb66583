//! Limits and hostile input: each test asserts what happens, never only that something ran.
//!
//! Already covered elsewhere (not repeated here): pattern length and parenthesis depth in
//! tests/syntax_ast.rs; reader limits (gzip bomb with a small limit, over-long lines,
//! oversize records, invalid UTF-8 with line and column, deeply nested and unclosed
//! documents) in tests/trail_reader.rs; CSV formula cells, HTML escaping of `<script>` and
//! terminal control stripping in the unit tests of src/replay/report/.

use std::io::Write as _;

use cwfilter::engine::Engine;
use cwfilter::eval::{Message, Pattern};
use cwfilter::syntax::{parse, ErrorKind};
use cwfilter::trail::reader::{read_from, OwnedItem, ReadOptions};

const DEPTH: usize = 100_000;

fn nested_arrays(depth: usize) -> String {
    format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth))
}

// ---- patterns ---------------------------------------------------------------------------

#[test]
fn deep_parentheses_in_every_syntax_are_an_error() {
    // JSON and delimited slots share the expression parser and its depth limit (64).
    let json = format!("{{ {}$.a = 1{} }}", "(".repeat(65), ")".repeat(65));
    assert_eq!(parse(&json).unwrap_err().kind(), &ErrorKind::TooDeep);
    let slot = format!("[{}a = 1{}]", "(".repeat(65), ")".repeat(65));
    assert_eq!(parse(&slot).unwrap_err().kind(), &ErrorKind::TooDeep);
    // Far past the limit, and with the length limit lifted by character count only: still an
    // error, not a stack overflow.
    let absurd = "[".to_owned() + &"(".repeat(100_000);
    assert_eq!(parse(&absurd).unwrap_err().kind(), &ErrorKind::TooLong);
    let within_length = "{".to_owned() + &"(".repeat(1000) + "}";
    assert!(Pattern::parse(&within_length).is_err());
}

#[test]
fn over_long_patterns_are_an_error_before_parsing() {
    // 10 MB of a valid-looking term: rejected on length, with the error at character 1025.
    let long = "a".repeat(10 << 20);
    let e = Pattern::parse(&long).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::TooLong);
    assert_eq!(e.position().column, 1025);
}

// ---- events: nesting --------------------------------------------------------------------

#[test]
fn deeply_nested_json_event_is_no_match_without_stack_overflow() {
    let deep = nested_arrays(DEPTH);
    for p in [
        "{ $.a[0] = 1 }",
        "{ $.a[*] = 1 }",
        "{ $.a NOT EXISTS }",
        "{ $.* = 1 }",
    ] {
        let p = Pattern::parse(p).unwrap();
        // serde_json stops at its recursion limit (128): the message is not JSON to us.
        assert!(!p.matches_message(&deep), "{p}");
        assert!(!p.explain(&Message::new(&deep)).matched, "{p}");
    }
    let bare = "[".repeat(DEPTH) + &"]".repeat(DEPTH);
    assert!(!Pattern::parse("{ $.a = 1 }")
        .unwrap()
        .matches_message(&bare));
    // Text patterns still see the message as text.
    assert!(Pattern::parse("\"[[[[\"").unwrap().matches_message(&deep));
    assert!(Pattern::parse("[a, ...]").unwrap().matches_message(&deep));
}

#[test]
fn shallow_nesting_within_the_limit_still_matches() {
    // The limit is not an off-switch: 100 levels parse and match.
    let depth = 100;
    let event = nested_arrays(depth);
    let selector = "[0]".repeat(depth);
    let p = Pattern::parse(&format!("{{ $.a{selector} = 1 }}")).unwrap();
    assert!(p.matches_message(&event));
}

#[test]
fn deeply_nested_record_is_a_record_error_in_the_engine() {
    let deep = nested_arrays(DEPTH);
    let engine = Engine::new(vec![
        ("json", Pattern::parse("{ $.a[0] = 1 }").unwrap()),
        ("term", Pattern::parse("\"[[[\"").unwrap()),
    ]);
    let err = engine.eval_record(&deep).unwrap_err();
    assert!(err.message.contains("recursion limit"), "{}", err.message);
    // The text pattern's answer survives the JSON error; the JSON pattern does not match.
    assert_eq!(err.matches.iter().collect::<Vec<_>>(), vec![1]);
}

#[test]
fn deeply_nested_record_through_the_reader_is_delivered_or_reported() {
    // 200 KB: under CloudWatch's 256 KB event limit, so the reader hands it on as raw text
    // (it never builds a tree), and the consumer's parse reports it (test above).
    let deep = nested_arrays(DEPTH) + "\n{\"b\":2}\n";
    let mut items = Vec::new();
    let stats = read_from("deep", deep.as_bytes(), &ReadOptions::default(), &mut |i| {
        items.push(OwnedItem::from(i))
    });
    assert_eq!(
        stats.records + stats.errors + stats.oversize,
        2,
        "{stats:?}"
    );
    assert!(
        matches!(&items[1], OwnedItem::Record { text, .. } if text == "{\"b\":2}"),
        "reading goes on after the deep record"
    );
    // As an S3 object, the same depth inside `Records`.
    let object = format!("{{\"Records\":[{}]}}", nested_arrays(DEPTH));
    let mut items = Vec::new();
    read_from(
        "deep.json",
        object.as_bytes(),
        &ReadOptions::default(),
        &mut |i| items.push(OwnedItem::from(i)),
    );
    assert_eq!(items.len(), 1, "one record or one error, no crash");
}

// ---- linear-time matching ---------------------------------------------------------------

#[test]
fn only_the_regex_crate_compiles_regexes() {
    // Linear-time matching is a property of the engine: the `regex` crate (finite automata,
    // no backtracking). No backtracking engine is a dependency.
    let packages: Vec<&str> = include_str!("../../Cargo.lock")
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .collect();
    assert!(packages.contains(&"regex"), "{packages:?}");
    for backtracking in [
        "fancy-regex",
        "pcre2",
        "pcre2-sys",
        "onig",
        "onig_sys",
        "regress",
    ] {
        assert!(
            !packages.contains(&backtracking),
            "{backtracking} in Cargo.lock"
        );
    }
}

/// 10 MB inputs against patterns that take exponential or quadratic time with backtracking or
/// naive substring search. They finish (in well under a second with optimisations) only
/// because matching is linear; the answers are asserted.
#[test]
fn huge_inputs_match_in_linear_time() {
    let big = "a".repeat(10 << 20);
    let json = format!("{{\"a\":\"{big}\"}}");
    // Nested stars: exponential for a backtracking engine on a failing match.
    let p = Pattern::parse("%[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*0%").unwrap();
    assert!(!p.matches_message(&big));
    let p = Pattern::parse("{ $.a = %^a*a*a*a*a*a*0$% }").unwrap();
    assert!(!p.matches_message(&json));
    let p = Pattern::parse("{ $.a = %^a*a*a*a*a*a*$% }").unwrap();
    assert!(p.matches_message(&json));
    // A 1001-character needle that almost matches everywhere: 10^10 steps for naive search.
    let needle = "a".repeat(1000) + "b";
    let p = Pattern::parse(&format!("{{ $.a = \"*{needle}*\" }}")).unwrap();
    assert!(!p.matches_message(&json));
    let p = Pattern::parse(&format!("\"{needle}\"")).unwrap();
    assert!(!p.matches_message(&big));
    let p = Pattern::parse(&format!("{{ $.a = \"*{}\" }}", "a".repeat(1000))).unwrap();
    assert!(p.matches_message(&json));
}

#[test]
fn huge_single_line_with_many_fields_matches_space_delimited_patterns() {
    // One line of 500,000 fields: `...` must not try every split (quadratic).
    let line = "a ".repeat(500_000) + "b c";
    assert!(Pattern::parse("[..., x = \"b\", y]")
        .unwrap()
        .matches_message(&line));
    assert!(!Pattern::parse("[..., x = \"c\", y]")
        .unwrap()
        .matches_message(&line));
    assert!(Pattern::parse("[x, ..., y = \"c\"]")
        .unwrap()
        .matches_message(&line));
}

// ---- input files ------------------------------------------------------------------------

fn tempfile(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cwfilter-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path
}

#[test]
fn gzip_bomb_inside_a_single_record_line_is_bounded() {
    // A compressed JSON Lines file whose one line inflates to 8 MB: the per-file limit stops
    // decompression with a clear error, and nothing of the line is delivered.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(b"{\"a\":\"").unwrap();
    enc.write_all(&vec![b'x'; 8 << 20]).unwrap();
    enc.write_all(b"\"}\n").unwrap();
    let gz = enc.finish().unwrap();
    assert!(gz.len() < 64 << 10, "a bomb: {} bytes compressed", gz.len());
    let opts = ReadOptions {
        max_file_bytes: 1 << 20,
        ..ReadOptions::default()
    };
    let mut items = Vec::new();
    let stats = read_from("bomb.jsonl.gz", &gz[..], &opts, &mut |i| {
        items.push(OwnedItem::from(i))
    });
    assert_eq!(stats.records, 0);
    assert!(stats.bytes <= 1 << 20);
    let errors: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            OwnedItem::Error(e) => Some(e.to_string()),
            _ => None,
        })
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("larger than 1048576 bytes after decompression")),
        "{errors:?}"
    );
}

#[test]
fn invalid_utf8_in_a_config_file_is_an_error_with_its_position() {
    let path = tempfile(
        "bad.yaml",
        b"alerts:\n  selectors:\n    root\xffAccount: {}\n",
    );
    let err = cwfilter::detectors::load(Some(&path), Default::default()).unwrap_err();
    assert_eq!(err.errors.len(), 1);
    let d = &err.errors[0];
    assert_eq!(d.position, Some((3, 9)), "{d}");
    assert!(d.message.contains("invalid UTF-8"), "{d}");
}

#[test]
fn invalid_utf8_in_a_case_file_is_an_error_with_its_line() {
    let path = tempfile(
        "bad.jsonl",
        b"{\"id\":\"a\",\"pattern\":\"x\",\"event\":\"x\",\"expect\":true}\n{\"id\":\"\xc3(\"}\n",
    );
    let err = cwfilter::conformance::load_cases(&path).unwrap_err();
    assert_eq!(err.line, Some(2), "{err}");
    assert!(err.message.contains("invalid UTF-8"), "{err}");
}
