//! Hostile servers over real HTTP (the emulator's faults): one test per finding of issue 12.
//! Each failed before the fix (a panic, a hang, a leak or a wrong acceptance) and passes after.
use crate::common;

use std::sync::Arc;
use std::time::Duration;

use agenticstar::authcode::AuthorizeOptions;
use agenticstar::chat::ChatRequest;
use agenticstar::{AuthFlow, Client, ErrorKind, MemoryStore, Provider};
use common::{Emu, c};
use serde_json::{Value, json};

const TEN_YEARS: u64 = 10 * 365 * 24 * 3600;

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f).await.expect("no answer in time")
}

/// An endpoint, a client for it, and how its dialect wraps a token answer.
type Dialect = (&'static str, Client, fn(Value) -> Value);

/// Every dialect, with the provider and credentials that speak it.
fn dialects(e: &Emu) -> Vec<Dialect> {
    let plain: fn(Value) -> Value = |v| v;
    let wrapped: fn(Value) -> Value = |v| json!({ "data": v });
    let b = |p: Provider, id: &str, secret: &str| e.builder(p, id, secret).build().unwrap();
    vec![
        ("saas.token", b(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET), plain),
        (
            "marketplace.token",
            b(Provider::marketplace(&e.url).unwrap(), c::MARKETPLACE_CLIENT_ID, c::MARKETPLACE_CLIENT_SECRET),
            plain,
        ),
        (
            "keycloak.token",
            b(Provider::keycloak(&e.url, c::KEYCLOAK_REALM).unwrap(), c::KEYCLOAK_CLIENT_ID, c::KEYCLOAK_CLIENT_SECRET),
            plain,
        ),
        (
            "wrapped.token",
            b(Provider::wrapped(&format!("{}/v1", e.url)).unwrap(), c::WRAPPED_CLIENT_ID, c::WRAPPED_CLIENT_SECRET),
            wrapped,
        ),
    ]
}

#[tokio::test]
async fn absurd_lifetimes_are_clamped_in_every_dialect() {
    let e = Emu::start().await;
    let huge = [json!(9223372036854775808u64), json!(18446744073709551615u64), json!(1e308), json!("1e308")];
    for (endpoint, client, shape) in dialects(&e) {
        for v in &huge {
            let body = shape(json!({"access_token": "tok-huge", "expires_in": v, "refresh_expires_in": v}));
            e.fault(json!({"endpoint": endpoint, "status": 200, "body": body})).await;
            client.tokens().sign_out().await.unwrap();
            let t = bounded(client.get_token()).await.unwrap_or_else(|err| panic!("{endpoint} {v}: {err}"));
            let left = t.expires_in().unwrap().as_secs();
            assert!(left <= TEN_YEARS && left > TEN_YEARS - 60, "{endpoint} {v}: clamped to 10 years, got {left}");
            // The cached token keeps working: no later call panics.
            assert!(bounded(client.get_token()).await.is_ok());
        }
        // Zero or negative: already expired, never "never expires".
        for v in [json!(-5), json!(0), json!("-1e308")] {
            e.fault(json!({"endpoint": endpoint, "status": 200, "body": shape(json!({"access_token": "tok-neg", "expires_in": v}))}))
                .await;
            client.tokens().sign_out().await.unwrap();
            let t = bounded(client.get_token()).await.unwrap();
            assert!(t.is_expired(), "{endpoint} {v}: expired at once");
        }
        // Nonsense is an unexpected response, not a token without expiry.
        e.fault(json!({"endpoint": endpoint, "status": 200, "body": shape(json!({"access_token": "tok", "expires_in": "soon"}))}))
            .await;
        client.tokens().sign_out().await.unwrap();
        assert_eq!(bounded(client.get_token()).await.unwrap_err().kind(), ErrorKind::UnexpectedResponse);
    }
}

#[tokio::test]
async fn a_token_with_crlf_is_refused_and_not_cached() {
    let e = Emu::start().await;
    let client = e.saas_cc();
    for bad in ["abc\r\nX-Injected: 1", "abc def", "tök"] {
        e.fault(json!({"endpoint": "saas.token", "status": 200, "body": {"access_token": bad, "expires_in": 3600}}))
            .await;
        assert_eq!(bounded(client.get_token()).await.unwrap_err().kind(), ErrorKind::UnexpectedResponse, "{bad:?}");
    }
    // Nothing bad was cached: the next answer is a good token and chat works with it.
    assert!(bounded(client.chat_stream(ChatRequest::user("hi")).collect()).await.is_ok());
}

#[tokio::test]
async fn a_redirect_is_reported_naming_its_location() {
    let e = Emu::start().await;
    let location = "https://login.example.net:8443/sso?return=x&key=SECRETQUERY";
    e.fault(json!({"endpoint": "saas.token", "status": 302, "headers": {"Location": location}})).await;
    let err = bounded(e.saas_cc().get_token()).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Redirect, Some(302)));
    assert!(err.message().contains("https://login.example.net:8443/sso"), "{}", err.message());
    assert!(!err.message().contains("SECRETQUERY"), "{}", err.message());

    let client = e.saas_cc();
    client.get_token().await.unwrap();
    e.fault(json!({"endpoint": "chat.completions", "status": 307, "headers": {"Location": "/elsewhere"}})).await;
    let err = bounded(client.chat_stream(ChatRequest::user("x")).collect()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Redirect);
    assert!(err.message().contains(&format!("{}/elsewhere", e.url)), "{}", err.message());
}

#[tokio::test]
async fn api_errors_name_method_and_url_without_query_secrets() {
    let e = Emu::start().await;
    let client = e.saas_cc();
    let err = bounded(client.request("GET", "/v1/no-such-thing?api_key=QUERYSECRET", None)).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(err.message().starts_with(&format!("GET {}/v1/no-such-thing", e.url)), "{}", err.message());
    assert!(!format!("{err} {err:?}").contains("QUERYSECRET"));
}

#[tokio::test]
async fn server_echoes_of_secrets_are_scrubbed() {
    let e = Emu::start().await;
    let echoed = [
        format!("Bearer {}", "ECHOBEARER0123456789"),
        format!("Basic {}", "RUNIT0JBU0lDMDEyMzQ1Njc4OQ=="),
        r#"{"accessToken":"ECHOCAMEL0123456789"}"#.to_owned(),
        r#"{\"refresh_token\":\"ECHOESCAPED0123456789\"}"#.to_owned(),
        "idToken=ECHOIDTOKEN0123456789".to_owned(),
    ];
    let description = echoed.join(" | ");
    for endpoint in ["saas.token", "chat.completions"] {
        let body = if endpoint == "saas.token" {
            json!({"error": "invalid_request", "error_description": description})
        } else {
            json!({"error": {"message": description}})
        };
        e.fault(json!({"endpoint": endpoint, "status": 400, "body": body})).await;
        let client = e.saas_cc();
        let err = if endpoint == "saas.token" {
            bounded(client.get_token()).await.unwrap_err()
        } else {
            client.get_token().await.unwrap();
            e.fault(json!({"endpoint": endpoint, "status": 400, "body": body})).await;
            bounded(client.chat_stream(ChatRequest::user("x")).collect()).await.unwrap_err()
        };
        let text = format!("{err} {err:?} {}", err.body_excerpt().unwrap_or_default());
        for secret in ["ECHOBEARER", "RUNIT0JBU0lD", "ECHOCAMEL", "ECHOESCAPED", "ECHOIDTOKEN"] {
            assert!(!text.contains(secret), "{endpoint}: {secret} leaked: {text}");
        }
    }
}

#[tokio::test]
async fn a_changed_secret_never_reuses_cached_tokens() {
    let e = Emu::start().await;
    let store = Arc::new(MemoryStore::default());
    let good = e.builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET).token_store(store.clone());
    good.build().unwrap().get_token().await.unwrap();
    let wrong = e.builder(e.saas(), c::SAAS_CC_CLIENT_ID, "not-the-secret").token_store(store.clone()).build().unwrap();
    assert_eq!(bounded(wrong.get_token()).await.unwrap_err().kind(), ErrorKind::InvalidClient);
    assert!(!wrong.tokens().store_key().contains("not-the-secret"), "the key holds a digest, not the secret");
}

#[tokio::test]
async fn accumulation_is_bounded_and_can_be_turned_off() {
    let e = Emu::start().await;
    e.config(json!({"reply": "x".repeat(50_000), "chunk_chars": 1000})).await;
    let capped = e.builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET).max_reply_bytes(10_000);
    let err = bounded(capped.build().unwrap().chat_stream(ChatRequest::user("x")).collect()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::StreamTooLarge);
    let off =
        e.builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET).max_reply_bytes(10_000).accumulate(false);
    let mut s = off.build().unwrap().chat_stream(ChatRequest::user("x"));
    let mut n = 0;
    while let Some(chunk) = bounded(s.next()).await {
        n += chunk.unwrap().text().len();
    }
    assert_eq!((n, s.text()), (50_000, ""), "every delta delivered, nothing kept");
}

/// 100,000 nested arrays where a JSON value of any shape is allowed (an unknown field, an error
/// body, a chunk's extra field, a JSON-RPC result): a typed error, or for the chunk the answer
/// without that field, never a stack overflow. serde_json's recursion limit is the guard on the `Value` paths, so this
/// fails if a parser drops it (`disable_recursion_limit`) or recurses by hand.
#[tokio::test]
async fn deeply_nested_answers_are_a_typed_error_not_a_stack_overflow() {
    let e = Emu::start().await;
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    for (endpoint, client, _) in dialects(&e) {
        for (status, body, want) in [
            (
                200,
                format!(r#"{{"access_token":"tok","token_type":"Bearer","expires_in":60,"x":{deep}}}"#),
                ErrorKind::UnexpectedResponse,
            ),
            (400, format!(r#"{{"error":"invalid_request","x":{deep}}}"#), ErrorKind::InvalidRequest),
        ] {
            let fault =
                json!({"endpoint": endpoint, "status": status, "body": body, "content_type": "application/json"});
            e.fault(fault).await;
            client.tokens().sign_out().await.unwrap();
            let err = bounded(client.get_token()).await.unwrap_err();
            assert_eq!(err.kind(), want, "{endpoint} {status}: {err}");
        }
    }
    let client = e.saas_cc();
    client.get_token().await.unwrap();
    let chunk = format!("data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"a\"}}}}],\"x\":{deep}}}\n\n");
    e.fault(json!({"endpoint": "chat.completions", "replay": {"chunks": [chunk, "data: [DONE]\n\n"]}})).await;
    // An unknown field of a chunk is skipped (serde_json ignores it without recursing).
    let done = bounded(client.chat_stream(ChatRequest::user("x")).collect()).await.unwrap();
    assert_eq!(done.text(), "a");

    // A JSON-RPC answer (MCP), whose result is any JSON value: here the limit is what stands.
    let agent = e.builder(e.saas(), c::SAAS_AGENT_CLIENT_ID, c::SAAS_AGENT_CLIENT_SECRET).build().unwrap();
    let mcp = agenticstar::mcp::McpClient::connect(&agent, agenticstar::mcp::McpOptions::new(format!("{}/mcp", e.url)))
        .await
        .unwrap();
    let body = format!(r#"{{"jsonrpc":"2.0","id":2,"result":{{"tools":{deep}}}}}"#);
    e.fault(json!({"endpoint": "mcp", "status": 200, "body": body, "content_type": "application/json"})).await;
    let err = bounded(mcp.list_tools()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedResponse, "{err}");
    assert!(err.message().contains("recursion limit"), "{err}");
}

// ---- OIDC and callbacks (the emulator as a hostile issuer) ----

fn app(e: &Emu, provider: Provider) -> Client {
    e.builder(provider, c::SAAS_APP_CLIENT_ID, c::SAAS_APP_CLIENT_SECRET)
        .flow(AuthFlow::AuthorizationCode)
        .build()
        .unwrap()
}

fn opts() -> AuthorizeOptions {
    AuthorizeOptions::new("http://127.0.0.1:7777/cb").scope("openid chat:exec")
}

#[tokio::test]
async fn callbacks_with_repeated_parameters_or_another_origin_are_refused() {
    let e = Emu::start().await;
    let app = app(&e, e.saas());
    let req = app.authorize_url(&opts()).await.unwrap();
    let cb = e.approve(&req.url).await;
    let (base, query) = cb.split_once('?').unwrap();
    for forged in [
        format!("{base}?state=WRONG&{query}"),
        format!("{base}?{query}&code=attacker-code"),
        format!("http://127.0.0.1:7778/cb?{query}"),
        format!("http://127.0.0.1:7777/other?{query}"),
        format!("{base}?{query}&iss=https%3A%2F%2Fevil.example"),
    ] {
        let err = bounded(app.complete_authorization(&req, &forged)).await.unwrap_err();
        let want = if forged.contains("iss=") { ErrorKind::CallbackIssuerMismatch } else { ErrorKind::CallbackInvalid };
        assert_eq!(err.kind(), want, "{forged}");
    }
    // The genuine callback still works (no forged one spent the code).
    assert!(bounded(app.complete_authorization(&req, &cb)).await.is_ok());
}

#[tokio::test]
async fn discovered_issuer_must_be_the_configured_one() {
    let e = Emu::start().await;
    // Same server, other spelling: the document says 127.0.0.1, we configured localhost.
    let localhost = e.url.replace("127.0.0.1", "localhost");
    let app = app(&e, Provider::oidc(&format!("{localhost}/federation/auth/v1")).unwrap());
    assert_eq!(bounded(app.authorize_url(&opts())).await.unwrap_err().kind(), ErrorKind::DiscoveryIssuerMismatch);
}

async fn sign_in_with(e: &Emu, fault: Value) -> Result<(), ErrorKind> {
    let app = app(e, e.saas());
    let req = app.authorize_url(&opts()).await.unwrap();
    let cb = e.approve(&req.url).await;
    e.fault(fault).await;
    bounded(app.complete_authorization(&req, &cb)).await.map(|_| ()).map_err(|err| err.kind())
}

#[tokio::test]
async fn id_token_claims_follow_oidc_core_3_1_3_7() {
    let e = Emu::start().await;
    for (spoil, want) in [
        ("extra_audience", ErrorKind::IdTokenAzp),
        ("wrong_azp", ErrorKind::IdTokenAzp),
        ("future_nbf", ErrorKind::IdTokenNotYetValid),
        ("future_iat", ErrorKind::IdTokenNotYetValid),
        ("string_iat", ErrorKind::IdTokenInvalid),
    ] {
        let got = sign_in_with(&e, json!({"endpoint": "saas.token", "id_token": spoil})).await;
        assert_eq!(got, Err(want), "{spoil}");
    }
}

#[tokio::test]
async fn a_jwks_key_for_encryption_does_not_verify() {
    let e = Emu::start().await;
    let jwks: Value = reqwest::get(format!("{}/federation/auth/v1/jwks", e.url)).await.unwrap().json().await.unwrap();
    for (field, value) in [("use", json!("enc")), ("key_ops", json!(["encrypt"])), ("alg", json!("PS512"))] {
        let mut spoiled = jwks.clone();
        for k in spoiled["keys"].as_array_mut().unwrap() {
            k[field] = value.clone();
        }
        let got = sign_in_with(&e, json!({"endpoint": "saas.jwks", "status": 200, "body": spoiled, "times": 5})).await;
        assert_eq!(got, Err(ErrorKind::IdTokenKey), "{field}");
        e.admin("/admin/reset", json!({})).await;
    }
}
