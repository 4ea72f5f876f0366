//! The wasm entry point: `hydrate()` is called by the script the server puts in the page and
//! brings the server-rendered shell to life.

// Leptos view types nest deeply; the default limit is too low for the bigger screens.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Asynchronous hydration: a page opened directly on a lazy route (e.g. /admin) first loads its
    // wasm chunk, then hydrates (`hydrate_body` cannot do that).
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document().body().expect("the page has a body");
        leptos::mount::hydrate_from_async(body.clone(), kedao_app::App).await.forget();
        // A marker that the page is live (tests wait for it before they tap anything).
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
