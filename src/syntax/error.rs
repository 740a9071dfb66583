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
    /// The pattern is longer than CloudWatch's 1024-character limit.
    /// Triggered by `ERROR` repeated 205 times.
    TooLong,
    /// A JSON pattern whose `{` has no closing `}` (AWS: "If a filter pattern starts with '{'
    /// it must end with '}'"). Triggered by `{$.a = abc`.
    UnclosedBrace,
    /// A space-delimited pattern whose `[` has no closing `]`. Triggered by `[a, b`.
    UnclosedBracket,
    /// A `(` without its `)`. Triggered by `{ ($.a = 1 }`.
    UnclosedParen,
    /// A `"` without its closing quote. Triggered by `{ $.a = "x }`.
    UnclosedQuote,
    /// A `%` regex without its closing `%`. Triggered by `{ $.a = %abc }`.
    UnclosedRegex,
    /// Parentheses nested deeper than the parser's limit (64). Triggered by 65 `(` in a row.
    TooDeep,
    /// A character that needs quoting in a term pattern (AWS: "Invalid character(s) in
    /// term"). Triggered by `ERROR:`.
    InvalidTermChar,
    /// A character CloudWatch regexes do not allow (groups, `!`, non-ASCII).
    /// Triggered by `%(alpha|beta)%`.
    InvalidRegexChar,
    /// An empty regex. Triggered by `%%`.
    EmptyRegex,
    /// More than two regexes in a JSON or space-delimited pattern.
    /// Triggered by `[a=%x%, b=%y%, c=%z%]`.
    TooManyRegexes,
    /// More than one wildcard (`[*]`, `.*`) in one selector. Triggered by `{ $.*.* = 1 }`.
    TooManyWildcards,
    /// More than three selectors with a wildcard in one pattern.
    /// Triggered by `{ $.a[*] = 1 || $.b[*] = 2 || $.c[*] = 3 || $.d[*] = 4 }`.
    TooManyWildcardSelectors,
    /// `IS NOT ...`, which CloudWatch does not have. Triggered by `{ $.a IS NOT NULL }`.
    IsNot,
    /// `EXISTS` without `NOT`. Triggered by `{ $.a EXISTS }`.
    BareExists,
    /// A single-quoted string value. Triggered by `{ $.a = 'Root' }`.
    SingleQuote,
    /// A typographic (curly) quote. Triggered by `{ $.a = “Root” }`.
    TypographicQuote,
    /// A JSON selector that does not start at `$`. Triggered by `{ status = "401" }`.
    MissingDollar,
    /// A space-delimited slot with a condition on another field.
    /// Triggered by `[status_code = 4* && bytes > 1000]`.
    CrossFieldCondition,
    /// A condition on `...` or on an unnamed field. Triggered by `[..., =404, bytes]`.
    UnnamedFieldCondition,
    /// The same field name twice in a space-delimited pattern. Triggered by `[a, a]`.
    DuplicateField,
    /// More than one `...` in a space-delimited pattern. Triggered by `[..., a, ...]`.
    MultipleEllipses,
    /// A regex the regex engine refuses although every character is allowed: `%a{5,3}%`.
    InvalidRegex,
}

/// Where an error is: byte offset, and 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Byte offset into the pattern.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text` (clamped to the text, rounded down to a
    /// character boundary).
    pub fn locate(text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Position {
            offset,
            line,
            column,
        }
    }
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
            message: visible(message.into()),
            hint: None,
            pattern: pattern.to_owned(),
            span,
        }))
    }

    /// Adds a hint, shown as `help:` by [`ParseError::render`].
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(visible(hint.into()));
        self
    }

    /// What kind of mistake this is.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }
    /// The one-line message, without the position.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// How to fix it, when the parser can tell.
    pub fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }
    /// The pattern text the error is about; [`ParseError::span`] indexes it.
    pub fn pattern(&self) -> &str {
        &self.0.pattern
    }
    /// The offending bytes of [`ParseError::pattern`].
    pub fn span(&self) -> Span {
        self.0.span
    }

    /// Where the error starts.
    pub fn position(&self) -> Position {
        Position::locate(&self.0.pattern, self.0.span.start)
    }

    /// A multi-line diagnostic: the one-line message, the pattern line holding the error with
    /// `^` under the offending text, and the hint if there is one. No trailing newline.
    ///
    /// ```text
    /// error: IS NOT is not supported at line 1 column 16
    ///   |
    /// 1 | { $.SomeObject IS NOT NULL }
    ///   |                ^^^^^^^^^^^
    /// help: CloudWatch has no IS NOT: `$.SomeObject = *` matches any string or number
    /// ```
    pub fn render(&self) -> String {
        let pattern = &self.0.pattern;
        let pos = self.position();
        let line_start = pattern[..pos.offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = pattern[pos.offset..]
            .find('\n')
            .map_or(pattern.len(), |i| pos.offset + i);
        let line = &pattern[line_start..line_end];
        let end = self.0.span.end.clamp(pos.offset, line_end);
        let end = (end..=line_end)
            .find(|&i| pattern.is_char_boundary(i))
            .unwrap_or(line_end);
        let width = pattern[pos.offset..end].chars().count().max(1);
        // Tabs keep their width in the caret line so the carets stay aligned.
        let pad: String = pattern[line_start..pos.offset]
            .chars()
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let number = pos.line.to_string();
        let gutter = " ".repeat(number.len());
        let mut out = format!("error: {self}\n{gutter} |\n{number} | {line}\n");
        out.push_str(&format!("{gutter} | {pad}{}", "^".repeat(width)));
        if let Some(hint) = &self.0.hint {
            out.push_str(&format!("\nhelp: {hint}"));
        }
        out
    }
}

/// `text` with control characters escaped ([`crate::terminal::escape_controls`]): messages
/// quote pieces of the pattern, and must stay on one line and carry no terminal control
/// sequences.
fn visible(text: String) -> String {
    match crate::terminal::escape_controls(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(escaped) => escaped,
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pos = self.position();
        write!(
            f,
            "{} at line {} column {}",
            self.0.message, pos.line, pos.column
        )
    }
}

impl std::error::Error for ParseError {}
