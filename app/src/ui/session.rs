//! Who is signed in, as the browser knows it. [`CurrentUser`] is provided at the root; the layout
//! asks `/api/me` after hydration and sends a visitor without a session to the sign-in screen.
//! Offline, the user last known on this device stands in, so the app starts from its replica.

use super::api::{self, ApiError};
use super::signin::Me;
use leptos::prelude::*;

/// The signed-in user, `None` until known.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub RwSignal<Option<Me>>);

impl CurrentUser {
    /// `None` also when the signal is gone: a server render whose client disconnected keeps
    /// polling for a moment after its owner was disposed, and must not panic.
    pub fn get(&self) -> Option<Me> {
        self.0.try_get().flatten()
    }
}

/// Asks the server who is signed in (in the browser only); on "not signed in" or a pending
/// password change, goes to the sign-in screen. Offline, the user last known on this device
/// stands in, so the app starts from its replica without a network.
pub fn load_current_user() {
    let user = expect_context::<CurrentUser>();
    let sync = super::sync::use_sync();
    Effect::new(move |_| {
        let navigate = leptos_router::hooks::use_navigate();
        leptos::task::spawn_local(async move {
            match api::get::<Me>("/api/me").await {
                Ok(me) if !me.must_change_password => {
                    remember(Some(&me));
                    super::sync::start(sync, &me);
                    user.0.set(Some(me));
                }
                Ok(_) | Err(ApiError::Unauthenticated) => navigate("/signin", Default::default()),
                Err(_) => {
                    if let Some(me) = remembered() {
                        super::sync::start(sync, &me);
                        user.0.set(Some(me));
                    }
                }
            }
        });
    });
}

const REMEMBERED: &str = "kedao.me";

/// Keeps (or, with `None`, forgets) who last signed in on this device, in local storage.
pub fn remember(me: Option<&Me>) {
    #[cfg(feature = "hydrate")]
    if let Ok(Some(storage)) = leptos::prelude::window().local_storage() {
        let _ = match me.and_then(|m| serde_json::to_string(m).ok()) {
            Some(text) => storage.set_item(REMEMBERED, &text),
            None => storage.remove_item(REMEMBERED),
        };
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (me, REMEMBERED);
}

fn remembered() -> Option<Me> {
    #[cfg(feature = "hydrate")]
    return leptos::prelude::window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(REMEMBERED).ok().flatten())
        .and_then(|t| serde_json::from_str(&t).ok());
    #[cfg(not(feature = "hydrate"))]
    None
}
