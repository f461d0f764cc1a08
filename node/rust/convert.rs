//! Plain-data conversions between core types and JS objects (camelCased by napi).
use std::collections::HashMap;

use agenticstar::authcode::{AuthorizationRequest, AuthorizeOptions};
use agenticstar::chat::ChatRequest;
use agenticstar::{RawResponse, RequestOptions, ResponseMeta, Secret, SignIn, StoredToken, Token};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::config_err;

#[napi(object)]
pub struct NativeToken {
    pub access_token: String,
    pub token_type: String,
    /// Space-separated, as granted.
    pub scope: Option<String>,
    /// Seconds left when this object was made.
    pub expires_in: Option<f64>,
    /// Unix seconds.
    pub expires_at: Option<f64>,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

impl From<&Token> for NativeToken {
    fn from(t: &Token) -> Self {
        NativeToken {
            access_token: t.access_token().expose().to_owned(),
            token_type: t.token_type().to_owned(),
            scope: t.scopes().map(|s| s.to_string()),
            expires_in: t.expires_in().map(|d| d.as_secs_f64()),
            expires_at: t.expires_at_unix().map(|s| s as f64),
            refresh_token: t.refresh_token().map(|s| s.expose().to_owned()),
            id_token: t.id_token().map(|s| s.expose().to_owned()),
        }
    }
}

/// A token as persisted by a JS token store (same fields as the core's `StoredToken`).
#[napi(object)]
pub struct NativeStoredToken {
    pub access_token: String,
    pub token_type: Option<String>,
    pub scope: Option<String>,
    /// Unix seconds.
    pub expires_at: Option<f64>,
    pub lifetime_secs: Option<f64>,
    pub refresh_token: Option<String>,
    /// Unix seconds.
    pub refresh_expires_at: Option<f64>,
    pub id_token: Option<String>,
}

fn secs(v: Option<f64>) -> Option<u64> {
    v.filter(|x| x.is_finite() && *x >= 0.0).map(|x| x as u64)
}

impl From<NativeStoredToken> for StoredToken {
    fn from(s: NativeStoredToken) -> Self {
        StoredToken {
            access_token: Secret::from(s.access_token),
            token_type: s.token_type.unwrap_or_else(|| "Bearer".into()),
            scope: s.scope,
            expires_at: secs(s.expires_at),
            lifetime_secs: secs(s.lifetime_secs),
            refresh_token: s.refresh_token.map(Secret::from),
            refresh_expires_at: secs(s.refresh_expires_at),
            id_token: s.id_token.map(Secret::from),
        }
    }
}

impl From<&StoredToken> for NativeStoredToken {
    fn from(s: &StoredToken) -> Self {
        NativeStoredToken {
            access_token: s.access_token.expose().to_owned(),
            token_type: Some(s.token_type.clone()),
            scope: s.scope.clone(),
            expires_at: s.expires_at.map(|x| x as f64),
            lifetime_secs: s.lifetime_secs.map(|x| x as f64),
            refresh_token: s.refresh_token.as_ref().map(|x| x.expose().to_owned()),
            refresh_expires_at: s.refresh_expires_at.map(|x| x as f64),
            id_token: s.id_token.as_ref().map(|x| x.expose().to_owned()),
        }
    }
}

#[napi(object)]
pub struct NativeAuthorizeOptions {
    pub redirect_uri: String,
    pub scope: Option<String>,
    pub ui_locales: Option<String>,
    pub pkce: Option<bool>,
    pub extra: Option<HashMap<String, String>>,
}

impl From<NativeAuthorizeOptions> for AuthorizeOptions {
    fn from(o: NativeAuthorizeOptions) -> Self {
        let mut a = AuthorizeOptions::new(o.redirect_uri);
        a.scope = o.scope;
        a.ui_locales = o.ui_locales;
        a.pkce = o.pkce.unwrap_or(true);
        a.extra = o.extra.unwrap_or_default().into_iter().collect();
        a
    }
}

/// A started sign-in: the app keeps it (e.g. in its session) until the callback arrives.
#[napi(object)]
pub struct NativeAuthRequest {
    pub url: String,
    pub redirect_uri: String,
    pub state: String,
    pub nonce: String,
    pub code_verifier: Option<String>,
    pub expects_id_token: Option<bool>,
    pub issuer: Option<String>,
    pub iss_required: Option<bool>,
}

impl From<AuthorizationRequest> for NativeAuthRequest {
    fn from(r: AuthorizationRequest) -> Self {
        NativeAuthRequest {
            url: r.url,
            redirect_uri: r.redirect_uri,
            state: r.state.expose().to_owned(),
            nonce: r.nonce.expose().to_owned(),
            code_verifier: r.code_verifier.map(|v| v.expose().to_owned()),
            expects_id_token: Some(r.expects_id_token),
            issuer: r.issuer,
            iss_required: Some(r.iss_required),
        }
    }
}

impl From<NativeAuthRequest> for AuthorizationRequest {
    fn from(r: NativeAuthRequest) -> Self {
        AuthorizationRequest {
            url: r.url,
            redirect_uri: r.redirect_uri,
            state: r.state.into(),
            nonce: r.nonce.into(),
            code_verifier: r.code_verifier.map(Secret::from),
            expects_id_token: r.expects_id_token.unwrap_or(false),
            issuer: r.issuer,
            iss_required: r.iss_required.unwrap_or(false),
        }
    }
}

#[napi(object)]
pub struct NativeSignIn {
    pub token: NativeToken,
    /// The validated id_token's claims (all of them), when one was issued.
    pub id_claims: Option<Value>,
}

impl From<SignIn> for NativeSignIn {
    fn from(s: SignIn) -> Self {
        // Every claim, flat (the core's serde shape, absent ones left out).
        let id_claims = s.id_claims.and_then(|c| serde_json::to_value(c).ok());
        NativeSignIn { token: NativeToken::from(&s.token), id_claims }
    }
}

/// Status, headers (an object: names lower-case, repeated values joined) and request id.
#[napi(object)]
pub struct NativeResponseMeta {
    pub status: u32,
    pub headers: std::collections::HashMap<String, String>,
    pub request_id: Option<String>,
}

impl From<&ResponseMeta> for NativeResponseMeta {
    fn from(m: &ResponseMeta) -> Self {
        let mut headers = std::collections::HashMap::<String, String>::new();
        for (k, v) in &m.headers {
            headers.entry(k.clone()).and_modify(|p| *p = format!("{p}, {v}")).or_insert_with(|| v.clone());
        }
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

/// A whole completion as JSON text (parsed by `JSON.parse`) with its answer's metadata.
#[napi(object)]
pub struct NativeCompletion {
    pub json: String,
    pub response: Option<NativeResponseMeta>,
}

/// Per-call options: the core's `RequestOptions` as JSON text, `timeout` in milliseconds.
pub(crate) fn request_options(json: Option<&str>) -> Result<RequestOptions> {
    json.map_or_else(
        || Ok(RequestOptions::default()),
        |j| RequestOptions::from_json_millis_str(j).map_err(crate::to_napi),
    )
}

/// A request body (JSON text) as the core reads it.
pub(crate) fn chat_request(json: &str) -> Result<ChatRequest> {
    let v = serde_json::from_str(json).map_err(|e| config_err(format!("chat request is not JSON: {e}")))?;
    ChatRequest::from_json(v).map_err(crate::to_napi)
}
