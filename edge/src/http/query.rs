//! The query string of a request, decoded once.

use worker::Url;

use crate::http::error::{ApiError, ApiResult};

#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn from_url(url: &Url) -> Self {
        Query(url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// An optional filter by id: absent, or a positive integer (400 naming it otherwise).
    pub fn id(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(text) => match text.parse::<i64>() {
                Ok(id) if id > 0 => Ok(Some(id)),
                _ => Err(ApiError::invalid_parameter(name, "must be a positive integer id")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_filter_is_absent_or_a_positive_integer() {
        let query = |q: &str| Query::from_url(&Url::parse(&format!("https://x/api?{q}")).unwrap());
        assert_eq!(query("").id("project_id"), Ok(None));
        assert_eq!(query("project_id=7").id("project_id"), Ok(Some(7)));
        for bad in ["project_id=0", "project_id=-1", "project_id=web", "project_id="] {
            let err = query(bad).id("project_id").unwrap_err();
            assert!(err.message.starts_with("project_id"), "{bad}: {}", err.message);
        }
    }
}
