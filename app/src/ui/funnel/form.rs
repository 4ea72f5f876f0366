//! Creating and editing a deal 商机: customer (new deals only: found by name or pinyin in the
//! replica), pipeline, title, amount, expected close, source, competitors, the value assessment
//! with its live score, the customer's contacts involved with their part, the next step with its
//! date, and the follow-up cadence. Checked field by field with the shared rules
//! (`domain::deal`), saved as one mutation, so it works offline.

use super::FunnelCx;
use crate::domain::catalog::{ContactRole, List};
use crate::domain::deal::{format_contacts, parse_contacts, score_band, value_score, Budget, Competition, DealField, Intent, NewOpportunity};
use crate::domain::replica::CustomerFilter;
use crate::domain::sync::{Field, Op, Rejection};
use crate::domain::Money;
use crate::i18n::{t, t_string};
use crate::ui::customers::fields::{CodeSelect, Errors, OptionSelect, TextField};
use crate::ui::labels::{budget_label, competition_label, contact_role_label, deal_field_label, error_text, intent_label, rejection_text};
use crate::ui::sync::new_id;
use leptos::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// What the deal form is open for.
#[derive(Clone, Debug, PartialEq)]
pub enum Editing {
    /// A new deal, for this customer if one is given (from the customer's 360 view).
    New {
        customer: Option<String>,
    },
    Edit(String),
}

/// Suggestions shown under the customer search.
const SUGGESTIONS: usize = 6;

#[component]
pub fn DealForm() -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    view! {
        <Show when=move || cx.editing.with(Option::is_some)>
            {move || cx.editing.get().map(|editing| view! { <FormBody editing /> })}
        </Show>
    }
}

#[component]
fn FormBody(editing: Editing) -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let sync = cx.sync;
    let existing = match &editing {
        Editing::Edit(id) => sync.replica.with_untracked(|r| r.as_ref().and_then(|r| r.opportunity(id)).cloned()),
        Editing::New { .. } => None,
    };
    let editing_id = existing.as_ref().map(|d| d.id.clone());
    let is_new = existing.is_none();
    let value = |f: DealField| RwSignal::new(existing.as_ref().and_then(|d| crate::domain::deal::deal_value(d, f)).unwrap_or_default());
    let title = value(DealField::Title);
    // Typed in yuan; stored in fen.
    let amount = RwSignal::new(existing.as_ref().map(|d| Money::from_fen(d.amount_fen).to_plain()).unwrap_or_default());
    let close = value(DealField::ExpectedClose);
    let source = value(DealField::Source);
    let competitors = value(DealField::Competitors);
    let intent = value(DealField::Intent);
    let budget = value(DealField::Budget);
    let competition = value(DealField::Competition);
    let next_step = value(DealField::NextStep);
    let next_date = value(DealField::NextStepDate);
    let cadence = value(DealField::Cadence);
    let pipeline = RwSignal::new(existing.as_ref().map(|d| d.pipeline.clone()).or_else(|| cx.pipeline().map(|p| p.code)).unwrap_or_default());
    let customer = RwSignal::new(match (&editing, &existing) {
        (_, Some(d)) => Some(d.customer_id.clone()),
        (Editing::New { customer }, None) => customer.clone(),
        _ => None,
    });
    let roles: RwSignal<BTreeMap<String, String>> = RwSignal::new(
        existing.as_ref().map(|d| parse_contacts(&d.contacts).map(|(id, role)| (id.to_string(), role.code().to_string())).collect()).unwrap_or_default(),
    );
    if is_new {
        // A month ahead, as a start.
        close.set(crate::domain::funnel::format_day(cx.today.get_untracked() + 30));
    }
    // A new deal's source starts as its customer's, and its follow-up cadence as the visit
    // cadence of the customer's grade (the grading rules' strategy).
    Effect::new(move |_| {
        if !is_new {
            return;
        }
        let Some(id) = customer.get() else { return };
        let (src, grade) =
            sync.replica.with_untracked(|r| r.as_ref().and_then(|r| r.customer(&id)).map(|c| (c.source.clone(), c.grade.clone())).unwrap_or_default());
        if let (Some(src), true) = (src, source.with_untracked(String::is_empty)) {
            source.set(src);
        }
        if cadence.with_untracked(String::is_empty) {
            let days = crate::domain::catalog::Grade::from_code(&grade.to_uppercase())
                .and_then(|g| cx.catalog.with_untracked(|k| k.grading.as_ref().map(|rules| rules.strategy(g).visit_days)));
            if let Some(days) = days {
                cadence.set(days.to_string());
            }
        }
    });
    let query = RwSignal::new(String::new());
    let customer_name = move || {
        let id = customer.get()?;
        sync.replica.with(|r| r.as_ref().and_then(|r| r.customer(&id)).map(|c| format!("{} · {}", c.name, c.city)))
    };
    let suggestions = Memo::new(move |_| {
        let q = query.get();
        if q.trim().is_empty() || customer.with(Option::is_some) {
            return Vec::new();
        }
        sync.replica.with(|r| {
            let Some(r) = r.as_ref() else { return Vec::new() };
            let found = r.search(&CustomerFilter { query: q, ..Default::default() }, SUGGESTIONS);
            found.ids.iter().filter_map(|id| r.customer(id)).map(|c| (c.id.clone(), c.name.clone(), c.city.clone())).collect::<Vec<_>>()
        })
    });
    let contacts = Memo::new(move |_| {
        let Some(id) = customer.get() else { return Vec::new() };
        sync.replica.with(|r| {
            r.as_ref()
                .map(|r| r.contacts_of(&id).into_iter().map(|k| (k.id.clone(), k.name.clone(), k.title.clone().unwrap_or_default())).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    let score = move || {
        value_score(
            Some(&intent.get()).filter(|s| !s.is_empty()).map(|s| s.as_str()),
            Some(&budget.get()).filter(|s| !s.is_empty()).map(|s| s.as_str()),
            Some(&competition.get()).filter(|s| !s.is_empty()).map(|s| s.as_str()),
        )
    };
    let errors: Errors = RwSignal::new(HashMap::new());
    let failed = RwSignal::new(None::<String>);
    let close_form = move || cx.editing.set(None);
    let submit = {
        let editing_id = editing_id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let mut found: HashMap<&'static str, String> = HashMap::new();
            let amount_fen = match Money::parse(&amount.get_untracked()) {
                Ok(m) if m.fen() < 0 => {
                    found.insert("amount_fen", error_text(i18n, "amount_negative"));
                    None
                }
                Ok(m) => Some(m.fen()),
                Err(_) => {
                    found.insert("amount_fen", error_text(i18n, "invalid_amount"));
                    None
                }
            };
            // The contacts involved, in the order the customer's contacts are listed.
            let chosen = roles.get_untracked();
            let listed = contacts.get_untracked();
            let involved = format_contacts(listed.iter().filter_map(|(id, _, _)| Some((id.as_str(), ContactRole::from_code(chosen.get(id)?)?))));
            let typed: Vec<(DealField, String)> = vec![
                (DealField::Title, title.get_untracked()),
                (DealField::Amount, amount_fen.map(|f| f.to_string()).unwrap_or_default()),
                (DealField::ExpectedClose, close.get_untracked()),
                (DealField::Source, source.get_untracked()),
                (DealField::Competitors, competitors.get_untracked()),
                (DealField::Intent, intent.get_untracked()),
                (DealField::Budget, budget.get_untracked()),
                (DealField::Competition, competition.get_untracked()),
                (DealField::Contacts, involved),
                (DealField::NextStep, next_step.get_untracked()),
                (DealField::NextStepDate, next_date.get_untracked()),
                (DealField::Cadence, cadence.get_untracked()),
            ];
            for (field, text) in &typed {
                if found.contains_key(field.column()) {
                    continue;
                }
                if let Err(Rejection::Invalid { code }) = field.check(field.canonical(text).as_deref()) {
                    found.insert(field.column(), error_text(i18n, &code));
                }
            }
            let customer_id = customer.get_untracked();
            if customer_id.is_none() {
                found.insert("customer", t_string!(i18n, deal.required_customer).to_string());
            }
            let has_errors = !found.is_empty();
            errors.set(found);
            if has_errors {
                failed.set(None);
                return;
            }
            let canonical = |f: DealField| typed.iter().find(|(x, _)| *x == f).and_then(|(f, t)| f.canonical(t)).unwrap_or_default();
            let (op, id) = match &editing_id {
                Some(id) => (sync.replica.with_untracked(|r| r.as_ref().and_then(|r| r.deal_edit(id, &typed))), id.clone()),
                None => {
                    let id = new_id();
                    let new = NewOpportunity {
                        id: id.clone(),
                        customer_id: customer_id.unwrap_or_default(),
                        pipeline: pipeline.get_untracked(),
                        title: canonical(DealField::Title),
                        amount_fen: amount_fen.unwrap_or_default(),
                        expected_close: canonical(DealField::ExpectedClose),
                        source: canonical(DealField::Source),
                        details: typed.iter().filter(|(f, _)| !DealField::BASIC.contains(f)).filter_map(|(f, t)| f.canonical(t).map(|v| (*f, v))).collect(),
                    };
                    (Some(Op::CreateOpportunity(new)), id)
                }
            };
            match op.map(|op| sync.mutate(op)) {
                None | Some(Ok(())) => {
                    cx.editing.set(None);
                    // The new deal's pipeline is shown, and the deal opened.
                    if editing_id.is_none() {
                        cx.pipeline_code.set(pipeline.get_untracked());
                        cx.say(true, t_string!(i18n, deal.created).to_string());
                    }
                    cx.open_deal.set(Some(id));
                }
                Some(Err(r)) => failed.set(Some(rejection_text(i18n, &r))),
            }
        }
    };
    let label = move |f: DealField| Signal::derive(move || deal_field_label(i18n, f));
    let pipelines = move || cx.catalog.with(|c| c.pipelines.iter().map(|p| (p.code.clone(), p.name(cx.english()).to_string())).collect::<Vec<_>>());
    let customer_error = move || errors.with(|e| e.get("customer").cloned());
    let fixed_customer = !is_new || matches!(&editing, Editing::New { customer: Some(_) });
    view! {
        <div class="dialog-backdrop">
            <form class="dialog deal-form" role="dialog" aria-modal="true" data-testid="deal-form" novalidate on:submit=submit
                on:keydown=move |ev| if ev.key() == "Escape" { close_form() }>
                <h2 class="card-title">{move || if is_new { t_string!(i18n, deal.new) } else { t_string!(i18n, deal.edit) }}</h2>
                <div class="field" class:field-invalid=move || customer_error().is_some()>
                    <span class="field-label">{t!(i18n, deal.customer)}</span>
                    {move || match customer_name() {
                        Some(name) => view! {
                            <p class="chosen-customer" data-testid="chosen-customer">
                                <span>{name}</span>
                                <Show when=move || !fixed_customer>
                                    <button type="button" class="button button-small" on:click=move |_| { customer.set(None); roles.set(BTreeMap::new()); }>
                                        {t!(i18n, deal.choose)}
                                    </button>
                                </Show>
                            </p>
                        }.into_any(),
                        None => view! {
                            <input type="search" name="customer-search" autocomplete="off" placeholder=move || t_string!(i18n, deal.customer_search).to_string()
                                prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
                            <ul class="suggestions" data-testid="customer-suggestions">
                                <For each=move || suggestions.get() key=|s| s.0.clone() let((id, name, city))>
                                    <li>
                                        <button type="button" class="suggestion" on:click=move |_| { customer.set(Some(id.clone())); query.set(String::new()); }>
                                            <span>{name}</span><span class="muted">{city}</span>
                                        </button>
                                    </li>
                                </For>
                            </ul>
                        }.into_any(),
                    }}
                    <span class="field-error" data-testid="error-customer">{customer_error}</span>
                </div>
                <div class="form-grid">
                    <Show when=move || is_new>
                        <label class="field">
                            <span class="field-label">{t!(i18n, deal.pipeline)}</span>
                            <select name="deal-pipeline" on:change=move |ev| pipeline.set(event_target_value(&ev))>
                                <For each=pipelines key=|p| p.clone() let((code, name))>
                                    <option value=code.clone() selected=move || pipeline.with(|p| *p == code)>{name}</option>
                                </For>
                            </select>
                        </label>
                    </Show>
                    <TextField label=label(DealField::Title) column="title" value=title errors maxlength=200 />
                    <TextField label=label(DealField::Amount) column="amount_fen" value=amount errors inputmode="decimal" maxlength=20 />
                    <TextField label=label(DealField::ExpectedClose) column="expected_close" value=close errors kind="date" />
                    <label class="field" class:field-invalid=move || errors.with(|e| e.contains_key("source"))>
                        <span class="field-label">{t!(i18n, deal.source)}</span>
                        <OptionSelect name="deal-source" list=List::Source value=source not_set=true />
                        <span class="field-error" data-testid="error-source">{move || errors.with(|e| e.get("source").cloned())}</span>
                    </label>
                    <TextField label=label(DealField::Competitors) column="competitors" value=competitors errors maxlength=250
                        hint=Signal::derive(move || t_string!(i18n, deal.competitors_hint).to_string()) />
                </div>
                <fieldset class="assessment" data-testid="assessment">
                    <legend>{t!(i18n, deal.assessment)}</legend>
                    <div class="form-grid">
                        <label class="field">
                            <span class="field-label">{t!(i18n, deal.intent)}</span>
                            <CodeSelect name="intent" all=Intent::ALL code=Intent::code label=intent_label value=intent not_set=true />
                        </label>
                        <label class="field">
                            <span class="field-label">{t!(i18n, deal.budget)}</span>
                            <CodeSelect name="budget" all=Budget::ALL code=Budget::code label=budget_label value=budget not_set=true />
                        </label>
                        <label class="field">
                            <span class="field-label">{t!(i18n, deal.competition)}</span>
                            <CodeSelect name="competition" all=Competition::ALL code=Competition::code label=competition_label value=competition not_set=true />
                        </label>
                    </div>
                    <p class="score-line" data-testid="form-score" data-score=move || score().map(|s| s.to_string()).unwrap_or_default()>
                        {move || match score() {
                            Some(s) => view! { <ScoreBadge score=s /> }.into_any(),
                            None => view! { <span class="hint">{t!(i18n, deal.score_pending)}</span> }.into_any(),
                        }}
                    </p>
                </fieldset>
                <fieldset class="deal-contacts" data-testid="deal-contacts">
                    <legend>{t!(i18n, deal.contacts)}</legend>
                    <Show when=move || contacts.with(Vec::is_empty) && customer.with(Option::is_some)>
                        <p class="hint">{t!(i18n, deal.contacts_none)}</p>
                    </Show>
                    <For each=move || contacts.get() key=|k| k.0.clone() let((id, name, job))>
                        <ContactRoleRow id name job roles />
                    </For>
                    <span class="field-error">{move || errors.with(|e| e.get("deal_contacts").cloned())}</span>
                </fieldset>
                <div class="form-grid">
                    <TextField label=label(DealField::NextStep) column="next_step" value=next_step errors maxlength=200 />
                    <TextField label=label(DealField::NextStepDate) column="next_step_date" value=next_date errors kind="date" />
                    <TextField label=label(DealField::Cadence) column="cadence_days" value=cadence errors inputmode="numeric" maxlength=3
                        hint=Signal::derive(move || t_string!(i18n, deal.cadence_hint).to_string()) />
                </div>
                <p class="form-error" role="alert" data-testid="deal-form-error">{move || failed.get()}</p>
                <div class="form-actions">
                    <button type="button" class="button" on:click=move |_| close_form()>{t!(i18n, deal.cancel)}</button>
                    <button type="submit" class="button button-primary" data-testid="save-deal">{t!(i18n, deal.save)}</button>
                </div>
            </form>
        </div>
    }
}

/// One contact of the customer, with their part in this deal (or not involved).
#[component]
fn ContactRoleRow(id: String, name: String, job: String, roles: RwSignal<BTreeMap<String, String>>) -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let role = RwSignal::new(roles.with_untracked(|r| r.get(&id).cloned()).unwrap_or_default());
    let key = id.clone();
    Effect::new(move |_| {
        let code = role.get();
        roles.update(|r| {
            if code.is_empty() {
                r.remove(&key);
            } else {
                r.insert(key.clone(), code);
            }
        });
    });
    view! {
        <div class="contact-role" data-contact=id>
            <span class="contact-role-name">{name}<span class="muted">{job}</span></span>
            <select name="contact-role" aria-label=move || t_string!(i18n, deal.contacts).to_string() on:change=move |ev| role.set(event_target_value(&ev))>
                <option value="" selected=move || role.with(String::is_empty)>{t!(i18n, deal.not_involved)}</option>
                {ContactRole::ALL.iter().map(|&r| {
                    let code = r.code();
                    view! { <option value=code selected=move || role.with(|v| v == code)>{move || contact_role_label(i18n, r)}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// A value score with its band, coloured.
#[component]
pub fn ScoreBadge(score: u8) -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let band = score_band(score);
    view! {
        <span class="score-badge" data-band=band data-testid="score">
            <strong>{score}</strong>" "
            {move || match band {
                2 => t_string!(i18n, deal.band_high),
                1 => t_string!(i18n, deal.band_medium),
                _ => t_string!(i18n, deal.band_low),
            }}
        </span>
    }
}
