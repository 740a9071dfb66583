//! CloudWatch's regex dialect (spec §4) in terms of the `regex` crate: the one place that turns
//! a `%regex%` body into a compiled [`regex::Regex`]. The parser validates with it (a pattern
//! that parses compiles) and the evaluator matches with it, so the two cannot disagree.
//!
//! Where the `regex` crate reads the documented subset differently, the translation rewrites
//! (docs/filter-patterns.md §4.10 lists each difference and its evidence):
//! - `\d \D \w \W \s \S` are ASCII sets (AWS: `\w` = `[a-zA-Z_0-9]`), not Unicode classes;
//! - `{,n}` is `{0,n}`;
//! - a `{` that does not begin a counted repetition (`{n}`, `{n,}`, `{,n}`, `{n,m}` after
//!   something to repeat) is a literal brace, as in the deployed `%{172\.16\.}.*?%` (A29);
//! - inside a class, `[` is literal and `--`, `&&`, `~~` are not set operations;
//! - a backslash before a letter or digit the dialect gives no meaning to is that character
//!   (`\b` is `b`, not a word boundary).
//!
//! Unanchored search, case sensitive, `.` excludes newline (A16).

use regex::Regex;

/// Limit on the compiled program, so a hostile `%a{1000}{1000}%` is an error, not a stall.
const SIZE_LIMIT: usize = 1 << 20;

/// Why a regex body does not compile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RegexError {
    /// The regex engine's reason, one line (`invalid repetition count`...).
    pub(crate) reason: String,
}

/// Compiles a regex body (the text between the `%` signs) as CloudWatch reads it.
pub(crate) fn compile(source: &str) -> Result<Regex, RegexError> {
    regex::RegexBuilder::new(&translate(source))
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| RegexError {
            reason: first_line(&e),
        })
}

fn first_line(e: &regex::Error) -> String {
    let s = e.to_string();
    s.lines()
        .rev()
        .find(|l| l.starts_with("error:"))
        .unwrap_or(s.lines().next().unwrap_or(""))
        .trim_start_matches("error: ")
        .to_owned()
}

/// The length in bytes of a counted repetition `{n}`, `{n,}`, `{,n}`, `{n,m}` at the start of
/// `s` (which starts with `{`), or `None` if `s` does not start with one. No spaces.
pub(crate) fn repetition_len(s: &str) -> Option<usize> {
    let body = s.strip_prefix('{')?;
    let close = body.find('}')?;
    let inner = &body[..close];
    let is_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let ok = match inner.split_once(',') {
        None => is_digits(inner),
        Some((lo, hi)) => {
            (lo.is_empty() || is_digits(lo))
                && (hi.is_empty() || is_digits(hi))
                && !(lo.is_empty() && hi.is_empty())
        }
    };
    ok.then_some(close + 2)
}

/// The AWS regex body rewritten in the `regex` crate's syntax (see the module docs).
pub(crate) fn translate(src: &str) -> String {
    translate_noting(src, &mut Vec::new())
}

/// Byte offsets of the unescaped `{` that `src` holds as literal braces (not repetitions).
pub(crate) fn literal_braces(src: &str) -> Vec<usize> {
    let mut at = Vec::new();
    translate_noting(src, &mut at);
    at
}

/// What the author of a regex with literal braces most likely meant (spec A29), or `None`
/// when it has none: `{172\.16\.}.*?` was a grouping (`^172\.16\.`), `a{ 2}` a
/// repetition with a stray space (`a{2}`).
pub(crate) fn literal_brace_fix(src: &str) -> Option<String> {
    let braces = literal_braces(src);
    if braces.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(src.len());
    let mut rest = 0;
    for &open in &braces {
        if open < rest {
            continue;
        }
        out.push_str(&src[rest..open]);
        let Some(close) = src[open..].find('}').map(|i| open + i) else {
            out.push_str(&src[open..]);
            rest = src.len();
            break;
        };
        let inner = &src[open + 1..close];
        let squeezed: String = inner.chars().filter(|c| *c != ' ').collect();
        if repetition_len(&format!("{{{squeezed}}}")).is_some() {
            out.push_str(&format!("{{{squeezed}}}"));
        } else {
            if open == 0 {
                out.push('^');
            }
            out.push_str(inner);
        }
        rest = close + 1;
    }
    out.push_str(&src[rest..]);
    // A trailing `.*` adds nothing to an unanchored search.
    for tail in [".*?", ".*"] {
        if out.len() > tail.len() && out.ends_with(tail) && !out.ends_with(&format!("\\{tail}")) {
            out.truncate(out.len() - tail.len());
            break;
        }
    }
    (out != src).then_some(out)
}

fn translate_noting(src: &str, literal: &mut Vec<usize>) -> String {
    let mut out = String::with_capacity(src.len() + 8);
    let mut in_class = false;
    // Whether the last thing written can take a repetition (not the start, not after `|`).
    let mut repeatable = false;
    let mut at = 0;
    while let Some(c) = src[at..].chars().next() {
        at += c.len_utf8();
        match c {
            '\\' => {
                let Some(e) = src[at..].chars().next() else {
                    out.push('\\');
                    break;
                };
                at += e.len_utf8();
                match e {
                    'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                        let (neg, set) = match e {
                            'd' => (false, "0-9"),
                            'D' => (true, "0-9"),
                            'w' => (false, "a-zA-Z_0-9"),
                            'W' => (true, "a-zA-Z_0-9"),
                            's' => (false, "\\t\\n\\x0B\\x0C\\r "),
                            _ => (true, "\\t\\n\\x0B\\x0C\\r "),
                        };
                        out.push('[');
                        if neg {
                            out.push('^');
                        }
                        out.push_str(set);
                        out.push(']');
                    }
                    // `\x`, control escapes and escaped punctuation mean what they mean to the
                    // regex crate; any other escaped character is itself (`\q` = `q`, `\b` =
                    // `b`), since AWS documents no other escapes (A16).
                    'x' | 'n' | 't' | 'r' | 'f' | 'v' => {
                        out.push('\\');
                        out.push(e);
                    }
                    e if e.is_ascii_punctuation() => {
                        out.push('\\');
                        out.push(e);
                    }
                    e => out.push_str(&regex::escape(e.encode_utf8(&mut [0; 4]))),
                }
                repeatable = true;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A `]` right after `[` or `[^` is literal.
                if src[at..].starts_with('^') {
                    out.push('^');
                    at += 1;
                }
                if src[at..].starts_with(']') {
                    out.push_str("\\]");
                    at += 1;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
                repeatable = true;
            }
            // Inside a class `[` is literal for AWS but a nested class for the regex crate.
            '[' => out.push_str("\\["),
            // `--`, `&&` and `~~` are set operations inside a regex-crate class; literal for AWS.
            '-' | '&' | '~' if in_class && out.ends_with(c) => {
                out.push('\\');
                out.push(c);
            }
            '{' if !in_class => match repetition_len(&src[at - 1..]).filter(|_| repeatable) {
                Some(len) => {
                    let rep = &src[at - 1..at - 1 + len];
                    if rep.starts_with("{,") {
                        out.push_str("{0");
                        out.push_str(&rep[1..]);
                    } else {
                        out.push_str(rep);
                    }
                    at += len - 1;
                }
                None => {
                    literal.push(at - 1);
                    out.push_str("\\{");
                    repeatable = true;
                }
            },
            '}' if !in_class => {
                out.push_str("\\}");
                repeatable = true;
            }
            '|' if !in_class => {
                out.push('|');
                repeatable = false;
            }
            c => {
                out.push(c);
                if !in_class {
                    repeatable = true;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation() {
        assert_eq!(translate("a{,3}"), "a{0,3}");
        assert_eq!(translate("a{2}b{2,}c{1,3}"), "a{2}b{2,}c{1,3}");
        assert_eq!(translate(r"\d"), "[0-9]");
        assert_eq!(translate(r"[\d]"), "[[0-9]]");
        assert_eq!(translate(r"\x3A\."), r"\x3A\.");
        assert_eq!(translate("[]a]"), r"[\]a]");
        assert_eq!(translate(r"\q\b\."), r"qb\.");
        assert_eq!(translate("[a--]"), r"[a-\-]");
        assert_eq!(translate("[{}]"), "[{}]");
    }

    /// Regression (#11): a `{` that does not begin a repetition is a literal brace.
    #[test]
    fn braces_that_are_not_repetitions_are_literal() {
        assert_eq!(translate(r"{172\.16\.}.*?"), r"\{172\.16\.\}.*?");
        assert_eq!(translate("a{x}"), r"a\{x\}");
        assert_eq!(translate("a{}"), r"a\{\}");
        assert_eq!(translate("a{,}"), r"a\{,\}");
        assert_eq!(translate("a{ 2}"), r"a\{ 2\}");
        assert_eq!(translate("a|{2}"), r"a|\{2\}");
        assert_eq!(translate("{2}"), r"\{2\}");
        assert_eq!(translate("a{2"), r"a\{2");
        assert_eq!(translate("}"), r"\}");
        let re = compile(r"^{172\.16\.}.*?$").unwrap();
        assert!(re.is_match("{172.16.}x"));
        assert!(!re.is_match("172.16.0.1"));
        assert!(compile("a|{2}").unwrap().is_match("{2}"));
    }

    #[test]
    fn literal_brace_fixes() {
        assert_eq!(literal_braces(r"{172\.16\.}.*?"), [0]);
        assert!(literal_braces(r"a{2}\{x").is_empty());
        assert_eq!(
            literal_brace_fix(r"{172\.16\.}.*?").as_deref(),
            Some(r"^172\.16\.")
        );
        assert_eq!(literal_brace_fix("a{ 2}b").as_deref(), Some("a{2}b"));
        assert_eq!(literal_brace_fix("a{2}"), None);
    }

    #[test]
    fn ascii_classes() {
        let re = compile(r"^\w+\s\d{,2}$").unwrap();
        assert!(re.is_match("ab_9 12"));
        assert!(!re.is_match("é 1"), "\\w is ASCII");
    }

    /// Regression (#10 bug 1): a repetition the engine refuses is an error here, where both
    /// the parser and the evaluator compile.
    #[test]
    fn bad_repetition_is_an_error_not_a_panic() {
        let e = compile("a{5,3}").unwrap_err();
        assert!(e.reason.contains("invalid"), "{}", e.reason);
        assert!(compile("a{1000}{1000}{1000}").is_err(), "size limit");
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn translation_never_panics(src in "\\PC{0,20}") {
            let _ = compile(&src);
        }

        /// Braces that no repetition can explain match themselves.
        #[test]
        fn literal_braces_match_themselves(word in "[a-z.]{0,6}") {
            let body = format!("{{{word}}}");
            let re = compile(&regex::escape(&body).replace("\\{", "{").replace("\\}", "}"));
            if let Ok(re) = re {
                if repetition_len(&body).is_none() {
                    prop_assert!(re.is_match(&body), "{}", body);
                }
            }
        }
    }
}
