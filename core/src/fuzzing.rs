//! Entry points for the fuzz targets in `fuzz/` and their regression runner. Each must never
//! panic on any input; the SSE one also checks that chunking never changes the result.
#![doc(hidden)]

use crate::oidc::{IdTokenCheck, verify_id_token};
use crate::provider::{Dialect, parse_token_response};
use crate::sse::{SseDecoder, SseError};

type Outcome = (Vec<(String, String, String)>, Option<SseError>, Option<u64>, String);

fn decode(chunks: &[&[u8]]) -> Outcome {
    let mut d = SseDecoder::with_limits(4096, 16384);
    let mut events = Vec::new();
    let mut err = None;
    for c in chunks {
        if let Err(e) = d.feed(c, |e| events.push((e.event.to_owned(), e.data.to_owned(), e.id.to_owned()))) {
            err = Some(e);
            break;
        }
    }
    d.finish();
    (events, err, d.retry(), d.last_event_id().to_owned())
}

/// First byte picks a chunk size; the rest is SSE input. Whole and chunked must agree.
pub fn sse(data: &[u8]) {
    let Some((&n, input)) = data.split_first() else { return };
    let whole = decode(&[input]);
    let size = usize::from(n % 64) + 1;
    let chunks: Vec<&[u8]> = input.chunks(size).collect();
    assert_eq!(whole, decode(&chunks), "chunking changed the outcome");
}

/// First byte picks the event type; the rest is the data (lossy UTF-8, as the decoder gives).
pub fn chat_event(data: &[u8]) {
    let Some((&t, rest)) = data.split_first() else { return };
    let event = if t % 4 == 0 { "error" } else { "message" };
    let _ = crate::chat::decode_event(event, &String::from_utf8_lossy(rest));
}

/// First byte picks dialect and status (and, with its top bit, a structured answer built from
/// the rest: arbitrary token bytes and lifetimes); otherwise the rest is the body. Every accepted
/// answer then goes through what `get_token` does with it: the token, its clock arithmetic, the
/// store round trip and the freshness check.
pub fn token_response(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else { return };
    let dialect = [Dialect::OAuth, Dialect::Marketplace, Dialect::Wrapped][usize::from(sel % 3)];
    let status = [200, 201, 400, 401, 403, 404, 429, 500, 503][usize::from(sel / 3 % 9)];
    let structured;
    let body = if sel & 0x80 != 0 {
        structured = structured_answer(dialect, rest);
        structured.as_bytes()
    } else {
        rest
    };
    if let Ok(t) = parse_token_response(dialect, status, None, body) {
        assert!(!t.access_token.is_empty());
        assert!(t.access_token.expose().bytes().all(|b| b.is_ascii_graphic()), "token not visible ASCII");
        assert!(t.expires_in.is_none_or(|s| s <= crate::provider::MAX_LIFETIME_SECS));
        let token = crate::token::Token::from_response(t, None);
        let _ = (token.expires_in(), token.is_expired(), token.is_fresh(std::time::Duration::from_secs(300)));
        let again = crate::token::Token::from_stored(token.to_stored());
        let _ = (again.expires_in(), again.is_fresh(std::time::Duration::MAX));
    }
}

/// A token answer whose token is the first bytes (lossy UTF-8, JSON-escaped) and whose lifetimes
/// are the next 16 bytes read as an integer, a float or a numeric string.
fn structured_answer(dialect: Dialect, rest: &[u8]) -> String {
    let (n, rest) = rest.split_first().map_or((0, rest), |(n, r)| (usize::from(*n), r));
    let (tok, rest) = rest.split_at(n.min(rest.len()));
    let word = |i: usize| {
        let mut b = [0u8; 8];
        for (j, x) in b.iter_mut().enumerate() {
            *x = rest.get(i * 8 + j).copied().unwrap_or(0);
        }
        b
    };
    let (a, b) = (word(0), word(1));
    let kind = rest.get(16).copied().unwrap_or(0);
    let lifetime = |w: [u8; 8]| -> serde_json::Value {
        match kind % 4 {
            0 => i64::from_le_bytes(w).into(),
            1 => u64::from_le_bytes(w).into(),
            2 => serde_json::Number::from_f64(f64::from_le_bytes(w)).map_or(serde_json::Value::Null, Into::into),
            _ => format!("{:e}", f64::from_le_bytes(w)).into(),
        }
    };
    let token = serde_json::json!({
        "access_token": String::from_utf8_lossy(tok),
        "refresh_token": String::from_utf8_lossy(tok),
        "expires_in": lifetime(a),
        "refresh_expires_in": lifetime(b),
    });
    match dialect {
        Dialect::Wrapped => serde_json::json!({ "data": token }).to_string(),
        _ => token.to_string(),
    }
}

/// Up to the first newline: the expected state; the rest: the callback URL.
pub fn callback(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (state, url) = text.split_once('\n').unwrap_or(("state", &text));
    if let Ok(code) = crate::authcode::parse_callback_with_state(state, url) {
        assert!(!code.is_empty());
    }
}

/// The emulator's public RSA key; inputs are id_token strings (a valid one is in the seed corpus).
const JWK: &str = r#"{"alg":"RS256","e":"AQAB","kid":"rsa-1","kty":"RSA","use":"sig","n":"wpc-7_bPtsTGWTsvmrmTGtynVyvgMY3MKUS2T7jXgnVRKwO3e-lAuJfXc2D5g6hHy19BmLZ622R62kcCQWEk57rlTAN85iCN6eekNc7U3V5ZVS4AHl9yIutBDwT7byTtSDCF9uuTDdKqWvezjucDHeiPnjHtduBlgzRy2OwDDFoML1kxHwgu1SHjPJXjVpGeOq6EuQcY3P8jErKV8AiwVbRj5FeWyC1A_d99OLHBFBpy-c7_9KN1yLiSMhtp6V9QgSYCgWMIiTK8gQbgCgdvHDEcHrXRLyrOfoMav-eoxkbsO9hQpbkKU3JqZwVFAlZQBcZEn8QBVJUFC0QWR2XLFQ"}"#;

pub fn id_token(data: &[u8]) {
    let Ok(jwk) = serde_json::from_str(JWK) else { return };
    let token = String::from_utf8_lossy(data);
    let check = IdTokenCheck {
        issuer: "http://127.0.0.1/federation/auth/v1",
        client_id: "saas-cc-client",
        nonce: Some("n"),
        leeway: std::time::Duration::from_secs(60),
    };
    let _ = verify_id_token(&jwk, &token, &check);
}

/// A real id_token signed by the emulator's rsa-1 key (now expired): the fuzzer's starting point.
pub const SEED_ID_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIn0.eyJhdWQiOiJzYWFzLWNjLWNsaWVudCIsImF1dGhfdGltZSI6MTc5NTM1MzYwNCwiYXpwIjoic2Fhcy1jYy1jbGllbnQiLCJleHAiOjE3OTUzNTcyMDQsImlhdCI6MTc5NTM1MzYwNCwiaXNzIjoiaHR0cDovLzEyNy4wLjAuMTozMzc0OS9mZWRlcmF0aW9uL2F1dGgvdjEiLCJzdWIiOiJzYWFzLWNjLWNsaWVudCJ9.bwNuvOJOhSl8N1HlOMasBeo3HlORN_v6Pw8daEXAvdYcyfYh7NQ-lQWiukVRj8CbL7-RWbWW_lApK5cr3iQGuiavS7Vz0FII3AvN1Uowt4P943NfVLTIR3kdUoG56wExQ-a9cux8jHJW6bqfxfX9sQwjW2GrgO0AvQS894R7_BBecoPkxTfl-KzDcKmWPxdwjMQ1gY9JIE2YXX2ReVaHGSIg9lN49gY5t_WAe8MkB7T38rmAFAStextUINbVC2TLq71mz2XVn7gkeG-XtwmgfBA7wLInArT8Eu5Onkt8RASEFbmQyt7XHYUo9XTKHFABbNxHAJQHl68dpCuVmZeeFQ";
