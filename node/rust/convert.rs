//! The few values that are not the core's JSON shapes (`agenticstar::surface::token_json`, ...):
//! a raw response's bytes, and a chat request read from JSON text.
use agenticstar::RawResponse;
use agenticstar::chat::ChatRequest;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::config_err;

#[napi(object)]
pub struct NativeRawResponse {
    pub status: u32,
    pub content_type: Option<String>,
    pub body: Buffer,
}

impl From<RawResponse> for NativeRawResponse {
    fn from(r: RawResponse) -> Self {
        NativeRawResponse { status: r.status.into(), content_type: r.content_type, body: r.body.into() }
    }
}

/// A request body (JSON text) as the core reads it.
pub(crate) fn chat_request(json: &str) -> Result<ChatRequest> {
    let v = serde_json::from_str(json).map_err(|e| config_err(format!("chat request is not JSON: {e}")))?;
    ChatRequest::from_json(v).map_err(crate::to_napi)
}
