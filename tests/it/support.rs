//! Helpers every test module shares: running the `cwfilter` binary and temporary directories.

use std::io::Write;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `cwfilter` binary, run from the repository root (so relative paths such as
/// `tests/data/...` resolve), with stdin closed unless the test sets it.
pub fn cwfilter() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cwfilter"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null());
    command
}

/// Runs `cwfilter ARGS...` to completion.
pub fn run(args: &[&str]) -> Output {
    cwfilter().args(args).output().expect("cwfilter runs")
}

/// Runs `cwfilter ARGS...` with `stdin` piped to it.
pub fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = cwfilter()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cwfilter runs");
    let mut input = child.stdin.take().expect("stdin");
    // The command may exit before reading everything (an invalid pattern): not a test failure.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().expect("cwfilter finishes")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh, empty temporary directory, unique to this call (tests run in parallel threads of
/// one process, and two may use the same `tag`), removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("cwfilter-it-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    /// Writes `bytes` to `rel` (parent directories created) and returns its path.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dirs");
        std::fs::write(&path, bytes).expect("write temp file");
        path
    }
}

impl Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for TempDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
