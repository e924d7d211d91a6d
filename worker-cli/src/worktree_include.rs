//! `.worktreeinclude`: the files of the main checkout a new session worktree gets a copy of.
//! These are the untracked files a working tree needs and git does not carry, such as `.env`,
//! `config/local.json` or `certs/`.
//!
//! The convention comes from other worktree tools: one pattern per line, relative to the
//! repository's root. `#` starts a comment. `*` and `?` match within one path component
//! (`.env.*`, `config/*.local.json`). A directory is copied whole.
//!
//! What a session's agent can read is the repository owner's choice, made by writing the file.
//! baton itself never puts anything of its own (tokens, config) into a worktree.
//!
//! What is refused, and why:
//! - a pattern that leaves the repository (`..`, an absolute path);
//! - symbolic links, which could point anywhere;
//! - `.git`;
//! - files the worktree already has: a tracked file wins over a copy.
//!
//! Copying never fails a session: what could not be copied is reported, and the session goes on.

use std::fs;
use std::path::{Component, Path, PathBuf};

/// The file's name at the repository's root.
pub const FILE: &str = ".worktreeinclude";

/// What a copy did: the paths copied (relative), and the patterns or paths it refused or
/// could not copy, each with why.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Copied {
    pub files: Vec<PathBuf>,
    pub problems: Vec<String>,
}

/// The patterns of a `.worktreeinclude` text: trimmed, comments and blank lines dropped, and
/// each split into its path components; a pattern that would leave the repository is refused.
pub fn patterns(text: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let (mut ok, mut refused) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let path = Path::new(line.trim_end_matches('/'));
        let parts: Option<Vec<String>> = path
            .components()
            .map(|c| match c {
                Component::Normal(part) if part != ".git" => part.to_str().map(str::to_owned),
                _ => None,
            })
            .collect();
        match parts {
            Some(parts) if !parts.is_empty() => ok.push(parts),
            _ => refused.push(format!("{line}: not a path inside the repository")),
        }
    }
    (ok, refused)
}

/// Whether `name` matches `pattern`, where `*` is any run of characters and `?` one.
pub fn matches(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    go(&p, &n)
}

/// Copies what `repo`'s `.worktreeinclude` names into `worktree` (nothing when it has none).
pub fn copy(repo: &Path, worktree: &Path) -> Copied {
    let mut copied = Copied::default();
    let Ok(text) = fs::read_to_string(repo.join(FILE)) else {
        return copied;
    };
    let (patterns, refused) = patterns(&text);
    copied.problems.extend(refused);
    for pattern in patterns {
        let found = expand(repo, &pattern);
        if found.is_empty() {
            copied.problems.push(format!("{}: nothing matches", pattern.join("/")));
        }
        for relative in found {
            copy_path(repo, worktree, &relative, &mut copied);
        }
    }
    copied
}

/// The paths (relative to `root`) that a pattern's components match, symbolic links excluded.
fn expand(root: &Path, pattern: &[String]) -> Vec<PathBuf> {
    let mut found = vec![PathBuf::new()];
    for part in pattern {
        let mut next = Vec::new();
        for base in &found {
            if part.contains(['*', '?']) {
                let Ok(entries) = fs::read_dir(root.join(base)) else { continue };
                let mut names: Vec<String> =
                    entries.flatten().filter_map(|e| e.file_name().to_str().map(str::to_owned)).collect();
                names.sort();
                next.extend(names.into_iter().filter(|n| n != ".git" && matches(part, n)).map(|n| base.join(n)));
            } else {
                next.push(base.join(part));
            }
        }
        found = next.into_iter().filter(|p| is_real(&root.join(p))).collect();
    }
    found
}

/// A file or directory that is not a symbolic link.
fn is_real(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_symlink())
}

fn copy_path(repo: &Path, worktree: &Path, relative: &Path, copied: &mut Copied) {
    let (from, to) = (repo.join(relative), worktree.join(relative));
    let Ok(meta) = fs::symlink_metadata(&from) else { return };
    if meta.is_dir() {
        let Ok(entries) = fs::read_dir(&from) else { return };
        let mut names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
        names.sort();
        for name in names {
            let child = relative.join(&name);
            if name != ".git" && is_real(&repo.join(&child)) {
                copy_path(repo, worktree, &child, copied);
            }
        }
        return;
    }
    if to.exists() {
        return; // tracked, or copied already: the worktree's own wins
    }
    let result = to.parent().map_or(Ok(()), fs::create_dir_all).and_then(|()| fs::copy(&from, &to).map(|_| ()));
    match result {
        Ok(()) => copied.files.push(relative.to_path_buf()),
        Err(err) => copied.problems.push(format!("{}: {err}", relative.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_stay_inside_the_repository() {
        let (ok, refused) =
            patterns("# secrets\n.env\n\nconfig/*.local.json\ncerts/\n../outside\n/etc/passwd\n.git/config\n");
        assert_eq!(ok, [vec![".env"], vec!["config", "*.local.json"], vec!["certs"]]);
        assert_eq!(refused.len(), 3, "{refused:?}");
    }

    #[test]
    fn wildcards_match_within_a_name() {
        assert!(matches(".env.*", ".env.local") && !matches(".env.*", ".env"));
        assert!(matches("*.json", "a.json") && matches("?.txt", "a.txt") && !matches("?.txt", "ab.txt"));
        assert!(matches("*", "") && !matches("a", "b"));
    }

    #[test]
    fn the_named_files_are_copied_and_nothing_else() {
        let repo = tempfile::tempdir().unwrap();
        let worktree = tempfile::tempdir().unwrap();
        let r = repo.path();
        fs::write(r.join(FILE), ".env\n.env.*\nconfig/*.local.json\ncerts\nlink\nmissing.txt\n../x\n").unwrap();
        fs::write(r.join(".env"), "KEY=1\n").unwrap();
        fs::write(r.join(".env.test"), "KEY=2\n").unwrap();
        fs::create_dir_all(r.join("config")).unwrap();
        fs::write(r.join("config/db.local.json"), "{}").unwrap();
        fs::write(r.join("config/db.json"), "{}").unwrap();
        fs::create_dir_all(r.join("certs/inner")).unwrap();
        fs::write(r.join("certs/inner/ca.pem"), "pem").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/hostname", r.join("link")).unwrap();
        // A file the worktree has (tracked) keeps its own content.
        fs::write(worktree.path().join(".env.test"), "tracked\n").unwrap();

        let copied = copy(r, worktree.path());
        let files: Vec<String> = copied.files.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(files, [".env", "config/db.local.json", "certs/inner/ca.pem"]);
        assert_eq!(fs::read_to_string(worktree.path().join(".env")).unwrap(), "KEY=1\n");
        assert_eq!(fs::read_to_string(worktree.path().join(".env.test")).unwrap(), "tracked\n");
        assert!(!worktree.path().join("config/db.json").exists() && !worktree.path().join("link").exists());
        assert_eq!(copied.problems.len(), 3, "link, missing.txt, ../x: {:?}", copied.problems);
    }

    #[test]
    fn no_file_no_copy() {
        let repo = tempfile::tempdir().unwrap();
        assert_eq!(copy(repo.path(), repo.path()), Copied::default());
    }
}
