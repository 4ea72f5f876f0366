use crate::helpers::spawn_app;
use kedao::seed::create_user;
use kedao_app::domain::org::Role;
use serde_json::json;

const LOGIN: &str = "/api/auth/login";

#[tokio::test]
async fn signing_in_sets_an_http_only_session_cookie_and_stores_only_its_hash() {
    let app = spawn_app().await;
    create_user(&app.db, "rep9", "王小明", Role::Rep, "correct horse").await.unwrap();

    let res = app.post_json(LOGIN, &json!({"username": "rep9", "password": "correct horse"})).await;

    assert_eq!(res.status, 200, "{}", res.text());
    let cookie = res.header("set-cookie").expect("a session cookie");
    assert!(cookie.starts_with("kedao_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let mut body = res.json();
    let user_id = body.as_object_mut().unwrap().remove("user_id").expect("the user's id (names the device's replica)");
    assert_eq!(user_id.as_str().map(str::len), Some(36));
    assert_eq!(body, json!({"username": "rep9", "display_name": "王小明", "role": "rep", "must_change_password": true}));
    assert_eq!(app.count("sessions").await, 1);
    let token = cookie.trim_start_matches("kedao_session=").split(';').next().unwrap().to_string();
    let stored = app.count(&format!("sessions WHERE token_hash = '{}'", kedao::auth::token_hash(&token))).await;
    assert_eq!(stored, 1, "the hash of the token is stored");
    let raw = app.count(&format!("sessions WHERE token_hash = '{token}'")).await;
    assert_eq!(raw, 0, "the token itself is not");

    let out = app.post("/api/auth/logout", &[("cookie", &format!("kedao_session={token}"))], "").await;
    assert_eq!(out.status, 204);
    assert_eq!(app.count("sessions").await, 0);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    create_user(&app.db, "rep9", "王小明", Role::Rep, "correct horse").await.unwrap();

    let wrong = app.post_json(LOGIN, &json!({"username": "rep9", "password": "nope nope"})).await;
    let unknown = app.post_json(LOGIN, &json!({"username": "ghost", "password": "nope nope"})).await;

    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert!(wrong.header("set-cookie").is_none());
    assert_eq!(wrong.text(), unknown.text());
    assert_eq!(wrong.text(), r#"{"error":"invalid_credentials"}"#);
    assert_eq!(app.count("sessions").await, 0);
}

#[tokio::test]
async fn malformed_sign_in_requests_get_a_clear_400_and_change_nothing() {
    let app = spawn_app().await;
    let json_type = [("content-type", "application/json")];
    let cases = [
        (app.post(LOGIN, &json_type, "{\"username\":").await, "invalid_json"),
        (app.post(LOGIN, &[], "username=a&password=b").await, "expected_json"),
        (app.post_json(LOGIN, &json!({"username": 5, "password": "x"})).await, "invalid_fields"),
        (app.post_json(LOGIN, &json!({"username": "", "password": ""})).await, "missing"),
        (app.post_json(LOGIN, &json!({"username": "a".repeat(65), "password": "x"})).await, "too_long"),
    ];
    for (res, code) in cases {
        assert_eq!(res.status, 400, "{code}: {}", res.text());
        assert_eq!(res.json()["error"], code);
    }
    assert_eq!(app.count("sessions").await, 0);
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let app = spawn_app().await;
    let huge = "x".repeat(5 * 1024 * 1024);
    // Streamed (no Content-Length): noticed while reading.
    let res = app.post(LOGIN, &[("content-type", "application/json")], huge.clone()).await;
    assert_eq!(res.status, 413);
    assert_eq!(res.json()["error"], "too_large");
    // Announced: refused before reading.
    let len = huge.len().to_string();
    let res = app.post(LOGIN, &[("content-type", "application/json"), ("content-length", &len)], huge).await;
    assert_eq!(res.status, 413);
}
