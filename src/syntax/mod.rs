//! The filter-pattern language: AST, parser, canonical printer and diagnostics.
//!
//! This layer knows nothing of events or evaluation. The parser is built on nom, but no nom
//! type crosses this module's public API: callers see [`Ast`] and [`ParseError`]. The rules
//! the evaluator shares live here once: the number grammar ([`parse_number`]), the selector
//! grammar ([`parse_selector`]), the quoting rule ([`quote`]) and the regex dialect (a
//! pattern that parses has regexes that compile).

pub mod ast;
pub(crate) mod dialect;
pub mod error;
mod number;
mod parser;
mod printer;
mod validate;

pub use ast::Ast;
pub use error::{ErrorKind, ParseError, Position};
pub use number::{is_number, parse_number};
pub use printer::quote;
pub use validate::{check_well_formed, IllFormed};

/// Parses a filter pattern into its AST, validating it as CloudWatch Logs does: every check
/// the service makes that this crate knows of, regexes compiled included.
pub fn parse(pattern: &str) -> Result<Ast, ParseError> {
    parser::parse(pattern)
}

/// Parses a whole text as one JSON selector (`$.a.b[0]`, `$.['key']`, `$.a[*]`), with the
/// grammar JSON conditions use (spec §5.2). `metricValue` reads its selectors with it.
pub fn parse_selector(text: &str) -> Result<ast::Selector, ParseError> {
    parser::parse_selector(text)
}
