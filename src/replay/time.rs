//! The replay window: `--since` / `--until` values. The window, its parser and event times
//! are defined once, in [`crate::trail::time`] (below both the reader and the replay), and
//! re-exported here; the reader, the S3 key pruning, the engine and the report agree on every
//! timestamp.

pub use crate::trail::time::{parse_bound, Bound, BoundError, TimeWindow};
