//! 工作台, the home screen: today's date, then what needs the user today — follow-ups due,
//! payments due within 30 days, stalled deals ([`crate::domain::agenda`], from the replica, so it
//! works offline) — and for managers their team's hot customers. Each line opens its deal on the
//! funnel board or its customer's 360 view.

use crate::domain::agenda::{self, Agenda};
use crate::domain::funnel::format_day;
use crate::domain::Money;
use crate::i18n::{format_date_long, t, use_i18n, Locale};
use leptos::prelude::*;
use leptos_router::components::A;
use std::collections::BTreeMap;

/// Lines a section shows at first; a tap shows up to [`LISTED`] (the count says how many there
/// are in all).
const SHOWN: usize = 5;
const LISTED: usize = 100;

#[component]
pub fn Workbench() -> impl IntoView {
    let i18n = use_i18n();
    // Today's date is the reader's local date, which only the browser knows: it is filled in after
    // hydration, so the server-rendered page never shows a date from another time zone.
    let today = RwSignal::new(None::<time::Date>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Ok(now) = time::OffsetDateTime::now_local() {
            today.set(Some(now.date()));
        } else {
            today.set(Some(time::OffsetDateTime::now_utc().date()));
        }
    });
    let date_text = move || today.get().map(|d| format_date_long(i18n.get_locale(), d)).unwrap_or_default();
    view! {
        <section class="page" data-page="workbench">
            <h1 class="page-title">{t!(i18n, workbench.title)}</h1>
            <p class="page-subtitle" data-testid="today">
                <Show when=move || today.get().is_some()>
                    {t!(i18n, workbench.today, date = date_text)}
                </Show>
            </p>
            <AgendaSections />
            <HotCustomers />
        </section>
    }
}

/// " · 王磊": whose a line is, when the reader sees their people's.
fn owner_of(names: &BTreeMap<String, String>, owner: &str) -> Option<String> {
    names.get(owner).map(|name| format!(" · {name}"))
}

/// The three agenda sections, computed from the replica whenever it changes — after the page's
/// first paint, so a director's first visit (which builds the deal table the funnel board shares)
/// never holds up the screen.
#[component]
fn AgendaSections() -> impl IntoView {
    let i18n = use_i18n();
    let sync = super::sync::use_sync();
    let me = expect_context::<super::session::CurrentUser>();
    let today = super::clock::today();
    let painted = RwSignal::new(false);
    // In the browser only (the server renders the page without the agenda: it has no replica).
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || set_timeout(move || painted.set(true), std::time::Duration::ZERO));
    // Someone who answers for customers sees their people's; a rep their own.
    let team = move || me.get().is_some_and(|m| m.role.answers_for_customers());
    let agenda = Memo::new(move |_| {
        if !painted.get() {
            return None;
        }
        let team = team();
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let started = super::clock::perf_ms();
            let agenda = agenda::agenda(r, today, !team, LISTED);
            // Whose each line is, for someone who sees their people's.
            let mut names = BTreeMap::new();
            if team {
                let owners = agenda.follow_ups.items.iter().map(|f| &f.owner_id);
                let owners = owners.chain(agenda.collections.items.iter().map(|c| &c.owner_id)).chain(agenda.stalled.items.iter().map(|s| &s.owner_id));
                for id in owners {
                    if let Some(name) = r.catalog().person_name(id) {
                        names.insert(id.clone(), name.to_string());
                    }
                }
            }
            Some((agenda, names, format!("{:.1}", super::clock::perf_ms() - started)))
        })
    });
    let catalog = super::sync::use_catalog();
    let open = [RwSignal::new(false), RwSignal::new(false), RwSignal::new(false)];
    // `MM-DD` this year, `YYYY-MM-DD` otherwise.
    let this_year = crate::domain::funnel::month_of(today).0;
    let day = move |d: i32| {
        let text = format_day(d);
        if crate::domain::funnel::month_of(d).0 == this_year {
            text[5..].to_string()
        } else {
            text
        }
    };
    let deal_href = |pipeline: &str, id: &str| format!("/funnel?pipeline={pipeline}&deal={id}");
    // How many lines a section shows: the first few, or all it has on a tap.
    let shown = move |section: usize| if open[section].get() { LISTED } else { SHOWN };
    // Under a list: the tap that shows the rest (or fewer again), and what is beyond the listing.
    let footer = move |section: usize, total: usize| {
        let expand = (total > SHOWN).then(|| {
            let label = move || if open[section].get() { t!(i18n, workbench.fewer).into_any() } else { t!(i18n, workbench.all, count = total.min(LISTED)).into_any() };
            view! { <button type="button" class="agenda-link agenda-toggle" aria-expanded=move || open[section].get().to_string() on:click=move |_| open[section].update(|o| *o = !*o)>{label}</button> }
        });
        let beyond = (total > LISTED).then(|| view! { <p class="hint agenda-more">{t!(i18n, workbench.more, count = total - LISTED)}</p> });
        view! { {expand}{beyond} }
    };
    view! {
        {move || match agenda.get() {
            None => view! { <p class="hint" data-testid="agenda-loading">{t!(i18n, workbench.agenda_loading)}</p> }.into_any(),
            Some((Agenda { follow_ups, collections, collections_fen, stalled }, names, ms)) => {
                let english = i18n.get_locale() == Locale::en;
                view! {
                    <div class="agenda" data-compute-ms=ms>
                        <section class="card agenda-section" data-testid="agenda-follow-ups" data-total=follow_ups.total>
                            <h2 class="card-title agenda-title">{t!(i18n, workbench.follow_ups)}<span class="badge">{follow_ups.total}</span></h2>
                            {if follow_ups.items.is_empty() {
                                view! { <p class="hint">{t!(i18n, workbench.follow_ups_none)}</p> }.into_any()
                            } else {
                                let total = follow_ups.total;
                                let names = names.clone();
                                view! {
                                    <ul class="list">
                                        {move || follow_ups.items.iter().take(shown(0)).cloned().map(|f| {
                                            let late = f.late_days;
                                            let owner = owner_of(&names, &f.owner_id);
                                            view! {
                                                <li>
                                                    <A href=deal_href(&f.pipeline, &f.deal_id) attr:class="list-item" attr:data-deal=f.deal_id.clone()>
                                                        <span class="list-item-main">
                                                            <span class="list-item-title">{f.title.clone()}</span>
                                                            <span class="list-item-sub">{f.customer.clone()}{owner}</span>
                                                            {f.next_step.clone().map(|step| view! { <span class="list-item-sub agenda-step">{t!(i18n, workbench.next_step, step = step)}</span> })}
                                                        </span>
                                                        {if late > 0 {
                                                            view! { <span class="badge overdue-badge">{t!(i18n, deal.overdue_short, days = late)}</span> }.into_any()
                                                        } else {
                                                            view! { <span class="badge follow-badge">{t!(i18n, workbench.due_today)}</span> }.into_any()
                                                        }}
                                                    </A>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                    {footer(0, total)}
                                }.into_any()
                            }}
                        </section>
                        <section class="card agenda-section" data-testid="agenda-collections" data-total=collections.total data-owed-fen=collections_fen>
                            <h2 class="card-title agenda-title">{t!(i18n, workbench.collections)}<span class="badge">{collections.total}</span></h2>
                            {if collections.items.is_empty() {
                                view! { <p class="hint">{t!(i18n, workbench.collections_none)}</p> }.into_any()
                            } else {
                                let total = collections.total;
                                let sum = Money::from_fen(collections_fen).format_compact(english);
                                let names = names.clone();
                                view! {
                                    <p class="hint agenda-sum" title=Money::from_fen(collections_fen).format_yuan()>{t!(i18n, workbench.collections_sum, count = total, amount = sum)}</p>
                                    <ul class="list">
                                        {move || collections.items.iter().take(shown(1)).cloned().map(|c| {
                                            let owner = owner_of(&names, &c.owner_id);
                                            view! {
                                            <li>
                                                <A href=format!("/customers?c={}", c.customer_id) attr:class="list-item" attr:data-order=c.order_id.clone()>
                                                    <span class="list-item-main">
                                                        <span class="list-item-title">{c.customer.clone()}</span>
                                                        <span class="list-item-sub">{t!(i18n, workbench.collection_due, order = c.order_no.clone(), date = day(c.due))}{owner}</span>
                                                    </span>
                                                    <span class="list-item-side">
                                                        <span class="agenda-amount">{Money::from_fen(c.outstanding_fen).format_yuan()}</span>
                                                        {c.overdue.then(|| view! { <span class="badge stalled-badge">{t!(i18n, customers.overdue)}</span> })}
                                                    </span>
                                                </A>
                                            </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                    {footer(1, total)}
                                }.into_any()
                            }}
                        </section>
                        <section class="card agenda-section" data-testid="agenda-stalled" data-total=stalled.total>
                            <h2 class="card-title agenda-title">{t!(i18n, workbench.stalled)}<span class="badge">{stalled.total}</span></h2>
                            {if stalled.items.is_empty() {
                                view! { <p class="hint">{t!(i18n, workbench.stalled_none)}</p> }.into_any()
                            } else {
                                let total = stalled.total;
                                view! {
                                    <ul class="list">
                                        {move || stalled.items.iter().take(shown(2)).cloned().map(|s| {
                                            let stage = catalog.with(|c| super::labels::stage_label(i18n, c, &s.pipeline, &s.stage));
                                            let owner = owner_of(&names, &s.owner_id);
                                            view! {
                                                <li>
                                                    <A href=deal_href(&s.pipeline, &s.deal_id) attr:class="list-item" attr:data-deal=s.deal_id.clone()>
                                                        <span class="list-item-main">
                                                            <span class="list-item-title">{s.title.clone()}</span>
                                                            <span class="list-item-sub">{format!("{} · {stage}", s.customer)}{owner}</span>
                                                        </span>
                                                        <span class="badge stalled-badge">{t!(i18n, funnel.stalled_badge, days = s.idle_days)}</span>
                                                    </A>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                    {footer(2, total)}
                                    <A href="/funnel?view=stalled" attr:class="agenda-link">{t!(i18n, workbench.all_stalled)}</A>
                                }.into_any()
                            }}
                        </section>
                    </div>
                }.into_any()
            }
        }}
    }
}

/// 热点客户 of the user's people, for those who answer for customers (managers and above), from
/// the replica: each with its owner and why it is hot, one tap from its 360 view.
#[component]
fn HotCustomers() -> impl IntoView {
    let i18n = use_i18n();
    let sync = super::sync::use_sync();
    let me = expect_context::<super::session::CurrentUser>();
    let shown = move || me.get().is_some_and(|m| m.role.answers_for_customers());
    let hot = Memo::new(move |_| {
        if !shown() {
            return None;
        }
        // A plain scan, not `Replica::search`: the search's pinyin table belongs in the customer
        // screen's chunk, not in the first download.
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let mut hot: Vec<_> = r.customers().filter(|c| c.hot_reason.is_some()).cloned().collect();
            hot.sort_by(|a, b| a.owner_name.cmp(&b.owner_name).then_with(|| a.name.cmp(&b.name)));
            hot.truncate(20);
            Some(hot)
        })
    });
    view! {
        <Show when=move || hot.get().is_some()>
            <section class="card" data-testid="hot-customers">
                <h2 class="card-title">{t!(i18n, workbench.hot_title)}</h2>
                {move || {
                    let list = hot.get().unwrap_or_default();
                    if list.is_empty() {
                        return leptos::either::Either::Left(view! { <p class="hint">{t!(i18n, workbench.hot_empty)}</p> });
                    }
                    leptos::either::Either::Right(view! {
                        <ul class="list">
                            {list.into_iter().map(|c| view! {
                                <li>
                                    <A href=format!("/customers?c={}", c.id) attr:class="list-item" attr:data-customer=c.id.clone()>
                                        <span class="list-item-main">
                                            <span class="list-item-title">{c.name.clone()}</span>
                                            <span class="list-item-sub">{format!("{} · {}", c.owner_name, c.hot_reason.clone().unwrap_or_default())}</span>
                                        </span>
                                        <span class="badge">{c.grade.to_ascii_uppercase()}</span>
                                    </A>
                                </li>
                            }).collect_view()}
                        </ul>
                    })
                }}
            </section>
        </Show>
    }
}
