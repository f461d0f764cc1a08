//! Options from the `AGENTICSTAR_*` variables build a working client; explicit options win. One
//! test in its own binary, since the environment is process-wide.
mod common;

use agenticstar::chat::ChatRequest;
use agenticstar::{ClientOptions, ErrorKind, Secret, env};
use common::{Emu, c};

fn set(k: &str, v: Option<&str>) {
    // SAFETY: this binary has one test, and it sets the environment before any client reads it.
    unsafe {
        match v {
            Some(v) => std::env::set_var(k, v),
            None => std::env::remove_var(k),
        }
    }
}

#[tokio::test]
async fn environment_configures_a_client_and_explicit_options_win() {
    let e = Emu::start().await;
    for k in env::VARS {
        set(k, None);
    }
    set(env::AUTH_URL, Some(&e.url));
    set(env::API_URL, Some(&e.url));
    set(env::CLIENT_ID, Some(c::SAAS_CC_CLIENT_ID));
    set(env::CLIENT_SECRET, Some(c::SAAS_CC_CLIENT_SECRET));
    set(env::SCOPE, Some("chat:all"));

    let client = ClientOptions::from_env().unwrap().build().unwrap();
    let t = client.get_token().await.unwrap();
    assert_eq!(t.scopes().unwrap().to_string(), "chat:all", "the scope came from AGENTICSTAR_SCOPE");
    let reply = client.chat(ChatRequest::user("hi")).await.unwrap();
    assert!(reply.text().contains("You said: hi"), "{}", reply.text());

    // An explicit secret wins: the wrong one fails where the variable's would have worked.
    let o = ClientOptions { client_secret: Some(Secret::from("wrong")), ..Default::default() };
    let err = o.with_env().unwrap().build().unwrap().get_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidClient, "{err}");
    // An explicit scope wins too.
    let o = ClientOptions { scope: Some("openid".into()), ..Default::default() };
    let t = o.with_env().unwrap().build().unwrap().get_token().await.unwrap();
    assert_eq!(t.scopes().unwrap().to_string(), "openid");

    // Nothing set: the core says which variable would have given the provider.
    set(env::AUTH_URL, None);
    set(env::PROVIDER, Some("oidc"));
    let err = ClientOptions::from_env().unwrap_err();
    assert!(err.message().contains("AGENTICSTAR_AUTH_URL"), "{err}");
}
