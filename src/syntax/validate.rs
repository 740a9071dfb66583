//! Checks CloudWatch makes on a pattern that parses: quotas (spec §8) and the rules that need
//! the whole tree (duplicate field names). Runs after the parser, on the AST and its spans.

use std::fmt;

use super::ast::*;
use super::error::{ErrorKind, ParseError};
use super::number::is_number;
use super::parser::lex::{is_name_char, is_regex_char};
use super::parser::{MAX_DEPTH, MAX_LEN};

/// At most this many regexes in a JSON or space-delimited pattern (spec §4.8).
pub(crate) const MAX_REGEXES: usize = 2;
/// At most this many selectors with a wildcard in one JSON pattern (spec §5.2.4).
pub(crate) const MAX_WILDCARD_SELECTORS: usize = 3;

/// The whole-tree checks, over a tree parsed from `src`.
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
                check_selector(&c.selector, src)?;
                wild += wildcards(&c.selector);
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

/// The rule on one selector: at most one wildcard (spec §5.2.4).
pub(crate) fn check_selector(selector: &Selector, src: &str) -> Result<(), ParseError> {
    if wildcards(selector) > 1 {
        return Err(ParseError::new(
            ErrorKind::TooManyWildcards,
            "a selector may hold only one wildcard",
            src,
            selector.span,
        )
        .with_hint("CloudWatch allows one `[*]` or `.*` per selector"));
    }
    Ok(())
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

/// Whether an AST is one the parser can produce: what the printer prints of it parses back
/// to an equal tree. Used by property tests and fuzz targets to discard generated trees that
/// no pattern can express (an `And` with one operand, a `"*"` string, which is `Star`, a
/// regex with `(`, two `...`). Independent of the parser: it checks the tree's shape only.
pub fn check_well_formed(ast: &Ast) -> Result<(), IllFormed> {
    well_formed(ast).map_err(|reason| IllFormed { reason })
}

/// Why an AST is not one the parser can produce (see [`check_well_formed`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IllFormed {
    /// What is wrong with the tree, in a few words (`an And/Or with fewer than two operands`).
    pub reason: String,
}

impl fmt::Display for IllFormed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the tree is not one a pattern can express: {}",
            self.reason
        )
    }
}

impl std::error::Error for IllFormed {}

fn well_formed(ast: &Ast) -> Result<(), String> {
    match ast {
        Ast::Terms(_) => {}
        Ast::Regex(re) => regex_ok(re)?,
        Ast::Json(json) => {
            expr_ok(&json.expr, 0)?;
            let mut conditions = Vec::new();
            leaves(&json.expr, &mut conditions);
            let mut regexes = 0;
            let mut wild = 0;
            for c in conditions {
                if c.selector.steps.is_empty() {
                    return Err("a selector without steps".into());
                }
                for step in &c.selector.steps {
                    if let Step::Field(name) = step {
                        let plain = !name.is_empty() && name.chars().all(is_name_char);
                        if !plain && name.contains('\'') {
                            return Err(format!(
                                "field name {name:?} needs brackets and holds `'`"
                            ));
                        }
                    }
                }
                match wildcards(&c.selector) {
                    0 => {}
                    1 => wild += 1,
                    _ => return Err("more than one wildcard in a selector".into()),
                }
                if let Test::Compare(_, v) = &c.test {
                    regexes += usize::from(matches!(v, Value::Regex(_)));
                    value_ok(v)?;
                }
            }
            if wild > MAX_WILDCARD_SELECTORS {
                return Err("too many wildcard selectors".into());
            }
            if regexes > MAX_REGEXES {
                return Err("too many regexes".into());
            }
        }
        Ast::Delimited(d) => {
            let mut names = Vec::new();
            let mut ellipses = 0;
            let mut regexes = 0;
            for (i, f) in d.fields.iter().enumerate() {
                match f {
                    FieldSpec::Ellipsis(_) => ellipses += 1,
                    FieldSpec::Field {
                        name: None,
                        condition,
                        ..
                    } => {
                        if i == 0 || i + 1 != d.fields.len() || condition.is_some() {
                            return Err("an unnamed field that is not a trailing comma".into());
                        }
                    }
                    FieldSpec::Field {
                        name: Some(name),
                        condition,
                        ..
                    } => {
                        if name.is_empty() || !name.chars().all(is_name_char) {
                            return Err(format!("field name {name:?}"));
                        }
                        if names.contains(&name) {
                            return Err(format!("duplicate field {name:?}"));
                        }
                        names.push(name);
                        if let Some(expr) = condition {
                            expr_ok(expr, 0)?;
                            let mut conds = Vec::new();
                            leaves(expr, &mut conds);
                            for c in conds {
                                regexes += usize::from(matches!(c.value, Value::Regex(_)));
                                value_ok(&c.value)?;
                            }
                        }
                    }
                }
            }
            if ellipses > 1 {
                return Err("more than one `...`".into());
            }
            if regexes > MAX_REGEXES {
                return Err("too many regexes".into());
            }
        }
    }
    let len = ast.to_string().chars().count();
    if len > MAX_LEN {
        return Err(format!("printed pattern is {len} characters long"));
    }
    Ok(())
}

/// `And`/`Or` have two or more operands, and printed parentheses stay within the limit.
fn expr_ok<L>(e: &Expr<L>, depth: usize) -> Result<(), String> {
    let (items, is_and) = match e {
        Expr::Leaf(_) => return Ok(()),
        Expr::And(items, _) => (items, true),
        Expr::Or(items, _) => (items, false),
    };
    if items.len() < 2 {
        return Err("an And/Or with fewer than two operands".into());
    }
    for item in items {
        // Mirrors the printer: an operand gets parentheses when it is an Or, or an And under
        // an And.
        let paren = match item {
            Expr::Leaf(_) => false,
            Expr::And(..) => is_and,
            Expr::Or(..) => true,
        };
        let depth = depth + usize::from(paren);
        if depth > MAX_DEPTH {
            return Err("parentheses nested too deep".into());
        }
        expr_ok(item, depth)?;
    }
    Ok(())
}

fn value_ok(v: &Value) -> Result<(), String> {
    match v {
        Value::String(s) if s == "*" => Err("the string \"*\" is Star".into()),
        Value::Number(n) if !is_number(n) => Err(format!("number {n:?}")),
        Value::Regex(re) => regex_ok(re),
        _ => Ok(()),
    }
}

fn regex_ok(re: &RegexLit) -> Result<(), String> {
    if re.source.is_empty() || !re.source.chars().all(is_regex_char) {
        return Err(format!("regex {:?}", re.source));
    }
    if let Err(e) = super::dialect::compile(&re.source) {
        return Err(format!("regex {:?}: {}", re.source, e.reason));
    }
    Ok(())
}
