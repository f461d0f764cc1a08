//! `WWW-Authenticate: Bearer …` challenges (RFC 6750 §3, RFC 9728 §5.1).

use serde_json::{Map, Value};

/// The parameters of the Bearer challenge in a `WWW-Authenticate` value, or None without one.
/// Other schemes in the same header are skipped; parameter names are lower-cased.
pub fn bearer_challenge(header: &str) -> Option<Vec<(String, String)>> {
    let mut rest = header.trim();
    loop {
        let (scheme, after) = split_token(rest);
        if scheme.is_empty() {
            return None;
        }
        let (params, next) = parse_params(after);
        if scheme.eq_ignore_ascii_case("bearer") {
            return Some(params);
        }
        rest = next?;
    }
}

/// The challenge as the JSON put in an error's `details`: `resourceMetadata`, `scope`, `error`,
/// `errorDescription` (only those present).
pub fn challenge_details(header: Option<&str>) -> Value {
    let mut o = Map::new();
    if let Some(params) = header.and_then(bearer_challenge) {
        for (k, v) in params {
            let key = match k.as_str() {
                "resource_metadata" => "resourceMetadata",
                "scope" => "scope",
                "error" => "error",
                "error_description" => "errorDescription",
                "realm" => "realm",
                _ => continue,
            };
            o.entry(key).or_insert(Value::String(crate::redact::scrub(&v)));
        }
    }
    Value::Object(o)
}

fn split_token(s: &str) -> (&str, &str) {
    let s = s.trim_start_matches([' ', '\t', ',']);
    let end = s.find([' ', '\t', ',', '=']).unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// `k=v` and `k="quoted"` pairs up to the next scheme; returns the remainder starting at it.
fn parse_params(mut s: &str) -> (Vec<(String, String)>, Option<&str>) {
    let mut out = Vec::new();
    loop {
        let t = s.trim_start_matches([' ', '\t', ',']);
        if t.is_empty() {
            return (out, None);
        }
        let (name, after) = split_token(t);
        let after_ws = after.trim_start_matches([' ', '\t']);
        let Some(value_part) = after_ws.strip_prefix('=') else {
            // A bare token: token68 of this scheme if nothing came yet, else the next scheme.
            if out.is_empty() && after_ws.is_empty() {
                return (out, None);
            }
            return (out, Some(t));
        };
        let value_part = value_part.trim_start_matches([' ', '\t']);
        let (value, rest) = if let Some(q) = value_part.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = q.char_indices();
            let mut end = q.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => v.push(c),
                }
            }
            (v, &q[end.min(q.len())..])
        } else {
            let end = value_part.find([',', ' ', '\t']).unwrap_or(value_part.len());
            (value_part[..end].to_owned(), &value_part[end..])
        };
        out.push((name.to_ascii_lowercase(), value));
        s = rest;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_mcp_challenge() {
        let h = r#"Bearer error="invalid_token", error_description="The access token expired", resource_metadata="http://127.0.0.1:9/.well-known/oauth-protected-resource/mcp", scope="mcp:all""#;
        assert_eq!(
            challenge_details(Some(h)),
            json!({"error":"invalid_token","errorDescription":"The access token expired",
                   "resourceMetadata":"http://127.0.0.1:9/.well-known/oauth-protected-resource/mcp","scope":"mcp:all"})
        );
    }

    #[test]
    fn finds_bearer_among_schemes_and_odd_spacing() {
        let h = r#"Basic realm="x", Bearer realm = "api" ,scope="a b",error=insufficient_scope"#;
        let p = bearer_challenge(h).unwrap();
        assert_eq!(
            p,
            vec![
                ("realm".into(), "api".into()),
                ("scope".into(), "a b".into()),
                ("error".into(), "insufficient_scope".into())
            ]
        );
        assert!(bearer_challenge("Basic realm=\"x\"").is_none());
        assert_eq!(bearer_challenge("Bearer").unwrap(), vec![]);
        assert_eq!(challenge_details(Some(r#"Bearer scope="a\"b"#)), json!({"scope":"a\"b"}));
        assert_eq!(challenge_details(None), json!({}));
    }
}
