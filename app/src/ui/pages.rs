//! The screens. For now each is its frame and an empty state; the issues that follow fill them
//! from the local replica.

use super::api;
use super::layout::LanguageSwitch;
use crate::domain::customer::{CustomerDetail, CustomerPage, CustomerView, HistoryEntry};
use crate::i18n::{format_date, format_date_long, t, t_string, use_i18n};
use leptos::either::{Either, EitherOf3};
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

/// 客户: the customers the viewer may see, and one customer's profile and contacts beside the list
/// (on a phone, instead of it). Fetched from `/api/customers` after hydration for now; issue 4
/// moves this onto the local replica and issue 5 completes the 360 view.
#[component]
pub fn Customers() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<super::session::CurrentUser>();
    let all = RwSignal::new(None::<Vec<CustomerView>>);
    let failed = RwSignal::new(None::<String>);
    let query = RwSignal::new(String::new());
    let selected = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if me.get().is_none() {
            return;
        }
        leptos::task::spawn_local(async move {
            let mut out = Vec::new();
            loop {
                let url = format!("/api/customers?limit=1000&offset={}", out.len());
                match api::get::<CustomerPage>(&url).await {
                    Ok(page) => {
                        let done = page.customers.is_empty() || out.len() + page.customers.len() >= page.total as usize;
                        out.extend(page.customers);
                        if done {
                            break;
                        }
                    }
                    Err(e) => {
                        failed.set(Some(super::admin::error_text(i18n, e.code())));
                        return;
                    }
                }
            }
            all.set(Some(out));
        });
    });
    const SHOWN: usize = 200;
    let matches = move || {
        let q = query.get().trim().to_lowercase();
        all.get()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| {
                q.is_empty()
                    || c.name.to_lowercase().contains(&q)
                    || c.name_en.as_deref().is_some_and(|n| n.to_lowercase().contains(&q))
                    || c.city.to_lowercase().contains(&q)
                    || c.owner_name.to_lowercase().contains(&q)
            })
            .collect::<Vec<_>>()
    };
    let shown = move || matches().into_iter().take(SHOWN).collect::<Vec<_>>();
    let total = move || matches().len();
    view! {
        <section class="page two-pane" data-page="customers" class:has-selection=move || selected.get().is_some()>
            <div class="pane pane-list">
                <h1 class="page-title">{t!(i18n, customers.title)}</h1>
                <input type="search" class="search" name="customer-search" maxlength="100"
                    placeholder=move || t_string!(i18n, customers.search).to_string()
                    aria-label=move || t_string!(i18n, customers.search).to_string()
                    bind:value=query />
                <p class="form-error" role="alert">{move || failed.get()}</p>
                <Show when=move || all.get().is_some() fallback=move || view! {
                    <p class="hint" data-testid="customers-loading">{t!(i18n, customers.loading)}</p>
                }>
                    <p class="hint" data-testid="customer-count">
                        {t!(i18n, customers.count, shown = move || total().min(SHOWN).to_string(), total = move || total().to_string())}
                    </p>
                    <ul class="list" data-testid="customer-list">
                        <For each=shown key=|c| (c.id.clone(), c.version) let:c>
                            {
                                let id = c.id.clone();
                                let current = { let id = id.clone(); move || selected.get().as_deref() == Some(id.as_str()) };
                                view! {
                                    <li>
                                        <button type="button" class="list-item" data-customer=id.clone()
                                            aria-current=move || if current() { "true" } else { "false" }
                                            on:click=move |_| selected.set(Some(id.clone()))>
                                            <span class="list-item-main">
                                                <span class="list-item-title">{c.name.clone()}</span>
                                                <span class="list-item-sub">{format!("{} · {}", c.city, c.owner_name)}</span>
                                            </span>
                                            <span class="badge" data-testid="grade">{c.grade.to_uppercase()}</span>
                                        </button>
                                    </li>
                                }
                            }
                        </For>
                    </ul>
                </Show>
            </div>
            <div class="pane pane-detail" aria-live="polite">
                {move || match selected.get() {
                    None => Either::Left(view! { <div class="empty-state"><p>{t!(i18n, customers.detail_empty)}</p></div> }),
                    Some(id) => Either::Right(view! { <CustomerCard id selected /> }),
                }}
            </div>
        </section>
    }
}

/// One customer: profile and contacts, with tap-to-call phones (masked ones are not links).
#[component]
fn CustomerCard(id: String, selected: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<super::session::CurrentUser>();
    // The audit trail is for managers and above (the server enforces the same).
    let sees_history = me.0.get_untracked().is_some_and(|m| m.role.sees_history());
    let detail = RwSignal::new(None::<Result<CustomerDetail, String>>);
    leptos::task::spawn_local(async move {
        let got = api::get::<CustomerDetail>(&format!("/api/customers/{id}")).await;
        detail.set(Some(got.map_err(|e| super::admin::error_text(i18n, e.code()))));
    });
    let phone_view = |phone: Option<String>| match phone {
        Some(p) if !p.contains('*') => EitherOf3::A(view! { <a href=format!("tel:{p}") data-testid="phone">{p.clone()}</a> }),
        Some(p) => EitherOf3::B(view! { <span data-testid="phone" class="masked">{p}</span> }),
        None => EitherOf3::C(view! { <span class="hint">"—"</span> }),
    };
    view! {
        <div class="customer-card" data-testid="customer-detail">
            <button type="button" class="button back-button" on:click=move |_| selected.set(None)>{t!(i18n, customers.back)}</button>
            {move || match detail.get() {
                None => EitherOf3::A(view! { <p class="hint">{t!(i18n, customers.loading)}</p> }),
                Some(Err(text)) => EitherOf3::B(view! { <p class="form-error" role="alert">{text}</p> }),
                Some(Ok(d)) => EitherOf3::C({
                    let c = d.customer;
                    view! {
                        <h2 class="page-title">{c.name.clone()}</h2>
                        <dl class="facts">
                            <dt>{t!(i18n, customers.owner)}</dt><dd>{c.owner_name.clone()}</dd>
                            <dt>{t!(i18n, customers.city)}</dt><dd>{c.city.clone()}</dd>
                            <dt>{t!(i18n, customers.grade)}</dt><dd>{c.grade.to_uppercase()}</dd>
                            <dt>{t!(i18n, customers.phone)}</dt><dd>{phone_view(c.phone.clone())}</dd>
                            <Show when={let has = c.id_number.is_some(); move || has}>
                                <dt>{t!(i18n, customers.id_number)}</dt><dd data-testid="id-number">{c.id_number.clone()}</dd>
                            </Show>
                            <Show when={let has = c.bank_account.is_some(); move || has}>
                                <dt>{t!(i18n, customers.bank_account)}</dt><dd data-testid="bank-account">{c.bank_account.clone()}</dd>
                            </Show>
                        </dl>
                        <Show when=move || sees_history>
                            <History id=c.id.clone() />
                        </Show>
                        <h3 class="card-title">{t!(i18n, customers.contacts)}</h3>
                        <ul class="list contacts">
                            {d.contacts.into_iter().map(|k| view! {
                                <li class="contact">
                                    <span class="list-item-main">
                                        <span class="list-item-title">{k.name.clone()}</span>
                                        <span class="list-item-sub">{k.title.clone().unwrap_or_default()}</span>
                                    </span>
                                    {phone_view(k.phone.clone())}
                                </li>
                            }).collect_view()}
                        </ul>
                    }
                }),
            }}
        </div>
    }
}

/// 历史记录: who changed what and when, one tap away; read-only.
#[component]
fn History(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
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
        other => other.to_string(),
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
                        let change = format!("{}: {} → {}", field_label(&e.field), e.old_value.unwrap_or_else(|| "—".into()), e.new_value.unwrap_or_else(|| "—".into()));
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
