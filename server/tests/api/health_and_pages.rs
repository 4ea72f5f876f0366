use crate::helpers::{backend, spawn_app};

#[tokio::test]
async fn healthz_reports_ok_and_the_backend() {
    let app = spawn_app().await;
    let res = app.get("/healthz", &[]).await;
    assert_eq!(res.status, 200);
    let body = res.json();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], backend().name());
}

#[tokio::test]
async fn pages_render_in_chinese_by_default_and_in_english_when_chosen() {
    let app = spawn_app().await;
    let zh = app.get("/customers", &[]).await;
    assert_eq!(zh.status, 200);
    let zh = zh.text();
    assert!(zh.contains("<title>客道</title>"), "title in Chinese");
    assert!(zh.contains("工作台") && zh.contains("销售漏斗") && zh.contains("客户细分"), "navigation in Chinese");
    assert!(!zh.contains("Workbench"));

    // The remembered choice (leptos_i18n's cookie) makes the server render English.
    let en = app.get("/customers", &[("cookie", "i18n_pref_locale=en")]).await.text();
    assert!(en.contains("<title>Kedao</title>"));
    assert!(en.contains("Workbench") && en.contains("Funnel") && en.contains("Segments"));
    assert!(!en.contains("工作台"));

    // So does a browser that asks for English and has no cookie yet.
    let accept = app.get("/", &[("accept-language", "en-US,en;q=0.9")]).await;
    assert!(accept.text().contains("Workbench"));
}

#[tokio::test]
async fn every_section_and_the_sign_in_page_render() {
    let app = spawn_app().await;
    for (path, marker) in [
        ("/", "data-page=\"workbench\""),
        ("/customers", "data-page=\"customers\""),
        ("/funnel", "data-page=\"funnel\""),
        ("/segments", "data-page=\"segments\""),
        ("/promotions", "data-page=\"promotions\""),
        ("/settings", "data-page=\"settings\""),
        ("/signin", "data-page=\"signin\""),
    ] {
        let res = app.get(path, &[]).await;
        assert_eq!(res.status, 200, "{path}");
        assert!(res.text().contains(marker), "{path} renders its page");
    }
}

#[tokio::test]
async fn an_unknown_page_is_a_404_with_a_way_back() {
    let app = spawn_app().await;
    let res = app.get("/no-such-page", &[]).await;
    assert_eq!(res.status, 404);
    let body = res.text();
    assert!(body.contains("页面不存在"));
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = spawn_app().await;
    let res = app.get("/customers", &[("accept-encoding", "br")]).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-encoding").as_deref(), Some("br"));
}
