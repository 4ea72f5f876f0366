use crate::helpers::{backend, count, fresh_db, test_vault, TempDir};
use kedao::db::Db;
use kedao::seed::{seed, SeedOptions, DEFAULT_SEED};
use sqlx::Row;
use time::macros::date;

const OPTS: SeedOptions = SeedOptions { scale: 1, seed: DEFAULT_SEED, today: date!(2026 - 11 - 22) };

/// A digest of the generated data that any difference would change.
async fn fingerprint(db: &Db) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT id || '|' || name || '|' || grade || '|' || owner_id || '|' || COALESCE(phone_bidx, '') AS r FROM customers ORDER BY id",
        "SELECT id || '|' || stage || '|' || CAST(amount_fen AS TEXT) || '|' || expected_close AS r FROM opportunities ORDER BY id",
        "SELECT CAST(COUNT(*) AS TEXT) || '|' || CAST(SUM(total_fen) AS TEXT) || '|' || CAST(SUM(cost_fen) AS TEXT) AS r FROM orders",
        "SELECT CAST(SUM(paid_fen) AS TEXT) || '|' || CAST(COUNT(paid_date) AS TEXT) AS r FROM payments",
        "SELECT username || '|' || role || '|' || COALESCE(manager_id, '') AS r FROM users ORDER BY username",
    ] {
        for row in sqlx::query(sql).fetch_all(db.pool()).await.expect(sql) {
            out.push(row.try_get::<String, _>("r").unwrap());
        }
    }
    out
}

#[tokio::test]
async fn the_demo_dataset_has_the_promised_shape() {
    let (db, _url, _dir) = fresh_db().await;
    let counts = seed(&db, &test_vault(), OPTS).await.unwrap();

    assert_eq!(counts.customers, 2_000);
    assert_eq!(count(&db, "customers").await, 2_000);
    assert!((7_000..=9_000).contains(&counts.opportunities), "about 8,000 opportunities: {counts}");
    assert!(counts.contacts >= 2_000 && counts.stage_changes > counts.opportunities && counts.payments > counts.orders, "{counts}");
    // The organisation: 1 director, 3 managers, 6 supervisors, 24 reps (plus admin, finance, service).
    for (role, n) in [("director", 1), ("manager", 3), ("supervisor", 6), ("rep", 24), ("admin", 1)] {
        assert_eq!(count(&db, &format!("users WHERE role = '{role}'")).await, n, "{role}");
    }
    assert_eq!(count(&db, "users WHERE role = 'rep' AND manager_id IS NULL").await, 0, "every rep reports to someone");
    // The funnel is populated in every stage, with open deals and closed ones.
    for stage in ["initial_contact", "needs_analysis", "proposal", "negotiation", "contract_signed", "lost"] {
        assert!(count(&db, &format!("opportunities WHERE stage = '{stage}'")).await > 50, "{stage}");
    }
    for grade in ["A", "B", "C", "D"] {
        assert!(count(&db, &format!("customers WHERE grade = '{grade}'")).await > 20, "grade {grade}");
    }
    for region in ["east", "south", "north", "southwest", "central"] {
        let n = count(&db, &format!("customers c JOIN regions r ON r.id = c.region_id WHERE r.code = '{region}'")).await;
        assert!(n > 100, "{region}: {n}");
    }
    // Three years of history, up to the chosen day and not beyond.
    let row = sqlx::query("SELECT MIN(order_date) AS lo, MAX(order_date) AS hi FROM orders").fetch_one(db.pool()).await.unwrap();
    let (lo, hi): (String, String) = (row.try_get("lo").unwrap(), row.try_get("hi").unwrap());
    assert!(lo.as_str() < "2024-03-01" && lo.as_str() >= "2023-11-23", "{lo}");
    assert!(hi.as_str() <= "2026-11-22" && hi.as_str() > "2026-09-01", "{hi}");
    // Payments: some overdue, some still to come.
    assert!(count(&db, "payments WHERE paid_date IS NULL AND due_date < '2026-11-01'").await > 10);
    assert!(count(&db, "payments WHERE paid_date IS NULL AND due_date > '2026-11-22'").await > 10);
    // Money adds up: every order equals the sum of its lines.
    let mismatched =
        count(&db, "orders o WHERE o.total_fen <> (SELECT CAST(SUM(l.quantity * l.unit_price_fen) AS BIGINT) FROM order_lines l WHERE l.order_id = o.id)")
            .await;
    assert_eq!(mismatched, 0);
    // Company names in Chinese with English counterparts, and a few foreign-invested customers.
    assert!(count(&db, "customers WHERE name LIKE '深圳%电子科技%'").await > 0, "a 深圳…电子 company to find with szdz");
    assert!(count(&db, "customers WHERE name LIKE '%Co., Ltd.' AND name = name_en").await > 10);
}

#[tokio::test]
async fn the_same_seed_and_day_give_the_same_data_on_every_backend() {
    let (db, _url, _dir) = fresh_db().await;
    seed(&db, &test_vault(), OPTS).await.unwrap();
    let here = fingerprint(&db).await;

    // Always compare with an SQLite copy: on the PostgreSQL run this proves both backends hold
    // identical data; on the SQLite run, that a second run repeats the first.
    let dir = TempDir::new();
    let sqlite = Db::connect(&format!("sqlite://{}", dir.0.join("again.db").display()), 4).await.unwrap();
    kedao::startup::prepare_database(&sqlite).await.unwrap();
    seed(&sqlite, &test_vault(), OPTS).await.unwrap();
    let there = fingerprint(&sqlite).await;

    assert_eq!(here.len(), there.len());
    assert!(here == there, "datasets differ between {} and sqlite", backend().name());

    let other = SeedOptions { seed: 7, ..OPTS };
    let dir2 = TempDir::new();
    let different = Db::connect(&format!("sqlite://{}", dir2.0.join("other.db").display()), 4).await.unwrap();
    kedao::startup::prepare_database(&different).await.unwrap();
    seed(&different, &test_vault(), other).await.unwrap();
    assert!(fingerprint(&different).await != here, "another seed gives other data");
}

#[tokio::test]
async fn seeding_a_database_that_has_data_is_refused_and_changes_nothing() {
    let (db, _url, _dir) = fresh_db().await;
    seed(&db, &test_vault(), SeedOptions { scale: 1, ..OPTS }).await.unwrap();
    let before = count(&db, "opportunities").await;

    let err = seed(&db, &test_vault(), OPTS).await.unwrap_err().to_string();

    assert!(err.contains("already holds 2000 customers"), "{err}");
    assert_eq!(count(&db, "opportunities").await, before);
    assert_eq!(count(&db, "users").await, 37);
}
