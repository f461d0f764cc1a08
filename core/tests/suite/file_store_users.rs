//! The token file in shared directories, attacked by a second user. The test runs as root and
//! plays the attacker as uid 65534 through `setpriv`; without root it cannot have two users and
//! says so (CI runs as root).
#![cfg(unix)]
use crate::common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use agenticstar::{ErrorKind, FileStore, TokenStore};
use common::Emu;

const ATTACKER: &str = "65534";

fn is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

/// Run `script` as the attacker; true if it succeeded.
fn as_attacker(script: &str) -> bool {
    Command::new("setpriv")
        .args(["--reuid", ATTACKER, "--regid", ATTACKER, "--clear-groups", "sh", "-c", script])
        .status()
        .expect("setpriv runs")
        .success()
}

fn shared_dir(mode: u32) -> PathBuf {
    let d = std::env::temp_dir().join(format!("agst-shared-{}-{mode:o}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir(&d).unwrap();
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(mode)).unwrap();
    d
}

async fn a_real_token() -> agenticstar::StoredToken {
    let e = Emu::start().await;
    e.saas_cc().get_token().await.unwrap().to_stored()
}

fn q(p: &Path) -> String {
    format!("'{}'", p.display())
}

#[tokio::test]
async fn another_user_cannot_steal_or_plant_tokens() {
    if !is_root() {
        eprintln!("skipped: two users need root (setpriv); CI runs this as root");
        return;
    }
    let token = a_real_token().await;
    let secret = token.access_token.expose().to_owned();

    // 1. World-writable, not sticky: the attacker prepares the old temporary name as a symlink
    //    to a file of their own. The store refuses the directory; nothing reaches their file.
    let open = shared_dir(0o777);
    let file = open.join("tokens.json");
    let stolen = open.join("stolen");
    let old_tmp = open.join(format!("tokens.tmp{}", std::process::id()));
    assert!(as_attacker(&format!("touch {s} && chmod 666 {s} && ln -s {s} {t}", s = q(&stolen), t = q(&old_tmp))));
    let store = FileStore::new(&file);
    let err = store.save("k", &token).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.message().contains("writable by other users"), "{}", err.message());
    assert_eq!(std::fs::read(&stolen).unwrap(), b"", "nothing written through the attacker's symlink");
    assert!(store.load("k").await.is_err(), "nor read from such a directory");

    // 2. World-writable and sticky (like /tmp): allowed, but a token file the attacker created
    //    (with a token they planted) is refused, for reading and for writing.
    let sticky = shared_dir(0o1777);
    let planted = sticky.join("tokens.json");
    let body = r#"{"k":{"access_token":"planted-by-attacker","expires_at":9999999999}}"#;
    assert!(as_attacker(&format!("printf '%s' '{body}' > {p} && chmod 666 {p}", p = q(&planted))));
    let store = FileStore::new(&planted);
    let err = store.load("k").await.unwrap_err();
    assert!(err.message().contains("owned by another user"), "{}", err.message());
    assert!(store.save("k", &token).await.is_err());
    assert!(!std::fs::read_to_string(&planted).unwrap().contains(&secret));

    // 3. The attacker's symlinks at the lock name and at a guessed temporary name do nothing.
    let mine = sticky.join("mine.json");
    let lock = sticky.join("mine.json.lock");
    let decoy = sticky.join("decoy");
    assert!(as_attacker(&format!("touch {d} && chmod 666 {d} && ln -s {d} {l}", d = q(&decoy), l = q(&lock))));
    let store = FileStore::new(&mine);
    assert!(store.lock("k").await.is_err(), "the lock file is not opened through a symlink");
    std::fs::remove_file(&lock).unwrap_or_default();
    store.save("k", &token).await.unwrap();
    assert_eq!(std::fs::read(&decoy).unwrap(), b"");
    let meta = std::fs::symlink_metadata(&mine).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o777), (0, 0o600), "owned by us, 0600");
    assert!(!as_attacker(&format!("cat {} >/dev/null 2>&1", q(&mine))), "the attacker cannot read it");
    assert_eq!(store.load("k").await.unwrap().unwrap().access_token.expose(), secret);
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(&sticky).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.iter().all(|n| !n.to_string_lossy().contains(".tmp")), "{left:?}");

    let _ = std::fs::remove_dir_all(&open);
    let _ = std::fs::remove_dir_all(&sticky);
}

#[test]
fn tilde_is_the_home_directory() {
    let home = std::env::var("HOME").unwrap();
    assert_eq!(FileStore::new("~/.config/x/tokens.json").path(), Path::new(&home).join(".config/x/tokens.json"));
    assert_eq!(FileStore::new("~").path(), Path::new(&home));
    assert_eq!(FileStore::new("./~/x").path(), Path::new("./~/x"));
}
