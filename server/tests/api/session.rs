//! Sessions, the forced password change, throttling, CSRF and signing out everywhere.

use crate::helpers::{spawn_app, TestApp};
use kedao::seed::create_user;
use kedao_app::domain::org::Role;
use serde_json::json;

const LOGIN: &str = "/api/auth/login";

/// Creates a user who has already chosen their password.
async fn user(app: &TestApp, username: &str, role: Role, password: &str) {
    create_user(&app.db, username, username, role, password).await.unwrap();
    sqlx::query("UPDATE users SET must_change_password = FALSE WHERE username = $1").bind(username).execute(app.db.pool()).await.unwrap();
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
    let mut body = me.json();
    assert!(body.as_object_mut().unwrap().remove("user_id").is_some());
    assert_eq!(body, json!({"username": "rep9", "display_name": "rep9", "role": "rep", "must_change_password": false}));

    sqlx::query("UPDATE sessions SET expires_at = 0").execute(app.db.pool()).await.unwrap();
    assert_eq!(app.get("/api/me", &[("cookie", &cookie)]).await.status, 401, "an expired session is refused");
}

#[tokio::test]
async fn signing_in_gives_a_new_session_id_and_ends_the_one_the_browser_had() {
    let app = spawn_app().await;
    user(&app, "rep9", Role::Rep, "correct horse").await;
    user(&app, "rep8", Role::Rep, "battery staple").await;
    // Signing in again in the same browser (as the same or another user) sends the old cookie.
    for (name, password) in [("rep9", "correct horse"), ("rep8", "battery staple")] {
        let before = sign_in(&app, "rep9", "correct horse").await;
        let body = json!({"username": name, "password": password}).to_string();
        let res = app.post(LOGIN, &[("cookie", &before), ("content-type", "application/json")], body).await;
        assert_eq!(res.status, 200, "{}", res.text());
        let after = res.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
        assert_ne!(after, before);
        assert_eq!(app.get("/api/me", &[("cookie", &before)]).await.status, 401, "the cookie from before {name} signed in no longer works");
        assert_eq!(app.get("/api/me", &[("cookie", &after)]).await.json()["username"], name);
    }
}

#[tokio::test]
async fn a_created_user_must_change_the_password_first() {
    let app = spawn_app().await;
    create_user(&app.db, "newbie", "新同事", Role::Rep, "one-time-pass").await.unwrap();
    let cookie = sign_in(&app, "newbie", "one-time-pass").await;
    let other_device = sign_in(&app, "newbie", "one-time-pass").await;
    assert_eq!(app.get("/api/me", &[("cookie", &cookie)]).await.json()["must_change_password"], true);
    // Nothing else works until the password is changed.
    let blocked =
        app.send(axum::http::Request::delete("/api/admin/users/newbie/sessions").header("cookie", &cookie).body(axum::body::Body::empty()).unwrap()).await;
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
    // The most common passwords (a list of 30,000) and the username, whatever the case.
    for (new, code) in
        [("1234567890", "password_common"), ("QWERTYUIOP", "password_common"), ("woaini1314", "password_common"), ("NEWBIE    ", "password_is_username")]
    {
        let res = post(change("one-time-pass", new)).await;
        assert_eq!((res.status.as_u16(), res.json()["error"].clone()), (400, json!(code)), "{new}");
    }
    let res = post(change("wrong-current", "a much better one")).await;
    assert_eq!(res.status, 401);
    let res = post(change("one-time-pass", "a much better one")).await;
    assert_eq!(res.status, 204);
    // A new session id: the cookie from before the change no longer works, the one it sets does.
    let renewed = res.header("set-cookie").expect("a new session cookie").split(';').next().unwrap().to_string();
    assert_ne!(renewed, cookie);
    assert_eq!(app.get("/api/me", &[("cookie", &cookie)]).await.status, 401, "the session from before the change ended");
    assert_eq!(app.get("/api/me", &[("cookie", &renewed)]).await.json()["must_change_password"], false);
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

/// Behind a load balancer every request comes from the balancer's address: with
/// `trusted_proxies` the throttle counts the client named in `X-Forwarded-For` instead, and a
/// client cannot dodge it by sending that header itself.
#[tokio::test]
async fn behind_a_trusted_proxy_throttling_counts_the_forwarded_client() {
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::http::Request;
    let (db, url, dir) = crate::helpers::fresh_db().await;
    let config = kedao::config::Config { trusted_proxies: "10.0.0.0/8".into(), ..crate::helpers::test_config(&url) };
    let app = crate::helpers::spawn_app_with(db, config, dir).await;
    let attempt = |peer: &str, forwarded: &str, n: usize| {
        let body = json!({"username": format!("nobody{n}"), "password": "wrong guess"}).to_string();
        let mut req = Request::post(LOGIN).header("content-type", "application/json");
        if !forwarded.is_empty() {
            req = req.header("x-forwarded-for", forwarded);
        }
        let mut req = req.body(Body::from(body)).unwrap();
        req.extensions_mut().insert(ConnectInfo(std::net::SocketAddr::new(peer.parse().unwrap(), 40000)));
        req
    };
    // 30 failures of one client through the balancer (different accounts each time)…
    for n in 0..kedao::auth::MAX_FAILURES_PER_ADDRESS as usize {
        assert_eq!(app.send(attempt("10.0.0.5", "203.0.113.9", n)).await.status, 401);
    }
    // …throttle that client, through any balancer node, even if it claims another address first…
    assert_eq!(app.send(attempt("10.0.0.6", "203.0.113.9", 100)).await.status, 429);
    assert_eq!(app.send(attempt("10.0.0.6", "1.2.3.4, 203.0.113.9", 101)).await.status, 429);
    // …but not everybody else behind the same balancer.
    assert_eq!(app.send(attempt("10.0.0.5", "198.51.100.7", 102)).await.status, 401);
    // A direct client's own X-Forwarded-For is ignored: it is throttled by its real address.
    for n in 0..kedao::auth::MAX_FAILURES_PER_ADDRESS as usize {
        app.send(attempt("198.51.100.20", &format!("192.0.2.{n}"), 200 + n)).await;
    }
    assert_eq!(app.send(attempt("198.51.100.20", "192.0.2.250", 300)).await.status, 429);
}

#[tokio::test]
async fn behind_a_proxy_that_rewrites_host_the_public_origin_is_accepted() {
    let (db, url, dir) = crate::helpers::fresh_db().await;
    let config = kedao::config::Config { public_origin: "https://crm.example.com".into(), ..crate::helpers::test_config(&url) };
    let app = crate::helpers::spawn_app_with(db, config, dir).await;
    user(&app, "rep9", Role::Rep, "correct horse").await;
    let body = json!({"username": "rep9", "password": "correct horse"}).to_string();
    let json_type = ("content-type", "application/json");
    let internal_host = ("host", "10.0.0.12:3000");
    let ok = app.post(LOGIN, &[json_type, internal_host, ("origin", "https://crm.example.com")], body.clone()).await;
    assert_eq!(ok.status, 200);
    let evil = app.post(LOGIN, &[json_type, internal_host, ("origin", "https://crm.example.com.evil.example")], body).await;
    assert_eq!(evil.status, 403);
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
        axum::http::Request::delete(format!("/api/admin/users/{who}/sessions")).header("cookie", cookie).body(axum::body::Body::empty()).unwrap()
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
