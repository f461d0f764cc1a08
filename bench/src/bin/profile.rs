//! Runs one decode loop over a corpus, for profilers (`perf record`, `valgrind --tool=callgrind`),
//! whose instruction counts are immune to the noise of a shared machine.
//!
//! ```sh
//! cargo build -p agenticstar-bench --release --bin profile
//! valgrind --tool=callgrind target/release/profile ours_typed chat 4096 20000
//! perf record -g target/release/profile ours 61 chat 200000 20     # repeat 20 times
//! ```
//!
//! Arguments: `<loop> <corpus: chat|spec> <read size> [chunks (20000)] [repeat (1)]`; loops:
//! `none` (corpus generation only, the baseline), `ours`, `ours_typed`, `sse_stream`,
//! `sse_stream_json`, `eventsource_stream`, `eventsource_stream_json`, `sse_core`, `sse_core_json`,
//! `memchr_floor`.
use std::process::ExitCode;

use agenticstar_bench::*;

fn main() -> ExitCode {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() < 3 {
        eprintln!("usage: profile <loop> <chat|spec> <read size> [chunks] [repeat]");
        return ExitCode::from(2);
    }
    let num = |i: usize, d: usize| a.get(i).map_or(Some(d), |v| v.parse().ok().filter(|&n| n > 0));
    let (Some(read), Some(chunks), Some(repeat)) = (num(2, 0), num(3, 20_000), num(4, 1)) else {
        eprintln!("read size, chunks and repeat are positive integers");
        return ExitCode::from(2);
    };
    let corpus = match a[1].as_str() {
        "chat" => chat_corpus(chunks),
        "spec" => spec_corpus(chunks),
        other => {
            eprintln!("unknown corpus {other:?}");
            return ExitCode::from(2);
        }
    };
    let skip = if a[0].starts_with("eventsource") && corpus.name == "spec" { EVENTSOURCE_SKIP } else { 0 };
    let r = reads(&corpus.bytes.slice(skip..), read);
    let f: fn(&[bytes::Bytes]) -> Stats = match a[0].as_str() {
        "none" => |_| Stats::default(),
        "ours" => ours_sse,
        "ours_typed" => ours_typed,
        "sse_stream" => |r| sse_stream(r, false),
        "sse_stream_json" => |r| sse_stream(r, true),
        "eventsource_stream" => |r| eventsource_stream(r, false),
        "eventsource_stream_json" => |r| eventsource_stream(r, true),
        "sse_core" => |r| sse_core(r, false),
        "sse_core_json" => |r| sse_core(r, true),
        "memchr_floor" => memchr_floor,
        other => {
            eprintln!("unknown loop {other:?}");
            return ExitCode::from(2);
        }
    };
    let mut st = Stats::default();
    for _ in 0..repeat {
        st = f(std::hint::black_box(&r));
    }
    println!("{} {} reads of {read}: {st:?} ({} bytes)", a[0], corpus.name, corpus.bytes.len());
    ExitCode::SUCCESS
}
