//! An arbitrary pattern against an arbitrary message: no panic, and the one-pass engine (with
//! and without its prefilter, with partial and full extraction) answers exactly as the
//! straightforward evaluator does.
//!
//! Input layout: pattern bytes, a NUL byte, message bytes (both lossy UTF-8). Without a NUL
//! the whole input is the pattern and the message is empty.
#![no_main]

use cwfilter::engine::{Engine, Extraction};
use cwfilter::eval::Pattern;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (pattern, message) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let pattern = String::from_utf8_lossy(pattern);
    let message = String::from_utf8_lossy(message);
    let Ok(p) = Pattern::parse(&pattern) else {
        return;
    };
    let expected = p.matches_message(&message);
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(&message) {
        if value.is_object() {
            // An already-parsed record answers as its raw text does for JSON patterns.
            if matches!(p.ast(), cwfilter::syntax::Ast::Json(_)) {
                assert_eq!(
                    p.matches_json(&value),
                    expected,
                    "matches_json vs matches_message"
                );
            }
        }
    }
    let _ = p.explain(&cwfilter::eval::Message::new(&message));
    for (extraction, prefilter) in [
        (Extraction::Partial, true),
        (Extraction::Full, true),
        (Extraction::Partial, false),
    ] {
        let again = Pattern::parse(&pattern).expect("parsed once, parses again");
        let engine = Engine::new(vec![("p".to_owned(), again)])
            .with_extraction(extraction)
            .with_prefilter(prefilter);
        let got = match engine.eval_record(&message) {
            Ok(m) => m.contains(0),
            Err(e) => e.matches.contains(0),
        };
        assert_eq!(
            got, expected,
            "engine ({extraction:?}, prefilter {prefilter}) disagrees with the evaluator on {pattern:?} x {message:?}"
        );
    }
});
