//! Progress for what takes a while (a GitHub backfill, a turn being awaited, a worktree of a
//! large repository): an indicatif spinner on stderr with the time spent, when stderr is a
//! terminal and the output is not `--json`. Otherwise nothing: a script's stderr stays quiet,
//! and stdout is never touched. Messages are [`crate::output::clean`]ed like every other text
//! shown to people.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::output::clean;

/// Pure: whether progress is drawn.
pub fn visible(json: bool, stderr_is_terminal: bool) -> bool {
    !json && stderr_is_terminal
}

/// A spinner, or nothing (see the module doc).
pub struct Progress(Option<ProgressBar>);

impl Progress {
    pub fn spinner(json: bool, message: &str) -> Progress {
        if !visible(json, std::io::stderr().is_terminal()) {
            return Progress(None);
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            bar.set_style(style);
        }
        bar.set_message(clean(message).into_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress(Some(bar))
    }

    pub fn set(&self, message: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(clean(message).into_owned());
        }
    }

    /// A line above the spinner (or plainly on stderr when there is none).
    pub fn note(&self, text: &str) {
        match &self.0 {
            Some(bar) => bar.println(clean(text)),
            None => crate::output::note(text),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_drawn_only_on_a_terminal_and_never_with_json() {
        assert!(visible(false, true));
        assert!(!visible(true, true));
        assert!(!visible(false, false));
        assert!(Progress::spinner(true, "x").0.is_none(), "never with --json");
    }
}
