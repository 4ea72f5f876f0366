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

    let res = push(
        &app,
        &rep,
        DEVICE,
        json!([
            {"seq": 1, "at_ms": 0, "op": mv(&deal, "proposal", "negotiation")},
            {"seq": 2, "at_ms": 0, "op": mv(&deal, "proposal", "quoting")},
            {"seq": 3, "at_ms": 0, "op": {"type": "tick_criterion", "id": deal, "stage": "proposal", "code": "no_such_item", "ticked": true}},
            {"seq": 4, "at_ms": 0, "op": {"type": "move_opportunity", "id": deal, "from": "proposal", "to": "lost"}},
        ]),
    )
    .await;
    assert_eq!(
        outcomes(&res),
        vec![
            json!({"status": "rejected", "reason": "invalid", "code": "criteria_unmet"}),
            json!({"status": "rejected", "reason": "invalid", "code": "unknown_stage"}),
            json!({"status": "rejected", "reason": "invalid", "code": "unknown_criterion"}),
            json!({"status": "rejected", "reason": "invalid", "code": "lost_reason_required"}),
        ]
    );
    assert_eq!(deal_row(&app, &deal).await.4, version, "nothing applied");

    // Ticked, the move goes through; the path and the last touch follow.
    let res = push(
        &app,
        &rep,
        DEVICE,
        json!([
            {"seq": 5, "at_ms": 0, "op": {"type": "tick_criterion", "id": deal, "stage": "proposal", "code": "proposal_sent", "ticked": true}},
            {"seq": 6, "at_ms": 0, "op": mv(&deal, "proposal", "negotiation")},
        ]),
    )
    .await;
    assert_eq!(outcomes(&res), vec![json!({"status": "applied", "version": version + 1}), json!({"status": "applied", "version": version + 2})]);
    let (stage, path, criteria, _, _) = deal_row(&app, &deal).await;
    assert_eq!((stage.as_str(), criteria.as_str()), ("negotiation", "proposal.proposal_sent"));
    assert!(path.starts_with(&path_before) && path.contains(";negotiation@"), "{path}");

    // Moving back needs nothing; won is final; reordering within the column keeps the stage.
    let res = push(
        &app,
        &rep,
        DEVICE,
        json!([
            {"seq": 7, "at_ms": 0, "op": mv(&deal, "negotiation", "needs_analysis")},
            {"seq": 8, "at_ms": 0, "op": {"type": "move_opportunity", "id": deal, "from": "needs_analysis", "to": "needs_analysis", "rank": "h5"}},
        ]),
    )
    .await;
    assert!(outcomes(&res).iter().all(|o| o["status"] == "applied"), "{res}");
    let (stage, _, _, rank, _) = deal_row(&app, &deal).await;
    assert_eq!((stage.as_str(), rank.as_deref()), ("needs_analysis", Some("h5")));
    let won = deal_in(&app, "rep1", "contract_signed").await;
    let res = push(&app, &rep, DEVICE, json!([{"seq": 9, "at_ms": 0, "op": mv(&won, "contract_signed", "negotiation")}])).await;
    assert_eq!(outcomes(&res), vec![json!({"status": "rejected", "reason": "invalid", "code": "won_is_final"})]);

    // Lost with a reason; the pull carries it, with the path, the ticks and the rank.
    let cursor = pull_all(&app, &rep, None).await.last().unwrap()["cursor"].as_str().unwrap().to_string();
    let res = push(
        &app,
        &rep,
        DEVICE,
        json!([{"seq": 10, "at_ms": 0, "op": {"type": "move_opportunity", "id": deal, "from": "needs_analysis", "to": "lost", "lost_reason": "选了竞品"}}]),
    )
    .await;
    assert_eq!(outcomes(&res)[0]["status"], "applied");
    let pulled: Vec<Value> = pull_all(&app, &rep, Some(&cursor)).await.iter().flat_map(|p| p["opportunities"].as_array().unwrap().clone()).collect();
    let d = pulled.iter().find(|d| d["id"] == deal.as_str()).expect("the moved deal comes with the next pull");
    assert_eq!((d["stage"].as_str(), d["lost_reason"].as_str(), d["rank"].as_str()), (Some("lost"), Some("选了竞品"), Some("h5")));
    assert_eq!(d["criteria"], "proposal.proposal_sent");
    assert!(d["path"].as_str().unwrap().ends_with(&format!("lost@{}", kedao_app::domain::funnel::day_of_ms(kedao::db::now_ms()))));
    // Another rep's deal stays out of reach.
    let theirs = deal_in(&app, "rep9", "proposal").await;
    let res = push(
        &app,
        &rep,
        DEVICE,
        json!([{"seq": 11, "at_ms": 0, "op": {"type": "tick_criterion", "id": theirs, "stage": "proposal", "code": "proposal_sent", "ticked": true}}]),
    )
    .await;
    assert_eq!(outcomes(&res), vec![json!({"status": "rejected", "reason": "not_found"})]);
}

/// A customer of `rep`'s and one of its contacts, and one contact of another customer.
async fn customer_with_contacts(app: &TestApp, rep: &str) -> (String, String, String) {
    let row = sqlx::query(
        "SELECT c.id, k.id FROM customers c JOIN users u ON u.id = c.owner_id JOIN contacts k ON k.customer_id = c.id WHERE u.username = $1 ORDER BY c.id, k.id LIMIT 1",
    )
    .bind(rep)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let (customer, contact): (String, String) = (row.try_get(0).unwrap(), row.try_get(1).unwrap());
    let other: String = sqlx::query("SELECT id FROM contacts WHERE customer_id <> $1 ORDER BY id LIMIT 1")
        .bind(&customer)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    (customer, contact, other)
}

#[tokio::test]
async fn deals_are_created_and_edited_with_their_assessment_contacts_and_follow_up() {
    let app = demo().await;
    let rep = login(&app, "rep1").await;
    let (customer, contact, foreign) = customer_with_contacts(&app, "rep1").await;
    let id = "5d1f0c2a-0000-4000-8000-00000000d001";
    let new = |details: Value| {
        let mut op = json!({
            "type": "create_opportunity", "id": id, "customer_id": customer, "pipeline": "product", "title": " 数控机床改造 ",
            "amount_fen": 12_000_000, "expected_close": "2026-12-20", "source": "exhibition"
        });
        op["details"] = details;
        op
    };
    let cursor = pull_all(&app, &rep, None).await.last().unwrap()["cursor"].as_str().unwrap().to_string();
    // Bad input is refused with a reason and creates nothing.
    let res = push(&app, &rep, DEVICE, json!([
        {"seq": 1, "at_ms": 0, "op": new(json!({"contacts": format!("{foreign}:decision_maker")}))},
        {"seq": 2, "at_ms": 0, "op": {"type": "create_opportunity", "id": id, "customer_id": customer, "pipeline": "nope", "title": "x", "amount_fen": 1, "expected_close": "2026-12-20", "source": "exhibition"}},
        {"seq": 3, "at_ms": 0, "op": {"type": "create_opportunity", "id": id, "customer_id": customer, "pipeline": "product", "title": "x", "amount_fen": -1, "expected_close": "2026-12-20", "source": "exhibition"}},
        {"seq": 4, "at_ms": 0, "op": new(json!({"cadence": "0"}))},
    ])).await;
    assert_eq!(
        outcomes(&res),
        vec![
            json!({"status": "rejected", "reason": "invalid", "code": "not_customer_contact"}),
            json!({"status": "rejected", "reason": "invalid", "code": "unknown_pipeline"}),
            json!({"status": "rejected", "reason": "invalid", "code": "invalid_amount"}),
            json!({"status": "rejected", "reason": "invalid", "code": "invalid_cadence"}),
        ]
    );
    let none: Option<String> =
        sqlx::query("SELECT id FROM opportunities WHERE id = $1").bind(id).fetch_optional(app.db.pool()).await.unwrap().map(|r| r.try_get(0).unwrap());
    assert_eq!(none, None);

    let details = json!({
        "competitors": "远航科技,金桥软件", "intent": "strong", "budget": "planned", "competition": "even",
        "contacts": format!("{contact}:decision_maker"), "next_step": "提交正式报价", "next_step_date": "2026-11-30", "cadence": "7"
    });
    let res = push(&app, &rep, DEVICE, json!([{"seq": 5, "at_ms": 0, "op": new(details.clone())}, {"seq": 6, "at_ms": 0, "op": new(details)}])).await;
    assert_eq!(outcomes(&res), vec![json!({"status": "applied", "version": 1}), json!({"status": "rejected", "reason": "already_exists"})]);
    let pulled: Vec<Value> = pull_all(&app, &rep, Some(&cursor)).await.iter().flat_map(|p| p["opportunities"].as_array().unwrap().clone()).collect();
    let d = pulled.iter().find(|d| d["id"] == id).expect("the new deal comes with the next pull");
    assert_eq!((d["title"].as_str(), d["pipeline"].as_str(), d["stage"].as_str()), (Some("数控机床改造"), Some("product"), Some("initial_contact")));
    assert_eq!((d["competitors"].as_str(), d["intent"].as_str(), d["cadence_days"].as_i64()), (Some("远航科技,金桥软件"), Some("strong"), Some(7)));
    assert_eq!(d["contacts"], format!("{contact}:decision_maker"));
    assert!(d["path"].as_str().unwrap().starts_with("initial_contact@"));

    // An edit: each field with what the user saw; a value changed meanwhile is filed as a conflict
    // for whoever set it.
    let manager = login(&app, "director").await;
    let res = push(
        &app,
        &manager,
        "3b8d0f2e-5c4e-4f60-9b7c-2d3e4f5a6b7c",
        json!([{"seq": 1, "at_ms": 0, "op": {
            "type": "update_opportunity", "id": id, "edits": [{"field": "next_step", "original": "提交正式报价", "value": "安排技术交流会"}]
        }}]),
    )
    .await;
    assert_eq!(outcomes(&res)[0]["status"], "applied", "{res}");
    let res = push(
        &app,
        &rep,
        DEVICE,
        json!([{"seq": 7, "at_ms": 0, "op": {"type": "update_opportunity", "id": id, "edits": [
            {"field": "next_step", "original": "提交正式报价", "value": "约采购经理面谈"},
            {"field": "amount", "original": "12000000", "value": "15000000"},
            {"field": "cadence", "original": "7", "value": null},
            {"field": "contacts", "original": format!("{contact}:decision_maker"), "value": format!("{foreign}:user")},
        ]}}]),
    )
    .await;
    assert_eq!(outcomes(&res), vec![json!({"status": "rejected", "reason": "invalid", "code": "not_customer_contact"})]);
    let res = push(
        &app,
        &rep,
        DEVICE,
        json!([{"seq": 8, "at_ms": 0, "op": {"type": "update_opportunity", "id": id, "edits": [
            {"field": "next_step", "original": "提交正式报价", "value": "约采购经理面谈"},
            {"field": "amount", "original": "12000000", "value": "15000000"},
            {"field": "cadence", "original": "7", "value": null},
        ]}}]),
    )
    .await;
    assert_eq!(outcomes(&res), vec![json!({"status": "applied", "version": 3})]);
    let r = sqlx::query("SELECT amount_fen, next_step, cadence_days FROM opportunities WHERE id = $1").bind(id).fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(
        (r.try_get::<i64, _>(0).unwrap(), r.try_get::<String, _>(1).unwrap(), r.try_get::<Option<i64>, _>(2).unwrap()),
        (15_000_000, "约采购经理面谈".to_string(), None)
    );
    let conflicts = app.call("GET", "/api/sync/conflicts", &manager, None).await.json();
    let c = conflicts.as_array().unwrap().iter().find(|c| c["entity_id"] == id).expect("the manager's overwritten next step");
    assert_eq!((c["entity"].as_str(), c["field"].as_str(), c["their_value"].as_str()), (Some("opportunity"), Some("next_step"), Some("安排技术交流会")));

    // Lost to a competitor; another rep cannot edit the deal.
    let res = push(&app, &rep, DEVICE, json!([{"seq": 9, "at_ms": 0, "op": {"type": "move_opportunity", "id": id, "from": "initial_contact", "to": "lost", "lost_reason": "价格", "lost_to": "远航科技"}}])).await;
    assert_eq!(outcomes(&res)[0]["status"], "applied");
    let lost_to: Option<String> =
        sqlx::query("SELECT lost_to FROM opportunities WHERE id = $1").bind(id).fetch_one(app.db.pool()).await.unwrap().try_get(0).unwrap();
    assert_eq!(lost_to.as_deref(), Some("远航科技"));
    let other = login(&app, "rep9").await;
    let res = push(&app, &other, "4c9e1a3f-6d5f-4071-8c8d-3e4f5a6b7c8d", json!([{"seq": 1, "at_ms": 0, "op": {"type": "update_opportunity", "id": id, "edits": [{"field": "title", "original": "数控机床改造", "value": "mine"}]}}])).await;
    assert_eq!(outcomes(&res), vec![json!({"status": "rejected", "reason": "not_found"})]);
}

async fn id_of(app: &TestApp, username: &str) -> String {
    sqlx::query("SELECT id FROM users WHERE username = $1").bind(username).fetch_one(app.db.pool()).await.unwrap().try_get(0).unwrap()
}

async fn owner_of(app: &TestApp, table: &str, id: &str) -> String {
    sqlx::query(&format!("SELECT owner_id FROM {table} WHERE id = $1")).bind(id).fetch_one(app.db.pool()).await.unwrap().try_get(0).unwrap()
}

#[tokio::test]
async fn a_manager_hands_customers_and_deals_over_by_mutation_and_the_old_owner_loses_them() {
    let app = demo().await;
    let (rep1, rep5, supervisor2) = (id_of(&app, "rep1").await, id_of(&app, "rep5").await, id_of(&app, "supervisor2").await);
    // A customer of rep1's with an open deal of theirs and, if there is one, a closed one.
    let customer: String = sqlx::query(
        "SELECT c.id FROM customers c WHERE c.owner_id = $1 AND EXISTS (SELECT 1 FROM opportunities o WHERE o.customer_id = c.id AND o.owner_id = $1 AND o.stage NOT IN ('contract_signed', 'lost')) \
         ORDER BY (SELECT COUNT(*) FROM opportunities o WHERE o.customer_id = c.id AND o.stage IN ('contract_signed', 'lost')) DESC, c.id LIMIT 1",
    )
    .bind(&rep1)
    .fetch_one(app.db.pool())
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    let deals: Vec<(String, String)> = sqlx::query("SELECT id, stage FROM opportunities WHERE customer_id = $1 ORDER BY id")
        .bind(&customer)
        .fetch_all(app.db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect();
    let open: Vec<&String> = deals.iter().filter(|(_, s)| s != "contract_signed" && s != "lost").map(|(id, _)| id).collect();
    let closed: Vec<&String> = deals.iter().filter(|(_, s)| s == "contract_signed" || s == "lost").map(|(id, _)| id).collect();
    let (rep1_cookie, rep5_cookie, manager) = (login(&app, "rep1").await, login(&app, "rep5").await, login(&app, "manager1").await);
    let cursor_of = |pages: Vec<Value>| pages.last().unwrap()["cursor"].as_str().unwrap().to_string();
    let (rep1_cursor, rep5_cursor) = (cursor_of(pull_all(&app, &rep1_cookie, None).await), cursor_of(pull_all(&app, &rep5_cookie, None).await));
    // The catalogue names whom things can be handed to.
    let catalog = pull_all(&app, &manager, None).await[0]["catalog"].clone();
    let people = catalog["people"].as_array().unwrap();
    assert!(people.iter().any(|p| p["id"] == rep5.as_str() && p["name"] == "马超"), "{people:?}");
    let manager1 = id_of(&app, "manager1").await;
    assert!(!people.iter().any(|p| p["id"] == manager1.as_str()), "managers take nothing over");

    let hand = |to: &str| json!({"type": "reassign_customer", "id": customer, "to": to});
    // A rep cannot hand over, not even their own; a manager only to people in their regions.
    let res = push(&app, &rep1_cookie, DEVICE, json!([{"seq": 1, "at_ms": 0, "op": hand(&rep5)}])).await;
    assert_eq!(outcomes(&res), vec![json!({"status": "rejected", "reason": "forbidden"})]);
    let res = push(
        &app,
        &manager,
        DEVICE,
        json!([
            {"seq": 1, "at_ms": 0, "op": hand(&id_of(&app, "rep9").await)},
            {"seq": 2, "at_ms": 0, "op": hand("00000000-0000-4000-8000-000000000000")},
            {"seq": 3, "at_ms": 0, "op": hand("rep5")},
        ]),
    )
    .await;
    assert_eq!(
        outcomes(&res),
        vec![
            json!({"status": "rejected", "reason": "invalid", "code": "invalid_owner"}),
            json!({"status": "rejected", "reason": "invalid", "code": "invalid_owner"}),
            json!({"status": "rejected", "reason": "invalid", "code": "invalid_owner"}),
        ]
    );
    assert_eq!(owner_of(&app, "customers", &customer).await, rep1);

    let res = push(&app, &manager, DEVICE, json!([{"seq": 4, "at_ms": 0, "op": hand(&rep5)}])).await;
    assert_eq!(outcomes(&res)[0]["status"], "applied", "{res}");
    assert_eq!(owner_of(&app, "customers", &customer).await, rep5);
    for id in &open {
        assert_eq!(owner_of(&app, "opportunities", id).await, rep5, "open deals go along");
    }
    for id in &closed {
        assert_ne!(owner_of(&app, "opportunities", id).await, rep5, "won and lost deals keep their owner");
    }
    // rep1's next pull takes the customer and its deals away; rep5's brings them.
    let gone: Vec<Value> = pull_all(&app, &rep1_cookie, Some(&rep1_cursor)).await.iter().flat_map(|p| p["removed"].as_array().unwrap().clone()).collect();
    assert!(gone.contains(&json!({"entity": "customer", "id": customer})), "{gone:?}");
    for (id, _) in &deals {
        assert!(gone.contains(&json!({"entity": "opportunity", "id": id})));
    }
    let theirs = pull_all(&app, &rep5_cookie, Some(&rep5_cursor)).await;
    let c = theirs.iter().flat_map(|p| p["customers"].as_array().unwrap()).find(|c| c["id"] == customer.as_str()).expect("rep5 now has it");
    assert_eq!(c["owner_id"], rep5.as_str());
    assert_eq!(theirs.iter().flat_map(|p| p["opportunities"].as_array().unwrap()).filter(|o| o["customer_id"] == customer.as_str()).count(), deals.len());

    // One deal: its new owner must see the customer (rep6 does not; supervisor2 leads rep5's team).
    let deal = open[0];
    let director = login(&app, "director").await;
    let to = |who: &str| json!({"type": "reassign_opportunity", "id": deal, "to": who});
    let res = push(
        &app,
        &director,
        DEVICE,
        json!([
            {"seq": 1, "at_ms": 0, "op": to(&id_of(&app, "rep6").await)},
            {"seq": 2, "at_ms": 0, "op": to(&supervisor2)},
        ]),
    )
    .await;
    assert_eq!(outcomes(&res)[0], json!({"status": "rejected", "reason": "invalid", "code": "owner_cannot_see_customer"}));
    assert_eq!(outcomes(&res)[1]["status"], "applied", "{res}");
    assert_eq!(owner_of(&app, "opportunities", deal).await, supervisor2);
    // The history says who did it.
    let audited: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE entity_id = $1 AND field = 'owner_id'")
        .bind(deal)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(audited, 2, "handed with the customer, then on its own");
}
