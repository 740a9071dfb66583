//! Embeds the bundled trail (corpus/trail, exactly the objects corpus/trail-manifest.tsv lists)
//! and its labels (corpus/labels.jsonl, gzipped here) in the `cwfilter` binary, so that
//! `cwfilter replay` with no PATH works from any directory and replays what the manifest says,
//! whatever else sits in the checkout. Only the command line (feature `cli`) uses them.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=corpus/trail-manifest.tsv");
    println!("cargo:rerun-if-changed=corpus/labels.jsonl");
    println!("cargo:rerun-if-changed=corpus/trail");
    if std::env::var_os("CARGO_FEATURE_CLI").is_none() {
        return;
    }
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let corpus = root.join("corpus");
    let manifest = read(&corpus.join("trail-manifest.tsv"));
    let mut code = String::from(
        "/// The bundled trail's objects: (name under corpus/, gzip bytes), in manifest order.\n\
         pub static TRAIL: &[(&str, &[u8])] = &[\n",
    );
    for line in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let object = line.split('\t').next().unwrap_or_default();
        let path = corpus.join(object);
        assert!(
            path.is_file(),
            "corpus/trail-manifest.tsv lists {object}, which is not in corpus/"
        );
        writeln!(code, "    ({object:?}, include_bytes!({:?})),", abs(&path)).unwrap();
    }
    code.push_str("];\n");
    let labels = std::fs::read(corpus.join("labels.jsonl")).expect("corpus/labels.jsonl");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&labels).expect("gzip in memory");
    let labels_gz = out.join("labels.jsonl.gz");
    std::fs::write(&labels_gz, gz.finish().expect("gzip in memory")).expect("write OUT_DIR");
    writeln!(
        code,
        "/// corpus/labels.jsonl, gzipped.\npub static LABELS_GZ: &[u8] = include_bytes!({:?});",
        abs(&labels_gz)
    )
    .unwrap();
    std::fs::write(out.join("bundled.rs"), code).expect("write OUT_DIR");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn abs(path: &Path) -> String {
    path.canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .display()
        .to_string()
}
