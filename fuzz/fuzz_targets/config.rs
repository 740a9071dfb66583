//! Arbitrary YAML text to the detector config loader, both profiles: no panic, and whatever
//! loads holds patterns that parse.
#![no_main]

use cwfilter::detectors::{load_str, Profile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for profile in [Profile::Upstream, Profile::SecurityHub] {
        match load_str(&text, "fuzz.yaml", profile) {
            Ok(loaded) => {
                for d in &loaded.detectors {
                    assert!(
                        cwfilter::syntax::parse(&d.pattern).is_ok(),
                        "loader accepted detector {} with an invalid pattern {:?}",
                        d.key,
                        d.pattern
                    );
                }
                for w in &loaded.warnings {
                    let _ = w.to_string();
                }
            }
            Err(e) => {
                assert!(!e.errors.is_empty(), "an error without a diagnostic");
                let _ = e.to_string();
            }
        }
    }
});
