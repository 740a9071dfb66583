//! Where the commands read from and write to: `-` is stdin for an input and stdout for an
//! output, everywhere; an output file is created before any input is read.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cwfilter::detectors::{self, Loaded, Profile};
use cwfilter::replay::Labels;
use cwfilter::trail::time::{parse_bound, Bound, TimeWindow};

/// The error when a command would wait for records typed on a terminal.
pub const NO_INPUT: &str = "no input: give a PATH or pipe records to stdin";

/// True when `path` is `-`, the standard stream.
/// Where a record is, for an error about it: `path:line:1` (the one location format), or
/// `path:line[index]` for a member of an envelope.
pub fn record_at(input: &impl std::fmt::Display, position: &cwfilter::trail::Position) -> String {
    match (position.line, position.index) {
        (Some(line), None) => format!("{input}:{line}:1"),
        _ => format!("{input}{position}"),
    }
}

pub fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The `--labels` file, or with `bundled` and no file the labels bundled with the trail
/// (corpus/labels.jsonl); an error names the file.
pub fn labels(path: Option<&Path>, bundled: bool) -> Result<Option<Labels>, String> {
    let (name, text) = match (path, bundled) {
        (Some(p), _) => (
            label(p),
            read_text(p).map_err(|e| format!("cannot read labels {e}"))?,
        ),
        (None, true) => (
            "bundled:corpus/labels.jsonl".to_owned(),
            super::bundled::labels()?,
        ),
        (None, false) => return Ok(None),
    };
    Labels::from_jsonl(&text)
        .map(Some)
        .map_err(|e| format!("{name}:{e}"))
}

/// Whether reading `paths` (none means stdin) would wait on a terminal.
pub fn waits_on_terminal(paths: &[PathBuf]) -> bool {
    (paths.is_empty() || paths.iter().any(|p| is_dash(p))) && io::stdin().is_terminal()
}

/// Reads a text file, or stdin for `-`; errors name the file (`<stdin>` for `-`).
pub fn read_text(path: &Path) -> Result<String, String> {
    if is_dash(path) {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("<stdin>: {e}"))?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// The name errors give a file: `<stdin>` for `-`.
pub fn label(path: &Path) -> String {
    if is_dash(path) {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Loads the detectors of the `--config` files, each of any kind (`-` reads stdin); without
/// one, the profile's defaults. A file that cannot be read fails the whole set.
pub fn load_detectors(
    configs: &[PathBuf],
    profile: Profile,
) -> Result<Loaded, detectors::ConfigError> {
    if let [path] = configs {
        if !is_dash(path) {
            // One file: the library's reader, which reports invalid UTF-8 with its position.
            return detectors::load(Some(path), profile);
        }
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in configs {
        match read_text(path) {
            Ok(text) => files.push((label(path), text)),
            Err(e) => errors.push(detectors::Diagnostic {
                file: label(path),
                position: None,
                message: format!("cannot read config: {e}"),
                help: None,
            }),
        }
    }
    if !errors.is_empty() {
        return Err(detectors::ConfigError { errors });
    }
    detectors::load_files(&files, profile)
}

/// The `--config` files for [`one_stdin`]: `Some("-")` when one of them is stdin.
pub fn configs_stdin(configs: &[PathBuf]) -> Option<&Path> {
    configs.iter().any(|p| is_dash(p)).then(|| Path::new("-"))
}

/// Checks that at most one of the named inputs is `-` (stdin can be read once).
pub fn one_stdin(inputs: &[(&str, Option<&Path>)]) -> Result<(), String> {
    let dashes: Vec<&str> = inputs
        .iter()
        .filter(|(_, p)| p.is_some_and(is_dash))
        .map(|(name, _)| *name)
        .collect();
    if dashes.len() > 1 {
        return Err(format!(
            "{} all read stdin (`-`); only one input can",
            dashes.join(" and ")
        ));
    }
    Ok(())
}

/// Where a report goes: stdout (no `-o`, or `-o -`) or a file created up front, so a bad
/// output path fails before minutes of reading.
pub enum Destination {
    Stdout,
    File(PathBuf, File),
}

impl Destination {
    pub fn open(path: Option<&Path>) -> Result<Destination, String> {
        match path {
            None => Ok(Destination::Stdout),
            Some(p) if is_dash(p) => Ok(Destination::Stdout),
            Some(p) => File::create(p)
                .map(|f| Destination::File(p.to_owned(), f))
                .map_err(|e| format!("cannot write {}: {e}", p.display())),
        }
    }

    /// Writes the whole text; `Err` is the exit code (see [`super::output::write_error`]).
    pub fn write(self, text: &str) -> Result<(), ExitCode> {
        match self {
            Destination::Stdout => super::output::print(text),
            Destination::File(path, mut file) => file
                .write_all(text.as_bytes())
                .and_then(|()| file.flush())
                .map_err(|e| {
                    eprintln!("cwfilter: cannot write {}: {e}", path.display());
                    ExitCode::from(2)
                }),
        }
    }
}

/// The `--since`/`--until` window of `replay` and `match` (both ends inclusive).
pub fn window(since: Option<&str>, until: Option<&str>) -> Result<TimeWindow, String> {
    Ok(TimeWindow {
        since: since.map(|s| parse_when(s, Bound::Since)).transpose()?,
        until: until.map(|s| parse_when(s, Bound::Until)).transpose()?,
    })
}

/// A `--since`/`--until` value: what [`parse_bound`] reads, plus `now` and times ago
/// (`30m`, `24h`, `7d`, `2w`) relative to the clock.
pub fn parse_when(s: &str, bound: Bound) -> Result<i64, String> {
    let t = s.trim();
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    };
    if t == "now" {
        return Ok(now());
    }
    let unit = match t.chars().last() {
        Some('s') => Some(1),
        Some('m') => Some(60),
        Some('h') => Some(3600),
        Some('d') => Some(86_400),
        Some('w') => Some(7 * 86_400),
        _ => None,
    };
    if let (Some(unit), Ok(n)) = (unit, t[..t.len() - 1].parse::<u32>()) {
        return Ok(now() - i64::from(n) * unit);
    }
    parse_bound(t, bound).map_err(|e| format!("{e}, `now` or a time ago like 7d, 24h"))
}

/// A pattern error with its caret excerpt, under the one `cwfilter: ` prefix.
pub fn rendered(e: &cwfilter::ParseError) -> String {
    let text = e.render();
    let text = text.trim_end();
    format!("cwfilter: {}", text.strip_prefix("error: ").unwrap_or(text))
}

/// Reports a pattern that does not parse; one given on the command line that names an
/// existing file or directory was most likely a PATH with the PATTERN forgotten.
pub fn pattern_error(e: &cwfilter::ParseError, text: &str, from_command_line: bool) {
    eprintln!("{}", rendered(e));
    if from_command_line && !text.is_empty() && Path::new(text).exists() {
        eprintln!("cwfilter: {text:?} names a file: did you forget the PATTERN?");
    }
}

/// A pattern given inline or in a file (`-` for stdin), without the file's final newline.
pub fn pattern_text(inline: Option<&str>, file: Option<&Path>) -> Result<String, String> {
    match (inline, file) {
        (_, Some(file)) => {
            let text = read_text(file).map_err(|e| format!("cannot read pattern {e}"))?;
            Ok(text.trim_end_matches(['\n', '\r']).to_owned())
        }
        (Some(text), None) => Ok(text.to_owned()),
        (None, None) => Err("a PATTERN is required (or -f FILE)".to_owned()),
    }
}

/// A configuration that enables no detector is legal but checks nothing: say so.
pub fn warn_if_none(loaded: &Loaded, configs: &[PathBuf]) {
    if loaded.detectors.is_empty() {
        let file = configs_label(configs);
        eprintln!("cwfilter: warning: {file}: enables no detector");
    }
}

/// How messages name the `--config` files: `the defaults` without one.
pub fn configs_label(configs: &[PathBuf]) -> String {
    if configs.is_empty() {
        "the defaults".to_owned()
    } else {
        configs
            .iter()
            .map(|p| label(p))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
