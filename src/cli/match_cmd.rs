//! `cwfilter match`: grep for events with a filter pattern.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use cwfilter::engine::Engine;
use cwfilter::eval::{Message, Pattern};
use cwfilter::trail::{discover, read_input, Item, ReadOptions};

use super::output;

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    cwfilter match '{ $.userIdentity.type = \"Root\" }' AWSLogs/\n  \
    cwfilter match --count '{ $.errorCode = \"AccessDenied\" }' trail.json.gz\n  \
    aws logs filter-log-events ... | cwfilter match --explain '{ $.x != \"bot\" }' -\n\n\
Exit status: 0 if an event matched, 1 if none did, 2 on an invalid pattern or unreadable input.")]
pub struct Args {
    /// Print only the number of matching events.
    #[arg(short = 'c', long)]
    count: bool,
    /// For every event, print each condition, what its selector found, and whether it held.
    #[arg(long, conflicts_with = "count")]
    explain: bool,
    /// The filter pattern, as given to CloudWatch Logs.
    pattern: String,
    /// Files or directories (recursive): CloudTrail `{"Records":[...]}` objects, JSON Lines,
    /// `aws logs filter-log-events` or `aws cloudtrail lookup-events` output, one plain log
    /// message per line; gzip or not. `-` or nothing reads standard input.
    paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let pattern = match Pattern::parse(&args.pattern) {
        Ok(p) => p,
        Err(e) => {
            eprint!("{}", e.render());
            return ExitCode::from(2);
        }
    };
    // The engine's literal prefilter skips records whose raw bytes cannot match without
    // parsing them; its answers are those of `Pattern::matches` on the raw message.
    let engine = Engine::new(vec![((), pattern.clone())]);
    let mut scratch = engine.scratch();
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.paths.clone()
    };
    let found = discover(&paths, &|_| true);
    let mut errors = found.errors.len() as u64;
    for e in &found.errors {
        eprintln!("cwfilter: {e}");
    }

    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    let mut out = io::BufWriter::new(stdout.lock());
    let opts = ReadOptions {
        plain_lines: true,
        ..ReadOptions::default()
    };
    let mut matched: u64 = 0;
    let mut oversize: u64 = 0;
    let mut write_failed: Option<io::Error> = None;
    for input in &found.inputs {
        read_input(input, &opts, &mut |item| {
            if write_failed.is_some() {
                return;
            }
            let result = match item {
                Item::Record { text, position } => {
                    if args.explain {
                        let explanation = pattern.explain(&Message::new(text));
                        matched += u64::from(explanation.matched);
                        writeln!(out, "==> {input}{position}")
                            .and_then(|()| write!(out, "{explanation}"))
                    } else if match engine.eval_record_in(&mut scratch, text) {
                        Ok(m) => m.contains(0),
                        // Not JSON: JSON patterns do not match, the others saw the text.
                        Err(e) => e.matches.contains(0),
                    } {
                        matched += 1;
                        if args.count {
                            Ok(())
                        } else {
                            writeln!(out, "{}", output::one_line(text, terminal))
                        }
                    } else {
                        Ok(())
                    }
                }
                Item::Oversize { .. } => {
                    oversize += 1;
                    Ok(())
                }
                Item::Error(e) => {
                    errors += 1;
                    eprintln!("cwfilter: {e}");
                    Ok(())
                }
            };
            if let Err(e) = result {
                write_failed = Some(e);
            }
        });
        if write_failed.is_some() {
            break;
        }
    }
    let finished = match write_failed {
        Some(e) => Err(e),
        None if args.count => writeln!(out, "{matched}").and_then(|()| out.flush()),
        None => out.flush(),
    };
    if let Err(e) = finished {
        return output::write_error(&e);
    }
    if oversize > 0 {
        eprintln!(
            "cwfilter: {oversize} record(s) over 256 KB not matched: CloudTrail does not deliver them to CloudWatch Logs"
        );
    }
    if errors > 0 {
        ExitCode::from(2)
    } else if matched > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
