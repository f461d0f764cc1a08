//! Proxies from the environment, over real connections: loopback is never proxied (the client
//! secret would cross to the proxy in clear), and `NO_PROXY=*` covers IP hosts. One test in its
//! own binary, since the environment is process-wide.
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use agenticstar::{Client, Credentials, HttpConfig, Provider, RetryPolicy};
use common::Emu;
use tokio::io::AsyncWriteExt;

/// A "proxy" that counts connections and answers each with 502.
async fn fake_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
            let _ = s.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
        }
    });
    (url, hits)
}

fn set(k: &str, v: Option<&str>) {
    // SAFETY: this binary has one test, and it sets the environment before any client reads it.
    unsafe {
        match v {
            Some(v) => std::env::set_var(k, v),
            None => std::env::remove_var(k),
        }
    }
}

/// A client for an unroutable private address: it can only fail, through the proxy or not.
fn remote() -> Client {
    Client::builder()
        .provider(Provider::oauth("https://10.255.255.1:9/token", None).unwrap())
        .credentials(Credentials::new("id", "secret"))
        .http_config(HttpConfig { connect_timeout: Duration::from_millis(300), ..Default::default() })
        .retry_policy(RetryPolicy { max_retries: 0, ..Default::default() })
        .build()
        .unwrap()
}

#[tokio::test]
async fn loopback_is_never_proxied_and_no_proxy_star_covers_ip_hosts() {
    let (proxy, hits) = fake_proxy().await;
    for k in ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        set(k, Some(&proxy));
    }
    for k in ["NO_PROXY", "no_proxy", "REQUEST_METHOD"] {
        set(k, None);
    }
    let e = Emu::start().await;

    // Plain-http loopback, by IP and by name: straight to the server, never to the proxy.
    e.saas_cc().get_token().await.expect("127.0.0.1 is not proxied");
    let by_name = e.url.replace("127.0.0.1", "localhost");
    e.builder(Provider::agenticstar(&by_name).unwrap(), common::c::SAAS_CC_CLIENT_ID, common::c::SAAS_CC_CLIENT_SECRET)
        .build()
        .unwrap()
        .get_token()
        .await
        .expect("localhost is not proxied");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no loopback request reached the proxy");

    // Elsewhere the environment's proxy is used...
    assert!(remote().get_token().await.is_err());
    assert_eq!(hits.load(Ordering::SeqCst), 1, "a remote host goes through the proxy");

    // ...unless NO_PROXY names it; `*` names every host, IP addresses included.
    for no in ["*", "10.0.0.0/8", "10.255.255.1"] {
        set("NO_PROXY", Some(no));
        assert!(remote().get_token().await.is_err());
        assert_eq!(hits.load(Ordering::SeqCst), 1, "NO_PROXY={no} bypasses the proxy");
    }
}
