//! `cwfilter check FILE...`: run conformance cases and report the failures.
//!
//! Prints one line per failing case and closes with `N passed, N failed`. Exit 0 iff nothing
//! failed, 1 if a case failed, 2 if a file cannot be read or a line is not a case.

use std::path::PathBuf;
use std::process::ExitCode;

use cwfilter::conformance;

#[derive(clap::Args)]
pub struct Args {
    /// JSON Lines files of cases: {"id","pattern","event","expect":true|false} or
    /// {"id","pattern","expect_error":true}.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let (mut passed, mut failed, mut bad_input) = (0usize, 0usize, false);
    let mut out = String::new();
    for path in &args.files {
        match conformance::run_file(path) {
            Err(e) => {
                eprintln!("cwfilter: {e}");
                bad_input = true;
            }
            Ok(results) => {
                for r in results {
                    if r.passed {
                        passed += 1;
                    } else {
                        failed += 1;
                        out.push_str(&format!(
                            "FAIL {} ({}:{}): expected {}, got {}\n",
                            r.id,
                            path.display(),
                            r.line,
                            r.expected,
                            r.got
                        ));
                    }
                }
            }
        }
    }
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    if let Err(code) = super::output::print(&out) {
        return code;
    }
    if bad_input {
        ExitCode::from(2)
    } else if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
