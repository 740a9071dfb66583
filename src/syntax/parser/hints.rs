//! The help texts errors carry (`help:` lines): the longer ones live here so the grammar
//! reads as grammar, and so one wording serves every place that needs it.

use super::super::printer::quote;
use super::lex::char_name;

/// A pattern over the length limit.
pub(crate) const TOO_LONG: &str = "shorten the pattern; everything from here on is over the limit";
/// An unclosed `"`.
pub(crate) const UNCLOSED_QUOTE: &str =
    "close the string with `\"`; write a quote inside it as \\\"";
/// A missing value after an operator.
pub(crate) const VALUE: &str =
    "a value is a \"string\", a number, a word such as ConsoleLogin, * or a %regex%";
/// Conditions written as terms.
pub(crate) const JSON_IN_TERMS: &str = "JSON conditions go between braces: { $.field = \"value\" }";
/// A `%regex%` followed by more text.
pub(crate) const REGEX_ALONE: &str =
    "a regex pattern is a single %regex%; it cannot be combined with terms";
/// An unclosed `%`.
pub(crate) const UNCLOSED_REGEX: &str = "a regex is written between two `%` signs: %regex%";
/// A bad `.name` step.
pub(crate) const FIELD_NAME: &str =
    "field names hold letters, digits, `_` and `-`; write other keys as .['key']";
/// A condition without a field name in a space-delimited slot.
pub(crate) const NAME_THE_FIELD: &str = "name the field and test it: `status_code = 404`";

/// A `{` pattern that does not end with `}`.
pub(crate) fn unclosed_brace(has_close: bool) -> &'static str {
    if has_close {
        "a JSON pattern ends at its closing `}`; nothing may follow it"
    } else {
        "this `{` opens a JSON pattern; close it with `}` at the end"
    }
}

/// A `[` pattern that does not end with `]`.
pub(crate) fn unclosed_bracket(has_close: bool) -> &'static str {
    if has_close {
        "a space-delimited pattern ends at its closing `]`; nothing may follow it"
    } else {
        "this `[` opens a space-delimited pattern; close it with `]` at the end"
    }
}

/// A character a CloudWatch regex may not hold.
pub(crate) fn regex_char(c: char) -> String {
    match c {
        '(' | ')' => "CloudWatch regexes have no groups; match a literal parenthesis with \\x28 or \\x29".to_owned(),
        c if !c.is_ascii() => "CloudWatch regexes take ASCII only; write other characters as a \\xhh escape or use `.`".to_owned(),
        c => format!(
            "CloudWatch regexes allow letters, digits, space, `: _ # = @ / ; , -` and `^ $ ? [ ] {{ }} | \\ * + .`; write {} as \\x{:02X}",
            char_name(c),
            c as u32
        ),
    }
}

/// A term holding a character that needs quotes; `token` is the whole term as written.
pub(crate) fn bad_term(token: &str) -> String {
    if let Some(c) = token.chars().find(|&c| c.is_whitespace()) {
        return format!(
            "the term holds {}; replace it with a plain space",
            char_name(c)
        );
    }
    if token.contains('$') || token.contains("==") {
        return JSON_IN_TERMS.to_owned();
    }
    let (prefix, body) = match token.chars().next() {
        Some(c @ ('?' | '-')) => (c.to_string(), &token[1..]),
        _ => (String::new(), token),
    };
    format!(
        "quote a term that holds {}: {prefix}{}",
        super::terms::NEEDS_QUOTES,
        quote(body)
    )
}

/// A character an unquoted value may not hold; `text` is the value as written.
pub(crate) fn unquoted_value(c: char, text: &str) -> String {
    if c.is_whitespace() {
        "replace it with a plain space".to_owned()
    } else {
        format!(
            "unquoted values may hold letters, digits and `_ . - + * : / @`; quote it: {}",
            quote(text.trim_end_matches([')', '}', ']', ',']))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_quote_what_they_suggest() {
        assert!(
            bad_term("-a(b").ends_with(r#"-"a(b""#),
            "{}",
            bad_term("-a(b")
        );
        assert_eq!(bad_term("$.a"), JSON_IN_TERMS);
        assert!(regex_char('!').contains("\\x21"));
        assert!(unquoted_value('"', "a\"").contains(r#""a\"""#));
    }
}
