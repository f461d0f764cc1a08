//! Scrubbing of secrets from text that may reach logs or error messages (server bodies, causes).

/// Keys whose values are secrets wherever they appear (JSON, form or query syntax), as words:
/// they match in snake_case, camelCase, kebab-case and any letter case (`accessToken`,
/// `ACCESS-TOKEN`, `access_token`).
const SECRET_KEYS: &[&[&str]] = &[
    &["access", "token"],
    &["refresh", "token"],
    &["id", "token"],
    &["client", "secret"],
    &["client", "assertion"],
    &["code", "verifier"],
    &["api", "key"],
    &["token"],
    &["secret"],
    &["password"],
    &["assertion"],
];

/// HTTP authentication schemes whose parameter is a credential (`Authorization: Bearer x`).
const AUTH_SCHEMES: &[&str] = &["bearer", "basic"];

const EXCERPT_CHARS: usize = 240;

/// Whether a header's value may be a secret (credentials, cookies, tokens, keys): such values are
/// never shown, only the header's name.
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(n.as_str(), "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "set-cookie2")
        || ["token", "secret", "api-key", "apikey", "password", "session", "credential"].iter().any(|w| n.contains(w))
}

/// A short excerpt of a body for an error: lossy UTF-8, scrubbed, at most ~240 characters.
pub fn excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(EXCERPT_CHARS * 4)];
    let text = String::from_utf8_lossy(head);
    let mut s = scrub(&text);
    if let Some((i, _)) = s.char_indices().nth(EXCERPT_CHARS) {
        s.truncate(i);
        s.push('…');
    } else if body.len() > head.len() {
        s.push('…');
    }
    s
}

/// Replace with `***` the values of secret keys (also inside JSON-escaped strings), the
/// credentials after `Bearer`/`Basic`, and anything shaped like a JWT. The one scrubber: every
/// error message and body excerpt passes through it.
pub fn scrub(text: &str) -> String {
    let mut out = mask_key_values(text);
    out = mask_jwts(&out);
    out
}

/// Length of the secret key name starting at `i` (words joined by nothing, `_` or `-`), if any.
fn key_at(bytes: &[u8], i: usize) -> Option<usize> {
    // A key starts a word, or a camelCase part (`userAccessToken`).
    if i > 0 && is_word(bytes[i - 1]) && !(bytes[i - 1].is_ascii_lowercase() && bytes[i].is_ascii_uppercase()) {
        return None;
    }
    'keys: for words in SECRET_KEYS {
        let mut j = i;
        for (n, w) in words.iter().enumerate() {
            if n > 0 && matches!(bytes.get(j), Some(b'_' | b'-')) {
                j += 1;
            }
            let w = w.as_bytes();
            if bytes.len() < j + w.len() || !bytes[j..j + w.len()].eq_ignore_ascii_case(w) {
                continue 'keys;
            }
            j += w.len();
        }
        // The key must end here: `token_type`, `tokenType` and `tokens` are not `token`.
        if bytes.get(j).is_some_and(|b| is_word(*b) || *b == b'-') {
            continue;
        }
        return Some(j - i);
    }
    None
}

fn is_value_end(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'\\' | b'&' | b',' | b'}' | b']' | b';') || b.is_ascii_whitespace()
}

fn mask_key_values(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(j) = auth_scheme_value(bytes, i) {
            // `Bearer <credential>`: keep the scheme and the space, mask the credential.
            let v_start = i + bytes[i..j].iter().position(|b| b.is_ascii_whitespace()).unwrap_or(0);
            let v_start = v_start + bytes[v_start..j].iter().take_while(|b| b.is_ascii_whitespace()).count();
            out.push_str(&text[i..v_start]);
            out.push_str("***");
            i = j;
            continue;
        }
        let mut matched = key_at(bytes, i);
        // `code` is only a secret in form/query syntax; JSON error bodies use it for error codes.
        if matched.is_none() && bytes[i..].starts_with(b"code=") && (i == 0 || !is_word(bytes[i - 1])) {
            matched = Some(4);
        }
        let Some(klen) = matched else {
            let ch = text[i..].chars().next().unwrap_or('\u{FFFD}');
            out.push(ch);
            i += ch.len_utf8().max(1);
            continue;
        };
        // key, then optional (escaped) quote, then separator (':' or '='), then the value
        let mut j = i + klen;
        out.push_str(&text[i..j]);
        let sep_start = j;
        while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b' ' | b'\t' | b'\\') {
            j += 1;
        }
        if j < bytes.len() && matches!(bytes[j], b':' | b'=') {
            j += 1;
            while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'"' | b'\'' | b'\\') {
                j += 1;
            }
            out.push_str(&text[sep_start..j]);
            let v_start = j;
            while j < bytes.len() && !is_value_end(bytes[j]) {
                j += 1;
            }
            if j > v_start {
                out.push_str("***");
            }
        } else {
            out.push_str(&text[sep_start..j]);
        }
        i = j;
    }
    out
}

/// If an auth scheme word starts at `i` and is followed by whitespace and a credential, the
/// end of that credential.
fn auth_scheme_value(bytes: &[u8], i: usize) -> Option<usize> {
    if i > 0 && is_word(bytes[i - 1]) {
        return None;
    }
    let scheme = AUTH_SCHEMES.iter().find(|s| {
        let s = s.as_bytes();
        bytes.len() > i + s.len() && bytes[i..i + s.len()].eq_ignore_ascii_case(s)
    })?;
    let mut j = i + scheme.len();
    let ws = bytes[j..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    if ws == 0 {
        return None;
    }
    j += ws;
    let v = bytes[j..].iter().take_while(|b| !is_value_end(**b)).count();
    // Credentials are long; a shorter word is prose ("HTTP Basic instead").
    (v >= 8).then_some(j + v)
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_b64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// `xxx.yyy.zzz` runs of base64url, each part long enough to be a JWT, become `***`.
fn mask_jwts(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        if is_b64url(bytes[i]) && (i == 0 || !is_b64url(bytes[i - 1])) {
            // measure three dot-separated base64url parts
            let mut j = i;
            let mut parts = 0;
            let mut ok = true;
            loop {
                let s = j;
                while j < bytes.len() && is_b64url(bytes[j]) {
                    j += 1;
                }
                if j - s < 8 {
                    ok = parts == 2 && j > s; // signature may be short only if present
                    if !ok {
                        break;
                    }
                }
                parts += 1;
                if parts == 3 || j >= bytes.len() || bytes[j] != b'.' {
                    break;
                }
                j += 1;
            }
            if ok && parts == 3 && bytes[i..].starts_with(b"ey") {
                out.push_str(&text[last..i]);
                out.push_str("***");
                last = j;
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_keys_and_jwts() {
        let s =
            scrub(r#"{"access_token": "abc123", "token_type":"Bearer", "x": "eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl"}"#);
        assert!(!s.contains("abc123") && !s.contains("eyJhbGciOi"), "{s}");
        assert!(s.contains("Bearer"));
        let s = scrub("https://app/cb?code=SECRETCODE&state=xyz");
        assert_eq!(s, "https://app/cb?code=***&state=xyz");
        assert_eq!(scrub("error_code: 5"), "error_code: 5");
        for leaky in [
            r#"{"accessToken":"abc123secret"}"#,
            r#"{\"refresh_token\":\"abc123secret\"}"#,
            "Authorization: Bearer abc123secret",
            "authorization: basic abc123secret==",
            r#"{"userIdToken": "abc123secret"}"#,
            "CLIENT-SECRET=abc123secret",
        ] {
            assert!(!scrub(leaky).contains("abc123secret"), "{leaky} -> {}", scrub(leaky));
        }
        assert_eq!(scrub(r#"{"token_type":"Bearer","tokenType":"x"}"#), r#"{"token_type":"Bearer","tokenType":"x"}"#);
        assert_eq!(scrub("use HTTP Basic instead"), "use HTTP Basic instead");
        assert!(is_secret_header("Set-Cookie") && is_secret_header("x-api-key") && is_secret_header("X-Auth-Token"));
        assert!(!is_secret_header("www-authenticate") && !is_secret_header("x-request-id"));
        let long = "é".repeat(1000);
        assert!(excerpt(long.as_bytes()).chars().count() <= EXCERPT_CHARS + 1);
    }
}
