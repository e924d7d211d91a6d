//! `baton user add|ls|disable|enable` (admins) and `baton user passwd` (yourself).
//!
//! Passwords never go on the command line, where `ps` and shell history would show them: they
//! come from `BATON_PASSWORD` (the current one) and `BATON_NEW_PASSWORD`, or from stdin.

use anyhow::{bail, Result};
use protocol::api::{ChangePassword, CreateUser, PasswordChanged, Role, UpdateUser, User};

use super::Env;
use crate::resolve;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add a person; the password is read from BATON_NEW_PASSWORD or stdin, never argv
    #[command(
        after_help = "Example:\n  printf '%s' \"$PASSWORD\" | baton user add ada\n  BATON_NEW_PASSWORD=... baton user add ada --admin"
    )]
    Add {
        /// Their username (letters, digits, '.', '_', '-')
        username: String,
        /// Make them an admin
        #[arg(long)]
        admin: bool,
    },
    /// List people
    Ls,
    /// Disable a person: their API tokens, web logins and workers stop working at once
    #[command(after_help = "Example:\n  baton user disable ada --yes\n  baton user enable ada")]
    Disable {
        /// Their username or id
        user: String,
        #[arg(long)]
        yes: bool,
    },
    /// Enable a disabled person again: their API tokens and workers work again (web logins
    /// stay ended: they sign in again)
    Enable {
        /// Their username or id
        user: String,
    },
    /// Change your password; both come from BATON_PASSWORD and BATON_NEW_PASSWORD, or stdin
    /// (the current one on the first line, the new one on the second), never argv
    #[command(
        after_help = "Example:\n  printf '%s\\n%s\\n' \"$OLD\" \"$NEW\" | baton user passwd --revoke-tokens\n  \
BATON_PASSWORD=... BATON_NEW_PASSWORD=... baton user passwd\n\n\
Your other web logins end. With --revoke-tokens every API token of yours stops working too,\n\
the one this CLI uses included: mint a new one in the web UI, or with another login."
    )]
    Passwd {
        /// Also revoke every API token of yours (for a password that may have leaked with them)
        #[arg(long)]
        revoke_tokens: bool,
    },
}

fn new_password() -> Result<String> {
    if let Ok(p) = std::env::var("BATON_NEW_PASSWORD") {
        return Ok(p);
    }
    let text = std::io::read_to_string(std::io::stdin())?;
    let password = text.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("no password: pipe it on stdin or set BATON_NEW_PASSWORD (it never goes on the command line)");
    }
    Ok(password)
}

/// The current and the new password: each from its variable when set, the rest from the
/// lines of stdin in that order (read only when needed).
pub fn passwords(
    current: Option<String>,
    new: Option<String>,
    stdin: impl FnOnce() -> std::io::Result<String>,
) -> Result<(String, String)> {
    let text = if current.is_some() && new.is_some() { String::new() } else { stdin()? };
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r').to_owned());
    let current = current.or_else(|| lines.next()).filter(|p| !p.is_empty());
    let new = new.or_else(|| lines.next()).filter(|p| !p.is_empty());
    match (current, new) {
        (Some(current), Some(new)) => Ok((current, new)),
        _ => bail!(
            "change password needs the current and the new password: set BATON_PASSWORD and BATON_NEW_PASSWORD, \
             or pipe them on stdin, one a line, the current one first (never on the command line)"
        ),
    }
}

pub async fn run(command: &Command, env: &Env) -> Result<()> {
    match command {
        Command::Add { username, admin } => {
            let body = CreateUser {
                username: username.clone(),
                password: new_password()?,
                role: if *admin { Role::Admin } else { Role::Member },
            };
            let user: User = env.client.post("add user", "/api/users", &body).await?;
            env.print(&user, |u| format!("Added {} ({:?}, id {}).", u.username, u.role, u.id))
        }
        Command::Ls => {
            let all: Vec<User> = resolve::all_pages(&env.client, "list users", "/api/users").await?;
            env.print_table(&all, &["ID", "USERNAME", "ROLE", "STATE", "CREATED"], |u| {
                vec![
                    u.id.to_string(),
                    u.username.clone(),
                    format!("{:?}", u.role).to_lowercase(),
                    if u.disabled { "disabled".into() } else { "active".into() },
                    u.created_at.clone(),
                ]
            })
        }
        Command::Disable { user, yes } => {
            if !yes {
                bail!(
                    "this disables {user}: their API tokens, web logins and workers stop working at once \
                     (`baton user enable` undoes it): add --yes to confirm"
                );
            }
            let u = resolve::user(&env.client, user).await?;
            let body = UpdateUser { disabled: Some(true) };
            let u: User = env.client.patch("disable user", &format!("/api/users/{}", u.id), &body).await?;
            env.print(&u, |u| {
                format!("Disabled {}: their API tokens, web logins and workers stopped working.", u.username)
            })
        }
        Command::Enable { user } => {
            let u = resolve::user(&env.client, user).await?;
            let body = UpdateUser { disabled: Some(false) };
            let u: User = env.client.patch("enable user", &format!("/api/users/{}", u.id), &body).await?;
            env.print(&u, |u| {
                format!(
                    "Enabled {}: their API tokens and workers work again; they sign in to the web again.",
                    u.username
                )
            })
        }
        Command::Passwd { revoke_tokens } => {
            let (current_password, new_password) =
                passwords(std::env::var("BATON_PASSWORD").ok(), std::env::var("BATON_NEW_PASSWORD").ok(), || {
                    std::io::read_to_string(std::io::stdin())
                })?;
            let body = ChangePassword { current_password, new_password, revoke_tokens: *revoke_tokens };
            let changed: PasswordChanged = env.client.post("change password", "/api/auth/password", &body).await?;
            env.print(&changed, |c| {
                let tokens = if *revoke_tokens {
                    format!(
                        "; revoked {} API token(s), this CLI's included: mint a new one and `baton login` with it",
                        c.tokens_revoked
                    )
                } else {
                    String::new()
                };
                format!("Password changed; ended {} other web login(s){tokens}.", c.logins_ended)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_come_from_the_environment_or_stdin_never_argv() {
        let never = || -> std::io::Result<String> { panic!("stdin read although both variables were set") };
        assert_eq!(passwords(Some("old".into()), Some("new".into()), never).unwrap(), ("old".into(), "new".into()));
        let stdin = || Ok("old pass\r\nnew pass\n".to_owned());
        assert_eq!(passwords(None, None, stdin).unwrap(), ("old pass".into(), "new pass".into()));
        // One variable set: stdin gives the other.
        assert_eq!(passwords(Some("old".into()), None, || Ok("new\n".into())).unwrap(), ("old".into(), "new".into()));
        assert_eq!(passwords(None, Some("new".into()), || Ok("old\n".into())).unwrap(), ("old".into(), "new".into()));
        let err = passwords(None, None, || Ok("only one\n".into())).unwrap_err().to_string();
        assert!(err.contains("BATON_NEW_PASSWORD") && err.contains("never on the command line"), "{err}");
        assert!(passwords(Some(String::new()), Some("new".into()), never).is_err());
    }
}
