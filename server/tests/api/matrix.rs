//! The authorization matrix: for every entity type the API offers and every role, which of
//! read / create / update / delete (and the guarded fields) is allowed and which is refused —
//! against the real router on the demo organisation, on SQLite and on PostgreSQL.
//!
//! The expectations are written out by hand below, one row per operation, one column per role;
//! they are the specification, not derived from the code under test. A refused write must also
//! change nothing: the database digest (users, regions, teams, the two customers, shares, audit
//! log) is compared before and after. Customer and opportunity creation and deletion arrive with
//! the sync mutations (no REST route offers them: the `absent` rows); the second matrix covers every
//! mutation type a device pushes × every role (applied, forbidden, not found), with the same
//! nothing-changed check for every refusal.

use crate::helpers::{spawn_app, test_vault, Reply, TestApp};
use kedao::seed::{seed, SeedOptions, DEFAULT_SEED, DEMO_PASSWORD};
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::BTreeSet;
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

// ---------------------------------------------------------------------------------------------
// Writes: every mutation type a device pushes × every role.

/// What the server answers one pushed mutation: applied, or refused as `forbidden` (the user sees
/// the record but may not make this change) or `not_found` (it does not exist, or the user may
/// not see it — the two are indistinguishable on purpose).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Applied,
    Forbidden,
    NotFound,
}

const AP: Write = Write::Applied;
const FB: Write = Write::Forbidden;
const NF: Write = Write::NotFound;

/// (mutation type, target, outcome for [admin, director, manager, supervisor, rep, finance, service]).
/// Targets: "east" is a record of rep1's (上海一组, East China: manager1's region and supervisor1's
/// team); "south" one of rep9's (深圳组, South China: neither's); "missing" an id nobody has.
/// Finance and service see every customer but change none; reps change their own; supervisors,
/// managers, the director and admins change what they answer for. Segments and promotion plans
/// are their owner's: a plan's draft is seen by its owner alone, a submitted one also by who
/// answers for the owner; a private segment by its owner, a shared one by the owner's team and
/// by managers and above.
const WRITES: &[(&str, &str, [Write; 7])] = &[
    ("create_customer", "east", [AP, AP, AP, AP, AP, FB, FB]),
    ("create_customer", "south", [AP, AP, FB, AP, AP, FB, FB]),
    ("update_customer", "east", [AP, AP, AP, AP, AP, FB, FB]),
    ("update_customer", "south", [AP, AP, NF, NF, NF, FB, FB]),
    ("update_customer", "missing", [NF; 7]),
    ("merge_customers", "east", [AP, AP, AP, AP, AP, FB, FB]),
    ("merge_customers", "south", [AP, AP, NF, NF, NF, FB, FB]),
    ("merge_customers", "missing", [NF; 7]),
    ("reassign_customer", "east", [AP, AP, AP, AP, FB, FB, FB]),
    ("reassign_customer", "south", [AP, AP, NF, NF, NF, FB, FB]),
    ("reassign_customer", "missing", [NF; 7]),
    ("create_contact", "east", [AP, AP, AP, AP, AP, FB, FB]),
    ("create_contact", "south", [AP, AP, NF, NF, NF, FB, FB]),
    ("create_contact", "missing", [NF; 7]),
    ("update_contact", "east", [AP, AP, AP, AP, AP, FB, FB]),
    ("update_contact", "south", [AP, AP, NF, NF, NF, FB, FB]),
    ("update_contact", "missing", [NF; 7]),
    ("delete_contact", "east", [AP, AP, AP, AP, AP, FB, FB]),
    ("delete_contact", "south", [AP, AP, NF, NF, NF, FB, FB]),
    ("delete_contact", "missing", [NF; 7]),
    ("create_opportunity", "east", [AP, AP, AP, AP, AP, FB, FB]),
    ("create_opportunity", "south", [AP, AP, NF, NF, NF, FB, FB]),
    ("create_opportunity", "missing", [NF; 7]),
    ("update_opportunity", "east", [AP, AP, AP, AP, AP, FB, FB]),
    ("update_opportunity", "south", [AP, AP, NF, NF, NF, FB, FB]),
    ("update_opportunity", "missing", [NF; 7]),
    ("move_opportunity", "east", [AP, AP, AP, AP, AP, FB, FB]),
    ("move_opportunity", "south", [AP, AP, NF, NF, NF, FB, FB]),
    ("move_opportunity", "missing", [NF; 7]),
    ("tick_criterion", "east", [AP, AP, AP, AP, AP, FB, FB]),
    ("tick_criterion", "south", [AP, AP, NF, NF, NF, FB, FB]),
    ("tick_criterion", "missing", [NF; 7]),
    ("reassign_opportunity", "east", [AP, AP, AP, AP, FB, FB, FB]),
    ("reassign_opportunity", "south", [AP, AP, NF, NF, NF, FB, FB]),
    ("reassign_opportunity", "missing", [NF; 7]),
    ("attribute_order", "east", [AP, AP, AP, AP, AP, FB, FB]),
    ("attribute_order", "south", [AP, AP, NF, NF, NF, FB, FB]),
    ("attribute_order", "missing", [NF; 7]),
    ("save_segment", "new", [AP; 7]),
    ("save_segment", "rep1's private", [FB, FB, FB, FB, AP, FB, FB]),
    ("delete_segment", "rep1's private", [NF, NF, NF, NF, AP, NF, NF]),
    ("delete_segment", "rep1's shared", [FB, FB, FB, FB, AP, NF, NF]),
    ("delete_segment", "missing", [NF; 7]),
    ("save_promotion", "new", [AP; 7]),
    ("save_promotion", "rep1's draft", [FB, FB, FB, FB, AP, FB, FB]),
    ("submit_promotion", "rep1's draft", [NF, NF, NF, NF, AP, NF, NF]),
    ("submit_promotion", "missing", [NF; 7]),
    ("decide_promotion", "rep1's submitted", [AP, AP, AP, FB, FB, NF, NF]),
    ("decide_promotion", "rep9's submitted", [AP, AP, NF, NF, NF, NF, NF]),
    ("decide_promotion", "missing", [NF; 7]),
    ("delete_promotion", "rep1's draft", [NF, NF, NF, NF, AP, NF, NF]),
    ("delete_promotion", "missing", [NF; 7]),
];

/// An id nobody has.
const MISSING: &str = "ffffffff-ffff-4fff-8fff-ffffffffffff";

/// The demo organisation signed in once per role, plus rep9 (the south side's owner).
struct Writes {
    app: TestApp,
    /// USERS' cookies, then rep9's.
    cookies: Vec<String>,
    seq: std::sync::atomic::AtomicU64,
    /// (east, south) customers of rep1 and rep9, and one contact and one order of each.
    customer: [String; 2],
    contact: [String; 2],
    order: [String; 2],
    /// Who a customer (rep2, rep10) and a deal (supervisor1, supervisor3) are handed to, per side.
    customer_heir: [String; 2],
    deal_heir: [String; 2],
    approved_plan: String,
}

const REP1: usize = 4;
const REP9: usize = 7;

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn side(target: &str) -> usize {
    usize::from(target == "south")
}

impl Writes {
    /// Pushes one mutation as `who` (an index into `cookies`) and returns its outcome.
    async fn push(&self, who: usize, op: Value) -> Value {
        let seq = self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let device = format!("00000000-0000-4000-8000-{who:012}");
        let body = json!({"client_id": device, "mutations": [{"seq": seq, "at_ms": 1_764_979_200_000u64 + seq, "op": op}]});
        let res = self.app.call("POST", "/api/sync/push", &self.cookies[who], Some(&body)).await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["results"][0]["outcome"].clone()
    }

    /// Pushes a mutation that sets up a cell; it must apply.
    async fn setup(&self, who: usize, op: Value) {
        let outcome = self.push(who, op.clone()).await;
        assert_eq!(outcome["status"], "applied", "setting up {op}: {outcome}");
    }

    /// The owner of a side's records: rep1 (east) or rep9 (south).
    fn owner(target: &str) -> usize {
        if side(target) == 1 {
            REP9
        } else {
            REP1
        }
    }

    async fn fresh_customer(&self, target: &str) -> String {
        let id = uuid();
        let region = if side(target) == 1 { "south" } else { "east" };
        self.setup(Self::owner(target), create_customer(&id, region)).await;
        id
    }

    async fn fresh_contact(&self, target: &str) -> String {
        let id = uuid();
        let customer = &self.customer[side(target)];
        self.setup(Self::owner(target), json!({"type": "create_contact", "id": id, "customer_id": customer, "name": "临时联系人"})).await;
        id
    }

    async fn fresh_deal(&self, target: &str) -> String {
        let id = uuid();
        self.setup(Self::owner(target), create_opportunity(&id, &self.customer[side(target)])).await;
        id
    }

    async fn fresh_segment(&self, shared: bool) -> String {
        let id = uuid();
        self.setup(REP1, json!({"type": "save_segment", "id": id, "name": "矩阵细分", "rule": {}, "period_days": 365, "shared": shared})).await;
        id
    }

    async fn fresh_plan(&self, owner: usize, submitted: bool) -> String {
        let id = uuid();
        self.setup(owner, json!({"type": "save_promotion", "id": id, "draft": plan_draft()})).await;
        if submitted {
            self.setup(owner, json!({"type": "submit_promotion", "id": id})).await;
        }
        id
    }

    async fn text(&self, sql: &str, id: &str) -> Option<String> {
        sqlx::query(sql).bind(id).fetch_optional(self.app.db.pool()).await.unwrap().and_then(|r| r.try_get::<Option<String>, _>(0).unwrap())
    }

    /// The mutation `role` sends for one cell of the matrix, after setting up what it needs.
    async fn mutation(&self, role: usize, ty: &str, target: &str) -> Value {
        let missing = target == "missing";
        let s = side(target);
        let customer = if missing { MISSING.to_string() } else { self.customer[s].clone() };
        let tag = format!("{}-{}", USERS[role], self.seq.load(std::sync::atomic::Ordering::Relaxed));
        match ty {
            "create_customer" => create_customer(&uuid(), if s == 1 { "south" } else { "east" }),
            "update_customer" => {
                let city = self.text("SELECT city FROM customers WHERE id = $1", &customer).await;
                json!({"type": ty, "id": customer, "edits": [{"field": "city", "original": city, "value": format!("城{tag}")}]})
            }
            "merge_customers" if missing => json!({"type": ty, "keep": MISSING, "merged": "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee"}),
            "merge_customers" => json!({"type": ty, "keep": self.fresh_customer(target).await, "merged": self.fresh_customer(target).await}),
            "reassign_customer" => {
                let id = if missing { MISSING.to_string() } else { self.fresh_customer(target).await };
                json!({"type": ty, "id": id, "to": self.customer_heir[s]})
            }
            "create_contact" => json!({"type": ty, "id": uuid(), "customer_id": customer, "name": "新联系人"}),
            "update_contact" => {
                let id = if missing { MISSING.to_string() } else { self.contact[s].clone() };
                let title = self.text("SELECT title FROM contacts WHERE id = $1", &id).await;
                json!({"type": ty, "id": id, "edits": [{"field": "title", "original": title, "value": format!("经理{tag}")}]})
            }
            "delete_contact" => json!({"type": ty, "id": if missing { MISSING.to_string() } else { self.fresh_contact(target).await }}),
            "create_opportunity" => create_opportunity(&uuid(), &customer),
            "update_opportunity" | "move_opportunity" | "tick_criterion" | "reassign_opportunity" => {
                let id = if missing { MISSING.to_string() } else { self.fresh_deal(target).await };
                match ty {
                    "update_opportunity" => json!({"type": ty, "id": id, "edits": [{"field": "next_step", "original": null, "value": format!("拜访{tag}")}]}),
                    "move_opportunity" => json!({"type": ty, "id": id, "from": "initial_contact", "to": "initial_contact", "rank": "m"}),
                    "tick_criterion" => json!({"type": ty, "id": id, "stage": "initial_contact", "code": "contact_known", "ticked": true}),
                    _ => json!({"type": ty, "id": id, "to": self.deal_heir[s]}),
                }
            }
            "attribute_order" => {
                let id = if missing { MISSING.to_string() } else { self.order[s].clone() };
                // Alternates, so that every allowed cell changes something.
                let current = self.text("SELECT campaign_id FROM orders WHERE id = $1", &id).await;
                let plan = if current.is_some() { None } else { Some(self.approved_plan.clone()) };
                json!({"type": ty, "id": id, "plan": plan})
            }
            "save_segment" => {
                let id = if target == "new" { uuid() } else { self.fresh_segment(false).await };
                json!({"type": ty, "id": id, "name": format!("细分{tag}"), "rule": {}, "period_days": 180, "shared": false})
            }
            "delete_segment" => {
                let id = match target {
                    "missing" => MISSING.to_string(),
                    t => self.fresh_segment(t == "rep1's shared").await,
                };
                json!({"type": ty, "id": id})
            }
            "save_promotion" => {
                let id = if target == "new" { uuid() } else { self.fresh_plan(REP1, false).await };
                json!({"type": ty, "id": id, "draft": plan_draft()})
            }
            "submit_promotion" | "delete_promotion" => {
                let id = if missing { MISSING.to_string() } else { self.fresh_plan(REP1, false).await };
                json!({"type": ty, "id": id})
            }
            "decide_promotion" => {
                let id = match target {
                    "missing" => MISSING.to_string(),
                    "rep9's submitted" => self.fresh_plan(REP9, true).await,
                    _ => self.fresh_plan(REP1, true).await,
                };
                json!({"type": ty, "id": id, "approve": role.is_multiple_of(2), "note": "矩阵"})
            }
            other => panic!("no mutation {other:?} in the write matrix"),
        }
    }

    /// Everything a refused mutation could have touched: rows and versions of every table a
    /// mutation writes, orders' attributions, the audit log and the change feed.
    async fn digest(&self) -> Vec<String> {
        let mut out = Vec::new();
        for table in ["customers", "contacts", "opportunities", "saved_segments", "promotion_plans"] {
            let sql = format!("SELECT CAST(COUNT(*) AS TEXT) || '|' || CAST(COALESCE(SUM(version), 0) AS TEXT) AS r FROM {table}");
            out.push(format!("{table}: {}", self.one_row(&sql).await));
        }
        for sql in [
            "SELECT CAST(COUNT(*) AS TEXT) AS r FROM orders WHERE campaign_id IS NOT NULL",
            "SELECT CAST(COUNT(*) AS TEXT) AS r FROM audit_log",
            "SELECT CAST(COUNT(*) AS TEXT) AS r FROM change_log",
            "SELECT CAST(COUNT(*) AS TEXT) AS r FROM opportunity_stage_history",
        ] {
            out.push(self.one_row(sql).await);
        }
        out
    }

    async fn one_row(&self, sql: &str) -> String {
        sqlx::query(sql).fetch_one(self.app.db.pool()).await.unwrap().try_get::<String, _>("r").unwrap()
    }
}

fn create_customer(id: &str, region: &str) -> Value {
    json!({"type": "create_customer", "id": id, "name": format!("矩阵客户{}", &id[..8]), "kind": "company", "region": region, "city": "杭州",
           "industry": "electronics", "size": "small", "business_type": "end_user", "phone": null})
}

fn create_opportunity(id: &str, customer: &str) -> Value {
    json!({"type": "create_opportunity", "id": id, "customer_id": customer, "pipeline": "project", "title": "矩阵商机", "amount_fen": 100_000,
           "expected_close": "2027-01-31", "source": "website"})
}

fn plan_draft() -> Value {
    json!({"name": "矩阵方案", "channel": "visit", "kind": "cash_discount", "intensity_bp": 1000, "gift_fen": 0, "from": "2026-12-01", "to": "2026-12-31",
           "budget_fen": 5_000_000, "model": {"base_uptake_bp": [3000, 2000, 1200, 500], "uptake_per_point_bp": 150, "lift_bp": 2500}})
}

#[tokio::test]
async fn every_mutation_type_and_role_gets_exactly_what_the_matrix_allows() {
    // Every mutation type a device can send has its rows.
    let covered: BTreeSet<&str> = WRITES.iter().map(|(ty, ..)| *ty).collect();
    let known: BTreeSet<&str> = kedao_app::domain::sync::known_types().iter().copied().collect();
    assert_eq!(covered, known, "the write matrix must cover every mutation type, and only those");

    let app = spawn_app().await;
    seed(&app.db, &test_vault(), SeedOptions { scale: 1, seed: DEFAULT_SEED, today: date!(2026 - 11 - 22) }).await.unwrap();
    let mut cookies = Vec::new();
    for user in USERS.iter().chain(&["rep9"]) {
        let res = app.post_json("/api/auth/login", &json!({"username": user, "password": DEMO_PASSWORD})).await;
        assert_eq!(res.status, 200, "{user}");
        cookies.push(res.header("set-cookie").unwrap().split(';').next().unwrap().to_string());
    }
    let user = |name: &'static str| {
        let app = &app;
        async move { one(app, "SELECT id FROM users WHERE username = $1", name).await }
    };
    let (rep1, rep9) = (user("rep1").await, user("rep9").await);
    let customer_with = |owner: String, table: &'static str| {
        let app = &app;
        async move {
            let sql = format!(
                "SELECT c.id FROM customers c WHERE c.owner_id = $1 AND EXISTS (SELECT 1 FROM {table} x WHERE x.customer_id = c.id) ORDER BY c.id LIMIT 1"
            );
            one(app, &sql, &owner).await
        }
    };
    // One customer per side with both contacts and orders.
    let east = customer_with(rep1.clone(), "orders").await;
    let south = customer_with(rep9.clone(), "orders").await;
    let mut w = Writes {
        customer: [east.clone(), south.clone()],
        contact: [
            one(&app, "SELECT id FROM contacts WHERE customer_id = $1 ORDER BY id LIMIT 1", &east).await,
            one(&app, "SELECT id FROM contacts WHERE customer_id = $1 ORDER BY id LIMIT 1", &south).await,
        ],
        order: [
            one(&app, "SELECT id FROM orders WHERE customer_id = $1 ORDER BY id LIMIT 1", &east).await,
            one(&app, "SELECT id FROM orders WHERE customer_id = $1 ORDER BY id LIMIT 1", &south).await,
        ],
        customer_heir: [user("rep2").await, user("rep10").await],
        deal_heir: [user("supervisor1").await, user("supervisor3").await],
        approved_plan: String::new(),
        cookies,
        seq: std::sync::atomic::AtomicU64::new(1),
        app,
    };
    let plan = w.fresh_plan(REP1, true).await;
    w.setup(2, json!({"type": "decide_promotion", "id": plan, "approve": true, "note": ""})).await;
    w.approved_plan = plan;

    let mut failures = Vec::new();
    let mut cells = 0;
    for &(ty, target, expected) in WRITES {
        for (role, &expect) in expected.iter().enumerate() {
            let op = w.mutation(role, ty, target).await;
            let before = w.digest().await;
            let outcome = w.push(role, op.clone()).await;
            let after = w.digest().await;
            cells += 1;
            let got = match (outcome["status"].as_str(), outcome["reason"].as_str()) {
                (Some("applied"), _) => Some(AP),
                (Some("rejected"), Some("forbidden")) => Some(FB),
                (Some("rejected"), Some("not_found")) => Some(NF),
                _ => None,
            };
            let who = USERS[role];
            if got != Some(expect) {
                failures.push(format!("{ty} / {target} / {who}: expected {expect:?}, got {outcome}"));
            } else if expect == AP {
                assert_ne!(before, after, "{ty} / {target} / {who}: applied but nothing changed");
            } else {
                assert_eq!(before, after, "{ty} / {target} / {who}: a refused mutation changed data");
            }
        }
    }
    assert_eq!(cells, WRITES.len() * USERS.len());
    assert!(failures.is_empty(), "write matrix mismatches:\n{}", failures.join("\n"));
}
