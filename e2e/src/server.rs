//! Starting and stopping `wrangler dev`.
//!
//! The Worker must have been built (`make wasm`) and the npm packages installed
//! (`scripts/setup`); `make test` does both. Each [`Server`] gets free ports and its own
//! state directory, applies the D1 migrations into it, and runs wrangler in its own process
//! group so that stopping it stops workerd too. A watchdog process kills the group if the
//! test process exits without dropping the server (a panic in a static, a killed test run).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The setup secret every test server is started with.
pub const SETUP_SECRET: &str = "test-setup-secret-0123456789";
/// Test servers close a silent turn after 3 s (90 s by default).
pub const TURN_TTL_MS: u64 = 3_000;
/// The sealing key every test server is started with (32 zero-and-up bytes, base64).
pub const SEALING_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap_or_else(|_| PathBuf::from(".."))
}

fn node_bin() -> PathBuf {
    repo_root().join("node_modules").join(".bin")
}

pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub struct Server {
    child: Option<Child>,
    pub port: u16,
    pub url: String,
    pub state_dir: PathBuf,
    /// Keeps a temporary state directory alive for the server's lifetime.
    _temp: Option<tempfile::TempDir>,
}

impl Server {
    /// The wrangler process's id, which is also its process group's (workerd runs in it).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Starts a server with a fresh temporary state directory.
    pub fn start() -> Result<Server> {
        Server::start_with_vars(&[])
    }

    /// Starts a server with a fresh state directory and extra Worker variables.
    pub fn start_with_vars(vars: &[(&str, &str)]) -> Result<Server> {
        let temp = tempfile::Builder::new().prefix("baton-e2e-").tempdir()?;
        let dir = temp.path().to_path_buf();
        let mut server = Server::start_in_with_vars(&dir, vars)?;
        server._temp = Some(temp);
        Ok(server)
    }

    /// Starts a server on an existing state directory (migrations are idempotent).
    pub fn start_in(state_dir: &Path) -> Result<Server> {
        Server::start_in_with_vars(state_dir, &[])
    }

    /// Starts a server on an existing state directory and a given port (a restart that
    /// clients must find where they left it).
    pub fn start_in_on(state_dir: &Path, port: u16) -> Result<Server> {
        Server::launch(state_dir, &[], Some(port))
    }

    /// Starts a server on an existing state directory with extra Worker variables.
    pub fn start_in_with_vars(state_dir: &Path, vars: &[(&str, &str)]) -> Result<Server> {
        Server::launch(state_dir, vars, None)
    }

    /// Starts wrangler; when it lost a port it was given to another process in the moment
    /// between choosing the port and binding it (tests start servers side by side), again on
    /// other ports, up to three times. A port the caller chose is not changed.
    fn launch(state_dir: &Path, vars: &[(&str, &str)], port: Option<u16>) -> Result<Server> {
        let mut attempt = 1;
        loop {
            match Server::launch_once(state_dir, vars, port) {
                Err(err) if port.is_none() && attempt < 3 && err.to_string().contains("Address already in use") => {
                    eprintln!("e2e: wrangler lost its port to another process; starting it again");
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn launch_once(state_dir: &Path, vars: &[(&str, &str)], port: Option<u16>) -> Result<Server> {
        let root = repo_root();
        if !root.join("edge/build/index.js").exists() {
            bail!("the Worker is not built: run `make wasm` (or `make test`, which does)");
        }
        apply_migrations(state_dir)?;
        let port = match port {
            Some(p) => p,
            None => free_port()?,
        };
        let inspector = free_port()?;
        let log = std::fs::File::create(state_dir.join("wrangler.log"))?;
        let mut command = Command::new(node_bin().join("wrangler"));
        command
            .current_dir(&root)
            .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .args(["--inspector-port", &inspector.to_string()])
            .args(["--persist-to", &state_dir.to_string_lossy()])
            .args(["--var", &format!("BATON_SETUP_SECRET:{SETUP_SECRET}")])
            .args(["--var", &format!("BATON_SEALING_KEY:{SEALING_KEY}")])
            .args(["--var", &format!("BATON_TURN_TTL_MS:{TURN_TTL_MS}")])
            // Loops may run every second (the real minimum is 30 s; edge/src/loops/rules.rs).
            .args(["--var", "BATON_LOOP_MIN_INTERVAL_S:1"])
            // The origin every URL the server hands out is built on (never the request's Host).
            .args(["--var", &format!("BATON_PUBLIC_URL:http://127.0.0.1:{port}")])
            // Tests may inject faults (edge/src/platform/db.rs).
            .args(["--var", "BATON_TEST_FAULTS:1"])
            // Webhooks reach the tests' local receivers, and retry fast.
            .args(["--var", "BATON_ALLOW_PRIVATE_WEBHOOKS:1", "--var", "BATON_WEBHOOK_RETRY_MS:200"])
            .args(vars.iter().flat_map(|(k, v)| ["--var".to_owned(), format!("{k}:{v}")]))
            .args(["--show-interactive-dev-session=false", "--log-level", "warn"])
            .env("PATH", path_with_node())
            .env("WRANGLER_SEND_METRICS", "false")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0);
        // Tests post bursts of messages as one person; the limit has its own test, on a server
        // of its own (edge/src/access/throttle.rs).
        if !vars.iter().any(|(k, _)| *k == "BATON_MESSAGE_LIMIT") {
            command.args(["--var", "BATON_MESSAGE_LIMIT:1000000/10"]);
        }
        let child = command.spawn().context("cannot start wrangler: run scripts/setup")?;
        spawn_watchdog(child.id())?;
        let url = format!("http://127.0.0.1:{port}");
        let mut server = Server { child: Some(child), port, url, state_dir: state_dir.to_path_buf(), _temp: None };
        if let Err(err) = server.wait_healthy(Duration::from_secs(90)) {
            let log = std::fs::read_to_string(state_dir.join("wrangler.log")).unwrap_or_default();
            server.stop();
            bail!("{err}\n--- wrangler.log ---\n{log}");
        }
        Ok(server)
    }

    fn wait_healthy(&mut self, limit: Duration) -> Result<()> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    bail!("wrangler dev exited early with {status}");
                }
            }
            if health_ok(self.port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("wrangler dev did not answer /api/health within {limit:?}")
    }

    /// Stops wrangler and workerd, waiting until they are gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let group = child.id() as i32;
            unsafe {
                libc::kill(-group, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if matches!(child.try_wait(), Ok(Some(_))) && !group_alive(group) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            unsafe {
                libc::kill(-group, libc::SIGKILL);
            }
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn group_alive(group: i32) -> bool {
    unsafe { libc::kill(-group, 0) == 0 }
}

fn path_with_node() -> String {
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{old}", node_bin().display())
}

fn apply_migrations(state_dir: &Path) -> Result<()> {
    let output = Command::new(node_bin().join("wrangler"))
        .current_dir(repo_root())
        .args(["d1", "migrations", "apply", "baton", "--local", "--persist-to"])
        .arg(state_dir)
        .env("PATH", path_with_node())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true")
        .stdin(Stdio::null())
        .output()
        .context("cannot run wrangler: run scripts/setup")?;
    if !output.status.success() {
        bail!(
            "wrangler d1 migrations apply failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// A dependency-free health probe, so starting a server needs no async runtime.
fn health_ok(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream.write_all(b"GET /api/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200")
}

/// Kills wrangler's process group once the current process is gone.
fn spawn_watchdog(wrangler_pid: u32) -> Result<()> {
    let me = std::process::id();
    let script = format!(
        "while kill -0 {me} 2>/dev/null; do sleep 1; done; \
         kill -TERM -{wrangler_pid} 2>/dev/null; sleep 3; kill -KILL -{wrangler_pid} 2>/dev/null"
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .context("cannot start the watchdog")?;
    Ok(())
}

/// One server per test binary, with its admin, started on first use.
pub struct Shared {
    pub url: String,
    pub admin_token: String,
    /// Where the server keeps D1, the Durable Objects and R2 (tests look at R2's blobs).
    pub state_dir: PathBuf,
    _server: Server,
}

static SHARED: OnceLock<Shared> = OnceLock::new();

/// The test binary's shared server. Tests keep apart by creating their own workspaces.
pub fn shared() -> &'static Shared {
    SHARED.get_or_init(|| {
        let server = Server::start().unwrap_or_else(|e| panic!("cannot start wrangler dev: {e:#}"));
        let admin_token =
            crate::api::bootstrap_blocking(&server.url).unwrap_or_else(|e| panic!("cannot bootstrap the admin: {e:#}"));
        Shared { url: server.url.clone(), admin_token, state_dir: server.state_dir.clone(), _server: server }
    })
}
