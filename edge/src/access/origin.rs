//! Origins: which origin is this server's, for the URLs it hands out (pickup URLs, GitHub
//! webhook URLs, webhook payloads), and whether a cookie-carrying request comes from it.
//!
//! The public origin is the configured `BATON_PUBLIC_URL`, never the request's `Host` header:
//! a caller choosing the host would choose where a pickup URL or a webhook URL points. Only a
//! request to a loopback host (local development) may stand in for it when it is not set.
//!
//! A state change authenticated by the web login cookie must come from the app itself:
//! browsers say where a request comes from in `Sec-Fetch-Site` (and `Origin`), and a request
//! from another site is refused. Bearer tokens are never sent by a browser on its own, so
//! they need no such check. Pure rules; the adapters read headers and variables.

use worker::Request;

use crate::http::error::{ApiError, ApiResult};
use crate::platform::bindings;
use crate::platform::context::Ctx;

/// The origin to name in URLs handed out, from the configured value or, for a loopback
/// request in development only, the request's own.
pub fn choose(configured: Option<&str>, request: &url::Url) -> Result<String, &'static str> {
    if let Some(text) = configured.map(str::trim).filter(|t| !t.is_empty()) {
        return match url::Url::parse(text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                Ok(url.origin().ascii_serialization())
            }
            _ => Err("BATON_PUBLIC_URL is not an http(s) URL: fix the variable (wrangler.toml [vars])"),
        };
    }
    if is_loopback(request) {
        Ok(request.origin().ascii_serialization())
    } else {
        Err("this deployment has no BATON_PUBLIC_URL: set it (wrangler.toml [vars]) to the URL people reach it at")
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// This server's public origin (see [`choose`]).
pub fn public(ctx: &Ctx, req: &Request) -> ApiResult<String> {
    let configured = ctx.env.var(bindings::PUBLIC_URL).ok().map(|v| v.to_string());
    choose(configured.as_deref(), &req.url()?).map_err(ApiError::internal_config)
}

/// Whether a request that carries the login cookie comes from another site: by
/// `Sec-Fetch-Site` where the browser sends it (`same-origin`, or `none` for what the user
/// typed), else by `Origin` compared with ours. A request with neither comes from no browser
/// page (curl, a script holding the cookie) and is let through.
pub fn cross_site(sec_fetch_site: Option<&str>, origin: Option<&str>, ours: &str) -> bool {
    if let Some(site) = sec_fetch_site {
        return !matches!(site.trim().to_ascii_lowercase().as_str(), "same-origin" | "none");
    }
    match origin.map(str::trim) {
        None => false,
        Some(origin) => !origin.eq_ignore_ascii_case(ours.trim_end_matches('/')),
    }
}

/// Refuses (403) a cross-site request (see [`cross_site`]).
pub fn require_same_site(ctx: &Ctx, req: &Request) -> ApiResult<()> {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let ours = public(ctx, req).or_else(|_| Ok::<_, ApiError>(req.url()?.origin().ascii_serialization()))?;
    if cross_site(header("sec-fetch-site").as_deref(), header("origin").as_deref(), &ours) {
        return Err(ApiError::forbidden(
            "a cross-site request may not use the login cookie: call the API from the baton app, or with a token",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap()
    }

    /// Regression: the request's `Host` decided pickup and webhook URLs.
    #[test]
    fn the_configured_origin_wins_over_the_request_host() {
        let evil = url("https://evil.example/api/pass");
        assert_eq!(choose(Some("https://baton.example.org/"), &evil).unwrap(), "https://baton.example.org");
        assert_eq!(choose(Some("https://baton.example.org:8443/x"), &evil).unwrap(), "https://baton.example.org:8443");
        assert!(choose(None, &evil).is_err(), "no fallback to a public host");
        assert!(choose(Some("ftp://x"), &evil).is_err());
        assert!(choose(Some("not a url"), &evil).is_err());
    }

    #[test]
    fn loopback_requests_stand_in_for_the_origin_in_development() {
        assert_eq!(choose(None, &url("http://127.0.0.1:8787/api")).unwrap(), "http://127.0.0.1:8787");
        assert_eq!(choose(None, &url("http://localhost:8787/api")).unwrap(), "http://localhost:8787");
        assert_eq!(choose(None, &url("http://[::1]:8787/api")).unwrap(), "http://[::1]:8787");
        assert_eq!(choose(Some(""), &url("http://127.0.0.1:1/")).unwrap(), "http://127.0.0.1:1");
    }

    /// Regression: a page on another site could log a browser in (login CSRF) or act with its
    /// cookie.
    #[test]
    fn cross_site_requests_are_told_by_fetch_metadata_then_origin() {
        let ours = "https://baton.example.org";
        assert!(!cross_site(Some("same-origin"), Some("https://evil.example"), ours), "fetch metadata wins");
        assert!(!cross_site(Some("none"), None, ours));
        assert!(cross_site(Some("cross-site"), None, ours));
        assert!(cross_site(Some("same-site"), Some(ours), ours), "a sibling subdomain is another app");
        assert!(!cross_site(None, Some("https://baton.example.org"), ours));
        assert!(cross_site(None, Some("https://evil.example"), ours));
        assert!(cross_site(None, Some("null"), ours));
        assert!(!cross_site(None, None, ours), "no browser page: curl or a script");
    }
}
