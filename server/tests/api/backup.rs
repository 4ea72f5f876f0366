use crate::helpers::{backend, count, fresh_db, spawn_app_with, test_config, TempDir};
use kedao::db::{Backend, Db};
use kedao::seed::create_user;
use kedao_app::domain::org::Role;

#[tokio::test]
async fn backup_copies_the_sqlite_database_while_it_serves() {
    let (db, url, dir) = fresh_db().await;
    create_user(&db, "rep9", "王小明", Role::Rep, "correct horse").await.unwrap();
    let app = spawn_app_with(db.clone(), test_config(&url), dir).await;
    let out = TempDir::new();
    let dest = out.0.join("copy.db");

    // Keep the app busy (reads and sign-in writes) while the copy is taken.
    let busy = {
        let app = std::sync::Arc::new(app);
        tokio::spawn(async move {
            for _ in 0..10 {
                assert_eq!(app.get("/healthz", &[]).await.status, 200);
                let body = serde_json::json!({"username": "rep9", "password": "correct horse"});
                assert_eq!(app.post_json("/api/auth/login", &body).await.status, 200);
            }
        })
    };
    let result = db.backup_sqlite(&dest).await;
    busy.await.unwrap();

    if backend() == Backend::Postgres {
        assert!(result.unwrap_err().to_string().contains("pg_dump"));
        return;
    }
    result.unwrap();
    let copy = Db::connect(&format!("sqlite://{}", dest.display()), 1).await.unwrap();
    assert_eq!(count(&copy, "users WHERE username = 'rep9'").await, 1);
    // An existing file is never overwritten.
    let again = db.backup_sqlite(&dest).await.unwrap_err().to_string();
    assert!(again.contains("already exists"), "{again}");
}
