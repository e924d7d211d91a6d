//! Which hosts are not on the public internet: loopback, private, link-local and reserved
//! addresses (by IP literal, IPv6 forms that carry an IPv4 address included) and names only a
//! local network resolves. The edge refuses them as webhook targets (`platform::egress`); the
//! CLI warns when a URL it prints for GitHub is one (`baton github connect`). Pure.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a host is not reachable from the internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Internal {
    /// `localhost` or a name under it.
    LoopbackName,
    /// A loopback or unspecified address (`127.0.0.1`, `::1`, `0.0.0.0`, and IPv6 forms of them).
    Loopback,
    /// Any other private, link-local or reserved address.
    Private,
    /// A name without a dot, or under `.local`, `.internal`, `.home.arpa`, `.lan`.
    LocalName,
}

/// The host of a URL (a name, an IPv4 literal, or an IPv6 literal with or without brackets):
/// why it is internal, or `None` for a public one.
pub fn internal_host(host: &str) -> Option<Internal> {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => internal_ip(ip),
        Err(_) => internal_name(bare),
    }
}

fn internal_name(name: &str) -> Option<Internal> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return Some(Internal::LoopbackName);
    }
    let local = !name.contains('.')
        || [".local", ".internal", ".home.arpa", ".lan"]
            .iter()
            .any(|suffix| name == suffix.trim_start_matches('.') || name.ends_with(suffix));
    local.then_some(Internal::LocalName)
}

fn internal_ip(ip: IpAddr) -> Option<Internal> {
    let v4 = match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => embedded_v4(v6),
    };
    let (loopback, internal) = match (v4, ip) {
        (Some(v4), _) => (v4.is_loopback() || v4.is_unspecified(), internal_v4(v4)),
        (None, IpAddr::V6(v6)) => (v6.is_loopback() || v6.is_unspecified(), internal_v6(v6)),
        (None, IpAddr::V4(_)) => (false, false),
    };
    if loopback {
        Some(Internal::Loopback)
    } else {
        internal.then_some(Internal::Private)
    }
}

/// The IPv4 address an IPv6 address carries and that a packet to it may reach: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, deprecated but still routed by some
/// stacks), NAT64 (`64:ff9b::/96` and the local-use `64:ff9b:1::/48`) and 6to4 (`2002:AABB:CCDD::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified() {
        return Some(low(s[6], s[7]));
    }
    let nat64 = s[0] == 0x64 && s[1] == 0xff9b;
    if nat64 && (s[2..6] == [0, 0, 0, 0] || s[2] == 1) {
        return Some(low(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(low(s[1], s[2]));
    }
    None
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 198 && (b == 18 || b == 19)) // benchmarking, 198.18.0.0/15
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments, 192.0.0.0/24
        || a >= 224 // multicast and reserved
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link local
        || (first & 0xffc0) == 0xfec0 // site local (deprecated, still routed by some)
        || (first == 0x2001 && ip.segments()[1] == 0) // Teredo: its IPv4 is obfuscated, refuse it all
        || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
        || first == 0x0100 && ip.segments()[1..4] == [0, 0, 0] // discard-only, 100::/64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_classified_by_why_they_are_internal() {
        for (host, why) in [
            ("localhost", Some(Internal::LoopbackName)),
            ("api.localhost", Some(Internal::LoopbackName)),
            ("127.0.0.1", Some(Internal::Loopback)),
            ("[::1]", Some(Internal::Loopback)),
            ("::ffff:127.0.0.1", Some(Internal::Loopback)),
            ("0.0.0.0", Some(Internal::Loopback)),
            ("10.1.2.3", Some(Internal::Private)),
            ("169.254.169.254", Some(Internal::Private)),
            ("[fd00::1]", Some(Internal::Private)),
            ("[64:ff9b::a9fe:a9fe]", Some(Internal::Private)),
            ("buildbox", Some(Internal::LocalName)),
            ("printer.local", Some(Internal::LocalName)),
            ("baton.example.com", None),
            ("8.8.8.8", None),
            ("[2606:4700::1111]", None),
        ] {
            assert_eq!(internal_host(host), why, "{host}");
        }
    }
}
