//! The screens. For now each is its frame and an empty state; the issues that follow fill them
//! from the local replica.

use super::layout::LanguageSwitch;
use crate::i18n::{format_date_long, t, use_i18n};
use leptos::prelude::*;
use leptos_router::components::A;

/// A page heading plus an empty-state message.
#[component]
fn EmptyPage(#[prop(into)] id: String, title: AnyView, message: AnyView) -> impl IntoView {
    view! {
        <section class="page" data-page=id>
            <h1 class="page-title">{title}</h1>
            <div class="empty-state"><p>{message}</p></div>
        </section>
    }
}

#[component]
pub fn Workbench() -> impl IntoView {
    let i18n = use_i18n();
    // Today's date is the reader's local date, which only the browser knows: it is filled in after
    // hydration, so the server-rendered page never shows a date from another time zone.
    let today = RwSignal::new(None::<time::Date>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Ok(now) = time::OffsetDateTime::now_local() {
            today.set(Some(now.date()));
        } else {
            today.set(Some(time::OffsetDateTime::now_utc().date()));
        }
    });
    let date_text = move || today.get().map(|d| format_date_long(i18n.get_locale(), d)).unwrap_or_default();
    view! {
        <section class="page" data-page="workbench">
            <h1 class="page-title">{t!(i18n, workbench.title)}</h1>
            <p class="page-subtitle" data-testid="today">
                <Show when=move || today.get().is_some()>
                    {t!(i18n, workbench.today, date = date_text)}
                </Show>
            </p>
            <div class="empty-state"><p>{t!(i18n, workbench.empty)}</p></div>
        </section>
    }
}

#[component]
pub fn Customers() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page two-pane" data-page="customers">
            <div class="pane pane-list">
                <h1 class="page-title">{t!(i18n, customers.title)}</h1>
                <div class="empty-state"><p>{t!(i18n, customers.empty)}</p></div>
            </div>
            <div class="pane pane-detail" aria-live="polite">
                <div class="empty-state"><p>{t!(i18n, customers.detail_empty)}</p></div>
            </div>
        </section>
    }
}

#[component]
pub fn Funnel() -> impl IntoView {
    let i18n = use_i18n();
    view! { <EmptyPage id="funnel" title=t!(i18n, funnel.title).into_any() message=t!(i18n, funnel.empty).into_any() /> }
}

#[component]
pub fn Segments() -> impl IntoView {
    let i18n = use_i18n();
    view! { <EmptyPage id="segments" title=t!(i18n, segments.title).into_any() message=t!(i18n, segments.empty).into_any() /> }
}

#[component]
pub fn Promotions() -> impl IntoView {
    let i18n = use_i18n();
    view! { <EmptyPage id="promotions" title=t!(i18n, promotions.title).into_any() message=t!(i18n, promotions.empty).into_any() /> }
}

#[component]
pub fn Settings() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="page" data-page="settings">
            <h1 class="page-title">{t!(i18n, settings.title)}</h1>
            <div class="card">
                <h2 class="card-title">{t!(i18n, lang_label)}</h2>
                <LanguageSwitch />
                <p class="hint">{t!(i18n, settings.language_hint)}</p>
            </div>
            <div class="card">
                <SignOutButton />
            </div>
            <div class="card">
                <h2 class="card-title">{t!(i18n, settings.about)}</h2>
                <p>{t!(i18n, settings.version, version = env!("CARGO_PKG_VERSION"))}</p>
            </div>
        </section>
    }
}

/// Ends this device's session and returns to the sign-in screen.
#[component]
fn SignOutButton() -> impl IntoView {
    let i18n = use_i18n();
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let navigate = leptos_router::hooks::use_navigate();
            leptos::task::spawn_local(async move {
                // Signed out locally whatever the network says; the cookie is HttpOnly, so only
                // the server can clear it, and an unreachable server keeps the session until it
                // expires or an admin ends it.
                let _ = gloo_net::http::Request::post("/api/auth/logout").send().await;
                navigate("/signin", Default::default());
            });
        }
    };
    view! {
        <button type="button" class="button" data-testid="sign-out" on:click=on_click>{t!(i18n, signin.sign_out)}</button>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="center-page" data-page="not-found">
            <h1 class="page-title">{t!(i18n, not_found.title)}</h1>
            <A href="/" attr:class="button">{t!(i18n, not_found.back)}</A>
        </main>
    }
}
