//! A user's session at the authorization server beyond the token endpoint: device sign-in
//! (RFC 8628), sign-out with revocation (RFC 7009) and the UserInfo endpoint (OIDC Core §5.3).
use std::time::Duration;

use base64::Engine;
use reqwest::header;
use serde_json::Value;
use tokio::time::Instant;

use crate::client::{Client, SignIn, api_error};
use crate::device::{self, DeviceAuthorization, Poll};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{check_redirect, parse_retry_after, read_body, with_retries};
use crate::token::{Grant, unix_now};

/// Answers of these endpoints are small; anything larger is not theirs.
const MAX_BODY: usize = 1 << 20;
/// Ceiling for the back-off between polls after server or network failures.
const MAX_POLL_BACKOFF: Duration = Duration::from_secs(60);

/// The outcome of [`Client::sign_out`]: the local session is gone either way.
#[derive(Clone, Debug, Default)]
pub struct SignOut {
    /// The token types the server accepted to revoke (`refresh_token`, `access_token`).
    pub revoked: Vec<&'static str>,
    /// Why revocation failed, when it did (the local session was cleared all the same).
    pub revocation_error: Option<Error>,
    /// Whether the server offers revocation at all (`revocation_endpoint` in discovery).
    pub revocation_supported: bool,
}

impl Client {
    /// Start a device sign-in (RFC 8628 §3.1) at the `device_authorization_endpoint` named by
    /// discovery. Show the returned user code and verification URI, then call
    /// [`Client::complete_device_authorization`].
    pub async fn device_authorization(&self, scope: Option<&str>) -> Result<DeviceAuthorization> {
        let server = self.inner.tokens.server();
        let url = server
            .discovered(|m| m.device_authorization_endpoint.as_ref(), "device authorization endpoint")
            .await?
            .ok_or_else(|| Error::config("this provider offers no device authorization endpoint"))?;
        let what = "device authorization";
        let auth = with_retries(&server.retry, what, || async {
            let mut form: Vec<(&str, &str)> = Vec::new();
            if let Some(s) = scope {
                form.push(("scope", s));
            }
            let req = server
                .http
                .post(url.clone())
                .timeout(server.cfg.request_timeout)
                .header(header::ACCEPT, "application/json");
            let req = server.client_auth(req, &mut form)?.form(&form);
            let resp = req.send().await.map_err(|e| Error::from_reqwest(&e, what))?;
            let status = resp.status().as_u16();
            let retry_after = parse_retry_after(resp.headers().get(header::RETRY_AFTER));
            check_redirect(&resp, "POST", &url)?;
            let body = read_body(resp, MAX_BODY, server.cfg.request_timeout).await?;
            device::parse_device_authorization(status, &body, unix_now()).map_err(|e| e.with_retry_after(retry_after))
        })
        .await?;
        tracing::info!(target: "agenticstar", verification_uri = %auth.verification_uri, expires_in = auth.expires_in, interval = auth.interval, "device authorization started; waiting for the user");
        Ok(auth)
    }

    /// Poll the token endpoint until the user approves (RFC 8628 §3.4–3.5): at the server's
    /// interval, 5 s slower after each `slow_down`, backing off on server failures, and never past
    /// the codes' expiry. Approval stores the session like [`Client::complete_authorization`];
    /// `access_denied` is [`ErrorKind::AuthorizationDenied`], an expired code
    /// [`ErrorKind::DeviceCodeExpired`]. Dropping the future stops polling.
    pub async fn complete_device_authorization(&self, auth: &DeviceAuthorization) -> Result<SignIn> {
        let server = self.inner.tokens.server();
        let deadline = Instant::now() + Duration::from_secs(auth.expires_at.saturating_sub(unix_now()));
        let mut interval = Duration::from_secs(auth.interval.max(1));
        let mut wait = interval;
        let grant = Grant::DeviceCode(auth.device_code.clone());
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(device::expired_locally());
            }
            tokio::time::sleep(wait.min(left)).await;
            if Instant::now() >= deadline {
                return Err(device::expired_locally());
            }
            let outcome = server.request_once(&grant).await;
            match outcome.map_err(device::classify_poll) {
                Ok(resp) => {
                    tracing::info!(target: "agenticstar", "device sign-in approved");
                    return self.finish_sign_in(resp, None, false).await;
                }
                Err(Poll::Pending) => wait = interval,
                Err(Poll::SlowDown) => {
                    interval += device::SLOW_DOWN_STEP;
                    wait = interval;
                    tracing::info!(target: "agenticstar", "device flow: server asked to slow down; polling every {interval:?}");
                }
                Err(Poll::Transient) => {
                    wait = (wait * 2).clamp(interval, MAX_POLL_BACKOFF.max(interval));
                    tracing::warn!(target: "agenticstar", "device flow poll failed; trying again in {wait:?}");
                }
                Err(Poll::Fail(e)) => return Err(e),
            }
        }
    }

    /// Sign out: revoke the refresh token, then the access token, at the server's
    /// `revocation_endpoint` when discovery names one (RFC 7009), then forget the session here
    /// and in the store. A failed revocation is reported in [`SignOut::revocation_error`]; the
    /// local session is cleared regardless. Only a store failure is an `Err`.
    pub async fn sign_out(&self) -> Result<SignOut> {
        let tokens = &self.inner.tokens;
        let mut out = SignOut::default();
        let session = tokens.session().await;
        match tokens.server().discovered(|m| m.revocation_endpoint.as_ref(), "revocation endpoint").await {
            Ok(Some(url)) => {
                out.revocation_supported = true;
                if let Some(t) = &session {
                    let pairs = [("refresh_token", t.refresh_token()), ("access_token", Some(t.access_token()))];
                    for (hint, token) in pairs {
                        let Some(token) = token else { continue };
                        match self.revoke(&url, token.expose(), hint).await {
                            Ok(()) => out.revoked.push(hint),
                            Err(e) => {
                                tracing::warn!(target: "agenticstar", "could not revoke the {hint} ({}): {}", e.kind(), e.message());
                                out.revocation_error.get_or_insert(e);
                            }
                        }
                    }
                }
            }
            Ok(None) => tracing::debug!(target: "agenticstar", "no revocation endpoint; clearing the session locally"),
            Err(e) => {
                tracing::warn!(target: "agenticstar", "could not look up the revocation endpoint ({}): {}", e.kind(), e.message());
                out.revocation_error = Some(e);
            }
        }
        tokens.sign_out().await?;
        Ok(out)
    }

    async fn revoke(&self, url: &url::Url, token: &str, hint: &str) -> Result<()> {
        let server = self.inner.tokens.server();
        with_retries(&server.retry, "token revocation", || async {
            let mut form: Vec<(&str, &str)> = vec![("token", token), ("token_type_hint", hint)];
            let req = server.http.post(url.clone()).timeout(server.cfg.request_timeout);
            let req = server.client_auth(req, &mut form)?.form(&form);
            let resp = req.send().await.map_err(|e| Error::from_reqwest(&e, "token revocation"))?;
            let status = resp.status().as_u16();
            let retry_after = parse_retry_after(resp.headers().get(header::RETRY_AFTER));
            check_redirect(&resp, "POST", url)?;
            let body = read_body(resp, MAX_BODY, server.cfg.request_timeout).await?;
            if (200..300).contains(&status) {
                return Ok(());
            }
            let json = serde_json::from_slice(&body).ok();
            Err(crate::provider::classify_error(status, json.as_ref(), &body)
                .with_retry_after(retry_after)
                .map_message(|m| format!("token revocation: {m}")))
        })
        .await
    }

    /// The signed-in user's claims from the `userinfo_endpoint` (OIDC Core §5.3), with the
    /// current access token as bearer (renewed and retried once on 401). The `sub` must match
    /// the id_token's, when the session has one.
    pub async fn userinfo(&self) -> Result<serde_json::Map<String, Value>> {
        let tokens = &self.inner.tokens;
        let server = tokens.server();
        let url = server
            .discovered(|m| m.userinfo_endpoint.as_ref(), "userinfo endpoint")
            .await?
            .ok_or_else(|| Error::config("this provider offers no userinfo endpoint"))?;
        let mut renewed = false;
        loop {
            let token = tokens.get_token().await?;
            let resp = server
                .http
                .get(url.clone())
                .timeout(server.cfg.request_timeout)
                .bearer_auth(token.access_token().expose())
                .header(header::ACCEPT, "application/json")
                .send()
                .await
                .map_err(|e| Error::from_reqwest(&e, "userinfo request"))?;
            let status = resp.status().as_u16();
            if status == 401 && !renewed {
                tokens.invalidate(token.access_token().expose());
                renewed = true;
                continue;
            }
            let retry_after = parse_retry_after(resp.headers().get(header::RETRY_AFTER));
            check_redirect(&resp, "GET", &url)?;
            let body = read_body(resp, MAX_BODY, server.cfg.request_timeout).await?;
            let json: Option<Value> = serde_json::from_slice(&body).ok();
            if !(200..300).contains(&status) {
                return Err(
                    api_error(status, json.as_ref(), &body, retry_after).map_message(|m| format!("userinfo: {m}"))
                );
            }
            let unexpected = |why: &str| {
                Error::new(ErrorKind::UnexpectedResponse, format!("userinfo {why}"))
                    .with_status(status)
                    .with_excerpt(&body)
            };
            let Some(Value::Object(claims)) = json else { return Err(unexpected("is not a JSON object")) };
            let sub = claims.get("sub").and_then(Value::as_str).ok_or_else(|| unexpected("has no sub"))?;
            if let Some(expected) = token.id_token().and_then(|t| id_token_sub(t.expose()))
                && expected != sub
            {
                return Err(unexpected("names another subject than the id_token"));
            }
            return Ok(claims);
        }
    }
}

/// The `sub` of an id_token that was validated when it was received (no signature check here).
fn id_token_sub(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v.get("sub")?.as_str().map(str::to_owned)
}
