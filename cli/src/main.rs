//! `agenticstar`: tokens, sign-in, streamed chat, SSE decoding and the local emulator.
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use agenticstar::authcode::AuthorizeOptions;
use agenticstar::chat::{ChatRequest, Message};
use agenticstar::{AuthFlow, Client, ClientOptions, EnvOptions, FileStore, TokenStore};
use clap::{Args, Parser, Subcommand};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod demo;

#[derive(Parser)]
#[command(name = "agenticstar", version, about = "AGENTIC STAR tokens and streaming chat from the command line")]
struct Cli {
    /// Log what the SDK does (token renewals, retries) to stderr; secrets are never logged.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Get a valid access token and print its scopes and expiry.
    Token {
        #[command(flatten)]
        conn: Conn,
        /// Also print the access token itself.
        #[arg(long)]
        show_token: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Sign a user in with the Authorization Code flow (PKCE), or with `--device` the Device
    /// Authorization Grant (no browser on this machine), and store the session.
    Login {
        #[command(flatten)]
        conn: Conn,
        /// Port of the loopback redirect listener (0 = any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        #[arg(long)]
        scope: Option<String>,
        /// Login screen language (ja, en, fr, es, th, id, ar).
        #[arg(long)]
        ui_locales: Option<String>,
        /// Only print the URL; do not try to open a browser.
        #[arg(long)]
        no_browser: bool,
        /// Give up waiting for the browser after this many seconds.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Sign in on another device: print a code and a URL, and wait for the approval (RFC 8628).
        #[arg(long)]
        device: bool,
    },
    /// Sign out: revoke the session's tokens at the server when it offers revocation, and forget them.
    Logout {
        #[command(flatten)]
        conn: Conn,
    },
    /// Stream a reply from the agent, printing deltas as they arrive.
    Chat {
        #[command(flatten)]
        conn: Conn,
        /// The message to send.
        message: String,
        #[arg(long)]
        system: Option<String>,
        #[arg(long)]
        model: Option<String>,
        /// Print each chunk as a JSON line.
        #[arg(long)]
        json: bool,
    },
    /// Talk to an A2A agent: read its card, send a message (task updates stream as they come),
    /// get or cancel a task.
    A2a {
        #[command(subcommand)]
        action: A2aAction,
    },
    /// Talk to an MCP server: list tools, call one (progress as it comes), list and read
    /// resources, list and get prompts.
    Mcp {
        #[command(subcommand)]
        action: McpAction,
    },
    /// Decode raw SSE from stdin into JSON lines (one per event, then {"retry": N} if seen).
    SseDecode,
    /// Run the local emulator of every token dialect and the Chat API.
    Emulator {
        #[arg(long, default_value_t = 0)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// Exit when standard input closes (so a test harness that dies takes the emulator along).
        #[arg(long)]
        exit_on_stdin_close: bool,
    },
    /// Start the emulator in process and run the whole path: tokens, streamed reply, refresh, sign-in.
    Demo,
}

#[derive(clap::Args)]
struct McpTarget {
    #[command(flatten)]
    conn: Conn,
    /// The MCP endpoint, e.g. https://agent.example.com/mcp.
    url: String,
    /// Force the protocol era (current = 2026-07-28, legacy = 2025 handshake); detected otherwise.
    #[arg(long, value_parser = ["current", "legacy"])]
    era: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum McpAction {
    /// List the server's tools.
    Tools {
        #[command(flatten)]
        target: McpTarget,
    },
    /// Call a tool with JSON arguments; progress lines go to stderr.
    Call {
        #[command(flatten)]
        target: McpTarget,
        tool: String,
        /// Arguments as a JSON object.
        #[arg(default_value = "{}")]
        arguments: String,
    },
    /// List resources, or read one with --read URI.
    Resources {
        #[command(flatten)]
        target: McpTarget,
        #[arg(long)]
        read: Option<String>,
    },
    /// List prompts, or get one with --get NAME (arguments as key=value).
    Prompts {
        #[command(flatten)]
        target: McpTarget,
        #[arg(long)]
        get: Option<String>,
        #[arg(long = "arg")]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum A2aAction {
    /// Print the agent card and what it requires of the token.
    Card {
        #[command(flatten)]
        conn: Conn,
        /// The agent's base URL or its card URL.
        url: String,
    },
    /// Send a message and print the task's updates as they stream in (or the reply with --no-stream).
    Send {
        #[command(flatten)]
        conn: Conn,
        url: String,
        message: String,
        /// Continue this task (e.g. one waiting for input).
        #[arg(long)]
        task: Option<String>,
        /// One request/response instead of a stream.
        #[arg(long)]
        no_stream: bool,
        /// Print each event as a JSON line.
        #[arg(long)]
        json: bool,
    },
    /// Print a task.
    Get {
        #[command(flatten)]
        conn: Conn,
        url: String,
        task: String,
    },
    /// Cancel a task.
    Cancel {
        #[command(flatten)]
        conn: Conn,
        url: String,
        task: String,
    },
}

/// Where and who: flags, or the AGENTICSTAR_* environment variables the SDK constructors read too
/// (`agenticstar::env`; a flag wins over its variable).
#[derive(Args, Clone)]
struct Conn {
    /// agenticstar (SaaS, the default), marketplace, keycloak, wrapped, oidc or oauth [env: AGENTICSTAR_PROVIDER].
    #[arg(long)]
    provider: Option<String>,
    /// The token service: SaaS auth host, Marketplace domain, Keycloak base, wrapped API URL, OIDC issuer or token URL
    /// [env: AGENTICSTAR_AUTH_URL].
    #[arg(long)]
    auth_url: Option<String>,
    /// Keycloak realm [env: AGENTICSTAR_REALM].
    #[arg(long)]
    realm: Option<String>,
    /// Base URL of the agent API (chat) [env: AGENTICSTAR_API_URL].
    #[arg(long)]
    api_url: Option<String>,
    /// The application's id [env: AGENTICSTAR_CLIENT_ID].
    #[arg(long)]
    client_id: Option<String>,
    /// The client secret; leave it out for a public client (a native app using PKCE)
    /// [env: AGENTICSTAR_CLIENT_SECRET].
    #[arg(long)]
    client_secret: Option<String>,
    /// Send the secret with HTTP Basic instead of in the form.
    #[arg(long)]
    basic_auth: bool,
    /// client_secret_post, client_secret_basic or none (default: post with a secret, none without).
    #[arg(long)]
    auth_method: Option<String>,
    /// Scope to request with client credentials [env: AGENTICSTAR_SCOPE].
    #[arg(long)]
    client_scope: Option<String>,
    /// Token file (default: $AGENTICSTAR_TOKEN_FILE or ~/.config/agenticstar/tokens.json).
    #[arg(long)]
    token_file: Option<std::path::PathBuf>,
}

impl Conn {
    fn store(&self) -> Arc<FileStore> {
        Arc::new(FileStore::new(self.token_file.clone().unwrap_or_else(FileStore::default_path)))
    }

    fn client(&self, flow: AuthFlow) -> agenticstar::Result<Client> {
        let method = if self.basic_auth { Some("client_secret_basic") } else { self.auth_method.as_deref() };
        let mut o = ClientOptions { flow, auth_method: method.map(str::parse).transpose()?, ..Default::default() };
        // The flags, then the environment: the same merge every SDK constructor does.
        let flags = EnvOptions {
            provider: self.provider.clone(),
            auth_url: self.auth_url.clone(),
            realm: self.realm.clone(),
            api_url: self.api_url.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone().map(agenticstar::Secret::from),
            scope: self.client_scope.clone(),
            token_file: None,
        };
        flags.or(EnvOptions::from_env()).apply(&mut o)?;
        if o.provider.is_none() {
            return Err(agenticstar::Error::new(
                agenticstar::ErrorKind::Config,
                "no token service: pass --auth-url or set AGENTICSTAR_AUTH_URL",
            ));
        }
        if o.client_id.is_empty() {
            return Err(agenticstar::Error::new(
                agenticstar::ErrorKind::Config,
                "no client id: pass --client-id or set AGENTICSTAR_CLIENT_ID",
            ));
        }
        o.builder("rust")?.token_store(self.store()).build()
    }

    /// The stored user session if `login` left one, else client credentials.
    async fn session(&self) -> agenticstar::Result<Client> {
        let user = self.client(AuthFlow::AuthorizationCode)?;
        let has_user = self.store().load(user.tokens().store_key()).await.ok().flatten().is_some();
        if has_user { Ok(user) } else { self.client(AuthFlow::ClientCredentials) }
    }
}

fn fail(e: &agenticstar::Error) -> ExitCode {
    eprintln!("error [{}]: {e}", e.kind());
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    // Before any reqwest client (demo.rs builds its own): reqwest carries no provider itself.
    agenticstar::install_crypto_provider();
    let cli = Cli::parse();
    let filter = if cli.verbose { "agenticstar=debug" } else { "agenticstar=warn" };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| filter.into()))
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal: in a log file or a pipe they are noise.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(run(cli.command))
}

async fn run(cmd: Command) -> ExitCode {
    match cmd {
        Command::Token { conn, show_token, json } => {
            let client = match conn.session().await {
                Ok(c) => c,
                Err(e) => return fail(&e),
            };
            match client.get_token().await {
                Ok(t) => {
                    let scope = t.scopes().map(|s| s.to_string()).unwrap_or_default();
                    let secs = t.expires_in().map(|d| d.as_secs());
                    if json {
                        let mut v = serde_json::json!({"token_type": t.token_type(), "scope": scope, "expires_in": secs, "expires_at": t.expires_at_unix(), "refreshable": t.refresh_token().is_some()});
                        if show_token {
                            v["access_token"] = t.access_token().expose().into();
                        }
                        println!("{v}");
                    } else {
                        println!("scope:      {scope}");
                        println!("expires in: {}", secs.map_or("unknown".into(), |s| format!("{s} s")));
                        if show_token {
                            println!("token:      {}", t.access_token().expose());
                        }
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::Login { conn, device: true, scope, .. } => match device_login(&conn, scope).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
        Command::Login { conn, port, scope, ui_locales, no_browser, timeout, device: false } => {
            match login(&conn, port, scope, ui_locales, no_browser, Duration::from_secs(timeout)).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            }
        }
        Command::Logout { conn } => {
            let mut status = ExitCode::SUCCESS;
            for flow in [AuthFlow::AuthorizationCode, AuthFlow::ClientCredentials] {
                match async { conn.client(flow)?.sign_out().await }.await {
                    Ok(out) => {
                        if let Some(e) = out.revocation_error {
                            eprintln!("warning: the server did not revoke the session [{}]: {e}", e.kind());
                            status = ExitCode::FAILURE;
                        } else if !out.revoked.is_empty() {
                            println!("revoked: {}", out.revoked.join(", "));
                        }
                    }
                    Err(e) => return fail(&e),
                }
            }
            println!("signed out");
            status
        }
        Command::Chat { conn, message, system, model, json } => {
            let client = match conn.session().await {
                Ok(c) => c,
                Err(e) => return fail(&e),
            };
            let mut messages = Vec::new();
            if let Some(s) = system {
                messages.push(Message::system(s));
            }
            messages.push(Message::user(message));
            let mut req = ChatRequest::new(messages);
            req.model = model;
            let mut stream = client.chat_stream(req);
            let mut out = std::io::stdout().lock();
            while let Some(item) = stream.next().await {
                match item {
                    Ok(chunk) => {
                        let _ = if json {
                            writeln!(out, "{}", serde_json::to_string(&chunk).unwrap_or_default())
                        } else {
                            write!(out, "{}", chunk.text())
                        };
                        let _ = out.flush(); // one delta at a time, as it arrives
                    }
                    Err(e) => {
                        let _ = writeln!(out);
                        return fail(&e);
                    }
                }
            }
            if !json {
                let _ = writeln!(out);
            }
            ExitCode::SUCCESS
        }
        Command::A2a { action } => match a2a(action).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
        Command::Mcp { action } => match mcp(action).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
        Command::SseDecode => {
            let stdin = std::io::stdin().lock();
            let stdout = std::io::BufWriter::new(std::io::stdout().lock());
            match agenticstar::sse::decode_to_json_lines(stdin, stdout) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Emulator { port, host, exit_on_stdin_close } => {
            let emu = match agenticstar_emulator::Emulator::start(agenticstar_emulator::EmulatorConfig { port, host })
                .await
            {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("error: cannot start the emulator: {e}");
                    return ExitCode::FAILURE;
                }
            };
            println!("{}", serde_json::json!({"ready": true, "url": emu.url()}));
            let _ = std::io::stdout().flush();
            if exit_on_stdin_close {
                let mut buf = [0u8; 256];
                let mut stdin = tokio::io::stdin();
                while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
            } else {
                let _ = tokio::signal::ctrl_c().await;
            }
            emu.shutdown();
            ExitCode::SUCCESS
        }
        Command::Demo => match demo::run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
    }
}

/// The `gh auth login` way: a loopback listener receives the redirect, so no code is copied by hand.
fn pretty(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

async fn mcp(action: McpAction) -> agenticstar::Result<()> {
    use agenticstar::mcp::{Era, McpClient, McpOptions, Outcome};
    let target = match &action {
        McpAction::Tools { target } | McpAction::Call { target, .. } => target,
        McpAction::Resources { target, .. } | McpAction::Prompts { target, .. } => target,
    };
    let client = target.conn.session().await?;
    let era = match target.era.as_deref() {
        Some("current") => Some(Era::Current),
        Some(_) => Some(Era::Legacy),
        None => None,
    };
    let mcp = McpClient::connect(&client, McpOptions { era, ..McpOptions::new(&target.url) }).await?;
    let json = target.json;
    let info = mcp.server();
    if !json {
        let name = info.server_info.get("name").and_then(|n| n.as_str()).unwrap_or("?");
        eprintln!("connected to {name} (MCP {}, {:?} era)", info.protocol_version, info.era);
    }
    let show = |v: &serde_json::Value| println!("{}", pretty(v));
    let outcome = |o: Outcome<serde_json::Value>| match o {
        Outcome::Complete(v) => v,
        Outcome::InputRequired(i) => {
            serde_json::json!({"resultType": "input_required", "inputRequests": i.input_requests})
        }
    };
    match action {
        McpAction::Tools { .. } => {
            let tools = mcp.list_tools().await?;
            if json {
                show(&serde_json::to_value(&tools).unwrap_or_default());
            }
            for t in tools.iter().filter(|_| !json) {
                println!("{}\t{}", t.name, t.description.as_deref().unwrap_or(""));
            }
        }
        McpAction::Call { tool, arguments, .. } => {
            let args: serde_json::Value = serde_json::from_str(&arguments).map_err(|e| {
                agenticstar::Error::new(agenticstar::ErrorKind::Config, format!("arguments are not JSON: {e}"))
            })?;
            let mut on_progress = |p: agenticstar::mcp::Progress| {
                let total = p.total.map(|t| format!("/{t}")).unwrap_or_default();
                eprintln!("progress {}{total} {}", p.progress, p.message.unwrap_or_default());
            };
            let r = mcp.call_tool(&tool, args, Some(&mut on_progress)).await?;
            match r {
                Outcome::Complete(r) if !json => println!("{}", r.text()),
                Outcome::Complete(r) => show(&serde_json::to_value(&r).unwrap_or_default()),
                Outcome::InputRequired(i) => show(&outcome(Outcome::InputRequired(i))),
            }
        }
        McpAction::Resources { read: Some(uri), .. } => match mcp.read_resource(&uri).await? {
            Outcome::Complete(r) if !json => {
                r.contents.iter().for_each(|c| println!("{}", c.text.as_deref().unwrap_or("")))
            }
            Outcome::Complete(r) => show(&serde_json::to_value(&r).unwrap_or_default()),
            Outcome::InputRequired(i) => show(&outcome(Outcome::InputRequired(i))),
        },
        McpAction::Resources { .. } => {
            let rs = mcp.list_resources().await?;
            if json {
                show(&serde_json::to_value(&rs).unwrap_or_default());
            }
            for r in rs.iter().filter(|_| !json) {
                println!("{}\t{}", r.uri, r.name);
            }
        }
        McpAction::Prompts { get: Some(name), args, .. } => {
            let mut m = serde_json::Map::new();
            for a in args {
                let (k, v) = a.split_once('=').unwrap_or((a.as_str(), ""));
                m.insert(k.to_owned(), serde_json::json!(v));
            }
            match mcp.get_prompt(&name, m).await? {
                Outcome::Complete(p) if !json => {
                    for msg in &p.messages {
                        println!("{}: {}", msg.role, msg.content.as_text().unwrap_or("[non-text content]"));
                    }
                }
                Outcome::Complete(p) => show(&serde_json::to_value(&p).unwrap_or_default()),
                Outcome::InputRequired(i) => show(&outcome(Outcome::InputRequired(i))),
            }
        }
        McpAction::Prompts { .. } => {
            let ps = mcp.list_prompts().await?;
            if json {
                show(&serde_json::to_value(&ps).unwrap_or_default());
            }
            for p in ps.iter().filter(|_| !json) {
                println!("{}\t{}", p.name, p.description.as_deref().unwrap_or(""));
            }
        }
    }
    mcp.close().await
}

async fn a2a(action: A2aAction) -> agenticstar::Result<()> {
    use agenticstar::a2a::{A2aClient, A2aOptions, Message, SendMessageResponse, StreamEvent, TaskAssembler};
    let (conn, url) = match &action {
        A2aAction::Card { conn, url } | A2aAction::Send { conn, url, .. } => (conn, url),
        A2aAction::Get { conn, url, .. } | A2aAction::Cancel { conn, url, .. } => (conn, url),
    };
    let client = conn.session().await?;
    let agent = A2aClient::from_card(&client, url, A2aOptions::default()).await?;
    match action {
        A2aAction::Card { .. } => {
            println!("{}", pretty(agent.card()));
            println!("interface: {} ({})", agent.interface().url, agent.interface().protocol_binding);
            match agent.requirement() {
                Some(r) => println!("requires: {} with scope {}", r.schemes.join(" + "), r.scopes.join(" ")),
                None => println!("requires: no authentication"),
            }
        }
        A2aAction::Get { task, .. } => println!("{}", pretty(&agent.get_task(&task, None).await?)),
        A2aAction::Cancel { task, .. } => {
            let t = agent.cancel_task(&task).await?;
            println!("task {} is {}", t.id, t.status.state.as_str());
        }
        A2aAction::Send { message, task, no_stream, json, .. } => {
            let mut m = Message::user(message);
            m.task_id = task;
            if no_stream {
                match agent.send_message(m, None).await? {
                    SendMessageResponse::Task(t) => println!("{}", pretty(&t)),
                    SendMessageResponse::Message(m) => println!("agent: {}", m.text()),
                }
                return Ok(());
            }
            let mut stream = agent.send_streaming_message(m, None);
            let mut assembled = TaskAssembler::new();
            let mut out = std::io::stdout().lock();
            while let Some(ev) = stream.next().await {
                let ev = ev?;
                assembled.apply(&ev)?;
                if json {
                    let _ = writeln!(out, "{}", serde_json::to_string(&ev).unwrap_or_default());
                    continue;
                }
                let _ = match &ev {
                    StreamEvent::Task(t) => writeln!(out, "task {} {}", t.id, t.status.state.as_str()),
                    StreamEvent::Message(m) => writeln!(out, "agent: {}", m.text()),
                    StreamEvent::StatusUpdate(u) => {
                        let said = u.status.message.as_ref().map(|m| format!(": {}", m.text())).unwrap_or_default();
                        writeln!(out, "status {}{said}", u.status.state.as_str())
                    }
                    StreamEvent::ArtifactUpdate(a) => writeln!(
                        out,
                        "artifact {} += {:?}{}",
                        a.artifact.artifact_id,
                        a.artifact.text(),
                        if a.last_chunk { " (last chunk)" } else { "" }
                    ),
                };
                let _ = out.flush();
            }
            if !json {
                for a in assembled.artifacts() {
                    let _ = writeln!(out, "artifact {}: {}", a.artifact_id, a.text());
                }
            }
        }
    }
    Ok(())
}

async fn login(
    conn: &Conn,
    port: u16,
    scope: Option<String>,
    ui_locales: Option<String>,
    no_browser: bool,
    wait: Duration,
) -> agenticstar::Result<()> {
    let cfg = |m: String| agenticstar::Error::new(agenticstar::ErrorKind::Config, m);
    let client = conn.client(AuthFlow::AuthorizationCode)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| cfg(format!("cannot listen for the redirect: {e}")))?;
    let addr = listener.local_addr().map_err(|e| cfg(e.to_string()))?;
    let mut opts = AuthorizeOptions::new(format!("http://127.0.0.1:{}/callback", addr.port()));
    opts.scope = scope;
    opts.ui_locales = ui_locales;
    let request = client.authorize_url(&opts).await?;
    println!("Open this URL to sign in:\n{}", request.url);
    let _ = std::io::stdout().flush();
    if !no_browser {
        open_browser(&request.url);
    }
    let (request, callback) = tokio::time::timeout(wait, receive_redirect(listener, request)).await.map_err(|_| {
        agenticstar::Error::new(agenticstar::ErrorKind::Timeout, "no redirect from the browser in time")
    })?;
    let (url, mut sock) = callback;
    let signed_in = client.complete_authorization(&request, &url).await;
    let page = match &signed_in {
        Ok(_) => "Signed in. You can close this window.",
        Err(_) => "Sign-in failed. See the terminal.",
    };
    respond(&mut sock, "200 OK", page).await;
    print_signed_in(&signed_in?);
    Ok(())
}

/// The `gh auth login` device way: show a code, let the user approve elsewhere, poll meanwhile.
async fn device_login(conn: &Conn, scope: Option<String>) -> agenticstar::Result<()> {
    let client = conn.client(AuthFlow::AuthorizationCode)?;
    let auth = client.device_authorization(scope.as_deref()).await?;
    println!("To sign in, open {} and enter the code {}", auth.verification_uri, auth.user_code);
    if let Some(u) = &auth.verification_uri_complete {
        println!("(or open {u})");
    }
    println!("Waiting for approval (the code expires in {} s)...", auth.expires_in);
    let _ = std::io::stdout().flush();
    let s = client.complete_device_authorization(&auth).await?;
    print_signed_in(&s);
    Ok(())
}

fn print_signed_in(s: &agenticstar::SignIn) {
    let who = s
        .id_claims
        .as_ref()
        .map(|c| c.name.clone().or(c.email.clone()).unwrap_or_else(|| c.sub.clone()))
        .unwrap_or_else(|| "user".into());
    println!("Signed in as {who}; scopes: {}", s.token.scopes().map(|s| s.to_string()).unwrap_or_default());
}

/// A connection must send its request head within this; an idle one blocks nobody else.
const PER_CONNECTION: Duration = Duration::from_secs(10);

async fn respond(sock: &mut tokio::net::TcpStream, status: &str, page: &str) {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        page.len()
    );
    let _ = sock.write_all(format!("{head}{page}").as_bytes()).await;
}

/// The request target of one connection's first request line, read within [`PER_CONNECTION`].
async fn read_target(sock: &mut tokio::net::TcpStream) -> Option<String> {
    let read = async {
        let mut buf = Vec::with_capacity(2048);
        let mut tmp = [0u8; 2048];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
            let n = sock.read(&mut tmp).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&tmp[..n]);
        }
        let head = String::from_utf8_lossy(&buf).into_owned();
        head.lines().next().and_then(|l| l.strip_prefix("GET ")).and_then(|l| l.split(' ').next()).map(str::to_owned)
    };
    tokio::time::timeout(PER_CONNECTION, read).await.ok().flatten()
}

/// Serve every connection concurrently until one brings the callback of *this* request (its
/// state): a forged or stale callback gets an error page and the wait goes on, so a local
/// process cannot abort the login, and an idle connection cannot hold the listener.
async fn receive_redirect(
    listener: tokio::net::TcpListener,
    request: agenticstar::authcode::AuthorizationRequest,
) -> (agenticstar::authcode::AuthorizationRequest, (String, tokio::net::TcpStream)) {
    let base = listener.local_addr().map(|a| format!("http://{a}")).unwrap_or_default();
    let request = Arc::new(request);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(String, tokio::net::TcpStream)>(1);
    let accept = {
        let request = request.clone();
        async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else { continue };
                let (tx, request, base) = (tx.clone(), request.clone(), base.clone());
                tokio::spawn(async move {
                    let Some(target) = read_target(&mut sock).await else { return };
                    if !target.starts_with("/callback") {
                        return respond(&mut sock, "404 Not Found", "").await;
                    }
                    let url = format!("{base}{target}");
                    match agenticstar::authcode::parse_callback(&request, &url) {
                        // Ours (a code, or an error with our state): hand it over.
                        Ok(_) => {
                            let _ = tx.send((url, sock)).await;
                        }
                        Err(e) if e.kind() == agenticstar::ErrorKind::AuthorizationDenied => {
                            let _ = tx.send((url, sock)).await;
                        }
                        Err(e) => {
                            eprintln!("ignored a callback that is not this sign-in's ({})", e.kind());
                            respond(
                                &mut sock,
                                "400 Bad Request",
                                "This is not the sign-in this terminal is waiting for.",
                            )
                            .await;
                        }
                    }
                });
            }
        }
    };
    tokio::select! {
        got = rx.recv() => {
            let request = Arc::try_unwrap(request).unwrap_or_else(|r| (*r).clone());
            (request, got.unwrap_or_else(|| unreachable!("the accept loop holds a sender")))
        }
        _ = accept => unreachable!("the accept loop never ends"),
    }
}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(cmd)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
