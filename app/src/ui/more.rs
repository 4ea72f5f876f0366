//! Long lists drawn in steps: the first rows at once, the next ones as the user scrolls near the
//! end. A sentinel after the last row is watched by an `IntersectionObserver` (no scroll handler
//! reading layout), so opening or leaving a screen never builds or tears down rows nobody has
//! scrolled to — on a phone that is most of a 200-row list. Written here because it is a dozen
//! lines over the browser's observer; a virtual list would need fixed row heights, which a
//! customer row (hot badge, wrapped names) does not have.

use leptos::html;
use leptos::prelude::*;

/// Rows drawn at first, and added each time the end comes near.
pub const STEP: usize = 40;

/// Put after the list: while `more` holds, calls `on_near` each time the end of the list comes
/// within about a screen of the viewport (also right after it is drawn, and after every step,
/// `drawn`, when the end is still near: a tall screen fills itself).
#[component]
pub fn MoreOnScroll(#[prop(into)] more: Signal<bool>, #[prop(into)] drawn: Signal<usize>, on_near: Callback<()>) -> impl IntoView {
    let node = NodeRef::<html::Div>::new();
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{closure::Closure, JsCast};
        type Held = (web_sys::IntersectionObserver, Closure<dyn FnMut(js_sys::Array)>);
        let held = StoredValue::new_local(None::<Held>);
        let stop = move || {
            held.update_value(|h| {
                if let Some((o, _)) = h.take() {
                    o.disconnect()
                }
            })
        };
        Effect::new(move |_| {
            // Observed afresh after every step: a new observer reports the current state at once.
            let _ = drawn.get();
            stop();
            let (Some(el), true) = (node.get(), more.get()) else { return };
            let on_entries = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                if entries.iter().any(|e| e.unchecked_into::<web_sys::IntersectionObserverEntry>().is_intersecting()) {
                    on_near.run(());
                }
            });
            let init = web_sys::IntersectionObserverInit::new();
            init.set_root_margin("600px 0px");
            if let Ok(observer) = web_sys::IntersectionObserver::new_with_options(on_entries.as_ref().unchecked_ref(), &init) {
                observer.observe(&el);
                held.set_value(Some((observer, on_entries)));
            }
        });
        on_cleanup(stop);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (more, drawn, on_near);
    view! { <div class="more-on-scroll" node_ref=node aria-hidden="true"></div> }
}
