//! The lists an admin edits (industry, size, business type, source; regions ordered): options are
//! added, renamed, retired, reordered and deleted only when unused; every device gets the new
//! lists with its next pull; pushes, imports and exports go by them.

use crate::helpers::{demo, login, TestApp};
use serde_json::{json, Value};

const DEVICE: &str = "0b6c1f3e-8a3d-4b1e-9a55-3a1f6a2b7c90";

async fn pull(app: &TestApp, cookie: &str, catalog: i64) -> Value {
    let res = app.call("GET", &format!("/api/sync/pull?catalog={catalog}"), cookie, None).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

fn codes(catalog: &Value, list: &str) -> Vec<String> {
    catalog["lists"][list].as_array().unwrap().iter().map(|o| o["code"].as_str().unwrap().to_string()).collect()
}

async fn create(app: &TestApp, cookie: &str, seq: u64, id: &str, industry: &str) -> Value {
    let op = json!({"type": "create_customer", "id": id, "name": format!("矿业客户{seq}"), "kind": "company", "region": "north", "city": "北京",
        "industry": industry, "size": "small", "business_type": "end_user"});
    let res = app.call("POST", "/api/sync/push", cookie, Some(&json!({"client_id": DEVICE, "mutations": [{"seq": seq, "at_ms": 1, "op": op}]}))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()["results"][0]["outcome"].clone()
}

#[tokio::test]
async fn an_admin_edits_a_list_and_every_device_follows_it() {
    let app = demo().await;
    let admin = login(&app, "admin").await;
    let rep = login(&app, "rep17").await;

    // The starter lists and the demo regions, in order, for anyone signed in.
    let catalog = app.call("GET", "/api/catalog", &rep, None).await.json();
    assert_eq!(codes(&catalog, "region"), ["east", "south", "north", "southwest", "central"]);
    assert_eq!(codes(&catalog, "size"), ["micro", "small", "medium", "large", "enterprise"]);
    let version = catalog["version"].as_i64().unwrap();
    // A device without the lists gets them; one with the current version does not.
    assert_eq!(pull(&app, &rep, 0).await["catalog"]["version"], version);
    assert!(pull(&app, &rep, version).await.get("catalog").is_none());

    // Only an admin edits, and names are required in both languages.
    let mining = json!({"name_zh": "采矿", "name_en": "Mining"});
    assert_eq!(app.call("POST", "/api/admin/lists/industry", &rep, Some(&mining)).await.status, 403);
    let nameless = app.call("POST", "/api/admin/lists/industry", &admin, Some(&json!({"name_zh": "采矿", "name_en": " "}))).await;
    assert_eq!((nameless.status.as_u16(), nameless.json()["error"].as_str()), (400, Some("invalid_option_name")));
    assert_eq!(
        app.call("POST", "/api/admin/lists/industry", &admin, Some(&json!({"code": "Mining!", "name_zh": "采矿", "name_en": "Mining"}))).await.json()["error"],
        "invalid_code"
    );
    assert_eq!(app.call("POST", "/api/admin/lists/planet", &admin, Some(&mining)).await.status, 404);

    // Added: the code is made from the English name; the device's next pull brings it.
    let added = app.call("POST", "/api/admin/lists/industry", &admin, Some(&mining)).await;
    assert_eq!(added.status, 200, "{}", added.text());
    assert_eq!(added.json()["code"], "mining");
    let again = app.call("POST", "/api/admin/lists/industry", &admin, Some(&mining)).await.json();
    assert_eq!(again["code"], "mining_2", "a second option of the same name gets its own code");
    let page = pull(&app, &rep, version).await;
    let newer = page["catalog"]["version"].as_i64().unwrap();
    assert!(newer > version);
    assert_eq!(codes(&page["catalog"], "industry").last().unwrap(), "mining_2");

    // A rep may now give it; an unknown code is refused.
    let first = "0b6c1f3e-8a3d-4b1e-9a55-000000000001";
    assert_eq!(create(&app, &rep, 1, first, "mining").await["status"], "applied");
    let unknown = create(&app, &rep, 2, "0b6c1f3e-8a3d-4b1e-9a55-000000000002", "tourism").await;
    assert_eq!((unknown["status"].as_str(), unknown["code"].as_str()), (Some("rejected"), Some("unknown_code")));

    // Retired: no longer given anew, but the customer that has it keeps it.
    let retired = app.call("PUT", "/api/admin/lists/industry/mining", &admin, Some(&json!({"name_zh": "采矿业", "name_en": "Mining", "active": false}))).await;
    assert_eq!(retired.status, 200, "{}", retired.text());
    let refused = create(&app, &rep, 3, "0b6c1f3e-8a3d-4b1e-9a55-000000000003", "mining").await;
    assert_eq!(refused["code"], "retired_option");
    let page = pull(&app, &rep, newer).await;
    let option = page["catalog"]["lists"]["industry"].as_array().unwrap().iter().find(|o| o["code"] == "mining").unwrap().clone();
    assert_eq!((option["name_zh"].as_str(), option["active"].as_bool()), (Some("采矿业"), Some(false)));
    let kept: String = sqlx::query_scalar("SELECT industry FROM customers WHERE id = $1").bind(first).fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(kept, "mining");

    // Deleted only when no record uses it.
    let in_use = app.call("DELETE", "/api/admin/lists/industry/mining", &admin, None).await;
    assert_eq!((in_use.status.as_u16(), in_use.json()["error"].as_str()), (409, Some("in_use")));
    assert_eq!(app.call("DELETE", "/api/admin/lists/industry/mining_2", &admin, None).await.status, 200);
    let used_source = app.call("DELETE", "/api/admin/lists/source/exhibition", &admin, None).await;
    assert_eq!(used_source.json()["error"], "in_use", "deals hold sources too");

    // Reordered: every code once, regions too.
    let bad = app.call("PUT", "/api/admin/lists/size", &admin, Some(&json!({"codes": ["small", "micro"]}))).await;
    assert_eq!(bad.json()["error"], "unknown_reference");
    let sizes = json!({"codes": ["small", "micro", "medium", "large", "enterprise"]});
    assert_eq!(codes(&app.call("PUT", "/api/admin/lists/size", &admin, Some(&sizes)).await.json(), "size")[0], "small");
    let regions = json!({"codes": ["central", "east", "south", "north", "southwest"]});
    assert_eq!(codes(&app.call("PUT", "/api/admin/lists/region", &admin, Some(&regions)).await.json(), "region")[0], "central");

    // Every change is in the audit log.
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE entity IN ('list_option', 'list')").fetch_one(app.db.pool()).await.unwrap();
    assert!(audited >= 8, "{audited}");
}

#[tokio::test]
async fn imports_and_exports_read_and_write_the_admins_names() {
    let app = demo().await;
    let admin = login(&app, "admin").await;
    let rep = login(&app, "rep21").await;
    let added =
        app.call("POST", "/api/admin/lists/source", &admin, Some(&json!({"code": "wechat_group", "name_zh": "微信群", "name_en": "WeChat group"}))).await;
    assert_eq!(added.status, 200, "{}", added.text());
    let csv = "客户名称,城市,区域,来源\n武汉微信群客户有限公司,武汉,华中,微信群\n武汉旧渠道有限公司,武汉,华中,展会\n";
    let upload = |query: String| {
        let app = &app;
        let rep = rep.clone();
        async move {
            app.post(&format!("/api/import/customers?{query}"), &[("cookie", &rep), ("content-type", "application/octet-stream")], csv.as_bytes().to_vec())
                .await
        }
    };
    // Retire the trade show: the second row is refused for it, in words.
    app.call("PUT", "/api/admin/lists/source/exhibition", &admin, Some(&json!({"name_zh": "展会", "name_en": "Trade show", "active": false}))).await;
    let report = upload("step=check&mapping=name=0,city=1,region=2,source=3".into()).await.json();
    assert_eq!(report["valid"], 1);
    assert_eq!((report["issues"][0]["row"].as_u64(), report["issues"][0]["code"].as_str()), (Some(3), Some("retired_option")));
    let done = upload("step=commit&mode=valid&mapping=name=0,city=1,region=2,source=3".into()).await;
    assert_eq!(done.status, 200, "{}", done.text());
    let (id, source): (String, String) =
        sqlx::query_as("SELECT id, source FROM customers WHERE name = '武汉微信群客户有限公司'").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(source, "wechat_group");
    // The export writes the admin's name in the viewer's language.
    let export =
        app.post("/api/export/customers?format=csv", &[("cookie", &rep), ("content-type", "application/json")], json!({"ids": [id]}).to_string()).await;
    assert_eq!(export.status, 200);
    assert!(export.text().contains("微信群"), "{}", export.text());
}
