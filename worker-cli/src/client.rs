//! The HTTP client of the API: JSON in and out, the error envelope turned into messages that
//! say what to do next. Every command and the stream follower go through it. It also asks the
//! server's protocol version: up front for [`Client::check_protocol`], and once after the
//! first failed call otherwise (see [`crate::protocol_version`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{anyhow, Result};
use protocol::api::Health;
use protocol::error::ErrorBody;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::Settings;
use crate::failure::{ApiFailure, CliFailure};
use crate::messages;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// Whether the protocol version was already asked after a failure (shared by clones).
    asked_version: Arc<AtomicBool>,
}

impl Client {
    /// A client of `settings.url`, refused when plain http would expose the token
    /// ([`crate::config::check_url`]).
    pub fn new(settings: &Settings) -> Result<Self> {
        crate::config::check_url(&settings.url, settings.insecure)?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("baton/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Client { http, base: settings.url.clone(), token: settings.token.clone(), asked_version: Arc::default() })
    }

    /// The same server with another token (a relay line's key), sharing the connection pool.
    pub fn with_token(&self, token: &str) -> Client {
        Client { token: Some(token.to_owned()), ..self.clone() }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// A request to `path` (starting with `/api/`), with the token when there is one.
    pub fn request(&self, method: Method, path: &str) -> Result<RequestBuilder> {
        let token = self.token.as_deref().ok_or_else(|| CliFailure::new("no_token", messages::no_token(&self.base)))?;
        Ok(self.http.request(method, format!("{}{path}", self.base)).bearer_auth(token))
    }

    /// A request to `path` without the token: logging in with a password, where the
    /// credential is the caller's to add.
    pub fn request_without_token(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// Sends a request; a transport failure says how to reach the server.
    pub async fn send(&self, builder: RequestBuilder) -> Result<Response> {
        builder
            .send()
            .await
            .map_err(|e| CliFailure::new("unreachable", messages::unreachable(&self.base, &transport_cause(&e))).into())
    }

    pub async fn get<T: DeserializeOwned>(&self, action: &str, path: &str) -> Result<T> {
        let response = self.send(self.request(Method::GET, path)?).await?;
        self.answer(decode(action, response).await).await
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(&self, action: &str, path: &str, body: &B) -> Result<T> {
        let response = self.send(self.request(Method::POST, path)?.json(body)).await?;
        self.answer(decode(action, response).await).await
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(&self, action: &str, path: &str, body: &B) -> Result<T> {
        let response = self.send(self.request(Method::PUT, path)?.json(body)).await?;
        self.answer(decode(action, response).await).await
    }

    pub async fn patch<B: Serialize, T: DeserializeOwned>(&self, action: &str, path: &str, body: &B) -> Result<T> {
        let response = self.send(self.request(Method::PATCH, path)?.json(body)).await?;
        self.answer(decode(action, response).await).await
    }

    /// A DELETE that answers a body (`{"revoked": n}`).
    pub async fn delete_with<T: DeserializeOwned>(&self, action: &str, path: &str) -> Result<T> {
        let response = self.send(self.request(Method::DELETE, path)?).await?;
        self.answer(decode(action, response).await).await
    }

    pub async fn delete(&self, action: &str, path: &str) -> Result<()> {
        let response = self.send(self.request(Method::DELETE, path)?).await?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(self.explain(error_of(action, response).await).await)
    }

    /// `GET /api/health`, which needs no token.
    pub async fn health(&self) -> Result<Health> {
        let response = self.send(self.http.get(format!("{}/api/health", self.base))).await?;
        if !response.status().is_success() {
            return Err(error_of("check the server", response).await);
        }
        response.json().await.map_err(|_| anyhow!(messages::not_a_baton_server(&self.base)))
    }

    /// The server's health, or an error saying which side to upgrade when it speaks another
    /// protocol version.
    pub async fn check_protocol(&self) -> Result<Health> {
        let health = self.health().await?;
        match crate::protocol_version::mismatch(&self.base, health.protocol, protocol::PROTOCOL_VERSION) {
            Some(advice) => Err(anyhow!(advice)),
            None => Ok(health),
        }
    }

    async fn answer<T>(&self, decoded: Result<T>) -> Result<T> {
        match decoded {
            Ok(value) => Ok(value),
            Err(err) => Err(self.explain(err).await),
        }
    }

    /// An error the server answered, with the upgrade advice in front when the server speaks
    /// another protocol version. Asked once per process, and only after a failure.
    async fn explain(&self, err: anyhow::Error) -> anyhow::Error {
        if self.asked_version.swap(true, Ordering::Relaxed) {
            return err;
        }
        let Ok(health) = self.health().await else { return err };
        match crate::protocol_version::mismatch(&self.base, health.protocol, protocol::PROTOCOL_VERSION) {
            Some(advice) => err.context(advice),
            None => err,
        }
    }
}

/// Parses a success body, or turns an error envelope into a message.
pub async fn decode<T: DeserializeOwned>(action: &str, response: Response) -> Result<T> {
    if !response.status().is_success() {
        return Err(error_of(action, response).await);
    }
    let status = response.status();
    let bytes = response.bytes().await?;
    serde_json::from_slice(&bytes).map_err(|_| ApiFailure::not_json(action, status.as_u16()).into())
}

/// The message for a non-success response.
pub async fn error_of(action: &str, response: Response) -> anyhow::Error {
    let status = response.status();
    let bytes = response.bytes().await.unwrap_or_default();
    match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(body) => ApiFailure::new(action, status.as_u16(), body.error.code, &body.error.message).into(),
        Err(_) => ApiFailure::not_json(action, status.as_u16()).into(),
    }
}

/// Whether an HTTP status is worth retrying (the server or a proxy is having a moment).
pub fn retryable(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

fn transport_cause(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "connection refused or unreachable".into()
    } else if e.is_timeout() {
        "timed out".into()
    } else {
        e.to_string()
    }
}
