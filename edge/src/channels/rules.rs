//! The rules of a room, pure: which names may be held, who holds a name when two want it,
//! what a message may say and to whom (what concerns a reader is `protocol::channel::concerns`).

/// Longest member name, and most names one message is addressed to.
pub const MAX_NAME: usize = 40;
pub const MAX_RECIPIENTS: usize = 20;
/// Longest message, in characters.
pub const MAX_TEXT: usize = 16_000;

/// A member name: 1 to 40 of letters, digits, `.`, `_` and `-` (it stands in a URL path).
pub fn member_name(name: &str) -> Result<String, String> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !matches!(name, "." | "..");
    if ok {
        Ok(name.to_owned())
    } else {
        Err(format!("{name:?}: a member name is 1 to {MAX_NAME} letters, digits, '.', '_' or '-'"))
    }
}

/// What a join does to a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    /// Nobody has held it.
    New,
    /// The caller holds it: a sign of life.
    Refresh,
    /// Its holder went quiet longer than the window: the caller takes it.
    TakeOver,
    /// Someone else holds it and is here.
    Clash,
}

/// `held`: the name's holder and when it was last heard from, if anyone holds it.
pub fn join(held: Option<(&str, i64)>, caller: &str, now: i64, window: i64) -> Join {
    match held {
        None => Join::New,
        Some((holder, _)) if holder == caller => Join::Refresh,
        Some((_, last_seen)) if now - last_seen >= window => Join::TakeOver,
        Some(_) => Join::Clash,
    }
}

/// A message's text: not empty, at most [`MAX_TEXT`] characters.
pub fn text(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if text.chars().count() > MAX_TEXT {
        return Err(format!("must be at most {MAX_TEXT} characters"));
    }
    Ok(text.to_owned())
}

/// The names a message is for: member names, each once, at most [`MAX_RECIPIENTS`].
pub fn recipients(to: &[String]) -> Result<Vec<String>, String> {
    if to.len() > MAX_RECIPIENTS {
        return Err(format!("at most {MAX_RECIPIENTS} names"));
    }
    let mut out: Vec<String> = Vec::new();
    for name in to {
        let name = member_name(name)?;
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_are_safe_in_a_path() {
        assert!(member_name("claude-1").is_ok() && member_name("ann.b_2").is_ok());
        for bad in ["", "a b", "a/b", "..", ".", "é", &"x".repeat(41), "a%2F"] {
            assert!(member_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_name_goes_to_its_holder_or_after_a_silence_to_the_next() {
        assert_eq!(join(None, "user:1", 1000, 90), Join::New);
        assert_eq!(join(Some(("user:1", 990)), "user:1", 1000, 90), Join::Refresh);
        assert_eq!(join(Some(("agent:4", 990)), "user:1", 1000, 90), Join::Clash);
        assert_eq!(join(Some(("agent:4", 910)), "user:1", 1000, 90), Join::TakeOver, "quiet for the whole window");
        assert_eq!(join(Some(("agent:4", 911)), "user:1", 1000, 90), Join::Clash);
    }

    #[test]
    fn messages_have_text_and_their_recipients_once() {
        assert!(text("  ").is_err() && text(&"x".repeat(MAX_TEXT + 1)).is_err() && text("hi").is_ok());
        assert_eq!(recipients(&["a".into(), "b".into(), "a".into()]).unwrap(), ["a", "b"]);
        assert!(recipients(&["a b".into()]).is_err());
        assert!(recipients(&vec!["a".to_owned(); MAX_RECIPIENTS + 1]).is_err());
    }
}
