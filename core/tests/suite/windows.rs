//! Two windows (soft: renew behind the caller; hard: wait), background retries, and visible
//! store failures (listener, event stream, strict mode), against the emulator over HTTP.
use crate::common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agenticstar::{Error, ErrorKind, MemoryStore, StoredToken, TokenStore};
use async_trait::async_trait;
use common::*;
use serde_json::json;

/// `n` concurrent `get_token` calls: (elapsed of each, access tokens).
async fn storm(client: &agenticstar::Client, n: usize) -> (Vec<Duration>, Vec<String>) {
    let calls = (0..n).map(|_| {
        let c = client.clone();
        tokio::spawn(async move {
            let t0 = Instant::now();
            let t = c.get_token().await.expect("get_token");
            (t0.elapsed(), t.access_token().expose().to_owned())
        })
    });
    let done = futures::future::join_all(calls).await;
    done.into_iter().map(|r| r.unwrap()).unzip()
}

#[tokio::test]
async fn soft_window_serves_the_current_token_while_the_delayed_renewal_runs() {
    let e = Emu::start().await;
    // 6 s tokens: soft window at half the life (3 s left), hard edge 0.6 s before expiry.
    e.config(json!({"token_lifetime_secs": 6})).await;
    let client = e.saas_cc();
    let first = client.get_token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(3300)).await;
    e.fault(json!({"endpoint": "saas.token", "delay_ms": 2000})).await;

    let (elapsed, tokens) = storm(&client, 50).await;
    // Behavioural: every caller finished long before the 2 s token request could have.
    let slowest = elapsed.iter().max().unwrap();
    assert!(*slowest < Duration::from_millis(1000), "a soft-window caller waited {slowest:?}");
    assert!(tokens.iter().all(|t| t == first.access_token().expose()), "the current token is served");
    assert_eq!(e.wait_count("saas.token", 2).await, 2, "one background renewal started");

    // The renewal lands after the delay; from then on callers get the new token, and nobody waited.
    let deadline = Instant::now() + Duration::from_secs(5);
    let second = loop {
        let t = client.get_token().await.unwrap();
        if t.access_token() != first.access_token() || Instant::now() > deadline {
            break t;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_ne!(second.access_token(), first.access_token());
    assert_eq!(e.count("saas.token"), 2, "exactly one renewal for 50 callers");
}

#[tokio::test]
async fn past_the_hard_edge_or_after_a_401_callers_wait_for_the_new_token() {
    let e = Emu::start().await;
    // 3 s tokens: soft window from 1.5 s left, hard edge 0.3 s before expiry.
    e.config(json!({"token_lifetime_secs": 3})).await;
    let client = e.saas_cc();
    let first = client.get_token().await.unwrap();
    // Nobody called inside the soft window, so nothing renewed in the background.
    tokio::time::sleep(Duration::from_millis(2800)).await;
    e.fault(json!({"endpoint": "saas.token", "delay_ms": 2000})).await;
    let (elapsed, tokens) = storm(&client, 20).await;
    assert!(elapsed.iter().all(|d| *d >= Duration::from_millis(1900)), "past the hard edge callers wait: {elapsed:?}");
    assert!(tokens.iter().all(|t| t != first.access_token().expose() && *t == tokens[0]), "all get one new token");
    assert_eq!(e.count("saas.token"), 2, "single flight");

    // A token an API rejected is past the hard edge at once.
    let second = client.get_token().await.unwrap();
    e.fault(json!({"endpoint": "saas.token", "delay_ms": 2000})).await;
    client.tokens().invalidate(second.access_token().expose());
    let t0 = Instant::now();
    let third = client.get_token().await.unwrap();
    assert!(t0.elapsed() >= Duration::from_millis(1900), "a rejected token is not served");
    assert_ne!(third.access_token(), second.access_token());
}

#[tokio::test]
async fn failed_background_renewal_is_retried_and_its_error_shows_only_past_the_hard_edge() {
    let e = Emu::start().await;
    // 4 s tokens: soft window from 2 s left, hard edge 0.4 s before expiry.
    e.config(json!({"token_lifetime_secs": 4})).await;
    let client = e.saas_cc();
    let first = client.get_token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    e.fault(json!({"endpoint": "saas.token", "status": 503, "times": 1000})).await;
    // Until the hard edge every call succeeds with the current token, at cache speed.
    let mut after_first_attempt = None;
    let started = Instant::now();
    while first.expires_in().unwrap() > Duration::from_millis(500) {
        if after_first_attempt.is_none() && started.elapsed() > Duration::from_millis(500) {
            after_first_attempt = Some(e.count("saas.token"));
        }
        let t0 = Instant::now();
        let t = client.get_token().await.expect("no error while the token is valid");
        assert!(t0.elapsed() < Duration::from_millis(200));
        assert_eq!(t.access_token(), first.access_token());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The background renewal tried again after its back-off (1 s), while callers were served.
    let first_attempt = after_first_attempt.unwrap();
    assert!(first_attempt >= 2, "the first background attempt ran");
    assert!(e.count("saas.token") > first_attempt, "retried after back-off");
    // Past expiry the error reaches the caller.
    tokio::time::sleep(first.expires_in().unwrap() + Duration::from_millis(100)).await;
    let err = client.get_token().await.expect_err("expired and the server is down");
    assert_eq!(err.kind(), ErrorKind::ServerError);

    // The server recovers: the next call renews.
    reqwest::Client::new().delete(format!("{}/admin/faults", e.url)).send().await.unwrap();
    assert_ne!(client.get_token().await.unwrap().access_token(), first.access_token());
}

#[tokio::test]
async fn background_sign_in_required_is_reported_once_the_token_is_past_the_hard_edge() {
    let e = Emu::start().await;
    e.config(json!({"token_lifetime_secs": 4})).await;
    let app = e
        .builder(e.saas(), c::SAAS_APP_CLIENT_ID, c::SAAS_APP_CLIENT_SECRET)
        .flow(agenticstar::AuthFlow::AuthorizationCode)
        .build()
        .unwrap();
    e.sign_in(&app).await;
    let first = app.get_token().await.unwrap();
    // The refresh token is dead from now on.
    e.fault(json!({"endpoint": "saas.token", "status": 400, "body": {"error": "invalid_grant", "error_description": "Token is not active"}, "content_type": "application/json", "times": 10})).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // Inside the soft window: the renewal fails for good in the background; callers still get the token.
    assert_eq!(app.get_token().await.unwrap().access_token(), first.access_token());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.get_token().await.unwrap().access_token(), first.access_token());
    assert_eq!(e.count("saas.token"), 2, "no retry loop on invalid_grant");
    tokio::time::sleep(first.expires_in().unwrap()).await;
    let err = app.get_token().await.expect_err("the session ended");
    assert_eq!(err.kind(), ErrorKind::SignInRequired);
}

/// A store whose saves fail while `broken` is set.
#[derive(Default)]
struct Flaky {
    inner: MemoryStore,
    broken: AtomicBool,
    saves: AtomicUsize,
}

#[async_trait]
impl TokenStore for Flaky {
    async fn load(&self, key: &str) -> agenticstar::Result<Option<StoredToken>> {
        self.inner.load(key).await
    }
    async fn save(&self, key: &str, token: &StoredToken) -> agenticstar::Result<()> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        if self.broken.load(Ordering::SeqCst) {
            return Err(Error::new(ErrorKind::Store, "disk full"));
        }
        self.inner.save(key, token).await
    }
    async fn clear(&self, key: &str) -> agenticstar::Result<()> {
        self.inner.clear(key).await
    }
}

#[tokio::test]
async fn store_failures_reach_the_listener_and_the_event_stream() {
    let e = Emu::start().await;
    let store = Arc::new(Flaky { broken: AtomicBool::new(true), ..Default::default() });
    let seen: Arc<Mutex<Vec<Error>>> = Arc::default();
    let s2 = seen.clone();
    let client = e
        .builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET)
        .token_store(store.clone())
        .on_store_error(Arc::new(move |e: &Error| s2.lock().unwrap().push(e.clone())))
        .build()
        .unwrap();
    let events = agenticstar::surface::open_service(&client, "token_events", json!({})).await.unwrap();
    let mut stream = events.open("store_errors", json!({}));
    // Not strict: the token is used, the failure is reported.
    client.get_token().await.expect("a failed save is not the caller's error by default");
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].kind(), ErrorKind::Store);
    assert_eq!(got[0].details(), Some(&json!({"operation": "save"})));
    assert!(got[0].message().contains("disk full"));
    let item = tokio::time::timeout(Duration::from_secs(5), stream.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(item["kind"], "store");
    assert_eq!(item["details"], json!({"operation": "save"}));
}

#[tokio::test]
async fn strict_store_makes_a_failed_save_the_callers_error() {
    let e = Emu::start().await;
    let store = Arc::new(Flaky { broken: AtomicBool::new(true), ..Default::default() });
    let client = e
        .builder(e.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET)
        .token_store(store.clone())
        .strict_store(true)
        .build()
        .unwrap();
    let err = client.get_token().await.expect_err("strict: the save failed");
    assert_eq!(err.kind(), ErrorKind::Store);
    // Still unsaved: still an error, and the save is tried again (no new token request).
    assert_eq!(client.get_token().await.expect_err("still unsaved").kind(), ErrorKind::Store);
    assert_eq!(store.saves.load(Ordering::SeqCst), 2);
    store.broken.store(false, Ordering::SeqCst);
    let t = client.get_token().await.expect("saved now");
    assert_eq!(e.count("saas.token"), 1, "the token obtained first is the one saved and used");
    let stored = store.inner.load(client.tokens().store_key()).await.unwrap().unwrap();
    assert_eq!(stored.access_token.expose(), t.access_token().expose());
}

#[tokio::test]
async fn token_store_spec_strings_and_objects() {
    use agenticstar::token::open_store;
    assert!(open_store(&json!("memory")).is_ok());
    let dir = std::env::temp_dir().join(format!("agenticstar-spec-{}", std::process::id()));
    assert!(open_store(&json!(dir.join("t.json").to_str().unwrap())).is_ok());
    assert!(
        open_store(&json!({"url": format!("file:{}", dir.join("t.json").display()), "strict": true})).unwrap().strict
    );
    for bad in [
        json!(42),
        json!({"nourl": 1}),
        json!("ftp://x"),
        json!({"url": "memory", "keyPrefix": "x"}),
        json!({"url": "memory", "strict": "yes"}),
    ] {
        assert_eq!(open_store(&bad).err().map(|e| e.kind()), Some(ErrorKind::Config), "{bad}");
    }
}
