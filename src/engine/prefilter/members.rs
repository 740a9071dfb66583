//! Reading a few top-level string members (`eventName`, `eventSource`, ...) from a record's raw
//! bytes, without parsing it, for the prefilter's member clauses.
//!
//! One SIMD pass finds every `"name"` of the wanted members and every `\u`. In a record without
//! `\u`, a member name has one raw spelling, `"name"` verbatim (the names are
//! [`usable_member_name`](super::requirement)s), so:
//!
//! - no occurrence: the record has no such member ([`Member::Absent`]);
//! - exactly one, followed by `:` and a string without escapes: that string is the member's
//!   value ([`Member::Str`]), or, if this occurrence is not the record's own member (a nested
//!   object's, or the tail of a name such as `"x\"name"`), the record has no such member, and
//!   then the member clause fails whatever value is read: the reading is sound either way;
//! - anything else is [`Member::Unknown`] and the prefilter admits the clause: a `\u` anywhere
//!   (it could spell a name or a value otherwise), a name found more than once (a duplicate key,
//!   of which the evaluator takes the last, or the same text nested), a value that is not a
//!   plain string.
//!
//! No structural walk is needed. For a text that is not JSON the readings may be anything,
//! which is sound because JSON patterns match no such text.

use aho_corasick::packed;

use crate::raw_json::{value_after_name, ValueAfterName};

/// What the raw scan tells about one top-level member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Member {
    /// The record has no such member.
    Absent,
    /// Its value is the string at these raw byte offsets (`start..end`, without the quotes;
    /// the raw bytes equal the decoded text: no escape in it).
    Str(usize, usize),
    /// The scan cannot tell.
    Unknown,
}

/// Finds the wanted members' values in raw records.
#[derive(Debug)]
pub(crate) struct MemberScanner {
    /// Pattern 0 is `\u`; pattern `1 + i` is `"names[i]"`.
    searcher: packed::Searcher,
    needle_lens: Vec<usize>,
}

impl MemberScanner {
    /// `None` if the SIMD searcher cannot be built here (the caller then admits member clauses
    /// by their literals instead).
    pub(crate) fn new(names: &[String]) -> Option<MemberScanner> {
        let mut needles = vec![b"\\u".to_vec()];
        needles.extend(names.iter().map(|n| format!("\"{n}\"").into_bytes()));
        let searcher = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(&needles)
            .build()?;
        Some(MemberScanner {
            searcher,
            needle_lens: needles.iter().skip(1).map(Vec::len).collect(),
        })
    }

    /// Fills `out` (one entry per name, in the order given to [`MemberScanner::new`]);
    /// `positions` is scratch space. Returns whether the record contains `\u`.
    ///
    /// Leftmost-first reports every occurrence here: each needle starts and ends with `"` and
    /// has none inside (or is `\u`), so in a JSON text no occurrence can start inside another.
    pub(crate) fn scan(
        &self,
        raw: &[u8],
        out: &mut Vec<Member>,
        positions: &mut Vec<(usize, usize)>,
    ) -> bool {
        let n = self.needle_lens.len();
        out.clear();
        out.resize(n, Member::Absent);
        // (first position, count) per name.
        positions.clear();
        positions.resize(n, (0, 0));
        for m in self.searcher.find_iter(raw) {
            let id = m.pattern().as_usize();
            if id == 0 {
                out.iter_mut().for_each(|m| *m = Member::Unknown);
                return true;
            }
            if let Some(p) = positions.get_mut(id - 1) {
                if p.1 == 0 {
                    p.0 = m.start();
                }
                p.1 += 1;
            }
        }
        for (i, p) in positions.iter().enumerate() {
            out[i] = match p.1 {
                0 => Member::Absent,
                1 => match value_after_name(raw, p.0 + self.needle_lens[i]) {
                    ValueAfterName::Str(start, end) => Member::Str(start, end),
                    ValueAfterName::NotString | ValueAfterName::Unknown => Member::Unknown,
                },
                _ => Member::Unknown,
            };
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(names: &[&str], raw: &str) -> Vec<String> {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let s = MemberScanner::new(&names).expect("builds");
        let (mut out, mut pos) = (Vec::new(), Vec::new());
        s.scan(raw.as_bytes(), &mut out, &mut pos);
        out.iter()
            .map(|m| match m {
                Member::Absent => "absent".to_owned(),
                Member::Unknown => "?".to_owned(),
                Member::Str(a, b) => raw[*a..*b].to_owned(),
            })
            .collect()
    }

    #[test]
    fn reads_top_level_strings() {
        assert_eq!(
            scan(
                &["eventName", "eventSource", "errorCode"],
                r#"{"userIdentity":{"type":"Root","x":["a","{"]},"eventSource" : "s3.amazonaws.com","eventName":"GetObject"}"#
            ),
            ["GetObject", "s3.amazonaws.com", "absent"]
        );
    }

    #[test]
    fn nested_only_reads_the_nested_value_which_is_sound() {
        // The record has no eventName of its own, so `$.eventName = ...` fails whatever is
        // read; a top-level one would be a second occurrence.
        assert_eq!(scan(&["eventName"], r#"{"a":{"eventName":"X"}}"#), ["X"]);
        assert_eq!(scan(&["eventName"], r#"{"a":[{"eventName":"X"}]}"#), ["X"]);
        assert_eq!(scan(&["eventName"], r#"{"x\"eventName":"X"}"#), ["X"]);
        assert_eq!(
            scan(&["eventName"], r#"{"eventName":"T","a":{"eventName":"X"}}"#),
            ["?"]
        );
    }

    #[test]
    fn duplicated_escaped_or_non_string_is_unknown() {
        // A duplicate key (the evaluator takes the last).
        assert_eq!(
            scan(&["eventName"], r#"{"eventName":"X","eventName":"Y"}"#),
            ["?"]
        );
        // The text "eventName" as a string value, not a name.
        assert_eq!(scan(&["eventName"], r#"{"a":"eventName","b":1}"#), ["?"]);
        assert_eq!(scan(&["eventName"], r#"{"a":["eventName"]}"#), ["?"]);
        // `\u` anywhere.
        assert_eq!(
            scan(&["eventName"], r#"{"eventName":"X","b":"\u0041"}"#),
            ["?"]
        );
        // Escapes in the value, other values.
        assert_eq!(scan(&["eventName"], r#"{"eventName":"a\/b"}"#), ["?"]);
        assert_eq!(scan(&["eventName"], r#"{"eventName":4}"#), ["?"]);
        assert_eq!(scan(&["eventName"], r#"{"eventName":null}"#), ["?"]);
        // Inside a string with escaped quotes the needle does not occur: no such member.
        assert_eq!(
            scan(&["eventName"], r#"{"p":"{\"eventName\":\"X\"}"}"#),
            ["absent"]
        );
        assert_eq!(
            scan(
                &["eventName", "b"],
                r#"{"a":"x\\","eventName":"E","b":"B"}"#
            ),
            ["E", "B"]
        );
    }
}
