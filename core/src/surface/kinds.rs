//! How every language names the error class of each [`ErrorKind`], and which class it extends.
//!
//! Python and TypeScript build their exception trees to this table and their suites fail when a
//! class is missing, named differently or has another parent. Names follow openai-python /
//! openai-node where the idea is the same (`RateLimitError`, `APIError`, `APITimeoutError`,
//! `AuthenticationError`); otherwise the kind's code in PascalCase, plus `Error` (a trailing
//! `_error` in the code is not doubled). A new kind needs no line here unless it has a parent or
//! an irregular name.
use serde::Serialize;

use crate::error::ErrorKind;

/// One row of the table.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ErrorClass {
    /// [`ErrorKind::as_str`].
    pub kind: &'static str,
    /// The class name in Python and TypeScript.
    pub class_name: String,
    /// The kind whose class this one extends (`None`: the base `AgenticStarError`).
    pub parent: Option<&'static str>,
}

fn pascal(code: &str) -> String {
    let code = code.strip_suffix("_error").unwrap_or(code);
    code.split('_').map(|p| p[..1].to_ascii_uppercase() + &p[1..]).collect::<String>() + "Error"
}

/// The class name of `kind` in Python and TypeScript.
pub fn class_name(kind: ErrorKind) -> String {
    match kind {
        ErrorKind::RateLimited => "RateLimitError".into(),
        ErrorKind::Api => "APIError".into(),
        ErrorKind::Timeout => "APITimeoutError".into(),
        ErrorKind::IdTokenInvalid => "IdTokenError".into(),
        ErrorKind::JsonRpc => "JsonRpcError".into(),
        k => pascal(k.as_str()),
    }
}

/// The kind whose class `kind`'s class extends.
pub fn parent(kind: ErrorKind) -> Option<ErrorKind> {
    use ErrorKind::*;
    Some(match kind {
        InsecureTransport => Config,
        LicensesExhausted | InsufficientScope => Forbidden,
        ServerError => Api,
        Timeout => Network,
        Unauthorized => Authentication,
        IdTokenSignature | IdTokenNonce | IdTokenAudience | IdTokenIssuer | IdTokenExpired | IdTokenNotYetValid
        | IdTokenAzp | IdTokenKey => IdTokenInvalid,
        StreamTruncated | StreamDecode | StreamTooLarge => StreamError,
        TaskNotFound
        | TaskNotCancelable
        | PushNotificationNotSupported
        | UnsupportedOperation
        | ContentTypeNotSupported
        | InvalidAgentResponse
        | ExtendedCardNotConfigured
        | ExtensionSupportRequired
        | VersionNotSupported => JsonRpc,
        _ => return None,
    })
}

/// The whole table, in [`ErrorKind::ALL`] order.
pub fn error_classes() -> Vec<ErrorClass> {
    ErrorKind::ALL
        .iter()
        .map(|&k| ErrorClass { kind: k.as_str(), class_name: class_name(k), parent: parent(k).map(ErrorKind::as_str) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parents_form_a_tree() {
        let t = error_classes();
        let names: std::collections::HashSet<_> = t.iter().map(|c| c.class_name.clone()).collect();
        assert_eq!(names.len(), t.len());
        for c in &t {
            let mut seen = 0;
            let mut p = c.parent;
            while let Some(k) = p {
                seen += 1;
                assert!(seen < 8, "cycle at {}", c.kind);
                p = t.iter().find(|x| x.kind == k).expect("parent is a kind").parent;
            }
        }
        assert_eq!(class_name(ErrorKind::ServerError), "ServerError");
        assert_eq!(class_name(ErrorKind::SignInRequired), "SignInRequiredError");
    }
}
