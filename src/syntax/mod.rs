//! The filter-pattern language: AST, parser, canonical printer and diagnostics.
//!
//! This layer knows nothing of events or evaluation. The parser is built on nom, but no nom
//! type crosses this module's public API: callers see [`Ast`] and [`ParseError`].

pub mod ast;
pub mod error;
mod parser;
mod printer;
mod validate;

pub use ast::Ast;
pub use error::{ErrorKind, ParseError, Position};
pub use validate::check_well_formed;

/// Parses a filter pattern into its AST, validating it as CloudWatch Logs does.
pub fn parse(pattern: &str) -> Result<Ast, ParseError> {
    parser::parse(pattern)
}
