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

use std::fmt;
use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

mod discover;
mod event_time;
mod lines;
pub(crate) use lines::json_message;
mod shapes;
mod stream;

pub use self::discover::discover;
pub use self::event_time::{event_time, record_event_time, yielded_record_event_time};
use self::lines::Reader;

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
    /// A `{"Records":[...]}` object on a line longer than this (or than `max_buffer_bytes`),
    /// or in a whole-file input larger than this, is split as it is read, one record at a
    /// time, instead of being buffered whole (so its size is not limited by
    /// `max_buffer_bytes`). `usize::MAX` buffers everything within `max_buffer_bytes` (the
    /// reference the streaming path is tested against). Not used with `plain_lines`.
    pub stream_above: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_file_bytes: 4 << 30,
            max_buffer_bytes: 1 << 30,
            max_event_bytes: MAX_EVENT_BYTES,
            plain_lines: false,
            stream_above: 1 << 20,
        }
    }
}

/// One input: a file, standard input (`-`), bytes compiled into the program (the trail
/// bundled with the `cwfilter` binary, named `name` in reports and errors) or, with the `s3`
/// feature, an S3 object (named `s3://bucket/key`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// A file.
    File(PathBuf),
    /// Bytes compiled into the program (gzip or not, any shape a file may have).
    Bytes {
        /// What reports and errors call it.
        name: String,
        /// The content.
        bytes: &'static [u8],
    },
    /// An object listed in S3 (`crate::trail::s3`), fetched when read.
    #[cfg(feature = "s3")]
    S3(crate::trail::s3::S3Object),
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

    /// The file size on disk (for an S3 object, its size in the listing), if known (for
    /// progress reporting).
    pub fn file_size(&self) -> Option<u64> {
        match self {
            Input::Stdin => None,
            Input::File(p) => fs::metadata(p).ok().map(|m| m.len()),
            Input::Bytes { bytes, .. } => Some(bytes.len() as u64),
            #[cfg(feature = "s3")]
            Input::S3(object) => Some(object.size),
        }
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Stdin => f.write_str("<stdin>"),
            Input::File(p) => write!(f, "{}", p.display()),
            Input::Bytes { name, .. } => f.write_str(name),
            #[cfg(feature = "s3")]
            Input::S3(object) => write!(f, "{object}"),
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
    /// Where in the input.
    pub position: Position,
    /// 1-based column (byte) on `position.line`, when known.
    pub column: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for TrailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        // path:line:col (column 1 when the whole line is at fault), or path:line[index] for
        // a member of an envelope, the locator `match` prints for records.
        if let Some(line) = self.position.line {
            match (self.column, self.position.index) {
                (Some(col), _) => write!(f, ":{line}:{col}")?,
                (None, Some(_)) => write!(f, ":{line}")?,
                (None, None) => write!(f, ":{line}:1")?,
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
        /// The record's raw JSON text.
        text: &'a str,
        /// Where it is in its input.
        position: Position,
    },
    /// A record CloudWatch Logs would never receive (over 256 KB): count it, never match it.
    Oversize {
        /// Its size (compact JSON).
        bytes: usize,
        /// Where it is in its input.
        position: Position,
    },
    /// A problem; reading goes on.
    Error(TrailError),
}

/// What one input amounted to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputStats {
    /// Bytes after decompression.
    pub bytes: u64,
    /// Records yielded.
    pub records: u64,
    /// Oversize records.
    pub oversize: u64,
    /// Errors.
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
/// The decompressed side's buffer. `BufReader` zero-fills its buffer on first use when the
/// inner reader (here the size limiter) cannot read into uninitialised memory: per file, so it
/// is kept small (256 KB cost 12% of the reader's instructions on 64 KB CloudTrail objects).
const DECODED_BUF: usize = 64 * 1024;

/// Reads one input, calling `sink` for every record, oversize record and error, in order.
pub fn read_input(input: &Input, opts: &ReadOptions, sink: &mut dyn FnMut(Item<'_>)) -> InputStats {
    let name = input.to_string();
    match input {
        Input::Stdin => read_from(&name, io::stdin().lock(), opts, sink),
        Input::Bytes { bytes, .. } => read_from(&name, *bytes, opts, sink),
        #[cfg(feature = "s3")]
        Input::S3(object) => read_from(&name, object.open(), opts, sink),
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
            DECODED_BUF,
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
        pending: Vec::new(),
        pending_at: 0,
        record_buf: Vec::new(),
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
    /// [`Item::Record`].
    Record {
        /// The record's raw JSON text.
        text: String,
        /// Where it is in its input.
        position: Position,
    },
    /// [`Item::Oversize`].
    Oversize {
        /// Its size (compact JSON).
        bytes: usize,
        /// Where it is in its input.
        position: Position,
    },
    /// [`Item::Error`].
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
