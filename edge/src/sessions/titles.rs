//! Short titles for untitled sessions, made from their first message once its turn completes
//! (so a list of sessions reads like a list of topics). Pure; a person's rename always wins,
//! because the title is only written where the name is still empty.

/// Up to 6 words of the first non-empty line, without Markdown decoration, at most 40
/// characters; `None` when nothing readable is left.
pub fn from_message(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let cleaned: String =
        line.chars().map(|c| if c.is_control() || "#*`_>[]()".contains(c) { ' ' } else { c }).collect();
    let mut title = String::new();
    for word in cleaned.split_whitespace().take(6) {
        let next = if title.is_empty() { word.to_owned() } else { format!("{title} {word}") };
        if next.chars().count() > 40 {
            break;
        }
        title = next;
    }
    if title.is_empty() {
        let cut: String = cleaned.trim().chars().take(40).collect();
        return (!cut.is_empty()).then_some(cut);
    }
    Some(title)
}

#[cfg(test)]
mod tests {
    use super::from_message;

    #[test]
    fn titles_are_short_and_plain() {
        assert_eq!(
            from_message("Fix the flaky login test please, it fails on CI").as_deref(),
            Some("Fix the flaky login test please,")
        );
        assert_eq!(from_message("\n\n## *Refactor* `parser`\nmore").as_deref(), Some("Refactor parser"));
        assert_eq!(from_message("   \n "), None);
        assert_eq!(from_message(&"x".repeat(100)).map(|t| t.chars().count()), Some(40));
    }
}
