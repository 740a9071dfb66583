//! The boolean grammar JSON patterns and space-delimited slots share:
//! `or := and { "||" and }`, `and := primary { "&&" primary }`, `primary := "(" or ")" | leaf`.

use nom::character::complete::multispace0;

use super::super::ast::{Expr, Span};
use super::super::error::ErrorKind;
use super::{PResult, MAX_DEPTH, P};

/// A leaf parser for the shared expression grammar.
pub(super) type Leaf<'p, 'a, L> = &'p dyn Fn(&'a str) -> PResult<'a, L>;

impl<'a> P<'a> {
    /// `or := and { "||" and }`, flattening a chain written without parentheses.
    pub(super) fn or_expr<L>(
        &self,
        i: &'a str,
        depth: usize,
        leaf: Leaf<'_, 'a, L>,
    ) -> PResult<'a, Expr<L>> {
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
    pub(super) fn check_connective(&self, r: &'a str) -> PResult<'a, ()> {
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

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;
    use crate::syntax::Ast;

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_stay() {
        let ast = parse("{ $.a = 1 || $.b = 2 && ($.c = 3 && $.d = 4) }").unwrap();
        assert_eq!(
            ast.to_string(),
            "{ $.a = 1 || ($.b = 2 && ($.c = 3 && $.d = 4)) }"
        );
        let Ast::Json(j) = ast else { panic!() };
        let Expr::Or(items, span) = &j.expr else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert_eq!(*span, Span::new(2, 44));
    }

    #[test]
    fn misspelled_connectives() {
        let e = parse("{ $.a = 1 and $.b = 2 }").unwrap_err();
        assert_eq!(e.message(), "`and` is not an operator");
        assert_eq!(e.span(), Span::new(10, 13));
        let e = parse("{ ($.a = 1 }").unwrap_err();
        assert_eq!(*e.kind(), ErrorKind::UnclosedParen);
        assert_eq!(e.span(), Span::new(2, 3));
    }
}
