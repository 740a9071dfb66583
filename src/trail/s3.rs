//! Reading trails straight from S3 (feature `s3`): `s3://bucket/prefix` URLs, listing pruned by
//! the CloudTrail key layout, and objects streamed through the same reader as local files.
//!
//! Credentials and region are found as the AWS CLI finds them (the official SDK's default
//! chain: environment, shared config and credentials files with a profile, SSO, web identity,
//! container and instance roles). `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` are honoured,
//! with path-style addressing when an endpoint is set. The bucket's region is discovered with
//! `HeadBucket` unless given.
//!
//! Listing follows the layout `AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/`:
//! folders are discovered with the `/` delimiter; below a region, only the day folders a
//! [`TimeWindow`] may need are listed (the days [`TimeWindow::may_hold_s3_key`] keeps, so an S3
//! replay reads the same objects as a local one); `CloudTrail-Digest/` is never listed.
//! Without a window, everything below each region is listed flat.
//!
//! The command line's documentation is docs/s3.md.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use aws_config::BehaviorVersion;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::{ProvideCredentials, Region};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::Client;
use aws_smithy_http_client::tls;
use tokio::runtime::Runtime;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;

use super::reader::{Input, Position, TrailError};
use super::time::{civil_from_days, TimeWindow, DAY};

/// An `s3://bucket/prefix` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Url {
    /// The bucket.
    pub bucket: String,
    /// The key prefix (may be empty; a trailing `/` names a folder).
    pub prefix: String,
}

impl S3Url {
    /// `None` when `arg` does not start with `s3://`; an error when it does but names no
    /// bucket.
    pub fn parse(arg: &str) -> Option<Result<S3Url, String>> {
        let rest = arg.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        Some(if bucket.is_empty() {
            Err(format!(
                "{arg}: no bucket name (expected s3://bucket/prefix)"
            ))
        } else {
            Ok(S3Url {
                bucket: bucket.to_owned(),
                prefix: prefix.to_owned(),
            })
        })
    }
}

impl fmt::Display for S3Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// How to reach S3.
#[derive(Clone, Debug)]
pub struct S3Options {
    /// The shared config profile (`None`: `AWS_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// The region of the requests (`None`: the profile's or the environment's, then the
    /// bucket's own region is discovered).
    pub region: Option<String>,
    /// Requests in flight at once while listing (objects are fetched by the readers, see
    /// [`S3Object::open`]).
    pub concurrency: usize,
    /// Attempts per request, the first included (throttling and transient errors are retried
    /// with exponential backoff).
    pub max_attempts: u32,
}

impl Default for S3Options {
    fn default() -> Self {
        S3Options {
            profile: None,
            region: None,
            concurrency: 16,
            max_attempts: 5,
        }
    }
}

/// A problem that stops before anything is read: no credentials, credentials refused, no such
/// bucket, S3 unreachable. One line, naming the bucket or the credential problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Error(pub String);

impl fmt::Display for S3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for S3Error {}

/// A connection to S3: the SDK client and the runtime its requests run on. Cheap to clone.
#[derive(Clone)]
pub struct S3Client {
    rt: Arc<Runtime>,
    client: Client,
    concurrency: usize,
    endpoint: Option<String>,
    region_given: bool,
}

impl fmt::Debug for S3Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Client")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl S3Client {
    /// Loads the configuration and credentials (the AWS CLI's chain). Credentials are resolved
    /// now, so that a missing or broken profile is one clear error before any listing.
    pub fn connect(opts: &S3Options) -> Result<S3Client, S3Error> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("cwfilter-s3")
            .enable_all()
            .build()
            .map_err(|e| S3Error(format!("cannot start the S3 runtime: {e}")))?;
        // rustls with ring; every request (S3, STS, SSO, IMDS) goes through this one client.
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client)
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(opts.max_attempts.max(1))
                    .with_initial_backoff(std::time::Duration::from_millis(100)),
            );
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &opts.region {
            loader = loader.region(Region::new(r.clone()));
        }
        let sdk = rt.block_on(loader.load());
        let Some(provider) = sdk.credentials_provider() else {
            return Err(S3Error("no AWS credentials provider configured".to_owned()));
        };
        if let Err(e) = rt.block_on(provider.provide_credentials()) {
            let profile = opts
                .profile
                .clone()
                .or_else(|| std::env::var("AWS_PROFILE").ok())
                .map_or_else(String::new, |p| format!(" (profile {p})"));
            return Err(S3Error(format!(
                "no usable AWS credentials{profile}: {}",
                DisplayErrorContext(&e)
            )));
        }
        let endpoint = env_nonempty("AWS_ENDPOINT_URL_S3")
            .or_else(|| env_nonempty("AWS_ENDPOINT_URL"))
            .or_else(|| sdk.endpoint_url().map(str::to_owned));
        let mut config = aws_sdk_s3::config::Builder::from(&sdk);
        if sdk.region().is_none() {
            // The bucket's region is discovered from here (HeadBucket answers for any region).
            config = config.region(Region::new("us-east-1"));
        }
        if let Some(url) = &endpoint {
            config = config.endpoint_url(url).force_path_style(true);
        }
        Ok(S3Client {
            rt: Arc::new(rt),
            client: Client::from_conf(config.build()),
            concurrency: opts.concurrency.max(1),
            endpoint,
            region_given: opts.region.is_some(),
        })
    }

    /// The objects under `url` that may hold events in `window`, in the order a local
    /// directory walk would give them. A missing bucket or refused credentials is an
    /// [`S3Error`]; a folder that cannot be listed is a [`TrailError`] among the others.
    pub fn list(&self, url: &S3Url, window: &TimeWindow) -> Result<Listing, S3Error> {
        let client = self.bucket_client(&url.bucket)?;
        let listing = self.rt.block_on(list(
            client,
            url.clone(),
            *window,
            Arc::new(Semaphore::new(self.concurrency)),
        ))?;
        Ok(listing)
    }

    /// A client for the bucket's own region (HeadBucket), or the error that stops the run.
    fn bucket_client(&self, bucket: &str) -> Result<Conn, S3Error> {
        let head = self
            .rt
            .block_on(self.client.head_bucket().bucket(bucket).send());
        let region = match head {
            Ok(out) => out.bucket_region().map(str::to_owned),
            Err(SdkError::ServiceError(e)) => {
                let raw = e.raw();
                let status = raw.status().as_u16();
                let region = raw.headers().get("x-amz-bucket-region").map(str::to_owned);
                match status {
                    404 => return Err(S3Error(format!("s3://{bucket}: no such bucket"))),
                    301 | 400 if region.is_some() => region,
                    // 403 may be a permission (listing then says which) or refused
                    // credentials: the listing's error code tells.
                    403 => region,
                    _ => {
                        return Err(S3Error(format!(
                            "s3://{bucket}: HeadBucket failed (HTTP {status})"
                        )))
                    }
                }
            }
            Err(e) => return Err(S3Error(format!("s3://{bucket}: {}", self.unreachable(&e)))),
        };
        let current = self.client.config().region().map(|r| r.as_ref().to_owned());
        let client = match region {
            Some(r) if !self.region_given && Some(&r) != current.as_ref() => {
                let config = self
                    .client
                    .config()
                    .to_builder()
                    .region(Region::new(r))
                    .build();
                Client::from_conf(config)
            }
            _ => self.client.clone(),
        };
        Ok(Conn {
            rt: self.rt.clone(),
            client,
        })
    }

    fn unreachable<E: std::error::Error + 'static>(&self, e: &SdkError<E, HttpResponse>) -> String {
        let target = self
            .endpoint
            .as_deref()
            .map_or_else(|| "S3".to_owned(), |e| format!("S3 at {e}"));
        match e {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                format!("cannot reach {target}: {}", DisplayErrorContext(e))
            }
            _ => DisplayErrorContext(e).to_string(),
        }
    }
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A client bound to one bucket's region, and the runtime to run it on.
#[derive(Clone)]
struct Conn {
    rt: Arc<Runtime>,
    client: Client,
}

/// What [`S3Client::list`] found.
#[derive(Debug, Default)]
pub struct Listing {
    /// The objects, as inputs.
    pub inputs: Vec<Input>,
    /// Objects left out by the window (listed in a folder that was listed anyway).
    pub pruned: u64,
    /// Folders that could not be listed.
    pub errors: Vec<TrailError>,
    /// The `ListObjectsV2` requests made (pages included).
    pub requests: u64,
}

/// One object of a listing: read it with [`crate::trail::read_input`] (through
/// [`Input::S3`]) or [`S3Object::open`].
#[derive(Clone)]
pub struct S3Object {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The size in the listing (compressed bytes).
    pub size: u64,
    conn: Conn,
}

impl S3Object {
    /// Starts fetching the object now (in the background; the SDK retries throttling and
    /// transient errors) and returns its body as a byte stream. At most a few chunks are held
    /// ahead of the reader. A failed request is an error on the first read.
    pub fn open(&self) -> S3Body {
        let (tx, rx) = mpsc::channel::<io::Result<Vec<u8>>>(16);
        let request = self
            .conn
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&self.key);
        self.conn.rt.spawn(async move {
            let mut body = match request.send().await {
                Ok(out) => out.body,
                Err(e) => {
                    let _ = tx
                        .send(Err(io::Error::other(describe("GetObject", &e))))
                        .await;
                    return;
                }
            };
            loop {
                match body.try_next().await {
                    Ok(Some(chunk)) => {
                        if tx.send(Ok(chunk.to_vec())).await.is_err() {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(e) => {
                        let message = format!("reading the object failed: {e}");
                        let _ = tx.send(Err(io::Error::other(message))).await;
                        return;
                    }
                }
            }
        });
        S3Body {
            rx,
            chunk: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl fmt::Debug for S3Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Object")
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for S3Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

// Identity is the object's address; the connection is how to reach it.
impl PartialEq for S3Object {
    fn eq(&self, other: &Self) -> bool {
        (&self.bucket, &self.key) == (&other.bucket, &other.key)
    }
}

impl Eq for S3Object {}

impl PartialOrd for S3Object {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for S3Object {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.bucket, &self.key).cmp(&(&other.bucket, &other.key))
    }
}

impl Hash for S3Object {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bucket.hash(state);
        self.key.hash(state);
    }
}

/// An object's body as it arrives ([`S3Object::open`]).
pub struct S3Body {
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
    done: bool,
}

impl fmt::Debug for S3Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Body").finish_non_exhaustive()
    }
}

impl Read for S3Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            // Never called from inside the runtime: readers run on their own threads.
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                None => {
                    self.done = true;
                    return Ok(0);
                }
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// `Operation: Code: message (HTTP status)` for a failed request.
fn describe<E>(operation: &str, e: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match e {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let err = se.err();
            match (err.code(), err.message()) {
                (Some(code), Some(message)) => {
                    format!("{operation}: {code}: {message} (HTTP {status})")
                }
                (Some(code), None) => format!("{operation}: {code} (HTTP {status})"),
                _ => format!("{operation}: HTTP {status}"),
            }
        }
        other => format!("{operation}: {}", DisplayErrorContext(other)),
    }
}

/// Error codes that mean the credentials themselves were refused.
const CREDENTIAL_CODES: [&str; 5] = [
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
];

/// What one listing request is for.
#[derive(Clone, Debug)]
enum Job {
    /// A key that may be an object or a folder (a URL without a trailing `/`).
    Exact(String),
    /// A folder listed with the delimiter: objects here, subfolders classified.
    Folder(String),
    /// Everything below a prefix, without the delimiter.
    Flat(String),
}

/// Where a folder sits in the CloudTrail layout, from the parts after the last `CloudTrail`.
enum Layout {
    /// Not (yet) in the layout.
    Other,
    /// `CloudTrail/<region>/`.
    Region,
    /// `CloudTrail/<region>/YYYY/[MM/[DD/]]`: the days it covers, inclusive.
    Days(i64, i64),
}

fn layout(prefix: &str) -> Layout {
    let parts: Vec<&str> = prefix.trim_end_matches('/').split('/').collect();
    let Some(at) = parts.iter().rposition(|p| *p == "CloudTrail") else {
        return Layout::Other;
    };
    let num = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let day = |y: i64, m: i64, d: i64| {
        super::time::days_from_civil(y, m.clamp(1, 12) as u32, d.clamp(1, 31) as u32)
    };
    match &parts[at + 1..] {
        [_region] => Layout::Region,
        [_region, y] => match num(y, 4) {
            Some(y) => Layout::Days(day(y, 1, 1), day(y + 1, 1, 1) - 1),
            None => Layout::Other,
        },
        [_region, y, m] => match (num(y, 4), num(m, 2)) {
            (Some(y), Some(m)) if (1..=12).contains(&m) => {
                let next = if m == 12 {
                    day(y + 1, 1, 1)
                } else {
                    day(y, m + 1, 1)
                };
                Layout::Days(day(y, m, 1), next - 1)
            }
            _ => Layout::Other,
        },
        [_region, y, m, d] => match (num(y, 4), num(m, 2), num(d, 2)) {
            (Some(y), Some(m), Some(d)) => Layout::Days(day(y, m, d), day(y, m, d)),
            _ => Layout::Other,
        },
        _ => Layout::Other,
    }
}

/// The days whose folders may hold objects for `window` (as [`TimeWindow::may_hold_s3_key`]):
/// from the day of `since` to the day after the day of `until`.
fn window_days(window: &TimeWindow) -> (Option<i64>, Option<i64>) {
    (
        window.since.map(|s| s.div_euclid(DAY)),
        window.until.map(|u| u.div_euclid(DAY) + 1),
    )
}

fn day_prefix(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}/{m:02}/{d:02}/")
}

/// The jobs a folder found in a listing leads to, by where it sits in the layout.
fn folder_jobs(prefix: String, window: &TimeWindow, jobs: &mut Vec<Job>) {
    let name = prefix
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    if name.starts_with('.') || name == "CloudTrail-Digest" {
        return;
    }
    let (first, last) = window_days(window);
    match layout(&prefix) {
        Layout::Region => match (first, last) {
            (None, None) => jobs.push(Job::Flat(prefix)),
            // Both ends: exactly the day folders of the window, nothing above them.
            (Some(first), Some(last)) => {
                jobs.extend((first..=last).map(|d| Job::Flat(format!("{prefix}{}", day_prefix(d)))))
            }
            // One end: years, months and days are listed and pruned on the way down.
            _ => jobs.push(Job::Folder(prefix)),
        },
        Layout::Days(from, to) => {
            if first.is_some_and(|f| to < f) || last.is_some_and(|l| from > l) {
                return;
            }
            if from == to {
                jobs.push(Job::Flat(prefix));
            } else {
                jobs.push(Job::Folder(prefix));
            }
        }
        Layout::Other => jobs.push(Job::Folder(prefix)),
    }
}

/// Whether a walked object is read (as local directory walks decide).
fn walked_object(key: &str, below: &str) -> bool {
    let rest = key.strip_prefix(below).unwrap_or(key);
    let name = rest.rsplit('/').next().unwrap_or(rest);
    !name.is_empty()
        && name != "labels.jsonl"
        && !rest
            .split('/')
            .any(|part| part.starts_with('.') || part == "CloudTrail-Digest")
}

struct Page {
    objects: Vec<(String, u64)>,
    folders: Vec<String>,
    requests: u64,
}

async fn list_pages(
    client: &Client,
    bucket: &str,
    prefix: &str,
    delimiter: bool,
) -> Result<Page, SdkError<aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error, HttpResponse>>
{
    let mut page = Page {
        objects: Vec::new(),
        folders: Vec::new(),
        requests: 0,
    };
    let mut token: Option<String> = None;
    loop {
        let mut request = client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token.take());
        if delimiter {
            request = request.delimiter("/");
        }
        let out = request.send().await?;
        page.requests += 1;
        for o in out.contents() {
            if let Some(key) = o.key() {
                let size = o.size().unwrap_or(0).max(0) as u64;
                page.objects.push((key.to_owned(), size));
            }
        }
        for p in out.common_prefixes() {
            if let Some(p) = p.prefix() {
                page.folders.push(p.to_owned());
            }
        }
        match out.next_continuation_token() {
            Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_owned()),
            _ => return Ok(page),
        }
    }
}

async fn list(
    conn: Conn,
    url: S3Url,
    window: TimeWindow,
    permits: Arc<Semaphore>,
) -> Result<Listing, S3Error> {
    let mut jobs = Vec::new();
    if url.prefix.is_empty() || url.prefix.ends_with('/') {
        folder_jobs(url.prefix.clone(), &window, &mut jobs);
        if jobs.is_empty() {
            // A digest or hidden folder named explicitly is still listed.
            jobs.push(Job::Folder(url.prefix.clone()));
        }
    } else {
        jobs.push(Job::Exact(url.prefix.clone()));
    }
    let mut listing = Listing::default();
    let mut objects: Vec<(String, u64)> = Vec::new();
    let mut running = JoinSet::new();
    loop {
        for job in jobs.drain(..) {
            let client = conn.client.clone();
            let bucket = url.bucket.clone();
            let permits = permits.clone();
            running.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let (prefix, delimiter) = match &job {
                    Job::Exact(p) | Job::Folder(p) => (p.clone(), true),
                    Job::Flat(p) => (p.clone(), false),
                };
                let result = list_pages(&client, &bucket, &prefix, delimiter).await;
                (job, result)
            });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        let (job, result) = done.map_err(|e| S3Error(format!("listing task failed: {e}")))?;
        let page = match result {
            Ok(page) => page,
            Err(e) => {
                let (Job::Exact(prefix) | Job::Folder(prefix) | Job::Flat(prefix)) = &job;
                let message = describe("ListObjectsV2", &e);
                let fatal = match &e {
                    SdkError::ServiceError(se) => {
                        let code = se.err().code().unwrap_or("");
                        if CREDENTIAL_CODES.contains(&code) {
                            return Err(S3Error(format!(
                                "s3://{}: the AWS credentials were refused: {message}",
                                url.bucket
                            )));
                        }
                        code == "NoSuchBucket"
                    }
                    SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => true,
                    _ => false,
                };
                // The PATH itself cannot be listed (access denied on it): nothing to read.
                if fatal || *prefix == url.prefix {
                    return Err(S3Error(format!("s3://{}/{prefix}: {message}", url.bucket)));
                }
                listing.errors.push(TrailError {
                    path: format!("s3://{}/{prefix}", url.bucket),
                    position: Position::default(),
                    column: None,
                    message,
                });
                continue;
            }
        };
        listing.requests += page.requests;
        match job {
            Job::Exact(key) => {
                let folder = format!("{key}/");
                if let Some(o) = page.objects.iter().find(|(k, _)| *k == key) {
                    // An object named on the command line is always read.
                    objects.push(o.clone());
                } else if page.folders.contains(&folder) {
                    folder_jobs(folder, &window, &mut jobs);
                } else {
                    listing.errors.push(TrailError {
                        path: format!("s3://{}/{key}", url.bucket),
                        position: Position::default(),
                        column: None,
                        message: "no such object or prefix".to_owned(),
                    });
                }
            }
            Job::Folder(prefix) | Job::Flat(prefix) => {
                for (key, size) in page.objects {
                    if !walked_object(&key, &prefix) {
                        continue;
                    }
                    if window.may_hold_s3_key(Path::new(&key)) {
                        objects.push((key, size));
                    } else {
                        listing.pruned += 1;
                    }
                }
                for folder in page.folders {
                    folder_jobs(folder, &window, &mut jobs);
                }
            }
        }
    }
    // The order of a local walk: depth first, entries sorted by name.
    objects.sort_by(|a, b| a.0.split('/').cmp(b.0.split('/')));
    objects.dedup_by(|a, b| a.0 == b.0);
    listing.inputs = objects
        .into_iter()
        .map(|(key, size)| {
            Input::S3(S3Object {
                bucket: url.bucket.clone(),
                key,
                size,
                conn: conn.clone(),
            })
        })
        .collect();
    Ok(listing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trail::time::days_from_civil;

    fn jobs(prefix: &str, window: &TimeWindow) -> Vec<String> {
        let mut out = Vec::new();
        folder_jobs(prefix.to_owned(), window, &mut out);
        out.iter()
            .map(|j| match j {
                Job::Exact(p) => format!("exact {p}"),
                Job::Folder(p) => format!("folder {p}"),
                Job::Flat(p) => format!("flat {p}"),
            })
            .collect()
    }

    #[test]
    fn urls() {
        assert_eq!(S3Url::parse("./trail"), None);
        let url = S3Url::parse("s3://b/AWSLogs/1/").and_then(Result::ok);
        assert_eq!(
            url,
            Some(S3Url {
                bucket: "b".into(),
                prefix: "AWSLogs/1/".into()
            })
        );
        let bare = S3Url::parse("s3://b").and_then(Result::ok);
        assert_eq!(bare.map(|u| u.prefix), Some(String::new()));
        assert!(matches!(S3Url::parse("s3:///key"), Some(Err(_))));
    }

    #[test]
    fn a_region_with_a_window_lists_its_days_only() {
        let day = |m, d| days_from_civil(2025, m, d) * DAY;
        let window = TimeWindow {
            since: Some(day(1, 31) + 3600),
            until: Some(day(2, 1) + 60),
        };
        let region = "AWSLogs/o-x/1/CloudTrail/us-east-1/";
        assert_eq!(
            jobs(region, &window),
            [
                format!("flat {region}2025/01/31/"),
                format!("flat {region}2025/02/01/"),
                format!("flat {region}2025/02/02/"),
            ]
        );
        // Each listed day is one the local walk keeps, and the days around are not.
        for (d, kept) in [
            ("2025/01/30", false),
            ("2025/01/31", true),
            ("2025/02/02", true),
            ("2025/02/03", false),
        ] {
            let key = format!("{region}{d}/f.json.gz");
            assert_eq!(window.may_hold_s3_key(Path::new(&key)), kept, "{key}");
        }
        assert_eq!(
            jobs(region, &TimeWindow::default()),
            [format!("flat {region}")]
        );
        let since_only = TimeWindow {
            since: window.since,
            until: None,
        };
        assert_eq!(jobs(region, &since_only), [format!("folder {region}")]);
        // Walking down with one end: years, months and days outside are not descended into.
        assert!(jobs(&format!("{region}2024/"), &since_only).is_empty());
        assert_eq!(
            jobs(&format!("{region}2025/"), &since_only),
            [format!("folder {region}2025/")]
        );
        assert!(jobs(&format!("{region}2025/01/30/"), &since_only).is_empty());
        assert_eq!(
            jobs(&format!("{region}2025/01/31/"), &since_only),
            [format!("flat {region}2025/01/31/")]
        );
    }

    #[test]
    fn digests_and_hidden_folders_are_never_listed() {
        let w = TimeWindow::default();
        assert!(jobs("AWSLogs/1/CloudTrail-Digest/", &w).is_empty());
        assert!(jobs("AWSLogs/.trash/", &w).is_empty());
        assert_eq!(jobs("AWSLogs/1/", &w), ["folder AWSLogs/1/"]);
        assert!(walked_object("a/b.json.gz", "a/"));
        assert!(!walked_object("a/labels.jsonl", "a/"));
        assert!(!walked_object("a/.x/b.json.gz", "a/"));
        assert!(!walked_object("a/CloudTrail-Digest/b.json.gz", "a/"));
    }
}
