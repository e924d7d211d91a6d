//! Where the Worker may send a request on someone's behalf (completion webhooks of batons,
//! a project's notification webhooks): `https` only, and never a loopback, private,
//! link-local or otherwise internal address (by name or by IP literal, IPv6 forms of IPv4
//! included), unless the deployment sets `BATON_ALLOW_PRIVATE_WEBHOOKS=1` (local development
//! and the tests). A public name that resolves to a private address cannot be caught here
//! (the Workers runtime does not expose DNS answers); Cloudflare's own egress does not reach
//! private networks. Deliveries never follow redirects (`hub::delivery`). Pure, but for
//! [`private_allowed`]. Which hosts are internal is decided in `protocol::address`, which the
//! CLI shares.

use crate::platform::bindings;
use crate::platform::context::Ctx;

/// Shortest and longest secret, in bytes.
const SECRET_BYTES: std::ops::RangeInclusive<usize> = 16..=256;

/// Checks a webhook URL; the error says why it is refused.
pub fn check_url(text: &str, allow_private: bool) -> Result<(), String> {
    let url = url::Url::parse(text).map_err(|e| format!("is not a URL ({e})"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err("must be an https URL".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials; the secret signs the request".into());
    }
    if allow_private {
        return Ok(());
    }
    let internal = url.host_str().is_none_or(|host| protocol::address::internal_host(host).is_some());
    if internal {
        return Err("must not point at a loopback, private or internal address".into());
    }
    Ok(())
}

/// Checks a webhook secret's length.
pub fn check_secret(secret: &str) -> Result<(), String> {
    if SECRET_BYTES.contains(&secret.len()) {
        Ok(())
    } else {
        Err(format!("must be {} to {} bytes", SECRET_BYTES.start(), SECRET_BYTES.end()))
    }
}

/// Whether this deployment allows private webhook targets.
pub fn private_allowed(ctx: &Ctx) -> bool {
    ctx.env.var(bindings::ALLOW_PRIVATE_WEBHOOKS).is_ok_and(|v| v.to_string() == "1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_https_targets_pass() {
        for ok in ["https://hooks.example.com/baton", "https://93.184.216.34/x", "https://[2606:4700::1111]/"] {
            assert_eq!(check_url(ok, false), Ok(()), "{ok}");
        }
    }

    #[test]
    fn internal_and_plain_http_targets_are_refused_outside_development() {
        for bad in [
            "http://hooks.example.com/",
            "ftp://example.com/",
            "https://localhost/",
            "https://api.localhost/",
            "https://printer.local/",
            "https://metadata.internal/",
            "https://intranet/",
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://172.16.0.1/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://user:pw@example.com/",
            "not a url",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
    }

    /// Regression: IPv6 forms that carry a loopback or private IPv4 address, site-local IPv6
    /// and two reserved IPv4 ranges passed the check.
    #[test]
    fn ipv6_forms_of_internal_ipv4_and_reserved_ranges_are_refused() {
        for bad in [
            "https://[::127.0.0.1]/",
            "https://[::10.0.0.1]/",
            "https://[64:ff9b::127.0.0.1]/",
            "https://[64:ff9b::a9fe:a9fe]/",
            "https://[64:ff9b:1::10.1.2.3]/",
            "https://[2002:7f00:1::]/",
            "https://[2002:c0a8:101::1]/",
            "https://[fec0::1]/",
            "https://[2001::1]/",
            "https://198.18.0.1/",
            "https://198.19.255.254/",
            "https://192.0.0.8/",
            "https://[::ffff:198.18.0.1]/",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        for ok in [
            "https://[64:ff9b::5db8:d822]/",
            "https://[2002:5db8:d822::1]/",
            "https://198.20.0.1/",
            "https://192.0.2.0.example.com/",
        ] {
            assert_eq!(check_url(ok, false), Ok(()), "{ok}");
        }
    }

    #[test]
    fn development_allows_local_http_targets() {
        assert_eq!(check_url("http://127.0.0.1:9000/hook", true), Ok(()));
        assert!(check_url("ftp://127.0.0.1/", true).is_err());
    }

    #[test]
    fn secrets_have_bounded_length() {
        assert!(check_secret("short").is_err());
        assert!(check_secret(&"s".repeat(16)).is_ok());
        assert!(check_secret(&"s".repeat(257)).is_err());
    }
}
