//! 合并重复客户: from a customer's 360 view, pick the other record of the same customer (its
//! likely duplicates first, or found by search) and merge it in: one `merge_customers` mutation,
//! shown at once, applied by the server with every related record moved and the merge audited.

use crate::domain::dedupe::Probe;
use crate::domain::replica::CustomerFilter;
use crate::domain::sync::Op;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::labels::rejection_text;
use crate::ui::sync::use_sync;
use leptos::prelude::*;

#[component]
pub fn MergePanel(keep: String) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let open = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let confirming = RwSignal::new(None::<String>);
    let failed = RwSignal::new(None::<String>);
    let keep = StoredValue::new(keep);
    // Likely duplicates first, then what the search finds.
    let candidates = Memo::new(move |_| {
        if !open.get() {
            return Vec::new();
        }
        let q = query.get();
        sync.replica.with(|r| {
            let Some(r) = r.as_ref() else { return Vec::new() };
            let id = keep.get_value();
            let Some(me) = r.customer(&id) else { return Vec::new() };
            let contacts = r.contacts_of(&id);
            let probe = Probe::new(
                &me.name,
                me.phone.iter().chain(contacts.iter().filter_map(|k| k.phone.as_ref())).map(String::as_str),
                contacts.iter().filter_map(|k| k.email.as_deref()),
                me.credit_code.as_deref(),
            );
            let mut ids: Vec<String> = r.likely_duplicates(&probe, Some(&id), 5).into_iter().map(|(id, _)| id).collect();
            if !q.trim().is_empty() {
                ids.extend(r.search(&CustomerFilter { query: q, ..Default::default() }, 8).ids);
            }
            let mut seen = std::collections::HashSet::new();
            ids.into_iter()
                .filter(|c| *c != id && seen.insert(c.clone()))
                .filter_map(|c| r.customer(&c).map(|v| (c, v.name.clone(), format!("{} · {}", v.city, v.owner_name))))
                .take(8)
                .collect::<Vec<_>>()
        })
    });
    let merge = move |merged: String| {
        if confirming.get_untracked().as_deref() != Some(merged.as_str()) {
            confirming.set(Some(merged));
            return;
        }
        match sync.mutate(Op::MergeCustomers { keep: keep.get_value(), merged }) {
            Ok(()) => {
                open.set(false);
                confirming.set(None);
                failed.set(None);
            }
            Err(r) => failed.set(Some(rejection_text(i18n, &r))),
        }
    };
    view! {
        <button type="button" class="button button-small" data-testid="merge-open" aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)>
            {t!(i18n, customers.merge)}
        </button>
        <Show when=move || open.get()>
            <div class="merge-panel" data-testid="merge-panel">
                <p class="hint">{t!(i18n, customers.merge_hint)}</p>
                <input type="search" class="search" name="merge-search" maxlength="100" bind:value=query
                    placeholder=move || t_string!(i18n, customers.merge_search).to_string()
                    aria-label=move || t_string!(i18n, customers.merge_search).to_string() />
                <ul class="list">
                    <For each=move || candidates.get() key=|c| c.0.clone() let:c>
                        {
                            let (id, name, sub) = c;
                            let confirm_name = name.clone();
                            let target = StoredValue::new(id.clone());
                            let pending = move || confirming.with(|c| c.as_deref() == Some(target.get_value().as_str()));
                            view! {
                                <li class="list-row" data-testid="merge-candidate" data-customer=id.clone()>
                                    <span class="list-item-main">
                                        <span class="list-item-title">{name}</span>
                                        <span class="list-item-sub">{sub}</span>
                                    </span>
                                    <button type="button" class="button button-small" class:button-danger=pending
                                        on:click={let id = id.clone(); move |_| merge(id.clone())}>
                                        {move || if pending() {
                                            let n = confirm_name.clone();
                                            t!(i18n, customers.merge_confirm, name = move || n.clone()).into_any()
                                        } else {
                                            t!(i18n, customers.merged).into_any()
                                        }}
                                    </button>
                                </li>
                            }
                        }
                    </For>
                </ul>
                <p class="form-error" role="alert">{move || failed.get()}</p>
            </div>
        </Show>
    }
}
