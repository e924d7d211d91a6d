//! People and where they work: users (bootstrap, login, administration), their API tokens,
//! workspaces with their members, and projects. Membership decides visibility everywhere
//! (`access::auth::Principal::visible_clause`).

pub mod projects;
pub mod tokens;
pub mod users;
pub mod workspaces;
