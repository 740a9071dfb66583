//! Reading text files so that invalid UTF-8 is an error with its position, not a bare
//! "stream did not contain valid UTF-8".

use std::fmt;
use std::io;
use std::path::Path;

/// Why a text file could not be read.
#[derive(Debug)]
pub(crate) enum ReadTextError {
    Io(io::Error),
    /// The first invalid byte: 1-based line, and 1-based column in characters.
    Utf8 {
        line: usize,
        column: usize,
    },
}

impl fmt::Display for ReadTextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadTextError::Io(e) => write!(f, "{e}"),
            ReadTextError::Utf8 { line, column } => {
                write!(f, "invalid UTF-8 at line {line} column {column}")
            }
        }
    }
}

/// Reads `path` as UTF-8 text.
pub(crate) fn read_utf8(path: &Path) -> Result<String, ReadTextError> {
    let bytes = std::fs::read(path).map_err(ReadTextError::Io)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // `valid` is UTF-8 by construction.
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
        ReadTextError::Utf8 {
            line: valid.matches('\n').count() + 1,
            column: valid[line_start..].chars().count() + 1,
        }
    })
}
