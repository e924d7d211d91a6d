//! A local webhook receiver on loopback: answers each request as told (a status, or a
//! redirect), and keeps every request's headers and body for the test to read. It runs on a
//! thread of its own so it outlives any one test's runtime.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A received request: its headers (lowercase names) and body.
pub type Received = (Vec<(String, String)>, String);

pub struct Receiver {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Answers the first `failures` requests with 500, then 200.
    pub fn start(failures: usize) -> Receiver {
        Receiver::holding_first(failures, Duration::ZERO)
    }

    /// As [`Receiver::start`], but keeps the first request waiting `hold` before it answers: a
    /// test can stop the sender while its first request is still in flight.
    pub fn holding_first(failures: usize, hold: Duration) -> Receiver {
        Receiver::answering(move |n| {
            if n == 0 {
                std::thread::sleep(hold);
            }
            if n < failures {
                "500 Internal Server Error\r\ncontent-length: 0".to_owned()
            } else {
                "200 OK\r\ncontent-length: 0".to_owned()
            }
        })
    }

    /// Answers every request with a redirect to `location`.
    pub fn redirecting(location: &str) -> Receiver {
        let location = location.to_owned();
        Receiver::answering(move |_| format!("302 Found\r\nlocation: {location}\r\ncontent-length: 0"))
    }

    /// `answer(n)` is the status line's tail and the headers for the n-th request (0-based); it
    /// runs after the request is recorded, so it may also wait.
    fn answering(answer: impl Fn(usize) -> String + Send + 'static) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}/hook", listener.local_addr().expect("its address"));
        let requests: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = requests.clone();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { continue };
                let Some(received) = read_request(&stream) else { continue };
                seen.lock().expect("not poisoned").push(received);
                let _ = write!(stream, "HTTP/1.1 {}\r\nconnection: close\r\n\r\n", answer(n));
            }
        });
        Receiver { url, requests }
    }

    /// Waits (20 s at most) until `n` requests arrived, and answers them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.requests.lock().expect("not poisoned").clone();
            if got.len() >= n {
                return got;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "{} of {n} webhook requests within 20 s", got.len());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn count(&self) -> usize {
        self.requests.lock().expect("not poisoned").len()
    }
}

fn read_request(stream: &std::net::TcpStream) -> Option<Received> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut headers = Vec::new();
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let Some((k, v)) = line.trim_end().split_once(": ") else { break };
        headers.push((k.to_ascii_lowercase(), v.to_owned()));
    }
    let length = headers.iter().find(|(k, _)| k == "content-length").map_or(0, |(_, v)| v.parse().unwrap_or(0));
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((headers, String::from_utf8_lossy(&body).into_owned()))
}
