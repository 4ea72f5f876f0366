//! The funnel on the server (issue 6): pipelines an admin configures travel with the lists; every
//! move and tick is re-checked against the pipeline and the deal as stored; the board's order,
//! the stage path and the last touch are kept on the deal.

use crate::helpers::{demo, login, TestApp};
use crate::sync::{pull_all, push};
use serde_json::{json, Value};
use sqlx::Row;

const DEVICE: &str = "2a7c9e1f-4b3d-4e5f-8a6b-1c2d3e4f5a6b";

/// One of `rep`'s own deals in `stage`.
async fn deal_in(app: &TestApp, rep: &str, stage: &str) -> String {
    sqlx::query("SELECT o.id FROM opportunities o JOIN users u ON u.id = o.owner_id WHERE u.username = $1 AND o.stage = $2 ORDER BY o.id LIMIT 1")
        .bind(rep)
        .bind(stage)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}

async fn deal_row(app: &TestApp, id: &str) -> (String, String, String, Option<String>, i64) {
    let r = sqlx::query("SELECT stage, path, criteria, board_rank, version FROM opportunities WHERE id = $1").bind(id).fetch_one(app.db.pool()).await.unwrap();
    (r.try_get(0).unwrap(), r.try_get(1).unwrap(), r.try_get(2).unwrap(), r.try_get(3).unwrap(), r.try_get(4).unwrap())
}

fn outcomes(res: &Value) -> Vec<Value> {
    res["results"].as_array().unwrap().iter().map(|r| r["outcome"].clone()).collect()
}

fn mv(id: &str, from: &str, to: &str) -> Value {
    json!({"type": "move_opportunity", "id": id, "from": from, "to": to})
}

#[tokio::test]
async fn pipelines_travel_with_the_lists_and_only_admins_change_them() {
    let app = demo().await;
    let admin = login(&app, "admin").await;
    let rep = login(&app, "rep1").await;
    let first = pull_all(&app, &rep, None).await;
    let catalog = &first[0]["catalog"];
    let codes: Vec<&str> = catalog["pipelines"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["project", "product"]);
    assert_eq!(catalog["pipelines"][0]["stages"][0]["name_zh"], "初步接触");
    // Every demo deal has a stage path that starts where it started and ends where it is.
    let deals: Vec<&Value> = first.iter().flat_map(|p| p["opportunities"].as_array().unwrap()).collect();
    assert!(!deals.is_empty());
    for d in &deals {
        let path = d["path"].as_str().unwrap();
        assert!(path.starts_with("initial_contact@"), "{path}");
        assert!(path.rsplit(';').next().unwrap().starts_with(&format!("{}@", d["stage"].as_str().unwrap())), "{path} vs {}", d["stage"]);
        assert!(d["touched_at"].as_i64().unwrap() >= d["stage_entered_at"].as_i64().unwrap());
        assert!(!d["source"].as_str().unwrap().is_empty());
    }

    let mut project = catalog["pipelines"][0].clone();
    project["stages"][2]["name_zh"] = json!("方案与报价");
    project["stages"][2]["enforce"] = json!(true);
    assert_eq!(app.call("PUT", "/api/admin/pipelines/project", &rep, Some(&project)).await.status, 403);
    let res = app.call("PUT", "/api/admin/pipelines/project", &admin, Some(&project)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    // A device holding the old version gets the new one with its next pull.
    let version = catalog["version"].as_i64().unwrap();
    let page = app.call("GET", &format!("/api/sync/pull?catalog={version}"), &rep, None).await.json();
    assert_eq!(page["catalog"]["pipelines"][0]["stages"][2]["name_zh"], "方案与报价");

    // Bad configurations are refused with the shared reasons; nothing changes.
    let mut bad = project.clone();
    bad["stages"][0]["probability_bp"] = json!(12_000);
    let res = app.call("PUT", "/api/admin/pipelines/project", &admin, Some(&bad)).await;
    assert_eq!((res.status.as_u16(), res.json()["error"].clone()), (400, json!("invalid_probability")));
    let res = app.call("PUT", "/api/admin/pipelines/other", &admin, Some(&project)).await;
    assert_eq!((res.status.as_u16(), res.json()["error"].clone()), (400, json!("code_mismatch")));
    let res = app.call("PUT", "/api/admin/pipelines/project", &admin, Some(&json!({"code": "project", "stages": "many"}))).await;
    assert_eq!(res.status, 400);
    // A stage that holds deals cannot be removed; one without deals can.
    let mut fewer = project.clone();
    fewer["stages"].as_array_mut().unwrap().remove(1);
    let res = app.call("PUT", "/api/admin/pipelines/project", &admin, Some(&fewer)).await;
    assert_eq!((res.status.as_u16(), res.json()["error"].clone()), (409, json!("in_use")));
    let mut product = catalog["pipelines"][1].clone();
    product["stages"].as_array_mut().unwrap().remove(1);
    assert_eq!(app.call("PUT", "/api/admin/pipelines/product", &admin, Some(&product)).await.status, 200);
    // A new pipeline goes last; one with deals, or the last one, cannot be deleted.
    let mut service = product.clone();
    service["code"] = json!("service");
    service["name_zh"] = json!("服务续约");
    service["name_en"] = json!("Service renewals");
    assert_eq!(app.call("PUT", "/api/admin/pipelines/service", &admin, Some(&service)).await.status, 200);
    assert_eq!(app.call("DELETE", "/api/admin/pipelines/project", &admin, None).await.status, 409);
    assert_eq!(app.call("DELETE", "/api/admin/pipelines/service", &admin, None).await.status, 200);
    let res = app.call("PUT", "/api/admin/pipelines", &admin, Some(&json!({"codes": ["product", "project"]}))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let codes: Vec<String> = res.json()["pipelines"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap().to_string()).collect();
    assert_eq!(codes, ["product", "project"]);
    assert_eq!(app.call("PUT", "/api/admin/pipelines", &admin, Some(&json!({"codes": ["product"]}))).await.status, 400);
    let audited = app.count("audit_log WHERE entity = 'pipeline'").await;
    assert_eq!(audited, 5);
}

#[tokio::test]
async fn moves_are_checked_against_the_pipeline_and_the_deal_as_stored() {
    let app = demo().await;
    let admin = login(&app, "admin").await;
    let rep = login(&app, "rep1").await;
    let deal = deal_in(&app, "rep1", "proposal").await;
    let (_, path_before, _, _, version) = deal_row(&app, &deal).await;

    // The proposal stage now requires its exit criterion.
    let mut project = app.call("GET", "/api/catalog", &rep, None).await.json()["pipelines"][0].clone();
    project["stages"][2]["enforce"] = json!(true);
    assert_eq!(app.call("PUT", "/api/admin/pipelines/project", &admin, Some(&project)).await.status, 200);

    let res = push(&app, &rep, DEVICE, json!([
        {"seq": 1, "at_ms": 0, "op": mv(&deal, "proposal", "negotiation")},
        {"seq": 2, "at_ms": 0, "op": mv(&deal, "proposal", "quoting")},
        {"seq": 3, "at_ms": 0, "op": {"type": "tick_criterion", "id": deal, "stage": "proposal", "code": "no_such_item", "ticked": true}},
        {"seq": 4, "at_ms": 0, "op": {"type": "move_opportunity", "id": deal, "from": "proposal", "to": "lost"}},
    ])).await;
    assert_eq!(outcomes(&res), vec![
        json!({"status": "rejected", "reason": "invalid", "code": "criteria_unmet"}),
        json!({"status": "rejected", "reason": "invalid", "code": "unknown_stage"}),
        json!({"status": "rejected", "reason": "invalid", "code": "unknown_criterion"}),
        json!({"status": "rejected", "reason": "invalid", "code": "lost_reason_required"}),
    ]);
    assert_eq!(deal_row(&app, &deal).await.4, version, "nothing applied");

    // Ticked, the move goes through; the path and the last touch follow.
    let res = push(&app, &rep, DEVICE, json!([
        {"seq": 5, "at_ms": 0, "op": {"type": "tick_criterion", "id": deal, "stage": "proposal", "code": "proposal_sent", "ticked": true}},
        {"seq": 6, "at_ms": 0, "op": mv(&deal, "proposal", "negotiation")},
    ])).await;
    assert_eq!(outcomes(&res), vec![json!({"status": "applied", "version": version + 1}), json!({"status": "applied", "version": version + 2})]);
    let (stage, path, criteria, _, _) = deal_row(&app, &deal).await;
    assert_eq!((stage.as_str(), criteria.as_str()), ("negotiation", "proposal.proposal_sent"));
    assert!(path.starts_with(&path_before) && path.contains(";negotiation@"), "{path}");

    // Moving back needs nothing; won is final; reordering within the column keeps the stage.
    let res = push(&app, &rep, DEVICE, json!([
        {"seq": 7, "at_ms": 0, "op": mv(&deal, "negotiation", "needs_analysis")},
        {"seq": 8, "at_ms": 0, "op": {"type": "move_opportunity", "id": deal, "from": "needs_analysis", "to": "needs_analysis", "rank": "h5"}},
    ])).await;
    assert!(outcomes(&res).iter().all(|o| o["status"] == "applied"), "{res}");
    let (stage, _, _, rank, _) = deal_row(&app, &deal).await;
    assert_eq!((stage.as_str(), rank.as_deref()), ("needs_analysis", Some("h5")));
    let won = deal_in(&app, "rep1", "contract_signed").await;
    let res = push(&app, &rep, DEVICE, json!([{"seq": 9, "at_ms": 0, "op": mv(&won, "contract_signed", "negotiation")}])).await;
    assert_eq!(outcomes(&res), vec![json!({"status": "rejected", "reason": "invalid", "code": "won_is_final"})]);

    // Lost with a reason; the pull carries it, with the path, the ticks and the rank.
    let cursor = pull_all(&app, &rep, None).await.last().unwrap()["cursor"].as_str().unwrap().to_string();
    let res = push(&app, &rep, DEVICE, json!([{"seq": 10, "at_ms": 0, "op": {"type": "move_opportunity", "id": deal, "from": "needs_analysis", "to": "lost", "lost_reason": "选了竞品"}}])).await;
    assert_eq!(outcomes(&res)[0]["status"], "applied");
    let pulled: Vec<Value> = pull_all(&app, &rep, Some(&cursor)).await.iter().flat_map(|p| p["opportunities"].as_array().unwrap().clone()).collect();
    let d = pulled.iter().find(|d| d["id"] == deal.as_str()).expect("the moved deal comes with the next pull");
    assert_eq!((d["stage"].as_str(), d["lost_reason"].as_str(), d["rank"].as_str()), (Some("lost"), Some("选了竞品"), Some("h5")));
    assert_eq!(d["criteria"], "proposal.proposal_sent");
    assert!(d["path"].as_str().unwrap().ends_with(&format!("lost@{}", kedao_app::domain::funnel::day_of_ms(kedao::db::now_ms()))));
    // Another rep's deal stays out of reach.
    let theirs = deal_in(&app, "rep9", "proposal").await;
    let res = push(&app, &rep, DEVICE, json!([{"seq": 11, "at_ms": 0, "op": {"type": "tick_criterion", "id": theirs, "stage": "proposal", "code": "proposal_sent", "ticked": true}}])).await;
    assert_eq!(outcomes(&res), vec![json!({"status": "rejected", "reason": "not_found"})]);
}
