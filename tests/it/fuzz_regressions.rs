//! Replays every input the fuzz targets (fuzz/fuzz_targets/) ever crashed on, under plain
//! `cargo test` on stable. Each file under fuzz/regressions/<target>/ goes through the same
//! checks as its target; each finding also has a named test saying what the bug was.

use std::path::PathBuf;

use cwfilter::syntax::{check_well_formed, parse, ErrorKind};

fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("readable directory entry").path())
                .map(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    (name, std::fs::read(&p).expect("readable regression file"))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn regression(target: &str, name: &str) -> Vec<u8> {
    regressions(target)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("fuzz/regressions/{target}/{name} is missing"))
        .1
}

/// The checks of fuzz_targets/parse.rs.
fn check_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse(&text) {
        Ok(ast) => {
            let printed = ast.to_string();
            match parse(&printed) {
                Ok(again) => {
                    assert_eq!(ast, again, "print/parse changed the tree: {printed:?}");
                    assert_eq!(again.to_string(), printed);
                    assert_eq!(check_well_formed(&ast), Ok(()));
                }
                Err(e) if *e.kind() == ErrorKind::TooLong => {}
                Err(e) => panic!("printed pattern {printed:?} does not parse: {e}"),
            }
        }
        Err(e) => {
            let span = e.span();
            assert!(span.start <= span.end && span.end <= text.len(), "{span:?}");
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            let line = e.to_string();
            assert!(
                !line
                    .chars()
                    .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')),
                "Display is one line without control characters: {line:?}"
            );
            let _ = e.render();
        }
    }
}

#[test]
fn every_parse_regression_passes_the_parse_target_checks() {
    for (name, data) in regressions("parse") {
        eprintln!("parse/{name}");
        check_parse(&data);
    }
}

/// Found by the `parse` target: a newline inside a `%regex%` was quoted raw into the error
/// message (`` `\n` is not allowed ``), so the one-line `Display` of a `ParseError` spanned
/// two lines. Root cause: messages quote pieces of the pattern verbatim, and nothing kept
/// invisible characters out of them. Fixed in `ParseError::new` and `with_hint`, which now
/// escape control and line-separator characters (the regex message also names the character
/// by code point, as other messages do).
#[test]
fn regression_regex_newline_in_error_message() {
    let data = regression("parse", "regex-newline-in-message");
    check_parse(&data);
    let e = parse(&String::from_utf8_lossy(&data)).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidRegexChar);
    assert_eq!(
        e.to_string(),
        "U+000A (an invisible character) is not allowed in a CloudWatch regex at line 1 column 24"
    );
}

/// Found by the `parse` target after the fix above: the term-pattern message ``Invalid
/// character(s) in term `-\0\0\x16}` `` carried NULs and a control character raw. Same root
/// cause; the fix in `ParseError::new` covers every message, so an ESC sequence in a pattern
/// from a config file cannot reach the terminal through an error message either.
#[test]
fn regression_term_control_characters_in_error_message() {
    let data = regression("parse", "term-control-chars-in-message");
    check_parse(&data);
    let e = parse(&String::from_utf8_lossy(&data)).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidTermChar);
    assert!(e.to_string().contains(r"`-\x00\x00\x16}`"), "{e}");
    let e = parse("{ $.a = \u{1b}[31m }").unwrap_err();
    assert!(e.to_string().contains(r"`\x1b[31m`"), "{e}");
}
