//! CloudTrail input: reading recorded trails in their many shapes ([`reader`]), UTC time
//! handling ([`time`]) and generating realistic synthetic trails ([`synth`]).

pub mod labels;
pub mod reader;
pub mod synth;
pub mod time;

pub use reader::{
    discover, read_from, read_input, read_input_to_vec, record_event_time, Discovered, Input,
    InputStats, Item, OwnedItem, Position, ReadOptions, TrailError, MAX_EVENT_BYTES,
};
