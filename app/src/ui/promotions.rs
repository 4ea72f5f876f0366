//! 促销方案: a promotion planned for a saved segment (or every customer in view) and simulated on
//! the device as the planner moves the sliders, by `domain::promotion`'s stated model. The
//! segment's baseline — what its customers bought in the same window last year, per grade — is
//! summed once when the segment or the window changes; a slider move only re-runs the model on
//! four sums. Margin and ROI need costs, which only managers and above receive.

use super::labels::error_text;
use super::segments::members;
use super::sync::use_sync;
use crate::domain::catalog::Grade;
use super::clock::{perf_ms, today};
use crate::domain::funnel::{format_day, parse_day};
use crate::domain::promotion::{simulate, Basis, Customer, Forecast, Kind, Model, Plan};
use crate::domain::segment::Rule;
use crate::domain::Money;
use crate::i18n::{t, t_string, use_i18n, Locale};
use leptos::prelude::*;

type I18n = leptos_i18n::I18nContext<Locale>;

const KINDS: [(Kind, &str); 6] = [
    (Kind::CashDiscount, "cash_discount"),
    (Kind::QuantityDiscount, "quantity_discount"),
    (Kind::Seasonal, "seasonal"),
    (Kind::Gift, "gift"),
    (Kind::Points, "points"),
    (Kind::LimitedTime, "limited_time"),
];

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
    let segment = RwSignal::new(String::new());
    let kind = RwSignal::new(Kind::LimitedTime);
    let from = RwSignal::new(format_day(today + 7));
    let to = RwSignal::new(format_day(today + 37));
    let intensity_bp = RwSignal::new(1_000u32);
    let gift = RwSignal::new("200".to_string());
    let budget = RwSignal::new("50000".to_string());
    // The model, editable (percent).
    let defaults = Model::default();
    let uptake: [RwSignal<String>; 4] = std::array::from_fn(|g| RwSignal::new(format!("{}", f64::from(defaults.base_uptake_bp[g]) / 100.0)));
    let per_point = RwSignal::new(format!("{}", f64::from(defaults.uptake_per_point_bp) / 100.0));
    let lift = RwSignal::new(format!("{}", f64::from(defaults.lift_bp) / 100.0));

    let window = move || -> Result<(i32, i32), &'static str> {
        let f = parse_day(from.get().trim()).ok_or("invalid_date")?;
        let t = parse_day(to.get().trim()).ok_or("invalid_date")?;
        Ok((f, t))
    };
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
    let model = move || -> Result<Model, &'static str> {
        let mut base = [0u32; 4];
        for (g, s) in uptake.iter().enumerate() {
            base[g] = s.with(|v| percent_bp(v, 10_000))?;
        }
        Ok(Model { base_uptake_bp: base, uptake_per_point_bp: per_point.with(|v| percent_bp(v, 10_000))?, lift_bp: lift.with(|v| percent_bp(v, 100_000))? })
    };
    // The light part, re-run on every slider move: the model over four sums.
    let forecast = Memo::new(move |_| -> Result<(Forecast, bool, f64), String> {
        let b = baseline.get().map_err(|c| error_text(i18n, c))?;
        let started = perf_ms();
        let (f, t) = window().map_err(|c| error_text(i18n, c))?;
        let money = |s: RwSignal<String>| s.with(|v| Money::parse(v.trim()).map(|m| m.fen())).map_err(|_| error_text(i18n, "invalid_amount"));
        let plan = Plan { kind: kind.get(), intensity_bp: intensity_bp.get(), gift_fen: money(gift)?, min_quantity: 0, from_day: f, to_day: t, budget_fen: money(budget)? };
        let m = model().map_err(|c| error_text(i18n, c))?;
        let out = simulate(&plan, &m, &b.basis, today).map_err(|c| error_text(i18n, c))?;
        Ok((out, b.costs_known, perf_ms() - started))
    });
    let segments = move || sync.replica.with(|r| r.as_ref().map(|r| r.segments().into_iter().map(|s| (s.id.clone(), s.name.clone())).collect::<Vec<_>>()).unwrap_or_default());
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
                                if let Some((k, _)) = KINDS.iter().find(|(_, code)| *code == v) { kind.set(*k) }
                            }>
                                {KINDS.into_iter().map(|(k, code)| view! { <option value=code selected=move || kind.get() == k>{move || kind_label(i18n, k)}</option> }).collect_view()}
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
        </section>
    }
}
