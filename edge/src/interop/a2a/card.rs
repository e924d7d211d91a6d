//! The agent cards: what an outside A2A agent reads before it sends work. Pure.
//!
//! `/.well-known/agent-card.json` describes the deployment (work sent there is a baton of the
//! token's workspace that any of its agents may catch); `/a2a/projects/:id/...` and
//! `/a2a/workers/:id/...` describe one project or one worker, whose interface URL addresses
//! the baton to it, so an outside agent that knows only that URL needs nothing of baton.

use serde_json::{json, Value};

/// The extension that numbers stream events and resumes after `Last-Event-ID` (see
/// [`super::task`]).
pub const RESUME_EXTENSION: &str = "urn:baton:a2a:stream-resume:1";

/// Who a card speaks for, named for people and agents.
pub struct Speaker<'a> {
    pub name: String,
    pub description: String,
    /// The JSON-RPC endpoint work sent to it goes to.
    pub url: &'a str,
}

pub fn card(speaker: &Speaker, version: &str) -> Value {
    json!({
        "name": speaker.name,
        "description": speaker.description,
        "version": version,
        "supportedInterfaces": [{"url": speaker.url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
        "capabilities": {
            "streaming": true,
            "pushNotifications": true,
            "extensions": [{
                "uri": RESUME_EXTENSION,
                "description": "Every streamed event carries a per-task number (its SSE id and metadata.baton.seq); \
                    SubscribeToTask with the header Last-Event-ID: N sends exactly the events after N.",
                "required": false,
            }],
        },
        "securitySchemes": {
            "bearer": {"httpAuthSecurityScheme": {"scheme": "Bearer", "description": "a baton API token (personal, or a session's)"}},
        },
        "securityRequirements": [{"schemes": {"bearer": {"list": []}}}],
        "defaultInputModes": ["text/plain", "application/json"],
        "defaultOutputModes": ["text/plain", "application/json"],
        "skills": [{
            "id": "coding-work",
            "name": "Coding work on a repository",
            "description": "A coding agent (Claude Code, Codex, ...) on a worker machine does the work described \
                in the message in its own git worktree and answers with its final message.",
            "tags": ["coding", "git", "handoff"],
            "examples": ["In crates/parser, make parse_expr accept trailing commas, add a test, and reply with its name."],
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_offers_json_rpc_at_its_url_with_bearer_auth_and_the_resume_extension() {
        let speaker = Speaker { name: "baton".into(), description: "d".into(), url: "https://b.test/a2a/workers/2" };
        let c = card(&speaker, "0.1.0");
        assert_eq!(c["supportedInterfaces"][0]["protocolBinding"], "JSONRPC", "exactly as clients match it");
        assert_eq!(c["supportedInterfaces"][0]["url"], "https://b.test/a2a/workers/2");
        assert_eq!(c["securitySchemes"]["bearer"]["httpAuthSecurityScheme"]["scheme"], "Bearer");
        assert!(c["securityRequirements"][0]["schemes"]["bearer"].is_object());
        assert_eq!(c["capabilities"]["extensions"][0]["uri"], RESUME_EXTENSION);
    }
}
