//! `baton relay`: a private line between two agents. `host` opens it, prints the join string
//! to hand over, and listens; the other side `send`s and `listen`s with that string. Every
//! call carries the line's token (never this machine's login); the line closes after its idle
//! time without a message. `listen` replays the last 200 messages, then follows live.

use anyhow::{anyhow, Result};
use protocol::channel::{CreateRelay, JoinChannel, PostChannelMessage, Relay};
use protocol::event::EventBody;
use serde_json::Value;

use super::Env;
use crate::client::Client;
use crate::output;
use crate::watch::Follower;

/// Messages a listener gets again when it (re)connects.
const HISTORY: u64 = 200;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Open a line: prints the join string for the other agent, then listens
    #[command(
        after_help = "Example:\n  baton relay host --idle-minutes 30\n\nHand the printed relay:... string to the other agent; it runs\n  baton relay send relay:... 'hello'    and    baton relay listen relay:..."
    )]
    Host {
        /// The workspace (id) [default: a session's own; else required]
        #[arg(long)]
        workspace: Option<i64>,
        /// Close the line after this many minutes without a message
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=1440))]
        idle_minutes: u32,
    },
    /// Say something on a line, as the peer (the host speaks with --as host)
    Send {
        /// The join string the host printed (relay:ID:TOKEN)
        join: String,
        /// Speak as this name [default: peer]
        #[arg(long = "as", default_value = "peer")]
        name: String,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Follow a line: the last 200 messages, then live; --json prints one event per line
    Listen {
        join: String,
        /// Hold this name while listening [default: peer]
        #[arg(long = "as", default_value = "peer")]
        name: String,
    },
}

/// The room and the token of a join string.
pub fn parse_join(join: &str) -> Result<(i64, String)> {
    let rest = join
        .trim()
        .strip_prefix("relay:")
        .ok_or_else(|| anyhow!("a join string starts with relay: (the host prints it)"))?;
    let (id, token) = rest.split_once(':').ok_or_else(|| anyhow!("a join string is relay:ID:TOKEN"))?;
    let id: i64 = id.parse().map_err(|_| anyhow!("{id:?} is not a relay's id"))?;
    if !token.starts_with("btc_") {
        return Err(anyhow!("the token of a join string starts with btc_"));
    }
    Ok((id, token.to_owned()))
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Host { workspace, idle_minutes } => {
            let body = CreateRelay { workspace_id: *workspace, idle_s: Some(idle_minutes * 60) };
            let relay: Relay = env.client.post("open relay", "/api/relays", &body).await?;
            if env.json {
                output::raw_line(&serde_json::to_string(&relay)?)?;
            } else {
                output::note(&format!("Hand this to the other agent (it is the line's key):\n{}", relay.join));
            }
            listen(env, &relay.join, "host").await
        }
        Command::Send { join, name, text } => {
            let (id, client) = line(env, join)?;
            enter(&client, id, name).await?;
            let body = PostChannelMessage {
                from: name.clone(),
                text: text.join(" "),
                to: Vec::new(),
                attachments: Vec::new(),
            };
            let stored: Value = client.post("send", &format!("/api/channels/{id}/messages"), &body).await?;
            env.print(&stored, |s| format!("Sent (#{}).", s["seq"]))
        }
        Command::Listen { join, name } => listen(env, join, name).await,
    }
}

fn line(env: &Env, join: &str) -> Result<(i64, Client)> {
    let (id, token) = parse_join(join)?;
    Ok((id, env.client.with_token(&token)))
}

/// Takes (or keeps) `name` on the line.
async fn enter(client: &Client, id: i64, name: &str) -> Result<()> {
    let _: Value = client.put("join", &format!("/api/channels/{id}/members/{name}"), &JoinChannel::default()).await?;
    Ok(())
}

async fn listen(env: &Env, join: &str, name: &str) -> Result<()> {
    let (id, client) = line(env, join)?;
    enter(&client, id, name).await?;
    let newest: Value = client.get("read", &format!("/api/channels/{id}/messages?limit=1")).await?;
    let after = newest["last_seq"].as_u64().unwrap_or(0).saturating_sub(HISTORY);
    let mut follower = Follower::new(client, format!("/api/channels/{id}/stream"), after);
    loop {
        let received = follower.next().await?;
        if env.json {
            output::raw_line(&received.raw)?;
        } else if let EventBody::ChannelMessage { from, text, .. } = &received.event.body {
            output::line(&format!("#{} {from}: {text}", received.event.seq))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_string_names_the_line_and_its_token() {
        assert_eq!(parse_join("relay:12:btc_abc").unwrap(), (12, "btc_abc".to_owned()));
        for bad in ["12:btc_abc", "relay:x:btc_abc", "relay:12:btp_abc", "relay:12"] {
            assert!(parse_join(bad).is_err(), "{bad}");
        }
    }
}
