//! The authorization matrix: for every entity type the API offers and every role, which of
//! read / create / update / delete (and the guarded fields) is allowed and which is refused —
//! against the real router on the demo organisation, on SQLite and on PostgreSQL.
//!
//! The expectations are written out by hand below, one row per operation, one column per role;
//! they are the specification, not derived from the code under test. A refused write must also
//! change nothing: the database digest (users, regions, teams, the two customers, shares, audit
//! log) is compared before and after. Customer and opportunity creation and deletion arrive with
//! the sync mutations of issue 4; until then no route offers them (the `absent` rows).

use crate::helpers::{spawn_app, test_vault, Reply, TestApp};
use kedao::seed::{seed, SeedOptions, DEFAULT_SEED, DEMO_PASSWORD};
use serde_json::{json, Value};
use sqlx::Row;
use time::macros::date;

/// One representative user per role, in the order of the matrix columns.
const USERS: [&str; 7] = ["admin", "director", "manager1", "supervisor1", "rep1", "finance1", "service1"];

const Y: bool = true;
const N: bool = false;

/// (entity, operation, allowed for [admin, director, manager, supervisor, rep, finance, service]).
/// "east" is a customer of rep1 (上海一组, region east: manager1's and supervisor1's); "south" one
/// of rep9 (深圳组, region south: none of theirs).
const MATRIX: &[(&str, &str, [bool; 7])] = &[
    ("customer", "read east", [Y, Y, Y, Y, Y, Y, Y]),
    ("customer", "read south", [Y, Y, N, N, N, Y, Y]),
    ("customer", "list only visible", [Y, Y, Y, Y, Y, Y, Y]),
    ("customer", "unmasked phone east", [N, N, N, N, Y, N, N]),
    ("customer", "update owner east", [Y, Y, Y, Y, N, N, N]),
    ("customer", "update owner south", [Y, Y, N, N, N, N, N]),
    ("customer", "share east", [Y, Y, Y, Y, Y, N, N]),
    ("customer", "history east", [Y, Y, Y, N, N, N, N]),
    ("customer", "create (absent)", [N, N, N, N, N, N, N]),
    ("customer", "delete (absent)", [N, N, N, N, N, N, N]),
    ("contact", "read east", [Y, Y, Y, Y, Y, Y, Y]),
    ("contact", "read south", [Y, Y, N, N, N, Y, Y]),
    ("product", "read", [Y, Y, Y, Y, Y, Y, Y]),
    ("product", "cost field", [Y, Y, Y, N, N, N, N]),
    ("user", "read", [Y, N, N, N, N, N, N]),
    ("user", "create", [Y, N, N, N, N, N, N]),
    ("user", "update", [Y, N, N, N, N, N, N]),
    ("user", "delete", [Y, N, N, N, N, N, N]),
    ("user", "reset password", [Y, N, N, N, N, N, N]),
    ("session", "delete all of a user", [Y, N, N, N, N, N, N]),
    ("region", "create", [Y, N, N, N, N, N, N]),
    ("region", "update", [Y, N, N, N, N, N, N]),
    ("region", "delete", [Y, N, N, N, N, N, N]),
    ("team", "create", [Y, N, N, N, N, N, N]),
    ("team", "update", [Y, N, N, N, N, N, N]),
    ("team", "delete", [Y, N, N, N, N, N, N]),
];

struct Fixture {
    app: TestApp,
    cookies: Vec<String>,
    east: String,
    south: String,
    rep1: String,
}

async fn one(app: &TestApp, sql: &str, bind: &str) -> String {
    sqlx::query(sql).bind(bind).fetch_one(app.db.pool()).await.unwrap().try_get(0).unwrap()
}

async fn exec(app: &TestApp, sql: &str, binds: &[&str]) {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(app.db.pool()).await.unwrap();
}

/// Everything a refused write could have touched.
async fn digest(f: &Fixture) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT id || '|' || display_name || '|' || role || '|' || COALESCE(team_id, '') || '|' || COALESCE(manager_id, '') \
         || '|' || CASE WHEN active THEN 'a' ELSE 'i' END || '|' || password_hash AS r FROM users ORDER BY id",
        "SELECT id || '|' || code || '|' || name_zh || '|' || name_en AS r FROM regions ORDER BY id",
        "SELECT id || '|' || region_id || '|' || name_zh || '|' || name_en AS r FROM teams ORDER BY id",
        "SELECT customer_id || '|' || user_id AS r FROM customer_shares ORDER BY customer_id, user_id",
        "SELECT CAST(COUNT(*) AS TEXT) AS r FROM audit_log",
        "SELECT CAST(COUNT(*) AS TEXT) AS r FROM sessions",
        "SELECT CAST(COUNT(*) AS TEXT) AS r FROM customers",
    ] {
        for row in sqlx::query(sql).fetch_all(f.app.db.pool()).await.unwrap() {
            out.push(row.try_get::<String, _>("r").unwrap());
        }
    }
    for id in [&f.east, &f.south] {
        let row = sqlx::query("SELECT owner_id, version FROM customers WHERE id = $1").bind(id).fetch_one(f.app.db.pool()).await.unwrap();
        out.push(format!("{}|{}", row.try_get::<String, _>("owner_id").unwrap(), row.try_get::<i64, _>("version").unwrap()));
    }
    out
}

async fn version(f: &Fixture, id: &str) -> i64 {
    sqlx::query("SELECT version FROM customers WHERE id = $1").bind(id).fetch_one(f.app.db.pool()).await.unwrap().try_get("version").unwrap()
}

/// What happened: a reply, or for field rows whether the field was visible.
enum Outcome {
    Reply(Reply),
    Field { visible: bool, reply: Reply },
}

/// Performs one operation as the user signed in with `cookie`, then undoes an allowed write so
/// the next role starts from the same state.
async fn perform(f: &Fixture, role: usize, entity: &str, op: &str) -> Outcome {
    let app = &f.app;
    let cookie = f.cookies[role].as_str();
    let tag = USERS[role];
    let reply = match (entity, op) {
        ("customer" | "contact", "read east") => {
            let r = app.call("GET", &format!("/api/customers/{}", f.east), cookie, None).await;
            if entity == "contact" && r.status == 200 {
                assert!(!r.json()["contacts"].as_array().unwrap().is_empty(), "the east customer has contacts");
            }
            r
        }
        ("customer" | "contact", "read south") => app.call("GET", &format!("/api/customers/{}", f.south), cookie, None).await,
        ("customer", "list only visible") => {
            let r = app.call("GET", "/api/customers?limit=1000", cookie, None).await;
            let ids: Vec<String> = r.json()["customers"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
            // Every listed customer opens; the list shows exactly what may be read.
            let sees_south = ids.contains(&f.south);
            let may_read_south = app.call("GET", &format!("/api/customers/{}", f.south), cookie, None).await.status == 200;
            assert_eq!(sees_south, may_read_south, "{tag}: list and detail agree on the south customer");
            r
        }
        ("customer", "unmasked phone east") => {
            let r = app.call("GET", &format!("/api/customers/{}", f.east), cookie, None).await;
            let body = r.json();
            let phones: Vec<&str> = std::iter::once(&body["customer"]["phone"])
                .chain(body["contacts"].as_array().unwrap().iter().map(|c| &c["phone"]))
                .filter_map(Value::as_str)
                .collect();
            assert!(!phones.is_empty());
            let unmasked = phones.iter().filter(|p| !p.contains('*')).count();
            assert!(unmasked == 0 || unmasked == phones.len(), "{tag}: all or nothing");
            return Outcome::Field { visible: unmasked > 0, reply: r };
        }
        ("customer", "update owner east") => {
            let v = version(f, &f.east).await;
            let r = app.call("POST", &format!("/api/customers/{}/owner", f.east), cookie, Some(&json!({"owner": "rep2", "version": v}))).await;
            exec(app, "UPDATE customers SET owner_id = $1 WHERE id = $2", &[&f.rep1, &f.east]).await;
            r
        }
        ("customer", "update owner south") => {
            let v = version(f, &f.south).await;
            let owner = one(app, "SELECT owner_id FROM customers WHERE id = $1", &f.south).await;
            let r = app.call("POST", &format!("/api/customers/{}/owner", f.south), cookie, Some(&json!({"owner": "rep10", "version": v}))).await;
            exec(app, "UPDATE customers SET owner_id = $1 WHERE id = $2", &[&owner, &f.south]).await;
            r
        }
        ("customer", "share east") => {
            let r = app.call("POST", &format!("/api/customers/{}/shares", f.east), cookie, Some(&json!({"username": "rep3"}))).await;
            exec(app, "DELETE FROM customer_shares WHERE customer_id = $1", &[&f.east]).await;
            r
        }
        ("customer", "history east") => app.call("GET", &format!("/api/customers/{}/history", f.east), cookie, None).await,
        ("customer", "create (absent)") => app.call("POST", "/api/customers", cookie, Some(&json!({"name": "新客户"}))).await,
        ("customer", "delete (absent)") => app.call("DELETE", &format!("/api/customers/{}", f.east), cookie, None).await,
        ("product", "read") => app.call("GET", "/api/products", cookie, None).await,
        ("product", "cost field") => {
            let r = app.call("GET", "/api/products", cookie, None).await;
            let products = r.json();
            let with_cost = products.as_array().unwrap().iter().filter(|p| !p["unit_cost_fen"].is_null()).count();
            assert!(with_cost == 0 || with_cost == products.as_array().unwrap().len());
            return Outcome::Field { visible: with_cost > 0, reply: r };
        }
        ("user", "read") => app.call("GET", "/api/admin/org", cookie, None).await,
        ("user", "create") => {
            let body = json!({"username": format!("matrix-{tag}"), "display_name": "矩阵", "role": "director"});
            app.call("POST", "/api/admin/users", cookie, Some(&body)).await
        }
        ("user", "update") => {
            let team = one(app, "SELECT team_id FROM users WHERE username = $1", "rep4").await;
            let body = json!({"username": "rep4", "display_name": format!("改名-{tag}"), "role": "rep", "team_id": team});
            app.call("PUT", "/api/admin/users/rep4", cookie, Some(&body)).await
        }
        ("user", "delete") => {
            let r = app.call("DELETE", "/api/admin/users/rep24", cookie, None).await;
            exec(app, "UPDATE users SET active = TRUE WHERE username = $1", &["rep24"]).await;
            r
        }
        ("user", "reset password") => app.call("POST", "/api/admin/users/rep22/password", cookie, None).await,
        ("session", "delete all of a user") => app.call("DELETE", "/api/admin/users/rep23/sessions", cookie, None).await,
        ("region", "create") => {
            let body = json!({"code": format!("r_{}", tag.replace(|c: char| !c.is_ascii_alphanumeric(), "")), "name_zh": "新区", "name_en": "New"});
            app.call("POST", "/api/admin/regions", cookie, Some(&body)).await
        }
        ("region", "update") => {
            let id = one(app, "SELECT id FROM regions WHERE code = $1", "east").await;
            app.call("PUT", &format!("/api/admin/regions/{id}"), cookie, Some(&json!({"name_zh": format!("华东-{tag}"), "name_en": "East"}))).await
        }
        ("region", "delete") => {
            let id = format!("empty-region-{role}");
            exec(app, "INSERT INTO regions (id, code, name_zh, name_en) VALUES ($1, $1, '空', 'Empty')", &[&id]).await;
            let before = digest(f).await;
            let r = app.call("DELETE", &format!("/api/admin/regions/{id}"), cookie, None).await;
            if r.status.is_success() {
                assert_ne!(digest(f).await, before);
            }
            exec(app, "DELETE FROM regions WHERE id = $1", &[&id]).await;
            r
        }
        ("team", "create") => {
            let region = one(app, "SELECT id FROM regions WHERE code = $1", "north").await;
            app.call("POST", "/api/admin/teams", cookie, Some(&json!({"region_id": region, "name_zh": "新组", "name_en": "New team"}))).await
        }
        ("team", "update") => {
            let id = one(app, "SELECT team_id FROM users WHERE username = $1", "rep1").await;
            app.call("PUT", &format!("/api/admin/teams/{id}"), cookie, Some(&json!({"name_zh": format!("上海一组-{tag}"), "name_en": "Shanghai 1"}))).await
        }
        ("team", "delete") => {
            let region = one(app, "SELECT id FROM regions WHERE code = $1", "north").await;
            let id = format!("empty-team-{role}");
            exec(app, "INSERT INTO teams (id, region_id, name_zh, name_en) VALUES ($1, $2, '空组', 'Empty')", &[&id, &region]).await;
            let r = app.call("DELETE", &format!("/api/admin/teams/{id}"), cookie, None).await;
            exec(app, "DELETE FROM teams WHERE id = $1", &[&id]).await;
            r
        }
        other => panic!("no operation {other:?}"),
    };
    Outcome::Reply(reply)
}

#[tokio::test]
async fn every_role_gets_exactly_what_the_matrix_allows() {
    let app = spawn_app().await;
    seed(&app.db, &test_vault(), SeedOptions { scale: 1, seed: DEFAULT_SEED, today: date!(2026 - 11 - 22) }).await.unwrap();
    let mut cookies = Vec::new();
    for user in USERS {
        let res = app.post_json("/api/auth/login", &json!({"username": user, "password": DEMO_PASSWORD})).await;
        assert_eq!(res.status, 200, "{user}");
        cookies.push(res.header("set-cookie").unwrap().split(';').next().unwrap().to_string());
    }
    let rep1 = one(&app, "SELECT id FROM users WHERE username = $1", "rep1").await;
    let rep9 = one(&app, "SELECT id FROM users WHERE username = $1", "rep9").await;
    let east = one(&app, "SELECT id FROM customers WHERE owner_id = $1 AND phone IS NOT NULL ORDER BY id LIMIT 1", &rep1).await;
    let south = one(&app, "SELECT id FROM customers WHERE owner_id = $1 ORDER BY id LIMIT 1", &rep9).await;
    let f = Fixture { app, cookies, east, south, rep1 };

    let mut failures = Vec::new();
    for &(entity, op, allowed) in MATRIX {
        for (role, &expect) in allowed.iter().enumerate() {
            let before = digest(&f).await;
            let outcome = perform(&f, role, entity, op).await;
            let (got, reply) = match outcome {
                Outcome::Field { visible, reply } => (visible, reply),
                Outcome::Reply(reply) => (reply.status.is_success(), reply),
            };
            let who = USERS[role];
            if got != expect {
                failures.push(format!(
                    "{entity} / {op} / {who}: expected {}, got {} {}",
                    if expect { "allowed" } else { "refused" },
                    reply.status,
                    reply.text()
                ));
                continue;
            }
            if !expect && !matches!(op, "unmasked phone east" | "cost field") {
                // Refused clearly, without leaking anything, and nothing changed.
                assert!([403, 404, 405].contains(&reply.status.as_u16()), "{entity} / {op} / {who}: {}", reply.status);
                assert!(reply.body.len() < 200, "{entity} / {op} / {who}: a refusal says only why: {}", reply.text());
                let after = digest(&f).await;
                assert!(before == after, "{entity} / {op} / {who}: a refused request changed data");
            }
        }
    }
    assert!(failures.is_empty(), "matrix mismatches:\n{}", failures.join("\n"));
}
