//! The OpenAPI 3.1 document of the whole API, served at `/api/openapi.json`.
//!
//! The document (`edge/openapi.json`) is written by hand, not generated from the router, so
//! the tests below are a real check: they fail when a route exists in [`ROUTES`] but not in
//! the document, or the other way round, and when a schema reference points nowhere.

use worker::Response;

use crate::respond;

/// The document as served.
pub const DOCUMENT: &str = include_str!("../openapi.json");

pub fn response() -> Response {
    respond::raw_json(DOCUMENT.as_bytes().to_vec(), 200)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::DOCUMENT;
    use crate::routes::ROUTES;

    fn document() -> Value {
        serde_json::from_str(DOCUMENT).unwrap()
    }

    /// `/api/tasks/:id` in the router is `/api/tasks/{id}` in OpenAPI.
    fn openapi_path(pattern: &str) -> String {
        pattern
            .split('/')
            .map(|s| match s.strip_prefix(':') {
                Some(name) => format!("{{{name}}}"),
                None => s.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    #[test]
    fn every_route_is_documented_and_every_documented_route_exists() {
        let router: BTreeSet<(String, String)> =
            ROUTES.iter().map(|r| (r.method.as_str().to_lowercase(), openapi_path(r.pattern))).collect();
        let doc = document();
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                documented.insert((method.clone(), path.clone()));
            }
        }
        let missing: Vec<_> = router.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&router).collect();
        assert!(missing.is_empty(), "routes missing from openapi.json: {missing:?}");
        assert!(extra.is_empty(), "openapi.json documents routes the router lacks: {extra:?}");
    }

    #[test]
    fn every_operation_has_a_summary_and_responses_and_every_ref_resolves() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{method} {path}");
                assert!(!op["responses"].as_object().unwrap().is_empty(), "{method} {path}");
            }
        }
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(refs.len() > 50);
        for r in refs {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("odd $ref {r}"));
            assert!(doc["components"]["schemas"].get(name).is_some(), "$ref {r} points nowhere");
        }
    }

    fn collect_refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "$ref" {
                        out.push(v.as_str().unwrap().to_owned());
                    } else {
                        collect_refs(v, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }
}
