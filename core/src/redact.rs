//! Scrubbing of secrets from text that may reach logs or error messages (server bodies, causes).

/// Keys whose values are secrets wherever they appear (JSON, form or query syntax).
const SECRET_KEYS: &[&str] =
    &["access_token", "refresh_token", "id_token", "client_secret", "code_verifier", "password", "assertion"];

const EXCERPT_CHARS: usize = 240;

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

/// Replace the values of secret keys and anything shaped like a JWT with `***`.
pub fn scrub(text: &str) -> String {
    let mut out = mask_key_values(text);
    out = mask_jwts(&out);
    out
}

fn mask_key_values(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let mut matched = None;
        for key in SECRET_KEYS {
            let k = key.as_bytes();
            if bytes[i..].len() >= k.len()
                && bytes[i..i + k.len()].eq_ignore_ascii_case(k)
                && (i == 0 || !is_word(bytes[i - 1]))
                && !bytes.get(i + k.len()).is_some_and(|b| is_word(*b))
            {
                matched = Some(k.len());
                break;
            }
        }
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
        // key, then optional quote, then separator (':' or '='), then the value
        let mut j = i + klen;
        out.push_str(&text[i..j]);
        let sep_start = j;
        while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b' ' | b'\t') {
            j += 1;
        }
        if j < bytes.len() && matches!(bytes[j], b':' | b'=') {
            j += 1;
            while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'"' | b'\'') {
                j += 1;
            }
            out.push_str(&text[sep_start..j]);
            let v_start = j;
            while j < bytes.len()
                && !matches!(bytes[j], b'"' | b'\'' | b'&' | b',' | b'}' | b' ' | b'\n' | b'\r' | b';')
            {
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
        let long = "é".repeat(1000);
        assert!(excerpt(long.as_bytes()).chars().count() <= EXCERPT_CHARS + 1);
    }
}
