//! Space-delimited patterns (spec §6): `[ip, user, ..., status_code = 4*, bytes > 1000]`.

use std::cell::RefCell;

use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::multispace0;

use super::super::ast::{DelimitedPattern, FieldCondition, FieldSpec, Span};
use super::super::error::ErrorKind;
use super::lex::{is_name_char, is_typographic_quote, token_len};
use super::{hints, PErr, PResult, P};

impl<'a> P<'a> {
    pub(super) fn delimited(&self, i: &'a str) -> PResult<'a, DelimitedPattern> {
        let start = self.off(i);
        let (mut r, _) = tag("[")(i)?;
        let mut fields = Vec::new();
        loop {
            let (r2, _) = multispace0(r)?;
            r = r2;
            let fstart = self.off(r);
            if r.starts_with(']') || r.starts_with(',') {
                if fields.is_empty() && r.starts_with(']') {
                    // `[]`: no fields at all (A30), accepted by the service.
                    let end = self.off(&r[1..]);
                    let (r3, _) = self.at_end(&r[1..], "space-delimited pattern")?;
                    return Ok((
                        r3,
                        DelimitedPattern {
                            fields,
                            span: Span::new(start, end),
                        },
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
                .hint(hints::NAME_THE_FIELD),
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
                None => hints::NAME_THE_FIELD.to_owned(),
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

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use crate::syntax::Ast;

    fn fields(p: &str) -> Vec<FieldSpec> {
        match parse(p).unwrap() {
            Ast::Delimited(d) => d.fields,
            other => panic!("{other:?}"),
        }
    }

    /// Regression (#11): `[]` is accepted by the service; it is a pattern with no fields.
    #[test]
    fn empty_brackets_are_a_pattern_without_fields() {
        assert!(fields("[]").is_empty());
        assert!(fields(" [ ] ").is_empty());
        assert_eq!(parse("[]").unwrap().to_string(), "[]");
        assert!(parse("[,]").is_err());
    }

    #[test]
    fn trailing_comma_is_an_unnamed_last_field() {
        let f = fields("[a, ...,]");
        assert_eq!(f.len(), 3);
        assert!(matches!(&f[2], FieldSpec::Field { name: None, .. }));
        assert!(parse("[a,,]").is_err());
    }

    #[test]
    fn slot_conditions_name_their_own_field() {
        assert_eq!(
            parse("[w1!=ERROR&&w1!=WARN, w2]").unwrap().to_string(),
            r#"[w1 != "ERROR" && w1 != "WARN", w2]"#
        );
        let e = parse("[code = 4* && bytes > 1000]").unwrap_err();
        assert_eq!(*e.kind(), ErrorKind::CrossFieldCondition);
        assert_eq!(e.span(), Span::new(14, 19));
        let e = parse("[..., = 404]").unwrap_err();
        assert_eq!(*e.kind(), ErrorKind::UnnamedFieldCondition);
    }
}
