//! The sync API: pushes are validated, permission-checked and idempotent; pulls follow one change
//! sequence, show what the user may see and remove what left their view; conflicts lose nothing.

use crate::helpers::{demo, login, test_vault, TestApp};
use serde_json::{json, Value};
use sqlx::Row;

const DEVICE_A: &str = "0b6c1f3e-8a3d-4b1e-9a55-3a1f6a2b7c90";
const DEVICE_B: &str = "5f0e2d1c-3b4a-4c5d-8e6f-7a8b9c0d1e2f";

pub async fn push(app: &TestApp, cookie: &str, device: &str, mutations: Value) -> Value {
    let res = app.call("POST", "/api/sync/push", cookie, Some(&json!({"client_id": device, "mutations": mutations}))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

/// Pulls until caught up from `cursor` (None = from scratch); returns the pages.
pub async fn pull_all(app: &TestApp, cookie: &str, cursor: Option<&str>) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut cursor = cursor.map(str::to_string);
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/sync/pull?cursor={c}"),
            None => "/api/sync/pull".to_string(),
        };
        let res = app.call("GET", &url, cookie, None).await;
        let page = res.json();
        cursor = Some(page["cursor"].as_str().unwrap().to_string());
        let more = page["more"] == true;
        // A device asks for the next page as soon as the headers name it.
        assert_eq!(res.header("kedao-next-cursor"), if more { cursor.clone() } else { None });
        pages.push(page);
        if !more {
            return pages;
        }
    }
}

fn ids(pages: &[Value], key: &str) -> Vec<String> {
    pages.iter().flat_map(|p| p[key].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()).collect()
}

fn new_customer(id: &str, name: &str) -> Value {
    json!({"type": "create_customer", "id": id, "name": name, "kind": "company", "region": "east", "city": "杭州",
        "industry": "electronics", "size": "small", "business_type": "end_user", "phone": "138 0000 1111"})
}

async fn scalar(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query(sql).bind(bind).fetch_one(app.db.pool()).await.unwrap().try_get::<i64, _>(0).unwrap()
}

#[tokio::test]
async fn the_first_pull_is_everything_the_user_may_see_and_later_pulls_only_the_changes() {
    let app = demo().await;
    let rep1 = login(&app, "rep1").await;
    let pages = pull_all(&app, &rep1, None).await;
    assert_eq!(pages[0]["reset"], true);
    let customers = ids(&pages, "customers");
    let listed = app.call("GET", "/api/customers?limit=1000", &rep1, None).await.json();
    assert_eq!(customers.len() as i64, listed["total"].as_i64().unwrap(), "the replica holds exactly what the API shows");
    let opportunities: Vec<Value> = pages.iter().flat_map(|p| p["opportunities"].as_array().unwrap().clone()).collect();
    assert!(opportunities.iter().all(|o| customers.contains(&o["customer_id"].as_str().unwrap().to_string())));
    assert!(!opportunities.is_empty());
    // Colleagues' phones arrive masked here too.
    let cursor = pages.last().unwrap()["cursor"].as_str().unwrap().to_string();
    assert!(cursor.starts_with("c."));

    // Nothing changed: an empty page. Then a change by the manager shows up.
    let nothing = pull_all(&app, &rep1, Some(&cursor)).await;
    assert_eq!((nothing.len(), nothing[0]["customers"].as_array().unwrap().len(), nothing[0]["reset"].clone()), (1, 0, json!(false)));
    let manager = login(&app, "manager1").await;
    let id = &customers[0];
    let res = push(
        &app,
        &manager,
        DEVICE_B,
        json!([{"seq": 1, "at_ms": 0, "op": {"type": "update_customer", "id": id,
        "edits": [{"field": "city", "original": null, "value": "宁波"}]}}]),
    )
    .await;
    assert_eq!(res["results"][0]["outcome"]["status"], "applied", "{res}");
    let later = pull_all(&app, &rep1, Some(&cursor)).await;
    let changed = &later[0]["customers"][0];
    assert_eq!((changed["id"].as_str(), changed["city"].as_str()), (Some(id.as_str()), Some("宁波")));
}

#[tokio::test]
async fn a_snapshot_of_several_pages_holds_every_customer_once() {
    let app = demo().await;
    // 2,000 demo customers fill the first page exactly; five more spill onto a second.
    let rep1 = login(&app, "rep1").await;
    let creates: Vec<Value> = (0..5)
        .map(|i| json!({"seq": i + 1, "at_ms": 0, "op": new_customer(&format!("0b6c1f3e-8a3d-4b1e-9a55-00000000000{i}"), &format!("翻页客户{i}"))}))
        .collect();
    push(&app, &rep1, DEVICE_A, json!(creates)).await;
    let director = login(&app, "director").await;
    let pages = pull_all(&app, &director, None).await;
    assert!(pages.len() >= 2, "{} pages", pages.len());
    let mut seen = ids(&pages, "customers");
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!((seen.len(), total as i64), (total, app.count("customers").await), "every customer, once");
    let deals = ids(&pages, "opportunities").len() as i64;
    assert_eq!(deals, app.count("opportunities").await);
}

#[tokio::test]
async fn a_replayed_push_changes_nothing_and_answers_the_same() {
    let app = demo().await;
    let rep1 = login(&app, "rep1").await;
    let id = "7d2f9a1e-1111-4a2b-8c3d-000000000001";
    let batch = json!([
        {"seq": 1, "at_ms": 1, "op": new_customer(id, "宁波海天机械有限公司")},
        {"seq": 2, "at_ms": 2, "op": {"type": "update_customer", "id": id, "edits": [{"field": "size", "original": "small", "value": "medium"}]}},
    ]);
    let first = push(&app, &rep1, DEVICE_A, batch.clone()).await;
    assert_eq!(first["results"][0]["outcome"], json!({"status": "applied", "version": 1}));
    assert_eq!(first["results"][1]["outcome"], json!({"status": "applied", "version": 2}));
    let audit = app.count("audit_log").await;
    let changes = app.count("change_log").await;
    // The response was lost; the device sends the same batch again.
    let again = push(&app, &rep1, DEVICE_A, batch).await;
    assert_eq!(again, first);
    assert_eq!((app.count("audit_log").await, app.count("change_log").await), (audit, changes));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM customers WHERE id = $1", id).await, 1);
    // The phone is stored sealed and searchable by its blind index.
    let stored: String = sqlx::query("SELECT phone FROM customers WHERE id = $1").bind(id).fetch_one(app.db.pool()).await.unwrap().try_get(0).unwrap();
    assert!(stored.starts_with("enc:v1:"));
    let bidx = test_vault().phone_index("13800001111").unwrap();
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM customers WHERE phone_bidx = $1", &bidx).await, 1);
    // Another device creating the same id is told it exists.
    let dup = push(&app, &rep1, DEVICE_B, json!([{"seq": 1, "at_ms": 3, "op": new_customer(id, "重复")}])).await;
    assert_eq!(dup["results"][0]["outcome"], json!({"status": "rejected", "reason": "already_exists"}));
}

#[tokio::test]
async fn bad_mutations_are_rejected_with_a_reason_and_change_nothing() {
    let app = demo().await;
    let rep1 = login(&app, "rep1").await;
    let rep9_customer: String = sqlx::query("SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.username = 'rep9' ORDER BY c.id LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let rep9_deal: String = sqlx::query("SELECT id FROM opportunities WHERE customer_id = $1 LIMIT 1")
        .bind(&rep9_customer)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let before = (app.count("audit_log").await, app.count("change_log").await, app.count("customers").await);
    let res = push(
        &app,
        &rep1,
        DEVICE_A,
        json!([
            {"seq": 1, "at_ms": 0, "op": {"type": "split_customer", "ids": ["a", "b"]}},
            {"seq": 2, "at_ms": 0, "op": {"type": "update_customer", "id": rep9_customer, "edits": [{"field": "name", "original": null, "value": "抢来的"}]}},
            {"seq": 3, "at_ms": 0, "op": {"type": "move_opportunity", "id": rep9_deal, "from": "proposal", "to": "negotiation"}},
            {"seq": 4, "at_ms": 0, "op": new_customer("7d2f9a1e-1111-4a2b-8c3d-000000000002", " ")},
            {"seq": 5, "at_ms": 0, "op": {"type": "update_customer", "id": 42}},
            {"seq": 6, "at_ms": 0, "op": {"type": "move_opportunity", "id": rep9_deal, "from": "proposal", "to": "已赢单"}},
        ]),
    )
    .await;
    let reasons: Vec<Value> = res["results"].as_array().unwrap().iter().map(|r| r["outcome"].clone()).collect();
    assert_eq!(
        reasons,
        vec![
            json!({"status": "rejected", "reason": "client_must_update"}),
            json!({"status": "rejected", "reason": "not_found"}),
            json!({"status": "rejected", "reason": "not_found"}),
            json!({"status": "rejected", "reason": "invalid", "code": "required"}),
            json!({"status": "rejected", "reason": "invalid", "code": "malformed"}),
            json!({"status": "rejected", "reason": "invalid", "code": "unknown_code"}),
        ]
    );
    assert_eq!((app.count("audit_log").await, app.count("change_log").await, app.count("customers").await), before);
    // A shared customer is read-only for the rep it is shared with.
    let rep9_id: String = sqlx::query("SELECT id FROM users WHERE username = 'rep9'").fetch_one(app.db.pool()).await.unwrap().try_get(0).unwrap();
    let rep1_id: String = sqlx::query("SELECT id FROM users WHERE username = 'rep1'").fetch_one(app.db.pool()).await.unwrap().try_get(0).unwrap();
    sqlx::query("INSERT INTO customer_shares (customer_id, user_id, shared_by, shared_at) VALUES ($1, $2, $3, 0)")
        .bind(&rep9_customer)
        .bind(&rep1_id)
        .bind(&rep9_id)
        .execute(app.db.pool())
        .await
        .unwrap();
    let res = push(
        &app,
        &rep1,
        DEVICE_A,
        json!([{"seq": 7, "at_ms": 0, "op": {"type": "update_customer", "id": rep9_customer,
        "edits": [{"field": "name", "original": null, "value": "抢来的"}]}}]),
    )
    .await;
    assert_eq!(res["results"][0]["outcome"], json!({"status": "rejected", "reason": "forbidden"}));

    // Whole-request problems: 4xx, nothing applied.
    for (body, code) in [
        (json!({"client_id": "not-a-uuid", "mutations": []}), "invalid_push"),
        (json!({"client_id": DEVICE_A, "mutations": [{"at_ms": 0, "op": new_customer("7d2f9a1e-1111-4a2b-8c3d-000000000003", "x")}]}), "invalid_push"),
        (json!({"client_id": DEVICE_A, "mutations": (0..501).map(|i| json!({"seq": i + 1})).collect::<Vec<_>>()}), "invalid_push"),
        (json!({"mutations": []}), "invalid_fields"),
    ] {
        let res = app.call("POST", "/api/sync/push", &rep1, Some(&body)).await;
        assert_eq!((res.status.as_u16(), res.json()["error"].as_str().unwrap().to_string()), (400, code.to_string()));
    }
    let huge = json!({"client_id": DEVICE_A, "mutations": [{"seq": 9, "at_ms": 0, "op": {"type": "create_customer", "name": "x".repeat(1_100_000)}}]});
    assert_eq!(app.call("POST", "/api/sync/push", &rep1, Some(&huge)).await.status, 413);
    assert_eq!(app.count("customers").await, before.2);
}

#[tokio::test]
async fn orders_travel_with_their_customers_and_costs_only_to_those_who_may_see_them() {
    let app = demo().await;
    for (user, sees_costs) in [("rep1", false), ("manager1", true)] {
        let cookie = login(&app, user).await;
        let pages = pull_all(&app, &cookie, None).await;
        let customers = ids(&pages, "customers");
        let orders: Vec<Value> = pages.iter().flat_map(|p| p["orders"].as_array().unwrap().clone()).collect();
        let mut expected = 0;
        for c in &customers {
            expected += scalar(&app, "SELECT COUNT(*) FROM orders WHERE customer_id = $1", c).await;
        }
        assert!(expected > 0, "{user} sees customers with orders");
        assert_eq!(orders.len() as i64, expected, "{user}: every order of every customer in view, once");
        for o in orders.iter().take(50) {
            let id = o["id"].as_str().unwrap();
            assert!(customers.contains(&o["customer_id"].as_str().unwrap().to_string()));
            let total = scalar(&app, "SELECT total_fen FROM orders WHERE id = $1", id).await;
            assert_eq!(o["total_fen"].as_i64(), Some(total));
            let cost = scalar(&app, "SELECT cost_fen FROM orders WHERE id = $1", id).await;
            assert_eq!(o["cost_fen"].as_i64(), sees_costs.then_some(cost), "{user}: cost only for managers and above");
            // The SKUs on the order, each once.
            let skus = scalar(&app, "SELECT COUNT(DISTINCT product_id) FROM order_lines WHERE order_id = $1", id).await;
            assert_eq!(o["products"].as_array().map_or(0, |p| p.len()) as i64, skus);
            assert!(o["date"].as_str().unwrap().len() == 10 && o["status"].is_string());
            // Its payment plan folded in: received so far, and the earliest instalment still owed.
            let paid = scalar(&app, "SELECT CAST(COALESCE(SUM(paid_fen), 0) AS BIGINT) FROM payments WHERE order_id = $1", id).await;
            assert_eq!(o["paid_fen"].as_i64().unwrap_or(0), paid, "{user}: received on {id}");
            let next_due: Option<String> = sqlx::query_scalar("SELECT MIN(due_date) FROM payments WHERE order_id = $1 AND paid_fen < amount_fen")
                .bind(id)
                .fetch_one(app.db.pool())
                .await
                .unwrap();
            assert_eq!(o["next_due"].as_str(), next_due.as_deref(), "{user}: next due on {id}");
        }
        // The demo has both: orders partly or wholly paid, and orders with an instalment owed.
        assert!(orders.iter().any(|o| o["paid_fen"].as_i64().unwrap_or(0) > 0), "{user}: some money received");
        assert!(orders.iter().any(|o| o["next_due"].is_string()), "{user}: some instalment owed");
        assert!(orders.iter().any(|o| o["next_due"].is_null() && o["paid_fen"].as_i64().unwrap_or(0) > 0), "{user}: some order paid in full");
    }
}

#[tokio::test]
async fn a_customer_reassigned_away_leaves_the_replica_with_its_deals() {
    let app = demo().await;
    let rep1 = login(&app, "rep1").await;
    let pages = pull_all(&app, &rep1, None).await;
    let cursor = pages.last().unwrap()["cursor"].as_str().unwrap().to_string();
    let moved = ids(&pages, "customers")[0].clone();
    let deals = scalar(&app, "SELECT COUNT(*) FROM opportunities WHERE customer_id = $1", &moved).await;
    let manager = login(&app, "manager1").await;
    let version = scalar(&app, "SELECT version FROM customers WHERE id = $1", &moved).await;
    let res = app.call("POST", &format!("/api/customers/{moved}/owner"), &manager, Some(&json!({"owner": "rep2", "version": version}))).await;
    assert_eq!(res.status, 200);
    let later = pull_all(&app, &rep1, Some(&cursor)).await;
    let removed: Vec<(String, String)> = later
        .iter()
        .flat_map(|p| {
            p["removed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r["entity"].as_str().unwrap().to_string(), r["id"].as_str().unwrap().to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(removed.contains(&("customer".into(), moved.clone())));
    assert_eq!(removed.iter().filter(|(e, _)| e == "opportunity").count() as i64, deals);
    assert!(ids(&later, "customers").is_empty());
    // rep2 receives it, deals included.
    let rep2 = login(&app, "rep2").await;
    let theirs = pull_all(&app, &rep2, Some(&cursor)).await;
    assert_eq!(ids(&theirs, "customers"), vec![moved.clone()]);
    assert_eq!(ids(&theirs, "opportunities").len() as i64, deals);
    // Its orders come along (the first rep's device drops them with the customer's record).
    assert_eq!(ids(&theirs, "orders").len() as i64, scalar(&app, "SELECT COUNT(*) FROM orders WHERE customer_id = $1", &moved).await);
}

#[tokio::test]
async fn garbage_or_future_cursors_and_org_changes_start_a_fresh_snapshot() {
    let app = demo().await;
    let rep1 = login(&app, "rep1").await;
    let first = pull_all(&app, &rep1, None).await;
    let cursor = first.last().unwrap()["cursor"].as_str().unwrap().to_string();
    for bad in ["garbage", "c.99999999.0", "c.-1", "s.1.0", "c.1.7"] {
        let page = app.call("GET", &format!("/api/sync/pull?cursor={bad}"), &rep1, None).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.json()["reset"], true, "{bad}");
    }
    // The admin moves rep1 to another team: visibility changes wholesale, devices start over.
    let admin = login(&app, "admin").await;
    let org = app.call("GET", "/api/admin/org", &admin, None).await.json();
    let rep1_user = org["users"].as_array().unwrap().iter().find(|u| u["username"] == "rep1").unwrap().clone();
    let other = org["teams"].as_array().unwrap().iter().find(|t| t["id"] != rep1_user["team_id"]).unwrap()["id"].clone();
    let body =
        json!({"username": "rep1", "display_name": rep1_user["display_name"], "role": "supervisor", "team_id": other, "manager_id": rep1_user["manager_id"]});
    assert_eq!(app.call("PUT", "/api/admin/users/rep1", &admin, Some(&body)).await.status, 200);
    let page = app.call("GET", &format!("/api/sync/pull?cursor={cursor}"), &rep1, None).await.json();
    assert_eq!(page["reset"], true);
}

#[tokio::test]
async fn concurrent_edits_keep_both_fields_and_file_a_conflict_for_the_overwritten_value() {
    let app = demo().await;
    let rep1 = login(&app, "rep1").await;
    let supervisor = login(&app, "supervisor1").await;
    let id: String = sqlx::query("SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.username = 'rep1' ORDER BY c.id LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let (city, size): (String, String) = sqlx::query("SELECT city, size FROM customers WHERE id = $1")
        .bind(&id)
        .fetch_one(app.db.pool())
        .await
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .unwrap();
    let edit = |field: &str, original: &str, value: &str| json!({"type": "update_customer", "id": id, "edits": [{"field": field, "original": original, "value": value}]});
    // Both edited offline from the same state: rep1 the city and the size, the supervisor the city.
    push(
        &app,
        &rep1,
        DEVICE_A,
        json!([{"seq": 1, "at_ms": 0, "op": edit("city", &city, "苏州")}, {"seq": 2, "at_ms": 0, "op": edit("size", &size, "enterprise")}]),
    )
    .await;
    let res = push(&app, &supervisor, DEVICE_B, json!([{"seq": 1, "at_ms": 0, "op": edit("city", &city, "无锡")}])).await;
    assert_eq!(res["results"][0]["outcome"]["status"], "applied");
    let row = sqlx::query("SELECT city, size FROM customers WHERE id = $1").bind(&id).fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(
        (row.try_get::<String, _>(0).unwrap(), row.try_get::<String, _>(1).unwrap()),
        ("无锡".into(), "enterprise".into()),
        "the later push wins the city; the size survives"
    );
    // rep1 finds their city in the conflicts list: theirs, the current value, the original.
    let conflicts = app.call("GET", "/api/sync/conflicts", &rep1, None).await.json();
    assert_eq!(conflicts.as_array().unwrap().len(), 1);
    let c = &conflicts[0];
    assert_eq!(
        (c["field"].as_str(), c["their_value"].as_str(), c["current_value"].as_str(), c["original_value"].as_str()),
        (Some("city"), Some("苏州"), Some("无锡"), Some(city.as_str()))
    );
    assert_eq!(app.call("GET", "/api/sync/conflicts", &supervisor, None).await.json(), json!([]));
    // Both values are in the record's history.
    let mut history: Vec<String> = sqlx::query("SELECT new_value FROM audit_log WHERE entity_id = $1 AND field = 'city'")
        .bind(&id)
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect();
    history.sort();
    assert_eq!(history, ["无锡", "苏州"]);
    // One tap re-applies theirs (a new mutation), then the entry is dismissed.
    push(&app, &rep1, DEVICE_A, json!([{"seq": 3, "at_ms": 0, "op": edit("city", "无锡", "苏州")}])).await;
    let cid = c["id"].as_str().unwrap();
    assert_eq!(app.call("POST", &format!("/api/sync/conflicts/{cid}/dismiss"), &rep1, None).await.status, 200);
    assert_eq!(app.call("GET", "/api/sync/conflicts", &rep1, None).await.json(), json!([]));
    assert_eq!(app.call("POST", &format!("/api/sync/conflicts/{cid}/dismiss"), &supervisor, None).await.status, 404);
}

#[tokio::test]
async fn an_opportunity_moved_on_two_devices_ends_in_the_later_move_with_both_in_its_history() {
    let app = demo().await;
    let rep1 = login(&app, "rep1").await;
    let supervisor = login(&app, "supervisor1").await;
    let deal: String = sqlx::query(
        "SELECT o.id FROM opportunities o JOIN users u ON u.id = o.owner_id WHERE u.username = 'rep1' AND o.stage = 'proposal' ORDER BY o.id LIMIT 1",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    let t0 = kedao::db::now_ms();
    let cursor = pull_all(&app, &rep1, None).await.last().unwrap()["cursor"].as_str().unwrap().to_string();
    let mv = |to: &str| match to {
        "lost" => json!({"type": "move_opportunity", "id": deal, "from": "proposal", "to": to, "lost_reason": "预算取消"}),
        _ => json!({"type": "move_opportunity", "id": deal, "from": "proposal", "to": to}),
    };
    let a = push(&app, &rep1, DEVICE_A, json!([{"seq": 1, "at_ms": 0, "op": mv("negotiation")}])).await;
    let b = push(&app, &supervisor, DEVICE_B, json!([{"seq": 1, "at_ms": 0, "op": mv("lost")}])).await;
    assert_eq!(a["results"][0]["outcome"]["status"], "applied");
    assert_eq!(b["results"][0]["outcome"]["status"], "applied");
    let stage: String = sqlx::query("SELECT stage FROM opportunities WHERE id = $1").bind(&deal).fetch_one(app.db.pool()).await.unwrap().try_get(0).unwrap();
    assert_eq!(stage, "lost");
    let mut moves: Vec<(String, String)> =
        sqlx::query("SELECT from_stage, to_stage FROM opportunity_stage_history WHERE opportunity_id = $1 AND changed_at >= $2")
            .bind(&deal)
            .bind(t0)
            .fetch_all(app.db.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
            .collect();
    moves.sort();
    // Each move records the stage it really left: the second left "negotiation", not "proposal".
    assert_eq!(moves, vec![("negotiation".into(), "lost".into()), ("proposal".into(), "negotiation".into())]);
    // The next pull brings the deal in its final stage; another region's manager does not get it.
    let later = pull_all(&app, &rep1, Some(&cursor)).await;
    let pulled: Vec<&Value> = later.iter().flat_map(|p| p["opportunities"].as_array().unwrap()).collect();
    assert_eq!(pulled.len(), 1);
    assert_eq!((pulled[0]["id"].as_str(), pulled[0]["stage"].as_str()), (Some(deal.as_str()), Some("lost")));
    let south = login(&app, "manager2").await;
    let theirs = pull_all(&app, &south, Some(&cursor)).await;
    assert!(ids(&theirs, "opportunities").is_empty());
    assert!(theirs.iter().flat_map(|p| p["removed"].as_array().unwrap()).any(|r| r["id"] == deal.as_str()));
}

#[tokio::test]
async fn a_change_on_one_device_is_announced_to_the_others_within_two_seconds() {
    use http_body_util::BodyExt;
    let app = demo().await;
    let rep1 = login(&app, "rep1").await;
    let request = axum::http::Request::get("/api/sync/events").header("cookie", &rep1).body(axum::body::Body::empty()).unwrap();
    let response = tower::ServiceExt::oneshot(app.router.clone(), request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();
    let started = std::time::Instant::now();
    // Another device of rep1's changes a customer…
    let id: String = sqlx::query("SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.username = 'rep1' ORDER BY c.id LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    push(
        &app,
        &rep1,
        DEVICE_B,
        json!([{"seq": 1, "at_ms": 0, "op": {"type": "update_customer", "id": id,
        "edits": [{"field": "city", "original": null, "value": "绍兴"}]}}]),
    )
    .await;
    // …and the event stream says so.
    let frame = tokio::time::timeout(std::time::Duration::from_secs(2), async {
        loop {
            let frame = body.frame().await.expect("stream open").expect("frame");
            if let Some(data) = frame.data_ref() {
                let text = String::from_utf8_lossy(data).to_string();
                if text.contains("event: changes") {
                    return text;
                }
            }
        }
    })
    .await
    .expect("an event within 2 s");
    assert!(frame.contains("data: "), "{frame}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // Without a session there is no stream.
    let anonymous = app.get("/api/sync/events", &[]).await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn the_full_customer_file_and_its_contacts_travel_as_mutations() {
    let app = demo().await;
    let rep1 = login(&app, "rep1").await;
    let start = pull_all(&app, &rep1, None).await;
    let cursor = start.last().unwrap()["cursor"].as_str().unwrap().to_string();
    // The demo data has contacts with roles, and full profiles.
    let contacts: Vec<Value> = start.iter().flat_map(|p| p["contacts"].as_array().unwrap().clone()).collect();
    assert!(contacts.iter().any(|k| k["role"] == "decision_maker"));
    assert!(start[0]["customers"].as_array().unwrap().iter().any(|c| c["credit_code"].is_string() && c["source"].is_string()));

    let id = "7d2f9a1e-2222-4a2b-8c3d-000000000001";
    let (k1, k2) = ("7d2f9a1e-2222-4a2b-8c3d-000000000011", "7d2f9a1e-2222-4a2b-8c3d-000000000012");
    let mut create = new_customer(id, "杭州网络科技有限公司");
    create["details"] = json!({"short_name": "杭网", "tags": "VIP,重点", "credit_code": "91350100M000100Y43", "credit_limit": "5000000",
        "hot_reason": "招标在即", "source": "exhibition", "cooperation_since": "2024-03-01"});
    let res = push(&app, &rep1, DEVICE_A, json!([
        {"seq": 1, "at_ms": 1, "op": create},
        {"seq": 2, "at_ms": 2, "op": {"type": "create_contact", "id": k1, "customer_id": id, "name": "王芳",
            "details": {"role": "decision_maker", "phone": "139 0000 2222", "email": "wang@example.cn", "birthday": "1985-06-01"}}},
        {"seq": 3, "at_ms": 3, "op": {"type": "create_contact", "id": k2, "customer_id": id, "name": "李雷", "details": {"title": "工程师"}}},
        {"seq": 4, "at_ms": 4, "op": {"type": "update_contact", "id": k2, "edits": [{"field": "role", "original": null, "value": "user"}]}},
        {"seq": 5, "at_ms": 5, "op": {"type": "update_customer", "id": id, "edits": [{"field": "credit_limit", "original": "5000000", "value": "8000000"}]}},
        {"seq": 6, "at_ms": 6, "op": {"type": "update_customer", "id": id, "edits": [{"field": "credit_code", "original": null, "value": "91350100M000100Y44"}]}},
    ])).await;
    let outcomes: Vec<&Value> = res["results"].as_array().unwrap().iter().map(|r| &r["outcome"]).collect();
    assert!(outcomes[..5].iter().all(|o| o["status"] == "applied"), "{res}");
    assert_eq!(*outcomes[5], json!({"status": "rejected", "reason": "invalid", "code": "credit_code_check"}));

    let later = pull_all(&app, &rep1, Some(&cursor)).await;
    let c = later.iter().flat_map(|p| p["customers"].as_array().unwrap().clone()).find(|c| c["id"] == id).unwrap();
    assert_eq!(c["short_name"], "杭网");
    assert_eq!(c["tags"], json!(["VIP", "重点"]));
    assert_eq!((c["credit_limit_fen"].as_i64(), c["hot_reason"].as_str(), c["version"].as_i64()), (Some(8_000_000), Some("招标在即"), Some(2)));
    let mine: Vec<Value> = later.iter().flat_map(|p| p["contacts"].as_array().unwrap().clone()).filter(|k| k["customer_id"] == id).collect();
    assert_eq!(mine.len(), 2);
    let lei = mine.iter().find(|k| k["id"] == k2).unwrap();
    assert_eq!((lei["title"].as_str(), lei["role"].as_str(), lei["version"].as_i64()), (Some("工程师"), Some("user"), Some(2)));
    // The contact's phone is sealed at rest; the owner reads it whole.
    let fang = mine.iter().find(|k| k["id"] == k1).unwrap();
    assert_eq!(fang["phone"], "139 0000 2222");
    let stored: String = sqlx::query("SELECT phone FROM contacts WHERE id = $1").bind(k1).fetch_one(app.db.pool()).await.unwrap().try_get(0).unwrap();
    assert!(stored.starts_with("enc:v1:"));
    // The customer's history lists the contacts added.
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE entity_id = $1 AND field = 'contact_added'", id).await, 2);

    // A colleague in another region cannot touch the contacts; a manager of the region sees them masked.
    let rep_south = login(&app, "rep9").await;
    let refused = push(&app, &rep_south, DEVICE_B, json!([{"seq": 1, "at_ms": 1, "op": {"type": "delete_contact", "id": k1}}])).await;
    assert_eq!(refused["results"][0]["outcome"], json!({"status": "rejected", "reason": "not_found"}));
    let manager = login(&app, "manager1").await;
    let seen = pull_all(&app, &manager, None).await;
    let masked = seen.iter().flat_map(|p| p["contacts"].as_array().unwrap().clone()).find(|k| k["id"] == k1).unwrap();
    assert_eq!(masked["phone"], "139****2222");

    // Deleting a contact removes it from the owner's replica on the next pull.
    let cursor = later.last().unwrap()["cursor"].as_str().unwrap().to_string();
    let gone = push(&app, &rep1, DEVICE_A, json!([{"seq": 7, "at_ms": 7, "op": {"type": "delete_contact", "id": k2}}])).await;
    assert_eq!(gone["results"][0]["outcome"]["status"], "applied");
    let after = pull_all(&app, &rep1, Some(&cursor)).await;
    assert!(after.iter().any(|p| p["removed"].as_array().unwrap().contains(&json!({"entity": "contact", "id": k2}))));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM contacts WHERE id = $1", k2).await, 0);
}

#[tokio::test]
async fn a_merge_moves_every_record_of_the_duplicate_and_is_audited() {
    let app = demo().await;
    let rep1 = login(&app, "rep1").await;
    let (keep, merged) = ("7d2f9a1e-3333-4a2b-8c3d-000000000001", "7d2f9a1e-3333-4a2b-8c3d-000000000002");
    let res = push(
        &app,
        &rep1,
        DEVICE_A,
        json!([
            {"seq": 1, "at_ms": 1, "op": new_customer(keep, "宁波海天精工有限公司")},
            {"seq": 2, "at_ms": 2, "op": new_customer(merged, "宁波海天精工")},
            {"seq": 3, "at_ms": 3, "op": {"type": "create_contact", "id": "7d2f9a1e-3333-4a2b-8c3d-000000000011", "customer_id": merged, "name": "王芳"}},
        ]),
    )
    .await;
    assert!(res["results"].as_array().unwrap().iter().all(|r| r["outcome"]["status"] == "applied"), "{res}");
    // Deals, orders and activities of the duplicate (demo rows moved onto it for the test).
    let donor: String = sqlx::query("SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.username = 'rep1' AND EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id) LIMIT 1")
        .fetch_one(app.db.pool()).await.unwrap().try_get(0).unwrap();
    for table in ["opportunities", "activities", "orders", "payments"] {
        sqlx::query(&format!("UPDATE {table} SET customer_id = $1 WHERE customer_id = $2")).bind(merged).bind(&donor).execute(app.db.pool()).await.unwrap();
    }
    let counts = |id: &'static str| {
        let app = &app;
        async move {
            let mut out = Vec::new();
            for table in ["contacts", "opportunities", "activities", "orders", "payments"] {
                out.push(scalar(app, &format!("SELECT COUNT(*) FROM {table} WHERE customer_id = $1"), id).await);
            }
            out
        }
    };
    let before = counts(merged).await;
    assert!(before.iter().all(|&n| n > 0), "{before:?}");
    let start = pull_all(&app, &rep1, None).await;
    let cursor = start.last().unwrap()["cursor"].as_str().unwrap().to_string();

    // Someone else's customer cannot be merged in; a customer into itself is invalid.
    let other: String = sqlx::query("SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.username = 'rep9' LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let refused = push(
        &app,
        &rep1,
        DEVICE_A,
        json!([
            {"seq": 4, "at_ms": 4, "op": {"type": "merge_customers", "keep": keep, "merged": other}},
            {"seq": 5, "at_ms": 5, "op": {"type": "merge_customers", "keep": keep, "merged": keep}},
        ]),
    )
    .await;
    assert_eq!(refused["results"][0]["outcome"], json!({"status": "rejected", "reason": "not_found"}));
    assert_eq!(refused["results"][1]["outcome"], json!({"status": "rejected", "reason": "invalid", "code": "same_customer"}));

    let res = push(&app, &rep1, DEVICE_A, json!([{"seq": 6, "at_ms": 6, "op": {"type": "merge_customers", "keep": keep, "merged": merged}}])).await;
    assert_eq!(res["results"][0]["outcome"], json!({"status": "applied", "version": 2}));
    assert_eq!(counts(keep).await, before, "every record moved");
    assert_eq!(counts(merged).await, vec![0; 5]);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM customers WHERE id = $1", merged).await, 0);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE entity_id = $1 AND field = 'merged'", keep).await, 1);
    // The pull removes the duplicate and brings the kept one with everything.
    let later = pull_all(&app, &rep1, Some(&cursor)).await;
    assert!(later.iter().any(|p| p["removed"].as_array().unwrap().contains(&json!({"entity": "customer", "id": merged}))));
    let deals = later.iter().flat_map(|p| p["opportunities"].as_array().unwrap().clone()).filter(|o| o["customer_id"] == keep).count() as i64;
    assert_eq!(deals, before[1]);
}

fn segments_of(pages: &[Value]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p["segments"].as_array().cloned().unwrap_or_default().iter().map(|s| s["name"].as_str().unwrap().to_string()).collect::<Vec<_>>())
        .collect()
}

fn removed_of(pages: &[Value], entity: &str) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| {
            p["removed"].as_array().unwrap().iter().filter(|r| r["entity"] == entity).map(|r| r["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn saved_segments_sync_to_their_owner_and_when_shared_to_the_team_and_only_the_owner_changes_them() {
    let app = demo().await;
    let (shared, private) = ("6a1b2c3d-0000-4000-8000-000000000001", "6a1b2c3d-0000-4000-8000-000000000002");
    let rule = json!({"regions": ["east"], "industries": ["manufacturing"], "idle_days": 90});
    let save = |seq: u64, id: &str, name: &str, rule: &Value, period: u32, shared: bool| json!({"seq": seq, "at_ms": 0, "op": {"type": "save_segment", "id": id, "name": name, "rule": rule, "period_days": period, "shared": shared}});
    let rep1 = login(&app, "rep1").await;
    let res = push(
        &app,
        &rep1,
        DEVICE_A,
        json!([save(1, shared, "华东制造业 90 天未下单", &rule, 365, true), save(2, private, "我的 A 类", &json!({"grades": ["A"]}), 180, false)]),
    )
    .await;
    assert_eq!(res["results"][0]["outcome"], json!({"status": "applied", "version": 1}), "{res}");
    assert_eq!(res["results"][1]["outcome"]["status"], "applied");

    // Bad definitions are refused with the reason and write nothing.
    let bad = push(
        &app,
        &rep1,
        DEVICE_A,
        json!([
            save(3, "6a1b2c3d-0000-4000-8000-000000000003", "  ", &rule, 365, false),
            save(4, "6a1b2c3d-0000-4000-8000-000000000004", "负数", &json!({"min_revenue_fen": -1}), 365, false),
            save(5, "6a1b2c3d-0000-4000-8000-000000000005", "太短", &rule, 10, false),
            save(6, "not-a-uuid", "坏 id", &rule, 365, false),
        ]),
    )
    .await;
    let reasons: Vec<Value> = bad["results"].as_array().unwrap().iter().map(|r| r["outcome"]["code"].clone()).collect();
    assert_eq!(reasons, [json!("required"), json!("amount_negative"), json!("invalid_period"), json!("invalid_id")]);
    assert_eq!(app.count("saved_segments").await, 2);

    // Who sees what: the owner both; the owner's team and the managers above the shared one; another team neither.
    for (user, expected) in [
        ("rep1", vec!["我的 A 类", "华东制造业 90 天未下单"]),
        ("rep2", vec!["华东制造业 90 天未下单"]),
        ("manager1", vec!["华东制造业 90 天未下单"]),
        ("director", vec!["华东制造业 90 天未下单"]),
        ("rep5", vec![]),
    ] {
        let cookie = login(&app, user).await;
        let mut seen = segments_of(&pull_all(&app, &cookie, None).await);
        seen.sort();
        let mut expected: Vec<String> = expected.into_iter().map(String::from).collect();
        expected.sort();
        assert_eq!(seen, expected, "{user}");
    }
    let first = pull_all(&app, &rep1, None).await;
    let stored = first[0]["segments"].as_array().unwrap().iter().find(|s| s["id"] == shared).unwrap().clone();
    assert_eq!(
        (stored["rule"].clone(), stored["period_days"].clone(), stored["shared"].clone(), stored["owner_name"].as_str()),
        (rule.clone(), json!(365), json!(true), Some("王磊"))
    );

    // Only the owner changes or deletes it.
    let rep2 = login(&app, "rep2").await;
    let rep2_cursor = pull_all(&app, &rep2, None).await.last().unwrap()["cursor"].as_str().unwrap().to_string();
    let refused =
        push(&app, &rep2, DEVICE_B, json!([save(1, shared, "改名", &rule, 365, true), {"seq": 2, "at_ms": 0, "op": {"type": "delete_segment", "id": shared}}]))
            .await;
    assert_eq!(refused["results"][0]["outcome"], json!({"status": "rejected", "reason": "forbidden"}));
    assert_eq!(refused["results"][1]["outcome"], json!({"status": "rejected", "reason": "forbidden"}));

    // The owner stops sharing it: it leaves rep2's device at the next pull; a deleted one leaves the owner's.
    let rep1_cursor = first.last().unwrap()["cursor"].as_str().unwrap().to_string();
    let res = push(
        &app,
        &rep1,
        DEVICE_A,
        json!([save(7, shared, "华东制造业（自用）", &rule, 365, false), {"seq": 8, "at_ms": 0, "op": {"type": "delete_segment", "id": private}}]),
    )
    .await;
    assert_eq!(res["results"][0]["outcome"], json!({"status": "applied", "version": 2}), "{res}");
    assert_eq!(res["results"][1]["outcome"]["status"], "applied");
    let later = pull_all(&app, &rep2, Some(&rep2_cursor)).await;
    // (A deleted one is announced to every device as removed; one that never had it ignores it.)
    assert!(segments_of(&later).is_empty() && removed_of(&later, "segment").contains(&shared.to_string()));
    let own = pull_all(&app, &rep1, Some(&rep1_cursor)).await;
    assert_eq!((segments_of(&own), removed_of(&own, "segment")), (vec!["华东制造业（自用）".to_string()], vec![private.to_string()]));
    let deleted = push(&app, &rep1, DEVICE_A, json!([{"seq": 9, "at_ms": 0, "op": {"type": "delete_segment", "id": private}}])).await;
    assert_eq!(deleted["results"][0]["outcome"], json!({"status": "rejected", "reason": "not_found"}));
}

fn plans_of(pages: &[Value]) -> Vec<Value> {
    pages.iter().flat_map(|p| p["promotions"].as_array().cloned().unwrap_or_default()).collect()
}

#[tokio::test]
async fn promotion_plans_are_drafted_by_their_owner_and_decided_by_a_manager_over_them_or_the_director() {
    let app = demo().await;
    let plan = "7b1c2d3e-0000-4000-8000-000000000001";
    let draft = |name: &str, budget: i64, from: &str, to: &str| {
        json!({"name": name, "channel": "visit", "kind": "cash_discount", "intensity_bp": 1000, "from": from, "to": to, "budget_fen": budget,
               "model": {"base_uptake_bp": [3000, 2000, 1200, 500], "uptake_per_point_bp": 150, "lift_bp": 2500},
               "expected": {"customers": 120, "takers": 40, "baseline_revenue_fen": 1000000, "revenue_fen": 1200000, "promotion_cost_fen": 80000}})
    };
    let op = |seq: u64, op: Value| json!({"seq": seq, "at_ms": 0, "op": op});
    let save = |seq: u64, id: &str, d: Value| op(seq, json!({"type": "save_promotion", "id": id, "draft": d}));
    let submit = |seq: u64, id: &str| op(seq, json!({"type": "submit_promotion", "id": id}));
    let decide = |seq: u64, id: &str, approve: bool, note: &str| op(seq, json!({"type": "decide_promotion", "id": id, "approve": approve, "note": note}));
    let outcome = |res: &Value, i: usize| res["results"][i]["outcome"].clone();
    let applied = |v: i64| json!({"status": "applied", "version": v});
    let rejected = |code: &str| json!({"status": "rejected", "reason": "invalid", "code": code});
    let forbidden = json!({"status": "rejected", "reason": "forbidden"});
    let sees = |pages: &[Value]| {
        plans_of(pages).iter().map(|p| (p["draft"]["name"].as_str().unwrap().to_string(), p["status"].as_str().unwrap().to_string())).collect::<Vec<_>>()
    };

    // rep1 drafts one; bad plans are refused with the reason and write nothing.
    let rep1 = login(&app, "rep1").await;
    let res = push(
        &app,
        &rep1,
        DEVICE_A,
        json!([
            save(1, plan, draft("年终回馈", 5_000_000, "2026-12-01", "2026-12-31")),
            save(2, "7b1c2d3e-0000-4000-8000-000000000002", draft("零预算", 0, "2026-12-01", "2026-12-31")),
            save(3, "7b1c2d3e-0000-4000-8000-000000000003", draft("倒置", 100, "2026-12-31", "2026-12-01")),
            save(4, "7b1c2d3e-0000-4000-8000-000000000004", draft(" ", 100, "2026-12-01", "2026-12-31")),
            save(5, "7b1c2d3e-0000-4000-8000-000000000005", {
                let mut d = draft("无此细分", 100, "2026-12-01", "2026-12-31");
                d["segment_id"] = json!("7b1c2d3e-0000-4000-8000-0000000000ff");
                d
            }),
            decide(6, plan, true, ""),
        ]),
    )
    .await;
    assert_eq!(outcome(&res, 0), applied(1), "{res}");
    assert_eq!(
        [outcome(&res, 1), outcome(&res, 2), outcome(&res, 3), outcome(&res, 4)],
        [rejected("budget_zero"), rejected("window_reversed"), rejected("required"), rejected("unknown_segment")]
    );
    assert_eq!(outcome(&res, 5), forbidden, "a rep decides on no plan, not even their own");
    assert_eq!(app.count("promotion_plans").await, 1);

    // A draft is its owner's alone.
    for (user, expected) in [("rep1", 1), ("supervisor1", 0), ("manager1", 0), ("director", 0)] {
        let cookie = login(&app, user).await;
        assert_eq!(plans_of(&pull_all(&app, &cookie, None).await).len(), expected, "{user}");
    }
    let manager1 = login(&app, "manager1").await;
    let m1_cursor = pull_all(&app, &manager1, None).await.last().unwrap()["cursor"].as_str().unwrap().to_string();

    // Submitted: the owner's supervisor, the manager over the region and the director see it; the
    // owner can no longer change it; the manager's device hears of it through the change feed.
    let res = push(&app, &rep1, DEVICE_A, json!([submit(7, plan), save(8, plan, draft("改了", 5_000_000, "2026-12-01", "2026-12-31"))])).await;
    assert_eq!((outcome(&res, 0), outcome(&res, 1)), (applied(2), rejected("plan_locked")), "{res}");
    for (user, expected) in [("rep1", 1), ("rep2", 0), ("supervisor1", 1), ("supervisor2", 0), ("manager1", 1), ("manager2", 0), ("director", 1)] {
        let cookie = login(&app, user).await;
        assert_eq!(plans_of(&pull_all(&app, &cookie, None).await).len(), expected, "{user}");
    }
    let later = pull_all(&app, &manager1, Some(&m1_cursor)).await;
    assert_eq!(sees(&later), [("年终回馈".to_string(), "submitted".to_string())]);
    let stored = &plans_of(&later)[0];
    assert_eq!(
        (stored["owner_name"].as_str(), stored["draft"]["from"].as_str(), stored["draft"]["expected"]["takers"].as_i64()),
        (Some("王磊"), Some("2026-12-01"), Some(40))
    );

    // Who may decide: not the supervisor, not a manager of another region (they do not see it).
    let supervisor1 = login(&app, "supervisor1").await;
    assert_eq!(outcome(&push(&app, &supervisor1, DEVICE_B, json!([decide(1, plan, true, "")])).await, 0), forbidden);
    let manager2 = login(&app, "manager2").await;
    assert_eq!(outcome(&push(&app, &manager2, DEVICE_B, json!([decide(1, plan, true, "")])).await, 0), json!({"status": "rejected", "reason": "not_found"}));
    // A rejection needs its reason; with one, the owner sees who rejected it and why.
    let res = push(&app, &manager1, DEVICE_B, json!([decide(1, plan, false, "  "), decide(2, plan, false, "预算过高，请控制在三万以内")])).await;
    assert_eq!((outcome(&res, 0), outcome(&res, 1)), (rejected("reason_required"), applied(3)), "{res}");
    let mine = plans_of(&pull_all(&app, &rep1, None).await);
    assert_eq!(
        (mine[0]["status"].as_str(), mine[0]["decided_by"].as_str(), mine[0]["note"].as_str()),
        (Some("rejected"), Some("李明"), Some("预算过高，请控制在三万以内"))
    );

    // Changed, it is a draft again and leaves the manager's device; submitted again, the director approves.
    let m1_cursor = pull_all(&app, &manager1, None).await.last().unwrap()["cursor"].as_str().unwrap().to_string();
    let res = push(&app, &rep1, DEVICE_A, json!([save(9, plan, draft("年终回馈", 3_000_000, "2026-12-01", "2026-12-31"))])).await;
    assert_eq!(outcome(&res, 0), applied(4), "{res}");
    let later = pull_all(&app, &manager1, Some(&m1_cursor)).await;
    assert_eq!((plans_of(&later).len(), removed_of(&later, "promotion")), (0, vec![plan.to_string()]));
    let director = login(&app, "director").await;
    assert_eq!(outcome(&push(&app, &rep1, DEVICE_A, json!([submit(10, plan)])).await, 0), applied(5));
    assert_eq!(outcome(&push(&app, &director, DEVICE_B, json!([decide(1, plan, true, "")])).await, 0), applied(6));
    // Decided once: a second decision, a change and a delete are all refused.
    assert_eq!(outcome(&push(&app, &manager1, DEVICE_B, json!([decide(3, plan, false, "晚了")])).await, 0), rejected("not_submitted"));
    let res = push(
        &app,
        &rep1,
        DEVICE_A,
        json!([save(11, plan, draft("再改", 1, "2026-12-01", "2026-12-31")), op(12, json!({"type": "delete_promotion", "id": plan}))]),
    )
    .await;
    assert_eq!((outcome(&res, 0), outcome(&res, 1)), (rejected("plan_locked"), rejected("plan_locked")));
    let approved = plans_of(&pull_all(&app, &manager1, None).await);
    assert_eq!(
        (approved[0]["status"].as_str(), approved[0]["decided_by"].as_str(), approved[0]["draft"]["budget_fen"].as_i64()),
        (Some("approved"), Some("赵建国"), Some(3_000_000))
    );

    // A manager's own plan goes to the director, not to themselves.
    let own = "7b1c2d3e-0000-4000-8000-000000000009";
    let res = push(
        &app,
        &manager1,
        DEVICE_B,
        json!([save(4, own, draft("华东大客户专场", 8_000_000, "2026-12-10", "2026-12-20")), submit(5, own), decide(6, own, true, "")]),
    )
    .await;
    assert_eq!((outcome(&res, 0), outcome(&res, 1), outcome(&res, 2)), (applied(1), applied(2), forbidden), "{res}");
    assert_eq!(outcome(&push(&app, &director, DEVICE_B, json!([decide(2, own, true, "同意")])).await, 0), applied(3));
    // Every step of the approval is in the audit log.
    assert_eq!(app.count("audit_log WHERE entity = 'promotion'").await, 6);

    // An approved plan is everybody's campaign: rep1 sees it and attributes an order of theirs to
    // it; the customer is sent again with the order attributed. Not to a plan still in approval,
    // not someone else's order.
    let pages = pull_all(&app, &rep1, None).await;
    assert!(plans_of(&pages).iter().any(|p| p["id"] == plan && p["status"] == "approved"));
    let cursor = pages.last().unwrap()["cursor"].as_str().unwrap().to_string();
    let order = pages.iter().flat_map(|p| p["orders"].as_array().cloned().unwrap_or_default()).next().expect("rep1 has orders");
    let order_id = order["id"].as_str().unwrap();
    let attribute = |seq: u64, plan: Option<&str>| op(seq, json!({"type": "attribute_order", "id": order_id, "plan": plan}));
    let draft_only = "7b1c2d3e-0000-4000-8000-00000000000a";
    let res = push(
        &app,
        &rep1,
        DEVICE_A,
        json!([save(20, draft_only, draft("草稿", 100, "2026-12-01", "2026-12-31")), attribute(21, Some(draft_only)), attribute(22, Some(plan))]),
    )
    .await;
    assert_eq!((outcome(&res, 1), outcome(&res, 2)["status"].clone()), (rejected("plan_not_approved"), json!("applied")), "{res}");
    let later = pull_all(&app, &rep1, Some(&cursor)).await;
    let sent: Vec<Value> = later.iter().flat_map(|p| p["orders"].as_array().cloned().unwrap_or_default()).filter(|o| o["id"] == order_id).collect();
    assert_eq!(sent.len(), 1, "the order comes again with its customer");
    assert_eq!(sent[0]["campaign_id"], plan);
    let rep5 = login(&app, "rep5").await;
    assert_eq!(outcome(&push(&app, &rep5, DEVICE_B, json!([attribute(1, Some(plan))])).await, 0), json!({"status": "rejected", "reason": "not_found"}));
    assert_eq!(outcome(&push(&app, &rep1, DEVICE_A, json!([attribute(23, None)])).await, 0)["status"], "applied");
    let after = pull_all(&app, &rep1, None).await;
    let again = after.iter().flat_map(|p| p["orders"].as_array().cloned().unwrap_or_default()).find(|o| o["id"] == order_id).unwrap();
    assert!(again.get("campaign_id").is_none(), "{again}");
    assert_eq!(app.count("audit_log WHERE entity = 'order'").await, 2);
}
