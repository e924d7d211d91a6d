//! The daemon's log: `tracing` events to stderr (as chatty as `-v`/`--quiet` say) and to a
//! rotating file beside the worker config (`worker.log`, then `worker.log.1` and `.2`), which
//! `baton worker logs [-f]` reads.
//!
//! Every message passes through [`crate::output::clean`] first: names, titles and errors come
//! from the server, and neither a terminal showing stderr nor one running `baton worker logs`
//! may be driven by them. A line of the file is `TIMESTAMP LEVEL MESSAGE` ([`parse_line`]).
//!
//! The file rotates by size ([`must_rotate`]), checked at each write: a daemon that runs for
//! months keeps at most `3 × MAX_FILE_BYTES` of log.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::fmt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use crate::output::clean;

/// A log file grows to this size before it rotates.
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// Rotated files kept (`worker.log.1` is the newest).
pub const KEEP: usize = 2;

/// Where the daemon of the worker config at `config_path` logs.
pub fn path(config_path: &Path) -> PathBuf {
    config_path.with_file_name("worker.log")
}

/// The level shown on stderr: `--quiet` warnings only, then info, `-v` debug, `-vv` trace.
pub fn stderr_level(verbose: u8, quiet: bool) -> LevelFilter {
    match (quiet, verbose) {
        (true, _) => LevelFilter::WARN,
        (false, 0) => LevelFilter::INFO,
        (false, 1) => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// The file keeps at least info, whatever stderr shows, and more with `-v`.
pub fn file_level(verbose: u8) -> LevelFilter {
    stderr_level(verbose, false)
}

/// Pure: whether a file of `size` bytes rotates before taking `incoming` more.
pub fn must_rotate(size: u64, incoming: usize, max: u64) -> bool {
    size > 0 && size + incoming as u64 > max
}

/// One line of the file, read back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Line<'a> {
    pub at: &'a str,
    pub level: &'a str,
    pub message: &'a str,
}

/// Reads `TIMESTAMP LEVEL MESSAGE`; `None` for anything else (a line cut by a crash).
pub fn parse_line(line: &str) -> Option<Line<'_>> {
    let (at, rest) = line.split_once(' ')?;
    let rest = rest.trim_start();
    let (level, message) = rest.split_once(' ').unwrap_or((rest, ""));
    let known = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].contains(&level);
    (known && at.len() >= 20 && at.ends_with('Z')).then_some(Line { at, level, message: message.trim_start() })
}

/// A file that rotates itself by size.
pub struct RotatingFile {
    path: PathBuf,
    file: File,
    size: u64,
    max: u64,
}

impl RotatingFile {
    pub fn open(path: &Path, max: u64) -> io::Result<RotatingFile> {
        let file = append(path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile { path: path.to_owned(), file, size, max })
    }

    fn rotate(&mut self) -> io::Result<()> {
        for n in (1..KEEP).rev() {
            let _ = std::fs::rename(numbered(&self.path, n), numbered(&self.path, n + 1));
        }
        std::fs::rename(&self.path, numbered(&self.path, 1))?;
        self.file = append(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if must_rotate(self.size, buf.len(), self.max) {
            self.rotate()?;
        }
        let n = self.file.write(buf)?;
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

fn append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// `worker.log.N`.
pub fn numbered(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// Starts logging for the daemon of the config at `config_path`. A file that cannot be opened
/// is said on stderr, and the daemon logs to stderr alone.
pub fn init(config_path: &Path, verbose: u8, quiet: bool) {
    let stderr = fmt::layer()
        .with_writer(io::stderr)
        .without_time()
        .with_target(false)
        .with_level(false)
        .with_filter(stderr_level(verbose, quiet));
    let file = match RotatingFile::open(&path(config_path), MAX_FILE_BYTES) {
        Ok(file) => Some(
            fmt::layer()
                .with_writer(Mutex::new(file))
                .with_ansi(false)
                .with_target(false)
                .with_filter(file_level(verbose)),
        ),
        Err(err) => {
            crate::output::note(&format!("baton worker: cannot log to {}: {err}", path(config_path).display()));
            None
        }
    };
    // A second init (tests, a daemon restarted in-process) keeps the first.
    let _ = tracing_subscriber::registry().with(stderr).with(file).try_init();
}

/// Logs at info, cleaned.
pub fn info(text: &str) {
    tracing::info!("{}", clean(text));
}

/// Logs a warning, cleaned.
pub fn warn(text: &str) {
    tracing::warn!("{}", clean(text));
}

/// Logs at debug (`-v`), cleaned.
pub fn debug(text: &str) {
    tracing::debug!("{}", clean(text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_rotates_before_a_write_would_pass_the_limit_never_when_empty() {
        assert!(!must_rotate(0, 10_000, 100), "an empty file takes even a long line");
        assert!(!must_rotate(90, 10, 100));
        assert!(must_rotate(91, 10, 100));
    }

    #[test]
    fn rotation_keeps_the_newest_two_old_files_and_loses_no_line() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("worker.log");
        let mut file = RotatingFile::open(&log, 20).unwrap();
        for i in 0..5 {
            file.write_all(format!("line {i} of the log\n").as_bytes()).unwrap();
        }
        let read = |p: PathBuf| std::fs::read_to_string(p).unwrap();
        assert_eq!(read(log.clone()), "line 4 of the log\n");
        assert_eq!(read(numbered(&log, 1)), "line 3 of the log\n");
        assert_eq!(read(numbered(&log, 2)), "line 2 of the log\n");
        assert!(!numbered(&log, 3).exists(), "older ones are gone");
        // Reopened, it goes on where it was.
        let mut again = RotatingFile::open(&log, 100).unwrap();
        again.write_all(b"line 5\n").unwrap();
        assert_eq!(read(log), "line 4 of the log\nline 5\n");
    }

    #[test]
    fn lines_read_back_as_time_level_and_message() {
        let line = "2026-12-02T11:55:01.123456Z  INFO W-3 online, 0 session(s)";
        assert_eq!(
            parse_line(line),
            Some(Line { at: "2026-12-02T11:55:01.123456Z", level: "INFO", message: "W-3 online, 0 session(s)" })
        );
        assert_eq!(parse_line("2026-12-02T11:55:01.123456Z  WARN ").map(|l| l.message), Some(""));
        for bad in ["", "garbage", "2026-12-02T11:55:01Z NOISE x", "yesterday INFO x"] {
            assert_eq!(parse_line(bad), None, "{bad}");
        }
    }

    #[test]
    fn quiet_shows_warnings_and_each_v_shows_more() {
        assert_eq!(stderr_level(0, true), LevelFilter::WARN);
        assert_eq!(stderr_level(3, true), LevelFilter::WARN, "--quiet wins");
        assert_eq!(stderr_level(0, false), LevelFilter::INFO);
        assert_eq!(stderr_level(1, false), LevelFilter::DEBUG);
        assert_eq!(stderr_level(2, false), LevelFilter::TRACE);
        assert_eq!(file_level(0), LevelFilter::INFO);
    }
}
