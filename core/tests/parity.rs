//! The language-neutral vectors in testdata/, run against the core (the bindings run the same files).
use std::path::PathBuf;

use agenticstar::authcode::parse_callback_with_state;
use agenticstar::chat::{StreamItem, decode_event};
use agenticstar::provider::parse_token_response;
use agenticstar::sse::SseDecoder;
use agenticstar::{Dialect, Error, Scopes};
use serde_json::{Value, json};

fn cases(file: &str) -> Vec<Value> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata").join(file);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn chunks(case: &Value) -> Vec<Vec<u8>> {
    if let Some(h) = case.get("hex_chunks") {
        return h.as_array().unwrap().iter().map(|c| hex(c.as_str().unwrap())).collect();
    }
    case["chunks"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().as_bytes().to_vec()).collect()
}

fn error_json(e: &Error) -> Value {
    json!({"kind": e.kind().as_str(), "status": e.status(), "code": e.code(), "code_reason": e.code_reason()})
}

#[test]
fn sse_vectors() {
    for case in cases("sse.json") {
        let mut d = SseDecoder::new();
        let mut events = Vec::new();
        for c in chunks(&case) {
            d.feed(&c, |e| events.push(json!({"event": e.event, "data": e.data, "id": e.id}))).unwrap();
        }
        d.finish();
        assert_eq!(Value::Array(events), case["events"], "{}", case["name"]);
        assert_eq!(json!(d.retry()), case["retry"], "{}", case["name"]);
    }
}

#[test]
fn token_vectors() {
    for case in cases("tokens.json") {
        let dialect = Dialect::from_name(case["dialect"].as_str().unwrap()).unwrap();
        let r = parse_token_response(
            dialect,
            case["status"].as_u64().unwrap() as u16,
            None,
            case["body"].as_str().unwrap().as_bytes(),
        );
        match (r, case.get("expect")) {
            (Ok(t), Some(want)) => {
                let got = json!({
                    "access_token": t.access_token.expose(), "token_type": t.token_type, "expires_in": t.expires_in,
                    "refresh_token": t.refresh_token.as_ref().map(|s| s.expose()), "id_token": t.id_token.as_ref().map(|s| s.expose()), "scope": t.scope,
                });
                assert_eq!(&got, want, "{}", case["name"]);
            }
            (Err(e), None) => assert_eq!(error_json(&e), case["error"], "{}", case["name"]),
            (r, _) => panic!("{}: unexpected {r:?}", case["name"]),
        }
    }
}

#[test]
fn chat_vectors() {
    for case in cases("chat.json") {
        let r = decode_event(case["event"].as_str().unwrap(), case["data"].as_str().unwrap());
        let got = match r {
            Ok(StreamItem::Done) => json!({"expect": {"done": true}}),
            Ok(StreamItem::Chunk(c)) => {
                json!({"expect": {"text": c.text(), "role": c.choices.first().and_then(|ch| ch.delta.role.clone()), "finish_reason": c.finish_reason()}})
            }
            Err(e) => json!({"error": {"kind": e.kind().as_str(), "code": e.code()}}),
        };
        let key = if case.get("expect").is_some() { "expect" } else { "error" };
        assert_eq!(got[key], case[key], "{}", case["name"]);
    }
}

#[test]
fn callback_vectors() {
    for case in cases("callbacks.json") {
        match parse_callback_with_state(case["state"].as_str().unwrap(), case["callback"].as_str().unwrap()) {
            Ok(code) => assert_eq!(json!({"code": code.expose()}), case["expect"], "{}", case["name"]),
            Err(e) => {
                assert_eq!(json!({"kind": e.kind().as_str(), "code": e.code()}), case["error"], "{}", case["name"])
            }
        }
    }
}

#[test]
fn scope_vectors() {
    for case in cases("scopes.json") {
        let s = Scopes::parse(case["granted"].as_str().unwrap());
        for a in case["allows"].as_array().unwrap() {
            assert!(s.allows(a.as_str().unwrap()), "{} allows {a}", case["granted"]);
        }
        for d in case["denies"].as_array().unwrap() {
            assert!(!s.allows(d.as_str().unwrap()), "{} denies {d}", case["granted"]);
        }
    }
}
