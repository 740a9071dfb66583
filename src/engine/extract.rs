//! Partial extraction: deserialize a raw JSON record into a [`serde_json::Value`] that holds
//! only the paths some selector reads.
//!
//! The selectors of all patterns are merged into a [`PathTrie`]. Deserialization walks the
//! document with a `DeserializeSeed` per trie node: members no selector reaches are parsed and
//! dropped, never built. A selector's endpoint keeps its whole subtree, so `IS NULL`,
//! `NOT EXISTS`, object/array and wildcard answers are those of the full document.
//!
//! Equivalence with `serde_json::from_str::<Value>`: skipped parts are consumed through
//! `deserialize_any`, exactly like `Value` does, so the same inputs are rejected (syntax,
//! recursion limit of 128, lone surrogates, numbers out of range, trailing characters).
//! `serde::de::IgnoredAny` would be faster but accepts some of those (serde_json's skipper has
//! no depth limit and no surrogate check), and a record's JSON-ness decides whether JSON
//! patterns can match at all.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::syntax::ast::{Ast, Condition, Expr, Selector, Step};

/// The union of many selectors, as a tree of steps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PathTrie {
    /// Some selector ends here: keep the whole subtree.
    full: bool,
    /// Member steps. After [`PathTrie::finish`], each already includes the `any` subtree.
    fields: BTreeMap<String, PathTrie>,
    /// Index steps, sorted, each including `any` after finishing.
    indices: BTreeMap<u64, PathTrie>,
    /// `[*]` / `.*`: every child of an object or array (merged, since keeping more is safe
    /// whatever the evaluator does with a wildcard on the other container kind).
    any: Option<Box<PathTrie>>,
}

impl PathTrie {
    /// A trie for `selectors`.
    pub fn new<'a>(selectors: impl IntoIterator<Item = &'a Selector>) -> Self {
        let mut root = PathTrie::default();
        for s in selectors {
            root.insert(&s.steps);
        }
        root.finish();
        root
    }

    /// The trie of every selector of the JSON patterns among `asts` (other kinds read none).
    pub fn for_patterns<'a>(asts: impl IntoIterator<Item = &'a Ast>) -> Self {
        fn walk<'a>(e: &'a Expr<Condition>, out: &mut Vec<&'a Selector>) {
            match e {
                Expr::Leaf(c) => out.push(&c.selector),
                Expr::And(xs, _) | Expr::Or(xs, _) => xs.iter().for_each(|x| walk(x, out)),
            }
        }
        let mut selectors = Vec::new();
        for ast in asts {
            if let Ast::Json(j) = ast {
                walk(&j.expr, &mut selectors);
            }
        }
        PathTrie::new(selectors)
    }

    /// A trie that keeps the whole document.
    pub fn everything() -> Self {
        PathTrie {
            full: true,
            ..PathTrie::default()
        }
    }

    /// Whether the whole document is kept (no saving from partial extraction).
    pub fn is_everything(&self) -> bool {
        self.full
    }

    fn insert(&mut self, steps: &[Step]) {
        if self.full {
            return;
        }
        let Some((first, rest)) = steps.split_first() else {
            *self = PathTrie::everything();
            return;
        };
        let child = match first {
            Step::Field(name) => self.fields.entry(name.clone()).or_default(),
            Step::Index(i) => self.indices.entry(*i).or_default(),
            Step::AnyIndex | Step::AnyField => self.any.get_or_insert_with(Box::default),
        };
        child.insert(rest);
    }

    fn merge(&mut self, other: &PathTrie) {
        if self.full {
            return;
        }
        if other.full {
            *self = PathTrie::everything();
            return;
        }
        for (k, v) in &other.fields {
            self.fields.entry(k.clone()).or_default().merge(v);
        }
        for (k, v) in &other.indices {
            self.indices.entry(*k).or_default().merge(v);
        }
        if let Some(a) = &other.any {
            self.any.get_or_insert_with(Box::default).merge(a);
        }
    }

    /// Folds the wildcard subtree into the named children so that a lookup needs one child.
    fn finish(&mut self) {
        if self.full {
            self.fields.clear();
            self.indices.clear();
            self.any = None;
            return;
        }
        if let Some(any) = &mut self.any {
            any.finish();
            let any = any.clone();
            for child in self.fields.values_mut().chain(self.indices.values_mut()) {
                child.merge(&any);
            }
        }
        for child in self.fields.values_mut().chain(self.indices.values_mut()) {
            child.finish();
        }
    }

    fn field(&self, name: &str) -> Option<&PathTrie> {
        self.fields.get(name).or(self.any.as_deref())
    }

    fn index(&self, i: u64) -> Option<&PathTrie> {
        self.indices.get(&i).or(self.any.as_deref())
    }

    /// One past the largest element index some path needs, or `None` for every element.
    fn index_bound(&self) -> Option<u64> {
        if self.any.is_some() {
            return None;
        }
        Some(
            self.indices
                .keys()
                .next_back()
                .map_or(0, |i| i.saturating_add(1)),
        )
    }

    /// Parses `raw` as JSON, keeping only the paths in this trie.
    pub fn extract(&self, raw: &str) -> serde_json::Result<Value> {
        if self.full {
            return serde_json::from_str(raw);
        }
        let mut de = serde_json::Deserializer::from_str(raw);
        let value = self.deserialize(&mut de)?;
        de.end()?;
        Ok(value)
    }
}

impl<'de> DeserializeSeed<'de> for &PathTrie {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        if self.full {
            serde::Deserialize::deserialize(d)
        } else {
            d.deserialize_any(NodeVisitor(self))
        }
    }
}

/// Builds an intermediate node: scalars as they are (so "not a container" answers stay
/// right), containers with only the wanted children.
struct NodeVisitor<'t>(&'t PathTrie);

impl<'de> Visitor<'de> for NodeVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    // The scalar visitors mirror serde_json's own `Value` visitor.
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.0.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let bound = self.0.index_bound();
        let mut out = Vec::new();
        let mut i: u64 = 0;
        loop {
            let wanted = match bound {
                Some(b) if i >= b => None,
                _ => self.0.index(i),
            };
            match wanted {
                Some(child) => match seq.next_element_seed(child)? {
                    Some(v) => out.push(v),
                    None => break,
                },
                None => match seq.next_element_seed(Skip)? {
                    // Placeholder keeps later wanted elements at their index; nothing reads it.
                    Some(()) if bound.is_some_and(|b| i < b) => out.push(Value::Null),
                    Some(()) => {}
                    None => break,
                },
            }
            i = i.saturating_add(1);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match self.0.field(&key) {
                Some(child) => {
                    let v = map.next_value_seed(child)?;
                    // Duplicate keys: the last wins, as in serde_json's `Value`.
                    out.insert(key.into_owned(), v);
                }
                None => map.next_value_seed(Skip)?,
            }
        }
        Ok(Value::Object(out))
    }
}

/// A map key, borrowed from the input when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = std::borrow::Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = std::borrow::Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.to_owned().into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
}

/// Consumes one value without building it, through `deserialize_any` so that serde_json
/// applies the same checks as when building a `Value`.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_i128<E>(self, _: i128) -> Result<(), E> {
        Ok(())
    }
    fn visit_u128<E>(self, _: u128) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        Skip.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::Span;
    use serde_json::json;

    fn sel(steps: Vec<Step>) -> Selector {
        Selector {
            steps,
            span: Span::default(),
        }
    }
    fn f(s: &str) -> Step {
        Step::Field(s.into())
    }

    #[test]
    fn keeps_only_selected_paths_with_full_endpoints() {
        let trie = PathTrie::new(&[
            sel(vec![f("userIdentity"), f("type")]),
            sel(vec![f("eventName")]),
            sel(vec![f("requestParameters")]),
        ]);
        let raw = r#"{"eventName":"X","userIdentity":{"type":"Root","arn":"a"},"requestParameters":{"a":[1,{"b":null}]},"other":[1,2,{"x":3}]}"#;
        assert_eq!(
            trie.extract(raw).unwrap(),
            json!({"eventName":"X","userIdentity":{"type":"Root"},"requestParameters":{"a":[1,{"b":null}]}})
        );
    }

    #[test]
    fn indices_keep_positions_and_wildcards_keep_all() {
        let trie = PathTrie::new(&[sel(vec![f("a"), Step::Index(2), f("id")])]);
        assert_eq!(
            trie.extract(r#"{"a":[{"id":0},{"id":1},{"id":2,"z":1},{"id":3}]}"#)
                .unwrap(),
            json!({"a":[null,null,{"id":2}]})
        );
        let trie = PathTrie::new(&[
            sel(vec![f("a"), Step::AnyIndex, f("id")]),
            sel(vec![f("a"), Step::Index(1), f("z")]),
        ]);
        assert_eq!(
            trie.extract(r#"{"a":[{"id":0,"z":0},{"id":1,"z":1}],"b":1}"#)
                .unwrap(),
            json!({"a":[{"id":0},{"id":1,"z":1}]})
        );
    }

    #[test]
    fn scalars_at_intermediate_nodes_are_kept() {
        let trie = PathTrie::new(&[sel(vec![f("a"), f("b")])]);
        assert_eq!(trie.extract(r#"{"a":"s"}"#).unwrap(), json!({"a":"s"}));
        assert_eq!(trie.extract(r#"[1,2]"#).unwrap(), json!([]));
        assert_eq!(trie.extract(r#"7"#).unwrap(), json!(7));
    }

    #[test]
    fn duplicate_keys_last_wins() {
        let trie = PathTrie::new(&[sel(vec![f("a")])]);
        assert_eq!(
            trie.extract(r#"{"a":1,"b":2,"a":3}"#).unwrap(),
            json!({"a":3})
        );
    }

    #[test]
    fn rejects_what_serde_json_rejects() {
        let trie = PathTrie::new(&[sel(vec![f("a")])]);
        let deep = format!("{{\"a\":1,\"b\":{}{}}}", "[".repeat(200), "]".repeat(200));
        assert!(serde_json::from_str::<Value>(&deep).is_err());
        assert!(trie.extract(&deep).is_err());
        for bad in [
            r#"{"a":1,"b":"\ud800"}"#,
            r#"{"a":1,"b":1e400}"#,
            r#"{"a":1} x"#,
            r#"{"a":1,"b":[1,]}"#,
            "",
        ] {
            assert!(serde_json::from_str::<Value>(bad).is_err(), "{bad}");
            assert!(trie.extract(bad).is_err(), "{bad}");
        }
        let fine = format!("{{\"a\":1,\"b\":{}{}}}", "[".repeat(120), "]".repeat(120));
        assert!(serde_json::from_str::<Value>(&fine).is_ok());
        assert!(trie.extract(&fine).is_ok());
    }
}
