//! The collaboration model through the real Worker: requirements, tasks with dependencies
//! and readiness, comments, handles, counters under concurrency, cascading deletes, the
//! project change stream, renames, membership and the OpenAPI document.

use std::time::Duration;

use e2e::api::{new_member, unique, workspace_with_project, Api};
use e2e::sse::SseReader;
use serde_json::{json, Value};

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or("")
}

async fn requirement(api: &Api, project: i64, title: &str) -> Value {
    api.create(&format!("/api/projects/{project}/requirements"), json!({"title": title})).await
}

async fn task(api: &Api, project: i64, body: Value) -> Value {
    api.create(&format!("/api/projects/{project}/tasks"), body).await
}

async fn set_status(api: &Api, task: &Value, status: &str) -> (u16, Value) {
    let request =
        api.request(reqwest::Method::PATCH, &format!("/api/tasks/{}", task["id"])).json(&json!({"status": status}));
    api.send(request).await
}

async fn patch(api: &Api, path: &str, body: Value) -> (u16, Value) {
    api.send(api.request(reqwest::Method::PATCH, path).json(&body)).await
}

#[tokio::test]
async fn requirements_are_numbered_validated_listed_and_updated() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let r1 = admin
        .create(
            &format!("/api/projects/{project}/requirements"),
            json!({"title": "Login", "description": "People log in", "body": "# Login\n",
                   "resources": [{"kind": "link", "target": "https://example.org/spec", "title": "spec"},
                                 {"kind": "file", "target": "docs/login.md"}]}),
        )
        .await;
    assert_eq!((r1["handle"].as_str(), r1["status"].as_str()), (Some("R-1"), Some("active")));
    assert_eq!(r1["resources"].as_array().unwrap().len(), 2);
    let r2 = requirement(&admin, project, "Logout").await;
    assert_eq!(r2["handle"], "R-2");

    for (body, field) in [
        (json!({}), "title: is required"),
        (json!({"title": ""}), "title: must not be empty"),
        (json!({"title": "x", "status": "finished"}), "status: unknown variant"),
        (json!({"title": "x", "resources": [{"kind": "file", "target": "../../etc"}]}), "resources[0].target"),
        (json!({"title": "x", "resources": [{"kind": "video", "target": "a"}]}), "resources[0].kind"),
        (json!({"title": "x", "priority": 1}), "priority: is not a known field"),
    ] {
        let (status, value) = admin.post(&format!("/api/projects/{project}/requirements"), body.clone()).await;
        assert_eq!(status, 400, "{body}: {value}");
        assert!(message(&value).starts_with(field), "{body}: {value}");
    }

    let (status, done) =
        patch(&admin, &format!("/api/requirements/{}", r2["id"]), json!({"status": "done", "title": "Log out"})).await;
    assert_eq!((status, done["status"].as_str(), done["title"].as_str()), (200, Some("done"), Some("Log out")));
    assert_eq!(done["description"], "", "absent fields stay as they were");
    let active = admin.fetch(&format!("/api/projects/{project}/requirements?status=active")).await;
    let handles: Vec<&str> =
        active["items"].as_array().unwrap().iter().map(|r| r["handle"].as_str().unwrap()).collect();
    assert_eq!(handles, vec!["R-1"]);
    let (status, value) = admin.get(&format!("/api/projects/{project}/requirements?status=finished")).await;
    assert_eq!((status, code(&value)), (400, "invalid_parameter"));
    assert_eq!(admin.fetch(&format!("/api/requirements/{}", r1["id"])).await["title"], "Login");
}

#[tokio::test]
async fn tasks_depend_on_tasks_and_become_ready_when_those_are_done() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let r = requirement(&admin, project, "Search").await;
    let t1 = task(&admin, project, json!({"requirement_id": "R-1", "title": "Index"})).await;
    let t2 = task(&admin, project, json!({"requirement_id": r["id"], "title": "Query", "depends_on": ["T-1"]})).await;
    let t3 =
        task(&admin, project, json!({"requirement_id": "R-1", "title": "UI", "depends_on": [t1["id"], "T-2"]})).await;
    assert_eq!((t1["handle"].as_str(), t1["ready"].as_bool()), (Some("T-1"), Some(true)));
    assert_eq!((t2["ready"].as_bool(), t2["depends_on"].clone()), (Some(false), json!(["T-1"])));
    assert_eq!(t3["depends_on"], json!(["T-1", "T-2"]));
    assert_eq!(t3["requirement"], "R-1");

    let (status, value) = set_status(&admin, &t2, "in_progress").await;
    assert_eq!((status, code(&value)), (409, "conflict"), "T-2 waits for T-1");
    assert!(message(&value).contains("T-2 waits for T-1 (not done yet)"), "names what to finish: {value}");
    let (status, value) = set_status(&admin, &t3, "in_progress").await;
    assert_eq!(status, 409);
    assert!(message(&value).contains("T-3 waits for T-1, T-2 (not done yet)"), "names every open dependency: {value}");
    let ready = admin.fetch(&format!("/api/projects/{project}/tasks?ready=true")).await;
    assert_eq!(
        ready["items"].as_array().unwrap().iter().map(|t| t["handle"].clone()).collect::<Vec<_>>(),
        vec![json!("T-1")]
    );

    assert_eq!(set_status(&admin, &t1, "in_progress").await.0, 200);
    assert_eq!(set_status(&admin, &t1, "done").await.0, 200);
    let t2_now = admin.fetch(&format!("/api/tasks/{}", t2["id"])).await;
    assert_eq!(t2_now["ready"], true, "T-1 done → T-2 ready");
    assert_eq!(admin.fetch(&format!("/api/tasks/{}", t3["id"])).await["ready"], false, "T-3 still waits for T-2");

    // Reopening T-1 makes T-2 wait again; a done task cannot jump to blocked.
    let (status, value) = set_status(&admin, &t1, "blocked").await;
    assert_eq!((status, code(&value)), (409, "conflict"));
    assert_eq!(set_status(&admin, &t1, "todo").await.0, 200);
    assert_eq!(admin.fetch(&format!("/api/tasks/{}", t2["id"])).await["ready"], false);

    let of_r1 = admin.fetch(&format!("/api/projects/{project}/tasks?requirement=R-1")).await;
    assert_eq!(of_r1["items"].as_array().unwrap().len(), 3);
    let todo = admin.fetch(&format!("/api/projects/{project}/tasks?status=todo&limit=2")).await;
    assert_eq!(todo["items"].as_array().unwrap().len(), 2);
    assert!(todo["next_cursor"].is_string());
    for bad in ["ready=yes", "ready=false", "status=doing", "requirement=T-1", "requirement=R-99"] {
        let (status, value) = admin.get(&format!("/api/projects/{project}/tasks?{bad}")).await;
        assert_eq!((status, code(&value)), (400, "invalid_parameter"), "{bad}: {value}");
    }
}

#[tokio::test]
async fn cycles_foreign_dependencies_and_bad_references_are_refused() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let (_, other) = workspace_with_project(&admin).await;
    requirement(&admin, project, "A").await;
    requirement(&admin, other, "B").await;
    let t1 = task(&admin, project, json!({"requirement_id": "R-1", "title": "one"})).await;
    let t2 = task(&admin, project, json!({"requirement_id": "R-1", "title": "two", "depends_on": ["T-1"]})).await;
    let t3 = task(&admin, project, json!({"requirement_id": "R-1", "title": "three", "depends_on": ["T-2"]})).await;
    let foreign = task(&admin, other, json!({"requirement_id": "R-1", "title": "elsewhere"})).await;

    let (status, value) = patch(&admin, &format!("/api/tasks/{}", t1["id"]), json!({"depends_on": ["T-3"]})).await;
    assert_eq!(status, 400, "T-1 → T-3 → T-2 → T-1 is a cycle: {value}");
    assert!(message(&value).starts_with("depends_on: would make a cycle"));
    let (status, value) = patch(&admin, &format!("/api/tasks/{}", t1["id"]), json!({"depends_on": ["T-1"]})).await;
    assert!(status == 400 && message(&value).contains("itself"), "{value}");
    let (status, value) =
        patch(&admin, &format!("/api/tasks/{}", t3["id"]), json!({"depends_on": [foreign["id"]]})).await;
    assert!(status == 400 && message(&value).contains("not a task of this project"), "{value}");
    for (body, field) in [
        (json!({"requirement_id": "R-9", "title": "x"}), "requirement_id: R-9 is not a requirement"),
        (json!({"requirement_id": "T-1", "title": "x"}), "requirement_id: T-1 is not a requirement handle"),
        (json!({"requirement_id": "R-1", "title": "x", "depends_on": ["T-77"]}), "depends_on: T-77 is not a task"),
        (json!({"requirement_id": "R-1", "title": "x", "depends_on": ["R-1"]}), "depends_on: R-1 is not a task handle"),
        (json!({"requirement_id": "R-1", "title": "x", "status": "started"}), "status: unknown variant"),
        (json!({"requirement_id": "Q-1", "title": "x"}), "requirement_id: "),
    ] {
        let (status, value) = admin.post(&format!("/api/projects/{project}/tasks"), body.clone()).await;
        assert_eq!(status, 400, "{body}: {value}");
        assert!(message(&value).starts_with(field), "{body}: {value}");
    }
    let (status, value) = admin
        .post(
            &format!("/api/projects/{project}/tasks"),
            json!({"requirement_id": "R-1", "title": "x", "depends_on": ["T-3"], "status": "done"}),
        )
        .await;
    assert_eq!((status, code(&value)), (409, "conflict"), "cannot be created done while T-3 is not");
    // The valid change still works, and replaces the set.
    let (status, value) = patch(&admin, &format!("/api/tasks/{}", t3["id"]), json!({"depends_on": ["T-1"]})).await;
    assert_eq!((status, value["depends_on"].clone()), (200, json!(["T-1"])));
    assert_eq!(admin.fetch(&format!("/api/tasks/{}", t2["id"])).await["depends_on"], json!(["T-1"]));
}

#[tokio::test]
async fn twenty_concurrent_creates_get_twenty_distinct_gapless_handles_never_reused() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    requirement(&admin, project, "Load").await;
    let creates: Vec<_> = (0..20)
        .map(|i| {
            let admin = admin.clone();
            tokio::spawn(async move {
                task(&admin, project, json!({"requirement_id": "R-1", "title": format!("t{i}")})).await
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for c in creates {
        let t = c.await.unwrap();
        numbers.push(t["handle"].as_str().unwrap()[2..].parse::<u32>().unwrap());
    }
    numbers.sort();
    assert_eq!(numbers, (1..=20).collect::<Vec<_>>());
    let last = admin.fetch(&format!("/api/projects/{project}/items/T-20")).await;
    assert_eq!(admin.delete(&format!("/api/tasks/{}", last["id"])).await.0, 204);
    let next = task(&admin, project, json!({"requirement_id": "R-1", "title": "after delete"})).await;
    assert_eq!(next["handle"], "T-21", "a deleted number is never reused");
}

#[tokio::test]
async fn comments_are_appended_attributed_and_listed_oldest_first() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    requirement(&admin, project, "C").await;
    let t = task(&admin, project, json!({"requirement_id": "R-1", "title": "talk"})).await;
    let path = format!("/api/tasks/{}/comments", t["id"]);
    let first = admin.create(&path, json!({"body": "started; see PR #4"})).await;
    assert_eq!(first["author"], json!({"kind": "user", "id": first["author"]["id"], "name": "admin"}));
    admin.create(&path, json!({"body": "done"})).await;
    let list = admin.fetch(&path).await;
    let bodies: Vec<&str> = list["items"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, vec!["started; see PR #4", "done"]);
    let (status, value) = admin.post(&path, json!({"body": "  "})).await;
    assert_eq!((status, message(&value)), (400, "body: must not be empty"));
}

#[tokio::test]
async fn handles_resolve_through_the_items_endpoint() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    requirement(&admin, project, "I").await;
    task(&admin, project, json!({"requirement_id": "R-1", "title": "item"})).await;
    let r = admin.fetch(&format!("/api/projects/{project}/items/R-1")).await;
    assert_eq!((r["kind"].as_str(), r["title"].as_str()), (Some("requirement"), Some("I")));
    let t = admin.fetch(&format!("/api/projects/{project}/items/t-1")).await;
    assert_eq!((t["kind"].as_str(), t["handle"].as_str()), (Some("task"), Some("T-1")));
    assert_eq!(admin.get(&format!("/api/projects/{project}/items/T-2")).await.0, 404);
    assert_eq!(admin.get(&format!("/api/projects/{project}/items/W-1")).await.0, 400);
    assert_eq!(admin.get(&format!("/api/projects/{project}/items/nonsense")).await.0, 400);
}

#[tokio::test]
async fn deleting_a_requirement_deletes_its_tasks_and_comments_and_reports_each() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let doomed = requirement(&admin, project, "Doomed").await;
    requirement(&admin, project, "Kept").await;
    let a = task(&admin, project, json!({"requirement_id": "R-1", "title": "a"})).await;
    let b = task(&admin, project, json!({"requirement_id": "R-1", "title": "b", "depends_on": ["T-1"]})).await;
    let kept = task(&admin, project, json!({"requirement_id": "R-2", "title": "kept", "depends_on": ["T-1"]})).await;
    admin.create(&format!("/api/tasks/{}/comments", a["id"]), json!({"body": "note"})).await;
    let before = admin.fetch(&format!("/api/projects/{project}/events?limit=1000")).await["last_seq"].as_u64().unwrap();

    assert_eq!(admin.delete(&format!("/api/requirements/{}", doomed["id"])).await.0, 204);
    for t in [&a, &b] {
        assert_eq!(admin.get(&format!("/api/tasks/{}", t["id"])).await.0, 404);
        assert_eq!(admin.get(&format!("/api/tasks/{}/comments", t["id"])).await.0, 404);
    }
    let kept = admin.fetch(&format!("/api/tasks/{}", kept["id"])).await;
    assert_eq!((kept["depends_on"].clone(), kept["ready"].clone()), (json!([]), json!(true)), "released from T-1");

    let events = admin.fetch(&format!("/api/projects/{project}/events?after={before}")).await;
    let changes: Vec<(String, String, String)> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["entity"].as_str().unwrap().into(),
                e["action"].as_str().unwrap().into(),
                e["handle"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    let expected = |e: &str, h: &str| (e.to_owned(), "deleted".to_owned(), h.to_owned());
    assert!(changes.contains(&expected("task", "T-1")) && changes.contains(&expected("task", "T-2")), "{changes:?}");
    assert!(changes.contains(&expected("requirement", "R-1")), "{changes:?}");
}

#[tokio::test]
async fn the_project_stream_carries_every_change_live() {
    let admin = Api::admin();
    let (_, project) = workspace_with_project(&admin).await;
    let mut stream = SseReader::open(&admin, &format!("/api/projects/{project}/stream"), None).await;
    requirement(&admin, project, "Live").await;
    let t = task(&admin, project, json!({"requirement_id": "R-1", "title": "watch me"})).await;
    set_status(&admin, &t, "in_progress").await;
    admin.create(&format!("/api/tasks/{}/comments", t["id"]), json!({"body": "hi"})).await;
    admin.create("/api/sessions", json!({"project_id": project})).await;
    admin.delete(&format!("/api/tasks/{}", t["id"])).await;
    let frames = stream.take(6, Duration::from_secs(20)).await;
    let seen: Vec<String> = frames
        .iter()
        .map(|f| {
            assert_eq!(f.event, "change");
            let v: Value = serde_json::from_str(&f.data).unwrap();
            let field = |name: &str| v[name].as_str().unwrap_or("-").to_owned();
            let parent = ["requirement", "task", "session"].iter().find_map(|p| v[*p].as_str()).unwrap_or("-");
            format!("{} {} {} {parent} {}", field("entity"), field("action"), field("handle"), field("status"))
        })
        .collect();
    // Each names itself, its parent and (for a task) its new status (issue 14: a comment's
    // change carried its task as its own handle).
    assert_eq!(
        seen[..4],
        [
            "requirement created R-1 - -",
            "task created T-1 R-1 todo",
            "task updated T-1 R-1 in_progress",
            "comment created - T-1 -",
        ]
    );
    assert!(seen[4].starts_with("session created S-") && seen[4].ends_with(" - -"), "{}", seen[4]);
    assert_eq!(seen[5], "task deleted T-1 - -");
}

#[tokio::test]
async fn renames_clash_with_409_and_deletes_take_everything_inside() {
    let admin = Api::admin();
    let (ws, project) = workspace_with_project(&admin).await;
    let other = admin.create("/api/workspaces", json!({"name": unique("taken")})).await;
    let (status, value) = patch(&admin, &format!("/api/workspaces/{ws}"), json!({"name": other["name"]})).await;
    assert_eq!((status, code(&value)), (409, "conflict"));
    let new_name = unique("renamed");
    let (status, value) = patch(&admin, &format!("/api/workspaces/{ws}"), json!({"name": new_name})).await;
    assert_eq!((status, value["name"].as_str()), (200, Some(new_name.as_str())));

    admin.create("/api/projects", json!({"workspace_id": ws, "name": "second"})).await;
    let (status, _) = patch(&admin, &format!("/api/projects/{project}"), json!({"name": "SECOND"})).await;
    assert_eq!(status, 409, "project names are unique per workspace, case-insensitively");
    let (status, value) = patch(&admin, &format!("/api/projects/{project}"), json!({"name": "first"})).await;
    assert_eq!((status, value["name"].as_str()), (200, Some("first")));

    requirement(&admin, project, "gone soon").await;
    assert_eq!(admin.delete(&format!("/api/projects/{project}")).await.0, 204);
    assert_eq!(admin.get(&format!("/api/projects/{project}")).await.0, 404);
    assert_eq!(admin.delete(&format!("/api/workspaces/{ws}")).await.0, 204);
    assert_eq!(admin.get(&format!("/api/workspaces/{ws}")).await.0, 404);
}

#[tokio::test]
async fn members_lose_access_when_removed_and_members_cannot_administer() {
    let admin = Api::admin();
    let (ws, project) = workspace_with_project(&admin).await;
    let name = unique("temp");
    let member = new_member(&admin, &name).await;
    let added = admin.create(&format!("/api/workspaces/{ws}/members"), json!({"username": name})).await;
    let r = member.create(&format!("/api/projects/{project}/requirements"), json!({"title": "by a member"})).await;
    assert_eq!(r["handle"], "R-1");
    let (status, _) = member.send(member.request(reqwest::Method::DELETE, &format!("/api/workspaces/{ws}"))).await;
    assert_eq!(status, 403);
    let (status, _) = patch(&member, &format!("/api/workspaces/{ws}"), json!({"name": "mine"})).await;
    assert_eq!(status, 403);
    let members = admin.fetch(&format!("/api/workspaces/{ws}/members")).await;
    assert!(members["items"].as_array().unwrap().iter().any(|m| m["username"] == name.as_str()));
    let (status, value) = admin.post(&format!("/api/workspaces/{ws}/members"), json!({"username": name})).await;
    assert_eq!((status, code(&value)), (409, "conflict"));

    assert_eq!(admin.delete(&format!("/api/workspaces/{ws}/members/{}", added["user_id"])).await.0, 204);
    assert_eq!(member.get(&format!("/api/requirements/{}", r["id"])).await.0, 404);
    assert_eq!(member.get(&format!("/api/projects/{project}/tasks")).await.0, 404);
    assert_eq!(admin.delete(&format!("/api/workspaces/{ws}/members/{}", added["user_id"])).await.0, 404);
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_web_logins() {
    let admin = Api::admin();
    let name = unique("pw");
    let member = new_member(&admin, &name).await;
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let (status, _) = member.post("/api/auth/password", change("wrong password", "a brand new password")).await;
    assert_eq!(status, 403);
    let (status, value) = member.post("/api/auth/password", change("member password 123", "short")).await;
    assert_eq!((status, message(&value)), (400, "new_password: must be 10 to 256 characters"));
    let (status, changed) =
        member.post("/api/auth/password", change("member password 123", "a brand new password")).await;
    assert_eq!((status, changed["tokens_revoked"].as_u64()), (200, Some(0)), "API tokens stay unless asked");
    let login = |password: &'static str| {
        let admin = admin.clone();
        let name = name.clone();
        async move {
            admin.with_token(None).post("/api/auth/login", json!({"username": name, "password": password})).await.0
        }
    };
    assert_eq!(login("member password 123").await, 401);
    assert_eq!(login("a brand new password").await, 200);
    assert_eq!(member.get("/api/auth/me").await.0, 200, "API tokens survive a password change");
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let api = Api::admin().with_token(None);
    let doc = api.fetch("/api/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/tasks/{id}"]["patch"]["requestBody"].is_object());
}

#[tokio::test]
async fn no_list_reads_more_rows_than_its_page_plus_a_constant() {
    let admin = Api::admin();
    let (ws, project) = workspace_with_project(&admin).await;
    requirement(&admin, project, "Cost").await;
    for i in 0..12 {
        let deps = if i > 0 { json!([format!("T-{i}")]) } else { json!([]) };
        task(&admin, project, json!({"requirement_id": "R-1", "title": format!("c{i}"), "depends_on": deps})).await;
        requirement(&admin, project, &format!("r{i}")).await;
    }
    let t1 = admin.fetch(&format!("/api/projects/{project}/items/T-1")).await;
    for i in 0..12 {
        admin.create(&format!("/api/tasks/{}/comments", t1["id"]), json!({"body": format!("n{i}")})).await;
    }
    let page = 5;
    for path in [
        format!("/api/projects/{project}/tasks?limit={page}"),
        format!("/api/projects/{project}/tasks?limit={page}&status=todo"),
        format!("/api/projects/{project}/tasks?limit={page}&ready=true"),
        format!("/api/projects/{project}/tasks?limit={page}&requirement=R-1"),
        format!("/api/projects/{project}/requirements?limit={page}"),
        format!("/api/tasks/{}/comments?limit={page}", t1["id"]),
        format!("/api/workspaces/{ws}/projects?limit={page}"),
        format!("/api/tokens?limit={page}"),
    ] {
        let response = admin.request(reqwest::Method::GET, &path).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let read: usize = response.headers()["x-baton-d1-rows-read"].to_str().unwrap().parse().unwrap();
        assert!(read <= page + 1 + 6, "{path} read {read} rows for a page of {page}");
        assert!(read >= 1, "{path}: the meter reports reads");
    }
}

#[tokio::test]
async fn a_deleted_project_session_or_worker_never_lends_its_id_or_its_stream_and_takes_its_log_along() {
    let admin = Api::admin();
    let (ws, project) = e2e::api::workspace_with_project(&admin).await;
    let session = admin.create("/api/sessions", json!({"project_id": project})).await["id"].as_i64().unwrap();
    admin.create(&format!("/api/sessions/{session}/messages"), json!({"text": "secret of the old session"})).await;
    let mut watcher = SseReader::open(&admin, &format!("/api/sessions/{session}/stream"), None).await;
    watcher.take(2, Duration::from_secs(5)).await;
    assert_eq!(admin.delete(&format!("/api/sessions/{session}")).await.0, 204);
    assert!(
        watcher.ends_within(Duration::from_secs(5)).await,
        "deleting a session wipes its log and ends its watchers"
    );
    let next = admin.create("/api/sessions", json!({"project_id": project})).await["id"].as_i64().unwrap();
    assert!(next > session, "S-{next} after deleting S-{session}");
    let events = admin.fetch(&format!("/api/sessions/{next}/events")).await;
    assert!(!events.to_string().contains("secret of the old session"), "{events}");

    let worker = |name: &str| json!({"project_id": project, "machine_id": unique("m"), "name": name, "agent": "scripted", "base_branch": "main"});
    let first = admin.create("/api/workers", worker(&unique("w"))).await["worker"]["id"].as_i64().unwrap();
    assert_eq!(admin.delete(&format!("/api/workers/{first}")).await.0, 204);
    let second = admin.create("/api/workers", worker(&unique("w"))).await["worker"]["id"].as_i64().unwrap();
    assert!(second > first, "W-{second} after deleting W-{first}");

    assert_eq!(admin.delete(&format!("/api/projects/{project}")).await.0, 204);
    let again =
        admin.create("/api/projects", json!({"workspace_id": ws, "name": "proj"})).await["id"].as_i64().unwrap();
    assert!(again > project, "project {again} after deleting {project}");
    let changes = admin.fetch(&format!("/api/projects/{again}/events")).await;
    assert_eq!(
        changes["items"].as_array().unwrap().len(),
        0,
        "a new project starts with an empty change stream: {changes}"
    );
}
