//! Arbitrary bytes as a CloudTrail object (gzip or not, any shape), read with and without
//! `plain_lines`, buffered and streamed: no panic, every record delivered is within the size
//! limit (and, for CloudTrail, a JSON object), errors name the input, and the statistics
//! count what was delivered. Small limits keep bombs and huge lines cheap and exercise the
//! limit paths. The replay's raw `eventTime` scan agrees with the parse on every record.
//! Differential: where the buffered read has no error, the streaming splitter
//! (`stream_above: 0`) yields exactly the same items.
#![no_main]

use cwfilter::trail::reader::{
    read_from, record_event_time, yielded_record_event_time, Item, OwnedItem, ReadOptions,
};
use libfuzzer_sys::fuzz_target;

fn read(data: &[u8], opts: &ReadOptions) -> Vec<OwnedItem> {
    let plain_lines = opts.plain_lines;
    let (mut records, mut oversize, mut errors) = (0u64, 0u64, 0u64);
    let mut items = Vec::new();
    let stats = read_from("fuzz", data, opts, &mut |item| {
        match &item {
            Item::Record { text, .. } => {
                records += 1;
                assert!(text.len() <= opts.max_event_bytes, "record over the limit");
                if !plain_lines {
                    assert!(text.starts_with('{'), "a record is an object: {text:?}");
                    assert_eq!(
                        yielded_record_event_time(text),
                        record_event_time(text),
                        "the raw eventTime scan disagrees: {text:?}"
                    );
                    match serde_json::from_str::<serde_json::Value>(text) {
                        Ok(v) => assert!(v.is_object(), "a record is an object: {text:?}"),
                        // The reader never builds a tree, so nesting past serde_json's limit
                        // is the consumer's error to report (tests/hostile.rs).
                        Err(e) if e.to_string().contains("recursion limit") => {}
                        Err(e) => panic!("a delivered record is not JSON ({e}): {text:?}"),
                    }
                }
            }
            Item::Oversize { bytes, .. } => {
                oversize += 1;
                assert!(*bytes > opts.max_event_bytes);
            }
            Item::Error(e) => {
                errors += 1;
                assert!(!e.message.is_empty());
                assert_eq!(e.path, "fuzz");
                let _ = e.to_string();
            }
        }
        items.push(OwnedItem::from(item));
    });
    assert_eq!(
        (stats.records, stats.oversize, stats.errors),
        (records, oversize, errors)
    );
    assert!(stats.bytes <= opts.max_file_bytes);
    items
}

fuzz_target!(|data: &[u8]| {
    for plain_lines in [false, true] {
        let opts = ReadOptions {
            max_file_bytes: 1 << 20,
            max_buffer_bytes: 64 << 10,
            max_event_bytes: 16 << 10,
            plain_lines,
            stream_above: usize::MAX,
        };
        let buffered = read(data, &opts);
        let streamed = read(
            data,
            &ReadOptions {
                stream_above: 0,
                ..opts.clone()
            },
        );
        if !buffered.iter().any(|i| matches!(i, OwnedItem::Error(_))) {
            assert_eq!(streamed, buffered, "streamed and buffered reads differ");
        }
    }
});
