//! Replays the fuzz corpus and every crash reproducer (fuzz/corpus, fuzz/artifacts) on stable.
use std::path::PathBuf;

use agenticstar::fuzzing;

fn replay(target: &str, f: fn(&[u8])) -> usize {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut n = 0;
    for dir in [root.join("corpus").join(target), root.join("artifacts").join(target)] {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let bytes = std::fs::read(entry.path()).unwrap();
            f(&bytes);
            n += 1;
        }
    }
    n
}

#[test]
fn fuzz_corpus_and_crashes_replay_cleanly() {
    for (target, f) in [
        ("sse", fuzzing::sse as fn(&[u8])),
        ("chat_event", fuzzing::chat_event),
        ("token_response", fuzzing::token_response),
        ("callback", fuzzing::callback),
        ("id_token", fuzzing::id_token),
    ] {
        assert!(replay(target, f) > 0, "no corpus for {target}");
    }
}
