//! Core values as the JSON objects bindings hand to languages whose records are plain objects
//! (Node): camelCase keys, absent values left out. The fields, units and rules are the core's; a
//! binding converts nothing field by field.
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::authcode::{AuthorizationRequest, AuthorizeOptions};
use crate::client::SignIn;
use crate::error::{Error, ErrorKind, Result};
use crate::token::{StoredToken, Token};

/// A token: `accessToken`, `tokenType`, `scope` (space-separated, as granted), `expiresIn`
/// (seconds left now, fractional), `expiresAt` (Unix seconds), `refreshToken`, `idToken`.
pub fn token_json(t: &Token) -> Value {
    let mut m = Map::new();
    m.insert("accessToken".into(), json!(t.access_token().expose()));
    m.insert("tokenType".into(), json!(t.token_type()));
    put(&mut m, "scope", t.scopes().map(|s| s.to_string()));
    put(&mut m, "expiresIn", t.expires_in().map(|d| d.as_secs_f64()));
    put(&mut m, "expiresAt", t.expires_at_unix());
    put(&mut m, "refreshToken", t.refresh_token().map(|s| s.expose().to_owned()));
    put(&mut m, "idToken", t.id_token().map(|s| s.expose().to_owned()));
    Value::Object(m)
}

/// A completed sign-in: `token` ([`token_json`]) and `idClaims` (every claim of the validated
/// id_token, flat), when one was issued.
pub fn sign_in_json(s: &SignIn) -> Value {
    let mut m = Map::new();
    m.insert("token".into(), token_json(&s.token));
    put(&mut m, "idClaims", s.id_claims.as_ref().and_then(|c| serde_json::to_value(c).ok()));
    Value::Object(m)
}

/// A token as a foreign token store keeps it: [`StoredToken`]'s fields in camelCase.
pub fn stored_token_json(t: &StoredToken) -> Value {
    camel(t)
}

/// What a foreign token store gave back, read with [`StoredToken`]'s rules (camelCase keys).
pub fn stored_token_from_json(v: Value) -> Result<StoredToken> {
    from_camel(v, ErrorKind::Store, "the token store returned an unusable token")
}

/// A started sign-in ([`AuthorizationRequest`]'s fields in camelCase), for the app to keep.
pub fn authorization_request_json(r: &AuthorizationRequest) -> Value {
    camel(r)
}

/// A started sign-in the app kept, as [`authorization_request_json`] gave it.
pub fn authorization_request_from_json(v: Value) -> Result<AuthorizationRequest> {
    from_camel(v, ErrorKind::Config, "not a started sign-in (an authorization request)")
}

/// Authorize options from `{redirectUri, scope?, uiLocales?, pkce?, extra?: {name: value}}`; the
/// defaults are [`AuthorizeOptions::new`]'s (PKCE on).
pub fn authorize_options_from_json(v: Value) -> Result<AuthorizeOptions> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Raw {
        redirect_uri: String,
        scope: Option<String>,
        ui_locales: Option<String>,
        pkce: Option<bool>,
        extra: Option<std::collections::BTreeMap<String, String>>,
    }
    let r: Raw = serde_json::from_value(v).map_err(|e| Error::config(format!("authorize options: {e}")))?;
    let mut o = AuthorizeOptions::new(r.redirect_uri);
    o.scope = r.scope;
    o.ui_locales = r.ui_locales;
    o.pkce = r.pkce.unwrap_or(o.pkce);
    o.extra = r.extra.unwrap_or_default().into_iter().collect();
    Ok(o)
}

fn put<T: Serialize>(m: &mut Map<String, Value>, key: &str, v: Option<T>) {
    if let Some(v) = v.and_then(|v| serde_json::to_value(v).ok()) {
        m.insert(key.into(), v);
    }
}

/// `v`'s serde object with its keys camelCased and null values left out.
fn camel<T: Serialize>(v: &T) -> Value {
    match serde_json::to_value(v) {
        Ok(Value::Object(o)) => {
            Value::Object(o.into_iter().filter(|(_, x)| !x.is_null()).map(|(k, x)| (camel_key(&k), x)).collect())
        }
        Ok(other) => other,
        Err(_) => Value::Null,
    }
}

fn from_camel<T: DeserializeOwned>(v: Value, kind: ErrorKind, what: &str) -> Result<T> {
    let v = match v {
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, x)| (snake_key(&k), x)).collect()),
        other => other,
    };
    serde_json::from_value(v).map_err(|e| Error::new(kind, format!("{what}: {e}")))
}

fn camel_key(k: &str) -> String {
    let mut out = String::with_capacity(k.len());
    let mut up = false;
    for c in k.chars() {
        match c {
            '_' => up = true,
            c if up => {
                out.extend(c.to_uppercase());
                up = false;
            }
            c => out.push(c),
        }
    }
    out
}

fn snake_key(k: &str) -> String {
    let mut out = String::with_capacity(k.len() + 4);
    for c in k.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn stored_token_round_trips_through_camel_case() {
        let t = StoredToken {
            access_token: Secret::from("at".to_owned()),
            token_type: "Bearer".into(),
            scope: Some("openid chat:all".into()),
            expires_at: Some(1_900_000_000),
            lifetime_secs: Some(3600),
            refresh_token: None,
            refresh_expires_at: None,
            id_token: None,
        };
        let v = stored_token_json(&t);
        assert_eq!(
            v,
            json!({"accessToken": "at", "tokenType": "Bearer", "scope": "openid chat:all",
                   "expiresAt": 1_900_000_000u64, "lifetimeSecs": 3600})
        );
        assert_eq!(stored_token_from_json(v).unwrap(), t);
        // The core's defaults apply to what a store leaves out.
        let min = stored_token_from_json(json!({"accessToken": "x"})).unwrap();
        assert_eq!((min.token_type.as_str(), min.expires_at), ("Bearer", None));
        let e = stored_token_from_json(json!({"tokenType": "Bearer"})).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Store);
    }

    #[test]
    fn authorize_options_defaults_are_the_cores() {
        let o = authorize_options_from_json(json!({"redirectUri": "http://127.0.0.1/cb"})).unwrap();
        assert!(o.pkce && o.scope.is_none() && o.extra.is_empty());
        let o = authorize_options_from_json(json!({"redirectUri": "u", "pkce": false, "uiLocales": "ja",
                                                    "extra": {"prompt": "login"}}))
        .unwrap();
        assert!(!o.pkce);
        assert_eq!((o.ui_locales.as_deref(), o.extra), (Some("ja"), vec![("prompt".into(), "login".into())]));
        assert_eq!(authorize_options_from_json(json!({"redirect": "u"})).unwrap_err().kind(), ErrorKind::Config);
    }

    #[test]
    fn keys() {
        for (s, c) in [("access_token", "accessToken"), ("iss_required", "issRequired"), ("url", "url")] {
            assert_eq!((camel_key(s), snake_key(c)), (c.to_owned(), s.to_owned()));
        }
    }
}
