//! `cwfilter completions` and `cwfilter man`: generated from the clap definitions, so they
//! name the real subcommands and flags.

use std::process::{Command, Output};

fn cwfilter(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cwfilter"))
        .args(args)
        .output()
        .expect("run cwfilter")
}

/// The subcommands, as `cwfilter --help` lists them (so this list cannot drift either).
fn subcommands() -> Vec<String> {
    let help = String::from_utf8(cwfilter(&["--help"]).stdout).unwrap();
    let commands: Vec<String> = help
        .split("Commands:")
        .nth(1)
        .expect("a Commands: section")
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // Wrapped descriptions continue further right; a command starts at column 3.
        .filter(|l| !l[2..].starts_with(' '))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 9, "{commands:?}");
    commands
}

#[test]
fn bash_completion_is_valid_bash_and_offers_every_subcommand() {
    let o = cwfilter(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0));
    let script = String::from_utf8(o.stdout).unwrap();
    for c in subcommands() {
        assert!(script.contains(&c), "bash completion lacks {c}");
    }
    assert!(script.contains("--filter-pattern"));

    let dir = std::env::temp_dir().join(format!("cwfilter-completions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cwfilter.bash");
    std::fs::write(&file, &script).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .expect("run bash -n");
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_shell_gets_a_script() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = cwfilter(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("test-metric-filter"),
            "{shell}"
        );
    }
    assert_eq!(cwfilter(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_page_names_every_subcommand() {
    let o = cwfilter(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(page.contains(".TH cwfilter 1"), "{page}");
    for c in subcommands() {
        // roff escapes `-` as `\-` in names.
        let roff = c.replace('-', "\\-");
        assert!(
            page.contains(&c) || page.contains(&roff),
            "man page lacks {c}"
        );
    }
}
