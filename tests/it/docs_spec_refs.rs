//! Every spec reference in the code's comments resolves: `§5.5` to a numbered section or rule of
//! docs/filter-patterns.md, `A19` to one of its ambiguities, and `upstream-notes.md §4` to a
//! section of docs/upstream-notes.md.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use regex::Regex;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The numbers a document gives its sections (`## 5.`, `### 5.2`) and numbered rules
/// (a paragraph starting `5.2.4 `), and its ambiguities (`A19. `).
fn numbers(doc: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let section = Regex::new(r"^(?:#{1,6}\s+)?(\d+(?:\.\d+)*)\.?\s").unwrap();
    let ambiguity = Regex::new(r"^(A\d+)\.\s").unwrap();
    let (mut sections, mut ambiguities) = (BTreeSet::new(), BTreeSet::new());
    for line in doc.lines() {
        if let Some(c) = section.captures(line) {
            // A bare number starts a numbered rule only with a dot in it (`5.2.4 `); a heading
            // may be a single number (`## 5. JSON patterns`).
            if line.starts_with('#') || c[1].contains('.') {
                sections.insert(c[1].to_owned());
            }
        }
        if let Some(c) = ambiguity.captures(line) {
            ambiguities.insert(c[1].to_owned());
        }
    }
    (sections, ambiguities)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn spec_references_in_the_code_resolve() {
    let (spec_sections, spec_ambiguities) = numbers(&read("docs/filter-patterns.md"));
    let (notes_sections, _) = numbers(&read("docs/upstream-notes.md"));
    assert!(spec_sections.contains("5.5") && spec_ambiguities.contains("A28"));
    assert!(notes_sections.contains("4.3"));

    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    rust_files(&root().join("tests"), &mut files);
    files.sort();
    let notes_ref = Regex::new(r"upstream-notes\.md,?\s+§(\d+(?:\.\d+)*)").unwrap();
    let section_ref = Regex::new(r"§\s*(\d+(?:\.\d+)*)").unwrap();
    let ambiguity_ref = Regex::new(r"\b(A\d{1,2})\b").unwrap();

    let (mut checked, mut broken) = (0, Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let shown = file.strip_prefix(root()).unwrap().display().to_string();
        for (i, line) in text.lines().enumerate() {
            // References live in comments; string literals such as "@SUM(A1)" are data.
            let Some(at) = line.find("//") else { continue };
            let comment = &line[at..];
            let mut notes_spans = Vec::new();
            for c in notes_ref.captures_iter(comment) {
                notes_spans.push(c.get(0).unwrap().range());
                checked += 1;
                if !notes_sections.contains(&c[1]) {
                    broken.push(format!("{shown}:{}: upstream-notes.md §{}", i + 1, &c[1]));
                }
            }
            for c in section_ref.captures_iter(comment) {
                let start = c.get(0).unwrap().start();
                if notes_spans.iter().any(|r| r.contains(&start)) {
                    continue;
                }
                checked += 1;
                if !spec_sections.contains(&c[1]) {
                    broken.push(format!("{shown}:{}: §{}", i + 1, &c[1]));
                }
            }
            for c in ambiguity_ref.captures_iter(comment) {
                checked += 1;
                if !spec_ambiguities.contains(&c[1]) {
                    broken.push(format!("{shown}:{}: {}", i + 1, &c[1]));
                }
            }
        }
    }
    // The code cites the spec about a hundred times: finding none means the scan is broken.
    assert!(checked > 80, "only {checked} references found");
    assert!(
        broken.is_empty(),
        "references to sections docs/filter-patterns.md (or docs/upstream-notes.md) does not have:\n{}",
        broken.join("\n")
    );
}

#[test]
fn numbered_sections_and_ambiguities_are_found() {
    let (s, a) =
        numbers("## 5. JSON\n### 5.2 Selectors\n5.2.4 Wildcards: x\nA19. **Quoted**\n4 GiB\n");
    assert_eq!(
        s,
        ["5", "5.2", "5.2.4"]
            .iter()
            .map(|x| x.to_string())
            .collect()
    );
    assert_eq!(a, ["A19"].iter().map(|x| x.to_string()).collect());
}
