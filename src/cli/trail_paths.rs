//! Turning the PATH arguments of `replay`, `match` and `lint` into inputs: local files and
//! directories through the library's walk, `s3://bucket/prefix` through its S3 listing
//! (docs/s3.md), in argument order.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use cwfilter::trail::s3::{S3Body, S3Client, S3Options, S3Url};
use cwfilter::trail::time::TimeWindow;
use cwfilter::trail::{discover, Discovered, Input};

/// The flags that say how to reach S3, shared by the commands that read trails.
#[derive(clap::Args, Clone, Debug)]
#[command(next_help_heading = "S3 (s3:// PATHs)")]
pub struct S3Args {
    /// AWS shared-config profile for s3:// PATHs (default: AWS_PROFILE, else `default`).
    /// Named --aws-profile because --profile is the detector profile.
    #[arg(long, value_name = "NAME")]
    pub aws_profile: Option<String>,
    /// AWS region of the requests (default: the profile's or AWS_REGION; the bucket's own
    /// region is then discovered).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// S3 requests in flight at once: listings, and objects being fetched.
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub s3_concurrency: u16,
}

/// `-j/--threads`, shared by the commands that read trails (as ripgrep's `-j`).
#[derive(clap::Args, Clone, Debug)]
pub struct ThreadsArgs {
    /// Worker threads reading and matching inputs (default: the number of cores). The output
    /// does not depend on it.
    #[arg(short = 'j', long = "threads", value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
}

impl ThreadsArgs {
    /// Sizes the global rayon pool (before any parallel work; later calls change nothing).
    pub fn install(&self) {
        if let Some(n) = self.threads {
            // Fails only if the pool already exists, which leaves its default size.
            let _ = rayon::ThreadPoolBuilder::new()
                .num_threads(usize::from(n))
                .build_global();
        }
    }
}

/// `--since`/`--until`, shared by `replay` and `tune` (the same window, read the same way).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct WindowArgs {
    /// First day (YYYY-MM-DD, inclusive), RFC 3339 time, `now`, or a time ago such as `7d`,
    /// `24h`, `30m` to replay from.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Last day (YYYY-MM-DD, inclusive), RFC 3339 time, `now`, or a time ago (`7d`, `24h`).
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
}

impl WindowArgs {
    /// The time window these bounds give (an error names the bad value).
    pub fn window(&self) -> Result<TimeWindow, String> {
        super::input::window(self.since.as_deref(), self.until.as_deref())
    }
}

/// The inputs of the PATH arguments pruned to `window`, or with no PATH the trail bundled in
/// the binary (bundled.rs), as `replay` and `tune` read them.
pub fn find_or_bundled(
    paths: &[PathBuf],
    window: &TimeWindow,
    s3: &S3Args,
) -> Result<Found, String> {
    if paths.is_empty() {
        return Ok(Found {
            discovered: super::bundled::discover(window),
            s3_objects: 0,
        });
    }
    find(paths, window, &|p| window.may_hold_s3_key(p), s3)
}

/// What the PATH arguments are called in a message: their labels, or the bundled trail.
pub fn named(paths: &[PathBuf]) -> Vec<String> {
    if paths.is_empty() {
        vec!["the bundled trail".to_owned()]
    } else {
        paths.iter().map(|p| super::input::label(p)).collect()
    }
}

/// Takes the `--labels` file out of the inputs: `cwfilter synth --out DIR` writes
/// DIR/labels.jsonl next to the trail, and it must not be read as (eventTime-less) records.
/// Returns the files taken out.
pub fn drop_labels_file(inputs: &mut Vec<Input>, labels: Option<&Path>) -> Vec<PathBuf> {
    let Some(labels) = labels
        .filter(|p| !super::input::is_dash(p))
        .and_then(|p| p.canonicalize().ok())
    else {
        return Vec::new();
    };
    let mut dropped = Vec::new();
    inputs.retain(|input| match input {
        Input::File(p) if p.canonicalize().ok().as_deref() == Some(labels.as_path()) => {
            dropped.push(p.clone());
            false
        }
        _ => true,
    });
    dropped
}

/// The inputs of the PATH arguments, and whether any is an S3 object.
pub struct Found {
    /// Inputs, pruned count and listing errors, as the library's walk gives them.
    pub discovered: Discovered,
    /// Objects in S3 among the inputs (they are read with more threads, see [`pool`]).
    pub s3_objects: usize,
}

/// Expands `paths` in order. `keep` prunes local files found in directories (S3 listings are
/// pruned by `window` the same way). An S3 problem that stops everything (no credentials,
/// credentials refused, no such bucket) is the `Err`, one line.
pub fn find(
    paths: &[PathBuf],
    window: &TimeWindow,
    keep: &dyn Fn(&Path) -> bool,
    s3: &S3Args,
) -> Result<Found, String> {
    let mut discovered = Discovered::default();
    let mut s3_objects = 0;
    let mut client: Option<S3Client> = None;
    for path in paths {
        let url = path.to_str().and_then(S3Url::parse);
        let Some(url) = url else {
            let local = discover(std::slice::from_ref(path), keep);
            discovered.inputs.extend(local.inputs);
            discovered.pruned += local.pruned;
            discovered.errors.extend(local.errors);
            continue;
        };
        let url = url?;
        if client.is_none() {
            client = Some(
                S3Client::connect(&S3Options {
                    profile: s3.aws_profile.clone(),
                    region: s3.region.clone(),
                    concurrency: usize::from(s3.s3_concurrency),
                    ..S3Options::default()
                })
                .map_err(|e| e.to_string())?,
            );
        }
        let Some(client) = &client else { continue };
        let listing = client.list(&url, window).map_err(|e| e.to_string())?;
        s3_objects += listing.inputs.len();
        discovered.inputs.extend(listing.inputs);
        discovered.pruned += listing.pruned;
        discovered.errors.extend(listing.errors);
    }
    Ok(Found {
        discovered,
        s3_objects,
    })
}

/// Runs `work` (which reads inputs with rayon) on enough threads to keep `--s3-concurrency`
/// objects in flight when there are S3 objects: a reader waiting on the network holds a
/// thread, not a core. Local inputs keep the default pool (one thread per core).
pub fn pool<T: Send>(s3_objects: usize, s3: &S3Args, work: impl FnOnce() -> T + Send) -> T {
    if s3_objects == 0 {
        return work();
    }
    let threads = usize::from(s3.s3_concurrency).max(rayon::current_num_threads());
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// For commands that read inputs one after another (`match`): the next S3 objects are
/// fetched ahead, `--s3-concurrency` at a time, so the network is never waited on object by
/// object.
pub struct Ahead {
    depth: usize,
    /// Bodies opened for the inputs from `next - opened.len()` to `next`.
    opened: VecDeque<Option<S3Body>>,
    next: usize,
}

impl Ahead {
    pub fn new(s3: &S3Args) -> Ahead {
        Ahead {
            depth: usize::from(s3.s3_concurrency),
            opened: VecDeque::new(),
            next: 0,
        }
    }

    /// The body of `inputs[i]` if it is an S3 object (inputs are taken in order, from 0).
    pub fn take(&mut self, inputs: &[Input], i: usize) -> Option<S3Body> {
        while self.next < inputs.len() && self.next < i + self.depth {
            self.opened.push_back(match &inputs[self.next] {
                Input::S3(object) => Some(object.open()),
                _ => None,
            });
            self.next += 1;
        }
        self.opened.pop_front().flatten()
    }
}
