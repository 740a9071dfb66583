//! The one reader of a record's `eventTime`, for its raw text (the replay's unmatched records,
//! `match --since`) and for a parsed document (matched records): both run the same visitor, so
//! they agree on every record.
//!
//! A duplicated key reads as serde_json reads every other field, and as the evaluator sees it:
//! the last `eventTime` wins (spec A12). A record whose last `eventTime` is not a string, or
//! not a time [`parse_event_time`] accepts, has none.

use std::fmt;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::raw_json::{value_after_name, ValueAfterName};
use crate::trail::time::parse_event_time;

/// The `eventTime` of a record's raw text in epoch seconds, without building a document.
///
/// `None` when the text is not a JSON object, or its (last) `eventTime` is not a string
/// [`parse_event_time`] accepts.
pub fn record_event_time(text: &str) -> Option<i64> {
    let mut de = serde_json::Deserializer::from_str(text);
    let time = de.deserialize_map(RecordVisitor).ok()?;
    de.end().ok()?;
    time
}

/// [`record_event_time`] of a record the trail reader yielded (outside `plain_lines`: a JSON
/// object whose syntax the reader checked), mostly without parsing it: when the raw text holds
/// `"eventTime"` once, as a member name of the record itself, and no `\u` escape (which could
/// spell another), the value after it is the answer; otherwise the record is parsed. The
/// same answer as [`record_event_time`] for every JSON object (`tests/it/trail_stream.rs`,
/// the `reader` fuzz target).
pub fn yielded_record_event_time(text: &str) -> Option<i64> {
    match scan_event_time(text.as_bytes()) {
        Some(answer) => answer,
        None => record_event_time(text),
    }
}

/// The fast path of [`yielded_record_event_time`]: `None` when it cannot tell.
fn scan_event_time(b: &[u8]) -> Option<Option<i64>> {
    use memchr::memmem::Finder;
    use std::sync::OnceLock;
    static FINDERS: OnceLock<(Finder<'static>, Finder<'static>)> = OnceLock::new();
    let (key, escape) =
        FINDERS.get_or_init(|| (Finder::new(b"\"eventTime\""), Finder::new(b"\\u")));
    let at = key.find(b)?;
    if key.find(&b[at + 1..]).is_some() || escape.find(b).is_some() {
        return None;
    }
    // A member name of the record itself: at depth 1, outside strings, after `{` or `,`.
    let (mut depth, mut in_str, mut prev) = (0u32, false, 0u8);
    let mut i = 0;
    while i < at {
        if in_str {
            // Strings are skipped to their next quote or escape.
            match memchr::memchr2(b'"', b'\\', &b[i..at]) {
                None => i = at,
                Some(k) if b[i + k] == b'\\' => i += k + 2,
                Some(k) => {
                    in_str = false;
                    prev = b'"';
                    i += k + 1;
                }
            }
            continue;
        }
        let c = b[i];
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !c.is_ascii_whitespace() {
            prev = c;
        }
        i += 1;
    }
    // An escape may have jumped past `at`: then `at` was inside a string.
    if i != at {
        return None;
    }
    if in_str || depth != 1 || !matches!(prev, b'{' | b',') {
        return None;
    }
    match value_after_name(b, at + "\"eventTime\"".len()) {
        ValueAfterName::Str(start, end) => {
            let value = std::str::from_utf8(&b[start..end]).ok()?;
            Some(parse_event_time(value))
        }
        // Any other JSON value is no time.
        ValueAfterName::NotString => Some(None),
        ValueAfterName::Unknown => None,
    }
}

/// The `eventTime` of a parsed record in epoch seconds: [`record_event_time`] of its text.
pub fn event_time(record: &Value) -> Option<i64> {
    record.deserialize_map(RecordVisitor).ok().flatten()
}

/// Walks a record's members; keeps the time of the last `eventTime`.
struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CloudTrail record (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<i64>, A::Error> {
        let mut time = None;
        while let Some(is_time) = map.next_key_seed(IsEventTime)? {
            if is_time {
                time = map.next_value_seed(TimeValue)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(time)
    }
}

/// A member name: whether it is `eventTime` (compared without allocating).
struct IsEventTime;

impl<'de> serde::de::DeserializeSeed<'de> for IsEventTime {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for IsEventTime {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E>(self, v: &str) -> Result<bool, E> {
        Ok(v == "eventTime")
    }
}

/// An `eventTime` value: its time if it is a string that parses, else `None` (any other JSON
/// value is consumed and read as no time).
struct TimeValue;

impl<'de> serde::de::DeserializeSeed<'de> for TimeValue {
    type Value = Option<i64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<i64>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TimeValue {
    type Value = Option<i64>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Option<i64>, E> {
        Ok(parse_event_time(v))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Option<i64>, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Option<i64>, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Option<i64>, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Option<i64>, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Option<i64>, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<i64>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<i64>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Both readers (and the raw scan, on objects), which must agree.
    fn both(text: &str) -> Option<i64> {
        let from_text = record_event_time(text);
        if matches!(serde_json::from_str::<Value>(text), Ok(Value::Object(_))) {
            assert_eq!(yielded_record_event_time(text), from_text, "{text}");
        }
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            assert_eq!(event_time(&value), from_text, "{text}");
        }
        from_text
    }

    #[test]
    fn reads_the_event_time_of_a_record() {
        assert_eq!(
            both(r#"{"eventName":"X","eventTime":"1970-01-01T00:01:00Z","a":[1,{"b":2}]}"#),
            Some(60)
        );
        assert_eq!(both(r#"{"eventTime":"yesterday"}"#), None);
        // Only the record's own member counts, wherever the text spells it.
        assert_eq!(both(r#"{"a":{"eventTime":"1970-01-01T00:01:00Z"}}"#), None);
        assert_eq!(both(r#"{"a":["eventTime"],"b":1}"#), None);
        assert_eq!(
            both(r#"{"a":"x\"eventTime", "eventTime" : "1970-01-01T00:01:00Z"}"#),
            Some(60)
        );
        assert_eq!(both(r#"{"x\"eventTime":"1970-01-01T00:01:00Z"}"#), None);
        assert_eq!(
            both(r#"{ "eventTime" : "1970-01-01T00:01:00Z" }"#),
            Some(60)
        );
        assert_eq!(
            both(r#"{"eventTime":"1970-01-01T00:01:00\u005a"}"#),
            Some(60)
        );
        both(r#"{"eventTime":"1970-01-01T00:01:00Z\n"}"#);
        assert_eq!(both(r#"{"eventName":"X"}"#), None);
        assert_eq!(both(r#"["eventTime"]"#), None);
        assert_eq!(both(r#"{"eventTime":"1970-01-01T00:01:00Z"} x"#), None);
        // An escaped member name is the same name.
        assert_eq!(
            both(r#"{"event\u0054ime":"1970-01-01T00:01:00Z"}"#),
            Some(60)
        );
        // Values of every other type are no time.
        for v in [
            "1",
            "true",
            "null",
            "[\"1970-01-01T00:01:00Z\"]",
            "{\"t\":1}",
        ] {
            assert_eq!(both(&format!(r#"{{"eventTime":{v}}}"#)), None, "{v}");
        }
    }

    /// Issue 10 bug 5: the text reader failed on a duplicated `eventTime` (a serde struct
    /// rejects duplicate fields) while the document reader took the last one.
    #[test]
    fn a_duplicated_event_time_reads_the_last_one_in_both_readers() {
        let text =
            r#"{"eventTime":"1970-01-01T00:01:00Z","x":1,"eventTime":"1970-01-01T00:02:00Z"}"#;
        assert_eq!(record_event_time(text), Some(120));
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(value, json!({"eventTime": "1970-01-01T00:02:00Z", "x": 1}));
        assert_eq!(event_time(&value), Some(120));
        // The last one wins even when it is not a time.
        assert_eq!(
            both(r#"{"eventTime":"1970-01-01T00:01:00Z","eventTime":7}"#),
            None
        );
    }
}
