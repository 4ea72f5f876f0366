//! 客户: the customers in the device's replica, a new-customer form, and one customer's card
//! (profile, edit, opportunities with their stage) beside the list (on a phone, instead of it).
//! Everything reads the replica and every change is a sync mutation, so this screen works the
//! same offline. Contacts and history are fetched online until issue 5 brings them into the
//! replica.

use super::labels::{business_type_label, error_text, industry_label, region_label, rejection_text, size_label, stage_label};
use super::sync::{new_id, use_sync};
use crate::domain::catalog::{BusinessType, CompanySize, Industry, Region, Stage};
use crate::domain::customer::{CustomerDetail, CustomerView};
use crate::domain::sync::{CustomerField, NewCustomer, Op};
use crate::domain::Money;
use crate::i18n::{t, t_string, use_i18n, Locale};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;

type I18n = leptos_i18n::I18nContext<Locale>;

/// At most this many rows are drawn; the count says how many match.
const SHOWN: usize = 200;

#[component]
pub fn Customers() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let query = RwSignal::new(String::new());
    let selected = RwSignal::new(None::<String>);
    let creating = RwSignal::new(false);
    // The rows to draw and the number of matches, recomputed from the replica.
    let matches = Memo::new(move |_| {
        let q = query.get().trim().to_lowercase();
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let mut found: Vec<&CustomerView> = r
                .customers()
                .filter(|c| {
                    q.is_empty()
                        || c.name.to_lowercase().contains(&q)
                        || c.name_en.as_deref().is_some_and(|n| n.to_lowercase().contains(&q))
                        || c.city.to_lowercase().contains(&q)
                        || c.owner_name.to_lowercase().contains(&q)
                })
                .collect();
            let total = found.len();
            let by_name = |a: &&CustomerView, b: &&CustomerView| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id));
            if found.len() > SHOWN {
                found.select_nth_unstable_by(SHOWN, by_name);
                found.truncate(SHOWN);
            }
            found.sort_unstable_by(by_name);
            Some((found.into_iter().cloned().collect::<Vec<_>>(), total))
        })
    });
    let shown = move || matches.get().map(|(rows, _)| rows).unwrap_or_default();
    let total = move || matches.get().map_or(0, |(_, n)| n);
    let on_created = Callback::new(move |id: String| {
        creating.set(false);
        query.set(String::new());
        selected.set(Some(id));
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
                <input type="search" class="search" name="customer-search" maxlength="100"
                    placeholder=move || t_string!(i18n, customers.search).to_string()
                    aria-label=move || t_string!(i18n, customers.search).to_string()
                    bind:value=query />
                <Show when=move || matches.get().is_some() fallback=move || view! {
                    <p class="hint" data-testid="customers-loading">{t!(i18n, customers.loading)}</p>
                }>
                    <p class="hint" data-testid="customer-count">
                        {t!(i18n, customers.count, shown = move || total().min(SHOWN).to_string(), total = move || total().to_string())}
                    </p>
                    <ul class="list" data-testid="customer-list">
                        <For each=shown key=|c| (c.id.clone(), c.version, c.name.clone(), c.city.clone()) let:c>
                            {
                                let id = c.id.clone();
                                let current = { let id = id.clone(); move || selected.get().as_deref() == Some(id.as_str()) };
                                view! {
                                    <li>
                                        <button type="button" class="list-item" data-customer=id.clone()
                                            aria-current=move || if current() { "true" } else { "false" }
                                            on:click=move |_| { creating.set(false); selected.set(Some(id.clone())) }>
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
                {move || match (creating.get(), selected.get()) {
                    (true, _) => EitherOf3::A(view! { <NewCustomerForm on_created on_cancel=Callback::new(move |_| creating.set(false)) /> }),
                    (false, Some(id)) => EitherOf3::B(view! { <CustomerCard id selected /> }),
                    (false, None) => EitherOf3::C(view! { <div class="empty-state"><p>{t!(i18n, customers.detail_empty)}</p></div> }),
                }}
            </div>
        </section>
    }
}

/// A `<select>` over a catalogue, showing translated labels and keeping the chosen code.
fn code_select<T: Copy + Send + Sync + PartialEq + 'static>(
    name: &'static str,
    all: &'static [T],
    code: fn(T) -> &'static str,
    label: fn(I18n, T) -> String,
    value: RwSignal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <select name=name on:change=move |ev| value.set(event_target_value(&ev))>
            {all.iter().map(|&item| {
                let c = code(item);
                view! { <option value=c selected=move || value.get() == c>{move || label(i18n, item)}</option> }
            }).collect_view()}
        </select>
    }
}

#[component]
fn NewCustomerForm(on_created: Callback<String>, on_cancel: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new("company".to_string());
    let region = RwSignal::new(Region::EastChina.code().to_string());
    let city = RwSignal::new(String::new());
    let industry = RwSignal::new(Industry::Manufacturing.code().to_string());
    let size = RwSignal::new(CompanySize::Small.code().to_string());
    let business_type = RwSignal::new(BusinessType::EndUser.code().to_string());
    let phone = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(region), Some(industry), Some(size), Some(business_type)) = (
            Region::from_code(&region.get_untracked()),
            Industry::from_code(&industry.get_untracked()),
            CompanySize::from_code(&size.get_untracked()),
            BusinessType::from_code(&business_type.get_untracked()),
        ) else {
            error.set(Some(error_text(i18n, "unknown_code")));
            return;
        };
        let phone = phone.get_untracked().trim().to_string();
        let customer = NewCustomer {
            id: new_id(),
            name: name.get_untracked().trim().to_string(),
            kind: kind.get_untracked(),
            region,
            city: city.get_untracked().trim().to_string(),
            industry,
            size,
            business_type,
            phone: (!phone.is_empty()).then_some(phone),
            details: Default::default(),
        };
        let id = customer.id.clone();
        match sync.mutate(Op::CreateCustomer(customer)) {
            Ok(()) => on_created.run(id),
            Err(r) => error.set(Some(rejection_text(i18n, &r))),
        }
    };
    view! {
        <form class="customer-form" data-testid="customer-form" on:submit=submit novalidate>
            <h2 class="page-title">{t!(i18n, customers.new)}</h2>
            <label class="field">
                <span class="field-label">{t!(i18n, customers.name)}</span>
                <input name="name" type="text" maxlength="200" required bind:value=name />
            </label>
            <label class="field">
                <span class="field-label">{t!(i18n, customers.kind)}</span>
                <select name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="company" selected=move || kind.get() == "company">{t!(i18n, customers.company)}</option>
                    <option value="individual" selected=move || kind.get() == "individual">{t!(i18n, customers.individual)}</option>
                </select>
            </label>
            <div class="form-grid">
                <label class="field">
                    <span class="field-label">{t!(i18n, customers.region)}</span>
                    {code_select("region", Region::ALL, Region::code, region_label, region)}
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, customers.city)}</span>
                    <input name="city" type="text" maxlength="200" required bind:value=city />
                </label>
            </div>
            <CustomerFields industry size business_type phone />
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button type="submit" class="button button-primary" data-testid="save-customer">{t!(i18n, customers.save)}</button>
                <button type="button" class="button" on:click=move |_| on_cancel.run(())>{t!(i18n, customers.cancel)}</button>
            </div>
        </form>
    }
}

/// The classification fields and the phone, shared by the new and edit forms.
#[component]
fn CustomerFields(industry: RwSignal<String>, size: RwSignal<String>, business_type: RwSignal<String>, phone: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="form-grid">
            <label class="field">
                <span class="field-label">{t!(i18n, customers.industry)}</span>
                {code_select("industry", Industry::ALL, Industry::code, industry_label, industry)}
            </label>
            <label class="field">
                <span class="field-label">{t!(i18n, customers.size)}</span>
                {code_select("size", CompanySize::ALL, CompanySize::code, size_label, size)}
            </label>
            <label class="field">
                <span class="field-label">{t!(i18n, customers.business_type)}</span>
                {code_select("business-type", BusinessType::ALL, BusinessType::code, business_type_label, business_type)}
            </label>
            <label class="field">
                <span class="field-label">{t!(i18n, customers.phone)}</span>
                <input name="phone" type="tel" inputmode="tel" maxlength="32" bind:value=phone />
            </label>
        </div>
    }
}

/// One customer from the replica: profile (editable by those who may), opportunities with a
/// stage picker, contacts and history (online).
#[component]
fn CustomerCard(id: String, selected: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let me = expect_context::<super::session::CurrentUser>();
    let sees_history = me.0.get_untracked().is_some_and(|m| m.role.sees_history());
    let editing = RwSignal::new(false);
    let customer = {
        let id = id.clone();
        Memo::new(move |_| sync.replica.with(|r| r.as_ref().and_then(|r| r.customer(&id).cloned())))
    };
    let industry = move |code: String| Industry::from_code(&code).map(|x| industry_label(i18n, x)).unwrap_or(code);
    let size = move |code: String| CompanySize::from_code(&code).map(|x| size_label(i18n, x)).unwrap_or(code);
    let business = move |code: String| BusinessType::from_code(&code).map(|x| business_type_label(i18n, x)).unwrap_or(code);
    let region = move |code: String| Region::from_code(&code).map(|x| region_label(i18n, x)).unwrap_or(code);
    view! {
        <div class="customer-card" data-testid="customer-detail">
            <button type="button" class="button back-button" on:click=move |_| selected.set(None)>{t!(i18n, customers.back)}</button>
            {move || match customer.get() {
                None => Either::Left(view! { <p class="hint">{t!(i18n, errors.not_found)}</p> }),
                Some(c) if editing.get() => Either::Right(Either::Left(view! { <EditCustomer customer=c editing /> })),
                Some(c) => Either::Right(Either::Right(view! {
                    <div class="page-head">
                        <h2 class="page-title" data-testid="customer-name">{c.name.clone()}</h2>
                        <button type="button" class="button button-small" data-testid="edit-customer" on:click=move |_| editing.set(true)>
                            {t!(i18n, customers.edit)}
                        </button>
                    </div>
                    <dl class="facts">
                        <dt>{t!(i18n, customers.owner)}</dt><dd>{c.owner_name.clone()}</dd>
                        <dt>{t!(i18n, customers.region)}</dt><dd>{region(c.region.clone())}</dd>
                        <dt>{t!(i18n, customers.city)}</dt><dd data-testid="customer-city">{c.city.clone()}</dd>
                        <dt>{t!(i18n, customers.industry)}</dt><dd>{industry(c.industry.clone())}</dd>
                        <dt>{t!(i18n, customers.size)}</dt><dd>{size(c.size.clone())}</dd>
                        <dt>{t!(i18n, customers.business_type)}</dt><dd>{business(c.business_type.clone())}</dd>
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
                        <super::pages::History id=c.id.clone() />
                    </Show>
                })),
            }}
            <Deals customer_id=id.clone() />
            <Contacts id />
        </div>
    }
}

fn phone_view(phone: Option<String>) -> impl IntoView {
    match phone {
        Some(p) if !p.contains('*') => EitherOf3::A(view! { <a href=format!("tel:{p}") data-testid="phone">{p.clone()}</a> }),
        Some(p) => EitherOf3::B(view! { <span data-testid="phone" class="masked">{p}</span> }),
        None => EitherOf3::C(view! { <span class="hint">"—"</span> }),
    }
}

#[component]
fn EditCustomer(customer: CustomerView, editing: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let name = RwSignal::new(customer.name.clone());
    let city = RwSignal::new(customer.city.clone());
    let industry = RwSignal::new(customer.industry.clone());
    let size = RwSignal::new(customer.size.clone());
    let business_type = RwSignal::new(customer.business_type.clone());
    // A masked phone is not the user's to change (only its owner sees it whole).
    let phone_editable = !customer.phone.as_deref().is_some_and(|p| p.contains('*'));
    let phone = RwSignal::new(customer.phone.clone().unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let id = customer.id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut changes = vec![
            (CustomerField::Name, name.get_untracked()),
            (CustomerField::City, city.get_untracked()),
            (CustomerField::Industry, industry.get_untracked()),
            (CustomerField::Size, size.get_untracked()),
            (CustomerField::BusinessType, business_type.get_untracked()),
        ];
        if phone_editable {
            changes.push((CustomerField::Phone, phone.get_untracked()));
        }
        let op = sync.replica.with_untracked(|r| r.as_ref().and_then(|r| r.customer_edit(&id, &changes)));
        match op.map(|op| sync.mutate(op)) {
            None | Some(Ok(())) => editing.set(false),
            Some(Err(r)) => error.set(Some(rejection_text(i18n, &r))),
        }
    };
    view! {
        <form class="customer-form" data-testid="edit-form" on:submit=submit novalidate>
            <label class="field">
                <span class="field-label">{t!(i18n, customers.name)}</span>
                <input name="name" type="text" maxlength="200" bind:value=name />
            </label>
            <label class="field">
                <span class="field-label">{t!(i18n, customers.city)}</span>
                <input name="city" type="text" maxlength="200" bind:value=city />
            </label>
            <CustomerFields industry size business_type phone />
            <p class="form-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button type="submit" class="button button-primary" data-testid="save-customer">{t!(i18n, customers.save)}</button>
                <button type="button" class="button" on:click=move |_| editing.set(false)>{t!(i18n, customers.cancel)}</button>
            </div>
        </form>
    }
}

/// The customer's opportunities; picking a stage moves the deal (a sync mutation).
#[component]
fn Deals(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let error = RwSignal::new(None::<String>);
    let deals = Memo::new(move |_| {
        sync.replica.with(|r| {
            let mut list: Vec<_> = r.as_ref().map(|r| r.opportunities_of(&customer_id).into_iter().cloned().collect()).unwrap_or_default();
            list.sort_by(|a: &crate::domain::sync::OpportunityView, b| a.expected_close.cmp(&b.expected_close).then_with(|| a.id.cmp(&b.id)));
            list
        })
    });
    view! {
        <h3 class="card-title">{t!(i18n, customers.deals)}</h3>
        <p class="form-error" role="alert">{move || error.get()}</p>
        <Show when=move || !deals.get().is_empty() fallback=move || view! { <p class="hint">{t!(i18n, customers.no_deals)}</p> }>
            <ul class="list deals" data-testid="deals">
                <For each=move || deals.get() key=|o| (o.id.clone(), o.stage) let:o>
                    {
                        let (id, from) = (o.id.clone(), o.stage);
                        let on_change = move |ev| {
                            let Some(to) = Stage::from_code(&event_target_value(&ev)) else { return };
                            if to == from {
                                return;
                            }
                            match sync.mutate(Op::MoveOpportunity { id: id.clone(), from, to }) {
                                Ok(()) => error.set(None),
                                Err(r) => error.set(Some(rejection_text(i18n, &r))),
                            }
                        };
                        view! {
                            <li class="deal" data-deal=o.id.clone() data-stage=o.stage.code()>
                                <span class="list-item-main">
                                    <span class="list-item-title">{o.title.clone()}</span>
                                    <span class="list-item-sub">{format!("{} · {}", Money::from_fen(o.amount_fen).format_yuan(), o.expected_close)}</span>
                                </span>
                                <select name="stage" class="stage-select" aria-label=move || t_string!(i18n, customers.stage).to_string() on:change=on_change>
                                    {Stage::ALL.iter().map(|&s| view! {
                                        <option value=s.code() selected=s == from>{move || stage_label(i18n, s)}</option>
                                    }).collect_view()}
                                </select>
                            </li>
                        }
                    }
                </For>
            </ul>
        </Show>
    }
}

/// Contacts come from the server until issue 5 brings them into the replica.
#[component]
fn Contacts(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let detail = RwSignal::new(None::<Result<CustomerDetail, String>>);
    leptos::task::spawn_local(async move {
        let got = super::api::get::<CustomerDetail>(&format!("/api/customers/{id}")).await;
        detail.set(Some(got.map_err(|e| e.code().to_string())));
    });
    view! {
        <h3 class="card-title">{t!(i18n, customers.contacts)}</h3>
        {move || match detail.get() {
            None => EitherOf3::A(view! { <p class="hint">{t!(i18n, customers.loading)}</p> }),
            Some(Err(_)) => EitherOf3::B(view! { <p class="hint" data-testid="contacts-offline">{t!(i18n, customers.contacts_online)}</p> }),
            Some(Ok(d)) => EitherOf3::C(view! {
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
            }),
        }}
    }
}
