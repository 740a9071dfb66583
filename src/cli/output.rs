//! Shared output helpers for the commands: writing to stdout, one-line events and terminal
//! safety.

use std::borrow::Cow;
use std::io::{self, Write};
use std::process::ExitCode;

/// The one rule for a failed write to stdout: a closed pipe (`| head`) is a normal way to stop
/// reading and ends the command quietly with success, as in grep; any other error (a full
/// disk, `>/dev/full`) loses output, so it is said and the exit status is 2.
pub fn write_error(e: &io::Error) -> ExitCode {
    if e.kind() == io::ErrorKind::BrokenPipe {
        ExitCode::SUCCESS
    } else {
        eprintln!("cwfilter: cannot write output: {e}");
        ExitCode::from(2)
    }
}

/// Writes `text` to stdout and flushes it; `Err` carries the exit code [`write_error`] gives.
pub fn print(text: &str) -> Result<(), ExitCode> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| write_error(&e))
}

/// An event as one output line: a pretty-printed JSON record is compacted (keys keep their
/// order); on a terminal, control characters from event data are shown escaped so a log line
/// cannot move the cursor or recolour the screen.
pub fn one_line(text: &str, terminal: bool) -> Cow<'_, str> {
    let mut line: Cow<'_, str> = Cow::Borrowed(text.trim_end_matches(['\n', '\r']));
    if line.contains(['\n', '\r']) {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&line) {
            line = Cow::Owned(value.to_string());
        }
    }
    if terminal {
        line = strip_controls(line);
    }
    line
}

/// Replaces control characters (other than tab) with visible `\xNN` / `\u{NNNN}` escapes
/// (the library's one escaper, [`cwfilter::terminal::escape_controls`]).
pub fn strip_controls(text: Cow<'_, str>) -> Cow<'_, str> {
    match cwfilter::terminal::escape_controls(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(escaped) => Cow::Owned(escaped),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_json_is_compacted_in_key_order() {
        let text = "{\n  \"b\": 1,\n  \"a\": [1, 2]\n}\n";
        assert_eq!(one_line(text, false), r#"{"b":1,"a":[1,2]}"#);
    }

    #[test]
    fn plain_lines_pass_through_unchanged_off_a_terminal() {
        assert_eq!(
            one_line("ERROR \u{1b}[31mred\n", false),
            "ERROR \u{1b}[31mred"
        );
    }

    #[test]
    fn terminal_output_escapes_control_characters() {
        assert_eq!(
            one_line("ERROR \u{1b}[31mred\tx", true),
            "ERROR \\x1b[31mred\tx"
        );
        assert_eq!(one_line("a\u{85}b", true), "a\\x85b");
    }
}
