//! Decode ratios that hold on a shared, noisy machine. Criterion measures each decoder in its own
//! few seconds, so a neighbour's burst lands on one side of a ratio; here ours and the peer decode
//! the same reads in alternation (which goes first alternates too), round after round, and each
//! ratio is the median of the per-round ratios, printed with its range.
//!
//!   paired [ROUNDS] [CHUNKS]     (defaults 15 and 200,000; bench/run calls it)
//!
//! Prints table rows (`| benchmark | MB/s | events/s | result | target |`) for `report --rows`.
use std::hint::black_box;
use std::time::Instant;

use agenticstar_bench::{Stats, chat_corpus, ours_sse, ours_typed, reads, spec_corpus, sse_core, sse_stream};
use bytes::Bytes;

type Decode = fn(&[Bytes]) -> Stats;

fn seconds(f: Decode, r: &[Bytes]) -> f64 {
    let t = Instant::now();
    black_box(f(black_box(r)));
    t.elapsed().as_secs_f64()
}

/// Median and range of `peer time / our time` over `rounds` alternating rounds.
fn ratio(ours: Decode, peer: Decode, r: &[Bytes], rounds: usize) -> (f64, f64, f64) {
    // One untimed pass each: page in the reads and warm the caches and the allocator.
    seconds(ours, r);
    seconds(peer, r);
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|i| {
            let (o, p) = if i % 2 == 0 {
                let o = seconds(ours, r);
                (o, seconds(peer, r))
            } else {
                let p = seconds(peer, r);
                (seconds(ours, r), p)
            };
            p / o
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    (ratios[ratios.len() / 2], ratios[0], ratios[ratios.len() - 1])
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("ROUNDS and CHUNKS are numbers"));
    let rounds = args.next().unwrap_or(15).max(1);
    let chunks = args.next().unwrap_or(200_000);
    let sse_plain: Decode = |r| sse_stream(r, false);
    let sse_json: Decode = |r| sse_stream(r, true);
    let core_plain: Decode = |r| sse_core(r, false);
    let core_json: Decode = |r| sse_core(r, true);
    for corpus in [chat_corpus(chunks), spec_corpus(chunks)] {
        let chat = corpus.name == "chat";
        for size in [4096, 61] {
            let r = reads(&corpus.bytes, size);
            let group = format!("{}-{}", corpus.name, if size == 4096 { "4KiB".into() } else { format!("{size}B") });
            let mut pairs: Vec<(&str, Decode, &str, Decode, f64)> =
                vec![("SSE", ours_sse, "sse-stream", sse_plain, 2.0), ("SSE", ours_sse, "sse-core", core_plain, 0.0)];
            if chat {
                pairs.push(("SSE + typed ChatChunk", ours_typed, "sse-stream+serde_json", sse_json, 2.5));
                pairs.push(("SSE + typed ChatChunk", ours_typed, "sse-core+serde_json", core_json, 2.5));
            }
            for (what, ours, peer, theirs, target) in pairs {
                let (median, lo, hi) = ratio(ours, theirs, &r, rounds);
                let verdict = if target == 0.0 {
                    String::new()
                } else {
                    let pass = if median >= target { "PASS" } else { "FAIL" };
                    format!("≥ {target}x {peer}: {pass} ({median:.2}x)")
                };
                println!(
                    "| paired decode {group} ({} chunks): agenticstar {what} vs {peer} |  |  | {median:.2}x (median of {rounds} alternating rounds; range {lo:.2}x–{hi:.2}x) | {verdict} |",
                    corpus.chunks
                );
            }
        }
    }
}
