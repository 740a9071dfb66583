//! The trail bundled with the source (corpus/trail and corpus/labels.jsonl, see
//! corpus/README.md), compiled into the binary by build.rs: `cwfilter replay` with no PATH
//! replays it from any directory, and files added to a checkout later cannot change it.

use std::io::Read;
use std::path::Path;

use cwfilter::trail::time::TimeWindow;
use cwfilter::trail::{Discovered, Input};

mod data {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// The bundled trail's objects that may hold events in `window` (pruned by S3 key as a
/// trail on disk is), each named `bundled:corpus/trail/...`.
pub fn discover(window: &TimeWindow) -> Discovered {
    let mut found = Discovered::default();
    for (object, bytes) in data::TRAIL {
        if window.may_hold_s3_key(Path::new(object)) {
            found.inputs.push(Input::Bytes {
                name: format!("bundled:corpus/{object}"),
                bytes,
            });
        } else {
            found.pruned += 1;
        }
    }
    found
}

/// The bundled labels (corpus/labels.jsonl) as text.
pub fn labels() -> Result<String, String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(data::LABELS_GZ)
        .read_to_string(&mut text)
        .map_err(|e| format!("the bundled labels: {e}"))?;
    Ok(text)
}
