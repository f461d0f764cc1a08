//! `token_events`: what happens to a client's tokens that an app may want to know, as a stream
//! every binding forwards generically (e.g. `store_errors`: each failed token store operation as
//! an [`ErrorDetails`](super::ErrorDetails) object).
use futures::future::BoxFuture;
use serde_json::Value;

use super::{ErrorDetails, JsonStream, MethodSpec, Service, to_json, unknown_method};
use crate::error::Result;
use crate::token::TokenManager;

pub(crate) struct TokenEvents {
    tokens: TokenManager,
    runtime: Option<tokio::runtime::Handle>,
}

impl TokenEvents {
    pub(crate) fn new(client: &crate::Client) -> Self {
        TokenEvents { tokens: client.tokens().clone(), runtime: client.runtime_handle() }
    }
}

pub(crate) const METHODS: &[MethodSpec] = &[MethodSpec::stream("store_errors")];

impl Service for TokenEvents {
    fn methods(&self) -> &'static [MethodSpec] {
        METHODS
    }

    fn call(&self, method: &str, _args: Value) -> BoxFuture<'static, Result<Value>> {
        let e = unknown_method("token_events", method);
        Box::pin(async move { Err(e) })
    }

    fn open(&self, method: &str, _args: Value) -> JsonStream {
        if method != "store_errors" {
            return JsonStream::failed(unknown_method("token_events", method));
        }
        let mut rx = self.tokens.store_errors();
        JsonStream::spawn(self.runtime.clone(), move |sink| async move {
            loop {
                tokio::select! {
                    _ = sink.cancelled() => return Ok(()),
                    e = rx.recv() => match e {
                        Ok(e) => {
                            if !sink.send(to_json(&ErrorDetails::from(&e))?).await {
                                return Ok(());
                            }
                        }
                        // A slow consumer missed some; carry on with the newest.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return Ok(()),
                    },
                }
            }
        })
    }
}
