//! Handles: the short names people type for numbered things. `R-3` is requirement 3 of a
//! project, `T-12` task 12 of a project, `W-2` worker 2 (global), `S-7` session 7 (global).
//!
//! Parsing is case-insensitive on the prefix and strict on the number (positive, no sign, no
//! leading zeros), so that a handle has exactly one spelling when displayed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a handle names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandleKind {
    Requirement,
    Task,
    Worker,
    Session,
}

impl HandleKind {
    pub fn prefix(self) -> char {
        match self {
            HandleKind::Requirement => 'R',
            HandleKind::Task => 'T',
            HandleKind::Worker => 'W',
            HandleKind::Session => 'S',
        }
    }

    fn from_prefix(c: char) -> Option<Self> {
        match c.to_ascii_uppercase() {
            'R' => Some(HandleKind::Requirement),
            'T' => Some(HandleKind::Task),
            'W' => Some(HandleKind::Worker),
            'S' => Some(HandleKind::Session),
            _ => None,
        }
    }
}

/// A parsed handle such as `T-12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Handle {
    pub kind: HandleKind,
    pub number: u64,
}

impl Handle {
    pub fn new(kind: HandleKind, number: u64) -> Self {
        Handle { kind, number }
    }

    /// The handle of row number `number` (a database integer; never negative there).
    fn of(kind: HandleKind, number: i64) -> Self {
        Handle { kind, number: number.unsigned_abs() }
    }

    /// `R-N`: requirement number `number` of its project.
    pub fn requirement(number: i64) -> Self {
        Handle::of(HandleKind::Requirement, number)
    }

    /// `T-N`: task number `number` of its project.
    pub fn task(number: i64) -> Self {
        Handle::of(HandleKind::Task, number)
    }

    /// `W-N`: worker `id`.
    pub fn worker(id: i64) -> Self {
        Handle::of(HandleKind::Worker, id)
    }

    /// `S-N`: session `id`.
    pub fn session(id: i64) -> Self {
        Handle::of(HandleKind::Session, id)
    }
}

/// Why a string is not a handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandleError(String);

impl fmt::Display for HandleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HandleError {}

impl FromStr for Handle {
    type Err = HandleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || HandleError(format!("{s:?} is not a handle like R-3, T-12, W-2 or S-7"));
        let mut chars = s.chars();
        let kind = chars.next().and_then(HandleKind::from_prefix).ok_or_else(bad)?;
        if chars.next() != Some('-') {
            return Err(bad());
        }
        let digits = chars.as_str();
        let well_formed = !digits.is_empty()
            && digits.len() <= 15
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !well_formed {
            return Err(bad());
        }
        let number = digits.parse().map_err(|_| bad())?;
        Ok(Handle { kind, number })
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.kind.prefix(), self.number)
    }
}

impl Serialize for Handle {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Handle {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Handle {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Handle".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[RrTtWwSs]-[1-9][0-9]*$",
            "description": "A handle: R-N (requirement), T-N (task), W-N (worker), S-N (session)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_each_kind() {
        for (text, kind, n) in [
            ("R-3", HandleKind::Requirement, 3),
            ("t-12", HandleKind::Task, 12),
            ("W-2", HandleKind::Worker, 2),
            ("S-7", HandleKind::Session, 7),
        ] {
            let h: Handle = text.parse().unwrap();
            assert_eq!(h, Handle::new(kind, n));
            assert_eq!(h.to_string(), text.to_ascii_uppercase());
        }
    }

    #[test]
    fn rejects_what_is_not_exactly_a_handle() {
        for text in ["", "R", "R-", "R3", "X-3", "R-0", "R-03", "R--3", "R-3a", "R- 3", "R-+3", "R-1234567890123456"] {
            assert!(text.parse::<Handle>().is_err(), "{text:?} should not parse");
        }
    }

    #[test]
    fn serializes_as_a_string() {
        let h = Handle::new(HandleKind::Task, 4);
        assert_eq!(serde_json::to_string(&h).unwrap(), r#""T-4""#);
        let back: Handle = serde_json::from_str(r#""T-4""#).unwrap();
        assert_eq!(back, h);
    }
}
