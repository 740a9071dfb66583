//! Who and what an event is: the actor (principal) that made it, its eventName and source IP,
//! and bounded counters for them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The label under which values beyond the tracking cap are counted. It cannot collide with a
/// real value: IAM names, eventNames and IP addresses never contain parentheses.
pub const OTHER: &str = "(other)";

/// Longest value kept, in bytes. Real names, ARNs and IPs are far shorter; the cap bounds
/// memory when a hostile trail carries huge strings (10,000 tracked values x 256 KB otherwise).
pub const MAX_VALUE_LEN: usize = 512;

/// `s`, cut to [`MAX_VALUE_LEN`] bytes at a character boundary and marked with `…` if cut.
pub fn clip(s: &str) -> Cow<'_, str> {
    if s.len() <= MAX_VALUE_LEN {
        return Cow::Borrowed(s);
    }
    let mut end = MAX_VALUE_LEN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &s[..end]))
}

/// The actor of a record and its identity type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Actor {
    /// An ARN, a user name or a service, as attribution reads the actor.
    pub name: String,
    /// `userIdentity.type`.
    pub identity_type: String,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    cur.as_str().filter(|s| !s.is_empty())
}

/// The actor of a CloudTrail record: `userIdentity.sessionContext.sessionIssuer.userName`
/// (the role behind an assumed-role session), else `userIdentity.userName`, else `arn`, else
/// `principalId`, else `invokedBy` (AWS services carry nothing else), else `unknown`.
/// Non-string and empty values are skipped.
pub fn actor(record: &Value) -> Actor {
    let ui = record.get("userIdentity").unwrap_or(&Value::Null);
    let name = str_at(ui, &["sessionContext", "sessionIssuer", "userName"])
        .or_else(|| str_at(ui, &["userName"]))
        .or_else(|| str_at(ui, &["arn"]))
        .or_else(|| str_at(ui, &["principalId"]))
        .or_else(|| str_at(ui, &["invokedBy"]))
        .unwrap_or("unknown");
    let identity_type = str_at(ui, &["type"]).unwrap_or("unknown");
    Actor {
        name: clip(name).into_owned(),
        identity_type: clip(identity_type).into_owned(),
    }
}

/// `eventName`, or `unknown` (clipped).
pub fn event_name(record: &Value) -> Cow<'_, str> {
    clip(str_at(record, &["eventName"]).unwrap_or("unknown"))
}

/// `sourceIPAddress` (an IP, or a service name for calls made by AWS), or `unknown` (clipped).
pub fn source_ip(record: &Value) -> Cow<'_, str> {
    clip(str_at(record, &["sourceIPAddress"]).unwrap_or("unknown"))
}

/// Id of the overflow slot in an [`Interner`].
pub const OTHER_ID: u32 = u32::MAX;

/// Maps values to small ids, tracking at most `cap` distinct values; later newcomers share
/// [`OTHER_ID`]. Exact whenever a detector sees at most `cap` distinct values; beyond that,
/// which values are tracked depends on the order records are seen.
///
/// Serialized as its cap and its values in id order; deserializing rebuilds the index (and
/// refuses duplicate values or more values than the cap).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(
    into = "InternerRepr<K>",
    try_from = "InternerRepr<K>",
    bound(
        serialize = "K: Clone + Serialize",
        deserialize = "K: Clone + Eq + Hash + Deserialize<'de>"
    )
)]
pub struct Interner<K: Clone + Eq + Hash> {
    keys: Vec<K>,
    index: HashMap<K, u32>,
    cap: usize,
}

impl<K: Clone + Eq + Hash> Interner<K> {
    /// Tracks at most `cap` distinct values.
    pub fn new(cap: usize) -> Self {
        Interner {
            keys: Vec::new(),
            index: HashMap::new(),
            cap,
        }
    }

    /// The id of `key` (interning it if there is room).
    pub fn id<Q>(&mut self, key: &Q) -> u32
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if let Some(&id) = self.index.get(key) {
            return id;
        }
        if self.keys.len() >= self.cap {
            return OTHER_ID;
        }
        let id = self.keys.len() as u32;
        self.keys.push(key.to_owned());
        self.index.insert(key.to_owned(), id);
        id
    }

    /// The value behind an id (`None` for [`OTHER_ID`]).
    pub fn get(&self, id: u32) -> Option<&K> {
        self.keys.get(id as usize)
    }

    /// The most distinct values tracked.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Distinct values tracked.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no value is tracked.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The serialized form of an [`Interner`].
#[derive(Serialize, Deserialize)]
struct InternerRepr<K> {
    cap: usize,
    values: Vec<K>,
}

impl<K: Clone + Eq + Hash> From<Interner<K>> for InternerRepr<K> {
    fn from(i: Interner<K>) -> Self {
        InternerRepr {
            cap: i.cap,
            values: i.keys,
        }
    }
}

impl<K: Clone + Eq + Hash> TryFrom<InternerRepr<K>> for Interner<K> {
    type Error = String;
    fn try_from(r: InternerRepr<K>) -> Result<Self, String> {
        if r.values.len() > r.cap || r.values.len() >= OTHER_ID as usize {
            return Err(format!(
                "{} interned values, more than the cap {}",
                r.values.len(),
                r.cap
            ));
        }
        let mut index = HashMap::with_capacity(r.values.len());
        for (i, k) in r.values.iter().enumerate() {
            if index.insert(k.clone(), i as u32).is_some() {
                return Err("an interned value is listed twice".to_owned());
            }
        }
        Ok(Interner {
            keys: r.values,
            index,
            cap: r.cap,
        })
    }
}

/// Adds `n` to slot `id` of a dense counter indexed by interned id (the overflow slot is the
/// separate `other`).
pub fn bump(counts: &mut Vec<u64>, other: &mut u64, id: u32, n: u64) {
    if id == OTHER_ID {
        *other += n;
        return;
    }
    let i = id as usize;
    if counts.len() <= i {
        counts.resize(i + 1, 0);
    }
    counts[i] += n;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actor_prefers_the_session_issuer() {
        let r = json!({"userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/Admin/bob",
            "principalId": "AROA:bob", "sessionContext": {"sessionIssuer": {"userName": "Admin"}}}});
        assert_eq!(
            actor(&r),
            Actor {
                name: "Admin".into(),
                identity_type: "AssumedRole".into()
            }
        );
    }

    #[test]
    fn actor_fallback_chain() {
        let user =
            json!({"userIdentity": {"type": "IAMUser", "userName": "alice", "arn": "arn:x"}});
        assert_eq!(actor(&user).name, "alice");
        let root = json!({"userIdentity": {"type": "Root", "arn": "arn:aws:iam::1:root", "principalId": "1"}});
        assert_eq!(actor(&root).name, "arn:aws:iam::1:root");
        let pid = json!({"userIdentity": {"type": "AWSAccount", "principalId": "AIDA1"}});
        assert_eq!(actor(&pid).name, "AIDA1");
        let svc = json!({"userIdentity": {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}});
        assert_eq!(actor(&svc).name, "ec2.amazonaws.com");
        let none = json!({"eventName": "X"});
        assert_eq!(
            actor(&none),
            Actor {
                name: "unknown".into(),
                identity_type: "unknown".into()
            }
        );
        // Empty or non-string values do not count as present.
        let odd =
            json!({"userIdentity": {"type": 7, "userName": "", "arn": ["a"], "principalId": "P"}});
        assert_eq!(actor(&odd).name, "P");
        assert_eq!(actor(&odd).identity_type, "unknown");
        assert_eq!(actor(&json!("not an object")).name, "unknown");
    }

    #[test]
    fn event_name_and_ip() {
        let r = json!({"eventName": "ConsoleLogin", "sourceIPAddress": "203.0.113.5"});
        assert_eq!(event_name(&r), "ConsoleLogin");
        assert_eq!(source_ip(&r), "203.0.113.5");
        assert_eq!(event_name(&json!({})), "unknown");
    }

    #[test]
    fn huge_values_are_clipped() {
        let long = "é".repeat(1000);
        let r = json!({"eventName": long, "userIdentity": {"userName": long}});
        let name = event_name(&r);
        assert!(name.len() <= MAX_VALUE_LEN + '…'.len_utf8());
        assert!(name.ends_with('…'));
        assert_eq!(actor(&r).name, name);
        assert_eq!(clip("short"), "short");
    }

    #[test]
    fn interner_caps_distinct_values() {
        let mut i: Interner<String> = Interner::new(2);
        assert_eq!(i.id("a"), 0);
        assert_eq!(i.id("b"), 1);
        assert_eq!(i.id("c"), OTHER_ID);
        assert_eq!(i.id("a"), 0);
        assert_eq!(i.get(1).map(String::as_str), Some("b"));
        assert_eq!(i.get(OTHER_ID), None);
        let (mut counts, mut other) = (Vec::new(), 0);
        bump(&mut counts, &mut other, 1, 3);
        bump(&mut counts, &mut other, OTHER_ID, 2);
        assert_eq!((counts, other), (vec![0, 3], 2));
    }
}
