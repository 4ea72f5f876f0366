//! 数据字典 — the lists customers are classified by (region, industry, size, business type,
//! source), as the admin keeps them: add an option, rename it in both languages, move it up or
//! down (the first one is what a new record starts with), retire it (it stays on the records
//! that have it and is no longer offered), or delete one nobody uses. Regions are added and
//! removed with their teams in the other tab and only ordered here.
//!
//! Reads `GET /api/catalog`, writes through `/api/admin/lists/*` (see `server/src/http/lists.rs`);
//! devices get the new lists with their next pull.

use super::{api_error, form_error, Notice, NoticeLine};
use crate::domain::admin::{OptionForm, OrderForm};
use crate::domain::catalog::{Catalog, CatalogOption, List};
use crate::i18n::{t, t_string, use_i18n, Locale};
use crate::ui::api::{self, Method};
use leptos::prelude::*;

fn list_name(i18n: leptos_i18n::I18nContext<Locale>, list: List) -> String {
    match list {
        List::Region => t_string!(i18n, customers.region),
        List::Industry => t_string!(i18n, customers.industry),
        List::Size => t_string!(i18n, customers.size),
        List::BusinessType => t_string!(i18n, customers.business_type),
        List::Source => t_string!(i18n, customers.source),
    }
    .to_string()
}

#[component]
pub fn Lists() -> impl IntoView {
    let i18n = use_i18n();
    let catalog = RwSignal::new(None::<Catalog>);
    let notice = RwSignal::new(None::<Notice>);
    let list = RwSignal::new(List::Industry);
    // The editor: a new option (`None`) or the code of the one being changed.
    let editing = RwSignal::new(None::<String>);
    let code = RwSignal::new(String::new());
    let name_zh = RwSignal::new(String::new());
    let name_en = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let first_input = NodeRef::<leptos::html::Input>::new();

    let reload = move || {
        leptos::task::spawn_local(async move {
            match api::get::<Catalog>("/api/catalog").await {
                Ok(c) => catalog.set(Some(c)),
                Err(e) => notice.set(Some(api_error(i18n, &e))),
            }
        });
    };
    Effect::new(move |_| reload());
    let clear = move || {
        editing.set(None);
        code.set(String::new());
        name_zh.set(String::new());
        name_en.set(String::new());
    };
    // One request at a time; the lists are read again after each.
    let send = move |method: Method, url: String, body: Option<serde_json::Value>| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::request::<serde::de::IgnoredAny>(method, &url, body.as_ref()).await {
                Ok(_) => {
                    notice.set(Some(Notice::Saved));
                    clear();
                }
                Err(e) if e.code() == "in_use" => notice.set(Some(Notice::Error(t_string!(i18n, admin.option_in_use).to_string()))),
                Err(e) => notice.set(Some(api_error(i18n, &e))),
            }
            busy.set(false);
            reload();
        });
    };
    let options = move || catalog.with(|c| c.as_ref().map(|c| c.options(list.get()).to_vec()).unwrap_or_default());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let l = list.get_untracked();
        let current = editing.get_untracked();
        let active = current.as_ref().and_then(|c| catalog.with_untracked(|cat| cat.as_ref().and_then(|cat| cat.option(l, c).map(|o| o.active))));
        let form = OptionForm {
            code: Some(code.get_untracked().trim().to_string()).filter(|c| !c.is_empty() && current.is_none()),
            name_zh: name_zh.get_untracked(),
            name_en: name_en.get_untracked(),
            active,
        };
        if let Err(e) = form.validate() {
            notice.set(Some(form_error(i18n, e)));
            return;
        }
        let body = serde_json::to_value(&form).ok();
        match current {
            Some(c) => send(Method::Put, format!("/api/admin/lists/{}/{c}", l.code()), body),
            None => send(Method::Post, format!("/api/admin/lists/{}", l.code()), body),
        }
    };
    let set_active = move |o: CatalogOption, active: bool| {
        let form = OptionForm { code: None, name_zh: o.name_zh, name_en: o.name_en, active: Some(active) };
        send(Method::Put, format!("/api/admin/lists/{}/{}", list.get_untracked().code(), o.code), serde_json::to_value(&form).ok());
    };
    let shift = move |index: usize, up: bool| {
        let mut codes: Vec<String> = options().into_iter().map(|o| o.code).collect();
        let other = if up { index.checked_sub(1) } else { Some(index + 1).filter(|i| *i < codes.len()) };
        let Some(other) = other else { return };
        codes.swap(index, other);
        send(Method::Put, format!("/api/admin/lists/{}", list.get_untracked().code()), serde_json::to_value(OrderForm { codes }).ok());
    };
    let english = move || i18n.get_locale() == Locale::en;
    let is_region = move || list.get() == List::Region;

    view! {
        <div class="two-pane admin-lists">
            <div class="pane pane-list">
                <label class="field">
                    <span class="field-label">{t!(i18n, admin.list)}</span>
                    <select name="list" on:change=move |ev| {
                        if let Some(l) = List::from_code(&event_target_value(&ev)) {
                            list.set(l);
                            clear();
                            notice.set(None);
                        }
                    }>
                        {List::ALL.iter().map(|&l| view! {
                            <option value=l.code() selected=move || list.get() == l>{move || list_name(i18n, l)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <p class="hint">{t!(i18n, admin.lists_hint)}</p>
                <ol class="list options" data-testid="option-list">
                    {move || {
                        let all = options();
                        let last = all.len().saturating_sub(1);
                        all.into_iter().enumerate().map(|(i, o)| {
                            let (edit, toggle, gone) = (o.clone(), o.clone(), o.code.clone());
                            let active = o.active;
                            let shown = if english() { o.name_en.clone() } else { o.name_zh.clone() };
                            view! {
                                <li class="option" data-code=o.code.clone() class:retired=!active>
                                    <span class="option-names">
                                        <span class="list-item-title">{shown}</span>
                                        <Show when=move || !active>
                                            <span class="badge badge-muted">{t!(i18n, admin.retired)}</span>
                                        </Show>
                                        <span class="list-item-sub option-code">{o.code.clone()}</span>
                                    </span>
                                    <span class="option-actions">
                                        <button type="button" class="button button-small" disabled=i == 0
                                            aria-label=move || t_string!(i18n, admin.move_up).to_string() data-testid="move-up"
                                            on:click=move |_| shift(i, true)>"↑"</button>
                                        <button type="button" class="button button-small" disabled=i == last
                                            aria-label=move || t_string!(i18n, admin.move_down).to_string() data-testid="move-down"
                                            on:click=move |_| shift(i, false)>"↓"</button>
                                        <Show when=move || !is_region()>
                                            {
                                                let (edit, toggle, gone) = (edit.clone(), toggle.clone(), gone.clone());
                                                view! {
                                                    <button type="button" class="button button-small" data-testid="edit-option" on:click=move |_| {
                                                        editing.set(Some(edit.code.clone()));
                                                        name_zh.set(edit.name_zh.clone());
                                                        name_en.set(edit.name_en.clone());
                                                        notice.set(None);
                                                        // On a phone the editor is below the list: bring it up.
                                                        if let Some(input) = first_input.get_untracked() {
                                                            input.scroll_into_view();
                                                            let _ = input.focus();
                                                        }
                                                    }>{t!(i18n, admin.rename)}</button>
                                                    <button type="button" class="button button-small" data-testid="toggle-option"
                                                        on:click=move |_| set_active(toggle.clone(), !active)>
                                                        {move || if active { t_string!(i18n, admin.retire) } else { t_string!(i18n, admin.restore) }}
                                                    </button>
                                                    <button type="button" class="button button-small" data-testid="delete-option"
                                                        on:click=move |_| send(Method::Delete, format!("/api/admin/lists/{}/{}", list.get_untracked().code(), gone), None)>
                                                        {t!(i18n, admin.remove)}
                                                    </button>
                                                }
                                            }
                                        </Show>
                                    </span>
                                </li>
                            }
                        }).collect_view()
                    }}
                </ol>
            </div>
            <div class="pane pane-detail">
                <Show when=move || !is_region() fallback=move || view! {
                    <div class="card editor">
                        <p class="hint">{t!(i18n, admin.regions_elsewhere)}</p>
                        <NoticeLine notice />
                    </div>
                }>
                    <form class="card editor" on:submit=save novalidate data-testid="option-editor">
                        <h2 class="card-title">
                            {move || if editing.get().is_some() { t_string!(i18n, admin.rename) } else { t_string!(i18n, admin.add_option) }}
                        </h2>
                        <Show when=move || editing.get().is_none()>
                            <label class="field">
                                <span class="field-label">{t!(i18n, admin.option_code)}</span>
                                <input name="code" type="text" autocapitalize="none" maxlength="32" bind:value=code />
                                <span class="hint">{t!(i18n, admin.option_code_hint)}</span>
                            </label>
                        </Show>
                        <label class="field">
                            <span class="field-label">{t!(i18n, admin.name_zh)}</span>
                            <input name="name-zh" type="text" maxlength="40" bind:value=name_zh node_ref=first_input />
                        </label>
                        <label class="field">
                            <span class="field-label">{t!(i18n, admin.name_en)}</span>
                            <input name="name-en" type="text" maxlength="40" bind:value=name_en />
                        </label>
                        <NoticeLine notice />
                        <div class="actions">
                            <button type="submit" class="button button-primary" data-testid="save-option" disabled=move || busy.get()>
                                {t!(i18n, admin.save)}
                            </button>
                            <Show when=move || editing.get().is_some()>
                                <button type="button" class="button" on:click=move |_| clear()>{t!(i18n, admin.cancel)}</button>
                            </Show>
                        </div>
                    </form>
                </Show>
            </div>
        </div>
    }
}
