//! The streaming splitter: a `{"Records":[ ... ]}` object (the shape of every CloudTrail S3
//! object) read one record at a time from the decompressed stream, keeping only the current
//! record in a reused buffer, and the document mode that uses it for large inputs.
//!
//! The buffered path ([`Reader::document`] under the `stream_above` threshold, and one-line
//! objects read whole) stays the reference: on input the buffered path reads without an
//! error, the splitter yields the same items in the same order with the same positions
//! (`tests/it/trail_stream.rs` and the `reader` fuzz target check it). Where they differ is
//! what is yielded *before* an error in a malformed object: the buffered path parses an
//! object whole and yields nothing from it when it is broken anywhere, the splitter yields
//! the records that came before the fault, then the error. Records over the event limit are
//! counted as oversize from their structure (strings, escapes and brackets) without being
//! buffered or validated.

use std::io::{self, BufRead, Read};

use memchr::memchr3;
use serde_json::value::RawValue;

use super::lines::{json_message, LineCounter, Reader};
use super::shapes::Ctx;
use super::{Item, Position};

/// How a splitter is embedded in its input.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// One JSON Lines line: every record is on the line, a newline ends it.
    Line,
    /// The first line of the input: a newline inside the object makes it a document.
    Head,
    /// A document of a whole-file input.
    Doc,
}

/// How a splitter ended.
pub(super) enum End {
    /// The object closed; `newline` if it spanned lines.
    Closed { newline: bool },
    /// An error was reported; the input cannot be read further.
    Failed,
    /// (Line mode) the line ended inside the object; an error was reported, the newline is
    /// next in the stream.
    LineBroken,
}

/// Where the splitter is: the 1-based line and the 0-based byte column on it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pos {
    pub(super) line: u64,
    pub(super) col: u64,
}

/// What one captured value amounted to.
struct Captured {
    /// Its length in the input.
    raw: usize,
    /// Its length with whitespace outside strings removed.
    compact: usize,
    /// Whether it is whole in the buffer (not dropped for its size).
    kept: bool,
    /// Whether it ended (a line end or the end of input came first otherwise).
    complete: bool,
}

/// Whether `b` starts (after whitespace, and byte order marks where `bom`) with
/// `{ "Records" : [`; `Some(n)` is the length of that prefix, `None` not an envelope (or
/// not decidable within `b`).
pub(super) fn records_prefix(b: &[u8], bom: bool) -> Option<usize> {
    let mut i = 0;
    let ws = |b: &[u8], mut i: usize| {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        i
    };
    loop {
        i = ws(b, i);
        if bom && b[i..].starts_with("\u{feff}".as_bytes()) {
            i += 3;
        } else {
            break;
        }
    }
    for part in [&b"{"[..], b"\"Records\"", b":", b"["] {
        i = ws(b, i);
        if !b[i..].starts_with(part) {
            return None;
        }
        i += part.len();
    }
    Some(i)
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl<R: Read> Reader<'_, '_, R> {
    /// The next bytes: what is left of `pending`, then the source's buffer.
    pub(super) fn fill(&mut self) -> io::Result<&[u8]> {
        if self.pending_at < self.pending.len() {
            return Ok(&self.pending[self.pending_at..]);
        }
        loop {
            match self.src.fill_buf() {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
                Ok(_) => break,
            }
        }
        self.src.fill_buf()
    }

    /// Consumes `n` bytes of what [`Reader::fill`] returned.
    pub(super) fn consume(&mut self, n: usize) {
        if self.pending_at < self.pending.len() {
            self.pending_at += n;
            if self.pending_at >= self.pending.len() {
                self.pending.clear();
                self.pending_at = 0;
            }
        } else {
            self.src.consume(n);
            self.bytes += n as u64;
        }
    }

    /// Makes at least `n` bytes (or all that is left) available in one slice.
    fn ensure(&mut self, n: usize) -> io::Result<()> {
        loop {
            let have = self.pending.len() - self.pending_at;
            if have >= n {
                return Ok(());
            }
            let chunk = loop {
                match self.src.fill_buf() {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                    Ok(c) => break c,
                }
            };
            if chunk.is_empty() {
                return Ok(());
            }
            let take = chunk.len().min(n - have);
            if self.pending_at > 0 {
                self.pending.drain(..self.pending_at);
                self.pending_at = 0;
            }
            self.pending.extend_from_slice(&chunk[..take]);
            self.src.consume(take);
            self.bytes += take as u64;
        }
    }

    fn stream_error(&self, line: Option<u64>, col: Option<u64>, message: String) -> Item<'static> {
        Item::Error(self.error(line, col, message))
    }

    /// Skips whitespace; returns the next byte (not consumed), `None` at the end of input.
    /// In line mode a newline is returned, not skipped.
    pub(super) fn skip_ws(&mut self, pos: &mut Pos, line_mode: bool) -> io::Result<Option<u8>> {
        loop {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                return Ok(None);
            }
            let mut i = 0;
            let mut line = pos.line;
            let mut col = pos.col;
            let mut next = None;
            while i < chunk.len() {
                match chunk[i] {
                    b' ' | b'\t' | b'\r' => col += 1,
                    b'\n' if !line_mode => {
                        line += 1;
                        col = 0;
                    }
                    b => {
                        next = Some(b);
                        break;
                    }
                }
                i += 1;
            }
            pos.line = line;
            pos.col = col;
            self.consume(i);
            if next.is_some() {
                return Ok(next);
            }
        }
    }

    /// Reads one JSON value's text (its first byte is next in the stream) into `buf`,
    /// keeping it while it is at most `keep` bytes long (and, with `compact_limit`, while
    /// its compact length is at most that), and finding its end from its structure alone.
    fn capture(
        &mut self,
        buf: &mut Vec<u8>,
        pos: &mut Pos,
        line_mode: bool,
        keep: usize,
        compact_limit: Option<usize>,
    ) -> io::Result<Captured> {
        buf.clear();
        #[derive(PartialEq)]
        enum Kind {
            Container,
            Str,
            Scalar,
        }
        let mut kind = None;
        let (mut depth, mut in_str, mut esc) = (0u64, false, false);
        let (mut raw, mut ws_out) = (0usize, 0usize);
        let mut kept = true;
        loop {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                return Ok(Captured {
                    raw,
                    compact: raw - ws_out,
                    kept,
                    complete: kind == Some(Kind::Scalar),
                });
            }
            let n = chunk.len();
            let mut i = 0;
            let mut end = false;
            let mut broken = false;
            let (mut line, mut col) = (pos.line, pos.col);
            if kind.is_none() {
                kind = Some(match chunk[0] {
                    b'{' | b'[' => Kind::Container,
                    b'"' => Kind::Str,
                    _ => Kind::Scalar,
                });
            }
            let scalar = kind == Some(Kind::Scalar);
            while i < n {
                if in_str {
                    if esc {
                        esc = false;
                        i += 1;
                        col += 1;
                        continue;
                    }
                    match memchr3(b'"', b'\\', b'\n', &chunk[i..]) {
                        None => {
                            col += (n - i) as u64;
                            i = n;
                        }
                        Some(k) => {
                            i += k;
                            col += k as u64;
                            match chunk[i] {
                                b'"' => {
                                    in_str = false;
                                    i += 1;
                                    col += 1;
                                    if depth == 0 {
                                        end = true;
                                        break;
                                    }
                                }
                                b'\\' => {
                                    esc = true;
                                    i += 1;
                                    col += 1;
                                }
                                _ => {
                                    if line_mode {
                                        broken = true;
                                        break;
                                    }
                                    line += 1;
                                    col = 0;
                                    i += 1;
                                }
                            }
                        }
                    }
                    continue;
                }
                let b = chunk[i];
                if scalar {
                    if is_ws(b) || matches!(b, b',' | b']' | b'}' | b'[' | b'{' | b'"' | b':') {
                        end = true;
                        break;
                    }
                    i += 1;
                    col += 1;
                    continue;
                }
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            i += 1;
                            col += 1;
                            end = true;
                            break;
                        }
                    }
                    b'\n' => {
                        if line_mode {
                            broken = true;
                            break;
                        }
                        ws_out += 1;
                        line += 1;
                        col = 0;
                        i += 1;
                        continue;
                    }
                    b if b.is_ascii_whitespace() => ws_out += 1,
                    _ => {}
                }
                i += 1;
                col += 1;
            }
            raw += i;
            if kept {
                let over_compact = compact_limit.is_some_and(|l| raw - ws_out > l);
                if raw > keep || over_compact {
                    kept = false;
                    buf.clear();
                    buf.shrink_to(keep.min(1 << 20));
                } else {
                    buf.extend_from_slice(&chunk[..i]);
                }
            }
            pos.line = line;
            pos.col = col;
            self.consume(i);
            if end || broken {
                return Ok(Captured {
                    raw,
                    compact: raw - ws_out,
                    kept,
                    complete: end,
                });
            }
        }
    }

    /// An error serde_json found in a value captured at `start`, placed in the input.
    fn placed(&self, start: Pos, e: &serde_json::Error) -> Item<'static> {
        let (line, col) = if e.line() <= 1 {
            (start.line, start.col + e.column() as u64)
        } else {
            (start.line + e.line() as u64 - 1, e.column() as u64)
        };
        self.stream_error(
            Some(line),
            Some(col),
            format!("invalid JSON: {}", json_message(e)),
        )
    }

    /// The error for a line that ended inside an object (the newline is not consumed).
    fn broken_line(&self, pos: Pos, what: &str) -> Item<'static> {
        self.stream_error(
            Some(pos.line),
            Some(pos.col.max(1)),
            format!("invalid JSON: EOF while parsing {what}"),
        )
    }

    fn syntax(&self, pos: Pos, message: &str) -> Item<'static> {
        self.stream_error(
            Some(pos.line),
            Some(pos.col + 1),
            format!("invalid JSON: {message}"),
        )
    }

    /// The records of an envelope whose `{"Records":[` has been consumed (`pos` is just
    /// after the `[`; `object_line` is the line of its `{`, `records_line` that of the `[`).
    pub(super) fn stream_records(
        &mut self,
        mode: Mode,
        pos: &mut Pos,
        object_line: u64,
        records_line: u64,
        sink: &mut dyn FnMut(Item<'_>),
    ) -> End {
        let line_mode = mode == Mode::Line;
        let fixed_line = pos.line;
        let start_line = pos.line;
        let mut rec = std::mem::take(&mut self.record_buf);
        let end = self.stream_records_with(
            &mut rec,
            line_mode,
            pos,
            fixed_line,
            object_line,
            records_line,
            sink,
        );
        rec.clear();
        self.record_buf = rec;
        match end {
            End::Closed { .. } => End::Closed {
                newline: pos.line != start_line,
            },
            other => other,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn stream_records_with(
        &mut self,
        rec: &mut Vec<u8>,
        line_mode: bool,
        pos: &mut Pos,
        fixed_line: u64,
        object_line: u64,
        records_line: u64,
        sink: &mut dyn FnMut(Item<'_>),
    ) -> End {
        macro_rules! io {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => {
                        let line = if line_mode { Some(pos.line) } else { None };
                        sink(self.stream_error(line, None, e.to_string()));
                        return End::Failed;
                    }
                }
            };
        }
        let opts = self.opts;
        let mut index = 0u64;
        let mut b = io!(self.skip_ws(pos, line_mode));
        // The array's members.
        loop {
            let first = match b {
                None => {
                    sink(self.broken_line(*pos, "a list"));
                    return End::Failed;
                }
                Some(b'\n') => {
                    sink(self.broken_line(*pos, "a list"));
                    return End::LineBroken;
                }
                Some(b']') if index == 0 => {
                    self.consume(1);
                    pos.col += 1;
                    break;
                }
                Some(first) => first,
            };
            let start = *pos;
            let position = Position {
                line: Some(if line_mode { fixed_line } else { start.line }),
                index: Some(index),
            };
            index += 1;
            let object = first == b'{';
            let (keep, compact) = if object {
                (opts.max_buffer_bytes, Some(opts.max_event_bytes))
            } else {
                (opts.max_event_bytes, None)
            };
            let cap = io!(self.capture(rec, pos, line_mode, keep, compact));
            if !cap.complete {
                if line_mode && self.next_is_newline() {
                    sink(self.broken_line(*pos, "an object"));
                    return End::LineBroken;
                }
                if cap.kept {
                    // serde_json says what is missing, and where.
                    if let Ok(text) = std::str::from_utf8(rec) {
                        if let Err(e) = serde_json::from_str::<&RawValue>(text) {
                            sink(self.placed(start, &e));
                            return End::Failed;
                        }
                    }
                }
                sink(self.broken_line(*pos, "an object"));
                return End::Failed;
            }
            if !cap.kept {
                if object && cap.compact > opts.max_event_bytes {
                    sink(Item::Oversize {
                        bytes: cap.raw,
                        position,
                    });
                } else if object {
                    sink(self.stream_error(
                        position.line,
                        None,
                        format!(
                            "record of {} bytes is longer than the {}-byte buffer limit; skipped",
                            cap.raw, opts.max_buffer_bytes
                        ),
                    ));
                } else {
                    sink(
                        self.ctx()
                            .err(position, "record is not a JSON object".to_string()),
                    );
                }
            } else {
                let text = match std::str::from_utf8(rec) {
                    Ok(t) => t,
                    Err(e) => {
                        let at = e.valid_up_to();
                        let before = &rec[..at];
                        let (line, col) = match memchr::memrchr(b'\n', before) {
                            Some(nl) => (
                                start.line + memchr::memchr_iter(b'\n', before).count() as u64,
                                (at - nl) as u64,
                            ),
                            None => (start.line, start.col + at as u64 + 1),
                        };
                        sink(self.stream_error(Some(line), Some(col), "invalid UTF-8".to_string()));
                        return self.fail(line_mode);
                    }
                };
                if let Err(e) = serde_json::from_str::<&RawValue>(text) {
                    sink(self.placed(start, &e));
                    return self.fail(line_mode);
                }
                if object {
                    self.ctx().emit(text, position, sink);
                } else {
                    sink(
                        self.ctx()
                            .err(position, "record is not a JSON object".to_string()),
                    );
                }
            }
            b = io!(self.skip_ws(pos, line_mode));
            match b {
                Some(b',') => {
                    self.consume(1);
                    pos.col += 1;
                    b = io!(self.skip_ws(pos, line_mode));
                    if b == Some(b']') {
                        sink(self.syntax(*pos, "trailing comma"));
                        return self.fail(line_mode);
                    }
                }
                Some(b']') => {
                    self.consume(1);
                    pos.col += 1;
                    break;
                }
                None => {
                    sink(self.broken_line(*pos, "a list"));
                    return End::Failed;
                }
                Some(b'\n') => {
                    sink(self.broken_line(*pos, "a list"));
                    return End::LineBroken;
                }
                Some(_) => {
                    sink(self.syntax(*pos, "expected `,` or `]`"));
                    return self.fail(line_mode);
                }
            }
        }
        self.after_records(rec, line_mode, pos, object_line, records_line, sink)
    }

    fn next_is_newline(&mut self) -> bool {
        matches!(self.fill(), Ok(c) if c.first() == Some(&b'\n'))
    }

    /// A failure: in line mode the rest of the line is skipped and reading goes on.
    fn fail(&mut self, line_mode: bool) -> End {
        if line_mode && self.skip_line().is_ok() {
            End::LineBroken
        } else {
            End::Failed
        }
    }

    /// Consumes the rest of the line, up to (not including) its newline.
    pub(super) fn skip_line(&mut self) -> io::Result<()> {
        loop {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                return Ok(());
            }
            match memchr::memchr(b'\n', chunk) {
                Some(i) => {
                    self.consume(i);
                    return Ok(());
                }
                None => {
                    let n = chunk.len();
                    self.consume(n);
                }
            }
        }
    }

    /// The members after the `Records` array, up to the envelope's `}`.
    fn after_records(
        &mut self,
        buf: &mut Vec<u8>,
        line_mode: bool,
        pos: &mut Pos,
        object_line: u64,
        records_line: u64,
        sink: &mut dyn FnMut(Item<'_>),
    ) -> End {
        macro_rules! io {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => {
                        let line = if line_mode { Some(pos.line) } else { None };
                        sink(self.stream_error(line, None, e.to_string()));
                        return End::Failed;
                    }
                }
            };
        }
        let opts = self.opts;
        let mut reported = false;
        loop {
            match io!(self.skip_ws(pos, line_mode)) {
                Some(b'}') => {
                    self.consume(1);
                    pos.col += 1;
                    return End::Closed { newline: false };
                }
                Some(b',') => {
                    self.consume(1);
                    pos.col += 1;
                }
                None => {
                    sink(self.broken_line(*pos, "an object"));
                    return End::Failed;
                }
                Some(b'\n') => {
                    sink(self.broken_line(*pos, "an object"));
                    return End::LineBroken;
                }
                Some(_) => {
                    sink(self.syntax(*pos, "expected `,` or `}`"));
                    return self.fail(line_mode);
                }
            }
            // A key.
            let b = io!(self.skip_ws(pos, line_mode));
            if b != Some(b'"') {
                if b == Some(b'\n') {
                    sink(self.broken_line(*pos, "an object"));
                    return End::LineBroken;
                }
                let what = if b == Some(b'}') {
                    "trailing comma"
                } else {
                    "key must be a string"
                };
                sink(self.syntax(*pos, what));
                return self.fail(line_mode);
            }
            let start = *pos;
            let cap = io!(self.capture(buf, pos, line_mode, 4096, None));
            if !cap.complete {
                sink(self.broken_line(*pos, "a string"));
                return if line_mode {
                    End::LineBroken
                } else {
                    End::Failed
                };
            }
            let key = if cap.kept {
                match std::str::from_utf8(buf).map(serde_json::from_str::<String>) {
                    Ok(Ok(k)) => Some(k),
                    Ok(Err(e)) => {
                        sink(self.placed(start, &e));
                        return self.fail(line_mode);
                    }
                    Err(_) => {
                        sink(self.syntax(start, "invalid UTF-8"));
                        return self.fail(line_mode);
                    }
                }
            } else {
                None
            };
            match io!(self.skip_ws(pos, line_mode)) {
                Some(b':') => {
                    self.consume(1);
                    pos.col += 1;
                }
                _ => {
                    sink(self.syntax(*pos, "expected `:`"));
                    return self.fail(line_mode);
                }
            }
            let first = io!(self.skip_ws(pos, line_mode));
            if first.is_none() || first == Some(b'\n') {
                sink(self.broken_line(*pos, "a value"));
                return if first.is_none() {
                    End::Failed
                } else {
                    End::LineBroken
                };
            }
            let start = *pos;
            let cap = io!(self.capture(buf, pos, line_mode, opts.max_event_bytes, None));
            if !cap.complete {
                sink(self.broken_line(*pos, "a value"));
                return if line_mode {
                    End::LineBroken
                } else {
                    End::Failed
                };
            }
            if cap.kept {
                let valid = std::str::from_utf8(buf)
                    .map_err(|_| None)
                    .and_then(|t| serde_json::from_str::<&RawValue>(t).map_err(Some));
                match valid {
                    Ok(_) => {}
                    Err(Some(e)) => {
                        sink(self.placed(start, &e));
                        return self.fail(line_mode);
                    }
                    Err(None) => {
                        sink(self.syntax(start, "invalid UTF-8"));
                        return self.fail(line_mode);
                    }
                }
            }
            // The buffered path's verdicts on such an envelope.
            let here = |line| Position {
                line: Some(line),
                index: None,
            };
            match key.as_deref() {
                Some("Records") if !reported => {
                    reported = true;
                    sink(self.ctx().err(
                        here(if line_mode { start.line } else { object_line }),
                        "duplicate field `Records`".to_string(),
                    ));
                }
                Some("events" | "Events") if first != Some(b'[') && !reported => {
                    reported = true;
                    sink(self.ctx().err(
                        here(if line_mode { start.line } else { records_line }),
                        "`Records` has an unexpected shape".to_string(),
                    ));
                }
                _ => {}
            }
        }
    }

    /// Whole-file mode from `pos` on: each document is streamed if it is a `{"Records":[`
    /// object, otherwise read whole (up to the buffer limit) and split as the buffered path
    /// does. `at_start`: a byte order mark may come first.
    pub(super) fn doc_stream(
        &mut self,
        sink: &mut dyn FnMut(Item<'_>),
        mut pos: Pos,
        at_start: bool,
    ) {
        macro_rules! io {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => return sink(self.stream_error(None, None, e.to_string())),
                }
            };
        }
        if at_start {
            io!(self.ensure(3));
            if io!(self.fill()).starts_with("\u{feff}".as_bytes()) {
                self.consume(3);
            }
        }
        let mut buf = std::mem::take(&mut self.record_buf);
        loop {
            if io!(self.skip_ws(&mut pos, false)).is_none() {
                break;
            }
            io!(self.ensure(4096));
            let chunk = io!(self.fill());
            if let Some(off) = records_prefix(chunk, false) {
                let object_line = pos.line;
                for &b in &chunk[..off] {
                    if b == b'\n' {
                        pos.line += 1;
                        pos.col = 0;
                    } else {
                        pos.col += 1;
                    }
                }
                let records_line = pos.line;
                self.consume(off);
                match self.stream_records(Mode::Doc, &mut pos, object_line, records_line, sink) {
                    End::Closed { .. } => continue,
                    End::Failed | End::LineBroken => break,
                }
            }
            let start = pos;
            let cap =
                io!(self.capture(&mut buf, &mut pos, false, self.opts.max_buffer_bytes, None));
            if !cap.kept {
                sink(self.stream_error(
                    None,
                    None,
                    format!(
                        "JSON document is larger than the {}-byte buffer limit",
                        self.opts.max_buffer_bytes
                    ),
                ));
                break;
            }
            let text = match std::str::from_utf8(&buf) {
                Ok(t) => t,
                Err(e) => {
                    let (line, col) = super::lines::line_col(&buf, e.valid_up_to());
                    let col = if line == 1 { start.col + col } else { col };
                    sink(self.stream_error(
                        Some(start.line + line - 1),
                        Some(col),
                        "invalid UTF-8".to_string(),
                    ));
                    break;
                }
            };
            let raw = match serde_json::from_str::<&RawValue>(text) {
                Ok(raw) => raw,
                Err(e) => {
                    sink(self.placed(start, &e));
                    break;
                }
            };
            let ctx = self.ctx();
            let mut lines = LineCounter::starting(text, start.line);
            match text.as_bytes()[0] {
                b'[' => ctx.array(raw, &mut lines, sink),
                b'{' => {
                    if let Err(e) = ctx.object(raw.get(), &mut lines, sink) {
                        // Cannot happen: serde_json validated this value.
                        sink(ctx.err(Position::default(), json_message(&e)));
                    }
                }
                _ => {
                    let position = Position {
                        line: Some(start.line),
                        index: None,
                    };
                    sink(ctx.err(position, "not a JSON object record".to_string()));
                }
            }
        }
        buf.clear();
        self.record_buf = buf;
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            reader_name: self.name,
            opts: self.opts,
        }
    }
}
