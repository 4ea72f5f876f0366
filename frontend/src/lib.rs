//! The wasm entry point: `hydrate()` is called by the script the server puts in the page and
//! brings the server-rendered shell to life.

// Leptos view types nest deeply; the default limit is too low for the bigger screens.
#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // A panic is logged with its stack, then the user is told what happened and offered a
    // reload (app/src/ui/crash.rs), instead of a page that silently stops answering.
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let payload = info.payload();
        let message = payload.downcast_ref::<&str>().copied().or_else(|| payload.downcast_ref::<String>().map(String::as_str));
        kedao_app::ui::crash::show(message.unwrap_or_default());
    }));
    // Asynchronous hydration: a page opened directly on a lazy route (e.g. /admin) first loads its
    // wasm chunk, then hydrates (`hydrate_body` cannot do that).
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document().body().expect("the page has a body");
        leptos::mount::hydrate_from_async(body.clone(), kedao_app::App).await.forget();
        // A marker that the page is live (tests wait for it before they tap anything).
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
