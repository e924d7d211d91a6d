//! One module per subcommand, each with its own arguments and `run`.

pub mod login;
pub mod project;
pub mod session;
pub mod workspace;

use crate::client::Client;
use crate::config::Settings;

/// What every command gets: the resolved settings, a client, and the output mode.
pub struct Env {
    pub settings: Settings,
    pub client: Client,
    pub json: bool,
}
