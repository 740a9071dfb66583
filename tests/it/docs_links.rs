//! Every relative link in the repository's Markdown files resolves: to a file or directory that
//! exists, and, with a `#fragment` into a Markdown file, to one of its headings (GitHub's
//! anchors). Links with a scheme (`https:`, `mailto:`) are not followed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use regex::Regex;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files of the repository (build output and hidden directories aside).
fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if path.is_dir() {
            markdown_files(&path, out);
        } else if name.ends_with(".md") {
            out.push(path);
        }
    }
}

/// The lines of `text` outside fenced code blocks, with their numbers.
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            lines.push((i + 1, line));
        }
    }
    lines
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, and
/// `-1`, `-2`, ... after repeats.
fn anchors(text: &str) -> BTreeSet<String> {
    let heading = Regex::new(r"^#{1,6}\s+(.*?)\s*#*\s*$").unwrap();
    let link = Regex::new(r"\[([^\]]*)\]\([^)]*\)").unwrap();
    let html = Regex::new(r#"<a\s+(?:id|name)="([^"]+)""#).unwrap();
    let mut seen = BTreeSet::new();
    for (_, line) in prose(text) {
        for c in html.captures_iter(line) {
            seen.insert(c[1].to_owned());
        }
        let Some(c) = heading.captures(line) else {
            continue;
        };
        let title = link.replace_all(&c[1], "$1");
        let base: String = title
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut slug = base.clone();
        let mut n = 0;
        while seen.contains(&slug) {
            n += 1;
            slug = format!("{base}-{n}");
        }
        seen.insert(slug);
    }
    seen
}

/// `(line, destination)` of every inline and reference-style link outside code.
fn links(text: &str) -> Vec<(usize, String)> {
    let code = Regex::new(r"`[^`]*`").unwrap();
    let inline = Regex::new(r#"\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)"#).unwrap();
    let reference = Regex::new(r"^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(\s|$)").unwrap();
    let mut found = Vec::new();
    for (n, line) in prose(text) {
        let line = code.replace_all(line, "``");
        for c in inline.captures_iter(&line) {
            found.push((n, c[1].to_owned()));
        }
        if let Some(c) = reference.captures(&line) {
            found.push((n, c[1].to_owned()));
        }
    }
    found
}

fn is_external(dest: &str) -> bool {
    let scheme = Regex::new(r"^[A-Za-z][A-Za-z0-9+.-]*:").unwrap();
    scheme.is_match(dest)
}

#[test]
fn relative_links_in_markdown_resolve() {
    let mut files = Vec::new();
    markdown_files(root(), &mut files);
    files.sort();
    assert!(
        files.iter().any(|f| f.ends_with("docs/guide.md")),
        "{files:?}"
    );
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let shown = file.strip_prefix(root()).unwrap().display().to_string();
        for (line, dest) in links(&text) {
            if is_external(&dest) {
                continue;
            }
            checked += 1;
            let (path, fragment) = match dest.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (dest.as_str(), None),
            };
            let target = if path.is_empty() {
                file.clone()
            } else {
                file.parent().unwrap().join(path)
            };
            if !target.exists() {
                broken.push(format!("{shown}:{line}: {dest}: no such file"));
                continue;
            }
            if let Some(fragment) = fragment {
                if target.extension().is_some_and(|e| e == "md") {
                    let text = std::fs::read_to_string(&target).unwrap();
                    if !anchors(&text).contains(fragment) {
                        broken.push(format!("{shown}:{line}: {dest}: no such heading"));
                    }
                }
            }
        }
    }
    assert!(checked > 30, "only {checked} relative links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn anchors_follow_github() {
    let a = anchors(
        "# Title\n## 4. Try a change: `--baseline`\n```\n# not a heading\n```\n## Title\n\
         ### 10. Ambiguities / uncertain (with best reading)\n## See [guide](guide.md)\n",
    );
    let expected = [
        "title",
        "4-try-a-change---baseline",
        "title-1",
        "10-ambiguities--uncertain-with-best-reading",
        "see-guide",
    ];
    assert_eq!(a, expected.iter().map(|s| s.to_string()).collect());
    let l = links("[a](x.md#y) `[b](no.md)` [c]: <z.md>\n[d]: https://e\n```\n[f](g.md)\n```\n");
    assert_eq!(
        l,
        vec![(1, "x.md#y".to_owned()), (2, "https://e".to_owned())]
    );
}
