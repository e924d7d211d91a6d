//! `baton completions SHELL` and `baton man`: the command line described for a shell's
//! completion and for `man`, generated from the same clap declaration the CLI parses with, so
//! they never drift from it. They need no server and no config.

use std::io::Write;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::Cli;

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "baton", &mut out);
    std::io::stdout().write_all(&out).context("writing the completion script")
}

/// Prints the manual page (roff) on stdout: the top-level command's page, then a section per
/// subcommand with its description and options, so `man baton` reads as one document.
pub fn man() -> Result<()> {
    let command = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut out).context("rendering the manual page")?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        out.extend_from_slice(format!(".SH \"BATON {}\"\n", sub.get_name().to_uppercase()).as_bytes());
        let page = clap_mangen::Man::new(sub.clone());
        page.render_description_section(&mut out).context("rendering the manual page")?;
        page.render_options_section(&mut out).context("rendering the manual page")?;
    }
    std::io::stdout().write_all(&out).context("writing the manual page")
}
