//! Validation rules for the values people type: names and message text. Pure functions,
//! each returning the cleaned value or a 400 naming the field.

use crate::http::error::{ApiError, ApiResult};

/// Longest name (workspace, project, session, token, username) in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest message text in bytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// A display name: trimmed, 1..=100 characters, no control characters.
pub fn name(field: &str, value: &str) -> ApiResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ApiError::invalid_field(field, "must not be empty"));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid_field(field, format!("must be at most {MAX_NAME_CHARS} characters")));
    }
    if trimmed.chars().any(hidden) {
        return Err(ApiError::invalid_field(field, "must not contain control or invisible formatting characters"));
    }
    Ok(trimmed.to_owned())
}

/// Characters that change how the text around them is shown without being seen: C0 and C1
/// controls, and the Unicode format characters that reorder or hide text (bidi overrides and
/// isolates, zero-width characters, the BOM). A name holding one could pose as another
/// (`U+202E`) or rewrite a terminal line.
pub fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// A username: 1..=64 of ASCII letters, digits, `.`, `_` and `-`, starting with a letter or
/// digit. Usernames appear in URLs and command lines, so they are kept plain.
pub fn username(value: &str) -> ApiResult<String> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(ApiError::invalid_field(
            "username",
            "must be 1-64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit",
        ))
    }
}

/// A password: 10..=256 characters. Length is the rule that matters; no composition rules.
pub fn password(value: &str) -> ApiResult<&str> {
    password_field("password", value)
}

/// [`password`] for a field of another name (`new_password`).
pub fn password_field<'a>(field: &str, value: &'a str) -> ApiResult<&'a str> {
    let n = value.chars().count();
    if !(10..=256).contains(&n) {
        return Err(ApiError::invalid_field(field, "must be 10 to 256 characters"));
    }
    Ok(value)
}

/// Message text: not blank, at most [`MAX_TEXT_BYTES`].
pub fn text(field: &str, value: &str) -> ApiResult<()> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid_field(field, "must not be empty"));
    }
    if value.len() > MAX_TEXT_BYTES {
        return Err(ApiError::invalid_field(field, format!("must be at most {MAX_TEXT_BYTES} bytes")));
    }
    Ok(())
}

/// Longest requirement or task title in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest requirement description in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// Most resources on one requirement, and most dependencies of one task.
pub const MAX_LIST_ITEMS: usize = 50;

/// A title: like a name, up to [`MAX_TITLE_CHARS`].
pub fn title(value: &str) -> ApiResult<String> {
    let trimmed = value.trim();
    if trimmed.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::invalid_field("title", format!("must be at most {MAX_TITLE_CHARS} characters")));
    }
    if trimmed.is_empty() {
        return Err(ApiError::invalid_field("title", "must not be empty"));
    }
    if trimmed.chars().any(hidden) {
        return Err(ApiError::invalid_field("title", "must not contain control or invisible formatting characters"));
    }
    Ok(trimmed.to_owned())
}

/// Optional Markdown or prose: may be empty, bounded in bytes.
pub fn prose(field: &str, value: &str, max_bytes: usize) -> ApiResult<String> {
    if value.len() > max_bytes {
        return Err(ApiError::invalid_field(field, format!("must be at most {max_bytes} bytes")));
    }
    Ok(value.to_owned())
}

/// A requirement's resources: at most [`MAX_LIST_ITEMS`]; links and docs are http(s) URLs,
/// files are relative paths inside the repository.
pub fn resources(list: &[protocol::model::Resource]) -> ApiResult<()> {
    use protocol::model::ResourceKind;
    if list.len() > MAX_LIST_ITEMS {
        return Err(ApiError::invalid_field("resources", format!("at most {MAX_LIST_ITEMS} entries")));
    }
    for (i, r) in list.iter().enumerate() {
        let field = format!("resources[{i}].target");
        let t = r.target.trim();
        if t.is_empty() || t.len() > 2000 || t.chars().any(char::is_control) {
            return Err(ApiError::invalid_field(&field, "must be 1 to 2000 characters, no control characters"));
        }
        let ok = match r.kind {
            ResourceKind::Link | ResourceKind::Doc => t.starts_with("https://") || t.starts_with("http://"),
            ResourceKind::File => !t.starts_with('/') && !t.split(['/', '\\']).any(|part| part == ".."),
        };
        if !ok {
            let why = match r.kind {
                ResourceKind::File => "must be a relative path inside the repository",
                _ => "must be an http(s) URL",
            };
            return Err(ApiError::invalid_field(&field, why));
        }
        if let Some(title) = &r.title {
            name(&format!("resources[{i}].title"), title)?;
        }
    }
    Ok(())
}

/// The longest a link or an invite may be made to last, in seconds (a year).
pub const MAX_EXPIRY_S: u32 = 31_536_000;

/// When a link or invite made at `now` (ms) with `expires_in_s` stops working (none: until
/// revoked): 1 second to a year.
pub fn expires_at(now: i64, expires_in_s: Option<u32>) -> ApiResult<Option<i64>> {
    match expires_in_s {
        None => Ok(None),
        Some(seconds @ 1..=MAX_EXPIRY_S) => Ok(Some(now + i64::from(seconds) * 1000)),
        Some(_) => Err(ApiError::invalid_field("expires_in_s", format!("must be 1 to {MAX_EXPIRY_S}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expiry_is_a_second_to_a_year_or_none() {
        assert_eq!(expires_at(1_000, None).unwrap(), None);
        assert_eq!(expires_at(1_000, Some(2)).unwrap(), Some(3_000));
        assert!(expires_at(1_000, Some(0)).is_err() && expires_at(1_000, Some(MAX_EXPIRY_S + 1)).is_err());
        assert!(expires_at(1_000, Some(MAX_EXPIRY_S)).is_ok());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("name", "  web  ").unwrap(), "web");
        assert_eq!(name("name", "   ").unwrap_err().message, "name: must not be empty");
        assert!(name("name", &"x".repeat(101)).is_err());
        assert!(name("name", &"é".repeat(100)).is_ok());
        assert!(name("name", "a\u{7}b").is_err());
    }

    /// Regression: names with a right-to-left override or a zero-width space were accepted,
    /// and the CLI printed them raw.
    #[test]
    fn names_and_titles_refuse_invisible_formatting_characters() {
        for bad in ["evil\u{202E}gnp.exe", "a\u{200B}b", "x\u{2066}y", "\u{FEFF}bom", "a\u{1b}[2Jb", "c1\u{9b}x"] {
            assert!(name("name", bad).is_err(), "{bad:?}");
            assert!(title(bad).is_err(), "{bad:?}");
        }
        assert!(name("name", "café — 東京 🚀").is_ok());
    }

    #[test]
    fn usernames_are_plain() {
        assert!(username("ada.lovelace-1").is_ok());
        for bad in ["", "-ada", "ada lovelace", "ådá", &"a".repeat(65)] {
            assert!(username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn resources_are_urls_or_repository_paths() {
        use protocol::model::{Resource, ResourceKind};
        let r = |kind, target: &str| Resource { kind, target: target.into(), title: None };
        assert!(resources(&[r(ResourceKind::Link, "https://x.org"), r(ResourceKind::File, "src/lib.rs")]).is_ok());
        assert!(resources(&[r(ResourceKind::Doc, "ftp://x")]).is_err());
        assert!(resources(&[r(ResourceKind::File, "/etc/passwd")]).is_err());
        let err = resources(&[r(ResourceKind::File, "ok"), r(ResourceKind::File, "a/../../b")]).unwrap_err();
        assert!(err.message.starts_with("resources[1].target"));
        assert!(title(&"t".repeat(201)).is_err() && title(" x ").unwrap() == "x");
    }

    #[test]
    fn passwords_and_text_are_bounded() {
        assert!(password("short").is_err());
        assert!(password("long enough!").is_ok());
        assert!(text("text", " \n").is_err());
        assert!(text("text", &"a".repeat(MAX_TEXT_BYTES + 1)).is_err());
        assert!(text("text", "hi").is_ok());
    }
}
