//! Customer grading (issue 7) on the server: rules checked by the shared code and only changed by
//! admins and the director; a regrading grades every customer by the revenue of its orders in the
//! period, writes each change like any other (version, change feed, so devices pull it) with a
//! history row, and a month's scheduled run happens once however many processes try.

use crate::helpers::{demo, login};
use crate::sync::pull_all;
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::HashMap;

/// The day the demo data is written for.
const TODAY: &str = "2026-11-22";

#[tokio::test]
async fn a_regrading_follows_the_rules_records_history_and_reaches_devices() {
    let app = demo().await;
    let (admin, director, manager, rep1) =
        (login(&app, "admin").await, login(&app, "director").await, login(&app, "manager1").await, login(&app, "rep1").await);

    // Who may do what.
    assert_eq!(app.call("GET", "/api/admin/grading", &rep1, None).await.status, 403);
    let read = app.call("GET", "/api/admin/grading", &manager, None).await;
    assert_eq!(read.status, 200);
    let read = read.json();
    assert_eq!(
        (read["may_change"].clone(), read["config"]["thresholds"]["kind"].clone(), read["last_run"].clone()),
        (json!(false), json!("shares"), Value::Null)
    );
    assert_eq!(app.call("POST", "/api/admin/grading/run", &manager, None).await.status, 403);
    assert_eq!(app.call("PUT", "/api/admin/grading", &manager, Some(&read["config"])).await.status, 403);

    // Bad rules are refused with the shared reason; nothing changes.
    let mut bad = read["config"].clone();
    bad["thresholds"] = json!({"kind": "amounts", "a_fen": 100, "b_fen": 500, "c_fen": 0});
    let res = app.call("PUT", "/api/admin/grading", &admin, Some(&bad)).await;
    assert_eq!((res.status.as_u16(), res.json()["error"].clone()), (400, json!("thresholds_overlap")));
    let mut bad = read["config"].clone();
    bad["period_days"] = json!(7);
    assert_eq!(app.call("PUT", "/api/admin/grading", &admin, Some(&bad)).await.json()["error"], "invalid_period");
    assert_eq!(app.call("PUT", "/api/admin/grading", &admin, Some(&json!({"basis": "revenue"}))).await.status, 400);

    // New rules travel with the lists: a device holding the old version gets them.
    let first = pull_all(&app, &director, None).await;
    let version = first[0]["catalog"]["version"].as_i64().unwrap();
    let cursor = first.last().unwrap()["cursor"].as_str().unwrap().to_string();
    let mut rules = read["config"].clone();
    rules["thresholds"] = json!({"kind": "shares", "a_bp": 1000, "b_bp": 2000, "c_bp": 3000});
    rules["strategies"][0]["visit_days"] = json!(5);
    let res = app.call("PUT", "/api/admin/grading", &director, Some(&rules)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let page = app.call("GET", &format!("/api/sync/pull?catalog={version}&cursor={cursor}"), &director, None).await.json();
    assert_eq!(page["catalog"]["grading"]["strategies"][0]["visit_days"], 5);

    // Regrade as of the demo's day: top 10 % A, next 20 % B, next 30 % C by last year's revenue.
    let before: HashMap<String, String> = sqlx::query("SELECT id, grade FROM customers")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect();
    let summary = kedao::grading::run(&app.db, None, None, TODAY).await.unwrap().unwrap();
    assert_eq!(summary.customers as usize, before.len());
    assert_eq!(summary.grades.iter().sum::<u64>(), summary.customers);
    assert!(summary.changed > 0, "the demo's random grades do not all match revenue");
    // Every A earned at least as much as every B, and so on down.
    let revenue: Vec<(String, i64)> = sqlx::query(
        "SELECT c.grade, CAST(COALESCE(SUM(o.total_fen), 0) AS BIGINT) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.order_date >= '2025-11-23' AND o.order_date <= $1 AND o.status <> 'cancelled' GROUP BY c.id, c.grade",
    )
    .bind(TODAY)
    .fetch_all(app.db.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
    .collect();
    let bounds = |g: &str| {
        let v: Vec<i64> = revenue.iter().filter(|(x, _)| x == g).map(|(_, v)| *v).collect();
        (v.iter().copied().min().unwrap_or(i64::MAX), v.iter().copied().max().unwrap_or(i64::MIN))
    };
    let (a, b, c, d) = (bounds("A"), bounds("B"), bounds("C"), bounds("D"));
    assert!(a.0 >= b.1 && b.0 >= c.1 && c.0 >= d.1, "{a:?} {b:?} {c:?} {d:?}");
    assert!((summary.grades[0] as f64 - summary.customers as f64 * 0.1).abs() <= 3.0, "about 10 % are A: {:?}", summary.grades);
    // Each change has a history row; the counts by move add up.
    let history: i64 = sqlx::query("SELECT COUNT(*) FROM customer_grade_history WHERE run_id = $1")
        .bind(&summary.run_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(history as u64, summary.changed);
    assert_eq!(summary.moved.values().sum::<u64>(), summary.changed);

    // Devices pull the new grades; a customer's history says what happened.
    let row = sqlx::query("SELECT customer_id, from_grade FROM customer_grade_history WHERE run_id = $1 ORDER BY customer_id LIMIT 1")
        .bind(&summary.run_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (moved, from): (String, String) = (row.try_get(0).unwrap(), row.try_get(1).unwrap());
    assert_eq!(before[&moved], from);
    let later = pull_all(&app, &director, Some(&cursor)).await;
    let pulled = later
        .iter()
        .flat_map(|p| p["customers"].as_array().unwrap())
        .find(|c| c["id"] == moved.as_str())
        .expect("the regraded customer comes with the next pull");
    let to = pulled["grade"].as_str().unwrap().to_string();
    assert_ne!(to, from);
    let owner: String = sqlx::query("SELECT u.username FROM customers c JOIN users u ON u.id = c.owner_id WHERE c.id = $1")
        .bind(&moved)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    let owner = login(&app, &owner).await;
    let grades = app.call("GET", &format!("/api/customers/{moved}/grades"), &owner, None).await.json();
    assert_eq!((grades[0]["from"].as_str(), grades[0]["to"].as_str()), (Some(from.as_str()), Some(to.as_str())));
    let stranger = login(&app, "rep24").await;
    let hidden = app.call("GET", &format!("/api/customers/{moved}/grades"), &stranger, None).await.status;
    assert!(hidden == 404 || owner_is(&app, &moved, "rep24").await, "a customer the user cannot see: 404");

    // The same rules again: nothing moves. A month's scheduled run happens once.
    assert_eq!(kedao::grading::run(&app.db, None, None, TODAY).await.unwrap().unwrap().changed, 0);
    assert!(kedao::grading::run(&app.db, None, Some("2026-11"), TODAY).await.unwrap().is_some());
    assert!(kedao::grading::run(&app.db, None, Some("2026-11"), TODAY).await.unwrap().is_none(), "already run this month");
    // On demand over HTTP (as of the real date), with the last run shown to managers.
    let res = app.call("POST", "/api/admin/grading/run", &admin, None).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["customers"].as_u64(), Some(summary.customers));
    assert!(app.call("GET", "/api/admin/grading", &manager, None).await.json()["last_run"]["customers"].as_u64() == Some(summary.customers));
}

async fn owner_is(app: &crate::helpers::TestApp, customer: &str, username: &str) -> bool {
    let owner: String = sqlx::query("SELECT u.username FROM customers c JOIN users u ON u.id = c.owner_id WHERE c.id = $1")
        .bind(customer)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    owner == username
}
