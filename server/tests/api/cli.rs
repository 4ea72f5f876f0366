//! The binary itself: bad settings end with exit code 1 and one line naming the problem.

use crate::helpers::TempDir;
use std::process::Command;

fn kedao(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let dir = TempDir::new();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kedao"));
    cmd.args(args).current_dir(&dir.0).env_remove("DATABASE_URL").env("RUST_LOG", "off");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("running kedao");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn assert_one_line_error(stderr: &str, needle: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "exactly one line: {stderr:?}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains(needle), "{stderr:?} should name {needle:?}");
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"));
}

#[test]
fn an_unsupported_database_url_is_named() {
    let (code, _, err) = kedao(&["migrate"], &[("DATABASE_URL", "mysql://root@localhost/kedao")]);
    assert_eq!(code, 1);
    assert_one_line_error(&err, "\"mysql\" is not supported");
}

#[test]
fn an_unreachable_postgres_is_named() {
    let (code, _, err) = kedao(&["migrate"], &[("DATABASE_URL", "postgres://kedao:secret@127.0.0.1:9/kedao")]);
    assert_eq!(code, 1);
    assert_one_line_error(&err, "cannot connect to PostgreSQL at postgres://kedao@127.0.0.1:9/kedao");
    assert!(!err.contains("secret"), "the password is not printed");
}

#[test]
fn a_missing_config_file_is_named() {
    let (code, _, err) = kedao(&["--config", "/nonexistent/kedao.toml", "migrate"], &[]);
    assert_eq!(code, 1);
    assert_one_line_error(&err, "config file not found: /nonexistent/kedao.toml");
}

#[test]
fn a_config_file_with_an_unknown_setting_is_named() {
    let dir = TempDir::new();
    let file = dir.0.join("kedao.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\ndatabse_url = \"sqlite://x.db\"\n").unwrap();
    let (code, _, err) = kedao(&["--config", file.to_str().unwrap(), "migrate"], &[]);
    assert_eq!(code, 1);
    assert_one_line_error(&err, "databse_url");
}

#[test]
fn a_port_in_use_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, _, err) = kedao(&["serve", "--listen", &addr], &[("KEDAO_ENCRYPTION_KEY", crate::helpers::TEST_KEY)]);
    assert_eq!(code, 1);
    assert_one_line_error(&err, &format!("cannot listen on {addr}: address already in use"));
}

#[test]
fn serving_real_data_without_an_encryption_key_is_refused() {
    let (code, _, err) = kedao(&["serve", "--listen", "127.0.0.1:0"], &[]);
    assert_eq!(code, 1);
    assert_one_line_error(&err, "encryption_key is not set");
    assert!(err.contains("kedao gen-key"));
    let (code, _, err) = kedao(&["serve", "--listen", "127.0.0.1:0"], &[("KEDAO_ENCRYPTION_KEY", "k1:c2hvcnQ=")]);
    assert_eq!(code, 1);
    assert_one_line_error(&err, "has 5 bytes; AES-256 needs 32");
}

/// Rotation as the README describes it: new key current, old key previous, `rotate-key`, then the
/// old key can go. A database never opens with a key it was not sealed with.
#[test]
fn keys_rotate_and_a_wrong_key_is_named() {
    let dir = TempDir::new();
    let db = format!("sqlite://{}", dir.0.join("k.db").display());
    let key = |id: &str| {
        let (code, out, err) = kedao(&["gen-key", "--id", id], &[]);
        assert_eq!(code, 0, "{err}");
        out.trim().to_string()
    };
    let (k1, k2) = (key("k1"), key("k2"));
    assert!(k1.starts_with("k1:") && k2.starts_with("k2:") && k1 != k2);
    let (code, out, err) = kedao(&["seed-demo", "--today", "2026-11-22"], &[("DATABASE_URL", &db), ("KEDAO_ENCRYPTION_KEY", &k1)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2000 customers"), "{out}");

    let (code, _, err) = kedao(&["rotate-key"], &[("DATABASE_URL", &db), ("KEDAO_ENCRYPTION_KEY", &k2)]);
    assert_eq!(code, 1);
    assert_one_line_error(&err, "cannot read this database: data sealed with key \"k1\", which is not configured");

    let both = [("DATABASE_URL", db.as_str()), ("KEDAO_ENCRYPTION_KEY", k2.as_str()), ("KEDAO_PREVIOUS_ENCRYPTION_KEYS", k1.as_str())];
    let (code, out, err) = kedao(&["rotate-key"], &both);
    assert_eq!(code, 0, "{err}");
    let resealed: u64 = out.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
    assert!(resealed > 6_000, "every phone, ID and bank number: {out}");

    let (code, out, err) = kedao(&["rotate-key"], &[("DATABASE_URL", &db), ("KEDAO_ENCRYPTION_KEY", &k2)]);
    assert_eq!(code, 0, "the new key alone reads everything: {err}");
    assert!(out.starts_with("re-sealed 0 values"), "{out}");
    let (code, _, err) = kedao(&["rotate-key"], &[("DATABASE_URL", &db), ("KEDAO_ENCRYPTION_KEY", &k1)]);
    assert_eq!(code, 1);
    assert_one_line_error(&err, "key \"k2\", which is not configured");
}

#[test]
fn migrate_then_create_user_then_backup_work_from_the_command_line() {
    let dir = TempDir::new();
    let db = format!("sqlite://{}", dir.0.join("k.db").display());
    let (code, out, err) = kedao(&["migrate"], &[("DATABASE_URL", &db)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("migrations applied"));
    let (code, out, err) = kedao(&["create-user", "--username", "zhao", "--display-name", "赵总", "--role", "director"], &[("DATABASE_URL", &db)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("one-time password"), "{out}");
    let (code, _, err) = kedao(&["create-user", "--username", "zhao", "--display-name", "x", "--role", "director"], &[("DATABASE_URL", &db)]);
    assert_eq!(code, 1);
    assert_one_line_error(&err, "already exists");
    let (code, _, err) = kedao(&["create-user", "--username", "x", "--display-name", "x", "--role", "king"], &[("DATABASE_URL", &db)]);
    assert_eq!(code, 1);
    assert_one_line_error(&err, "unknown role \"king\"");
    let dest = dir.0.join("backup.db");
    let (code, out, err) = kedao(&["backup", dest.to_str().unwrap()], &[("DATABASE_URL", &db)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("backup written"), "{out}");
    assert!(dest.metadata().unwrap().len() > 0);
}
