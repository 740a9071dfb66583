//! Conformance cases: JSON Lines files of `{"id","pattern","event","expect":true|false}` or
//! `{"id","pattern","expect_error":true}` (other keys ignored), run through [`Pattern`].
//!
//! `cwfilter check` and `cargo test` (tests/it/conformance.rs) both use this module, so the
//! corpus means the same thing in CI and on the command line. A string `event` is a raw log
//! message ([`Pattern::matches_message`]); any other JSON value is an already-parsed record
//! ([`Pattern::matches_json`]). Blank lines are skipped; any other line that is not a case is
//! an error naming the file and line.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::eval::Pattern;

/// One case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The case's id (`doc-01`).
    pub id: String,
    /// The filter pattern.
    pub pattern: String,
    /// What the case expects.
    pub expect: Expect,
    /// 1-based line in its file.
    pub line: usize,
}

/// What a case expects.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// The pattern is valid and matches `event` (or not).
    Match {
        /// The event, a JSON document.
        event: Value,
        /// Whether the pattern matches it.
        matches: bool,
    },
    /// The pattern is rejected.
    Error,
}

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResult {
    /// The case's id.
    pub id: String,
    /// 1-based line in its file.
    pub line: usize,
    /// Whether the outcome was the expected one.
    pub passed: bool,
    /// `true`, `false` or `error`.
    pub expected: String,
    /// `true`, `false`, or `error: <message>`.
    pub got: String,
}

/// A file that cannot be read, or a line that is not a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFileError {
    /// The case file.
    pub path: PathBuf,
    /// 1-based line, when the problem is a line.
    pub line: Option<usize>,
    /// 1-based column on `line` (1 when the whole line is at fault).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// `path:line:col: message`, or `path: message` for the whole file.
impl fmt::Display for CaseFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                l,
                self.column,
                self.message
            ),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for CaseFileError {}

/// Parses the text of a case file. `path` only labels errors.
pub fn parse_cases(text: &str, path: &Path) -> Result<Vec<Case>, CaseFileError> {
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let err = |column: usize, message: String| CaseFileError {
            path: path.to_owned(),
            line: Some(i + 1),
            column,
            message,
        };
        let v: Value = serde_json::from_str(line).map_err(|e| {
            let message = crate::trail::reader::json_message(&e);
            err(e.column().max(1), format!("not JSON: {message}"))
        })?;
        cases.push(case_from_value(v, i + 1).map_err(|m| err(1, m))?);
    }
    Ok(cases)
}

fn case_from_value(v: Value, line: usize) -> Result<Case, String> {
    let Value::Object(mut m) = v else {
        return Err("a case must be a JSON object".into());
    };
    let id = match m.remove("id") {
        Some(Value::String(s)) => s,
        Some(_) => return Err("\"id\" must be a string".into()),
        None => return Err("missing \"id\"".into()),
    };
    let pattern = match m.remove("pattern") {
        Some(Value::String(s)) => s,
        Some(_) => return Err(format!("case {id}: \"pattern\" must be a string")),
        None => return Err(format!("case {id}: missing \"pattern\"")),
    };
    let expect = match (
        m.remove("expect_error"),
        m.remove("expect"),
        m.remove("event"),
    ) {
        (Some(Value::Bool(true)), None, _) => Expect::Error,
        (Some(Value::Bool(true)), Some(_), _) => {
            return Err(format!(
                "case {id}: has both \"expect_error\" and \"expect\""
            ))
        }
        (None | Some(Value::Bool(false)), Some(Value::Bool(matches)), Some(event)) => {
            Expect::Match { event, matches }
        }
        (None | Some(Value::Bool(false)), Some(Value::Bool(_)), None) => {
            return Err(format!("case {id}: missing \"event\""))
        }
        (Some(_), _, _) => return Err(format!("case {id}: \"expect_error\" must be true")),
        (None, Some(_), _) => return Err(format!("case {id}: \"expect\" must be true or false")),
        (None, None, _) => {
            return Err(format!(
                "case {id}: needs \"expect\": true|false or \"expect_error\": true"
            ))
        }
    };
    Ok(Case {
        id,
        pattern,
        expect,
        line,
    })
}

/// Reads and parses a case file.
pub fn load_cases(path: &Path) -> Result<Vec<Case>, CaseFileError> {
    let text = crate::textfile::read_utf8(path).map_err(|e| match e {
        crate::textfile::ReadTextError::Utf8 { line, column } => CaseFileError {
            path: path.to_owned(),
            line: Some(line),
            column,
            message: "invalid UTF-8".to_owned(),
        },
        e => CaseFileError {
            path: path.to_owned(),
            line: None,
            column: 1,
            message: format!("cannot read: {e}"),
        },
    })?;
    parse_cases(&text, path)
}

/// Runs one case.
pub fn run_case(case: &Case) -> CaseResult {
    let parsed = Pattern::parse(&case.pattern);
    let (expected, got) = match (&case.expect, parsed) {
        (Expect::Error, Err(_)) => ("error".to_owned(), "error".to_owned()),
        (Expect::Error, Ok(_)) => ("error".to_owned(), "valid pattern".to_owned()),
        (Expect::Match { matches, .. }, Err(e)) => (matches.to_string(), format!("error: {e}")),
        (Expect::Match { event, matches }, Ok(p)) => {
            let got = match event {
                Value::String(msg) => p.matches_message(msg),
                other => p.matches_json(other),
            };
            (matches.to_string(), got.to_string())
        }
    };
    CaseResult {
        id: case.id.clone(),
        line: case.line,
        passed: expected == got,
        expected,
        got,
    }
}

/// Loads a file and runs every case in it.
pub fn run_file(path: &Path) -> Result<Vec<CaseResult>, CaseFileError> {
    Ok(load_cases(path)?.iter().map(run_case).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Case>, CaseFileError> {
        parse_cases(text, Path::new("t.jsonl"))
    }

    #[test]
    fn reads_both_case_shapes_and_ignores_other_keys() {
        let cases = parse(concat!(
            r#"{"id":"a","pattern":"x","event":"x y","expect":true,"note":"n"}"#,
            "\n\n",
            r#"{"id":"b","pattern":"{","expect_error":true,"source":"s"}"#,
            "\n",
            r#"{"id":"c","pattern":"{ $.a = 1 }","event":{"a":1},"expect":false}"#,
        ))
        .unwrap();
        assert_eq!(cases.len(), 3);
        assert_eq!(cases[1].expect, Expect::Error);
        assert_eq!(cases[1].line, 3);
        assert!(matches!(
            cases[2].expect,
            Expect::Match { matches: false, .. }
        ));
    }

    #[test]
    fn lines_that_are_not_cases_are_errors_with_their_line() {
        for bad in [
            "not json",
            "[1]",
            r#"{"pattern":"x","event":"x","expect":true}"#,
            r#"{"id":"a","event":"x","expect":true}"#,
            r#"{"id":"a","pattern":"x","expect":true}"#,
            r#"{"id":"a","pattern":"x","event":"x","expect":"yes"}"#,
            r#"{"id":"a","pattern":"x","event":"x"}"#,
            r#"{"id":"a","pattern":"x","expect_error":1}"#,
        ] {
            let e = parse(&format!("\n{bad}\n")).unwrap_err();
            assert_eq!(e.line, Some(2), "{bad}");
            let column = if bad == "not json" { 2 } else { 1 };
            assert!(
                e.to_string().starts_with(&format!("t.jsonl:2:{column}: ")),
                "{e}"
            );
        }
    }

    #[test]
    fn unreadable_file_is_an_error() {
        let e = load_cases(Path::new("/nonexistent/cases.jsonl")).unwrap_err();
        assert_eq!(e.line, None);
    }
}
