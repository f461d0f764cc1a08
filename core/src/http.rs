//! Transport settings shared by token and API requests: timeouts, proxies, private CAs, retries.
use std::time::Duration;

use rand::Rng;
use url::Url;

use crate::error::{Error, ErrorKind, Result};

/// How the SDK talks HTTP. Defaults suit servers and mobile apps alike.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Time to establish a TCP + TLS connection.
    pub connect_timeout: Duration,
    /// Whole-request limit for token and non-streaming requests.
    pub request_timeout: Duration,
    /// Longest silence allowed between two pieces of a chat stream (keep-alives count).
    pub stream_idle_timeout: Duration,
    /// Optional limit on a whole chat stream, however steadily it trickles (none by default:
    /// agent replies can legitimately run long).
    pub stream_timeout: Option<Duration>,
    /// `User-Agent` header of every request (default `agenticstar-rust/<version>`).
    pub user_agent: String,
    /// Explicit proxy URL (`http://` or `https://`); otherwise HTTP(S)_PROXY / NO_PROXY apply.
    pub proxy: Option<String>,
    /// Extra root certificates (PEM, one or many) trusted besides the platform's.
    pub extra_root_certs_pem: Vec<Vec<u8>>,
    /// Allow plain http to non-loopback hosts. Only for closed test networks.
    pub allow_insecure_http: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            stream_idle_timeout: Duration::from_secs(120),
            stream_timeout: None,
            user_agent: format!("agenticstar-rust/{}", env!("CARGO_PKG_VERSION")),
            proxy: None,
            extra_root_certs_pem: Vec::new(),
            allow_insecure_http: false,
        }
    }
}

/// Makes ring rustls' process-wide crypto provider unless one is installed already. The SDK calls
/// it before building an HTTP client; call it yourself before building your own reqwest or rustls
/// clients in the same process (reqwest is built without a provider of its own).
pub fn install_crypto_provider() {
    // Err means another provider is installed: it is used, as the application chose.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl HttpConfig {
    pub(crate) fn build(&self) -> Result<reqwest::Client> {
        install_crypto_provider();
        let explicit = match &self.proxy {
            Some(p) => Some(parse_proxy(p).ok_or_else(|| Error::config("proxy: not a valid proxy URL"))?),
            None => None,
        };
        let proxies = ProxyEnv::from_env(explicit);
        let mut b = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .user_agent(&self.user_agent)
            // Token endpoints must not be followed to another host with our credentials.
            .redirect(reqwest::redirect::Policy::none())
            // Our own proxy choice replaces reqwest's reading of the environment (see ProxyEnv).
            .no_proxy()
            .proxy(reqwest::Proxy::custom(move |url| proxies.proxy_for(url)));
        for pem in &self.extra_root_certs_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| Error::config(format!("extra root certificate: {e}")))?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        b.build().map_err(|e| Error::config(format!("HTTP client: {e}")))
    }

    /// Refuse plain http off loopback: tokens and secrets would cross the network in clear.
    pub(crate) fn check_url(&self, url: &Url, what: &str) -> Result<()> {
        match url.scheme() {
            "https" => Ok(()),
            "http" if self.allow_insecure_http || is_loopback(url) => Ok(()),
            "http" => Err(Error::new(
                ErrorKind::InsecureTransport,
                format!(
                    "{what} must use https (http is allowed only on loopback hosts): {}",
                    url.host_str().unwrap_or("")
                ),
            )),
            s => Err(Error::config(format!("{what}: unsupported URL scheme {s:?}"))),
        }
    }
}

/// Which proxy a request takes. Loopback hosts never go through one, whatever the environment
/// says: a plain-http request to 127.0.0.1 carries the client secret in clear. Otherwise the
/// explicit proxy, else `HTTPS_PROXY`/`HTTP_PROXY` by scheme, else `ALL_PROXY`, unless `NO_PROXY`
/// names the host (`*` for every host; `localhost` also covers 127.0.0.0/8 and ::1; entries may
/// be domains, `.suffix`, IP addresses or CIDR blocks).
#[derive(Clone, Debug, Default)]
pub(crate) struct ProxyEnv {
    explicit: Option<Url>,
    http: Option<Url>,
    https: Option<Url>,
    all: Option<Url>,
    no_proxy: Vec<String>,
}

fn parse_proxy(s: &str) -> Option<Url> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let u = if s.contains("://") { Url::parse(s) } else { Url::parse(&format!("http://{s}")) };
    u.ok().filter(|u| u.host().is_some())
}

impl ProxyEnv {
    fn from_env(explicit: Option<Url>) -> Self {
        let var = |names: &[&str]| names.iter().find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()));
        // As curl and reqwest: under CGI, HTTP_PROXY may come from a request header (httpoxy).
        let cgi = std::env::var_os("REQUEST_METHOD").is_some();
        ProxyEnv {
            explicit,
            http: if cgi { None } else { var(&["http_proxy", "HTTP_PROXY"]).and_then(|v| parse_proxy(&v)) },
            https: var(&["https_proxy", "HTTPS_PROXY"]).and_then(|v| parse_proxy(&v)),
            all: var(&["all_proxy", "ALL_PROXY"]).and_then(|v| parse_proxy(&v)),
            no_proxy: var(&["no_proxy", "NO_PROXY"])
                .map(|v| v.split(',').map(|e| e.trim().to_ascii_lowercase()).filter(|e| !e.is_empty()).collect())
                .unwrap_or_default(),
        }
    }

    pub(crate) fn proxy_for(&self, url: &Url) -> Option<Url> {
        if is_loopback(url) {
            return None;
        }
        if let Some(p) = &self.explicit {
            return Some(p.clone());
        }
        let chosen = match url.scheme() {
            "https" => self.https.as_ref(),
            _ => self.http.as_ref(),
        }
        .or(self.all.as_ref())?;
        if self.no_proxy.iter().any(|e| no_proxy_matches(e, url)) {
            return None;
        }
        Some(chosen.clone())
    }
}

fn no_proxy_matches(entry: &str, url: &Url) -> bool {
    if entry == "*" {
        return true;
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
        _ => None,
    };
    if let Some(ip) = ip {
        let entry = entry.trim_start_matches('[').split(']').next().unwrap_or(entry);
        if let Some((net, bits)) = entry.split_once('/') {
            let (Ok(net), Ok(bits)) = (net.parse::<std::net::IpAddr>(), bits.parse::<u32>()) else { return false };
            return in_cidr(ip, net, bits);
        }
        let bare = if entry.matches(':').count() == 1 { entry.split(':').next().unwrap_or(entry) } else { entry };
        return bare.parse::<std::net::IpAddr>().is_ok_and(|e| e == ip);
    }
    let Some(host) = url.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase()) else { return false };
    let entry = entry.split(':').next().unwrap_or(entry).trim_start_matches("*.").trim_start_matches('.');
    host == entry || host.ends_with(&format!(".{entry}"))
}

fn in_cidr(ip: std::net::IpAddr, net: std::net::IpAddr, bits: u32) -> bool {
    use std::net::IpAddr::{V4, V6};
    match (ip, net) {
        (V4(a), V4(n)) if bits <= 32 => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (V6(a), V6(n)) if bits <= 128 => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A URL as logs and errors show it: scheme, host, port and path; never userinfo or the query
/// (which may carry a code or a key).
pub(crate) fn display_url(url: &Url) -> String {
    let host = match url.host() {
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        Some(h) => h.to_string(),
        None => String::new(),
    };
    match url.port() {
        Some(p) => format!("{}://{host}:{p}{}", url.scheme(), url.path()),
        None => format!("{}://{host}{}", url.scheme(), url.path()),
    }
}

/// Redirects are never followed (credentials must not travel to another URL); a 3xx answer is
/// reported as such, naming where it pointed.
pub(crate) fn check_redirect(resp: &reqwest::Response, method: &str, url: &Url) -> Result<()> {
    let status = resp.status().as_u16();
    if !(300..400).contains(&status) {
        return Ok(());
    }
    let location =
        resp.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).map(|l| match url.join(l) {
            Ok(u) => display_url(&u),
            Err(_) => crate::redact::excerpt(l.split('?').next().unwrap_or("").as_bytes()),
        });
    let to = location.map_or_else(|| "without a Location".to_owned(), |l| format!("to {l}"));
    Err(Error::new(
        ErrorKind::Redirect,
        format!("{method} {} answered {status}, a redirect {to}; redirects are not followed", display_url(url)),
    )
    .with_status(status))
}

/// Read a body up to `limit` bytes within `within`: a longer body is an unexpected response, a
/// slower one a timeout; neither becomes an allocation or a hang.
pub(crate) async fn read_body(resp: reqwest::Response, limit: usize, within: Duration) -> Result<Vec<u8>> {
    let status = resp.status().as_u16();
    tokio::time::timeout(within, read_limited(resp, limit)).await.unwrap_or_else(|_| {
        Err(Error::new(ErrorKind::Timeout, format!("the response body did not arrive within {within:?}"))
            .with_status(status))
    })
}

pub(crate) async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Result<Vec<u8>> {
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| Error::from_reqwest(&e, "reading response"))? {
        if body.len() + chunk.len() > limit {
            return Err(Error::new(ErrorKind::UnexpectedResponse, format!("response body larger than {limit} bytes"))
                .with_status(status)
                .with_excerpt(&body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Bounded exponential back-off with equal jitter for token requests (5xx, 429, connection failures):
/// retry `n` waits a random time between half and all of `min(initial_backoff * 2^(n-1), max_backoff)`.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// Pause before the first retry; doubled for each further one, with jitter.
    pub initial_backoff: Duration,
    /// The longest pause between two attempts.
    pub max_backoff: Duration,
    /// A Retry-After longer than this is not waited out: the error is returned with it.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The pause before retry number `attempt` (1-based), or None to give up.
    pub(crate) fn delay(&self, attempt: u32, err: &Error) -> Option<Duration> {
        if attempt > self.max_retries || !err.kind().is_transient() {
            return None;
        }
        if let Some(ra) = err.retry_after() {
            return (ra <= self.max_retry_after).then_some(ra);
        }
        let cap = self.initial_backoff.saturating_mul(1u32 << (attempt - 1).min(16)).min(self.max_backoff);
        // Equal jitter: random enough that many clients do not retry in lock-step, yet never a
        // near-zero pause that would hammer a server that just failed.
        let ms = cap.as_millis() as u64;
        Some(Duration::from_millis(rand::rng().random_range(ms / 2..=ms.max(1))))
    }
}

/// Retry-After as seconds or an HTTP date.
pub(crate) fn parse_retry_after(h: Option<&reqwest::header::HeaderValue>) -> Option<Duration> {
    let v = h?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// Run `attempt` until it succeeds, fails for good, or the policy runs out.
pub(crate) async fn with_retries<T, F, Fut>(policy: &RetryPolicy, what: &str, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut n = 0;
    loop {
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                n += 1;
                match policy.delay(n, &e) {
                    Some(d) => {
                        tracing::warn!(target: "agenticstar", "{what} failed ({}: {}); retry {n} in {:?}", e.kind(), e.message(), d);
                        tokio::time::sleep(d).await;
                    }
                    None => return Err(e),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_enforced_off_loopback() {
        let c = HttpConfig::default();
        for ok in [
            "https://auth.example.com/x",
            "http://127.0.0.1:8080/",
            "http://localhost/x",
            "http://[::1]:9/",
            "http://127.9.9.9/",
        ] {
            c.check_url(&Url::parse(ok).unwrap(), "t").unwrap();
        }
        for bad in ["http://auth.example.com/x", "http://10.0.0.1/", "http://localhost.evil.com/"] {
            let e = c.check_url(&Url::parse(bad).unwrap(), "t").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InsecureTransport, "{bad}");
        }
    }

    #[test]
    fn proxy_choice() {
        let p = |s: &str| parse_proxy(s).unwrap();
        let env = |no: &str| ProxyEnv {
            http: Some(p("http://proxy:3128")),
            all: Some(p("socks5://all:1080")),
            no_proxy: no.split(',').map(str::to_owned).filter(|e| !e.is_empty()).collect(),
            ..Default::default()
        };
        let u = |s: &str| Url::parse(s).unwrap();
        for lo in
            ["http://127.0.0.1:9/", "http://127.8.0.1/", "http://[::1]:9/", "http://localhost/", "http://a.localhost/"]
        {
            assert_eq!(env("").proxy_for(&u(lo)), None, "{lo}");
            let explicit = ProxyEnv { explicit: Some(p("http://x:1")), ..env("") };
            assert_eq!(explicit.proxy_for(&u(lo)), None, "{lo}");
        }
        assert_eq!(env("").proxy_for(&u("http://example.com/")), Some(p("http://proxy:3128")));
        assert_eq!(env("").proxy_for(&u("https://example.com/")), Some(p("socks5://all:1080")));
        for (no, host) in [
            ("*", "http://10.1.2.3/"),
            ("*", "http://[2001:db8::1]/"),
            ("example.com", "http://api.example.com/"),
            (".example.com", "http://api.example.com/"),
            ("10.0.0.0/8", "http://10.1.2.3/"),
            ("10.1.2.3", "http://10.1.2.3:8080/"),
            ("other, 2001:db8::/32", "http://[2001:db8::1]/"),
        ] {
            let e = ProxyEnv { no_proxy: no.split(',').map(|e| e.trim().to_owned()).collect(), ..env("") };
            assert_eq!(e.proxy_for(&u(host)), None, "{no} {host}");
        }
        assert!(env("example.com").proxy_for(&u("http://notexample.com/")).is_some());
        assert!(env("10.0.0.0/8").proxy_for(&u("http://11.0.0.1/")).is_some());
    }

    #[test]
    fn backoff_is_bounded_and_honours_retry_after() {
        let p = RetryPolicy::default();
        let e = Error::new(ErrorKind::ServerError, "x");
        for a in 1..=3 {
            assert!(p.delay(a, &e).unwrap() <= p.max_backoff);
        }
        // Equal jitter: retry n waits between half and all of its step (200 ms, 400 ms, 800 ms).
        for _ in 0..200 {
            for (a, step) in [(1, 200), (2, 400), (3, 800)] {
                let d = p.delay(a, &e).unwrap().as_millis();
                assert!((step / 2..=step).contains(&d), "retry {a} waited {d} ms");
            }
        }
        assert!(p.delay(4, &e).is_none());
        assert!(p.delay(1, &Error::new(ErrorKind::InvalidClient, "x")).is_none());
        let ra = Error::new(ErrorKind::RateLimited, "x").with_retry_after(Some(Duration::from_secs(2)));
        assert_eq!(p.delay(1, &ra), Some(Duration::from_secs(2)));
        let long = Error::new(ErrorKind::RateLimited, "x").with_retry_after(Some(Duration::from_secs(999)));
        assert_eq!(p.delay(1, &long), None);
    }
}
