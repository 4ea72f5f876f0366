//! 销售漏斗: the funnel screen, from the replica, so it works offline. One pipeline at a time
//! (a company may run several), shown as:
//!
//! - `board.rs`: the board 看板, a virtualised column per open stage; cards move by drag and drop
//!   (mouse; on touch after a long press, so scrolling never moves a card — `drag.rs`) and by
//!   keyboard;
//! - `deal.rs`: one deal: its stage history, the criteria checklists, moves (won, lost with a
//!   reason, reopen);
//! - `analytics.rs`: conversion, bottleneck, win rate, cycle, forecast, coverage, sources, reps,
//!   and the stalled deals, computed by `domain::funnel` in the browser.
//!
//! Every move, from any of them, goes through [`request_move`]: the pipeline's rules
//! ([`check_deal_move`]) decide whether it happens, asks for confirmation (criteria not ticked)
//! or is refused with the reason, and a move to lost asks why. The server checks again.

mod analytics;
mod board;
mod deal;
#[cfg(feature = "hydrate")]
mod drag;
mod form;

use super::labels::{error_text, rejection_text, stage_label};
use super::sync::{use_catalog, use_sync, SyncState};
use crate::domain::board::DealFilter;
use crate::domain::catalog::{Catalog, List};
use crate::domain::deal::check_deal_move;
use crate::domain::pipeline::{MoveCheck, PipelineConfig, LOST};
use crate::domain::sync::Op;
use crate::i18n::{t, t_string, use_i18n, Locale};
use crate::ui::customers::fields::OptionSelect;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::collections::BTreeMap;

type I18n = leptos_i18n::I18nContext<Locale>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Board,
    Analytics,
    Stalled,
}

/// A move waiting for the user: criteria to confirm, or the reason a deal was lost.
#[derive(Clone, Debug, PartialEq)]
struct PendingMove {
    deal: String,
    to: String,
    rank: Option<String>,
    /// The unmet criteria, in words; empty when only the loss reason is asked.
    unmet: Vec<String>,
}

/// What the live region says.
#[derive(Clone, Debug, PartialEq)]
enum Notice {
    Moved {
        title: String,
        stage: String,
    },
    /// Done (`true`) or refused, in words.
    Text(bool, String),
}

/// The screen's state, shared by its parts.
#[derive(Clone, Copy)]
struct FunnelCx {
    sync: SyncState,
    i18n: I18n,
    catalog: Memo<Catalog>,
    /// The pipeline shown (its code; the first one until the user picks another).
    pipeline_code: RwSignal<String>,
    filters: Filters,
    /// The deal opened in the side panel.
    open_deal: RwSignal<Option<String>>,
    pending: RwSignal<Option<PendingMove>>,
    /// The last thing that happened, for the live region (moves, refusals).
    notice: RwSignal<Option<Notice>>,
    /// Today as a business day (set in the browser).
    today: RwSignal<i32>,
    /// The card to focus once it is drawn (after a keyboard move), scrolled into view.
    focus: RwSignal<Option<String>>,
    /// A card moved from the keyboard: focused again once the move is made (after any dialog).
    refocus: RwSignal<Option<String>>,
    /// The deal form, when open.
    editing: RwSignal<Option<form::Editing>>,
}

impl FunnelCx {
    fn pipeline(&self) -> Option<PipelineConfig> {
        let code = self.pipeline_code.get();
        self.catalog.with(|c| c.pipeline(&code).or_else(|| c.pipelines.first()).cloned())
    }

    fn english(&self) -> bool {
        self.i18n.get_locale() == Locale::en
    }

    fn say(&self, ok: bool, text: String) {
        self.notice.set(Some(Notice::Text(ok, text)));
    }
}

/// The filter form as typed (`""`: any).
#[derive(Clone, Copy)]
struct Filters {
    query: RwSignal<String>,
    owner: RwSignal<String>,
    source: RwSignal<String>,
    region: RwSignal<String>,
    min: RwSignal<String>,
    max: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    stalled_only: RwSignal<bool>,
    team: RwSignal<String>,
    overdue_only: RwSignal<bool>,
    /// Where a team's members are found.
    catalog: Memo<Catalog>,
}

impl Filters {
    fn new(catalog: Memo<Catalog>) -> Filters {
        let s = || RwSignal::new(String::new());
        Filters {
            query: s(),
            owner: s(),
            source: s(),
            region: s(),
            min: s(),
            max: s(),
            from: s(),
            to: s(),
            stalled_only: RwSignal::new(false),
            team: s(),
            overdue_only: RwSignal::new(false),
            catalog,
        }
    }

    /// The filter, or why it cannot be read (tracks every field).
    fn get(&self) -> Result<DealFilter, &'static str> {
        DealFilter::from_form(
            &self.query.get(),
            &self.owner.get(),
            &self.source.get(),
            &self.region.get(),
            &self.min.get(),
            &self.max.get(),
            &self.from.get(),
            &self.to.get(),
            self.stalled_only.get(),
        )
        .map(|mut f| {
            let team = self.team.get();
            if !team.is_empty() {
                // A team the catalogue no longer has filters everything out rather than nothing.
                f.team = Some(self.catalog.with(|c| c.teams.iter().find(|t| t.id == team).map(|t| t.members.clone()).unwrap_or_default()));
            }
            f.overdue_only = self.overdue_only.get();
            f
        })
    }

    fn active(&self) -> usize {
        [self.owner, self.source, self.region, self.min, self.max, self.from, self.to, self.team].iter().filter(|s| !s.with(String::is_empty)).count()
            + usize::from(self.stalled_only.get())
            + usize::from(self.overdue_only.get())
    }

    fn clear(&self) {
        for s in [self.owner, self.source, self.region, self.min, self.max, self.from, self.to, self.team] {
            s.set(String::new());
        }
        self.stalled_only.set(false);
        self.overdue_only.set(false);
    }
}

#[component]
pub fn Funnel() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let query = use_query_map();
    let tab = RwSignal::new(match query.get_untracked().get("view").as_deref() {
        Some("analytics") => Tab::Analytics,
        Some("stalled") => Tab::Stalled,
        _ => Tab::Board,
    });
    let catalog = use_catalog();
    let q = query.get_untracked();
    // `/funnel?new=1[&customer=<id>]` opens the form for a new deal (from a customer's 360 view).
    let editing = q.get("new").map(|_| form::Editing::New { customer: q.get("customer") });
    let cx = FunnelCx {
        sync,
        i18n,
        catalog,
        pipeline_code: RwSignal::new(query.get_untracked().get("pipeline").unwrap_or_default()),
        filters: Filters::new(catalog),
        // `/funnel?deal=<id>` opens that deal (links from the customer's 360 view).
        open_deal: RwSignal::new(query.get_untracked().get("deal")),
        pending: RwSignal::new(None),
        notice: RwSignal::new(None),
        today: RwSignal::new(crate::ui::clock::today()),
        focus: RwSignal::new(None),
        refocus: RwSignal::new(None),
        editing: RwSignal::new(editing),
    };
    provide_context(cx);
    let show_filters = RwSignal::new(false);
    let pipelines = move || cx.catalog.with(|c| c.pipelines.iter().map(|p| (p.code.clone(), p.name(cx.english()).to_string())).collect::<Vec<_>>());
    let current = move || cx.pipeline().map(|p| p.code).unwrap_or_default();
    let tab_button = move |which: Tab, label: Signal<String>, id: &'static str| {
        view! {
            <button type="button" class="tab" role="tab" data-tab=id aria-selected=move || (tab.get() == which).to_string() on:click=move |_| tab.set(which)>
                {label}
            </button>
        }
    };
    view! {
        <section class="page funnel-page" data-page="funnel">
            <header class="funnel-head">
                <h1 class="page-title">{t!(i18n, funnel.title)}</h1>
                <button type="button" class="button button-primary new-deal" data-testid="new-deal"
                    on:click=move |_| cx.editing.set(Some(form::Editing::New { customer: None }))>
                    {t!(i18n, deal.new)}
                </button>
                <label class="pipeline-pick">
                    <span class="visually-hidden">{t!(i18n, funnel.pipeline)}</span>
                    <select name="pipeline" data-testid="pipeline" on:change=move |ev| cx.pipeline_code.set(event_target_value(&ev))>
                        <For each=pipelines key=|p| p.clone() let((code, name))>
                            <option value=code.clone() selected=move || current() == code>{name}</option>
                        </For>
                    </select>
                </label>
            </header>
            <div class="tabs" role="tablist">
                {tab_button(Tab::Board, Signal::derive(move || t_string!(i18n, funnel.board).to_string()), "board")}
                {tab_button(Tab::Analytics, Signal::derive(move || t_string!(i18n, funnel.analytics).to_string()), "analytics")}
                {tab_button(Tab::Stalled, Signal::derive(move || t_string!(i18n, funnel.stalled).to_string()), "stalled")}
                <button type="button" class="button filter-toggle" aria-expanded=move || show_filters.get().to_string() on:click=move |_| show_filters.update(|s| *s = !*s)>
                    {t!(i18n, funnel.filters)}
                    <Show when=move || { cx.filters.active() > 0 }>
                        <span class="badge">{move || cx.filters.active()}</span>
                    </Show>
                </button>
            </div>
            <FilterBar open=show_filters />
            <p class="notice" role="status" aria-live="polite" data-testid="funnel-notice"
                data-ok=move || cx.notice.with(|n| n.as_ref().map(|n| matches!(n, Notice::Moved { .. } | Notice::Text(true, _)).to_string()))>
                {move || cx.notice.get().map(|n| match n {
                    Notice::Moved { title, stage } => t!(i18n, funnel.moved, title = title.clone(), stage = stage.clone()).into_any(),
                    Notice::Text(_, text) => text.into_any(),
                })}
            </p>
            <Show when=move || sync.replica.with(Option::is_some) fallback=move || view! { <p class="hint">{t!(i18n, funnel.loading)}</p> }>
                {move || match tab.get() {
                    Tab::Board => view! { <board::Board /> }.into_any(),
                    Tab::Analytics => view! { <analytics::Analytics /> }.into_any(),
                    Tab::Stalled => view! { <analytics::Stalled /> }.into_any(),
                }}
            </Show>
            <deal::DealPanel />
            <MoveDialog />
            <form::DealForm />
        </section>
    }
}

/// The filters: search always; the rest folded away on phones until asked for.
#[component]
fn FilterBar(open: RwSignal<bool>) -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let f = cx.filters;
    // The deals' owners with their names (a deal's owner is usually its customer's).
    let owners = Memo::new(move |_| {
        if !open.get() {
            return Vec::new();
        }
        cx.sync.replica.with(|r| {
            let Some(r) = r.as_ref() else { return Vec::new() };
            let mut names: BTreeMap<String, String> = BTreeMap::new();
            for c in r.customers() {
                names.entry(c.owner_id.clone()).or_insert_with(|| c.owner_name.clone());
            }
            let mut ids: Vec<String> = r.opportunities().map(|o| o.owner_id.clone()).collect();
            ids.sort();
            ids.dedup();
            let mut list: Vec<(String, String)> = ids.into_iter().map(|id| (names.get(&id).cloned().unwrap_or_else(|| id.clone()), id)).collect();
            list.sort();
            list
        })
    });
    let teams = move || cx.catalog.with(|c| c.teams.iter().map(|t| (t.id.clone(), t.name(cx.english()).to_string())).collect::<Vec<_>>());
    let error = move || f.get().err().map(|code| error_text(i18n, code));
    let text = |value: RwSignal<String>, name: &'static str, kind: &'static str, label: Signal<String>| {
        view! {
            <label class="field">
                <span class="field-label">{label}</span>
                <input type=kind name=name inputmode=if name.ends_with("amount") { "decimal" } else { "text" } prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
        }
    };
    view! {
        <div class="funnel-filters">
            <input type="search" class="search" name="deal-search" placeholder=move || t_string!(i18n, funnel.search).to_string() aria-label=move || t_string!(i18n, funnel.search).to_string()
                prop:value=move || f.query.get() on:input=move |ev| f.query.set(event_target_value(&ev)) />
            <Show when=move || open.get()>
                <div class="filter-grid" data-testid="funnel-filters">
                    <label class="field">
                        <span class="field-label">{t!(i18n, funnel.owner)}</span>
                        <select name="owner" on:change=move |ev| f.owner.set(event_target_value(&ev))>
                            <option value="" selected=move || f.owner.with(String::is_empty)>{t!(i18n, funnel.any)}</option>
                            <For each=move || owners.get() key=|o| o.clone() let((name, id))>
                                <option value=id.clone() selected=move || f.owner.with(|o| *o == id)>{name}</option>
                            </For>
                        </select>
                    </label>
                    <Show when=move || cx.catalog.with(|c| !c.teams.is_empty())>
                        <label class="field">
                            <span class="field-label">{t!(i18n, funnel.team)}</span>
                            <select name="team" on:change=move |ev| f.team.set(event_target_value(&ev))>
                                <option value="" selected=move || f.team.with(String::is_empty)>{t!(i18n, funnel.any)}</option>
                                <For each=teams key=|t| t.clone() let((id, name))>
                                    <option value=id.clone() selected=move || f.team.with(|t| *t == id)>{name}</option>
                                </For>
                            </select>
                        </label>
                    </Show>
                    <label class="field">
                        <span class="field-label">{t!(i18n, funnel.source)}</span>
                        <OptionSelect name="source" list=List::Source value=f.source empty=true retired=true />
                    </label>
                    <label class="field">
                        <span class="field-label">{t!(i18n, funnel.region)}</span>
                        <OptionSelect name="region" list=List::Region value=f.region empty=true retired=true />
                    </label>
                    {text(f.min, "min_amount", "text", Signal::derive(move || t_string!(i18n, funnel.min_amount).to_string()))}
                    {text(f.max, "max_amount", "text", Signal::derive(move || t_string!(i18n, funnel.max_amount).to_string()))}
                    {text(f.from, "close_from", "date", Signal::derive(move || t_string!(i18n, funnel.close_from).to_string()))}
                    {text(f.to, "close_to", "date", Signal::derive(move || t_string!(i18n, funnel.close_to).to_string()))}
                    <label class="check">
                        <input type="checkbox" name="stalled_only" prop:checked=move || f.stalled_only.get() on:change=move |ev| f.stalled_only.set(event_target_checked(&ev)) />
                        {t!(i18n, funnel.stalled_only)}
                    </label>
                    <label class="check">
                        <input type="checkbox" name="overdue_only" prop:checked=move || f.overdue_only.get() on:change=move |ev| f.overdue_only.set(event_target_checked(&ev)) />
                        {t!(i18n, deal.overdue_only)}
                    </label>
                    <button type="button" class="button" on:click=move |_| f.clear()>{t!(i18n, funnel.clear)}</button>
                </div>
            </Show>
            <p class="form-error" role="alert" data-testid="filter-error">{error}</p>
        </div>
    }
}

/// Moves a deal, by the pipeline's rules: at once if allowed, after the user's confirmation if
/// criteria are not ticked, never if refused (the reason is shown); a move to lost asks why.
fn request_move(cx: FunnelCx, deal_id: &str, to: &str, rank: Option<String>) {
    let checked = cx.sync.replica.with_untracked(|r| {
        let r = r.as_ref()?;
        let deal = r.opportunity(deal_id)?;
        Some((check_deal_move(r.catalog(), deal, to), deal.pipeline.clone(), deal.stage.clone()))
    });
    let Some((check, pipeline, from)) = checked else {
        cx.say(false, t_string!(cx.i18n, funnel.no_deal).to_string());
        return;
    };
    if from == to {
        if rank.is_some() {
            apply_move(cx, deal_id, &from, to, rank, None);
        }
        return;
    }
    let criteria = |unmet: &[(usize, String)]| -> Vec<String> {
        cx.catalog.with_untracked(|c| {
            let Some(p) = c.pipeline(&pipeline) else { return Vec::new() };
            unmet
                .iter()
                .filter_map(|(stage, code)| {
                    let s = p.stages.get(*stage)?;
                    let item = s.entry_criteria.iter().chain(&s.exit_criteria).find(|c| c.code == *code)?;
                    let name = if cx.english() { &s.name_en } else { &s.name_zh };
                    Some(format!("{name}：{}", if cx.english() { &item.text_en } else { &item.text_zh }))
                })
                .collect()
        })
    };
    match check {
        MoveCheck::Allowed if to == LOST => cx.pending.set(Some(PendingMove { deal: deal_id.into(), to: to.into(), rank, unmet: Vec::new() })),
        MoveCheck::Allowed => apply_move(cx, deal_id, &from, to, rank, None),
        MoveCheck::Confirm { unmet } => cx.pending.set(Some(PendingMove { deal: deal_id.into(), to: to.into(), rank, unmet: criteria(&unmet) })),
        MoveCheck::Refused { reason, unmet } => {
            let mut text = error_text(cx.i18n, reason);
            let items = criteria(&unmet);
            if !items.is_empty() {
                text = format!("{text}（{}）", items.join("；"));
            }
            cx.say(false, text);
        }
    }
}

/// Makes the move; `lost` is the reason and the competitor it went to, for a move to lost.
fn apply_move(cx: FunnelCx, deal_id: &str, from: &str, to: &str, rank: Option<String>, lost: Option<(String, Option<String>)>) {
    let (lost_reason, lost_to) = lost.map_or((None, None), |(reason, to)| (Some(reason), to));
    let op = Op::MoveOpportunity { id: deal_id.into(), from: from.into(), to: to.into(), rank, lost_reason, lost_to };
    let result = cx.sync.mutate(op);
    if result.is_ok() && cx.refocus.get_untracked().as_deref() == Some(deal_id) {
        cx.refocus.set(None);
        cx.focus.set(Some(deal_id.to_string()));
    }
    match result {
        Ok(()) if from != to => {
            let (title, stage) = cx.sync.replica.with_untracked(|r| {
                let r = r.as_ref();
                let deal = r.and_then(|r| r.opportunity(deal_id));
                let title = deal.map(|d| d.title.clone()).unwrap_or_default();
                let stage = r.map(|r| stage_label(cx.i18n, r.catalog(), deal.map_or("", |d| d.pipeline.as_str()), to)).unwrap_or_default();
                (title, stage)
            });
            cx.notice.set(Some(Notice::Moved { title, stage }));
        }
        Ok(()) => {}
        Err(r) => cx.say(false, rejection_text(cx.i18n, &r)),
    }
}

/// The confirmation a move needs: criteria not ticked, or the reason for a loss.
#[component]
fn MoveDialog() -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let reason = RwSignal::new(String::new());
    let winner = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let cancel = move || {
        cx.pending.set(None);
        reason.set(String::new());
        winner.set(String::new());
        error.set(None);
    };
    let confirm = move || {
        let Some(p) = cx.pending.get_untracked() else { return };
        let from = cx.sync.replica.with_untracked(|r| r.as_ref().and_then(|r| r.opportunity(&p.deal)).map(|d| d.stage.clone()));
        let Some(from) = from else { return cancel() };
        let lost = if p.to == LOST {
            let typed = reason.get_untracked().trim().to_string();
            if typed.is_empty() {
                error.set(Some(error_text(i18n, "lost_reason_required")));
                return;
            }
            let to = winner.get_untracked().trim().to_string();
            Some((typed, (!to.is_empty()).then_some(to)))
        } else {
            None
        };
        apply_move(cx, &p.deal, &from, &p.to, p.rank.clone(), lost);
        cancel();
    };
    view! {
        <Show when=move || cx.pending.with(Option::is_some)>
            <div class="dialog-backdrop">
                <div class="dialog" role="dialog" aria-modal="true" data-testid="move-dialog"
                    on:keydown=move |ev| if ev.key() == "Escape" { cancel() }>
                    {move || {
                        let p = cx.pending.get()?;
                        let lost = p.to == LOST;
                        let has_unmet = !p.unmet.is_empty();
                        // The deal's known competitors, offered for "lost to".
                        let rivals: Vec<String> = cx.sync.replica.with_untracked(|r| {
                            r.as_ref().and_then(|r| r.opportunity(&p.deal)).map(|d| d.competitors.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect()).unwrap_or_default()
                        });
                        Some(view! {
                            <h2 class="card-title">{move || if lost { t_string!(i18n, funnel.lost_title).to_string() } else { t_string!(i18n, funnel.confirm_title).to_string() }}</h2>
                            <Show when=move || has_unmet>
                                <p>{t!(i18n, funnel.confirm_body)}</p>
                            </Show>
                            <ul class="unmet">
                                {p.unmet.iter().map(|u| view! { <li>{u.clone()}</li> }).collect_view()}
                            </ul>
                            <Show when=move || lost>
                                <label class="field">
                                    <span class="field-label">{t!(i18n, funnel.lost_reason)}</span>
                                    <textarea name="lost_reason" rows="3" maxlength="200" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                                </label>
                                <label class="field">
                                    <span class="field-label">{t!(i18n, deal.lost_to)}</span>
                                    <input name="lost_to" list="lost-to-rivals" maxlength="200" prop:value=move || winner.get() on:input=move |ev| winner.set(event_target_value(&ev))/>
                                    <datalist id="lost-to-rivals">
                                        {rivals.iter().map(|c| view! { <option value=c.clone()></option> }).collect_view()}
                                    </datalist>
                                </label>
                            </Show>
                        })
                    }}
                    <p class="form-error" role="alert">{move || error.get()}</p>
                    <div class="form-actions">
                        <button type="button" class="button" on:click=move |_| cancel()>{t!(i18n, funnel.cancel)}</button>
                        <button type="button" class="button button-primary" data-testid="confirm-move" on:click=move |_| confirm()>
                            {move || if cx.pending.with(|p| p.as_ref().is_some_and(|p| p.to == LOST)) { t_string!(i18n, funnel.lost_confirm).to_string() } else { t_string!(i18n, funnel.move_anyway).to_string() }}
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
