//! Benchmarks, not tests: ignored by `cargo test`, run by `.ci/bench`, which prints their
//! `BENCH <name> <value> <unit>` lines. They drive the real router in-process (no network), on
//! the backend `KEDAO_TEST_DATABASE_URL` selects.

use crate::helpers::{backend, spawn_app, test_vault};
use kedao::seed::{seed, SeedOptions, DEFAULT_SEED, DEMO_PASSWORD};
use serde_json::json;
use sqlx::Row;
use time::macros::date;

/// Server-side throughput of pushed mutations: 20 batches of 500 field edits by one rep on their
/// own customers, each applied in its own transaction with permission check, audit entry and
/// change-log entry. Median of three rounds.
#[tokio::test]
#[ignore = "benchmark: run by .ci/bench"]
async fn bench_server_mutations_per_s() {
    let app = spawn_app().await;
    seed(&app.db, &test_vault(), SeedOptions { scale: 1, seed: DEFAULT_SEED, today: date!(2026 - 11 - 22) }).await.unwrap();
    let res = app.post_json("/api/auth/login", &json!({"username": "rep1", "password": DEMO_PASSWORD})).await;
    let cookie = res.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    let ids: Vec<String> = sqlx::query("SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.username = 'rep1' ORDER BY c.id")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect();
    // What each device believes each city is (as a real client would send it as `original`).
    let mut cities: std::collections::HashMap<String, String> = sqlx::query("SELECT id, city FROM customers")
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect();
    let (batches, per_batch) = (20u64, 500u64);
    let mut rates = Vec::new();
    for round in 0..3u64 {
        let client = format!("00000000-0000-4000-8000-{:012}", round);
        let started = std::time::Instant::now();
        for b in 0..batches {
            let mutations: Vec<_> = (0..per_batch)
                .map(|i| {
                    let n = b * per_batch + i;
                    let id = &ids[n as usize % ids.len()];
                    let value = format!("城市{round}-{n}");
                    let original = cities.insert(id.clone(), value.clone());
                    json!({"seq": n + 1, "at_ms": 0, "op": {"type": "update_customer", "id": id,
                        "edits": [{"field": "city", "original": original, "value": value}]}})
                })
                .collect();
            let res = app.call("POST", "/api/sync/push", &cookie, Some(&json!({"client_id": client, "mutations": mutations}))).await;
            assert_eq!(res.status, 200, "{}", res.text());
            assert!(res.text().matches("\"applied\"").count() == per_batch as usize);
        }
        rates.push((batches * per_batch) as f64 / started.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    println!("BENCH server_mutations_per_s_{} {:.0} mutations/s", backend().name(), rates[1]);
}

/// Importing 10,000 rows: a dry run and the commit of every row (one transaction), by a rep, from
/// a UTF-8 CSV with contacts. Median of three rounds on fresh data; target ≤ 10 s.
#[tokio::test]
#[ignore = "benchmark: run by .ci/bench"]
async fn bench_import_10000_rows() {
    let mut times = Vec::new();
    for round in 0..3 {
        let app = spawn_app().await;
        seed(&app.db, &test_vault(), SeedOptions { scale: 1, seed: DEFAULT_SEED, today: date!(2026 - 11 - 22) }).await.unwrap();
        let res = app.post_json("/api/auth/login", &json!({"username": "rep21", "password": DEMO_PASSWORD})).await;
        let cookie = res.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
        let mut csv = String::from("客户名称,城市,区域,行业,规模,电话,信用额度（元）,联系人,手机,邮箱\n");
        for i in 0..10_000 {
            csv.push_str(&format!("武汉测试{round}客户{i}有限公司,武汉,华中,电子,小型,027-{:08},50000,联系人{i},139{:08},c{i}@example.cn\n", i, i));
        }
        let mapping = "name=0,city=1,region=2,industry=3,size=4,phone=5,credit_limit=6,contact_name=7,contact_phone=8,contact_email=9";
        let started = std::time::Instant::now();
        for step in ["check", "commit&mode=all"] {
            let res = app
                .post(&format!("/api/import/customers?step={step}&mapping={mapping}"), &[("cookie", &cookie), ("content-type", "text/csv")], csv.clone())
                .await;
            assert_eq!(res.status, 200, "{}", res.text());
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        let imported: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM customers WHERE city = '武汉' AND name LIKE '武汉测试%'").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(imported, 10_000);
    }
    times.sort_by(f64::total_cmp);
    println!("BENCH import_10000_rows_ms_{} {:.0} ms", crate::helpers::backend().name(), times[1]);
}
