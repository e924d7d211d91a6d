//! `baton worker logs [-f] [-n N]`: the daemon's log file ([`crate::daemon::log`]), its last
//! lines and, with `-f`, every line written after them, through rotations.
//!
//! Following holds the open file: when the daemon rotates (renames `worker.log` to
//! `worker.log.1` and starts a new one), the held file is read to its end first, then the new
//! one from its start, so no line written around a rotation is missed or shown twice.
//! `--json` prints one object per line (`at`, `level`, `message`) for scripts.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::Env;
use crate::daemon::log::{numbered, parse_line};
use crate::output;

/// How often `-f` looks for new lines.
const POLL: Duration = Duration::from_millis(200);

pub async fn show(env: &Env, path: &Path, lines: usize, follow: bool) -> Result<()> {
    if !path.exists() {
        bail!(
            "no daemon log at {}: the daemon has not run with this config yet (start it with `baton worker run`)",
            path.display()
        );
    }
    // The last lines, reaching into the newest rotated file when the current one is short.
    let mut file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut text = String::new();
    file.read_to_string(&mut text).with_context(|| format!("cannot read {}", path.display()))?;
    // Whole lines only: a line the daemon is still writing is printed once it ends (with -f).
    let (whole, partial) = match text.rfind('\n') {
        Some(end) => (&text[..=end], &text[end + 1..]),
        None => ("", text.as_str()),
    };
    let mut recent: Vec<&str> = whole.lines().collect();
    let older = std::fs::read_to_string(numbered(path, 1)).unwrap_or_default();
    if recent.len() < lines {
        let mut before: Vec<&str> = older.lines().collect();
        before.append(&mut recent);
        recent = before;
    }
    for line in &recent[recent.len().saturating_sub(lines)..] {
        print(env, line)?;
    }
    if !follow {
        return Ok(());
    }
    let mut partial = partial.to_owned();
    loop {
        tokio::time::sleep(POLL).await;
        // Rotated (or truncated) is seen before the held file is drained: the daemon writes
        // nothing more to a file it has rotated away, so draining after the check misses nothing.
        let held = file.metadata()?;
        let rotated = match std::fs::metadata(path) {
            Ok(now) => now.ino() != held.ino() || now.len() < file.stream_position()?,
            Err(_) => false,
        };
        let mut fresh = String::new();
        file.read_to_string(&mut fresh).with_context(|| format!("cannot read {}", path.display()))?;
        partial.push_str(&fresh);
        while let Some((line, rest)) = partial.split_once('\n') {
            print(env, line)?;
            partial = rest.to_owned();
        }
        if rotated {
            file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
            file.seek(SeekFrom::Start(0))?;
            partial.clear();
        }
    }
}

fn print(env: &Env, line: &str) -> Result<()> {
    if env.json {
        let value = match parse_line(line) {
            Some(parsed) => serde_json::to_value(parsed)?,
            None => serde_json::json!({"at": null, "level": null, "message": line}),
        };
        output::raw_line(&serde_json::to_string(&value)?)?;
    } else {
        output::line(line)?;
    }
    Ok(())
}
