//! `%regex%` literals (spec §4): a standalone regex pattern, or a value in a condition. A
//! literal is checked character by character (§4.2), then compiled by the one dialect
//! translation the evaluator uses ([`crate::syntax::dialect`]), so a pattern that parses
//! always compiles.

use nom::bytes::complete::{tag, take_while};
use nom::character::complete::multispace0;

use super::super::ast::{Ast, RegexLit, Span};
use super::super::dialect;
use super::super::error::ErrorKind;
use super::lex::{char_name, is_regex_char};
use super::{hints, PResult, P};

impl<'a> P<'a> {
    /// A pattern that is one `%regex%` and nothing else.
    pub(super) fn standalone_regex(&self, i: &'a str) -> PResult<'a, Ast> {
        let (rest, re) = self.regex(i)?;
        let (after, _) = multispace0(rest)?;
        if !after.is_empty() {
            let start = self.off(after);
            return Err(nom::Err::Failure(
                self.perr(
                    ErrorKind::Syntax,
                    "unexpected text after a regex pattern",
                    start,
                    self.src.len(),
                )
                .hint(hints::REGEX_ALONE),
            ));
        }
        Ok((after, Ast::Regex(re)))
    }

    /// `%body%`: closed, not empty, allowed characters only, and compilable.
    pub(super) fn regex(&self, i: &'a str) -> PResult<'a, RegexLit> {
        let start = self.off(i);
        let (body_in, _) = tag("%")(i)?;
        let (rest, body) = take_while(|c| c != '%')(body_in)?;
        if rest.is_empty() {
            return Err(nom::Err::Failure(
                self.perr(ErrorKind::UnclosedRegex, "unclosed regex", start, start + 1)
                    .hint(hints::UNCLOSED_REGEX),
            ));
        }
        let rest = &rest[1..];
        let end = self.off(rest);
        if body.is_empty() {
            return Err(nom::Err::Failure(
                self.perr(ErrorKind::EmptyRegex, "empty regex", start, end)
                    .hint("write the regex between the `%` signs"),
            ));
        }
        if let Some((at, c)) = body.char_indices().find(|&(_, c)| !is_regex_char(c)) {
            let cstart = start + 1 + at;
            return Err(nom::Err::Failure(
                self.perr(
                    ErrorKind::InvalidRegexChar,
                    format!("{} is not allowed in a CloudWatch regex", char_name(c)),
                    cstart,
                    cstart + c.len_utf8(),
                )
                .hint(hints::regex_char(c)),
            ));
        }
        if let Err(e) = dialect::compile(body) {
            return Err(nom::Err::Failure(self.perr(
                ErrorKind::InvalidRegex,
                format!("invalid regular expression: {}", e.reason),
                start,
                end,
            )));
        }
        Ok((
            rest,
            RegexLit {
                source: body.to_owned(),
                span: Span::new(start, end),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    /// Regression (#10 bug 1): validation compiles, so every `syntax::parse` caller rejects
    /// what the evaluator would, at the regex's span.
    #[test]
    fn a_regex_the_engine_refuses_is_a_parse_error() {
        let e = parse("{ $.a = %a{5,3}% }").unwrap_err();
        assert_eq!(*e.kind(), ErrorKind::InvalidRegex);
        assert_eq!(e.span(), Span::new(8, 16));
        let e = parse("[a, b = %x{9,1}%]").unwrap_err();
        assert_eq!(e.span(), Span::new(8, 16));
    }

    /// Regression (#11): a `{` that is no repetition is literal, as AWS accepted it.
    #[test]
    fn literal_braces_parse() {
        assert!(parse(r"[version, srcAddr=%{172\.16\.}.*?%, ...]").is_ok());
        assert!(parse(r"%{x}%").is_ok());
    }

    #[test]
    fn forbidden_characters_point_at_themselves() {
        let e = parse("%a(b%").unwrap_err();
        assert_eq!(*e.kind(), ErrorKind::InvalidRegexChar);
        assert_eq!(e.span(), Span::new(2, 3));
        assert_eq!(*parse("%%").unwrap_err().kind(), ErrorKind::EmptyRegex);
        assert_eq!(*parse("%ab").unwrap_err().kind(), ErrorKind::UnclosedRegex);
        let e = parse("%a% b").unwrap_err();
        assert_eq!(e.hint(), Some(hints::REGEX_ALONE));
    }
}
