//! SSE + chat chunk decoding, ours against the peer crates, on the same bytes; and the cost of a
//! token cache hit.
//!
//! ```sh
//! cargo bench -p agenticstar-bench --bench decode                          # everything
//! cargo bench -p agenticstar-bench --bench decode -- chat-4KiB             # one group
//! AGENTICSTAR_BENCH_CHUNKS=20000 cargo bench -p agenticstar-bench --bench decode -- --warm-up-time 0.2 --measurement-time 0.5
//! ```
//!
//! Groups `{chat,spec}-{4KiB,61B}`: the corpus (see the library docs) fed in reads of that size.
//! Functions: `ours` (our SSE decoder, events counted and data touched), `ours_typed` (+
//! `decode_event` into typed `ChatChunk`s), `sse_stream`, `eventsource_stream`, `sse_core` (SSE
//! only) and their `_json` variants (+ `serde_json` into a plain derived chunk struct, as their
//! users write), and `memchr_floor` (find every CR/LF and nothing else). Throughput is bytes.
//! Every iteration checks the counts it decoded.
//!
//! `AGENTICSTAR_BENCH_CHUNKS` sets the corpus size (default 200000 chunks, ~40 MB);
//! `AGENTICSTAR_BENCH_META=<file>` writes what each group holds (bytes, events) for `bench/run`.
use std::hint::black_box;

use agenticstar_bench::{
    Corpus, EVENTSOURCE_SKIP, Stats, chat_corpus, eventsource_stream, memchr_floor, ours_sse, ours_typed, reads,
    spec_corpus, sse_core, sse_stream,
};
use bytes::Bytes;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

fn corpus_chunks() -> usize {
    std::env::var("AGENTICSTAR_BENCH_CHUNKS").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(200_000)
}

type Decode = fn(&[Bytes]) -> Stats;

fn decode(c: &mut Criterion) {
    let n = corpus_chunks();
    let mut meta = serde_json::Map::new();
    for corpus in [chat_corpus(n), spec_corpus(n)] {
        for (size, label) in [(4096, "4KiB"), (61, "61B")] {
            let group_name = format!("{}-{label}", corpus.name);
            meta.insert(
                group_name.clone(),
                serde_json::json!({"corpus": corpus.name, "read": size, "bytes": corpus.bytes.len(), "events": corpus.events, "chunks": corpus.chunks}),
            );
            bench_group(c, &group_name, &corpus, size);
        }
    }
    if let Ok(path) = std::env::var("AGENTICSTAR_BENCH_META") {
        let meta = serde_json::json!({"chunks": n, "groups": meta});
        std::fs::write(&path, serde_json::to_string_pretty(&meta).unwrap()).expect("write AGENTICSTAR_BENCH_META");
    }
}

fn bench_group(c: &mut Criterion, name: &str, corpus: &Corpus, size: usize) {
    let r = reads(&corpus.bytes, size);
    let no_bom = if corpus.bytes.starts_with(b"\xEF\xBB\xBF") {
        reads(&corpus.bytes.slice(EVENTSOURCE_SKIP..), size)
    } else {
        r.clone()
    };
    let chat = corpus.name == "chat";
    let (events, chunks) = (corpus.events, corpus.chunks);

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(corpus.bytes.len() as u64));
    // One iteration is a whole corpus (tens of ms to a second): few, equal samples.
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);

    let mut run = |id: &str, input: &[Bytes], f: Decode, typed: bool| {
        g.bench_function(id, |b| {
            b.iter(|| {
                let st = f(black_box(input));
                assert_eq!(st.events, events, "{name}/{id}: events");
                if typed {
                    assert_eq!(st.chunks, chunks, "{name}/{id}: chunks");
                }
                st
            })
        });
    };
    run("ours", &r, ours_sse, false);
    if chat {
        run("ours_typed", &r, ours_typed, true);
    }
    run("sse_stream", &r, |r| sse_stream(r, false), false);
    if chat {
        run("sse_stream_json", &r, |r| sse_stream(r, true), true);
    }
    run("eventsource_stream", &no_bom, |r| eventsource_stream(r, false), false);
    if chat {
        run("eventsource_stream_json", &no_bom, |r| eventsource_stream(r, true), true);
    }
    run("sse_core", &r, |r| sse_core(r, false), false);
    if chat {
        run("sse_core_json", &r, |r| sse_core(r, true), true);
    }
    g.bench_function("memchr_floor", |b| b.iter(|| memchr_floor(black_box(&r))));
    g.finish();
}

/// A cache hit: `tokens().cached()` and `get_token()` polled on a fresh cached token.
fn token(c: &mut Criterion) {
    use agenticstar::{Client, Credentials, Provider};
    use agenticstar_emulator::{Emulator, clients};

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let client = rt.block_on(async {
        let emu = Emulator::start(Default::default()).await.expect("emulator starts");
        let client = Client::builder()
            .provider(Provider::agenticstar(emu.url()).unwrap())
            .credentials(Credentials::new(clients::SAAS_CC_CLIENT_ID, clients::SAAS_CC_CLIENT_SECRET))
            .api_url(emu.url())
            .unwrap()
            .build()
            .unwrap();
        client.get_token().await.expect("token");
        client
    });
    assert!(client.tokens().cached().is_some());

    let mut g = c.benchmark_group("token");
    g.bench_function("cached", |b| b.iter(|| black_box(client.tokens().cached()).expect("cached")));
    g.bench_function("get_token", |b| {
        b.iter(|| futures::executor::block_on(black_box(&client).get_token()).expect("cached token"))
    });
    g.finish();
    drop(client);
    drop(rt);
}

criterion_group!(benches, decode, token);
criterion_main!(benches);
