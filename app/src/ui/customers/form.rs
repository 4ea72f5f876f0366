//! The customer form, for a new customer and for editing one. Every field is checked by the
//! shared rules (`Field::check`) before anything is queued, each error under its field; a new
//! customer is first compared with the replica ([`Replica::likely_duplicates`]) and the likely
//! duplicates are shown until the user opens one or confirms it is not one of them.
//!
//! [`Replica::likely_duplicates`]: crate::domain::replica::Replica::likely_duplicates

use super::fields::{CodeSelect, Errors, OptionSelect, TextField};
use crate::domain::catalog::{List, Satisfaction};
use crate::domain::customer::CustomerView;
use crate::domain::dedupe::{DuplicateReason, Probe};
use crate::domain::replica::field_value;
use crate::domain::sync::{CustomerField, Field, NewCustomer, Op};
use crate::domain::Money;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::labels::{error_text, rejection_text, satisfaction_label};
use crate::ui::sync::{new_id, use_catalog, use_sync};
use leptos::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// A likely duplicate as shown: id, name, owner, why.
type Duplicate = (String, String, String, Vec<DuplicateReason>);

/// `on_done(Some(id))` after saving, `on_done(None)` on cancel.
#[component]
pub fn CustomerForm(existing: Option<CustomerView>, on_done: Callback<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let editing = existing.clone();
    let value = |f: CustomerField| {
        let v = existing.as_ref().and_then(|c| field_value(c, f)).unwrap_or_default();
        // The credit limit is typed in yuan.
        let v = if f == CustomerField::CreditLimit { v.parse::<i64>().map(|fen| Money::from_fen(fen).to_plain()).unwrap_or(v) } else { v };
        RwSignal::new(v)
    };
    let name = value(CustomerField::Name);
    let city = value(CustomerField::City);
    // A new customer starts on each list's first option (the admin puts the usual one first).
    let catalog = use_catalog();
    let first = move |list: List| catalog.with_untracked(|c| c.active(list).next().map(|o| o.code.clone())).unwrap_or_default();
    let industry = RwSignal::new(existing.as_ref().map_or_else(|| first(List::Industry), |c| c.industry.clone()));
    let size = RwSignal::new(existing.as_ref().map_or_else(|| first(List::Size), |c| c.size.clone()));
    let business_type = RwSignal::new(existing.as_ref().map_or_else(|| first(List::BusinessType), |c| c.business_type.clone()));
    let phone = value(CustomerField::Phone);
    let short_name = value(CustomerField::ShortName);
    let address = value(CustomerField::Address);
    let source = value(CustomerField::Source);
    let tags = value(CustomerField::Tags);
    let since = value(CustomerField::CooperationSince);
    let credit_limit = value(CustomerField::CreditLimit);
    let satisfaction = value(CustomerField::Satisfaction);
    let credit_code = value(CustomerField::CreditCode);
    let kind = RwSignal::new("company".to_string());
    let region = RwSignal::new(first(List::Region));
    // A masked phone is not the user's to change (only its owner sees it whole).
    let phone_editable = !existing.as_ref().and_then(|c| c.phone.as_deref()).is_some_and(|p| p.contains('*'));
    let more = RwSignal::new(existing.is_some());
    let errors: Errors = RwSignal::new(HashMap::new());
    let failed = RwSignal::new(None::<String>);
    let duplicates = RwSignal::new(None::<Vec<Duplicate>>);
    let is_new = existing.is_none();

    let save = move |confirmed: bool| {
        let mut typed: Vec<(CustomerField, String)> = vec![
            (CustomerField::Name, name.get_untracked()),
            (CustomerField::City, city.get_untracked()),
            (CustomerField::Industry, industry.get_untracked()),
            (CustomerField::Size, size.get_untracked()),
            (CustomerField::BusinessType, business_type.get_untracked()),
            (CustomerField::ShortName, short_name.get_untracked()),
            (CustomerField::Address, address.get_untracked()),
            (CustomerField::Source, source.get_untracked()),
            (CustomerField::Tags, tags.get_untracked()),
            (CustomerField::CooperationSince, since.get_untracked()),
            (CustomerField::Satisfaction, satisfaction.get_untracked()),
            (CustomerField::CreditCode, credit_code.get_untracked()),
        ];
        if phone_editable {
            typed.push((CustomerField::Phone, phone.get_untracked()));
        }
        let mut found = HashMap::new();
        // The credit limit is typed in yuan and travels in fen.
        let yuan = credit_limit.get_untracked();
        match yuan.trim() {
            "" => typed.push((CustomerField::CreditLimit, String::new())),
            y => match Money::parse(y) {
                Ok(m) => typed.push((CustomerField::CreditLimit, m.fen().to_string())),
                Err(_) => {
                    found.insert(CustomerField::CreditLimit.column(), error_text(i18n, "invalid_amount"));
                }
            },
        }
        for (field, text) in &typed {
            if let Err(crate::domain::sync::Rejection::Invalid { code }) = field.check(field.canonical(text).as_deref()) {
                found.insert(field.column(), error_text(i18n, &code));
            }
        }
        let has_errors = !found.is_empty();
        // An error among the folded fields unfolds them.
        if found.keys().any(|c| !["name", "city", "phone"].contains(c)) {
            more.set(true);
        }
        errors.set(found);
        if has_errors {
            return;
        }
        let canonical: BTreeMap<CustomerField, Option<String>> = typed.iter().map(|(f, t)| (*f, f.canonical(t))).collect();
        let op = match &editing {
            Some(c) => sync.replica.with_untracked(|r| r.as_ref().and_then(|r| r.customer_edit(&c.id, &typed))),
            None => {
                if !confirmed {
                    let probe = Probe::new(
                        canonical[&CustomerField::Name].as_deref().unwrap_or(""),
                        canonical.get(&CustomerField::Phone).cloned().flatten().as_deref(),
                        None,
                        canonical[&CustomerField::CreditCode].as_deref(),
                    );
                    let dups: Vec<Duplicate> = sync.replica.with_untracked(|r| {
                        r.as_ref()
                            .map(|r| {
                                r.likely_duplicates(&probe, None, 5)
                                    .into_iter()
                                    .filter_map(|(id, why)| r.customer(&id).map(|c| (id, c.name.clone(), c.owner_name.clone(), why)))
                                    .collect()
                            })
                            .unwrap_or_default()
                    });
                    if !dups.is_empty() {
                        duplicates.set(Some(dups));
                        return;
                    }
                }
                // (A list that was empty when the form opened is filled in by now: the select
                // shows its first option, so that is what is meant.)
                let pick = |value: RwSignal<String>, list: List| Some(value.get_untracked()).filter(|v| !v.is_empty()).unwrap_or_else(|| first(list));
                let (region, industry, size, business_type) =
                    (pick(region, List::Region), pick(industry, List::Industry), pick(size, List::Size), pick(business_type, List::BusinessType));
                let details = canonical.iter().filter(|(f, _)| !CustomerField::BASIC.contains(f)).filter_map(|(f, v)| v.clone().map(|v| (*f, v))).collect();
                Some(Op::CreateCustomer(NewCustomer {
                    id: new_id(),
                    name: canonical[&CustomerField::Name].clone().unwrap_or_default(),
                    kind: kind.get_untracked(),
                    region,
                    city: canonical[&CustomerField::City].clone().unwrap_or_default(),
                    industry,
                    size,
                    business_type,
                    phone: canonical.get(&CustomerField::Phone).cloned().flatten(),
                    details,
                }))
            }
        };
        let id = match &op {
            Some(Op::CreateCustomer(c)) => c.id.clone(),
            _ => editing.as_ref().map(|c| c.id.clone()).unwrap_or_default(),
        };
        match op.map(|op| sync.mutate(op)) {
            None | Some(Ok(())) => on_done.run(Some(id)),
            Some(Err(r)) => failed.set(Some(rejection_text(i18n, &r))),
        }
    };
    let save_first = save.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save_first(false);
    };
    let label = move |f: CustomerField| Signal::derive(move || crate::ui::labels::field_label(i18n, f));
    view! {
        <form class="customer-form" data-testid=if is_new { "customer-form" } else { "edit-form" } on:submit=submit novalidate>
            <h2 class="page-title">{move || if is_new { t_string!(i18n, customers.new) } else { t_string!(i18n, customers.edit) }}</h2>
            <TextField label=label(CustomerField::Name) column="name" value=name errors />
            <Show when=move || is_new>
                <div class="form-grid">
                    <label class="field">
                        <span class="field-label">{t!(i18n, customers.kind)}</span>
                        <select name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                            <option value="company" selected=move || kind.get() == "company">{t!(i18n, customers.company)}</option>
                            <option value="individual" selected=move || kind.get() == "individual">{t!(i18n, customers.individual)}</option>
                        </select>
                    </label>
                    <label class="field">
                        <span class="field-label">{t!(i18n, customers.region)}</span>
                        <OptionSelect name="region" list=List::Region value=region />
                    </label>
                </div>
            </Show>
            <div class="form-grid">
                <TextField label=label(CustomerField::City) column="city" value=city errors />
                <Show when=move || phone_editable>
                    <TextField label=label(CustomerField::Phone) column="phone" value=phone errors kind="tel" inputmode="tel" maxlength=32 />
                </Show>
                <label class="field">
                    <span class="field-label">{t!(i18n, customers.industry)}</span>
                    <OptionSelect name="industry" list=List::Industry value=industry />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, customers.size)}</span>
                    <OptionSelect name="size" list=List::Size value=size />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, customers.business_type)}</span>
                    <OptionSelect name="business-type" list=List::BusinessType value=business_type />
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, customers.source)}</span>
                    <OptionSelect name="source" list=List::Source value=source not_set=true />
                </label>
            </div>
            <button type="button" class="button button-small disclosure" data-testid="more-fields" aria-expanded=move || more.get().to_string()
                on:click=move |_| more.update(|m| *m = !*m)>
                {t!(i18n, customers.more_fields)}
            </button>
            <Show when=move || more.get()>
                <div class="form-grid">
                    <TextField label=label(CustomerField::ShortName) column="short_name" value=short_name errors maxlength=50 />
                    <TextField label=label(CustomerField::CreditCode) column="credit_code" value=credit_code errors maxlength=24 />
                    <TextField label=label(CustomerField::Address) column="address" value=address errors />
                    <TextField label=label(CustomerField::Tags) column="tags" value=tags errors
                        hint=Signal::derive(move || t_string!(i18n, customers.tags_hint).to_string()) />
                    <TextField label=label(CustomerField::CooperationSince) column="cooperation_since" value=since errors kind="date" />
                    <TextField label=label(CustomerField::CreditLimit) column="credit_limit_fen" value=credit_limit errors inputmode="decimal" maxlength=20 />
                    <label class="field">
                        <span class="field-label">{t!(i18n, customers.satisfaction)}</span>
                        <CodeSelect name="satisfaction" all=Satisfaction::ALL code=Satisfaction::code label=satisfaction_label value=satisfaction not_set=true />
                    </label>
                </div>
            </Show>
            {move || duplicates.get().map(|dups| {
                let save = save.clone();
                view! {
                    <div class="duplicates" role="alert" data-testid="duplicates">
                        <h3 class="card-title">{t!(i18n, customers.dup_title)}</h3>
                        <p class="hint">{t!(i18n, customers.dup_hint)}</p>
                        <ul class="list">
                            {dups.into_iter().map(|(id, name, owner, why)| {
                                let reasons = why.iter().map(|r| reason_text(i18n, *r)).collect::<Vec<_>>().join("、");
                                view! {
                                    <li class="list-row" data-testid="duplicate" data-customer=id.clone()>
                                        <span class="list-item-main">
                                            <span class="list-item-title">{name}</span>
                                            <span class="list-item-sub">{format!("{owner} · {reasons}")}</span>
                                        </span>
                                        <a class="button button-small" href=format!("/customers?c={id}")>{t!(i18n, customers.open_existing)}</a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <button type="button" class="button" data-testid="save-anyway" on:click=move |_| save(true)>{t!(i18n, customers.save_anyway)}</button>
                    </div>
                }
            })}
            <p class="form-error" role="alert">{move || failed.get()}</p>
            <div class="actions">
                <button type="submit" class="button button-primary" data-testid="save-customer">{t!(i18n, customers.save)}</button>
                <button type="button" class="button" on:click=move |_| on_done.run(None)>{t!(i18n, customers.cancel)}</button>
            </div>
        </form>
    }
}

fn reason_text(i18n: super::I18n, r: DuplicateReason) -> String {
    match r {
        DuplicateReason::CreditCode => t_string!(i18n, customers.dup_credit_code),
        DuplicateReason::Phone => t_string!(i18n, customers.dup_phone),
        DuplicateReason::Email => t_string!(i18n, customers.dup_email),
        DuplicateReason::Name => t_string!(i18n, customers.dup_name),
    }
    .to_string()
}
