//! No tracked file depends on one machine's layout: no absolute path into a home or work
//! directory (the research tree is `../shared` beside the checkout). Lock files list registry
//! sources only and are left out, as are binary files.

use std::path::Path;
use std::process::Command;

/// Files known to still hold such a path, each with the work that removes it. The test fails
/// when one no longer does, so that its entry is deleted with the fix.
const PENDING: &[(&str, &str)] = &[];

#[test]
fn no_tracked_file_holds_an_absolute_machine_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output()
        .expect("git runs (the tests run in a git checkout)");
    assert!(listed.status.success(), "git ls-files: {listed:?}");
    let files: Vec<String> = listed
        .stdout
        .split(|b| *b == 0)
        .filter(|f| !f.is_empty())
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    assert!(files.len() > 100, "{} tracked files", files.len());

    // Spelled in two halves so that this file does not find itself.
    let needles = [concat!("/wo", "rk/"), concat!("/ho", "me/")];
    let mut found = Vec::new();
    let mut pending_seen = Vec::new();
    for file in &files {
        if file.ends_with("Cargo.lock") {
            continue;
        }
        // Deleted in the work tree but still in the index: nothing to read.
        let Ok(bytes) = std::fs::read(root.join(file)) else {
            continue;
        };
        // Binary (gzip objects, fuzz inputs): git's own test, a NUL in the first 8000 bytes.
        if bytes.iter().take(8000).any(|b| *b == 0) {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for (i, line) in text.lines().enumerate() {
            if needles.iter().any(|n| line.contains(n)) {
                if let Some((_, why)) = PENDING.iter().find(|(f, _)| f == file) {
                    eprintln!("pending ({why}): {file}:{}: {}", i + 1, line.trim());
                    pending_seen.push(file.as_str());
                } else {
                    found.push(format!("{file}:{}: {}", i + 1, line.trim()));
                }
            }
        }
    }
    for (file, _) in PENDING {
        assert!(
            pending_seen.contains(file),
            "{file} holds no machine path any more: delete its entry from PENDING in tests/it/repo_paths.rs"
        );
    }
    assert!(
        found.is_empty(),
        "absolute machine paths (use a path relative to the repository):\n{}",
        found.join("\n")
    );
}
