//! CloudTrail input: reading recorded trails in their many shapes ([`reader`]), UTC time
//! handling ([`time`]), generating realistic synthetic trails ([`synth`]) and, with the `s3`
//! feature, listing and reading trails in S3 (`s3`).

pub mod labels;
pub mod reader;
#[cfg(feature = "s3")]
pub mod s3;
pub mod synth;
pub mod time;

pub use reader::{
    discover, read_from, read_input, read_input_to_vec, record_event_time, Discovered, Input,
    InputStats, Item, OwnedItem, Position, ReadOptions, TrailError, MAX_EVENT_BYTES,
};
