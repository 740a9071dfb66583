//! `cwfilter synth`: write a realistic synthetic CloudTrail trail in the S3 layout.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use cwfilter::trail::synth::{write_trail, SynthConfig};
use cwfilter::trail::time::{parse_date_or_time, DAY};

#[derive(clap::Args)]
pub struct Args {
    /// Days of trail to write.
    #[arg(long, default_value_t = 7)]
    days: u32,
    /// Everyday (noise) events per day; planted incidents come on top.
    #[arg(long, default_value_t = 10_000)]
    events_per_day: u64,
    /// PRNG seed: the same seed and options give byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// 12-digit AWS account ID.
    #[arg(long, default_value = "123456789012")]
    account: String,
    /// Comma-separated regions; global services (IAM, STS, sign-in) log in the first.
    #[arg(long, value_delimiter = ',', default_value = "us-east-1,eu-west-1")]
    regions: Vec<String>,
    /// First day (YYYY-MM-DD, UTC).
    #[arg(long, default_value = "2025-01-06")]
    start: String,
    /// Output directory (created; must be empty if it exists). Not `-`: a trail is a tree.
    #[arg(long)]
    out: PathBuf,
    /// Plant incidents (the default) and label them in OUT/labels.jsonl.
    #[arg(long, overrides_with = "no_incidents")]
    incidents: bool,
    /// Write noise only (labels.jsonl then holds only benign samples).
    #[arg(long, overrides_with = "incidents")]
    no_incidents: bool,
}

pub fn run(args: Args) -> ExitCode {
    let Some(start) = parse_date_or_time(&args.start).filter(|_| args.start.len() == 10) else {
        eprintln!(
            "cwfilter: --start {:?} is not a date like 2025-01-06",
            args.start
        );
        return ExitCode::from(2);
    };
    if super::input::is_dash(&args.out) {
        eprintln!(
            "cwfilter: --out -: synth writes a directory tree, not a stream; name a directory"
        );
        return ExitCode::from(2);
    }
    if let Ok(mut entries) = std::fs::read_dir(&args.out) {
        if entries.next().is_some() {
            eprintln!(
                "cwfilter: {} is not empty; choose a new directory so trails do not mix",
                args.out.display()
            );
            return ExitCode::from(2);
        }
    }
    let cfg = SynthConfig {
        days: args.days,
        events_per_day: args.events_per_day,
        seed: args.seed,
        account: args.account,
        regions: args.regions.iter().map(|r| r.trim().to_string()).collect(),
        start_day: start.div_euclid(DAY),
        incidents: !args.no_incidents || args.incidents,
    };
    let started = Instant::now();
    match write_trail(&cfg, &args.out) {
        Ok(summary) => {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "wrote {} events in {} files to {} ({:.1} MB JSON, {:.1} MB gzip) in {:.1}s; {} incidents, labels: {} malicious, {} benign in {}",
                summary.events,
                summary.files,
                args.out.display(),
                summary.uncompressed_bytes as f64 / 1e6,
                summary.compressed_bytes as f64 / 1e6,
                secs,
                summary.incidents.len(),
                summary.malicious,
                summary.benign,
                args.out.join("labels.jsonl").display(),
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cwfilter: {e}");
            ExitCode::from(2)
        }
    }
}
