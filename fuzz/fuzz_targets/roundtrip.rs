//! An arbitrary AST (rejecting those no pattern can express) prints to text that parses back
//! to an equal tree, and printing that tree gives the same text.
#![no_main]

use cwfilter::syntax::{ast::Ast, check_well_formed, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|ast: Ast| {
    if check_well_formed(&ast).is_err() {
        return;
    }
    let printed = ast.to_string();
    match parse(&printed) {
        Ok(again) => {
            assert_eq!(ast, again, "{printed:?}");
            assert_eq!(again.to_string(), printed);
        }
        Err(e) => panic!("well-formed tree printed as {printed:?}, which does not parse: {e}"),
    }
});
