//! One deal beside the board (over it on a phone): where it stands, its stage history, the
//! checklists of the stage it is in (exit criteria) and of the next (entry criteria), and the
//! moves: previous / next stage, won, lost (with the reason), reopen.

use super::form::{Editing, ScoreBadge};
use super::{request_move, FunnelCx, I18n};
use crate::domain::board::{days_in_stage, stalled_days};
use crate::domain::catalog::ContactRole;
use crate::domain::catalog::List;
use crate::domain::deal::{follow_up_due, overdue_days, parse_contacts, value_score, Budget, Competition, Intent};
use crate::domain::funnel::UNIX_EPOCH_JULIAN_DAY;
use crate::domain::pipeline::{parse_path, Criterion, PipelineConfig, Place, LOST, WON};
use crate::domain::sync::{Op, OpportunityView};
use crate::domain::Money;
use crate::i18n::{format_date, t, t_string};
use crate::ui::labels::{budget_label, competition_label, contact_role_label, intent_label};
use crate::ui::labels::{option_label, rejection_text, stage_label};
use leptos::prelude::*;
use leptos_router::components::A;

#[derive(Clone, PartialEq)]
struct Shown {
    deal: OpportunityView,
    customer: Option<String>,
    pipeline: Option<PipelineConfig>,
    /// The contacts involved: name and part.
    contacts: Vec<(String, ContactRole)>,
}

#[component]
pub fn DealPanel() -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let shown = Memo::new(move |_| {
        let id = cx.open_deal.get()?;
        Some(cx.sync.replica.with(|r| {
            let r = r.as_ref()?;
            let deal = r.opportunity(&id)?.clone();
            let customer = r.customer(&deal.customer_id).map(|c| c.name.clone());
            let pipeline = r.catalog().pipeline(&deal.pipeline).cloned();
            let contacts = parse_contacts(&deal.contacts).filter_map(|(id, role)| Some((r.contact(id)?.name.clone(), role))).collect();
            Some(Shown { deal, customer, pipeline, contacts })
        }))
    });
    let close = move || cx.open_deal.set(None);
    view! {
        <Show when=move || shown.with(Option::is_some)>
            <aside class="deal-panel" role="dialog" aria-modal="false" data-testid="deal-panel" on:keydown=move |ev| if ev.key() == "Escape" { close() }>
                {move || match shown.get().flatten() {
                    None => view! {
                        <header class="panel-head">
                            <p class="hint">{t!(i18n, funnel.no_deal)}</p>
                            <button type="button" class="button panel-close" on:click=move |_| close()>{t!(i18n, funnel.close)}</button>
                        </header>
                    }.into_any(),
                    Some(s) => view! { <DealBody shown=s /> }.into_any(),
                }}
            </aside>
        </Show>
    }
}

#[component]
fn DealBody(shown: Shown) -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let Shown { deal, customer, pipeline, contacts } = shown;
    let today = cx.today.get_untracked();
    let catalog = cx.catalog;
    let place = pipeline.as_ref().and_then(|p| p.place(&deal.stage));
    let stage_name = {
        let (p, s) = (deal.pipeline.clone(), deal.stage.clone());
        move || catalog.with(|c| stage_label(i18n, c, &p, &s))
    };
    let stalled = pipeline.as_ref().and_then(|p| stalled_days(p, &deal, today));
    // The moves this deal offers, as (label, stage code).
    let mut moves: Vec<(String, String, &'static str)> = Vec::new();
    if let (Some(p), Some(place)) = (&pipeline, place) {
        let name = |i: usize| if cx.english() { p.stages[i].name_en.clone() } else { p.stages[i].name_zh.clone() };
        match place {
            Place::Open(i) => {
                if i > 0 {
                    moves.push((format!("← {}", name(i - 1)), p.stages[i - 1].code.clone(), "prev"));
                }
                if i + 1 < p.stages.len() {
                    moves.push((format!("{} →", name(i + 1)), p.stages[i + 1].code.clone(), "next"));
                }
                moves.push((t_string!(i18n, funnel.won).to_string(), WON.into(), "won"));
                moves.push((t_string!(i18n, funnel.lost).to_string(), LOST.into(), "lost"));
            }
            Place::Lost => {
                // Back to the last open stage it was in.
                let back = parse_path(&deal.path).filter_map(|(code, _)| match p.place(code) {
                    Some(Place::Open(i)) => Some(i),
                    _ => None,
                });
                let back = back.last().unwrap_or(0);
                moves.push((t_string!(i18n, funnel.reopen).to_string(), p.stages[back].code.clone(), "reopen"));
            }
            Place::Won => {}
        }
    }
    // The checklists: this stage's exit criteria, the next one's entry criteria.
    // (exit?, stage name, stage code, items)
    let mut lists: Vec<(bool, String, String, Vec<Criterion>)> = Vec::new();
    if let (Some(p), Some(Place::Open(i))) = (&pipeline, place) {
        let name = |i: usize| if cx.english() { p.stages[i].name_en.clone() } else { p.stages[i].name_zh.clone() };
        if !p.stages[i].exit_criteria.is_empty() {
            lists.push((true, name(i), p.stages[i].code.clone(), p.stages[i].exit_criteria.clone()));
        }
        if let Some(next) = p.stages.get(i + 1).filter(|s| !s.entry_criteria.is_empty()) {
            lists.push((false, name(i + 1), next.code.clone(), next.entry_criteria.clone()));
        }
    }
    let ticked = deal.criteria.clone();
    let id = deal.id.clone();
    let error = RwSignal::new(None::<String>);
    let history: Vec<(String, String)> = parse_path(&deal.path)
        .map(|(code, day)| {
            let label = catalog.with_untracked(|c| stage_label(i18n, c, &deal.pipeline, code));
            let date = time::Date::from_julian_day(day + UNIX_EPOCH_JULIAN_DAY).map(|d| format_date(i18n.get_locale_untracked(), d)).unwrap_or_default();
            (label, date)
        })
        .collect();
    let source = deal.source.clone();
    let score = value_score(deal.intent.as_deref(), deal.budget.as_deref(), deal.competition.as_deref());
    let overdue = overdue_days(&deal, today);
    let due =
        follow_up_due(&deal).and_then(|day| time::Date::from_julian_day(day + UNIX_EPOCH_JULIAN_DAY).ok()).map(|d| format_date(i18n.get_locale_untracked(), d));
    let edit_id = deal.id.clone();
    let owner = deal.owner_id.clone();
    let owner_signal = {
        let owner = owner.clone();
        Signal::derive(move || owner.clone())
    };
    let handed = crate::ui::customers::handover::Handed::Deal(deal.id.clone());
    let assessment = {
        let label = |code: &Option<String>, f: fn(I18n, &str) -> Option<String>| code.as_deref().and_then(|c| f(i18n, c)).unwrap_or_else(|| "—".into());
        format!(
            "{} · {} · {}",
            label(&deal.intent, |i, c| Intent::from_code(c).map(|v| intent_label(i, v))),
            label(&deal.budget, |i, c| Budget::from_code(c).map(|v| budget_label(i, v))),
            label(&deal.competition, |i, c| Competition::from_code(c).map(|v| competition_label(i, v))),
        )
    };
    let assessed = deal.intent.is_some() || deal.budget.is_some() || deal.competition.is_some();
    view! {
        <header class="panel-head">
            <h2 class="panel-title" data-testid="deal-title">{deal.title.clone()}</h2>
            <button type="button" class="button button-small" data-testid="edit-deal" on:click=move |_| cx.editing.set(Some(Editing::Edit(edit_id.clone())))>
                {t!(i18n, deal.edit_button)}
            </button>
            <button type="button" class="button panel-close" on:click=move |_| cx.open_deal.set(None)>{t!(i18n, funnel.close)}</button>
        </header>
        <div class="actions panel-actions">
            <crate::ui::customers::handover::HandOver what=handed owner_id=owner_signal />
        </div>
        <dl class="facts">
            <dt>{t!(i18n, funnel.customer)}</dt>
            <dd>{customer.map(|name| view! { <A href=format!("/customers?c={}", deal.customer_id)>{name}</A> })}</dd>
            <dt>{t!(i18n, funnel.amount)}</dt>
            <dd>{Money::from_fen(deal.amount_fen).format_yuan()}</dd>
            <dt>{t!(i18n, funnel.expected_close)}</dt>
            <dd>{deal.expected_close.clone()}</dd>
            <dt>{t!(i18n, funnel.source)}</dt>
            <dd>{move || catalog.with(|c| option_label(i18n, c, List::Source, &source))}</dd>
            <dt>{t!(i18n, handover.owner)}</dt>
            <dd data-testid="deal-owner">{move || catalog.with(|c| c.person_name(&owner).map(str::to_string)).unwrap_or_else(|| owner.clone())}</dd>
            <dt>{t!(i18n, funnel.stage)}</dt>
            <dd data-testid="deal-stage" data-stage=deal.stage.clone()>
                {stage_name}" · "{t!(i18n, funnel.days_in_stage, days = days_in_stage(&deal, today))}
                {stalled.map(|d| view! { " " <span class="badge stalled-badge">{t!(i18n, funnel.stalled_badge, days = d)}</span> })}
            </dd>
            {deal.lost_reason.clone().map(|r| view! { <dt>{t!(i18n, funnel.lost_reason_label)}</dt><dd>{r}</dd> })}
            {deal.lost_to.clone().map(|r| view! { <dt>{t!(i18n, deal.lost_to_label)}</dt><dd data-testid="deal-lost-to">{r}</dd> })}
            {(!deal.competitors.is_empty()).then(|| view! {
                <dt>{t!(i18n, deal.competitors)}</dt><dd data-testid="deal-competitors">{deal.competitors.replace(',', "、")}</dd>
            })}
            <dt>{t!(i18n, deal.score)}</dt>
            <dd data-testid="deal-score">
                {match score {
                    Some(s) => view! { <ScoreBadge score=s /> }.into_any(),
                    None => view! { <span class="muted">{t!(i18n, deal.unset)}</span> }.into_any(),
                }}
                {assessed.then(|| view! { <span class="assessment-line muted">{assessment}</span> })}
            </dd>
            {(!contacts.is_empty()).then(|| view! {
                <dt>{t!(i18n, deal.contacts)}</dt>
                <dd>
                    <ul class="inline-list" data-testid="deal-contacts-list">
                        {contacts.into_iter().map(|(name, role)| view! { <li>{name}<span class="muted">{move || format!(" · {}", contact_role_label(i18n, role))}</span></li> }).collect_view()}
                    </ul>
                </dd>
            })}
            {deal.next_step.clone().map(|step| view! {
                <dt>{t!(i18n, deal.next_step)}</dt>
                <dd data-testid="deal-next-step">{step}{deal.next_step_date.clone().map(|d| view! { <span class="muted">{format!(" · {d}")}</span> })}</dd>
            })}
            {deal.cadence_days.map(|n| view! { <dt>{t!(i18n, deal.cadence)}</dt><dd>{n}</dd> })}
            {due.map(|date| view! {
                <dt>{t!(i18n, deal.follow_up)}</dt>
                <dd data-testid="deal-follow-up" data-overdue=overdue.is_some().to_string()>
                    {match overdue {
                        Some(days) => view! { <span class="badge overdue-badge">{t!(i18n, deal.overdue, days = days)}</span> }.into_any(),
                        None => view! { <span>{t!(i18n, deal.follow_up_due, date = date.clone())}</span> }.into_any(),
                    }}
                </dd>
            })}
        </dl>
        <div class="panel-moves">
            {moves.into_iter().map(|(label, to, which)| {
                let id = id.clone();
                view! { <button type="button" class="button" class:button-primary=which == "next" data-move=which on:click=move |_| request_move(cx, &id, &to, None)>{label}</button> }
            }).collect_view()}
        </div>
        {lists.into_iter().map(|(exit, stage_name, stage, items)| {
            let ticked = ticked.clone();
            let id = id.clone();
            view! {
                <section class="criteria" data-criteria=stage.clone()>
                    <h3 class="card-title">{if exit {
                        t!(i18n, funnel.exit_criteria, stage = stage_name.clone()).into_any()
                    } else {
                        t!(i18n, funnel.entry_criteria, stage = stage_name.clone()).into_any()
                    }}</h3>
                    {items.into_iter().map(|c| {
                        let key = format!("{stage}.{}", c.code);
                        let checked = ticked.split(',').any(|t| t == key);
                        let (id, stage, code) = (id.clone(), stage.clone(), c.code.clone());
                        let text = if cx.english() { c.text_en.clone() } else { c.text_zh.clone() };
                        view! {
                            <label class="check">
                                <input type="checkbox" name=key.clone() checked=checked on:change=move |ev| {
                                    let op = Op::TickCriterion { id: id.clone(), stage: stage.clone(), code: code.clone(), ticked: event_target_checked(&ev) };
                                    error.set(cx.sync.mutate(op).err().map(|r| rejection_text(i18n, &r)));
                                } />
                                {text}
                            </label>
                        }
                    }).collect_view()}
                </section>
            }
        }).collect_view()}
        <p class="form-error" role="alert">{move || error.get()}</p>
        <section class="history">
            <h3 class="card-title">{t!(i18n, funnel.history)}</h3>
            <ol class="stage-history" data-testid="stage-history">
                {history.into_iter().map(|(label, date)| view! { <li><span>{label}</span><span class="muted">{date}</span></li> }).collect_view()}
            </ol>
        </section>
    }
}
