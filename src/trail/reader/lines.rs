//! The streaming reader: lines and buffered documents, with their size caps and positions.

use std::io::{self, BufReader, Read};

use serde_json::value::RawValue;

use super::shapes::Ctx;
use super::stream::{records_prefix, End, Mode, Pos};
use super::{Item, Position, ReadOptions, TrailError};

/// How one line ended when reading with a cap.
pub(super) enum Line {
    Eof,
    Read,
    TooLong(u64),
    /// Longer than `stream_above`: the line so far is in the buffer (all of it, newline
    /// included, when `done`), the rest is still to read.
    Long {
        done: bool,
    },
}

pub(super) struct Reader<'n, 'o, R> {
    pub(super) src: BufReader<R>,
    pub(super) name: &'n str,
    pub(super) opts: &'o ReadOptions,
    /// Lines consumed so far.
    pub(super) line: u64,
    pub(super) bytes: u64,
    /// Bytes read ahead of the source, to be read before it (see `stream.rs`).
    pub(super) pending: Vec<u8>,
    pub(super) pending_at: usize,
    /// The splitter's record buffer, reused from record to record.
    pub(super) record_buf: Vec<u8>,
}

impl<R: Read> Reader<'_, '_, R> {
    pub(super) fn error(
        &self,
        line: Option<u64>,
        column: Option<u64>,
        message: String,
    ) -> TrailError {
        TrailError {
            path: self.name.to_string(),
            position: Position { line, index: None },
            column,
            message,
        }
    }

    /// Appends the next line (with its newline) to `buf`, unless it exceeds the buffer cap,
    /// in which case the line is consumed and dropped. A line longer than `stream_above`
    /// comes back as [`Line::Long`] so the caller can stream it.
    fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Line> {
        let start = buf.len();
        self.next_line_from(buf, start, 0, true)
    }

    /// [`Reader::next_line`] for the line starting at `buf[start]`, of which `dropped` bytes
    /// were already dropped.
    fn next_line_from(
        &mut self,
        buf: &mut Vec<u8>,
        start: usize,
        mut dropped: u64,
        stream: bool,
    ) -> io::Result<Line> {
        let above = if stream {
            self.stream_above()
        } else {
            usize::MAX
        };
        let max = self.opts.max_buffer_bytes;
        loop {
            let chunk = self.fill()?;
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
            let len = buf.len() - start + take;
            if dropped == 0 && len > above {
                buf.extend_from_slice(&chunk[..take]);
                self.consume(take);
                return Ok(Line::Long { done });
            }
            if dropped > 0 || len > max {
                dropped += len as u64;
                buf.truncate(start);
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
            self.consume(take);
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

    /// Reads the rest of a [`Line::Long`] line the buffered way.
    fn finish_long(&mut self, buf: &mut Vec<u8>, start: usize, done: bool) -> io::Result<Line> {
        let mut dropped = 0;
        if buf.len() - start > self.opts.max_buffer_bytes {
            dropped = (buf.len() - start) as u64;
            buf.truncate(start);
        }
        if done {
            self.line += 1;
            return Ok(if dropped > 0 {
                Line::TooLong(dropped)
            } else {
                Line::Read
            });
        }
        self.next_line_from(buf, start, dropped, false)
    }

    /// The line length (and document size) above which `{"Records":[` objects are streamed.
    pub(super) fn stream_above(&self) -> usize {
        // `match` over application logs reads broken lines as messages: keep its buffering.
        if self.opts.plain_lines {
            usize::MAX
        } else {
            // Past the buffer limit, streaming is the only way to read an object at all.
            self.opts.stream_above.min(self.opts.max_buffer_bytes)
        }
    }

    /// Streams the `{"Records":[` object that starts the line at `buf[start..]` (its prefix
    /// `off` bytes long) and the rest of the line. `head`: the first line of the input.
    /// Returns whether JSON Lines follow (`false`: the input was read to its end).
    fn stream_line(
        &mut self,
        sink: &mut dyn FnMut(Item<'_>),
        buf: &mut Vec<u8>,
        start: usize,
        off: usize,
        head: bool,
    ) -> bool {
        let mut pending = buf[start + off..].to_vec();
        pending.extend_from_slice(&self.pending[self.pending_at..]);
        self.pending = pending;
        self.pending_at = 0;
        buf.truncate(start);
        let line = self.line + 1;
        let mut pos = Pos {
            line,
            col: off as u64,
        };
        let mode = if head { Mode::Head } else { Mode::Line };
        let end = self.stream_records(mode, &mut pos, line, line, sink);
        match end {
            End::Closed { newline: true } => {
                self.doc_stream(sink, pos, false);
                false
            }
            End::Closed { newline: false } => {
                // More on the first line after the object: a document of several values,
                // as the buffered path reads it.
                if head && self.more_on_line(&mut pos) {
                    self.doc_stream(sink, pos, false);
                    return false;
                }
                self.end_of_line(sink, pos);
                true
            }
            End::LineBroken => {
                if let Ok(c) = self.fill() {
                    if c.first() == Some(&b'\n') {
                        self.consume(1);
                    }
                }
                self.line += 1;
                true
            }
            End::Failed => false,
        }
    }

    /// Skips blanks on the current line; whether something other than its end follows.
    fn more_on_line(&mut self, pos: &mut Pos) -> bool {
        loop {
            let Ok(chunk) = self.fill() else { return false };
            match chunk.first() {
                None | Some(b'\n') => return false,
                Some(b' ' | b'\t' | b'\r') => {
                    self.consume(1);
                    pos.col += 1;
                }
                Some(_) => return true,
            }
        }
    }

    /// After an object streamed in line mode: only whitespace may follow on its line.
    fn end_of_line(&mut self, sink: &mut dyn FnMut(Item<'_>), mut pos: Pos) {
        loop {
            let chunk = match self.fill() {
                Ok(c) => c,
                Err(e) => {
                    return sink(Item::Error(self.error(Some(pos.line), None, e.to_string())))
                }
            };
            let Some(&b) = chunk.first() else {
                self.line += 1;
                return;
            };
            match b {
                b'\n' => {
                    self.consume(1);
                    self.line += 1;
                    return;
                }
                b if b.is_ascii_whitespace() => {
                    self.consume(1);
                    pos.col += 1;
                }
                _ => {
                    sink(Item::Error(self.error(
                        Some(pos.line),
                        Some(pos.col + 1),
                        "invalid JSON: trailing characters".to_string(),
                    )));
                    let _ = self.skip_line();
                }
            }
        }
    }

    pub(super) fn run(&mut self, sink: &mut dyn FnMut(Item<'_>)) {
        // Find the first non-blank line, then decide between JSON Lines and one document.
        let mut head = Vec::new();
        let first = loop {
            let before = head.len();
            let line = match self.next_line(&mut head) {
                Ok(Line::Long { done }) => {
                    if let Some(off) = records_prefix(&head[before..], true) {
                        if self.stream_line(sink, &mut head, before, off, true) {
                            self.lines(sink, Vec::new());
                        }
                        return;
                    }
                    self.finish_long(&mut head, before, done)
                }
                other => other,
            };
            match line {
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
                Ok(Line::Long { .. }) => unreachable!("finish_long reads the line whole"),
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
            match self.next_line_from(&mut head, second, 0, false) {
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
            let line = match self.next_line(&mut buf) {
                Ok(Line::Long { done }) => {
                    if let Some(off) = records_prefix(&buf, true) {
                        if !self.stream_line(sink, &mut buf, 0, off, false) {
                            return;
                        }
                        continue;
                    }
                    self.finish_long(&mut buf, 0, done)
                }
                other => other,
            };
            match line {
                Ok(Line::Eof) => return,
                Ok(Line::Read) => {
                    let line = self.line;
                    self.line_record(sink, &buf, line);
                }
                Ok(Line::TooLong(n)) => sink(Item::Error(self.line_too_long(n))),
                Ok(Line::Long { .. }) => unreachable!("finish_long reads the line whole"),
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
        if !probe && self.opts.plain_lines && plain_record_line(bytes, text, self.opts) {
            let position = Position {
                line: Some(line),
                index: None,
            };
            sink(Item::Record { text, position });
            return true;
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
        // Read ahead up to the streaming threshold: a document that fits is parsed whole.
        let above = self.stream_above();
        let ahead = above.min(self.opts.max_buffer_bytes);
        while buf.len() <= ahead {
            let chunk = match self.fill() {
                Ok(c) => c,
                Err(e) => return sink(Item::Error(self.error(None, None, e.to_string()))),
            };
            if chunk.is_empty() {
                break;
            }
            let take = chunk.len().min((ahead - buf.len()).saturating_add(1));
            buf.extend_from_slice(&chunk[..take]);
            self.consume(take);
        }
        if buf.len() > above {
            buf.extend_from_slice(&self.pending[self.pending_at..]);
            self.pending = buf;
            self.pending_at = 0;
            return self.doc_stream(sink, Pos { line: 1, col: 0 }, true);
        }
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
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_string()
}

/// Whether a JSON Lines line can be yielded as a record without parsing it (the hot path of
/// `cwfilter match`, which parses only what its pattern needs). With `plain_lines`, a line that
/// is not valid JSON is yielded as a plain message anyway, so skipping the syntax check changes
/// nothing as long as the line cannot be an envelope (no `Records`, `events` or `Events` key,
/// not even spelled with a `\u` escape) and yields the same text and size verdict either way:
/// it is `{...}` with nothing to trim but its line ending, and within the event size limit.
pub(super) fn plain_record_line(bytes: &[u8], text: &str, opts: &ReadOptions) -> bool {
    use memchr::memmem::Finder;
    // Separate SIMD substring scans: an automaton over these needles is slowed down by how
    // common their first byte `"` is in JSON.
    static NEEDLES: std::sync::OnceLock<[Finder<'static>; 3]> = std::sync::OnceLock::new();
    let untrimmed = bytes
        .strip_suffix(b"\n")
        .map_or(bytes, |b| b.strip_suffix(b"\r").unwrap_or(b));
    if untrimmed.len() != text.len() || text.len() > opts.max_event_bytes || !text.ends_with('}') {
        return false;
    }
    let needles = NEEDLES.get_or_init(|| {
        // `vents"` covers both `"events"` and `"Events"`.
        [
            Finder::new(b"ecords\""),
            Finder::new(b"vents\""),
            Finder::new(b"\\u"),
        ]
    });
    needles.iter().all(|f| f.find(text.as_bytes()).is_none())
}

pub(super) fn first_byte(b: &[u8]) -> Option<u8> {
    b.iter().copied().find(|c| !c.is_ascii_whitespace())
}

pub(super) fn complete_json(line: &[u8]) -> bool {
    match std::str::from_utf8(line) {
        Ok(t) => serde_json::from_str::<&RawValue>(t).is_ok(),
        // Invalid UTF-8 on one line: only JSON Lines can report it and go on.
        Err(_) => true,
    }
}

/// 1-based line and column (in bytes) of a byte offset.
pub(super) fn line_col(buf: &[u8], offset: usize) -> (u64, u64) {
    let before = &buf[..offset.min(buf.len())];
    let line = memchr::memchr_iter(b'\n', before).count() as u64 + 1;
    let col = match memchr::memrchr(b'\n', before) {
        Some(nl) => offset - nl,
        None => offset + 1,
    };
    (line, col as u64)
}

/// Line numbers of records inside a buffered document, counted incrementally.
pub(super) struct LineCounter<'t> {
    text: &'t str,
    /// Byte offset already counted, and the line it is on.
    at: usize,
    line: u64,
    fixed: bool,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        Self::starting(text, 1)
    }

    /// `text` starts on line `line`.
    pub(super) fn starting(text: &'t str, line: u64) -> Self {
        LineCounter {
            text,
            at: 0,
            line,
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
    pub(super) fn line_of(&mut self, part: &str) -> u64 {
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
