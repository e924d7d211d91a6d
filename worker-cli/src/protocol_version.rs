//! Whether this baton and a server speak the same wire protocol
//! ([`protocol::PROTOCOL_VERSION`], served by `GET /api/health`), and which side to upgrade
//! when they do not.
//!
//! Where it is checked: the daemon at start, `baton login` and `baton worker register` ask
//! the server first and stop on a mismatch, since what they set up would not work. Every
//! other command asks only after an API call failed, once per process
//! ([`crate::client::Client`]), and puts the advice in front of the error: a command that
//! works costs no extra round trip, and one that fails because of a mismatch says so.

/// Which side of a connection to upgrade, if either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upgrade {
    Neither,
    /// The server is newer.
    Baton,
    /// The server is older.
    Server,
}

/// Pure: which side to upgrade when the server speaks `server` and this baton `ours`.
pub fn compare(server: u32, ours: u32) -> Upgrade {
    match server.cmp(&ours) {
        std::cmp::Ordering::Equal => Upgrade::Neither,
        std::cmp::Ordering::Greater => Upgrade::Baton,
        std::cmp::Ordering::Less => Upgrade::Server,
    }
}

/// What to tell the user about the server at `url`, when the versions differ.
pub fn mismatch(url: &str, server: u32, ours: u32) -> Option<String> {
    match compare(server, ours) {
        Upgrade::Neither => None,
        upgrade => Some(crate::messages::protocol_mismatch(url, server, ours, upgrade)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newer_side_is_never_the_one_to_upgrade() {
        assert_eq!(compare(1, 1), Upgrade::Neither);
        assert_eq!(compare(2, 1), Upgrade::Baton);
        assert_eq!(compare(1, 2), Upgrade::Server);
    }

    #[test]
    fn a_mismatch_names_the_server_both_versions_and_what_to_upgrade() {
        assert_eq!(mismatch("https://b.example.org", 3, 3), None);
        let newer = mismatch("https://b.example.org", 4, 3).unwrap();
        assert!(newer.contains("https://b.example.org speaks protocol 4, this baton speaks 3"), "{newer}");
        assert!(newer.contains("upgrade baton") && newer.contains("cargo install"), "{newer}");
        let older = mismatch("https://b.example.org", 2, 3).unwrap();
        assert!(older.contains("speaks protocol 2, this baton speaks 3"), "{older}");
        assert!(older.contains("upgrade the server or use an older baton"), "{older}");
    }
}
