//! The installable app: registers the service worker (`/sw.js`, served by the server with the
//! build's version and file list) and notices when a new version has been installed behind the
//! running one. The new version waits until the user taps "update" so old and new files never
//! mix in one page.

use super::sync::{use_sync, SyncState};
use crate::i18n::{t, use_i18n};
use leptos::prelude::*;

/// "A new version is ready" with a button that switches to it (the service worker waits for it).
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    view! {
        <Show when=move || sync.update_ready.get()>
            <div class="update-banner" role="status" data-testid="update-banner">
                <span>{t!(i18n, sync.update_ready)}</span>
                <button type="button" class="button button-small button-primary" on:click=move |_| apply_update()>
                    {t!(i18n, sync.update_now)}
                </button>
            </div>
        </Show>
    }
}

/// Registers the service worker and watches for a waiting new version (browser only).
pub fn register(state: SyncState) {
    #[cfg(feature = "hydrate")]
    browser::register(state);
    #[cfg(not(feature = "hydrate"))]
    let _ = state;
}

/// Switches to the waiting version: it takes over and the page reloads.
pub fn apply_update() {
    #[cfg(feature = "hydrate")]
    browser::apply_update();
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::SyncState;
    use leptos::prelude::Set;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use web_sys::{ServiceWorkerRegistration, ServiceWorkerState};

    fn container() -> Option<web_sys::ServiceWorkerContainer> {
        let navigator = leptos::prelude::window().navigator();
        // Not every browser (or an insecure origin) has service workers: the app then simply
        // works online only.
        js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).ok()?.then(|| navigator.service_worker())
    }

    pub fn register(state: SyncState) {
        let Some(container) = container() else { return };
        let promise = container.register("/sw.js");
        leptos::task::spawn_local(async move {
            let Ok(reg) = wasm_bindgen_futures::JsFuture::from(promise).await else { return };
            let reg: ServiceWorkerRegistration = reg.unchecked_into();
            watch(&reg, state);
        });
        // Once the version the user asked for has taken over, load the page from it. (The first
        // install also takes over, but the page already runs that version.)
        let reload = Closure::<dyn FnMut()>::new(move || {
            if UPDATING.with(|u| u.get()) {
                let _ = leptos::prelude::window().location().reload();
            }
        });
        container.set_oncontrollerchange(Some(reload.as_ref().unchecked_ref()));
        reload.forget();
    }

    fn watch(reg: &ServiceWorkerRegistration, state: SyncState) {
        let controlled = || container().and_then(|c| c.controller()).is_some();
        // Installed while an older version runs this page: offer the update.
        let track = move |worker: web_sys::ServiceWorker| {
            if worker.state() == ServiceWorkerState::Installed && controlled() {
                state.update_ready.set(true);
                return;
            }
            let watched = worker.clone();
            let on_state = Closure::<dyn FnMut()>::new(move || {
                if watched.state() == ServiceWorkerState::Installed && controlled() {
                    state.update_ready.set(true);
                }
            });
            worker.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
            on_state.forget();
        };
        if let Some(waiting) = reg.waiting() {
            track(waiting);
        }
        if let Some(installing) = reg.installing() {
            track(installing);
        }
        let registration = reg.clone();
        let on_found = Closure::<dyn FnMut()>::new(move || {
            if let Some(worker) = registration.installing() {
                track(worker);
            }
        });
        reg.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
        on_found.forget();
        // Ask for a newer version now and then (a long-open app otherwise checks only on
        // navigation).
        let reg = reg.clone();
        let check = Closure::<dyn FnMut()>::new(move || {
            let _ = reg.update();
        });
        let _ = leptos::prelude::window().set_interval_with_callback_and_timeout_and_arguments_0(check.as_ref().unchecked_ref(), 15 * 60 * 1000);
        check.forget();
    }

    thread_local! {
        static UPDATING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    pub fn apply_update() {
        UPDATING.with(|u| u.set(true));
        let Some(container) = container() else { return };
        leptos::task::spawn_local(async move {
            let Ok(reg) = wasm_bindgen_futures::JsFuture::from(container.get_registration()).await else { return };
            let reg: ServiceWorkerRegistration = reg.unchecked_into();
            match reg.waiting() {
                Some(worker) => {
                    let _ = worker.post_message(&JsValue::from_str("skip-waiting"));
                }
                None => {
                    let _ = leptos::prelude::window().location().reload();
                }
            }
        });
    }
}
