//! The language-neutral vectors in testdata/, run against the core (the bindings run the same files).
use crate::common;

use std::path::PathBuf;

use agenticstar::authcode::parse_callback_with_state;
use agenticstar::chat::{ChatRequest, StreamItem, decode_event};
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

/// The same request gives the same bytes on the wire from every language (they all hand the core
/// the wire's shape); the emulator keeps the body it received.
#[tokio::test]
async fn chat_request_vectors() {
    let e = common::Emu::start().await;
    let client = e.saas_cc();
    for case in cases("chat_requests.json") {
        let sent = e.requests("chat.completions").await.len();
        let outcome = match ChatRequest::from_json(case["request"].clone()) {
            Ok(req) => client.chat_stream(req).collect().await.map(|_| ()),
            Err(e) => Err(e),
        };
        let recorded = e.requests("chat.completions").await;
        match (outcome, case.get("body")) {
            (Ok(()), Some(body)) => {
                assert_eq!(recorded.len(), sent + 1, "{}", case["name"]);
                assert_eq!(&recorded[sent]["body"], body, "{}", case["name"]);
            }
            (Err(err), None) => {
                assert_eq!(json!({"kind": err.kind().as_str()}), case["error"], "{}", case["name"]);
                assert_eq!(recorded.len(), sent, "{}: nothing is sent", case["name"]);
            }
            (r, _) => panic!("{}: unexpected {r:?}", case["name"]),
        }
    }
}

/// A client of `dialect`'s token endpoint on the emulator, without retries (a vector's 429/503
/// answer is the answer), and the endpoint's counter name for faults.
fn token_client(e: &common::Emu, dialect: &str) -> (agenticstar::Client, &'static str) {
    use agenticstar::{Provider, RetryPolicy};
    use common::c;
    let (provider, id, secret, endpoint) = match dialect {
        "oauth" => (
            Provider::oauth(&format!("{}/federation/auth/v1/token", e.url), None).unwrap(),
            c::SAAS_CC_CLIENT_ID,
            c::SAAS_CC_CLIENT_SECRET,
            "saas.token",
        ),
        "marketplace" => (
            Provider::marketplace(&e.url).unwrap(),
            c::MARKETPLACE_CLIENT_ID,
            c::MARKETPLACE_CLIENT_SECRET,
            "marketplace.token",
        ),
        "wrapped" => (
            Provider::wrapped(&format!("{}/v1", e.url)).unwrap(),
            c::WRAPPED_CLIENT_ID,
            c::WRAPPED_CLIENT_SECRET,
            "wrapped.token",
        ),
        d => panic!("dialect {d}"),
    };
    let client = e.builder(provider, id, secret).retry_policy(RetryPolicy { max_retries: 0, ..Default::default() });
    (client.build().unwrap(), endpoint)
}

/// Every token answer, served by the emulator's token endpoint, read by `Client::get_token`.
#[tokio::test]
async fn token_vectors_through_the_client() {
    let e = common::Emu::start().await;
    for case in cases("tokens.json") {
        let (client, endpoint) = token_client(&e, case["dialect"].as_str().unwrap());
        e.fault(json!({"endpoint": endpoint, "status": case["status"], "body": case["body"], "content_type": "application/json"}))
            .await;
        match (client.get_token().await, case.get("expect")) {
            (Ok(t), Some(want)) => {
                let lifetime = t.lifetime().map(|d| d.as_secs());
                let got = json!({
                    "access_token": t.access_token().expose(), "token_type": t.token_type(), "expires_in": lifetime,
                    "refresh_token": t.refresh_token().map(|s| s.expose()), "id_token": t.id_token().map(|s| s.expose()),
                    "scope": t.scopes().map(|s| s.to_string()),
                });
                assert_eq!(&got, want, "{}", case["name"]);
            }
            (Err(err), None) => assert_eq!(error_json(&err), case["error"], "{}", case["name"]),
            (r, _) => panic!("{}: unexpected {r:?}", case["name"]),
        }
        e.admin("/admin/reset", json!({})).await;
    }
}

/// What the chat client yields for a replayed stream: each chunk's text, role and finish reason,
/// then the error that ended it, if any.
async fn replayed(e: &common::Emu, client: &agenticstar::Client, case: &Value) -> Vec<Value> {
    let replay: serde_json::Map<String, Value> =
        ["chunks", "hex_chunks"].iter().filter_map(|k| Some((k.to_string(), case.get(*k)?.clone()))).collect();
    e.fault(json!({"endpoint": "chat.completions", "replay": replay})).await;
    let mut s = client.chat_stream(ChatRequest::user("replay"));
    let mut got = Vec::new();
    while let Some(item) = futures::StreamExt::next(&mut s).await {
        got.push(match item {
            Ok(c) => json!({"text": c.text(), "role": c.choices.first().and_then(|ch| ch.delta.role.clone()), "finish_reason": c.finish_reason()}),
            Err(e) => json!({"error": {"kind": e.kind().as_str(), "code": e.code()}}),
        });
    }
    got
}

/// Every SSE stream, replayed with its chunk splits by the emulator, read by `Client::chat_stream`.
#[tokio::test]
async fn sse_vectors_through_the_client() {
    let e = common::Emu::start().await;
    let client = e.saas_cc();
    for case in cases("sse.json") {
        let got: Vec<Value> = replayed(&e, &client, &case)
            .await
            .into_iter()
            .map(|x| if x.get("text").is_some() { json!({"text": x["text"]}) } else { x })
            .collect();
        assert_eq!(Value::Array(got), case["chat"], "{}", case["name"]);
    }
}

/// Every chat event, replayed as a stream by the emulator, read by `Client::chat_stream`.
#[tokio::test]
async fn chat_vectors_through_the_client() {
    let e = common::Emu::start().await;
    let client = e.saas_cc();
    for case in cases("chat.json") {
        let want = match (case.get("expect"), case.get("error")) {
            (Some(x), _) if x.get("done").is_some() => vec![],
            (Some(x), _) => vec![x.clone()],
            (None, Some(x)) => vec![json!({"error": x})],
            _ => panic!("{}", case["name"]),
        };
        assert_eq!(replayed(&e, &client, &case).await, want, "{}", case["name"]);
    }
}

/// Every callback URL given to `Client::complete_authorization`; the code reaches the token endpoint.
#[tokio::test]
async fn callback_vectors_through_the_client() {
    use agenticstar::authcode::AuthorizationRequest;
    let e = common::Emu::start().await;
    let provider = agenticstar::Provider::oauth(&format!("{}/federation/auth/v1/token", e.url), None).unwrap();
    let client = e
        .builder(provider, common::c::SAAS_APP_CLIENT_ID, common::c::SAAS_APP_CLIENT_SECRET)
        .flow(agenticstar::AuthFlow::AuthorizationCode)
        .build()
        .unwrap();
    for case in cases("callbacks.json") {
        e.admin("/admin/reset", json!({})).await;
        let saved = json!({"url": e.url, "redirect_uri": case["redirect_uri"], "state": case["state"], "nonce": "n"});
        let request: AuthorizationRequest = serde_json::from_value(saved).unwrap();
        let callback = case["callback"].as_str().unwrap();
        match case.get("expect") {
            Some(want) => {
                let answer = json!({"access_token": "at", "token_type": "Bearer", "expires_in": 60});
                e.fault(json!({"endpoint": "saas.token", "status": 200, "body": answer})).await;
                client.complete_authorization(&request, callback).await.unwrap();
                let sent = e.requests("saas.token").await;
                assert_eq!(&json!({"code": sent[0]["form"]["code"]}), want, "{}", case["name"]);
            }
            None => {
                let err = client.complete_authorization(&request, callback).await.unwrap_err();
                assert_eq!(json!({"kind": err.kind().as_str(), "code": err.code()}), case["error"], "{}", case["name"]);
                assert!(e.requests("saas.token").await.is_empty(), "{}", case["name"]);
            }
        }
    }
}

/// Every granted scope string, served in a token answer, checked through `Token::scopes`.
#[tokio::test]
async fn scope_vectors_through_the_client() {
    let e = common::Emu::start().await;
    for case in cases("scopes.json") {
        let (client, endpoint) = token_client(&e, "oauth");
        let answer = json!({"access_token": "at", "token_type": "Bearer", "expires_in": 60, "scope": case["granted"]});
        e.fault(json!({"endpoint": endpoint, "status": 200, "body": answer})).await;
        let t = client.get_token().await.unwrap();
        let s = t.scopes().unwrap();
        for a in case["allows"].as_array().unwrap() {
            assert!(s.allows(a.as_str().unwrap()), "{} allows {a}", case["granted"]);
        }
        for d in case["denies"].as_array().unwrap() {
            assert!(!s.allows(d.as_str().unwrap()), "{} denies {d}", case["granted"]);
        }
    }
}
