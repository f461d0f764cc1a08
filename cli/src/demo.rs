//! `agenticstar demo`: the whole path against the bundled emulator, narrated.
use std::io::Write;
use std::time::Duration;

use agenticstar::authcode::AuthorizeOptions;
use agenticstar::chat::ChatRequest;
use agenticstar::{AuthFlow, Client, Credentials, Error, ErrorKind, Provider, Result};
use agenticstar_emulator::{Emulator, EmulatorConfig, clients as c};

fn step(s: &str) {
    println!("\n== {s}");
}

async fn admin(emu: &Emulator, path: &str, body: serde_json::Value) -> Result<()> {
    reqwest::Client::new()
        .post(format!("{}{path}", emu.url()))
        .json(&body)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map(|_| ())
        .map_err(|e| Error::new(ErrorKind::Network, format!("emulator admin: {e}")))
}

pub async fn run() -> Result<()> {
    let emu =
        Emulator::start(EmulatorConfig::default()).await.map_err(|e| Error::new(ErrorKind::Network, e.to_string()))?;
    let url = emu.url().to_owned();
    println!("emulator listening on {url}");

    step("1. Client credentials (AGENTIC STAR SaaS)");
    let client = Client::builder()
        .provider(Provider::agenticstar(&url)?)
        .credentials(Credentials::new(c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET))
        .api_url(&url)?
        .build()?;
    let t = client.get_token().await?;
    println!(
        "token: {:?} scopes=[{}] expires in {:?}",
        t.access_token(),
        t.scopes().map(|s| s.to_string()).unwrap_or_default(),
        t.expires_in().unwrap_or_default()
    );
    let again = client.get_token().await?;
    println!(
        "second get_token() served from cache: {} (token requests so far: {})",
        again.access_token() == t.access_token(),
        emu.counter("saas.token")
    );

    step("2. Streamed reply");
    admin(&emu, "/admin/config", serde_json::json!({"chunk_delay_ms": 40})).await?;
    let mut stream = client.chat_stream(ChatRequest::user("こんにちは、エージェント！"));
    print!("agent: ");
    while let Some(chunk) = stream.next().await {
        print!("{}", chunk?.text());
        let _ = std::io::stdout().flush();
    }
    println!("\nfinish_reason={:?}, {} characters", stream.finish_reason(), stream.text().chars().count());

    step("3. Refresh ahead of expiry (tokens of 4 s: renewed once under half their life is left)");
    admin(&emu, "/admin/config", serde_json::json!({"token_lifetime_secs": 4, "chunk_delay_ms": 0})).await?;
    let short = Client::builder()
        .provider(Provider::agenticstar(&url)?)
        .credentials(Credentials::new(c::SAAS_CC_CLIENT_ID, c::SAAS_CC_CLIENT_SECRET))
        .api_url(&url)?
        .build()?;
    let first = short.get_token().await?;
    println!("got a token living {:?}", first.lifetime().unwrap_or_default());
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let before = emu.counter("saas.token");
    let renewed = short.get_token().await?;
    println!(
        "after 2.2 s: renewed={} (token requests +{})",
        renewed.access_token() != first.access_token(),
        emu.counter("saas.token") - before
    );
    let reply = short.chat_stream(ChatRequest::user("still there?")).collect().await?;
    println!("chat with the renewed token: {:?}", reply.text());

    step("4. Sign-in with Authorization Code + PKCE, id_token validated, refresh with rotation");
    admin(&emu, "/admin/config", serde_json::json!({"token_lifetime_secs": 3600})).await?;
    let app = Client::builder()
        .provider(Provider::agenticstar(&url)?)
        .credentials(Credentials::new(c::SAAS_APP_CLIENT_ID, c::SAAS_APP_CLIENT_SECRET))
        .api_url(&url)?
        .flow(AuthFlow::AuthorizationCode)
        .build()?;
    let req = app
        .authorize_url(
            &AuthorizeOptions::new("http://127.0.0.1:8765/callback").scope("openid chat:exec mcp:all").ui_locales("en"),
        )
        .await?;
    println!("authorize URL: {}…", &req.url[..req.url.find('?').unwrap_or(req.url.len())]);
    // The emulator approves its test user at once; a browser would follow this redirect.
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Error::new(ErrorKind::Config, e.to_string()))?
        .get(&req.url)
        .send()
        .await
        .map_err(|e| Error::new(ErrorKind::Network, e.to_string()))?;
    let callback = resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let signed = app.complete_authorization(&req, &callback).await?;
    let claims = signed.id_claims.as_ref();
    println!(
        "signed in as {} <{}>; refresh token kept: {}",
        claims.and_then(|c| c.name.clone()).unwrap_or_default(),
        claims.and_then(|c| c.email.clone()).unwrap_or_default(),
        signed.token.refresh_token().is_some()
    );
    let rotated = app.tokens().force_refresh().await?;
    println!(
        "refreshed: new access token={}, refresh token rotated={}",
        rotated.access_token() != signed.token.access_token(),
        rotated.refresh_token() != signed.token.refresh_token()
    );

    step("5. The other token dialects");
    let others = [
        ("Marketplace", Provider::marketplace(&url)?, c::MARKETPLACE_CLIENT_ID, c::MARKETPLACE_CLIENT_SECRET),
        (
            "Eggplant DAI (Keycloak)",
            Provider::keycloak(&url, c::KEYCLOAK_REALM)?,
            c::KEYCLOAK_CLIENT_ID,
            c::KEYCLOAK_CLIENT_SECRET,
        ),
        ("Wrapped token API", Provider::wrapped(&format!("{url}/v1"))?, c::WRAPPED_CLIENT_ID, c::WRAPPED_CLIENT_SECRET),
        (
            "OIDC discovery",
            Provider::oidc(&format!("{url}/federation/auth/v1"))?,
            c::SAAS_CC_CLIENT_ID,
            c::SAAS_CC_CLIENT_SECRET,
        ),
    ];
    for (name, p, id, secret) in others {
        let cl = Client::builder().provider(p).credentials(Credentials::new(id, secret)).build()?;
        let t = cl.get_token().await?;
        println!(
            "{name:<24} expires in {:>5} s, scope [{}]",
            t.expires_in().unwrap_or_default().as_secs(),
            t.scopes().map(|s| s.to_string()).unwrap_or_default()
        );
    }

    step("6. Typed errors");
    let bad = Client::builder()
        .provider(Provider::wrapped(&format!("{url}/v1"))?)
        .credentials(Credentials::new(c::WRAPPED_CLIENT_ID, "wrong-secret"))
        .build()?;
    let e = bad.get_token().await.expect_err("wrong secret must fail");
    println!("wrong secret -> kind={} code={:?} code_reason={:?}: {e}", e.kind(), e.code(), e.code_reason());
    admin(&emu, "/admin/config", serde_json::json!({"licenses_exhausted": true})).await?;
    let kc = Client::builder()
        .provider(Provider::keycloak(&url, c::KEYCLOAK_REALM)?)
        .credentials(Credentials::new(c::KEYCLOAK_CLIENT_ID, c::KEYCLOAK_CLIENT_SECRET))
        .build()?;
    let e = kc.get_token().await.expect_err("licences exhausted must fail");
    println!("no licences  -> kind={}: {e}", e.kind());
    admin(&emu, "/admin/config", serde_json::json!({"licenses_exhausted": false})).await?;

    a2a(&url).await?;
    mcp(&url).await?;
    println!("\ndemo finished");
    emu.shutdown();
    Ok(())
}

/// The second connection method: MCP, with both protocol eras of the same server.
async fn mcp(url: &str) -> Result<()> {
    use agenticstar::mcp::{Era, McpClient, McpOptions, Outcome};
    step("8. MCP (Model Context Protocol): tools with progress, resources, input_required, both eras");
    let client = Client::builder()
        .provider(Provider::agenticstar(url)?)
        .credentials(Credentials::new(c::SAAS_AGENT_CLIENT_ID, c::SAAS_AGENT_CLIENT_SECRET))
        .build()?;
    let endpoint = format!("{url}/mcp");
    let mcp = McpClient::connect(&client, McpOptions::new(&endpoint)).await?;
    let info = mcp.server();
    println!(
        "connected: MCP {} ({:?} era, no initialize); token for resource {endpoint}",
        info.protocol_version, info.era
    );
    let names: Vec<String> = mcp.list_tools().await?.into_iter().map(|t| t.name).collect();
    println!("tools: {}", names.join(", "));
    let mut on_progress =
        |p: agenticstar::mcp::Progress| println!("  progress {}/{}", p.progress, p.total.unwrap_or(0.0));
    let r = mcp.call_tool("progress", serde_json::json!({"steps": 3}), Some(&mut on_progress)).await?.complete()?;
    println!("progress -> {:?}", r.text());
    let r = mcp.call_tool("add", serde_json::json!({"a": 2, "b": 3}), None).await?.complete()?;
    println!("add(2, 3) -> structured {}", r.structured_content.unwrap_or_default());
    if let Outcome::InputRequired(ir) = mcp.call_tool("confirm", serde_json::json!({}), None).await? {
        println!("confirm -> input_required ({:?}); answering accept", ir.input_requests.keys().collect::<Vec<_>>());
        let mut answers = serde_json::Map::new();
        answers.insert("confirm".into(), serde_json::json!({"action": "accept"}));
        if let Outcome::Complete(v) = mcp.answer(&ir, answers, None).await? {
            println!("  -> {}", v["content"][0]["text"]);
        }
    }
    let legacy =
        McpClient::connect(&client, McpOptions { era: Some(Era::Legacy), ..McpOptions::new(&endpoint) }).await?;
    println!(
        "legacy era: MCP {}, session {}",
        legacy.server().protocol_version,
        legacy.session_id().unwrap_or_default()
    );
    let r = legacy.call_tool("resumable", serde_json::json!({}), None).await?.complete()?;
    println!("resumable -> stream cut after its priming event, resumed with Last-Event-ID: {:?}", r.text());
    legacy.close().await?;
    println!("closed (DELETE)");
    Ok(())
}

/// The third connection method: an A2A agent, followed as it streams its task.
async fn a2a(url: &str) -> Result<()> {
    use agenticstar::a2a::{A2aClient, A2aOptions, Message, StreamEvent, TaskAssembler};
    step("7. A2A (Agent2Agent v1.0): agent card, a streamed task, cancellation");
    let client = Client::builder()
        .provider(Provider::agenticstar(url)?)
        .credentials(Credentials::new(c::SAAS_AGENT_CLIENT_ID, c::SAAS_AGENT_CLIENT_SECRET))
        .build()?;
    let agent = A2aClient::from_card(&client, url, A2aOptions::default()).await?;
    let need = agent.requirement().map(|r| r.scopes.join(" ")).unwrap_or_default();
    println!("card: {:?} at {} (needs {need})", agent.card().name, agent.interface().url);
    let mut stream = agent.send_streaming_message(Message::user("hello from another agent"), None);
    let mut task = TaskAssembler::new();
    while let Some(ev) = stream.next().await {
        let ev = ev?;
        task.apply(&ev)?;
        match &ev {
            StreamEvent::ArtifactUpdate(a) => {
                println!("  artifact chunk {:?} (append={})", a.artifact.text(), a.append)
            }
            other => println!("  {}", other.state().map(|s| s.as_str()).unwrap_or("message")),
        }
    }
    println!("assembled artifact: {:?}", task.artifact("echo").map(|a| a.text()).unwrap_or_default());
    let long = (1..=40).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
    let mut stream = agent.send_streaming_message(Message::user(long), None);
    let mut id = String::new();
    while let Some(ev) = stream.next().await {
        match ev? {
            StreamEvent::Task(t) => id = t.id,
            StreamEvent::ArtifactUpdate(a) if a.artifact.text() == " w5" => {
                let t = agent.cancel_task(&id).await?;
                println!("cancelled after 5 words: {}", t.status.state.as_str());
            }
            StreamEvent::StatusUpdate(u) if u.status.state.is_terminal() => {
                println!("the stream ended with {}", u.status.state.as_str())
            }
            _ => {}
        }
    }
    let e = agent.cancel_task(&id).await.expect_err("a finished task cannot be cancelled");
    println!("cancel again -> kind={} code={:?}", e.kind(), e.code());
    Ok(())
}
