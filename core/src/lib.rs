//! # agenticstar
//!
//! One Rust core for the OAuth 2.0 / OIDC token lifecycle and the Server-Sent-Events chat stream of
//! AGENTIC STAR (SaaS and Marketplace), Eggplant DAI (Keycloak), the wrapped token API and any
//! standard OIDC server. The Python, Node, Kotlin and Swift packages are thin bindings over it.
//!
//! ```no_run
//! # async fn demo() -> agenticstar::Result<()> {
//! use agenticstar::{Client, Credentials, Provider, chat::ChatRequest};
//! let client = Client::builder()
//!     .provider(Provider::agenticstar("https://auth.agenticstar.jp")?)
//!     .credentials(Credentials::new("my-client", "my-secret"))
//!     .api_url("https://api.agenticstar.jp")?
//!     .build()?;
//! let mut stream = client.chat_stream(ChatRequest::user("こんにちは"));
//! while let Some(chunk) = stream.next().await {
//!     print!("{}", chunk?.text());
//! }
//! # Ok(()) }
//! ```

pub mod a2a;
pub mod authcode;
pub mod chat;
mod client;
pub mod device;
pub mod env;
mod error;
pub mod fuzzing;
mod http;
pub mod jsonrpc;
pub mod logging;
pub mod mcp;
pub mod oidc;
mod options;
pub mod provider;
pub mod redact;
mod request_options;
mod response;
pub mod scope;
mod secret;
mod session;
pub mod sse;
pub mod surface;
pub mod token;

pub use client::{Client, ClientBuilder, RawResponse, SignIn};
pub use device::DeviceAuthorization;
pub use env::EnvOptions;
pub use error::{Error, ErrorKind, Result};
pub use http::{HttpConfig, RetryPolicy, install_crypto_provider};
pub use options::{ClientOptions, DEFAULT_ID_TOKEN_LEEWAY, DEFAULT_REFRESH_WINDOW, DURATION_KEYS, ProviderOptions};
pub use provider::{ClientAuthMethod, Credentials, Dialect, Provider};
pub use request_options::RequestOptions;
pub use response::{REQUEST_ID_HEADERS, ResponseMeta};
pub use scope::Scopes;
pub use secret::Secret;
pub use session::SignOut;
pub use token::{
    Audience, AuthFlow, FileStore, Lease, MemoryStore, StoreErrorListener, StoredToken, Token, TokenListener,
    TokenManager, TokenStore, Versioned,
};
#[cfg(feature = "redis")]
pub use token::{RedisOptions, RedisStore};

/// The SDK version (one number for the core and every binding).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
