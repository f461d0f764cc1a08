//! The A2A client against the emulator's agent: card selection rules, input-required, cancel,
//! paging, version header, surface methods.
use crate::common;

use agenticstar::a2a::{
    A2aClient, A2aOptions, AgentCard, ListTasksParams, Message, SendMessageResponse, StreamEvent, TaskState,
};
use agenticstar::{ErrorKind, surface};
use common::{Emu, c};
use serde_json::{Value, json};

fn agent_client(emu: &Emu) -> agenticstar::Client {
    emu.builder(emu.saas(), c::SAAS_AGENT_CLIENT_ID, c::SAAS_AGENT_CLIENT_SECRET).build().unwrap()
}

async fn events(mut s: agenticstar::a2a::A2aStream) -> Vec<StreamEvent> {
    let mut out = Vec::new();
    while let Some(e) = s.next().await {
        out.push(e.unwrap());
    }
    out
}

#[tokio::test]
async fn echo_input_required_and_cancel_on_the_emulator() {
    let emu = Emu::start().await;
    let agent = A2aClient::from_card(&agent_client(&emu), &emu.url, A2aOptions::default()).await.unwrap();
    assert_eq!(agent.requirement().unwrap().scopes, ["a2a:all"]);

    let evs = events(agent.send_streaming_message(Message::user("one two three"), None)).await;
    assert_eq!(evs.last().and_then(StreamEvent::state), Some(TaskState::Completed));
    assert_eq!(evs.iter().filter(|e| matches!(e, StreamEvent::ArtifactUpdate(_))).count(), 3);

    // A question mark makes the agent ask for input; the stream closes at INPUT_REQUIRED.
    let evs = events(agent.send_streaming_message(Message::user("what now?"), None)).await;
    let StreamEvent::StatusUpdate(ask) = evs.last().unwrap() else { panic!("{evs:?}") };
    assert_eq!(ask.status.state, TaskState::InputRequired);
    assert!(ask.status.message.as_ref().unwrap().text().contains("What should I echo"));
    let mut reply = Message::user("echo this");
    reply.task_id = Some(ask.task_id.clone());
    let evs = events(agent.send_streaming_message(reply, None)).await;
    assert_eq!(evs.last().and_then(StreamEvent::state), Some(TaskState::Completed));
    let t = agent.get_task(&ask.task_id, Some(1)).await.unwrap();
    assert_eq!(t.artifact("echo").unwrap().text(), "echo this");
    assert_eq!(t.history.len(), 1, "historyLength honoured");

    // Cancel mid-stream, then again.
    emu.config(json!({"a2a_word_delay_ms": 50})).await;
    let words: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
    let mut s = agent.send_streaming_message(Message::user(words.join(" ")), None);
    let StreamEvent::Task(t) = s.next().await.unwrap().unwrap() else { panic!() };
    s.next().await.unwrap().unwrap();
    assert_eq!(agent.cancel_task(&t.id).await.unwrap().status.state, TaskState::Canceled);
    let rest = events(s).await;
    assert_eq!(rest.last().and_then(StreamEvent::state), Some(TaskState::Canceled));
    assert_eq!(agent.cancel_task(&t.id).await.unwrap_err().kind(), ErrorKind::TaskNotCancelable);
    let e = agent.subscribe_to_task(&t.id).next().await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnsupportedOperation);

    // Non-streaming, then paging.
    emu.config(json!({"a2a_word_delay_ms": 0})).await;
    assert!(matches!(agent.send_message(Message::user("x"), None).await.unwrap(), SendMessageResponse::Task(_)));
    let all = agent.list_tasks(&ListTasksParams { page_size: Some(2), ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), 4, "the input-required turn continued its task");
    let done = ListTasksParams { status: Some(TaskState::Canceled), ..Default::default() };
    assert_eq!(agent.list_tasks(&done).await.unwrap().len(), 1);
    let rpcs = emu.requests("a2a.rpc").await;
    assert!(rpcs.iter().all(|r| r["auth_method"] == "bearer"));
}

#[tokio::test]
async fn dropping_a_stream_closes_its_connection() {
    let emu = Emu::start().await;
    emu.config(json!({"a2a_word_delay_ms": 100})).await;
    let agent = A2aClient::from_card(&agent_client(&emu), &emu.url, A2aOptions::default()).await.unwrap();
    let mut s = agent.send_streaming_message(Message::user("a b c d e f g h i j"), None);
    s.next().await.unwrap().unwrap();
    drop(s);
    assert_eq!(emu.wait_count("a2a.disconnects", 1).await, 1);
}

#[tokio::test]
async fn cards_we_cannot_use_fail_clearly() {
    let emu = Emu::start().await;
    let client = agent_client(&emu);
    let url = url::Url::parse(&format!("{}/.well-known/agent-card.json", emu.url)).unwrap();
    let card = |v: Value| -> AgentCard { serde_json::from_value(v).unwrap() };
    let iface =
        |binding: &str, version: &str| json!({"url": "/a2a", "protocolBinding": binding, "protocolVersion": version});

    let grpc_only =
        card(json!({"name": "g", "supportedInterfaces": [iface("GRPC", "1.0"), iface("HTTP+JSON", "1.0")]}));
    let e = A2aClient::with_card(&client, url.clone(), grpc_only, A2aOptions::default()).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::UnsupportedAgent);
    assert!(e.message().contains("GRPC 1.0, HTTP+JSON 1.0"), "{}", e.message());

    let old = card(json!({"name": "o", "supportedInterfaces": [iface("JSONRPC", "0.3")]}));
    assert_eq!(
        A2aClient::with_card(&client, url.clone(), old, A2aOptions::default()).err().unwrap().kind(),
        ErrorKind::UnsupportedAgent
    );

    // The first JSON-RPC interface wins, relative URLs resolve against the card, tenant kept.
    let mixed = card(json!({"name": "m", "supportedInterfaces": [
        iface("GRPC", "1.0"),
        {"url": "/a2a", "protocolBinding": "JSONRPC", "protocolVersion": "1.0", "tenant": "acme"},
        {"url": "https://elsewhere.example/a2a", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"},
    ]}));
    let a = A2aClient::with_card(&client, url.clone(), mixed, A2aOptions::default()).unwrap();
    assert_eq!(a.interface().url, format!("{}/a2a", emu.url));
    assert_eq!(a.interface().tenant, "acme");
    assert!(a.requirement().is_none());

    let key_only = card(json!({"name": "k", "supportedInterfaces": [iface("JSONRPC", "1.0")],
        "securitySchemes": {"key": {"apiKeySecurityScheme": {"location": "header", "name": "X-Key"}}, "mtls": {"mtlsSecurityScheme": {}}},
        "securityRequirements": [{"schemes": {"key": {"list": []}}}, {"schemes": {"mtls": {"list": []}}}]}));
    let e = A2aClient::with_card(&client, url.clone(), key_only, A2aOptions::default()).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::UnsupportedAgent);
    assert!(e.message().contains("key (apiKey), mtls (mtls)"), "{}", e.message());

    let oauth_or_key = card(json!({"name": "o", "supportedInterfaces": [iface("JSONRPC", "")],
        "securitySchemes": {"key": {"apiKeySecurityScheme": {}}, "oauth": {"oauth2SecurityScheme": {"flows": {}}}},
        "securityRequirements": [{"schemes": {"key": {"list": []}}}, {"schemes": {"oauth": {"list": ["a2a:all", "extra"]}}}]}));
    let a = A2aClient::with_card(&client, url, oauth_or_key, A2aOptions::default()).unwrap();
    assert_eq!(a.requirement().unwrap().scopes, ["a2a:all", "extra"]);
    let e = a.check_token().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InsufficientScope);
    assert_eq!(e.details().unwrap()["missingScopes"], json!(["extra"]));

    let e = A2aClient::from_card(&client, "http://127.0.0.1:1/", A2aOptions::default()).await.err().unwrap();
    assert_eq!(e.kind(), ErrorKind::Network);
    let e = A2aClient::from_card(&client, &format!("{}/nowhere/card.json", emu.url), A2aOptions::default())
        .await
        .err()
        .unwrap();
    assert_eq!(e.status(), Some(404));
}

#[tokio::test]
async fn surface_methods_and_version_header() {
    let emu = Emu::start().await;
    let client = agent_client(&emu);
    assert!(surface::SERVICE_KINDS.contains(&"a2a"));
    let svc = surface::open_service(&client, "a2a", json!({"url": emu.url})).await.unwrap();
    let names: Vec<&str> = svc.methods().iter().map(|m| m.name).collect();
    assert!(names.contains(&"send_streaming_message") && names.contains(&"assemble"));
    let card = svc.call("card", json!({})).await.unwrap();
    assert_eq!(card["requirement"]["scopes"], json!(["a2a:all"]));

    let mut s = svc.open("send_streaming_message", json!({"text": "a b"}));
    let mut evs = Vec::new();
    while let Some(e) = s.next().await {
        evs.push(e.unwrap());
    }
    let assembled = svc.call("assemble", json!({"events": evs})).await.unwrap();
    assert_eq!(assembled["task"]["status"]["state"], "TASK_STATE_COMPLETED");
    assert_eq!(assembled["artifacts"][0]["parts"], json!([{"text": "a"}, {"text": " b"}]));
    assert_eq!(assembled["complete"], json!(["echo"]));

    let e = svc.call("get_task", json!({"nope": 1})).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    let raw = svc.call("rpc", json!({"jsonrpcMethod": "NoSuchMethod"})).await.unwrap_err();
    assert_eq!((raw.kind(), raw.code()), (ErrorKind::JsonRpc, Some("-32601")));
    let bad = svc.call("send_message", json!({"text": "x", "message": {"parts": []}})).await.unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Config);
    let err_stream = svc.open("subscribe_to_task", json!({"id": "missing"})).next().await.unwrap().unwrap_err();
    assert_eq!(err_stream.kind(), ErrorKind::TaskNotFound);

    // Every request carried A2A-Version: 1.0 (a server treats its absence as 0.3: -32009).
    let v = reqwest::Client::new()
        .post(format!("{}/a2a", emu.url))
        .bearer_auth(client.get_token().await.unwrap().access_token().expose())
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": "x"}}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(v["error"]["code"], -32009);
}
