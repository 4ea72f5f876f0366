//! 客户视图: one customer on one screen: who it is (profile, classification, credit), who to
//! talk to (contacts, tap to call), what is in play (opportunities with their stage, opening on
//! the funnel board), its orders and what is owed on them, and the sections the coming modules
//! fill (activities, tickets, expenses), with the audit history one tap away. A rep marks a
//! customer hot here, with the reason.

use super::contacts::Contacts;
use super::fields::phone_view;
use super::form::CustomerForm;
use super::I18n;
use crate::domain::catalog::{List, Satisfaction};
use crate::domain::customer::CustomerView;
use crate::domain::sync::{CustomerField, OpportunityView};
use crate::domain::Money;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::labels::{option_label, rejection_text, satisfaction_label, stage_label};
use crate::ui::session::CurrentUser;
use crate::ui::sync::{use_catalog, use_sync};
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::components::A;

/// Whether the signed-in user may change this customer (its owner, or who answers for it; the
/// server checks again).
fn may_edit(me: &CurrentUser, c: &CustomerView) -> bool {
    me.get().is_some_and(|m| m.user_id == c.owner_id || m.role.answers_for_customers())
}

#[component]
pub fn Customer360(id: String, selected: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let me = expect_context::<CurrentUser>();
    let sees_history = me.get().is_some_and(|m| m.role.sees_history());
    let editing = RwSignal::new(false);
    let customer = {
        let id = id.clone();
        Memo::new(move |_| sync.replica.with(|r| r.as_ref().and_then(|r| r.customer(&id).cloned())))
    };
    let editable = Memo::new(move |_| customer.with(|c| c.as_ref().is_some_and(|c| may_edit(&me, c))));
    let done = Callback::new(move |_| editing.set(false));
    let panel_id = id.clone();
    let new_deal_for = id.clone();
    view! {
        <article class="customer-card" data-testid="customer-detail">
            <button type="button" class="button back-button" on:click=move |_| selected.set(None)>{t!(i18n, customers.back)}</button>
            // Only what shows the record is redrawn when it changes (a pull, an edit): the action
            // row keeps its state, so an open history or merge panel stays open.
            {move || customer.get().filter(|_| !editing.get()).map(|c| view! { <Header c /> })}
            <Show when=move || customer.with(Option::is_some) && !editing.get()>
                <div class="actions head-actions">
                    <Show when=move || editable.get()>
                        <button type="button" class="button button-small" data-testid="edit-customer" on:click=move |_| editing.set(true)>
                            {t!(i18n, customers.edit)}
                        </button>
                    </Show>
                    {move || customer.get().map(|c| view! { <HotPanel c editable=editable.get_untracked() /> })}
                    {
                        let (merge_id, history_id) = (panel_id.clone(), panel_id.clone());
                        view! {
                            <Show when=move || editable.get()>
                                <super::merge::MergePanel keep=merge_id.clone() />
                            </Show>
                            <super::handover::HandOver what=super::handover::Handed::Customer(panel_id.clone())
                                owner_id=Signal::derive(move || customer.with(|c| c.as_ref().map(|c| c.owner_id.clone()).unwrap_or_default())) />
                            <Show when=move || sees_history>
                                <crate::ui::pages::History id=history_id.clone() />
                            </Show>
                        }
                    }
                </div>
            </Show>
            {move || match customer.get() {
                None => Either::Left(view! { <p class="hint">{t!(i18n, errors.not_found)}</p> }),
                Some(c) if editing.get() => Either::Right(Either::Left(view! { <CustomerForm existing=Some(c) on_done=done /> })),
                Some(c) => Either::Right(Either::Right(view! { <Profile c /> })),
            }}
            <section class="section" data-section="contacts">
                <h3 class="card-title">{t!(i18n, customers.contacts)}</h3>
                <Contacts customer_id=id.clone() editable=editable />
            </section>
            <section class="section" data-section="deals">
                <div class="section-head">
                    <h3 class="card-title">{t!(i18n, customers.deals)}</h3>
                    <Show when=move || editable.get()>
                        <A href=format!("/funnel?new=1&customer={}", new_deal_for) attr:class="button button-small" attr:data-testid="new-deal-for-customer">
                            {t!(i18n, deal.new_for_customer)}
                        </A>
                    </Show>
                </div>
                <Deals customer_id=id.clone() />
            </section>
            <Later key="activities" />
            <Orders customer_id=id.clone() editable=editable />
            <Payments customer_id=id.clone() />
            <Later key="tickets" />
            <Later key="expenses" />
        </article>
    }
}

#[component]
fn Header(c: CustomerView) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let sync = use_sync();
    let hot = c.hot_reason.is_some();
    let grade_code = c.grade.to_uppercase();
    let record = c.clone();
    view! {
        <div class="page-head">
            <div>
                <h2 class="page-title" data-testid="customer-name">{c.name.clone()}</h2>
                <p class="page-subtitle">
                    {c.short_name.clone().map(|s| format!("{s} · "))}
                    {c.owner_name.clone()}
                </p>
                {move || {
                    // What the grade gets (the company's grading rules, from the lists).
                    let grade = crate::domain::catalog::Grade::from_code(&grade_code)?;
                    let english = i18n.get_locale() == crate::i18n::Locale::en;
                    let (service, days) = catalog.with(|k| k.grading.as_ref().map(|g| {
                        let s = g.strategy(grade);
                        (if english { s.service_en.clone() } else { s.service_zh.clone() }, s.visit_days)
                    }))?;
                    let code = grade.code();
                    Some(view! { <p class="grade-strategy" data-testid="grade-strategy">{t!(i18n, customers.grade_strategy, grade = code, service = move || service.clone(), days = days)}</p> })
                }}
                {move || {
                    // The further grading dimensions: length of cooperation and satisfaction.
                    use crate::domain::grading::Cooperation;
                    let since = sync.replica.with(|r| r.as_ref().and_then(|r| r.cooperation_since(&record)));
                    let today = crate::ui::clock::today();
                    let length = catalog.with(|k| k.grading.as_ref().and_then(|g| g.cooperation(since, today)));
                    let satisfaction = record.satisfaction.as_deref().and_then(Satisfaction::from_code);
                    if since.is_none() && satisfaction.is_none() {
                        return None;
                    }
                    Some(view! {
                        <p class="grade-strategy" data-testid="grade-dims" data-cooperation=length.map(|l| if l == Cooperation::Long { "long" } else { "short" })>
                            {since.map(|d| {
                                let years = format!("{:.1}", f64::from((today - d).max(0)) / 365.0);
                                view! { {t!(i18n, customers.cooperation_years, years = years)} }
                            })}
                            {length.map(|l| view! { " · " {if l == Cooperation::Long { t_string!(i18n, grading.long) } else { t_string!(i18n, grading.short) }} })}
                            {satisfaction.map(|s| view! { " · " {t!(i18n, customers.satisfaction_is, level = satisfaction_label(i18n, s))} })}
                        </p>
                    })
                }}
            </div>
            <div class="head-badges">
                <Show when=move || hot>
                    <span class="badge badge-hot" data-testid="hot-badge">{t!(i18n, customers.hot)}</span>
                </Show>
                <span class="badge" title=move || t_string!(i18n, customers.grade).to_string()>{c.grade.to_uppercase()}</span>
            </div>
        </div>
    }
}

/// 热点客户: the reason shown to everyone; its owner marks and unmarks it.
#[component]
fn HotPanel(c: CustomerView, editable: bool) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let asking = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let failed = RwSignal::new(None::<String>);
    let id = c.id.clone();
    let set = move |value: String| {
        let op = sync.replica.with_untracked(|r| r.as_ref().and_then(|r| r.customer_edit(&id, &[(CustomerField::HotReason, value.clone())])));
        match op.map(|op| sync.mutate(op)) {
            None | Some(Ok(())) => {
                asking.set(false);
                failed.set(None);
            }
            Some(Err(r)) => failed.set(Some(rejection_text(i18n, &r))),
        }
    };
    let mark = {
        let set = set.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let text = reason.get_untracked();
            if text.trim().is_empty() {
                failed.set(Some(crate::ui::labels::error_text(i18n, "required")));
                return;
            }
            set(text);
        }
    };
    let current = c.hot_reason.clone();
    let is_hot = current.is_some();
    view! {
        {current.map(|r| view! {
            <p class="hot-reason" data-testid="hot-reason"><strong>{t!(i18n, customers.hot_reason)}</strong>" "{r}</p>
        })}
        <Show when=move || editable>
            {
                let set = set.clone();
                let mark = mark.clone();
                move || if is_hot {
                    let set = set.clone();
                    Either::Left(view! {
                        <button type="button" class="button button-small" data-testid="unmark-hot" on:click=move |_| set(String::new())>
                            {t!(i18n, customers.unmark_hot)}
                        </button>
                    })
                } else if asking.get() {
                    Either::Right(Either::Left(view! {
                        <form class="inline-form" on:submit=mark.clone() novalidate>
                            <label class="field">
                                <span class="field-label">{t!(i18n, customers.hot_reason)}</span>
                                <input name="hot_reason" type="text" maxlength="200" bind:value=reason />
                            </label>
                            <button type="submit" class="button button-small button-primary" data-testid="save-hot">{t!(i18n, customers.save)}</button>
                        </form>
                    }))
                } else {
                    Either::Right(Either::Right(view! {
                        <button type="button" class="button button-small" data-testid="mark-hot" on:click=move |_| asking.set(true)>
                            {t!(i18n, customers.mark_hot)}
                        </button>
                    }))
                }
            }
        </Show>
        <p class="form-error" role="alert">{move || failed.get()}</p>
    }
}

#[component]
fn Profile(c: CustomerView) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let listed = move |list: List, code: Option<String>| {
        move || code.as_deref().map_or_else(|| "—".into(), |code| catalog.with(|cat| option_label(i18n, cat, list, code)))
    };
    let region = listed(List::Region, Some(c.region.clone()));
    let industry = listed(List::Industry, Some(c.industry.clone()));
    let size = listed(List::Size, Some(c.size.clone()));
    let business = listed(List::BusinessType, Some(c.business_type.clone()));
    let source = listed(List::Source, c.source.clone());
    let satisfaction = c.satisfaction.as_deref().and_then(Satisfaction::from_code).map(|x| satisfaction_label(i18n, x));
    let credit = c.credit_limit_fen.map(|f| Money::from_fen(f).format_yuan());
    let optional = |v: Option<String>| v.unwrap_or_else(|| "—".into());
    view! {
        <section class="section" data-section="profile">
            <h3 class="card-title">{t!(i18n, customers.profile)}</h3>
            <dl class="facts">
                <dt>{t!(i18n, customers.phone)}</dt><dd>{phone_view(c.phone.clone())}</dd>
                <dt>{t!(i18n, customers.region)}</dt><dd>{region}</dd>
                <dt>{t!(i18n, customers.city)}</dt><dd data-testid="customer-city">{c.city.clone()}</dd>
                <dt>{t!(i18n, customers.address)}</dt><dd>{optional(c.address.clone())}</dd>
                <dt>{t!(i18n, customers.industry)}</dt><dd>{industry}</dd>
                <dt>{t!(i18n, customers.size)}</dt><dd>{size}</dd>
                <dt>{t!(i18n, customers.business_type)}</dt><dd>{business}</dd>
                <dt>{t!(i18n, customers.source)}</dt><dd>{source}</dd>
                <dt>{t!(i18n, customers.tags)}</dt>
                <dd class="tags">{c.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}</dd>
                <dt>{t!(i18n, customers.cooperation_since)}</dt><dd>{optional(c.cooperation_since.clone())}</dd>
                <dt>{t!(i18n, customers.credit_limit)}</dt><dd>{optional(credit)}</dd>
                <dt>{t!(i18n, customers.satisfaction)}</dt><dd>{optional(satisfaction)}</dd>
                <dt>{t!(i18n, customers.credit_code)}</dt><dd class="code">{optional(c.credit_code.clone())}</dd>
                <Show when={let has = c.id_number.is_some(); move || has}>
                    <dt>{t!(i18n, customers.id_number)}</dt><dd data-testid="id-number">{c.id_number.clone()}</dd>
                </Show>
                <Show when={let has = c.bank_account.is_some(); move || has}>
                    <dt>{t!(i18n, customers.bank_account)}</dt><dd data-testid="bank-account">{c.bank_account.clone()}</dd>
                </Show>
            </dl>
        </section>
    }
}

/// A section the coming modules fill: its title and what will appear.
#[component]
fn Later(key: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let (title, body) = later_text(i18n, key);
    view! {
        <section class="section" data-section=key>
            <h3 class="card-title">{title}</h3>
            <p class="hint empty-section">{body}</p>
        </section>
    }
}

fn later_text(i18n: I18n, key: &str) -> (String, String) {
    let (title, body) = match key {
        "activities" => (t_string!(i18n, customers.activities), t_string!(i18n, customers.activities_empty)),
        "tickets" => (t_string!(i18n, customers.tickets), t_string!(i18n, customers.tickets_empty)),
        _ => (t_string!(i18n, customers.expenses), t_string!(i18n, customers.expenses_empty)),
    };
    (title.to_string(), body.to_string())
}

/// Orders shown at once; older ones are counted.
const ORDERS_SHOWN: usize = 20;

/// The customer's orders 订单, newest first, as synced with it (cost only for those who may see
/// it). Whoever may change the customer can say which approved promotion an order came from
/// (归因活动): the promotions screen's effect evaluation counts it.
#[component]
fn Orders(customer_id: String, editable: Memo<bool>) -> impl IntoView {
    use crate::domain::order::{OrderStatus, OrderView};
    use crate::domain::promotion::Status;
    let i18n = use_i18n();
    let sync = use_sync();
    let orders = Memo::new(move |_| {
        sync.replica.with(|r| {
            let Some(r) = r.as_ref() else { return (Vec::new(), 0) };
            let mut list: Vec<(OrderView, Option<String>)> = r.orders_of(&customer_id).map(|o| (o.clone(), r.attribution(o).map(str::to_string))).collect();
            list.sort_by(|a, b| b.0.day.cmp(&a.0.day).then_with(|| b.0.order_no.cmp(&a.0.order_no)));
            let all = list.len();
            list.truncate(ORDERS_SHOWN);
            (list, all)
        })
    });
    // The approved promotions: (id, name, first day, last day).
    let campaigns = Memo::new(move |_| {
        sync.replica.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.promotions()
                        .into_iter()
                        .filter(|p| p.status == Status::Approved)
                        .map(|p| (p.id.clone(), p.draft.name.clone(), p.draft.from, p.draft.to))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let error: RwSignal<Option<String>> = RwSignal::new(None);
    let attribute = move |order: String, plan: String| {
        let plan = Some(plan).filter(|p| !p.is_empty());
        match sync.mutate(crate::domain::sync::Op::AttributeOrder { id: order, plan }) {
            Ok(()) => error.set(None),
            Err(r) => error.set(Some(rejection_text(i18n, &r))),
        }
    };
    let status_label = move |s: OrderStatus| match s {
        OrderStatus::Confirmed => t_string!(i18n, customers.order_confirmed),
        OrderStatus::Delivered => t_string!(i18n, customers.order_delivered),
        OrderStatus::Completed => t_string!(i18n, customers.order_completed),
        OrderStatus::Cancelled => t_string!(i18n, customers.order_cancelled),
        OrderStatus::Other => t_string!(i18n, customers.order_other),
    };
    view! {
        <section class="section" data-section="orders">
            <h3 class="card-title">{t!(i18n, customers.orders)}</h3>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {move || {
                let (list, all) = orders.get();
                if list.is_empty() {
                    return view! { <p class="hint empty-section">{t!(i18n, customers.no_orders)}</p> }.into_any();
                }
                let more = all - list.len();
                view! {
                    <ul class="list orders" data-testid="orders">
                        {list.into_iter().map(|(o, attributed)| {
                            let id = o.id.clone();
                            // Campaigns running on the order's day, and the one it is attributed to.
                            let offered: Vec<(String, String)> = campaigns.get().into_iter()
                                .filter(|(cid, _, from, to)| (*from..=*to).contains(&o.day) || attributed.as_deref() == Some(cid.as_str()))
                                .map(|(cid, name, _, _)| (cid, name)).collect();
                            let current = attributed.clone().unwrap_or_default();
                            let campaign_name = attributed.as_ref().and_then(|a| offered.iter().find(|(cid, _)| cid == a).map(|(_, n)| n.clone()));
                            let sub = format!("{} · {}", crate::domain::funnel::format_day(o.day), status_label(o.status));
                            let products = o.products.len();
                            view! {
                                <li class="order-row" data-order=o.id.clone() data-campaign=current.clone() class:cancelled=o.status == OrderStatus::Cancelled>
                                    <div class="order-main">
                                        <span class="list-item-title">{o.order_no.clone()}</span>
                                        <span class="list-item-sub">{sub}" · "{t!(i18n, customers.order_products, n = products)}</span>
                                    </div>
                                    <span class="order-total">{Money::from_fen(o.total_fen).format_yuan()}</span>
                                    {if editable.get() && !offered.is_empty() {
                                        let value = current.clone();
                                        view! {
                                            <label class="field order-campaign">
                                                <span class="visually-hidden">{t!(i18n, customers.order_campaign)}</span>
                                                <select name="campaign" on:change=move |ev| attribute(id.clone(), event_target_value(&ev))>
                                                    <option value="" selected=value.is_empty()>{t!(i18n, customers.order_no_campaign)}</option>
                                                    {offered.into_iter().map(|(cid, name)| {
                                                        let selected = cid == value;
                                                        view! { <option value=cid selected=selected>{name}</option> }
                                                    }).collect_view()}
                                                </select>
                                            </label>
                                        }.into_any()
                                    } else {
                                        campaign_name.map(|n| view! { <span class="tag">{n}</span> }).into_any()
                                    }}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {(more > 0).then(|| view! { <p class="hint">{t!(i18n, customers.orders_more, n = more)}</p> })}
                }.into_any()
            }}
        </section>
    }
}

/// 回款: what the customer paid and still owes on its orders, and the orders with money
/// outstanding, the earliest due first, overdue ones 逾期 marked. Read from the orders as synced
/// (each carries its payment plan folded in); recording a receipt is the collections module's.
#[component]
fn Payments(customer_id: String) -> impl IntoView {
    use crate::domain::funnel::format_day;
    use crate::domain::order::OrderView;
    let i18n = use_i18n();
    let sync = use_sync();
    let today = crate::ui::clock::today();
    let owed = Memo::new(move |_| {
        sync.replica.with(|r| {
            let Some(r) = r.as_ref() else { return (0, 0, 0, Vec::new()) };
            let (mut paid, mut outstanding, mut overdue) = (0i64, 0i64, 0i64);
            let mut open: Vec<OrderView> = Vec::new();
            for o in r.orders_of(&customer_id).filter(|o| o.counts()) {
                paid += o.paid_fen;
                outstanding += o.outstanding_fen();
                if o.overdue(today) {
                    overdue += o.outstanding_fen();
                }
                if o.outstanding_fen() > 0 {
                    open.push(o.clone());
                }
            }
            open.sort_by(|a, b| a.next_due.unwrap_or(i32::MAX).cmp(&b.next_due.unwrap_or(i32::MAX)).then_with(|| a.order_no.cmp(&b.order_no)));
            (paid, outstanding, overdue, open)
        })
    });
    let yuan = |fen: i64| Money::from_fen(fen).format_yuan();
    // Three amounts side by side on a phone: compact (¥12.5万), the exact one in the title.
    let short = move |fen: i64| Money::from_fen(fen).format_compact(i18n.get_locale() == crate::i18n::Locale::en);
    view! {
        <section class="section" data-section="payments">
            <h3 class="card-title">{t!(i18n, customers.payments)}</h3>
            {move || {
                let (paid, outstanding, overdue, open) = owed.get();
                if paid == 0 && outstanding == 0 {
                    return view! { <p class="hint empty-section">{t!(i18n, customers.payments_none)}</p> }.into_any();
                }
                view! {
                    <div class="kpis payments-summary" data-testid="payments-summary" data-paid-fen=paid data-outstanding-fen=outstanding data-overdue-fen=overdue>
                        <div class="kpi"><span class="kpi-label">{t!(i18n, customers.paid)}</span><span class="kpi-value" title=yuan(paid)>{short(paid)}</span></div>
                        <div class="kpi"><span class="kpi-label">{t!(i18n, customers.outstanding)}</span><span class="kpi-value" title=yuan(outstanding)>{short(outstanding)}</span></div>
                        <div class="kpi" class:kpi-alert={overdue > 0}><span class="kpi-label">{t!(i18n, customers.overdue)}</span><span class="kpi-value" title=yuan(overdue)>{short(overdue)}</span></div>
                    </div>
                    {if open.is_empty() {
                        view! { <p class="hint">{t!(i18n, customers.all_paid)}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="list receivables" data-testid="receivables">
                                {open.into_iter().map(|o| {
                                    let late = o.overdue(today);
                                    let due = o.next_due.map(format_day).unwrap_or_default();
                                    view! {
                                        <li class="order-row receivable" data-order=o.id.clone() data-outstanding-fen=o.outstanding_fen() class:overdue=late>
                                            <div class="order-main">
                                                <span class="list-item-title">{o.order_no.clone()}</span>
                                                <span class="list-item-sub">{t!(i18n, customers.receivable_sub, total = short(o.total_fen), paid = short(o.paid_fen), due = due)}</span>
                                            </div>
                                            {late.then(|| view! { <span class="status-chip status-overdue">{t!(i18n, customers.overdue)}</span> })}
                                            <span class="order-total">{yuan(o.outstanding_fen())}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }.into_any()
            }}
        </section>
    }
}

/// The customer's opportunities with their stage; each opens on the funnel board, where deals
/// are moved (one place for the move rules, the criteria and the loss reason).
#[component]
fn Deals(customer_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let catalog = use_catalog();
    let deals = Memo::new(move |_| {
        sync.replica.with(|r| {
            let mut list: Vec<OpportunityView> = r.as_ref().map(|r| r.opportunities_of(&customer_id).into_iter().cloned().collect()).unwrap_or_default();
            list.sort_by(|a, b| a.expected_close.cmp(&b.expected_close).then_with(|| a.id.cmp(&b.id)));
            list
        })
    });
    view! {
        <Show when=move || !deals.get().is_empty() fallback=move || view! { <p class="hint">{t!(i18n, customers.no_deals)}</p> }>
            <ul class="list deals" data-testid="deals">
                <For each=move || deals.get() key=|o| (o.id.clone(), o.version, o.stage.clone(), o.title.clone(), o.amount_fen) let:o>
                    {
                        let (pipeline, stage) = (o.pipeline.clone(), o.stage.clone());
                        let stage_data = o.stage.clone();
                        view! {
                            <li class="deal" data-deal=o.id.clone() data-stage=stage_data>
                                <A href=format!("/funnel?deal={}", o.id) attr:class="list-item-link">
                                    <span class="list-item-main">
                                        <span class="list-item-title">{o.title.clone()}</span>
                                        <span class="list-item-sub">{format!("{} · {}", Money::from_fen(o.amount_fen).format_yuan(), o.expected_close)}</span>
                                    </span>
                                    <span class="badge stage-badge">{move || catalog.with(|c| stage_label(i18n, c, &pipeline, &stage))}</span>
                                </A>
                            </li>
                        }
                    }
                </For>
            </ul>
        </Show>
    }
}
