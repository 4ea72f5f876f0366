//! 促销方案: a promotion planned for a saved segment (or every customer in view) and simulated on
//! the device as the planner moves the sliders, by `domain::promotion`'s stated model. The
//! segment's baseline — what its customers bought in the same window last year, per grade — is
//! summed once when the segment or the window changes; a slider move only re-runs the model on
//! four sums. Margin and ROI need costs, which only managers and above receive.

use super::clock::{perf_ms, today};
use super::labels::error_text;
use super::labels::rejection_text;
use super::segments::members;
use super::sync::use_sync;
use crate::domain::catalog::Grade;
use crate::domain::funnel::{format_day, parse_day};
use crate::domain::promotion::{
    evaluate, may_decide, simulate, Basis, Channel, Customer, Draft, Effect, Evaluated, Expected, Forecast, Kind, Model, Plan, SavedPlan, Status,
};
use crate::domain::segment::Rule;
use crate::domain::sync::Op;
use crate::domain::Money;
use crate::i18n::{t, t_string, use_i18n, Locale};
use leptos::prelude::*;

type I18n = leptos_i18n::I18nContext<Locale>;

fn kind_label(i18n: I18n, k: Kind) -> String {
    match k {
        Kind::CashDiscount => t_string!(i18n, promotions.k_cash_discount),
        Kind::QuantityDiscount => t_string!(i18n, promotions.k_quantity_discount),
        Kind::Seasonal => t_string!(i18n, promotions.k_seasonal),
        Kind::Gift => t_string!(i18n, promotions.k_gift),
        Kind::Points => t_string!(i18n, promotions.k_points),
        Kind::LimitedTime => t_string!(i18n, promotions.k_limited_time),
    }
    .to_string()
}

fn channel_label(i18n: I18n, c: Channel) -> String {
    match c {
        Channel::Visit => t_string!(i18n, promotions.c_visit),
        Channel::Phone => t_string!(i18n, promotions.c_phone),
        Channel::Wechat => t_string!(i18n, promotions.c_wechat),
        Channel::Sms => t_string!(i18n, promotions.c_sms),
        Channel::Email => t_string!(i18n, promotions.c_email),
        Channel::Event => t_string!(i18n, promotions.c_event),
        Channel::Advertising => t_string!(i18n, promotions.c_advertising),
    }
    .to_string()
}

fn status_label(i18n: I18n, s: Status) -> String {
    match s {
        Status::Draft => t_string!(i18n, promotions.s_draft),
        Status::Submitted => t_string!(i18n, promotions.s_submitted),
        Status::Approved => t_string!(i18n, promotions.s_approved),
        Status::Rejected => t_string!(i18n, promotions.s_rejected),
    }
    .to_string()
}

/// An amount as typed into a field: `50000`, `12.5`.
fn yuan_text(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, (fen % 100).abs())
    }
}

fn bp_text(bp: u32) -> String {
    format!("{}", f64::from(bp) / 100.0)
}

/// The plan as typed: what the sliders and fields hold, which plan (if any) it was opened from.
#[derive(Clone, Copy)]
struct Form {
    segment: RwSignal<String>,
    kind: RwSignal<Kind>,
    channel: RwSignal<Channel>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    intensity_bp: RwSignal<u32>,
    gift: RwSignal<String>,
    budget: RwSignal<String>,
    /// The model, editable (percent).
    uptake: [RwSignal<String>; 4],
    per_point: RwSignal<String>,
    lift: RwSignal<String>,
    name: RwSignal<String>,
    /// The saved plan the form was opened from or last saved as.
    plan_id: RwSignal<Option<String>>,
}

impl Form {
    fn new(today: i32) -> Form {
        let defaults = Model::default();
        Form {
            segment: RwSignal::new(String::new()),
            kind: RwSignal::new(Kind::LimitedTime),
            channel: RwSignal::new(Channel::Visit),
            from: RwSignal::new(format_day(today + 7)),
            to: RwSignal::new(format_day(today + 37)),
            intensity_bp: RwSignal::new(1_000),
            gift: RwSignal::new("200".to_string()),
            budget: RwSignal::new("50000".to_string()),
            uptake: std::array::from_fn(|g| RwSignal::new(bp_text(defaults.base_uptake_bp[g]))),
            per_point: RwSignal::new(bp_text(defaults.uptake_per_point_bp)),
            lift: RwSignal::new(bp_text(defaults.lift_bp)),
            name: RwSignal::new(String::new()),
            plan_id: RwSignal::new(None),
        }
    }

    fn window(&self) -> Result<(i32, i32), &'static str> {
        let f = parse_day(self.from.get().trim()).ok_or("invalid_date")?;
        let t = parse_day(self.to.get().trim()).ok_or("invalid_date")?;
        Ok((f, t))
    }

    fn model(&self) -> Result<Model, &'static str> {
        let mut base = [0u32; 4];
        for (g, s) in self.uptake.iter().enumerate() {
            base[g] = s.with(|v| percent_bp(v, 10_000))?;
        }
        Ok(Model {
            base_uptake_bp: base,
            uptake_per_point_bp: self.per_point.with(|v| percent_bp(v, 10_000))?,
            lift_bp: self.lift.with(|v| percent_bp(v, 100_000))?,
        })
    }

    /// The plan to save, with what the forecast on screen expects.
    fn draft(&self, expected: Expected) -> Result<Draft, &'static str> {
        let (from, to) = self.window()?;
        let money = |s: RwSignal<String>| s.with_untracked(|v| Money::parse(v.trim()).map(|m| m.fen())).map_err(|_| "invalid_amount");
        let segment = self.segment.get_untracked();
        Ok(Draft {
            name: self.name.get_untracked().trim().to_string(),
            segment_id: Some(segment).filter(|s| !s.is_empty()),
            channel: self.channel.get_untracked(),
            kind: self.kind.get_untracked(),
            intensity_bp: self.intensity_bp.get_untracked(),
            gift_fen: if self.kind.get_untracked() == Kind::Gift { money(self.gift)? } else { 0 },
            from,
            to,
            budget_fen: money(self.budget)?,
            model: self.model()?,
            expected: Some(expected),
        })
    }

    /// Fills the form from a saved plan.
    fn load(&self, p: &SavedPlan) {
        let d = &p.draft;
        self.segment.set(d.segment_id.clone().unwrap_or_default());
        self.kind.set(d.kind);
        self.channel.set(d.channel);
        self.from.set(format_day(d.from));
        self.to.set(format_day(d.to));
        self.intensity_bp.set(d.intensity_bp);
        self.gift.set(yuan_text(d.gift_fen));
        self.budget.set(yuan_text(d.budget_fen));
        for (g, s) in self.uptake.iter().enumerate() {
            s.set(bp_text(d.model.base_uptake_bp[g]));
        }
        self.per_point.set(bp_text(d.model.uptake_per_point_bp));
        self.lift.set(bp_text(d.model.lift_bp));
        self.name.set(d.name.clone());
        self.plan_id.set(Some(p.id.clone()));
    }
}

/// 效果评估: what an approved plan brought so far, against the same days last year.
fn effect_view(i18n: I18n, e: &Effect, expected: Option<Expected>, money: impl Fn(i64) -> String + Copy + 'static) -> impl IntoView {
    let change = |now: i64, before: i64| if before > 0 { format!("{:+.1}%", (now - before) as f64 * 100.0 / before as f64) } else { "—".to_string() };
    let revenue_change = change(e.revenue_fen, e.baseline_revenue_fen);
    let margin = e.margin_fen.map_or_else(|| "—".to_string(), money);
    let margin_sub = match (e.margin_fen, e.baseline_margin_fen) {
        (Some(m), Some(b)) => Some((money(b), change(m, b))),
        _ => None,
    };
    let roi = e.roi.map_or_else(|| "—".to_string(), |r| format!("{r:.2}"));
    view! {
        <div class="plan-effect" data-testid="plan-effect" data-revenue-fen=e.revenue_fen data-baseline-fen=e.baseline_revenue_fen
            data-attributed-orders=e.attributed_orders data-attributed-fen=e.attributed_revenue_fen data-attributed-paid-fen=e.attributed_paid_fen data-cost-fen=e.promotion_cost_fen
            data-new-customers=e.new_customers data-buyers=e.buyers data-customers=e.customers>
            <p class="hint">{t!(i18n, promotions.eff_days, days = e.days, total = e.window_days)}</p>
            <div class="kpis">
                <div class="kpi"><span class="kpi-label">{t!(i18n, promotions.eff_revenue)}</span><span class="kpi-value">{money(e.revenue_fen)}</span>
                    <span class="kpi-sub">{t!(i18n, promotions.eff_last_year, baseline = money(e.baseline_revenue_fen), change = revenue_change)}</span>
                    {expected.map(|x| view! { <span class="kpi-sub">{t!(i18n, promotions.eff_expected, revenue = money(x.revenue_fen))}</span> })}</div>
                <div class="kpi"><span class="kpi-label">{t!(i18n, promotions.eff_buyers)}</span><span class="kpi-value">{e.buyers}</span>
                    <span class="kpi-sub">{t!(i18n, promotions.eff_buyers_of, n = e.customers, new = e.new_customers)}</span></div>
                <div class="kpi"><span class="kpi-label">{t!(i18n, promotions.eff_margin)}</span><span class="kpi-value">{margin}</span>
                    {match margin_sub {
                        Some((baseline, change)) => view! { <span class="kpi-sub">{t!(i18n, promotions.eff_last_year, baseline = baseline, change = change)}</span> }.into_any(),
                        None => view! { <span class="kpi-sub">{t!(i18n, promotions.cost_hidden)}</span> }.into_any(),
                    }}</div>
                <div class="kpi"><span class="kpi-label">{t!(i18n, promotions.eff_attributed)}</span><span class="kpi-value">{money(e.attributed_revenue_fen)}</span>
                    <span class="kpi-sub">{t!(i18n, promotions.eff_attributed_sub, n = e.attributed_orders)}</span></div>
                <div class="kpi"><span class="kpi-label">{t!(i18n, promotions.eff_paid)}</span><span class="kpi-value">{money(e.attributed_paid_fen)}</span>
                    <span class="kpi-sub">{t!(i18n, promotions.eff_paid_sub, cost = money(e.promotion_cost_fen), roi = roi)}</span></div>
            </div>
        </div>
    }
}

/// What the plans card last did, for the line under its buttons.
#[derive(Clone, PartialEq)]
enum Notice {
    Saved(String),
    Submitted(String),
    Approved(String),
    Rejected(String),
    Error(String),
}

/// 方案与审批: saving the plan on screen, submitting it, and the plans the user sees — their own,
/// and for managers and the director those waiting for their decision.
#[component]
fn Plans(form: Form, forecast: Memo<Result<(Forecast, bool, f64), String>>) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let me = expect_context::<super::session::CurrentUser>();
    let notice: RwSignal<Option<Notice>> = RwSignal::new(None);
    let notes: RwSignal<std::collections::HashMap<String, String>> = RwSignal::new(Default::default());
    // The plan whose effect is shown (evaluated when asked: it reads every order in view).
    let evaluating: RwSignal<Option<String>> = RwSignal::new(None);
    let today = today();
    let effect = Memo::new(move |_| -> Option<(String, Result<Effect, String>)> {
        let id = evaluating.get()?;
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let plan = r.promotion(&id)?;
            let target = match plan.draft.segment_id.as_ref().map(|s| r.segment(s)) {
                None => (Rule::default(), 365),
                Some(Some(s)) => (s.rule.clone(), s.period_days),
                Some(None) => return Some((id.clone(), Err(error_text(i18n, "unknown_segment")))),
            };
            let members: std::collections::HashSet<String> = members(r, &target.0, target.1, today).into_iter().collect();
            let customers = r.customers().map(|c| Evaluated { target: members.contains(&c.id), orders: r.orders_of(&c.id).collect() });
            let result = evaluate(&plan.draft, customers, |o| r.attribution(o) == Some(id.as_str()), today).map_err(|c| error_text(i18n, c));
            Some((id.clone(), result))
        })
    });
    let english = move || i18n.get_locale() == Locale::en;
    let money = move |fen: i64| Money::from_fen(fen).format_compact(english());
    let my_id = move || me.get().map(|m| m.user_id).unwrap_or_default();
    let plans = move || sync.replica.with(|r| r.as_ref().map(|r| r.promotions().into_iter().cloned().collect::<Vec<_>>()).unwrap_or_default());
    // The plan on screen is the user's and may still change: saving changes it; otherwise saving
    // makes a new one.
    let own_open = move || {
        let id = form.plan_id.get_untracked()?;
        let mine = my_id();
        sync.replica.with_untracked(|r| r.as_ref().and_then(|r| r.promotion(&id)).filter(|p| p.owner_id == mine && p.status.editable()).map(|p| p.id.clone()))
    };
    let save = move |submit: bool| {
        let expected = match forecast.get_untracked() {
            Ok((f, _, _)) => Expected::of(&f),
            Err(text) => return notice.set(Some(Notice::Error(text))),
        };
        let draft = match form.draft(expected) {
            Ok(d) => d,
            Err(code) => return notice.set(Some(Notice::Error(error_text(i18n, code)))),
        };
        let id = own_open().unwrap_or_else(crate::ui::sync::new_id);
        let name = draft.name.clone();
        let mut result = sync.mutate(Op::SavePromotion { id: id.clone(), draft });
        if result.is_ok() && submit {
            result = sync.mutate(Op::SubmitPromotion { id: id.clone() });
        }
        match result {
            Ok(()) => {
                form.plan_id.set(Some(id));
                notice.set(Some(if submit { Notice::Submitted(name) } else { Notice::Saved(name) }));
            }
            Err(r) => notice.set(Some(Notice::Error(rejection_text(i18n, &r)))),
        }
    };
    let decide = move |id: String, approve: bool| {
        let note = notes.with_untracked(|n| n.get(&id).cloned().unwrap_or_default());
        let name = sync.replica.with_untracked(|r| r.as_ref().and_then(|r| r.promotion(&id)).map(|p| p.draft.name.clone())).unwrap_or_default();
        match sync.mutate(Op::DecidePromotion { id: id.clone(), approve, note }) {
            Ok(()) => {
                notes.update(|n| {
                    n.remove(&id);
                });
                notice.set(Some(if approve { Notice::Approved(name) } else { Notice::Rejected(name) }));
            }
            Err(r) => notice.set(Some(Notice::Error(rejection_text(i18n, &r)))),
        }
    };
    let delete = move |id: String| match sync.mutate(Op::DeletePromotion { id: id.clone() }) {
        Ok(()) => {
            if form.plan_id.get_untracked().as_deref() == Some(id.as_str()) {
                form.plan_id.set(None);
            }
            notice.set(None);
        }
        Err(r) => notice.set(Some(Notice::Error(rejection_text(i18n, &r)))),
    };
    let segment_name = move |id: &Option<String>| match id {
        None => t_string!(i18n, promotions.all_customers).to_string(),
        Some(id) => sync.replica.with_untracked(|r| r.as_ref().and_then(|r| r.segment(id)).map(|s| s.name.clone())).unwrap_or_else(|| "—".into()),
    };
    view! {
        <section class="card promo-plans" data-testid="promo-plans">
            <h2 class="card-title">{t!(i18n, promotions.plans)}</h2>
            <div class="saved-row">
                <label class="field saved-name">
                    <span class="visually-hidden">{t!(i18n, promotions.plan_name)}</span>
                    <input type="text" name="plan-name" maxlength="200" placeholder=move || t_string!(i18n, promotions.plan_name).to_string()
                        prop:value=move || form.name.get() on:input=move |ev| form.name.set(event_target_value(&ev)) />
                </label>
                <button type="button" class="button" data-testid="save-plan" on:click=move |_| save(false)>{t!(i18n, promotions.save_plan)}</button>
                <button type="button" class="button button-primary" data-testid="submit-plan" on:click=move |_| save(true)>{t!(i18n, promotions.submit_plan)}</button>
            </div>
            {move || notice.get().map(|n| match n {
                Notice::Saved(name) => view! { <p class="hint" role="status" data-testid="plan-notice">{t!(i18n, promotions.saved, name = move || name.clone())}</p> }.into_any(),
                Notice::Submitted(name) => view! { <p class="hint" role="status" data-testid="plan-notice">{t!(i18n, promotions.submitted, name = move || name.clone())}</p> }.into_any(),
                Notice::Approved(name) => view! { <p class="hint" role="status" data-testid="plan-notice">{t!(i18n, promotions.approved, name = move || name.clone())}</p> }.into_any(),
                Notice::Rejected(name) => view! { <p class="hint" role="status" data-testid="plan-notice">{t!(i18n, promotions.rejected, name = move || name.clone())}</p> }.into_any(),
                Notice::Error(text) => view! { <p class="form-error" role="alert" data-testid="plan-notice" data-error="true">{text}</p> }.into_any(),
            })}
            {move || {
                let list = plans();
                if list.is_empty() {
                    return view! { <p class="hint">{t!(i18n, promotions.no_plans)}</p> }.into_any();
                }
                let mine = my_id();
                let role = me.get().map(|m| m.role);
                view! {
                    <ul class="plan-list">
                        {list.into_iter().map(|p| {
                            let id = p.id.clone();
                            let deciding = role.is_some_and(|r| may_decide(r, &mine, &p.owner_id, p.status));
                            let editable = p.owner_id == mine && p.status.editable();
                            let d = p.draft.clone();
                            let open = {
                                let p = p.clone();
                                move |_| {
                                    form.load(&p);
                                    notice.set(None);
                                }
                            };
                            let (note_id, approve_id, reject_id, delete_id) = (id.clone(), id.clone(), id.clone(), id.clone());
                            let (effect_id, shown_id) = (id.clone(), id.clone());
                            view! {
                                <li class="plan-row" data-plan=id.clone() data-status=p.status.code()>
                                    <div class="plan-head">
                                        <strong class="plan-name">{d.name.clone()}</strong>
                                        <span class=format!("status-chip status-{}", p.status.code()) data-testid="plan-status">{status_label(i18n, p.status)}</span>
                                    </div>
                                    <p class="plan-facts">
                                        {p.owner_name.clone()}" · "{segment_name(&d.segment_id)}" · "{kind_label(i18n, d.kind)}" "{format!("{:.1}%", f64::from(d.intensity_bp) / 100.0)}
                                        " · "{channel_label(i18n, d.channel)}" · "{format_day(d.from)}" – "{format_day(d.to)}
                                    </p>
                                    <p class="plan-facts">
                                        {t!(i18n, promotions.plan_budget, budget = money(d.budget_fen))}
                                        {d.expected.map(|e| view! { " · "{t!(i18n, promotions.plan_expected, revenue = money(e.revenue_fen), cost = money(e.promotion_cost_fen), takers = e.takers)}})}
                                    </p>
                                    {p.decided_by.clone().map(|who| view! {
                                        <p class="plan-facts" data-testid="plan-decision">{t!(i18n, promotions.decided_by, name = who.clone())}{p.note.clone().map(|n| view! { "：" {n} })}</p>
                                    })}
                                    <div class="plan-actions">
                                        <button type="button" class="button button-small" data-testid="open-plan" on:click=open>{t!(i18n, promotions.open_plan)}</button>
                                        {editable.then(|| view! {
                                            <button type="button" class="button button-small" data-testid="delete-plan" on:click=move |_| delete(delete_id.clone())>{t!(i18n, promotions.delete_plan)}</button>
                                        })}
                                        {(p.status == Status::Approved).then(|| {
                                            let id = effect_id.clone();
                                            view! {
                                                <button type="button" class="button button-small" data-testid="show-effect"
                                                    on:click=move |_| evaluating.update(|e| *e = if e.as_deref() == Some(id.as_str()) { None } else { Some(id.clone()) })>
                                                    {t!(i18n, promotions.effect_show)}
                                                </button>
                                            }
                                        })}
                                    </div>
                                    {
                                        let id = shown_id.clone();
                                        let expected = d.expected;
                                        move || effect.get().filter(|(e, _)| *e == id).map(|(_, result)| match result {
                                            Err(text) => view! { <p class="form-error" role="alert" data-testid="plan-effect-error">{text}</p> }.into_any(),
                                            Ok(e) => effect_view(i18n, &e, expected, money).into_any(),
                                        })
                                    }
                                    {deciding.then(|| view! {
                                        <div class="plan-decide">
                                            <label class="field">
                                                <span class="visually-hidden">{t!(i18n, promotions.decision_note)}</span>
                                                <input type="text" name="decision-note" maxlength="200" placeholder=move || t_string!(i18n, promotions.decision_note).to_string()
                                                    prop:value={ let id = note_id.clone(); move || notes.with(|n| n.get(&id).cloned().unwrap_or_default()) }
                                                    on:input={ let id = note_id.clone(); move |ev| { let v = event_target_value(&ev); notes.update(|n| { n.insert(id.clone(), v); }); } } />
                                            </label>
                                            <button type="button" class="button button-small button-primary" data-testid="approve-plan" on:click=move |_| decide(approve_id.clone(), true)>{t!(i18n, promotions.approve)}</button>
                                            <button type="button" class="button button-small" data-testid="reject-plan" on:click=move |_| decide(reject_id.clone(), false)>{t!(i18n, promotions.reject)}</button>
                                        </div>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// The segment's baseline for a window: per grade, summed once.
#[derive(Clone, PartialEq)]
struct Baseline {
    basis: Basis,
    /// Every baseline order came with its cost (the viewer may see costs).
    costs_known: bool,
    from: i32,
    to: i32,
}

/// Percent typed (`"12.5"`) as basis points, within `0..=max_bp`.
fn percent_bp(text: &str, max_bp: u32) -> Result<u32, &'static str> {
    let v: f64 = text.trim().parse().map_err(|_| "invalid_intensity")?;
    if !v.is_finite() || v < 0.0 || v * 100.0 > f64::from(max_bp) {
        return Err("invalid_intensity");
    }
    Ok((v * 100.0).round() as u32)
}

#[component]
pub fn Promotions() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let today = today();
    let english = move || i18n.get_locale() == Locale::en;
    // The plan as typed.
    let form = Form::new(today);
    let Form { segment, kind, channel, from, to, intensity_bp, gift, budget, uptake, per_point, lift, .. } = form;
    let window = move || form.window();
    // The heavy part: who is in the segment and what they bought in the window a year earlier.
    let baseline = Memo::new(move |_| -> Result<Baseline, &'static str> {
        let (f, t) = window()?;
        let chosen = segment.get();
        sync.replica.with(|r| {
            let r = r.as_ref().ok_or("not_ready")?;
            let (rule, period) = match r.segment(&chosen) {
                Some(s) => (s.rule.clone(), s.period_days),
                None => (Rule::default(), 365),
            };
            let ids = members(r, &rule, period, today);
            let (last_from, last_to) = (f - 365, t - 365);
            let mut list = Vec::with_capacity(ids.len());
            let mut costs_known = true;
            for id in &ids {
                let Some(c) = r.customer(id) else { continue };
                let grade = Grade::from_code(&c.grade).unwrap_or(Grade::D);
                let (mut revenue, mut cost) = (0i64, 0i64);
                for o in r.orders_of(id).filter(|o| o.counts() && (last_from..=last_to).contains(&o.day)) {
                    revenue += o.total_fen;
                    match o.cost_fen {
                        Some(v) => cost += v,
                        None => costs_known = false,
                    }
                }
                list.push(Customer { grade, baseline_revenue_fen: revenue, baseline_cost_fen: cost });
            }
            Ok(Baseline { basis: Basis::of(&list), costs_known, from: last_from, to: last_to })
        })
    });
    let model = move || form.model();
    // The light part, re-run on every slider move: the model over four sums.
    let forecast = Memo::new(move |_| -> Result<(Forecast, bool, f64), String> {
        let b = baseline.get().map_err(|c| error_text(i18n, c))?;
        let started = perf_ms();
        let (f, t) = window().map_err(|c| error_text(i18n, c))?;
        let money = |s: RwSignal<String>| s.with(|v| Money::parse(v.trim()).map(|m| m.fen())).map_err(|_| error_text(i18n, "invalid_amount"));
        let plan = Plan {
            kind: kind.get(),
            intensity_bp: intensity_bp.get(),
            gift_fen: money(gift)?,
            min_quantity: 0,
            from_day: f,
            to_day: t,
            budget_fen: money(budget)?,
        };
        let m = model().map_err(|c| error_text(i18n, c))?;
        let out = simulate(&plan, &m, &b.basis, today).map_err(|c| error_text(i18n, c))?;
        Ok((out, b.costs_known, perf_ms() - started))
    });
    let segments = move || {
        sync.replica.with(|r| r.as_ref().map(|r| r.segments().into_iter().map(|s| (s.id.clone(), s.name.clone())).collect::<Vec<_>>()).unwrap_or_default())
    };
    let money = move |fen: i64| Money::from_fen(fen).format_compact(english());
    let text_field = move |value: RwSignal<String>, name: &'static str, mode: &'static str, label: Signal<String>| {
        view! {
            <label class="field">
                <span class="field-label">{label}</span>
                <input type="text" name=name inputmode=mode prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
        }
    };
    let label = move |f: fn(I18n) -> String| Signal::derive(move || f(i18n));
    view! {
        <section class="page promotions-page" data-page="promotions">
            <h1 class="page-title">{t!(i18n, promotions.title)}</h1>
            <p class="hint">{t!(i18n, promotions.hint)}</p>
            <div class="promo-layout">
                <section class="card promo-plan" data-testid="promo-plan">
                    <h2 class="card-title">{t!(i18n, promotions.plan)}</h2>
                    <div class="form-grid promo-grid">
                        <label class="field">
                            <span class="field-label">{t!(i18n, promotions.segment)}</span>
                            <select name="segment" on:change=move |ev| segment.set(event_target_value(&ev))>
                                <option value="" selected=move || segment.with(String::is_empty)>{t!(i18n, promotions.all_customers)}</option>
                                {move || segments().into_iter().map(|(id, name)| {
                                    let selected = id.clone();
                                    view! { <option value=id selected=move || segment.with(|s| *s == selected)>{name}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <label class="field">
                            <span class="field-label">{t!(i18n, promotions.kind)}</span>
                            <select name="kind" on:change=move |ev| {
                                let v = event_target_value(&ev);
                                if let Some(k) = Kind::from_code(&v) { kind.set(k) }
                            }>
                                {Kind::ALL.into_iter().map(|k| view! { <option value=k.code() selected=move || kind.get() == k>{move || kind_label(i18n, k)}</option> }).collect_view()}
                            </select>
                        </label>
                        <label class="field">
                            <span class="field-label">{t!(i18n, promotions.channel)}</span>
                            <select name="channel" on:change=move |ev| {
                                if let Some(c) = Channel::from_code(&event_target_value(&ev)) { channel.set(c) }
                            }>
                                {Channel::ALL.into_iter().map(|c| view! { <option value=c.code() selected=move || channel.get() == c>{move || channel_label(i18n, c)}</option> }).collect_view()}
                            </select>
                        </label>
                        {text_field(from, "from", "numeric", label(|i| t_string!(i, promotions.from).to_string()))}
                        {text_field(to, "to", "numeric", label(|i| t_string!(i, promotions.to).to_string()))}
                        {text_field(budget, "budget", "decimal", label(|i| t_string!(i, promotions.budget).to_string()))}
                        <Show when=move || kind.get() == Kind::Gift>
                            {text_field(gift, "gift", "decimal", label(|i| t_string!(i, promotions.gift_cost).to_string()))}
                        </Show>
                    </div>
                    <label class="field slider-field">
                        <span class="field-label">{t!(i18n, promotions.intensity)}" "<strong data-testid="intensity-value">{move || format!("{:.1}%", f64::from(intensity_bp.get()) / 100.0)}</strong></span>
                        <input type="range" name="intensity" min="0" max="5000" step="50" aria-label=move || t_string!(i18n, promotions.intensity).to_string()
                            prop:value=move || intensity_bp.get().to_string() on:input=move |ev| intensity_bp.set(event_target_value(&ev).parse().unwrap_or(0)) />
                    </label>
                    <details class="promo-model">
                        <summary>{t!(i18n, promotions.model)}</summary>
                        <p class="hint">{t!(i18n, promotions.model_hint)}</p>
                        <div class="form-grid promo-grid">
                            {Grade::ALL.iter().enumerate().map(|(g, grade)| {
                                let code = grade.code();
                                view! {
                                    <label class="field">
                                        <span class="field-label">{t!(i18n, promotions.uptake_grade, grade = code)}</span>
                                        <input type="text" inputmode="decimal" name=format!("uptake-{code}") prop:value=move || uptake[g].get() on:input=move |ev| uptake[g].set(event_target_value(&ev)) />
                                    </label>
                                }
                            }).collect_view()}
                            {text_field(per_point, "per_point", "decimal", label(|i| t_string!(i, promotions.per_point).to_string()))}
                            {text_field(lift, "lift", "decimal", label(|i| t_string!(i, promotions.lift).to_string()))}
                        </div>
                    </details>
                </section>
                <section class="card promo-forecast" data-testid="promo-forecast">
                    <h2 class="card-title">{t!(i18n, promotions.forecast)}</h2>
                    {move || match forecast.get() {
                        Err(text) => view! { <p class="form-error" role="alert" data-testid="promo-error">{text}</p> }.into_any(),
                        Ok((f, costs_known, ms)) => {
                            let over = f.budget_used > 1.0;
                            let used = (f.budget_used * 100.0).min(999.0);
                            view! {
                                <div class="kpis" data-compute-ms=format!("{ms:.3}")>
                                    <div class="kpi" data-kpi="customers" data-count=f.customers><span class="kpi-label">{t!(i18n, promotions.customers)}</span><span class="kpi-value">{f.customers}</span>
                                        <span class="kpi-sub">{t!(i18n, promotions.takers, takers = format!("{:.0}", f.takers))}</span></div>
                                    <div class="kpi" data-kpi="revenue" data-baseline-fen=f.baseline_revenue_fen><span class="kpi-label">{t!(i18n, promotions.revenue)}</span><span class="kpi-value" data-testid="promo-revenue" data-fen=f.revenue_fen>{money(f.revenue_fen)}</span>
                                        <span class="kpi-sub">{t!(i18n, promotions.vs_baseline, baseline = money(f.baseline_revenue_fen), change = money(f.incremental_revenue_fen))}</span></div>
                                    <div class="kpi" data-kpi="cost"><span class="kpi-label">{t!(i18n, promotions.promo_cost)}</span><span class="kpi-value" data-testid="promo-cost" data-fen=f.promotion_cost_fen>{money(f.promotion_cost_fen)}</span>
                                        <span class="kpi-sub" class:over-budget=over data-testid="budget-used">{t!(i18n, promotions.budget_used, pct = format!("{used:.0}"))}</span></div>
                                    <div class="kpi" data-kpi="margin"><span class="kpi-label">{t!(i18n, promotions.margin)}</span>
                                        {if costs_known {
                                            view! {
                                                <span class="kpi-value" data-testid="promo-margin">{money(f.margin_fen)}</span>
                                                <span class="kpi-sub">{t!(i18n, promotions.roi)}" "{f.roi.map_or_else(|| "—".to_string(), |r| format!("{r:.2}"))}</span>
                                            }.into_any()
                                        } else {
                                            view! { <span class="kpi-value" data-testid="promo-margin">"—"</span><span class="kpi-sub">{t!(i18n, promotions.cost_hidden)}</span> }.into_any()
                                        }}
                                    </div>
                                </div>
                                <div class="budget-bar" aria-hidden="true"><span style=format!("width:{:.0}%", used.min(100.0)) class:over=over></span></div>
                            }.into_any()
                        }
                    }}
                    {move || baseline.get().ok().map(|b| view! {
                        <p class="hint">{t!(i18n, promotions.baseline_note, from = format_day(b.from), to = format_day(b.to))}</p>
                    })}
                </section>
            </div>
            <Plans form=form forecast=forecast />
        </section>
    }
}
