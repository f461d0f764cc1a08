//! The core surface (`agenticstar::surface`), wrapped once: every capability reaches Node through
//! `NativeService` / `NativeJsonStream`, with arguments and results as JSON text that
//! `node/src/service.ts` parses. No per-capability Rust lives here.
use std::sync::Arc;

use agenticstar::surface::{self, JsonStream, Service};
use agenticstar::{Error, ErrorKind};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use tokio_util::sync::CancellationToken;

use crate::convert::{NativeCompletion, NativeResponseMeta};
use crate::{NativeCancel, spawn, spawn_cancellable};

fn parse(method: &str, args: &str) -> agenticstar::Result<serde_json::Value> {
    serde_json::from_str(args)
        .map_err(|e| Error::new(ErrorKind::Config, format!("{method}: arguments are not JSON: {e}")))
}

fn text(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// A service opened with `NativeClient.service(kind, options)`.
#[napi]
pub struct NativeService(pub(crate) Arc<dyn Service>);

#[napi]
impl NativeService {
    /// `[{"name", "kind"}]` as JSON text.
    #[napi(catch_unwind)]
    pub fn methods(&self) -> String {
        text(&self.0.methods())
    }

    /// Run a call method with per-call options (JSON, `timeout` in ms); resolves with the result
    /// as JSON text and its answer's metadata.
    #[napi(catch_unwind)]
    pub fn call<'e>(
        &self,
        env: &'e Env,
        method: String,
        args: String,
        options: Option<String>,
        cancel: Option<&NativeCancel>,
    ) -> Result<PromiseRaw<'e, NativeCompletion>> {
        let r = parse(&method, &args).and_then(|a| {
            Ok(surface::call_with(&*self.0, &method, a, surface::call_options(options.as_deref(), true)?))
        });
        spawn_cancellable(env, cancel, async move {
            let a = r?.await?;
            Ok(NativeCompletion { json: text(&a.data), response: a.response.as_ref().map(NativeResponseMeta::from) })
        })
    }

    /// Start a stream method with per-call options (errors arrive from the first read).
    #[napi(catch_unwind)]
    pub fn open(&self, method: String, args: String, options: Option<String>) -> NativeJsonStream {
        let s = match parse(&method, &args).and_then(|a| Ok((a, surface::call_options(options.as_deref(), true)?))) {
            Ok((a, o)) => surface::open_with(&*self.0, &method, a, o),
            Err(e) => JsonStream::failed(e),
        };
        NativeJsonStream { cancel: s.cancellation_token(), inner: Arc::new(tokio::sync::Mutex::new(s)) }
    }

    #[napi(catch_unwind)]
    pub fn close<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, ()>> {
        spawn(env, self.0.close())
    }
}

/// The items of a stream method, handed over in batches (the core merges what is ready).
#[napi]
pub struct NativeJsonStream {
    inner: Arc<tokio::sync::Mutex<JsonStream>>,
    cancel: CancellationToken,
}

#[napi]
impl NativeJsonStream {
    /// Every ready item as a JSON array text (waits for at least one); "" at the end.
    #[napi(catch_unwind)]
    pub fn next_batch<'e>(&self, env: &'e Env) -> Result<PromiseRaw<'e, String>> {
        let inner = self.inner.clone();
        spawn(env, async move {
            match inner.lock().await.next_batch().await {
                None => Ok(String::new()),
                Some(b) => b.map(|b| text(&b)),
            }
        })
    }

    /// Stop now: the producer is dropped (its connection closes); reads return "".
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.cancel.cancel();
    }
}

/// Every error kind of the core (`errors.ts` must have a class for each).
#[napi(catch_unwind)]
pub fn error_kinds() -> Vec<&'static str> {
    ErrorKind::ALL.iter().map(|k| k.as_str()).collect()
}

/// The core's error class table as JSON text (`[{kind, className, parent}]`).
#[napi(catch_unwind)]
pub fn error_classes() -> String {
    serde_json::to_string(&agenticstar::surface::error_classes()).unwrap_or_default()
}

/// Every service kind `NativeClient.service` opens.
#[napi(catch_unwind)]
pub fn service_kinds() -> Vec<&'static str> {
    agenticstar::surface::SERVICE_KINDS.to_vec()
}

/// A service kind's methods as JSON text, or null for an unknown kind.
#[napi(catch_unwind)]
pub fn service_methods(kind: String) -> Option<String> {
    agenticstar::surface::methods_of(&kind).map(|m| text(&m))
}

/// The core's client option defaults as JSON text (camelCase keys, durations in seconds).
#[napi(catch_unwind)]
pub fn client_option_defaults() -> String {
    agenticstar::ClientOptions::defaults_json().to_string()
}
