//! Request loads: sequential latency and closed-loop concurrent throughput, each bounded.

use std::time::{Duration, Instant};

use e2e::api::Api;

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub samples: usize,
}

pub fn percentiles(mut samples_ms: Vec<f64>) -> Latency {
    samples_ms.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| {
        if samples_ms.is_empty() {
            return f64::NAN;
        }
        let i = ((samples_ms.len() as f64 - 1.0) * q).round() as usize;
        samples_ms[i]
    };
    Latency { p50: at(0.50), p99: at(0.99), samples: samples_ms.len() }
}

/// `count` requests one after another.
pub async fn sequential_latency(api: &Api, count: usize, make: impl Fn(&Api) -> reqwest::RequestBuilder) -> Latency {
    let mut samples = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        let response = make(api).send().await.expect("request");
        assert!(response.status().is_success(), "{}", response.status());
        let _ = response.bytes().await;
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    percentiles(samples)
}

#[derive(Debug, Clone)]
pub struct Throughput {
    pub per_second: f64,
    pub requests: usize,
    pub errors: usize,
    /// What the first failed request got, to say why in the report.
    pub first_error: Option<String>,
    pub latency: Latency,
}

/// `concurrency` clients, each sending its next request when the last one is answered, for
/// `duration`.
pub async fn throughput(
    api: &Api,
    concurrency: usize,
    duration: Duration,
    make: impl Fn(&Api) -> reqwest::RequestBuilder + Send + Sync + Clone + 'static,
) -> Throughput {
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let api = api.clone();
            let make = make.clone();
            tokio::spawn(async move {
                let (mut samples, mut errors, mut first_error) = (Vec::new(), 0usize, None);
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    match make(&api).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            samples.push(sent.elapsed().as_secs_f64() * 1000.0);
                        }
                        Ok(r) => {
                            errors += 1;
                            if first_error.is_none() {
                                first_error = Some(format!("{}: {}", r.status(), r.text().await.unwrap_or_default()));
                            }
                        }
                        Err(err) => {
                            errors += 1;
                            first_error.get_or_insert_with(|| err.to_string());
                        }
                    }
                }
                (samples, errors, first_error)
            })
        })
        .collect();
    let (mut all, mut errors, mut first_error) = (Vec::new(), 0, None);
    for task in tasks {
        let (samples, e, first) = task.await.expect("load task");
        all.extend(samples);
        errors += e;
        first_error = first_error.or(first);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let requests = all.len();
    Throughput { per_second: requests as f64 / elapsed, requests, errors, first_error, latency: percentiles(all) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let l = percentiles((1..=100).map(f64::from).collect());
        assert_eq!((l.p50, l.p99, l.samples), (51.0, 99.0, 100));
    }
}
