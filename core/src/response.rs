//! What an HTTP answer says about itself: [`ResponseMeta`] (status, headers, request id).
//!
//! Every call that answers over HTTP gives it: `ChatCompletion::response`, `ChatStream::response()`,
//! `RawResponse::response`, and [`Error::response`](crate::Error::response) on errors that came
//! from an answer. Headers that may hold a secret (cookies, credentials, tokens) are kept by name
//! with the value `***`, so a `ResponseMeta` is safe to log, print and send across a binding.
use std::fmt;

use serde::{Deserialize, Serialize};

/// The headers tried, in order, for a request id when none is configured
/// (`ClientOptions::request_id_header` comes first when set).
pub const REQUEST_ID_HEADERS: &[&str] = &["x-request-id", "request-id"];

/// Status, headers and request id of one HTTP answer.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseMeta {
    /// HTTP status code.
    pub status: u16,
    /// The headers in arrival order, names lower-case; secret values are `***`.
    #[serde(with = "header_map")]
    pub headers: Vec<(String, String)>,
    /// The server's id for this request (quote it to support), from the configured header, else
    /// `x-request-id`, else `request-id`.
    pub request_id: Option<String>,
}

impl ResponseMeta {
    /// Read a response's status and headers; `request_id_header` is tried before the usual names.
    pub(crate) fn from_response(resp: &reqwest::Response, request_id_header: Option<&str>) -> Self {
        Self::from_parts(resp.status().as_u16(), resp.headers(), request_id_header)
    }

    pub(crate) fn from_parts(status: u16, map: &reqwest::header::HeaderMap, request_id_header: Option<&str>) -> Self {
        let headers: Vec<(String, String)> = map
            .iter()
            .map(|(k, v)| {
                let name = k.as_str().to_owned(); // http keeps names lower-case
                let value = if crate::redact::is_secret_header(&name) {
                    "***".to_owned()
                } else {
                    String::from_utf8_lossy(v.as_bytes()).into_owned()
                };
                (name, value)
            })
            .collect();
        let mut meta = ResponseMeta { status, headers, request_id: None };
        meta.request_id = request_id_header
            .into_iter()
            .chain(REQUEST_ID_HEADERS.iter().copied())
            .find_map(|h| meta.header(h))
            .map(str::to_owned);
        meta
    }

    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The `WWW-Authenticate` challenge, when the answer had one (401, 403).
    pub fn www_authenticate(&self) -> Option<&str> {
        self.header("www-authenticate")
    }
}

impl fmt::Debug for ResponseMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Secret values were already replaced when the headers were read.
        f.debug_struct("ResponseMeta")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("headers", &self.headers)
            .finish()
    }
}

/// Headers as one JSON object (the shape bindings get); a repeated header's values are joined
/// with `, ` as HTTP allows.
mod header_map {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(h: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        let mut m = serde_json::Map::new();
        for (k, v) in h {
            match m.get_mut(k) {
                Some(serde_json::Value::String(prev)) => {
                    prev.push_str(", ");
                    prev.push_str(v);
                }
                _ => {
                    m.insert(k.clone(), serde_json::Value::String(v.clone()));
                }
            }
        }
        s.collect_map(m.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        Ok(std::collections::BTreeMap::<String, String>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

    fn map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        m
    }

    #[test]
    fn request_id_order_and_secret_headers() {
        let h = map(&[("Request-Id", "b"), ("X-Request-Id", "a"), ("Set-Cookie", "sid=s3cret"), ("X-Trace", "t")]);
        let m = ResponseMeta::from_parts(200, &h, None);
        assert_eq!(m.request_id.as_deref(), Some("a"));
        assert_eq!(ResponseMeta::from_parts(200, &h, Some("x-trace")).request_id.as_deref(), Some("t"));
        assert_eq!(m.header("set-cookie"), Some("***"));
        let shown = format!("{m:?} {}", serde_json::to_string(&m).unwrap());
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(ResponseMeta::from_parts(200, &map(&[]), None).request_id.is_none());
    }

    #[test]
    fn json_joins_repeated_headers() {
        let m = ResponseMeta::from_parts(404, &map(&[("vary", "a"), ("vary", "b")]), None);
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v, serde_json::json!({"status": 404, "headers": {"vary": "a, b"}, "requestId": null}));
    }
}
