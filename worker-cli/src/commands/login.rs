//! `baton login`: checks the server (its protocol version too) and the token, then saves them
//! to the config file. With `--username`, there is no token yet: it logs in with the password
//! (from `BATON_PASSWORD` or stdin, never argv), mints a personal token with that web login,
//! ends the web login, and saves the token the same way. This is how a second agent gets an
//! identity of its own.

use anyhow::{anyhow, bail, Context, Result};
use protocol::api::{CreateToken, LoginRequest, TokenCreated, User};
use reqwest::Method;
use serde_json::json;

use super::Env;
use crate::client::{self, Client};
use crate::config::Settings;
use crate::{config, output};

/// The web login cookie the server answers `POST /api/auth/login` with.
const LOGIN_COOKIE: &str = "baton_login";

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  baton login --url http://127.0.0.1:8787 --token btp_...\n  \
BATON_PASSWORD=... baton login --url https://baton.example.org --username agent-2\n  \
printf '%s\\n' \"$PASSWORD\" | baton login --url URL --username agent-2 --token-name ci\n\n\
With --username, the password comes from BATON_PASSWORD or the first line of stdin (never the\n\
command line); a new personal token is minted and saved, as with --token.")]
pub struct Args {
    /// Log in as this person with a password instead of a token, and mint a token for them
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,
    /// With --username: the name of the minted token (see `baton token ls`)
    #[arg(long, value_name = "NAME", requires = "username", default_value = "baton login")]
    pub token_name: String,
}

pub async fn run(args: &Args, env: &Env) -> Result<()> {
    let health = env.client.check_protocol().await?;
    let minted = match &args.username {
        Some(username) => {
            let password =
                password(std::env::var("BATON_PASSWORD").ok(), || std::io::read_to_string(std::io::stdin()))?;
            Some(mint(&env.client, username, &password, &args.token_name).await?)
        }
        None => None,
    };
    let settings = Settings {
        token: minted.as_ref().map(|t| t.token.clone()).or(env.settings.token.clone()),
        ..env.settings.clone()
    };
    let client = Client::new(&settings)?;
    let me: User = client.get("log in", "/api/auth/me").await?;
    let path = config::path()?;
    let mut file = config::load(&path)?;
    file.url = Some(settings.url.clone());
    file.token = settings.token.clone();
    config::save(&path, &file)?;
    if env.json {
        output::json(&json!({
            "url": settings.url,
            "user": me,
            "server_version": health.version,
            "config": path,
            "token_id": minted.as_ref().map(|t| t.id),
        }))?;
    } else {
        let minted = minted.map(|t| format!(" Minted token {} \"{}\".", t.id, t.name)).unwrap_or_default();
        output::line(&format!(
            "Logged in to {} as {} ({:?}).{minted} Saved to {}.",
            settings.url,
            me.username,
            me.role,
            path.display()
        ))?;
    }
    Ok(())
}

/// The password: `BATON_PASSWORD` when set, else the first line of what `stdin` reads.
pub fn password(from_env: Option<String>, stdin: impl FnOnce() -> std::io::Result<String>) -> Result<String> {
    let password = match from_env.filter(|p| !p.is_empty()) {
        Some(p) => p,
        None => stdin().context("cannot read the password from stdin")?.lines().next().unwrap_or("").to_owned(),
    };
    if password.is_empty() {
        bail!("no password: set BATON_PASSWORD or pipe it on stdin (it never goes on the command line)");
    }
    Ok(password)
}

/// The value of the login cookie among `set-cookie` headers.
pub fn login_cookie<'a>(set_cookies: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    set_cookies.into_iter().find_map(|header| {
        let first = header.split(';').next()?.trim();
        let (name, value) = first.split_once('=')?;
        (name.trim() == LOGIN_COOKIE && !value.is_empty()).then_some(value)
    })
}

/// Logs in as `username`, mints a token named `name` with that web login, then ends it.
async fn mint(client: &Client, username: &str, password: &str, name: &str) -> Result<TokenCreated> {
    let body = LoginRequest { username: username.into(), password: password.into() };
    let response = client.send(client.request_without_token(Method::POST, "/api/auth/login").json(&body)).await?;
    if !response.status().is_success() {
        return Err(client::error_of(&format!("log in as {username}"), response).await);
    }
    let headers = response.headers().get_all("set-cookie");
    let cookie = login_cookie(headers.iter().filter_map(|h| h.to_str().ok()))
        .map(|value| format!("{LOGIN_COOKIE}={value}"))
        .ok_or_else(|| {
            anyhow!("log in as {username}: the server answered no login cookie; is --url a baton server?")
        })?;
    let create = CreateToken { name: name.into(), expires_in_days: None, workspace_id: None, project_id: None };
    let request = client.request_without_token(Method::POST, "/api/tokens").header("cookie", &cookie).json(&create);
    let created = client::decode("mint a token", client.send(request).await?).await;
    // The web login was only the way to the token: end it, whatever came of the token.
    let logout = client.request_without_token(Method::POST, "/api/auth/logout").header("cookie", &cookie);
    let _ = client.send(logout).await;
    created
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_comes_from_the_environment_or_the_first_line_of_stdin() {
        assert_eq!(password(Some("s3cret".into()), || panic!("stdin is not read")).unwrap(), "s3cret");
        assert_eq!(password(None, || Ok("from-pipe\r\nignored\n".into())).unwrap(), "from-pipe");
        assert_eq!(password(Some(String::new()), || Ok("p\n".into())).unwrap(), "p");
        assert!(password(None, || Ok(String::new())).unwrap_err().to_string().contains("BATON_PASSWORD"));
    }

    #[test]
    fn the_login_cookie_is_found_among_set_cookie_headers() {
        let headers = ["other=1; Path=/", "baton_login=bwl_abc; Path=/; HttpOnly; Secure; SameSite=Strict"];
        assert_eq!(login_cookie(headers), Some("bwl_abc"));
        assert_eq!(login_cookie(["baton_login=; Max-Age=0"]), None);
        assert_eq!(login_cookie([]), None);
    }

    #[test]
    fn login_takes_a_username_but_never_a_password_flag() {
        use clap::Parser;
        let parse = |args: &[&str]| crate::cli::Cli::try_parse_from([&["baton", "login"], args].concat());
        assert!(parse(&["--url", "http://x", "--username", "agent-2"]).is_ok());
        assert!(parse(&["--username", "agent-2", "--password", "p"]).is_err());
        assert!(parse(&["--token-name", "ci"]).is_err(), "--token-name goes with --username");
    }
}
