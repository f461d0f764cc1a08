//! One authorization server: its endpoints (static or discovered) and token requests in its dialect.
use std::sync::Arc;

use base64::Engine;
use reqwest::header;

use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpConfig, RetryPolicy, parse_retry_after, with_retries};
use crate::oidc::{JwksCache, Metadata};
use crate::provider::{
    ClientAuthMethod, Credentials, Dialect, Endpoints, Provider, TokenResponse, parse_token_response,
};
use crate::secret::Secret;

/// Token answers are small; anything larger is not a token answer.
const MAX_TOKEN_BODY: usize = 1 << 20;

pub(crate) enum Grant {
    ClientCredentials,
    AuthorizationCode {
        code: Secret,
        redirect_uri: String,
        code_verifier: Option<Secret>,
    },
    RefreshToken(Secret),
    /// RFC 8628 §3.4: poll for the tokens of a device authorization.
    DeviceCode(Secret),
}

impl Grant {
    fn name(&self) -> &'static str {
        match self {
            Grant::ClientCredentials => "client_credentials",
            Grant::AuthorizationCode { .. } => "authorization_code",
            Grant::RefreshToken(_) => "refresh_token",
            Grant::DeviceCode(_) => "urn:ietf:params:oauth:grant-type:device_code",
        }
    }
}

/// What a token is for: the scopes to ask for and an RFC 8707 `resource` (the protected
/// resource's canonical URL). Part of the token's cache and store key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Audience {
    /// Space-separated scopes asked for in client credentials grants (None: the configured ones).
    pub scope: Option<String>,
    /// RFC 8707 resource indicator sent in every token request.
    pub resource: Option<String>,
}

impl Audience {
    /// Whether neither a scope nor a resource is set (the client's own token).
    pub fn is_default(&self) -> bool {
        self.scope.is_none() && self.resource.is_none()
    }
}

pub(crate) struct AuthServer {
    pub provider: Provider,
    pub creds: Credentials,
    pub http: reqwest::Client,
    pub cfg: HttpConfig,
    pub retry: RetryPolicy,
    metadata: tokio::sync::OnceCell<Arc<Metadata>>,
    pub jwks: JwksCache,
}

impl AuthServer {
    pub fn new(
        provider: Provider,
        creds: Credentials,
        http: reqwest::Client,
        cfg: HttpConfig,
        retry: RetryPolicy,
    ) -> Self {
        AuthServer { provider, creds, http, cfg, retry, metadata: Default::default(), jwks: JwksCache::default() }
    }

    /// OIDC discovery, fetched once (a failure is not cached, so the next call tries again).
    pub async fn metadata(&self) -> Result<Arc<Metadata>> {
        let url = self
            .provider
            .discovery_url()
            .ok_or_else(|| Error::config("this provider has no OpenID Connect discovery document"))?;
        self.metadata
            .get_or_try_init(|| async {
                self.cfg.check_url(&url, "discovery URL")?;
                let m = with_retries(&self.retry, "OIDC discovery", || Metadata::fetch(&self.http, &self.cfg, &url))
                    .await?;
                // OIDC Discovery §4.3: another issuer's document must not be used (mix-up, spoofing).
                if let Some(configured) = self.provider.issuer()
                    && m.issuer.trim_end_matches('/') != configured.as_str().trim_end_matches('/')
                {
                    return Err(Error::new(
                        ErrorKind::DiscoveryIssuerMismatch,
                        format!(
                            "discovery document names issuer {:?}, not the configured {:?}",
                            m.issuer,
                            configured.as_str().trim_end_matches('/')
                        ),
                    ));
                }
                for (u, what) in [(&m.token_endpoint, "token endpoint"), (&m.jwks_uri, "jwks_uri")] {
                    if let Some(u) = u {
                        self.cfg.check_url(u, what)?;
                    }
                }
                Ok(Arc::new(m))
            })
            .await
            .cloned()
    }

    pub async fn endpoints(&self) -> Result<Endpoints> {
        if let Some(e) = self.provider.static_endpoints() {
            return Ok(e);
        }
        let m = self.metadata().await?;
        let token_url = m
            .token_endpoint
            .clone()
            .ok_or_else(|| Error::new(ErrorKind::UnexpectedResponse, "discovery document has no token_endpoint"))?;
        Ok(Endpoints { token_url, authorize_url: m.authorization_endpoint.clone() })
    }

    /// A token request with retries for 5xx, 429 and connection failures.
    pub async fn request(&self, grant: &Grant) -> Result<TokenResponse> {
        self.request_for(grant, &Audience::default()).await
    }

    /// A token request for `audience`: its scopes replace the configured ones in a client
    /// credentials grant, and its RFC 8707 `resource` goes into every grant (refreshes included).
    pub async fn request_for(&self, grant: &Grant, audience: &Audience) -> Result<TokenResponse> {
        let endpoints = self.endpoints().await?;
        self.cfg.check_url(&endpoints.token_url, "token endpoint")?;
        let what = format!("token request ({})", grant.name());
        with_retries(&self.retry, &what, || self.attempt(&endpoints.token_url, grant, audience)).await
    }

    async fn attempt(&self, url: &url::Url, grant: &Grant, audience: &Audience) -> Result<TokenResponse> {
        let dialect = self.provider.dialect();
        let c = &self.creds;
        let mut req =
            self.http.post(url.clone()).timeout(self.cfg.request_timeout).header(header::ACCEPT, "application/json");
        match dialect {
            Dialect::Marketplace | Dialect::Wrapped if !matches!(grant, Grant::ClientCredentials) => {
                return Err(Error::config(format!(
                    "the {} token service only supports client credentials",
                    dialect.as_str()
                )));
            }
            Dialect::Marketplace => {
                let secret = c.secret_for("the marketplace token service")?;
                req = req.json(&serde_json::json!({"client_id": c.client_id, "client_secret": secret}));
            }
            Dialect::Wrapped => {
                let secret = c.secret_for("the wrapped token API")?;
                req = req.form(&[("client_id", c.client_id.as_str()), ("client_secret", secret)]);
            }
            Dialect::OAuth => {
                let mut form: Vec<(&str, &str)> = vec![("grant_type", grant.name())];
                match grant {
                    Grant::ClientCredentials => {
                        if let Some(s) = audience.scope.as_ref().or(c.scope.as_ref()) {
                            form.push(("scope", s));
                        }
                    }
                    Grant::AuthorizationCode { code, redirect_uri, code_verifier } => {
                        form.push(("code", code.expose()));
                        form.push(("redirect_uri", redirect_uri));
                        if let Some(v) = code_verifier {
                            form.push(("code_verifier", v.expose()));
                        }
                    }
                    Grant::RefreshToken(rt) => form.push(("refresh_token", rt.expose())),
                    Grant::DeviceCode(dc) => form.push(("device_code", dc.expose())),
                }
                if let Some(r) = &audience.resource {
                    form.push(("resource", r));
                }
                req = self.client_auth(req, &mut form)?.form(&form);
            }
        }
        tracing::debug!(target: "agenticstar", grant = grant.name(), dialect = dialect.as_str(), url = %crate::http::display_url(url), "token request");
        let resp = req.send().await.map_err(|e| Error::from_reqwest(&e, "token request"))?;
        let status = resp.status().as_u16();
        // Token errors carry the answer's headers and request id too (secret values masked).
        let meta = crate::response::ResponseMeta::from_response(&resp, None);
        let retry_after = parse_retry_after(resp.headers().get(header::RETRY_AFTER));
        crate::http::check_redirect(&resp, "POST", url).map_err(|e| e.with_response(&meta))?;
        let body = crate::http::read_body(resp, MAX_TOKEN_BODY, self.cfg.request_timeout)
            .await
            .map_err(|e| e.with_response(&meta))?;
        parse_token_response(dialect, status, retry_after, &body).map_err(|e| e.with_response(&meta)).inspect_err(|e| {
            tracing::debug!(target: "agenticstar", kind = e.kind().as_str(), status, "token request failed");
        })
    }
}

impl AuthServer {
    /// Authenticate the client as at the token endpoint (also used for device authorization and
    /// revocation requests, RFC 8628 §3.1 / RFC 7009 §2.1).
    pub(crate) fn client_auth<'a>(
        &'a self,
        req: reqwest::RequestBuilder,
        form: &mut Vec<(&'a str, &'a str)>,
    ) -> Result<reqwest::RequestBuilder> {
        let c = &self.creds;
        Ok(match c.auth_method {
            ClientAuthMethod::ClientSecretPost => {
                form.push(("client_id", &c.client_id));
                form.push(("client_secret", c.secret_for("client_secret_post")?));
                req
            }
            // RFC 6749 §2.3.1 / RFC 8252 §8.4: a public client identifies itself, nothing more.
            ClientAuthMethod::None => {
                form.push(("client_id", &c.client_id));
                req
            }
            ClientAuthMethod::ClientSecretBasic => {
                // RFC 6749 §2.3.1: both parts form-url-encoded before base64.
                let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
                let raw = format!("{}:{}", enc(&c.client_id), enc(c.secret_for("client_secret_basic")?));
                let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
                req.header(header::AUTHORIZATION, format!("Basic {b64}"))
            }
        })
    }

    /// One token request without retries: the device flow's poll reads the OAuth error itself
    /// (`slow_down` must slow the polling, not be retried as a 429).
    pub(crate) async fn request_once(&self, grant: &Grant) -> Result<TokenResponse> {
        let endpoints = self.endpoints().await?;
        self.cfg.check_url(&endpoints.token_url, "token endpoint")?;
        self.attempt(&endpoints.token_url, grant, &Audience::default()).await
    }

    /// An endpoint that only discovery names (device authorization, revocation, userinfo); `None`
    /// when the provider has no discovery document or the document does not name it.
    pub(crate) async fn discovered(
        &self,
        pick: fn(&Metadata) -> Option<&url::Url>,
        what: &str,
    ) -> Result<Option<url::Url>> {
        if self.provider.discovery_url().is_none() {
            return Ok(None);
        }
        let m = self.metadata().await?;
        let Some(u) = pick(&m).cloned() else { return Ok(None) };
        self.cfg.check_url(&u, what)?;
        Ok(Some(u))
    }
}
