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
    let (code, _, err) = kedao(&["serve", "--listen", &addr], &[]);
    assert_eq!(code, 1);
    assert_one_line_error(&err, &format!("cannot listen on {addr}: address already in use"));
}

#[test]
fn migrate_then_create_user_then_backup_work_from_the_command_line() {
    let dir = TempDir::new();
    let db = format!("sqlite://{}", dir.0.join("k.db").display());
    let (code, out, err) = kedao(&["migrate"], &[("DATABASE_URL", &db)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("migrations applied"));
    let (code, out, err) = kedao(
        &["create-user", "--username", "zhao", "--display-name", "赵总", "--role", "director"],
        &[("DATABASE_URL", &db)],
    );
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
