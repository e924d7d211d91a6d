//! The open agent protocols served over the API: an MCP server ([`mcp`]) and, on the same
//! JSON-RPC envelope ([`jsonrpc`]), A2A. Neither adds a capability: every tool and method is an
//! API call made as the caller ([`crate::app::call_as`]), so the same token sees and does the
//! same over MCP, A2A and HTTP.
//!
//! - [`jsonrpc`]: the JSON-RPC 2.0 envelope both protocols share;
//! - [`tools`]: the API operations offered as MCP tools, their schemas derived from
//!   `edge/openapi.json`;
//! - [`wait`]: following one turn of a session from inside a request;
//! - [`render`]: Markdown views of a plan and a transcript (MCP resources);
//! - [`mcp`]: the MCP Streamable HTTP endpoint.

pub mod jsonrpc;
pub mod mcp;
pub mod render;
pub mod tools;
pub mod wait;
