//! Term patterns (spec §3): `ERROR -ARGUMENTS`, `?ERROR ?WARN`, `"INTERNAL SERVER ERROR"`.

use nom::bytes::complete::take_while;
use nom::character::complete::multispace0;

use super::super::ast::{Ast, Span, Term, TermKind, TermPattern};
use super::super::error::ErrorKind;
use super::lex::{is_term_char, is_typographic_quote, is_ws, token_len};
use super::{hints, PErr, PResult, P};

/// What an unquoted term may not hold, for the hint (see [`is_term_char`]).
pub(crate) const NEEDS_QUOTES: &str =
    "spaces, quotes, parentheses, non-ASCII characters or punctuation other than `_ . =`";

impl<'a> P<'a> {
    /// The terms up to the end of the pattern (`end` is where its trailing space starts).
    pub(super) fn terms(&self, i: &'a str, end: usize) -> PResult<'a, Ast> {
        let start = self.off(i);
        let mut terms = Vec::new();
        let mut rest = i;
        loop {
            let (r, _) = multispace0(rest)?;
            rest = r;
            if rest.is_empty() {
                break;
            }
            let (r, term) = self.term(rest)?;
            rest = r;
            terms.push(term);
        }
        Ok((
            rest,
            Ast::Terms(TermPattern {
                terms,
                span: Span::new(start, end),
            }),
        ))
    }

    /// One term: an optional `?` or `-`, then a quoted phrase or an unquoted word.
    fn term(&self, i: &'a str) -> PResult<'a, Term> {
        let start = self.off(i);
        let (kind, body) = match i.chars().next() {
            Some('?') => (TermKind::Optional, &i[1..]),
            Some('-') => (TermKind::Exclude, &i[1..]),
            _ => (TermKind::Include, i),
        };
        let prefix = match kind {
            TermKind::Optional => "?",
            TermKind::Exclude => "-",
            TermKind::Include => "",
        };
        let lone = || {
            Err(nom::Err::Failure(
                self.perr(
                    ErrorKind::Syntax,
                    format!("a lone `{prefix}` must be followed by a term"),
                    start,
                    start + 1,
                )
                .hint(format!("write the term right after it: `{prefix}ERROR`")),
            ))
        };
        let (rest, text) = match body.chars().next() {
            Some('"') => self.quoted(body)?,
            Some(c) if is_ws(c) => return lone(),
            None => return lone(),
            Some(c) if c == '\'' || is_typographic_quote(c) => {
                return Err(nom::Err::Failure(self.bad_quote(body)))
            }
            Some(_) => {
                let (rest, word) = take_while(is_term_char)(body)?;
                if !rest.is_empty() && !rest.starts_with(is_ws) || word.is_empty() {
                    return Err(nom::Err::Failure(self.bad_term(i)));
                }
                (rest, word.to_owned())
            }
        };
        if !rest.is_empty() && !rest.starts_with(is_ws) {
            let at = self.off(rest);
            return self.fail(
                ErrorKind::Syntax,
                "expected whitespace after a quoted term",
                at,
                at + token_len(rest),
            );
        }
        Ok((
            rest,
            Term {
                kind,
                text,
                span: Span::new(start, self.off(rest)),
            },
        ))
    }

    /// The error for an unquoted term holding characters that need quotes.
    fn bad_term(&self, token_in: &str) -> PErr {
        let start = self.off(token_in);
        let len = token_in.find(is_ws).unwrap_or(token_in.len());
        let token = &token_in[..len];
        self.perr(
            ErrorKind::InvalidTermChar,
            format!("Invalid character(s) in term `{token}`"),
            start,
            start + len,
        )
        .hint(hints::bad_term(token))
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn terms(p: &str) -> Vec<(TermKind, String)> {
        match parse(p).unwrap() {
            Ast::Terms(t) => t.terms.into_iter().map(|t| (t.kind, t.text)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn prefixes_and_phrases() {
        assert_eq!(
            terms(r#"ERROR -"a b" ?c"#),
            [
                (TermKind::Include, "ERROR".to_owned()),
                (TermKind::Exclude, "a b".to_owned()),
                (TermKind::Optional, "c".to_owned()),
            ]
        );
    }

    #[test]
    fn lone_prefix_is_an_error_at_the_prefix() {
        let e = parse("ERROR - x").unwrap_err();
        assert_eq!(e.span(), Span::new(6, 7));
        assert!(e.message().contains("lone `-`"));
    }

    /// Regression (#11): deployed term patterns hold unquoted `.` and `=`.
    #[test]
    fn evidenced_punctuation_is_accepted_unquoted() {
        assert_eq!(
            terms("Malware scan timed out for notification.id")[5],
            (TermKind::Include, "notification.id".to_owned())
        );
        assert_eq!(terms("Token=")[0], (TermKind::Include, "Token=".to_owned()));
        assert_eq!(parse("-a.b ?x=y").unwrap().to_string(), "-a.b ?x=y");
    }

    #[test]
    fn parentheses_need_quotes() {
        let e = parse("ERROR foo(bar)").unwrap_err();
        assert_eq!(*e.kind(), ErrorKind::InvalidTermChar);
        assert_eq!(e.span(), Span::new(6, 14));
        assert_eq!(e.hint().map(|h| h.ends_with(r#""foo(bar)""#)), Some(true));
    }
}
