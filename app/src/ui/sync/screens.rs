//! What the user sees of sync: the status chip in the top bar, the sync screen (`/sync`:
//! pending changes, refused ones with their reason, conflicts with one tap to re-apply), and the
//! "update available" banner.

use super::{use_sync, Link, SyncState};
use crate::domain::deal::DealField;
use crate::domain::entity::Entity;
use crate::domain::replica::Replica;
use crate::domain::sync::{ContactField, CustomerField, Field, Op, Rejection};
use crate::i18n::{format_date, t, t_string, use_i18n, Locale};
use crate::ui::labels::{contact_field_label, deal_field_label, deal_value_label, field_label, field_value_label, rejection_text, stage_label};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::A;

type I18n = leptos_i18n::I18nContext<Locale>;

/// Online / offline / syncing, and how many changes wait; opens the sync screen.
#[component]
pub fn StatusChip() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let state = move || match sync.link.get() {
        Link::Idle => "idle",
        Link::Online => "online",
        Link::Syncing => "syncing",
        Link::Offline => "offline",
        Link::SignedOut => "signed-out",
    };
    let label = move || {
        match sync.link.get() {
            Link::Idle => t_string!(i18n, sync.idle),
            Link::Online => t_string!(i18n, sync.online),
            Link::Syncing => t_string!(i18n, sync.syncing),
            Link::Offline => t_string!(i18n, sync.offline),
            Link::SignedOut => t_string!(i18n, sync.signed_out),
        }
        .to_string()
    };
    let pending = move || sync.pending_count();
    view! {
        <A href="/sync" attr:class="sync-chip" attr:data-testid="sync-status" attr:data-state=state attr:data-pending=move || pending().to_string()
            attr:aria-label=move || t_string!(i18n, sync.open).to_string()>
            <span class="sync-dot" aria-hidden="true"></span>
            <span class="sync-label">{label}</span>
            <Show when=move || { pending() > 0 }>
                <span class="sync-count" data-testid="pending-count">{move || pending().to_string()}</span>
            </Show>
        </A>
    }
}

/// One line describing a pending or refused change.
fn describe(i18n: I18n, replica: Option<&Replica>, op: &Op) -> AnyView {
    let gone = || t_string!(i18n, sync.record_gone).to_string();
    match op {
        Op::CreateCustomer(c) => {
            let name = c.name.clone();
            t!(i18n, sync.op_create, name = move || name.clone()).into_any()
        }
        Op::UpdateCustomer { id, edits } => {
            let name = replica.and_then(|r| r.customer(id)).map(|c| c.name.clone()).unwrap_or_else(gone);
            let fields = edits.iter().map(|e| field_label(i18n, e.field)).collect::<Vec<_>>().join("、");
            t!(i18n, sync.op_update, name = move || name.clone(), fields = move || fields.clone()).into_any()
        }
        Op::MoveOpportunity { id, to, .. } => {
            let deal = replica.and_then(|r| r.opportunity(id));
            let title = deal.map(|o| o.title.clone()).unwrap_or_else(gone);
            let stage = replica.map(|r| stage_label(i18n, r.catalog(), deal.map_or("", |o| o.pipeline.as_str()), to)).unwrap_or_else(|| to.clone());
            t!(i18n, sync.op_move, title = move || title.clone(), stage = move || stage.clone()).into_any()
        }
        Op::TickCriterion { id, .. } => {
            let title = replica.and_then(|r| r.opportunity(id)).map(|o| o.title.clone()).unwrap_or_else(gone);
            t!(i18n, sync.op_tick, title = move || title.clone()).into_any()
        }
        Op::CreateContact(c) => {
            let name = c.name.clone();
            t!(i18n, sync.op_contact_create, name = move || name.clone()).into_any()
        }
        Op::UpdateContact { id, edits } => {
            let name = replica.and_then(|r| r.contact(id)).map(|c| c.name.clone()).unwrap_or_else(gone);
            let fields = edits.iter().map(|e| contact_field_label(i18n, e.field)).collect::<Vec<_>>().join("、");
            t!(i18n, sync.op_contact_update, name = move || name.clone(), fields = move || fields.clone()).into_any()
        }
        Op::MergeCustomers { keep, merged } => {
            let name = |id: &str| {
                replica.and_then(|r| r.record(id).map(|x| x.customer.name.clone()).or_else(|| r.customer(id).map(|c| c.name.clone()))).unwrap_or_else(gone)
            };
            let (keep, merged) = (name(keep), name(merged));
            t!(i18n, sync.op_merge, merged = move || merged.clone(), keep = move || keep.clone()).into_any()
        }
        Op::CreateOpportunity(o) => {
            let title = o.title.clone();
            t!(i18n, sync.op_deal_create, title = move || title.clone()).into_any()
        }
        Op::UpdateOpportunity { id, edits } => {
            let title = replica.and_then(|r| r.opportunity(id)).map(|o| o.title.clone()).unwrap_or_else(gone);
            let fields = edits.iter().map(|e| deal_field_label(i18n, e.field)).collect::<Vec<_>>().join("、");
            t!(i18n, sync.op_deal_update, title = move || title.clone(), fields = move || fields.clone()).into_any()
        }
        Op::DeleteContact { id } => {
            let name = replica.and_then(|r| r.contact(id)).map(|c| c.name.clone()).unwrap_or_else(gone);
            t!(i18n, sync.op_contact_delete, name = move || name.clone()).into_any()
        }
        Op::ReassignCustomer { id, to } => {
            let name = replica.and_then(|r| r.customer(id)).map(|c| c.name.clone()).unwrap_or_else(gone);
            let person = replica.and_then(|r| r.catalog().person_name(to).map(str::to_string)).unwrap_or_else(|| to.clone());
            t!(i18n, sync.op_reassign_customer, name = move || name.clone(), person = move || person.clone()).into_any()
        }
        Op::SaveSegment { name, .. } => {
            let name = name.clone();
            t!(i18n, sync.op_segment_save, name = move || name.clone()).into_any()
        }
        Op::DeleteSegment { id } => {
            let name = replica.and_then(|r| r.segment(id).map(|s| s.name.clone())).unwrap_or_else(gone);
            t!(i18n, sync.op_segment_delete, name = move || name.clone()).into_any()
        }
        Op::SavePromotion { draft, .. } => {
            let name = draft.name.trim().to_string();
            t!(i18n, sync.op_promotion_save, name = move || name.clone()).into_any()
        }
        Op::SubmitPromotion { id } => {
            let name = replica.and_then(|r| r.promotion(id).map(|p| p.draft.name.clone())).unwrap_or_else(gone);
            t!(i18n, sync.op_promotion_submit, name = move || name.clone()).into_any()
        }
        Op::DecidePromotion { id, approve: true, .. } => {
            let name = replica.and_then(|r| r.promotion(id).map(|p| p.draft.name.clone())).unwrap_or_else(gone);
            t!(i18n, sync.op_promotion_approve, name = move || name.clone()).into_any()
        }
        Op::DecidePromotion { id, approve: false, .. } => {
            let name = replica.and_then(|r| r.promotion(id).map(|p| p.draft.name.clone())).unwrap_or_else(gone);
            t!(i18n, sync.op_promotion_reject, name = move || name.clone()).into_any()
        }
        Op::AttributeOrder { id, plan } => {
            let order = replica.and_then(|r| r.order(id).map(|o| o.order_no.clone())).unwrap_or_else(gone);
            match plan.as_ref().and_then(|p| replica.and_then(|r| r.promotion(p)).map(|p| p.draft.name.clone())) {
                Some(name) => t!(i18n, sync.op_attribute, order = move || order.clone(), name = move || name.clone()).into_any(),
                None => t!(i18n, sync.op_unattribute, order = move || order.clone()).into_any(),
            }
        }
        Op::DeletePromotion { id } => {
            let name = replica.and_then(|r| r.promotion(id).map(|p| p.draft.name.clone())).unwrap_or_else(gone);
            t!(i18n, sync.op_promotion_delete, name = move || name.clone()).into_any()
        }
        Op::ReassignOpportunity { id, to } => {
            let title = replica.and_then(|r| r.opportunity(id)).map(|o| o.title.clone()).unwrap_or_else(gone);
            let person = replica.and_then(|r| r.catalog().person_name(to).map(str::to_string)).unwrap_or_else(|| to.clone());
            t!(i18n, sync.op_reassign_deal, title = move || title.clone(), person = move || person.clone()).into_any()
        }
    }
}

fn time_text(i18n: I18n, at_ms: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(at_ms / 1000) else { return String::new() };
    #[cfg(feature = "hydrate")]
    let t = match time::UtcOffset::current_local_offset() {
        Ok(offset) => t.to_offset(offset),
        Err(_) => t,
    };
    format!("{} {:02}:{:02}", format_date(i18n.get_locale(), t.date()), t.hour(), t.minute())
}

/// The sync screen is loaded on demand (its own wasm chunk): most visits never open it, and the
/// first download must stay small. Precached by the service worker like every chunk, so it opens
/// offline too.
#[derive(Clone, Copy)]
pub struct SyncRoute;

#[leptos_router::lazy_route]
impl leptos_router::LazyRoute for SyncRoute {
    fn data() -> Self {
        SyncRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <SyncScreen /> }.into_any()
    }
}

/// `/sync`: the state of this device's data.
#[component]
pub fn SyncScreen() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    view! {
        <section class="page" data-page="sync">
            <h1 class="page-title">{t!(i18n, sync.title)}</h1>
            <div class="card">
                <p><StatusChip /></p>
                <p class="hint" data-testid="last-synced">
                    <Show when=move || sync.last_synced.get().is_some() fallback=move || t!(i18n, sync.never_synced)>
                        {t!(i18n, sync.last_synced, time = move || sync.last_synced.get().map(|at| time_text(i18n, at)).unwrap_or_default())}
                    </Show>
                </p>
                <Show when=move || { sync.link.get() == Link::Syncing && sync.received.get() > 0 }>
                    <p class="hint">{t!(i18n, sync.received, count = move || sync.received.get().to_string())}</p>
                </Show>
                <Show when=move || sync.link.get() == Link::SignedOut>
                    <A href="/signin" attr:class="button button-primary">{t!(i18n, sync.sign_in_again)}</A>
                </Show>
                <p class="hint">{t!(i18n, sync.offline_hint)}</p>
                <Show when=move || sync.storage_error.get().is_some()>
                    <p class="form-error" role="alert">{t!(i18n, sync.storage_error, error = move || sync.storage_error.get().unwrap_or_default())}</p>
                </Show>
            </div>
            <PendingList sync />
            <RejectedList sync />
            <ConflictList sync />
        </section>
    }
}

#[component]
fn PendingList(sync: SyncState) -> impl IntoView {
    let i18n = use_i18n();
    let lines = move || {
        sync.replica.with(|r| {
            r.as_ref().map(|rep| rep.pending().iter().map(|m| (m.seq, describe(i18n, Some(rep), &m.op), m.at_ms)).collect::<Vec<_>>()).unwrap_or_default()
        })
    };
    view! {
        <div class="card">
            <h2 class="card-title">{t!(i18n, sync.pending_title)}</h2>
            {move || {
                let lines = lines();
                if lines.is_empty() {
                    Either::Left(view! { <p class="hint">{t!(i18n, sync.pending_empty)}</p> })
                } else {
                    Either::Right(view! {
                        <ul class="list" data-testid="pending-list">
                            {lines.into_iter().map(|(seq, text, at)| view! {
                                <li class="list-row" data-seq=seq.to_string()>
                                    <span class="list-item-main">
                                        <span class="list-item-title">{text}</span>
                                        <span class="list-item-sub">{time_text(i18n, at)}</span>
                                    </span>
                                </li>
                            }).collect_view()}
                        </ul>
                    })
                }
            }}
        </div>
    }
}

#[component]
fn RejectedList(sync: SyncState) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="card">
            <h2 class="card-title">{t!(i18n, sync.rejected_title)}</h2>
            {move || {
                let list = sync.rejected.get();
                if list.is_empty() {
                    return Either::Left(view! { <p class="hint">{t!(i18n, sync.rejected_empty)}</p> });
                }
                Either::Right(view! {
                    <ul class="list" data-testid="rejected-list">
                        {list.into_iter().map(|r| {
                            let seq = r.mutation.seq;
                            let text = sync.replica.with_untracked(|rep| describe(i18n, rep.as_ref(), &r.mutation.op));
                            view! {
                                <li class="list-row">
                                    <span class="list-item-main">
                                        <span class="list-item-title">{text}</span>
                                        <span class="list-item-sub form-error" data-testid="rejection">{rejection_text(i18n, &r.reason)}</span>
                                    </span>
                                    {(r.reason == Rejection::ServerError).then(|| view! {
                                        <button type="button" class="button button-small button-primary" data-testid="retry"
                                            on:click=move |_| { let _ = sync.retry_rejected(seq); }>
                                            {t!(i18n, sync.retry)}
                                        </button>
                                    })}
                                    <button type="button" class="button button-small" on:click=move |_| sync.dismiss_rejected(seq)>
                                        {t!(i18n, sync.dismiss)}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }}
        </div>
    }
}

#[component]
fn ConflictList(sync: SyncState) -> impl IntoView {
    let i18n = use_i18n();
    let failed = RwSignal::new(None::<String>);
    view! {
        <div class="card">
            <h2 class="card-title">{t!(i18n, sync.conflicts_title)}</h2>
            <p class="form-error" role="alert">{move || failed.get()}</p>
            {move || {
                let list = sync.conflicts.get();
                if list.is_empty() {
                    return Either::Left(view! { <p class="hint">{t!(i18n, sync.conflicts_empty)}</p> });
                }
                Either::Right(view! {
                    <ul class="list" data-testid="conflict-list">
                        {list.into_iter().map(|c| {
                            let entity = c.entity.clone();
                            let field = (entity == "customer").then(|| CustomerField::from_column(&c.field)).flatten();
                            let deal_field = (entity == "opportunity").then(|| DealField::from_column(&c.field)).flatten();
                            let name = sync.replica.with_untracked(|r| {
                                let r = r.as_ref()?;
                                match Entity::from_code(&entity)? {
                                    Entity::Contact => r.contact(&c.entity_id).map(|x| x.name.clone()),
                                    Entity::Opportunity => r.opportunity(&c.entity_id).map(|x| x.title.clone()),
                                    Entity::Customer => r.customer(&c.entity_id).map(|x| x.name.clone()),
                                    Entity::Order | Entity::Segment | Entity::Promotion | Entity::Catalog => None,
                                }
                            })
                            .unwrap_or_else(|| t_string!(i18n, sync.record_gone).to_string());
                            let label = match (field, deal_field, ContactField::from_column(&c.field)) {
                                (Some(f), _, _) => field_label(i18n, f),
                                (_, Some(f), _) => deal_field_label(i18n, f),
                                (_, _, Some(f)) if entity == "contact" => contact_field_label(i18n, f),
                                _ => c.field.clone(),
                            };
                            let value = move |v: Option<&str>| sync.replica.with_untracked(|r| {
                                let catalog = r.as_ref().map(|r| r.catalog().clone()).unwrap_or_default();
                                match (field, deal_field) {
                                    (Some(f), _) => field_value_label(i18n, &catalog, f, v),
                                    (_, Some(f)) => deal_value_label(i18n, &catalog, f, v),
                                    _ => v.unwrap_or("—").to_string(),
                                }
                            });
                            let (theirs, current, original) = (value(c.their_value.as_deref()), value(c.current_value.as_deref()), value(c.original_value.as_deref()));
                            let (again, dismiss) = (c.clone(), c.clone());
                            view! {
                                <li class="conflict" data-testid="conflict" data-field=c.field.clone()>
                                    <p class="list-item-title">{format!("{name} · {label}")}</p>
                                    <dl class="facts">
                                        <dt>{t!(i18n, sync.their_value)}</dt><dd data-testid="their-value">{theirs}</dd>
                                        <dt>{t!(i18n, sync.current_value)}</dt><dd data-testid="current-value">{current}</dd>
                                        <dt>{t!(i18n, sync.original_value)}</dt><dd>{original}</dd>
                                    </dl>
                                    <div class="actions">
                                        <button type="button" class="button button-small button-primary" data-testid="reapply"
                                            on:click=move |_| if let Err(r) = sync.resolve_conflict(again.clone(), true) { failed.set(Some(rejection_text(i18n, &r))) }>
                                            {t!(i18n, sync.reapply)}
                                        </button>
                                        <button type="button" class="button button-small" on:click=move |_| { let _ = sync.resolve_conflict(dismiss.clone(), false); }>
                                            {t!(i18n, sync.dismiss)}
                                        </button>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }}
        </div>
    }
}
