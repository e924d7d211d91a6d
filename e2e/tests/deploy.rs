//! Deploying: the production configuration passes wrangler's dry run within the bundle's size
//! budget (`scripts/bundle-size`), and `scripts/deploy` does what a first and a second deploy
//! need, in order, with no secret in any command line.
//!
//! Cloudflare's API cannot exist here: `wrangler` is replaced (at the process boundary, through
//! `WRANGLER`) by a script that answers as the account would and records every call; the
//! deployed Worker is the real one in `wrangler dev`, which the first deploy bootstraps.

use std::path::Path;
use std::process::{Command, Stdio};

use e2e::api::Api;
use e2e::server::{repo_root, Server, SETUP_SECRET};

#[test]
fn the_production_bundle_deploys_within_its_size_budget() {
    let out = Command::new(repo_root().join("scripts/bundle-size")).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    // "bundle: 2779.23 KiB raw, 750.20 KiB gzipped (budget 800 KiB gzipped)"
    let words: Vec<&str> = stdout.split_whitespace().collect();
    let gzip: f64 = words[4].parse().unwrap();
    let budget: f64 = words[8].parse().unwrap();
    assert!(gzip > 100.0 && gzip <= budget, "{stdout}");
}

/// The variables that exist for tests and the bench (injected faults, a raised message limit, the
/// request log off) are never part of what is deployed: not in the production configuration,
/// not set by the deploy script.
#[test]
fn test_only_variables_never_reach_a_deployment() {
    for file in ["wrangler.toml", "scripts/deploy"] {
        let text = std::fs::read_to_string(repo_root().join(file)).unwrap();
        for name in ["BATON_TEST_FAULTS", "BATON_MESSAGE_LIMIT", "BATON_REQUEST_LOG", "BATON_ALLOW_PRIVATE_WEBHOOKS"] {
            assert!(!text.contains(name), "{file} names {name}");
        }
    }
}

/// A stand-in for wrangler that keeps an account's state in `dir` and logs each call's argv.
fn fake_wrangler(dir: &Path) -> std::path::PathBuf {
    let script = dir.join("wrangler");
    std::fs::write(
        &script,
        r#"#!/usr/bin/env bash
state="$(dirname "$0")/state"; mkdir -p "$state"
echo "$*" >> "$state/calls"
case "$1 $2" in
  "whoami "*) echo "You are logged in" ;;
  "d1 list") if [ -f "$state/d1" ]; then echo '[{"name":"baton","uuid":"11111111-2222-3333-4444-555555555555"}]'; else echo '[]'; fi ;;
  "d1 create") touch "$state/d1" ;;
  "r2 bucket") if [ "$3" = create ]; then touch "$state/r2"; elif [ -f "$state/r2" ]; then echo "name: baton-blobs"; fi ;;
  "secret list") printf '['; sep=""; for f in "$state"/secret-*; do [ -e "$f" ] || continue; printf '%s{"name":"%s","type":"secret_text"}' "$sep" "${f##*/secret-}"; sep=","; done; echo ']' ;;
  "secret put") cat > "$state/secret-$3" ;;
  *) ;;
esac
"#,
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&script).status().unwrap();
    script
}

fn deploy(wrangler: &Path, url: &str) -> (bool, String, String) {
    let out = Command::new(repo_root().join("scripts/deploy"))
        .env("WRANGLER", wrangler)
        .env("BATON_PUBLIC_URL", url)
        .env("BATON_SETUP_SECRET", SETUP_SECRET)
        .env("BATON_ADMIN_USERNAME", "owner")
        .env("BATON_ADMIN_PASSWORD", "a long owner password")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn deploy_creates_what_is_missing_sets_secrets_on_stdin_and_bootstraps_once() {
    let server = Server::start().expect("wrangler dev starts");
    let account = tempfile::tempdir().unwrap();
    let wrangler = fake_wrangler(account.path());
    let calls = || std::fs::read_to_string(account.path().join("state/calls")).unwrap_or_default();

    // The first deploy: everything is made, then the first admin.
    let (ok, stdout, stderr) = deploy(&wrangler, &server.url);
    assert!(ok, "{stdout}\n{stderr}");
    let login = stdout.lines().find(|l| l.starts_with("baton login")).unwrap_or_else(|| panic!("{stdout}"));
    let token = login.rsplit(' ').next().unwrap();
    let me = Api::new(&server.url, Some(token)).fetch("/api/auth/me").await;
    assert_eq!((me["username"].as_str(), me["role"].as_str()), (Some("owner"), Some("admin")));
    let first: Vec<String> =
        calls().lines().map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).collect();
    let order = [
        "d1 list --json",
        "d1 create baton",
        "r2 bucket create",
        "d1 migrations apply",
        "deploy --config .wrangler.deploy.toml",
        "secret put BATON_SEALING_KEY",
        "secret put BATON_SETUP_SECRET",
    ];
    let mut at = 0;
    for step in order {
        at += first[at..]
            .iter()
            .position(|c| c == step)
            .unwrap_or_else(|| panic!("no {step:?} after call {at}: {first:?}"));
    }
    assert!(calls().contains("migrations apply baton --remote --config .wrangler.deploy.toml"), "{}", calls());
    let sealing = std::fs::read_to_string(account.path().join("state/secret-BATON_SEALING_KEY")).unwrap();
    assert_eq!(std::fs::read_to_string(account.path().join("state/secret-BATON_SETUP_SECRET")).unwrap(), SETUP_SECRET);
    assert!(sealing.len() >= 40, "a 32-byte key, base64");
    for secret in [sealing.as_str(), SETUP_SECRET, "a long owner password"] {
        assert!(!calls().contains(secret), "a secret in a command line");
        assert!(!stderr.contains(secret) && !stdout.contains(secret), "a secret printed");
    }
    let config = std::fs::read_to_string(repo_root().join(".wrangler.deploy.toml")).unwrap();
    assert!(config.contains("database_id = \"11111111-2222-3333-4444-555555555555\""), "{config}");
    assert!(config.contains(&format!("BATON_PUBLIC_URL = \"{}\"", server.url)), "{config}");

    // Again: nothing is made twice, no secret is replaced, nobody is bootstrapped.
    let before = calls().lines().count();
    let (ok, stdout, stderr) = deploy(&wrangler, &server.url);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stderr.contains("(updated)") && !stdout.contains("baton login"), "{stderr}");
    let again: Vec<String> = calls().lines().skip(before).map(str::to_owned).collect();
    let again = again.join("\n");
    assert!(
        !again.contains("d1 create") && !again.contains("bucket create") && !again.contains("secret put"),
        "{again}"
    );
    assert_eq!(std::fs::read_to_string(account.path().join("state/secret-BATON_SEALING_KEY")).unwrap(), sealing);

    // A public URL that is no https origin is refused before anything happens.
    let (ok, _, stderr) = deploy(&wrangler, "http://baton.example.org");
    assert!(!ok && stderr.contains("BATON_PUBLIC_URL"), "{stderr}");
    let _ = std::fs::remove_file(repo_root().join(".wrangler.deploy.toml"));
}
