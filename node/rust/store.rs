//! JS callbacks the core calls: a token store and the `onToken` listener.
//!
//! Both are *weak* threadsafe functions: a strong one held by the client keeps Node's event loop
//! alive forever (napi-rs#1732). A call still in flight keeps its caller's promise pending, and
//! that promise (napi's deferred) keeps the loop alive while it matters.
use agenticstar::surface::{stored_token_from_json, stored_token_json, token_json};
use agenticstar::{Error, ErrorKind, StoredToken, Token, TokenListener, TokenStore};
use async_trait::async_trait;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde_json::Value;

/// One store operation; `store.ts` dispatches it to the user's `load` / `save` / `clear`.
#[napi(object)]
pub struct StoreCall {
    /// load | save | clear
    pub op: String,
    pub key: String,
    /// The core's stored-token JSON (`surface::stored_token_json`), on `save`.
    pub token: Option<Value>,
}

pub type StoreFn = ThreadsafeFunction<StoreCall, Promise<Option<Value>>, StoreCall, Status, false, true>;
pub type TokenFn = ThreadsafeFunction<Value, (), Value, Status, false, true>;

pub(crate) struct JsStore(pub StoreFn);

impl JsStore {
    async fn call(&self, op: &str, key: &str, token: Option<&StoredToken>) -> agenticstar::Result<Option<StoredToken>> {
        let call = StoreCall { op: op.into(), key: key.into(), token: token.map(stored_token_json) };
        let fail = |e: napi::Error| Error::new(ErrorKind::Store, format!("token store {op} failed: {}", e.reason));
        // call_async_catch: a throwing JS store is an error here, not a fatal exception.
        let promise = self.0.call_async_catch(call).await.map_err(fail)?;
        promise.await.map_err(fail)?.filter(|v| !v.is_null()).map(stored_token_from_json).transpose()
    }
}

#[async_trait]
impl TokenStore for JsStore {
    async fn load(&self, key: &str) -> agenticstar::Result<Option<StoredToken>> {
        self.call("load", key, None).await
    }
    async fn save(&self, key: &str, token: &StoredToken) -> agenticstar::Result<()> {
        self.call("save", key, Some(token)).await.map(drop)
    }
    async fn clear(&self, key: &str) -> agenticstar::Result<()> {
        self.call("clear", key, None).await.map(drop)
    }
}

pub(crate) struct JsListener(pub TokenFn);

impl TokenListener for JsListener {
    fn on_token(&self, token: &Token) {
        // Fire and forget: the TS wrapper catches whatever the user's callback throws.
        self.0.call(token_json(token), ThreadsafeFunctionCallMode::NonBlocking);
    }
}
