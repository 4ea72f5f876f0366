//! The board 看板: one column per open stage with its count, amount and weighted amount; cards in
//! the order people put them. Columns are virtualised: a card has a fixed height, and only the
//! cards in view (plus a few) exist in the page, so ten thousand deals scroll like ten.
//!
//! Moving a card: drag it (mouse: press and move; touch: long-press, then drag — `drag.rs`), or
//! from the keyboard (Alt+←/→ previous/next stage, Alt+↑/↓ reorder, ↑/↓ next card, Enter open).
//! Every move goes through [`super::request_move`].

use super::{request_move, FunnelCx};
use crate::domain::board::{days_in_stage, drop_rank, stalled_days, Column};
use crate::domain::pipeline::{PipelineConfig, WON};
use crate::domain::Money;
use crate::i18n::{t, t_string};
use leptos::html;
use leptos::prelude::*;
use std::sync::Arc;

/// A card's slot height in pixels (the card plus the gap below it); `drag.rs` and the style sheet
/// (`.deal-card`) use the same.
pub const CARD_H: f64 = 92.0;
/// Cards drawn above and below the visible ones.
const OVERSCAN: usize = 2;

/// The columns' visible height before it is measured, from the window alone (the style sheet
/// sizes `.board` from the viewport): reading the real height before the first paint would force
/// a layout of a half-built page, and a wrong guess draws cards for nothing.
fn estimated_height() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        let window = leptos::prelude::window();
        let (w, h) =
            (window.inner_width().ok().and_then(|v| v.as_f64()).unwrap_or(1024.0), window.inner_height().ok().and_then(|v| v.as_f64()).unwrap_or(768.0));
        // `.board` height (see style/main.css) less the column header.
        let board = if w >= 768.0 { h - 56.0 - 200.0 } else { h - 56.0 - 64.0 - 230.0 };
        board.max(320.0) - 60.0
    }
    #[cfg(not(feature = "hydrate"))]
    640.0
}

type Board = (Option<PipelineConfig>, Vec<Column>);

#[component]
pub fn Board() -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let board: Memo<Board> = Memo::new(move |_| {
        let Some(p) = cx.pipeline() else { return (None, Vec::new()) };
        // A filter that cannot be read (its error is shown) filters nothing.
        let filter = cx.filters.get().unwrap_or_default();
        let today = cx.today.get();
        let cols = cx.sync.replica.with(|r| {
            r.as_ref()
                .map(|r| r.with_deals(|t| t.columns(&p, |id| r.customer(id).map(|c| (c.name.as_str(), c.region.as_str())), &filter, today)))
                .unwrap_or_default()
        });
        (Some(p), cols)
    });
    let focus = cx.focus;
    let total = move || board.with(|(_, c)| c.iter().map(|c| c.count).sum::<usize>());
    let root = NodeRef::<html::Div>::new();
    // Every column has the same height: measured once, after the first paint and on resize.
    let height = RwSignal::new(estimated_height());
    #[cfg(feature = "hydrate")]
    {
        let measure = move || {
            use wasm_bindgen::JsCast;
            let body = root
                .get_untracked()
                .and_then(|el| el.query_selector("[data-col-body]").ok().flatten())
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(body) = body {
                let measured = f64::from(body.client_height()).max(CARD_H);
                // Only a change of a card or more is worth redrawing for.
                if (measured - height.get_untracked()).abs() >= CARD_H / 2.0 {
                    height.set(measured);
                }
            }
        };
        Effect::new(move |_| {
            if root.get().is_some() {
                request_animation_frame(measure);
            }
        });
        let handle = window_event_listener(leptos::ev::resize, move |_| measure());
        on_cleanup(move || handle.remove());
    }
    #[cfg(feature = "hydrate")]
    {
        let attached = StoredValue::new_local(None::<super::drag::Attached>);
        Effect::new(move |_| {
            if let Some(el) = root.get() {
                let on_drop = std::rc::Rc::new(move |d: super::drag::Dropped| dropped(cx, board, d));
                attached.set_value(Some(super::drag::attach(el.into(), CARD_H, on_drop)));
            }
        });
    }
    let stage_keys = move || {
        board.with(|(p, _)| {
            p.as_ref().map(|p| p.stages.iter().enumerate().map(|(i, s)| (i, format!("{}/{}", p.code, s.code))).collect::<Vec<_>>()).unwrap_or_default()
        })
    };
    view! {
        <p class="hint board-hint">
            <span class="only-touch">{t!(i18n, funnel.touch_hint)}</span>
            <span class="only-pointer">{t!(i18n, funnel.keyboard_hint)}</span>
        </p>
        <p class="board-count" data-testid="board-count">{t!(i18n, funnel.showing, count = total)}</p>
        <div class="board" node_ref=root data-testid="board">
            <For each=stage_keys key=|k| k.1.clone() let((index, _key))>
                <BoardColumn index board focus height />
            </For>
            <div class="drop-zones" aria-hidden="true">
                <div class="drop-zone won" data-drop="won">{t!(i18n, funnel.drop_won)}</div>
                <div class="drop-zone lost" data-drop="lost">{t!(i18n, funnel.drop_lost)}</div>
            </div>
            <div class="drop-line" aria-hidden="true"></div>
        </div>
    }
}

/// The rank for a card put at `position` among `ids`, from the replica's sort keys.
fn rank_at(cx: FunnelCx, ids: &[Arc<str>], position: usize) -> Option<String> {
    cx.sync.replica.with_untracked(|r| {
        let r = r.as_ref()?;
        Some(drop_rank(ids, position, |id| r.opportunity(id).map(|o| std::borrow::Cow::Owned(o.sort_key().into_owned()))))
    })
}

/// Where a dragged card was let go (see `drag.rs`).
#[cfg(feature = "hydrate")]
fn dropped(cx: FunnelCx, board: Memo<Board>, d: super::drag::Dropped) {
    use super::drag::Target;
    let (pipeline, target_ids) = board.with_untracked(|(p, cols)| {
        let ids = match d.target {
            Target::Column { index, .. } => cols.get(index).map(|c| c.ids.to_vec()),
            _ => None,
        };
        (p.clone(), ids)
    });
    let Some(pipeline) = pipeline else { return };
    match d.target {
        Target::Outside => cx.say(false, t_string!(cx.i18n, funnel.drop_outside).to_string()),
        Target::Won => request_move(cx, &d.deal, WON, None),
        Target::Lost => request_move(cx, &d.deal, crate::domain::pipeline::LOST, None),
        Target::Column { index, slot } => {
            let Some(mut ids) = target_ids else { return };
            let Some(stage) = pipeline.stages.get(index) else { return };
            // The slot counts the dragged card where it was; without it, later slots move up.
            let mut position = slot.min(ids.len());
            if let Some(at) = ids.iter().position(|id| **id == *d.deal) {
                if at == position || at + 1 == position {
                    return; // dropped where it was
                }
                ids.remove(at);
                if at < position {
                    position -= 1;
                }
            }
            request_move(cx, &d.deal, &stage.code, rank_at(cx, &ids, position));
        }
    }
}

#[component]
fn BoardColumn(index: usize, board: Memo<Board>, focus: RwSignal<Option<String>>, height: RwSignal<f64>) -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let scroll = RwSignal::new(0.0_f64);
    let body = NodeRef::<html::Div>::new();
    let head = Memo::new(move |_| {
        board.with(|(p, cols)| {
            let p = p.as_ref()?;
            let c = cols.get(index)?;
            let s = p.stages.get(index)?;
            Some((if cx.english() { s.name_en.clone() } else { s.name_zh.clone() }, c.count, c.amount_fen, c.weighted_fen, s.code.clone()))
        })
    });
    let count = move || head.with(|h| h.as_ref().map_or(0, |h| h.1));
    // The cards in view, with their positions.
    let visible = Memo::new(move |_| {
        let top = scroll.get();
        let first = ((top / CARD_H) as usize).saturating_sub(OVERSCAN);
        let last = ((top + height.get()) / CARD_H).ceil() as usize + OVERSCAN;
        board.with(|(_, cols)| {
            cols.get(index).map_or_else(Vec::new, |c| {
                c.ids.iter().enumerate().skip(first).take(last.saturating_sub(first)).map(|(i, id)| (i, id.to_string())).collect::<Vec<_>>()
            })
        })
    });
    #[cfg(feature = "hydrate")]
    {
        // A card focused from the keyboard is scrolled into view first.
        Effect::new(move |_| {
            let Some(id) = focus.get() else { return };
            let at = board.with_untracked(|(_, cols)| cols.get(index).and_then(|c| c.ids.iter().position(|x| **x == *id)));
            if let (Some(at), Some(el)) = (at, body.get_untracked()) {
                let y = at as f64 * CARD_H;
                let (top, h) = (f64::from(el.scroll_top()), f64::from(el.client_height()));
                if y < top || y + CARD_H > top + h {
                    el.set_scroll_top((y - h / 2.0).max(0.0) as i32);
                    scroll.set(f64::from(el.scroll_top()));
                }
            }
        });
    }
    let english = move || cx.english();
    view! {
        <section class="board-col" data-col=index data-stage=move || head.with(|h| h.as_ref().map(|h| h.4.clone()))>
            <header class="col-head">
                <h2 class="col-title">{move || head.with(|h| h.as_ref().map(|h| h.0.clone()))}</h2>
                <span class="col-count" data-testid="col-count">{count}</span>
                <span class="col-sum" title=move || t_string!(i18n, funnel.amount).to_string()>
                    {move || head.with(|h| h.as_ref().map(|h| Money::from_fen(h.2).format_compact(english())))}
                </span>
                <span class="col-weighted" title=move || t_string!(i18n, funnel.weighted).to_string()>
                    {t!(i18n, funnel.weighted)}" "{move || head.with(|h| h.as_ref().map(|h| Money::from_fen(h.3).format_compact(english())))}
                </span>
            </header>
            <div class="col-body" node_ref=body data-col-body=index data-count=count on:scroll=move |_| {
                if let Some(el) = body.get_untracked() {
                    scroll.set(f64::from(el.scroll_top()));
                }
            }>
                <div class="col-space" style=move || format!("height:{}px", count() as f64 * CARD_H)>
                    <For each=move || visible.get() key=|(i, id)| (*i, id.clone()) let((position, id))>
                        <DealCard id index position board focus />
                    </For>
                </div>
                <Show when=move || count() == 0>
                    <p class="hint col-empty">{t!(i18n, funnel.no_deals)}</p>
                </Show>
            </div>
        </section>
    }
}

/// What a card shows.
#[derive(Clone, PartialEq)]
struct CardInfo {
    title: String,
    customer: String,
    amount_fen: i64,
    days: i32,
    stalled: Option<u32>,
    close: String,
    overdue: bool,
    /// Days its follow-up is late.
    follow_up_late: Option<u32>,
}

#[component]
fn DealCard(id: String, index: usize, position: usize, board: Memo<Board>, focus: RwSignal<Option<String>>) -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let info = {
        let id = id.clone();
        Memo::new(move |_| {
            let today = cx.today.get();
            // Borrowed, not cloned: one card of dozens drawn per scroll.
            board.with(|(pipeline, _)| {
                cx.sync.replica.with(|r| {
                    let pipeline = pipeline.as_ref()?;
                    let r = r.as_ref()?;
                    let d = r.opportunity(&id)?;
                    let close_day = crate::domain::funnel::parse_day(&d.expected_close);
                    Some(CardInfo {
                        title: d.title.clone(),
                        customer: r.customer(&d.customer_id).map(|c| c.name.clone()).unwrap_or_default(),
                        amount_fen: d.amount_fen,
                        days: days_in_stage(d, today),
                        stalled: stalled_days(pipeline, d, today),
                        close: d.expected_close.clone(),
                        overdue: close_day.is_some_and(|c| c < today),
                        follow_up_late: crate::domain::deal::overdue_days(d, today),
                    })
                })
            })
        })
    };
    let el = NodeRef::<html::Div>::new();
    #[cfg(feature = "hydrate")]
    {
        let id = id.clone();
        Effect::new(move |_| {
            // Only the card in the deal's column now (a moved card's old one may still be there).
            let here = || board.with_untracked(|(_, cols)| cols.get(index).is_some_and(|c| c.ids.iter().any(|x| **x == *id)));
            if focus.get().as_deref() == Some(id.as_str()) && here() {
                if let Some(el) = el.get() {
                    let _ = el.focus();
                    focus.set(None);
                }
            }
        });
    }
    let open = {
        let id = id.clone();
        move || {
            #[cfg(feature = "hydrate")]
            if super::drag::recently_dropped() {
                return;
            }
            cx.open_deal.set(Some(id.clone()));
        }
    };
    let on_key = {
        let id = id.clone();
        let open = open.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            let key = ev.key();
            let handled = match (key.as_str(), ev.alt_key()) {
                ("Enter" | " ", false) => {
                    open();
                    true
                }
                ("ArrowRight" | "ArrowLeft", true) => {
                    let forward = key == "ArrowRight";
                    let to = board.with_untracked(|(p, _)| {
                        let p = p.as_ref()?;
                        match (forward, index + 1 < p.stages.len(), index > 0) {
                            (true, true, _) => Some(p.stages[index + 1].code.clone()),
                            (true, false, _) => Some(WON.to_string()),
                            (false, _, true) => Some(p.stages[index - 1].code.clone()),
                            (false, _, false) => None,
                        }
                    });
                    if let Some(to) = to {
                        cx.refocus.set(Some(id.clone()));
                        request_move(cx, &id, &to, None);
                    }
                    true
                }
                ("ArrowUp" | "ArrowDown", true) => {
                    let up = key == "ArrowUp";
                    let ids = board.with_untracked(|(_, cols)| cols.get(index).map(|c| c.ids.clone())).unwrap_or_default();
                    if let Some(at) = ids.iter().position(|x| **x == *id) {
                        let mut rest = ids.to_vec();
                        rest.remove(at);
                        let target = if up { at.checked_sub(1) } else { (at < rest.len()).then_some(at + 1) };
                        if let Some(target) = target {
                            let rank = rank_at(cx, &rest, target);
                            let stage = board.with_untracked(|(p, _)| p.as_ref().and_then(|p| p.stages.get(index)).map(|s| s.code.clone()));
                            if let Some(stage) = stage {
                                cx.refocus.set(Some(id.clone()));
                                request_move(cx, &id, &stage, rank);
                            }
                        }
                    }
                    true
                }
                ("ArrowUp" | "ArrowDown", false) => {
                    let next = if key == "ArrowUp" { position.checked_sub(1) } else { Some(position + 1) };
                    let next_id = next.and_then(|n| board.with_untracked(|(_, cols)| cols.get(index).and_then(|c| c.ids.get(n).map(|x| x.to_string()))));
                    if next_id.is_some() {
                        focus.set(next_id);
                    }
                    true
                }
                _ => false,
            };
            if handled {
                ev.prevent_default();
            }
        }
    };
    let english = move || cx.english();
    view! {
        <div class="deal-card" node_ref=el tabindex="0" role="button" data-deal=id.clone() data-col=index data-pos=position
            data-stalled=move || info.with(|i| i.as_ref().is_some_and(|i| i.stalled.is_some()).to_string())
            style=format!("transform:translateY({}px)", position as f64 * CARD_H)
            on:click=move |_| open() on:keydown=on_key>
            {move || info.get().map(|i| {
                // `2026-12-03` → `12-03`: the year is this one or the next.
                let close = i.close.get(5..).unwrap_or(&i.close).to_string();
                view! {
                    <span class="card-title">{i.title.clone()}</span>
                    <span class="card-customer">
                        <span class="card-customer-name">{i.customer.clone()}</span>
                        {i.follow_up_late.map(|d| view! {
                            <span class="badge follow-badge" data-testid="follow-badge">
                                {t!(i18n, deal.overdue_short, days = d)}
                            </span>
                        })}
                    </span>
                    <span class="card-meta">
                        <span class="card-amount">{Money::from_fen(i.amount_fen).format_compact(english())}</span>
                        {match i.stalled {
                            Some(d) => view! { <span class="badge stalled-badge">{t!(i18n, funnel.stalled_badge, days = d)}</span> }.into_any(),
                            None => view! { <span class="card-days" title=move || t_string!(i18n, funnel.stage).to_string()>{t!(i18n, funnel.days, days = i.days)}</span> }.into_any(),
                        }}
                        <span class="card-close" data-overdue=i.overdue.to_string() title=move || t_string!(i18n, funnel.expected_close).to_string()>{close}</span>
                    </span>
                }
            })}
        </div>
    }
}
