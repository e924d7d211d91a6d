//! Paginated lists: the opaque cursor and the bounded page size.
//!
//! Lists are ordered by row id; the cursor encodes the last id of the previous page, so a
//! page is one indexed range read of `limit + 1` rows (the extra row says whether there is a
//! next page) whatever the list's length.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use protocol::api::Page;

use crate::http::error::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows with an id greater than this.
    pub after_id: i64,
    pub limit: u32,
}

impl PageRequest {
    /// Parses `?limit=&cursor=`.
    pub fn parse(limit: Option<&str>, cursor: Option<&str>) -> ApiResult<Self> {
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| ApiError::invalid_parameter("limit", format!("must be 1 to {MAX_LIMIT}")))?,
        };
        let after_id = match cursor {
            None | Some("") => 0,
            Some(text) => decode_cursor(text)
                .ok_or_else(|| ApiError::invalid_parameter("cursor", "is not a cursor this server issued"))?,
        };
        Ok(PageRequest { after_id, limit })
    }

    /// How many rows to fetch: one more than the page, to learn whether another page exists.
    pub fn fetch_count(&self) -> u32 {
        self.limit + 1
    }

    /// The page of the fetched `rows` as every list answers it (`{"items", "next_cursor"}`),
    /// each row shown by `view`.
    pub fn page<R, T>(&self, rows: Vec<R>, id_of: impl Fn(&R) -> i64, view: impl FnMut(R) -> T) -> Page<T> {
        let (rows, next_cursor) = self.finish(rows, id_of);
        Page { items: rows.into_iter().map(view).collect(), next_cursor }
    }

    /// Cuts the fetched rows to the page and computes the next cursor.
    pub fn finish<T>(&self, mut rows: Vec<T>, id_of: impl Fn(&T) -> i64) -> (Vec<T>, Option<String>) {
        if rows.len() > self.limit as usize {
            rows.truncate(self.limit as usize);
            let next = rows.last().map(|r| encode_cursor(id_of(r)));
            (rows, next)
        } else {
            (rows, None)
        }
    }
}

pub fn encode_cursor(after_id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{after_id}"))
}

fn decode_cursor(text: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    text.strip_prefix("v1:")?.parse().ok().filter(|n| *n >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        assert_eq!(PageRequest::parse(None, None).unwrap(), PageRequest { after_id: 0, limit: DEFAULT_LIMIT });
        for bad in ["0", "201", "-1", "x"] {
            assert_eq!(PageRequest::parse(Some(bad), None).unwrap_err().message, "limit: must be 1 to 200");
        }
        assert!(PageRequest::parse(None, Some("garbage!")).is_err());
        assert!(PageRequest::parse(None, Some(&URL_SAFE_NO_PAD.encode("v1:-4"))).is_err());
    }

    #[test]
    fn a_cursor_continues_after_the_last_row_of_a_full_page() {
        let page = PageRequest::parse(Some("2"), None).unwrap();
        let (rows, next) = page.finish(vec![1, 2, 3], |r| *r);
        assert_eq!(rows, vec![1, 2]);
        let next = PageRequest::parse(Some("2"), next.as_deref()).unwrap();
        assert_eq!(next.after_id, 2);
        let (rows, next) = next.finish(vec![3], |r| *r);
        assert_eq!((rows, next), (vec![3], None));
    }
}
