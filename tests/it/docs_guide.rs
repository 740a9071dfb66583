//! docs/guide.md cannot drift: its `sh` blocks are run in order, in one empty directory, with the
//! built `cwfilter` first on PATH, and every `text` block after a `sh` block must be what that
//! block printed (stdout and stderr together).
//!
//! In a `text` block, a line `...` stands for lines left out and `...` inside a line for text
//! left out; otherwise lines are compared exactly (trailing spaces and blank lines aside), and
//! a block that does not start (end) with `...` must start (end) where the output does.
//! A comment `<!-- guide-test: skip ... -->` before a block leaves it out (it needs the network
//! or AWS credentials); `<!-- guide-test: exit N -->` says the block ends with status N (else 0).
//!
//! Beyond the guide, every `cwfilter ...` line in a `sh` block of the README and docs/ must name
//! a real command and only flags its `--help` lists.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{cwfilter, TempDir};

const GUIDE: &str = "docs/guide.md";

#[derive(Debug)]
struct Step {
    /// Line of the opening fence, for messages.
    line: usize,
    script: String,
    exit: i32,
    /// The `text` blocks shown after it, with their opening lines.
    shown: Vec<(usize, String)>,
}

/// The runnable blocks of the page, in order, each with the outputs it shows.
fn steps(page: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut marker: Option<String> = None;
    // Whether the last `sh` block was skipped: a `text` block after it has nothing to check.
    let mut after_skipped = false;
    let mut lines = page.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix("<!-- guide-test:") {
            marker = Some(rest.trim_end_matches("-->").trim().to_owned());
            continue;
        }
        let Some(info) = trimmed.strip_prefix("```") else {
            if !trimmed.is_empty() {
                marker = None;
            }
            continue;
        };
        let mut body = String::new();
        for (_, inner) in lines.by_ref() {
            if inner.trim_start().starts_with("```") {
                break;
            }
            body.push_str(inner);
            body.push('\n');
        }
        let marker = marker.take();
        match info.trim() {
            "sh" => {
                let marker = marker.unwrap_or_default();
                if marker.starts_with("skip") {
                    after_skipped = true;
                    continue;
                }
                let exit = match marker.strip_prefix("exit") {
                    Some(n) => n.trim().parse().expect("`exit N` marker"),
                    None if marker.is_empty() => 0,
                    None => panic!("{GUIDE}:{}: unknown marker `{marker}`", i + 1),
                };
                after_skipped = false;
                steps.push(Step {
                    line: i + 1,
                    script: body,
                    exit,
                    shown: Vec::new(),
                });
            }
            "text" => {
                assert!(
                    !after_skipped,
                    "{GUIDE}:{}: output shown for a skipped block",
                    i + 1
                );
                let step = steps
                    .last_mut()
                    .unwrap_or_else(|| panic!("{GUIDE}:{}: output before any command", i + 1));
                step.shown.push((i + 1, body));
            }
            _ => {}
        }
    }
    steps
}

/// `expected` with `...` standing for any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split("...").collect();
    if parts.len() == 1 {
        return expected == actual;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !actual.starts_with(first) || actual.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &actual[first.len()..];
    if !rest.ends_with(last) {
        return false;
    }
    rest = &rest[..rest.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

fn non_blank(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Whether `shown` is `actual` with lines left out only where it says `...`.
fn shows(shown: &str, actual: &str) -> bool {
    let expected = non_blank(shown);
    let actual = non_blank(actual);
    let chunks: Vec<&[&str]> = expected
        .split(|l| *l == "...")
        .filter(|c| !c.is_empty())
        .collect();
    let open_start = expected.first() == Some(&"...");
    let open_end = expected.last() == Some(&"...");
    let mut at = 0;
    for (n, chunk) in chunks.iter().enumerate() {
        let fits = |start: usize| {
            start + chunk.len() <= actual.len()
                && chunk
                    .iter()
                    .zip(&actual[start..])
                    .all(|(e, a)| line_matches(e, a))
        };
        let found = if n == 0 && !open_start {
            fits(0).then_some(0)
        } else {
            (at..actual.len()).find(|&s| fits(s))
        };
        let Some(start) = found else { return false };
        at = start + chunk.len();
    }
    open_end || at == actual.len() || chunks.is_empty()
}

fn run(step: &Step, dir: &Path, path: &str) -> (i32, String) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("exec 2>&1\nset -eo pipefail\n{}", step.script))
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .output()
        .expect("bash runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[cfg(unix)]
#[test]
fn the_walkthrough_runs_as_written_and_prints_what_it_shows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join(GUIDE)).unwrap();
    let steps = steps(&page);
    // The page is a walkthrough with outputs: an empty parse would pass vacuously.
    assert!(steps.len() >= 6, "{steps:#?}");
    assert!(steps.iter().filter(|s| !s.shown.is_empty()).count() >= 6);

    let dir = TempDir::new("docs-guide");
    let bin = dir.join("bin");
    let work = dir.join("work");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_cwfilter"), bin.join("cwfilter")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    for step in &steps {
        let (status, output) = run(step, &work, &path);
        assert_eq!(
            status, step.exit,
            "{GUIDE}:{}: the block exits with {status}, the page expects {}:\n{}\n--- output:\n{output}",
            step.line, step.exit, step.script
        );
        for (line, shown) in &step.shown {
            assert!(
                shows(shown, &output),
                "{GUIDE}:{line}: the output shown is not what the block at line {} prints.\n--- shown:\n{shown}--- printed:\n{output}",
                step.line
            );
        }
    }
}

#[test]
fn shown_output_matching_rules() {
    let out = "a\nb 1.2s done\n\nc\nd\n";
    assert!(shows("a\nb ... done\nc\nd\n", out));
    assert!(shows("...\nc\n...\n", out));
    assert!(shows("a\n...\nd\n", out));
    assert!(!shows("a\nc\n", out), "a gap needs `...`");
    assert!(!shows("b ... done\n...\n", out), "the start is anchored");
    assert!(!shows("...\nc\n", out), "the end is anchored");
    assert!(!shows("a\nb 1.2s\n...\n", out), "whole lines");
    assert!(!shows("...\nd\nc\n", out), "in order");
}

/// The `cwfilter ...` command lines in the `sh` blocks of the README and the docs, with where
/// they are (continuation lines joined, comments dropped).
fn documented_commands(root: &Path) -> Vec<(String, String)> {
    let mut pages = vec![root.join("README.md"), root.join("CONTRIBUTING.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    pages.sort();
    let mut commands = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let name = page.strip_prefix(root).unwrap().display().to_string();
        let (mut in_sh, mut joined, mut start) = (false, String::new(), 0);
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if let Some(info) = trimmed.strip_prefix("```") {
                in_sh = !in_sh && info.trim() == "sh";
                continue;
            }
            if !in_sh {
                continue;
            }
            if joined.is_empty() {
                start = i + 1;
            }
            let code = match trimmed.find(" #") {
                Some(at) => &trimmed[..at],
                None if trimmed.starts_with('#') => "",
                None => trimmed,
            };
            match code.strip_suffix('\\') {
                Some(head) => {
                    joined.push_str(head);
                    joined.push(' ');
                }
                None => {
                    joined.push_str(code);
                    for part in joined.split(['|', ';', '&']) {
                        let part = part.trim();
                        if part.starts_with("cwfilter ") {
                            commands.push((format!("{name}:{start}"), part.to_owned()));
                        }
                    }
                    joined.clear();
                }
            }
        }
    }
    commands.sort();
    commands.dedup();
    commands
}

#[test]
fn documented_commands_use_real_subcommands_and_flags() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let commands = documented_commands(root);
    assert!(commands.len() > 20, "{commands:#?}");
    let mut helps = std::collections::BTreeMap::new();
    let mut wrong = Vec::new();
    for (at, command) in &commands {
        let words: Vec<&str> = command.split_whitespace().skip(1).collect();
        let Some(sub) = words.first().filter(|w| !w.starts_with('-')) else {
            continue;
        };
        let help = helps.entry(sub.to_string()).or_insert_with(|| {
            let out = cwfilter().args([sub, "--help"]).output().unwrap();
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        });
        let Some(help) = help else {
            wrong.push(format!("{at}: `cwfilter {sub}` is not a command"));
            continue;
        };
        for word in &words[1..] {
            if !word.starts_with('-') || *word == "-" {
                continue;
            }
            let flag = word.split('=').next().unwrap();
            let listed = help.match_indices(flag).any(|(i, _)| {
                let next = help[i + flag.len()..].chars().next();
                let before = help[..i].chars().next_back();
                !matches!(next, Some(c) if c.is_alphanumeric() || c == '-')
                    && !matches!(before, Some(c) if c.is_alphanumeric() || c == '-')
            });
            if !listed {
                wrong.push(format!("{at}: `cwfilter {sub}` has no flag {flag}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
