//! 漏斗分析 and 停滞商机: the funnel's figures for the pipeline shown, computed in the browser by
//! `domain::funnel` from the replica under the same filters as the board (owner, source, region,
//! amount, close date), and drawn as SVG that scales to a phone or a tablet.

use super::FunnelCx;
use crate::domain::board::{days_in_stage, stalled_days, DealFilter};
use crate::domain::catalog::List;
use crate::domain::funnel::{breakdown, coverage, forecast_by_month, funnel, month_of, year_start, Breakdown, FunnelReport, Outcome};
use crate::domain::Money;
use crate::i18n::{t, t_string};
use crate::ui::clock::perf_ms;
use crate::ui::labels::{option_label, stage_label};
use leptos::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone, PartialEq)]
struct Figures {
    stage_names: Vec<String>,
    report: FunnelReport,
    forecast: Vec<((i32, u8), i64)>,
    by_source: Vec<(String, Breakdown)>,
    by_rep: Vec<(String, Breakdown)>,
    won_this_year_fen: i64,
    weighted_open_fen: i64,
    /// How long the computation took in this browser (ms), for the benchmark.
    compute_ms: f64,
}

/// The board's filter without "stalled only" (analytics look at every deal, closed ones too).
fn analytics_filter(cx: FunnelCx) -> DealFilter {
    DealFilter { stalled_only: false, ..cx.filters.get().unwrap_or_default() }
}

#[cfg(feature = "hydrate")]
const TARGET_KEY: &str = "kedao.funnel.target";

fn stored_target() -> String {
    #[cfg(feature = "hydrate")]
    if let Ok(Some(s)) = leptos::prelude::window().local_storage() {
        return s.get_item(TARGET_KEY).ok().flatten().unwrap_or_default();
    }
    String::new()
}

fn store_target(value: &str) {
    #[cfg(feature = "hydrate")]
    if let Ok(Some(s)) = leptos::prelude::window().local_storage() {
        let _ = s.set_item(TARGET_KEY, value);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = value;
}

/// Owner ids to the names their customers carry.
fn owner_names(cx: FunnelCx) -> Memo<BTreeMap<String, String>> {
    Memo::new(move |_| {
        cx.sync.replica.with(|r| {
            let mut names = BTreeMap::new();
            if let Some(r) = r.as_ref() {
                for c in r.customers() {
                    if !names.contains_key(&c.owner_id) {
                        names.insert(c.owner_id.clone(), c.owner_name.clone());
                    }
                }
            }
            names
        })
    })
}

#[component]
pub fn Analytics() -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let figures = Memo::new(move |_| {
        let p = cx.pipeline()?;
        let today = cx.today.get();
        let filter = analytics_filter(cx);
        let english = cx.english();
        cx.sync.replica.with(|r| {
            let r = r.as_ref()?;
            // Timed from here: bringing the deal table up to date is part of the cost.
            let started = perf_ms();
            let customer = |id: &str| r.customer(id).map(|c| (c.name.as_str(), c.region.as_str()));
            r.with_deals(|t| {
                let facts = t.facts(&p, customer, &filter, today);
                let shape = p.funnel();
                let report = funnel(&shape, &facts);
                let forecast: Vec<((i32, u8), i64)> = forecast_by_month(&shape, &facts, today).into_iter().take(6).collect();
                let name = |key: Option<u32>| key.map_or_else(String::new, |k| t.keys().name(k).to_string());
                let mut by_source: Vec<(String, Breakdown)> = breakdown(&facts, |d| d.source).into_iter().map(|(k, b)| (name(k), b)).collect();
                by_source.sort_by_key(|b| std::cmp::Reverse(b.1.won_amount_fen));
                let mut by_rep: Vec<(String, Breakdown)> = breakdown(&facts, |d| Some(d.owner)).into_iter().map(|(k, b)| (name(k), b)).collect();
                by_rep.sort_by_key(|b| std::cmp::Reverse(b.1.won_amount_fen));
                let year = month_of(today).0;
                let this_year = year_start(year)..year_start(year + 1);
                let won_this_year_fen =
                    facts.iter().filter_map(|f| matches!(f.outcome, Outcome::Won(day) if this_year.contains(&day)).then_some(f.amount_fen)).sum();
                let weighted_open_fen = report.stages.iter().map(|s| s.weighted_fen).sum();
                let compute_ms = perf_ms() - started;
                let stage_names = p.stages.iter().map(|s| if english { s.name_en.clone() } else { s.name_zh.clone() }).collect();
                Some(Figures { stage_names, report, forecast, by_source, by_rep, won_this_year_fen, weighted_open_fen, compute_ms })
            })
        })
    });
    let names = owner_names(cx);
    let target = RwSignal::new(stored_target());
    let english = move || cx.english();
    let money = move |fen: i64| Money::from_fen(fen).format_compact(english());
    let percent = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format!("{:.0}%", v * 100.0));
    view! {
        {move || figures.get().map(|f| {
            let r = f.report.clone();
            let coverage_text = {
                let target_fen = crate::domain::Money::parse(target.get().trim()).map(|m| m.fen()).unwrap_or(0);
                if target_fen <= 0 {
                    "—".to_string()
                } else {
                    match coverage(f.weighted_open_fen, target_fen, f.won_this_year_fen) {
                        Some(c) => format!("{c:.2}"),
                        None => t_string!(i18n, funnel.target_met).to_string(),
                    }
                }
            };
            let cycle = r.average_cycle_days.map(|d| format!("{d:.0}"));
            view! {
                <div class="analytics" data-testid="analytics" data-compute-ms=format!("{:.2}", f.compute_ms)>
                    <div class="kpis">
                        <div class="kpi" data-kpi="win_rate"><span class="kpi-label">{t!(i18n, funnel.win_rate)}</span><span class="kpi-value">{percent(r.win_rate.value())}</span>
                            <span class="kpi-sub">{format!("{}/{}", r.win_rate.hits, r.win_rate.of)}</span></div>
                        <div class="kpi" data-kpi="cycle"><span class="kpi-label">{t!(i18n, funnel.cycle)}</span><span class="kpi-value">{match cycle {
                            Some(d) => t!(i18n, funnel.days, days = d).into_any(),
                            None => "—".into_any(),
                        }}</span></div>
                        <div class="kpi" data-kpi="won"><span class="kpi-label">{t!(i18n, funnel.won_this_year)}</span><span class="kpi-value">{money(f.won_this_year_fen)}</span></div>
                        <div class="kpi" data-kpi="coverage"><span class="kpi-label">{t!(i18n, funnel.coverage)}</span><span class="kpi-value" data-testid="coverage">{coverage_text}</span>
                            <label class="kpi-input"><span>{t!(i18n, funnel.target)}</span>
                                <input type="text" inputmode="decimal" name="target" prop:value=move || target.get() on:change=move |ev| { let v = event_target_value(&ev); store_target(&v); target.set(v); } />
                            </label>
                            <span class="kpi-sub">{t!(i18n, funnel.coverage_hint)}</span>
                        </div>
                    </div>
                    <section class="card chart-card">
                        <h2 class="card-title">{t!(i18n, funnel.funnel_chart)}</h2>
                        <p class="hint">{t!(i18n, funnel.stage_funnel_hint)}</p>
                        <FunnelChart names=f.stage_names.clone() report=r.clone() />
                        <div class="table-scroll"><table class="table stage-table" data-testid="stage-table">
                            <thead><tr><th>{t!(i18n, funnel.stage)}</th><th>{t!(i18n, funnel.reached)}</th><th>{t!(i18n, funnel.conversion)}</th><th>{t!(i18n, funnel.avg_days)}</th><th>{t!(i18n, funnel.open_deals)}</th></tr></thead>
                            <tbody>
                                {f.stage_names.iter().zip(&r.stages).enumerate().map(|(i, (name, s))| view! {
                                    <tr class:bottleneck=r.bottleneck == Some(i) data-bottleneck=(r.bottleneck == Some(i)).to_string()>
                                        <td>{name.clone()}{(r.bottleneck == Some(i)).then(|| view! { " " <span class="badge warn">{t!(i18n, funnel.bottleneck)}</span> })}</td>
                                        <td>{s.reached}</td>
                                        <td>{percent(s.conversion.value())}</td>
                                        <td>{s.average_days.map(|d| format!("{d:.1}")).unwrap_or_else(|| "—".into())}</td>
                                        <td>{s.open}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table></div>
                    </section>
                    <section class="card chart-card">
                        <h2 class="card-title">{t!(i18n, funnel.forecast)}</h2>
                        <ForecastChart months=f.forecast.clone() />
                        <p class="hint">{t!(i18n, funnel.late_note)}</p>
                    </section>
                    <section class="card chart-card">
                        <h2 class="card-title">{t!(i18n, funnel.by_source)}</h2>
                        <BreakdownTable rows=f.by_source.clone() label=Callback::new(move |code: String| cx.catalog.with(|c| option_label(i18n, c, List::Source, &code))) />
                    </section>
                    <section class="card chart-card">
                        <h2 class="card-title">{t!(i18n, funnel.by_rep)}</h2>
                        <BreakdownTable rows=f.by_rep.clone() label=Callback::new(move |id: String| names.with(|n| n.get(&id).cloned().unwrap_or(id))) />
                    </section>
                </div>
            }
        })}
    }
}

/// The funnel as centred bars: width = deals that reached the stage; the conversion beside it;
/// the bottleneck in the warning colour.
#[component]
fn FunnelChart(names: Vec<String>, report: FunnelReport) -> impl IntoView {
    const W: f64 = 320.0;
    const ROW: f64 = 40.0;
    let max = report.stages.iter().map(|s| s.reached).max().unwrap_or(0).max(1) as f64;
    let h = ROW * names.len() as f64;
    view! {
        <svg class="chart funnel-chart" viewBox=format!("0 0 {W} {h}") role="img" aria-label=names.join(" → ")>
            {names.iter().zip(&report.stages).enumerate().map(|(i, (name, s))| {
                let width = (s.reached as f64 / max * (W - 120.0)).max(2.0);
                let x = (W - 120.0 - width) / 2.0;
                let y = i as f64 * ROW;
                let conv = s.conversion.value().map(|v| format!("{:.0}%", v * 100.0)).unwrap_or_default();
                let fill = if report.bottleneck == Some(i) { "var(--c-warning)" } else { "var(--c-brand)" };
                view! {
                    <g>
                        <rect x=x y=y + 4.0 width=width height=ROW - 8.0 rx="4" fill=fill opacity="0.85"></rect>
                        <text x=(W - 120.0) / 2.0 y=y + ROW / 2.0 + 4.0 text-anchor="middle" class="chart-label-in">{format!("{name} {}", s.reached)}</text>
                        <text x=W - 110.0 y=y + ROW / 2.0 + 4.0 class="chart-label">{conv}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

/// Weighted pipeline by expected close month, as columns.
#[component]
fn ForecastChart(months: Vec<((i32, u8), i64)>) -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    const W: f64 = 320.0;
    const H: f64 = 160.0;
    let english = cx.english();
    let max = months.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let n = months.len().max(1) as f64;
    let slot = W / n;
    view! {
        <svg class="chart forecast-chart" viewBox=format!("0 0 {W} {}", H + 24.0) role="img" data-testid="forecast-chart">
            {months.iter().enumerate().map(|(i, ((year, month), fen))| {
                let bar = (*fen as f64 / max * (H - 20.0)).max(1.0);
                let x = i as f64 * slot + slot * 0.2;
                let label = if english { format!("{}/{}", month, year % 100) } else { format!("{month}月") };
                view! {
                    <g>
                        <rect x=x y=H - bar width=slot * 0.6 height=bar rx="3" fill="var(--c-brand)"></rect>
                        <text x=x + slot * 0.3 y=H - bar - 4.0 text-anchor="middle" class="chart-label">{Money::from_fen(*fen).format_compact(english)}</text>
                        <text x=x + slot * 0.3 y=H + 16.0 text-anchor="middle" class="chart-label">{label}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

/// Win rate and won revenue per source or rep, with a bar for the revenue.
#[component]
fn BreakdownTable(rows: Vec<(String, Breakdown)>, label: Callback<String, String>) -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let english = cx.english();
    let max = rows.iter().map(|(_, b)| b.won_amount_fen).max().unwrap_or(0).max(1) as f64;
    view! {
        <div class="table-scroll"><table class="table breakdown">
            <thead><tr><th></th><th>{t!(i18n, funnel.win_rate)}</th><th>{t!(i18n, funnel.won_amount)}</th><th>{t!(i18n, funnel.open_deals)}</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|(key, b)| {
                    let share = b.won_amount_fen as f64 / max * 100.0;
                    view! {
                        <tr>
                            <td>{label.run(key)}</td>
                            <td>{b.win_rate.value().map(|v| format!("{:.0}%", v * 100.0)).unwrap_or_else(|| "—".into())}</td>
                            <td class="bar-cell"><span class="bar" style=format!("width:{share:.0}%")></span><span>{Money::from_fen(b.won_amount_fen).format_compact(english)}</span></td>
                            <td>{b.open}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
}

/// 停滞商机: open deals idle past their stage's limit, the longest idle first.
#[component]
pub fn Stalled() -> impl IntoView {
    let cx = expect_context::<FunnelCx>();
    let i18n = cx.i18n;
    let names = owner_names(cx);
    let rows = Memo::new(move |_| {
        let Some(p) = cx.pipeline() else { return (0, Vec::new()) };
        let today = cx.today.get();
        let filter = analytics_filter(cx);
        cx.sync.replica.with(|r| {
            let Some(r) = r.as_ref() else { return (0, Vec::new()) };
            let customer = |id: &str| r.customer(id).map(|c| (c.name.as_str(), c.region.as_str()));
            let ids: Vec<std::sync::Arc<str>> = r.with_deals(|t| t.matching(&p, customer, &filter, today).map(|row| row.id.clone()).collect());
            let mut list: Vec<(u32, String, String, String, String, String, i32)> = ids
                .iter()
                .filter_map(|id| r.opportunity(id))
                .filter_map(|d| {
                    let idle = stalled_days(&p, d, today)?;
                    let customer = r.customer(&d.customer_id).map(|c| c.name.clone()).unwrap_or_default();
                    Some((idle, d.id.clone(), d.title.clone(), customer, d.owner_id.clone(), d.stage.clone(), days_in_stage(d, today)))
                })
                .collect();
            list.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            let total = list.len();
            list.truncate(200);
            (total, list)
        })
    });
    let pipeline_code = move || cx.pipeline().map(|p| p.code).unwrap_or_default();
    view! {
        <section class="stalled-list" data-testid="stalled">
            <p class="hint">{t!(i18n, funnel.showing, count = move || rows.with(|r| r.0))}</p>
            <Show when=move || rows.with(|r| r.0 > 0) fallback=move || view! { <p class="empty-state">{t!(i18n, funnel.stalled_none)}</p> }>
                <ul class="list">
                    <For each=move || rows.get().1 key=|r| r.1.clone() let((idle, id, title, customer, owner, stage, _days))>
                        <li>
                            <button type="button" class="list-item" data-deal=id.clone() on:click={ let id = id.clone(); move |_| cx.open_deal.set(Some(id.clone())) }>
                                <span class="list-item-main">
                                    <span class="list-item-title">{title}</span>
                                    <span class="list-item-sub">{customer}" · "{move || names.with(|n| n.get(&owner).cloned().unwrap_or_default())}" · "
                                        {let stage = stage.clone(); move || cx.catalog.with(|c| stage_label(i18n, c, &pipeline_code(), &stage))}</span>
                                </span>
                                <span class="badge stalled-badge">{t!(i18n, funnel.idle, days = idle)}</span>
                            </button>
                        </li>
                    </For>
                </ul>
            </Show>
        </section>
    }
}
