//! GitHub sync through the real Worker: linking, signed webhook deliveries (the real payloads
//! from ../shared/fixtures/github when present), deduplication, out-of-order convergence,
//! concurrency, pull requests, `#123` names, and backfill from a stand-in REST API.

use std::path::PathBuf;
use std::sync::OnceLock;

use e2e::api::{bootstrap_blocking, unique, workspace_with_project, Api};
use e2e::fake_github::FakeGithub;
use e2e::server::Server;
use edge::crypto::signature::sign;
use serde_json::{json, Value};

struct World {
    url: String,
    token: String,
    github: FakeGithub,
    state_dir: PathBuf,
    _server: Server,
}

/// This binary's own server, pointed at the stand-in GitHub API.
fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let github = FakeGithub::start();
        let server = Server::start_with_vars(&[("GITHUB_API_URL", &github.url)]).expect("wrangler dev starts");
        let token = bootstrap_blocking(&server.url).expect("bootstrap");
        World { url: server.url.clone(), token, github, state_dir: server.state_dir.clone(), _server: server }
    })
}

fn admin() -> Api {
    Api::new(&world().url, Some(&world().token))
}

struct Linked {
    api: Api,
    project: i64,
    link: i64,
    secret: String,
}

async fn linked(repo: &str, extra: Value) -> Linked {
    let api = admin();
    let (_, project) = workspace_with_project(&api).await;
    let mut body = json!({"repo": repo});
    body.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap_or_default());
    let created = api.create(&format!("/api/projects/{project}/github"), body).await;
    Linked {
        api,
        project,
        link: created["id"].as_i64().unwrap(),
        secret: created["secret"].as_str().unwrap().to_owned(),
    }
}

impl Linked {
    async fn deliver(&self, event: &str, payload: &Value) -> (u16, Value) {
        let body = serde_json::to_vec(payload).unwrap();
        self.deliver_raw(
            event,
            &unique("delivery"),
            body,
            Some(sign(&self.secret, &serde_json::to_vec(payload).unwrap())),
        )
        .await
    }

    async fn deliver_raw(&self, event: &str, delivery: &str, body: Vec<u8>, signature: Option<String>) -> (u16, Value) {
        let mut request = self
            .api
            .with_token(None)
            .request(reqwest::Method::POST, &format!("/api/github/webhook/{}", self.link))
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", delivery)
            .body(body);
        if let Some(signature) = signature {
            request = request.header("x-hub-signature-256", signature);
        }
        self.api.send(request).await
    }

    async fn requirement(&self, number: u64) -> (u16, Value) {
        self.api.get(&format!("/api/projects/{}/items/%23{number}", self.project)).await
    }

    async fn requirements(&self) -> Vec<Value> {
        let page = self.api.fetch(&format!("/api/projects/{}/requirements?limit=200", self.project)).await;
        page["items"].as_array().unwrap().clone()
    }
}

fn issue(repo: &str, number: u64, title: &str, state: &str, reason: Option<&str>, updated: &str) -> Value {
    json!({
        "number": number, "title": title, "state": state, "state_reason": reason, "updated_at": updated,
        "html_url": format!("https://github.com/{repo}/issues/{number}"), "body": "never stored",
    })
}

fn event(repo: &str, action: &str, issue: Value) -> Value {
    json!({"action": action, "issue": issue, "repository": {"full_name": repo}})
}

fn fixture(name: &str) -> Option<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/github").join(name);
    std::fs::read_to_string(path).ok().map(|t| serde_json::from_str(&t).unwrap())
}

#[tokio::test]
async fn connecting_answers_a_webhook_url_and_a_secret_stored_sealed() {
    let l = linked("acme/sealed", json!({"api_token": "ghp_secret_token_value"})).await;
    assert_eq!(l.secret.len(), 64);
    let list = l.api.fetch(&format!("/api/projects/{}/github", l.project)).await;
    let link = &list["items"][0];
    assert_eq!(link["webhook_url"], format!("{}/api/github/webhook/{}", world().url, l.link));
    assert_eq!((link["repo"].as_str(), link["has_api_token"].as_bool()), (Some("acme/sealed"), Some(true)));
    assert!(!list.to_string().contains(&l.secret) && !list.to_string().contains("ghp_secret"));
    let (status, _) = l.api.post(&format!("/api/projects/{}/github", l.project), json!({"repo": "acme/other"})).await;
    assert_eq!(status, 409, "one repository per project");
    let (status, value) = l.api.post(&format!("/api/projects/{}/github", l.project), json!({"repo": "no-slash"})).await;
    assert_eq!(
        (status, value["error"]["message"].as_str().unwrap_or("")),
        (400, "repo: must be owner/name as on GitHub")
    );

    // A dump of the database shows neither the secret nor the token.
    let dump = std::process::Command::new(e2e::server::repo_root().join("node_modules/.bin/wrangler"))
        .current_dir(e2e::server::repo_root())
        .args(["d1", "execute", "baton", "--local", "--json", "--persist-to"])
        .arg(&world().state_dir)
        .args(["--command", "SELECT secret_sealed, api_token_sealed FROM github_links"])
        .env(
            "PATH",
            format!(
                "{}:{}",
                e2e::server::repo_root().join("node_modules/.bin").display(),
                std::env::var("PATH").unwrap()
            ),
        )
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&dump.stdout);
    assert!(dump.status.success() && text.contains("v1."), "{text}{}", String::from_utf8_lossy(&dump.stderr));
    assert!(!text.contains(&l.secret) && !text.contains("ghp_secret_token_value"));
}

#[tokio::test]
async fn signatures_are_checked_before_anything_is_stored() {
    let l = linked("acme/signed", json!({})).await;
    let payload = event("acme/signed", "opened", issue("acme/signed", 1, "x", "open", None, "2024-01-01T00:00:00Z"));
    let body = serde_json::to_vec(&payload).unwrap();
    let wrong = sign("not the secret", &body);
    for signature in [None, Some(wrong), Some("sha256=".to_owned()), Some(sign(&l.secret, b"other body"))] {
        let (status, value) = l.deliver_raw("issues", &unique("d"), body.clone(), signature.clone()).await;
        assert_eq!((status, value["error"]["code"].as_str()), (401, Some("unauthorized")), "{signature:?}");
    }
    assert!(l.requirements().await.is_empty(), "nothing stored");
    let (status, _) = l.deliver_raw("issues", "d1", b"{not json".to_vec(), Some(sign(&l.secret, b"{not json"))).await;
    assert_eq!(status, 400);
    let big = vec![b' '; 6 * 1024 * 1024];
    let (status, _) = l.deliver_raw("issues", "d2", big.clone(), Some(sign(&l.secret, &big))).await;
    assert_eq!(status, 413);
    let (status, value) =
        l.deliver("star", &json!({"action": "created", "repository": {"full_name": "acme/signed"}})).await;
    assert_eq!((status, value["status"].as_str()), (202, Some("ignored")));
    let (status, _) = admin().with_token(None).post("/api/github/webhook/999999", json!({})).await;
    assert_eq!(status, 401, "an unknown link answers like a bad signature");
}

/// Issue 14: a lost secret had no way back but disconnecting, which mirrors every issue anew.
#[tokio::test]
async fn a_rotated_secret_refuses_the_old_one_and_keeps_the_link() {
    let mut l = linked("acme/rotate", json!({})).await;
    let opened =
        |n: u64| event("acme/rotate", "opened", issue("acme/rotate", n, "x", "open", None, "2024-01-01T00:00:00Z"));
    assert_eq!(l.deliver("issues", &opened(1)).await.0, 200);
    let rotated = l.api.create_ok(&format!("/api/github/links/{}/secret", l.link), json!({})).await;
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, l.secret);
    assert_eq!(rotated["id"].as_i64(), Some(l.link), "the same link");
    let (status, _) = l.deliver("issues", &opened(2)).await;
    assert_eq!(status, 401, "the old secret is refused");
    l.secret = new_secret;
    assert_eq!(l.deliver("issues", &opened(2)).await.0, 200);
    let numbers: Vec<i64> = l.requirements().await.iter().filter_map(|r| r["github"]["number"].as_i64()).collect();
    assert_eq!(numbers.len(), 2, "issue 1 kept, issue 2 added once: {numbers:?}");
    let outsider = e2e::api::new_member(&l.api, &unique("gh-out")).await;
    let (status, _) = outsider.post(&format!("/api/github/links/{}/secret", l.link), json!({})).await;
    assert_eq!(status, 404, "someone who cannot see the project cannot rotate its secret");
}

#[tokio::test]
async fn ping_checks_the_repository() {
    let payload = fixture("ping.json").unwrap_or_else(
        || json!({"zen": "Design for failure.", "hook_id": 1, "repository": {"full_name": "Octocoders/Hello-World"}}),
    );
    let l = linked("Octocoders/Hello-World", json!({})).await;
    let (status, value) = l.deliver("ping", &payload).await;
    assert_eq!((status, value["status"].as_str()), (200, Some("pong")));
    let other = linked("acme/elsewhere", json!({})).await;
    let (status, value) = other.deliver("ping", &payload).await;
    assert_eq!(status, 400, "{value}");
}

/// The real payloads from ../shared/fixtures/github (or, without them, small ones of the same
/// documented shape), delivered in order: every action lands as documented.
#[tokio::test]
async fn every_issue_action_mirrors_as_documented() {
    let repo = "Codertocat/Hello-World";
    let sample = |action: &str, state: &str, updated: &str| {
        event(repo, action, issue(repo, 1, "Spelling error in the README file", state, None, updated))
    };
    let load = |name: &str, fallback: Value| fixture(name).unwrap_or(fallback);
    let l = linked(repo, json!({})).await;
    let steps = [
        ("issues.opened.json", sample("opened", "open", "2019-05-15T15:20:18Z"), "active", "open"),
        ("issues.edited.json", sample("edited", "open", "2019-05-15T15:20:18Z"), "active", "open"),
        ("issues.labeled.json", sample("labeled", "open", "2019-05-15T15:20:18Z"), "active", "open"),
        ("issues.assigned.json", sample("assigned", "open", "2019-05-15T15:20:18Z"), "active", "open"),
        ("issues.reopened.json", sample("reopened", "open", "2021-10-11T16:40:56Z"), "active", "open"),
        ("issues.deleted.json", sample("deleted", "closed", "2021-10-11T16:40:56Z"), "active", "deleted"),
    ];
    for (name, fallback, status, state) in steps {
        let (code, answer) = l.deliver("issues", &load(name, fallback)).await;
        assert_eq!(code, 200, "{name}: {answer}");
        let (_, r) = l.requirement(1).await;
        assert_eq!(
            (r["status"].as_str(), r["github"]["state"].as_str()),
            (Some(status), Some(state)),
            "after {name}: {r}"
        );
        assert_eq!(r["handle"], "R-1", "one requirement for the issue throughout");
        assert_eq!(r["title"], "Spelling error in the README file");
        assert_eq!(r["github"]["url"], "https://github.com/Codertocat/Hello-World/issues/1");
        assert_eq!((r["body"].as_str(), r["description"].as_str()), (Some(""), Some("")), "no copy of the body");
    }

    let closed_repo = "C-Saunders/flynn_env_test";
    let c = linked(closed_repo, json!({})).await;
    let closed = load(
        "issues.closed.json",
        event(closed_repo, "closed", issue(closed_repo, 1, "Test Issue 1", "closed", None, "2018-11-18T18:42:08Z")),
    );
    assert_eq!(c.deliver("issues", &closed).await.0, 200);
    let (_, r) = c.requirement(1).await;
    assert_eq!(
        (r["status"].as_str(), r["github"]["state"].as_str()),
        (Some("done"), Some("closed")),
        "closed with no reason → done"
    );

    let moved_repo = "octo-org/octo-repo";
    let t = linked(moved_repo, json!({})).await;
    let moved = load(
        "issues.transferred.json",
        event(
            moved_repo,
            "transferred",
            issue(moved_repo, 1, "Update package.json", "open", None, "2019-10-25T22:46:30Z"),
        ),
    );
    assert_eq!(t.deliver("issues", &moved).await.0, 200);
    let (_, r) = t.requirement(1).await;
    assert_eq!(r["github"]["state"], "transferred", "marked, not dropped: {r}");

    // Closed as not planned → cancelled; a comment event is not an issues event.
    let n = linked("acme/not-planned", json!({})).await;
    let payload = event(
        "acme/not-planned",
        "closed",
        issue("acme/not-planned", 9, "Nope", "closed", Some("not_planned"), "2024-02-02T00:00:00Z"),
    );
    n.deliver("issues", &payload).await;
    assert_eq!(n.requirement(9).await.1["status"], "cancelled");
    let comment = fixture("issue_comment.created.json")
        .unwrap_or_else(|| json!({"action": "created", "repository": {"full_name": repo}}));
    assert_eq!(l.deliver("issue_comment", &comment).await.0, 202);
}

#[tokio::test]
async fn a_redelivery_changes_nothing() {
    let repo = "acme/redeliver";
    let l = linked(repo, json!({})).await;
    let first = event(repo, "opened", issue(repo, 3, "First title", "open", None, "2024-01-01T00:00:00Z"));
    let body = serde_json::to_vec(&first).unwrap();
    let (status, answer) = l.deliver_raw("issues", "same-guid", body.clone(), Some(sign(&l.secret, &body))).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("created")));
    // Same delivery id again, even with a newer body: answered 200, nothing applied.
    let newer = event(repo, "edited", issue(repo, 3, "Changed", "open", None, "2024-01-02T00:00:00Z"));
    let body = serde_json::to_vec(&newer).unwrap();
    let (status, answer) = l.deliver_raw("issues", "same-guid", body.clone(), Some(sign(&l.secret, &body))).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(l.requirement(3).await.1["title"], "First title");
}

#[tokio::test]
async fn events_delivered_newest_first_converge_to_the_newest_state() {
    let repo = "acme/reverse";
    let l = linked(repo, json!({})).await;
    let history = [
        event(repo, "opened", issue(repo, 5, "v1", "open", None, "2024-03-01T00:00:00Z")),
        event(repo, "edited", issue(repo, 5, "v2", "open", None, "2024-03-02T00:00:00Z")),
        event(repo, "closed", issue(repo, 5, "v2", "closed", Some("completed"), "2024-03-03T00:00:00Z")),
        event(repo, "reopened", issue(repo, 5, "v3", "open", None, "2024-03-04T00:00:00Z")),
        event(repo, "closed", issue(repo, 5, "v4", "closed", Some("not_planned"), "2024-03-05T00:00:00Z")),
    ];
    let mut answers = Vec::new();
    for payload in history.iter().rev() {
        answers.push(l.deliver("issues", payload).await.1["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(answers, ["created", "unchanged", "unchanged", "unchanged", "unchanged"]);
    let (_, r) = l.requirement(5).await;
    assert_eq!((r["title"].as_str(), r["status"].as_str()), (Some("v4"), Some("cancelled")));
    assert_eq!(l.requirements().await.len(), 1);
}

#[tokio::test]
async fn fifty_deliveries_at_once_make_fifty_requirements() {
    let repo = "acme/burst";
    let l = std::sync::Arc::new(linked(repo, json!({})).await);
    let tasks: Vec<_> = (1..=50)
        .map(|n| {
            let l = l.clone();
            tokio::spawn(async move {
                let payload =
                    event(repo, "opened", issue(repo, n, &format!("issue {n}"), "open", None, "2024-04-01T00:00:00Z"));
                l.deliver("issues", &payload).await.0
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let all = l.requirements().await;
    let mut numbers: Vec<u64> = all.iter().map(|r| r["github"]["number"].as_u64().unwrap()).collect();
    numbers.sort();
    assert_eq!(numbers, (1..=50).collect::<Vec<_>>());
    let mut handles: Vec<&str> = all.iter().map(|r| r["handle"].as_str().unwrap()).collect();
    handles.sort();
    handles.dedup();
    assert_eq!(handles.len(), 50);
}

#[tokio::test]
async fn pull_requests_are_mirrored_only_when_the_link_says_so() {
    let repo = "acme/prs";
    let mut pr = issue(repo, 8, "A pull request", "open", None, "2024-05-01T00:00:00Z");
    pr["pull_request"] = json!({"url": "https://api.github.com/repos/acme/prs/pulls/8"});
    let l = linked(repo, json!({})).await;
    let (status, answer) = l.deliver("issues", &event(repo, "opened", pr.clone())).await;
    assert_eq!((status, answer["status"].as_str()), (202, Some("ignored")));
    assert!(l.requirements().await.is_empty());
    let yes = linked("acme/prs-too", json!({"include_pull_requests": true})).await;
    let mut pr2 = pr.clone();
    pr2["html_url"] = json!("https://github.com/acme/prs-too/pull/8");
    assert_eq!(yes.deliver("issues", &event("acme/prs-too", "opened", pr2)).await.0, 200);
    assert_eq!(yes.requirements().await.len(), 1);
}

#[tokio::test]
async fn backfill_pages_through_the_api_idempotently_and_sends_the_token() {
    let repo = "acme/backfill";
    let l = linked(repo, json!({"api_token": "ghp_backfill_token"})).await;
    let gh = &world().github;
    let mut pr = issue(repo, 4, "a PR", "open", None, "2024-06-04T00:00:00Z");
    pr["pull_request"] = json!({"url": "x"});
    gh.set_issues(
        repo,
        vec![
            issue(repo, 1, "one", "open", None, "2024-06-01T00:00:00Z"),
            issue(repo, 2, "two", "open", None, "2024-06-02T00:00:00Z"),
            issue(repo, 3, "three", "open", None, "2024-06-03T00:00:00Z"),
            pr,
            issue(repo, 5, "five", "open", None, "2024-06-05T00:00:00Z"),
        ],
        vec![issue(repo, 6, "six", "closed", Some("completed"), "2024-06-06T00:00:00Z")],
    );
    let sync = |cursor: Option<String>| {
        let api = l.api.clone();
        let link = l.link;
        async move { api.create_ok(&format!("/api/github/links/{link}/sync"), json!({"cursor": cursor})).await }
    };
    let mut totals = (0, 0, 0, 0);
    let mut cursor = None;
    let mut calls = 0;
    loop {
        let step = sync(cursor.clone()).await;
        calls += 1;
        totals.0 += step["created"].as_u64().unwrap();
        totals.1 += step["updated"].as_u64().unwrap();
        totals.2 += step["unchanged"].as_u64().unwrap();
        totals.3 += step["skipped"].as_u64().unwrap();
        match step["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(calls < 10);
    }
    assert_eq!(totals, (5, 0, 0, 1), "5 issues created, the PR skipped");
    assert!(calls >= 2, "4 pages take more than one call ({calls})");
    let auths = gh.take_authorizations(repo);
    assert_eq!(auths.len(), 4, "3 open pages and 1 closed page: {auths:?}");
    assert!(auths.iter().all(|a| a.as_deref() == Some("Bearer ghp_backfill_token")));
    let (_, six) = l.requirement(6).await;
    assert_eq!(six["status"], "done");

    // Again: nothing changes.
    let again = sync(None).await;
    let mut unchanged = again["unchanged"].as_u64().unwrap();
    let mut next = again["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = next {
        let step = sync(Some(c)).await;
        assert_eq!(step["created"], 0);
        unchanged += step["unchanged"].as_u64().unwrap();
        next = step["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!((again["created"].as_u64(), unchanged), (Some(0), 5));

    gh.set_status(repo, 401);
    let (status, value) = l.api.post(&format!("/api/github/links/{}/sync", l.link), json!({})).await;
    gh.set_status(repo, 200);
    assert_eq!((status, value["error"]["code"].as_str()), (502, Some("upstream_failed")));
    assert!(value["error"]["message"].as_str().unwrap().contains("token"), "{value}");
    assert!(!value.to_string().contains("ghp_backfill_token"));
}

#[test]
fn the_cli_connects_syncs_and_names_requirements_by_issue_number() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let w = world();
    let baton = e2e::cli::Baton::new();
    baton.ok(&["login", "--url", &w.url, "--token", &w.token]);
    let ws = unique("gh-cli");
    baton.ok(&["workspace", "create", &ws]);
    baton.ok(&["project", "create", "mirror", "--workspace", &ws]);
    baton.ok(&["use", "mirror", "--workspace", &ws]);
    let repo = "acme/cli-sync";
    let connected = baton.run(&["github", "connect", "--repo", repo]);
    assert!(connected.status.success());
    let out = String::from_utf8_lossy(&connected.stdout);
    assert!(out.contains("/api/github/webhook/") && out.contains("Secret"), "{out}");
    let warning = String::from_utf8_lossy(&connected.stderr);
    assert!(warning.contains("GitHub cannot deliver") && warning.contains("a loopback address"), "{warning}");
    w.github.set_issues(repo, vec![issue(repo, 123, "From GitHub", "open", None, "2024-07-01T00:00:00Z")], vec![]);
    let synced = baton
        .command()
        .args(["github", "sync", "--api-token-env", "GH_TEST_TOKEN"])
        .env("GH_TEST_TOKEN", "ghp_cli")
        .output()
        .unwrap();
    assert!(synced.status.success(), "{}", String::from_utf8_lossy(&synced.stderr));
    assert!(String::from_utf8_lossy(&synced.stdout).contains("1 created"));
    let shown = baton.ok(&["requirement", "get", "#123"]);
    assert!(shown.contains("From GitHub") && shown.contains("GitHub #123 (open)"), "{shown}");
    let task = baton.ok(&["task", "create", "--requirement", "#123", "Reproduce it"]);
    assert!(task.contains("under R-"), "{task}");
    let listed = baton.ok(&["requirement", "ls"]);
    assert!(listed.contains("#123"), "{listed}");
    assert!(baton.ok(&["github", "ls"]).contains("API token stored: true"));
    let refused = baton.run(&["github", "rotate-secret"]);
    assert!(refused.status.code() == Some(1) && String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    let rotated = baton.ok(&["github", "rotate-secret", "--yes", "--json"]);
    let rotated: Value = serde_json::from_str(&rotated).unwrap();
    assert_eq!(rotated["secret"].as_str().map(str::len), Some(64), "{rotated}");
    baton.ok(&["github", "disconnect", "--yes"]);
    assert!(baton.ok(&["requirement", "get", "#123"]).contains("From GitHub"), "mirrored requirements stay");
    drop(runtime);
}

/// Regression (security review, high): the sync cursor carried a URL checked by text prefix,
/// so `http://<api>@<attacker>/...` received the link's API token.
#[tokio::test]
async fn a_sync_cursor_cannot_send_the_token_anywhere_else() {
    use base64::Engine;
    let repo = "acme/exfil";
    let l = linked(repo, json!({"api_token": "ghp_secret_of_the_link"})).await;
    let attacker = FakeGithub::start();
    attacker.set_issues(repo, vec![], vec![]);
    let gh = &world().github;
    let attacker_host = attacker.url.trim_start_matches("http://");
    for url in [
        format!("{}@{attacker_host}/repos/{repo}/issues?state=open&page=1", gh.url),
        format!("{}/repos/{repo}/issues?state=open&page=1", attacker.url),
    ] {
        let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&json!({"phase": "Open", "url": url})).unwrap());
        let (status, body) = l.api.post(&format!("/api/github/links/{}/sync", l.link), json!({"cursor": cursor})).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_field")), "{url}: {body}");
    }
    assert!(attacker.take_authorizations(repo).is_empty(), "nothing reached the attacker");
}

/// Regression: an unknown link id answered 404 where a known one with a bad signature
/// answered 401, so link ids could be enumerated.
#[tokio::test]
async fn an_unknown_link_answers_exactly_like_a_bad_signature() {
    let l = linked("acme/enumerate", json!({})).await;
    let body = serde_json::to_vec(&json!({"zen": "x", "repository": {"full_name": "acme/enumerate"}})).unwrap();
    let signature = Some("sha256=".to_owned() + &"0".repeat(64));
    let known = l.deliver_raw("ping", &unique("d"), body.clone(), signature.clone()).await;
    let unknown = Linked { link: l.link + 1_000_000, ..l }.deliver_raw("ping", &unique("d"), body, signature).await;
    assert_eq!(known.0, 401);
    assert_eq!(known, unknown);
}

/// Regression: link ids were reused after a delete, so a delivery signed for a deleted link
/// could reach the next one.
#[tokio::test]
async fn a_deleted_links_id_is_never_given_to_a_new_link() {
    let first = linked("acme/first", json!({})).await;
    assert_eq!(first.api.delete(&format!("/api/github/links/{}", first.link)).await.0, 204);
    let second = linked("acme/second", json!({})).await;
    assert!(second.link > first.link, "{} after {}", second.link, first.link);
}

/// Regression: the webhook took bodies up to 5 MiB while the documents promised 1 MiB.
#[tokio::test]
async fn a_delivery_of_exactly_one_mebibyte_is_taken_and_one_byte_more_is_413() {
    let l = linked("acme/big", json!({})).await;
    let limit = 1024 * 1024;
    let padded = |size: usize| {
        let head = r#"{"zen":"x","repository":{"full_name":"acme/big"},"pad":""#;
        let mut text = head.to_owned();
        text.push_str(&"p".repeat(size - head.len() - 2));
        text.push_str("\"}");
        assert_eq!(text.len(), size);
        text.into_bytes()
    };
    let exact = padded(limit);
    let (status, body) = l.deliver_raw("ping", &unique("d"), exact.clone(), Some(sign(&l.secret, &exact))).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("pong")), "{body}");
    let over = padded(limit + 1);
    let (status, body) = l.deliver_raw("ping", &unique("d"), over.clone(), Some(sign(&l.secret, &over))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (413, Some("payload_too_large")));
}
