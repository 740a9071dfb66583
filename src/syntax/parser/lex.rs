//! Lexemes: which characters go where, quoted strings, operators and values.

use nom::bytes::complete::take_while;

use super::super::ast::{CmpOp, Value};
use super::super::error::ErrorKind;
use super::super::number::is_number;
use super::super::printer::quote;
use super::{hints, PErr, PResult, P};

/// Whitespace between tokens: the ASCII whitespace nom's `multispace0` skips. Other
/// whitespace (a no-break space) is an ordinary character, and an error where one is not
/// allowed.
pub(crate) fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Characters allowed in a `.name` selector step and in a space-delimited field name
/// (spec §5.2.1, A13, A28).
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Characters allowed in an unquoted term (spec §3.4, A2): ASCII letters, digits, `_`, and
/// the punctuation deployed patterns show the service accepting unquoted (A2 lists the
/// evidence). Anything else must be quoted: parentheses and non-ASCII characters are observed
/// rejections ("Invalid character(s) in term", spec §4.9), the rest is unknown.
pub(crate) fn is_term_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || TERM_PUNCTUATION.contains(c)
}

/// The punctuation an unquoted term may hold (see [`is_term_char`]).
pub(crate) const TERM_PUNCTUATION: &str = "_.=";

/// Characters allowed in an unquoted value: letters, digits and `_ . - + * : / @`, enough for
/// the words, numbers, dotted names, ARNs and wildcard values AWS's own patterns leave unquoted
/// (`kms.amazonaws.com`, `123.123.*`, `*.8xlarge`, `-1e+3`). Anything else must be quoted.
pub(crate) fn is_value_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '+' | '*' | ':' | '/' | '@')
}

/// Characters a CloudWatch regex may hold (spec §4.2 and A15: the space is allowed).
pub(crate) fn is_regex_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            ':' | '_'
                | '#'
                | '='
                | '@'
                | '/'
                | ';'
                | ','
                | '-'
                | ' '
                | '^'
                | '$'
                | '?'
                | '['
                | ']'
                | '{'
                | '}'
                | '|'
                | '\\'
                | '*'
                | '+'
                | '.'
        )
}

/// Curly and angle quotes, which users paste from documents instead of `"`.
pub(crate) fn is_typographic_quote(c: char) -> bool {
    matches!(
        c,
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2018}' | '\u{2019}' | '\u{00AB}' | '\u{00BB}'
    )
}

/// Describes what starts `input`, for "expected X, found Y" messages.
pub(crate) fn describe(input: &str) -> String {
    match input.chars().next() {
        None => "end of pattern".to_owned(),
        Some(c) if is_ws(c) => "whitespace".to_owned(),
        Some(_) => {
            let token: String = input.chars().take_while(|c| !is_ws(*c)).take(20).collect();
            format!("`{token}`")
        }
    }
}

/// Length in bytes of the next whitespace-delimited token (at least one character).
pub(crate) fn token_len(s: &str) -> usize {
    let n = s.find(is_ws).unwrap_or(s.len());
    if n == 0 {
        s.chars().next().map_or(0, char::len_utf8)
    } else {
        n
    }
}

/// A character for a message: `x`, or its code point when it would not be visible.
pub(crate) fn char_name(c: char) -> String {
    if c.is_whitespace() || c.is_control() {
        format!("U+{:04X} (an invisible character)", c as u32)
    } else {
        format!("`{c}`")
    }
}

impl<'a> P<'a> {
    /// A double-quoted string with `\"` and `\\` escapes; other backslashes are literal.
    pub(super) fn quoted(&self, i: &'a str) -> PResult<'a, String> {
        let start = self.off(i);
        let mut out = String::new();
        let mut chars = i.char_indices().skip(1);
        while let Some((at, c)) = chars.next() {
            match c {
                '"' => return Ok((&i[at + 1..], out)),
                '\\' => match chars.next() {
                    Some((_, c @ ('"' | '\\'))) => out.push(c),
                    Some((_, c)) => {
                        out.push('\\');
                        out.push(c);
                    }
                    None => out.push('\\'),
                },
                c => out.push(c),
            }
        }
        Err(nom::Err::Failure(
            self.perr(ErrorKind::UnclosedQuote, "unclosed `\"`", start, start + 1)
                .hint(hints::UNCLOSED_QUOTE),
        ))
    }

    /// The error for a string opened with a single or typographic quote.
    pub(super) fn bad_quote(&self, i: &str) -> PErr {
        let start = self.off(i);
        let Some(open) = i.chars().next() else {
            return self.perr(ErrorKind::Syntax, "expected a value", start, start);
        };
        let body_start = open.len_utf8();
        let close = i[body_start..]
            .find(|c: char| c == '\'' || is_typographic_quote(c))
            .map(|at| body_start + at);
        let (len, inner) = match close {
            Some(at) => {
                let c = i[at..].chars().next().map_or(1, char::len_utf8);
                (at + c, &i[body_start..at])
            }
            None => (open.len_utf8(), ""),
        };
        if open == '\'' {
            self.perr(
                ErrorKind::SingleQuote,
                "single-quoted strings are not supported",
                start,
                start + len,
            )
            .hint(format!("use double quotes: {}", quote(inner)))
        } else {
            self.perr(
                ErrorKind::TypographicQuote,
                format!("typographic quote `{open}`"),
                start,
                start + len,
            )
            .hint(format!(
                "use straight double quotes (\"), not curly ones: {}",
                quote(inner)
            ))
        }
    }

    /// A comparison operator; a recoverable error (`nom::Err::Error`) when there is none, a
    /// committed one for the usual misspellings (`==`, `<>`, `=>`).
    pub(super) fn cmp_op(&self, i: &'a str) -> PResult<'a, CmpOp> {
        let at = self.off(i);
        let bad = |len: usize, msg: &str, hint: &str| {
            Err(nom::Err::Failure(
                self.perr(ErrorKind::Syntax, msg, at, at + len).hint(hint),
            ))
        };
        if i.starts_with("==") {
            return bad(2, "`==` is not an operator", "use `=` for equality");
        }
        if i.starts_with("<>") {
            return bad(2, "`<>` is not an operator", "use `!=` for inequality");
        }
        if i.starts_with("=>") || i.starts_with("=<") {
            return bad(2, "`=>` / `=<` are not operators", "write `>=` or `<=`");
        }
        for (text, op) in [
            ("!=", CmpOp::Ne),
            ("<=", CmpOp::Le),
            (">=", CmpOp::Ge),
            ("=", CmpOp::Eq),
            ("<", CmpOp::Lt),
            (">", CmpOp::Gt),
        ] {
            if let Some(r) = i.strip_prefix(text) {
                return Ok((r, op));
            }
        }
        Err(nom::Err::Error(self.perr(
            ErrorKind::Syntax,
            "expected an operator",
            at,
            at + token_len(i),
        )))
    }

    /// The right-hand side of a comparison: a quoted string, a `%regex%`, or an unquoted
    /// word, number or `*` (spec §5.3).
    pub(super) fn value(&self, i: &'a str) -> PResult<'a, Value> {
        let start = self.off(i);
        match i.chars().next() {
            Some('"') => {
                let (r, s) = self.quoted(i)?;
                Ok((
                    r,
                    if s == "*" {
                        Value::Star
                    } else {
                        Value::String(s)
                    },
                ))
            }
            Some('%') => self.regex(i).map(|(r, re)| (r, Value::Regex(re))),
            Some(c) if c == '\'' || is_typographic_quote(c) => {
                Err(nom::Err::Failure(self.bad_quote(i)))
            }
            _ => {
                let (r, word) = take_while(is_value_char)(i)?;
                if word.is_empty() {
                    return Err(match self.unexpected(i, "a value") {
                        nom::Err::Failure(e) => nom::Err::Failure(e.hint(hints::VALUE)),
                        e => e,
                    });
                }
                if let Some(c) = r.chars().next() {
                    if !is_ws(c) && !matches!(c, ')' | '}' | ']' | ',' | '&' | '|') {
                        let end = self.off(r) + token_len(r);
                        if c == '\'' || is_typographic_quote(c) {
                            return Err(nom::Err::Failure(self.bad_quote(r)));
                        }
                        let text = &self.src[start..end];
                        return Err(nom::Err::Failure(
                            self.perr(
                                ErrorKind::Syntax,
                                format!("{} is not allowed in an unquoted value", char_name(c)),
                                self.off(r),
                                self.off(r) + c.len_utf8(),
                            )
                            .hint(hints::unquoted_value(c, text)),
                        ));
                    }
                }
                let v = if word == "*" {
                    Value::Star
                } else if is_number(word) {
                    Value::Number(word.to_owned())
                } else {
                    Value::String(word.to_owned())
                };
                Ok((r, v))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn character_classes() {
        assert!(is_name_char('-') && !is_name_char('.'));
        assert!(is_value_char(':') && !is_value_char('"'));
        assert!(is_regex_char(' ') && !is_regex_char('(') && !is_regex_char('!'));
        assert!(is_typographic_quote('\u{201C}') && !is_typographic_quote('"'));
    }

    #[test]
    fn quoted_strings_decode_two_escapes() {
        let ast = parse(r#"{ $.a = "x\"y\\z\n" }"#).unwrap();
        assert_eq!(ast.to_string(), r#"{ $.a = "x\"y\\z\\n" }"#);
    }

    #[test]
    fn unquoted_values_type_themselves() {
        let value = |v: &str| match parse(&format!("{{ $.a = {v} }}")).unwrap() {
            super::super::super::Ast::Json(j) => match j.expr {
                super::super::super::ast::Expr::Leaf(c) => c.test,
                _ => unreachable!(),
            },
            _ => unreachable!(),
        };
        use super::super::super::ast::Test;
        assert_eq!(
            value("1e3"),
            Test::Compare(CmpOp::Eq, Value::Number("1e3".into()))
        );
        assert_eq!(value("*"), Test::Compare(CmpOp::Eq, Value::Star));
        assert_eq!(value("\"*\""), Test::Compare(CmpOp::Eq, Value::Star));
        // Regression (#10 bug 5): one number grammar; `1e999` overflows, so it is a word.
        assert_eq!(
            value("1e999"),
            Test::Compare(CmpOp::Eq, Value::String("1e999".into()))
        );
    }

    #[test]
    fn misspelled_operators_are_named() {
        let e = parse("{ $.a == 1 }").unwrap_err();
        assert_eq!(e.message(), "`==` is not an operator");
        assert_eq!(e.span(), crate::syntax::ast::Span::new(6, 8));
    }
}
