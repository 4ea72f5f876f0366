//! Sessions, the forced password change, throttling, CSRF and signing out everywhere.

use crate::helpers::{spawn_app, TestApp};
use kedao::seed::create_user;
use kedao_app::domain::org::Role;
use serde_json::json;

const LOGIN: &str = "/api/auth/login";

/// Creates a user who has already chosen their password.
async fn user(app: &TestApp, username: &str, role: Role, password: &str) {
    create_user(&app.db, username, username, role, password).await.unwrap();
    sqlx::query("UPDATE users SET must_change_password = FALSE WHERE username = $1")
        .bind(username)
        .execute(app.db.pool())
        .await
        .unwrap();
}

/// Signs in and returns the `Cookie` header value.
async fn sign_in(app: &TestApp, username: &str, password: &str) -> String {
    let res = app.post_json(LOGIN, &json!({"username": username, "password": password})).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.header("set-cookie").unwrap().split(';').next().unwrap().to_string()
}

#[tokio::test]
async fn me_needs_a_valid_unexpired_session() {
    let app = spawn_app().await;
    user(&app, "rep9", Role::Rep, "correct horse").await;
    for cookie in ["", "kedao_session=abc", &format!("kedao_session={}", "a".repeat(64)), "kedao_session='; DROP TABLE users; --"] {
        let res = app.get("/api/me", &[("cookie", cookie)]).await;
        assert_eq!(res.status, 401, "{cookie}");
        assert_eq!(res.json(), json!({"error": "unauthenticated"}));
    }

    let cookie = sign_in(&app, "rep9", "correct horse").await;
    let me = app.get("/api/me", &[("cookie", &cookie)]).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json(), json!({"username": "rep9", "display_name": "rep9", "role": "rep", "must_change_password": false}));

    sqlx::query("UPDATE sessions SET expires_at = 0").execute(app.db.pool()).await.unwrap();
    assert_eq!(app.get("/api/me", &[("cookie", &cookie)]).await.status, 401, "an expired session is refused");
}

#[tokio::test]
async fn a_created_user_must_change_the_password_first() {
    let app = spawn_app().await;
    create_user(&app.db, "newbie", "新同事", Role::Rep, "one-time-pass").await.unwrap();
    let cookie = sign_in(&app, "newbie", "one-time-pass").await;
    let other_device = sign_in(&app, "newbie", "one-time-pass").await;
    assert_eq!(app.get("/api/me", &[("cookie", &cookie)]).await.json()["must_change_password"], true);
    // Nothing else works until the password is changed.
    let blocked = app.send(axum::http::Request::delete("/api/admin/users/newbie/sessions").header("cookie", &cookie).body(axum::body::Body::empty()).unwrap()).await;
    assert_eq!(blocked.status, 403);
    assert_eq!(blocked.json()["error"], "password_change_required");

    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let post = |body: serde_json::Value| {
        let cookie = cookie.clone();
        let app = &app;
        async move { app.post("/api/auth/password", &[("cookie", &cookie), ("content-type", "application/json")], body.to_string()).await }
    };
    let res = post(change("one-time-pass", "short")).await;
    assert_eq!((res.status.as_u16(), res.json()["error"].clone()), (400, json!("password_too_short")));
    let res = post(change("one-time-pass", "one-time-pass")).await;
    assert_eq!((res.status.as_u16(), res.json()["error"].clone()), (400, json!("password_unchanged")));
    let res = post(change("wrong-current", "a much better one")).await;
    assert_eq!(res.status, 401);
    assert_eq!(post(change("one-time-pass", "a much better one")).await.status, 204);

    assert_eq!(app.get("/api/me", &[("cookie", &cookie)]).await.json()["must_change_password"], false);
    assert_eq!(app.get("/api/me", &[("cookie", &other_device)]).await.status, 401, "other devices are signed out");
    assert_eq!(app.post_json(LOGIN, &json!({"username": "newbie", "password": "one-time-pass"})).await.status, 401);
    sign_in(&app, "newbie", "a much better one").await;
}

#[tokio::test]
async fn repeated_failures_throttle_the_account_whether_or_not_it_exists() {
    let app = spawn_app().await;
    user(&app, "rep9", Role::Rep, "correct horse").await;
    user(&app, "rep10", Role::Rep, "correct horse").await;
    for name in ["rep9", "ghost"] {
        for _ in 0..kedao::auth::MAX_FAILURES_PER_ACCOUNT {
            let res = app.post_json(LOGIN, &json!({"username": name, "password": "wrong guess"})).await;
            assert_eq!(res.status, 401);
        }
        let res = app.post_json(LOGIN, &json!({"username": name, "password": "correct horse"})).await;
        assert_eq!(res.status, 429, "{name}");
        assert_eq!(res.json(), json!({"error": "throttled"}));
    }
    assert_eq!(app.count("sessions").await, 0, "even the right password is refused while throttled");
    // Another account is not affected.
    sign_in(&app, "rep10", "correct horse").await;
}

#[tokio::test]
async fn a_cross_site_request_is_refused_before_it_does_anything() {
    let app = spawn_app().await;
    user(&app, "rep9", Role::Rep, "correct horse").await;
    let body = json!({"username": "rep9", "password": "correct horse"}).to_string();
    let json_type = ("content-type", "application/json");
    let host = ("host", "crm.example.cn");

    let evil = app.post(LOGIN, &[json_type, host, ("origin", "https://evil.example")], body.clone()).await;
    assert_eq!(evil.status, 403);
    assert_eq!(evil.json(), json!({"error": "cross_origin"}));
    let evil_referer = app.post(LOGIN, &[json_type, host, ("referer", "https://evil.example/page")], body.clone()).await;
    assert_eq!(evil_referer.status, 403);
    let null_origin = app.post(LOGIN, &[json_type, host, ("origin", "null")], body.clone()).await;
    assert_eq!(null_origin.status, 403);
    assert_eq!(app.count("sessions").await, 0);

    let same = app.post(LOGIN, &[json_type, host, ("origin", "https://crm.example.cn")], body).await;
    assert_eq!(same.status, 200);
}

#[tokio::test]
async fn an_admin_signs_a_user_out_on_every_device_and_nobody_else_can() {
    let app = spawn_app().await;
    user(&app, "admin", Role::Admin, "admin password").await;
    user(&app, "rep9", Role::Rep, "correct horse").await;
    let phone = sign_in(&app, "rep9", "correct horse").await;
    let laptop = sign_in(&app, "rep9", "correct horse").await;
    let admin = sign_in(&app, "admin", "admin password").await;
    let revoke = |who: &str, cookie: &str| {
        axum::http::Request::delete(format!("/api/admin/users/{who}/sessions"))
            .header("cookie", cookie)
            .body(axum::body::Body::empty())
            .unwrap()
    };

    let by_rep = app.send(revoke("admin", &phone)).await;
    assert_eq!(by_rep.status, 403);
    assert_eq!(app.get("/api/me", &[("cookie", &admin)]).await.status, 200, "a rep cannot sign the admin out");

    let missing = app.send(revoke("nobody", &admin)).await;
    assert_eq!(missing.status, 404);

    let done = app.send(revoke("rep9", &admin)).await;
    assert_eq!(done.status, 200);
    assert_eq!(done.json(), json!({"sessions_ended": 2}));
    assert_eq!(app.get("/api/me", &[("cookie", &phone)]).await.status, 401);
    assert_eq!(app.get("/api/me", &[("cookie", &laptop)]).await.status, 401);
    assert_eq!(app.get("/api/me", &[("cookie", &admin)]).await.status, 200);
    assert_eq!(app.count("audit_log WHERE entity = 'user' AND field = 'sessions' AND old_value = '2'").await, 1, "recorded");
}
