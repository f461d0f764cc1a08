//! Request capture and small response helpers shared by all endpoints.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// A whole request with its body read, so handlers can parse leniently and record exactly
/// what was sent (axum's Form/Json extractors would reject bad bodies with their own errors).
pub struct Incoming {
    pub method: Method,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// How a body is interpreted for `/admin/requests`.
#[derive(Clone, Copy)]
pub enum BodyKind {
    None,
    Form,
    Json,
    /// JSON, also kept byte for byte as `body` (the wire-request vectors compare those bytes).
    JsonBytes,
}

impl<S: Send + Sync> FromRequest<S> for Incoming {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let query = parse_urlencoded(req.uri().query().unwrap_or("").as_bytes());
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state).await.map_err(IntoResponse::into_response)?;
        Ok(Self { method, path, query, headers, body })
    }
}

/// Form or query pairs; the first occurrence of a repeated name wins.
fn parse_urlencoded(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(bytes) {
        map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    map
}

/// Credentials from an `Authorization: Basic` header.
pub enum Basic {
    Absent,
    Malformed,
    Given(String, String),
}

impl Incoming {
    pub fn form(&self) -> BTreeMap<String, String> {
        parse_urlencoded(&self.body)
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    fn authorization(&self) -> Option<(&str, &str)> {
        let value = self.headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
        value.split_once(' ').map(|(scheme, rest)| (scheme, rest.trim()))
    }

    pub fn bearer(&self) -> Option<&str> {
        self.authorization().filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")).map(|(_, token)| token)
    }

    /// RFC 6749 §2.3.1: id and secret are form-urlencoded before being joined with ':'.
    pub fn basic(&self) -> Basic {
        let Some((scheme, b64)) = self.authorization() else {
            return Basic::Absent;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return Basic::Absent;
        }
        let decoded = STANDARD.decode(b64).ok().and_then(|raw| String::from_utf8(raw).ok());
        let Some((id, secret)) = decoded.as_deref().and_then(|s| s.split_once(':')) else {
            return Basic::Malformed;
        };
        let unescape =
            |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
        Basic::Given(unescape(id), unescape(secret))
    }

    /// The JSON object stored for `GET /admin/requests`.
    pub fn record(&self, kind: BodyKind) -> Value {
        let has_secret = |body: &Value| body.get("client_secret").is_some();
        let mut record = json!({
            "method": self.method.as_str(),
            "path": self.path,
            "query": self.query,
            "ui_locales": self.query.get("ui_locales"),
            // Custom `x-…` headers (names lower-case), so tests can see what a client added.
            "headers": self.headers.iter()
                .filter(|(k, _)| k.as_str().starts_with("x-"))
                .map(|(k, v)| (k.as_str().to_owned(), json!(String::from_utf8_lossy(v.as_bytes()))))
                .collect::<serde_json::Map<_, _>>(),
        });
        let body = match kind {
            BodyKind::None => None,
            BodyKind::Form => Some(("form", json!(self.form()))),
            BodyKind::Json | BodyKind::JsonBytes => Some(("json", self.json().unwrap_or(Value::Null))),
        };
        let auth_method = match (self.authorization(), &body) {
            (Some((scheme, _)), _) if scheme.eq_ignore_ascii_case("basic") => Some("client_secret_basic"),
            (Some((scheme, _)), _) if scheme.eq_ignore_ascii_case("bearer") => Some("bearer"),
            (_, Some((_, body))) if has_secret(body) => Some("client_secret_post"),
            _ => None,
        };
        record["auth_method"] = json!(auth_method);
        if let Some((key, body)) = body {
            record[key] = body;
        }
        if let BodyKind::JsonBytes = kind {
            record["body"] = json!(String::from_utf8_lossy(&self.body));
        }
        record
    }
}

pub fn json_reply(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// Token responses must not be cached (RFC 6749 §5.1), errors included.
pub fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
