//! One daemon per worker config: a lock file beside the config holding the daemon's pid and
//! version. A lock whose process is gone is stale and taken over.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub version: String,
}

pub struct Lock {
    path: PathBuf,
}

/// Whether a process with this pid runs (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    match stat.rsplit(')').next().and_then(|rest| rest.split_whitespace().next()) {
        Some(state) => state != "Z",
        // SAFETY: signal 0 only checks that the process exists.
        None => unsafe { libc::kill(pid as i32, 0) == 0 },
    }
}

pub fn read(path: &Path) -> Option<Holder> {
    serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
}

impl Lock {
    pub fn acquire(path: &Path) -> Result<Lock> {
        for _ in 0..2 {
            match fs::OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(mut file) => {
                    let me = Holder { pid: std::process::id(), version: env!("CARGO_PKG_VERSION").into() };
                    file.write_all(serde_json::to_string(&me)?.as_bytes())?;
                    return Ok(Lock { path: path.to_path_buf() });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read(path) {
                    Some(h) if alive(h.pid) => bail!(
                        "a worker daemon already runs for this config (pid {}, baton {}): `baton worker stop` first",
                        h.pid,
                        h.version
                    ),
                    _ => {
                        let _ = fs::remove_file(path); // stale: its process is gone
                    }
                },
                Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
            }
        }
        bail!("cannot take the lock {}: another daemon is starting", path.display())
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_stale_locks_are_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("worker.lock");
        let lock = Lock::acquire(&path).unwrap();
        assert_eq!(read(&path).unwrap().pid, std::process::id());
        let err = Lock::acquire(&path).err().unwrap().to_string();
        assert!(err.contains("already runs") && err.contains("baton worker stop"), "{err}");
        drop(lock);
        assert!(!path.exists());
        fs::write(&path, r#"{"pid":999999999,"version":"0.0.0"}"#).unwrap();
        assert!(Lock::acquire(&path).is_ok(), "a dead holder's lock is stale");
    }
}
