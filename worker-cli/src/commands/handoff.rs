//! `baton pass|catch|done|fail|heartbeat|cancel|status` and `baton batons ls`: the handoff
//! API from the shell. Every command takes a baton id or its whole pickup URL, prints the
//! record (`--json` for scripts: the API's JSON as is), and exits 1 with the server's reason
//! when a move is refused (409 held by another lease, 410 expired).
//!
//! JSON values on the command line: `--output` takes `@file`, `-` (stdin) or the text itself;
//! text that parses as JSON is that JSON, plain text is a JSON string, and text that looks like
//! JSON (starts with `{`, `[` or `"`, or is `true`, `false`, `null` or a number) but does not
//! parse is refused with the parse error rather than sent as a string nobody meant.
//! `--output-text` sends any text as a string. `--context k=v` values follow the same rule, so
//! `--context retries=3` is a number, `--context branch=main` a string, and `--context
//! 'q="{x"'` the string `{x`.

use std::collections::BTreeMap;
use std::io::Read;

use anyhow::{bail, Context, Result};
use protocol::baton::{
    Baton, BatonId, BatonStatus, BatonTarget, Caught, Fail, Finish, Heartbeat, PassBaton, Passed, WebhookSpec,
};
use protocol::handle::{Handle, HandleKind};
use serde_json::{Map, Value};

use super::Env;
use crate::failure::ApiFailure;
use crate::{client, output, resolve};

const PASS_EXAMPLES: &str = "\
Examples:
  baton pass --task 'Review the retry logic in src/net.rs' --context branch=fix-retries
  baton pass --task 'Write the release notes' --output @changes.json --to W-2 --ttl 2h
  baton pass --task 'Triage new issues' --to web --json | jq -r .pickup_url";

#[derive(Debug, clap::Args)]
#[command(after_help = PASS_EXAMPLES)]
pub struct PassArgs {
    /// What the next agent should do
    #[arg(long)]
    task: String,
    /// What you hand over, any JSON: @file, - for stdin, or the text (refused when it looks
    /// like JSON but does not parse)
    #[arg(long, value_name = "JSON")]
    output: Option<String>,
    /// What you hand over, as a JSON string, whatever the text
    #[arg(long, value_name = "TEXT", conflicts_with = "output")]
    output_text: Option<String>,
    /// Context entries, KEY=VALUE (repeatable); a value that parses as JSON is JSON
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// Constraints for the catcher, KEY=VALUE (repeatable)
    #[arg(long = "constraint", value_name = "KEY=VALUE")]
    constraints: Vec<String>,
    /// Send it to a worker (W-2) or to a project's workers (name or id)
    #[arg(long, value_name = "W-N|PROJECT")]
    to: Option<String>,
    /// Time to live: 90s, 30m, 2h, 7d or seconds [default: 24h]
    #[arg(long, value_name = "DURATION")]
    ttl: Option<String>,
    /// The workspace of an unaddressed baton, when your token reaches several
    #[arg(long)]
    workspace: Option<String>,
    /// Makes retrying safe: the same key and body give the same baton
    #[arg(long, value_name = "KEY")]
    idempotency_key: Option<String>,
    /// POST the finished baton here, signed with --webhook-secret
    #[arg(long, value_name = "URL", requires = "webhook_secret")]
    webhook: Option<String>,
    /// HMAC-SHA256 secret of the webhook (16+ bytes)
    #[arg(long, env = "BATON_WEBHOOK_SECRET", hide_env_values = true, requires = "webhook")]
    webhook_secret: Option<String>,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  baton catch bt_... --lease 10m --json > baton.json")]
pub struct CatchArgs {
    /// The baton id or its pickup URL
    baton: String,
    /// How long the lease holds before someone else may catch it: 30s, 10m, 1h [default: 5m]
    #[arg(long, value_name = "DURATION")]
    lease: Option<String>,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  baton done bt_... --output '{\"pr\": 42}'\n  baton done bt_... --output @result.json"
)]
pub struct DoneArgs {
    /// The baton id or its pickup URL
    baton: String,
    /// Your result, any JSON: @file, - for stdin, or the text (refused when it looks like JSON
    /// but does not parse)
    #[arg(long, value_name = "JSON")]
    output: Option<String>,
    /// Your result as a JSON string, whatever the text
    #[arg(long, value_name = "TEXT", conflicts_with = "output")]
    output_text: Option<String>,
    /// The lease token from catch: refuses the done if a newer attempt took over
    #[arg(long, value_name = "TOKEN")]
    lease_token: Option<String>,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  baton fail bt_... --error 'the repository is archived'")]
pub struct FailArgs {
    /// The baton id or its pickup URL
    baton: String,
    /// What went wrong, for the passer
    #[arg(long)]
    error: String,
    #[arg(long, value_name = "TOKEN")]
    lease_token: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct HeartbeatArgs {
    /// The baton id or its pickup URL
    baton: String,
    /// Extend the lease to this long from now [default: 5m]
    #[arg(long, value_name = "DURATION")]
    lease: Option<String>,
    #[arg(long, value_name = "TOKEN")]
    lease_token: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct IdArgs {
    /// The baton id or its pickup URL
    baton: String,
}

#[derive(Debug, clap::Subcommand)]
pub enum BatonsCommand {
    /// List the batons you may see, oldest first
    #[command(after_help = "Examples:\n  baton batons ls --status pending\n  \
baton batons ls --workspace acme --project web --status caught")]
    Ls {
        /// pending, caught, done, failed, cancelled or expired
        #[arg(long)]
        status: Option<String>,
        /// Only this workspace's batons (name or id)
        #[arg(long, short)]
        workspace: Option<String>,
        /// Only the batons for this project or its workers (name or id)
        #[arg(long, short)]
        project: Option<String>,
    },
}

/// Seconds in `90s`, `30m`, `2h`, `7d` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<i64> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: i64 = digits.parse().with_context(|| format!("{text:?} is not a duration like 90s, 30m, 2h or 7d"))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => bail!("{text:?}: the unit must be s, m, h or d"),
    };
    n.checked_mul(scale).filter(|s| *s > 0).with_context(|| format!("{text:?} must be a positive duration"))
}

/// `--output` or `--output-text`, whichever was given.
fn output_value(output: Option<&str>, text: Option<&str>) -> Result<Option<Value>> {
    match (output, text) {
        (_, Some(text)) => Ok(Some(Value::String(text.to_owned()))),
        (Some(output), None) => json_value(output).map(Some),
        (None, None) => Ok(None),
    }
}

/// A JSON value from the command line: `@file`, `-` for stdin, or the text (see
/// `loose_json`).
pub fn json_value(text: &str) -> Result<Value> {
    let raw = if let Some(path) = text.strip_prefix('@') {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?
    } else if text == "-" {
        let mut all = String::new();
        std::io::stdin().read_to_string(&mut all).context("cannot read stdin")?;
        all
    } else {
        return loose_json(text).map_err(|why| {
            anyhow::anyhow!("--output {why}; for any text as a string, use --output-text TEXT instead")
        });
    };
    serde_json::from_str(&raw).with_context(|| format!("{text} does not hold JSON"))
}

/// Text that parses as JSON is that JSON; plain text is a string; text that looks like JSON
/// but does not parse is an error quoting the parse error.
fn loose_json(text: &str) -> Result<Value, String> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(e) if looks_like_json(text) => Err(format!("{text:?} looks like JSON but does not parse ({e})")),
        Err(_) => Ok(Value::String(text.to_owned())),
    }
}

/// Whether text was probably meant as JSON: an object, array or string, a literal, a number.
fn looks_like_json(text: &str) -> bool {
    let t = text.trim();
    let number = t.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
        && t.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        && t.parse::<f64>().is_ok();
    t.starts_with(['{', '[', '"']) || matches!(t, "true" | "false" | "null") || number
}

/// `KEY=VALUE` pairs as a JSON object.
pub fn pairs(flag: &str, list: &[String]) -> Result<Option<Map<String, Value>>> {
    if list.is_empty() {
        return Ok(None);
    }
    let mut map = BTreeMap::new();
    for item in list {
        let Some((k, v)) = item.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            bail!("--{flag} {item:?}: write KEY=VALUE");
        };
        let value = loose_json(v).map_err(|why| {
            anyhow::anyhow!(
                "--{flag} {}: {why}; to send it as text, quote it as a JSON string: {}='\"...\"'",
                k.trim(),
                k.trim()
            )
        })?;
        map.insert(k.trim().to_owned(), value);
    }
    Ok(Some(map.into_iter().collect()))
}

async fn target(env: &Env, to: &str) -> Result<BatonTarget> {
    if let Ok(handle) = to.parse::<Handle>() {
        if handle.kind == HandleKind::Worker {
            return Ok(BatonTarget { project: None, worker: Some(Value::String(handle.to_string())) });
        }
    }
    let project = resolve::project(&env.client, to, None).await?;
    Ok(BatonTarget { project: Some(Value::from(project.id)), worker: None })
}

pub async fn pass(args: &PassArgs, env: &Env) -> Result<()> {
    let workspace_id = match &args.workspace {
        Some(w) => Some(resolve::workspace(&env.client, w).await?.id),
        None => None,
    };
    let body = PassBaton {
        task: args.task.clone(),
        output: output_value(args.output.as_deref(), args.output_text.as_deref())?,
        context: pairs("context", &args.context)?,
        constraints: pairs("constraint", &args.constraints)?,
        ttl_seconds: args.ttl.as_deref().map(parse_duration).transpose()?,
        to: match &args.to {
            Some(to) => Some(target(env, to).await?),
            None => None,
        },
        workspace_id,
        webhook: match (&args.webhook, &args.webhook_secret) {
            (Some(url), Some(secret)) => Some(WebhookSpec { url: url.clone(), secret: secret.clone() }),
            _ => None,
        },
    };
    let mut request = env.client.request(reqwest::Method::POST, "/api/pass")?.json(&body);
    if let Some(key) = &args.idempotency_key {
        request = request.header("idempotency-key", key);
    }
    let passed: Passed = client::decode("pass the baton", env.client.send(request).await?).await?;
    env.print(&passed, |p| format!("Passed {} (expires {})\npickup: {}", p.baton_id, p.expires_at, p.pickup_url))
}

/// The API path of a move on the baton `given` (an id or a pickup URL), or why it names none.
fn path(verb: &str, given: &str) -> Result<String> {
    let id =
        BatonId::from_input(given).map_err(|why| anyhow::anyhow!("{why}: pass the id (bt_...) or the pickup URL"))?;
    Ok(format!("/api/{verb}/{id}"))
}

pub async fn catch(args: &CatchArgs, env: &Env) -> Result<()> {
    let mut url = path("catch", &args.baton)?;
    if let Some(lease) = &args.lease {
        url.push_str(&format!("?lease_seconds={}", parse_duration(lease)?));
    }
    let caught: Caught = env.client.get("catch the baton", &url).await?;
    env.print(&caught, |c| {
        format!(
            "{}\nlease until {} (attempt {}); finish with `baton done {} --output ...`",
            describe(&c.baton),
            c.lease.expires_at,
            c.baton.attempt,
            c.baton.baton_id
        )
    })
}

pub async fn done(args: &DoneArgs, env: &Env) -> Result<()> {
    let body = Finish {
        output: output_value(args.output.as_deref(), args.output_text.as_deref())?,
        lease_token: args.lease_token.clone(),
    };
    let baton: Baton = env.client.post("finish the baton", &path("done", &args.baton)?, &body).await?;
    env.print(&baton, describe)
}

pub async fn fail(args: &FailArgs, env: &Env) -> Result<()> {
    let body = Fail { error: args.error.clone(), lease_token: args.lease_token.clone() };
    let baton: Baton = env.client.post("fail the baton", &path("fail", &args.baton)?, &body).await?;
    env.print(&baton, describe)
}

pub async fn heartbeat(args: &HeartbeatArgs, env: &Env) -> Result<()> {
    let body = Heartbeat {
        lease_token: args.lease_token.clone(),
        lease_seconds: args.lease.as_deref().map(parse_duration).transpose()?,
    };
    let baton: Baton = env.client.post("extend the lease", &path("heartbeat", &args.baton)?, &body).await?;
    env.print(&baton, describe)
}

pub async fn cancel(args: &IdArgs, env: &Env) -> Result<()> {
    let baton: Baton = env.client.post("cancel the baton", &path("cancel", &args.baton)?, &Value::Null).await?;
    env.print(&baton, describe)
}

pub async fn status(args: &IdArgs, env: &Env) -> Result<()> {
    let baton: Baton = env.client.get("read the baton", &path("status", &args.baton)?).await?;
    env.print(&baton, describe)
}

pub async fn batons(command: &BatonsCommand, env: &Env) -> Result<()> {
    let BatonsCommand::Ls { status, workspace, project } = command;
    let mut filters = Vec::new();
    if let Some(s) = status {
        let s = BatonStatus::parse(s)
            .with_context(|| format!("--status {s:?}: use pending, caught, done, failed, cancelled or expired"))?;
        filters.push(format!("status={}", s.as_str()));
    }
    if let Some(w) = workspace {
        filters.push(format!("workspace_id={}", resolve::workspace(&env.client, w).await?.id));
    }
    if let Some(p) = project {
        filters.push(format!("project_id={}", resolve::project(&env.client, p, workspace.as_deref()).await?.id));
    }
    let url = if filters.is_empty() { "/api/batons".to_owned() } else { format!("/api/batons?{}", filters.join("&")) };
    let all: Vec<Baton> = resolve::all_pages(&env.client, "list batons", &url).await?;
    // Names, not ids, for the workspace column: one list of what the caller sees. A token
    // refused the list (a worker's) sees ids instead; any other failure is reported.
    let workspaces: Vec<protocol::api::Workspace> = if env.json || all.is_empty() {
        Vec::new()
    } else {
        match resolve::all_pages(&env.client, "list workspaces", "/api/workspaces").await {
            Ok(workspaces) => workspaces,
            Err(err) if err.downcast_ref::<ApiFailure>().is_some_and(|f| matches!(f.status, 403 | 404)) => Vec::new(),
            Err(err) => return Err(err),
        }
    };
    let workspace_name =
        |id: i64| workspaces.iter().find(|w| w.id == id).map_or_else(|| id.to_string(), |w| w.name.clone());
    env.print_table(&all, &["BATON", "STATUS", "WORKSPACE", "TO", "ATTEMPT", "CAUGHT BY", "EXPIRES", "TASK"], |b| {
        vec![
            b.baton_id.clone(),
            b.status.as_str().to_owned(),
            workspace_name(b.workspace_id),
            target_label(b.to.as_ref()),
            b.attempt.to_string(),
            b.caught_by.as_ref().map_or("-".into(), |p| p.name.clone()),
            b.expires_at.clone(),
            output::ellipsize(&b.task, 50),
        ]
    })
}

/// Where a baton was sent: `W-2`, `project 7`, or `-` for anyone in the workspace.
fn target_label(to: Option<&BatonTarget>) -> String {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    match to {
        Some(BatonTarget { worker: Some(w), .. }) => {
            let w = text(w);
            if w.starts_with("W-") {
                w
            } else {
                format!("W-{w}")
            }
        }
        Some(BatonTarget { project: Some(p), .. }) => format!("project {}", text(p)),
        _ => "-".into(),
    }
}

/// A baton for people: what, where it stands, and what came back.
fn describe(b: &Baton) -> String {
    let mut lines = vec![format!("{}  {}  (attempt {})", b.baton_id, b.status.as_str(), b.attempt), b.task.clone()];
    if let Some(by) = &b.caught_by {
        lines.push(format!("caught by {} ({})", by.name, by.kind));
    }
    if let (BatonStatus::Caught, Some(until)) = (b.status, &b.lease_expires_at) {
        lines.push(format!("lease until {until}"));
    }
    if let Some(session) = b.session_id {
        lines.push(format!("running in session S-{session}"));
    }
    if !b.result.is_null() {
        lines.push(format!("result: {}", b.result));
    }
    if let Some(error) = &b.error {
        lines.push(format!("error: {error}"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batons_target_reads_as_a_handle_or_a_project() {
        let to = |v: serde_json::Value| serde_json::from_value::<BatonTarget>(v).unwrap();
        assert_eq!(target_label(Some(&to(serde_json::json!({"worker": "W-2"})))), "W-2");
        assert_eq!(target_label(Some(&to(serde_json::json!({"worker": 2})))), "W-2");
        assert_eq!(target_label(Some(&to(serde_json::json!({"project": 7})))), "project 7");
        assert_eq!(target_label(None), "-");
    }

    #[test]
    fn durations_take_units_or_plain_seconds() {
        assert_eq!(parse_duration("90").unwrap(), 90);
        assert_eq!(parse_duration("90s").unwrap(), 90);
        assert_eq!(parse_duration("30m").unwrap(), 1800);
        assert_eq!(parse_duration("2h").unwrap(), 7200);
        assert_eq!(parse_duration("7d").unwrap(), 604_800);
        for bad in ["", "h", "0", "5w", "-3m", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn command_line_values_are_json_when_they_parse_and_strings_otherwise() {
        assert_eq!(json_value("3").unwrap(), Value::from(3));
        assert_eq!(json_value(r#"{"a":[1]}"#).unwrap(), serde_json::json!({"a": [1]}));
        assert_eq!(json_value("main").unwrap(), Value::from("main"));
        assert!(json_value("@/nonexistent/file.json").is_err());
        assert_eq!(json_value("3 files changed").unwrap(), Value::from("3 files changed"));
        assert_eq!(json_value("1.2.3").unwrap(), Value::from("1.2.3"));
    }

    #[test]
    fn text_that_looks_like_json_but_does_not_parse_is_refused_with_the_parse_error() {
        for bad in [r#"{"pr": 42"#, "[1, 2", r#""unterminated"#, "{pr: 42}", "01", "+3", "1."] {
            let err = json_value(bad).unwrap_err().to_string();
            assert!(err.contains("does not parse") && err.contains("--output-text"), "{bad}: {err}");
        }
        let err = pairs("context", &["q={x".into()]).unwrap_err().to_string();
        assert!(err.starts_with("--context q: ") && err.contains("line 1"), "{err}");
        assert_eq!(pairs("context", &[r#"q="{x""#.into()]).unwrap().unwrap()["q"], Value::from("{x"));
    }

    #[test]
    fn output_text_is_always_a_string() {
        assert_eq!(output_value(None, Some("{not json")).unwrap(), Some(Value::from("{not json")));
        assert_eq!(output_value(Some("true"), None).unwrap(), Some(Value::Bool(true)));
        assert_eq!(output_value(None, None).unwrap(), None);
        use clap::Parser;
        let both = crate::cli::Cli::try_parse_from(["baton", "done", "bt_1", "--output", "1", "--output-text", "x"]);
        assert!(both.is_err(), "--output and --output-text exclude each other");
        assert!(crate::cli::Cli::try_parse_from(["baton", "pass", "--task", "t", "--output-text", "{x"]).is_ok());
    }

    #[test]
    fn pairs_build_an_object_and_refuse_what_is_not_key_value() {
        let map = pairs("context", &["branch=main".into(), "retries=3".into(), "flags=a=b".into()]).unwrap().unwrap();
        assert_eq!(map["branch"], Value::from("main"));
        assert_eq!(map["retries"], Value::from(3));
        assert_eq!(map["flags"], Value::from("a=b"));
        assert!(pairs("context", &["novalue".into()]).is_err());
        assert!(pairs("context", &["=x".into()]).is_err());
        assert_eq!(pairs("context", &[]).unwrap(), None);
    }
}
