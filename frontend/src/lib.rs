//! The wasm entry point: `hydrate()` is called by the script the server puts in the page and
//! brings the server-rendered shell to life.

// Leptos view types nest deeply; the default limit is too low for the bigger screens.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(kedao_app::App);
    // A marker that the page is live (tests wait for it before they tap anything).
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
