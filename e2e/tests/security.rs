//! The security review's findings (issue 10), each guarded against the real Worker: rate
//! limits, workers that stop with their registrant's access, account lifecycle, credential
//! kinds, cross-site requests, uniform refusals, the public origin, attachment headers, forged
//! notices, addressed batons, replay positions and webhook redirects. Each test is named after
//! what it guards; SECURITY.md lists them by finding.

use std::time::Duration;

use e2e::api::{new_member, new_session, unique, workspace_with_project, Api};
use e2e::receiver::Receiver;
use reqwest::Method;
use serde_json::{json, Value};

const PASSWORD: &str = "member password 123";

/// A member of a fresh workspace: (admin, member, member's name, workspace id, project id).
async fn member_of_workspace() -> (Api, Api, String, i64, i64) {
    let admin = Api::admin();
    let (ws, project) = workspace_with_project(&admin).await;
    let name = unique("mem");
    let member = new_member(&admin, &name).await;
    admin.create(&format!("/api/workspaces/{ws}/members"), json!({"username": name})).await;
    (admin, member, name, ws, project)
}

/// Registers a worker for `project` as `who`: (worker id, worker client).
async fn register_worker(who: &Api, project: i64) -> (i64, Api) {
    let body = json!({"project_id": project, "name": unique("w"), "machine_id": unique("m"),
                      "agent": "scripted", "base_branch": "main"});
    let registered = who.create("/api/workers", body).await;
    let id = registered["worker"]["id"].as_i64().unwrap();
    (id, who.with_token(registered["token"].as_str()))
}

async fn user_id(admin: &Api, name: &str) -> i64 {
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/users?limit=200&cursor={c}"),
            None => "/api/users?limit=200".to_owned(),
        };
        let page = admin.fetch(&path).await;
        if let Some(user) = page["items"].as_array().unwrap().iter().find(|u| u["username"] == name) {
            return user["id"].as_i64().unwrap();
        }
        cursor = Some(page["next_cursor"].as_str().expect("the user is listed").to_owned());
    }
}

async fn login(api: &Api, username: &str, password: &str) -> reqwest::Response {
    api.http
        .post(format!("{}/api/auth/login", api.url))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

fn cookie_of(response: &reqwest::Response) -> String {
    let header = response.headers()["set-cookie"].to_str().unwrap();
    header.split(';').next().unwrap().to_owned()
}

// Finding 3: no rate limit on login or bootstrap.

/// A fresh user whose password was guessed wrong `failures` times: (admin, its name).
async fn guessed(failures: usize) -> (Api, String) {
    let admin = Api::admin();
    let name = unique("guessed");
    admin.create("/api/users", json!({"username": name, "password": PASSWORD})).await;
    for _ in 0..failures {
        assert_eq!(login(&admin, &name, "wrong password!!").await.status(), 401);
    }
    (admin, name)
}

#[tokio::test]
async fn login_failures_past_the_threshold_answer_429_even_for_the_right_password() {
    let (admin, name) = guessed(10).await;
    let locked = login(&admin, &name, PASSWORD).await;
    assert_eq!(locked.status(), 429, "the 11th attempt waits, right password or not");
    let retry: u64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "Retry-After {retry}");
    let body: Value = locked.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another account is not locked by this one's failures.
    let other = unique("other");
    admin.create("/api/users", json!({"username": other, "password": PASSWORD})).await;
    assert_eq!(login(&admin, &other, PASSWORD).await.status(), 200);
}

/// Issue 15: logins slow down after two failures (250 ms more each), before the lock stops them,
/// and the right password waits as long as a wrong one.
#[tokio::test]
async fn login_failures_slow_the_next_attempts_even_for_the_right_password() {
    let (admin, name) = guessed(4).await;
    let started = std::time::Instant::now();
    assert_eq!(login(&admin, &name, PASSWORD).await.status(), 200);
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(500), "four failures cost the next login 500 ms: it took {took:?}");
}

#[tokio::test]
async fn bootstrap_secret_guesses_past_the_threshold_answer_429() {
    let admin = Api::admin();
    let attempt = || async {
        admin
            .with_token(None)
            .post("/api/auth/bootstrap", json!({"secret": "a wrong guess", "username": "x", "password": PASSWORD}))
            .await
    };
    for _ in 0..10 {
        assert_eq!(attempt().await.0, 401);
    }
    let (status, body) = attempt().await;
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("rate_limited")));
}

#[tokio::test]
async fn webhook_link_guesses_past_the_threshold_answer_429() {
    let admin = Api::admin().with_token(None);
    let deliver = |link: i64| {
        let request = admin
            .request(Method::POST, &format!("/api/github/webhook/{link}"))
            .header("content-type", "application/json")
            .header("x-github-event", "ping")
            .header("x-github-delivery", unique("d"))
            .header("x-hub-signature-256", "sha256=00")
            .body("{}");
        admin.send(request)
    };
    let mut statuses = Vec::new();
    for link in 1_000_000..1_000_100 {
        statuses.push(deliver(link).await.0);
    }
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(deliver(1_000_100).await.0, 429);
}

// Issue 15: session writes had no limit per writer.

/// A writer past its burst (60 messages per 10 s by default) is held to the refill rate with
/// 429 and `Retry-After`; the refused message is not stored, and other writers (another
/// member, a write link's guest) are not held by it.
#[tokio::test]
async fn message_writes_past_a_writers_burst_answer_429_and_store_nothing() {
    // A server of its own at the default limit (the shared one lets tests post bursts).
    let server = e2e::server::Server::start_with_vars(&[("BATON_MESSAGE_LIMIT", "60/10")]).unwrap();
    let token = e2e::api::bootstrap(&server.url).await.unwrap();
    let admin = Api::new(&server.url, Some(&token));
    let (ws, project) = workspace_with_project(&admin).await;
    let name = unique("writer");
    let member = new_member(&admin, &name).await;
    admin.create(&format!("/api/workspaces/{ws}/members"), json!({"username": name})).await;
    let session = member.create("/api/sessions", json!({"project_id": project})).await["id"].as_i64().unwrap();
    let path = format!("/api/sessions/{session}/messages");
    // The bucket refills while the messages go (six a second), so count until it refuses.
    let started = std::time::Instant::now();
    let mut accepted = 0;
    let refused = loop {
        let sent = member.request(Method::POST, &path).json(&json!({"text": format!("message {accepted}")}));
        let response = sent.send().await.unwrap();
        if response.status() != 201 {
            break response;
        }
        accepted += 1;
        assert!(accepted <= 200, "never refused");
    };
    let refill = (6.0 * started.elapsed().as_secs_f64()).ceil() as usize;
    assert!((60..=60 + refill).contains(&accepted), "{accepted} accepted, at most {refill} refilled");
    assert_eq!(refused.status(), 429);
    let retry: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry), "Retry-After {retry}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert!(body["error"]["message"].as_str().unwrap().contains("at most 60 per 10 s"), "{body}");

    // Others write on: the admin, and a write link's guest.
    admin.create(&path, json!({"text": "from the admin"})).await;
    let link = admin.create(&format!("/api/sessions/{session}/shares"), json!({"mode": "write"})).await;
    let token = link["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let (status, _) =
        admin.with_token(None).post(&format!("/api/share/{token}/messages"), json!({"text": "from a guest"})).await;
    assert_eq!(status, 201);

    let page = admin.fetch(&format!("/api/sessions/{session}/events?limit=200")).await;
    let texts: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "user_message")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), accepted + 2, "the member's, one by the admin, one by the guest");
    assert!(!texts.contains(&format!("message {accepted}").as_str()), "the refused one is not stored");

    // The refill: six messages a second at the default rate.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(member.post(&path, json!({"text": "after a pause"})).await.0, 201);
}

// Finding 2: removing a member left their workers working.

#[tokio::test]
async fn removing_a_member_stops_the_workers_they_registered() {
    let (admin, member, name, ws, project) = member_of_workspace().await;
    let (worker_id, worker) = register_worker(&member, project).await;
    assert_eq!(worker.get(&format!("/api/workers/{worker_id}")).await.0, 200);
    let id = user_id(&admin, &name).await;
    assert_eq!(admin.delete(&format!("/api/workspaces/{ws}/members/{id}")).await.0, 204);
    let (status, body) = worker.get(&format!("/api/workers/{worker_id}")).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));
    assert_eq!(worker.get(&format!("/api/workers/{worker_id}/stream")).await.0, 401);
    // Registered again by someone who still belongs, it works again.
    let (_, again) = register_worker(&admin, project).await;
    assert_eq!(again.get("/api/batons").await.0, 200);
}

#[tokio::test]
async fn a_worker_token_can_be_rotated_and_revoked() {
    let (_admin, member, _, _, project) = member_of_workspace().await;
    let (id, old) = register_worker(&member, project).await;
    let (status, rotated) = member.post(&format!("/api/workers/{id}/token"), json!({})).await;
    assert_eq!((status, rotated["outcome"].as_str()), (200, Some("rotated")), "{rotated}");
    let new = member.with_token(rotated["token"].as_str());
    assert_eq!(old.get(&format!("/api/workers/{id}")).await.0, 401, "the old token stopped");
    assert_eq!(new.get(&format!("/api/workers/{id}")).await.0, 200);
    assert_eq!(new.post(&format!("/api/workers/{id}/token"), json!({})).await.0, 403, "not by the worker itself");
    assert_eq!(member.delete(&format!("/api/workers/{id}/token")).await.0, 204);
    assert_eq!(new.get(&format!("/api/workers/{id}")).await.0, 401);
    assert_eq!(member.fetch(&format!("/api/workers/{id}")).await["id"], id, "the worker itself stays");
    let outsider = new_member(&Api::admin(), &unique("out")).await;
    assert_eq!(outsider.delete(&format!("/api/workers/{id}/token")).await.0, 404);
}

// Finding 15: account lifecycle.

#[tokio::test]
async fn a_disabled_user_loses_logins_tokens_and_workers_until_enabled() {
    let (admin, member, name, _, project) = member_of_workspace().await;
    let (worker_id, worker) = register_worker(&member, project).await;
    let id = user_id(&admin, &name).await;
    let cookie = cookie_of(&login(&admin, &name, PASSWORD).await);
    let me = |cookie: &str| admin.send(admin.http.get(format!("{}/api/auth/me", admin.url)).header("cookie", cookie));

    assert_eq!(
        member
            .send(member.request(Method::PATCH, &format!("/api/users/{id}")).json(&json!({"disabled": true})))
            .await
            .0,
        403
    );
    let (status, user) =
        admin.send(admin.request(Method::PATCH, &format!("/api/users/{id}")).json(&json!({"disabled": true}))).await;
    assert_eq!((status, user["disabled"].as_bool()), (200, Some(true)), "{user}");
    assert_eq!(member.get("/api/auth/me").await.0, 401, "tokens stop");
    assert_eq!(me(&cookie).await.0, 401, "web logins end");
    assert_eq!(worker.get(&format!("/api/workers/{worker_id}")).await.0, 401, "workers stop");
    let refused = login(&admin, &name, PASSWORD).await;
    assert_eq!(refused.status(), 403, "the right password says the account is disabled");

    admin.send(admin.request(Method::PATCH, &format!("/api/users/{id}")).json(&json!({"disabled": false}))).await;
    assert_eq!(member.get("/api/auth/me").await.0, 200, "tokens work again");
    assert_eq!(worker.get(&format!("/api/workers/{worker_id}")).await.0, 200);
    assert_eq!(me(&cookie).await.0, 401, "ended logins stay ended");

    let admin_id = user_id(&admin, "admin").await;
    let (status, body) = admin
        .send(admin.request(Method::PATCH, &format!("/api/users/{admin_id}")).json(&json!({"disabled": true})))
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_field")), "not oneself");
}

#[tokio::test]
async fn admins_revoke_another_users_tokens_and_tokens_may_expire() {
    let (admin, member, name, _, _) = member_of_workspace().await;
    let id = user_id(&admin, &name).await;
    let expiring = member.create("/api/tokens", json!({"name": "ci", "expires_in_days": 30})).await;
    let expires = expiring["expires_at"].as_str().unwrap();
    assert!(expires > expiring["created_at"].as_str().unwrap(), "{expiring}");
    let listed = member.fetch("/api/tokens").await;
    assert!(listed["items"].as_array().unwrap().iter().any(|t| t["expires_at"] == expires));
    for bad in [0, 3651] {
        let (status, body) = member.post("/api/tokens", json!({"name": "x", "expires_in_days": bad})).await;
        assert_eq!(
            (status, body["error"]["message"].as_str().map(|m| m.starts_with("expires_in_days"))),
            (400, Some(true))
        );
    }
    let other = new_member(&admin, &unique("other")).await;
    assert_eq!(other.delete(&format!("/api/users/{id}/tokens")).await.0, 403);
    let (status, revoked) = admin.delete(&format!("/api/users/{id}/tokens")).await;
    assert_eq!((status, revoked["revoked"].as_u64()), (200, Some(2)), "{revoked}");
    assert_eq!(member.get("/api/auth/me").await.0, 401);
    assert_eq!(member.with_token(expiring["token"].as_str()).get("/api/auth/me").await.0, 401);
}

#[tokio::test]
async fn a_password_change_can_revoke_every_api_token() {
    let (admin, member, name, _, _) = member_of_workspace().await;
    let cookie = cookie_of(&login(&admin, &name, PASSWORD).await);
    let body = json!({"current_password": PASSWORD, "new_password": "a brand new password", "revoke_tokens": true});
    let (status, changed) = member.post("/api/auth/password", body).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!((changed["tokens_revoked"].as_u64(), changed["logins_ended"].as_u64()), (Some(1), Some(2)));
    assert_eq!(member.get("/api/auth/me").await.0, 401);
    let me = admin.send(admin.http.get(format!("{}/api/auth/me", admin.url)).header("cookie", &cookie)).await;
    assert_eq!(me.0, 401);
    assert_eq!(login(&admin, &name, "a brand new password").await.status(), 200);
}

// Finding 12: the auth cache was keyed by the hash alone.

#[tokio::test]
async fn a_login_cookie_is_not_a_bearer_token_even_while_cached() {
    let admin = Api::admin();
    let name = unique("cookie");
    admin.create("/api/users", json!({"username": name, "password": PASSWORD})).await;
    let cookie = cookie_of(&login(&admin, &name, PASSWORD).await);
    let me = admin.send(admin.http.get(format!("{}/api/auth/me", admin.url)).header("cookie", &cookie)).await;
    assert_eq!(me.0, 200, "the cookie works (and is now cached)");
    let value = cookie.split_once('=').unwrap().1;
    assert_eq!(admin.with_token(Some(value)).get("/api/auth/me").await.0, 401);
}

// Finding 10: login CSRF.

#[tokio::test]
async fn bodies_must_be_json_and_cookie_requests_must_come_from_the_app() {
    let admin = Api::admin();
    let name = unique("csrf");
    admin.create("/api/users", json!({"username": name, "password": PASSWORD})).await;
    let body = json!({"username": name, "password": PASSWORD}).to_string();
    let login_with = |content_type: &'static str, extra: Option<(&'static str, &'static str)>| {
        let mut request = admin
            .http
            .post(format!("{}/api/auth/login", admin.url))
            .header("content-type", content_type)
            .body(body.clone());
        if let Some((k, v)) = extra {
            request = request.header(k, v);
        }
        admin.send(request)
    };
    let (status, refused) = login_with("text/plain", None).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (415, Some("unsupported_media_type")));
    assert_eq!(login_with("application/x-www-form-urlencoded", None).await.0, 415);
    assert_eq!(login_with("application/json", Some(("origin", "https://evil.example"))).await.0, 403);
    assert_eq!(login_with("application/json", Some(("sec-fetch-site", "cross-site"))).await.0, 403);
    assert_eq!(login_with("application/json", Some(("sec-fetch-site", "same-origin"))).await.0, 200);
    // Any body-bearing request, with a token too.
    let raw =
        admin.request(Method::POST, "/api/workspaces").header("content-type", "text/plain").body(r#"{"name":"x"}"#);
    assert_eq!(admin.send(raw).await.0, 415);

    let cookie = cookie_of(&login(&admin, &name, PASSWORD).await);
    let mint = |origin: Option<&str>| {
        let mut request =
            admin.http.post(format!("{}/api/tokens", admin.url)).header("cookie", &cookie).json(&json!({"name": "t"}));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        admin.send(request)
    };
    assert_eq!(mint(Some("https://evil.example")).await.0, 403, "a cross-site page may not use the cookie");
    assert_eq!(mint(Some(&admin.url)).await.0, 201, "the app itself may");
    assert_eq!(mint(None).await.0, 201, "no browser page at all");
    let read = admin
        .send(
            admin
                .http
                .get(format!("{}/api/auth/me", admin.url))
                .header("cookie", &cookie)
                .header("origin", "https://evil.example"),
        )
        .await;
    assert_eq!(read.0, 200, "reads are not state changes");
}

// Finding 8: D1 cost headers told hidden from absent.

#[tokio::test]
async fn a_hidden_object_and_an_absent_one_answer_identical_404s() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let outsider = new_member(&admin, &unique("outsider")).await;
    let absent = project + 1_000_000;
    let answer = |id: i64| {
        let outsider = outsider.clone();
        async move {
            let response = outsider.request(Method::GET, &format!("/api/projects/{id}")).send().await.unwrap();
            let status = response.status().as_u16();
            let mut headers: Vec<(String, String)> = response
                .headers()
                .iter()
                // The date, and each request's own id, differ for every answer alike.
                .filter(|(k, _)| *k != "date" && *k != "content-length" && *k != "x-request-id")
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
                .collect();
            headers.sort();
            let body: Value = response.json().await.unwrap();
            let message = body["error"]["message"].as_str().unwrap().replace(&id.to_string(), "N");
            (status, headers, message)
        }
    };
    let (hidden, missing) = (answer(project).await, answer(absent).await);
    assert_eq!(hidden.0, 404);
    assert_eq!(hidden, missing);
    assert!(hidden.1.iter().all(|(k, _)| !k.starts_with("x-baton-d1")), "{:?}", hidden.1);
    let ok = admin.request(Method::GET, &format!("/api/projects/{project}")).send().await.unwrap();
    assert!(ok.headers().contains_key("x-baton-d1-rows-read"), "successes still report their cost");
}

// Finding 13: the Host header decided pickup URLs.

#[tokio::test]
async fn pickup_urls_name_the_public_origin_whatever_the_host_header() {
    let admin = Api::admin();
    let (ws, _) = workspace_with_project(&admin).await;
    let request = admin
        .request(Method::POST, "/api/pass")
        .header("host", "evil.example")
        .header("x-forwarded-host", "evil.example")
        .json(&json!({"task": "t", "workspace_id": ws}));
    let (status, passed) = admin.send(request).await;
    assert_eq!(status, 201, "{passed}");
    let url = passed["pickup_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/api/catch/", admin.url)), "{url}");
    assert!(!url.contains("evil"), "{url}");
}

// Finding 14: attachments served with the uploader's type.

#[tokio::test]
async fn attachments_are_served_inert() {
    let admin = Api::admin();
    let (_, session) = new_session(&admin).await;
    let upload = admin
        .request(Method::POST, &format!("/api/sessions/{session}/attachments?filename=page.html"))
        .header("content-type", "text/html")
        .body("<script>alert(document.cookie)</script>");
    let (status, attachment) = admin.send(upload).await;
    assert_eq!(status, 201, "{attachment}");
    let download = admin
        .request(Method::GET, &format!("/api/sessions/{session}/attachments/{}", attachment["id"]))
        .send()
        .await
        .unwrap();
    let header = |name: &str| download.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/octet-stream");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("content-security-policy").starts_with("sandbox"));
    assert!(header("content-disposition").starts_with("attachment"));
}

// Finding 11: workers could forge server notices; finding 9: hostnames.

#[tokio::test]
async fn a_worker_writes_worker_notices_never_system_notices() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let (worker_id, worker) = register_worker(&admin, project).await;
    let session = admin.create("/api/sessions", json!({"project_id": project, "worker_id": worker_id})).await;
    let events = format!("/api/sessions/{}/events", session["id"]);
    let (status, body) = worker.post(&events, json!({"type": "system_notice", "text": "stopped by admin"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_field")), "{body}");
    let (status, _) =
        worker.post(&events, json!({"type": "worker_notice", "text": "cannot create the worktree"})).await;
    assert!((200..300).contains(&status), "{status}");
    let log = admin.fetch(&events).await;
    let types: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"worker_notice"));
    assert!(!log.to_string().contains("stopped by admin"));
}

#[tokio::test]
async fn hostnames_and_names_with_invisible_controls_are_refused() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    for hostname in ["evil\u{202E}txt.exe", "host\u{1b}[2J", "zero\u{200B}width"] {
        let body = json!({"project_id": project, "name": unique("w"), "machine_id": unique("m"),
                          "agent": "scripted", "base_branch": "main", "hostname": hostname});
        let (status, answer) = admin.post("/api/workers", body).await;
        assert_eq!(status, 400, "{hostname:?}: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().starts_with("hostname"));
    }
    let (status, _) = admin.post("/api/workspaces", json!({"name": "gnp\u{202E}.exe"})).await;
    assert_eq!(status, 400);
}

// Finding 7: an addressed baton could be caught and finished by any member.

#[tokio::test]
async fn only_the_addressed_worker_catches_and_finishes_an_addressed_baton() {
    let (_admin, member, _, _, project) = member_of_workspace().await;
    let (worker_id, worker) = register_worker(&member, project).await;
    let (status, passed) =
        member.post("/api/pass", json!({"task": "for W", "to": {"worker": format!("W-{worker_id}")}})).await;
    assert_eq!(status, 201, "{passed}");
    let id = passed["baton_id"].as_str().unwrap();
    let admin = Api::admin();
    for caller in [&member, &admin] {
        let (status, body) = caller.get(&format!("/api/catch/{id}")).await;
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")), "{body}");
        assert_eq!(caller.post(&format!("/api/done/{id}"), json!({"output": "forged"})).await.0, 403);
    }
    assert_eq!(member.fetch(&format!("/api/status/{id}")).await["status"], "pending", "seeing is allowed");
    let (status, caught) = worker.get(&format!("/api/catch/{id}")).await;
    assert_eq!(status, 200, "{caught}");
    assert_eq!(member.post(&format!("/api/done/{id}"), json!({"output": "forged"})).await.0, 403);
    let (status, done) = worker.post(&format!("/api/done/{id}"), json!({"output": "real"})).await;
    assert_eq!((status, done["result"].as_str()), (200, Some("real")), "{done}");
    // The passer may still cancel an addressed baton it passed.
    let (_, again) = member.post("/api/pass", json!({"task": "again", "to": {"worker": worker_id}})).await;
    let again = again["baton_id"].as_str().unwrap();
    assert_eq!(member.post(&format!("/api/cancel/{again}"), json!({})).await.0, 200);
}

// Finding 17: replay positions above the i64 range.

#[tokio::test]
async fn replay_positions_above_the_i64_range_are_refused() {
    let admin = Api::admin();
    let (_, session) = new_session(&admin).await;
    let events = format!("/api/sessions/{session}/events");
    assert_eq!(admin.get(&format!("{events}?after=9223372036854775807")).await.0, 200);
    for after in ["9223372036854775808", "18446744073709551615"] {
        let (status, body) = admin.get(&format!("{events}?after={after}")).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_parameter")), "{after}");
    }
    let stream = admin
        .request(Method::GET, &format!("/api/sessions/{session}/stream"))
        .header("last-event-id", "18446744073709551615")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 400);
}

// Finding 6: webhook deliveries followed redirects.

#[tokio::test]
async fn a_webhook_redirect_is_a_failed_attempt_never_followed() {
    let (_admin, member, _, ws, _) = member_of_workspace().await;
    let target = Receiver::start(0);
    let redirector = Receiver::redirecting(&target.url);
    let secret = "a webhook secret of some length";
    let body = json!({"task": "t", "workspace_id": ws, "webhook": {"url": redirector.url, "secret": secret}});
    let (_, passed) = member.post("/api/pass", body).await;
    let id = passed["baton_id"].as_str().unwrap();
    member.get(&format!("/api/catch/{id}")).await;
    member.post(&format!("/api/done/{id}"), json!({"output": 1})).await;
    let attempts = redirector.wait_for(2).await;
    let numbers: Vec<&str> =
        attempts.iter().map(|(h, _)| h.iter().find(|(k, _)| k == "x-baton-attempt").unwrap().1.as_str()).collect();
    assert_eq!(&numbers[..2], ["1", "2"], "the 302 counted as a failure and was retried");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(target.count(), 0, "the redirect was never followed");
}
