//! Runs an [`Adapter`]'s process for one turn: in the worktree, in its own process group (so
//! an interrupt or a timeout stops the agent and everything it started), feeding its stdin
//! and turning each stdout line into events. Stderr is kept (its tail explains a failure).
//! An agent that asks ([`Adapter::take_requests`]) has its requests sent out through the
//! turn's [`Asking`] end and the answers written back on its stdin, which stays open while
//! the adapter wants it; the interrupt still stops it while it waits, and the turn's time
//! limit does not count the waiting.
//! The process starts with exactly the turn's environment ([`super::env`]): nothing of the
//! daemon's own is inherited.

use std::collections::HashSet;
use std::process::Stdio;
use std::time::Duration;

use protocol::agent::AgentEvent;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{ChildStdin, Command};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::requests::{Answer, Asking, NOBODY_TO_ASK};
use super::{Adapter, Outcome, TurnInput};

/// Why a turn was cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Running,
    Interrupted,
    TimedOut,
}

pub fn stop_reason(stop: Stop, timeout: Duration) -> String {
    match stop {
        Stop::Interrupted => "interrupted by the user".into(),
        Stop::TimedOut => format!("the turn exceeded its limit of {} s", timeout.as_secs()),
        Stop::Running => "stopped".into(),
    }
}

pub async fn run(
    adapter: &mut dyn Adapter,
    input: &TurnInput,
    events: &mpsc::UnboundedSender<AgentEvent>,
    asking: &mut Asking,
    stop: &mut watch::Receiver<Stop>,
    timeout: Duration,
) -> Outcome {
    let (program, args) = adapter.command(input);
    let feed = adapter.stdin(input);
    let mut child = match Command::new(&program)
        .args(&args)
        .env_clear()
        .envs(input.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&input.worktree)
        .stdin(if feed.is_some() || adapter.stdin_open() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            return Outcome::Failed(format!("cannot start the agent {program:?}: {e} (install it, or set its path)"))
        }
    };
    let group = child.id().map(|pid| pid as i32);
    let mut writer = child.stdin.take().map(writer);
    if let (Some(text), Some(w)) = (feed, &writer) {
        let _ = w.send(text);
    }
    if !adapter.stdin_open() {
        writer = None;
    }
    let stderr = child.stderr.take().map(|mut err| {
        tokio::spawn(async move {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text).await;
            text
        })
    });
    let Some(stdout) = child.stdout.take() else {
        return Outcome::Failed("the agent's stdout could not be read".into());
    };
    let mut lines = BufReader::new(stdout).lines();
    // The turn's limit does not count the time its agent waits for a person.
    let mut deadline_at = Instant::now() + timeout;
    let deadline = tokio::time::sleep_until(deadline_at);
    tokio::pin!(deadline);
    let mut waiting = HashSet::new();
    let mut waiting_since = None;
    let cut = loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => {
                    for event in adapter.parse_line(&line) {
                        let _ = events.send(event);
                    }
                    for request in adapter.take_requests() {
                        let id = request.request_id.clone();
                        if asking.send(request) {
                            waiting_since = waiting_since.or(Some(Instant::now()));
                            waiting.insert(id);
                        } else {
                            adapter.answer(&id, &Answer::deny(NOBODY_TO_ASK));
                        }
                    }
                }
                _ => break None,
            },
            Some((id, answer)) = asking.answers.recv() => {
                adapter.answer(&id, &answer);
                if waiting.remove(&id) && waiting.is_empty() {
                    if let Some(since) = waiting_since.take() {
                        deadline_at += since.elapsed();
                        deadline.as_mut().reset(deadline_at);
                    }
                }
            }
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() != Stop::Running {
                    break Some(*stop.borrow());
                }
            }
            _ = &mut deadline, if waiting.is_empty() => break Some(Stop::TimedOut),
        }
        for line in adapter.take_writes() {
            if let Some(w) = &writer {
                let _ = w.send(format!("{line}\n"));
            }
        }
        if !adapter.stdin_open() {
            writer = None;
        }
    };
    if let Some(reason) = cut {
        kill_group(group, &mut child).await;
        return Outcome::Failed(stop_reason(reason, timeout));
    }
    let status = child.wait().await;
    let outcome = adapter.finish(status.as_ref().is_ok_and(|s| s.success()));
    match (outcome, stderr) {
        (Outcome::Failed(why), Some(task)) => {
            let err = task.await.unwrap_or_default();
            let tail = err.trim().lines().last().unwrap_or("").chars().take(500).collect::<String>();
            Outcome::Failed(if tail.is_empty() { why } else { format!("{why}: {tail}") })
        }
        (outcome, _) => outcome,
    }
}

/// Writes what it is sent to the agent's stdin, in order; dropping the sender closes it.
fn writer(mut stdin: ChildStdin) -> mpsc::UnboundedSender<String> {
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        while let Some(text) = rx.recv().await {
            if stdin.write_all(text.as_bytes()).await.is_err() || stdin.flush().await.is_err() {
                break;
            }
        }
    });
    tx
}

/// SIGTERM to the whole group, SIGKILL after 2 s.
async fn kill_group(group: Option<i32>, child: &mut tokio::process::Child) {
    if let Some(pgid) = group {
        // SAFETY: kill(2) with a negative pid signals the process group we created.
        unsafe {
            libc::kill(-pgid, libc::SIGTERM);
        }
        if tokio::time::timeout(Duration::from_secs(2), child.wait()).await.is_err() {
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
    let _ = child.wait().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::command::CommandAgent;
    use crate::agent::requests;

    fn input(dir: &std::path::Path) -> TurnInput {
        TurnInput {
            message_seq: 1,
            prompt: "one\ntwo\n".into(),
            worktree: dir.to_path_buf(),
            resume: None,
            settings: Default::default(),
            env: crate::agent::env::build(std::env::vars_os(), &[], &[]),
        }
    }

    #[tokio::test]
    async fn a_command_agent_echoes_its_prompt_as_messages() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (_stop_tx, mut stop) = watch::channel(Stop::Running);
        let outcome = run(
            &mut CommandAgent::new("cat"),
            &input(dir.path()),
            &tx,
            &mut requests::channel().0,
            &mut stop,
            Duration::from_secs(10),
        )
        .await;
        assert_eq!(outcome, Outcome::Completed);
        assert_eq!(rx.recv().await, Some(AgentEvent::AgentMessage { text: "one".into() }));
        assert_eq!(rx.recv().await, Some(AgentEvent::AgentMessage { text: "two".into() }));
    }

    #[tokio::test]
    async fn an_interrupt_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("child.pid");
        // The agent starts a grandchild that would outlive a plain kill of the agent.
        let script = format!("sleep 30 & echo $! > {}; echo started; wait", marker.display());
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (stop_tx, mut stop) = watch::channel(Stop::Running);
        let turn = tokio::spawn(async move {
            let mut agent = CommandAgent::new(&script);
            run(
                &mut agent,
                &input(tempfile::tempdir().unwrap().path()),
                &tx,
                &mut requests::channel().0,
                &mut stop,
                Duration::from_secs(30),
            )
            .await
        });
        assert_eq!(rx.recv().await, Some(AgentEvent::AgentMessage { text: "started".into() }));
        stop_tx.send(Stop::Interrupted).unwrap();
        assert_eq!(turn.await.unwrap(), Outcome::Failed("interrupted by the user".into()));
        let pid: i32 = std::fs::read_to_string(&marker).unwrap().trim().parse().unwrap();
        // Gone, or a zombie waiting for init to reap it: either way no longer running. The
        // kernel delivers the kill asynchronously: wait for it, up to a deadline.
        let running = || {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            state.rsplit(')').next().and_then(|rest| rest.split_whitespace().next()).is_some_and(|s| s != "Z")
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while running() {
            assert!(tokio::time::Instant::now() < deadline, "the grandchild {pid} still runs");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn timeouts_failures_and_missing_programs_end_the_turn_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let (tx, _rx) = mpsc::unbounded_channel();
        let (_s, mut stop) = watch::channel(Stop::Running);
        let slow = run(
            &mut CommandAgent::new("sleep 5"),
            &input(dir.path()),
            &tx,
            &mut requests::channel().0,
            &mut stop,
            Duration::from_millis(200),
        )
        .await;
        assert_eq!(slow, Outcome::Failed("the turn exceeded its limit of 0 s".into()));
        let failed = run(
            &mut CommandAgent::new("echo oops >&2; exit 3"),
            &input(dir.path()),
            &tx,
            &mut requests::channel().0,
            &mut stop,
            Duration::from_secs(5),
        )
        .await;
        assert!(matches!(&failed, Outcome::Failed(why) if why.ends_with(": oops")), "{failed:?}");
        let mut claude = crate::agent::claude::Claude::new("/nonexistent/claude");
        let missing =
            run(&mut claude, &input(dir.path()), &tx, &mut requests::channel().0, &mut stop, Duration::from_secs(5))
                .await;
        assert!(matches!(&missing, Outcome::Failed(why) if why.contains("cannot start the agent")), "{missing:?}");
    }
}
