//! Reading a member's value straight from raw JSON bytes, without parsing: shared by the
//! replay's `eventTime` scan (`trail::reader::event_time`) and the engine's member clauses
//! (`engine::prefilter::members`), which each decide when the member name found is the one
//! they want.

/// The value after a member name, as far as the raw bytes tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ValueAfterName {
    /// A string with no escape in it, at these byte offsets (without its quotes): its raw bytes
    /// are its decoded text.
    Str(usize, usize),
    /// `:` then some other JSON value (number, `true`, object, ...).
    NotString,
    /// Not `:` after the name (it was not a member name), an escape in the string, or the text
    /// ends first.
    Unknown,
}

/// What follows a member name whose closing quote ends just before `i`: blanks, `:`, blanks and
/// the value.
pub(crate) fn value_after_name(b: &[u8], mut i: usize) -> ValueAfterName {
    let skip = |mut i: usize| {
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        i
    };
    i = skip(i);
    if b.get(i) != Some(&b':') {
        return ValueAfterName::Unknown;
    }
    i = skip(i + 1);
    if b.get(i) != Some(&b'"') {
        return ValueAfterName::NotString;
    }
    let start = i + 1;
    let rest = b.get(start..).unwrap_or(&[]);
    match memchr::memchr2(b'"', b'\\', rest) {
        Some(end) if rest[end] == b'"' => ValueAfterName::Str(start, start + end),
        _ => ValueAfterName::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_follows_a_name() {
        let at = |s: &str| value_after_name(s.as_bytes(), 6);
        assert_eq!(at(r#"{"abc" : "xy"}"#), ValueAfterName::Str(10, 12));
        assert_eq!(at(r#"{"abc":4}"#), ValueAfterName::NotString);
        // `:` then the end of the text: not a string.
        assert_eq!(at("{\"abc\":"), ValueAfterName::NotString);
        assert_eq!(at(r#"{"abc","x"}"#), ValueAfterName::Unknown);
        assert_eq!(at(r#"{"abc":"a\/b"}"#), ValueAfterName::Unknown);
        assert_eq!(at(r#"{"abc":"open"#), ValueAfterName::Unknown);
    }
}
