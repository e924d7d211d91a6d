//! The API fuzzed from its own description: schemathesis (from the project's `.venv`, which
//! `scripts/setup` makes) reads `/api/openapi.json` from a fresh `wrangler dev`, generates
//! thousands of requests from the documented schemas (and deliberately wrong ones), sends them
//! authenticated as an admin, and checks every answer:
//!
//! - no response is a server error (5xx);
//! - every status code is documented for its operation, every body matches its documented
//!   schema and content type;
//! - a method no route takes answers 405 with `Allow`;
//! - a request the schema says is wrong is refused.
//!
//! Not checked: that every request the schemas allow is accepted (`positive_data_acceptance`):
//! the API validates more than the schemas say (names without control characters, ids that
//! exist), and the schemas do not yet carry those rules.
//!
//! Left out: the streams (they never end), and what would end the run's own login (logout,
//! password change, revoking tokens, disabling people) or is rate-limited by design (login,
//! bootstrap). `BATON_FUZZ_SECONDS` sets the time budget (default 60 s); a long run is
//! `BATON_FUZZ_SECONDS=1800 cargo test -p e2e --test fuzz`.

use std::process::Command;

use e2e::api::{bootstrap, workspace_with_project, Api};
use e2e::server::{repo_root, Server};

const LEFT_OUT: &str =
    r"(/stream$|/api/auth/(logout|password|bootstrap|login)|/api/tokens/\{id\}|/api/users/\{id\}(/tokens)?$)";

#[tokio::test]
async fn the_api_answers_every_generated_request_as_documented_and_never_with_a_5xx() {
    let schemathesis = repo_root().join(".venv/bin/schemathesis");
    assert!(
        schemathesis.exists(),
        "{} is missing: scripts/setup installs it (make test runs it)",
        schemathesis.display()
    );
    let server = Server::start().expect("wrangler dev starts");
    let token = bootstrap(&server.url).await.expect("bootstrap");
    // Something to find: a workspace and a project for the generated ids to hit now and then.
    workspace_with_project(&Api::new(&server.url, Some(&token))).await;
    let seconds = std::env::var("BATON_FUZZ_SECONDS").unwrap_or_else(|_| "60".into());
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(&schemathesis)
        .args(["run", &format!("{}/api/openapi.json", server.url)])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--exclude-checks", "positive_data_acceptance"])
        .args(["--exclude-path-regex", LEFT_OUT])
        .args(["--phases", "coverage,fuzzing", "--max-examples", "5", "--workers", "2", "--seed", "20261202"])
        .args(["--max-time", &seconds])
        // A connection `wrangler dev` drops under load is the local runtime's, not an answer.
        .args(["--request-retries", "2", "--request-timeout", "30"])
        .args(["--report-json-path", dir.path().join("report.json").to_str().unwrap()])
        .env("SCHEMATHESIS_HOOKS", "")
        // Its caches (.schemathesis, .hypothesis) go to a directory of the run's own, never the
        // repository: a crash remembered there would be replayed into the next run.
        .current_dir(dir.path())
        .output()
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap_or_default())
            .unwrap_or_else(|e| panic!("no report from schemathesis ({e}):\n{stdout}"));
    // What the API answered is judged by the checks (`failures`). An error of schemathesis's
    // own generator (Hypothesis finding its own draws inconsistent, seen on POST /api/done)
    // is no answer of ours: it is shown, not counted; any other error fails.
    let failures = report["failures"].as_array().cloned().unwrap_or_default();
    assert!(failures.is_empty(), "schemathesis found failures:\n{stdout}");
    // The report counts errors; their texts are in the output's ERRORS section.
    let errors: u64 =
        report["errors"].as_array().map_or(0, |e| e.iter().map(|e| e["count"].as_u64().unwrap_or(1)).sum());
    let flakes = stdout.matches("Inconsistent results: A test case failed on the first run").count() as u64;
    assert!(errors <= flakes, "schemathesis could not run {errors} case(s), {flakes} of them its own flake:\n{stdout}");
    if errors > 0 {
        eprintln!("schemathesis's own generator flaked {errors} time(s) (not an answer of the API)");
    }
    let summary: String =
        stdout.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
    let exit = out.status.code();
    assert!(
        exit == Some(0) || (exit == Some(1) && !report["errors"].as_array().is_none_or(Vec::is_empty)),
        "{exit:?}:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "  12063 generated, 12040 passed, 23 skipped"
    let generated = stdout
        .lines()
        .find_map(|l| l.trim().split_once(" generated,").and_then(|(n, _)| n.trim().parse::<u64>().ok()))
        .unwrap_or(0);
    assert!(generated >= 1000, "too few requests to mean anything ({generated}):\n{summary}");
    eprintln!("{summary}");
}
