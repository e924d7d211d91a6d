//! The query string of a request, decoded once.

use worker::Url;

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
}
