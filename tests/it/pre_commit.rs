//! The pre-commit hooks (.pre-commit-hooks.yaml), run by the real `pre-commit` tool
//! (`pre-commit try-repo`) on a temporary git repository holding good and bad files: a bad
//! config or case file fails its hook, a good one passes, a file the hook's `files` pattern
//! does not match is not given to it.
//!
//! pre-commit is installed, pinned, by .ci/run into target/pre-commit-venv (or named by
//! CWFILTER_PRE_COMMIT); without it these tests say so and pass, unless
//! CWFILTER_REQUIRE_PRE_COMMIT is set (as .ci/run sets it).
//!
//! `language: rust` makes pre-commit `cargo install` the hook repository, a release build of
//! several minutes; the default tests run the same manifest with `language: system` and the
//! binary under test first on PATH, so ids, entries, `files` patterns and exit statuses are
//! pre-commit's own. `real_rust_install` (ignored by default) runs the manifest unchanged.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::TempDir;

const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml");

/// The pre-commit executable, or `None` (after saying so) when it is not installed.
fn pre_commit() -> Option<PathBuf> {
    let path = std::env::var_os("CWFILTER_PRE_COMMIT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pre-commit-venv/bin/pre-commit"),
        PathBuf::from,
    );
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CWFILTER_REQUIRE_PRE_COMMIT").is_none(),
        "pre-commit is required but not installed at {} (.ci/run installs it)",
        path.display()
    );
    eprintln!(
        "SKIPPED: pre-commit not installed at {} (.ci/run installs it)",
        path.display()
    );
    None
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=cwfilter tests",
            "-c",
            "user.email=tests@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A git repository holding the hooks manifest with `language: rust` made `language: system`.
fn hooks_repo(root: &TempDir) -> PathBuf {
    let manifest = std::fs::read_to_string(MANIFEST).unwrap();
    assert_eq!(
        manifest.matches("\n  language: rust\n").count(),
        2,
        "both hooks are language: rust"
    );
    let dir = root.join("hooks");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(".pre-commit-hooks.yaml"),
        manifest.replace("\n  language: rust\n", "\n  language: system\n"),
    )
    .unwrap();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "hooks"]);
    dir
}

const GOOD_CONFIG: &str = "alerts:\n  rootAccountUsage: true\n";
/// CW002: an exclusion the config adds with a mid-value `*` CloudWatch takes literally (a
/// warning). consoleLoginWithoutMfa's built-in `!=` without a NOT EXISTS guard is only a note
/// (CW001 on a pattern the config cannot change), which alone would not fail the hook.
const BAD_CONFIG: &str = "alerts:\n  rootAccountUsage: true\n  consoleLoginWithoutMfa: true\n  overrides:\n    consoleLoginWithoutMfa:\n      excludeUserArnGlobs: [\"arn:aws:sts::*:assumed-role/ci/*\"]\n";
const GOOD_CASES: &str = r#"{"id": "root", "pattern": "{ $.userIdentity.type = \"Root\" }", "event": "{\"userIdentity\": {\"type\": \"Root\"}}", "expect": true}
"#;
const BAD_CASES: &str = r#"{"id": "wrong", "pattern": "{ $.userIdentity.type = \"Root\" }", "event": "{\"userIdentity\": {\"type\": \"Root\"}}", "expect": false}
"#;

/// A repository to run the hooks in: good and bad configs and case files, and files the
/// hooks must not be given (a YAML that is no detector config, cases under another name).
fn work_repo(root: &TempDir) -> PathBuf {
    let dir = root.join("work");
    for (rel, text) in [
        ("server.yaml", GOOD_CONFIG),
        ("stacks/prod/server.yaml", BAD_CONFIG),
        ("docker-compose.yaml", "services: {}\n"),
        ("tests/detector.cases.jsonl", GOOD_CASES),
        ("tests/bad.cases.jsonl", BAD_CASES),
        ("tests/events.jsonl", "not a case\n"),
    ] {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "-A"]);
    dir
}

/// `pre-commit try-repo HOOKS HOOK ARGS...` in `work`, with the binary under test on PATH.
fn try_repo(pre_commit: &Path, root: &TempDir, hooks: &Path, work: &Path, args: &[&str]) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cwfilter")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    Command::new(pre_commit)
        .current_dir(work)
        .arg("try-repo")
        .arg(hooks)
        .args(args)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", root.join("cache"))
        .env("PRE_COMMIT_COLOR", "never")
        .output()
        .expect("pre-commit runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn lint_hook_fails_a_bad_config_and_passes_a_good_one() {
    let Some(pc) = pre_commit() else { return };
    let root = TempDir::new("pre-commit-lint");
    let (hooks, work) = (hooks_repo(&root), work_repo(&root));

    let o = try_repo(
        &pc,
        &root,
        &hooks,
        &work,
        &["cwfilter-lint", "--files", "server.yaml"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("cwfilter lint"), "{}", text(&o));

    let o = try_repo(
        &pc,
        &root,
        &hooks,
        &work,
        &["cwfilter-lint", "--files", "stacks/prod/server.yaml"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("stacks/prod/server.yaml:3:3: warning[CW002] consoleLoginWithoutMfa:"),
        "{}",
        text(&o)
    );

    // Every file: the bad config fails the run; the YAML that is no config is not given to
    // the hook (it would fail to load: no `alerts:` block).
    let o = try_repo(&pc, &root, &hooks, &work, &["cwfilter-lint", "--all-files"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("warning[CW002]"), "{}", text(&o));
    assert!(!text(&o).contains("docker-compose"), "{}", text(&o));
    let o = try_repo(
        &pc,
        &root,
        &hooks,
        &work,
        &[
            "cwfilter-lint",
            "--files",
            "docker-compose.yaml",
            "server.yaml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn check_hook_fails_a_failing_case_and_passes_good_cases() {
    let Some(pc) = pre_commit() else { return };
    let root = TempDir::new("pre-commit-check");
    let (hooks, work) = (hooks_repo(&root), work_repo(&root));

    let o = try_repo(
        &pc,
        &root,
        &hooks,
        &work,
        &[
            "cwfilter-check",
            "--files",
            "tests/detector.cases.jsonl",
            "tests/events.jsonl",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let o = try_repo(
        &pc,
        &root,
        &hooks,
        &work,
        &["cwfilter-check", "--all-files"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("FAIL wrong (tests/bad.cases.jsonl:1)"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("1 passed, 1 failed"), "{}", text(&o));
}

/// The manifest unchanged: pre-commit `cargo install`s this repository (a release build, and
/// crates.io unless cargo's cache has every crate), then runs the hooks. Run it with
/// `cargo test --test it real_rust_install -- --ignored`.
#[test]
#[ignore = "builds cwfilter in release mode through pre-commit (minutes)"]
fn real_rust_install() {
    let Some(pc) = pre_commit() else { return };
    let root = TempDir::new("pre-commit-rust");
    let work = work_repo(&root);
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |args: &[&str]| {
        Command::new(&pc)
            .current_dir(&work)
            .arg("try-repo")
            .arg(manifest_dir)
            .args(args)
            .env("PRE_COMMIT_HOME", root.join("cache"))
            .env("PRE_COMMIT_COLOR", "never")
            // Reuse one build directory between runs.
            .env(
                "CARGO_TARGET_DIR",
                manifest_dir.join("target/pre-commit-install"),
            )
            .output()
            .expect("pre-commit runs")
    };
    let o = run(&["cwfilter-lint", "--files", "server.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = run(&["cwfilter-lint", "--files", "stacks/prod/server.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = run(&["cwfilter-check", "--all-files"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}
