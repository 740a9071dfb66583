//! Attribution tables of one detector: who (actor), what (eventName) and from where (source IP)
//! its matched events came, overall and per period, so the report can name the top values by
//! matched events and by fires. Each dimension tracks a bounded number of distinct values.

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::alarm::AlarmRun;
use crate::replay::attribution::{bump, Actor, Interner, OTHER, OTHER_ID};
use crate::replay::report::{DetectorReport, TopEventName, TopPrincipal, TopSourceIp};

/// Matched-event counts of one dimension, by interned value.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Dimension<K: Clone + Eq + Hash> {
    pub(super) values: Interner<K>,
    /// Events per interned id.
    matched: Vec<u64>,
    /// Events of values beyond the cap.
    other: u64,
}

impl<K: Clone + Eq + Hash> Dimension<K> {
    fn new(cap: usize) -> Self {
        Dimension {
            values: Interner::new(cap),
            matched: Vec::new(),
            other: 0,
        }
    }

    fn count(&mut self, id: u32, n: u64) {
        bump(&mut self.matched, &mut self.other, id, n);
    }

    /// Adds `theirs` and returns, for each of their ids, the id it has here.
    fn merge(&mut self, theirs: Dimension<K>) -> Vec<u32> {
        let ids: Vec<u32> = (0..theirs.values.len() as u32)
            .map(|old| {
                theirs
                    .values
                    .get(old)
                    .map_or(OTHER_ID, |k| self.values.id(k))
            })
            .collect();
        for (old, &n) in theirs.matched.iter().enumerate() {
            self.count(ids[old], n);
        }
        self.other += theirs.other;
        ids
    }
}

/// The interned ids of one event's values.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ids {
    pub(super) actor: u32,
    pub(super) name: u32,
    pub(super) ip: u32,
}

/// One period's matched events by interned id, per dimension (at most `bucket_key_cap` ids
/// each; the rest under [`OTHER_ID`]).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct PeriodCounts {
    #[serde(serialize_with = "super::sorted::serialize")]
    actors: HashMap<u32, u64>,
    #[serde(serialize_with = "super::sorted::serialize")]
    names: HashMap<u32, u64>,
    #[serde(serialize_with = "super::sorted::serialize")]
    ips: HashMap<u32, u64>,
}

fn add_capped(map: &mut HashMap<u32, u64>, id: u32, n: u64, cap: usize) {
    let id = if map.len() >= cap && !map.contains_key(&id) {
        OTHER_ID
    } else {
        id
    };
    *map.entry(id).or_insert(0) += n;
}

/// Adds `from` (ids of another accumulator, translated by `ids`) into `into`.
fn merge_capped(into: &mut HashMap<u32, u64>, from: HashMap<u32, u64>, ids: &[u32], cap: usize) {
    for (old, n) in from {
        let id = if old == OTHER_ID {
            OTHER_ID
        } else {
            ids[old as usize]
        };
        add_capped(into, id, n, cap);
    }
}

/// Attribution tables of one detector.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Attr {
    pub(super) actors: Dimension<Actor>,
    pub(super) names: Dimension<String>,
    pub(super) ips: Dimension<String>,
    /// Per period with matches, for attribution by fires.
    #[serde(serialize_with = "super::sorted::serialize")]
    periods: HashMap<i64, PeriodCounts>,
}

impl Attr {
    pub(super) fn new(cap: usize) -> Self {
        Attr {
            actors: Dimension::new(cap),
            names: Dimension::new(cap),
            ips: Dimension::new(cap),
            periods: HashMap::new(),
        }
    }

    /// Counts `n` events with values `ids` in period `bucket`.
    pub(super) fn add(&mut self, bucket: i64, ids: Ids, n: u64, bucket_cap: usize) {
        self.actors.count(ids.actor, n);
        self.names.count(ids.name, n);
        self.ips.count(ids.ip, n);
        let period = self.periods.entry(bucket).or_default();
        add_capped(&mut period.actors, ids.actor, n, bucket_cap);
        add_capped(&mut period.names, ids.name, n, bucket_cap);
        add_capped(&mut period.ips, ids.ip, n, bucket_cap);
    }

    /// Adds another accumulator's tables of the same detector.
    pub(super) fn merge(&mut self, theirs: Attr, bucket_cap: usize) {
        let actor_ids = self.actors.merge(theirs.actors);
        let name_ids = self.names.merge(theirs.names);
        let ip_ids = self.ips.merge(theirs.ips);
        for (bucket, counts) in theirs.periods {
            let mine = self.periods.entry(bucket).or_default();
            merge_capped(&mut mine.actors, counts.actors, &actor_ids, bucket_cap);
            merge_capped(&mut mine.names, counts.names, &name_ids, bucket_cap);
            merge_capped(&mut mine.ips, counts.ips, &ip_ids, bucket_cap);
        }
    }

    /// Checks a deserialized table: caps as configured, every id interned.
    pub(super) fn check(&self, key_cap: usize) -> Result<(), String> {
        fn dim<K: Clone + Eq + Hash>(
            what: &str,
            d: &Dimension<K>,
            key_cap: usize,
            periods: &HashMap<i64, PeriodCounts>,
            of: fn(&PeriodCounts) -> &HashMap<u32, u64>,
        ) -> Result<(), String> {
            if d.values.cap() != key_cap {
                return Err(format!(
                    "{what}: cap {} instead of {key_cap}",
                    d.values.cap()
                ));
            }
            let n = d.values.len();
            let known = |id: u32| id == OTHER_ID || (id as usize) < n;
            if d.matched.len() > n || periods.values().any(|p| !of(p).keys().all(|&id| known(id))) {
                return Err(format!("{what}: a count of a value never interned"));
            }
            Ok(())
        }
        dim("principals", &self.actors, key_cap, &self.periods, |p| {
            &p.actors
        })?;
        dim("eventNames", &self.names, key_cap, &self.periods, |p| {
            &p.names
        })?;
        dim("source IPs", &self.ips, key_cap, &self.periods, |p| &p.ips)
    }

    /// The report's top lists that a cap made approximate: values beyond the distinct-value
    /// cap, or beyond the per-period cap, were counted together as `(other)`, and which values
    /// were tracked depended on the order records were seen.
    pub(super) fn approximate(&self) -> Vec<String> {
        fn capped<K: Clone + Eq + Hash>(
            d: &Dimension<K>,
            periods: &HashMap<i64, PeriodCounts>,
            of: fn(&PeriodCounts) -> &HashMap<u32, u64>,
        ) -> bool {
            d.other > 0 || periods.values().any(|p| of(p).contains_key(&OTHER_ID))
        }
        let mut lists = Vec::new();
        let dims = [
            (
                "top_principals",
                capped(&self.actors, &self.periods, |p| &p.actors),
            ),
            (
                "top_event_names",
                capped(&self.names, &self.periods, |p| &p.names),
            ),
            (
                "top_source_ips",
                capped(&self.ips, &self.periods, |p| &p.ips),
            ),
        ];
        for (list, hit) in dims {
            if hit {
                lists.push(list.to_owned());
                lists.push(format!("{list}_by_fires"));
            }
        }
        lists
    }

    /// Fills the report's top lists from the tables and the alarm's runs.
    pub(super) fn fill_tops(&self, rep: &mut DetectorReport, runs: &[AlarmRun], n: usize) {
        let actor = |id: u32| self.actors.values.get(id);
        let t = self.tally(&self.actors, |p| &p.actors, runs);
        let name_of = |id: u32| actor(id).map_or(OTHER, |a| a.name.as_str());
        let principals = |by_fires| {
            t.top(n, name_of, by_fires)
                .into_iter()
                .map(|row| {
                    let a = row.id.and_then(actor);
                    TopPrincipal {
                        principal: a.map_or(OTHER.to_owned(), |a| a.name.clone()),
                        identity_type: a.map_or(OTHER.to_owned(), |a| a.identity_type.clone()),
                        matched: row.matched,
                        fires: row.fires,
                        fire_events: row.fire_events,
                    }
                })
                .collect::<Vec<_>>()
        };
        rep.top_principals = principals(false);
        rep.top_principals_by_fires = principals(true);

        let t = self.tally(&self.names, |p| &p.names, runs);
        let name_of = |id: u32| self.names.values.get(id).map_or(OTHER, String::as_str);
        let names = |by_fires| {
            t.top(n, name_of, by_fires)
                .into_iter()
                .map(|row| TopEventName {
                    event_name: row.id.map_or(OTHER, name_of).to_owned(),
                    matched: row.matched,
                    fires: row.fires,
                    fire_events: row.fire_events,
                })
                .collect::<Vec<_>>()
        };
        rep.top_event_names = names(false);
        rep.top_event_names_by_fires = names(true);

        let t = self.tally(&self.ips, |p| &p.ips, runs);
        let ip_of = |id: u32| self.ips.values.get(id).map_or(OTHER, String::as_str);
        let ips = |by_fires| {
            t.top(n, ip_of, by_fires)
                .into_iter()
                .map(|row| TopSourceIp {
                    source_ip: row.id.map_or(OTHER, ip_of).to_owned(),
                    matched: row.matched,
                    fires: row.fires,
                    fire_events: row.fire_events,
                })
                .collect::<Vec<_>>()
        };
        rep.top_source_ips = ips(false);
        rep.top_source_ips_by_fires = ips(true);
        rep.approximate = self.approximate();
    }

    /// One dimension's rows: matched events, and fires whose firing period holds the value.
    fn tally<K: Clone + Eq + Hash>(
        &self,
        dim: &Dimension<K>,
        in_period: fn(&PeriodCounts) -> &HashMap<u32, u64>,
        runs: &[AlarmRun],
    ) -> Tally {
        let mut fires: HashMap<u32, FireCount> = HashMap::new();
        for r in runs {
            if let Some(period) = self.periods.get(&r.start) {
                for (&id, &n) in in_period(period) {
                    let e = fires.entry(id).or_default();
                    e.fires += 1;
                    e.events += n;
                }
            }
        }
        let row = |id: Option<u32>, matched: u64| {
            let f = fires
                .get(&id.unwrap_or(OTHER_ID))
                .copied()
                .unwrap_or_default();
            TallyRow {
                id,
                matched,
                fires: f.fires,
                fire_events: f.events,
            }
        };
        let mut rows: Vec<TallyRow> = dim
            .matched
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(id, &n)| row(Some(id as u32), n))
            .collect();
        let overflow = row(None, dim.other);
        if overflow.matched > 0 || overflow.fires > 0 {
            rows.push(overflow);
        }
        Tally { rows }
    }
}

/// Fires a value took part in, and its events in their firing periods.
#[derive(Clone, Copy, Debug, Default)]
struct FireCount {
    fires: u64,
    events: u64,
}

/// One value's line in a top list.
#[derive(Clone, Copy, Debug)]
struct TallyRow {
    /// Interned id; `None` for the values beyond the cap.
    id: Option<u32>,
    matched: u64,
    fires: u64,
    fire_events: u64,
}

/// A dimension's rows, the overflow row last.
struct Tally {
    rows: Vec<TallyRow>,
}

impl Tally {
    /// Top `n` by matched, then by fires; ties by name. The overflow row always comes last.
    fn top<'a>(&self, n: usize, name: impl Fn(u32) -> &'a str, by_fires: bool) -> Vec<TallyRow> {
        let (mut known, other): (Vec<TallyRow>, Vec<TallyRow>) =
            self.rows.iter().copied().partition(|r| r.id.is_some());
        if by_fires {
            known.retain(|r| r.fires > 0);
        }
        let key_name = |r: &TallyRow| r.id.map_or("", &name);
        known.sort_by(|a, b| {
            let (ka, kb) = if by_fires {
                (
                    (a.fires, a.fire_events, a.matched),
                    (b.fires, b.fire_events, b.matched),
                )
            } else {
                (
                    (a.matched, a.fires, a.fire_events),
                    (b.matched, b.fires, b.fire_events),
                )
            };
            kb.cmp(&ka).then_with(|| key_name(a).cmp(key_name(b)))
        });
        known.truncate(n);
        known.extend(other.into_iter().filter(|r| !by_fires || r.fires > 0));
        known
    }
}
