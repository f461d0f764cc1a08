//! Shared helpers: every test gets its own emulator over real HTTP on loopback.
#![allow(dead_code)]
use std::time::Duration;

use agenticstar::{Client, ClientBuilder, Credentials, HttpConfig, Provider, RetryPolicy};
pub use agenticstar_emulator::clients as c;
use agenticstar_emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};

pub struct Emu {
    pub emu: Emulator,
    pub url: String,
    http: reqwest::Client,
}

impl Emu {
    pub async fn start() -> Emu {
        let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator starts");
        let url = emu.url().to_owned();
        Emu { emu, url, http: reqwest::Client::new() }
    }

    pub async fn admin(&self, path: &str, body: Value) -> Value {
        let r = self.http.post(format!("{}{path}", self.url)).json(&body).send().await.unwrap();
        assert!(r.status().is_success(), "admin {path} {body}: {}", r.status());
        r.json().await.unwrap_or(Value::Null)
    }

    pub async fn config(&self, body: Value) {
        self.admin("/admin/config", body).await;
    }

    pub async fn fault(&self, body: Value) {
        self.admin("/admin/faults", body).await;
    }

    pub fn count(&self, key: &str) -> u64 {
        self.emu.counter(key)
    }

    pub async fn requests(&self, endpoint: &str) -> Vec<Value> {
        let r = self.http.get(format!("{}/admin/requests?endpoint={endpoint}", self.url)).send().await.unwrap();
        r.json().await.unwrap()
    }

    /// Poll a counter until it reaches `want` (the server notices disconnects asynchronously).
    pub async fn wait_count(&self, key: &str, want: u64) -> u64 {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let n = self.count(key);
            if n >= want || tokio::time::Instant::now() > deadline {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn saas(&self) -> Provider {
        Provider::agenticstar(&self.url).unwrap()
    }

    /// A builder with fast retries so fault tests do not wait for production back-off.
    pub fn builder(&self, provider: Provider, id: &str, secret: &str) -> ClientBuilder {
        Client::builder()
            .provider(provider)
            .credentials(Credentials::new(id, secret))
            .api_url(&self.url)
            .unwrap()
            .retry_policy(RetryPolicy {
                initial_backoff: Duration::from_millis(20),
                max_backoff: Duration::from_millis(100),
                ..Default::default()
            })
    }

    pub fn saas_cc(&self) -> Client {
        self.builder(self.saas(), c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET).build().unwrap()
    }

    /// Follow the emulator's auto-approval like a browser would, returning the callback URL.
    /// Signs `app` in through the emulator's authorization page (scope `openid chat:exec`).
    pub async fn sign_in(&self, app: &Client) {
        let opts = agenticstar::authcode::AuthorizeOptions::new(format!("{}/cb", self.url)).scope("openid chat:exec");
        let req = app.authorize_url(&opts).await.unwrap();
        let callback = self.approve(&req.url).await;
        app.complete_authorization(&req, &callback).await.unwrap();
    }

    pub async fn approve(&self, authorize_url: &str) -> String {
        let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = no_redirect.get(authorize_url).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 302, "authorize should redirect");
        r.headers()["location"].to_str().unwrap().to_owned()
    }
}

pub fn idle(ms: u64) -> HttpConfig {
    HttpConfig { stream_idle_timeout: Duration::from_millis(ms), ..Default::default() }
}

/// A progress callback that signals its first call, to cancel an MCP call once it runs.
pub fn on_first_progress() -> (impl FnMut(agenticstar::mcp::Progress) + Send, tokio::sync::oneshot::Receiver<()>) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut tx = Some(tx);
    let on_progress = move |_p: agenticstar::mcp::Progress| {
        if let Some(tx) = tx.take() {
            let _ = tx.send(());
        }
    };
    (on_progress, rx)
}

pub fn j(v: Value) -> Value {
    v
}

pub fn _unused() -> Value {
    json!(null)
}
