//! Benchmark support for the agenticstar SDK: deterministic SSE corpora, and the decode loops of
//! our decoder and of the peer crates, written once so the criterion bench, the tests and the
//! `corpus` binary all run the very same code on the very same bytes.
//!
//! * [`chat_corpus`]: N OpenAI-style `chat.completion.chunk` events (~200 bytes each, English,
//!   Japanese and emoji content of varying length, a few JSON escapes), then `data: [DONE]`.
//! * [`spec_corpus`]: the same payloads dressed in every shape the SSE spec allows: a BOM, CRLF
//!   and lone CR line ends, comments, `id`, `event`, `retry`, unknown fields, multi-line data.
//!
//! Both are a pure function of their size (a fixed-seed xorshift), so Python and Node benchmarks
//! can read the files written by `cargo run -p agenticstar-bench --release --bin corpus`.

use std::convert::Infallible;

use bytes::Bytes;
use futures::StreamExt;
use serde::Deserialize;

pub use agenticstar;

/// Tiny deterministic PRNG (xorshift64*), so the corpus needs no RNG crate and never changes.
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> Self {
        XorShift(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform-ish in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 33) % n as u64) as usize
    }
}

const SEED: u64 = 0x5EED_A9E7_1C57_A125;

/// Raw JSON string fragments (already escaped) that content is built from.
const ENGLISH: &[&str] = &[
    " the",
    " agent",
    " is",
    " thinking",
    " about",
    " your",
    " question",
    " and",
    " will",
    " answer",
    " shortly",
    ".",
    ",",
    " Here",
    " are",
    " three",
    " options",
    ":",
    " streaming",
    " tokens",
    " quickly",
    " with",
    " OAuth",
    " refresh",
    " ahead",
    " of",
    " expiry",
    " server",
    "-sent",
    " events",
    " JSON",
];
const JAPANESE: &[&str] = &[
    "こんにちは",
    "、",
    "。",
    "世界",
    "エージェント",
    "が",
    "考えて",
    "います",
    "東京",
    "の",
    "天気",
    "は",
    "晴れ",
    "です",
    "ありがとう",
    "ございます",
    "日本語",
    "で",
    "説明",
    "します",
];
const EMOJI: &[&str] = &["🌸", "🍣", "🚀", "✨", "👍", "🤖", "🎉", "☕"];
/// Escapes a real reply contains now and then.
const ESCAPES: &[&str] = &["\\n", "\\n\\n", "\\\"", "\\t", "\\\\", "\\u00e9"];

/// The JSON-escaped content of one delta (what goes between the quotes).
fn content(rng: &mut XorShift) -> String {
    let pieces = 1 + rng.below(7);
    let mut s = String::new();
    for _ in 0..pieces {
        let r = rng.below(100);
        let piece = if r < 55 {
            ENGLISH[rng.below(ENGLISH.len())]
        } else if r < 85 {
            JAPANESE[rng.below(JAPANESE.len())]
        } else if r < 95 {
            EMOJI[rng.below(EMOJI.len())]
        } else {
            ESCAPES[rng.below(ESCAPES.len())]
        };
        s.push_str(piece);
    }
    s
}

const CHUNK_HEAD: &str = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"AGENTIC STAR","choices":[{"index":0,"delta":{"content":""#;
const CHUNK_TAIL: &str = r#""},"finish_reason":null}]}"#;

/// A generated corpus and what decoding it must yield.
#[derive(Clone, Debug)]
pub struct Corpus {
    pub name: &'static str,
    pub bytes: Bytes,
    /// Events an SSE decoder dispatches (per the WHATWG algorithm), `[DONE]` included.
    pub events: usize,
    /// Of those, chat chunks (all but `[DONE]`; `spec` has a few non-JSON events too).
    pub chunks: usize,
    /// Total length in bytes of the decoded `delta.content` of all chunks.
    pub text_bytes: usize,
}

/// Decoded length of a JSON-escaped string fragment from the tables above.
fn unescaped_len(s: &str) -> usize {
    serde_json::from_str::<String>(&format!("\"{s}\"")).map(|s| s.len()).expect("valid escaped fragment")
}

/// `n` OpenAI-style chunks, one `data:` line each, then `data: [DONE]`.
pub fn chat_corpus(n: usize) -> Corpus {
    let mut rng = XorShift::new(SEED);
    let mut out = Vec::with_capacity(n * 205 + 16);
    let mut text_bytes = 0;
    for _ in 0..n {
        let c = content(&mut rng);
        text_bytes += unescaped_len(&c);
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(CHUNK_HEAD.as_bytes());
        out.extend_from_slice(c.as_bytes());
        out.extend_from_slice(CHUNK_TAIL.as_bytes());
        out.extend_from_slice(b"\n\n");
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    Corpus { name: "chat", bytes: Bytes::from(out), events: n + 1, chunks: n, text_bytes }
}

/// `n` events in every shape the spec allows (a BOM first; LF, CRLF and lone CR; comments, ids,
/// event types, retry, unknown fields, multi-line data), then `data: [DONE]`.
///
/// Every event carries data, so each dispatches exactly once. Chunk events carry the same JSON as
/// [`chat_corpus`]; a few carry plain multi-line text instead (they are not chat chunks).
pub fn spec_corpus(n: usize) -> Corpus {
    let mut rng = XorShift::new(SEED ^ 0x5bec);
    let mut out = Vec::with_capacity(n * 230 + 16);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    let (mut chunks, mut text_bytes) = (0, 0);
    for i in 0..n {
        let eol: &[u8] = match rng.below(10) {
            0..=5 => b"\n",
            6..=8 => b"\r\n",
            _ => b"\r",
        };
        let line = |out: &mut Vec<u8>, s: &str| {
            out.extend_from_slice(s.as_bytes());
            out.extend_from_slice(eol);
        };
        if rng.below(8) == 0 {
            line(&mut out, ": keep-alive");
        }
        if rng.below(4) == 0 {
            line(&mut out, &format!("id: {i}"));
        }
        if rng.below(16) == 0 {
            line(&mut out, "retry: 3000");
        }
        if rng.below(16) == 0 {
            line(&mut out, "x-unknown: ignored");
        }
        match rng.below(10) {
            // Multi-line plain text: not a chat chunk.
            0 => {
                line(&mut out, "event: note");
                line(&mut out, "data: first line");
                line(&mut out, "data:second line, no space");
                line(&mut out, "data:  two spaces, one kept");
            }
            // A chunk split over several data lines (valid JSON once joined by LF).
            1 => {
                let c = content(&mut rng);
                text_bytes += unescaped_len(&c);
                chunks += 1;
                let json = format!("{CHUNK_HEAD}{c}{CHUNK_TAIL}");
                let (a, b) = json.split_at(json.find("\"choices\"").expect("has choices"));
                line(&mut out, &format!("data: {a}"));
                line(&mut out, &format!("data: {b}"));
            }
            k => {
                if k == 2 {
                    line(&mut out, "event: message");
                }
                let c = content(&mut rng);
                text_bytes += unescaped_len(&c);
                chunks += 1;
                let sep = if k == 3 { "data:" } else { "data: " };
                line(&mut out, &format!("{sep}{CHUNK_HEAD}{c}{CHUNK_TAIL}"));
            }
        }
        out.extend_from_slice(eol);
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    Corpus { name: "spec", bytes: Bytes::from(out), events: n + 1, chunks, text_bytes }
}

/// Splits `bytes` into reads of `size` bytes (zero-copy slices), as a socket would deliver them.
pub fn reads(bytes: &Bytes, size: usize) -> Vec<Bytes> {
    (0..bytes.len()).step_by(size).map(|i| bytes.slice(i..(i + size).min(bytes.len()))).collect()
}

/// What a decode loop saw: events dispatched, bytes of event data, and (typed loops) chat
/// chunks decoded and bytes of their text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub events: usize,
    pub data_bytes: usize,
    pub chunks: usize,
    pub text_bytes: usize,
}

/// The chunk type a user of a peer SSE crate writes for `serde_json` (as async-openai does):
/// plain derives, owned strings, the fields of an OpenAI `chat.completion.chunk`.
#[derive(Debug, Deserialize)]
pub struct PeerChunk {
    pub id: Option<String>,
    pub object: Option<String>,
    pub created: Option<i64>,
    pub model: Option<String>,
    #[serde(default)]
    pub choices: Vec<PeerChoice>,
    pub usage: Option<PeerUsage>,
}

#[derive(Debug, Deserialize)]
pub struct PeerChoice {
    pub index: u32,
    #[serde(default)]
    pub delta: PeerDelta,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PeerDelta {
    pub role: Option<String>,
    pub content: Option<String>,
    pub tool_calls: Option<Vec<serde_json::Value>>,
}

#[derive(Debug, Deserialize)]
pub struct PeerUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

/// What a peer user does with one event's data: `[DONE]` ends, anything else is a chunk.
#[inline]
fn peer_json(data: &str, st: &mut Stats) {
    if data == "[DONE]" {
        return;
    }
    if let Ok(c) = serde_json::from_str::<PeerChunk>(data) {
        st.chunks += 1;
        st.text_bytes += c.choices.first().and_then(|c| c.delta.content.as_deref()).map_or(0, str::len);
    }
}

fn byte_stream(reads: &[Bytes]) -> impl futures::Stream<Item = Result<Bytes, Infallible>> + Unpin + '_ {
    futures::stream::iter(reads.iter().cloned().map(Ok))
}

/// Our SSE decoder alone: count events and touch their data.
pub fn ours_sse(reads: &[Bytes]) -> Stats {
    let mut st = Stats::default();
    let mut dec = agenticstar::sse::SseDecoder::new();
    for r in reads {
        dec.feed(r, |e| {
            st.events += 1;
            st.data_bytes += e.data.len();
        })
        .expect("within limits");
    }
    dec.finish();
    st
}

/// Our SSE decoder + `agenticstar::chat::decode_event` into typed `ChatChunk`s (what `chat_stream`'s
/// network task does, minus the channel).
pub fn ours_typed(reads: &[Bytes]) -> Stats {
    use agenticstar::chat::{StreamItem, decode_event};
    let mut st = Stats::default();
    let mut dec = agenticstar::sse::SseDecoder::new();
    for r in reads {
        dec.feed(r, |e| {
            st.events += 1;
            st.data_bytes += e.data.len();
            if let Ok(StreamItem::Chunk(c)) = decode_event(e.event, e.data) {
                st.chunks += 1;
                st.text_bytes += c.text().len();
            }
        })
        .expect("within limits");
    }
    dec.finish();
    st
}

/// `sse-stream` 0.3 over a byte stream (`SseByteStream`, what its README recommends for one).
pub fn sse_stream(reads: &[Bytes], json: bool) -> Stats {
    futures::executor::block_on(async {
        let mut st = Stats::default();
        let mut s = sse_stream::SseByteStream::new(byte_stream(reads));
        while let Some(ev) = s.next().await {
            let ev = ev.expect("sse-stream decodes");
            // It also yields metadata-only blocks (retry/id without data): not events.
            let Some(data) = ev.data else { continue };
            st.events += 1;
            st.data_bytes += data.len();
            if json {
                peer_json(&data, &mut st);
            }
        }
        st
    })
}

/// Bytes to skip at the start of [`spec_corpus`] for `eventsource-stream`: version 0.2.3 panics on a
/// leading UTF-8 BOM (`&string[1..]` inside a 3-byte character), so it is fed the corpus without it.
pub const EVENTSOURCE_SKIP: usize = 3;

/// `eventsource-stream` 0.2 (used by async-openai): `stream.eventsource()`.
pub fn eventsource_stream(reads: &[Bytes], json: bool) -> Stats {
    use eventsource_stream::Eventsource;
    futures::executor::block_on(async {
        let mut st = Stats::default();
        let mut s = byte_stream(reads).eventsource();
        while let Some(ev) = s.next().await {
            let ev = ev.expect("eventsource-stream decodes");
            st.events += 1;
            st.data_bytes += ev.data.len();
            if json {
                peer_json(&ev.data, &mut st);
            }
        }
        st
    })
}

/// `sse-core` 0.2's synchronous decoder (`SseDecoder::next` over each read).
pub fn sse_core(reads: &[Bytes], json: bool) -> Stats {
    let mut st = Stats::default();
    let mut dec = sse_core::SseDecoder::new();
    for r in reads {
        let mut buf = r.clone();
        while let Some(ev) = dec.next(&mut buf) {
            if let sse_core::SseEvent::Message(m) = ev.expect("sse-core decodes") {
                st.events += 1;
                st.data_bytes += m.data.len();
                if json {
                    peer_json(&m.data, &mut st);
                }
            }
        }
    }
    st
}

/// The floor: find every line end (CR or LF) with memchr and do nothing else.
pub fn memchr_floor(reads: &[Bytes]) -> Stats {
    let mut st = Stats::default();
    for r in reads {
        st.data_bytes += memchr::memchr2_iter(b'\r', b'\n', r).count();
    }
    st
}

/// Peak resident set size of this process so far (`VmHWM`), in KiB; `None` off Linux.
pub fn vm_hwm_kib() -> Option<u64> {
    proc_status_kib("VmHWM:")
}

/// Current resident set size (`VmRSS`), in KiB.
pub fn vm_rss_kib() -> Option<u64> {
    proc_status_kib("VmRSS:")
}

fn proc_status_kib(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_corpus_shape() {
        let c = chat_corpus(2000);
        let avg = c.bytes.len() as f64 / c.events as f64;
        assert!((185.0..215.0).contains(&avg), "average event size {avg}");
        assert!(c.bytes.ends_with(b"data: [DONE]\n\n"));
        let s = std::str::from_utf8(&c.bytes).unwrap();
        assert!(s.contains("こんにちは") && s.contains("🌸") && s.contains("\\n"));
        assert_eq!(chat_corpus(2000).bytes, c.bytes, "deterministic");
    }

    #[test]
    fn every_decoder_agrees_on_the_chat_corpus() {
        let c = chat_corpus(3000);
        for size in [61, 4096, 1 << 20] {
            let r = reads(&c.bytes, size);
            let want = Stats { events: c.events, data_bytes: 0, chunks: c.chunks, text_bytes: c.text_bytes };
            let typed = ours_typed(&r);
            assert_eq!(
                (typed.events, typed.chunks, typed.text_bytes),
                (want.events, want.chunks, want.text_bytes),
                "ours, {size}"
            );
            let sse = ours_sse(&r);
            assert_eq!(sse.events, c.events);
            assert_eq!(sse.data_bytes, typed.data_bytes);
            for (name, st) in [
                ("sse-stream", sse_stream(&r, true)),
                ("eventsource-stream", eventsource_stream(&r, true)),
                ("sse-core", sse_core(&r, true)),
            ] {
                assert_eq!(st, typed, "{name}, reads of {size}");
            }
            assert_eq!(memchr_floor(&r).data_bytes, 2 * c.events);
        }
    }

    #[test]
    fn spec_corpus_decodes_as_generated() {
        let c = spec_corpus(3000);
        assert!(c.bytes.starts_with(b"\xEF\xBB\xBF"));
        let s = std::str::from_utf8(&c.bytes).unwrap();
        assert!(s.contains("\r\n") && s.contains(": keep-alive") && s.contains("retry: 3000"));
        assert!(s.contains("id: ") && s.contains("data:second") && s.contains("event: note"));
        assert!(s.as_bytes().windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n'), "lone CR");
        let whole = agenticstar::sse::decode_all(&c.bytes).unwrap();
        assert_eq!(whole.len(), c.events);
        assert!(whole.iter().any(|e| e.data == "first line\nsecond line, no space\n two spaces, one kept"));
        for size in [1, 61, 4096] {
            let r = reads(&c.bytes, size);
            let typed = ours_typed(&r);
            assert_eq!(
                (typed.events, typed.chunks, typed.text_bytes),
                (c.events, c.chunks, c.text_bytes),
                "reads of {size}"
            );
        }
    }

    #[test]
    fn peers_agree_on_the_spec_corpus() {
        let c = spec_corpus(3000);
        for size in [61, 4096] {
            let r = reads(&c.bytes, size);
            let ours = ours_typed(&r);
            assert_eq!((ours.events, ours.chunks, ours.text_bytes), (c.events, c.chunks, c.text_bytes));
            assert_eq!(sse_stream(&r, true), ours, "sse-stream");
            assert_eq!(sse_core(&r, true), ours, "sse-core");
            // eventsource-stream 0.2.3 panics on a leading BOM (it slices the str at byte 1).
            let no_bom = reads(&c.bytes.slice(EVENTSOURCE_SKIP..), size);
            assert_eq!(eventsource_stream(&no_bom, true), ours, "eventsource-stream");
        }
    }

    #[test]
    fn hwm_is_readable() {
        assert!(vm_hwm_kib().unwrap() > 0 && vm_rss_kib().unwrap() > 0);
    }
}
