//! Builds the one table `bench/run` prints: the criterion decode/token results of this run (MB/s,
//! events/s, ratios against the peers measured in the same run, target checks), followed by the
//! rows of other reports (the load binary, the Python and Node benchmarks).
//!
//! ```sh
//! report --criterion target/criterion --meta target/criterion/agenticstar-meta.json [--rows FILE]...
//! ```
//!
//! Rows files hold markdown rows `| benchmark | MB/s | events/s | result | target |`; header and
//! separator lines, and anything not starting with `|`, are skipped.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

struct Args {
    criterion: PathBuf,
    meta: PathBuf,
    rows: Vec<PathBuf>,
}

fn parse() -> Result<Args, String> {
    let (mut criterion, mut meta, mut rows) = (None, None, Vec::new());
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut v = || it.next().map(PathBuf::from).ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--criterion" => criterion = Some(v()?),
            "--meta" => meta = Some(v()?),
            "--rows" => rows.push(v()?),
            _ => return Err(format!("unknown argument {a:?}")),
        }
    }
    let usage = "usage: report --criterion DIR --meta FILE [--rows FILE]...";
    Ok(Args { criterion: criterion.ok_or(usage)?, meta: meta.ok_or(usage)?, rows })
}

/// Median time of one iteration in ns, from `<dir>/<group>/<function>/new/estimates.json`.
fn median_ns(dir: &Path, group: &str, function: &str) -> Option<f64> {
    let p = dir.join(group).join(function).join("new").join("estimates.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()?;
    v.pointer("/median/point_estimate")?.as_f64()
}

fn si(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.2} G", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1} k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

struct Group {
    name: String,
    bytes: f64,
    events: f64,
}

impl Group {
    fn mbs(&self, ns: f64) -> f64 {
        self.bytes / ns * 1e3
    }
    fn eps(&self, ns: f64) -> f64 {
        self.events / ns * 1e9
    }
}

const PEERS: [(&str, &str); 3] =
    [("sse_stream", "sse-stream"), ("eventsource_stream", "eventsource-stream"), ("sse_core", "sse-core")];

fn pass(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let meta: Value = match std::fs::read_to_string(&args.meta)
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("cannot read {}: {e}", args.meta.display());
            return ExitCode::FAILURE;
        }
    };
    let dir = &args.criterion;
    println!("| benchmark | MB/s | events/s | result | target |");
    println!("|---|---:|---:|---|---|");
    let chunks = meta["chunks"].as_u64().unwrap_or(0);
    for name in ["chat-4KiB", "chat-61B", "spec-4KiB", "spec-61B"] {
        let Some(m) = meta.pointer(&format!("/groups/{name}")) else { continue };
        let g = Group {
            name: name.into(),
            bytes: m["bytes"].as_f64().unwrap_or(0.0),
            events: m["events"].as_f64().unwrap_or(0.0),
        };
        let label = |f: &str| format!("decode {} ({} chunks, {:.1} MB): {f}", g.name, chunks, g.bytes / 1e6);
        let line = |f: &str, ns: f64, result: String, target: String| {
            println!("| {} | {:.0} | {} | {result} | {target} |", label(f), g.mbs(ns), si(g.eps(ns)));
        };
        let t = |f: &str| median_ns(dir, name, f);
        // Our decoder, SSE only, against each peer's SSE-only loop.
        if let Some(ours) = t("ours") {
            let ratios: Vec<String> =
                PEERS.iter().filter_map(|(id, l)| t(id).map(|p| format!("{:.2}x {l}", p / ours))).collect();
            let target = match t("sse_stream") {
                Some(p) => format!("≥ 2x sse-stream: {} ({:.2}x)", pass(p / ours >= 2.0), p / ours),
                None => String::new(),
            };
            line("agenticstar SSE", ours, ratios.join(", "), target);
        }
        // Decoder + typed chunks, against each peer + serde_json.
        if let Some(ours) = t("ours_typed") {
            let peer: Vec<(f64, &str)> =
                PEERS.iter().filter_map(|(id, l)| t(&format!("{id}_json")).map(|p| (p / ours, *l))).collect();
            let ratios: Vec<String> = peer.iter().map(|(r, l)| format!("{r:.2}x {l}+serde_json")).collect();
            let target = match peer.iter().min_by(|a, b| a.0.total_cmp(&b.0)) {
                Some((r, l)) => format!("≥ 2.5x fastest peer+serde_json ({l}): {} ({r:.2}x)", pass(*r >= 2.5)),
                None => String::new(),
            };
            line("agenticstar SSE + typed ChatChunk", ours, ratios.join(", "), target);
        }
        for (id, l) in PEERS {
            if let Some(ns) = t(id) {
                line(&format!("{l} (SSE only)"), ns, String::new(), String::new());
            }
            if let Some(ns) = t(&format!("{id}_json")) {
                line(&format!("{l} + serde_json"), ns, String::new(), String::new());
            }
        }
        if let Some(floor) = t("memchr_floor") {
            let of = t("ours")
                .map(|o| format!("agenticstar SSE at {:.0}% of the floor", floor / o * 100.0))
                .unwrap_or_default();
            line("memchr line scan (floor)", floor, of, String::new());
        }
    }
    for (id, what) in [("cached", "tokens().cached()"), ("get_token", "get_token() (block_on)")] {
        if let Some(ns) = median_ns(dir, "token", id) {
            println!("| token cache hit: {what} | | | {ns:.0} ns per call | < 100 ns: {} |", pass(ns < 100.0));
        }
    }
    for path in &args.rows {
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("(no rows in {})", path.display());
            continue;
        };
        for l in text.lines() {
            let l = l.trim();
            if l.starts_with('|') && !l.starts_with("| benchmark |") && !l.starts_with("|---") {
                println!("{l}");
            }
        }
    }
    ExitCode::SUCCESS
}
