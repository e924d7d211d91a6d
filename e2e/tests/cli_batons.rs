//! The handoff from the shell: `baton pass`, `catch` (with a pickup URL), `done`, `status`
//! and `batons ls`, JSON in and out, and the refusals an agent must be able to read.

use e2e::api::{new_member, unique, workspace_with_project, Api};
use e2e::cli::Baton;
use serde_json::{json, Value};

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A logged-in CLI for a new member of `workspace`.
async fn member_cli(admin: &Api, workspace: i64) -> (Baton, Api) {
    let name = unique("agent");
    let api = new_member(admin, &name).await;
    admin.create(&format!("/api/workspaces/{workspace}/members"), json!({"username": name})).await;
    let cli = Baton::new();
    cli.ok(&["login", "--url", &api.url, "--token", api.token.as_deref().unwrap()]);
    (cli, api)
}

#[tokio::test]
async fn two_agents_hand_work_over_with_the_cli() {
    let admin = Api::admin();
    let (ws, project) = workspace_with_project(&admin).await;
    let (passer, _) = member_cli(&admin, ws).await;
    let (catcher, _) = member_cli(&admin, ws).await;
    let files = tempfile::tempdir().unwrap();
    std::fs::write(files.path().join("out.json"), r#"{"diff": "+1 -1"}"#).unwrap();
    let out_arg = format!("@{}", files.path().join("out.json").display());

    let passed = parse(&passer.ok(&[
        "pass",
        "--task",
        "review the diff",
        "--output",
        &out_arg,
        "--context",
        "branch=fix-1",
        "--context",
        "retries=3",
        "--constraint",
        "max_minutes=30",
        "--ttl",
        "2h",
        "--json",
    ]));
    let id = passed["baton_id"].as_str().unwrap();
    let pickup = passed["pickup_url"].as_str().unwrap();

    let caught = parse(&catcher.ok(&["catch", pickup, "--lease", "10m", "--json"]));
    assert_eq!(caught["baton_id"], id);
    assert_eq!(caught["output"], json!({"diff": "+1 -1"}));
    assert_eq!(caught["context"], json!({"branch": "fix-1", "retries": 3}));
    assert_eq!(caught["constraints"], json!({"max_minutes": 30}));
    assert_eq!(caught["to"], Value::Null, "for any agent of the workspace");

    // One addressed to the project is for its workers alone, and the refusal says so.
    let addressed = parse(&passer.ok(&["pass", "--task", "for the workers", "--to", &project.to_string(), "--json"]));
    let refused = catcher.run(&["catch", addressed["baton_id"].as_str().unwrap()]);
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(refused.status.code() == Some(1) && why.contains("403") && why.contains("addressed"), "{why}");

    // A second catch is refused with a reason an agent can act on.
    let refused = passer.run(&["catch", id]);
    assert_eq!(refused.status.code(), Some(1));
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("409") && why.contains("lease"), "{why}");

    let human = catcher.ok(&["status", id]);
    assert!(human.contains("caught") && human.contains("review the diff"), "{human}");
    let done = parse(&catcher.ok(&["done", pickup, "--output", r#"{"approved": true}"#, "--json"]));
    assert_eq!((done["status"].clone(), done["result"].clone()), (json!("done"), json!({"approved": true})));
    let seen = parse(&passer.ok(&["status", pickup, "--json"]));
    assert_eq!(seen["result"], json!({"approved": true}));
    let listed = parse(&passer.ok(&["batons", "ls", "--status", "done", "--json"]));
    assert!(listed.as_array().unwrap().iter().any(|b| b["baton_id"] == id));
    assert!(passer.ok(&["batons", "ls"]).contains(id));
    let table = passer.ok(&["batons", "ls", "--workspace", &ws.to_string()]);
    assert!(table.contains("WORKSPACE") && table.contains(id), "{table}");
    let for_project = parse(&passer.ok(&["batons", "ls", "--project", &project.to_string(), "--json"]));
    let for_project: Vec<&str> =
        for_project.as_array().unwrap().iter().map(|b| b["baton_id"].as_str().unwrap()).collect();
    assert_eq!(for_project, [addressed["baton_id"].as_str().unwrap()], "only the one addressed to the project");

    let bad = passer.run(&["pass", "--task", "x", "--ttl", "5w"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unit"), "{}", String::from_utf8_lossy(&bad.stderr));
    // The server's bound, said in the CLI's terms (issue 14: it named ttl_seconds).
    let too_long = passer.run(&["pass", "--task", "x", "--ttl", "400d"]);
    let why = String::from_utf8_lossy(&too_long.stderr);
    assert!(too_long.status.code() == Some(1) && why.contains("--ttl (ttl_seconds): "), "{why}");
    let unknown = passer.run(&["status", "bt_aaaaaaaaaaaaaaaaaaaaaaaaaa"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("404"));
}
