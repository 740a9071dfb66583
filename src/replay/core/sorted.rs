//! Serializes hash maps in key order, so the same accumulator always writes the same bytes.

use std::collections::{BTreeMap, HashMap};

use serde::{Serialize, Serializer};

/// `map`, serialized as a map sorted by key.
pub(super) fn serialize<K, V, S>(map: &HashMap<K, V>, s: S) -> Result<S::Ok, S::Error>
where
    K: Ord + Serialize,
    V: Serialize,
    S: Serializer,
{
    map.iter().collect::<BTreeMap<&K, &V>>().serialize(s)
}
