//! `echo`: a diagnostic service with no I/O. It exists so every binding's generic
//! `Service`/`JsonStream` glue is tested end to end in every language (calls, streams, batching,
//! trailing errors, cancellation, every error kind), and so a user can check their installation.
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{JsonStream, MethodSpec, Service, args, unknown_method};
use crate::error::{Error, ErrorKind, Result};

/// The `echo` service.
pub struct EchoService {
    runtime: Option<tokio::runtime::Handle>,
}

pub(crate) const METHODS: &[MethodSpec] = &[
    MethodSpec::call("echo"),
    MethodSpec::call("fail"),
    MethodSpec::stream("count"),
    MethodSpec::stream("wait_forever"),
];

/// `fail` and `count` arguments: the error to end with.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Failure {
    kind: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    retry_after_ms: Option<u64>,
    #[serde(default)]
    details: Option<Value>,
}

impl Failure {
    fn to_error(&self) -> Error {
        let Some(kind) = ErrorKind::from_code(&self.kind) else {
            return Error::config(format!("echo: unknown error kind {:?}", self.kind));
        };
        let mut e = Error::new(kind, self.message.clone().unwrap_or_else(|| format!("echo: {}", self.kind)))
            .with_code(self.code.clone(), None)
            .with_retry_after(self.retry_after_ms.map(Duration::from_millis));
        if let Some(s) = self.status {
            e = e.with_status(s);
        }
        if let Some(d) = &self.details {
            e = e.with_details(d.clone());
        }
        e
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Count {
    n: u64,
    #[serde(default)]
    fail: Option<Failure>,
}

impl EchoService {
    /// A new echo service; streams run on `runtime` (or the caller's).
    pub fn new(runtime: Option<tokio::runtime::Handle>) -> Self {
        EchoService { runtime }
    }
}

impl Service for EchoService {
    fn methods(&self) -> &'static [MethodSpec] {
        METHODS
    }

    fn call(&self, method: &str, a: Value) -> BoxFuture<'static, Result<Value>> {
        let r = match method {
            "echo" => Ok(a),
            "fail" => args::<Failure>(method, a).and_then(|f| Err(f.to_error())),
            m => Err(unknown_method("echo", m)),
        };
        Box::pin(async move { r })
    }

    fn open(&self, method: &str, a: Value) -> JsonStream {
        match method {
            "count" => match args::<Count>(method, a) {
                Ok(c) => JsonStream::spawn(self.runtime.clone(), move |sink| async move {
                    for i in 0..c.n {
                        if !sink.send(json!({ "i": i })).await {
                            return Ok(());
                        }
                    }
                    c.fail.map_or(Ok(()), |f| Err(f.to_error()))
                }),
                Err(e) => JsonStream::failed(e),
            },
            "wait_forever" => JsonStream::spawn(self.runtime.clone(), |sink| async move {
                sink.send(json!({ "waiting": true })).await;
                sink.cancelled().await;
                Ok(())
            }),
            m => JsonStream::failed(unknown_method("echo", m)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_lists_its_methods() {
        for k in super::super::SERVICE_KINDS {
            assert!(super::super::methods_of(k).is_some_and(|m| !m.is_empty()), "{k}");
        }
    }

    #[tokio::test]
    async fn calls_streams_and_errors() {
        let s = EchoService::new(None);
        assert_eq!(s.call("echo", json!({"a": [1, "x"]})).await.unwrap(), json!({"a": [1, "x"]}));
        let e = s.call("fail", json!({"kind": "rate_limited", "retryAfterMs": 1500, "status": 429})).await.unwrap_err();
        assert_eq!(
            (e.kind(), e.status(), e.retry_after()),
            (ErrorKind::RateLimited, Some(429), Some(Duration::from_millis(1500)))
        );
        assert_eq!(s.call("nope", Value::Null).await.unwrap_err().kind(), ErrorKind::Config);
        let mut st = s.open("count", json!({"n": 3, "fail": {"kind": "stream_error"}}));
        let mut items = Vec::new();
        let err = loop {
            match st.next().await {
                Some(Ok(v)) => items.push(v),
                Some(Err(e)) => break e,
                None => panic!("the trailing error was lost"),
            }
        };
        assert_eq!(items.len(), 3);
        assert_eq!(err.kind(), ErrorKind::StreamError);
    }
}
