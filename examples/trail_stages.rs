//! The stages of a replay, one at a time, for the benchmark of issue 12
//! (`benches/issue12.sh`): how much of the replay's CPU time is inflating, how much is
//! splitting records, on the same files.
//!
//! ```sh
//! cargo run --release --example trail_stages -- inflate PATH...  # flate2 (zlib-rs) only
//! cargo run --release --example trail_stages -- split PATH...    # + the reader's record splitting
//! cargo run --release --example trail_stages -- time-parse PATH... # + eventTime by a full parse
//! cargo run --release --example trail_stages -- time-scan PATH...  # + eventTime by the raw scan
//! ```
//!
//! Files are read one after another on one thread; prints the bytes and records seen.

use std::io::Read;
use std::path::PathBuf;

use cwfilter::trail::reader::{
    discover, read_input, record_event_time, yielded_record_event_time, Input, Item, ReadOptions,
};
use flate2::read::MultiGzDecoder;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let paths: Vec<PathBuf> = args.map(PathBuf::from).collect();
    let found = discover(&paths, &|_| true);
    let (mut bytes, mut records) = (0u64, 0u64);
    let mut buf = vec![0u8; 256 * 1024];
    for input in &found.inputs {
        let Input::File(path) = input else { continue };
        match mode.as_str() {
            "inflate" => {
                let raw = std::fs::File::open(path).expect("open");
                let mut raw = std::io::BufReader::with_capacity(256 * 1024, raw);
                let mut gz = MultiGzDecoder::new(&mut raw);
                loop {
                    let n = gz.read(&mut buf).expect("inflate");
                    if n == 0 {
                        break;
                    }
                    bytes += n as u64;
                }
            }
            "split" | "time-parse" | "time-scan" => {
                let stats = read_input(input, &ReadOptions::default(), &mut |item| {
                    if let Item::Record { text, .. } = item {
                        match mode.as_str() {
                            // + the replay's eventTime read, before and after issue 12
                            "time-parse" => {
                                std::hint::black_box(record_event_time(text));
                            }
                            "time-scan" => {
                                std::hint::black_box(yielded_record_event_time(text));
                            }
                            _ => {
                                std::hint::black_box(text);
                            }
                        }
                    }
                });
                bytes += stats.bytes;
                records += stats.records;
            }
            _ => {
                eprintln!("usage: trail_stages inflate|split|time-parse|time-scan PATH...");
                std::process::exit(2);
            }
        }
    }
    println!(
        "{} files, {bytes} bytes, {records} records",
        found.inputs.len()
    );
}
