//! Importing customers from CSV/.xlsx and exporting them: bad files and rows get a reason, a
//! dry run changes nothing, a commit is all or nothing, exports are masked like the screen.

use crate::helpers::{demo, login, TestApp};
use serde_json::{json, Value};

async fn upload(app: &TestApp, cookie: &str, query: &str, body: Vec<u8>) -> crate::helpers::Reply {
    app.post(&format!("/api/import/customers?{query}"), &[("cookie", cookie), ("content-type", "application/octet-stream")], body).await
}

/// The mapping the server suggested, as a query value.
fn suggested(preview: &Value) -> String {
    preview["suggested"].as_array().unwrap().iter().enumerate().filter_map(|(i, c)| c.as_str().map(|c| format!("{c}={i}"))).collect::<Vec<_>>().join(",")
}

const CSV: &str = "客户名称,城市,区域,行业,规模,电话,统一社会信用代码,信用额度（元）,合作开始日期,联系人,手机,备注\n\
武汉光谷网络科技有限公司,武汉,华中,电子,小型,027-8765 4321,91350100M000100Y43,\"50,000\",2024/3/1,张三,13900003333,老客户介绍\n\
,武汉,华中,电子,小型,,,,,,,名称没填\n\
长沙湘江贸易有限公司,长沙,火星,零售,中型,,,,,,,区域写错\n\
郑州中原食品有限公司,郑州,华中,食品,小型,,91350100M000100Y44,,,,,代码输错\n\
武汉江城物流有限公司,武汉,华中,物流,大型,027-8888 9999,,,,李四,13900004444,\n";

#[tokio::test]
async fn a_gbk_csv_is_read_its_bad_rows_are_named_and_the_commit_is_all_or_nothing() {
    let app = demo().await;
    let rep = login(&app, "rep21").await;
    let (gbk, _, _) = encoding_rs::GBK.encode(CSV);
    let preview = upload(&app, &rep, "step=parse", gbk.to_vec()).await;
    assert_eq!(preview.status, 200, "{}", preview.text());
    let preview = preview.json();
    assert_eq!((preview["format"].as_str(), preview["rows"].as_u64()), (Some("csv-gbk"), Some(5)));
    assert_eq!(preview["headers"][0], "客户名称");
    let mapping = suggested(&preview);
    assert_eq!(mapping, "name=0,city=1,region=2,industry=3,size=4,phone=5,credit_code=6,credit_limit=7,cooperation_since=8,contact_name=9,contact_phone=10");

    let customers = app.count("customers").await;
    let report = upload(&app, &rep, &format!("step=check&mapping={mapping}"), gbk.to_vec()).await.json();
    assert_eq!((report["rows"].as_u64(), report["valid"].as_u64()), (Some(5), Some(2)));
    let issues: Vec<(u64, String, String)> = report["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["row"].as_u64().unwrap(), i["column"].as_str().unwrap().to_string(), i["code"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        issues,
        [(3, "客户名称".into(), "required".into()), (4, "区域".into(), "unknown_value".into()), (5, "统一社会信用代码".into(), "credit_code_check".into())]
    );
    assert_eq!(app.count("customers").await, customers, "a dry run saves nothing");

    // All or nothing: refused with the report, nothing written.
    let refused = upload(&app, &rep, &format!("step=commit&mode=all&mapping={mapping}"), gbk.to_vec()).await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.json()["issues"].as_array().unwrap().len(), 3);
    assert_eq!(app.count("customers").await, customers);
    // Only the valid rows: both, with their contacts, in the feed and the audit log.
    let (contacts, changes) = (app.count("contacts").await, app.count("change_log").await);
    let done = upload(&app, &rep, &format!("step=commit&mode=valid&mapping={mapping}"), gbk.to_vec()).await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert_eq!(done.json()["committed"], 2);
    assert_eq!(app.count("customers").await, customers + 2);
    assert_eq!(app.count("contacts").await, contacts + 2);
    assert_eq!(app.count("change_log").await, changes + 4);
    let detail: Value = sqlx::query_scalar::<_, String>("SELECT id FROM customers WHERE name = '武汉光谷网络科技有限公司'")
        .fetch_one(app.db.pool())
        .await
        .map(Value::from)
        .unwrap();
    let shown = app.call("GET", &format!("/api/customers/{}", detail.as_str().unwrap()), &rep, None).await.json();
    assert_eq!(shown["customer"]["credit_limit_fen"], 5_000_000);
    assert_eq!(shown["customer"]["cooperation_since"], "2024-03-01");
    assert_eq!(shown["customer"]["region"], "central");
    assert_eq!(shown["contacts"][0]["phone"], "13900003333");

    // Importing the same file again: every good row is now a likely duplicate.
    let again = upload(&app, &rep, &format!("step=check&mapping={mapping}"), gbk.to_vec()).await.json();
    let dups: Vec<u64> = again["duplicates"].as_array().unwrap().iter().map(|d| d["row"].as_u64().unwrap()).collect();
    assert_eq!(dups, [2, 6]);
    assert_eq!(again["duplicates"][0]["existing"], "武汉光谷网络科技有限公司");
    let skipped = upload(&app, &rep, &format!("step=commit&mode=valid&skip_duplicates=true&mapping={mapping}"), gbk.to_vec()).await.json();
    assert_eq!(skipped["committed"], 0);
}

#[tokio::test]
async fn files_that_are_not_tables_and_bad_mappings_are_refused_with_a_reason() {
    let app = demo().await;
    let rep = login(&app, "rep21").await;
    for (body, code) in [
        (Vec::new(), "empty_file"),
        (b"%PDF-1.7\n\x00\x01\x02".to_vec(), "not_a_table"),
        (vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], "xls_unsupported"),
        (vec![0xB0, 0xA1, 0xFF, 0xFE, 0x81], "unreadable_encoding"),
        ("客户名称,城市\n".as_bytes().to_vec(), "empty_file"),
        (format!("客户名称,城市\n{}", "甲,杭州\n".repeat(20_001)).into_bytes(), "too_many_rows"),
    ] {
        let res = upload(&app, &rep, "step=parse", body).await;
        assert_eq!((res.status.as_u16(), res.json()["error"].as_str().map(str::to_string)), (400, Some(code.to_string())));
    }
    let csv = "客户名称,城市\n甲,杭州\n".as_bytes().to_vec();
    for mapping in ["name=0", "nonsense=1", "name=0,name=1"] {
        let res = upload(&app, &rep, &format!("step=check&mapping={mapping}"), csv.clone()).await;
        assert_eq!(res.json()["error"], "invalid_mapping", "{mapping}");
    }
    let res = upload(&app, &rep, "step=launch", csv).await;
    assert_eq!(res.status, 400);
    // Who may not create customers may not import them.
    let finance = login(&app, "finance1").await;
    assert_eq!(upload(&app, &finance, "step=parse", b"a,b\n1,2\n".to_vec()).await.status, 403);
}

#[tokio::test]
async fn an_export_is_masked_like_the_screen_and_reads_back_as_an_import() {
    let app = demo().await;
    let rep = login(&app, "rep21").await;
    let manager = login(&app, "manager3").await;
    let ids: Vec<String> =
        sqlx::query_scalar::<_, String>("SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.username = 'rep21' ORDER BY c.name")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    // The rep's own phones whole; the manager's export masks them.
    let csv = app.call("POST", "/api/export/customers?format=csv", &rep, Some(&json!({"ids": ids}))).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-disposition").unwrap().contains(".csv"));
    assert!(csv.body.starts_with(&[0xEF, 0xBB, 0xBF]), "a BOM for Excel");
    let text = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), ids.len() + 1);
    assert!(text.starts_with("客户名称,简称,类型,地域,城市"));
    assert!(!text.contains("****"));
    let masked = String::from_utf8(app.call("POST", "/api/export/customers?format=csv", &manager, Some(&json!({"ids": ids}))).await.body).unwrap();
    assert!(masked.contains("****"));
    // Ids the viewer may not see are left out.
    let other: Vec<String> = sqlx::query_scalar::<_, String>("SELECT c.id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.username = 'rep1'")
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    let none = app.call("POST", "/api/export/customers?format=csv", &rep, Some(&json!({"ids": other}))).await;
    assert_eq!(String::from_utf8(none.body[3..].to_vec()).unwrap().lines().count(), 1);

    // As .xlsx, and back in: every column recognised, every row a duplicate of itself.
    let xlsx = app.call("POST", "/api/export/customers?format=xlsx", &rep, Some(&json!({"ids": ids}))).await;
    assert_eq!(xlsx.status, 200);
    let preview = upload(&app, &rep, "step=parse", xlsx.body.clone()).await.json();
    assert_eq!((preview["format"].as_str(), preview["rows"].as_u64()), (Some("xlsx"), Some(ids.len() as u64)));
    let recognised = preview["suggested"].as_array().unwrap().iter().filter(|c| c.is_string()).count();
    assert_eq!(recognised, 16, "all but grade, owner and why hot: {preview}");
    let report = upload(&app, &rep, &format!("step=check&mapping={}", suggested(&preview)), xlsx.body).await.json();
    assert_eq!(report["issues"], json!([]), "{report}");
    assert_eq!(report["valid"].as_u64(), Some(ids.len() as u64));
    assert_eq!(report["duplicates"].as_array().unwrap().len(), ids.len());
    // Bad requests.
    assert_eq!(app.call("POST", "/api/export/customers?format=pdf", &rep, Some(&json!({"ids": []}))).await.status, 400);
    assert_eq!(app.call("POST", "/api/export/customers?format=csv", &rep, Some(&json!({"ids": "x"}))).await.status, 400);
}
