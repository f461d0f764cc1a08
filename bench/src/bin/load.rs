//! Load and latency over loopback against the in-process emulator.
//!
//! ```sh
//! cargo run -p agenticstar-bench --release --bin load                 # everything, full sizes
//! cargo run -p agenticstar-bench --release --bin load -- --quick      # smoke run
//! cargo run -p agenticstar-bench --release --bin load -- --parts ttfd,stream --stream-mib 256
//! ```
//!
//! Parts (each printed as rows of the `bench/run` table: `| benchmark | MB/s | events/s | result | target |`):
//!
//! * `token`: `--callers` (1000) concurrent `get_token()` on an expired token (token lifetime 1 s,
//!   waited out): token requests seen by the emulator (`saas.token`), latency p50/p90/p99/max.
//! * `chat`: `--streams` (1000) concurrent chat streams from one client, twice: every reply
//!   complete and equal to the emulator's deterministic text, exactly one token request, and
//!   TCP connections opened per wave (counted by a loopback proxy in front of the API); then 100
//!   sequential streams on the warm pool, which must open no new connection. Control rows run
//!   the same with raw reqwest reading each body to its end.
//! * `ttfd`: time to the first delta, median over `--runs` (200) of `chat_stream` + first
//!   chunk vs a raw reqwest POST of the same request (bearer from the cached token) until its first
//!   body chunk, interleaved; the difference is what the SDK adds.
//! * `stream`: a `--stream-mib` (1024) MiB stream (emulator `stream_chunks`) consumed through
//!   `chat_stream().next()` in a child process: MB/s, chunks/s, and peak RSS (`VmHWM`) after a
//!   small warm-up stream and after the big one.
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use agenticstar::chat::ChatRequest;
use agenticstar::{Client, Credentials, Provider};
use agenticstar_bench::{vm_hwm_kib, vm_rss_kib};
use agenticstar_emulator::{Emulator, clients};
use serde_json::{Value, json};

#[derive(Clone, Debug)]
struct Args {
    parts: Vec<String>,
    callers: usize,
    streams: usize,
    runs: usize,
    stream_mib: u64,
    /// Internal: this process is the child that runs the big stream.
    stream_child: bool,
}

const ALL_PARTS: [&str; 4] = ["token", "chat", "ttfd", "stream"];

fn usage() -> &'static str {
    "usage: load [--quick] [--parts token,chat,ttfd,stream] [--callers N] [--streams N] [--runs N] [--stream-mib N] [--no-header]"
}

fn parse_args() -> Result<(Args, bool), String> {
    let mut a = Args {
        parts: ALL_PARTS.map(String::from).to_vec(),
        callers: 1000,
        streams: 1000,
        runs: 200,
        stream_mib: 1024,
        stream_child: false,
    };
    let mut header = true;
    let mut it = std::env::args().skip(1);
    let mut explicit: Vec<(String, String)> = Vec::new();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => {
                a.callers = 100;
                a.streams = 100;
                a.runs = 30;
                a.stream_mib = 32;
            }
            "--no-header" => header = false,
            "--stream-child" => a.stream_child = true,
            "--parts" | "--callers" | "--streams" | "--runs" | "--stream-mib" => {
                let v = it.next().ok_or_else(|| format!("{arg} needs a value"))?;
                explicit.push((arg, v));
            }
            "-h" | "--help" => return Err(usage().into()),
            other => return Err(format!("unknown argument {other:?}\n{}", usage())),
        }
    }
    // Explicit sizes win over --quick, whatever the order.
    for (k, v) in explicit {
        let num = || v.parse::<u64>().ok().filter(|&n| n > 0).ok_or_else(|| format!("{k} needs a positive integer"));
        match k.as_str() {
            "--parts" => {
                a.parts = v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
                if let Some(bad) = a.parts.iter().find(|p| !ALL_PARTS.contains(&p.as_str())) {
                    return Err(format!("unknown part {bad:?} (parts: {})", ALL_PARTS.join(",")));
                }
            }
            "--callers" => a.callers = num()? as usize,
            "--streams" => a.streams = num()? as usize,
            "--runs" => a.runs = num()? as usize,
            _ => a.stream_mib = num()?,
        }
    }
    Ok((a, header))
}

fn main() -> ExitCode {
    let (args, header) = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    if args.stream_child {
        return match rt.block_on(stream_part(&args)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("stream: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if header {
        println!("| benchmark | MB/s | events/s | result | target |");
        println!("|---|---:|---:|---|---|");
    }
    let mut failed = false;
    for part in &args.parts {
        let outcome = match part.as_str() {
            "token" => rt.block_on(token_part(&args)),
            "chat" => rt.block_on(chat_part(&args)),
            "ttfd" => rt.block_on(ttfd_part(&args)),
            _ => stream_in_child(&args),
        };
        if let Err(e) = outcome {
            println!("| load {part} | | | error: {} | FAIL |", e.replace('|', "/"));
            failed = true;
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

type Res<T> = Result<T, String>;

fn err<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> String {
    move |e| format!("{what}: {e}")
}

fn row(name: &str, mbs: &str, eps: &str, result: &str, target: &str) {
    println!("| {name} | {mbs} | {eps} | {result} | {target} |");
}

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

/// Thousands separators: 1000 -> "1,000".
fn n(v: usize) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn fmt_dur(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

/// Nearest-rank percentile of sorted samples.
fn pct(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn percentiles(mut v: Vec<Duration>) -> String {
    v.sort_unstable();
    format!(
        "p50 {} · p90 {} · p99 {} · max {}",
        fmt_dur(pct(&v, 0.5)),
        fmt_dur(pct(&v, 0.9)),
        fmt_dur(pct(&v, 0.99)),
        fmt_dur(*v.last().unwrap_or(&Duration::ZERO))
    )
}

struct Setup {
    emu: Emulator,
    admin: reqwest::Client,
}

impl Setup {
    async fn start() -> Res<Setup> {
        let emu = Emulator::start(Default::default()).await.map_err(err("emulator"))?;
        Ok(Setup { emu, admin: reqwest::Client::builder().no_proxy().build().map_err(err("reqwest"))? })
    }

    async fn config(&self, body: Value) -> Res<()> {
        let r = self
            .admin
            .post(format!("{}/admin/config", self.emu.url()))
            .json(&body)
            .send()
            .await
            .map_err(err("admin/config"))?;
        if !r.status().is_success() {
            return Err(format!("admin/config {body}: {}", r.status()));
        }
        Ok(())
    }

    /// A SaaS client-credentials client; the API at `api` (the emulator unless a proxy is given).
    fn client(&self, api: Option<&str>) -> Res<Client> {
        Client::builder()
            .provider(Provider::agenticstar(self.emu.url()).map_err(err("provider"))?)
            .credentials(Credentials::new(clients::SAAS_CC_CLIENT_ID, clients::SAAS_CC_CLIENT_SECRET))
            .api_url(api.unwrap_or(self.emu.url()))
            .map_err(err("api_url"))?
            .build()
            .map_err(err("client"))
    }
}

// ---- (a) token stampede on an expired token ----

async fn token_part(a: &Args) -> Res<()> {
    let s = Setup::start().await?;
    s.config(json!({"token_lifetime_secs": 1})).await?;
    let client = s.client(None)?;
    let first = client.get_token().await.map_err(err("first token"))?;
    // Renewal is due at half the lifetime; wait until the token has really expired.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    if !first.is_expired() {
        return Err("the token did not expire".into());
    }
    let before = s.emu.counter("saas.token");
    let barrier = Arc::new(tokio::sync::Barrier::new(a.callers));
    let started = Instant::now();
    let tasks: Vec<_> = (0..a.callers)
        .map(|_| {
            let (client, barrier) = (client.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let t = Instant::now();
                let token = client.get_token().await;
                (t.elapsed(), token.map(|t| t.access_token().expose().to_owned()))
            })
        })
        .collect();
    let mut lat = Vec::with_capacity(a.callers);
    let mut tokens = std::collections::HashSet::new();
    let mut errors = 0;
    for t in tasks {
        let (d, tok) = t.await.map_err(err("task"))?;
        lat.push(d);
        match tok {
            Ok(t) => {
                tokens.insert(t);
            }
            Err(_) => errors += 1,
        }
    }
    let wall = started.elapsed();
    let requests = s.emu.counter("saas.token") - before;
    let ok = requests == 1 && errors == 0 && tokens.len() == 1 && !tokens.contains(first.access_token().expose());
    row(
        &format!("load: {} concurrent get_token() on an expired token", n(a.callers)),
        "",
        "",
        &format!(
            "{requests} token request(s), {errors} errors, {} distinct token(s); {} (all done in {})",
            tokens.len(),
            percentiles(lat),
            fmt_dur(wall)
        ),
        &format!("exactly 1 request: {}", pass(ok)),
    );
    s.emu.shutdown();
    Ok(())
}

// ---- (b) 1,000 concurrent chat streams ----

/// A TCP proxy on loopback that counts the connections it accepts.
async fn counting_proxy(target: SocketAddr) -> Res<(String, Arc<AtomicUsize>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(err("proxy bind"))?;
    let addr = listener.local_addr().map_err(err("proxy addr"))?;
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        loop {
            let mut inbound = match listener.accept().await {
                Ok((s, _)) => s,
                Err(e) => {
                    eprintln!("proxy accept: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            count.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let _ = inbound.set_nodelay(true);
                if let Ok(mut out) = tokio::net::TcpStream::connect(target).await {
                    let _ = out.set_nodelay(true);
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                }
            });
        }
    });
    Ok((format!("http://{addr}"), accepted))
}

async fn chat_part(a: &Args) -> Res<()> {
    let s = Setup::start().await?;
    let (proxy, accepted) = counting_proxy(s.emu.local_addr()).await?;
    let client = s.client(Some(&proxy))?;
    let tokens_before = s.emu.counter("saas.token");
    let mut all_ok = true;
    let conns_start = accepted.load(Ordering::Relaxed);
    for wave in 1..=2 {
        let conns_before = accepted.load(Ordering::Relaxed);
        let started = Instant::now();
        let tasks: Vec<_> = (0..a.streams)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move {
                    let prompt = format!("stream {wave}-{i}: 東京の天気 🌸");
                    let want = format!("こんにちは！🌸 You said: {prompt}");
                    let t = Instant::now();
                    let done = client.chat_stream(ChatRequest::user(prompt)).collect().await;
                    let d = t.elapsed();
                    let ok = matches!(&done, Ok(c) if c.text() == want && c.finish_reason() == Some("stop"));
                    (d, ok, done.err().map(|e| e.to_string()))
                })
            })
            .collect();
        let (mut lat, mut good, mut first_err) = (Vec::new(), 0, None);
        for t in tasks {
            let (d, ok, e) = t.await.map_err(err("task"))?;
            lat.push(d);
            good += usize::from(ok);
            if first_err.is_none() {
                first_err = e;
            }
        }
        let wall = started.elapsed();
        let conns = accepted.load(Ordering::Relaxed) - conns_before;
        let total = accepted.load(Ordering::Relaxed) - conns_start;
        let token_requests = s.emu.counter("saas.token") - tokens_before;
        // New connections per wave are informative only (a wave's peak concurrency varies with
        // scheduling); reuse is judged by the sequential run below.
        let ok = good == a.streams && token_requests == 1;
        all_ok &= ok;
        let err_note = first_err.map(|e| format!("; first error: {}", e.replace('|', "/"))).unwrap_or_default();
        row(
            &format!("load: {} concurrent chat streams, one client (wave {wave}/2)", n(a.streams)),
            "",
            &format!("{:.0}", a.streams as f64 / wall.as_secs_f64()),
            &format!(
                "{good}/{} complete and correct; token requests so far {token_requests}; {conns} new TCP connection(s) ({total} for {} streams so far); stream time {}; wall {}{err_note}",
                a.streams,
                a.streams * wave,
                percentiles(lat),
                fmt_dur(wall)
            ),
            &format!("all correct, 1 token request: {}", pass(ok)),
        );
    }
    // Sequential streams on a warm pool: each must find the previous one's connection.
    let seq = 100.min(a.streams);
    let conns_before = accepted.load(Ordering::Relaxed);
    let mut seq_ok = 0;
    for i in 0..seq {
        let prompt = format!("sequential {i}");
        let want = format!("こんにちは！🌸 You said: {prompt}");
        let c = client.chat_stream(ChatRequest::user(prompt)).collect().await;
        seq_ok += usize::from(matches!(&c, Ok(c) if c.text() == want));
    }
    let seq_conns = accepted.load(Ordering::Relaxed) - conns_before;
    let ok = seq_ok == seq && seq_conns <= 1;
    all_ok &= ok;
    row(
        &format!("load: {seq} sequential chat streams on the warm pool"),
        "",
        "",
        &format!("{seq_ok}/{seq} correct; {seq_conns} new TCP connection(s)"),
        &format!("connections reused (≤ 1 new): {}", pass(ok)),
    );
    // Control: the same two waves with raw reqwest reading each body to its end, to tell the
    // pool's behaviour from the SDK's.
    let bearer = client.get_token().await.map_err(err("token"))?.access_token().expose().to_owned();
    let raw = reqwest::Client::builder().no_proxy().build().map_err(err("reqwest"))?;
    for wave in 1..=2 {
        let conns_before = accepted.load(Ordering::Relaxed);
        let started = Instant::now();
        let tasks: Vec<_> = (0..a.streams)
            .map(|i| {
                let (raw, bearer, url) = (raw.clone(), bearer.clone(), format!("{proxy}/v1/chat/completions"));
                tokio::spawn(async move {
                    let body = json!({"model": "AGENTIC STAR", "messages": [{"role": "user", "content": format!("raw {wave}-{i}")}], "stream": true});
                    let mut resp = raw.post(url).bearer_auth(bearer).json(&body).send().await.ok()?;
                    let mut seen = Vec::new();
                    while let Some(b) = resp.chunk().await.ok()? {
                        seen.extend_from_slice(&b);
                    }
                    seen.ends_with(b"data: [DONE]\n\n").then_some(())
                })
            })
            .collect();
        let mut good = 0;
        for t in tasks {
            good += usize::from(t.await.map_err(err("task"))?.is_some());
        }
        let conns = accepted.load(Ordering::Relaxed) - conns_before;
        row(
            &format!("load (control): {} concurrent raw reqwest streams read to EOF (wave {wave}/2)", n(a.streams)),
            "",
            &format!("{:.0}", a.streams as f64 / started.elapsed().as_secs_f64()),
            &format!("{good}/{} complete; {conns} new TCP connection(s)", a.streams),
            "",
        );
    }
    let conns_before = accepted.load(Ordering::Relaxed);
    for i in 0..seq {
        let body = json!({"model": "AGENTIC STAR", "messages": [{"role": "user", "content": format!("raw sequential {i}")}], "stream": true});
        let mut resp = raw
            .post(format!("{proxy}/v1/chat/completions"))
            .bearer_auth(&bearer)
            .json(&body)
            .send()
            .await
            .map_err(err("raw"))?;
        while resp.chunk().await.map_err(err("raw"))?.is_some() {}
    }
    row(
        &format!("load (control): {seq} sequential raw reqwest streams read to EOF"),
        "",
        "",
        &format!("{} new TCP connection(s)", accepted.load(Ordering::Relaxed) - conns_before),
        "",
    );
    s.emu.shutdown();
    if all_ok { Ok(()) } else { Err("chat streams: see the rows above".into()) }
}

// ---- (c) time to first delta ----

async fn ttfd_part(a: &Args) -> Res<()> {
    let s = Setup::start().await?;
    let client = s.client(None)?;
    let token = client.get_token().await.map_err(err("token"))?;
    let bearer = token.access_token().expose().to_owned();
    let raw = reqwest::Client::builder().no_proxy().build().map_err(err("reqwest"))?;
    let url = format!("{}/v1/chat/completions", s.emu.url());
    // The very body chat_stream sends for ChatRequest::user("Hello").
    let body = json!({"model": "AGENTIC STAR", "messages": [{"role": "user", "content": "Hello"}], "stream": true});

    let ours = || async {
        let t = Instant::now();
        let mut st = client.chat_stream(ChatRequest::user("Hello"));
        let first = st.next().await;
        let d = t.elapsed();
        match first {
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(format!("chat_stream: {e}")),
            None => return Err("chat_stream: empty".into()),
        }
        // Read to the end so the connection goes back to the pool (as for the raw request).
        while let Some(c) = st.next().await {
            c.map_err(err("chat_stream"))?;
        }
        Ok(d)
    };
    let raw_once = || async {
        let t = Instant::now();
        let mut resp = raw
            .post(&url)
            .bearer_auth(&bearer)
            .header("accept", "text/event-stream")
            .json(&body)
            .send()
            .await
            .map_err(err("raw POST"))?;
        if !resp.status().is_success() {
            return Err(format!("raw POST: {}", resp.status()));
        }
        let first = resp.chunk().await.map_err(err("raw body"))?;
        let d = t.elapsed();
        if first.is_none_or(|b| !b.starts_with(b"data: ")) {
            return Err("raw POST: no SSE data".into());
        }
        while resp.chunk().await.map_err(err("raw body"))?.is_some() {}
        Ok(d)
    };
    for _ in 0..20.min(a.runs) {
        ours().await?;
        raw_once().await?;
    }
    let (mut o, mut r) = (Vec::with_capacity(a.runs), Vec::with_capacity(a.runs));
    for i in 0..a.runs {
        // Interleave, alternating which goes first, so drift hits both alike.
        if i % 2 == 0 {
            o.push(ours().await?);
            r.push(raw_once().await?);
        } else {
            r.push(raw_once().await?);
            o.push(ours().await?);
        }
    }
    o.sort_unstable();
    r.sort_unstable();
    let (mo, mr) = (pct(&o, 0.5), pct(&r, 0.5));
    let added_us = mo.as_secs_f64() * 1e6 - mr.as_secs_f64() * 1e6;
    row(
        &format!("load: time to first delta (median of {})", a.runs),
        "",
        "",
        &format!(
            "chat_stream {} (p90 {}) vs raw reqwest {} (p90 {}): adds {added_us:.0} µs",
            fmt_dur(mo),
            fmt_dur(pct(&o, 0.9)),
            fmt_dur(mr),
            fmt_dur(pct(&r, 0.9))
        ),
        &format!("adds < 1 ms: {}", pass(added_us < 1000.0)),
    );
    s.emu.shutdown();
    Ok(())
}

// ---- (d) a big stream in constant memory ----

/// Runs the stream part in a child process so its peak RSS is its own, forwarding its rows.
fn stream_in_child(a: &Args) -> Res<()> {
    let exe = std::env::current_exe().map_err(err("current_exe"))?;
    let out = std::process::Command::new(exe)
        .args(["--stream-child", "--stream-mib", &a.stream_mib.to_string()])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(err("child"))?;
    print!("{}", String::from_utf8_lossy(&out.stdout));
    if out.status.success() { Ok(()) } else { Err(format!("stream child exited with {}", out.status)) }
}

async fn stream_part(a: &Args) -> Res<()> {
    let s = Setup::start().await?;
    let client = s.client(None)?;
    let token = client.get_token().await.map_err(err("token"))?;
    // Measure the wire size of one generated event (the emulator cycles through 4 shapes).
    let raw = reqwest::Client::builder().no_proxy().build().map_err(err("reqwest"))?;
    let mut sizes = Vec::new();
    for k in [1000u64, 2000] {
        s.config(json!({"stream_chunks": k})).await?;
        let body = json!({"model": "AGENTIC STAR", "messages": [{"role": "user", "content": "Hello"}], "stream": true});
        let resp = raw
            .post(format!("{}/v1/chat/completions", s.emu.url()))
            .bearer_auth(token.access_token().expose())
            .json(&body)
            .send()
            .await
            .map_err(err("size probe"))?;
        sizes.push(resp.bytes().await.map_err(err("size probe"))?.len() as u64);
    }
    let per_event = (sizes[1] - sizes[0]) as f64 / 1000.0;
    let tail = sizes[0] as f64 - 1000.0 * per_event;

    let consume = |chunks: u64| {
        let client = client.clone();
        async move {
            let t = Instant::now();
            let mut st = client.chat_stream(ChatRequest::user("Hello"));
            st.set_accumulate(false); // constant memory: do not keep a gigabyte of text
            let (mut got, mut text, mut max_rss) = (0u64, 0u64, 0u64);
            while let Some(c) = st.next().await {
                let c = c.map_err(err("stream"))?;
                got += 1;
                text += c.text().len() as u64;
                if got % 65_536 == 0 {
                    max_rss = max_rss.max(vm_rss_kib().unwrap_or(0));
                }
            }
            if got != chunks + 1 || st.finish_reason() != Some("stop") {
                return Err(format!("stream: {got} chunks (want {}), finish {:?}", chunks + 1, st.finish_reason()));
            }
            Ok::<_, String>((t.elapsed(), text, max_rss))
        }
    };

    // Warm-up: a ~4 MiB stream brings buffers, pools and the allocator to their working size.
    let warm = ((4 << 20) as f64 / per_event) as u64;
    s.config(json!({"stream_chunks": warm})).await?;
    consume(warm).await?;
    let hwm_before = vm_hwm_kib().unwrap_or(0);

    let total_bytes = (a.stream_mib << 20) as f64;
    let chunks = ((total_bytes - tail) / per_event).max(1.0) as u64;
    s.config(json!({"stream_chunks": chunks})).await?;
    let (elapsed, text, max_rss) = consume(chunks).await?;
    let hwm_after = vm_hwm_kib().unwrap_or(0);
    let wire = chunks as f64 * per_event + tail;
    let secs = elapsed.as_secs_f64();
    let growth_mib = (hwm_after as f64 - hwm_before as f64) / 1024.0;
    row(
        &format!("load: {} MiB stream through chat_stream().next()", a.stream_mib),
        &format!("{:.0}", wire / secs / 1e6),
        &format!("{:.0}", (chunks + 1) as f64 / secs),
        &format!(
            "{} chunks ({:.0} B each) in {}; peak RSS {:.1} MiB after warm-up, {:.1} MiB after (+{growth_mib:.1} MiB; max sampled RSS {:.1} MiB); text delivered {:.1} MiB",
            n(chunks as usize + 1),
            per_event,
            fmt_dur(elapsed),
            hwm_before as f64 / 1024.0,
            hwm_after as f64 / 1024.0,
            max_rss as f64 / 1024.0,
            text as f64 / (1 << 20) as f64,
        ),
        &format!("constant memory (growth < 16 MiB): {}", pass(growth_mib < 16.0)),
    );
    s.emu.shutdown();
    Ok(())
}
