//! One error enum, one variant per core `ErrorKind`: Kotlin gets a sealed `AgenticStarException`
//! with a subclass per kind, Swift an `AgenticStarError` enum with a case per kind.
use std::collections::HashMap;

use agenticstar::{Error, ErrorKind};

/// What every error carries, whatever its kind (see [`AgenticStarError::details`]).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ErrorDetails {
    /// The stable snake_case code shared by every language (`invalid_client`, `rate_limited`, ...).
    pub kind: String,
    /// What went wrong, for people. Never contains a secret.
    pub detail: String,
    pub status: Option<i32>,
    /// The server's error code (`invalid_client`, `401021`, `insufficient_scope`, ...).
    pub code: Option<String>,
    /// The wrapped token API's `code_reason`.
    pub code_reason: Option<String>,
    /// Seconds the server asked us to wait.
    pub retry_after: Option<f64>,
    /// A short, secret-scrubbed excerpt of the body that caused the error.
    pub body_excerpt: Option<String>,
    /// Protocol-specific details as JSON text (JSON-RPC `data`, `resourceMetadata`, ...).
    pub details_json: Option<String>,
    /// The server's id of the failed request (`x-request-id`, ...), to quote to support.
    pub request_id: Option<String>,
    /// The answer's headers (names lower-case, secret values `***`); empty without an answer.
    pub headers: HashMap<String, String>,
    /// The answer's `WWW-Authenticate` challenge (401 / 403).
    pub www_authenticate: Option<String>,
}

// Every variant repeats the fields so they pattern-match directly (`catch (e: RateLimited) { e.retryAfter }`).
// The field is `detail`, not `message`: Kotlin's generated exception overrides `message` itself.
macro_rules! error_enum {
    ($($(#[$doc:meta])* $v:ident = $code:literal,)*) => {
        /// An SDK error. `kind` is the stable code; the variant is the same idea as a type.
        #[derive(Debug, Clone, thiserror::Error, uniffi::Error)]
        #[uniffi::export(Display)]
        pub enum AgenticStarError {
            $($(#[$doc])*
            #[error("{detail}")]
            $v {
                kind: String,
                detail: String,
                status: Option<i32>,
                code: Option<String>,
                code_reason: Option<String>,
                retry_after: Option<f64>,
                body_excerpt: Option<String>,
                details_json: Option<String>,
                request_id: Option<String>,
                headers: HashMap<String, String>,
                www_authenticate: Option<String>,
            },)*
        }

        impl AgenticStarError {
            fn from_details(kind: ErrorKind, d: ErrorDetails) -> Self {
                let ErrorDetails {
                    kind: k, detail, status, code, code_reason, retry_after, body_excerpt, details_json, request_id, headers,
                    www_authenticate,
                } = d;
                match kind {
                    $(ErrorKind::$v => Self::$v {
                        kind: k, detail, status, code, code_reason, retry_after, body_excerpt, details_json, request_id,
                        headers, www_authenticate,
                    },)*
                    // A kind added to the core later: the class is generic but `kind` stays exact.
                    _ => Self::Internal {
                        kind: k, detail, status, code, code_reason, retry_after, body_excerpt, details_json, request_id,
                        headers, www_authenticate,
                    },
                }
            }
            fn parts(&self) -> ErrorDetails {
                match self {
                    $(Self::$v {
                        kind, detail, status, code, code_reason, retry_after, body_excerpt, details_json, request_id, headers,
                        www_authenticate,
                    } => ErrorDetails {
                        kind: kind.clone(), detail: detail.clone(), status: *status, code: code.clone(),
                        code_reason: code_reason.clone(), retry_after: *retry_after, body_excerpt: body_excerpt.clone(),
                        details_json: details_json.clone(), request_id: request_id.clone(), headers: headers.clone(),
                        www_authenticate: www_authenticate.clone(),
                    },)*
                }
            }
        }
    };
}

// One variant per core kind, with the core's docs: the list is the core's.
agenticstar::for_each_error_kind!(error_enum);

#[uniffi::export]
impl AgenticStarError {
    /// The fields common to every kind, without matching on the variant.
    pub fn details(&self) -> ErrorDetails {
        self.parts()
    }
}

impl From<Error> for AgenticStarError {
    fn from(e: Error) -> Self {
        let d = ErrorDetails {
            kind: e.kind().as_str().to_owned(),
            detail: e.message().to_owned(),
            status: e.status().map(i32::from),
            code: e.code().map(str::to_owned),
            code_reason: e.code_reason().map(str::to_owned),
            retry_after: e.retry_after().map(|d| d.as_secs_f64()),
            body_excerpt: e.body_excerpt().map(str::to_owned),
            details_json: e.details().map(|d| d.to_string()),
            request_id: e.request_id().map(str::to_owned),
            headers: e.response().map(|r| r.header_map().into_iter().collect()).unwrap_or_default(),
            www_authenticate: e.www_authenticate().map(str::to_owned),
        };
        Self::from_details(e.kind(), d)
    }
}

impl AgenticStarError {
    pub(crate) fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Error::new(kind, detail).into()
    }

    /// Back into a core error, for errors a foreign implementation (token store) returned.
    pub(crate) fn into_core(self, kind: ErrorKind, context: &str) -> Error {
        Error::new(kind, format!("{context}: {}", self.parts().detail))
    }
}

/// A foreign callback threw something other than an `AgenticStarError`.
impl From<uniffi::UnexpectedUniFFICallbackError> for AgenticStarError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::new(ErrorKind::Internal, format!("callback failed: {}", e.reason))
    }
}

pub type Result<T, E = AgenticStarError> = std::result::Result<T, E>;
