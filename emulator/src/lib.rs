//! A local server that speaks every token dialect the `agenticstar` SDK supports (AGENTIC STAR
//! SaaS OIDC, Marketplace, Eggplant DAI Keycloak, the wrapped token API) and the streaming Chat
//! API, plus an `/admin` API to inject faults and inspect traffic. See README.md.

// Handlers return `Result<Response, Response>` so `?` can short-circuit with an error reply;
// a response is produced once per request, so boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod a2a;
mod admin;
mod chat;
mod faults;
mod http;
mod keys;
mod mcp;
mod oauth;
mod session;
mod state;

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use state::{Ctx, State};

/// The registered test clients and the auto-approved test user.
pub mod clients {
    /// SaaS client credentials client; scopes `openid chat:all`.
    pub const SAAS_CC_CLIENT_ID: &str = "saas-cc-client";
    pub const SAAS_CC_CLIENT_SECRET: &str = "saas-cc-secret";
    /// SaaS application (authorization code + refresh); scopes `openid chat:exec chat:history chat:file mcp:all`.
    pub const SAAS_APP_CLIENT_ID: &str = "saas-app-client";
    pub const SAAS_APP_CLIENT_SECRET: &str = "saas-app-secret";
    /// SaaS agent integration (client credentials); scopes `openid mcp:all a2a:all`, for MCP and A2A.
    pub const SAAS_AGENT_CLIENT_ID: &str = "saas-agent-client";
    pub const SAAS_AGENT_CLIENT_SECRET: &str = "saas-agent-secret";
    /// SaaS system integration (client credentials, no chat scope); scopes `openid users:read logs:read`.
    pub const SAAS_MGMT_CLIENT_ID: &str = "saas-mgmt-client";
    pub const SAAS_MGMT_CLIENT_SECRET: &str = "saas-mgmt-secret";
    /// Marketplace service account; scope `openid`.
    pub const MARKETPLACE_CLIENT_ID: &str = "mp-client";
    pub const MARKETPLACE_CLIENT_SECRET: &str = "mp-secret";
    /// Keycloak client in realm `dai`; scopes `email template:dai:agents profile`.
    pub const KEYCLOAK_CLIENT_ID: &str = "dai-client";
    pub const KEYCLOAK_CLIENT_SECRET: &str = "dai-secret";
    pub const KEYCLOAK_REALM: &str = "dai";
    /// Wrapped token API client; gets opaque `sk-…` tokens.
    pub const WRAPPED_CLIENT_ID: &str = "wrapped-client";
    pub const WRAPPED_CLIENT_SECRET: &str = "wrapped-secret";
    /// The user /authorize approves without asking.
    pub const USER_SUB: &str = "user-alice";
    pub const USER_NAME: &str = "Alice";
    pub const USER_EMAIL: &str = "alice@example.com";
    /// Redirect URI registered besides any `http://127.0.0.1:<port>/…` or `http://localhost:<port>/…`.
    pub const APP_REDIRECT_URI: &str = "https://app.example.com/callback";
}

/// Where to listen.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// 0 picks a free port.
    pub port: u16,
    pub host: IpAddr,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self { port: 0, host: IpAddr::V4(Ipv4Addr::LOCALHOST) }
    }
}

/// A running emulator. Dropping it leaves the server running (handy for `tokio::spawn`ed
/// demos); call [`Emulator::shutdown`] to stop it.
pub struct Emulator {
    ctx: Ctx,
    url: String,
    addr: SocketAddr,
}

impl Emulator {
    /// Binds, spawns the server on the current tokio runtime and returns once it accepts connections.
    pub async fn start(config: EmulatorConfig) -> io::Result<Emulator> {
        // Parse the embedded keys now rather than in the first token request.
        std::sync::LazyLock::force(&keys::KEYS);
        let listener = TcpListener::bind((config.host, config.port)).await?;
        let addr = listener.local_addr()?;
        // A wildcard bind is still reached through loopback.
        let url_host = match addr.ip() {
            ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        let url = format!("http://{}", SocketAddr::new(url_host, addr.port()));
        let ctx = Ctx {
            state: Arc::new(Mutex::new(State::default())),
            base: url.as_str().into(),
            shutdown: CancellationToken::new(),
        };
        // Without NODELAY, small SSE frames could be held back by Nagle and pacing would blur.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let server =
            axum::serve(listener, router(ctx.clone())).with_graceful_shutdown(ctx.shutdown.clone().cancelled_owned());
        tokio::spawn(async move {
            if let Err(error) = server.await {
                tracing::error!(%error, "emulator server failed");
            }
        });
        Ok(Emulator { ctx, url, addr })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A counter as shown by `GET /admin/counters`; 0 for unknown keys.
    pub fn counter(&self, key: &str) -> u64 {
        self.ctx.with(|s| s.counters.get(key).copied().unwrap_or(0))
    }

    /// Licences of a client as `GET /admin/licences` shows them: (live tokens now, most at once).
    pub fn licences(&self, client_id: &str) -> (u64, u64) {
        self.ctx.with(|s| (s.live_tokens(client_id), s.licence_peaks.get(client_id).copied().unwrap_or(0)))
    }

    /// Same as `POST /admin/reset`.
    pub fn reset(&self) {
        self.ctx.with(|s| *s = State::default());
    }

    /// Stops accepting, closes idle connections and ends open streams (including `never_end` ones).
    pub fn shutdown(self) {
        self.ctx.shutdown.cancel();
    }
}

fn router(ctx: Ctx) -> Router {
    let saas = "/federation/auth/v1";
    let realm = "/auth/realms/{realm}";
    Router::new()
        .route(&format!("{saas}/.well-known/openid-configuration"), get(oauth::saas_discovery))
        .route(&format!("{saas}/jwks"), get(oauth::saas_jwks))
        .route(&format!("{saas}/authorize"), get(oauth::saas_authorize))
        .route(&format!("{saas}/token"), post(oauth::saas_token))
        .route(&format!("{saas}/device_authorization"), post(session::device_authorization))
        .route(&format!("{saas}/device"), get(session::device_page).post(session::device_page))
        .route(&format!("{saas}/revoke"), post(session::revoke))
        .route(&format!("{saas}/introspect"), post(session::introspect))
        .route(&format!("{saas}/userinfo"), get(session::userinfo).post(session::userinfo))
        .route("/api/v1/auth/external-service-token", post(oauth::marketplace_token))
        .route(&format!("{realm}/protocol/openid-connect/token"), post(oauth::keycloak_token))
        .route(&format!("{realm}/.well-known/openid-configuration"), get(oauth::keycloak_discovery))
        .route(&format!("{realm}/protocol/openid-connect/certs"), get(oauth::keycloak_jwks))
        .route("/v1/auth/token", post(oauth::wrapped_token))
        .route("/v1/chat/completions", post(chat::completions))
        .route("/v1/models", get(chat::models))
        .route("/v1/me", get(chat::me))
        .route("/.well-known/agent-card.json", get(a2a::agent_card))
        .route("/a2a", post(a2a::rpc))
        .route("/mcp", post(mcp::rpc).get(mcp::rpc).delete(mcp::rpc))
        .route("/.well-known/oauth-protected-resource/mcp", get(mcp::prm))
        .route("/admin/reset", post(admin::reset))
        .route("/admin/counters", get(admin::counters))
        .route("/admin/licences", get(admin::licences))
        .route("/admin/config", get(admin::get_config).post(admin::set_config))
        .route("/admin/faults", get(admin::list_faults).post(admin::add_fault).delete(admin::clear_faults))
        .route("/admin/rotate_keys", post(admin::rotate_keys))
        .route("/admin/revoke", post(admin::revoke))
        .route("/admin/requests", get(admin::requests))
        .route("/admin/device", get(session::admin_device).post(session::admin_device))
        .layer(axum::middleware::map_response(request_id))
        .with_state(ctx)
}

/// Every answer carries an `x-request-id` (`req_<hex>`), as OpenAI-style APIs do, so clients can
/// surface it on results and errors.
async fn request_id(mut response: axum::response::Response) -> axum::response::Response {
    if !response.headers().contains_key("x-request-id")
        && let Ok(v) = axum::http::HeaderValue::try_from(format!("req_{}", state::random_hex(12)))
    {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
