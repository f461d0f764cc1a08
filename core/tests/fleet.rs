//! Tokens for a fleet: processes sharing one real `redis-server` (started here on a loopback port;
//! `scripts/test.sh` installs Debian's package) and the emulator.
//!
//! Each scenario starts worker processes that call `get_token` from many concurrent callers and
//! report what they saw as one `FLEET-RESULT {json}` line. Workers are this test binary itself
//! (`fleet_worker`, Rust), and, listed in `AGENTICSTAR_FLEET_LANGS` (e.g. `python,node`), the
//! Python and Node workers in `python/tests/fleet_worker.py` and `node/__test__/fleet_worker.mjs`,
//! which take the same JSON and print the same line; the mix is assigned round-robin.
//! `scripts/test.sh` runs the in-process tests early and the worker scenarios after the Python and
//! Node suites, with `AGENTICSTAR_FLEET_LANGS=rust,python,node` (their packages built by then).
#![cfg(feature = "redis")]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agenticstar::{AuthFlow, Client, Credentials, Provider, StoredToken, TokenStore};
use common::*;
use serde_json::{Value, json};
use sha2::Digest;

// ---------------------------------------------------------------------------------------------
// A real redis-server on loopback.

struct Redis {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Redis {
    fn start() -> Redis {
        let dir = std::env::temp_dir().join(format!("agenticstar-redis-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut r = Redis { child: None, port: free_port(), dir };
        r.restart();
        r
    }

    /// (Re)start on the same port, empty (no persistence: a restart loses every key).
    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string(), "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server not found: install Debian's redis-server (scripts/test.sh does)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.cli(&["PING"]).trim() != "PONG" {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli").args(["-p", &self.port.to_string(), "--raw"]).args(args).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------------------------
// Workers.

/// What one worker process saw.
#[derive(Debug, Default)]
struct Report {
    lang: String,
    calls: u64,
    errors: Vec<String>,
    /// Token fingerprint → first time this worker got it (ms since its start).
    tokens: BTreeMap<String, u64>,
    /// Its log lines (stderr) that warn about the token store.
    store_warnings: usize,
}

fn parse_report(lang: &str, stdout: &str) -> Report {
    let line = stdout
        .lines()
        .find_map(|l| l.find("FLEET-RESULT ").map(|i| &l[i + "FLEET-RESULT ".len()..]))
        .unwrap_or_else(|| panic!("{lang} worker printed no result:\n{stdout}"));
    let v: Value = serde_json::from_str(line).unwrap();
    let tokens = v["tokens"].as_object().unwrap().iter().map(|(k, t)| (k.clone(), t.as_u64().unwrap())).collect();
    let errors = v["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_owned()).collect();
    Report { lang: lang.into(), calls: v["calls"].as_u64().unwrap(), errors, tokens, store_warnings: 0 }
}

fn langs() -> Vec<String> {
    let l = std::env::var("AGENTICSTAR_FLEET_LANGS").unwrap_or_else(|_| "rust".into());
    l.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

fn worker_command(lang: &str) -> Command {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    match lang {
        "rust" => {
            let mut c = Command::new(std::env::current_exe().unwrap());
            c.args(["--exact", "fleet_worker", "--nocapture", "--test-threads", "1"]);
            c
        }
        "python" => {
            let py = std::env::var("AGENTICSTAR_FLEET_PYTHON").unwrap_or_else(|_| "python3".into());
            let mut c = Command::new(py);
            c.arg(root.join("python/tests/fleet_worker.py"));
            c
        }
        "node" => {
            let mut c = Command::new("node");
            c.arg(root.join("node/__test__/fleet_worker.mjs"));
            c
        }
        other => panic!("unknown worker language {other:?}"),
    }
}

struct Fleet {
    children: Vec<(String, Child, PathBuf)>,
}

impl Fleet {
    /// `n` workers with `config`, languages round-robin from `AGENTICSTAR_FLEET_LANGS`.
    fn spawn(n: usize, config: &Value) -> Fleet {
        let langs = langs();
        let children = (0..n)
            .map(|i| {
                let lang = langs[i % langs.len()].clone();
                let log = std::env::temp_dir().join(format!(
                    "agenticstar-fleet-{}-{i}-{}.log",
                    std::process::id(),
                    free_port()
                ));
                let child = worker_command(&lang)
                    .env("AGENTICSTAR_FLEET_WORKER", config.to_string())
                    .env("RUST_LOG", "agenticstar=warn")
                    .stdout(Stdio::piped())
                    .stderr(std::fs::File::create(&log).unwrap())
                    .spawn()
                    .unwrap_or_else(|e| panic!("start the {lang} worker: {e}"));
                (lang, child, log)
            })
            .collect();
        Fleet { children }
    }

    /// Wait for every worker still alive; killed ones are skipped.
    fn reports(self) -> Vec<Report> {
        let mut out = Vec::new();
        for (lang, child, log) in self.children {
            let o = child.wait_with_output().unwrap();
            let stderr = std::fs::read_to_string(&log).unwrap_or_default();
            let _ = std::fs::remove_file(&log);
            if o.status.code().is_none() {
                continue; // killed by a signal: no report
            }
            let stdout = String::from_utf8_lossy(&o.stdout);
            assert!(o.status.success(), "{lang} worker failed:\n{stdout}\n{stderr}");
            let mut r = parse_report(&lang, &stdout);
            r.store_warnings = stderr.lines().filter(|l| l.contains("WARN") && l.contains("token store")).count();
            out.push(r);
        }
        out
    }
}

fn worker_config(e: &Emu, store: Value, extra: Value) -> Value {
    let mut c = json!({
        "provider": "keycloak",
        "authUrl": e.url,
        "realm": c::KEYCLOAK_REALM,
        "clientId": c::KEYCLOAK_CLIENT_ID,
        "clientSecret": c::KEYCLOAK_CLIENT_SECRET,
        "flow": "client_credentials",
        "tokenStore": store,
        "storeKey": "fleet",
        "callers": 50,
        "runMs": 10_000,
        "pauseMs": 5,
    });
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

fn fingerprint(token: &str) -> String {
    sha2::Sha256::digest(token.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The Rust worker: runs only when the harness starts this binary with a config.
#[test]
fn fleet_worker() {
    let Ok(config) = std::env::var("AGENTICSTAR_FLEET_WORKER") else { return };
    let cfg: Value = serde_json::from_str(&config).unwrap();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async move {
        let provider = match cfg["provider"].as_str().unwrap() {
            "keycloak" => Provider::keycloak(cfg["authUrl"].as_str().unwrap(), cfg["realm"].as_str().unwrap()).unwrap(),
            _ => Provider::agenticstar(cfg["authUrl"].as_str().unwrap()).unwrap(),
        };
        let flow =
            if cfg["flow"] == "authorization_code" { AuthFlow::AuthorizationCode } else { AuthFlow::ClientCredentials };
        let client = Client::builder()
            .provider(provider)
            .credentials(Credentials::new(cfg["clientId"].as_str().unwrap(), cfg["clientSecret"].as_str().unwrap()))
            .flow(flow)
            .store_key(cfg["storeKey"].as_str().unwrap())
            .token_store_spec(&cfg["tokenStore"])
            .unwrap()
            .build()
            .unwrap();
        let start = Instant::now();
        let run = Duration::from_millis(cfg["runMs"].as_u64().unwrap());
        let pause = Duration::from_millis(cfg["pauseMs"].as_u64().unwrap());
        // (calls, errors, token fingerprint -> first seen)
        type Seen = (u64, Vec<String>, BTreeMap<String, u64>);
        let seen: Arc<Mutex<Seen>> = Arc::default();
        let callers = (0..cfg["callers"].as_u64().unwrap()).map(|_| {
            let (client, seen) = (client.clone(), seen.clone());
            tokio::spawn(async move {
                while start.elapsed() < run {
                    let r = client.get_token().await;
                    {
                        let mut s = seen.lock().unwrap();
                        s.0 += 1;
                        match r {
                            Ok(t) => {
                                let at = start.elapsed().as_millis() as u64;
                                s.2.entry(fingerprint(t.access_token().expose())).or_insert(at);
                            }
                            Err(e) => s.1.push(format!("{}: {}", e.kind(), e.message())),
                        }
                    }
                    tokio::time::sleep(pause).await;
                }
            })
        });
        futures::future::join_all(callers).await;
        let s = seen.lock().unwrap();
        let errors: Vec<&String> = s.1.iter().take(20).collect();
        println!("FLEET-RESULT {}", json!({"calls": s.0, "errors": errors, "tokens": s.2}));
    });
}

fn assert_no_errors(reports: &[Report]) {
    for r in reports {
        assert!(r.errors.is_empty(), "{} worker saw errors: {:?}", r.lang, r.errors);
        assert!(r.calls > 0, "{} worker made no calls", r.lang);
    }
}

/// Every token any worker used.
fn union(reports: &[Report]) -> BTreeSet<String> {
    reports.iter().flat_map(|r| r.tokens.keys().cloned()).collect()
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

/// Sign in once here and leave the session in the store for the workers.
async fn sign_in(e: &Emu, store: Value, store_key: &str) -> Client {
    let app = e
        .builder(e.saas(), c::SAAS_APP_CLIENT_ID, c::SAAS_APP_CLIENT_SECRET)
        .flow(AuthFlow::AuthorizationCode)
        .store_key(store_key)
        .token_store_spec(&store)
        .unwrap()
        .build()
        .unwrap();
    e.sign_in(&app).await;
    app
}

// The scenarios with worker processes (`processes::`): the test command runs them after the Python
// and Node packages are built, with `AGENTICSTAR_FLEET_LANGS=rust,python,node`.
mod processes {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn eight_processes_share_one_token_and_renew_once_per_expiry() {
        let redis = Redis::start();
        let e = Emu::start().await;
        // 8 s tokens: each is renewed in the background from 4 s left. At most 2 live tokens (the
        // current one and its successor) per client, as licences: a process fetching its own is refused.
        e.config(json!({"keycloak_lifetime_secs": 8, "licence_limit": 2})).await;
        let config = worker_config(&e, json!(redis.url()), json!({"runMs": 18_000}));
        let reports = tokio::task::spawn_blocking(move || Fleet::spawn(8, &config).reports()).await.unwrap();
        assert_eq!(reports.len(), 8);
        assert_no_errors(&reports);
        let requests = e.count("keycloak.token");
        let used = union(&reports);
        // Exactly one token request per renewal fleet-wide: every requested token was used, and
        // there were as many as the lifetime allows (start + one per 4 s), not one per process.
        assert_eq!(requests, used.len() as u64, "every token requested was used: no duplicate renewals");
        assert!((4..=7).contains(&requests), "18 s of 8 s tokens renewed at half-life: {requests} requests");
        for r in &reports {
            assert!(r.tokens.len() as u64 >= requests - 1, "{} worker followed the fleet's renewals", r.lang);
        }
        assert_eq!(e.count("licences.refused"), 0, "no process held a licence of its own");
        let (_, peak) = e.emu.licences(c::KEYCLOAK_CLIENT_ID);
        assert!(peak <= 2, "one licence-counted token at a time (plus its successor during hand-over): {peak}");
    }

    fn refresh_requests(requests: &[Value]) -> usize {
        requests.iter().filter(|r| r["form"]["grant_type"] == "refresh_token").count()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn authorization_code_session_survives_20_rotations_across_4_processes() {
        let redis = Redis::start();
        let e = Emu::start().await;
        // 2 s tokens: a rotation about every second; reuse detection is on (the emulator's default).
        e.config(json!({"token_lifetime_secs": 2})).await;
        let app = sign_in(&e, json!(redis.url()), "session").await;
        let config = worker_config(
            &e,
            json!(redis.url()),
            json!({"provider": "saas", "clientId": c::SAAS_APP_CLIENT_ID, "clientSecret": c::SAAS_APP_CLIENT_SECRET,
               "flow": "authorization_code", "storeKey": "session", "callers": 20, "runMs": 24_000}),
        );
        let reports = tokio::task::spawn_blocking(move || Fleet::spawn(4, &config).reports()).await.unwrap();
        assert_no_errors(&reports);
        let rotations = refresh_requests(&e.requests("saas.token").await);
        assert!(rotations >= 20, "rotations: {rotations}");
        assert_eq!(e.count("saas.refresh_reuse"), 0, "no spent refresh token was ever presented");
        // The session is alive: the store's refresh token still works.
        assert!(app.tokens().force_refresh().await.is_ok(), "no sign-in required");
        assert_eq!(e.count("saas.refresh_reuse"), 0);
    }

    /// The pid in the lease value (`<pid>-<random>`), once some process holds the lease.
    async fn lease_holder(redis: &Redis, key: &str) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let v = redis.cli(&["GET", &format!("agenticstar:{key}:lease")]);
            if let Some(pid) = v.trim().split('-').next().and_then(|p| p.parse().ok()) {
                return pid;
            }
            assert!(Instant::now() < deadline, "nobody took the renewal lease");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sigkill_of_the_lease_holder_lets_another_process_renew() {
        let redis = Redis::start();
        let e = Emu::start().await;
        // 16 s tokens: soft window from 8 s left, hard edge 1.6 s before expiry; 2 s leases. The
        // successor's token (at ~10 s) is not renewed again before the workers stop, even if they
        // started late on a loaded machine.
        e.config(json!({"keycloak_lifetime_secs": 16})).await;
        let store = json!({"url": redis.url(), "leaseMs": 2000});
        let config = worker_config(&e, store, json!({"callers": 20, "runMs": 12_500}));
        let fleet = Fleet::spawn(4, &config);
        assert_eq!(e.wait_count("keycloak.token", 1).await, 1);
        // The start-up renewal is done (stored, lease released) before we look for a holder.
        let deadline = Instant::now() + Duration::from_secs(10);
        while redis.cli(&["EXISTS", "agenticstar:fleet"]).trim() != "1"
            || redis.cli(&["EXISTS", "agenticstar:fleet:lease"]).trim() != "0"
        {
            assert!(Instant::now() < deadline, "the first token never landed in Redis");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // The renewal at the soft window will hang for 5 s: its holder is killed meanwhile.
        e.fault(json!({"endpoint": "keycloak.token", "delay_ms": 5000})).await;
        // Look for the holder once its request has arrived (and taken the delay): a worker that
        // starts late takes the lease for a moment too, to load the first token, and killing that
        // one would leave the renewal to finish.
        assert_eq!(e.wait_count("keycloak.token", 2).await, 2, "the renewal request");
        let pid = lease_holder(&redis, "fleet").await;
        let killed = Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
        assert!(killed.success());
        let reports = tokio::task::spawn_blocking(move || fleet.reports()).await.unwrap();
        assert_eq!(reports.len(), 3, "the killed worker leaves no report");
        assert_no_errors(&reports);
        // Start, the dead holder's (answered to nobody), and the successor's after the lease lapsed.
        assert_eq!(e.count("keycloak.token"), 3);
        for r in &reports {
            assert_eq!(r.tokens.len(), 2, "{} worker moved to the successor's token", r.lang);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis_stopped_then_restarted_the_fleet_keeps_working_and_shares_again() {
        use base64::Engine;
        let mut redis = Redis::start();
        let e = Emu::start().await;
        // 6 s tokens: renewed from 3 s left. Encrypted at rest, so every worker language encrypts.
        e.config(json!({"keycloak_lifetime_secs": 6})).await;
        let key = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
        let store = json!({"url": redis.url(), "timeoutMs": 300, "encryptionKey": key});
        let config = worker_config(&e, store.clone(), json!({"callers": 20, "runMs": 27_000}));
        let fleet = Fleet::spawn(4, &config);
        assert_eq!(e.wait_count("keycloak.token", 1).await, 1);
        tokio::time::sleep(Duration::from_secs(1)).await;
        redis.stop();
        // Outage: every process renews on its own (no lease, no store), nobody errors.
        tokio::time::sleep(Duration::from_secs(7)).await;
        let during = e.count("keycloak.token");
        redis.restart();
        // One round to converge on one token (processes held their own), then one renewal per expiry.
        tokio::time::sleep(Duration::from_secs(7)).await;
        let converged = e.count("keycloak.token");
        let reports = tokio::task::spawn_blocking(move || fleet.reports()).await.unwrap();
        let after = e.count("keycloak.token") - converged;
        assert_no_errors(&reports);
        // (Node has no log output: its store errors reach `tokenEvents()`, tested in node/__test__.)
        for r in reports.iter().filter(|r| r.lang != "node") {
            assert_eq!(r.store_warnings, 1, "{} worker: one warning for the outage, then quiet", r.lang);
        }
        assert!(during >= 4, "each process renewed on its own while Redis was down: {during}");
        // 12 s after convergence with renewals every 3 s: about 4 requests, not 4 per process.
        assert!(after <= 5, "one renewal per expiry after the restart: {after} requests in 12 s");
        // What the fleet stored after the restart: readable with the key, no token bytes in clear.
        let stored = agenticstar::token::open_store(&store).unwrap().store.load("fleet").await.unwrap();
        let token = stored.expect("the fleet stored its token again after the restart").access_token;
        let dump = redis.cli(&["HGETALL", "agenticstar:fleet"]) + &redis.cli(&["DUMP", "agenticstar:fleet"]);
        assert!(dump.contains("e1:"), "stored encrypted");
        for piece in token.expose().as_bytes().chunks(12).filter(|p| p.len() == 12) {
            assert!(!dump.contains(std::str::from_utf8(piece).unwrap()), "token bytes visible in Redis");
        }
        assert!(!dump.contains("access_token") && !dump.contains("eyJ"), "no JSON or JWT in clear");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_at_rest_redis_shows_no_token_bytes() {
    use base64::Engine;
    let redis = Redis::start();
    let e = Emu::start().await;
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let store = json!({"url": redis.url(), "encryptionKey": key});
    let app = sign_in(&e, store.clone(), "enc").await;
    let t = app.get_token().await.unwrap();
    let secrets = [
        t.access_token().expose().to_owned(),
        t.refresh_token().unwrap().expose().to_owned(),
        t.id_token().unwrap().expose().to_owned(),
    ];
    let keys = redis.cli(&["--scan"]);
    assert!(keys.contains("agenticstar:enc"), "{keys}");
    let dump = redis.cli(&["HGETALL", "agenticstar:enc"]) + &redis.cli(&["DUMP", "agenticstar:enc"]);
    assert!(dump.contains("e1:"), "stored encrypted");
    for s in &secrets {
        for piece in s.as_bytes().chunks(12).filter(|p| p.len() == 12) {
            assert!(!dump.contains(std::str::from_utf8(piece).unwrap()), "token bytes visible in Redis");
        }
    }
    assert!(!dump.contains("access_token") && !dump.contains("eyJ"), "no JSON or JWT in clear");
    // The same key reads it back; another key or none cannot.
    let read = |spec: Value| async move { agenticstar::token::open_store(&spec).unwrap().store.load("enc").await };
    assert_eq!(read(store.clone()).await.unwrap().unwrap().access_token.expose(), secrets[0]);
    let other = base64::engine::general_purpose::STANDARD.encode([8u8; 32]);
    let wrong = read(json!({"url": redis.url(), "encryptionKey": other})).await.unwrap_err();
    assert_eq!(wrong.kind(), agenticstar::ErrorKind::Store);
    assert!(!wrong.to_string().contains(&secrets[0]));
    assert!(read(json!(redis.url())).await.is_err(), "no key, no token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_and_set_never_overwrites_a_newer_version() {
    let redis = Redis::start();
    let store = agenticstar::RedisStore::new(&redis.url()).unwrap();
    let token = |s: &str| StoredToken {
        access_token: s.into(),
        token_type: "Bearer".into(),
        scope: None,
        expires_at: Some(agenticstar_unix_now() + 60),
        lifetime_secs: Some(60),
        refresh_token: Some(format!("rt-{s}").into()),
        refresh_expires_at: None,
        id_token: None,
    };
    assert!(store.save_if("k", &token("a"), None).await.unwrap());
    let v1 = store.load_versioned("k").await.unwrap().unwrap().version;
    assert!(store.save_if("k", &token("b"), Some(v1)).await.unwrap(), "the holder with the current version writes");
    assert!(!store.save_if("k", &token("stale"), Some(v1)).await.unwrap(), "a stale holder cannot");
    assert!(!store.save_if("k", &token("stale"), None).await.unwrap());
    let now = store.load_versioned("k").await.unwrap().unwrap();
    assert_eq!((now.token.access_token.expose(), now.version), ("b", v1 + 1));
    let ttl: i64 = redis.cli(&["PTTL", "agenticstar:k"]).trim().parse().unwrap();
    assert!(ttl > 0, "tokens are kept with a TTL");

    // The lease: one holder; released on drop; a holder that stops renewing it loses it.
    let agenticstar::Lease::Held(guard) = store.lease("k").await.unwrap() else { panic!("free lease") };
    assert!(matches!(store.lease("k").await.unwrap(), agenticstar::Lease::Busy));
    drop(guard);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !matches!(store.lease("k").await.unwrap(), agenticstar::Lease::Held(_)) {
        assert!(Instant::now() < deadline, "released lease never became free");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn agenticstar_unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}
