//! End-to-end smoke tests over real HTTP: one per dialect, per fault kind and per admin call.

use std::time::{Duration, Instant};

use agenticstar_emulator::clients::*;
use agenticstar_emulator::{Emulator, EmulatorConfig};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::StreamExt;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;

struct Harness {
    emu: Emulator,
    http: reqwest::Client,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

const SAAS: &str = "/federation/auth/v1";
const CALLBACK: &str = "http://127.0.0.1:8765/callback";

async fn start() -> Harness {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator starts");
    // No redirects: /authorize answers are asserted, not followed.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Harness { emu, http }
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.url())
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request sent");
        let (status, headers) = (response.status(), response.headers().clone());
        Reply { status, headers, text: response.text().await.expect("body read") }
    }

    async fn form(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        self.send(self.http.post(self.url(path)).form(form)).await
    }

    async fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(self.http.get(self.url(path))).await
    }

    async fn bearer(&self, method: Method, path: &str, token: &str) -> Reply {
        self.send(self.http.request(method, self.url(path)).bearer_auth(token)).await
    }

    /// Admin calls must succeed; returns their JSON.
    async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = self.send(request).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        reply.json()
    }

    async fn fault(&self, fault: Value) {
        self.admin(Method::POST, "/admin/faults", Some(fault)).await;
    }

    async fn config(&self, patch: Value) {
        self.admin(Method::POST, "/admin/config", Some(patch)).await;
    }

    async fn saas_cc_token(&self) -> String {
        let reply = self
            .form(
                &format!("{SAAS}/token"),
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", SAAS_CC_CLIENT_ID),
                    ("client_secret", SAAS_CC_CLIENT_SECRET),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json()["access_token"].as_str().unwrap().to_owned()
    }

    fn chat_request(&self, token: &str, body: Value) -> reqwest::RequestBuilder {
        self.http.post(self.url("/v1/chat/completions")).bearer_auth(token).json(&body)
    }

    async fn stream(&self, token: &str) -> reqwest::Response {
        let body = json!({ "stream": true, "messages": [{ "role": "user", "content": "hi" }] });
        let response = self.chat_request(token, body).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response
    }

    async fn verify(&self, token: &str, alg: Algorithm, aud: &str, iss: &str) -> Value {
        let jwks: JwkSet = serde_json::from_value(self.get(&format!("{SAAS}/jwks")).await.json()).unwrap();
        let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
        let jwk = jwks.find(&kid).unwrap_or_else(|| panic!("kid {kid} not published"));
        let mut validation = Validation::new(alg);
        validation.set_audience(&[aud]);
        validation.set_issuer(&[iss]);
        jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
            .expect("token verifies against the JWKS")
            .claims
    }

    /// Polls a counter until it reaches `want`: stream outcomes are counted asynchronously.
    async fn wait_counter(&self, key: &str, want: u64) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.emu.counter(key) < want {
            assert!(Instant::now() < deadline, "{key} stayed at {}", self.emu.counter(key));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Follows /authorize (without following the redirect) and returns the callback URL.
async fn authorize(h: &Harness, extra: &[(&str, &str)]) -> Url {
    let mut url = Url::parse(&h.url(&format!("{SAAS}/authorize"))).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", SAAS_APP_CLIENT_ID)
        .append_pair("redirect_uri", CALLBACK)
        .extend_pairs(extra);
    let reply = h.send(h.http.get(url)).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
    Url::parse(reply.headers["location"].to_str().unwrap()).unwrap()
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

// ------------------------------------------------------------------ dialects

#[tokio::test]
async fn saas_client_credentials_and_errors() {
    let h = start().await;
    let disco = h.get(&format!("{SAAS}/.well-known/openid-configuration")).await.json();
    let issuer = format!("{}{SAAS}", h.emu.url());
    assert_eq!(disco["issuer"], issuer.as_str());
    assert_eq!(disco["token_endpoint"], format!("{issuer}/token"));
    assert_eq!(disco["jwks_uri"], format!("{issuer}/jwks"));
    assert_eq!(disco["code_challenge_methods_supported"], json!(["S256", "plain"]));

    let token_path = format!("{SAAS}/token");
    let reply = h
        .form(
            &token_path,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", SAAS_CC_CLIENT_ID),
                ("client_secret", SAAS_CC_CLIENT_SECRET),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["cache-control"], "no-store");
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "openid chat:all");
    assert!(body.get("refresh_token").is_none());
    let claims = h.verify(body["access_token"].as_str().unwrap(), Algorithm::RS256, "agenticstar-api", &issuer).await;
    assert_eq!(claims["sub"], SAAS_CC_CLIENT_ID);
    assert_eq!(claims["client_id"], SAAS_CC_CLIENT_ID);
    let id_claims = h.verify(body["id_token"].as_str().unwrap(), Algorithm::RS256, SAAS_CC_CLIENT_ID, &issuer).await;
    assert_eq!(id_claims["azp"], SAAS_CC_CLIENT_ID);

    // client_secret_basic works, and the request log says which method was used.
    let basic = h
        .send(
            h.http
                .post(h.url(&token_path))
                .basic_auth(SAAS_MGMT_CLIENT_ID, Some(SAAS_MGMT_CLIENT_SECRET))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_eq!(basic.json()["scope"], "openid users:read logs:read");
    let log = h.admin(Method::GET, "/admin/requests?endpoint=saas.token", None).await;
    assert_eq!(log[0]["auth_method"], "client_secret_post");
    assert_eq!(log[0]["form"]["grant_type"], "client_credentials");
    assert_eq!(log[1]["auth_method"], "client_secret_basic");

    let bad_basic = h
        .send(
            h.http
                .post(h.url(&token_path))
                .basic_auth(SAAS_CC_CLIENT_ID, Some("nope"))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_eq!(bad_basic.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_basic.json()["error"], "invalid_client");
    assert_eq!(bad_basic.headers["www-authenticate"], "Basic realm=\"agenticstar\"");

    type Case<'a> = (&'a [(&'a str, &'a str)], StatusCode, &'a str);
    let cases: [Case; 5] = [
        (
            &[("client_id", SAAS_CC_CLIENT_ID), ("client_secret", SAAS_CC_CLIENT_SECRET)],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            &[("grant_type", "password"), ("client_id", SAAS_CC_CLIENT_ID), ("client_secret", SAAS_CC_CLIENT_SECRET)],
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            &[("grant_type", "client_credentials"), ("client_id", SAAS_CC_CLIENT_ID), ("client_secret", "wrong")],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            &[
                ("grant_type", "authorization_code"),
                ("code", "x"),
                ("redirect_uri", CALLBACK),
                ("client_id", SAAS_CC_CLIENT_ID),
                ("client_secret", SAAS_CC_CLIENT_SECRET),
            ],
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", SAAS_APP_CLIENT_ID),
                ("client_secret", SAAS_APP_CLIENT_SECRET),
            ],
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
        ),
    ];
    for (form, status, error) in cases {
        let reply = h.form(&token_path, form).await;
        assert_eq!((reply.status, reply.json()["error"].as_str()), (status, Some(error)), "{form:?}");
        assert!(reply.headers.get("www-authenticate").is_none());
    }
    assert_eq!(h.emu.counter("saas.token"), 8);
    assert_eq!(h.emu.counter("saas.discovery"), 1);
}

#[tokio::test]
async fn saas_authorization_code_pkce_and_refresh_rotation() {
    let h = start().await;
    let verifier = "dBjftJeZ4CVP-mJ92K9rwXyz-0123456789abcdefghij";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier));
    let callback = authorize(
        &h,
        &[
            ("state", "st-1"),
            ("nonce", "n-1"),
            ("ui_locales", "en"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    assert!(callback.as_str().starts_with(CALLBACK));
    assert_eq!(query(&callback, "state").as_deref(), Some("st-1"));
    let code = query(&callback, "code").unwrap();
    let log = h.admin(Method::GET, "/admin/requests?endpoint=saas.authorize", None).await;
    assert_eq!(log[0]["ui_locales"], "en");

    let token_path = format!("{SAAS}/token");
    let exchange = |code: String, verifier: &'static str| {
        let h = &h;
        let token_path = &token_path;
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("redirect_uri", CALLBACK.to_owned()),
                ("client_id", SAAS_APP_CLIENT_ID.to_owned()),
                ("client_secret", SAAS_APP_CLIENT_SECRET.to_owned()),
            ];
            if !verifier.is_empty() {
                form.push(("code_verifier", verifier.to_owned()));
            }
            h.send(h.http.post(h.url(token_path)).form(&form)).await
        }
    };
    let reply = exchange(code.clone(), verifier).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let tokens = reply.json();
    assert_eq!(tokens["scope"], "openid chat:exec chat:history chat:file mcp:all");
    assert_eq!(tokens["refresh_expires_in"], 86400);
    let issuer = format!("{}{SAAS}", h.emu.url());
    let id = h.verify(tokens["id_token"].as_str().unwrap(), Algorithm::RS256, SAAS_APP_CLIENT_ID, &issuer).await;
    assert_eq!(
        (id["sub"].as_str(), id["nonce"].as_str(), id["email"].as_str()),
        (Some(USER_SUB), Some("n-1"), Some(USER_EMAIL))
    );

    // Codes are single use.
    let reused = exchange(code, verifier).await;
    assert_eq!((reused.status, reused.json()["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));

    // PKCE: wrong or missing verifier.
    for bad_verifier in ["not-the-verifier", ""] {
        let callback = authorize(&h, &[("code_challenge", &challenge), ("code_challenge_method", "S256")]).await;
        let reply = exchange(query(&callback, "code").unwrap(), bad_verifier).await;
        assert_eq!((reply.status, reply.json()["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    }

    // Refresh rotation: the new refresh token works, the old one is dead.
    let refresh = |token: String| {
        let h = &h;
        let token_path = &token_path;
        async move {
            let form = [
                ("grant_type", "refresh_token"),
                ("refresh_token", &token),
                ("client_id", SAAS_APP_CLIENT_ID),
                ("client_secret", SAAS_APP_CLIENT_SECRET),
            ];
            h.form(token_path, &form).await
        }
    };
    let old = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert!(old.starts_with("rt-"));
    let rotated = refresh(old.clone()).await;
    assert_eq!(rotated.status, StatusCode::OK);
    let new = rotated.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let rejected = refresh(old).await;
    assert_eq!(rejected.status, StatusCode::BAD_REQUEST);
    assert_eq!(rejected.json(), json!({ "error": "invalid_grant", "error_description": "Token is not active" }));
    // Reuse detection: presenting the spent token revoked the whole grant, its newest token too.
    assert_eq!(refresh(new.clone()).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(h.emu.counter("saas.refresh_reuse"), 1);
    let me = h.bearer(Method::GET, "/v1/me", rotated.json()["access_token"].as_str().unwrap()).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);

    // Without rotation the answer carries no refresh token and the old one stays valid.
    h.config(json!({ "rotate_refresh_tokens": false })).await;
    let callback = authorize(&h, &[]).await;
    let first = exchange(query(&callback, "code").unwrap(), "").await.json();
    let rt = first["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let again = refresh(rt.clone()).await;
        assert_eq!(again.status, StatusCode::OK);
        assert!(again.json().get("refresh_token").is_none());
    }
}

#[tokio::test]
async fn saas_authorize_errors_and_deny() {
    let h = start().await;
    let authorize_path = h.url(&format!("{SAAS}/authorize"));
    for (client, redirect) in
        [("nobody", CALLBACK), (SAAS_APP_CLIENT_ID, "https://evil.example.com/cb"), (SAAS_CC_CLIENT_ID, CALLBACK)]
    {
        let params = [("response_type", "code"), ("client_id", client), ("redirect_uri", redirect)];
        let reply = h.send(h.http.get(&authorize_path).query(&params)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(reply.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    }
    let params = [
        ("response_type", "token"),
        ("client_id", SAAS_APP_CLIENT_ID),
        ("redirect_uri", APP_REDIRECT_URI),
        ("state", "s"),
    ];
    let reply = h.send(h.http.get(&authorize_path).query(&params)).await;
    let location = reply.headers["location"].to_str().unwrap();
    assert_eq!(location, format!("{APP_REDIRECT_URI}?error=unsupported_response_type&state=s"));

    h.fault(json!({ "endpoint": "saas.authorize", "deny": true })).await;
    let denied = authorize(&h, &[("state", "xyz")]).await;
    assert_eq!(denied.query(), Some("error=access_denied&error_description=The+user+denied+the+request&state=xyz"));
    // The deny fault was consumed; the next attempt is approved.
    assert!(query(&authorize(&h, &[]).await, "code").is_some());
}

#[tokio::test]
async fn id_token_es256_and_spoiling_faults() {
    let h = start().await;
    let issuer = format!("{}{SAAS}", h.emu.url());
    let token_path = format!("{SAAS}/token");
    h.config(json!({ "id_token_alg": "ES256" })).await;
    let code_for = |nonce: &'static str| {
        let h = &h;
        async move { query(&authorize(h, &[("nonce", nonce)]).await, "code").unwrap() }
    };
    let exchange = |code: String| {
        let (h, token_path) = (&h, &token_path);
        async move {
            let form = [
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("client_id", SAAS_APP_CLIENT_ID),
                ("client_secret", SAAS_APP_CLIENT_SECRET),
            ];
            h.form(token_path, &form).await.json()["id_token"].as_str().unwrap().to_owned()
        }
    };
    let id_token = exchange(code_for("n").await).await;
    assert_eq!(jsonwebtoken::decode_header(&id_token).unwrap().kid.as_deref(), Some("ec-1"));
    h.verify(&id_token, Algorithm::ES256, SAAS_APP_CLIENT_ID, &issuer).await;

    h.config(json!({ "id_token_alg": "RS256" })).await;
    let claims = |token: &str| -> Value {
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    for (spoil, check) in [
        ("wrong_nonce", Box::new(|c: &Value| assert_ne!(c["nonce"], "n")) as Box<dyn Fn(&Value)>),
        ("wrong_aud", Box::new(|c: &Value| assert_ne!(c["aud"], SAAS_APP_CLIENT_ID))),
        ("wrong_iss", Box::new(|c: &Value| assert_ne!(c["iss"], json!(issuer)))),
        (
            "expired",
            Box::new(|c: &Value| {
                assert!(
                    c["exp"].as_u64().unwrap() < c["iat"].as_u64().unwrap() + 3600 * 2
                        && c["exp"].as_u64().unwrap() < 4_000_000_000
                )
            }),
        ),
        ("tamper", Box::new(|c: &Value| assert_eq!(c["nonce"], "n"))),
    ] {
        h.fault(json!({ "endpoint": "saas.token", "id_token": spoil })).await;
        let token = exchange(code_for("n").await).await;
        check(&claims(&token));
        let jwks: JwkSet = serde_json::from_value(h.get(&format!("{SAAS}/jwks")).await.json()).unwrap();
        let key = DecodingKey::from_jwk(jwks.find("rsa-1").unwrap()).unwrap();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[SAAS_APP_CLIENT_ID]);
        validation.set_issuer(&[&issuer]);
        let verified = jsonwebtoken::decode::<Value>(&token, &key, &validation);
        // wrong_nonce still verifies cryptographically; the nonce check is the client's job.
        assert_eq!(verified.is_ok(), spoil == "wrong_nonce", "{spoil}: {verified:?}");
    }
    // Each fault spoiled exactly one token.
    let clean = exchange(code_for("n").await).await;
    h.verify(&clean, Algorithm::RS256, SAAS_APP_CLIENT_ID, &issuer).await;
}

#[tokio::test]
async fn marketplace_token() {
    let h = start().await;
    let path = "/api/v1/auth/external-service-token";
    let reply = h
        .post_json(path, &json!({ "client_id": MARKETPLACE_CLIENT_ID, "client_secret": MARKETPLACE_CLIENT_SECRET }))
        .await;
    let body = reply.json();
    assert_eq!(
        (body["success"].as_bool(), body["expires_in"].as_u64(), body["scope"].as_str()),
        (Some(true), Some(1800), Some("openid"))
    );
    // Marketplace tokens have no scope restrictions: chat works.
    let chat = h.chat_request(
        body["access_token"].as_str().unwrap(),
        json!({ "messages": [{ "role": "user", "content": "x" }] }),
    );
    assert_eq!(h.send(chat).await.status, StatusCode::OK);

    let wrong = h.post_json(path, &json!({ "client_id": MARKETPLACE_CLIENT_ID, "client_secret": "no" })).await;
    assert_eq!(
        (wrong.status, wrong.json()),
        (StatusCode::UNAUTHORIZED, json!({ "success": false, "message": "Invalid client credentials" }))
    );
    let missing = json!({ "success": false, "message": "client_id and client_secret are required" });
    let reply = h.post_json(path, &json!({ "client_id": MARKETPLACE_CLIENT_ID })).await;
    assert_eq!((reply.status, reply.json()), (StatusCode::BAD_REQUEST, missing.clone()));
    let reply = h.send(h.http.post(h.url(path)).body("{not json")).await;
    assert_eq!((reply.status, reply.json()), (StatusCode::BAD_REQUEST, missing));

    h.config(json!({ "marketplace_lifetime_secs": 60 })).await;
    let reply = h
        .post_json(path, &json!({ "client_id": MARKETPLACE_CLIENT_ID, "client_secret": MARKETPLACE_CLIENT_SECRET }))
        .await;
    assert_eq!(reply.json()["expires_in"], 60);
    assert_eq!(h.emu.counter("marketplace.token"), 5);
}

#[tokio::test]
async fn keycloak_token() {
    let h = start().await;
    let path = "/auth/realms/dai/protocol/openid-connect/token";
    let good = [
        ("grant_type", "client_credentials"),
        ("client_id", KEYCLOAK_CLIENT_ID),
        ("client_secret", KEYCLOAK_CLIENT_SECRET),
    ];
    let body = h.form(path, &good).await.json();
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["refresh_expires_in"], 0);
    assert_eq!(body["not-before-policy"], 0);
    assert_eq!(body["scope"], "email template:dai:agents profile");
    let issuer = format!("{}/auth/realms/dai", h.emu.url());
    h.verify(body["access_token"].as_str().unwrap(), Algorithm::RS256, "agenticstar-api", &issuer).await;

    let reply = h.form(path, &good[1..]).await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            StatusCode::BAD_REQUEST,
            json!({ "error": "invalid_request", "error_description": "Missing form parameter: grant_type" })
        )
    );
    let reply = h.form(path, &[good[0], good[1], ("client_secret", "no")]).await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            StatusCode::UNAUTHORIZED,
            json!({ "message": "Not Authorized", "description": "The credentials you provided are not valid." })
        )
    );
    h.config(json!({ "licenses_exhausted": true })).await;
    let reply = h.form(path, &good).await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            StatusCode::FORBIDDEN,
            json!({ "message": "Forbidden", "description": "Not enough available concurrent user licenses" })
        )
    );
    // Licences: with a limit of 2 live tokens per client, a third request is refused.
    h.config(json!({ "licenses_exhausted": false, "licence_limit": 2 })).await;
    let live = h.admin(Method::GET, "/admin/licences", None).await[KEYCLOAK_CLIENT_ID]["live"].as_u64().unwrap();
    for _ in live..2 {
        assert_eq!(h.form(path, &good).await.status, StatusCode::OK);
    }
    assert_eq!(h.form(path, &good).await.status, StatusCode::FORBIDDEN);
    let licences = h.admin(Method::GET, "/admin/licences", None).await;
    assert_eq!(licences[KEYCLOAK_CLIENT_ID], json!({ "live": 2, "peak": 2 }));
    assert_eq!(h.emu.licences(KEYCLOAK_CLIENT_ID), (2, 2));
    assert_eq!(h.emu.counter("licences.refused"), 2); // the flag above, then the limit
    h.config(json!({ "licence_limit": 0 })).await;
    let reply = h.form("/auth/realms/other/protocol/openid-connect/token", &good).await;
    assert_eq!((reply.status, reply.json()), (StatusCode::NOT_FOUND, json!({ "error": "Realm does not exist" })));

    let disco = h.get("/auth/realms/dai/.well-known/openid-configuration").await.json();
    assert_eq!(disco["issuer"], issuer.as_str());
    assert_eq!(disco["jwks_uri"], format!("{issuer}/protocol/openid-connect/certs"));
    let certs = h.get("/auth/realms/dai/protocol/openid-connect/certs").await.json();
    assert_eq!(certs["keys"].as_array().unwrap().len(), 2);
    assert_eq!(h.emu.counter("keycloak.token"), 7);
    assert_eq!(h.emu.counter("keycloak.jwks"), 1);
}

#[tokio::test]
async fn wrapped_token() {
    let h = start().await;
    let reply =
        h.form("/v1/auth/token", &[("client_id", WRAPPED_CLIENT_ID), ("client_secret", WRAPPED_CLIENT_SECRET)]).await;
    let data = &reply.json()["data"];
    let token = data["access_token"].as_str().unwrap().to_owned();
    assert!(
        token.len() == 35 && token.starts_with("sk-") && token[3..].chars().all(|c| c.is_ascii_hexdigit()),
        "{token}"
    );
    assert_eq!((data["token_type"].as_str(), data["expires_in"].as_u64()), (Some("Bearer"), Some(3600)));
    let me = h.bearer(Method::GET, "/v1/me", &token).await.json();
    assert_eq!(me["client_id"], WRAPPED_CLIENT_ID);

    let reply = h.form("/v1/auth/token", &[("client_id", WRAPPED_CLIENT_ID)]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json(),
        json!({ "error": { "code": "400013", "code_reason": "invalid_request", "message": "Missing or invalid parameters" } })
    );
    let reply = h.form("/v1/auth/token", &[("client_id", WRAPPED_CLIENT_ID), ("client_secret", "no")]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["error"]["code"], "401021");

    let log = h.admin(Method::GET, "/admin/requests?endpoint=wrapped.token", None).await;
    assert_eq!(log.as_array().unwrap().len(), 3);
    assert!(log[0]["form"].get("grant_type").is_none());
    assert_eq!(log[0]["path"], "/v1/auth/token");
}

// ------------------------------------------------------------------ chat

#[tokio::test]
async fn chat_completions_streaming_and_errors() {
    let h = start().await;
    let token = h.saas_cc_token().await;

    let plain =
        h.send(h.chat_request(&token, json!({ "messages": [{ "role": "user", "content": "ping" }] }))).await.json();
    assert_eq!(plain["object"], "chat.completion");
    assert_eq!(plain["model"], "AGENTIC STAR");
    assert_eq!(plain["choices"][0]["message"]["content"], "こんにちは！🌸 You said: ping");
    assert_eq!(plain["choices"][0]["finish_reason"], "stop");

    h.config(json!({ "reply": "abcdefghij", "chunk_chars": 3, "keepalive_every": 2 })).await;
    let body = json!({ "model": "m", "stream": true, "stream_options": { "include_usage": true }, "messages": [{ "role": "user", "content": "12345678" }] });
    let response = h.chat_request(&token, body).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let text = response.text().await.unwrap();
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    assert_eq!(text.matches(": keep-alive\n\n").count(), 2);
    let events: Vec<Value> = text
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .filter(|d| *d != "[DONE]")
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    assert_eq!(events[0]["choices"][0]["delta"], json!({ "role": "assistant", "content": "" }));
    let pieces: Vec<&str> = events.iter().filter_map(|e| e["choices"][0]["delta"]["content"].as_str()).collect();
    assert_eq!(pieces, ["", "abc", "def", "ghi", "j"]);
    assert_eq!(events[5]["choices"][0]["finish_reason"], "stop");
    assert_eq!(events[6]["choices"], json!([]));
    assert_eq!(events[6]["usage"], json!({ "prompt_tokens": 2, "completion_tokens": 4, "total_tokens": 6 }));
    assert!(
        events
            .iter()
            .all(|e| e["object"] == "chat.completion.chunk" && e["model"] == "m" && e["id"] == events[0]["id"])
    );
    h.wait_counter("chat.completed", 1).await;

    // Authentication and validation errors.
    let chat = json!({ "messages": [{ "role": "user", "content": "x" }] });
    let unauth = h.send(h.http.post(h.url("/v1/chat/completions")).json(&chat)).await;
    assert_eq!(unauth.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unauth.headers["www-authenticate"], "Bearer error=\"invalid_token\"");
    assert_eq!(
        unauth.json(),
        json!({ "error": { "message": "Invalid or expired access token", "type": "invalid_request_error", "code": "invalid_token" } })
    );
    assert_eq!(h.send(h.chat_request("forged", chat.clone())).await.status, StatusCode::UNAUTHORIZED);
    let mgmt = h
        .form(
            &format!("{SAAS}/token"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", SAAS_MGMT_CLIENT_ID),
                ("client_secret", SAAS_MGMT_CLIENT_SECRET),
            ],
        )
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let forbidden = h.send(h.chat_request(&mgmt, chat.clone())).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(forbidden.json()["error"]["code"], "insufficient_scope");
    let bad_json = h.send(h.http.post(h.url("/v1/chat/completions")).bearer_auth(&token).body("{")).await;
    assert_eq!(
        (bad_json.status, bad_json.json()["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let no_messages = h.send(h.chat_request(&token, json!({ "messages": [] }))).await;
    assert_eq!(no_messages.status, StatusCode::BAD_REQUEST);

    // Expired tokens are refused too.
    h.config(json!({ "token_lifetime_secs": 0 })).await;
    let expired = h.saas_cc_token().await;
    assert_eq!(h.bearer(Method::GET, "/v1/models", &expired).await.status, StatusCode::UNAUTHORIZED);

    let models = h.bearer(Method::GET, "/v1/models", &token).await.json();
    assert_eq!(models, json!({ "object": "list", "data": [{ "id": "AGENTIC STAR", "object": "model" }] }));
    let me = h.bearer(Method::GET, "/v1/me", &token).await.json();
    assert_eq!(me, json!({ "sub": SAAS_CC_CLIENT_ID, "client_id": SAAS_CC_CLIENT_ID, "scope": "openid chat:all" }));
    assert_eq!(h.emu.counter("chat.completions"), 7);
    assert_eq!((h.emu.counter("models"), h.emu.counter("me")), (2, 1));
}

/// Reads the whole body, returning what arrived and whether it ended with an error.
async fn read_all(response: reqwest::Response) -> (Vec<u8>, usize, bool) {
    let (mut bytes, mut frames) = (Vec::new(), 0);
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(chunk) => {
                bytes.extend_from_slice(&chunk);
                frames += 1;
            }
            Err(_) => return (bytes, frames, true),
        }
    }
    (bytes, frames, false)
}

#[tokio::test]
async fn chat_stream_faults() {
    let h = start().await;
    let token = h.saas_cc_token().await;
    h.config(json!({ "reply": "0123456789" })).await; // three content chunks: 0123 4567 89
    let stream_fault = |kind: &str| json!({ "endpoint": "chat.completions", "stream": kind, "after_chunks": 1 });

    h.fault(stream_fault("disconnect")).await;
    let (bytes, _, failed) = read_all(h.stream(&token).await).await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(failed, "disconnect must surface as an error: {text}");
    assert!(text.contains("\"0123\"") && !text.contains("\"4567\""), "{text}");

    h.fault(stream_fault("malformed")).await;
    let text = h.stream(&token).await.text().await.unwrap();
    // The broken event sits between intact ones, and the stream still completes.
    let broken = text.find("data: {\"choices\": [\n\n").expect("malformed event sent");
    assert!(text[..broken].contains("\"0123\"") && text[broken..].contains("\"4567\""), "{text}");
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");

    h.fault(stream_fault("error_event")).await;
    let text = h.stream(&token).await.text().await.unwrap();
    assert!(text.ends_with("event: error\ndata: {\"error\":{\"message\":\"Upstream agent failed\",\"type\":\"server_error\",\"code\":\"agent_error\"}}\n\n"), "{text}");

    h.fault(stream_fault("error_object")).await;
    let text = h.stream(&token).await.text().await.unwrap();
    assert!(
        text.ends_with("data: {\"error\":{\"message\":\"Rate limit in stream\",\"code\":\"rate_limited\"}}\n\n"),
        "{text}"
    );

    h.fault(json!({ "endpoint": "chat.completions", "stream": "missing_done" })).await;
    let text = h.stream(&token).await.text().await.unwrap();
    assert!(text.contains("\"finish_reason\":\"stop\"") && !text.contains("[DONE]"), "{text}");

    h.fault(stream_fault("huge_line")).await;
    let (bytes, _, failed) = read_all(h.stream(&token).await).await;
    assert!(!failed);
    let tail = bytes.len() - 16 * 1024 * 1024;
    assert!(bytes[tail..].iter().all(|b| *b == b'x') && bytes[..tail].ends_with(b"data: "));

    h.config(json!({ "reply": "é🌸é🌸" })).await;
    let reference = h.stream(&token).await.text().await.unwrap();
    h.fault(json!({ "endpoint": "chat.completions", "stream": "split_utf8" })).await;
    let (bytes, frames, failed) = read_all(h.stream(&token).await).await;
    assert!(!failed);
    // Same bytes (ids and timestamps aside), delivered in many small pieces.
    let normalize =
        |s: &str| s.split("\n\n").map(|e| e.split(",\"model\"").nth(1).unwrap_or(e).to_owned()).collect::<Vec<_>>();
    assert_eq!(normalize(&String::from_utf8(bytes).unwrap()), normalize(&reference));
    assert!(frames > 10, "only {frames} reads");

    // never_end: the stream stalls; giving up counts as a client disconnect.
    h.config(json!({ "reply": "0123456789" })).await;
    h.fault(stream_fault("never_end")).await;
    let before = h.emu.counter("chat.disconnects");
    let mut body = h.stream(&token).await.bytes_stream();
    let mut seen = Vec::new();
    let stalled = tokio::time::timeout(Duration::from_millis(500), async {
        while let Some(Ok(chunk)) = body.next().await {
            seen.extend_from_slice(&chunk);
        }
    })
    .await;
    assert!(stalled.is_err(), "never_end ended");
    assert!(String::from_utf8_lossy(&seen).contains("\"0123\""));
    drop(body);
    h.wait_counter("chat.disconnects", before + 1).await;
    // Server-side aborts (the disconnect fault) did not count as client disconnects.
    assert_eq!(h.emu.counter("chat.disconnects"), before + 1);
    assert_eq!(before, 0);
}

#[tokio::test]
async fn client_disconnect_is_counted() {
    let h = start().await;
    let token = h.saas_cc_token().await;
    h.config(json!({ "chunk_delay_ms": 100, "reply": "a long enough reply to take a while to stream" })).await;
    let mut body = h.stream(&token).await.bytes_stream();
    body.next().await.unwrap().unwrap();
    drop(body);
    h.wait_counter("chat.disconnects", 1).await;
    assert_eq!(h.emu.counter("chat.completed"), 0);
}

// ------------------------------------------------------------------ generic faults and admin

#[tokio::test]
async fn generic_faults() {
    let h = start().await;
    let path = "/v1/auth/token";
    let form = [("client_id", WRAPPED_CLIENT_ID), ("client_secret", WRAPPED_CLIENT_SECRET)];
    h.fault(json!({
        "endpoint": "wrapped.token", "times": 2, "status": 503,
        "body": { "error": { "code": "500999" } }, "headers": { "Retry-After": "1" },
    }))
    .await;
    let listed = h.admin(Method::GET, "/admin/faults", None).await;
    assert_eq!((listed[0]["endpoint"].as_str(), listed[0]["times"].as_u64()), (Some("wrapped.token"), Some(2)));
    for _ in 0..2 {
        let reply = h.form(path, &form).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reply.headers["retry-after"], "1");
        assert_eq!(reply.headers["content-type"], "application/json");
        assert_eq!(reply.json()["error"]["code"], "500999");
    }
    assert_eq!(h.form(path, &form).await.status, StatusCode::OK);
    assert_eq!(h.emu.counter("wrapped.token"), 3, "requests answered by faults are counted");

    h.fault(json!({ "endpoint": "models", "delay_ms": 300 })).await;
    let token = h.saas_cc_token().await;
    let started = Instant::now();
    assert_eq!(h.bearer(Method::GET, "/v1/models", &token).await.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));

    for endpoint in ["saas.token", "chat.completions"] {
        h.fault(json!({ "endpoint": endpoint, "drop": true })).await;
    }
    let dropped =
        h.http.post(h.url(&format!("{SAAS}/token"))).form(&[("grant_type", "client_credentials")]).send().await;
    assert!(dropped.is_err(), "drop must not produce a response: {dropped:?}");
    let dropped = h.chat_request(&token, json!({ "messages": [] })).send().await;
    assert!(dropped.is_err(), "drop must not produce a response: {dropped:?}");

    // Faults are validated, can be listed and cleared.
    for bad in [
        json!({ "endpoint": "nope", "status": 500 }),
        json!({ "endpoint": "models" }),
        json!({ "endpoint": "models", "deny": true }),
        json!({ "endpoint": "chat.completions", "stream": "sideways" }),
        json!({ "endpoint": "mcp", "stream": "malformed" }),
        json!({ "endpoint": "mcp", "stream": "never_end", "after_chunks": 1 }),
        json!({ "endpoint": "models", "stream": "never_end" }),
        json!({ "endpoint": "models", "status": 500, "colour": "red" }),
    ] {
        let reply = h.post_json("/admin/faults", &bad).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    h.fault(json!({ "endpoint": "me", "status": 500, "times": 3 })).await;
    assert_eq!(h.admin(Method::GET, "/admin/faults", None).await.as_array().unwrap().len(), 1);
    h.admin(Method::DELETE, "/admin/faults", None).await;
    assert_eq!(h.admin(Method::GET, "/admin/faults", None).await, json!([]));
    assert_eq!(h.bearer(Method::GET, "/v1/me", &token).await.status, StatusCode::OK);
}

#[tokio::test]
async fn admin_api() {
    let h = start().await;
    let counters = h.admin(Method::GET, "/admin/counters", None).await;
    assert_eq!(counters.as_object().unwrap().len(), 26, "20 endpoints + 6 other counters");
    assert!(counters.as_object().unwrap().values().all(|v| v == 0));

    let config = h.admin(Method::GET, "/admin/config", None).await;
    assert_eq!(config["chunk_chars"], 4);
    assert_eq!(config["reply"], Value::Null);
    for bad in [
        json!({ "colour": 1 }),
        json!({ "chunk_chars": "many" }),
        json!({ "chunk_chars": 0 }),
        json!({ "id_token_alg": "HS256" }),
        json!([1]),
    ] {
        assert_eq!(h.post_json("/admin/config", &bad).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let updated = h.admin(Method::POST, "/admin/config", Some(json!({ "reply": "hi", "chunk_delay_ms": 5 }))).await;
    assert_eq!((updated["reply"].as_str(), updated["chunk_chars"].as_u64()), (Some("hi"), Some(4)));
    let cleared = h.admin(Method::POST, "/admin/config", Some(json!({ "reply": null }))).await;
    assert_eq!(cleared["reply"], Value::Null);

    // Key rotation: rsa-1 leaves the JWKS, new tokens use rsa-2.
    let kids = |jwks: Value| {
        jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(kids(h.get(&format!("{SAAS}/jwks")).await.json()), ["rsa-1", "ec-1"]);
    let old_token = h.saas_cc_token().await;
    assert_eq!(h.admin(Method::POST, "/admin/rotate_keys", None).await, json!({ "kid": "rsa-2" }));
    assert_eq!(kids(h.get(&format!("{SAAS}/jwks")).await.json()), ["rsa-2", "ec-1"]);
    let new_token = h.saas_cc_token().await;
    assert_eq!(jsonwebtoken::decode_header(&new_token).unwrap().kid.as_deref(), Some("rsa-2"));

    // Revocation, one token then all.
    let revoked = h.admin(Method::POST, "/admin/revoke", Some(json!({ "access_token": old_token }))).await;
    assert_eq!(revoked["revoked"], 1);
    assert_eq!(h.bearer(Method::GET, "/v1/me", &old_token).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(h.bearer(Method::GET, "/v1/me", &new_token).await.status, StatusCode::OK);
    h.admin(Method::POST, "/admin/revoke", Some(json!({ "all": true }))).await;
    assert_eq!(h.bearer(Method::GET, "/v1/me", &new_token).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(h.post_json("/admin/revoke", &json!({})).await.status, StatusCode::BAD_REQUEST);

    let requests = h.admin(Method::GET, "/admin/requests?endpoint=me", None).await;
    assert_eq!(requests.as_array().unwrap().len(), 3);
    assert_eq!(requests[0]["auth_method"], "bearer");
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(h.get("/admin/requests?endpoint=bogus").await.status, StatusCode::BAD_REQUEST);

    let counters = h.admin(Method::GET, "/admin/counters", None).await;
    assert_eq!(
        (counters["saas.token"].as_u64(), counters["saas.jwks"].as_u64(), counters["me"].as_u64()),
        (Some(2), Some(2), Some(3))
    );
    assert_eq!(counters["me"].as_u64(), Some(h.emu.counter("me")));

    // Reset forgets tokens, counters, config and rotation.
    h.admin(Method::POST, "/admin/reset", None).await;
    let counters = h.admin(Method::GET, "/admin/counters", None).await;
    assert!(counters.as_object().unwrap().values().all(|v| v == 0));
    assert_eq!(h.admin(Method::GET, "/admin/config", None).await["chunk_delay_ms"], 0);
    assert_eq!(kids(h.get(&format!("{SAAS}/jwks")).await.json()), ["rsa-1", "ec-1"]);
    assert_eq!(h.admin(Method::GET, "/admin/requests?endpoint=me", None).await, json!([]));
    let token = h.saas_cc_token().await;
    h.emu.reset();
    assert_eq!(h.bearer(Method::GET, "/v1/me", &token).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let h = start().await;
    let url = h.url("/v1/models");
    assert!(h.emu.url().starts_with("http://127.0.0.1:") && !h.emu.url().ends_with('/'));
    assert_eq!(h.http.get(&url).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    h.emu.shutdown();
    let deadline = Instant::now() + Duration::from_secs(5);
    // A fresh client so no pooled keep-alive connection is reused.
    while reqwest::Client::new().get(&url).send().await.is_ok() {
        assert!(Instant::now() < deadline, "still serving after shutdown");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
