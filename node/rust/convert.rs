//! The few values that are not the core's JSON shapes (`agenticstar::surface::token_json`, ...):
//! response metadata, a raw response's bytes, per-call options and a chat request read from JSON text.
use agenticstar::chat::ChatRequest;
use agenticstar::{RawResponse, RequestOptions, ResponseMeta};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::config_err;

/// Status, headers (an object: names lower-case, repeated values joined) and request id.
#[napi(object)]
pub struct NativeResponseMeta {
    pub status: u32,
    pub headers: std::collections::HashMap<String, String>,
    pub request_id: Option<String>,
}

impl From<&ResponseMeta> for NativeResponseMeta {
    fn from(m: &ResponseMeta) -> Self {
        let headers = m.header_map().into_iter().collect();
        NativeResponseMeta { status: m.status.into(), headers, request_id: m.request_id.clone() }
    }
}

#[napi(object)]
pub struct NativeRawResponse {
    pub status: u32,
    pub content_type: Option<String>,
    pub body: Buffer,
    pub response: NativeResponseMeta,
}

impl From<RawResponse> for NativeRawResponse {
    fn from(r: RawResponse) -> Self {
        let response = NativeResponseMeta::from(&r.response);
        NativeRawResponse { status: r.status.into(), content_type: r.content_type, body: r.body.into(), response }
    }
}

/// A JSON result (a completion, a service call's result) as text for `JSON.parse`, with its
/// answer's metadata.
#[napi(object)]
pub struct NativeCompletion {
    pub json: String,
    pub response: Option<NativeResponseMeta>,
}

/// Per-call options: the core's `RequestOptions` as JSON text, `timeout` in milliseconds.
pub(crate) fn request_options(json: Option<&str>) -> Result<RequestOptions> {
    agenticstar::surface::call_options(json, true).map_err(crate::to_napi)
}

/// A request body (JSON text) as the core reads it.
pub(crate) fn chat_request(json: &str) -> Result<ChatRequest> {
    let v = serde_json::from_str(json).map_err(|e| config_err(format!("chat request is not JSON: {e}")))?;
    ChatRequest::from_json(v).map_err(crate::to_napi)
}
