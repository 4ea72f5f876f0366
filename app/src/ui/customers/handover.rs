//! 转移负责人: a manager hands a customer (with the open deals its owner held) or one deal to
//! another salesperson. One `reassign_*` mutation, shown at once and offline too; the server
//! checks the new owner is someone the manager answers for (refusals show on the sync screen,
//! in words). The old owner's phone drops the customer on its next sync.

use crate::domain::sync::Op;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::labels::rejection_text;
use crate::ui::session::CurrentUser;
use crate::ui::sync::{use_catalog, use_sync};
use leptos::prelude::*;

/// What is handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handed {
    Customer(String),
    Deal(String),
}

/// A "hand over" button for those who answer for customers; opens a picker of salespeople
/// (grouped by team) without the current owner.
#[component]
pub fn HandOver(what: Handed, owner_id: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let catalog = use_catalog();
    let me = expect_context::<CurrentUser>();
    let allowed = me.get().is_some_and(|m| m.role.answers_for_customers());
    let open = RwSignal::new(false);
    let chosen = RwSignal::new(String::new());
    // `Ok(name)`: handed to them; `Err(text)`: why not.
    let message = RwSignal::new(None::<Result<String, String>>);
    let what = StoredValue::new(what);
    // (team name, [(id, name)]) in the catalogue's order; people without a team last.
    let groups = Memo::new(move |_| {
        let owner = owner_id.get();
        let english = i18n.get_locale() == crate::i18n::Locale::en;
        catalog.with(|c| {
            let mut groups: Vec<(String, Vec<(String, String)>)> = c
                .teams
                .iter()
                .map(|t| {
                    (
                        t.name(english).to_string(),
                        c.people
                            .iter()
                            .filter(|p| p.team_id.as_deref() == Some(t.id.as_str()) && p.id != owner)
                            .map(|p| (p.id.clone(), p.name.clone()))
                            .collect(),
                    )
                })
                .collect();
            let loose: Vec<(String, String)> = c
                .people
                .iter()
                .filter(|p| p.id != owner && !c.teams.iter().any(|t| p.team_id.as_deref() == Some(t.id.as_str())))
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect();
            groups.push((t_string!(i18n, handover.no_team).to_string(), loose));
            groups.retain(|g| !g.1.is_empty());
            groups
        })
    });
    let submit = move |_| {
        let to = chosen.get_untracked();
        if to.is_empty() {
            message.set(Some(Err(t_string!(i18n, handover.choose).to_string())));
            return;
        }
        let op = match what.get_value() {
            Handed::Customer(id) => Op::ReassignCustomer { id, to: to.clone() },
            Handed::Deal(id) => Op::ReassignOpportunity { id, to: to.clone() },
        };
        match sync.mutate(op) {
            Ok(()) => {
                let name = catalog.with_untracked(|c| c.person_name(&to).map(str::to_string)).unwrap_or(to);
                message.set(Some(Ok(name)));
                open.set(false);
                chosen.set(String::new());
            }
            Err(r) => message.set(Some(Err(rejection_text(i18n, &r)))),
        }
    };
    let label = move || match what.get_value() {
        Handed::Customer(_) => t_string!(i18n, handover.customer).to_string(),
        Handed::Deal(_) => t_string!(i18n, handover.deal).to_string(),
    };
    view! {
        <Show when=move || allowed>
            <button type="button" class="button button-small" data-testid="handover-open" aria-expanded=move || open.get().to_string()
                on:click=move |_| { message.set(None); open.update(|o| *o = !*o) }>
                {label}
            </button>
            <Show when=move || open.get()>
                <div class="handover-panel" data-testid="handover-panel">
                    <label class="field">
                        <span class="field-label">{t!(i18n, handover.to)}</span>
                        <select name="handover-to" on:change=move |ev| chosen.set(event_target_value(&ev))>
                            <option value="" selected=move || chosen.with(String::is_empty)>{t!(i18n, handover.choose)}</option>
                            <For each=move || groups.get() key=|g| g.clone() let((team, people))>
                                <optgroup label=team>
                                    {people.into_iter().map(|(id, name)| view! { <option value=id.clone() selected=move || chosen.with(|c| *c == id)>{name}</option> }).collect_view()}
                                </optgroup>
                            </For>
                        </select>
                    </label>
                    <p class="hint">{move || match what.get_value() {
                        Handed::Customer(_) => t_string!(i18n, handover.customer_hint).to_string(),
                        Handed::Deal(_) => t_string!(i18n, handover.deal_hint).to_string(),
                    }}</p>
                    <button type="button" class="button button-small button-primary" data-testid="handover-submit" on:click=submit>{t!(i18n, handover.submit)}</button>
                </div>
            </Show>
            {move || message.get().map(|m| match m {
                Ok(name) => view! { <p class="form-ok" role="status" data-testid="handover-message">{t!(i18n, handover.done, name = move || name.clone())}</p> }.into_any(),
                Err(text) => view! { <p class="form-error" role="alert" data-testid="handover-message">{text}</p> }.into_any(),
            })}
        </Show>
    }
}
