//! Recognising a trail's shape from its content (S3 objects, JSON Lines, `filter-log-events`
//! and `lookup-events` output, arrays and single records) and yielding its records.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::error::Category;
use serde_json::value::RawValue;

use super::lines::{first_byte, json_message, LineCounter};
use super::{Item, Position, ReadOptions, TrailError};

/// The keys that make an object a container of records rather than a record.
#[derive(Deserialize)]
pub(super) struct Envelope<'a> {
    #[serde(rename = "Records", borrow, default)]
    records: Option<&'a RawValue>,
    #[serde(borrow, default)]
    events: Option<&'a RawValue>,
    #[serde(rename = "Events", borrow, default)]
    lookup_events: Option<&'a RawValue>,
}

/// The same keys, split in the same pass (the common case: a well-formed envelope).
#[derive(Deserialize)]
pub(super) struct FastEnvelope<'a> {
    #[serde(rename = "Records", borrow, default)]
    records: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    events: Option<Vec<&'a RawValue>>,
    #[serde(rename = "Events", borrow, default)]
    lookup_events: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
pub(super) struct LogEvent<'a> {
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(super) struct LookupEvent<'a> {
    #[serde(rename = "CloudTrailEvent", borrow, default)]
    cloudtrail_event: Option<Cow<'a, str>>,
}

pub(super) struct Ctx<'a> {
    pub(super) reader_name: &'a str,
    pub(super) opts: &'a ReadOptions,
}

impl Ctx<'_> {
    pub(super) fn err(&self, position: Position, message: String) -> Item<'static> {
        Item::Error(TrailError {
            path: self.reader_name.to_string(),
            position,
            column: None,
            message,
        })
    }

    pub(super) fn emit(&self, text: &str, position: Position, sink: &mut dyn FnMut(Item<'_>)) {
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
    pub(super) fn object<'t>(
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
    pub(super) fn array(
        &self,
        raw: &RawValue,
        lines: &mut LineCounter<'_>,
        sink: &mut dyn FnMut(Item<'_>),
    ) {
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
pub(super) fn compact_len(text: &str) -> usize {
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
