//! docs/ci.md cannot drift: the `cwfilter` commands of its GitHub Actions workflow and of its
//! GitLab CI job are read from the page's YAML blocks, must be the same in both, and are run
//! (in order, by bash, from the root of a repository laid out as the page says) with the built
//! binary: the cases pass, the lint writes valid SARIF, the replay writes a Markdown report
//! comparing the change with the baseline.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::cli_lint_sarif::schema_errors;
use crate::support::{cwfilter, TempDir};

const PAGE: &str = "docs/ci.md";

/// The page's `yaml` blocks, parsed.
fn yaml_blocks(page: &str) -> Vec<Value> {
    let mut blocks = Vec::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "```yaml" {
            continue;
        }
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.trim_start().starts_with("```"))
            .collect();
        let text = body.join("\n");
        let value: Value = serde_saphyr::from_str(&text)
            .unwrap_or_else(|e| panic!("{PAGE}: a yaml block does not parse: {e}\n{text}"));
        blocks.push(value);
    }
    blocks
}

/// The shell lines of a list of strings (a `run: |` block holds several).
fn shell_lines(commands: &[&str]) -> Vec<String> {
    commands
        .iter()
        .flat_map(|c| c.lines())
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

fn is_cwfilter(line: &str) -> bool {
    line.starts_with("cwfilter ")
}

/// The `run` lines of every step of every job of a GitHub Actions workflow.
fn github_lines(workflow: &Value) -> Vec<String> {
    let jobs = workflow["jobs"].as_object().expect("a workflow has jobs");
    let runs: Vec<&str> = jobs
        .values()
        .flat_map(|job| job["steps"].as_array().expect("a job has steps"))
        .filter_map(|step| step["run"].as_str())
        .collect();
    shell_lines(&runs)
}

/// The `script` lines of every job of a `.gitlab-ci.yml`.
fn gitlab_lines(pipeline: &Value) -> Vec<String> {
    let jobs = pipeline.as_object().expect("a pipeline is a map of jobs");
    let scripts: Vec<&str> = jobs
        .values()
        .filter_map(|job| job["script"].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    shell_lines(&scripts)
}

#[test]
fn both_pipelines_run_the_same_cwfilter_commands() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join(PAGE)).unwrap();
    let blocks = yaml_blocks(&page);
    assert_eq!(
        blocks.len(),
        2,
        "{PAGE}: a GitHub workflow and a GitLab job"
    );
    let github: Vec<String> = github_lines(&blocks[0])
        .into_iter()
        .filter(|l| is_cwfilter(l))
        .collect();
    let gitlab: Vec<String> = gitlab_lines(&blocks[1])
        .into_iter()
        .filter(|l| is_cwfilter(l))
        .collect();
    assert_eq!(github, gitlab, "{PAGE}: the two pipelines differ");
    let subcommands: Vec<&str> = github
        .iter()
        .map(|l| l.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(subcommands, ["check", "lint", "replay"]);
    assert!(github[1].contains("--format sarif"), "{}", github[1]);
    assert!(github[2].contains("--format markdown"), "{}", github[2]);
    assert!(github[2].contains("--baseline"), "{}", github[2]);
}

/// A repository laid out as the page says: a config, its cases, the target branch's config
/// (what `git show` writes) and a small synthetic trail.
fn detector_repository(dir: &Path) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    std::fs::create_dir_all(dir.join("detectors")).unwrap();
    let config = std::fs::read_to_string(data.join("server.yaml")).unwrap();
    std::fs::write(dir.join("detectors/server.yaml"), &config).unwrap();
    // The pull request adds an exclusion to rootAccountUsage's neighbour; the baseline has none.
    let baseline = config.replace(
        "excludeUserNames: [\"integrail-deployer-bot\", \"github-actions-pulumi-github\"]",
        "excludeUserNames: [\"integrail-deployer-bot\"]",
    );
    assert_ne!(
        baseline, config,
        "tests/data/server.yaml changed: update this test"
    );
    std::fs::write(dir.join("baseline.yaml"), baseline).unwrap();
    let cases = [
        r#"{"id":"root-console","pattern":"{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\" }","event":"{\"userIdentity\":{\"type\":\"Root\"},\"eventType\":\"AwsConsoleSignIn\"}","expect":true}"#,
        r#"{"id":"absent-field-ne","pattern":"{ $.additionalEventData.MFAUsed != \"Yes\" }","event":"{\"eventName\":\"ConsoleLogin\"}","expect":false}"#,
    ];
    std::fs::write(dir.join("detectors/cases.jsonl"), cases.join("\n") + "\n").unwrap();
    let synth = cwfilter()
        .args([
            "synth",
            "--days",
            "3",
            "--events-per-day",
            "200",
            "--seed",
            "11",
        ])
        .args(["--regions", "us-east-1", "--out"])
        .arg(dir.join("trail"))
        .output()
        .unwrap();
    assert!(synth.status.success(), "{synth:?}");
}

#[cfg(unix)]
#[test]
fn the_pipeline_commands_run_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join(PAGE)).unwrap();
    let commands: Vec<String> = github_lines(&yaml_blocks(&page)[0])
        .into_iter()
        .filter(|l| is_cwfilter(l))
        .collect();

    let dir = TempDir::new("docs-ci");
    let repo = dir.join("repo");
    detector_repository(&repo);
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_cwfilter"), bin.join("cwfilter")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut statuses = Vec::new();
    for command in &commands {
        let out = Command::new("bash")
            .arg("-c")
            .arg(command)
            .current_dir(&repo)
            .stdin(Stdio::null())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        statuses.push((command.clone(), out.status.code(), out));
    }
    // check: every case passes.
    let (cmd, code, out) = &statuses[0];
    assert_eq!(*code, Some(0), "{cmd}: {out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 passed, 0 failed"));
    // lint: SARIF with a finding that points into the config (exit 1: there are findings).
    let (cmd, code, out) = &statuses[1];
    assert_eq!(*code, Some(1), "{cmd}: {out:?}");
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(repo.join("cwfilter.sarif")).unwrap()).unwrap();
    assert_eq!(schema_errors(&sarif), None);
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(!uris.is_empty(), "{sarif:#}");
    assert!(
        uris.iter().all(|u| *u == "detectors/server.yaml"),
        "{uris:?}"
    );
    // replay: a Markdown report of the change against the baseline, every input read.
    let (cmd, code, out) = &statuses[2];
    assert_eq!(*code, Some(0), "{cmd}: {out:?}");
    let report = std::fs::read_to_string(repo.join("report.md")).unwrap();
    assert!(report.starts_with('#'), "{report}");
    assert!(report.contains("iamPolicyChanges"), "{report}");
    assert!(report.to_lowercase().contains("baseline"), "{report}");
}
