//! 客户: the customer file on this device. A list with instant search (name, short name, phone,
//! contact, tag, pinyin) and filters over the replica ([`Replica::search`]); one customer's 360
//! view beside it (on a phone, instead of it); the customer and contact forms. Everything reads
//! the replica and every change is a sync mutation, so this screen works the same offline.
//!
//! - `mod.rs`: the list, its search and filters;
//! - `view360.rs`: one customer on one screen: profile, contacts, deals, the sections later work fills;
//! - `form.rs`: the new/edit customer form with its duplicate check;
//! - `contacts.rs`: a customer's contacts and the contact form.
//!
//! [`Replica::search`]: crate::domain::replica::Replica::search

mod contacts;
pub(crate) mod fields;
mod form;
pub(crate) mod handover;
mod merge;
mod transfer;
mod view360;

pub use transfer::Import;

use super::sync::use_sync;
use crate::domain::catalog::{Grade, List};
use crate::domain::customer::CustomerView;
use crate::domain::replica::{CustomerFilter, SortBy};
use crate::i18n::{t, t_string, use_i18n, Locale};
use fields::OptionSelect;
use leptos::either::EitherOf3;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

type I18n = leptos_i18n::I18nContext<Locale>;

/// At most this many rows are listed (drawn in steps as the list scrolls, see `ui::more`); the
/// count says how many match.
const SHOWN: usize = 200;

/// The list's search, filters and order as the user set them (`""`: any).
#[derive(Clone, Copy)]
struct Filters {
    query: RwSignal<String>,
    region: RwSignal<String>,
    industry: RwSignal<String>,
    size: RwSignal<String>,
    business_type: RwSignal<String>,
    source: RwSignal<String>,
    grade: RwSignal<String>,
    owner: RwSignal<String>,
    tag: RwSignal<String>,
    hot_only: RwSignal<bool>,
    sort: RwSignal<String>,
}

impl Filters {
    fn new() -> Filters {
        let s = || RwSignal::new(String::new());
        Filters {
            query: s(),
            region: s(),
            industry: s(),
            size: s(),
            business_type: s(),
            source: s(),
            grade: s(),
            owner: s(),
            tag: s(),
            hot_only: RwSignal::new(false),
            sort: RwSignal::new("name".into()),
        }
    }

    fn selects(&self) -> [RwSignal<String>; 8] {
        [self.region, self.industry, self.size, self.business_type, self.source, self.grade, self.owner, self.tag]
    }

    /// The filter for the replica (tracks every signal).
    fn get(&self) -> CustomerFilter {
        let opt = |s: RwSignal<String>| Some(s.get()).filter(|v| !v.is_empty());
        CustomerFilter {
            query: self.query.get(),
            region: opt(self.region),
            industry: opt(self.industry),
            size: opt(self.size),
            business_type: opt(self.business_type),
            source: opt(self.source),
            grade: opt(self.grade),
            owner_id: opt(self.owner),
            tag: opt(self.tag),
            hot_only: self.hot_only.get(),
            sort: match self.sort.get().as_str() {
                "grade" => SortBy::Grade,
                "credit" => SortBy::CreditLimit,
                _ => SortBy::Name,
            },
        }
    }

    /// How many filters (beyond the search) are set.
    fn active(&self) -> usize {
        self.selects().iter().filter(|s| !s.with(String::is_empty)).count() + usize::from(self.hot_only.get())
    }

    fn clear(&self) {
        for s in self.selects() {
            s.set(String::new());
        }
        self.hot_only.set(false);
    }
}

#[component]
pub fn Customers() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let filters = Filters::new();
    // `/customers?c=<id>` opens that customer (links from the workbench).
    let selected = RwSignal::new(use_query_map().get_untracked().get("c"));
    let creating = RwSignal::new(false);
    let matches = Memo::new(move |_| {
        let filter = filters.get();
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let found = r.search(&filter, SHOWN);
            let rows: Vec<CustomerView> = found.ids.iter().filter_map(|id| r.customer(id).cloned()).collect();
            Some((rows, found.total))
        })
    });
    // Rows drawn so far: a step at first, a step more as the end comes near; a new search starts over.
    let drawn = RwSignal::new(crate::ui::more::STEP);
    Effect::watch(move || filters.get(), move |_, _, _| drawn.set(crate::ui::more::STEP), false);
    let shown = move || matches.with(|m| m.as_ref().map(|(rows, _)| rows.iter().take(drawn.get()).cloned().collect::<Vec<_>>()).unwrap_or_default());
    let more = Signal::derive(move || matches.with(|m| m.as_ref().is_some_and(|(rows, _)| rows.len() > drawn.get())));
    let next_step = Callback::new(move |()| drawn.update(|n| *n += crate::ui::more::STEP));
    // Every id the filter admits, computed when an export asks for it.
    let all_ids = Signal::derive(move || {
        let filter = filters.get();
        sync.replica.with_untracked(|r| r.as_ref().map(|r| r.search(&filter, usize::MAX).ids).unwrap_or_default())
    });
    let total = move || matches.get().map_or(0, |(_, n)| n);
    let on_created = Callback::new(move |id: Option<String>| {
        creating.set(false);
        if let Some(id) = id {
            filters.query.set(String::new());
            selected.set(Some(id));
        }
    });
    view! {
        <section class="page two-pane" data-page="customers" class:has-selection=move || selected.get().is_some() || creating.get()>
            <div class="pane pane-list">
                <div class="page-head">
                    <h1 class="page-title">{t!(i18n, customers.title)}</h1>
                    <button type="button" class="button button-small button-primary" data-testid="new-customer"
                        on:click=move |_| { selected.set(None); creating.set(true); }>
                        {t!(i18n, customers.new)}
                    </button>
                </div>
                <input type="search" class="search" name="customer-search" maxlength="100" autocomplete="off"
                    placeholder=move || t_string!(i18n, customers.search).to_string()
                    aria-label=move || t_string!(i18n, customers.search).to_string()
                    bind:value=filters.query />
                <FilterPanel filters />
                <transfer::ExportButtons ids=all_ids />
                <Show when=move || matches.get().is_some() fallback=move || view! {
                    <p class="hint" data-testid="customers-loading">{t!(i18n, customers.loading)}</p>
                }>
                    <p class="hint" data-testid="customer-count">
                        {t!(i18n, customers.count, shown = move || total().min(SHOWN).to_string(), total = move || total().to_string())}
                    </p>
                    <ul class="list" data-testid="customer-list">
                        <For each=shown key=|c| (c.id.clone(), c.version, c.name.clone(), c.city.clone(), c.hot_reason.is_some(), c.short_name.clone()) let:c>
                            <CustomerRow c selected creating />
                        </For>
                    </ul>
                    <crate::ui::more::MoreOnScroll more drawn=drawn on_near=next_step />
                </Show>
            </div>
            <div class="pane pane-detail" aria-live="polite">
                {move || match (creating.get(), selected.get()) {
                    (true, _) => EitherOf3::A(view! { <form::CustomerForm existing=None on_done=on_created /> }),
                    (false, Some(id)) => EitherOf3::B(view! { <view360::Customer360 id selected /> }),
                    (false, None) => EitherOf3::C(view! { <div class="empty-state"><p>{t!(i18n, customers.detail_empty)}</p></div> }),
                }}
            </div>
        </section>
    }
}

#[component]
fn CustomerRow(c: CustomerView, selected: RwSignal<Option<String>>, creating: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let id = c.id.clone();
    let current = {
        let id = id.clone();
        move || selected.get().as_deref() == Some(id.as_str())
    };
    let sub = [c.short_name.clone(), Some(c.city.clone()), Some(c.owner_name.clone())]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    let hot = c.hot_reason.is_some();
    view! {
        <li>
            <button type="button" class="list-item" data-customer=id.clone()
                aria-current=move || if current() { "true" } else { "false" }
                on:click=move |_| { creating.set(false); selected.set(Some(id.clone())) }>
                <span class="list-item-main">
                    <span class="list-item-title">{c.name.clone()}</span>
                    <span class="list-item-sub">{sub}</span>
                </span>
                <Show when=move || hot>
                    <span class="badge badge-hot" data-testid="hot">{t!(i18n, customers.hot)}</span>
                </Show>
                <span class="badge" data-testid="grade">{c.grade.to_uppercase()}</span>
            </button>
        </li>
    }
}

/// The filters, folded away behind one button so the list keeps the phone's screen.
#[component]
fn FilterPanel(filters: Filters) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let open = RwSignal::new(false);
    // Owners and tags present in the replica, computed when the panel is opened.
    let choices = Memo::new(move |_| {
        if !open.get() {
            return (Vec::new(), Vec::new());
        }
        sync.replica.with(|r| {
            let Some(r) = r.as_ref() else { return (Vec::new(), Vec::new()) };
            let mut owners = BTreeMap::new();
            let mut tags = std::collections::BTreeSet::new();
            for c in r.customers() {
                owners.entry(c.owner_name.clone()).or_insert_with(|| c.owner_id.clone());
                tags.extend(c.tags.iter().cloned());
            }
            (owners.into_iter().map(|(name, id)| (id, name)).collect::<Vec<_>>(), tags.into_iter().collect::<Vec<_>>())
        })
    });
    let label_of = move |key: &'static str| -> String {
        match key {
            "grade" => t_string!(i18n, customers.grade),
            "owner" => t_string!(i18n, customers.owner),
            _ => t_string!(i18n, customers.tag),
        }
        .to_string()
    };
    let plain_select = move |key: &'static str, value: RwSignal<String>, options: Signal<Vec<(String, String)>>| {
        view! {
            <label class="field">
                <span class="field-label">{move || label_of(key)}</span>
                <select name=format!("filter-{key}") on:change=move |ev| value.set(event_target_value(&ev)) prop:value=move || value.get()>
                    <option value="">{t!(i18n, customers.any)}</option>
                    <For each=move || options.get() key=|(v, _)| v.clone() let:pair>
                        <option value=pair.0.clone() selected={let v = pair.0.clone(); move || value.get() == v}>{pair.1}</option>
                    </For>
                </select>
            </label>
        }
    };
    let grades = Signal::derive(|| Grade::ALL.iter().map(|g| (g.code().to_string(), g.code().to_string())).collect());
    let owners = Signal::derive(move || choices.get().0);
    let tags = Signal::derive(move || choices.get().1.into_iter().map(|t| (t.clone(), t)).collect());
    view! {
        <div class="filter-bar">
            <button type="button" class="button button-small" data-testid="filters-toggle" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {t!(i18n, customers.filters)}
                <Show when=move || { filters.active() > 0 }>
                    <span class="sync-count" data-testid="filters-active">{move || filters.active()}</span>
                </Show>
            </button>
            <label class="sort">
                <span class="visually-hidden">{t!(i18n, customers.sort)}</span>
                <select name="sort" data-testid="sort" on:change=move |ev| filters.sort.set(event_target_value(&ev))>
                    <option value="name" selected=move || filters.sort.get() == "name">{t!(i18n, customers.sort_name)}</option>
                    <option value="grade" selected=move || filters.sort.get() == "grade">{t!(i18n, customers.sort_grade)}</option>
                    <option value="credit" selected=move || filters.sort.get() == "credit">{t!(i18n, customers.sort_credit)}</option>
                </select>
            </label>
        </div>
        <Show when=move || open.get()>
            <div class="filters form-grid" data-testid="filters">
                <label class="field">
                    <span class="field-label">{t!(i18n, customers.region)}</span>
                    <OptionSelect name="filter-region" list=List::Region value=filters.region empty=true retired=true />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, customers.industry)}</span>
                    <OptionSelect name="filter-industry" list=List::Industry value=filters.industry empty=true retired=true />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, customers.size)}</span>
                    <OptionSelect name="filter-size" list=List::Size value=filters.size empty=true retired=true />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, customers.business_type)}</span>
                    <OptionSelect name="filter-business-type" list=List::BusinessType value=filters.business_type empty=true retired=true />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, customers.source)}</span>
                    <OptionSelect name="filter-source" list=List::Source value=filters.source empty=true retired=true />
                </label>
                {plain_select("grade", filters.grade, grades)}
                {plain_select("owner", filters.owner, owners)}
                {plain_select("tag", filters.tag, tags)}
                <label class="field field-check">
                    <input type="checkbox" name="hot-only" prop:checked=move || filters.hot_only.get()
                        on:change=move |ev| filters.hot_only.set(event_target_checked(&ev)) />
                    <span>{t!(i18n, customers.hot_only)}</span>
                </label>
                <div class="actions">
                    <button type="button" class="button button-small" on:click=move |_| filters.clear()>{t!(i18n, customers.clear_filters)}</button>
                </div>
            </div>
        </Show>
    }
}
