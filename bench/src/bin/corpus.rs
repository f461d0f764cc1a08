//! Writes the benchmark corpora for the Python and Node benchmarks:
//!
//! ```sh
//! cargo run -p agenticstar-bench --release --bin corpus -- <out_dir> [chunks]   # default 200000
//! ```
//!
//! Produces `<out_dir>/chat.sse`, `<out_dir>/spec.sse` and `<out_dir>/corpus.json`, the latter
//! giving for each file its size and what a correct decode yields
//! (`{"chat": {"file": "chat.sse", "bytes": N, "events": N, "chunks": N, "text_bytes": N}, ...}`).
use std::path::PathBuf;
use std::process::ExitCode;

use agenticstar_bench::{chat_corpus, spec_corpus};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(dir), chunks) = (args.next(), args.next()) else {
        eprintln!("usage: corpus <out_dir> [chunks (default 200000)]");
        return ExitCode::from(2);
    };
    let chunks: usize = match chunks.as_deref().map(str::parse).unwrap_or(Ok(200_000)) {
        Ok(n) if n > 0 => n,
        _ => {
            eprintln!("chunks must be a positive integer");
            return ExitCode::from(2);
        }
    };
    let dir = PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let mut meta = serde_json::Map::new();
    for c in [chat_corpus(chunks), spec_corpus(chunks)] {
        let file = format!("{}.sse", c.name);
        if let Err(e) = std::fs::write(dir.join(&file), &c.bytes) {
            eprintln!("cannot write {file}: {e}");
            return ExitCode::FAILURE;
        }
        meta.insert(
            c.name.into(),
            serde_json::json!({"file": file, "bytes": c.bytes.len(), "events": c.events, "chunks": c.chunks, "text_bytes": c.text_bytes}),
        );
        println!("{}: {} bytes, {} events, {} chunks", dir.join(&file).display(), c.bytes.len(), c.events, c.chunks);
    }
    let json = serde_json::to_string_pretty(&serde_json::Value::Object(meta)).expect("serializable");
    if let Err(e) = std::fs::write(dir.join("corpus.json"), json + "\n") {
        eprintln!("cannot write corpus.json: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
