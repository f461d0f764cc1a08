//! Node.js binding of the agenticstar core. It only translates: every behaviour lives in the core,
//! and the idiomatic API (classes, `for await`, AbortSignal, typed errors) is the TypeScript in
//! `/node/src`, which is the only consumer of these `Native*` items.
//!
//! Rules that keep Node healthy (see shared/style.md §3):
//! - async methods never borrow `self`: they clone what they need into a `'static` future;
//! - every sync method has `catch_unwind`, every future is wrapped in `catch_unwind`: a panic
//!   becomes an `internal` error, never an abort;
//! - stored JS callbacks are *weak* threadsafe functions, so they never keep the process alive;
//! - errors cross as JSON in the napi error reason (`errors.ts` rebuilds the typed classes).
#![deny(clippy::all)]
// The test harness has no JS caller, so every #[napi] export looks unused there.
#![cfg_attr(test, allow(dead_code))]

mod convert;
mod log;
#[cfg(feature = "bench")]
mod parity;
mod service;
mod store;
mod stream;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use agenticstar::surface::{
    authorization_request_from_json, authorization_request_json, authorize_options_from_json, sign_in_json, token_json,
};
use agenticstar::{Client, Error, ErrorKind, Scopes, Secret};
use futures::FutureExt;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio_util::sync::CancellationToken;

use convert::{NativeCompletion, NativeRawResponse, request_options};
use napi::threadsafe_function::ThreadsafeFunction;
use serde_json::Value;
use store::{StoreCall, StoreFn, TokenFn};
pub use stream::NativeChatStream;

/// A core error as the JSON reason of a napi error; `errors.ts` turns it into a typed class.
pub(crate) fn to_napi(e: Error) -> napi::Error {
    let json = serde_json::to_string(&agenticstar::surface::ErrorDetails::from(&e)).unwrap_or_default();
    napi::Error::new(Status::GenericFailure, json)
}

pub(crate) fn config_err(msg: impl Into<String>) -> napi::Error {
    to_napi(Error::new(ErrorKind::Config, msg))
}

/// Run a core future as a JS promise: typed errors, and a panic rejects instead of aborting.
pub(crate) fn spawn<'e, T, F>(env: &'e Env, fut: F) -> Result<PromiseRaw<'e, T>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = agenticstar::Result<T>> + Send + 'static,
{
    env.spawn_future(async move {
        match AssertUnwindSafe(fut).catch_unwind().await {
            Ok(r) => r.map_err(to_napi),
            Err(_) => {
                Err(to_napi(Error::new(ErrorKind::Internal, "a panic was caught in the native module (this is a bug)")))
            }
        }
    })
}

/// Like [`spawn`], but settles at once with an `aborted` error when `cancel` fires; dropping the
/// core future closes its HTTP connection.
pub(crate) fn spawn_cancellable<'e, T, F>(
    env: &'e Env,
    cancel: Option<&NativeCancel>,
    fut: F,
) -> Result<PromiseRaw<'e, T>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = agenticstar::Result<T>> + Send + 'static,
{
    let token = cancel.map(|c| c.0.clone()).unwrap_or_default();
    spawn(env, async move {
        tokio::select! {
            r = fut => r,
            // The TS layer replaces this with `signal.reason`; the kind only has to be recognisable.
            _ = token.cancelled() => Err(Error::new(ErrorKind::Internal, "aborted")),
        }
    })
}

/// `options`: the core's `ClientOptions` as JSON text, durations in milliseconds (Node's unit).
fn build_client(options: &str, store: Option<StoreFn>, on_token: Option<TokenFn>) -> Result<Client> {
    // The core spawns renewals and stream readers on this runtime; a sync napi call has none current.
    let runtime = napi::bindgen_prelude::within_runtime_if_available(tokio::runtime::Handle::current);
    let mut b = agenticstar::ClientOptions::from_json_millis_str(options)
        .and_then(|o| o.with_env())
        .and_then(|o| o.builder("node"))
        .map_err(to_napi)?
        .runtime(runtime);
    if let Some(f) = store {
        b = b.token_store(Arc::new(store::JsStore(f)));
    }
    if let Some(f) = on_token {
        b = b.on_token(Arc::new(store::JsListener(f)));
    }
    b.build().map_err(to_napi)
}

/// Cancels one `chatCreate` / `request` call (bridged from an AbortSignal in TS).
#[napi]
pub struct NativeCancel(CancellationToken);

#[napi]
impl NativeCancel {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        NativeCancel(CancellationToken::new())
    }
    #[napi]
    pub fn cancel(&self) {
        self.0.cancel();
    }
}

#[napi]
pub struct NativeClient {
    inner: Client,
    /// The last token handed to JS with its number, so a cache hit can reuse the JS object.
    last: std::sync::Mutex<(u32, Option<agenticstar::Token>)>,
}

#[napi]
impl NativeClient {
    #[napi(constructor, catch_unwind)]
    // Full types spelled out (not the aliases) so the generated .d.ts has the function signatures.
    pub fn new(
        options: String,
        store: Option<ThreadsafeFunction<StoreCall, Promise<Option<Value>>, StoreCall, Status, false, true>>,
        on_token: Option<ThreadsafeFunction<Value, (), Value, Status, false, true>>,
    ) -> Result<Self> {
        Ok(NativeClient { inner: build_client(&options, store, on_token)?, last: Default::default() })
    }

    /// The cached token if it is fresh, else null: synchronous, no I/O, no promise.
    #[napi(catch_unwind)]
    pub fn cached_token(&self) -> Option<Value> {
        self.inner.tokens().cached().map(|t| token_json(&t))
    }

    /// A number naming the fresh cached token (the same while it stays the same token), or null
    /// when a renewal is needed. Lets JS reuse its Token object without copying the strings.
    #[napi(catch_unwind)]
    pub fn cached_token_number(&self) -> Option<u32> {
        let t = self.inner.tokens().cached()?;
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.1.as_ref().is_none_or(|prev| prev.access_token() != t.access_token()) {
            *last = (last.0.wrapping_add(1), Some(t));
        }
        Some(last.0)
    }

    #[napi(catch_unwind)]
    pub fn get_token<'e>(&self, env: &'e Env, force_refresh: Option<bool>) -> Result<PromiseRaw<'e, Value>> {
        let c = self.inner.clone();
        spawn(env, async move {
            let t =
                if force_refresh.unwrap_or(false) { c.tokens().force_refresh().await? } else { c.get_token().await? };
            Ok(token_json(&t))
        })
    }

    /// Forget the session here and in the token store.
    #[napi(catch_unwind)]
    pub fn sign_out<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        let c = self.inner.clone();
        spawn(env, async move { c.tokens().sign_out().await })
    }

    #[napi(catch_unwind)]
    pub fn authorize_url<'e>(&self, env: &'e Env, options: Value) -> Result<PromiseRaw<'e, Value>> {
        let c = self.inner.clone();
        let opts = authorize_options_from_json(options).map_err(to_napi)?;
        spawn(env, async move { Ok(authorization_request_json(&c.authorize_url(&opts).await?)) })
    }

    #[napi(catch_unwind)]
    pub fn complete_authorization<'e>(
        &self,
        env: &'e Env,
        request: Value,
        callback_url: String,
    ) -> Result<PromiseRaw<'e, Value>> {
        let c = self.inner.clone();
        let request = authorization_request_from_json(request).map_err(to_napi)?;
        spawn(env, async move { Ok(sign_in_json(&c.complete_authorization(&request, &callback_url).await?)) })
    }

    #[napi(catch_unwind)]
    pub fn exchange_code<'e>(&self, env: &'e Env, request: Value, code: String) -> Result<PromiseRaw<'e, Value>> {
        let c = self.inner.clone();
        let request = authorization_request_from_json(request).map_err(to_napi)?;
        spawn(env, async move { Ok(sign_in_json(&c.exchange_code(&request, Secret::from(code)).await?)) })
    }

    /// A client sharing this one's tokens and connections with other call defaults (`options`:
    /// the core's `RequestOptions` as JSON text, `timeout` in ms).
    #[napi(catch_unwind)]
    pub fn with_options(&self, options: String) -> Result<NativeClient> {
        let o = request_options(Some(&options))?;
        Ok(NativeClient { inner: self.inner.with_options(&o).map_err(to_napi)?, last: Default::default() })
    }

    /// `body` is JSON text (the TS layer stringifies); `options` as in [`Self::with_options`].
    #[napi(catch_unwind)]
    pub fn request<'e>(
        &self,
        env: &'e Env,
        method: String,
        path: String,
        body: Option<String>,
        options: Option<String>,
        cancel: Option<&NativeCancel>,
    ) -> Result<PromiseRaw<'e, NativeRawResponse>> {
        let json = body
            .map(|b| serde_json::from_str::<serde_json::Value>(&b))
            .transpose()
            .map_err(|e| config_err(format!("request body is not JSON: {e}")))?;
        let o = request_options(options.as_deref())?;
        let c = self.inner.clone();
        spawn_cancellable(env, cancel, async move {
            Ok(NativeRawResponse::from(c.request_with(&method, &path, json.as_ref(), &o).await?))
        })
    }

    /// A whole completion, as JSON text (parsed by `JSON.parse`, much faster than building objects
    /// here), with its answer's status, headers and request id.
    #[napi(catch_unwind)]
    pub fn chat_create<'e>(
        &self,
        env: &'e Env,
        request: String,
        options: Option<String>,
        cancel: Option<&NativeCancel>,
    ) -> Result<PromiseRaw<'e, NativeCompletion>> {
        let req = convert::chat_request(&request)?;
        let o = request_options(options.as_deref())?;
        let c = self.inner.clone();
        spawn_cancellable(env, cancel, async move {
            let completion = c.chat_with(req, &o).await?;
            let response = completion.response.as_ref().map(Into::into);
            Ok(NativeCompletion { json: serde_json::to_string(&completion).unwrap_or_default(), response })
        })
    }

    /// Open a service of the core surface; `options` is JSON text.
    #[napi(catch_unwind)]
    pub fn service<'e>(
        &self,
        env: &'e Env,
        kind: String,
        options: String,
    ) -> Result<PromiseRaw<'e, service::NativeService>> {
        let options =
            serde_json::from_str(&options).map_err(|e| config_err(format!("service options are not JSON: {e}")))?;
        let c = self.inner.clone();
        spawn(env, async move {
            let s = agenticstar::surface::open_service(&c, &kind, options).await?;
            Ok(service::NativeService(Arc::from(s)))
        })
    }

    /// Start a stream. Sync: the request runs in the background; its errors surface on the first read.
    #[napi(catch_unwind)]
    pub fn chat_stream(&self, request: String, options: Option<String>) -> Result<NativeChatStream> {
        let req = convert::chat_request(&request)?;
        let o = request_options(options.as_deref())?;
        Ok(NativeChatStream::new(self.inner.chat_stream_with(req, &o)))
    }
}

/// Whether granted `scope` (space separated) allows `needed`, with the documented inclusions.
#[napi(catch_unwind)]
pub fn scope_allows(scope: String, needed: String) -> bool {
    Scopes::parse(&scope).allows(&needed)
}

/// Test hook: proves a panic becomes an `internal` error instead of aborting Node. Debug (test)
/// builds only, and not among the package's exports.
#[cfg(debug_assertions)]
#[napi(js_name = "__panicForTest", catch_unwind)]
pub fn panic_for_test<'e>(env: &'e Env, in_future: bool) -> Result<PromiseRaw<'e, ()>> {
    if !in_future {
        panic!("test panic (sync)");
    }
    spawn(env, async { panic!("test panic (async)") })
}
