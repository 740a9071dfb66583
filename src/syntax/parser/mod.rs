//! The nom parser (crate-private), split along the language's seams: [`lex`] (characters,
//! strings, operators, values), [`expr`] (the `&&`/`||` grammar JSON and space-delimited
//! patterns share), one module per syntax ([`terms`], [`json`], [`delimited`], [`regex_lit`]),
//! and [`hints`] (the help texts).
//!
//! Lexemes are nom parsers over `&str`; the grammar is a small recursive descent built from
//! them. Every input slice is a suffix of the pattern, so a byte offset is always
//! `pattern.len() - rest.len()`. Errors are committed (`nom::Err::Failure`) as soon as the
//! grammar knows what went wrong, so the first real mistake is reported, not a backtrack.

mod delimited;
mod expr;
pub(crate) mod hints;
mod json;
pub(crate) mod lex;
mod regex_lit;
mod terms;

use nom::character::complete::multispace0;
use nom::IResult;

use super::ast::{Ast, Selector, Span, TermPattern};
use super::error::{ErrorKind, ParseError};
use super::validate;
use lex::{describe, is_ws, token_len};

/// CloudWatch's limit on pattern length, in characters (spec §8).
pub(crate) const MAX_LEN: usize = 1024;
/// How deep parentheses may nest. AWS documents no limit; this one keeps recursion bounded.
pub(crate) const MAX_DEPTH: usize = 64;

/// A parse error before it is tied to the pattern text: positions are counted as "bytes left
/// to the end of the pattern", which is all a nom error knows about its input.
#[derive(Debug)]
pub(crate) struct PErr {
    kind: ErrorKind,
    message: String,
    hint: Option<String>,
    /// Bytes remaining after the error start.
    rem: usize,
    /// Length of the offending text in bytes.
    len: usize,
}

impl PErr {
    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl<'a> nom::error::ParseError<&'a str> for PErr {
    fn from_error_kind(input: &'a str, _kind: nom::error::ErrorKind) -> Self {
        PErr {
            kind: ErrorKind::Syntax,
            message: format!("unexpected {}", describe(input)),
            hint: None,
            rem: input.len(),
            len: input.chars().next().map_or(0, char::len_utf8),
        }
    }
    fn append(_: &'a str, _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

type PResult<'a, T> = IResult<&'a str, T, PErr>;

/// Parses and validates a whole pattern.
pub(crate) fn parse(pattern: &str) -> Result<Ast, ParseError> {
    let chars = pattern.chars().count();
    if chars > MAX_LEN {
        let start = pattern
            .char_indices()
            .nth(MAX_LEN)
            .map_or(pattern.len(), |(i, _)| i);
        return Err(ParseError::new(
            ErrorKind::TooLong,
            format!("pattern is {chars} characters long, CloudWatch allows at most {MAX_LEN}"),
            pattern,
            Span::new(start, pattern.len()),
        )
        .with_hint(hints::TOO_LONG));
    }
    let p = P { src: pattern };
    let ast = p.pattern().map_err(|e| p.error(e))?;
    validate::check(&ast, pattern)?;
    Ok(ast)
}

/// Parses a whole text as one JSON selector (`$.a.b[0]`, `$.['k']`, `$.*`): the grammar of
/// spec §5.2, the same the JSON conditions use.
pub(crate) fn parse_selector(text: &str) -> Result<Selector, ParseError> {
    let p = P { src: text };
    let (rest, selector) = match p.selector(text) {
        Ok(ok) => ok,
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => return Err(p.error(e)),
        Err(nom::Err::Incomplete(_)) => {
            return Err(p.error(p.perr(ErrorKind::Syntax, "incomplete selector", 0, 0)))
        }
    };
    if !rest.is_empty() {
        let at = p.off(rest);
        return Err(p.error(p.perr(
            ErrorKind::Syntax,
            format!("unexpected {} after the selector", describe(rest)),
            at,
            text.len(),
        )));
    }
    validate::check_selector(&selector, text)?;
    Ok(selector)
}

/// The parser over one pattern text.
pub(crate) struct P<'a> {
    src: &'a str,
}

impl<'a> P<'a> {
    /// The byte offset of `rest` (a suffix of the pattern).
    fn off(&self, rest: &str) -> usize {
        self.src.len() - rest.len()
    }

    fn error(&self, e: PErr) -> ParseError {
        let start = self.src.len().saturating_sub(e.rem);
        let err = ParseError::new(
            e.kind,
            e.message,
            self.src,
            Span::new(start, (start + e.len).min(self.src.len())),
        );
        match e.hint {
            Some(h) => err.with_hint(h),
            None => err,
        }
    }

    /// A committed error over `start..end` (byte offsets).
    fn fail<T>(
        &self,
        kind: ErrorKind,
        message: impl Into<String>,
        start: usize,
        end: usize,
    ) -> Result<T, nom::Err<PErr>> {
        Err(nom::Err::Failure(self.perr(kind, message, start, end)))
    }

    fn perr(&self, kind: ErrorKind, message: impl Into<String>, start: usize, end: usize) -> PErr {
        PErr {
            kind,
            message: message.into(),
            hint: None,
            rem: self.src.len() - start,
            len: end.saturating_sub(start),
        }
    }

    /// A committed error over the next token of `rest`.
    fn unexpected(&self, rest: &str, expected: &str) -> nom::Err<PErr> {
        let start = self.off(rest);
        let len = token_len(rest);
        nom::Err::Failure(self.perr(
            ErrorKind::Syntax,
            format!("expected {expected}, found {}", describe(rest)),
            start,
            start + len,
        ))
    }

    /// The whole pattern: the first character picks the syntax (spec §2).
    fn pattern(&self) -> Result<Ast, PErr> {
        let lead = self.src.len() - self.src.trim_start_matches(is_ws).len();
        let body = self.src.trim_matches(is_ws);
        let start = lead;
        let end = lead + body.len();
        let rest = &self.src[start..];
        let unwrap = |r: PResult<'a, Ast>| match r {
            Ok((_, ast)) => Ok(ast),
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e),
            Err(nom::Err::Incomplete(_)) => {
                Err(self.perr(ErrorKind::Syntax, "incomplete pattern", end, end))
            }
        };
        match body.chars().next() {
            None => Ok(Ast::Terms(TermPattern {
                terms: Vec::new(),
                span: Span::new(start, end),
            })),
            Some('{') => {
                if !body.ends_with('}') {
                    return Err(self
                        .perr(
                            ErrorKind::UnclosedBrace,
                            "If a filter pattern starts with '{' it must end with '}'",
                            start,
                            start + 1,
                        )
                        .hint(hints::unclosed_brace(body.contains('}'))));
                }
                unwrap(self.json(rest).map(|(r, j)| (r, Ast::Json(j))))
            }
            Some('[') => {
                if !body.ends_with(']') {
                    return Err(self
                        .perr(
                            ErrorKind::UnclosedBracket,
                            "If a filter pattern starts with '[' it must end with ']'",
                            start,
                            start + 1,
                        )
                        .hint(hints::unclosed_bracket(body.contains(']'))));
                }
                unwrap(self.delimited(rest).map(|(r, d)| (r, Ast::Delimited(d))))
            }
            Some('%') => unwrap(self.standalone_regex(rest)),
            Some(_) => unwrap(self.terms(rest, end)),
        }
    }

    /// Fails unless only whitespace is left.
    fn at_end(&self, rest: &'a str, what: &str) -> PResult<'a, ()> {
        let (rest, _) = multispace0(rest)?;
        if rest.is_empty() {
            Ok((rest, ()))
        } else {
            let start = self.off(rest);
            self.fail(
                ErrorKind::Syntax,
                format!("unexpected {} after the end of the {what}", describe(rest)),
                start,
                self.src.len(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_character_picks_the_syntax() {
        assert!(matches!(parse("ERROR").unwrap(), Ast::Terms(_)));
        assert!(matches!(parse("{ $.a = 1 }").unwrap(), Ast::Json(_)));
        assert!(matches!(parse("[a, b]").unwrap(), Ast::Delimited(_)));
        assert!(matches!(parse("%a%").unwrap(), Ast::Regex(_)));
        assert!(matches!(parse("  ").unwrap(), Ast::Terms(t) if t.terms.is_empty()));
    }

    #[test]
    fn too_long_points_past_the_limit() {
        let e = parse(&"a".repeat(MAX_LEN + 3)).unwrap_err();
        assert_eq!(*e.kind(), ErrorKind::TooLong);
        assert_eq!(e.span(), Span::new(MAX_LEN, MAX_LEN + 3));
    }

    #[test]
    fn selectors_parse_alone() {
        assert_eq!(parse_selector("$.a[0]").unwrap().to_string(), "$.a[0]");
        assert_eq!(
            parse_selector("$.['a.b']").unwrap().to_string(),
            "$.['a.b']"
        );
        assert!(parse_selector("$.a b").is_err());
    }
}
