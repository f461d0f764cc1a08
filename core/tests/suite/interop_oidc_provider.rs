//! Interop with a real, widely used OIDC server: panva/oidc-provider (npm), started by this test.
//! Needs `npm ci` in interop/oidc-provider (the test script does it). Without it the test is
//! skipped, unless AGENTICSTAR_REQUIRE_INTEROP=1 (set by the test script) makes that a failure.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;

use agenticstar::authcode::AuthorizeOptions;
use agenticstar::{AuthFlow, Client, ClientAuthMethod, Credentials, ErrorKind, Provider};
use tokio::io::{AsyncBufReadExt, BufReader};

const REDIRECT: &str = "http://127.0.0.1:7777/callback";

struct OidcProvider {
    url: String,
    _child: tokio::process::Child,
    _stdout: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

async fn start() -> Option<OidcProvider> {
    start_as("127.0.0.1").await
}

/// Start it with its issuer named with `issuer_host` (it always listens on 127.0.0.1).
async fn start_as(issuer_host: &str) -> Option<OidcProvider> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../interop/oidc-provider");
    if !dir.join("node_modules/oidc-provider").exists() {
        assert!(
            std::env::var("AGENTICSTAR_REQUIRE_INTEROP").is_err(),
            "interop/oidc-provider is not installed (npm ci)"
        );
        eprintln!("skipped: run `npm ci` in interop/oidc-provider");
        return None;
    }
    let mut child = tokio::process::Command::new("node")
        .arg("server.mjs")
        .current_dir(&dir)
        .env("ISSUER_HOST", issuer_host)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("ready in time")
        .unwrap()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    Some(OidcProvider { url: v["url"].as_str().unwrap().to_owned(), _child: child, _stdout: lines })
}

/// Play the browser: follow redirects by hand with a cookie jar until the redirect to our app.
async fn browse_to_callback(start: &str) -> String {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut jar = BTreeMap::new();
    let mut url = reqwest::Url::parse(start).unwrap();
    for _ in 0..10 {
        let cookies: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let resp = http.get(url.clone()).header("cookie", cookies.join("; ")).send().await.unwrap();
        for c in resp.headers().get_all("set-cookie") {
            let pair = c.to_str().unwrap().split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                jar.insert(k.trim().to_owned(), v.trim().to_owned());
            }
        }
        let loc = resp
            .headers()
            .get("location")
            .unwrap_or_else(|| panic!("no redirect at {url}: {}", resp.status()))
            .to_str()
            .unwrap()
            .to_owned();
        let next = url.join(&loc).unwrap();
        if next.as_str().starts_with(REDIRECT) {
            return next.into();
        }
        url = next;
    }
    panic!("too many redirects");
}

#[tokio::test]
async fn client_credentials_authorization_code_and_refresh_against_oidc_provider() {
    let Some(op) = start().await else { return };
    let provider = Provider::oidc(&op.url).unwrap();

    // Client credentials, secret in the form and with HTTP Basic.
    let cc = Client::builder()
        .provider(provider.clone())
        .credentials(Credentials::new("interop-client", "interop-secret").scope("chat:exec"))
        .build()
        .unwrap();
    let t = cc.get_token().await.unwrap();
    assert!(t.scopes().unwrap().allows("chat:exec"));
    let basic = Client::builder()
        .provider(provider.clone())
        .credentials(
            Credentials::new("interop-basic", "interop-basic-secret").auth_method(ClientAuthMethod::ClientSecretBasic),
        )
        .build()
        .unwrap();
    basic.get_token().await.unwrap();
    let wrong = Client::builder()
        .provider(provider.clone())
        .credentials(Credentials::new("interop-client", "wrong"))
        .build()
        .unwrap();
    assert_eq!(wrong.get_token().await.unwrap_err().kind(), ErrorKind::InvalidClient);

    // Authorization code + PKCE, id_token validated against oidc-provider's JWKS.
    let app = Client::builder()
        .provider(provider)
        .credentials(Credentials::new("interop-client", "interop-secret"))
        .flow(AuthFlow::AuthorizationCode)
        .build()
        .unwrap();
    let req =
        app.authorize_url(&AuthorizeOptions::new(REDIRECT).scope("openid offline_access chat:exec")).await.unwrap();
    let callback = browse_to_callback(&req.url).await;
    let signed = app.complete_authorization(&req, &callback).await.unwrap();
    assert_eq!(signed.id_claims.as_ref().unwrap().sub, "alice");
    let old_rt = signed.token.refresh_token().expect("refresh token issued").clone();

    // Refresh with rotation; the old refresh token is then refused by the server.
    let refreshed = app.tokens().force_refresh().await.unwrap();
    assert_ne!(refreshed.access_token(), signed.token.access_token());
    assert_ne!(refreshed.refresh_token().unwrap(), &old_rt, "oidc-provider rotates");
    let r = reqwest::Client::new()
        .post(format!("{}/token", op.url))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", old_rt.expose()),
            ("client_id", "interop-client"),
            ("client_secret", "interop-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"], "invalid_grant");

    // A replayed callback (used code) is refused.
    assert_eq!(app.complete_authorization(&req, &callback).await.unwrap_err().kind(), ErrorKind::InvalidGrant);
}

/// A browser with a cookie jar that follows redirects by hand (oidc-provider's cookies are
/// path-scoped; sending them all is what a lenient browser would do and is enough here).
struct Browser {
    http: reqwest::Client,
    jar: BTreeMap<String, String>,
}

impl Browser {
    fn new() -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { http, jar: BTreeMap::new() }
    }

    /// Send, keep cookies, follow redirects with GET; the final page's status and HTML.
    async fn go(&mut self, mut req: reqwest::RequestBuilder) -> (u16, String) {
        for _ in 0..10 {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let resp = req.header("cookie", cookies.join("; ")).send().await.unwrap();
            for c in resp.headers().get_all("set-cookie") {
                let pair = c.to_str().unwrap().split(';').next().unwrap();
                if let Some((k, v)) = pair.split_once('=') {
                    self.jar.insert(k.trim().to_owned(), v.trim().to_owned());
                }
            }
            let Some(loc) = resp.headers().get("location").map(|l| l.to_str().unwrap().to_owned()) else {
                return (resp.status().as_u16(), resp.text().await.unwrap());
            };
            req = self.http.get(resp.url().join(&loc).unwrap());
        }
        panic!("too many redirects");
    }

    /// Enter `user_code` on the provider's own device pages, then confirm or abort.
    async fn device(&mut self, verification_uri: &str, user_code: &str, approve: bool) -> (u16, String) {
        let xsrf = |html: &str| {
            let at = html.find("name=\"xsrf\" value=\"").expect("a form with xsrf") + 19;
            html[at..].split('"').next().unwrap().to_owned()
        };
        let (status, input) = self.go(self.http.get(verification_uri)).await;
        assert_eq!(status, 200, "{input}");
        let token = xsrf(&input);
        let (status, confirm) =
            self.go(self.http.post(verification_uri).form(&[("xsrf", token.as_str()), ("user_code", user_code)])).await;
        assert_eq!(status, 200, "{confirm}");
        assert!(confirm.contains("op.deviceConfirmForm"), "{confirm}");
        let decision = if approve { ("confirm", "yes") } else { ("abort", "yes") };
        let token = xsrf(&confirm);
        let form = [("xsrf", token.as_str()), ("user_code", user_code), decision];
        self.go(self.http.post(verification_uri).form(&form)).await
    }
}

async fn introspect(op: &OidcProvider, token: &str) -> serde_json::Value {
    let r = reqwest::Client::new()
        .post(format!("{}/token/introspection", op.url))
        .form(&[("token", token), ("client_id", "interop-client"), ("client_secret", "interop-secret")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.json().await.unwrap()
}

#[tokio::test]
async fn device_flow_sign_out_revocation_and_userinfo_against_oidc_provider() {
    let Some(op) = start().await else { return };
    let provider = Provider::oidc(&op.url).unwrap();
    let client = |id: &str, secret: &str| {
        Client::builder()
            .provider(provider.clone())
            .credentials(Credentials::new(id, secret))
            .flow(AuthFlow::AuthorizationCode)
            .build()
            .unwrap()
    };
    let app = client("interop-client", "interop-secret");
    let short = client("interop-device-short", "interop-device-short-secret");

    // Approved: the user types the code on the provider's pages (oidc-provider sends no
    // interval, so polling runs at RFC 8628's default 5 s).
    let approved = async {
        let auth = app.device_authorization(Some("openid offline_access profile email")).await.unwrap();
        assert_eq!(auth.interval, 5);
        assert!(auth.verification_uri_complete.is_some());
        let (uri, code) = (auth.verification_uri.clone(), auth.user_code.clone());
        let user = async move {
            let (status, page) = Browser::new().device(&uri, &code, true).await;
            assert_eq!(status, 200, "{page}");
            assert!(page.contains("Sign-in Success") || page.to_lowercase().contains("success"), "{page}");
        };
        let (signed, ()) = tokio::join!(app.complete_device_authorization(&auth), user);
        signed.unwrap()
    };
    // Denied: the user aborts on the confirmation page.
    let denied = async {
        let auth = app.device_authorization(Some("openid")).await.unwrap();
        let (status, page) = Browser::new().device(&auth.verification_uri, &auth.user_code, false).await;
        assert!(page.contains("The Sign-in request was interrupted"), "{status}: {page}");
        app.complete_device_authorization(&auth).await.unwrap_err()
    };
    // Expired: this client's codes live 3 s. Polling stops at expires_in on its own; and the
    // provider's expired_token is typed the same when the client believed the code lived longer.
    let expired = async {
        let auth = short.device_authorization(Some("openid")).await.unwrap();
        assert_eq!(auth.expires_in, 3);
        let local = short.complete_device_authorization(&auth).await.unwrap_err();
        let believed = agenticstar::DeviceAuthorization { expires_at: auth.expires_at + 60, ..auth.clone() };
        let remote = short.complete_device_authorization(&believed).await.unwrap_err();
        (local, remote)
    };
    let (signed, denied, (local, remote)) = tokio::join!(approved, denied, expired);
    assert_eq!((denied.kind(), denied.code()), (ErrorKind::AuthorizationDenied, Some("access_denied")));
    assert_eq!(local.kind(), ErrorKind::DeviceCodeExpired);
    assert_eq!((remote.kind(), remote.code()), (ErrorKind::DeviceCodeExpired, Some("expired_token")));
    assert!(remote.status() == Some(400), "the provider's own answer: {remote:?}");

    // Signed in like `login`: the id_token was validated, and the session renews silently.
    assert_eq!(signed.id_claims.as_ref().unwrap().sub, "alice");
    assert!(signed.id_claims.as_ref().unwrap().email.is_none(), "oidc-provider keeps email for userinfo");
    let refreshed = app.tokens().force_refresh().await.unwrap();

    // userinfo carries the profile and email claims.
    let info = app.userinfo().await.unwrap();
    assert_eq!(info["sub"], "alice");
    assert_eq!(info["name"], "Alice");
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(info["email_verified"], true);

    // Sign-out revokes at the provider: introspection then says inactive.
    let (access, refresh) =
        (refreshed.access_token().expose().to_owned(), refreshed.refresh_token().unwrap().expose().to_owned());
    assert_eq!(introspect(&op, &refresh).await["active"], true);
    assert_eq!(introspect(&op, &access).await["active"], true);
    let out = app.sign_out().await.unwrap();
    assert!(out.revocation_supported);
    assert!(out.revocation_error.is_none(), "{:?}", out.revocation_error);
    assert_eq!(out.revoked, ["refresh_token", "access_token"]);
    assert_eq!(introspect(&op, &refresh).await["active"], false);
    assert_eq!(introspect(&op, &access).await["active"], false);
    assert_eq!(app.get_token().await.unwrap_err().kind(), ErrorKind::SignInRequired);
    // And a bearer that was revoked is refused by userinfo as a typed error.
    let r = reqwest::Client::new().get(format!("{}/me", op.url)).bearer_auth(&access).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

/// Replace (or with `None` remove) one query parameter of a callback URL.
fn with_param(callback: &str, name: &str, value: Option<&str>) -> String {
    let mut u = reqwest::Url::parse(callback).unwrap();
    let pairs: Vec<(String, String)> = u.query_pairs().into_owned().filter(|(k, _)| k != name).collect();
    let mut q = u.query_pairs_mut();
    q.clear();
    for (k, v) in &pairs {
        q.append_pair(k, v);
    }
    if let Some(v) = value {
        q.append_pair(name, v);
    }
    drop(q);
    u.into()
}

fn app(provider: Provider, creds: Credentials) -> Client {
    Client::builder().provider(provider).credentials(creds).flow(AuthFlow::AuthorizationCode).build().unwrap()
}

#[tokio::test]
async fn rfc9207_iss_is_checked_against_oidc_provider() {
    let Some(op) = start().await else { return };
    let app = app(Provider::oidc(&op.url).unwrap(), Credentials::new("interop-client", "interop-secret"));
    let opts = AuthorizeOptions::new(REDIRECT).scope("openid chat:exec");
    // oidc-provider advertises authorization_response_iss_parameter_supported and sends iss.
    let req = app.authorize_url(&opts).await.unwrap();
    let callback = browse_to_callback(&req.url).await;
    assert!(callback.contains("iss="), "oidc-provider sends iss: {callback}");
    let mixed_up = with_param(&callback, "iss", Some("https://attacker.example"));
    assert_eq!(
        app.complete_authorization(&req, &mixed_up).await.unwrap_err().kind(),
        ErrorKind::CallbackIssuerMismatch
    );
    let stripped = with_param(&callback, "iss", None);
    assert_eq!(app.complete_authorization(&req, &stripped).await.unwrap_err().kind(), ErrorKind::CallbackIssuerMissing);
    // Neither forgery spent the code: the genuine callback completes.
    app.complete_authorization(&req, &callback).await.unwrap();
}

#[tokio::test]
async fn discovered_issuer_must_match_the_configured_one_against_oidc_provider() {
    let Some(op) = start_as("localhost").await else { return };
    assert!(op.url.starts_with("http://localhost:"), "{}", op.url);
    // The same server reached as 127.0.0.1: its document names http://localhost:PORT.
    let as_ip = op.url.replace("localhost", "127.0.0.1");
    let app = app(Provider::oidc(&as_ip).unwrap(), Credentials::new("interop-client", "interop-secret"));
    let err = app.authorize_url(&AuthorizeOptions::new(REDIRECT).scope("openid")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DiscoveryIssuerMismatch);
    // Configured as the document says, it works.
    let app = app_for(&op.url);
    app.authorize_url(&AuthorizeOptions::new(REDIRECT).scope("openid")).await.unwrap();
}

fn app_for(issuer: &str) -> Client {
    app(Provider::oidc(issuer).unwrap(), Credentials::new("interop-client", "interop-secret"))
}

#[tokio::test]
async fn a_public_pkce_client_signs_in_and_refreshes_against_oidc_provider() {
    let Some(op) = start().await else { return };
    let app = app(Provider::oidc(&op.url).unwrap(), Credentials::public("interop-public"));
    let req =
        app.authorize_url(&AuthorizeOptions::new(REDIRECT).scope("openid offline_access chat:exec")).await.unwrap();
    assert!(req.code_verifier.is_some(), "PKCE on");
    let callback = browse_to_callback(&req.url).await;
    let signed = app.complete_authorization(&req, &callback).await.unwrap();
    assert_eq!(signed.id_claims.unwrap().sub, "alice");
    let refreshed = app.tokens().force_refresh().await.unwrap();
    assert_ne!(refreshed.access_token(), signed.token.access_token());
    // The same client with a secret it does not have is refused by the server.
    let wrong = app_with_secret(&op.url);
    let req = wrong.authorize_url(&AuthorizeOptions::new(REDIRECT).scope("openid")).await.unwrap();
    let callback = browse_to_callback(&req.url).await;
    assert_eq!(wrong.complete_authorization(&req, &callback).await.unwrap_err().kind(), ErrorKind::InvalidClient);
}

fn app_with_secret(issuer: &str) -> Client {
    app(Provider::oidc(issuer).unwrap(), Credentials::new("interop-public", "a-secret-it-does-not-have"))
}
