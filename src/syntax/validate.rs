//! Checks CloudWatch makes on a pattern that parses: quotas (spec §8) and the rules that need
//! the whole tree (duplicate field names). Runs after the parser, on the AST and its spans.

use super::ast::*;
use super::error::{ErrorKind, ParseError};

/// At most this many regexes in a JSON or space-delimited pattern (spec §4.8).
pub(crate) const MAX_REGEXES: usize = 2;
/// At most this many selectors with a wildcard in one JSON pattern (spec §5.2.4).
pub(crate) const MAX_WILDCARD_SELECTORS: usize = 3;

pub(crate) fn check(ast: &Ast, src: &str) -> Result<(), ParseError> {
    match ast {
        Ast::Terms(_) | Ast::Regex(_) => Ok(()),
        Ast::Json(json) => {
            let mut conditions = Vec::new();
            leaves(&json.expr, &mut conditions);
            let regexes = conditions.iter().filter_map(|c| match &c.test {
                Test::Compare(_, Value::Regex(re)) => Some(re.span),
                _ => None,
            });
            check_regexes(regexes, src)?;
            let mut wild = 0;
            for c in &conditions {
                let n = wildcards(&c.selector);
                if n > 1 {
                    return Err(ParseError::new(
                        ErrorKind::TooManyWildcards,
                        "a selector may hold only one wildcard",
                        src,
                        c.selector.span,
                    )
                    .with_hint("CloudWatch allows one `[*]` or `.*` per selector"));
                }
                wild += n;
                if wild > MAX_WILDCARD_SELECTORS {
                    return Err(ParseError::new(
                        ErrorKind::TooManyWildcardSelectors,
                        format!(
                            "a pattern may hold at most {MAX_WILDCARD_SELECTORS} selectors with a wildcard"
                        ),
                        src,
                        c.selector.span,
                    )
                    .with_hint("split the pattern or name the array elements"));
                }
            }
            Ok(())
        }
        Ast::Delimited(d) => {
            let mut regexes = Vec::new();
            let mut names: Vec<&str> = Vec::new();
            let mut ellipsis = false;
            for f in &d.fields {
                match f {
                    FieldSpec::Ellipsis(span) => {
                        if ellipsis {
                            return Err(ParseError::new(
                                ErrorKind::MultipleEllipses,
                                "a pattern may hold only one `...`",
                                src,
                                *span,
                            )
                            .with_hint("name the fields between the two `...`"));
                        }
                        ellipsis = true;
                    }
                    FieldSpec::Field {
                        name,
                        condition,
                        span,
                    } => {
                        if let Some(name) = name {
                            if names.contains(&name.as_str()) {
                                return Err(ParseError::new(
                                    ErrorKind::DuplicateField,
                                    format!("field `{name}` is named twice"),
                                    src,
                                    Span::new(span.start, span.start + name.len()),
                                )
                                .with_hint("give every field its own name"));
                            }
                            names.push(name);
                        }
                        if let Some(expr) = condition {
                            let mut conds = Vec::new();
                            leaves(expr, &mut conds);
                            regexes.extend(conds.iter().filter_map(|c| match &c.value {
                                Value::Regex(re) => Some(re.span),
                                _ => None,
                            }));
                        }
                    }
                }
            }
            check_regexes(regexes.into_iter(), src)
        }
    }
}

fn check_regexes(mut spans: impl Iterator<Item = Span>, src: &str) -> Result<(), ParseError> {
    if let Some(span) = spans.nth(MAX_REGEXES) {
        return Err(ParseError::new(
            ErrorKind::TooManyRegexes,
            format!("a pattern may hold at most {MAX_REGEXES} regexes"),
            src,
            span,
        )
        .with_hint("CloudWatch allows two %regex% values per JSON or space-delimited pattern"));
    }
    Ok(())
}

/// The number of wildcard steps in a selector.
pub(crate) fn wildcards(s: &Selector) -> usize {
    s.steps
        .iter()
        .filter(|s| matches!(s, Step::AnyIndex | Step::AnyField))
        .count()
}

/// The leaves of an expression, left to right.
pub(crate) fn leaves<'e, L>(e: &'e Expr<L>, out: &mut Vec<&'e L>) {
    match e {
        Expr::Leaf(l) => out.push(l),
        Expr::And(items, _) | Expr::Or(items, _) => {
            for i in items {
                leaves(i, out);
            }
        }
    }
}
