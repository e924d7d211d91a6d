//! The OpenAPI 3.1 document of the whole API, served at `/api/openapi.json`.
//!
//! One source of truth for the wire format: the document's component schemas
//! (`components.schemas` of `edge/openapi.json`) are generated from the `protocol` types
//! (their `schemars` derives, under protocol's `schema` feature, which only these tests turn
//! on), and a test fails when the checked-in file and the types differ; run
//! `BATON_BLESS_OPENAPI=1 cargo test -p edge --lib openapi` to write them anew. The paths are
//! written by hand, and the tests fail when a route exists in [`ROUTES`] but not in the
//! document, or the other way round, and when a schema reference points nowhere.
//!
//! [`ROUTES`]: crate::http::routes::ROUTES

use worker::Response;

use crate::http::respond;

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
    use crate::http::routes::ROUTES;

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
                // Regression (schemathesis ST103): a malformed id in the path answers 400.
                let has_path_param = op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["in"] == "path"));
                assert!(!has_path_param || op["responses"].get("400").is_some(), "{method} {path} documents no 400");
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

    /// The component schemas, generated from the protocol types: every type a path names, and
    /// every type those name in turn.
    fn generated_schemas() -> serde_json::Map<String, Value> {
        use protocol::{api, baton, bridge, channel, error, event, github, loops, model, worker};
        let settings = schemars::generate::SchemaSettings::draft2020_12().with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        });
        let mut generator = settings.into_generator();
        macro_rules! schemas {
            ($($t:ty),* $(,)?) => { $( generator.subschema_for::<$t>(); )* };
        }
        schemas!(
            error::ErrorBody,
            api::Health,
            api::User,
            api::UpdateUser,
            api::UpdateMe,
            api::TokensRevoked,
            api::BootstrapRequest,
            api::BootstrapResponse,
            api::LoginRequest,
            api::CreateUser,
            api::ChangePassword,
            api::PasswordChanged,
            api::CreateToken,
            api::TokenCreated,
            api::TokenInfo,
            api::CreateWorkspace,
            api::Workspace,
            api::Rename,
            api::AddMember,
            api::Member,
            api::CreateProject,
            api::Project,
            api::CreateSession,
            api::Session,
            api::UpdateSession,
            api::PostMessage,
            api::MessagePosted,
            api::SessionControlled,
            api::SessionToken,
            api::Input,
            api::RequestInput,
            api::AnswerInput,
            api::Cost,
            api::CreateShare,
            api::Share,
            api::CreateProjectWebhook,
            api::ProjectWebhook,
            api::Attachment,
            event::Event,
            event::EventBody,
            event::EventPage,
            model::Requirement,
            model::CreateRequirement,
            model::UpdateRequirement,
            model::Task,
            model::CreateTask,
            model::UpdateTask,
            model::Comment,
            model::CreateComment,
            model::Item,
            github::ConnectGithub,
            github::UpdateGithubLink,
            github::GithubLink,
            github::GithubLinkCreated,
            github::SyncRequest,
            github::SyncReport,
            github::WebhookAnswer,
            worker::RegisterWorker,
            worker::Worker,
            worker::WorkerRegistered,
            worker::Heartbeat,
            worker::WorktreeUsage,
            baton::PassBaton,
            baton::Passed,
            baton::Baton,
            baton::Caught,
            baton::Finish,
            baton::Fail,
            baton::Heartbeat,
            channel::CreateChannel,
            channel::UpdateChannel,
            channel::Channel,
            channel::JoinChannel,
            channel::ChannelMember,
            channel::PostChannelMessage,
            channel::CreateChannelInvite,
            channel::ChannelInvite,
            channel::CreateRelay,
            channel::Relay,
            loops::CreateLoop,
            loops::UpdateLoop,
            loops::Loop,
            loops::LoopOutcome,
            bridge::Platform,
            bridge::CreateBridge,
            bridge::UpdateBridge,
            bridge::Bridge,
        );
        generator.take_definitions(true)
    }

    /// Regression: two protocol types named `Heartbeat` (a baton's and a worker's) were both
    /// generated, the second as `Heartbeat2`, and the baton route pointed at the worker's.
    /// Every schema must have its own name.
    #[test]
    fn no_two_protocol_types_share_a_schema_name() {
        let generated = generated_schemas();
        let numbered: Vec<&String> = generated
            .keys()
            .filter(|name| {
                let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
                base.len() < name.len() && generated.contains_key(base)
            })
            .collect();
        assert!(numbered.is_empty(), "renamed apart by the generator: {numbered:?}; give one a schemars(rename)");
    }

    /// Regression: the component schemas were written by hand and could drift from what the
    /// API sends. They are the types' now.
    #[test]
    fn the_component_schemas_are_the_protocol_types() {
        let generated = Value::Object(generated_schemas());
        let mut doc = document();
        if std::env::var_os("BATON_BLESS_OPENAPI").is_some() {
            doc["components"]["schemas"] = generated;
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
            std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
            return;
        }
        let stale: Vec<&String> = generated
            .as_object()
            .unwrap()
            .iter()
            .filter(|(name, schema)| doc["components"]["schemas"].get(name.as_str()) != Some(schema))
            .map(|(name, _)| name)
            .collect();
        let extra: Vec<&String> = doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|name| generated.get(name.as_str()).is_none())
            .collect();
        assert!(
            stale.is_empty() && extra.is_empty(),
            "edge/openapi.json differs from the protocol types (stale: {stale:?}; not a type: {extra:?}): \
             run BATON_BLESS_OPENAPI=1 cargo test -p edge --lib openapi"
        );
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
