//! The wasm entry point: `hydrate()` is called by the script the server puts in the page and
//! brings the server-rendered shell to life.

// Leptos view types nest deeply; the default limit is too low for the bigger screens.
#![recursion_limit = "512"]

/// Room for the wasm splitter to lay the constant data out again, chunk by chunk.
///
/// `cargo leptos build --split` (wasm_split_cli_support 0.2.3) moves each lazy chunk's constant
/// data (strings, tables: the pinyin search tables alone are 87 KB) out of the first download —
/// unless the re-laid-out data comes out longer than the original segment (strings the linker
/// merged and several chunks share are copied into each), in which case it keeps *all* data in
/// the main module ("Overlong segment … putting it in main module"): 126 KB compressed of the
/// first download. This block, which nothing reads, lengthens the original segment; it belongs to
/// no chunk, so it is never emitted. Upstream: WorldSEnder/wasm-split-prototype#60. The build in
/// `.ci/lib.sh` fails if the warning comes back (16 KB of room may one day not be enough).
#[used]
static WASM_SPLIT_DATA_SLACK: [u8; 16384] = [0; 16384];

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
