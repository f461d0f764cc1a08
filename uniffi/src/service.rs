//! The core surface (`agenticstar::surface`), wrapped once: every capability reaches Kotlin and
//! Swift through `Service` / `JsonStream`, with arguments and results as JSON text. The idiomatic
//! layers (`AgenticStar.kt`, `AgenticStar+Async.swift`) add Flow / AsyncThrowingStream and the
//! wrapper bases. No per-capability Rust lives here.
use std::sync::Arc;

use agenticstar::ErrorKind;
use agenticstar::surface;
use tokio_util::sync::CancellationToken;

use crate::error::{AgenticStarError, Result};
use crate::on_rt;
use crate::types::{RequestOptions, ResponseMeta};

fn parse(method: &str, args: &str) -> agenticstar::Result<serde_json::Value> {
    serde_json::from_str(args)
        .map_err(|e| agenticstar::Error::new(ErrorKind::Config, format!("{method}: arguments are not JSON: {e}")))
}

fn text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// A call's JSON result with the answer that carried it (what `withRawResponse` hands over).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ServiceAnswer {
    /// The method's result as JSON text.
    pub data_json: String,
    /// Status, headers and request id of the HTTP answer (the last, if the call took several);
    /// null for a method that sends nothing.
    pub response: Option<ResponseMeta>,
}

/// Whether a method answers once or streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum MethodKind {
    Call,
    Stream,
}

/// One method of a service: the core's snake_case name (camelCase in the idiomatic wrappers).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct MethodSpec {
    pub name: String,
    pub kind: MethodKind,
}

fn specs(m: &[surface::MethodSpec]) -> Vec<MethodSpec> {
    m.iter()
        .map(|m| MethodSpec {
            name: m.name.to_owned(),
            kind: match m.kind {
                surface::MethodKind::Call => MethodKind::Call,
                surface::MethodKind::Stream => MethodKind::Stream,
            },
        })
        .collect()
}

/// A capability of the core (`Client.service(kind, optionsJson)`): JSON in, JSON out.
#[derive(uniffi::Object)]
pub struct Service(pub(crate) Arc<dyn surface::Service>);

#[uniffi::export]
impl Service {
    /// Every method this service answers.
    pub fn methods(&self) -> Vec<MethodSpec> {
        specs(self.0.methods())
    }

    /// Run a call method with per-call `options`; its JSON result and the answer that carried it.
    /// Cancelling the caller cancels the call.
    #[uniffi::method(default(options = None))]
    pub async fn call(
        &self,
        method: String,
        args_json: String,
        options: Option<RequestOptions>,
    ) -> Result<ServiceAnswer> {
        let f = RequestOptions::to_core(options)
            .and_then(|o| Ok(surface::call_with(&*self.0, &method, parse(&method, &args_json)?, o)));
        on_rt(async move {
            let a = f?.await?;
            Ok(ServiceAnswer { data_json: text(&a.data), response: a.response.as_ref().map(Into::into) })
        })
        .await
    }

    /// Start a stream method with per-call `options`; read it with `nextBatch()`. Errors arrive
    /// from the first read.
    #[uniffi::method(default(options = None))]
    pub fn open(&self, method: String, args_json: String, options: Option<RequestOptions>) -> Arc<JsonStream> {
        let s = match RequestOptions::to_core(options).and_then(|o| Ok((parse(&method, &args_json)?, o))) {
            Ok((a, o)) => surface::open_with(&*self.0, &method, a, o),
            Err(e) => surface::JsonStream::failed(e),
        };
        Arc::new(JsonStream { cancel: s.cancellation_token(), inner: tokio::sync::Mutex::new(s) })
    }

    /// End the service (and its sessions at the server, where the protocol has them). Named
    /// `shutdown` because `close()` is the platform's free-the-object method (AutoCloseable).
    pub async fn shutdown(&self) -> Result<()> {
        let f = self.0.close();
        on_rt(f).await
    }
}

/// Items of a stream method. `cancel()` (any thread; also dropping or closing the object) stops
/// the producer and closes its connection; `nextBatch()` then returns null.
#[derive(uniffi::Object)]
pub struct JsonStream {
    inner: tokio::sync::Mutex<surface::JsonStream>,
    cancel: CancellationToken,
}

#[uniffi::export]
impl JsonStream {
    /// Every item ready (at least one), each as JSON text; null at the end. Cancel-safe.
    pub async fn next_batch(&self) -> Result<Option<Vec<String>>> {
        let mut s = self.inner.lock().await;
        Ok(s.next_batch().await.transpose()?.map(|b| b.iter().map(text).collect()))
    }

    /// Stop now. Idempotent.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }
}

/// Every service kind `Client.service` opens.
#[uniffi::export]
pub fn service_kinds() -> Vec<String> {
    surface::SERVICE_KINDS.iter().map(|s| s.to_string()).collect()
}

/// A service kind's methods (null for an unknown kind), for wrappers' tests.
#[uniffi::export]
pub fn service_methods(kind: String) -> Option<Vec<MethodSpec>> {
    surface::methods_of(&kind).map(specs)
}

/// Every error kind of the core (the error type must have a case for each).
#[uniffi::export]
pub fn error_kinds() -> Vec<String> {
    ErrorKind::ALL.iter().map(|k| k.as_str().to_owned()).collect()
}

/// The core's client option defaults as JSON text (camelCase keys, durations in seconds).
#[uniffi::export]
pub fn client_option_defaults_json() -> String {
    agenticstar::ClientOptions::defaults_json().to_string()
}

pub(crate) async fn open(client: agenticstar::Client, kind: String, options_json: String) -> Result<Arc<Service>> {
    let options: serde_json::Value = serde_json::from_str(&options_json)
        .map_err(|e| AgenticStarError::new(ErrorKind::Config, format!("service options are not JSON: {e}")))?;
    let s = on_rt(async move { surface::open_service(&client, &kind, options).await }).await?;
    Ok(Arc::new(Service(Arc::from(s))))
}
