//! Where the server is, which token to use, and the default project.
//!
//! Precedence, resolved in [`resolve`] alone: defaults < the config file < a project file
//! (`.baton.json` in the current directory or a parent; it names only the default project) <
//! `BATON_URL` / `BATON_TOKEN` / `BATON_PROJECT` < flags. The config file is `$BATON_CONFIG`,
//! else `<config dir>/baton/config.json` (`~/.config/baton/config.json` on Linux), written
//! with mode 600 because it holds a token.
//!
//! A token never travels over plain `http://` to a server that is not on this machine
//! ([`check_url`], applied by the client to every URL it is given) unless `--insecure` or
//! `BATON_INSECURE=1` says the network is trusted.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::messages;

pub const DEFAULT_URL: &str = "http://127.0.0.1:8787";

/// What the config file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The default project (`baton use`), an id or a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

/// A project file, `.baton.json`, that a repository can check in so everyone working in it
/// gets the same default project. It holds no secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectFile {
    pub project: Option<String>,
}

/// Values from one source that may override the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub url: Option<String>,
    pub token: Option<String>,
    pub project: Option<String>,
    /// Plain `http://` to a remote server is allowed (`--insecure`, `BATON_INSECURE=1`).
    pub insecure: bool,
}

/// The settings a command runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub url: String,
    pub token: Option<String>,
    /// The default project, by id or name, for commands not given `--project`.
    pub project: Option<String>,
    /// Plain `http://` to a server that is not on this machine is allowed.
    pub insecure: bool,
}

/// defaults < config file < project file < environment < flags. An empty value counts as
/// unset (so `BATON_TOKEN=` hides the saved token).
pub fn resolve(file: &ConfigFile, project_file: &ProjectFile, env: &Overrides, flags: &Overrides) -> Settings {
    let pick = |f: &Option<String>, e: &Option<String>, c: &Option<String>| {
        f.clone().or_else(|| e.clone()).or_else(|| c.clone()).filter(|s| !s.is_empty())
    };
    let saved_project = project_file.project.clone().or_else(|| file.project.clone());
    Settings {
        url: pick(&flags.url, &env.url, &file.url)
            .unwrap_or_else(|| DEFAULT_URL.to_owned())
            .trim_end_matches('/')
            .to_owned(),
        token: pick(&flags.token, &env.token, &file.token),
        project: pick(&flags.project, &env.project, &saved_project),
        insecure: flags.insecure || env.insecure,
    }
}

/// Whether `url` may carry a token: `https://` always; `http://` only to this machine
/// (127.0.0.0/8, ::1, localhost), where nobody on a network can read it, unless `insecure`.
pub fn check_url(url: &str, insecure: bool) -> Result<()> {
    let parsed = reqwest::Url::parse(url).map_err(|e| anyhow!(messages::bad_url(url, &e.to_string())))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if insecure || is_loopback(parsed.host_str().unwrap_or("")) => Ok(()),
        "http" => bail!(messages::insecure_url(url)),
        _ => bail!(messages::bad_url(url, "not an http:// or https:// URL")),
    }
}

/// A host that names this machine.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(std::net::IpAddr::V6(ip)) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        Err(_) => host.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
    }
}

/// The environment's overrides.
pub fn from_env() -> Overrides {
    Overrides {
        url: std::env::var("BATON_URL").ok(),
        token: std::env::var("BATON_TOKEN").ok(),
        project: std::env::var("BATON_PROJECT").ok(),
        insecure: std::env::var("BATON_INSECURE").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true")),
    }
}

/// The config file's path.
pub fn path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("BATON_CONFIG") {
        return Ok(PathBuf::from(p));
    }
    let dir = dirs::config_dir().context("cannot find a config directory: set BATON_CONFIG")?;
    Ok(dir.join("baton").join("config.json"))
}

/// Reads the file; a missing file is an empty config.
pub fn load(path: &Path) -> Result<ConfigFile> {
    match fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid baton config JSON: fix or delete it", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The nearest `.baton.json` from `dir` upwards; none is an empty project file.
pub fn find_project_file(dir: &Path) -> Result<ProjectFile> {
    for candidate in dir.ancestors().map(|d| d.join(".baton.json")) {
        if candidate.is_file() {
            let text =
                fs::read_to_string(&candidate).with_context(|| format!("cannot read {}", candidate.display()))?;
            return serde_json::from_str(&text).with_context(|| {
                format!("{} is not a baton project file: write {{\"project\": \"NAME or ID\"}}", candidate.display())
            });
        }
    }
    Ok(ProjectFile::default())
}

/// Writes the file atomically, readable by its owner only.
pub fn save(path: &Path, config: &ConfigFile) -> Result<()> {
    crate::private_file::write_json(path, config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(url: Option<&str>, token: Option<&str>) -> Overrides {
        Overrides { url: url.map(Into::into), token: token.map(Into::into), ..Overrides::default() }
    }

    fn p(project: Option<&str>) -> Overrides {
        Overrides { project: project.map(Into::into), ..Overrides::default() }
    }

    #[test]
    fn flags_beat_env_beat_file_beat_defaults() {
        let none = ProjectFile::default();
        let file = ConfigFile { url: Some("http://file".into()), token: Some("tf".into()), project: None };
        assert_eq!(resolve(&ConfigFile::default(), &none, &o(None, None), &o(None, None)).url, DEFAULT_URL);
        assert_eq!(resolve(&file, &none, &o(None, None), &o(None, None)).url, "http://file");
        let s = resolve(&file, &none, &o(Some("http://env/"), None), &o(None, None));
        assert_eq!((s.url.as_str(), s.token.as_deref()), ("http://env", Some("tf")));
        let s = resolve(&file, &none, &o(Some("http://env"), Some("te")), &o(Some("http://flag"), None));
        assert_eq!((s.url.as_str(), s.token.as_deref()), ("http://flag", Some("te")));
        assert_eq!(resolve(&file, &none, &o(None, Some("")), &o(None, None)).token, None);
    }

    #[test]
    fn the_default_project_comes_from_use_then_the_project_file_then_env_then_flags() {
        let used = ConfigFile { project: Some("used".into()), ..ConfigFile::default() };
        let here = ProjectFile { project: Some("here".into()) };
        let none = ProjectFile::default();
        assert_eq!(resolve(&ConfigFile::default(), &none, &p(None), &p(None)).project, None);
        assert_eq!(resolve(&used, &none, &p(None), &p(None)).project.as_deref(), Some("used"));
        assert_eq!(resolve(&used, &here, &p(None), &p(None)).project.as_deref(), Some("here"));
        assert_eq!(resolve(&used, &here, &p(Some("env")), &p(None)).project.as_deref(), Some("env"));
        assert_eq!(resolve(&used, &here, &p(Some("env")), &p(Some("flag"))).project.as_deref(), Some("flag"));
    }

    #[test]
    fn plain_http_is_refused_for_a_remote_server_unless_insecure() {
        for local in [
            "http://127.0.0.1:8787",
            "http://127.8.9.1",
            "http://localhost:8787",
            "http://LOCALHOST.",
            "http://[::1]:8787",
            "http://[::ffff:127.0.0.1]",
        ] {
            assert!(check_url(local, false).is_ok(), "{local}");
        }
        assert!(check_url("https://baton.example.org", false).is_ok());
        for remote in ["http://baton.example.org", "http://10.0.0.2:8787", "http://localhost.evil.org", "http://[::2]"]
        {
            let err = check_url(remote, false).unwrap_err().to_string();
            assert!(err.contains("--insecure") && err.contains("https://"), "{remote}: {err}");
            assert!(check_url(remote, true).is_ok(), "{remote} with --insecure");
        }
        assert!(check_url("ftp://x", true).unwrap_err().to_string().contains("not an http"));
        assert!(check_url("not a url", true).is_err());
        let none = ProjectFile::default();
        let insecure = Overrides { insecure: true, ..Overrides::default() };
        assert!(resolve(&ConfigFile::default(), &none, &insecure, &Overrides::default()).insecure);
        assert!(resolve(&ConfigFile::default(), &none, &Overrides::default(), &insecure).insecure);
        assert!(!resolve(&ConfigFile::default(), &none, &Overrides::default(), &Overrides::default()).insecure);
    }

    #[test]
    fn the_nearest_project_file_wins() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        fs::create_dir_all(&deep).unwrap();
        fs::write(dir.path().join(".baton.json"), r#"{"project":"outer"}"#).unwrap();
        assert_eq!(find_project_file(&deep).unwrap().project.as_deref(), Some("outer"));
        fs::write(dir.path().join("a/.baton.json"), r#"{"project":"inner"}"#).unwrap();
        assert_eq!(find_project_file(&deep).unwrap().project.as_deref(), Some("inner"));
        fs::write(dir.path().join("a/.baton.json"), "nope").unwrap();
        assert!(find_project_file(&deep).is_err());
    }

    #[test]
    fn saved_config_is_private_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baton").join("config.json");
        assert_eq!(load(&path).unwrap(), ConfigFile::default());
        let config =
            ConfigFile { url: Some("http://x".into()), token: Some("btp_x".into()), project: Some("7".into()) };
        save(&path, &config).unwrap();
        assert_eq!(load(&path).unwrap(), config);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
