//! Reading CloudTrail in the shapes people have it in, as raw record text.
//!
//! Every input is decompressed if it starts with the gzip magic (multi-member gzip included)
//! and its shape is detected from its content, never from its name:
//! - CloudTrail S3 objects `{"Records":[...]}` (pretty-printed or not);
//! - JSON Lines, one record (or one `{"Records":[...]}` object) per line;
//! - `aws logs filter-log-events` output `{"events":[{"message":"<json>"}]}`;
//! - `aws cloudtrail lookup-events` output `{"Events":[{"CloudTrailEvent":"<json>"}]}`;
//! - a single record object, or a JSON array of records.
//!
//! Records are handed to a callback as the JSON text of the record (borrowed from the read
//! buffer where possible, via `serde_json::value::RawValue`) with where they came from, so a
//! consumer can prefilter bytes before parsing. Nothing here stops a run: unreadable or
//! malformed input becomes an [`Item::Error`] and reading goes on with what follows.

use std::borrow::Cow;
use std::fmt;
use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use serde::Deserialize;
use serde_json::error::Category;
use serde_json::value::RawValue;

/// CloudTrail does not deliver events larger than 256 KB to CloudWatch Logs.
pub const MAX_EVENT_BYTES: usize = 262_144;

/// Limits that keep hostile or broken input from exhausting memory.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Bytes one file may decompress to (a gzip bomb stops here with an error).
    pub max_file_bytes: u64,
    /// Bytes held in memory at once: one JSON Lines line, or one whole-file document.
    pub max_buffer_bytes: usize,
    /// Records larger than this are reported as [`Item::Oversize`], never as records.
    pub max_event_bytes: usize,
    /// A line that is not a JSON object is a plain log message (yielded as a record, as
    /// CloudWatch Logs would hold it) rather than an error. For `cwfilter match` over
    /// application logs; the replay keeps this off, since every CloudTrail record is JSON.
    pub plain_lines: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_file_bytes: 4 << 30,
            max_buffer_bytes: 1 << 30,
            max_event_bytes: MAX_EVENT_BYTES,
            plain_lines: false,
        }
    }
}

/// One input: a file, or standard input (`-`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// `-` is standard input; anything else is a path.
    pub fn from_arg(arg: &Path) -> Input {
        if arg == Path::new("-") {
            Input::Stdin
        } else {
            Input::File(arg.to_path_buf())
        }
    }

    /// The file size on disk, if known (for progress reporting).
    pub fn file_size(&self) -> Option<u64> {
        match self {
            Input::Stdin => None,
            Input::File(p) => fs::metadata(p).ok().map(|m| m.len()),
        }
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Stdin => f.write_str("<stdin>"),
            Input::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Where a record sits in its input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// 1-based line of the record's first byte (for JSON Lines, the line it is on).
    pub line: Option<u64>,
    /// 0-based index in the enclosing `Records` / `events` / `Events` array, if any.
    pub index: Option<u64>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(index) = self.index {
            write!(f, "[{index}]")?;
        }
        Ok(())
    }
}

/// A problem with an input. Reading continues after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrailError {
    /// The input, as displayed (`<stdin>` for `-`).
    pub path: String,
    pub position: Position,
    /// 1-based column (byte) on `position.line`, when known.
    pub column: Option<u64>,
    pub message: String,
}

impl fmt::Display for TrailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(line) = self.position.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(index) = self.position.index {
            write!(f, "[{index}]")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for TrailError {}

/// What reading an input yields, in input order.
#[derive(Debug)]
pub enum Item<'a> {
    /// One record: the JSON text of an object, at most `max_event_bytes` long.
    Record {
        text: &'a str,
        position: Position,
    },
    /// A record CloudWatch Logs would never receive (over 256 KB): count it, never match it.
    Oversize {
        bytes: usize,
        position: Position,
    },
    Error(TrailError),
}

/// What one input amounted to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputStats {
    /// Bytes after decompression.
    pub bytes: u64,
    pub records: u64,
    pub oversize: u64,
    pub errors: u64,
}

/// The inputs named on a command line, expanded.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Files in a deterministic order: arguments in order, each directory walked depth first
    /// with entries sorted by name.
    pub inputs: Vec<Input>,
    /// Files left out by the `keep` predicate (e.g. the `--since`/`--until` key pruning).
    pub pruned: u64,
    /// Paths that do not exist or cannot be listed.
    pub errors: Vec<TrailError>,
}

/// Expands paths (files, directories walked recursively, `-` for stdin) into inputs.
///
/// `keep` is asked about every file found in a directory (not about files named
/// explicitly). When walking, `CloudTrail-Digest` directories (integrity digests, not
/// events), files named `labels.jsonl` (a trail's labels) and hidden entries are skipped,
/// and symbolic links to directories are not followed. Files named explicitly are always read.
pub fn discover(paths: &[PathBuf], keep: &dyn Fn(&Path) -> bool) -> Discovered {
    let mut out = Discovered::default();
    for path in paths {
        if path == Path::new("-") {
            out.inputs.push(Input::Stdin);
            continue;
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, keep, &mut out),
            Ok(_) => out.inputs.push(Input::File(path.clone())),
            Err(e) => out.errors.push(io_error(&path.display().to_string(), &e)),
        }
    }
    out
}

fn walk(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Discovered) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            out.errors.push(io_error(&dir.display().to_string(), &e));
            return;
        }
    };
    let mut children: Vec<(std::ffi::OsString, PathBuf, fs::FileType)> = Vec::new();
    for entry in entries {
        match entry.and_then(|e| Ok((e.file_name(), e.path(), e.file_type()?))) {
            Ok(child) => children.push(child),
            Err(e) => out.errors.push(io_error(&dir.display().to_string(), &e)),
        }
    }
    children.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, path, file_type) in children {
        let name = name.to_string_lossy();
        // Digests are integrity proofs, not events; `labels.jsonl` is the labels of the
        // trail it sits in (as `cwfilter synth` writes them), not more events.
        if name.starts_with('.') || name == "CloudTrail-Digest" || name == "labels.jsonl" {
            continue;
        }
        if file_type.is_dir() {
            walk(&path, keep, out);
        } else if file_type.is_file() || (file_type.is_symlink() && path.is_file()) {
            if keep(&path) {
                out.inputs.push(Input::File(path));
            } else {
                out.pruned += 1;
            }
        }
    }
}

fn io_error(path: &str, e: &io::Error) -> TrailError {
    TrailError {
        path: path.to_string(),
        position: Position::default(),
        column: None,
        message: e.to_string(),
    }
}

/// Caps the bytes a reader may produce; the error names the limit.
struct Limited<R> {
    inner: R,
    remaining: u64,
    limit: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            // Distinguish "exactly at the limit" from "more to come".
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(format!(
                    "input is larger than {} bytes after decompression (limit; possible gzip bomb)",
                    self.limit
                ))),
            };
        }
        let cap = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..cap])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}

const BUF: usize = 256 * 1024;

/// Reads one input, calling `sink` for every record, oversize record and error, in order.
pub fn read_input(input: &Input, opts: &ReadOptions, sink: &mut dyn FnMut(Item<'_>)) -> InputStats {
    let name = input.to_string();
    match input {
        Input::Stdin => read_from(&name, io::stdin().lock(), opts, sink),
        Input::File(p) => match fs::File::open(p) {
            Ok(f) => read_from(&name, f, opts, sink),
            Err(e) => {
                sink(Item::Error(io_error(&name, &e)));
                InputStats {
                    errors: 1,
                    ..InputStats::default()
                }
            }
        },
    }
}

/// Reads any byte stream (a pipe, a socket, standard input) named `name` in errors.
pub fn read_from(
    name: &str,
    source: impl Read,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Item<'_>),
) -> InputStats {
    let mut stats = InputStats::default();
    let mut counting = |item: Item<'_>| {
        match &item {
            Item::Record { .. } => stats.records += 1,
            Item::Oversize { .. } => stats.oversize += 1,
            Item::Error(_) => stats.errors += 1,
        }
        sink(item);
    };
    let mut raw = BufReader::with_capacity(BUF, source);
    let gzip = match raw.fill_buf() {
        Ok(head) => head.starts_with(&[0x1f, 0x8b]),
        Err(e) => {
            counting(Item::Error(io_error(name, &e)));
            return stats;
        }
    };
    let decoded: Box<dyn Read + '_> = if gzip {
        Box::new(MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    let mut reader = Reader {
        src: BufReader::with_capacity(
            BUF,
            Limited {
                inner: decoded,
                remaining: opts.max_file_bytes,
                limit: opts.max_file_bytes,
            },
        ),
        name,
        opts,
        line: 0,
        bytes: 0,
    };
    reader.run(&mut counting);
    let bytes = reader.bytes;
    drop(reader);
    stats.bytes = bytes;
    stats
}

/// Reads an input completely into owned records (for tests and small inputs).
pub fn read_input_to_vec(input: &Input, opts: &ReadOptions) -> (Vec<OwnedItem>, InputStats) {
    let mut items = Vec::new();
    let stats = read_input(input, opts, &mut |item| items.push(OwnedItem::from(item)));
    (items, stats)
}

/// An owned [`Item`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnedItem {
    Record { text: String, position: Position },
    Oversize { bytes: usize, position: Position },
    Error(TrailError),
}

impl From<Item<'_>> for OwnedItem {
    fn from(item: Item<'_>) -> Self {
        match item {
            Item::Record { text, position } => OwnedItem::Record {
                text: text.to_string(),
                position,
            },
            Item::Oversize { bytes, position } => OwnedItem::Oversize { bytes, position },
            Item::Error(e) => OwnedItem::Error(e),
        }
    }
}

/// How one line ended when reading with a cap.
enum Line {
    Eof,
    Read,
    TooLong(u64),
}

struct Reader<'n, 'o, R> {
    src: BufReader<R>,
    name: &'n str,
    opts: &'o ReadOptions,
    /// Lines consumed so far.
    line: u64,
    bytes: u64,
}

impl<R: Read> Reader<'_, '_, R> {
    fn error(&self, line: Option<u64>, column: Option<u64>, message: String) -> TrailError {
        TrailError {
            path: self.name.to_string(),
            position: Position { line, index: None },
            column,
            message,
        }
    }

    /// Appends the next line (with its newline) to `buf`, unless it exceeds the buffer cap,
    /// in which case the line is consumed and dropped.
    fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Line> {
        let start = buf.len();
        let mut dropped: u64 = 0;
        loop {
            let chunk = match self.src.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                if dropped > 0 {
                    self.line += 1;
                    return Ok(Line::TooLong(dropped));
                }
                if buf.len() == start {
                    return Ok(Line::Eof);
                }
                self.line += 1;
                return Ok(Line::Read);
            }
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if dropped > 0 || buf.len() - start + take > self.opts.max_buffer_bytes {
                dropped += (buf.len() - start + take) as u64;
                buf.truncate(start);
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
            self.src.consume(take);
            self.bytes += take as u64;
            if done {
                self.line += 1;
                return Ok(if dropped > 0 {
                    Line::TooLong(dropped)
                } else {
                    Line::Read
                });
            }
        }
    }

    fn run(&mut self, sink: &mut dyn FnMut(Item<'_>)) {
        // Find the first non-blank line, then decide between JSON Lines and one document.
        let mut head = Vec::new();
        let first = loop {
            let before = head.len();
            match self.next_line(&mut head) {
                Ok(Line::Eof) => return,
                Ok(Line::Read) => {
                    if head[before..].iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    break before;
                }
                Ok(Line::TooLong(n)) => {
                    // Only JSON Lines can go on after a line this long.
                    sink(Item::Error(self.line_too_long(n)));
                    return self.lines(sink, Vec::new());
                }
                Err(e) => return sink(Item::Error(self.error(None, None, e.to_string()))),
            }
        };
        let first_line = &head[first..];
        // Binary files get one error, not one per "line".
        if first_line.starts_with(b"PK\x03\x04") {
            let e = self.error(None, None, "a zip archive; unzip it first".to_string());
            return sink(Item::Error(e));
        }
        let bad_text = match std::str::from_utf8(first_line) {
            Err(e) => Some(e.valid_up_to()),
            Ok(_) => memchr::memchr(0, first_line),
        };
        if let Some(at) = bad_text {
            let e = self.error(
                Some(self.line),
                Some(at as u64 + 1),
                "not UTF-8 text (binary data?); file skipped".to_string(),
            );
            return sink(Item::Error(e));
        }
        // A JSON array (of records, or anything): read the file as a stream of documents.
        // With plain lines allowed, `[ERROR] ...` is a log line, not the start of an array.
        if first_byte(first_line) == Some(b'[')
            && (!self.opts.plain_lines
                || complete_json(first_line)
                || first_line.trim_ascii() == b"[")
        {
            return self.document(sink, head);
        }
        // The common cases: a one-line S3 object, or the first line of a JSON Lines file.
        if self.try_line_record(sink, first_line, self.line, true) {
            return self.lines(sink, Vec::new());
        }
        // A JSON value that is not an object: JSON Lines with a bad first line.
        if complete_json(first_line) {
            return self.lines(sink, head);
        }
        // A broken first line in a JSON Lines file: the next line is a complete object.
        if first_byte(first_line) == Some(b'{') {
            let first_number = self.line;
            let second = head.len();
            match self.next_line(&mut head) {
                Ok(Line::Read)
                    if first_byte(&head[second..]) == Some(b'{')
                        && complete_json(&head[second..]) =>
                {
                    let rest = head.split_off(second);
                    self.line_record(sink, &head, first_number);
                    // `lines` reads `rest` as the current line, number `self.line`.
                    return self.lines(sink, rest);
                }
                Ok(Line::TooLong(n)) => {
                    self.line_record(sink, &head, first_number);
                    sink(Item::Error(self.line_too_long(n)));
                    return self.lines(sink, Vec::new());
                }
                Err(e) => return sink(Item::Error(self.error(None, None, e.to_string()))),
                _ => {}
            }
        }
        self.document(sink, head)
    }

    fn line_too_long(&self, n: u64) -> TrailError {
        self.error(
            Some(self.line),
            None,
            format!(
                "line of {n} bytes is longer than the {}-byte buffer limit; skipped",
                self.opts.max_buffer_bytes
            ),
        )
    }

    /// JSON Lines: `pending` holds the already-read first line (if any).
    fn lines(&mut self, sink: &mut dyn FnMut(Item<'_>), pending: Vec<u8>) {
        let mut buf = pending;
        if !buf.is_empty() {
            // `pending` is exactly one line, the current one.
            let line = self.line;
            self.line_record(sink, &buf, line);
        }
        loop {
            buf.clear();
            match self.next_line(&mut buf) {
                Ok(Line::Eof) => return,
                Ok(Line::Read) => {
                    let line = self.line;
                    self.line_record(sink, &buf, line);
                }
                Ok(Line::TooLong(n)) => sink(Item::Error(self.line_too_long(n))),
                Err(e) => {
                    return sink(Item::Error(self.error(
                        Some(self.line + 1),
                        None,
                        e.to_string(),
                    )))
                }
            }
        }
    }

    /// One JSON Lines line: a record, or an S3 object / CLI output on one line.
    fn line_record(&self, sink: &mut dyn FnMut(Item<'_>), bytes: &[u8], line: u64) {
        self.try_line_record(sink, bytes, line, false);
    }

    /// Yields a whole line, without its line ending, as a plain log message.
    fn plain_line(&self, sink: &mut dyn FnMut(Item<'_>), bytes: &[u8], line: u64) {
        // Only called after `bytes` was checked to be UTF-8.
        let text = std::str::from_utf8(bytes)
            .unwrap_or_default()
            .trim_end_matches(['\n', '\r']);
        let position = Position {
            line: Some(line),
            index: None,
        };
        if text.len() > self.opts.max_event_bytes {
            sink(Item::Oversize {
                bytes: text.len(),
                position,
            });
        } else {
            sink(Item::Record { text, position });
        }
    }

    /// One JSON Lines line: a record, or an S3 object / CLI output on one line.
    ///
    /// With `probe`, a line that is not a JSON object is left unreported and `false`
    /// returned, so the caller can read the file as one document instead.
    fn try_line_record(
        &self,
        sink: &mut dyn FnMut(Item<'_>),
        bytes: &[u8],
        line: u64,
        probe: bool,
    ) -> bool {
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                sink(Item::Error(self.error(
                    Some(line),
                    Some(e.valid_up_to() as u64 + 1),
                    "invalid UTF-8".to_string(),
                )));
                return true;
            }
        };
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\u{feff}');
        if text.is_empty() {
            return true;
        }
        if !text.starts_with('{') && self.opts.plain_lines {
            self.plain_line(sink, bytes, line);
            return true;
        }
        if !text.starts_with('{') {
            if !probe {
                sink(Item::Error(self.error(
                    Some(line),
                    Some(1),
                    "line is not a JSON object record".to_string(),
                )));
            }
            return !probe;
        }
        let ctx = Ctx {
            reader_name: self.name,
            opts: self.opts,
        };
        match ctx.object(text, &mut LineCounter::fixed(line), sink) {
            Ok(()) => true,
            Err(_) if probe => false,
            Err(_) if self.opts.plain_lines => {
                self.plain_line(sink, bytes, line);
                true
            }
            Err(e) => {
                sink(Item::Error(self.error(
                    Some(line),
                    Some(e.column() as u64),
                    format!("invalid JSON: {}", json_message(&e)),
                )));
                true
            }
        }
    }

    /// Whole-file mode: one or more JSON documents (pretty-printed S3 objects, CLI output).
    fn document(&mut self, sink: &mut dyn FnMut(Item<'_>), mut buf: Vec<u8>) {
        let cap = self.opts.max_buffer_bytes as u64;
        let already = buf.len() as u64;
        let mut rest = (&mut self.src).take(cap.saturating_sub(already) + 1);
        let read = rest.read_to_end(&mut buf);
        self.bytes += buf.len() as u64 - already;
        if let Err(e) = read {
            return sink(Item::Error(self.error(None, None, e.to_string())));
        }
        if buf.len() as u64 > cap {
            return sink(Item::Error(self.error(
                None,
                None,
                format!(
                    "JSON document is larger than the {}-byte buffer limit",
                    self.opts.max_buffer_bytes
                ),
            )));
        }
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t,
            Err(e) => {
                let (line, col) = line_col(&buf, e.valid_up_to());
                return sink(Item::Error(self.error(
                    Some(line),
                    Some(col),
                    "invalid UTF-8".to_string(),
                )));
            }
        };
        let body = text.strip_prefix('\u{feff}').unwrap_or(text);
        let ctx = Ctx {
            reader_name: self.name,
            opts: self.opts,
        };
        let mut lines = LineCounter::new(text);
        for doc in serde_json::Deserializer::from_str(body).into_iter::<&RawValue>() {
            match doc {
                Ok(raw) => match first_byte(raw.get().as_bytes()) {
                    Some(b'[') => ctx.array(raw, &mut lines, sink),
                    Some(b'{') => {
                        if let Err(e) = ctx.object(raw.get(), &mut lines, sink) {
                            // Cannot happen: the stream parser validated this value.
                            sink(ctx.err(Position::default(), json_message(&e)));
                        }
                    }
                    _ => {
                        let position = Position {
                            line: Some(lines.line_of(raw.get())),
                            index: None,
                        };
                        sink(ctx.err(position, "not a JSON object record".to_string()));
                    }
                },
                Err(e) => {
                    return sink(Item::Error(self.error(
                        Some(e.line() as u64),
                        Some(e.column() as u64),
                        format!("invalid JSON: {}", json_message(&e)),
                    )))
                }
            }
        }
    }
}

/// serde_json's message without its " at line L column C" suffix (positions are ours).
fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_string()
}

fn first_byte(b: &[u8]) -> Option<u8> {
    b.iter().copied().find(|c| !c.is_ascii_whitespace())
}

fn complete_json(line: &[u8]) -> bool {
    match std::str::from_utf8(line) {
        Ok(t) => serde_json::from_str::<&RawValue>(t).is_ok(),
        // Invalid UTF-8 on one line: only JSON Lines can report it and go on.
        Err(_) => true,
    }
}

/// 1-based line and column (in bytes) of a byte offset.
fn line_col(buf: &[u8], offset: usize) -> (u64, u64) {
    let before = &buf[..offset.min(buf.len())];
    let line = memchr::memchr_iter(b'\n', before).count() as u64 + 1;
    let col = match memchr::memrchr(b'\n', before) {
        Some(nl) => offset - nl,
        None => offset + 1,
    };
    (line, col as u64)
}

/// Line numbers of records inside a buffered document, counted incrementally.
struct LineCounter<'t> {
    text: &'t str,
    /// Byte offset already counted, and the line it is on.
    at: usize,
    line: u64,
    fixed: bool,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        LineCounter {
            text,
            at: 0,
            line: 1,
            fixed: false,
        }
    }

    /// Every record is on the same line (JSON Lines).
    fn fixed(line: u64) -> Self {
        LineCounter {
            text: "",
            at: 0,
            line,
            fixed: true,
        }
    }

    /// The line of a slice of `text` (records are visited in order).
    fn line_of(&mut self, part: &str) -> u64 {
        if self.fixed {
            return self.line;
        }
        let offset = (part.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        if offset < self.at || offset > self.text.len() {
            return self.line;
        }
        self.line +=
            memchr::memchr_iter(b'\n', &self.text.as_bytes()[self.at..offset]).count() as u64;
        self.at = offset;
        self.line
    }
}

/// The keys that make an object a container of records rather than a record.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "Records", borrow, default)]
    records: Option<&'a RawValue>,
    #[serde(borrow, default)]
    events: Option<&'a RawValue>,
    #[serde(rename = "Events", borrow, default)]
    lookup_events: Option<&'a RawValue>,
}

/// The same keys, split in the same pass (the common case: a well-formed envelope).
#[derive(Deserialize)]
struct FastEnvelope<'a> {
    #[serde(rename = "Records", borrow, default)]
    records: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    events: Option<Vec<&'a RawValue>>,
    #[serde(rename = "Events", borrow, default)]
    lookup_events: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct LogEvent<'a> {
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct LookupEvent<'a> {
    #[serde(rename = "CloudTrailEvent", borrow, default)]
    cloudtrail_event: Option<Cow<'a, str>>,
}

struct Ctx<'a> {
    reader_name: &'a str,
    opts: &'a ReadOptions,
}

impl Ctx<'_> {
    fn err(&self, position: Position, message: String) -> Item<'static> {
        Item::Error(TrailError {
            path: self.reader_name.to_string(),
            position,
            column: None,
            message,
        })
    }

    fn emit(&self, text: &str, position: Position, sink: &mut dyn FnMut(Item<'_>)) {
        if text.len() > self.opts.max_event_bytes && compact_len(text) > self.opts.max_event_bytes {
            sink(Item::Oversize {
                bytes: text.len(),
                position,
            });
        } else {
            sink(Item::Record { text, position });
        }
    }

    /// An object document (`text` is a slice of the line or buffer `lines` counts in): an
    /// envelope of records, or a record. One pass splits an envelope; only when its shape is
    /// wrong does a second pass find which member is at fault.
    ///
    /// Returns `Err` (and emits nothing) when `text` is not syntactically valid JSON.
    fn object<'t>(
        &self,
        text: &'t str,
        lines: &mut LineCounter<'_>,
        sink: &mut dyn FnMut(Item<'_>),
    ) -> Result<(), serde_json::Error> {
        let here = Position {
            line: Some(lines.line_of(text)),
            index: None,
        };
        match serde_json::from_str::<FastEnvelope<'t>>(text) {
            Ok(env) => {
                if let Some(items) = env.records {
                    self.records_list(items, lines, sink);
                } else if let Some(items) = env.events {
                    self.embedded_list::<LogEvent<'_>>(items, lines, sink, "message", |e| {
                        e.message
                    });
                } else if let Some(items) = env.lookup_events {
                    self.embedded_list::<LookupEvent<'_>>(
                        items,
                        lines,
                        sink,
                        "CloudTrailEvent",
                        |e| e.cloudtrail_event,
                    );
                } else {
                    self.emit(text, here, sink);
                }
                Ok(())
            }
            Err(e) if e.classify() == Category::Data => {
                self.object_slow(text, here, lines, sink);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// An object whose envelope members have the wrong shape: say which.
    fn object_slow(
        &self,
        text: &str,
        here: Position,
        lines: &mut LineCounter<'_>,
        sink: &mut dyn FnMut(Item<'_>),
    ) {
        let env: Envelope<'_> = match serde_json::from_str(text) {
            Ok(env) => env,
            Err(e) => return sink(self.err(here, json_message(&e))),
        };
        let (raw, what) = match (env.records, env.events, env.lookup_events) {
            (Some(raw), _, _) => (raw, "`Records`"),
            (None, Some(raw), _) => (raw, "`events`"),
            (None, None, Some(raw)) => (raw, "`Events`"),
            (None, None, None) => return sink(self.err(here, "not a record".to_string())),
        };
        let here = Position {
            line: Some(lines.line_of(raw.get())),
            index: None,
        };
        match serde_json::from_str::<Vec<&RawValue>>(raw.get()) {
            Ok(_) => sink(self.err(here, format!("{what} has an unexpected shape"))),
            Err(e) => sink(self.err(
                here,
                format!("{what} is not an array: {}", json_message(&e)),
            )),
        }
    }

    /// A top-level JSON array of records.
    fn array(&self, raw: &RawValue, lines: &mut LineCounter<'_>, sink: &mut dyn FnMut(Item<'_>)) {
        let here = Position {
            line: Some(lines.line_of(raw.get())),
            index: None,
        };
        match serde_json::from_str::<Vec<&RawValue>>(raw.get()) {
            Ok(items) => self.records_list(items, lines, sink),
            Err(e) => sink(self.err(here, json_message(&e))),
        }
    }

    fn records_list(
        &self,
        items: Vec<&RawValue>,
        lines: &mut LineCounter<'_>,
        sink: &mut dyn FnMut(Item<'_>),
    ) {
        for (i, item) in items.into_iter().enumerate() {
            let position = Position {
                line: Some(lines.line_of(item.get())),
                index: Some(i as u64),
            };
            if first_byte(item.get().as_bytes()) == Some(b'{') {
                self.emit(item.get(), position, sink);
            } else {
                sink(self.err(position, "record is not a JSON object".to_string()));
            }
        }
    }

    /// CLI output whose records are JSON text inside a string field.
    fn embedded_list<'d, E: Deserialize<'d>>(
        &self,
        items: Vec<&'d RawValue>,
        lines: &mut LineCounter<'_>,
        sink: &mut dyn FnMut(Item<'_>),
        field: &str,
        text_of: impl Fn(E) -> Option<Cow<'d, str>>,
    ) {
        for (i, item) in items.into_iter().enumerate() {
            let position = Position {
                line: Some(lines.line_of(item.get())),
                index: Some(i as u64),
            };
            let text = match serde_json::from_str::<E>(item.get()) {
                Ok(event) => text_of(event),
                Err(e) => {
                    sink(self.err(
                        position,
                        format!("event is not an object: {}", json_message(&e)),
                    ));
                    continue;
                }
            };
            let Some(text) = text else {
                sink(self.err(position, format!("event has no `{field}` string")));
                continue;
            };
            let trimmed = text.trim();
            match serde_json::from_str::<&RawValue>(trimmed) {
                Ok(_) if trimmed.starts_with('{') => self.emit(trimmed, position, sink),
                Ok(_) => sink(self.err(position, format!("`{field}` is not a JSON object record"))),
                Err(e) => sink(self.err(position, format!("`{field}` is not valid JSON: {e}"))),
            }
        }
    }
}

/// The length of a record as CloudWatch Logs would receive it: whitespace outside strings
/// removed (S3 objects are compact already; pretty-printed input is not).
fn compact_len(text: &str) -> usize {
    let mut n = 0;
    let mut in_string = false;
    let mut escaped = false;
    for &b in text.as_bytes() {
        if in_string {
            n += 1;
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !b.is_ascii_whitespace() {
            n += 1;
            if b == b'"' {
                in_string = true;
            }
        }
    }
    n
}

#[derive(Deserialize)]
struct TimeOnly<'a> {
    #[serde(rename = "eventTime", borrow, default)]
    event_time: Option<Cow<'a, str>>,
}

/// The `eventTime` of a record's raw text in epoch seconds, without building a document.
///
/// `None` when the record has no `eventTime` string or it is not a time
/// [`parse_event_time`](super::time::parse_event_time) accepts.
pub fn record_event_time(text: &str) -> Option<i64> {
    let t: TimeOnly<'_> = serde_json::from_str(text).ok()?;
    super::time::parse_event_time(&t.event_time?)
}
