//! Latency of `get_token()` across a renewal: the two windows in numbers.
//!
//! 6 s tokens (soft window from 3 s left, hard edge 0.6 s before expiry) and a token endpoint
//! delayed by 2 s: `--callers` (8) tasks call `get_token()` back to back from 2 s to 5.5 s after the
//! first token, i.e. through the start of the soft window, the whole delayed background renewal
//! and its landing. Printed: p50/p99/max of the calls before the soft window (cached) and of the
//! calls from its start on (across the renewal), the calls that got the new token, and the token
//! requests (exactly 2 expected: the first token and one renewal).
//!
//! ```sh
//! cargo run -p agenticstar-bench --release --bin renewal
//! ```
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agenticstar::{Client, Credentials, Provider};
use agenticstar_emulator::{Emulator, clients};
use serde_json::json;

fn pct(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn fmt(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns < 10_000 { format!("{ns} ns") } else { format!("{:.1} µs", ns as f64 / 1000.0) }
}

fn summary(mut v: Vec<Duration>) -> String {
    v.sort();
    if v.is_empty() {
        return "no calls".into();
    }
    format!(
        "p50 {} · p99 {} · max {} ({} calls)",
        fmt(pct(&v, 0.5)),
        fmt(pct(&v, 0.99)),
        fmt(*v.last().unwrap()),
        v.len()
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let callers: usize =
        std::env::args().skip_while(|a| a != "--callers").nth(1).and_then(|n| n.parse().ok()).unwrap_or(8);
    let emu = Emulator::start(Default::default()).await.expect("emulator");
    let http = reqwest::Client::new();
    let admin = |path: &str, body: serde_json::Value| {
        let req = http.post(format!("{}{path}", emu.url())).json(&body);
        async move { req.send().await.expect("admin").error_for_status().expect("admin ok") }
    };
    admin("/admin/config", json!({"token_lifetime_secs": 6})).await;
    let client = Client::builder()
        .provider(Provider::agenticstar(emu.url()).unwrap())
        .credentials(Credentials::new(clients::SAAS_CC_CLIENT_ID, clients::SAAS_CC_CLIENT_SECRET))
        .build()
        .unwrap();
    let first = client.get_token().await.unwrap();
    let t0 = Instant::now();
    admin("/admin/faults", json!({"endpoint": "saas.token", "delay_ms": 2000})).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let soft_at = Duration::from_secs(3);
    let until = Duration::from_millis(5500);
    // (elapsed since t0 at the call, latency, got the new token)
    let samples: Arc<Mutex<Vec<(Duration, Duration, bool)>>> = Arc::default();
    let tasks = (0..callers).map(|_| {
        let (client, samples, first) = (client.clone(), samples.clone(), first.clone());
        tokio::spawn(async move {
            let mut local = Vec::with_capacity(1 << 20);
            while t0.elapsed() < until {
                let at = t0.elapsed();
                let s = Instant::now();
                let t = client.get_token().await.expect("get_token");
                local.push((at, s.elapsed(), t.access_token() != first.access_token()));
                tokio::task::yield_now().await;
            }
            samples.lock().unwrap().extend(local);
        })
    });
    futures::future::join_all(tasks).await;
    let samples = std::mem::take(&mut *samples.lock().unwrap());
    let before: Vec<Duration> = samples.iter().filter(|s| s.0 < soft_at).map(|s| s.1).collect();
    let across: Vec<Duration> = samples.iter().filter(|s| s.0 >= soft_at).map(|s| s.1).collect();
    let renewed = samples.iter().filter(|s| s.2).count();
    let requests = emu.counter("saas.token");
    println!("| rust: get_token() before the soft window (cached) | | | {} | |", summary(before));
    println!(
        "| rust: get_token() across a renewal (token endpoint +2 s) | | | {}; {renewed} calls got the new token; {requests} token requests | max ≈ cached, 2 requests: {} |",
        summary(across),
        if requests == 2 && renewed > 0 { "PASS" } else { "FAIL" }
    );
    emu.shutdown();
}
