//! The Python test clients (`e2e/clients/*.py`, official SDKs in the project's `.venv`): run
//! one with its steps as JSON on stdin, and read its report, one JSON object on stdout.

use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::server::repo_root;

/// Runs `e2e/clients/{script}` with `args`, feeding it `steps`; answers its report. Fails the
/// test when the client fails or takes longer than `timeout`.
pub async fn drive(script: &str, args: &[&str], steps: &Value, timeout: Duration) -> Value {
    let root = repo_root();
    let mut child = tokio::process::Command::new(root.join(".venv/bin/python"))
        .arg(root.join("e2e/clients").join(script))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the venv's python (scripts/setup installs it)");
    let mut stdin = child.stdin.take().expect("a pipe");
    stdin.write_all(steps.to_string().as_bytes()).await.expect("the client reads its steps");
    drop(stdin);
    let out = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{script} finished within {timeout:?}"))
        .expect("the client ran");
    assert!(out.status.success(), "{script} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{script} printed no report ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}
