//! `cwfilter match`: grep for events with a filter pattern.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cwfilter::detectors::Profile;
use cwfilter::engine::{Engine, RecordErrorKind};
use cwfilter::eval::{Message, Pattern};
use cwfilter::trail::reader::record_event_time;
use cwfilter::trail::{read_from, read_input, Item, ReadOptions};

use super::input;
use super::output;
use super::trail_paths::{self, Ahead, S3Args, ThreadsArgs};

#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    cwfilter match '{ $.userIdentity.type = \"Root\" }' AWSLogs/\n  \
    cwfilter match --count '{ $.errorCode = \"AccessDenied\" }' trail.json.gz\n  \
    cwfilter match -f pattern.txt -l AWSLogs/\n  \
    cwfilter match --aws-profile audit --since 1d -c '{ $.eventName = \"StopLogging\" }' s3://acme-trail/AWSLogs/\n  \
    cwfilter match --detector rootAccountUsage --config server.yaml AWSLogs/\n  \
    cwfilter match --explain --event-id 3b8f1c2e-... '{ $.x != \"bot\" }' AWSLogs/\n  \
    aws logs filter-log-events ... | cwfilter match --explain '{ $.x != \"bot\" }' -\n\n\
Exit status: 0 if an event was selected, 1 if none was, 2 on an invalid pattern or unreadable input.")]
pub struct Args {
    /// Print only the number of selected events (per input with -H).
    #[arg(short = 'c', long)]
    count: bool,
    /// For every event, print each condition, what its selector found, and whether it held.
    #[arg(long)]
    explain: bool,
    /// Select the events that do NOT match.
    #[arg(short = 'v', long)]
    invert_match: bool,
    /// Print only the names of inputs with a selected event.
    #[arg(short = 'l', long, conflicts_with_all = ["count", "explain"])]
    files_with_matches: bool,
    /// Print nothing; the exit status says whether an event was selected.
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Stop reading an input after N selected events.
    #[arg(short = 'm', long, value_name = "N")]
    max_count: Option<u64>,
    /// Prefix each event with the name of its input.
    #[arg(short = 'H', long)]
    with_filename: bool,
    /// Read the pattern from FILE (`-` for stdin); every positional argument is then a PATH.
    #[arg(short = 'f', long, value_name = "FILE", conflicts_with = "detector")]
    pattern_file: Option<PathBuf>,
    /// Use this detector's effective pattern (after --config); every positional argument is
    /// then a PATH.
    #[arg(long, value_name = "KEY")]
    detector: Option<String>,
    /// With --detector: the config files (repeatable, any kind `detectors` accepts; `-` reads
    /// stdin).
    #[arg(long, value_name = "FILE", requires = "detector")]
    config: Vec<PathBuf>,
    /// With --detector: the built-in catalog, `upstream` or `securityhub`.
    #[arg(long, value_name = "NAME", default_value = "upstream")]
    profile: Profile,
    /// Only the record whose eventID is ID (to explain one event of a directory with
    /// --explain).
    #[arg(long, value_name = "ID")]
    event_id: Option<String>,
    /// Only events at or after this time (as `replay --since`: a date, RFC 3339, `7d`, `now`).
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// Only events at or before this time (as `replay --until`).
    #[arg(long, value_name = "WHEN")]
    until: Option<String>,
    /// The filter pattern, as given to CloudWatch Logs (unless -f or --detector), then files,
    /// directories (recursive) or `s3://bucket/prefix`: CloudTrail `{"Records":[...]}` objects, JSON Lines,
    /// `aws logs filter-log-events` or `aws cloudtrail lookup-events` output, one plain log
    /// message per line; gzip or not. `-` or no PATH reads standard input.
    #[arg(value_name = "PATTERN] [PATH", allow_hyphen_values = true)]
    args: Vec<String>,
    #[command(flatten)]
    s3: S3Args,
    #[command(flatten)]
    threads: ThreadsArgs,
}

pub fn run(args: Args) -> ExitCode {
    args.threads.install();
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cwfilter: {message}");
            ExitCode::from(2)
        }
    }
}

/// The pattern text and where it came from, then the paths.
fn pattern_and_paths(args: &Args) -> Result<(String, Vec<PathBuf>), String> {
    let mut positional = args.args.iter();
    let text = if let Some(file) = &args.pattern_file {
        input::pattern_text(None, Some(file))?
    } else if let Some(key) = &args.detector {
        let loaded =
            input::load_detectors(&args.config, args.profile).map_err(|e| e.to_string())?;
        let detector = loaded
            .detectors
            .iter()
            .find(|d| &d.key == key)
            .ok_or_else(|| format!("--detector {key}: no such detector is enabled"))?;
        detector.pattern.clone()
    } else {
        positional
            .next()
            .cloned()
            .ok_or("a PATTERN is required (or -f FILE, or --detector KEY)")?
    };
    Ok((text, positional.map(PathBuf::from).collect()))
}

fn run_inner(args: Args) -> Result<ExitCode, String> {
    let (text, paths) = pattern_and_paths(&args)?;
    let pattern = match Pattern::parse(&text) {
        Ok(p) => p,
        Err(e) => {
            let from_command_line = args.pattern_file.is_none() && args.detector.is_none();
            input::pattern_error(&e, &text, from_command_line);
            return Ok(ExitCode::from(2));
        }
    };
    let paths = if paths.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        paths
    };
    input::one_stdin(&[
        ("--pattern-file", args.pattern_file.as_deref()),
        ("--config", input::configs_stdin(&args.config)),
        (
            "PATH",
            paths
                .iter()
                .any(|p| input::is_dash(p))
                .then(|| Path::new("-")),
        ),
    ])?;
    if input::waits_on_terminal(&paths) {
        return Err(input::NO_INPUT.to_owned());
    }
    let window = input::window(args.since.as_deref(), args.until.as_deref())?;
    let in_window = |text: &str| {
        window.is_unbounded() || record_event_time(text).is_some_and(|t| window.contains(t))
    };

    // The engine's literal prefilter skips records whose raw bytes cannot match without
    // parsing them; its answers are those of `Pattern::matches` on the raw message.
    let engine = Engine::new(vec![((), pattern.clone())]);
    let mut scratch = engine.scratch();
    let found = trail_paths::find(&paths, &window, &|_| true, &args.s3)?.discovered;
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
    let mut selected_total: u64 = 0;
    // Records with the --event-id asked for.
    let mut with_id: u64 = 0;
    let mut oversize: u64 = 0;
    let mut write_failed: Option<io::Error> = None;
    let mut ahead = Ahead::new(&args.s3);
    for (i, input) in found.inputs.iter().enumerate() {
        let mut selected: u64 = 0;
        let limit_reached = |selected: u64| args.max_count.is_some_and(|m| selected >= m);
        let body = ahead.take(&found.inputs, i);
        let mut on_item = |item: Item<'_>| {
            // A reader has no way to stop early: the remaining items are skipped.
            if write_failed.is_some()
                || limit_reached(selected)
                || (args.quiet && selected_total > 0)
                || (args.files_with_matches && selected > 0)
            {
                return;
            }
            let result = match item {
                Item::Record { text, position } => {
                    if !in_window(text) {
                        return;
                    }
                    if let Some(id) = &args.event_id {
                        if !has_event_id(text, id) {
                            return;
                        }
                        with_id += 1;
                    }
                    let matched = match engine.eval_record_in(&mut scratch, text) {
                        Ok(m) => m.contains(0),
                        // Not JSON: JSON patterns do not match, the others saw the text.
                        Err(e) if e.kind == RecordErrorKind::NotJson => e.matches.contains(0),
                        // Too deep to evaluate: neither selected nor passed over in silence.
                        Err(e) => {
                            errors += 1;
                            eprintln!("cwfilter: {}: {e}", input::record_at(input, &position));
                            return;
                        }
                    };
                    let is_selected = matched != args.invert_match;
                    if is_selected {
                        selected += 1;
                        selected_total += 1;
                    }
                    if args.quiet || args.files_with_matches {
                        Ok(())
                    } else if args.explain {
                        // Every event is explained, selected or not; --count adds the total.
                        let explanation = pattern.explain(&Message::new(text));
                        writeln!(out, "==> {input}{position}")
                            .and_then(|()| write!(out, "{explanation}"))
                    } else if !is_selected || args.count {
                        Ok(())
                    } else if args.with_filename {
                        writeln!(out, "{input}:{}", output::one_line(text, terminal))
                    } else {
                        writeln!(out, "{}", output::one_line(text, terminal))
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
        };
        match body {
            Some(body) => read_from(&input.to_string(), body, &opts, &mut on_item),
            None => read_input(input, &opts, &mut on_item),
        };
        if write_failed.is_none() && !args.quiet {
            let result = if args.files_with_matches && selected > 0 {
                writeln!(out, "{input}")
            } else if args.count && args.with_filename {
                writeln!(out, "{input}:{selected}")
            } else {
                Ok(())
            };
            if let Err(e) = result {
                write_failed = Some(e);
            }
        }
        if write_failed.is_some() || (args.quiet && selected_total > 0) {
            break;
        }
    }
    let finished = match write_failed {
        Some(e) => Err(e),
        None if args.count && !args.with_filename && !args.quiet => {
            writeln!(out, "{selected_total}").and_then(|()| out.flush())
        }
        None => out.flush(),
    };
    if let Err(e) = finished {
        return Ok(output::write_error(&e));
    }
    if let Some(id) = args.event_id.as_deref().filter(|_| with_id == 0) {
        eprintln!("cwfilter: no record with eventID {id:?} in the inputs");
    }
    if oversize > 0 {
        eprintln!(
            "cwfilter: {oversize} record(s) over 256 KB not matched: CloudTrail does not deliver them to CloudWatch Logs"
        );
    }
    // As grep -q: a selected event answers the question even if some input was unreadable.
    Ok(if args.quiet && selected_total > 0 {
        ExitCode::SUCCESS
    } else if errors > 0 {
        ExitCode::from(2)
    } else if selected_total > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Whether the record's top-level `eventID` is `id`. Only a record that may hold it is parsed:
/// one containing `id` as written, or an escape that could spell it otherwise.
fn has_event_id(text: &str, id: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Id<'a> {
        #[serde(rename = "eventID", borrow)]
        event_id: Option<std::borrow::Cow<'a, str>>,
    }
    (text.contains(id) || text.contains('\\'))
        && serde_json::from_str::<Id>(text)
            .ok()
            .and_then(|r| r.event_id)
            .is_some_and(|e| e == id)
}
