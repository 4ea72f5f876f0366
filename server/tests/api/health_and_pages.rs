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

/// Issue 26: pages, API answers, static files and errors all carry the security headers; a page's
/// policy names the nonce its inline scripts carry, a new one per response.
#[tokio::test]
async fn every_response_carries_the_security_headers_and_pages_a_fresh_script_nonce() {
    let app = spawn_app().await;
    let bodies = [
        app.get("/signin", &[]).await,
        app.get("/customers", &[]).await,
        app.get("/no-such-page", &[]).await,
        app.get("/api/me", &[]).await,
        app.get("/healthz", &[]).await,
        app.get("/sw.js", &[]).await,
        app.get("/manifest.webmanifest", &[]).await,
        app.get("/favicon.svg", &[]).await,
        app.post("/api/auth/login", &[("content-type", "application/json")], "{not json").await,
        app.post("/api/sync/push", &[("origin", "https://evil.example"), ("content-type", "application/json")], "{}").await,
    ];
    for res in &bodies {
        let header = |name: &str| res.header(name).unwrap_or_else(|| panic!("{name} missing on a {} answer", res.status));
        let csp = header("content-security-policy");
        let scripts = csp.split(';').find(|d| d.trim().starts_with("script-src")).expect("script-src");
        assert!(!scripts.contains("'unsafe-inline'"), "{csp}");
        for directive in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'"] {
            assert!(csp.contains(directive), "{directive} in {csp}");
        }
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("x-frame-options"), "DENY");
        assert_eq!(header("referrer-policy"), "strict-origin-when-cross-origin");
        assert!(header("permissions-policy").contains("geolocation=(self)") && header("permissions-policy").contains("camera=(self)"));
        assert!(res.header("strict-transport-security").is_none(), "no HSTS over plain HTTP");
    }
    // Every inline script of a page carries the nonce its policy names, and it changes.
    let nonce_of = |res: &crate::helpers::Reply| {
        let csp = res.header("content-security-policy").unwrap();
        let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).map(str::to_string);
        nonce.unwrap_or_else(|| panic!("a page's policy names a nonce: {csp}"))
    };
    let page = &bodies[0];
    let nonce = nonce_of(page);
    let html = page.text();
    // (leptos_i18n leaves an empty `<script></script>` as a placeholder: a script without text
    // never runs, so the policy is not asked.)
    let scripts = html.matches("<script").count() - html.matches("<script></script>").count();
    assert!(scripts > 0);
    assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "every script carries the nonce: {html}");
    assert_ne!(nonce, nonce_of(&bodies[1]));

    // Served over HTTPS (secure cookies on), browsers are told to stay there.
    let (db, url, dir) = crate::helpers::fresh_db().await;
    let secure = crate::helpers::spawn_app_with(db, kedao::config::Config { secure_cookies: true, ..crate::helpers::test_config(&url) }, dir).await;
    for path in ["/signin", "/api/me"] {
        assert_eq!(secure.get(path, &[]).await.header("strict-transport-security").as_deref(), Some("max-age=31536000; includeSubDomains"), "{path}");
    }
}
