//! Device Authorization Grant (RFC 8628): sign a user in on a device without a browser (a CLI on a
//! server, a TV). The device shows a short user code and a URL; the user approves on any other
//! device while this one polls the token endpoint at the server's pace.
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// RFC 8628 §3.5: without an `interval` in the answer, poll every 5 seconds.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// RFC 8628 §3.5: `slow_down` adds 5 seconds to the interval, for this and all later polls.
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// Longest interval or lifetime taken from a server, so a hostile answer cannot park a caller.
const MAX_INTERVAL_SECS: u64 = 300;
const MAX_LIFETIME_SECS: u64 = 24 * 3600;

/// A started device sign-in: show [`user_code`](Self::user_code) and
/// [`verification_uri`](Self::verification_uri) (or the `_complete` form, e.g. as a QR code) to the
/// user, then call `Client::complete_device_authorization` with it. Serializable so an app can
/// keep it while the user is away.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct DeviceAuthorization {
    /// The code this device polls with; never shown to the user.
    pub device_code: Secret,
    /// What the user types at the verification URI.
    pub user_code: String,
    /// Where the user goes to enter the code.
    pub verification_uri: String,
    /// The verification URI with the code already in it, when the server offers one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_uri_complete: Option<String>,
    /// Lifetime of the codes in seconds, as the server granted it.
    pub expires_in: u64,
    /// Wall-clock expiry (Unix seconds): polling stops here even after a restart.
    pub expires_at: u64,
    /// Seconds between polls, as the server asked.
    pub interval: u64,
}

impl std::fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The codes are bearer-like until they expire: show only where the user goes.
        f.debug_struct("DeviceAuthorization")
            .field("verification_uri", &self.verification_uri)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// Read a device authorization answer (RFC 8628 §3.2). Pure: unit-tested with hostile shapes.
pub fn parse_device_authorization(status: u16, body: &[u8], now_unix: u64) -> Result<DeviceAuthorization> {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if !(200..300).contains(&status) || json.as_ref().is_some_and(|j| j.get("error").is_some()) {
        return Err(crate::provider::classify_error(status, json.as_ref(), body)
            .map_message(|m| format!("device authorization: {m}")));
    }
    let unexpected = |why: &str| {
        Error::new(ErrorKind::UnexpectedResponse, format!("device authorization answered {status} but {why}"))
            .with_status(status)
            .with_excerpt(body)
    };
    let Some(obj) = json.as_ref().and_then(Value::as_object) else {
        return Err(unexpected("the body is not a JSON object"));
    };
    let text = |k: &str| obj.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let device_code = text("device_code").ok_or_else(|| unexpected("it has no device_code"))?;
    let user_code = text("user_code").ok_or_else(|| unexpected("it has no user_code"))?;
    // Google's early drafts said `verification_url`; accept both spellings.
    let verification_uri = text("verification_uri")
        .or_else(|| text("verification_url"))
        .ok_or_else(|| unexpected("it has no verification_uri"))?;
    for u in [Some(verification_uri), text("verification_uri_complete")].into_iter().flatten() {
        url::Url::parse(u).map_err(|_| unexpected("its verification URI is not a URL"))?;
    }
    let expires_in = seconds(obj.get("expires_in"))
        .filter(|s| *s > 0)
        .ok_or_else(|| unexpected("it has no positive expires_in"))?
        .min(MAX_LIFETIME_SECS);
    let interval = seconds(obj.get("interval")).unwrap_or(DEFAULT_INTERVAL.as_secs()).clamp(1, MAX_INTERVAL_SECS);
    Ok(DeviceAuthorization {
        device_code: Secret::from(device_code),
        user_code: user_code.to_owned(),
        verification_uri: verification_uri.to_owned(),
        verification_uri_complete: text("verification_uri_complete").map(str::to_owned),
        expires_in,
        expires_at: now_unix.saturating_add(expires_in),
        interval,
    })
}

fn seconds(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| f.is_finite() && *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

/// What one poll of the token endpoint means for the device flow.
#[derive(Debug, PartialEq)]
pub(crate) enum Poll {
    /// `authorization_pending`: ask again after the interval.
    Pending,
    /// `slow_down`: ask again after the interval grown by 5 seconds.
    SlowDown,
    /// A server or network hiccup: back off, and ask again while the code lives.
    Transient,
    /// Stop with this error.
    Fail(Error),
}

/// Classify a failed poll (RFC 8628 §3.5).
pub(crate) fn classify_poll(e: Error) -> Poll {
    match e.code() {
        Some("authorization_pending") => Poll::Pending,
        Some("slow_down") => Poll::SlowDown,
        Some("expired_token") => Poll::Fail(
            e.clone()
                .with_kind(ErrorKind::DeviceCodeExpired)
                .map_message(|m| format!("the device code expired before the user approved it ({m})")),
        ),
        Some("access_denied") => Poll::Fail(
            e.clone()
                .with_kind(ErrorKind::AuthorizationDenied)
                .map_message(|m| format!("the user denied the sign-in ({m})")),
        ),
        _ if e.kind().is_transient() => Poll::Transient,
        _ => Poll::Fail(e),
    }
}

/// The error when the local clock passes the code's `expires_in` first.
pub(crate) fn expired_locally() -> Error {
    Error::new(ErrorKind::DeviceCodeExpired, "the device code expired before the user approved it")
        .with_code(Some("expired_token".into()), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_shapes() {
        let d = parse_device_authorization(
            200,
            br#"{"device_code":"dc","user_code":"ABCD-EFGH","verification_uri":"https://x/device","verification_uri_complete":"https://x/device?user_code=ABCD-EFGH","expires_in":600}"#,
            1000,
        )
        .unwrap();
        assert_eq!((d.interval, d.expires_in, d.expires_at), (5, 600, 1600));
        assert!(!format!("{d:?}").contains("ABCD") && !format!("{d:?}").contains("dc\""));
        let d = parse_device_authorization(
            200,
            br#"{"device_code":"dc","user_code":"u","verification_url":"https://x/d","expires_in":"1e400","interval":0}"#,
            0,
        );
        assert_eq!(d.unwrap_err().kind(), ErrorKind::UnexpectedResponse, "a string lifetime must be an integer");
        let d = parse_device_authorization(
            200,
            br#"{"device_code":"dc","user_code":"u","verification_url":"https://x/d","expires_in":1e300,"interval":0}"#,
            u64::MAX - 5,
        )
        .unwrap();
        assert_eq!((d.interval, d.expires_in, d.expires_at), (1, MAX_LIFETIME_SECS, u64::MAX));
        for bad in [
            &br#"{"user_code":"u","verification_uri":"https://x","expires_in":5}"#[..],
            br#"{"device_code":"d","user_code":"u","verification_uri":"not a url","expires_in":5}"#,
            br#"{"device_code":"d","user_code":"u","verification_uri":"https://x","expires_in":0}"#,
            br#"[1]"#,
            b"<html>",
        ] {
            assert_eq!(parse_device_authorization(200, bad, 0).unwrap_err().kind(), ErrorKind::UnexpectedResponse);
        }
        let e = parse_device_authorization(400, br#"{"error":"invalid_client"}"#, 0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidClient);
    }

    #[test]
    fn poll_outcomes() {
        let oauth = |code: &str| Error::new(ErrorKind::InvalidRequest, "x").with_code(Some(code.into()), None);
        assert_eq!(classify_poll(oauth("authorization_pending")), Poll::Pending);
        assert_eq!(classify_poll(oauth("slow_down")), Poll::SlowDown);
        assert_eq!(classify_poll(Error::new(ErrorKind::ServerError, "x")), Poll::Transient);
        let Poll::Fail(e) = classify_poll(oauth("expired_token")) else { panic!() };
        assert_eq!((e.kind(), e.code()), (ErrorKind::DeviceCodeExpired, Some("expired_token")));
        let Poll::Fail(e) = classify_poll(oauth("access_denied")) else { panic!() };
        assert_eq!(e.kind(), ErrorKind::AuthorizationDenied);
        let Poll::Fail(e) = classify_poll(oauth("invalid_grant")) else { panic!() };
        assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    }
}
