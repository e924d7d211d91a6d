//! People and tokens: password login with an HttpOnly cookie, logout that really ends it,
//! personal tokens shown once and revocable, and paginated lists.

use e2e::api::{unique, Api};
use serde_json::{json, Value};

async fn login(api: &Api, username: &str, password: &str) -> (u16, Option<String>, Value) {
    let response = api
        .http
        .post(format!("{}/api/auth/login", api.url))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let cookie = response.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_owned());
    (status, cookie, response.json().await.unwrap())
}

fn with_cookie(api: &Api, method: reqwest::Method, path: &str, cookie: &str) -> reqwest::RequestBuilder {
    api.http.request(method, format!("{}{path}", api.url)).header("cookie", cookie)
}

#[tokio::test]
async fn a_password_login_sets_a_strict_http_only_cookie_and_logout_ends_it() {
    let admin = Api::admin();
    let name = unique("carol");
    admin.create("/api/users", json!({"username": name, "password": "carol's long password"})).await;

    let (status, _, body) = login(&admin, &name, "wrong password!").await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));
    let (status, _, _) = login(&admin, "nobody-at-all", "wrong password!").await;
    assert_eq!(status, 401);

    let (status, cookie, user) = login(&admin, &name, "carol's long password").await;
    assert_eq!(status, 200);
    assert_eq!(user["username"], name.as_str());
    assert_eq!(user["role"], "member");
    let cookie = cookie.expect("a cookie");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} missing in {cookie}");
    }
    let pair = cookie.split(';').next().unwrap().to_owned();
    assert!(pair.starts_with("baton_login=btl_"));

    let me = admin.send(with_cookie(&admin, reqwest::Method::GET, "/api/auth/me", &pair)).await;
    assert_eq!((me.0, me.1["username"].as_str()), (200, Some(name.as_str())));
    let out = admin.send(with_cookie(&admin, reqwest::Method::POST, "/api/auth/logout", &pair)).await;
    assert_eq!(out.0, 204);
    let after = admin.send(with_cookie(&admin, reqwest::Method::GET, "/api/auth/me", &pair)).await;
    assert_eq!(after.0, 401, "the old cookie is worthless after logout");
}

#[tokio::test]
async fn tokens_are_shown_once_listed_without_secret_and_revocable() {
    let admin = Api::admin();
    let created = admin.create("/api/tokens", json!({"name": "laptop"})).await;
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("btp_") && secret.len() >= 4 + 43, "256 bits: {secret}");
    let laptop = admin.with_token(Some(&secret));
    assert_eq!(laptop.fetch("/api/auth/me").await["username"], "admin");

    let list = admin.fetch("/api/tokens?limit=200").await;
    let text = list.to_string();
    assert!(!text.contains(&secret), "a listed token never shows its secret");
    let mine = list["items"].as_array().unwrap().iter().find(|t| t["id"] == created["id"]).expect("listed");
    assert_eq!(mine["name"], "laptop");
    assert!(mine["last_used_at"].is_string(), "used once above: {mine}");

    assert_eq!(admin.delete(&format!("/api/tokens/{}", created["id"])).await.0, 204);
    assert_eq!(laptop.get("/api/auth/me").await.0, 401);
    assert_eq!(admin.delete(&format!("/api/tokens/{}", created["id"])).await.0, 404);
}

#[tokio::test]
async fn lists_page_with_an_opaque_cursor() {
    let admin = Api::admin();
    let prefix = unique("page");
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(
            admin.create("/api/workspaces", json!({"name": format!("{prefix}-{i}")})).await["id"].as_i64().unwrap(),
        );
    }
    // Walk every workspace two at a time, and find ours in order.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/workspaces?limit=2&cursor={c}"),
            None => "/api/workspaces?limit=2".to_owned(),
        };
        let page = admin.fetch(&path).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|w| w["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "no duplicates, ascending");
    let ours: Vec<i64> = seen.into_iter().filter(|id| made.contains(id)).collect();
    assert_eq!(ours, made);
}
