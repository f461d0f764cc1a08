//! The `agenticstar` binary as users run it, against an emulator on loopback.
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use agenticstar_emulator::{Emulator, EmulatorConfig, clients as c};

const BIN: &str = env!("CARGO_BIN_EXE_agenticstar");

fn run(args: &[&str], token_file: &std::path::Path) -> (bool, String, String) {
    run_env(args, token_file, &[])
}

/// The binary with only `vars` of the client-option variables set (none leak in from the caller).
fn run_env(args: &[&str], token_file: &std::path::Path, vars: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(BIN);
    for v in agenticstar::env::VARS {
        cmd.env_remove(v);
    }
    let out = cmd.args(args).env("AGENTICSTAR_TOKEN_FILE", token_file).envs(vars.iter().copied()).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tmpfile(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("agenticstar-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d.join("tokens.json")
}

#[test]
fn sse_decode_writes_json_lines() {
    let mut child = Command::new(BIN).arg("sse-decode").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(b"\xEF\xBB\xBFretry: 1500\r\nid: 7\nevent: delta\ndata: a\ndata: b\n\n: comment\ndata: x\r\rdata: unterminated").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], serde_json::json!({"event": "delta", "data": "a\nb", "id": "7"}));
    assert_eq!(lines[1], serde_json::json!({"event": "message", "data": "x", "id": "7"}));
    assert_eq!(lines[2], serde_json::json!({"retry": 1500}));
}

#[test]
fn emulator_prints_its_ready_line_and_exits_with_stdin() {
    let mut child = Command::new(BIN)
        .args(["emulator", "--port", "0", "--exit-on-stdin-close"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["ready"], true);
    let url = v["url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"));
    let body = reqwest::blocking_get(&format!("{url}/federation/auth/v1/.well-known/openid-configuration"));
    assert!(body.contains("token_endpoint"));
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}

mod reqwest {
    /// A GET without pulling in reqwest's blocking feature: the test runs its own runtime.
    pub fn blocking_get(url: &str) -> String {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async { ::reqwest::get(url).await.unwrap().text().await.unwrap() })
    }
    pub fn blocking_post(url: &str, body: serde_json::Value) -> serde_json::Value {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            ::reqwest::Client::new().post(url).json(&body).send().await.unwrap().json().await.unwrap_or_default()
        })
    }
}

fn with_emulator<T>(f: impl FnOnce(&str) -> T) -> T {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt.block_on(Emulator::start(EmulatorConfig::default())).unwrap();
    let url = emu.url().to_owned();
    let out = f(&url);
    emu.shutdown();
    out
}

#[test]
fn token_and_chat_with_client_credentials() {
    with_emulator(|url| {
        let file = tmpfile("cc");
        let conn =
            ["--auth-url", url, "--client-id", c::SAAS_CC_CLIENT_ID, "--client-secret", c::SAAS_CC_CLIENT_SECRET];
        let (ok, out, err) = run(&[&["token", "--json"][..], &conn].concat(), &file);
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["scope"], "openid chat:all");
        assert!(v.get("access_token").is_none(), "the token is shown only with --show-token");
        let (_, shown, _) = run(&[&["token", "--show-token"][..], &conn].concat(), &file);
        assert!(shown.contains("token:      ey"));

        let (ok, out, err) = run(&[&["chat", "こんにちは"][..], &conn, &["--api-url", url]].concat(), &file);
        assert!(ok, "{err}");
        assert_eq!(out.trim_end(), "こんにちは！🌸 You said: こんにちは");

        let (ok, _, err) = run(
            &["token", "--auth-url", url, "--client-id", c::SAAS_CC_CLIENT_ID, "--client-secret", "wrong"],
            &tmpfile("bad"),
        );
        assert!(!ok);
        assert!(err.contains("invalid_client") && !err.contains("wrong"), "{err}");
    });
}

#[test]
fn connection_from_the_environment_flags_win() {
    with_emulator(|url| {
        let file = tmpfile("env");
        let vars = [
            ("AGENTICSTAR_AUTH_URL", url),
            ("AGENTICSTAR_CLIENT_ID", c::SAAS_CC_CLIENT_ID),
            ("AGENTICSTAR_CLIENT_SECRET", c::SAAS_CC_CLIENT_SECRET),
            ("AGENTICSTAR_API_URL", url),
        ];
        let (ok, out, err) = run_env(&["chat", "hi"], &file, &vars);
        assert!(ok, "{err}");
        assert_eq!(out.trim_end(), "こんにちは！🌸 You said: hi");
        // A flag wins over its variable (the wrong secret fails; the variable's would not).
        let (ok, _, err) = run_env(&["token", "--client-secret", "wrong"], &tmpfile("env-bad"), &vars);
        assert!(!ok && err.contains("invalid_client"), "{err}");
        // Another client id does not take the variable's secret along.
        let (ok, _, err) = run_env(&["token", "--client-id", c::SAAS_APP_CLIENT_ID], &tmpfile("env-id"), &vars);
        assert!(!ok && !err.contains(c::SAAS_CC_CLIENT_SECRET), "{err}");
        let (ok, _, err) = run_env(&["token"], &tmpfile("env-none"), &[]);
        assert!(!ok && err.contains("AGENTICSTAR_AUTH_URL"), "{err}");
    });
}

#[test]
fn login_stores_a_session_that_token_refreshes_silently() {
    with_emulator(|url| {
        let file = tmpfile("login");
        // 1-second tokens: by the time `token` runs, the session must be refreshed.
        reqwest::blocking_post(&format!("{url}/admin/config"), serde_json::json!({"token_lifetime_secs": 1}));
        let conn =
            ["--auth-url", url, "--client-id", c::SAAS_APP_CLIENT_ID, "--client-secret", c::SAAS_APP_CLIENT_SECRET];
        let mut child = Command::new(BIN)
            .args([&["login", "--no-browser", "--scope", "openid chat:exec", "--timeout", "30"][..], &conn].concat())
            .env("AGENTICSTAR_TOKEN_FILE", &file)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let authorize = loop {
            line.clear();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "login printed no URL");
            if line.starts_with("http") {
                break line.trim().to_owned();
            }
        };
        // Play the browser: the emulator approves and redirects to the CLI's loopback listener.
        let page = reqwest::blocking_get(&authorize);
        assert!(page.contains("Signed in"), "{page}");
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
        assert!(child.wait().unwrap().success());
        assert!(rest.contains("Signed in as Alice"), "{rest}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // Stored expiry has whole-second precision: wait past the second in which the token expires.
        std::thread::sleep(std::time::Duration::from_millis(1200));
        let (ok, out, err) = run(&[&["token", "--json"][..], &conn].concat(), &file);
        assert!(ok, "{err}");
        let grants: Vec<String> = match reqwest::blocking_get(&format!("{url}/admin/requests?endpoint=saas.token"))
            .parse::<serde_json::Value>()
            .unwrap()
        {
            serde_json::Value::Array(a) => {
                a.iter().map(|r| r["form"]["grant_type"].as_str().unwrap_or("").to_owned()).collect()
            }
            _ => vec![],
        };
        assert_eq!(grants, ["authorization_code", "refresh_token"], "silent refresh with the stored refresh token");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!((v["refreshable"].as_bool(), v["scope"].as_str()), (Some(true), Some("openid chat:exec")));
    });
}

#[test]
fn device_login_then_logout_revokes() {
    with_emulator(|url| {
        let file = tmpfile("device");
        reqwest::blocking_post(&format!("{url}/admin/config"), serde_json::json!({"device_interval_secs": 1}));
        let conn =
            ["--auth-url", url, "--client-id", c::SAAS_APP_CLIENT_ID, "--client-secret", c::SAAS_APP_CLIENT_SECRET];
        let mut child = Command::new(BIN)
            .args([&["login", "--device", "--scope", "openid chat:exec"][..], &conn].concat())
            .env("AGENTICSTAR_TOKEN_FILE", &file)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let (uri, code) = loop {
            line.clear();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "login printed no code");
            if let Some(rest) = line.trim().strip_prefix("To sign in, open ") {
                let (uri, code) = rest.split_once(" and enter the code ").unwrap();
                break (uri.to_owned(), code.to_owned());
            }
        };
        // The user approves on another device, through the verification page.
        let rt = tokio::runtime::Runtime::new().unwrap();
        let status = rt.block_on(async {
            ::reqwest::Client::new()
                .post(&uri)
                .form(&[("user_code", code.as_str()), ("action", "approve")])
                .send()
                .await
                .unwrap()
                .status()
        });
        assert_eq!(status, 200);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
        assert!(child.wait().unwrap().success());
        assert!(rest.contains("Signed in as Alice"), "{rest}");

        let (ok, out, err) = run(&[&["token", "--json"][..], &conn].concat(), &file);
        assert!(ok, "{err}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["refreshable"], true);

        let (ok, out, err) = run(&[&["logout"][..], &conn].concat(), &file);
        assert!(ok, "{err}");
        assert!(out.contains("revoked: refresh_token, access_token") && out.contains("signed out"), "{out}");
        let revokes = reqwest::blocking_get(&format!("{url}/admin/requests?endpoint=saas.revoke"));
        assert_eq!(revokes.parse::<serde_json::Value>().unwrap().as_array().unwrap().len(), 2);
        assert!(std::fs::read_to_string(&file).unwrap().trim() == "{}", "session forgotten");
    });
}

#[test]
fn a2a_card_send_get_cancel() {
    with_emulator(|url| {
        let file = tmpfile("a2a");
        let conn =
            ["--auth-url", url, "--client-id", c::SAAS_AGENT_CLIENT_ID, "--client-secret", c::SAAS_AGENT_CLIENT_SECRET];
        let (ok, out, err) = run(&[&["a2a", "card"][..], &conn, &[url]].concat(), &file);
        assert!(ok, "{err}");
        assert!(out.contains("requires: bearer with scope a2a:all"), "{out}");

        let (ok, out, err) = run(&[&["a2a", "send"][..], &conn, &[url, "hello big world"]].concat(), &file);
        assert!(ok, "{err}");
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("task ") && lines[0].ends_with("TASK_STATE_SUBMITTED"), "{out}");
        assert_eq!(lines[1], "status TASK_STATE_WORKING");
        assert_eq!(lines[2], "artifact echo += \"hello\"");
        assert_eq!(lines[4], "artifact echo += \" world\" (last chunk)");
        assert_eq!(lines[5], "status TASK_STATE_COMPLETED");
        assert_eq!(lines[6], "artifact echo: hello big world");
        let id = lines[0].split(' ').nth(1).unwrap();

        let (ok, out, err) = run(&[&["a2a", "get"][..], &conn, &[url, id]].concat(), &file);
        assert!(ok, "{err}");
        assert!(out.contains("TASK_STATE_COMPLETED"), "{out}");
        let (ok, _, err) = run(&[&["a2a", "cancel"][..], &conn, &[url, id]].concat(), &file);
        assert!(!ok);
        assert!(err.contains("[task_not_cancelable]"), "{err}");
    });
}

#[test]
fn mcp_tools_call_resources_prompts() {
    with_emulator(|url| {
        let file = tmpfile("mcp");
        let conn =
            ["--auth-url", url, "--client-id", c::SAAS_AGENT_CLIENT_ID, "--client-secret", c::SAAS_AGENT_CLIENT_SECRET];
        let mcp = format!("{url}/mcp");
        let (ok, out, err) = run(&[&["mcp", "tools"][..], &conn, &[&mcp]].concat(), &file);
        assert!(ok, "{err}");
        assert!(out.lines().any(|l| l.starts_with("add\t")), "{out}");
        assert!(err.contains("MCP 2026-07-28"), "{err}");
        let (ok, out, err) = run(&[&["mcp", "call"][..], &conn, &[&mcp, "progress", r#"{"steps":2}"#]].concat(), &file);
        assert!(ok, "{err}");
        assert_eq!(out.trim(), "done");
        assert!(err.contains("progress 2/2 step 2"), "{err}");
        let (ok, out, err) =
            run(&[&["mcp", "call"][..], &conn, &[&mcp, "--era", "legacy", "resumable"]].concat(), &file);
        assert!(ok, "{err}");
        assert_eq!(out.trim(), "resumed");
        let (ok, out, _) =
            run(&[&["mcp", "resources"][..], &conn, &[&mcp, "--read", "emulator://readme"]].concat(), &file);
        assert!(ok && out.contains("MCP endpoint"), "{out}");
        let (ok, out, _) =
            run(&[&["mcp", "prompts"][..], &conn, &[&mcp, "--get", "greet", "--arg", "name=Bo"]].concat(), &file);
        assert!(ok && out.contains("user: Hello, Bo!"), "{out}");
        let (ok, _, err) = run(
            &[
                &["mcp", "tools"][..],
                &["--auth-url", url, "--client-id", c::SAAS_CC_CLIENT_ID, "--client-secret", c::SAAS_CC_CLIENT_SECRET],
                &[&mcp],
            ]
            .concat(),
            &file,
        );
        assert!(!ok && err.contains("insufficient_scope"), "{err}");
    });
}

#[test]
fn login_outlasts_an_idle_connection_and_a_forged_callback() {
    with_emulator(|url| {
        let file = tmpfile("login-hostile");
        let conn =
            ["--auth-url", url, "--client-id", c::SAAS_APP_CLIENT_ID, "--client-secret", c::SAAS_APP_CLIENT_SECRET];
        let mut child = Command::new(BIN)
            .args(
                [&["-v", "login", "--no-browser", "--scope", "openid chat:exec", "--timeout", "30"][..], &conn]
                    .concat(),
            )
            .env("AGENTICSTAR_TOKEN_FILE", &file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let authorize = loop {
            line.clear();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "login printed no URL");
            if line.starts_with("http") {
                break line.trim().to_owned();
            }
        };
        let redirect = url::Url::parse(&authorize).unwrap();
        let cb = redirect.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned();
        let addr = url::Url::parse(&cb).unwrap().socket_addrs(|| None).unwrap()[0];
        // A local process holds an idle connection open, and another forges a callback.
        let _idle = std::net::TcpStream::connect(addr).unwrap();
        let mut forged = std::net::TcpStream::connect(addr).unwrap();
        forged.write_all(b"GET /callback?code=x&state=forged HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut forged, &mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        // The login is still waiting: the real browser completes it.
        let page = reqwest::blocking_get(&authorize);
        assert!(page.contains("Signed in"), "{page}");
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
        let mut logs = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
        assert!(child.wait().unwrap().success(), "{logs}");
        assert!(rest.contains("Signed in as Alice"), "{rest}");
        // Logs to a pipe: no colour codes, and URLs keep their port.
        assert!(!logs.contains('\u{1b}'), "{logs}");
        let port = url::Url::parse(url).unwrap().port().unwrap();
        assert!(logs.contains(&format!("127.0.0.1:{port}")), "{logs}");
    });
}
