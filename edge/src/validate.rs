//! Validation rules for the values people type: names and message text. Pure functions,
//! each returning the cleaned value or a 400 naming the field.

use crate::error::{ApiError, ApiResult};

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
        return Err(ApiError::invalid_field(
            field,
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// A username: 1..=64 of ASCII letters, digits, `.`, `_` and `-`, starting with a letter or
/// digit. Usernames appear in URLs and command lines, so they are kept plain.
pub fn username(value: &str) -> ApiResult<String> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
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
    let n = value.chars().count();
    if !(10..=256).contains(&n) {
        return Err(ApiError::invalid_field(
            "password",
            "must be 10 to 256 characters",
        ));
    }
    Ok(value)
}

/// Message text: not blank, at most [`MAX_TEXT_BYTES`].
pub fn text(field: &str, value: &str) -> ApiResult<()> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid_field(field, "must not be empty"));
    }
    if value.len() > MAX_TEXT_BYTES {
        return Err(ApiError::invalid_field(
            field,
            format!("must be at most {MAX_TEXT_BYTES} bytes"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("name", "  web  ").unwrap(), "web");
        assert_eq!(
            name("name", "   ").unwrap_err().message,
            "name: must not be empty"
        );
        assert!(name("name", &"x".repeat(101)).is_err());
        assert!(name("name", &"é".repeat(100)).is_ok());
        assert!(name("name", "a\u{7}b").is_err());
    }

    #[test]
    fn usernames_are_plain() {
        assert!(username("ada.lovelace-1").is_ok());
        for bad in ["", "-ada", "ada lovelace", "ådá", &"a".repeat(65)] {
            assert!(username(bad).is_err(), "{bad:?}");
        }
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
