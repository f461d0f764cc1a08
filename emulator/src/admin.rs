//! Test-control API under /admin (JSON, no auth).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::faults::Fault;
use crate::http::{Incoming, json_reply};
use crate::keys::KEYS;
use crate::state::{self, Ctx, ENDPOINTS, Settings};

type Reply = Result<Response, Response>;

fn bad(message: impl std::fmt::Display) -> Response {
    json_reply(StatusCode::BAD_REQUEST, json!({ "error": message.to_string() }))
}

fn ok(body: Value) -> Reply {
    Ok(json_reply(StatusCode::OK, body))
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(bad)
}

pub async fn reset(State(ctx): State<Ctx>) -> Reply {
    ctx.with(|s| *s = state::State::default());
    ok(json!({ "ok": true }))
}

pub async fn counters(State(ctx): State<Ctx>) -> Reply {
    ok(ctx.with(|s| json!(s.counters)))
}

/// Per client: live tokens now (`live`, the licences held), the most ever held at once (`peak`).
pub async fn licences(State(ctx): State<Ctx>) -> Reply {
    ok(ctx.with(|s| {
        let mut out = Map::new();
        for (client, peak) in &s.licence_peaks {
            out.insert(client.clone(), json!({ "live": s.live_tokens(client), "peak": peak }));
        }
        Value::Object(out)
    }))
}

pub async fn get_config(State(ctx): State<Ctx>) -> Reply {
    ok(ctx.with(|s| json!(s.settings)))
}

/// Patches the settings: the patch is merged into the current settings as JSON and read back,
/// so unknown keys and wrongly typed values are rejected and `"reply": null` clears the reply.
pub async fn set_config(State(ctx): State<Ctx>, body: Bytes) -> Reply {
    let patch: Map<String, Value> = parse(&body)?;
    ctx.with(|s| {
        let mut merged = json!(s.settings);
        if let Some(fields) = merged.as_object_mut() {
            for (key, value) in patch {
                if !fields.contains_key(&key) {
                    return Err(bad(format!("unknown config key {key:?}")));
                }
                fields.insert(key, value);
            }
        }
        let settings: Settings = serde_json::from_value(merged).map_err(bad)?;
        if settings.chunk_chars == 0 {
            return Err(bad("chunk_chars must be at least 1"));
        }
        s.settings = settings;
        ok(json!(s.settings))
    })
}

pub async fn list_faults(State(ctx): State<Ctx>) -> Reply {
    ok(ctx.with(|s| json!(s.faults)))
}

pub async fn add_fault(State(ctx): State<Ctx>, body: Bytes) -> Reply {
    let fault: Fault = parse(&body)?;
    fault.validate().map_err(bad)?;
    let listed = json!(fault);
    ctx.with(|s| s.faults.push(fault));
    ok(listed)
}

pub async fn clear_faults(State(ctx): State<Ctx>) -> Reply {
    ctx.with(|s| s.faults.clear());
    ok(json!({ "ok": true }))
}

pub async fn rotate_keys(State(ctx): State<Ctx>) -> Reply {
    ctx.with(|s| s.rsa_key = 1);
    ok(json!({ "kid": KEYS.rsa[1].kid }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Revoke {
    access_token: Option<String>,
    #[serde(default)]
    all: bool,
}

pub async fn revoke(State(ctx): State<Ctx>, body: Bytes) -> Reply {
    let request: Revoke = parse(&body)?;
    let revoked = ctx.with(|s| match (&request.access_token, request.all) {
        (_, true) => Some(s.tokens.values_mut().map(|t| t.revoked = true).count()),
        (Some(token), false) => Some(s.tokens.get_mut(token).map(|t| t.revoked = true).into_iter().count()),
        (None, false) => None,
    });
    let revoked = revoked.ok_or_else(|| bad("give access_token or all: true"))?;
    ok(json!({ "revoked": revoked }))
}

pub async fn requests(State(ctx): State<Ctx>, req: Incoming) -> Reply {
    let endpoint = req.query.get("endpoint").map(String::as_str).unwrap_or("");
    let endpoint = ENDPOINTS
        .into_iter()
        .find(|e| *e == endpoint)
        .ok_or_else(|| bad(format!("endpoint must be one of {ENDPOINTS:?}")))?;
    ok(ctx.with(|s| json!(s.requests.get(endpoint).map(|log| log.iter().collect::<Vec<_>>()).unwrap_or_default())))
}
