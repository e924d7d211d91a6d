//! What a failed command reports, typed so that `--json` can say it as
//! `{"error": {"code", "message", "status", "hint"}}` on stderr: [`ApiFailure`] is an error
//! the server answered (its code and status), [`CliFailure`] one of the CLI's own with a code of
//! its own; [`report`] turns any error into that object, in one place. Text mode prints the
//! same message, with its hint.
//!
//! Not here: the texts themselves ([`crate::messages`]), and the exit codes (`main.rs`).

use std::fmt;

use protocol::error::ErrorCode;
use serde_json::{json, Value};

use crate::messages;

/// A request the server refused (or answered without its error envelope).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    /// What was attempted: `create workspace`.
    pub action: String,
    pub status: u16,
    /// The server's code; `None` when the answer had no JSON error body.
    pub code: Option<ErrorCode>,
    /// The server's message (or what was wrong with its answer).
    pub message: String,
    /// What to do next, when there is something to say.
    pub hint: Option<String>,
}

impl ApiFailure {
    pub fn new(action: &str, status: u16, code: ErrorCode, message: &str) -> Self {
        let message = match code {
            ErrorCode::InvalidField | ErrorCode::InvalidParameter => messages::with_flag_names(message),
            _ => message.to_owned(),
        };
        ApiFailure { action: action.into(), status, code: Some(code), message, hint: messages::api_hint(code) }
    }

    /// An answer without a JSON error body: the URL is probably not a baton server.
    pub fn not_json(action: &str, status: u16) -> Self {
        ApiFailure {
            action: action.into(),
            status,
            code: None,
            message: format!("the server answered {status} without a JSON body"),
            hint: Some("is --url a baton server?".into()),
        }
    }

    fn code_name(&self) -> String {
        match self.code {
            Some(code) => serde_json::to_value(code).ok().and_then(|v| v.as_str().map(str::to_owned)),
            None => Some("bad_response".into()),
        }
        .unwrap_or_else(|| "unknown".into())
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {} [{}]", self.action, self.message, self.status)?;
        match &self.hint {
            Some(hint) => write!(f, " ({hint})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for ApiFailure {}

/// A failure of the CLI's own (not the server's) that has a code worth telling scripts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliFailure {
    /// `usage`, `confirmation_required`, `unreachable`, `no_token`, `turn_failed`, `timeout`...
    pub code: &'static str,
    pub message: String,
}

impl CliFailure {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CliFailure { code, message: message.into() }
    }
}

impl fmt::Display for CliFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliFailure {}

/// The 403 in `err`, if it is one, to fit its hint to the caller
/// ([`messages::forbidden_hint`]).
pub fn forbidden(err: &mut anyhow::Error) -> Option<&mut ApiFailure> {
    err.downcast_mut::<ApiFailure>().filter(|f| f.status == 403)
}

/// `err` as `{"error": {"code", "message", "status", "hint"}}`: the server's code and status
/// for an [`ApiFailure`], the CLI's code and a null status otherwise (`io_error` for a file or
/// pipe, `invalid_input` for the rest: a bad argument, a name that matches nothing).
pub fn report(err: &anyhow::Error) -> Value {
    let (code, status, hint) = if let Some(api) = err.downcast_ref::<ApiFailure>() {
        (api.code_name(), Some(api.status), api.hint.clone())
    } else if let Some(cli) = err.chain().find_map(|c| c.downcast_ref::<CliFailure>()) {
        (cli.code.to_owned(), None, None)
    } else if err.chain().any(|c| c.is::<std::io::Error>()) {
        ("io_error".to_owned(), None, None)
    } else {
        ("invalid_input".to_owned(), None, None)
    };
    // The message without the hint, which has its own key.
    let mut message = format!("{err:#}");
    if let Some(h) = &hint {
        if let Some(cut) = message.strip_suffix(&format!(" ({h})")) {
            message = cut.to_owned();
        }
    }
    json!({"error": {"code": code, "message": message, "status": status, "hint": hint}})
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14: errors named API fields (`workspace_id`, `to.project`) an agent never typed.
    #[test]
    fn field_errors_name_the_flag_that_sets_the_field() {
        let message = |code, text: &str| ApiFailure::new("pass", 400, code, text).message;
        assert_eq!(
            message(ErrorCode::InvalidField, "to.project: must be a project id"),
            "--to (to.project): must be a project id"
        );
        assert_eq!(
            message(ErrorCode::InvalidParameter, "workspace_id: must be a positive integer id"),
            "--workspace (workspace_id): must be a positive integer id"
        );
        assert_eq!(
            message(ErrorCode::InvalidField, "webhook.secret: too short"),
            "--webhook-secret (webhook.secret): too short"
        );
        assert_eq!(
            message(ErrorCode::InvalidField, "name: must not be empty"),
            "name: must not be empty",
            "no flag of another name"
        );
        assert_eq!(message(ErrorCode::Conflict, "workspace_id: taken"), "workspace_id: taken", "only field errors");
    }
    use crate::messages::forbidden_hint;
    use anyhow::anyhow;
    use protocol::api::Role;

    #[test]
    fn a_server_error_reports_its_code_status_and_hint_apart_from_the_message() {
        let err = anyhow::Error::new(ApiFailure::new("create workspace", 404, ErrorCode::NotFound, "no such project"));
        let report = report(&err);
        assert_eq!(report["error"]["code"], "not_found");
        assert_eq!(report["error"]["status"], 404);
        assert_eq!(report["error"]["message"], "create workspace failed: no such project [404]");
        assert!(report["error"]["hint"].as_str().unwrap().contains("check the id"));
        // Text mode says the same with the hint.
        assert!(format!("{err:#}").ends_with(&format!("({})", report["error"]["hint"].as_str().unwrap())));
    }

    #[test]
    fn a_server_error_under_protocol_advice_keeps_its_code() {
        let err = anyhow::Error::new(ApiFailure::new("x", 409, ErrorCode::Conflict, "taken")).context("upgrade baton");
        let report = report(&err);
        assert_eq!(
            (report["error"]["code"].as_str(), report["error"]["status"].as_u64()),
            (Some("conflict"), Some(409))
        );
        assert_eq!(report["error"]["message"], "upgrade baton: x failed: taken [409]");
    }

    #[test]
    fn the_clis_own_failures_have_a_code_and_a_null_status() {
        let confirm = anyhow::Error::new(CliFailure::new("confirmation_required", "add --yes"));
        assert_eq!(
            report(&confirm),
            json!({"error": {"code": "confirmation_required", "message": "add --yes", "status": null, "hint": null}})
        );
        assert_eq!(report(&anyhow!("no project given"))["error"]["code"], "invalid_input");
        let io = anyhow::Error::new(std::io::Error::other("disk full")).context("cannot write x");
        assert_eq!(report(&io)["error"]["code"], "io_error");
        assert_eq!(report(&ApiFailure::not_json("get", 502).into())["error"]["code"], "bad_response");
    }

    #[test]
    fn a_403_hint_never_tells_an_admin_to_ask_an_admin() {
        assert!(!forbidden_hint(Some(Role::Admin)).contains("ask"));
        assert!(forbidden_hint(Some(Role::Member)).contains("ask"));
        assert!(forbidden_hint(None).contains("baton login"));
        let mut err = anyhow::Error::new(ApiFailure::new("add user", 403, ErrorCode::Forbidden, "admins only"));
        forbidden(&mut err).unwrap().hint = Some(forbidden_hint(Some(Role::Admin)));
        assert!(format!("{err:#}").contains("you are an admin"));
        let mut not_403 = anyhow::Error::new(ApiFailure::new("x", 404, ErrorCode::NotFound, "gone"));
        assert!(forbidden(&mut not_403).is_none());
    }
}
