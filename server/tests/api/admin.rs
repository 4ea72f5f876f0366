//! Administering the organisation: users, reporting lines, regions and teams, with the shared
//! validation, refusals that change nothing, and every change in the audit log.

use crate::helpers::{spawn_app, test_vault, TestApp};
use kedao::seed::{seed, SeedOptions, DEFAULT_SEED, DEMO_PASSWORD};
use serde_json::{json, Value};
use sqlx::Row;
use time::macros::date;

async fn demo() -> (TestApp, String) {
    let app = spawn_app().await;
    seed(&app.db, &test_vault(), SeedOptions { scale: 1, seed: DEFAULT_SEED, today: date!(2026 - 11 - 22) }).await.unwrap();
    let cookie = login(&app, "admin", DEMO_PASSWORD).await;
    (app, cookie)
}

async fn login(app: &TestApp, user: &str, password: &str) -> String {
    let res = app.post_json("/api/auth/login", &json!({"username": user, "password": password})).await;
    assert_eq!(res.status, 200, "{user}: {}", res.text());
    res.header("set-cookie").unwrap().split(';').next().unwrap().to_string()
}

fn find<'a>(org: &'a Value, username: &str) -> &'a Value {
    org["users"].as_array().unwrap().iter().find(|u| u["username"] == username).unwrap()
}

async fn audit_count(app: &TestApp) -> i64 {
    app.count("audit_log").await
}

#[tokio::test]
async fn an_admin_creates_a_user_who_must_choose_a_password_and_reports_to_a_supervisor() {
    let (app, cookie) = demo().await;
    let org = app.call("GET", "/api/admin/org", &cookie, None).await.json();
    assert_eq!(org["regions"].as_array().unwrap().len(), 5);
    assert_eq!(org["teams"].as_array().unwrap().len(), 6);
    let sup = find(&org, "supervisor1");
    let body = json!({
        "username": "wang.fang", "display_name": "王芳", "role": "rep",
        "team_id": sup["team_id"], "manager_id": sup["id"],
    });
    let created = app.call("POST", "/api/admin/users", &cookie, Some(&body)).await;
    assert_eq!(created.status, 200, "{}", created.text());
    let created = created.json();
    let password = created["one_time_password"].as_str().unwrap().to_string();
    assert!(password.len() >= 12);
    assert_eq!(created["user"]["manager_id"], sup["id"]);
    assert_eq!(created["user"]["must_change_password"], true);
    // The new rep signs in with it and must change it before anything else.
    let theirs = login(&app, "wang.fang", &password).await;
    assert_eq!(app.call("GET", "/api/customers", &theirs, None).await.status, 403);
    // The same username again is refused as taken (409), whatever its case.
    let again = app.call("POST", "/api/admin/users", &cookie, Some(&json!({"username": "Wang.Fang", "display_name": "x", "role": "director"}))).await;
    assert_eq!((again.status.as_u16(), again.json()["error"].clone()), (409, json!("taken")));
    // The creation is in the audit log.
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'user' AND field = 'created' AND entity_id = $1")
        .bind(created["user"]["id"].as_str().unwrap())
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn bad_user_forms_get_a_reason_and_change_nothing() {
    let (app, cookie) = demo().await;
    let org = app.call("GET", "/api/admin/org", &cookie, None).await.json();
    let team = find(&org, "rep1")["team_id"].clone();
    let before = (app.count("users").await, audit_count(&app).await);
    for (body, status, code) in [
        (json!({"username": "x y", "display_name": "X", "role": "director"}), 400, "invalid_username"),
        (json!({"username": "x", "display_name": "  ", "role": "director"}), 400, "invalid_display_name"),
        (json!({"username": "x", "display_name": "X".repeat(101), "role": "director"}), 400, "invalid_display_name"),
        (json!({"username": "x", "display_name": "X", "role": "rep"}), 400, "team_required"),
        (json!({"username": "x", "display_name": "X", "role": "manager"}), 400, "regions_required"),
        (json!({"username": "x", "display_name": "X", "role": "rep", "team_id": "no-such-team"}), 400, "unknown_reference"),
        (json!({"username": "x", "display_name": "X", "role": "rep", "team_id": team, "manager_id": "ghost"}), 400, "unknown_reference"),
        (json!({"username": "x", "display_name": "X", "role": "king"}), 400, "invalid_fields"),
        (json!({"username": "x"}), 400, "invalid_fields"),
    ] {
        let res = app.call("POST", "/api/admin/users", &cookie, Some(&body)).await;
        assert_eq!((res.status.as_u16(), res.json()["error"].as_str().unwrap().to_string()), (status, code.to_string()), "{body}");
    }
    assert_eq!((app.count("users").await, audit_count(&app).await), before);
}

#[tokio::test]
async fn reporting_lines_cannot_loop_and_an_admin_cannot_lock_themselves_out() {
    let (app, cookie) = demo().await;
    let org = app.call("GET", "/api/admin/org", &cookie, None).await.json();
    let (sup, rep1) = (find(&org, "supervisor1").clone(), find(&org, "rep1").clone());
    // supervisor1 reporting to rep1, who reports to supervisor1: refused.
    let mut body = json!({"username": "supervisor1", "display_name": sup["display_name"], "role": "supervisor",
        "team_id": sup["team_id"], "manager_id": rep1["id"]});
    let res = app.call("PUT", "/api/admin/users/supervisor1", &cookie, Some(&body)).await;
    assert_eq!(res.json()["error"], "reporting_cycle");
    body["manager_id"] = sup["id"].clone();
    assert_eq!(app.call("PUT", "/api/admin/users/supervisor1", &cookie, Some(&body)).await.json()["error"], "reporting_cycle");
    // The admin's own account keeps its role and stays active.
    let me = find(&org, "admin").clone();
    let demote = json!({"username": "admin", "display_name": me["display_name"], "role": "director"});
    assert_eq!(app.call("PUT", "/api/admin/users/admin", &cookie, Some(&demote)).await.json()["error"], "own_account");
    assert_eq!(app.call("DELETE", "/api/admin/users/admin", &cookie, None).await.json()["error"], "own_account");
    // A username in the path and another in the body: refused.
    let res = app
        .call("PUT", "/api/admin/users/rep2", &cookie, Some(&json!({"username": "rep3", "display_name": "x", "role": "rep", "team_id": rep1["team_id"]})))
        .await;
    assert_eq!(res.json()["error"], "username_mismatch");
    assert_eq!(app.call("PUT", "/api/admin/users/nobody", &cookie, Some(&demote)).await.status, 404);
}

#[tokio::test]
async fn changing_a_users_place_is_audited_field_by_field_and_deactivation_ends_their_sessions() {
    let (app, cookie) = demo().await;
    let rep_cookie = login(&app, "rep5", DEMO_PASSWORD).await;
    let org = app.call("GET", "/api/admin/org", &cookie, None).await.json();
    let rep5 = find(&org, "rep5").clone();
    assert_eq!(rep5["sessions"], 1);
    let other_team = org["teams"].as_array().unwrap().iter().find(|t| t["id"] != rep5["team_id"]).unwrap()["id"].clone();
    // Promote rep5 to manager of two regions: the team is dropped, regions are kept.
    let regions: Vec<Value> = org["regions"].as_array().unwrap()[..2].iter().map(|r| r["id"].clone()).collect();
    // PUT carries the whole form: the reporting line stays as it was.
    let body = json!({"username": "rep5", "display_name": rep5["display_name"], "role": "manager", "team_id": other_team,
        "manager_id": rep5["manager_id"], "region_ids": regions});
    let res = app.call("PUT", "/api/admin/users/rep5", &cookie, Some(&body)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let updated = res.json();
    assert_eq!(updated["role"], "manager");
    assert_eq!(updated["team_id"], Value::Null);
    assert_eq!(updated["region_ids"].as_array().unwrap().len(), 2);
    let fields: Vec<String> = sqlx::query("SELECT field FROM audit_log WHERE entity = 'user' AND entity_id = $1 ORDER BY field")
        .bind(rep5["id"].as_str().unwrap())
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("field").unwrap())
        .collect();
    assert_eq!(fields, ["region_ids", "role", "team_id"], "only what changed");
    // The new manager now sees those regions' customers.
    assert_eq!(app.call("GET", "/api/customers?limit=1", &rep_cookie, None).await.status, 200);
    // Deactivated: signed out everywhere at once, and cannot sign in again.
    let res = app.call("DELETE", "/api/admin/users/rep5", &cookie, None).await;
    assert_eq!(res.json()["active"], false);
    assert_eq!(app.call("GET", "/api/me", &rep_cookie, None).await.status, 401);
    let again = app.post_json("/api/auth/login", &json!({"username": "rep5", "password": DEMO_PASSWORD})).await;
    assert_eq!(again.status, 401);
}

#[tokio::test]
async fn a_reset_password_is_shown_once_and_must_be_changed() {
    let (app, cookie) = demo().await;
    let rep_cookie = login(&app, "rep6", DEMO_PASSWORD).await;
    let res = app.call("POST", "/api/admin/users/rep6/password", &cookie, None).await;
    let password = res.json()["one_time_password"].as_str().unwrap().to_string();
    assert_eq!(app.call("GET", "/api/me", &rep_cookie, None).await.status, 401, "old sessions end");
    let old = app.post_json("/api/auth/login", &json!({"username": "rep6", "password": DEMO_PASSWORD})).await;
    assert_eq!(old.status, 401);
    let fresh = app.post_json("/api/auth/login", &json!({"username": "rep6", "password": password})).await;
    assert_eq!(fresh.json()["must_change_password"], true);
}

#[tokio::test]
async fn regions_and_teams_are_created_renamed_and_removed_only_when_empty() {
    let (app, cookie) = demo().await;
    let res = app.call("POST", "/api/admin/regions", &cookie, Some(&json!({"code": "northwest", "name_zh": "西北", "name_en": "Northwest"}))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let region = res.json()["id"].as_str().unwrap().to_string();
    let dup = app.call("POST", "/api/admin/regions", &cookie, Some(&json!({"code": "northwest", "name_zh": "x", "name_en": "x"}))).await;
    assert_eq!((dup.status.as_u16(), dup.json()["error"].clone()), (409, json!("taken")));
    let bad = app.call("POST", "/api/admin/regions", &cookie, Some(&json!({"code": "North West", "name_zh": "x", "name_en": "x"}))).await;
    assert_eq!(bad.json()["error"], "invalid_code");
    let team = app.call("POST", "/api/admin/teams", &cookie, Some(&json!({"region_id": region, "name_zh": "西安组", "name_en": "Xi'an"}))).await.json();
    assert_eq!(team["region_id"], region.as_str());
    let team_id = team["id"].as_str().unwrap();
    let version = |c: &serde_json::Value| c["version"].as_i64().unwrap();
    let before = app.call("GET", "/api/catalog", &cookie, None).await.json();
    let renamed = app.call("PUT", &format!("/api/admin/teams/{team_id}"), &cookie, Some(&json!({"name_zh": "西安一组", "name_en": "Xi'an 1"}))).await.json();
    assert_eq!(renamed["name_zh"], "西安一组");
    // Teams travel with the catalogue (the board filters by them): a change moves its version on.
    let after = app.call("GET", "/api/catalog", &cookie, None).await.json();
    assert!(version(&after) > version(&before));
    let listed = after["teams"].as_array().unwrap().iter().find(|t| t["id"] == team_id).expect("the new team is listed");
    assert_eq!((listed["name_zh"].as_str(), listed["members"].as_array().map(Vec::len)), (Some("西安一组"), Some(0)));
    let org = app.call("GET", "/api/admin/org", &cookie, None).await.json();
    let rep1 = find(&org, "rep1");
    let home = after["teams"].as_array().unwrap().iter().find(|t| t["id"] == rep1["team_id"]).expect("rep1's team");
    assert!(home["members"].as_array().unwrap().iter().any(|m| m == &rep1["id"]), "members by user id");
    // A region with a team is in use; an empty team goes, then the region.
    let busy = app.call("DELETE", &format!("/api/admin/regions/{region}"), &cookie, None).await;
    assert_eq!((busy.status.as_u16(), busy.json()["error"].clone()), (409, json!("in_use")));
    assert_eq!(app.call("DELETE", &format!("/api/admin/teams/{team_id}"), &cookie, None).await.status, 200);
    assert_eq!(app.call("DELETE", &format!("/api/admin/regions/{region}"), &cookie, None).await.status, 200);
    // A team people belong to is in use.
    let org = app.call("GET", "/api/admin/org", &cookie, None).await.json();
    let used = find(&org, "rep1")["team_id"].as_str().unwrap().to_string();
    assert_eq!(app.call("DELETE", &format!("/api/admin/teams/{used}"), &cookie, None).await.json()["error"], "in_use");
    let entries: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE entity IN ('region', 'team')").fetch_one(app.db.pool()).await.unwrap().try_get("n").unwrap();
    assert!(entries >= 7, "creations, renames and removals are audited: {entries}");
}

#[tokio::test]
async fn customers_are_shared_by_their_owner_and_the_share_is_audited() {
    let (app, _) = demo().await;
    let rep2 = login(&app, "rep2", DEMO_PASSWORD).await;
    let rep1 = login(&app, "rep1", DEMO_PASSWORD).await;
    let rep2_id: String = sqlx::query("SELECT id FROM users WHERE username = 'rep2'").fetch_one(app.db.pool()).await.unwrap().try_get("id").unwrap();
    let theirs: String = sqlx::query("SELECT id FROM customers WHERE owner_id = $1 ORDER BY id LIMIT 1")
        .bind(&rep2_id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap();
    assert_eq!(app.call("GET", &format!("/api/customers/{theirs}"), &rep1, None).await.status, 404);
    let res = app.call("POST", &format!("/api/customers/{theirs}/shares"), &rep2, Some(&json!({"username": "rep1"}))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(app.call("GET", &format!("/api/customers/{theirs}"), &rep1, None).await.status, 200);
    // rep1 sees it but may not pass it on; unknown colleagues and the owner themself are refused.
    assert_eq!(app.call("POST", &format!("/api/customers/{theirs}/shares"), &rep1, Some(&json!({"username": "rep3"}))).await.status, 403);
    assert_eq!(app.call("POST", &format!("/api/customers/{theirs}/shares"), &rep2, Some(&json!({"username": "ghost"}))).await.json()["error"], "invalid_user");
    assert_eq!(app.call("POST", &format!("/api/customers/{theirs}/shares"), &rep2, Some(&json!({"username": "rep2"}))).await.json()["error"], "invalid_user");
    // Unsharing takes it away again.
    assert_eq!(app.call("DELETE", &format!("/api/customers/{theirs}/shares/rep1"), &rep2, None).await.status, 200);
    assert_eq!(app.call("GET", &format!("/api/customers/{theirs}"), &rep1, None).await.status, 404);
    assert_eq!(app.call("DELETE", &format!("/api/customers/{theirs}/shares/rep1"), &rep2, None).await.status, 404);
    let fields: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE entity_id = $1 AND field = 'shared_with'")
        .bind(&theirs)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(fields, 2);
}
