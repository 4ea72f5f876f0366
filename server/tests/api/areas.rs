//! The push loop and the areas' shared commands: one savepoint per mutation (a fault leaves
//! nothing written and never blocks the queue behind it), each seq applied at most once, and
//! cross-area effects (merge, reassign) handled by every area for its own rows, whichever path
//! asks for them.

use crate::helpers::{demo, login, TestApp};
use crate::sync::push;
use kedao::db::Backend;
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::BTreeSet;

const DEVICE: &str = "3c2b1a09-8f7e-4d6c-9b5a-493827161504";

async fn scalar(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query(sql).bind(bind).fetch_one(app.db.pool()).await.unwrap().try_get::<i64, _>(0).unwrap()
}

async fn text(app: &TestApp, sql: &str, bind: &str) -> String {
    sqlx::query(sql).bind(bind).fetch_one(app.db.pool()).await.unwrap().try_get::<String, _>(0).unwrap()
}

/// The first column of the first row of a query without parameters.
async fn first(app: &TestApp, sql: &str) -> String {
    sqlx::query(sql).fetch_one(app.db.pool()).await.unwrap().try_get::<String, _>(0).unwrap()
}

/// The (table, column) pairs that reference `customers(id)`, read from the database's schema.
async fn references_to_customers(app: &TestApp) -> BTreeSet<(String, String)> {
    let sql = match app.db.backend() {
        Backend::Sqlite => {
            "SELECT m.name AS tbl, p.\"from\" AS col FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p \
             WHERE m.type = 'table' AND p.\"table\" = 'customers'"
        }
        Backend::Postgres => {
            "SELECT kcu.table_name::TEXT AS tbl, kcu.column_name::TEXT AS col FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema \
             JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
             WHERE tc.constraint_type = 'FOREIGN KEY' AND ccu.table_name = 'customers' AND tc.table_schema = current_schema()"
        }
    };
    let rows = sqlx::query(sql).fetch_all(app.db.pool()).await.unwrap();
    rows.iter().map(|r| (r.try_get::<String, _>("tbl").unwrap(), r.try_get::<String, _>("col").unwrap())).collect()
}

#[tokio::test]
async fn every_table_that_references_customers_is_handled_by_an_area() {
    let app = demo().await;
    let schema = references_to_customers(&app).await;
    assert!(schema.len() >= 7, "the schema was read: {schema:?}");
    let handled: BTreeSet<(String, String)> =
        kedao::areas::CUSTOMER_TABLES.iter().flat_map(|(_, tables)| tables.iter().map(|(t, c)| (t.to_string(), c.to_string()))).collect();
    assert_eq!(schema, handled, "a table that references customers needs an area that handles it on a merge and a hand-over");
}

/// The poison batch of issue 19: after a grading run, merging away a customer whose grade
/// changed answered 500 (its grade history still referenced it), and the device resent it for
/// ever. Now every area moves its rows, and nothing references the merged customer.
#[tokio::test]
async fn a_merge_after_a_grading_run_moves_everything_the_customer_owns() {
    let app = demo().await;
    let admin = login(&app, "admin").await;
    let res = app.call("POST", "/api/admin/grading/run", &admin, None).await;
    assert_eq!(res.status, 200, "{}", res.text());
    // A customer whose grade changed, with as many kinds of rows as the demo data gives it.
    let merged = first(
        &app,
        "SELECT h.customer_id FROM customer_grade_history h \
         ORDER BY (SELECT COUNT(*) FROM orders o WHERE o.customer_id = h.customer_id) DESC, h.customer_id LIMIT 1",
    )
    .await;
    let keep = text(&app, "SELECT c.id FROM customers c WHERE c.id <> $1 ORDER BY c.id LIMIT 1", &merged).await;
    let schema = references_to_customers(&app).await;
    let mut before = Vec::new();
    for (table, column) in &schema {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
        before.push((table.clone(), scalar(&app, &sql, &merged).await, scalar(&app, &sql, &keep).await));
    }
    let history = before.iter().find(|(t, _, _)| t == "customer_grade_history").map(|(_, m, _)| *m).unwrap();
    assert!(history > 0, "the merged customer has grade history");

    let director = login(&app, "director").await;
    let res = push(&app, &director, DEVICE, json!([{"seq": 1, "at_ms": 1, "op": {"type": "merge_customers", "keep": keep, "merged": merged}}])).await;
    assert_eq!(res["results"][0]["outcome"]["status"], "applied", "{res}");
    for ((table, column), (_, was_merged, was_kept)) in schema.iter().zip(&before) {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
        assert_eq!(scalar(&app, &sql, &merged).await, 0, "{table} no longer references the merged customer");
        if table != "customer_shares" {
            assert_eq!(scalar(&app, &sql, &keep).await, was_merged + was_kept, "{table}: the merged customer's rows are the kept one's");
        }
    }
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM customers WHERE id = $1", &merged).await, 0);
}

/// Installs a fault: any write that sets a customer's city to 故障城 or its short name to 故障
/// fails in the database, as a full disk or a broken constraint would.
async fn inject_fault(app: &TestApp) {
    let statements: &[&str] = match app.db.backend() {
        Backend::Sqlite => &["CREATE TRIGGER kedao_fault BEFORE UPDATE ON customers WHEN NEW.city = '故障城' OR NEW.short_name = '故障' \
             BEGIN SELECT RAISE(ABORT, 'injected fault'); END"],
        Backend::Postgres => &[
            "CREATE FUNCTION kedao_fault() RETURNS trigger AS $$ BEGIN \
             IF NEW.city = '故障城' OR NEW.short_name = '故障' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER kedao_fault BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION kedao_fault()",
        ],
    };
    for sql in statements {
        sqlx::raw_sql(sql).execute(app.db.pool()).await.expect("installing the fault");
    }
}

fn city(seq: u64, id: &str, value: &str) -> Value {
    json!({"seq": seq, "at_ms": seq, "op": {"type": "update_customer", "id": id, "edits": [{"field": "city", "original": null, "value": value}]}})
}

async fn push_raw(app: &TestApp, cookie: &str, mutations: Value) -> crate::helpers::Reply {
    app.call("POST", "/api/sync/push", cookie, Some(&json!({"client_id": DEVICE, "mutations": mutations}))).await
}

#[tokio::test]
async fn a_mutation_that_fails_on_the_server_leaves_nothing_and_is_set_aside_after_three_tries() {
    let app = demo().await;
    inject_fault(&app).await;
    let rep1 = login(&app, "rep1").await;
    let mine: Vec<String> = sqlx::query("SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.username = 'rep1' ORDER BY c.id LIMIT 2")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect();
    let (a, b) = (&mine[0], &mine[1]);
    let audit_before = app.count("audit_log").await;
    let changes_before = app.count("change_log").await;
    let new_id = "7e57fa17-0000-4000-8000-000000000001";
    let create = json!({"seq": 2, "at_ms": 2, "op": {"type": "create_customer", "id": new_id, "name": "故障测试有限公司", "kind": "company",
        "region": "east", "city": "杭州", "industry": "electronics", "size": "small", "business_type": "end_user", "phone": null,
        "details": {"short_name": "故障"}}});
    let batch = json!([city(1, a, "宁波"), create, city(3, b, "故障城"), city(4, a, "温州")]);

    // 1st try: what comes before the fault is applied and answered; the failing create (its
    // insert had succeeded, the write of its details failed) left nothing; the rest waits.
    let res = push_raw(&app, &rep1, batch.clone()).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["results"], json!([{"seq": 1, "outcome": {"status": "applied", "version": 2}}]));
    assert_eq!(text(&app, "SELECT city FROM customers WHERE id = $1", a).await, "宁波");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM customers WHERE id = $1", new_id).await, 0, "the insert before the fault is undone");
    assert_eq!(app.count("audit_log").await, audit_before + 1, "only the applied edit is audited");
    assert_eq!(app.count("change_log").await, changes_before + 1);

    // 2nd try, the device sends what was not answered: nothing can be answered, retry later.
    let unanswered = json!(batch.as_array().unwrap()[1..]);
    let res = push_raw(&app, &rep1, unanswered.clone()).await;
    assert_eq!((res.status.as_u16(), res.json()["error"].clone()), (503, json!("retry_later")));
    assert_eq!(res.header("retry-after").as_deref(), Some("5"));

    // 3rd try: set aside as a server error; the next one fails its first try.
    let rejected = json!({"status": "rejected", "reason": "server_error"});
    let res = push_raw(&app, &rep1, unanswered).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["results"], json!([{"seq": 2, "outcome": rejected}]));
    // The same for it; then the change behind both goes through.
    let rest = json!(batch.as_array().unwrap()[2..]);
    assert_eq!(push_raw(&app, &rep1, rest.clone()).await.status, 503);
    let res = push_raw(&app, &rep1, rest).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.json()["results"],
        json!([
            {"seq": 3, "outcome": rejected},
            {"seq": 4, "outcome": {"status": "applied", "version": 3}},
        ])
    );
    assert_eq!(text(&app, "SELECT city FROM customers WHERE id = $1", a).await, "温州");
    assert_ne!(text(&app, "SELECT city FROM customers WHERE id = $1", b).await, "故障城");
    // Kept with its cause for whoever looks into it.
    let cause = text(&app, "SELECT last_error FROM sync_failures WHERE seq = 3 AND client_id = $1", DEVICE).await;
    assert!(cause.contains("injected fault"), "{cause}");

    // The whole batch again: the same answers, nothing applied twice.
    let res = push_raw(&app, &rep1, batch).await;
    let outcomes: Vec<Value> = res.json()["results"].as_array().unwrap().iter().map(|r| r["outcome"].clone()).collect();
    assert_eq!(outcomes, vec![json!({"status": "applied", "version": 2}), rejected.clone(), rejected, json!({"status": "applied", "version": 3})]);
    assert_eq!(scalar(&app, "SELECT version FROM customers WHERE id = $1", a).await, 3);
}

#[tokio::test]
async fn a_seq_sent_twice_in_one_batch_is_applied_once_and_answered_twice() {
    let app = demo().await;
    let manager = login(&app, "manager1").await;
    let id = first(&app, "SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.username = 'rep1' ORDER BY c.id LIMIT 1").await;
    let version = scalar(&app, "SELECT version FROM customers WHERE id = $1", &id).await;
    let audit_before = app.count("audit_log").await;
    let res = push_raw(&app, &manager, json!([city(1, &id, "宁波"), city(1, &id, "温州"), city(2, &id, "台州")])).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let applied = |v: i64| json!({"status": "applied", "version": v});
    assert_eq!(
        res.json()["results"],
        json!([
            {"seq": 1, "outcome": applied(version + 1)},
            {"seq": 1, "outcome": applied(version + 1)},
            {"seq": 2, "outcome": applied(version + 2)},
        ])
    );
    assert_eq!(text(&app, "SELECT city FROM customers WHERE id = $1", &id).await, "台州");
    assert_eq!(app.count("audit_log").await, audit_before + 2);
    // Older seqs, out of order, after the device's latest: each is answered as it was.
    let res = push_raw(&app, &manager, json!([city(2, &id, "x"), city(1, &id, "y")])).await;
    assert_eq!(res.json()["results"], json!([{"seq": 2, "outcome": applied(version + 2)}, {"seq": 1, "outcome": applied(version + 1)}]));
    assert_eq!(text(&app, "SELECT city FROM customers WHERE id = $1", &id).await, "台州");
}

/// `POST /api/customers/{id}/owner` and the `reassign_customer` mutation are one command: the
/// open deals the old owner held go along either way.
#[tokio::test]
async fn the_rest_owner_change_hands_over_the_open_deals_like_the_mutation() {
    let app = demo().await;
    let manager = login(&app, "manager1").await;
    let id = first(
        &app,
        "SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.username = 'rep1' AND EXISTS \
         (SELECT 1 FROM opportunities o WHERE o.customer_id = c.id AND o.owner_id = c.owner_id AND o.stage NOT IN ('contract_signed', 'lost')) ORDER BY c.id LIMIT 1",
    )
    .await;
    let open_sql = "SELECT COUNT(*) FROM opportunities o JOIN users u ON u.id = o.owner_id WHERE o.customer_id = $1 AND u.username = 'rep2' AND o.stage NOT IN ('contract_signed', 'lost')";
    let open_of_rep1 = scalar(&app, "SELECT COUNT(*) FROM opportunities o JOIN users u ON u.id = o.owner_id WHERE o.customer_id = $1 AND u.username = 'rep1' AND o.stage NOT IN ('contract_signed', 'lost')", &id).await;
    let closed_before = scalar(&app, "SELECT COUNT(*) FROM opportunities o WHERE o.customer_id = $1 AND o.stage IN ('contract_signed', 'lost')", &id).await;
    let version = scalar(&app, "SELECT version FROM customers WHERE id = $1", &id).await;
    let res = app.call("POST", &format!("/api/customers/{id}/owner"), &manager, Some(&json!({"owner": "rep2", "version": version}))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(open_of_rep1 > 0);
    assert_eq!(scalar(&app, open_sql, &id).await, open_of_rep1, "the open deals went to the new owner");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM opportunities o WHERE o.customer_id = $1 AND o.stage IN ('contract_signed', 'lost')", &id).await,
        closed_before
    );
    let handed = "SELECT COUNT(*) FROM audit_log WHERE entity = 'opportunity' AND field = 'owner_id' \
                  AND new_value = (SELECT id FROM users WHERE username = 'rep2') AND entity_id IN (SELECT id FROM opportunities WHERE customer_id = $1)";
    assert_eq!(scalar(&app, handed, &id).await, open_of_rep1, "each hand-over audited");
    // A stale version is a conflict, and changes nothing.
    let res = app.call("POST", &format!("/api/customers/{id}/owner"), &manager, Some(&json!({"owner": "rep3", "version": version}))).await;
    assert_eq!(res.status, 409);
}
