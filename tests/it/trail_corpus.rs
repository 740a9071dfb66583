//! The trail bundled in corpus/ (built by corpus/tools/bundle_trail.py) reads cleanly and its
//! labels point at events that are in it.

use std::collections::BTreeMap;
use std::path::Path;

use cwfilter::trail::reader::{discover, read_input, Item, ReadOptions};
use cwfilter::trail::time::parse_event_time;

#[test]
fn bundled_trail_reads_without_errors_and_labels_resolve() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let found = discover(&[root.join("trail")], &|_| true);
    assert!(found.errors.is_empty());
    let manifest = std::fs::read_to_string(root.join("trail-manifest.tsv")).unwrap();
    // The directory holds exactly the objects the manifest lists: build.rs embeds the
    // manifest's objects in the binary, so a file dropped into corpus/trail fails here.
    let listed: Vec<String> = manifest
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect();
    let mut on_disk: Vec<String> = found
        .inputs
        .iter()
        .map(|i| {
            let p = i.to_string();
            let rel = Path::new(&p).strip_prefix(&root).unwrap();
            rel.display().to_string().replace('\\', "/")
        })
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    on_disk.sort();
    assert_eq!(
        on_disk, sorted,
        "corpus/trail and corpus/trail-manifest.tsv differ"
    );
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let (mut records, mut problems) = (0, Vec::new());
    for input in &found.inputs {
        read_input(input, &ReadOptions::default(), &mut |item| match item {
            Item::Record { text, .. } => {
                records += 1;
                let v: serde_json::Value = serde_json::from_str(text).unwrap();
                assert!(
                    v["eventTime"].as_str().and_then(parse_event_time).is_some(),
                    "{input}: {text:.200}"
                );
                if let Some(id) = v["eventID"].as_str() {
                    *ids.entry(id.to_string()).or_default() += 1;
                }
            }
            Item::Oversize { position, .. } => {
                problems.push(format!("{input}{position}: oversize"))
            }
            Item::Error(e) => problems.push(e.to_string()),
        });
    }
    assert_eq!(problems, Vec::<String>::new());
    assert_eq!(records, 4122);
    let labels = std::fs::read_to_string(root.join("labels.jsonl")).unwrap();
    let (mut malicious, mut benign) = (0, 0);
    for line in labels.lines() {
        let l: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = l["eventID"].as_str().unwrap();
        assert_eq!(
            ids.get(id),
            Some(&1),
            "label {id} must name exactly one event"
        );
        match l["label"].as_str() {
            Some("malicious") => malicious += 1,
            Some("benign") => benign += 1,
            other => panic!("bad label {other:?}"),
        }
    }
    assert_eq!((malicious, benign), (251, 307));
}
