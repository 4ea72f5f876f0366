//! Record- and field-level access on the real demo organisation: who sees which customers, what
//! arrives masked, and that visibility follows re-assignment.

use crate::helpers::{spawn_app, test_vault, TestApp};
use kedao::crypto::Place;
use kedao::seed::{seed, SeedOptions, DEFAULT_SEED, DEMO_PASSWORD};
use serde_json::{json, Value};
use sqlx::Row;
use time::macros::date;

async fn demo_app() -> TestApp {
    let app = spawn_app().await;
    seed(&app.db, &test_vault(), SeedOptions { scale: 1, seed: DEFAULT_SEED, today: date!(2026 - 11 - 22) }).await.unwrap();
    app
}

async fn cookie_for(app: &TestApp, username: &str) -> String {
    let res = app.post_json("/api/auth/login", &json!({"username": username, "password": DEMO_PASSWORD})).await;
    assert_eq!(res.status, 200, "{username}: {}", res.text());
    res.header("set-cookie").unwrap().split(';').next().unwrap().to_string()
}

/// Every customer the viewer can list, across pages.
async fn all_visible(app: &TestApp, cookie: &str) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let res = app.get(&format!("/api/customers?limit=1000&offset={}", out.len()), &[("cookie", cookie)]).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let page = res.json();
        let batch = page["customers"].as_array().unwrap().clone();
        let total = page["total"].as_i64().unwrap() as usize;
        out.extend(batch);
        if out.len() >= total {
            assert_eq!(out.len(), total);
            return out;
        }
    }
}

async fn scalar(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query(sql).bind(bind).fetch_one(app.db.pool()).await.unwrap().try_get::<i64, _>("n").unwrap()
}

async fn user_id(app: &TestApp, username: &str) -> String {
    sqlx::query("SELECT id FROM users WHERE username = $1").bind(username).fetch_one(app.db.pool()).await.unwrap().try_get("id").unwrap()
}

fn is_masked(phone: &str) -> bool {
    phone.contains("****")
}

#[tokio::test]
async fn each_role_sees_exactly_its_customers() {
    let app = demo_app().await;

    let director = all_visible(&app, &cookie_for(&app, "director").await).await;
    assert_eq!(director.len(), 2_000);

    let manager = all_visible(&app, &cookie_for(&app, "manager1").await).await;
    let east = scalar(&app, "SELECT COUNT(*) AS n FROM customers c JOIN regions r ON r.id = c.region_id WHERE r.code = $1", "east").await;
    assert_eq!(manager.len() as i64, east);
    assert!(manager.iter().all(|c| c["region"] == "east"), "manager1 manages East China only");

    let supervisor_id = user_id(&app, "supervisor1").await;
    let team_customers = scalar(
        &app,
        "SELECT COUNT(*) AS n FROM customers c JOIN users o ON o.id = c.owner_id \
         WHERE o.team_id = (SELECT team_id FROM users WHERE id = $1)",
        &supervisor_id,
    )
    .await;
    let supervisor = all_visible(&app, &cookie_for(&app, "supervisor1").await).await;
    assert_eq!(supervisor.len() as i64, team_customers);
    assert!(team_customers > 0 && (supervisor.len() as i64) < east, "a team is part of a region");

    let rep1 = user_id(&app, "rep1").await;
    let owned = scalar(&app, "SELECT COUNT(*) AS n FROM customers WHERE owner_id = $1", &rep1).await;
    let rep = all_visible(&app, &cookie_for(&app, "rep1").await).await;
    assert_eq!(rep.len() as i64, owned);
    assert!(rep.iter().all(|c| c["owner_id"] == rep1.as_str()));
}

#[tokio::test]
async fn a_rep_gets_own_phones_in_full_and_others_masked_and_cannot_open_others_by_id() {
    let app = demo_app().await;
    let rep1 = user_id(&app, "rep1").await;
    let rep2 = user_id(&app, "rep2").await;
    let cookie = cookie_for(&app, "rep1").await;

    // Own customer: the real phone, also for its contacts.
    let own: String = sqlx::query("SELECT id FROM customers WHERE owner_id = $1 AND phone IS NOT NULL ORDER BY id LIMIT 1")
        .bind(&rep1)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    let detail = app.get(&format!("/api/customers/{own}"), &[("cookie", &cookie)]).await.json();
    let sealed: String = sqlx::query("SELECT phone FROM customers WHERE id = $1").bind(&own).fetch_one(app.db.pool()).await.unwrap().try_get("phone").unwrap();
    assert!(sealed.starts_with("enc:v1:test:"), "stored encrypted: {sealed}");
    let real = test_vault().open(Place { table: "customers", column: "phone", id: &own }, &sealed).unwrap();
    assert_eq!(detail["customer"]["phone"], real.as_str());
    assert!(!is_masked(&real) && real.len() == 11);
    assert!(detail["contacts"].as_array().unwrap().iter().all(|c| !is_masked(c["phone"].as_str().unwrap())));

    // A colleague's customer: not found, and nothing of it in the answer.
    let theirs: (String, String) = sqlx::query("SELECT id, name FROM customers WHERE owner_id = $1 AND phone IS NOT NULL ORDER BY id LIMIT 1")
        .bind(&rep2)
        .fetch_one(app.db.pool())
        .await
        .map(|r| (r.try_get("id").unwrap(), r.try_get("name").unwrap()))
        .unwrap();
    let denied = app.get(&format!("/api/customers/{}", theirs.0), &[("cookie", &cookie)]).await;
    assert_eq!(denied.status, 404);
    assert_eq!(denied.json(), json!({"error": "not_found"}));
    assert!(!denied.text().contains(&theirs.1));

    // Shared with rep1: visible, with masked phones everywhere in the body.
    sqlx::query("INSERT INTO customer_shares (customer_id, user_id, shared_by, shared_at) VALUES ($1, $2, $3, 0)")
        .bind(&theirs.0)
        .bind(&rep1)
        .bind(&rep2)
        .execute(app.db.pool())
        .await
        .unwrap();
    let shared = app.get(&format!("/api/customers/{}", theirs.0), &[("cookie", &cookie)]).await;
    assert_eq!(shared.status, 200);
    let body = shared.json();
    assert!(is_masked(body["customer"]["phone"].as_str().unwrap()));
    let contact_phones: Vec<String> = sqlx::query("SELECT id, phone FROM contacts WHERE customer_id = $1")
        .bind(&theirs.0)
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let id: String = r.try_get("id").unwrap();
            test_vault().open(Place { table: "contacts", column: "phone", id: &id }, &r.try_get::<String, _>("phone").unwrap()).unwrap()
        })
        .collect();
    assert!(!contact_phones.is_empty());
    for phone in &contact_phones {
        assert!(!shared.text().contains(phone.as_str()), "a colleague's contact phone never leaves the server");
    }
    let listed = all_visible(&app, &cookie).await;
    let owned = scalar(&app, "SELECT COUNT(*) AS n FROM customers WHERE owner_id = $1", &rep1).await;
    assert_eq!(listed.len() as i64, owned + 1);
    for c in &listed {
        let phone = c["phone"].as_str().unwrap_or("");
        if c["owner_id"] != rep1.as_str() && !phone.is_empty() {
            assert!(is_masked(phone), "{phone}");
        }
    }
}

#[tokio::test]
async fn reassigning_a_customer_moves_its_visibility() {
    let app = demo_app().await;
    let rep1 = user_id(&app, "rep1").await;
    let rep2 = user_id(&app, "rep2").await;
    let (c1, c2) = (cookie_for(&app, "rep1").await, cookie_for(&app, "rep2").await);
    let moved: String = sqlx::query("SELECT id FROM customers WHERE owner_id = $1 ORDER BY id LIMIT 1")
        .bind(&rep1)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    assert_eq!(app.get(&format!("/api/customers/{moved}"), &[("cookie", &c2)]).await.status, 404);

    sqlx::query("UPDATE customers SET owner_id = $1 WHERE id = $2").bind(&rep2).bind(&moved).execute(app.db.pool()).await.unwrap();

    assert_eq!(app.get(&format!("/api/customers/{moved}"), &[("cookie", &c1)]).await.status, 404);
    assert_eq!(app.get(&format!("/api/customers/{moved}"), &[("cookie", &c2)]).await.status, 200);
}

#[tokio::test]
async fn costs_reach_managers_and_above_only() {
    let app = demo_app().await;
    for (user, sees) in [("director", true), ("manager1", true), ("admin", true), ("supervisor1", false), ("rep1", false), ("finance1", false)] {
        let res = app.get("/api/products", &[("cookie", &cookie_for(&app, user).await)]).await;
        assert_eq!(res.status, 200);
        let products = res.json();
        let products = products.as_array().unwrap();
        assert_eq!(products.len(), 26);
        assert!(products.iter().all(|p| p.get("unit_cost_fen").is_some() == sees), "{user}");
        assert_eq!(res.text().contains("cost"), sees, "{user}");
    }
}

#[tokio::test]
async fn customer_reads_refuse_the_unsigned_and_bad_queries() {
    let app = demo_app().await;
    assert_eq!(app.get("/api/customers", &[]).await.status, 401);
    assert_eq!(app.get("/api/products", &[]).await.status, 401);
    let cookie = cookie_for(&app, "director").await;
    for query in ["limit=0", "limit=abc", "offset=-1", "limit=100000"] {
        let res = app.get(&format!("/api/customers?{query}"), &[("cookie", &cookie)]).await;
        assert_eq!(res.status, 400, "{query}");
        assert_eq!(res.json()["error"], "invalid_query");
    }
    assert_eq!(app.get(&format!("/api/customers/{}", "x".repeat(500)), &[("cookie", &cookie)]).await.status, 404);
}

async fn reassign(app: &TestApp, cookie: &str, customer: &str, owner: &str, version: i64) -> crate::helpers::Reply {
    let body = json!({"owner": owner, "version": version}).to_string();
    app.post(
        &format!("/api/customers/{customer}/owner"),
        &[("cookie", cookie), ("content-type", "application/json"), ("user-agent", "KedaoTest/1 (tablet)")],
        body,
    )
    .await
}

async fn owner_and_version(app: &TestApp, customer: &str) -> (String, i64) {
    let r = sqlx::query("SELECT owner_id, version FROM customers WHERE id = $1").bind(customer).fetch_one(app.db.pool()).await.unwrap();
    (r.try_get("owner_id").unwrap(), r.try_get("version").unwrap())
}

#[tokio::test]
async fn a_manager_reassigns_within_the_region_and_the_history_records_it() {
    let app = demo_app().await;
    let (rep1, rep2) = (user_id(&app, "rep1").await, user_id(&app, "rep2").await);
    let manager = cookie_for(&app, "manager1").await;
    let customer: String = sqlx::query("SELECT id FROM customers WHERE owner_id = $1 ORDER BY id LIMIT 1")
        .bind(&rep1)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();

    let res = reassign(&app, &manager, &customer, "rep2", 1).await;

    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["owner_id"], rep2.as_str());
    assert_eq!(res.json()["version"], 2);
    assert_eq!(owner_and_version(&app, &customer).await, (rep2.clone(), 2));
    let history = app.get(&format!("/api/customers/{customer}/history"), &[("cookie", &manager)]).await;
    assert_eq!(history.status, 200);
    let entries = history.json();
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor"], "李明");
    assert_eq!(entries[0]["field"], "owner_id");
    // Users appear by name, not by id.
    assert_eq!(entries[0]["old_value"], "王磊");
    assert_eq!(entries[0]["new_value"], res.json()["owner_name"]);
    assert_eq!(entries[0]["device"], "KedaoTest/1 (tablet)");

    // A client that saw version 1 is too late now: refused, nothing changes.
    let stale = reassign(&app, &manager, &customer, "rep3", 1).await;
    assert_eq!(stale.status, 409);
    assert_eq!(stale.json()["error"], "conflict");
    assert_eq!(owner_and_version(&app, &customer).await, (rep2, 2));
}

#[tokio::test]
async fn reassignments_outside_ones_authority_are_refused_and_change_nothing() {
    let app = demo_app().await;
    let rep1 = user_id(&app, "rep1").await;
    let customer: String = sqlx::query("SELECT id FROM customers WHERE owner_id = $1 ORDER BY id LIMIT 1")
        .bind(&rep1)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    let before = owner_and_version(&app, &customer).await;

    // A rep cannot hand customers around, not even their own.
    let by_rep = reassign(&app, &cookie_for(&app, "rep1").await, &customer, "rep2", 1).await;
    assert_eq!(by_rep.status, 403);
    // manager1 (East China) cannot give it to a rep of the Shenzhen team.
    let cross_region = reassign(&app, &cookie_for(&app, "manager1").await, &customer, "rep9", 1).await;
    assert_eq!(cross_region.status, 400);
    assert_eq!(cross_region.json()["error"], "invalid_owner");
    // manager2 (South and Southwest) does not even see it.
    let other_manager = cookie_for(&app, "manager2").await;
    assert_eq!(reassign(&app, &other_manager, &customer, "rep9", 1).await.status, 404);
    assert_eq!(app.get(&format!("/api/customers/{customer}/history"), &[("cookie", &other_manager)]).await.status, 404);
    // Nor can anyone make a director or an unknown user the owner.
    let manager = cookie_for(&app, "manager1").await;
    assert_eq!(reassign(&app, &manager, &customer, "director", 1).await.status, 400);
    assert_eq!(reassign(&app, &manager, &customer, "nobody", 1).await.status, 400);
    // History is for managers and above.
    assert_eq!(app.get(&format!("/api/customers/{customer}/history"), &[("cookie", &cookie_for(&app, "rep1").await)]).await.status, 403);

    assert_eq!(owner_and_version(&app, &customer).await, before);
    assert_eq!(app.count("audit_log").await, 0);
}

#[tokio::test]
async fn sensitive_fields_are_encrypted_at_rest_and_masked_for_non_owners() {
    let app = demo_app().await;
    // Nothing sensitive is stored in plaintext.
    for (table, column) in [("customers", "phone"), ("customers", "id_number"), ("customers", "bank_account"), ("contacts", "phone")] {
        let plain = scalar(&app, &format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} IS NOT NULL AND {column} NOT LIKE $1"), "enc:v1:test:%").await;
        assert_eq!(plain, 0, "{table}.{column} has plaintext values");
        let sealed = scalar(&app, &format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} LIKE $1"), "enc:v1:test:%").await;
        assert!(sealed > 0, "{table}.{column} has values");
    }
    // A manager sees the region's customers with ID and bank numbers masked (they own none)…
    let cookie = cookie_for(&app, "manager1").await;
    let listed = all_visible(&app, &cookie).await;
    let ids: Vec<&str> = listed.iter().filter_map(|c| c["id_number"].as_str()).collect();
    let banks: Vec<&str> = listed.iter().filter_map(|c| c["bank_account"].as_str()).collect();
    assert!(!ids.is_empty() && !banks.is_empty());
    assert!(ids.iter().all(|s| s.len() == 18 && s.contains("***********")), "{ids:?}");
    assert!(banks.iter().all(|s| s.starts_with("**** **** **** ")), "{banks:?}");
    // …while the owner gets them whole, with a valid check character.
    let rep1 = user_id(&app, "rep1").await;
    let own: String = sqlx::query("SELECT id FROM customers WHERE owner_id = $1 AND id_number IS NOT NULL ORDER BY id LIMIT 1")
        .bind(&rep1)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    let detail = app.get(&format!("/api/customers/{own}"), &[("cookie", &cookie_for(&app, "rep1").await)]).await.json();
    let id_number = detail["customer"]["id_number"].as_str().unwrap();
    assert_eq!(id_number.len(), 18);
    assert!(!id_number.contains('*'));
    // A value sealed for one row does not open in another: moving ciphertexts is caught.
    let other: String = sqlx::query("SELECT id FROM customers WHERE id <> $1 AND owner_id = $2 ORDER BY id LIMIT 1")
        .bind(&own)
        .bind(&rep1)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    sqlx::query("UPDATE customers SET id_number = (SELECT id_number FROM customers WHERE id = $1) WHERE id = $2")
        .bind(&own)
        .bind(&other)
        .execute(app.db.pool())
        .await
        .unwrap();
    let moved = app.get(&format!("/api/customers/{other}"), &[("cookie", &cookie_for(&app, "rep1").await)]).await;
    assert_eq!(moved.status, 500);
    assert!(!moved.text().contains(id_number));
}
