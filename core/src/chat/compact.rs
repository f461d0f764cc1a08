//! A compact JSON encoding of a batch of chunks, for bindings whose JSON parser is the fast path
//! (Node: one `JSON.parse` per batch, and less UTF-8 to UTF-16 transcoding).
//!
//! A batch is `{"h": [id, model, created], "c": [...]}`. A chunk of the common shape (one choice at
//! index 0, the header's id/model/created, no tool calls, no usage) is `[content, finish_reason,
//! role]`; any other chunk is written out whole in the wire shape. The decoder rebuilds the wire
//! shape: `{id, model, created, choices: [{index: 0, delta: {role?, content?}, finish_reason}],
//! usage: null}` (node/src/stream.ts).
use serde::Serialize;

use super::ChatChunk;
use crate::error::{Error, ErrorKind, Result};

#[derive(Serialize)]
struct Batch<'a> {
    h: (&'a Option<String>, &'a Option<String>, Option<i64>),
    c: Vec<Entry<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Entry<'a> {
    Simple(&'a Option<String>, &'a Option<String>, &'a Option<String>),
    Full(&'a ChatChunk),
}

/// Encode a batch (see the module docs).
pub fn encode(batch: &[ChatChunk]) -> Result<String> {
    let Some(first) = batch.first() else { return Ok("{\"h\":[null,null,null],\"c\":[]}".into()) };
    let simple = |c: &ChatChunk| {
        c.id == first.id
            && c.model == first.model
            && c.created == first.created
            && c.usage.is_none()
            && c.choices.len() == 1
            && c.choices[0].index == 0
            && c.choices[0].delta.tool_calls.is_none()
    };
    let c = batch
        .iter()
        .map(|ch| {
            if simple(ch) {
                let choice = &ch.choices[0];
                Entry::Simple(&choice.delta.content, &choice.finish_reason, &choice.delta.role)
            } else {
                Entry::Full(ch)
            }
        })
        .collect();
    serde_json::to_string(&Batch { h: (&first.id, &first.model, first.created), c })
        .map_err(|e| Error::new(ErrorKind::Internal, format!("encode chunks: {e}")))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// The decoder's rule (node/src/stream.ts), to prove the encoding loses nothing.
    fn decode(text: &str) -> Vec<Value> {
        let b: Value = serde_json::from_str(text).unwrap();
        let (id, model, created) = (&b["h"][0], &b["h"][1], &b["h"][2]);
        let entries = b["c"].as_array().unwrap();
        entries
            .iter()
            .map(|e| match e.as_array() {
                Some(t) => {
                    let mut delta = serde_json::Map::new();
                    if !t[2].is_null() {
                        delta.insert("role".into(), t[2].clone());
                    }
                    if !t[0].is_null() {
                        delta.insert("content".into(), t[0].clone());
                    }
                    json!({"id": id, "model": model, "created": created, "usage": null,
                           "choices": [{"index": 0, "delta": delta, "finish_reason": t[1]}]})
                }
                None => e.clone(),
            })
            .collect()
    }

    fn chunk(v: Value) -> ChatChunk {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn common_chunks_are_short_and_every_chunk_round_trips() {
        let batch = vec![
            chunk(
                json!({"id": "c1", "model": "m", "created": 7, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "He"}, "finish_reason": null}]}),
            ),
            chunk(
                json!({"id": "c1", "model": "m", "created": 7, "choices": [{"index": 0, "delta": {"content": "llo"}, "finish_reason": "stop"}]}),
            ),
            chunk(
                json!({"id": "c1", "model": "m", "created": 7, "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "t", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, "finish_reason": null}]}),
            ),
            chunk(
                json!({"id": "c1", "model": "m", "created": 7, "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}),
            ),
            chunk(
                json!({"id": "other", "model": "m", "created": 7, "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": null}]}),
            ),
        ];
        let text = encode(&batch).unwrap();
        assert!(text.starts_with(r#"{"h":["c1","m",7],"c":[["He",null,"assistant"],["llo","stop",null],{"#), "{text}");
        let want: Vec<Value> = batch.iter().map(|c| serde_json::to_value(c).unwrap()).collect();
        let strip_nulls = |mut v: Value| {
            // The wire shape leaves absent fields out; compare present values only.
            fn walk(v: &mut Value) {
                if let Value::Object(m) = v {
                    m.retain(|_, x| !x.is_null());
                    m.values_mut().for_each(walk);
                } else if let Value::Array(a) = v {
                    a.iter_mut().for_each(walk);
                }
            }
            walk(&mut v);
            v
        };
        let got: Vec<Value> = decode(&text).into_iter().map(strip_nulls).collect();
        assert_eq!(got, want.into_iter().map(strip_nulls).collect::<Vec<_>>());
        assert_eq!(encode(&[]).unwrap(), r#"{"h":[null,null,null],"c":[]}"#);
    }
}
