//! The small screens: settings, a customer's history, not found (the bigger ones have their own
//! modules).

use super::api;
use super::language::LanguageSwitch;
use crate::domain::customer::HistoryEntry;
use crate::i18n::{format_date, t, t_string, use_i18n};
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_router::components::A;

/// 历史记录: who changed what and when, one tap away; read-only (online).
#[component]
pub fn History(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let catalog = super::sync::use_catalog();
    let entries = RwSignal::new(None::<Vec<HistoryEntry>>);
    let toggle = move |_| {
        open.update(|o| *o = !*o);
        if entries.get_untracked().is_none() {
            let url = format!("/api/customers/{id}/history");
            leptos::task::spawn_local(async move {
                entries.set(Some(api::get::<Vec<HistoryEntry>>(&url).await.unwrap_or_default()));
            });
        }
    };
    let field_label = move |field: &str| match field {
        "owner_id" => t_string!(i18n, customers.owner).to_string(),
        "shared_with" => t_string!(i18n, customers.shared_with).to_string(),
        "contact_added" => t_string!(i18n, customers.contact_added).to_string(),
        "contact_deleted" => t_string!(i18n, customers.contact_deleted).to_string(),
        "created" => t_string!(i18n, customers.created).to_string(),
        "merged" => t_string!(i18n, customers.merged).to_string(),
        "merged_into" => t_string!(i18n, customers.merged_into).to_string(),
        other => {
            use crate::domain::sync::{CustomerField, Field};
            CustomerField::from_column(other).map(|f| super::labels::field_label(i18n, f)).unwrap_or_else(|| other.to_string())
        }
    };
    view! {
        <button type="button" class="button button-small history-toggle" data-testid="history-toggle"
            aria-expanded=move || open.get().to_string() on:click=toggle>
            {t!(i18n, customers.history)}
        </button>
        <Show when=move || open.get()>
            <ol class="history" data-testid="history">
                {move || match entries.get() {
                    None => EitherOf3::A(view! { <li class="hint">{t!(i18n, customers.loading)}</li> }),
                    Some(list) if list.is_empty() => EitherOf3::B(view! { <li class="hint">{t!(i18n, customers.no_history)}</li> }),
                    Some(list) => EitherOf3::C(list.into_iter().rev().map(|e| {
                        let when = time::OffsetDateTime::from_unix_timestamp(e.at_ms / 1000)
                            .map(|t| format_date(i18n.get_locale(), t.date()))
                            .unwrap_or_default();
                        let column = <crate::domain::sync::CustomerField as crate::domain::sync::Field>::from_column(&e.field);
                        let value = |v: Option<String>| match column {
                            Some(f) => catalog.with(|cat| super::labels::field_value_label(i18n, cat, f, v.as_deref())),
                            None => v.unwrap_or_else(|| "—".into()),
                        };
                        let change = format!("{}: {} → {}", field_label(&e.field), value(e.old_value), value(e.new_value));
                        view! {
                            <li>
                                <span class="list-item-title">{change}</span>
                                <span class="list-item-sub">{format!("{when} · {}", e.actor)}</span>
                            </li>
                        }
                    }).collect_view()),
                }}
            </ol>
        </Show>
    }
}

#[component]
pub fn Settings() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<super::session::CurrentUser>();
    view! {
        <section class="page" data-page="settings">
            <h1 class="page-title">{t!(i18n, settings.title)}</h1>
            <div class="card">
                <h2 class="card-title">{t!(i18n, lang_label)}</h2>
                <LanguageSwitch />
                <p class="hint">{t!(i18n, settings.language_hint)}</p>
            </div>
            <div class="card">
                <Show when=move || me.get().is_some()>
                    <p data-testid="signed-in-as">{move || me.get().map(|m| m.display_name).unwrap_or_default()}
                        " · " {move || me.get().map(|m| super::admin::role_label(i18n, m.role)).unwrap_or_default()}</p>
                </Show>
                <SignOutButton />
            </div>
            <Show when=move || me.get().is_some_and(|m| m.role == crate::domain::org::Role::Admin)>
                <div class="card">
                    <h2 class="card-title">{t!(i18n, admin.title)}</h2>
                    <p class="hint">{t!(i18n, admin.hint)}</p>
                    <A href="/admin" attr:class="button" attr:data-testid="open-admin">{t!(i18n, admin.open)}</A>
                </div>
            </Show>
            <div class="card">
                <h2 class="card-title">{t!(i18n, settings.about)}</h2>
                <p>{t!(i18n, settings.version, version = env!("CARGO_PKG_VERSION"))}</p>
            </div>
        </section>
    }
}

/// Ends this device's session and returns to the sign-in screen. The user's replica leaves the
/// device with them, unless changes still wait to be sent: then they are asked first, and those
/// changes stay until the same user signs in again.
#[component]
fn SignOutButton() -> impl IntoView {
    let i18n = use_i18n();
    let sync = super::sync::use_sync();
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let waiting = sync.pending_count();
            if waiting > 0 {
                let question = format!("{} ({waiting})", t_string!(i18n, sync.unsynced_sign_out));
                if !window().confirm_with_message(&question).unwrap_or(false) {
                    return;
                }
            }
            let navigate = leptos_router::hooks::use_navigate();
            leptos::task::spawn_local(async move {
                // Signed out locally whatever the network says; the cookie is HttpOnly, so only
                // the server can clear it, and an unreachable server keeps the session until it
                // expires or an admin ends it.
                let _ = gloo_net::http::Request::post("/api/auth/logout").send().await;
                super::session::remember(None);
                super::sync::sign_out(sync).await;
                navigate("/signin", Default::default());
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = sync;
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
