//! A YAML document as a tree whose every node remembers its line and column, so config
//! errors can point at the offending key (serde-saphyr's `Spanned`).
//!
//! The config is read in two steps: first this generic tree (a simple-container server.yaml
//! has arbitrary structure around the block we want), then a strict walk over the block.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A YAML node with its location.
pub(crate) type SNode = Spanned<Node>;

/// A YAML value. Mapping keys keep their order and their own locations.
#[derive(Debug)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<SNode>),
    Map(Vec<(SNode, SNode)>),
}

impl Node {
    /// What this node is, for "expected X, found Y" messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) => "an integer",
            Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_map(&self) -> Option<&[(SNode, SNode)]> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The value under string key `key`, when this is a mapping that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&SNode> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.value.as_str() == Some(key))
            .map(|(_, v)| v)
    }
}

/// 1-based line and column of a node (`None` when unknown).
pub(crate) fn position(node: &SNode) -> Option<(u64, u64)> {
    let loc = node.referenced;
    (loc.line() > 0).then(|| (loc.line(), loc.column()))
}

/// Key text for display: the string, or a rendering of a non-string key.
pub(crate) fn key_text(key: &SNode) -> String {
    match &key.value {
        Node::Str(s) => s.clone(),
        Node::Int(i) => i.to_string(),
        Node::Float(f) => f.to_string(),
        Node::Bool(b) => b.to_string(),
        Node::Null => "null".to_owned(),
        other => format!("<{}>", other.kind()),
    }
}

/// Parses one YAML document.
///
/// Only YAML 1.2 booleans are inferred (`y`, `yes`, `on` stay strings, as in Go's yaml.v3
/// for untyped values); the config walk accepts yaml.v3's YAML 1.1 spellings where upstream
/// decodes into a bool. Numbers with leading zeros (account ids) stay strings.
pub(crate) fn parse(text: &str) -> Result<SNode, serde_saphyr::Error> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
    };
    serde_saphyr::from_str_with_options::<SNode>(text, options)
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        Ok(i128::try_from(v).map_or(Node::Float(v as f64), Node::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<SNode>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<SNode>()? {
            let value = map.next_value::<SNode>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_locations_of_keys_and_values() {
        let doc = parse("a:\n  b: 1\n  cc: [x, 2.5, true, null]\n").unwrap();
        let a = doc.value.get("a").unwrap();
        let (k, v) = &a.value.as_map().unwrap()[1];
        assert_eq!(key_text(k), "cc");
        assert_eq!(position(k), Some((3, 3)));
        let Node::Seq(items) = &v.value else {
            panic!("expected a list, got {v:?}")
        };
        assert!(matches!(items[1].value, Node::Float(f) if f == 2.5));
        assert!(matches!(items[2].value, Node::Bool(true)));
        assert!(matches!(items[3].value, Node::Null));
        assert!(matches!(a.value.get("b").unwrap().value, Node::Int(1)));
    }

    #[test]
    fn quoted_numbers_stay_strings() {
        let doc = parse("a: '10'\nb: \"true\"\n").unwrap();
        assert_eq!(doc.value.get("a").unwrap().value.as_str(), Some("10"));
        assert_eq!(doc.value.get("b").unwrap().value.as_str(), Some("true"));
    }

    #[test]
    fn yaml_1_1_booleans_stay_strings() {
        let doc = parse("y: yes\non: n\n").unwrap();
        assert_eq!(doc.value.get("y").unwrap().value.as_str(), Some("yes"));
        assert_eq!(doc.value.get("on").unwrap().value.as_str(), Some("n"));
    }

    #[test]
    fn anchors_and_aliases_resolve() {
        let doc = parse("x: &n [a]\ny: *n\n").unwrap();
        assert!(matches!(&doc.value.get("y").unwrap().value, Node::Seq(s) if s.len() == 1));
    }
}
