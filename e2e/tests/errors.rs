//! Bad input and forbidden access get the documented JSON errors, never a 500.

use e2e::api::{new_member, new_session, unique, workspace_with_project, Api};
use reqwest::Method;
use serde_json::{json, Value};

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_else(|| panic!("no error envelope in {body}"))
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn malformed_json_is_400_invalid_json() {
    let admin = Api::admin();
    for body in ["{", "{\"name\":}", "not json", "[1,2]", "", "{\"name\":\"a\"} trailing"] {
        let (status, value) = admin.post_raw("/api/workspaces", body.to_owned()).await;
        assert_eq!((status, code(&value)), (400, "invalid_json"), "body {body:?}: {value}");
    }
}

#[tokio::test]
async fn missing_unknown_and_mistyped_fields_are_400_naming_the_field() {
    let admin = Api::admin();
    let (ws, project) = workspace_with_project(&admin).await;
    let cases = [
        ("/api/workspaces", json!({}), "name: is required"),
        ("/api/workspaces", json!({"name": 5}), "name: invalid type"),
        ("/api/workspaces", json!({"name": "   "}), "name: must not be empty"),
        ("/api/workspaces", json!({"name": "x".repeat(101)}), "name: must be at most 100"),
        ("/api/workspaces", json!({"name": "a", "colour": "red"}), "colour: is not a known field"),
        ("/api/projects", json!({"name": "p"}), "workspace_id: is required"),
        ("/api/projects", json!({"workspace_id": "one", "name": "p"}), "workspace_id: invalid type"),
        ("/api/projects", json!({"workspace_id": ws, "name": null}), "name: invalid type"),
        ("/api/sessions", json!({"project_id": project, "name": 7}), "name: invalid type"),
        ("/api/sessions", json!({"project_id": 1.5}), "project_id: invalid type"),
        ("/api/tokens", json!({"name": ""}), "name: must not be empty"),
        ("/api/users", json!({"username": "bad name", "password": "long enough pw"}), "username: must be"),
        ("/api/users", json!({"username": "shortpw", "password": "x"}), "password: must be"),
        ("/api/users", json!({"username": "r", "password": "long enough pw", "role": "king"}), "role: unknown variant"),
        // Regression (issue 14): these named Rust types (`expected struct BatonTarget`) or
        // said valid JSON was not JSON.
        ("/api/pass", json!({"to": "W-1", "task": "p"}), "to: invalid type: string \"W-1\", expected an object"),
        ("/api/users", json!({"username": "r", "password": "long enough pw", "role": 3}), "role: invalid type"),
    ];
    for (path, body, expected) in cases {
        let (status, value) = admin.post(path, body.clone()).await;
        assert_eq!((status, code(&value)), (400, "invalid_field"), "{path} {body}: {value}");
        assert!(message(&value).starts_with(expected), "{path} {body}: {value}");
    }
    let (_, session) = new_session(&admin).await;
    let path = format!("/api/sessions/{session}/messages");
    for (body, expected) in [
        (json!({}), "text: is required"),
        (json!({"text": " \n "}), "text: must not be empty"),
        (json!({"text": ["a"]}), "text: invalid type"),
        (json!({"text": "x".repeat(65 * 1024)}), "text: must be at most"),
    ] {
        let (status, value) = admin.post(&path, body).await;
        assert_eq!(status, 400, "{value}");
        assert!(message(&value).starts_with(expected), "{value}");
    }
}

#[tokio::test]
async fn bad_query_and_path_parameters_are_400() {
    let admin = Api::admin();
    let (_, session) = new_session(&admin).await;
    for path in [
        "/api/workspaces?limit=0".to_owned(),
        "/api/workspaces?limit=abc".to_owned(),
        "/api/workspaces?cursor=not-a-cursor".to_owned(),
        "/api/sessions/abc".to_owned(),
        "/api/sessions/T-1".to_owned(),
        format!("/api/sessions/{session}/events?after=-1"),
        format!("/api/sessions/{session}/stream?after=x"),
    ] {
        let (status, value) = admin.get(&path).await;
        assert_eq!((status, code(&value)), (400, "invalid_parameter"), "{path}: {value}");
    }
    let bad_header =
        admin.request(Method::GET, &format!("/api/sessions/{session}/stream")).header("last-event-id", "seven");
    let (status, value) = admin.send(bad_header).await;
    assert_eq!((status, code(&value)), (400, "invalid_parameter"));
    assert!(message(&value).starts_with("Last-Event-ID"));
}

#[tokio::test]
async fn no_or_bad_credentials_are_401() {
    let admin = Api::admin();
    let anonymous = admin.with_token(None);
    let bad = admin.with_token(Some("btp_not-a-real-token"));
    for api in [&anonymous, &bad] {
        for path in ["/api/workspaces", "/api/auth/me", "/api/sessions/1"] {
            let (status, value) = api.get(path).await;
            assert_eq!((status, code(&value)), (401, "unauthorized"), "{path}");
        }
        let (status, _) = api.post("/api/workspaces", json!({"name": "x"})).await;
        assert_eq!(status, 401);
    }
    let basic = admin.http.get(format!("{}/api/workspaces", admin.url)).header("authorization", "Basic YTpi");
    assert_eq!(admin.send(basic).await.0, 401);
}

#[tokio::test]
async fn another_workspaces_session_is_404_exactly_like_a_missing_one() {
    let admin = Api::admin();
    let (_, session) = new_session(&admin).await;
    let member = new_member(&admin, &unique("outsider")).await;
    let missing = 999_999_999;
    for id in [session, missing] {
        for (method, path) in [
            (Method::GET, format!("/api/sessions/{id}")),
            (Method::GET, format!("/api/sessions/{id}/events")),
            (Method::GET, format!("/api/sessions/{id}/stream")),
            (Method::POST, format!("/api/sessions/{id}/messages")),
        ] {
            let request = member.request(method.clone(), &path).json(&json!({"text": "hi"}));
            let (status, value) = member.send(request).await;
            assert_eq!((status, code(&value)), (404, "not_found"), "{method} {path}");
            assert_eq!(message(&value), format!("session S-{id} not found"));
        }
    }
    // Nothing was appended by the refused message.
    let page = admin.fetch(&format!("/api/sessions/{session}/events")).await;
    assert_eq!(page["last_seq"], 1);
}

#[tokio::test]
async fn members_see_their_workspaces_only_and_cannot_administer() {
    let admin = Api::admin();
    let (ws, project) = workspace_with_project(&admin).await;
    let name = unique("member");
    let member = new_member(&admin, &name).await;
    assert_eq!(member.get(&format!("/api/workspaces/{ws}")).await.0, 404);
    assert_eq!(member.get(&format!("/api/projects/{project}")).await.0, 404);
    let (status, _) = member.post("/api/projects", json!({"workspace_id": ws, "name": "sneaky"})).await;
    assert_eq!(status, 404);

    admin.create(&format!("/api/workspaces/{ws}/members"), json!({"username": name})).await;
    assert_eq!(member.get(&format!("/api/workspaces/{ws}")).await.0, 200);
    let session = member.create("/api/sessions", json!({"project_id": project})).await;
    assert_eq!(session["handle"], format!("S-{}", session["id"]));

    let (status, value) = member.post("/api/workspaces", json!({"name": unique("mine")})).await;
    assert_eq!((status, code(&value)), (403, "forbidden"));
    let (status, _) = member.post(&format!("/api/workspaces/{ws}/members"), json!({"username": "admin"})).await;
    assert_eq!(status, 403);
    assert_eq!(member.get("/api/users").await.0, 403);
}

#[tokio::test]
async fn duplicates_are_409() {
    let admin = Api::admin();
    let name = unique("dup");
    admin.create("/api/workspaces", json!({"name": name})).await;
    let (status, value) = admin.post("/api/workspaces", json!({"name": name.to_uppercase()})).await;
    assert_eq!((status, code(&value)), (409, "conflict"), "names are case-insensitive: {value}");
    let (ws, _) = workspace_with_project(&admin).await;
    let (status, _) = admin.post("/api/projects", json!({"workspace_id": ws, "name": "proj"})).await;
    assert_eq!(status, 409);
    let user = unique("twice");
    admin.create("/api/users", json!({"username": user, "password": "long enough pw"})).await;
    let (status, _) = admin.post("/api/users", json!({"username": user, "password": "long enough pw"})).await;
    assert_eq!(status, 409);
    let (status, value) = admin
        .post(
            "/api/auth/bootstrap",
            json!({"secret": e2e::server::SETUP_SECRET, "username": "x", "password": "long enough pw"}),
        )
        .await;
    assert_eq!((status, code(&value)), (409, "conflict"));
    let (status, _) = admin
        .post("/api/auth/bootstrap", json!({"secret": "wrong", "username": "x", "password": "long enough pw"}))
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_both_json() {
    let admin = Api::admin();
    let (status, value) = admin.get("/api/does-not-exist").await;
    assert_eq!((status, code(&value)), (404, "not_found"));
    let (status, value) = admin.send(admin.request(Method::DELETE, "/api/health")).await;
    assert_eq!((status, code(&value)), (405, "method_not_allowed"));
    assert!(message(&value).contains("GET"));
    let (status, value) = admin.send(admin.request(Method::PUT, "/api/workspaces")).await;
    assert_eq!((status, code(&value)), (405, "method_not_allowed"));
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_declared_or_streamed() {
    let admin = Api::admin();
    let big = format!("{{\"name\":\"{}\"}}", "a".repeat(1024 * 1024 + 10));
    let (status, value) = admin.post_raw("/api/workspaces", big.clone()).await;
    assert_eq!((status, code(&value)), (413, "payload_too_large"));
    // Without a Content-Length (chunked), the limit still holds while reading.
    let chunks: Vec<Result<String, std::io::Error>> =
        big.as_bytes().chunks(64 * 1024).map(|c| Ok(String::from_utf8(c.to_vec()).unwrap())).collect();
    let stream = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let (status, value) = admin.post_raw("/api/workspaces", stream).await;
    assert_eq!((status, code(&value)), (413, "payload_too_large"));
}

#[tokio::test]
async fn garbage_on_every_route_never_answers_500() {
    let admin = Api::admin();
    let bodies = ["", "{}", "null", "{\"name\":{}}", "\u{0}\u{1}", "{\"text\":1e999}", "[[[[[[[[[[[[]]]]]]]]]]]]"];
    for spec in edge::http::routes::ROUTES {
        // An id nobody has, so no DELETE here can remove what other tests use.
        let path: String = spec
            .pattern
            .split('/')
            .map(|s| if s.starts_with(':') { "999999" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for body in bodies {
            let method = Method::from_bytes(spec.method.as_str().as_bytes()).unwrap();
            let request = admin.request(method, &path).header("content-type", "application/json").body(body);
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            assert!(status < 500, "{} {path} with {body:?} answered {status}", spec.method.as_str());
        }
    }
}

/// Every answer names its request (`X-Request-Id`), whatever it is: a success, a refusal, an
/// error, a live stream relayed from a Hub, a missing route.
#[tokio::test]
async fn every_answer_carries_its_own_request_id() {
    let admin = Api::admin();
    let (_, session) = new_session(&admin).await;
    let anonymous = admin.with_token(None);
    let mut ids = Vec::new();
    for (who, path) in [
        (&admin, "/api/health".to_owned()),
        (&admin, "/api/workspaces".to_owned()),
        (&anonymous, "/api/workspaces".to_owned()),
        (&admin, "/api/nowhere".to_owned()),
        (&admin, format!("/api/sessions/{session}/events")),
        (&admin, format!("/api/sessions/{session}/stream")),
    ] {
        let response = who.request(Method::GET, &path).send().await.unwrap();
        let id = response.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
        let id = id.unwrap_or_else(|| panic!("no x-request-id on {path} ({})", response.status()));
        assert!(id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()), "{path}: {id}");
        ids.push(id);
    }
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{ids:?}");
}

/// Regression (schemathesis ST204): a method no route takes answered 405 without `Allow`, and
/// one the runtime does not know (QUERY) was served as GET.
#[tokio::test]
async fn a_method_no_route_takes_is_405_with_allow() {
    let admin = Api::admin();
    for method in ["QUERY", "TRACE", "PUT", "DELETE"] {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let response = admin.request(method.clone(), "/api/workspaces").send().await.unwrap();
        assert_eq!(response.status(), 405, "{method}");
        assert_eq!(response.headers()["allow"], "GET, HEAD, POST", "{method}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(code(&body), "method_not_allowed");
    }
    let response = admin.request(Method::PUT, "/api/nowhere").send().await.unwrap();
    assert_eq!(response.status(), 404);
}
