//! `baton channel`: rooms of a workspace where agents and people talk (create, list, join,
//! say, listen). `listen` follows the room's stream, resumes after drops without losing or
//! repeating a message, and, given `--as NAME`, keeps the name present with a heartbeat.

use std::time::Duration;

use anyhow::{anyhow, Result};
use protocol::api::Page;
use protocol::api::ShareMode;
use protocol::channel::{
    Channel, ChannelInvite, ChannelMember, CreateChannel, CreateChannelInvite, JoinChannel, MemberKind,
    PostChannelMessage,
};
use protocol::event::EventBody;
use reqwest::Method;
use serde_json::Value;

use super::{confirm, Env};
use crate::watch::Follower;
use crate::{output, resolve};

/// How often `listen --as NAME` says the name is still there (the server forgets it after 90 s).
const HEARTBEAT: Duration = Duration::from_secs(30);

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a room in a workspace
    #[command(after_help = "Example:\n  baton channel create review-42 --topic 'Review PR 42 together'")]
    Create {
        name: String,
        /// What the room is for
        #[arg(long)]
        topic: Option<String>,
        /// The workspace (name or id) [default: the default project's]
        #[arg(long, short)]
        workspace: Option<String>,
        /// Private delivery: a message --to some names reaches only them (and you)
        #[arg(long)]
        private: bool,
    },
    /// List a workspace's rooms
    Ls {
        /// The workspace (name or id) [default: the default project's]
        #[arg(long, short)]
        workspace: Option<String>,
    },
    /// Show a room
    Get { channel: i64 },
    /// Delete a room, its names and its messages (its creator or an admin)
    Rm {
        channel: i64,
        /// Really delete it
        #[arg(long)]
        yes: bool,
    },
    /// Take a name in a room (again: you are still there)
    #[command(after_help = "Example:\n  baton channel join 3 reviewer --kind agent")]
    Join {
        channel: i64,
        name: String,
        /// agent or human [default: agent inside a session, else human]
        #[arg(long, value_parser = kind_parser())]
        kind: Option<MemberKind>,
    },
    /// Give a name back
    Leave { channel: i64, name: String },
    /// Who is in a room, and who is here now
    Members { channel: i64 },
    /// Say something in a room, as a name you hold
    #[command(
        after_help = "Example:\n  baton channel say 3 --as reviewer --to author 'Line 12 leaks the handle. [done]'"
    )]
    Say {
        channel: i64,
        /// The name you speak as
        #[arg(long = "as", value_name = "NAME")]
        from: String,
        /// Who it is for (comma-separated names; everyone still sees it unless the room is private)
        #[arg(long, value_delimiter = ',')]
        to: Vec<String>,
        /// A file to send with it (repeat for several; at most 10 MiB each)
        #[arg(long = "attach", value_name = "FILE")]
        attach: Vec<std::path::PathBuf>,
        /// The message (several arguments are joined with spaces)
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Follow a room live, resuming after drops; --json prints one event per line
    #[command(after_help = "Example:\n  baton channel listen 3 --as reviewer --for reviewer --json")]
    Listen {
        channel: i64,
        /// Keep this name present while listening
        #[arg(long = "as", value_name = "NAME")]
        name: Option<String>,
        /// Only what concerns this name (to everyone, to it, from it)
        #[arg(long = "for", value_name = "NAME")]
        reader: Option<String>,
        /// Start after this event (default: the beginning)
        #[arg(long, default_value_t = 0)]
        after: u64,
    },
    /// Let an outsider into one room: prints a token (shown once) for them to use as --token
    #[command(after_help = "Example:\n  baton channel invite 3 --write --expires-in-hours 24\n\n\
The outsider then runs, e.g.: baton --token btc_... channel listen 3 --json")]
    Invite {
        channel: i64,
        /// Also join and speak (default: read and follow only)
        #[arg(long)]
        write: bool,
        /// The invite stops working after this many hours [default: until revoked]
        #[arg(long, value_name = "HOURS", value_parser = clap::value_parser!(u32).range(1..=8760))]
        expires_in_hours: Option<u32>,
    },
    /// List a room's live invites (never their tokens)
    Invites { channel: i64 },
    /// Revoke an invite: its token opens nothing any more
    Uninvite {
        channel: i64,
        /// The invite's id (see `baton channel invites`)
        invite: i64,
    },
    /// Print the protocol text for agents (paste it into a prompt)
    Protocol,
}

fn kind_parser() -> impl clap::builder::TypedValueParser<Value = MemberKind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["agent", "human"]).map(|name| {
        if name == "human" {
            MemberKind::Human
        } else {
            MemberKind::Agent
        }
    })
}

async fn workspace_id(env: &Env, given: Option<&str>) -> Result<i64> {
    match given {
        Some(w) => Ok(resolve::workspace(&env.client, w).await?.id),
        None => Ok(env
            .project(None, None)
            .await
            .map_err(|_| {
                anyhow!("no workspace given: pass --workspace NAME, or set a default project with `baton use NAME`")
            })?
            .workspace_id),
    }
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    let c = &env.client;
    match command {
        Command::Create { name, topic, workspace, private } => {
            let ws = workspace_id(env, workspace.as_deref()).await?;
            let body = CreateChannel { name: name.clone(), topic: topic.clone(), private: Some(*private) };
            let ch: Channel = c.post("create channel", &format!("/api/workspaces/{ws}/channels"), &body).await?;
            env.print(&ch, |ch| {
                format!("Channel {} ({}) created: join it with `baton channel join {} NAME`.", ch.id, ch.name, ch.id)
            })
        }
        Command::Ls { workspace } => {
            let ws = workspace_id(env, workspace.as_deref()).await?;
            let all: Vec<Channel> =
                resolve::all_pages(c, "list channels", &format!("/api/workspaces/{ws}/channels")).await?;
            env.print_table(&all, &["ID", "NAME", "TOPIC"], |ch| {
                vec![ch.id.to_string(), ch.name.clone(), output::ellipsize(&ch.topic, 60)]
            })
        }
        Command::Get { channel } => {
            let ch: Channel = c.get("get channel", &format!("/api/channels/{channel}")).await?;
            env.print(&ch, |ch| format!("{} {}\n{}", ch.id, ch.name, ch.topic))
        }
        Command::Rm { channel, yes } => {
            confirm(*yes, &format!("channel {channel} and its messages"))?;
            c.delete("delete channel", &format!("/api/channels/{channel}")).await?;
            env.print(&serde_json::json!({"deleted": channel}), |_| format!("Channel {channel} deleted."))
        }
        Command::Join { channel, name, kind } => {
            let m: ChannelMember = c
                .put("join channel", &format!("/api/channels/{channel}/members/{name}"), &JoinChannel { kind: *kind })
                .await?;
            env.print(&m, |m| format!("You are {} in channel {channel}.", m.name))
        }
        Command::Leave { channel, name } => {
            c.delete("leave channel", &format!("/api/channels/{channel}/members/{name}")).await?;
            env.print(&serde_json::json!({"left": name}), |_| format!("{name} left channel {channel}."))
        }
        Command::Members { channel } => {
            let page: Page<ChannelMember> = members(env, *channel).await?;
            env.print_table(&page.items, &["NAME", "KIND", "HERE", "LAST SEEN"], |m| {
                vec![
                    m.name.clone(),
                    m.kind.as_str().into(),
                    if m.online { "yes" } else { "no" }.into(),
                    m.last_seen.clone(),
                ]
            })
        }
        Command::Say { channel, from, to, attach, text } => {
            let mut attachments = Vec::new();
            for file in attach {
                attachments.push(super::session::upload_to(env, &format!("/api/channels/{channel}"), file).await?.id);
            }
            let body = PostChannelMessage { from: from.clone(), text: text.join(" "), to: to.clone(), attachments };
            let stored: Value = c.post("say", &format!("/api/channels/{channel}/messages"), &body).await?;
            env.print(&stored, |s| format!("Said as {from} (#{}).", s["seq"]))
        }
        Command::Listen { channel, name, reader, after } => {
            listen(env, *channel, name.as_deref(), reader.as_deref(), *after).await
        }
        Command::Invite { channel, write, expires_in_hours } => {
            let body = CreateChannelInvite {
                mode: if *write { ShareMode::Write } else { ShareMode::Read },
                expires_in_s: expires_in_hours.map(|h| h * 3600),
            };
            let invite: ChannelInvite = c.post("invite", &format!("/api/channels/{channel}/invites"), &body).await?;
            env.print(&invite, |i| {
                format!(
                    "Invite {} ({}) to channel {channel}; its token, shown only now:\n{}",
                    i.id,
                    if *write { "read and write" } else { "read only" },
                    i.token.as_deref().unwrap_or_default()
                )
            })
        }
        Command::Invites { channel } => {
            let value: Value = c.get("list invites", &format!("/api/channels/{channel}/invites")).await?;
            let items: Vec<ChannelInvite> = serde_json::from_value(value["items"].clone())?;
            env.print_table(&items, &["ID", "MODE", "CREATED", "EXPIRES"], |i| {
                let mode = if i.mode == ShareMode::Write { "write" } else { "read" };
                vec![
                    i.id.to_string(),
                    mode.into(),
                    i.created_at.clone(),
                    i.expires_at.clone().unwrap_or_else(|| "-".into()),
                ]
            })
        }
        Command::Uninvite { channel, invite } => {
            c.delete("revoke invite", &format!("/api/channels/{channel}/invites/{invite}")).await?;
            env.print(&serde_json::json!({"revoked": invite}), |_| format!("Invite {invite} revoked."))
        }
        Command::Protocol => {
            let text = c.send(c.request(Method::GET, "/api/channels/help")?).await?.text().await?;
            output::raw_line(text.trim_end())?;
            Ok(())
        }
    }
}

async fn members(env: &Env, channel: i64) -> Result<Page<ChannelMember>> {
    let value: Value = env.client.get("list members", &format!("/api/channels/{channel}/members")).await?;
    Ok(Page { items: serde_json::from_value(value["items"].clone())?, next_cursor: None })
}

async fn listen(env: &Env, channel: i64, name: Option<&str>, reader: Option<&str>, after: u64) -> Result<()> {
    let mut follower = Follower::new(env.client.clone(), format!("/api/channels/{channel}/stream"), after);
    let mut beat = tokio::time::interval(HEARTBEAT);
    loop {
        tokio::select! {
            _ = beat.tick(), if name.is_some() => {
                let name = name.unwrap_or_default();
                let path = format!("/api/channels/{channel}/members/{name}");
                // A missed heartbeat is retried on the next tick; the server keeps the name 90 s.
                let _: Result<Value> = env.client.put("heartbeat", &path, &JoinChannel::default()).await;
            }
            received = follower.next() => {
                let received = received?;
                if reader.is_some_and(|r| !protocol::channel::concerns(&received.event.body, r)) {
                    continue;
                }
                if env.json {
                    output::raw_line(&received.raw)?;
                } else if let Some(line) = line_of(received.event.seq, &received.event.body) {
                    output::line(&line)?;
                }
            }
        }
    }
}

fn line_of(seq: u64, body: &EventBody) -> Option<String> {
    match body {
        EventBody::ChannelMessage { from, to, text, attachments, .. } => {
            let to = if to.is_empty() { String::new() } else { format!(" → {}", to.join(", ")) };
            let files: String = attachments.iter().map(|a| format!(" [file {}: {}]", a.id, a.filename)).collect();
            Some(format!("#{seq} {from}{to}: {text}{files}"))
        }
        EventBody::MemberJoined { name, kind } => Some(format!("#{seq} {name} joined ({})", kind.as_str())),
        EventBody::MemberLeft { name } => Some(format!("#{seq} {name} left")),
        _ => None,
    }
}
