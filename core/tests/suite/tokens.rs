//! Token lifecycle over real HTTP against the emulator, for every dialect.
use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use agenticstar::{Client, ClientAuthMethod, Credentials, ErrorKind, FileStore, Provider, RetryPolicy};
use common::{Emu, c};
use serde_json::json;

#[tokio::test]
async fn saas_client_credentials_cached_and_scoped() {
    let e = Emu::start().await;
    let client = e.saas_cc();
    let t = client.get_token().await.unwrap();
    assert_eq!(t.token_type(), "Bearer");
    assert!(t.scopes().unwrap().allows("chat:exec"), "chat:all covers chat:exec");
    assert!(t.expires_in().unwrap() > Duration::from_secs(3500));
    let again = client.get_token().await.unwrap();
    assert_eq!(again.access_token(), t.access_token());
    assert_eq!(e.count("saas.token"), 1);
    let reqs = e.requests("saas.token").await;
    assert_eq!(reqs[0]["form"]["grant_type"], "client_credentials");
    assert_eq!(reqs[0]["auth_method"], "client_secret_post");
}

#[tokio::test]
async fn client_secret_basic_is_sent_as_basic() {
    let e = Emu::start().await;
    let client = Client::builder()
        .provider(e.saas())
        .credentials(
            Credentials::new(c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET)
                .auth_method(ClientAuthMethod::ClientSecretBasic),
        )
        .build()
        .unwrap();
    client.get_token().await.unwrap();
    let reqs = e.requests("saas.token").await;
    assert_eq!(reqs[0]["auth_method"], "client_secret_basic");
    assert!(reqs[0]["form"].get("client_secret").is_none(), "secret must not also be in the form");
}

#[tokio::test]
async fn saas_wrong_secret_is_invalid_client_without_retry() {
    let e = Emu::start().await;
    let client = e.builder(e.saas(), c::SAAS_CC_CLIENT_ID, "nope").build().unwrap();
    let err = client.get_token().await.unwrap_err();
    assert_eq!((err.kind(), err.status(), err.code()), (ErrorKind::InvalidClient, Some(401), Some("invalid_client")));
    assert_eq!(e.count("saas.token"), 1, "4xx is not retried");
}

#[tokio::test]
async fn marketplace_json_dialect() {
    let e = Emu::start().await;
    let ok = e
        .builder(Provider::marketplace(&e.url).unwrap(), c::MARKETPLACE_CLIENT_ID, c::MARKETPLACE_CLIENT_SECRET)
        .build()
        .unwrap();
    let t = ok.get_token().await.unwrap();
    assert!(t.lifetime() == Some(Duration::from_secs(1800)));
    let reqs = e.requests("marketplace.token").await;
    assert_eq!(reqs[0]["json"]["client_id"], c::MARKETPLACE_CLIENT_ID);

    let bad = e.builder(Provider::marketplace(&e.url).unwrap(), c::MARKETPLACE_CLIENT_ID, "bad").build().unwrap();
    assert_eq!(bad.get_token().await.unwrap_err().kind(), ErrorKind::InvalidClient);

    // success: false with a 200 is still an error
    e.fault(json!({"endpoint": "marketplace.token", "status": 200, "body": {"success": false, "message": "service account disabled"}})).await;
    let again = e
        .builder(Provider::marketplace(&e.url).unwrap(), c::MARKETPLACE_CLIENT_ID, c::MARKETPLACE_CLIENT_SECRET)
        .build()
        .unwrap();
    let err = again.get_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api);
    assert!(err.message().contains("service account disabled"));
}

#[tokio::test]
async fn keycloak_dialect_and_documented_errors() {
    let e = Emu::start().await;
    let kc = |secret: &str| {
        e.builder(Provider::keycloak(&e.url, c::KEYCLOAK_REALM).unwrap(), c::KEYCLOAK_CLIENT_ID, secret)
            .build()
            .unwrap()
    };
    let t = kc(c::KEYCLOAK_CLIENT_SECRET).get_token().await.unwrap();
    assert_eq!(t.lifetime(), Some(Duration::from_secs(300)));

    let err = kc("bad").get_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidClient);
    assert!(err.message().contains("credentials you provided are not valid"), "{err}");

    e.fault(json!({"endpoint": "keycloak.token", "status": 400, "body": {"error": "invalid_request", "error_description": "Missing form parameter: grant_type"}})).await;
    assert_eq!(kc(c::KEYCLOAK_CLIENT_SECRET).get_token().await.unwrap_err().kind(), ErrorKind::InvalidRequest);
}

#[tokio::test]
async fn keycloak_licenses_exhausted_backs_off() {
    let e = Emu::start().await;
    e.config(json!({"licenses_exhausted": true})).await;
    let kc = e
        .builder(
            Provider::keycloak(&e.url, c::KEYCLOAK_REALM).unwrap(),
            c::KEYCLOAK_CLIENT_ID,
            c::KEYCLOAK_CLIENT_SECRET,
        )
        .build()
        .unwrap();
    let err = kc.get_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LicensesExhausted);
    let again = kc.get_token().await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::LicensesExhausted);
    assert!(again.retry_after().is_some(), "tells how long the back-off lasts");
    assert_eq!(e.count("keycloak.token"), 1, "no second request while backing off");
}

#[tokio::test]
async fn wrapped_dialect_and_every_documented_error() {
    let e = Emu::start().await;
    let api = format!("{}/v1", e.url);
    let w = |secret: &str| e.builder(Provider::wrapped(&api).unwrap(), c::WRAPPED_CLIENT_ID, secret).build().unwrap();
    let t = w(c::WRAPPED_CLIENT_SECRET).get_token().await.unwrap();
    assert!(t.access_token().expose().starts_with("sk-"));
    let reqs = e.requests("wrapped.token").await;
    assert!(reqs[0]["form"].get("grant_type").is_none(), "the wrapped API takes no grant_type");

    let err = w("bad").get_token().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code(), err.code_reason()),
        (ErrorKind::InvalidClient, Some("401021"), Some("invalid_client"))
    );

    for (status, code, reason, kind) in [
        (400, "400013", "invalid_request", ErrorKind::InvalidRequest),
        (403, "403001", "forbidden", ErrorKind::Forbidden),
        (404, "404001", "not_found", ErrorKind::Api),
        (500, "500999", "API_ERROR", ErrorKind::ServerError),
    ] {
        let times = if status == 500 { 4 } else { 1 }; // 5xx is retried 3 times
        e.fault(json!({"endpoint": "wrapped.token", "times": times, "status": status, "body": {"error": {"code": code, "code_reason": reason, "message": "m"}}})).await;
        let err = w(c::WRAPPED_CLIENT_SECRET).get_token().await.unwrap_err();
        assert_eq!(
            (err.kind(), err.status(), err.code(), err.code_reason()),
            (kind, Some(status), Some(code), Some(reason)),
            "{status}"
        );
    }
}

#[tokio::test]
async fn oidc_discovery_finds_the_token_endpoint() {
    let e = Emu::start().await;
    let client = e
        .builder(
            Provider::oidc(&format!("{}/federation/auth/v1", e.url)).unwrap(),
            c::SAAS_CC_CLIENT_ID,
            c::SAAS_CC_CLIENT_SECRET,
        )
        .build()
        .unwrap();
    client.get_token().await.unwrap();
    assert_eq!((e.count("saas.discovery"), e.count("saas.token")), (1, 1));
    let kc = e
        .builder(
            Provider::oidc(&format!("{}/auth/realms/dai", e.url)).unwrap(),
            c::KEYCLOAK_CLIENT_ID,
            c::KEYCLOAK_CLIENT_SECRET,
        )
        .build()
        .unwrap();
    kc.get_token().await.unwrap();
    assert_eq!(e.count("keycloak.token"), 1);
}

#[tokio::test]
async fn refresh_window_renews_ahead_and_keeps_five_minute_tokens() {
    let e = Emu::start().await;
    // 5-minute tokens with the default 5-minute window: used, not renewed on every call.
    let kc = e
        .builder(
            Provider::keycloak(&e.url, c::KEYCLOAK_REALM).unwrap(),
            c::KEYCLOAK_CLIENT_ID,
            c::KEYCLOAK_CLIENT_SECRET,
        )
        .build()
        .unwrap();
    kc.get_token().await.unwrap();
    kc.get_token().await.unwrap();
    assert_eq!(e.count("keycloak.token"), 1);

    // 2-second tokens: the window is capped at half the lifetime (1 s).
    e.config(json!({"token_lifetime_secs": 2})).await;
    let client = e.saas_cc();
    let first = client.get_token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(client.get_token().await.unwrap().access_token(), first.access_token(), "fresh at 0.5 s");
    tokio::time::sleep(Duration::from_millis(700)).await;
    // Inside the window: the current token still comes back, and one renewal starts behind it.
    assert_eq!(client.get_token().await.unwrap().access_token(), first.access_token(), "served while renewing");
    let second = wait_for_new(&client, &first).await;
    assert_ne!(second.access_token(), first.access_token(), "renewed inside the window, before expiry");
    assert_eq!(e.count("saas.token"), 2);
}

/// The token `get_token` gives once the background renewal from `old` has landed (bounded wait).
async fn wait_for_new(client: &agenticstar::Client, old: &agenticstar::Token) -> agenticstar::Token {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let t = client.get_token().await.unwrap();
        if t.access_token() != old.access_token() || tokio::time::Instant::now() > deadline {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn configurable_window() {
    let e = Emu::start().await;
    e.config(json!({"token_lifetime_secs": 3600})).await;
    // A window larger than half the life is capped: renewal starts at 30 min.
    let client = e
        .builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET)
        .refresh_window(Duration::from_secs(7200))
        .build()
        .unwrap();
    client.get_token().await.unwrap();
    client.get_token().await.unwrap();
    assert_eq!(e.count("saas.token"), 1);
}

#[tokio::test]
async fn concurrent_callers_share_one_request() {
    let e = Emu::start().await;
    e.config(json!({"token_lifetime_secs": 1})).await;
    e.fault(json!({"endpoint": "saas.token", "delay_ms": 150, "times": 10})).await;
    let client = e.saas_cc();
    client.get_token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await; // now expired
    let before = e.count("saas.token");
    let calls = (0..200).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.get_token().await.map(|t| t.access_token().clone()) })
    });
    let tokens: Vec<_> = futures::future::join_all(calls).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
    assert_eq!(e.count("saas.token") - before, 1, "200 callers, one request");
    assert!(tokens.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn concurrent_callers_share_the_error_too() {
    let e = Emu::start().await;
    let client = e.builder(e.saas(), c::SAAS_CC_CLIENT_ID, "wrong").build().unwrap();
    e.fault(json!({"endpoint": "saas.token", "delay_ms": 150})).await;
    let calls = (0..50).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.get_token().await.unwrap_err().kind() })
    });
    let kinds = futures::future::join_all(calls).await;
    assert!(kinds.iter().all(|k| *k.as_ref().unwrap() == ErrorKind::InvalidClient));
    assert_eq!(e.count("saas.token"), 1);
}

#[tokio::test]
async fn retries_5xx_and_honours_retry_after() {
    let e = Emu::start().await;
    e.fault(json!({"endpoint": "saas.token", "status": 503, "headers": {"Retry-After": "1"}, "body": "busy"})).await;
    let client = e.saas_cc();
    let start = std::time::Instant::now();
    client.get_token().await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(950), "waited out Retry-After");
    assert_eq!(e.count("saas.token"), 2);

    e.fault(json!({"endpoint": "saas.token", "status": 429, "times": 2})).await;
    e.saas_cc().get_token().await.unwrap();
    assert_eq!(e.count("saas.token"), 5, "429 without Retry-After: exponential back-off");

    e.fault(json!({"endpoint": "saas.token", "status": 429, "headers": {"Retry-After": "3600"}})).await;
    let err = e.saas_cc().get_token().await.unwrap_err();
    assert_eq!((err.kind(), err.retry_after()), (ErrorKind::RateLimited, Some(Duration::from_secs(3600))));
    assert_eq!(e.count("saas.token"), 6, "a Retry-After beyond the limit is reported, not slept");
}

#[tokio::test]
async fn gives_up_after_bounded_retries() {
    let e = Emu::start().await;
    e.fault(json!({"endpoint": "saas.token", "status": 502, "times": 10, "body": "<html>bad gateway</html>", "content_type": "text/html"})).await;
    let err = e.saas_cc().get_token().await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::ServerError, Some(502)));
    assert!(err.body_excerpt().unwrap().contains("bad gateway"));
    assert_eq!(e.count("saas.token"), 4, "1 try + 3 retries");
}

#[tokio::test]
async fn dropped_connection_is_a_network_error_and_retried() {
    let e = Emu::start().await;
    e.fault(json!({"endpoint": "saas.token", "drop": true})).await;
    e.saas_cc().get_token().await.unwrap();
    assert_eq!(e.count("saas.token"), 2);
    let refused = Client::builder()
        .provider(Provider::agenticstar("http://127.0.0.1:1").unwrap())
        .credentials(Credentials::new("a", "b"))
        .retry_policy(RetryPolicy { max_retries: 1, initial_backoff: Duration::from_millis(10), ..Default::default() })
        .build()
        .unwrap();
    assert_eq!(refused.get_token().await.unwrap_err().kind(), ErrorKind::Network);
}

#[tokio::test]
async fn token_request_timeout() {
    let e = Emu::start().await;
    e.fault(json!({"endpoint": "saas.token", "delay_ms": 3000, "times": 5})).await;
    let client = e
        .builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET)
        .http_config(agenticstar::HttpConfig { request_timeout: Duration::from_millis(200), ..Default::default() })
        .retry_policy(RetryPolicy { max_retries: 0, ..Default::default() })
        .build()
        .unwrap();
    assert_eq!(client.get_token().await.unwrap_err().kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn https_required_off_loopback() {
    let err = Client::builder()
        .provider(Provider::agenticstar("http://auth.example.com").unwrap())
        .credentials(Credentials::new("a", "b"))
        .build()
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::InsecureTransport);
    let err = Client::builder()
        .provider(Provider::agenticstar("https://auth.example.com").unwrap())
        .credentials(Credentials::new("a", "b"))
        .api_url("http://api.example.com")
        .unwrap()
        .build()
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::InsecureTransport);
}

#[tokio::test]
async fn file_store_is_private_shared_and_saved_before_use() {
    let e = Emu::start().await;
    let dir = std::env::temp_dir().join(format!("agenticstar-test-{}", std::process::id()));
    let path = dir.join("tokens.json");
    let _ = std::fs::remove_dir_all(&dir);
    let seen = Arc::new(AtomicUsize::new(0));
    let seen2 = seen.clone();
    let store_path = path.clone();
    let hook = move |_t: &agenticstar::Token| {
        // The hook runs after the save: the file already holds the token.
        assert!(store_path.exists());
        seen2.fetch_add(1, Ordering::SeqCst);
    };
    let a = e
        .builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET)
        .token_store(Arc::new(FileStore::new(&path)))
        .on_token(Arc::new(hook))
        .build()
        .unwrap();
    let t = a.get_token().await.unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // A second client (another process, in effect) finds the token and makes no request.
    let b = e
        .builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET)
        .token_store(Arc::new(FileStore::new(&path)))
        .build()
        .unwrap();
    assert_eq!(b.get_token().await.unwrap().access_token(), t.access_token());
    assert_eq!(e.count("saas.token"), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn secrets_never_formatted() {
    let e = Emu::start().await;
    let secret = "s3cr3t-client-secret";
    let creds = Credentials::new("id", secret);
    assert!(!format!("{creds:?}").contains(secret));
    let client = e.saas_cc();
    let t = client.get_token().await.unwrap();
    let tok = t.access_token().expose().to_owned();
    assert!(!format!("{t:?}").contains(&tok));
    // An error body echoing a token is scrubbed in message and excerpt.
    e.fault(json!({"endpoint": "saas.token", "status": 400, "body": {"error": "invalid_request", "error_description": format!("bad access_token={tok}"), "access_token": tok}})).await;
    let err = e.builder(e.saas(), c::SAAS_CC_CLIENT_ID, secret).build().unwrap().get_token().await.unwrap_err();
    for s in [format!("{err}"), format!("{err:?}"), err.body_excerpt().unwrap_or("").to_owned()] {
        assert!(!s.contains(&tok) && !s.contains(secret), "leak in {s}");
    }
}

#[tokio::test]
async fn explicit_proxy_is_used() {
    // The emulator doubles as a forward proxy: hyper accepts absolute-form request targets.
    // `auth.invalid` cannot resolve, so a token proves the request went through the proxy.
    let e = Emu::start().await;
    let http = agenticstar::HttpConfig { proxy: Some(e.url.clone()), allow_insecure_http: true, ..Default::default() };
    let client = Client::builder()
        .provider(Provider::agenticstar("http://auth.invalid").unwrap())
        .credentials(Credentials::new(c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET))
        .http_config(http)
        .build()
        .unwrap();
    client.get_token().await.unwrap();
    assert_eq!(e.count("saas.token"), 1);
}

#[test]
fn extra_root_certificates_are_checked() {
    let bad = agenticstar::HttpConfig {
        extra_root_certs_pem: vec![b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".to_vec()],
        ..Default::default()
    };
    let err = Client::builder()
        .provider(Provider::agenticstar("https://a.example").unwrap())
        .credentials(Credentials::new("a", "b"))
        .http_config(bad)
        .build()
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::Config);
}
