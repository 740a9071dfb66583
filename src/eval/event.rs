//! How the evaluator reads events: a small trait over a JSON tree and over the raw message.
//!
//! Access is by explicit lookups that return `Option`, never by `value["key"]`: serde_json's
//! index operator turns an absent key into `null`, and absent and null mean different things
//! to CloudWatch (spec §5.5).

use std::borrow::Cow;
use std::cell::OnceCell;

/// What one JSON node is, as far as a condition cares.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar<'a> {
    /// JSON `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (as a double).
    Number(f64),
    /// A string, escapes decoded.
    String(&'a str),
    /// An object.
    Object,
    /// An array.
    Array,
}

/// A node of a parsed JSON event.
pub trait JsonNode {
    /// The node's kind and, for scalars, its value.
    fn scalar(&self) -> Scalar<'_>;
    /// The member `key` of an object; `None` if absent or if this is not an object.
    fn get(&self, key: &str) -> Option<&Self>;
    /// Element `index` of an array; `None` if out of range or if this is not an array.
    fn index(&self, index: u64) -> Option<&Self>;
    /// Calls `f` on every child (object member values, array elements) in document order
    /// until it returns `true`; returns whether it did.
    fn any_child<'a>(&'a self, f: &mut dyn FnMut(&'a Self) -> bool) -> bool;
}

impl JsonNode for serde_json::Value {
    fn scalar(&self) -> Scalar<'_> {
        use serde_json::Value as V;
        match self {
            V::Null => Scalar::Null,
            V::Bool(b) => Scalar::Bool(*b),
            // Every serde_json number has an f64 view (big integers lose precision, spec A12).
            V::Number(n) => Scalar::Number(n.as_f64().unwrap_or(f64::NAN)),
            V::String(s) => Scalar::String(s),
            V::Object(_) => Scalar::Object,
            V::Array(_) => Scalar::Array,
        }
    }

    fn get(&self, key: &str) -> Option<&Self> {
        self.as_object().and_then(|m| m.get(key))
    }

    fn index(&self, index: u64) -> Option<&Self> {
        let i = usize::try_from(index).ok()?;
        self.as_array().and_then(|a| a.get(i))
    }

    fn any_child<'a>(&'a self, f: &mut dyn FnMut(&'a Self) -> bool) -> bool {
        match self {
            serde_json::Value::Object(m) => m.values().any(f),
            serde_json::Value::Array(a) => a.iter().any(f),
            _ => false,
        }
    }
}

/// An event as a pattern sees it: its raw text (term, regex and space-delimited patterns) and,
/// when the text is JSON, its tree (JSON patterns).
pub trait Event {
    /// The JSON node type of this event's tree.
    type Node: JsonNode;
    /// The raw log message.
    fn text(&self) -> Cow<'_, str>;
    /// The root of the JSON tree; `None` when the message is not JSON.
    fn json_root(&self) -> Option<&Self::Node>;
}

/// An already-parsed JSON record; its text is the compact serialisation.
impl Event for serde_json::Value {
    type Node = serde_json::Value;
    fn text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
    fn json_root(&self) -> Option<&Self::Node> {
        Some(self)
    }
}

/// A raw log message. It is parsed as JSON only if a JSON pattern asks for the tree, and then
/// only once.
#[derive(Debug)]
pub struct Message<'a> {
    text: &'a str,
    json: OnceCell<Option<serde_json::Value>>,
}

impl<'a> Message<'a> {
    /// Wraps a raw log message.
    pub fn new(text: &'a str) -> Self {
        Message {
            text,
            json: OnceCell::new(),
        }
    }
}

impl Event for Message<'_> {
    type Node = serde_json::Value;
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.text)
    }
    fn json_root(&self) -> Option<&Self::Node> {
        self.json
            .get_or_init(|| serde_json::from_str(self.text).ok())
            .as_ref()
    }
}

impl<E: Event + ?Sized> Event for &E {
    type Node = E::Node;
    fn text(&self) -> Cow<'_, str> {
        (**self).text()
    }
    fn json_root(&self) -> Option<&Self::Node> {
        (**self).json_root()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_key_is_none_not_null() {
        let v = json!({"a": null});
        assert_eq!(v.get("a").map(|n| n.scalar()), Some(Scalar::Null));
        assert!(JsonNode::get(&v, "b").is_none());
    }

    #[test]
    fn index_out_of_range_and_on_non_array_is_none() {
        let v = json!([1, 2]);
        assert!(JsonNode::index(&v, 2).is_none());
        assert!(JsonNode::index(&v, u64::MAX).is_none());
        assert!(JsonNode::index(&json!({"0": 1}), 0).is_none());
    }

    #[test]
    fn message_parses_lazily_and_rejects_non_json() {
        assert!(Message::new("not json").json_root().is_none());
        assert_eq!(
            Message::new(r#"{"a":1}"#).json_root(),
            Some(&json!({"a": 1}))
        );
    }
}
