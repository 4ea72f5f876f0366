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
