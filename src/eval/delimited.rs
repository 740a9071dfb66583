//! Space-delimited patterns (spec §6): tokenising the message and binding tokens to slots.
//!
//! Tokenising (§6.2, A26): fields are separated by runs of ASCII spaces; a field that opens
//! with `"` or `[` runs to the next `"` / `]` (or to the end of the line when there is none)
//! and its value drops the delimiters; tabs are ordinary characters. Text right after a closing
//! delimiter starts a new field.
//!
//! Binding (§6.3, §6.4, A6, A7): `...` takes zero or more fields. Without `...`, a pattern of
//! n slots needs at least n fields and the last slot takes the rest of the line (raw text from
//! its first field to the end). With `...`, every token is bound to exactly one slot; among
//! several bindings the one whose ellipses end earliest is used for extraction.

use super::compile::{CDelimited, CExpr, CFieldCondition, CSlot};
use super::event::Scalar;
use super::truth::compare;

/// One field of the message: its value and the raw byte range it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub value: (usize, usize),
    pub raw: (usize, usize),
}

pub(crate) fn tokenize(msg: &str) -> Vec<Token> {
    let b = msg.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' {
            i += 1;
            continue;
        }
        let start = i;
        let closer = match b[i] {
            b'"' => Some(b'"'),
            b'[' => Some(b']'),
            _ => None,
        };
        if let Some(close) = closer {
            let inner = i + 1;
            match memchr::memchr(close, &b[inner..]) {
                Some(off) => {
                    out.push(Token {
                        value: (inner, inner + off),
                        raw: (start, inner + off + 1),
                    });
                    i = inner + off + 1;
                }
                None => {
                    out.push(Token {
                        value: (inner, b.len()),
                        raw: (start, b.len()),
                    });
                    i = b.len();
                }
            }
        } else {
            let end = memchr::memchr(b' ', &b[i..]).map_or(b.len(), |off| i + off);
            out.push(Token {
                value: (start, end),
                raw: (start, end),
            });
            i = end;
        }
    }
    out
}

/// What one slot was bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bound {
    /// Field slot `slot` took tokens `first..=last`.
    Field {
        slot: usize,
        first: usize,
        last: usize,
    },
    /// Token `token` was covered by an ellipsis.
    Ellipsis { token: usize },
}

/// The text a field slot sees: the token's value, or the raw rest of the line when it took
/// several tokens.
pub(crate) fn bound_text<'m>(msg: &'m str, tokens: &[Token], first: usize, last: usize) -> &'m str {
    let (s, e) = if first == last {
        tokens[first].value
    } else {
        (tokens[first].raw.0, tokens[last].raw.1)
    };
    msg.get(s..e).unwrap_or("")
}

fn field_holds(cond: &Option<CExpr<CFieldCondition>>, text: &str) -> bool {
    cond.as_ref().is_none_or(|c| {
        c.eval(&mut |fc: &CFieldCondition| compare(fc.op, &fc.value, Scalar::String(text)))
    })
}

/// Binds the message to the pattern, testing conditions; `None` if it does not match.
pub(crate) fn bind(p: &CDelimited, msg: &str, tokens: &[Token]) -> Option<Vec<Bound>> {
    let slots = &p.slots;
    let n = tokens.len();
    if !p.has_ellipsis {
        let k = slots.len();
        if k == 0 {
            // `[]` has no condition to fail and no field count to meet (spec A30).
            return Some(Vec::new());
        }
        if n < k {
            return None;
        }
        let mut out = Vec::with_capacity(k);
        for (i, slot) in slots.iter().enumerate() {
            let (first, last) = if i + 1 == k { (i, n - 1) } else { (i, i) };
            if let CSlot::Field { condition, .. } = slot {
                if !field_holds(condition, bound_text(msg, tokens, first, last)) {
                    return None;
                }
            }
            out.push(Bound::Field {
                slot: i,
                first,
                last,
            });
        }
        return Some(out);
    }
    // can[i][j]: slots i.. match tokens j.. exactly. O(slots x tokens).
    let m = slots.len();
    let width = n + 1;
    let mut can = vec![false; (m + 1) * width];
    can[m * width + n] = true;
    for i in (0..m).rev() {
        for j in (0..=n).rev() {
            can[i * width + j] = match &slots[i] {
                CSlot::Ellipsis => can[(i + 1) * width + j] || (j < n && can[i * width + j + 1]),
                CSlot::Field { condition, .. } => {
                    j < n
                        && can[(i + 1) * width + j + 1]
                        && field_holds(condition, bound_text(msg, tokens, j, j))
                }
            };
        }
    }
    if !can[0] {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    let (mut i, mut j) = (0, 0);
    while i < m {
        match &slots[i] {
            CSlot::Ellipsis => {
                if can[(i + 1) * width + j] {
                    i += 1;
                } else {
                    out.push(Bound::Ellipsis { token: j });
                    j += 1;
                }
            }
            CSlot::Field { .. } => {
                out.push(Bound::Field {
                    slot: i,
                    first: j,
                    last: j,
                });
                i += 1;
                j += 1;
            }
        }
    }
    Some(out)
}

/// A binding that ignores conditions, for explaining a failed match: fields before the first
/// `...` from the start, fields after the last one from the end. `None` if the message has
/// too few fields.
pub(crate) fn bind_structure(p: &CDelimited, tokens: &[Token]) -> Option<Vec<Bound>> {
    let n = tokens.len();
    let k = p
        .slots
        .iter()
        .filter(|s| matches!(s, CSlot::Field { .. }))
        .count();
    if n < k || (k == 0 && !p.has_ellipsis && n > 0) {
        return None;
    }
    if !p.has_ellipsis {
        return Some(
            (0..k)
                .map(|i| Bound::Field {
                    slot: i,
                    first: i,
                    last: if i + 1 == k { n - 1 } else { i },
                })
                .collect(),
        );
    }
    let last_ellipsis = p
        .slots
        .iter()
        .rposition(|s| matches!(s, CSlot::Ellipsis))
        .unwrap_or(0);
    let after = p.slots.len() - last_ellipsis - 1;
    let mut out = Vec::new();
    let mut j = 0;
    for (i, s) in p.slots.iter().enumerate() {
        match s {
            CSlot::Field { .. } => {
                out.push(Bound::Field {
                    slot: i,
                    first: j,
                    last: j,
                });
                j += 1;
            }
            CSlot::Ellipsis if i == last_ellipsis => {
                while j < n - after {
                    out.push(Bound::Ellipsis { token: j });
                    j += 1;
                }
            }
            CSlot::Ellipsis => {}
        }
    }
    Some(out)
}

/// Extracted values (spec §6.8): `$name` for named fields, `$N` (1-based field position) for
/// fields covered by `...` or unnamed, in message order.
pub(crate) fn extracted(
    p: &CDelimited,
    msg: &str,
    tokens: &[Token],
    bound: &[Bound],
) -> Vec<(String, String)> {
    bound
        .iter()
        .map(|b| match *b {
            Bound::Ellipsis { token } => (
                format!("${}", token + 1),
                bound_text(msg, tokens, token, token).to_owned(),
            ),
            Bound::Field { slot, first, last } => {
                let key = match &p.slots[slot] {
                    CSlot::Field {
                        name: Some(name), ..
                    } => format!("${name}"),
                    _ => format!("${}", first + 1),
                };
                (key, bound_text(msg, tokens, first, last).to_owned())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(msg: &str) -> Vec<&str> {
        tokenize(msg)
            .iter()
            .map(|t| &msg[t.value.0..t.value.1])
            .collect()
    }

    #[test]
    fn tokenizer_groups_brackets_and_quotes() {
        assert_eq!(
            values(
                r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#
            ),
            vec![
                "127.0.0.1",
                "-",
                "frank",
                "10/Oct/2000:13:25:15 -0700",
                "GET /index.html HTTP/1.0",
                "404",
                "1534"
            ]
        );
    }

    #[test]
    fn tokenizer_a26_edge_cases() {
        assert_eq!(values("  a   b  "), vec!["a", "b"]);
        assert_eq!(values("a\tb c"), vec!["a\tb", "c"]);
        assert_eq!(values(r#"a "b c"#), vec!["a", "b c"]);
        assert_eq!(values("a [b c"), vec!["a", "b c"]);
        assert_eq!(values(r#"["x y" z] w"#), vec![r#""x y" z"#, "w"]);
        assert_eq!(values(r#""a"b"#), vec!["a", "b"]);
        assert_eq!(values(""), Vec::<&str>::new());
        assert_eq!(values(r#""""#), vec![""]);
    }
}
