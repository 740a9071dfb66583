//! JSON patterns (spec §5): `{ $.eventName = "ConsoleLogin" && $.x NOT EXISTS }`, the
//! conditions, their keyword tests, and the selector grammar (§5.2), which
//! [`super::parse_selector`] also serves to `metricValue` (§7.2).

use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::multispace0;

use super::super::ast::{Condition, JsonPattern, Selector, Span, Step, Test};
use super::super::error::ErrorKind;
use super::lex::{describe, is_name_char, is_ws, token_len};
use super::{hints, PErr, PResult, P};

impl<'a> P<'a> {
    pub(super) fn json(&self, i: &'a str) -> PResult<'a, JsonPattern> {
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

    pub(super) fn selector(&self, i: &'a str) -> PResult<'a, Selector> {
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
                                    format!(
                                        "expected a field name after `.`, found {}",
                                        describe(d)
                                    ),
                                    at + 1,
                                    at + 1 + token_len(d).max(1),
                                )
                                .hint(hints::FIELD_NAME),
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
}

#[cfg(test)]
mod tests {
    use super::super::{parse, parse_selector};
    use super::*;

    #[test]
    fn selector_steps() {
        let s = parse_selector("$.a.['b.c'][0][*]").unwrap();
        assert_eq!(
            s.steps,
            [
                Step::Field("a".into()),
                Step::Field("b.c".into()),
                Step::Index(0),
                Step::AnyIndex,
            ]
        );
        assert_eq!(s.span, Span::new(0, 17));
        assert_eq!(parse_selector("$.*.b").unwrap().steps[0], Step::AnyField);
        assert_eq!(
            *parse_selector("$.a[*].*").unwrap_err().kind(),
            ErrorKind::TooManyWildcards
        );
    }

    /// Regression (#10 bug 5): the metricValue reader accepted these; the grammar does not.
    #[test]
    fn signed_indexes_and_junk_after_keys_are_errors() {
        for bad in [
            "$.a[+1]",
            "$.['a'b']",
            "$.a[-1]",
            "$.a[1",
            "$",
            "$.",
            "$.a..b",
        ] {
            assert!(parse_selector(bad).is_err(), "{bad}");
        }
        let e = parse_selector("$.['a'b']").unwrap_err();
        assert_eq!(e.message(), "expected `]` after the key");
    }

    #[test]
    fn keyword_tests_and_their_mistakes() {
        let ast = parse("{ $.a IS NULL && $.b NOT EXISTS && $.c IS TRUE }").unwrap();
        assert_eq!(
            ast.to_string(),
            "{ $.a IS NULL && $.b NOT EXISTS && $.c IS TRUE }"
        );
        let e = parse("{ $.a IS NOT NULL }").unwrap_err();
        assert_eq!(*e.kind(), ErrorKind::IsNot);
        assert_eq!(e.span(), Span::new(6, 17));
        assert_eq!(
            *parse("{ $.a EXISTS }").unwrap_err().kind(),
            ErrorKind::BareExists
        );
        let e = parse("{ a = 1 }").unwrap_err();
        assert_eq!(*e.kind(), ErrorKind::MissingDollar);
        assert_eq!(
            e.hint(),
            Some("selectors start at the root of the event: `$.a`")
        );
    }

    #[test]
    fn condition_spans_index_the_pattern() {
        let src = "{ $.a = \"x\" }";
        let crate::syntax::Ast::Json(j) = parse(src).unwrap() else {
            panic!()
        };
        let crate::syntax::ast::Expr::Leaf(c) = &j.expr else {
            panic!()
        };
        assert_eq!(&src[c.span.start..c.span.end], "$.a = \"x\"");
        assert_eq!(&src[c.selector.span.start..c.selector.span.end], "$.a");
        assert_eq!(&src[j.span.start..j.span.end], src);
    }
}
