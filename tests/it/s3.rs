//! `s3://` PATHs against a real S3-compatible server: moto's server mode (`moto[server]`,
//! pinned in .ci/requirements-s3.txt, installed by .ci/run into target/s3-venv), started on
//! 127.0.0.1 by each test. Nothing is mocked: cwfilter talks to the server with the AWS SDK as
//! it would to S3, and the server's request log is what the listing assertions read.
//!
//! Without moto the tests skip with a note; with CWFILTER_REQUIRE_S3 set (CI) they fail.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{cwfilter, stderr, stdout, TempDir};

/// The moto_server executable, or `None` (after saying so) when it is not installed.
fn moto_server() -> Option<PathBuf> {
    let path = std::env::var_os("CWFILTER_MOTO").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/s3-venv/bin/moto_server"),
        PathBuf::from,
    );
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CWFILTER_REQUIRE_S3").is_none(),
        "moto_server is required but not installed at {} (.ci/run installs it)",
        path.display()
    );
    eprintln!(
        "SKIPPED: moto_server not installed at {} (.ci/run installs it)",
        path.display()
    );
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A moto server on 127.0.0.1, killed on drop. Its request log (werkzeug's, on stderr) is
/// kept in a file.
struct Moto {
    child: Child,
    port: u16,
    log: PathBuf,
    home: TempDir,
}

impl Moto {
    /// Starts a server; `auth` makes it check every request's credentials.
    fn start(tag: &str, auth: bool) -> Option<Moto> {
        let exe = moto_server()?;
        let home = TempDir::new(&format!("s3-{tag}"));
        let log = home.join("moto.log");
        let port = free_port();
        let mut command = Command::new(exe);
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("moto log"));
        if auth {
            // moto checks signatures and access keys from the first request on.
            command.env("INITIAL_NO_AUTH_ACTION_COUNT", "0");
        }
        let child = command.spawn().expect("moto_server starts");
        let moto = Moto {
            child,
            port,
            log,
            home,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `cwfilter ARGS` with credentials for moto and nothing from the user's own AWS setup
    /// (no config files, no instance metadata).
    fn cwfilter(&self, endpoint: &str, args: &[&str]) -> Output {
        let mut c = cwfilter();
        isolate(&mut c, &self.home);
        c.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL_S3", endpoint)
            .args(args)
            .output()
            .expect("cwfilter runs")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cwfilter(&self.endpoint(), args)
    }

    /// One unsigned request (moto accepts them unless it checks credentials).
    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> String {
        http(self.port, method, path, headers, body)
    }

    fn create_bucket(&self, bucket: &str) {
        let answer = self.request("PUT", &format!("/{bucket}"), &[], b"");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    fn put(&self, bucket: &str, key: &str, body: &[u8], headers: &[(&str, &str)]) {
        let answer = self.request("PUT", &format!("/{bucket}/{key}"), headers, body);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }

    /// Every file under `root/under`, keyed by its path relative to `root`.
    fn upload_tree(&self, bucket: &str, root: &Path, under: &str) -> usize {
        let mut n = 0;
        for file in files(&root.join(under)) {
            let key = file
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy();
            self.put(bucket, &key, &std::fs::read(&file).expect("read"), &[]);
            n += 1;
        }
        n
    }

    /// The `prefix` of every ListObjectsV2 request the server has logged.
    fn list_prefixes(&self) -> Vec<String> {
        let log = std::fs::read_to_string(&self.log).expect("moto log");
        log.lines()
            .filter(|l| l.contains("list-type=2"))
            .filter_map(|l| {
                let query = l.split_once('?')?.1.split(' ').next()?;
                let prefix = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("prefix="))
                    .unwrap_or("");
                Some(percent_decode(prefix))
            })
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// No AWS configuration of the machine's user reaches the command.
fn isolate(c: &mut Command, home: &Path) {
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        c.env_remove(var);
    }
    c.env("AWS_CONFIG_FILE", home.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true");
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A minimal HTTP/1.1 exchange (`Connection: close`); the whole answer as text.
fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send");
    stream.write_all(body).expect("send body");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("receive");
    String::from_utf8_lossy(&answer).into_owned()
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A trail of two accounts (one of them in an organization trail's layout) and three regions
/// over four days, under `root/AWSLogs/`, plus a digest folder that must never be read.
fn multi_account_trail(root: &Path) {
    let synth = |account: &str, regions: &str, seed: &str, out: &Path| {
        let o = cwfilter()
            .args([
                "synth",
                "--days",
                "4",
                "--events-per-day",
                "150",
                "--start",
                "2025-01-06",
                "--seed",
                seed,
                "--account",
                account,
                "--regions",
                regions,
                "--out",
            ])
            .arg(out)
            .output()
            .expect("synth runs");
        assert!(o.status.success(), "{}", stderr(&o));
    };
    let a = root.join("synth-a");
    let b = root.join("synth-b");
    synth("111111111111", "us-east-1,eu-west-1", "1", &a);
    synth("222222222222", "ap-southeast-2", "2", &b);
    let logs = root.join("AWSLogs");
    std::fs::create_dir_all(logs.join("o-abc123")).expect("mkdir");
    std::fs::rename(a.join("AWSLogs/111111111111"), logs.join("111111111111")).expect("mv");
    std::fs::rename(
        b.join("AWSLogs/222222222222"),
        logs.join("o-abc123/222222222222"),
    )
    .expect("mv");
    // Not events: reading it would be an input error.
    let digest = logs.join("111111111111/CloudTrail-Digest/us-east-1/2025/01/07");
    std::fs::create_dir_all(&digest).expect("mkdir");
    std::fs::write(digest.join("digest.json.gz"), b"\x1f\x8bnot a digest").expect("write");
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}): {}\n{}", stdout(o), stderr(o)))
}

fn setup(tag: &str) -> Option<(Moto, TempDir)> {
    let moto = Moto::start(tag, false)?;
    let dir = TempDir::new(&format!("s3-trail-{tag}"));
    multi_account_trail(&dir);
    moto.create_bucket("trail");
    assert!(moto.upload_tree("trail", &dir, "AWSLogs") > 100);
    Some((moto, dir))
}

#[test]
fn s3_replay_equals_the_local_replay_of_the_same_objects() {
    let Some((moto, dir)) = setup("equal") else {
        return;
    };
    let local = dir.join("AWSLogs");
    let local = local.to_str().expect("utf-8 path");
    let args = ["replay", "--format", "json", "--no-progress"];
    let from_disk = moto.run(&[&args[..], &[local]].concat());
    let from_s3 = moto.run(&[&args[..], &["s3://trail/AWSLogs/"]].concat());
    assert!(from_disk.status.success(), "{}", stderr(&from_disk));
    assert!(from_s3.status.success(), "{}", stderr(&from_s3));
    let report = json(&from_s3);
    assert!(
        report["inputs"]["events"].as_u64().unwrap_or(0) > 1000,
        "{report}"
    );
    assert_eq!(report, json(&from_disk));
    // Three regions of two accounts, nothing from the digest folder.
    let prefixes = moto.list_prefixes();
    assert!(
        prefixes.iter().all(|p| !p.contains("CloudTrail-Digest")),
        "{prefixes:?}"
    );
}

/// The day folder of every ListObjectsV2 request that names one (`.../YYYY/MM/DD/`).
fn listed_days(prefixes: &[String]) -> BTreeSet<String> {
    prefixes
        .iter()
        .filter_map(|p| {
            let parts: Vec<&str> = p.trim_end_matches('/').rsplitn(4, '/').collect();
            let is_day = parts.len() == 4
                && parts[..3]
                    .iter()
                    .all(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()));
            is_day.then(|| format!("{}/{}/{}", parts[2], parts[1], parts[0]))
        })
        .collect()
}

#[test]
fn s3_window_lists_only_the_day_folders_it_needs() {
    let Some((moto, dir)) = setup("window") else {
        return;
    };
    let local = dir.join("AWSLogs");
    let local = local.to_str().expect("utf-8 path");
    // The trail covers 2025-01-06 to 01-09; the window is the 7th alone.
    let args = [
        "replay",
        "--format",
        "json",
        "--no-progress",
        "--since",
        "2025-01-07",
        "--until",
        "2025-01-07",
    ];
    let from_disk = moto.run(&[&args[..], &[local]].concat());
    let from_s3 = moto.run(&[&args[..], &["s3://trail/AWSLogs/"]].concat());
    assert!(from_s3.status.success(), "{}", stderr(&from_s3));
    let report = json(&from_s3);
    assert!(
        report["inputs"]["events"].as_u64().unwrap_or(0) > 100,
        "{report}"
    );
    assert_eq!(report, json(&from_disk));

    let prefixes = moto.list_prefixes();
    // The day of --since and the day after --until (late deliveries), in each of the three
    // regions of the two accounts; nothing else below a region.
    let days = listed_days(&prefixes);
    assert_eq!(
        days,
        BTreeSet::from(["2025/01/07".to_owned(), "2025/01/08".to_owned()]),
        "{prefixes:?}"
    );
    let day_requests: Vec<&String> = prefixes
        .iter()
        .filter(|p| p.ends_with("/2025/01/07/") || p.ends_with("/2025/01/08/"))
        .collect();
    assert_eq!(day_requests.len(), 3 * 2, "{prefixes:?}");
    for p in &prefixes {
        assert!(!p.contains("CloudTrail-Digest"), "{p}");
        // Above the regions, folders are discovered; below them only days are listed.
        if let Some((_, below)) = p.split_once("/CloudTrail/") {
            let depth = below.trim_end_matches('/').split('/').count();
            assert!(below.is_empty() || depth == 4, "listed {p}");
        }
    }

    // One end only: years, months and days are walked and pruned on the way down.
    let before = moto.list_prefixes().len();
    let since_only = moto.run(&[
        "replay",
        "--format",
        "json",
        "--no-progress",
        "--since",
        "2025-01-09",
        "s3://trail/AWSLogs/",
    ]);
    let local_since = moto.run(&[
        "replay",
        "--format",
        "json",
        "--no-progress",
        "--since",
        "2025-01-09",
        local,
    ]);
    assert_eq!(json(&since_only), json(&local_since));
    // The trail's last objects, of the 9th's last minutes, were delivered on the 10th.
    let later = moto.list_prefixes()[before..].to_vec();
    assert_eq!(
        listed_days(&later),
        BTreeSet::from(["2025/01/09".to_owned(), "2025/01/10".to_owned()]),
        "{later:?}"
    );
    assert!(
        later
            .iter()
            .all(|p| !p.contains("/01/06/") && !p.contains("/01/07/")),
        "{later:?}"
    );
}

#[test]
fn s3_match_and_lint_read_s3_paths() {
    let Some((moto, dir)) = setup("match") else {
        return;
    };
    let local = dir.join("AWSLogs/o-abc123");
    let local = local.to_str().expect("utf-8 path");
    let pattern = r#"{ $.errorCode = "AccessDenied" }"#;
    let from_s3 = moto.run(&["match", "-c", pattern, "s3://trail/AWSLogs/o-abc123/"]);
    let from_disk = moto.run(&["match", "-c", pattern, local]);
    assert!(from_s3.status.success(), "{}", stderr(&from_s3));
    assert_eq!(stdout(&from_s3), stdout(&from_disk));
    assert!(stdout(&from_s3).trim().parse::<u64>().unwrap_or(0) > 0);
    // -l names the objects.
    let listed = moto.run(&["match", "-l", pattern, "s3://trail/AWSLogs/o-abc123"]);
    let first = stdout(&listed);
    assert!(
        first.starts_with(
            "s3://trail/AWSLogs/o-abc123/222222222222/CloudTrail/ap-southeast-2/2025/01/"
        ),
        "{first}"
    );

    // An object named on the command line is read as a named file is.
    let url = first.lines().next().expect("an object");
    let key = url.strip_prefix("s3://trail/").expect("in the bucket");
    let one = moto.run(&["match", "-c", pattern, url]);
    let one_local = moto.run(&[
        "match",
        "-c",
        pattern,
        dir.join(key).to_str().expect("utf-8"),
    ]);
    assert_eq!(
        one.status.code(),
        one_local.status.code(),
        "{}",
        stderr(&one)
    );
    assert_eq!(stdout(&one), stdout(&one_local));
    // A key that names neither an object nor a folder is an input error, as a missing file.
    let none = moto.run(&["match", "-c", pattern, "s3://trail/AWSLogs/nothing-here"]);
    assert_eq!(none.status.code(), Some(2));
    assert_eq!(
        stderr(&none),
        "cwfilter: s3://trail/AWSLogs/nothing-here: no such object or prefix\n"
    );

    let lint_s3 = moto.run(&["lint", "--format", "json", "s3://trail/AWSLogs/"]);
    let lint_disk = moto.run(&[
        "lint",
        "--format",
        "json",
        dir.join("AWSLogs").to_str().expect("utf-8"),
    ]);
    assert_eq!(
        lint_s3.status.code(),
        lint_disk.status.code(),
        "{}",
        stderr(&lint_s3)
    );
    assert_eq!(stdout(&lint_s3), stdout(&lint_disk));
}

#[test]
fn s3_unreadable_objects_are_input_errors_and_the_replay_goes_on() {
    let Some((moto, _dir)) = setup("errors") else {
        return;
    };
    let bad = "AWSLogs/111111111111/CloudTrail/us-east-1/2025/01/07/111111111111_CloudTrail_us-east-1_20250107T0000Z_corrupt.json.gz";
    moto.put("trail", bad, b"\x1f\x8b\x08\x00garbage", &[]);
    // Archived: GetObject is refused (HTTP 403) until it is restored.
    let cold = "AWSLogs/111111111111/CloudTrail/eu-west-1/2025/01/07/111111111111_CloudTrail_eu-west-1_20250107T0000Z_archived.json.gz";
    moto.put(
        "trail",
        cold,
        b"{\"Records\":[]}",
        &[("x-amz-storage-class", "GLACIER")],
    );
    let o = moto.run(&[
        "replay",
        "--format",
        "json",
        "--no-progress",
        "s3://trail/AWSLogs/",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let report = json(&o);
    assert!(
        report["inputs"]["events"].as_u64().unwrap_or(0) > 1000,
        "{report}"
    );
    let errors = report["inputs"]["errors"]
        .as_array()
        .expect("errors")
        .clone();
    let paths: Vec<&str> = errors.iter().filter_map(|e| e["path"].as_str()).collect();
    // The report lists input errors sorted by path.
    assert_eq!(
        paths,
        [format!("s3://trail/{cold}"), format!("s3://trail/{bad}")],
        "{errors:?}"
    );
    assert!(
        errors[0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("GetObject: InvalidObjectState:")),
        "{errors:?}"
    );
    let err = stderr(&o);
    assert!(
        err.contains(&format!("cwfilter: s3://trail/{cold}: GetObject")),
        "{err}"
    );
}

#[test]
fn s3_missing_bucket_is_one_clear_error() {
    let Some(moto) = Moto::start("nobucket", false) else {
        return;
    };
    let o = moto.run(&["replay", "--no-progress", "s3://no-such-bucket/AWSLogs/"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "cwfilter: s3://no-such-bucket: no such bucket\n"
    );
}

#[test]
fn s3_refused_or_missing_credentials_are_one_clear_error() {
    let Some(moto) = Moto::start("auth", true) else {
        return;
    };
    // moto checks credentials: an access key it never issued is refused.
    let o = moto.run(&["replay", "--no-progress", "s3://trail/AWSLogs/"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    let err = stderr(&o);
    assert!(
        err.starts_with("cwfilter: s3://trail: the AWS credentials were refused: ListObjectsV2: InvalidAccessKeyId:"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    // No credentials anywhere (environment, files; instance metadata turned off).
    let mut c = cwfilter();
    isolate(&mut c, &moto.home);
    let o = c
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_S3", moto.endpoint())
        .args(["replay", "--no-progress", "s3://trail/AWSLogs/"])
        .output()
        .expect("cwfilter runs");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with("cwfilter: no usable AWS credentials"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    // A profile that is not defined.
    let mut c = cwfilter();
    isolate(&mut c, &moto.home);
    let o = c
        .env("AWS_ENDPOINT_URL_S3", moto.endpoint())
        .args([
            "match",
            "--aws-profile",
            "audit",
            "{ $.x = 1 }",
            "s3://trail/",
        ])
        .output()
        .expect("cwfilter runs");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with("cwfilter: no usable AWS credentials (profile audit):"),
        "{err}"
    );
}

/// A proxy in front of moto that answers the first two GetObject requests of each of the
/// first `objects` objects with S3's `503 SlowDown` (as S3 does under load), and forwards
/// everything else.
struct Throttler {
    port: u16,
    state: Arc<Throttled>,
}

#[derive(Default)]
struct Throttled {
    /// Objects throttled, with the times each was.
    objects: Mutex<HashMap<String, usize>>,
    answers: AtomicUsize,
}

impl Throttler {
    fn start(upstream: u16, objects: usize) -> Throttler {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(Throttled::default());
        let shared = state.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let state = shared.clone();
                std::thread::spawn(move || {
                    let _ = proxy_one(client, upstream, &state, objects);
                });
            }
        });
        Throttler { port, state }
    }
}

/// One request (the proxy answers `Connection: close`, so the client opens one connection per
/// request).
fn proxy_one(
    mut client: TcpStream,
    upstream: u16,
    state: &Throttled,
    objects: usize,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let n = client.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..n]);
        if let Some(i) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while request.len() < head_end + length {
        let n = client.read(&mut buf)?;
        if n == 0 {
            break;
        }
        request.extend_from_slice(&buf[..n]);
    }
    let first = head.lines().next().unwrap_or("");
    let get_object = first.starts_with("GET ") && first.contains(".json.gz");
    let throttle = get_object && {
        let mut seen = state.objects.lock().expect("lock");
        let room = seen.len() < objects;
        match seen.get_mut(first) {
            Some(n) if *n < 2 => {
                *n += 1;
                true
            }
            Some(_) => false,
            None if room => {
                seen.insert(first.to_owned(), 1);
                true
            }
            None => false,
        }
    };
    if throttle {
        state.answers.fetch_add(1, Ordering::SeqCst);
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
        let answer = format!(
            "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        client.write_all(answer.as_bytes())?;
        return Ok(());
    }
    // Ask moto to close after answering, then relay the answer.
    let head = head.replace("Connection: keep-alive", "Connection: close");
    let mut server = TcpStream::connect(("127.0.0.1", upstream))?;
    server.write_all(head.as_bytes())?;
    server.write_all(&request[head_end..])?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    client.write_all(&answer)?;
    Ok(())
}

#[test]
fn s3_throttling_is_retried() {
    let Some((moto, dir)) = setup("throttle") else {
        return;
    };
    let local = dir.join("AWSLogs/o-abc123");
    let proxy = Throttler::start(moto.port, 10);
    let endpoint = format!("http://127.0.0.1:{}", proxy.port);
    let args = [
        "replay",
        "--format",
        "json",
        "--no-progress",
        "--s3-concurrency",
        "4",
    ];
    let from_s3 = moto.cwfilter(
        &endpoint,
        &[&args[..], &["s3://trail/AWSLogs/o-abc123/"]].concat(),
    );
    assert!(from_s3.status.success(), "{}", stderr(&from_s3));
    let from_disk = moto.run(&[&args[..], &[local.to_str().expect("utf-8")]].concat());
    assert_eq!(json(&from_s3), json(&from_disk));
    // Ten objects were refused twice each, and read on the third attempt.
    assert_eq!(proxy.state.answers.load(Ordering::SeqCst), 20);
    assert_eq!(proxy.state.objects.lock().expect("lock").len(), 10);
}
