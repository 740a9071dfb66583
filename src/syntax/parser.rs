//! The nom parser (crate-private).
//!
//! Lexemes are nom parsers over `&str`; the grammar is a small recursive descent built from
//! them. Every input slice is a suffix of the pattern, so a byte offset is always
//! `pattern.len() - rest.len()`. Errors are committed (`nom::Err::Failure`) as soon as the
//! grammar knows what went wrong, so the first real mistake is reported, not a backtrack.

use std::cell::RefCell;

use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::multispace0;
use nom::IResult;

use super::ast::*;
use super::error::{ErrorKind, ParseError};
use super::validate;

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

/// Describes what starts `input`, for "expected X, found Y" messages.
fn describe(input: &str) -> String {
    match input.chars().next() {
        None => "end of pattern".to_owned(),
        Some(c) if is_ws(c) => "whitespace".to_owned(),
        Some(_) => {
            let token: String = input.chars().take_while(|c| !is_ws(*c)).take(20).collect();
            format!("`{token}`")
        }
    }
}

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

/// Characters allowed in an unquoted term (spec A2, strict reading: letters, digits, `_`).
pub(crate) fn is_term_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

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

/// Whether `text` is a number as patterns write them: sign, digits, decimals, exponent.
pub(crate) fn is_number(text: &str) -> bool {
    let s = text.strip_prefix(['+', '-']).unwrap_or(text);
    let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let n = digits(s);
    if n == 0 {
        return false;
    }
    let mut s = &s[n..];
    if let Some(rest) = s.strip_prefix('.') {
        let n = digits(rest);
        if n == 0 {
            return false;
        }
        s = &rest[n..];
    }
    if let Some(rest) = s.strip_prefix(['e', 'E']) {
        let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
        let n = digits(rest);
        if n == 0 {
            return false;
        }
        s = &rest[n..];
    }
    s.is_empty()
}

fn is_typographic_quote(c: char) -> bool {
    matches!(
        c,
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2018}' | '\u{2019}' | '\u{00AB}' | '\u{00BB}'
    )
}

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
        .with_hint("shorten the pattern; everything from here on is over the limit"));
    }
    let p = P { src: pattern };
    let ast = p.pattern().map_err(|e| p.error(e))?;
    validate::check(&ast, pattern)?;
    Ok(ast)
}

struct P<'a> {
    src: &'a str,
}

/// A leaf parser for the shared expression grammar.
type Leaf<'p, 'a, L> = &'p dyn Fn(&'a str) -> PResult<'a, L>;

impl<'a> P<'a> {
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
                        .hint(if body.contains('}') {
                            "a JSON pattern ends at its closing `}`; nothing may follow it"
                        } else {
                            "this `{` opens a JSON pattern; close it with `}` at the end"
                        }));
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
                        .hint(if body.contains(']') {
                            "a space-delimited pattern ends at its closing `]`; nothing may follow it"
                        } else {
                            "this `[` opens a space-delimited pattern; close it with `]` at the end"
                        }));
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

    // ---- standalone regex ------------------------------------------------------------------

    fn standalone_regex(&self, i: &'a str) -> PResult<'a, Ast> {
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
                .hint("a regex pattern is a single %regex%; it cannot be combined with terms"),
            ));
        }
        Ok((after, Ast::Regex(re)))
    }

    fn regex(&self, i: &'a str) -> PResult<'a, RegexLit> {
        let start = self.off(i);
        let (body_in, _) = tag("%")(i)?;
        let (rest, body) = take_while(|c| c != '%')(body_in)?;
        if rest.is_empty() {
            return Err(nom::Err::Failure(
                self.perr(ErrorKind::UnclosedRegex, "unclosed regex", start, start + 1)
                    .hint("a regex is written between two `%` signs: %regex%"),
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
            let err = self.perr(
                ErrorKind::InvalidRegexChar,
                format!("{} is not allowed in a CloudWatch regex", char_name(c)),
                cstart,
                cstart + c.len_utf8(),
            );
            let hint = match c {
                '(' | ')' => "CloudWatch regexes have no groups; match a literal parenthesis with \\x28 or \\x29".to_owned(),
                c if !c.is_ascii() => "CloudWatch regexes take ASCII only; write other characters as a \\xhh escape or use `.`".to_owned(),
                c => format!(
                    "CloudWatch regexes allow letters, digits, space, `: _ # = @ / ; , -` and `^ $ ? [ ] {{ }} | \\ * + .`; write {} as \\x{:02X}",
                    char_name(c),
                    c as u32
                ),
            };
            return Err(nom::Err::Failure(err.hint(hint)));
        }
        Ok((
            rest,
            RegexLit {
                source: body.to_owned(),
                span: Span::new(start, end),
            },
        ))
    }

    // ---- term patterns ---------------------------------------------------------------------

    fn terms(&self, i: &'a str, end: usize) -> PResult<'a, Ast> {
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
        let (rest, text) = match body.chars().next() {
            Some('"') => self.quoted(body)?,
            Some(c) if is_ws(c) => {
                return Err(nom::Err::Failure(
                    self.perr(
                        ErrorKind::Syntax,
                        format!("a lone `{prefix}` must be followed by a term"),
                        start,
                        start + 1,
                    )
                    .hint(format!("write the term right after it: `{prefix}ERROR`")),
                ))
            }
            None => {
                return Err(nom::Err::Failure(
                    self.perr(
                        ErrorKind::Syntax,
                        format!("a lone `{prefix}` must be followed by a term"),
                        start,
                        start + 1,
                    )
                    .hint(format!("write the term right after it: `{prefix}ERROR`")),
                ))
            }
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
        let err = self.perr(
            ErrorKind::InvalidTermChar,
            format!("Invalid character(s) in term `{token}`"),
            start,
            start + len,
        );
        if let Some(c) = token.chars().find(|&c| c.is_whitespace()) {
            err.hint(format!(
                "the term holds {}; replace it with a plain space",
                char_name(c)
            ))
        } else if token.contains('$') || token.contains("==") {
            err.hint("JSON conditions go between braces: { $.field = \"value\" }")
        } else {
            let (prefix, body) = match token.chars().next() {
                Some(c @ ('?' | '-')) => (c.to_string(), &token[1..]),
                _ => (String::new(), token),
            };
            err.hint(format!(
                "unquoted terms may hold only letters, digits and `_`; quote it: {prefix}{}",
                quote(body)
            ))
        }
    }

    // ---- strings and quotes ----------------------------------------------------------------

    /// A double-quoted string with `\"` and `\\` escapes; other backslashes are literal.
    fn quoted(&self, i: &'a str) -> PResult<'a, String> {
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
                .hint("close the string with `\"`; write a quote inside it as \\\""),
        ))
    }

    /// The error for a string opened with a single or typographic quote.
    fn bad_quote(&self, i: &str) -> PErr {
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

    // ---- shared expressions ----------------------------------------------------------------

    /// `or := and { "||" and }`, flattening a chain written without parentheses.
    fn or_expr<L>(&self, i: &'a str, depth: usize, leaf: Leaf<'_, 'a, L>) -> PResult<'a, Expr<L>> {
        let start = self.off(i);
        let (mut rest, first) = self.and_expr(i, depth, leaf)?;
        let mut items = vec![first];
        loop {
            let (r, _) = multispace0(rest)?;
            if let Some(r) = r.strip_prefix("||") {
                let (r, _) = multispace0(r)?;
                let (r, e) = self.and_expr(r, depth, leaf)?;
                items.push(e);
                rest = r;
            } else {
                self.check_connective(r)?;
                break;
            }
        }
        let end = self.off(rest);
        Ok((rest, build(items, Span::new(start, end), Expr::Or)))
    }

    fn and_expr<L>(&self, i: &'a str, depth: usize, leaf: Leaf<'_, 'a, L>) -> PResult<'a, Expr<L>> {
        let start = self.off(i);
        let (mut rest, first) = self.primary(i, depth, leaf)?;
        let mut items = vec![first];
        loop {
            let (r, _) = multispace0(rest)?;
            if let Some(r) = r.strip_prefix("&&") {
                let (r, _) = multispace0(r)?;
                let (r, e) = self.primary(r, depth, leaf)?;
                items.push(e);
                rest = r;
            } else {
                break;
            }
        }
        let end = self.off(rest);
        Ok((rest, build(items, Span::new(start, end), Expr::And)))
    }

    fn primary<L>(&self, i: &'a str, depth: usize, leaf: Leaf<'_, 'a, L>) -> PResult<'a, Expr<L>> {
        let Some(inner) = i.strip_prefix('(') else {
            return leaf(i).map(|(r, l)| (r, Expr::Leaf(l)));
        };
        let open = self.off(i);
        if depth >= MAX_DEPTH {
            return Err(nom::Err::Failure(
                self.perr(
                    ErrorKind::TooDeep,
                    format!("parentheses nested more than {MAX_DEPTH} deep"),
                    open,
                    open + 1,
                )
                .hint("remove redundant parentheses"),
            ));
        }
        let (r, _) = multispace0(inner)?;
        let (r, e) = self.or_expr(r, depth + 1, leaf)?;
        let (r, _) = multispace0(r)?;
        match r.strip_prefix(')') {
            Some(r) => Ok((r, e)),
            None if r.is_empty() || r.starts_with(['}', ']', ',']) => Err(nom::Err::Failure(
                self.perr(ErrorKind::UnclosedParen, "unclosed `(`", open, open + 1)
                    .hint("add the matching `)`"),
            )),
            None => Err(self.unexpected(r, "`&&`, `||` or `)`")),
        }
    }

    /// After an operand, catches the usual ways of misspelling `&&` and `||`.
    fn check_connective(&self, r: &'a str) -> PResult<'a, ()> {
        let at = self.off(r);
        let word: String = r.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
        let (len, tok, hint) = if r.starts_with('&') {
            (1, "&", "use `&&` for AND")
        } else if r.starts_with('|') {
            (1, "|", "use `||` for OR")
        } else if word.eq_ignore_ascii_case("and") {
            (3, word.as_str(), "use `&&` for AND")
        } else if word.eq_ignore_ascii_case("or") {
            (2, word.as_str(), "use `||` for OR")
        } else {
            return Ok((r, ()));
        };
        Err(nom::Err::Failure(
            self.perr(
                ErrorKind::Syntax,
                format!("`{tok}` is not an operator"),
                at,
                at + len,
            )
            .hint(hint),
        ))
    }

    fn cmp_op(&self, i: &'a str) -> PResult<'a, CmpOp> {
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

    // ---- values ----------------------------------------------------------------------------

    fn value(&self, i: &'a str) -> PResult<'a, Value> {
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
                        nom::Err::Failure(e) => nom::Err::Failure(e.hint(
                            "a value is a \"string\", a number, a word such as ConsoleLogin, * or a %regex%",
                        )),
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
                            .hint(if c.is_whitespace() {
                                "replace it with a plain space".to_owned()
                            } else {
                                format!(
                                    "unquoted values may hold letters, digits and `_ . - + * : / @`; quote it: {}",
                                    quote(text.trim_end_matches([')', '}', ']', ',']))
                                )
                            }),
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

    // ---- JSON patterns ---------------------------------------------------------------------

    fn json(&self, i: &'a str) -> PResult<'a, JsonPattern> {
        let start = self.off(i);
        let (r, _) = tag("{")(i)?;
        let (r, _) = multispace0(r)?;
        if r.starts_with('}') {
            return Err(self.unexpected(r, "a condition such as `$.field = \"value\"`"));
        }
        let leaf = |i| self.condition(i);
        let (r, expr) = self.or_expr(r, 0, &leaf)?;
        let (r, _) = multispace0(r)?;
        let Some(r) = r.strip_prefix('}') else {
            if r.starts_with(')') {
                let at = self.off(r);
                return Err(nom::Err::Failure(
                    self.perr(ErrorKind::Syntax, "unmatched `)`", at, at + 1)
                        .hint("remove it or add the matching `(`"),
                ));
            }
            let err = self.unexpected(r, "`&&`, `||` or `}`");
            return Err(match err {
                nom::Err::Failure(e) if r.starts_with(['$', '(']) => {
                    nom::Err::Failure(e.hint("join conditions with `&&` or `||`"))
                }
                e => e,
            });
        };
        let end = self.off(r);
        let (r, _) = self.at_end(r, "JSON pattern")?;
        Ok((
            r,
            JsonPattern {
                expr,
                span: Span::new(start, end),
            },
        ))
    }

    fn condition(&self, i: &'a str) -> PResult<'a, Condition> {
        let start = self.off(i);
        let (r, selector) = self.selector(i)?;
        let (r, ws) = multispace0(r)?;
        let kw_at = self.off(r);
        let (after_kw, word) = take_while(|c: char| c.is_ascii_alphabetic())(r)?;
        let (r, test) = if !word.is_empty() {
            if ws.is_empty() {
                return Err(self.unexpected(r, "an operator"));
            }
            self.keyword_test(&selector, word, kw_at, after_kw)?
        } else {
            let (r, op) = match self.cmp_op(r) {
                Ok(ok) => ok,
                Err(nom::Err::Error(_)) => {
                    let sel = &self.src[selector.span.start..selector.span.end];
                    return Err(
                        match self.unexpected(r, "an operator (=, !=, <, <=, >, >=), IS or NOT EXISTS") {
                            nom::Err::Failure(e) => nom::Err::Failure(e.hint(format!(
                                "a condition tests its selector: `{sel} = \"value\"`, `{sel} IS NULL`, `{sel} NOT EXISTS`"
                            ))),
                            e => e,
                        },
                    );
                }
                Err(e) => return Err(e),
            };
            let (r, _) = multispace0(r)?;
            let (r, v) = self.value(r)?;
            (r, Test::Compare(op, v))
        };
        let end = self.off(r);
        Ok((
            r,
            Condition {
                selector,
                test,
                span: Span::new(start, end),
            },
        ))
    }

    /// `IS NULL|TRUE|FALSE`, `NOT EXISTS`, and the mistakes around them. Keywords are upper
    /// case, as AWS documents them.
    fn keyword_test(
        &self,
        selector: &Selector,
        word: &str,
        at: usize,
        r: &'a str,
    ) -> PResult<'a, Test> {
        let sel = &self.src[selector.span.start..selector.span.end];
        let next_word = |r: &'a str| -> PResult<'a, (&'a str, usize)> {
            let (r, ws) = multispace0(r)?;
            let wat = self.off(r);
            let (r, w) = take_while(|c: char| c.is_ascii_alphabetic())(r)?;
            if ws.is_empty() && !w.is_empty() {
                return Ok((r, ("", wat)));
            }
            Ok((r, (w, wat)))
        };
        match word {
            "IS" => {
                let (r2, (w, wat)) = next_word(r)?;
                let test = match w {
                    "NULL" => Test::IsNull,
                    "TRUE" => Test::IsTrue,
                    "FALSE" => Test::IsFalse,
                    "NOT" => {
                        let (r3, (w3, _)) = next_word(r2)?;
                        let end = if w3.is_empty() { self.off(r2) } else { self.off(r3) };
                        let hint = match w3 {
                            "TRUE" => format!("CloudWatch has no IS NOT: use `{sel} IS FALSE` (it does not match non-booleans)"),
                            "FALSE" => format!("CloudWatch has no IS NOT: use `{sel} IS TRUE` (it does not match non-booleans)"),
                            _ => format!("CloudWatch has no IS NOT: `{sel} = *` matches any string or number (and `{sel} NOT EXISTS` matches a missing key)"),
                        };
                        return Err(nom::Err::Failure(
                            self.perr(ErrorKind::IsNot, "IS NOT is not supported", at, end).hint(hint),
                        ));
                    }
                    w if ["null", "true", "false"].iter().any(|k| k.eq_ignore_ascii_case(w)) => {
                        return Err(nom::Err::Failure(
                            self.perr(
                                ErrorKind::Syntax,
                                format!("keywords are upper case: `{w}`"),
                                wat,
                                wat + w.len(),
                            )
                            .hint(format!("write `IS {}`", w.to_ascii_uppercase())),
                        ))
                    }
                    _ => {
                        let rest = &self.src[wat..];
                        return Err(self.unexpected(rest, "NULL, TRUE or FALSE after IS"));
                    }
                };
                Ok((r2, test))
            }
            "NOT" => {
                let (r2, (w, wat)) = next_word(r)?;
                if w == "EXISTS" {
                    Ok((r2, Test::NotExists))
                } else if w.eq_ignore_ascii_case("exists") {
                    Err(nom::Err::Failure(
                        self.perr(
                            ErrorKind::Syntax,
                            format!("keywords are upper case: `{w}`"),
                            wat,
                            wat + w.len(),
                        )
                        .hint("write `NOT EXISTS`"),
                    ))
                } else {
                    let rest = &self.src[wat..];
                    Err(self.unexpected(rest, "EXISTS after NOT"))
                }
            }
            "EXISTS" => Err(nom::Err::Failure(
                self.perr(ErrorKind::BareExists, "EXISTS is not supported", at, at + word.len())
                    .hint(format!(
                        "CloudWatch has no EXISTS: `{sel} = *` matches any string or number; `{sel} NOT EXISTS` matches a missing key"
                    )),
            )),
            w if ["is", "not", "exists"].iter().any(|k| k.eq_ignore_ascii_case(w)) => {
                Err(nom::Err::Failure(
                    self.perr(
                        ErrorKind::Syntax,
                        format!("keywords are upper case: `{w}`"),
                        at,
                        at + w.len(),
                    )
                    .hint({
                        let suggestion = self.src[at..]
                            .split(is_ws)
                            .filter(|w| !w.is_empty())
                            .take(2)
                            .collect::<Vec<_>>()
                            .join(" ")
                            .to_ascii_uppercase();
                        if ["IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS"].contains(&suggestion.as_str()) {
                            format!("write `{suggestion}`")
                        } else {
                            "the tests are IS NULL, IS TRUE, IS FALSE and NOT EXISTS, in upper case".to_owned()
                        }
                    }),
                ))
            }
            _ => {
                let rest = &self.src[at..];
                Err(self.unexpected(rest, "an operator (=, !=, <, <=, >, >=), IS or NOT EXISTS"))
            }
        }
    }

    fn selector(&self, i: &'a str) -> PResult<'a, Selector> {
        let start = self.off(i);
        let Some(mut r) = i.strip_prefix('$') else {
            let len = i
                .find(|c: char| {
                    !(is_name_char(c) || c == '.' || c == '[' || c == ']' || c == '*' || c == '\'')
                })
                .unwrap_or(i.len());
            let text = &i[..len];
            if len > 0 && (text.starts_with('.') || text.starts_with(is_name_char)) {
                let fixed = if text.starts_with('.') {
                    format!("${text}")
                } else {
                    format!("$.{text}")
                };
                return Err(nom::Err::Failure(
                    self.perr(
                        ErrorKind::MissingDollar,
                        "a selector must start with `$`",
                        start,
                        start + len,
                    )
                    .hint(format!(
                        "selectors start at the root of the event: `{fixed}`"
                    )),
                ));
            }
            return Err(self.unexpected(i, "a selector such as `$.field`"));
        };
        let mut steps = Vec::new();
        loop {
            let at = self.off(r);
            if let Some(b) = r.strip_prefix(".[").or_else(|| r.strip_prefix('[')) {
                let dotted = r.starts_with('.');
                let (r2, step) = self.bracket_step(b, at, dotted)?;
                steps.push(step);
                r = r2;
            } else if let Some(d) = r.strip_prefix('.') {
                if let Some(d) = d.strip_prefix('*') {
                    steps.push(Step::AnyField);
                    r = d;
                } else {
                    let (d, name) = match take_while1::<_, _, PErr>(is_name_char)(d) {
                        Ok(ok) => ok,
                        Err(_) => {
                            return Err(nom::Err::Failure(
                                self.perr(
                                    ErrorKind::Syntax,
                                    format!("expected a field name after `.`, found {}", describe(d)),
                                    at + 1,
                                    at + 1 + token_len(d).max(1),
                                )
                                .hint("field names hold letters, digits, `_` and `-`; write other keys as .['key']"),
                            ))
                        }
                    };
                    steps.push(Step::Field(name.to_owned()));
                    r = d;
                }
            } else {
                break;
            }
        }
        let end = self.off(r);
        if steps.is_empty() {
            return Err(nom::Err::Failure(
                self.perr(
                    ErrorKind::Syntax,
                    "a selector needs a field after `$`",
                    start,
                    end + token_len(r),
                )
                .hint(match take_while1::<_, _, PErr>(is_name_char)(r) {
                    Ok((_, name)) => format!("write `$.{name}`"),
                    Err(_) => "write `$.field`".to_owned(),
                }),
            ));
        }
        Ok((
            r,
            Selector {
                steps,
                span: Span::new(start, end),
            },
        ))
    }

    /// After `[` (or `.[`): `N]`, `*]` or `'key']`.
    fn bracket_step(&self, b: &'a str, at: usize, dotted: bool) -> PResult<'a, Step> {
        let bad = |msg: &str, hint: &str, end: usize| {
            Err(nom::Err::Failure(
                self.perr(ErrorKind::Syntax, msg, at, end).hint(hint),
            ))
        };
        if let Some(k) = b.strip_prefix('\'') {
            let Some(close) = k.find('\'') else {
                return bad(
                    "unclosed key",
                    "close the key with `']`",
                    at + 1 + usize::from(dotted),
                );
            };
            let key = &k[..close];
            let Some(r) = k[close + 1..].strip_prefix(']') else {
                let e = self.off(&k[close + 1..]);
                return bad("expected `]` after the key", "write keys as .['key']", e);
            };
            return Ok((r, Step::Field(key.to_owned())));
        }
        if b.starts_with('"') {
            return Err(nom::Err::Failure(
                self.perr(
                    ErrorKind::Syntax,
                    "bracket keys take single quotes",
                    at,
                    self.off(b) + 1,
                )
                .hint("write the key as .['key']"),
            ));
        }
        if dotted {
            return bad(
                "expected a quoted key after `.[`",
                "write the key as .['key'], an index as [N]",
                self.off(b),
            );
        }
        if let Some(r) = b.strip_prefix("*]") {
            return Ok((r, Step::AnyIndex));
        }
        let (r, digits) = take_while(|c: char| c.is_ascii_digit())(b)?;
        let Some(r) = r.strip_prefix(']').filter(|_| !digits.is_empty()) else {
            return bad(
                "expected an index, `*` or a quoted key after `[`",
                "write [0], [*] or ['key']",
                self.off(b) + token_len(b).max(1),
            );
        };
        match digits.parse::<u64>() {
            Ok(n) => Ok((r, Step::Index(n))),
            Err(_) => bad(
                "array index too large",
                "indexes are small non-negative integers",
                self.off(r),
            ),
        }
    }

    // ---- space-delimited patterns ----------------------------------------------------------

    fn delimited(&self, i: &'a str) -> PResult<'a, DelimitedPattern> {
        let start = self.off(i);
        let (mut r, _) = tag("[")(i)?;
        let mut fields = Vec::new();
        loop {
            let (r2, _) = multispace0(r)?;
            r = r2;
            let fstart = self.off(r);
            if r.starts_with(']') || r.starts_with(',') {
                if fields.is_empty() && r.starts_with(']') {
                    return Err(nom::Err::Failure(
                        self.perr(
                            ErrorKind::Syntax,
                            "a space-delimited pattern needs at least one field",
                            fstart,
                            fstart + 1,
                        )
                        .hint("name the fields of the line: [ip, user, ..., status_code, bytes]"),
                    ));
                }
                if fields.is_empty() || r.starts_with(',') {
                    return Err(nom::Err::Failure(
                        self.perr(ErrorKind::Syntax, "empty field", fstart, fstart + 1)
                            .hint("name every field; only the last may be left empty, by a trailing comma"),
                    ));
                }
                // A trailing comma: an unnamed last field (spec §6.1).
                fields.push(FieldSpec::Field {
                    name: None,
                    condition: None,
                    span: Span::new(fstart, fstart),
                });
            } else if let Some(r2) = r.strip_prefix("...") {
                fields.push(FieldSpec::Ellipsis(Span::new(fstart, fstart + 3)));
                r = r2;
                let (r3, _) = multispace0(r)?;
                if r3.starts_with(['=', '!', '<', '>']) {
                    let at = self.off(r3);
                    return Err(nom::Err::Failure(
                        self.perr(
                            ErrorKind::UnnamedFieldCondition,
                            "`...` cannot have a condition",
                            fstart,
                            at + 1,
                        )
                        .hint("give the field a name and put the condition on it: `name = value`"),
                    ));
                }
            } else {
                let (r2, f) = self.slot(r)?;
                fields.push(f);
                r = r2;
            }
            let (r2, _) = multispace0(r)?;
            r = r2;
            if let Some(r2) = r.strip_prefix(',') {
                r = r2;
                if matches!(fields.last(), Some(FieldSpec::Field { name: None, .. })) {
                    let at = self.off(r2) - 1;
                    return self.fail(ErrorKind::Syntax, "empty field", at, at + 1);
                }
            } else if let Some(r2) = r.strip_prefix(']') {
                let end = self.off(r2);
                let (r3, _) = self.at_end(r2, "space-delimited pattern")?;
                return Ok((
                    r3,
                    DelimitedPattern {
                        fields,
                        span: Span::new(start, end),
                    },
                ));
            } else {
                self.check_connective(r)?;
                return Err(self.unexpected(r, "`,` or `]`"));
            }
        }
    }

    /// One named field, with or without conditions.
    fn slot(&self, i: &'a str) -> PResult<'a, FieldSpec> {
        let start = self.off(i);
        if i.starts_with(['=', '!', '<', '>']) {
            return Err(nom::Err::Failure(
                self.perr(
                    ErrorKind::UnnamedFieldCondition,
                    "a condition needs a field name",
                    start,
                    start + token_len(i),
                )
                .hint("name the field and test it: `status_code = 404`"),
            ));
        }
        // A slot is a bare name, or conditions (possibly parenthesised) that all name it.
        if !i.starts_with('(') {
            let (r, name) = self.field_name(i)?;
            let (after, _) = multispace0(r)?;
            if after.is_empty() || after.starts_with([',', ']']) {
                return Ok((
                    r,
                    FieldSpec::Field {
                        name: Some(name.to_owned()),
                        condition: None,
                        span: Span::new(start, self.off(r)),
                    },
                ));
            }
        }
        let slot_name: RefCell<Option<&'a str>> = RefCell::new(None);
        let leaf = |i: &'a str| self.field_condition(i, &slot_name);
        let (r, expr) = self.or_expr(i, 0, &leaf)?;
        // Every expression has a leaf, and the first leaf names the slot.
        let name = slot_name.borrow().unwrap_or_default().to_owned();
        Ok((
            r,
            FieldSpec::Field {
                name: Some(name),
                condition: Some(expr),
                span: Span::new(start, self.off(r)),
            },
        ))
    }

    fn field_name(&self, i: &'a str) -> PResult<'a, &'a str> {
        match take_while1::<_, _, PErr>(is_name_char)(i) {
            Ok(ok) => Ok(ok),
            Err(_) => {
                let c = i.chars().next();
                if c.is_some_and(|c| c == '\'' || is_typographic_quote(c)) {
                    return Err(nom::Err::Failure(self.bad_quote(i)));
                }
                Err(self.unexpected(i, "a field name"))
            }
        }
    }

    /// `name op value` inside a slot; every condition must name the slot's field.
    fn field_condition(
        &self,
        i: &'a str,
        slot: &RefCell<Option<&'a str>>,
    ) -> PResult<'a, FieldCondition> {
        let start = self.off(i);
        if i.starts_with(['=', '!', '<', '>']) {
            let name = *slot.borrow();
            let hint = match name {
                Some(n) => format!(
                    "repeat the field name before each condition: `{n} {}`",
                    i[..i.find([',', ']', '&', '|', ')']).unwrap_or(i.len())].trim_end()
                ),
                None => "name the field and test it: `status_code = 404`".to_owned(),
            };
            return Err(nom::Err::Failure(
                self.perr(
                    ErrorKind::UnnamedFieldCondition,
                    "a condition needs a field name",
                    start,
                    start + token_len(i),
                )
                .hint(hint),
            ));
        }
        let (r, name) = self.field_name(i)?;
        let first = *slot.borrow();
        match first {
            None => *slot.borrow_mut() = Some(name),
            Some(slot_name) if slot_name != name => {
                return Err(nom::Err::Failure(
                    self.perr(
                        ErrorKind::CrossFieldCondition,
                        format!("condition on `{name}` inside the slot of `{slot_name}`"),
                        start,
                        start + name.len(),
                    )
                    .hint(format!(
                        "each comma-separated slot tests only its own field; put the condition on `{name}` in the slot of `{name}`"
                    )),
                ))
            }
            Some(_) => {}
        }
        let (r, _) = multispace0(r)?;
        let (r, op) = match self.cmp_op(r) {
            Ok(ok) => ok,
            Err(nom::Err::Error(_)) => {
                let expected = if first.is_none() {
                    "an operator (=, !=, <, <=, >, >=), `,` or `]`"
                } else {
                    "an operator (=, !=, <, <=, >, >=)"
                };
                return Err(self.unexpected(r, expected));
            }
            Err(e) => return Err(e),
        };
        let (r, _) = multispace0(r)?;
        let (r, value) = self.value(r)?;
        Ok((
            r,
            FieldCondition {
                op,
                value,
                span: Span::new(start, self.off(r)),
            },
        ))
    }
}

/// One operand stays itself; several become `make(items, span)`.
fn build<L>(
    mut items: Vec<Expr<L>>,
    span: Span,
    make: fn(Vec<Expr<L>>, Span) -> Expr<L>,
) -> Expr<L> {
    if items.len() == 1 {
        items.pop().unwrap_or_else(|| make(Vec::new(), span))
    } else {
        make(items, span)
    }
}

/// Length in bytes of the next whitespace-delimited token (at least one character).
fn token_len(s: &str) -> usize {
    let n = s.find(is_ws).unwrap_or(s.len());
    if n == 0 {
        s.chars().next().map_or(0, char::len_utf8)
    } else {
        n
    }
}

/// `text` in double quotes with `"` and `\` escaped.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A character for a message: `x`, or its code point when it would not be visible.
fn char_name(c: char) -> String {
    if c.is_whitespace() || c.is_control() {
        format!("U+{:04X} (an invisible character)", c as u32)
    } else {
        format!("`{c}`")
    }
}
