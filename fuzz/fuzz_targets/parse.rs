//! Any bytes (as lossy UTF-8) through the parser: no panic; an error's span lies within the
//! input on character boundaries and renders; a pattern that parses prints canonically and
//! parses back to an equal tree.
#![no_main]

use cwfilter::syntax::{check_well_formed, parse, ErrorKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse(&text) {
        Ok(ast) => {
            let printed = ast.to_string();
            match parse(&printed) {
                Ok(again) => {
                    assert_eq!(ast, again, "print/parse changed the tree: {printed:?}");
                    assert_eq!(again.to_string(), printed, "printing is not idempotent");
                    assert_eq!(check_well_formed(&ast), Ok(()), "{printed:?}");
                }
                // Canonical spacing can push a pattern near the limit over it.
                Err(e) if *e.kind() == ErrorKind::TooLong => {}
                Err(e) => panic!("printed pattern {printed:?} does not parse: {e}"),
            }
        }
        Err(e) => {
            let span = e.span();
            assert!(span.start <= span.end, "reversed span {span:?}");
            assert!(span.end <= text.len(), "span {span:?} past the end");
            assert!(text.is_char_boundary(span.start), "span start {span:?}");
            assert!(text.is_char_boundary(span.end), "span end {span:?}");
            assert_eq!(e.pattern(), &*text);
            let pos = e.position();
            assert_eq!(pos.offset, span.start);
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
});
