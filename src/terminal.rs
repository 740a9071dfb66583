//! Text that is safe to show on a terminal: the one control-character escaper, used by
//! syntax errors (which quote pieces of a pattern) and by the CLI (which prints event data).

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as itself: C0 and C1 controls and DEL (a tab is
/// kept), the line and paragraph separators, and the bidirectional overrides and isolates
/// that can make text read differently from what it is.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every [`is_unsafe`] character replaced by a visible escape: `\xNN` below
/// U+0100, `\u{NNNN}` above. Borrowed when there is nothing to escape.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !is_unsafe(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_the_rest_kept() {
        assert_eq!(
            escape_controls("a\u{1b}[31mb\tc\nd"),
            "a\\x1b[31mb\tc\\x0ad"
        );
        assert_eq!(
            escape_controls("x\u{202e}y\u{2028}"),
            "x\\u{202e}y\\u{2028}"
        );
        assert_eq!(escape_controls("a\u{85}b"), "a\\x85b");
        assert!(matches!(escape_controls("plain é 日本"), Cow::Borrowed(_)));
    }
}
