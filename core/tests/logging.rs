//! The log stream (`agenticstar::logging`) over real HTTP: a retry and a renewal arrive as records
//! with their levels, and no record holds a secret. Its own binary: the sink is process-wide.
mod common;

use std::sync::{Arc, Mutex};

use agenticstar::logging::{self, LogLevel, LogRecord};
use common::{Emu, c};
use serde_json::json;

#[tokio::test]
async fn a_retry_and_a_renewal_are_logged_without_secrets() {
    let records = Arc::new(Mutex::new(Vec::<LogRecord>::new()));
    let r = records.clone();
    logging::set_sink(Some(Arc::new(move |rec: &LogRecord| r.lock().unwrap().push(rec.clone()))), LogLevel::Trace);

    let e = Emu::start().await;
    e.fault(json!({"endpoint": "saas.token", "status": 503, "body": {"error": "temporarily_unavailable"}, "times": 1}))
        .await;
    let client = e.saas_cc();
    let first = client.get_token().await.unwrap();
    e.admin("/admin/revoke", json!({"all": true})).await;
    let me = client.request("GET", "/v1/me", None).await.unwrap();
    assert_eq!(me.json().unwrap()["client_id"], c::SAAS_CC_CLIENT_ID);
    let second = client.get_token().await.unwrap();
    assert_ne!(first.access_token(), second.access_token());
    logging::set_sink(None, LogLevel::Trace);

    let got = records.lock().unwrap().clone();
    let text: String = got.iter().map(|r| format!("{} {} {}\n", r.level.as_str(), r.module, r.message)).collect();
    assert!(got.iter().any(|r| r.level == LogLevel::Warn && r.message.contains("retry 1")), "{text}");
    assert!(got.iter().any(|r| r.level == LogLevel::Info && r.message.contains("renewing the token")), "{text}");
    assert!(got.iter().any(|r| r.level == LogLevel::Debug && r.module.starts_with("agenticstar::")), "{text}");
    for secret in [c::SAAS_CC_CLIENT_SECRET, first.access_token().expose(), second.access_token().expose()] {
        assert!(!text.contains(secret), "a secret was logged:\n{text}");
    }
}
