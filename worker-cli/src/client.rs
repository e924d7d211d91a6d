//! The HTTP client of the API: JSON in and out, the error envelope turned into messages that
//! say what to do next. Every command and the stream follower go through it.

use anyhow::{anyhow, Result};
use protocol::error::ErrorBody;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::Settings;
use crate::messages;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
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
        Ok(Client { http, base: settings.url.clone(), token: settings.token.clone() })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// A request to `path` (starting with `/api/`), with the token when there is one.
    pub fn request(&self, method: Method, path: &str) -> Result<RequestBuilder> {
        let token = self.token.as_deref().ok_or_else(|| anyhow!(messages::no_token(&self.base)))?;
        Ok(self.http.request(method, format!("{}{path}", self.base)).bearer_auth(token))
    }

    /// Sends a request; a transport failure says how to reach the server.
    pub async fn send(&self, builder: RequestBuilder) -> Result<Response> {
        builder.send().await.map_err(|e| anyhow!(messages::unreachable(&self.base, &transport_cause(&e))))
    }

    pub async fn get<T: DeserializeOwned>(&self, action: &str, path: &str) -> Result<T> {
        let response = self.send(self.request(Method::GET, path)?).await?;
        decode(action, response).await
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(&self, action: &str, path: &str, body: &B) -> Result<T> {
        let response = self.send(self.request(Method::POST, path)?.json(body)).await?;
        decode(action, response).await
    }

    pub async fn patch<B: Serialize, T: DeserializeOwned>(&self, action: &str, path: &str, body: &B) -> Result<T> {
        let response = self.send(self.request(Method::PATCH, path)?.json(body)).await?;
        decode(action, response).await
    }

    /// A DELETE that answers a body (`{"revoked": n}`).
    pub async fn delete_with<T: DeserializeOwned>(&self, action: &str, path: &str) -> Result<T> {
        let response = self.send(self.request(Method::DELETE, path)?).await?;
        decode(action, response).await
    }

    pub async fn delete(&self, action: &str, path: &str) -> Result<()> {
        let response = self.send(self.request(Method::DELETE, path)?).await?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(error_of(action, response).await)
    }
}

/// Parses a success body, or turns an error envelope into a message.
pub async fn decode<T: DeserializeOwned>(action: &str, response: Response) -> Result<T> {
    if !response.status().is_success() {
        return Err(error_of(action, response).await);
    }
    let status = response.status();
    let bytes = response.bytes().await?;
    serde_json::from_slice(&bytes).map_err(|_| anyhow!(messages::not_json(action, status.as_u16())))
}

/// The message for a non-success response.
pub async fn error_of(action: &str, response: Response) -> anyhow::Error {
    let status = response.status();
    let bytes = response.bytes().await.unwrap_or_default();
    match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(body) => anyhow!(messages::api_error(action, status.as_u16(), body.error.code, &body.error.message)),
        Err(_) => anyhow!(messages::not_json(action, status.as_u16())),
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
