//! One daemon per worker config: an OS advisory lock (`flock`) on `worker.lock` beside the
//! config, held for the daemon's whole life, with the daemon's pid and version written in the
//! file for `baton worker status|stop`.
//!
//! The kernel decides who holds the lock, not the file's contents: the lock goes with the
//! daemon's process however it ends (`kill -9` included), so a file left by a dead daemon, or
//! naming a pid the system has since given to another process, blocks nobody. The pid in the
//! file is only believed while the lock is held.
//!
//! The file is never deleted: a daemon deleting it while another process has it open would let
//! two daemons each lock a different file of the same name. It is emptied when the daemon ends
//! normally. Its descriptor is close-on-exec (std opens every file so), so an agent the daemon
//! starts does not inherit the lock and keep it after the daemon is gone.
//!
//! Not covered: a reader in the microseconds between a daemon taking the lock and writing its
//! pid reads the previous daemon's pid, or none (then it reports no holder).

use std::fs::{self, File};
use std::io::{Read, Seek, Write};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::messages;

/// Who holds the lock: what the daemon writes in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub version: String,
}

/// The lock, held until dropped.
#[derive(Debug)]
pub struct Lock {
    file: File,
}

/// The lock file of the worker config at `config_path`.
pub fn path(config_path: &Path) -> PathBuf {
    config_path.with_file_name("worker.lock")
}

/// Tries to take the lock on `file` without waiting (`operation` is `LOCK_EX` or `LOCK_SH`);
/// false when another open file holds it.
fn try_flock(file: &File, operation: libc::c_int) -> std::io::Result<bool> {
    loop {
        // SAFETY: flock only acts on the descriptor, which `file` owns and keeps open.
        if unsafe { libc::flock(file.as_raw_fd(), operation | libc::LOCK_NB) } == 0 {
            return Ok(true);
        }
        let err = std::io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EWOULDBLOCK) => return Ok(false),
            Some(libc::EINTR) => continue,
            _ => return Err(err),
        }
    }
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

/// The daemon holding the lock at `path`, if one does (whatever the file says otherwise).
pub fn holder(path: &Path) -> Option<Holder> {
    let mut file = File::open(path).ok()?;
    match try_flock(&file, libc::LOCK_SH) {
        // Nobody holds it: the file, if it names anyone, is stale. Closing `file` unlocks.
        Ok(true) | Err(_) => None,
        Ok(false) => read_holder(&mut file),
    }
}

impl Lock {
    /// Takes the lock at `path` for this process and writes its pid and version there; fails,
    /// naming the holder, when a daemon already holds it.
    pub fn acquire(path: &Path) -> Result<Lock> {
        let mut options = fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).with_context(|| format!("cannot open the lock file {}", path.display()))?;
        if !try_flock(&file, libc::LOCK_EX).with_context(|| format!("cannot lock {}", path.display()))? {
            bail!(messages::daemon_already_runs(path, read_holder(&mut file).as_ref()));
        }
        let me = Holder { pid: std::process::id(), version: env!("CARGO_PKG_VERSION").into() };
        let text = serde_json::to_string(&me)?;
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(text.as_bytes()))
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(Lock { file })
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // The lock itself goes with the descriptor; the emptied file names nobody.
        let _ = self.file.set_len(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_blocks_a_second_daemon_and_names_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("worker.lock");
        let lock = Lock::acquire(&path).unwrap();
        let me = holder(&path).unwrap();
        assert_eq!((me.pid, me.version.as_str()), (std::process::id(), env!("CARGO_PKG_VERSION")));
        // flock conflicts between two opens of the file, even within one process.
        let err = Lock::acquire(&path).unwrap_err().to_string();
        assert!(err.contains("already runs") && err.contains("baton worker stop"), "{err}");
        assert!(err.contains(&format!("pid {}", std::process::id())), "{err}");
        drop(lock);
        assert_eq!(holder(&path), None);
        assert!(Lock::acquire(&path).is_ok(), "free again once dropped");
    }

    #[test]
    fn a_stale_lock_file_naming_a_live_unrelated_pid_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("worker.lock");
        // A daemon killed with -9 left its file; its pid now belongs to a live process (this
        // test's own), which a pid check would take for the daemon.
        let stale = format!(r#"{{"pid":{},"version":"0.0.0"}}"#, std::process::id());
        fs::write(&path, stale).unwrap();
        assert_eq!(holder(&path), None, "no process holds the lock");
        let _lock = Lock::acquire(&path).unwrap();
        assert_eq!(holder(&path).unwrap().version, env!("CARGO_PKG_VERSION"), "the stale content is replaced");
    }

    #[test]
    fn a_lock_file_left_by_a_dead_process_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("worker.lock");
        fs::write(&path, r#"{"pid":999999999,"version":"0.0.0"}"#).unwrap();
        assert_eq!(holder(&path), None);
        assert!(Lock::acquire(&path).is_ok());
    }

    #[test]
    fn no_lock_file_means_no_holder() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(holder(&dir.path().join("worker.lock")), None);
    }
}
