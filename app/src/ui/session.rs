//! Who is signed in, as the browser knows it. [`CurrentUser`] is provided at the root; the layout
//! asks `/api/me` after hydration and sends a visitor without a session to the sign-in screen.
//! (Offline, the last known user stays: issue 4's replica builds on that.)

use super::api::{self, ApiError};
use super::signin::Me;
use leptos::prelude::*;

/// The signed-in user, `None` until known.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub RwSignal<Option<Me>>);

impl CurrentUser {
    pub fn get(&self) -> Option<Me> {
        self.0.get()
    }
}

/// Asks the server who is signed in (in the browser only); on "not signed in" or a pending
/// password change, goes to the sign-in screen.
pub fn load_current_user() {
    let user = expect_context::<CurrentUser>();
    Effect::new(move |_| {
        let navigate = leptos_router::hooks::use_navigate();
        leptos::task::spawn_local(async move {
            match api::get::<Me>("/api/me").await {
                Ok(me) if !me.must_change_password => user.0.set(Some(me)),
                Ok(_) | Err(ApiError::Unauthenticated) => navigate("/signin", Default::default()),
                Err(_) => {}
            }
        });
    });
}
