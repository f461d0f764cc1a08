//! JS callbacks the core calls: a token store and the `onToken` listener.
//!
//! Both are *weak* threadsafe functions: a strong one held by the client keeps Node's event loop
//! alive forever (napi-rs#1732). A call still in flight keeps its caller's promise pending, and
//! that promise (napi's deferred) keeps the loop alive while it matters.
use agenticstar::{Error, ErrorKind, StoredToken, Token, TokenListener, TokenStore};
use async_trait::async_trait;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use crate::convert::{NativeStoredToken, NativeToken};

/// One store operation; `store.ts` dispatches it to the user's `load` / `save` / `clear`.
#[napi(object)]
pub struct StoreCall {
    /// load | save | clear
    pub op: String,
    pub key: String,
    pub token: Option<NativeStoredToken>,
}

pub type StoreFn = ThreadsafeFunction<StoreCall, Promise<Option<NativeStoredToken>>, StoreCall, Status, false, true>;
pub type TokenFn = ThreadsafeFunction<NativeToken, (), NativeToken, Status, false, true>;

pub(crate) struct JsStore(pub StoreFn);

impl JsStore {
    async fn call(&self, op: &str, key: &str, token: Option<&StoredToken>) -> agenticstar::Result<Option<StoredToken>> {
        let call = StoreCall { op: op.into(), key: key.into(), token: token.map(NativeStoredToken::from) };
        let fail = |e: napi::Error| Error::new(ErrorKind::Store, format!("token store {op} failed: {}", e.reason));
        // call_async_catch: a throwing JS store is an error here, not a fatal exception.
        let promise = self.0.call_async_catch(call).await.map_err(fail)?;
        Ok(promise.await.map_err(fail)?.map(StoredToken::from))
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
        self.0.call(NativeToken::from(token), ThreadsafeFunctionCallMode::NonBlocking);
    }
}
