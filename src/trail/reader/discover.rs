//! Expanding the paths of a command line into inputs.

use std::fs;
use std::path::{Path, PathBuf};

use super::{io_error, Discovered, Input};

/// Expands paths (files, directories walked recursively, `-` for stdin) into inputs.
///
/// `keep` is asked about every file found in a directory (not about files named
/// explicitly). When walking, `CloudTrail-Digest` directories (integrity digests, not
/// events), files named `labels.jsonl` (a trail's labels) and hidden entries are skipped,
/// and symbolic links to directories are not followed. Files named explicitly are always read.
pub fn discover(paths: &[PathBuf], keep: &dyn Fn(&Path) -> bool) -> Discovered {
    let mut out = Discovered::default();
    for path in paths {
        if path == Path::new("-") {
            out.inputs.push(Input::Stdin);
            continue;
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, keep, &mut out),
            Ok(_) => out.inputs.push(Input::File(path.clone())),
            Err(e) => out.errors.push(io_error(&path.display().to_string(), &e)),
        }
    }
    out
}

fn walk(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Discovered) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            out.errors.push(io_error(&dir.display().to_string(), &e));
            return;
        }
    };
    let mut children: Vec<(std::ffi::OsString, PathBuf, fs::FileType)> = Vec::new();
    for entry in entries {
        match entry.and_then(|e| Ok((e.file_name(), e.path(), e.file_type()?))) {
            Ok(child) => children.push(child),
            Err(e) => out.errors.push(io_error(&dir.display().to_string(), &e)),
        }
    }
    children.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, path, file_type) in children {
        let name = name.to_string_lossy();
        // Digests are integrity proofs, not events; `labels.jsonl` is the labels of the
        // trail it sits in (as `cwfilter synth` writes them), not more events.
        if name.starts_with('.') || name == "CloudTrail-Digest" || name == "labels.jsonl" {
            continue;
        }
        if file_type.is_dir() {
            walk(&path, keep, out);
        } else if file_type.is_file() || (file_type.is_symlink() && path.is_file()) {
            if keep(&path) {
                out.inputs.push(Input::File(path));
            } else {
                out.pruned += 1;
            }
        }
    }
}
