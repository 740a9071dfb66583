//! Parse errors: what went wrong, where (byte offset, line, column), and a caret renderer.

use std::fmt;

use super::ast::Span;

/// What kind of mistake a pattern holds. Each variant names a pattern that triggers it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A syntax error: something other than what the grammar allows at this spot.
    /// Triggered by `{ $.a = }`.
    Syntax,
}

/// An invalid pattern: the kind of error, the span it points at, an optional hint, and the
/// pattern itself so the error can render itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError(Box<Inner>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    message: String,
    hint: Option<String>,
    pattern: String,
    span: Span,
}

impl ParseError {
    /// A new error over `pattern` at `span`.
    pub fn new(kind: ErrorKind, message: impl Into<String>, pattern: &str, span: Span) -> Self {
        ParseError(Box::new(Inner {
            kind,
            message: message.into(),
            hint: None,
            pattern: pattern.to_owned(),
            span,
        }))
    }

    /// Adds a hint, shown as `help:` by [`ParseError::render`].
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(hint.into());
        self
    }

    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }
    pub fn message(&self) -> &str {
        &self.0.message
    }
    pub fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }
    pub fn pattern(&self) -> &str {
        &self.0.pattern
    }
    pub fn span(&self) -> Span {
        self.0.span
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.0.message, self.0.span.start)
    }
}

impl std::error::Error for ParseError {}
