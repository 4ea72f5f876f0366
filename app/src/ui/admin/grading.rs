//! 客户分级 — the grading rules as the admin keeps them: graded by revenue or profit over a period,
//! thresholds as shares of the customers (top 20 % A, …) or as amounts, regraded by itself each
//! month or now on demand, and what each grade gets (service level, visit cadence — a new deal's
//! default follow-up cadence). Checked here with the shared [`GradingConfig::validate`]; written
//! through `/api/admin/grading*` (`server/src/http/grading.rs`); devices get the rules with the
//! lists.

use super::{api_error, Notice, NoticeLine};
use crate::domain::catalog::Grade;
use crate::domain::grading::{Basis, GradingConfig, Strategy, Thresholds};
use crate::domain::Money;
use crate::i18n::{t, t_string, use_i18n};
use crate::ui::api::{self, Method};
use crate::ui::labels::error_text;
use leptos::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
struct Loaded {
    config: GradingConfig,
    last_run: Option<LastRun>,
}

#[derive(Debug, Clone, Deserialize)]
struct LastRun {
    run_at: i64,
    customers: u64,
    changed: u64,
    by: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Summary {
    customers: u64,
    changed: u64,
    grades: [u64; 4],
    moved: BTreeMap<String, u64>,
}

/// One grade's strategy as typed.
#[derive(Clone, Copy)]
struct StrategyDraft {
    zh: RwSignal<String>,
    en: RwSignal<String>,
    days: RwSignal<String>,
}

/// The rules as typed: one signal per field.
#[derive(Clone, Copy)]
struct Draft {
    profit: RwSignal<bool>,
    shares: RwSignal<bool>,
    /// Percent for shares, yuan for amounts.
    a: RwSignal<String>,
    b: RwSignal<String>,
    c: RwSignal<String>,
    period: RwSignal<String>,
    monthly: RwSignal<bool>,
    long_years: RwSignal<String>,
    strategies: [StrategyDraft; 4],
}

fn percent(bp: u32) -> String {
    let v = f64::from(bp) / 100.0;
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

impl Draft {
    fn new() -> Draft {
        let s = || RwSignal::new(String::new());
        let strategy = || StrategyDraft { zh: s(), en: s(), days: s() };
        Draft {
            profit: RwSignal::new(false),
            shares: RwSignal::new(true),
            a: s(),
            b: s(),
            c: s(),
            period: s(),
            monthly: RwSignal::new(true),
            long_years: s(),
            strategies: [strategy(), strategy(), strategy(), strategy()],
        }
    }

    fn load(&self, c: &GradingConfig) {
        self.profit.set(c.basis == Basis::Profit);
        match c.thresholds {
            Thresholds::Shares { a_bp, b_bp, c_bp } => {
                self.shares.set(true);
                self.a.set(percent(a_bp));
                self.b.set(percent(b_bp));
                self.c.set(percent(c_bp));
            }
            Thresholds::Amounts { a_fen, b_fen, c_fen } => {
                self.shares.set(false);
                self.a.set(Money::from_fen(a_fen).to_plain());
                self.b.set(Money::from_fen(b_fen).to_plain());
                self.c.set(Money::from_fen(c_fen).to_plain());
            }
        }
        self.period.set(c.period_days.to_string());
        self.monthly.set(c.monthly);
        self.long_years.set(c.long_cooperation_years.to_string());
        for (d, s) in self.strategies.iter().zip(&c.strategies) {
            d.zh.set(s.service_zh.clone());
            d.en.set(s.service_en.clone());
            d.days.set(s.visit_days.to_string());
        }
    }

    /// The rules typed, checked with the shared rules (a code the UI translates).
    fn config(&self) -> Result<GradingConfig, &'static str> {
        let thresholds = if self.shares.get_untracked() {
            // Percent with up to two decimals, as basis points.
            let bp = |s: RwSignal<String>| -> Result<u32, &'static str> {
                let m = Money::parse(s.get_untracked().trim()).map_err(|_| "invalid_threshold")?;
                u32::try_from(m.fen()).map_err(|_| "thresholds_overlap")
            };
            Thresholds::Shares { a_bp: bp(self.a)?, b_bp: bp(self.b)?, c_bp: bp(self.c)? }
        } else {
            let fen = |s: RwSignal<String>| Money::parse(s.get_untracked().trim()).map(|m| m.fen()).map_err(|_| "invalid_threshold");
            Thresholds::Amounts { a_fen: fen(self.a)?, b_fen: fen(self.b)?, c_fen: fen(self.c)? }
        };
        let number = |s: RwSignal<String>, code: &'static str| s.get_untracked().trim().parse::<u32>().map_err(|_| code);
        let mut strategies = Vec::with_capacity(4);
        for d in &self.strategies {
            strategies.push(Strategy {
                service_zh: d.zh.get_untracked().trim().to_string(),
                service_en: d.en.get_untracked().trim().to_string(),
                visit_days: number(d.days, "invalid_cadence")?,
            });
        }
        let config = GradingConfig {
            basis: if self.profit.get_untracked() { Basis::Profit } else { Basis::Revenue },
            thresholds,
            period_days: number(self.period, "invalid_period")?,
            monthly: self.monthly.get_untracked(),
            long_cooperation_years: number(self.long_years, "invalid_years")?,
            strategies: strategies.try_into().map_err(|_| "invalid_cadence")?,
        };
        config.validate()?;
        Ok(config)
    }
}

/// 分级维度: the customers on this device per grade and by length of cooperation and
/// satisfaction, as the rules typed would count them (long cooperation from `long_years`).
#[component]
fn DimensionTable(long_years: RwSignal<String>) -> impl IntoView {
    use crate::domain::catalog::Satisfaction;
    use crate::domain::grading::{Dimensions, DEFAULT_LONG_YEARS};
    let i18n = use_i18n();
    let sync = crate::ui::sync::use_sync();
    let today = crate::ui::clock::today();
    let dims = Memo::new(move |_| {
        let years = long_years.with(|y| y.trim().parse::<u32>().ok()).filter(|y| (1..=20).contains(y)).unwrap_or(DEFAULT_LONG_YEARS);
        let rules = GradingConfig { long_cooperation_years: years, ..GradingConfig::starter() };
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let mut d = Dimensions::default();
            for c in r.customers() {
                let grade = Grade::from_code(&c.grade).unwrap_or(Grade::D);
                let satisfaction = c.satisfaction.as_deref().and_then(Satisfaction::from_code);
                d.add(grade, rules.cooperation(r.cooperation_since(c), today), satisfaction);
            }
            Some((d, years))
        })
    });
    let cell = |n: u64, total: u64| if total == 0 { "0".to_string() } else { format!("{n} ({:.0}%)", n as f64 * 100.0 / total as f64) };
    view! {
        {move || dims.get().map(|(d, years)| view! {
            <div class="grading-dims" data-testid="grading-dims">
                <h3 class="card-title">{t!(i18n, grading.dims)}</h3>
                <p class="hint">{t!(i18n, grading.dims_hint, years = years)}</p>
                <div class="table-scroll">
                    <table class="table dims-table">
                        <thead>
                            <tr>
                                <th>{t!(i18n, customers.grade)}</th>
                                <th>{t!(i18n, grading.long)}</th><th>{t!(i18n, grading.short)}</th><th>{t!(i18n, grading.unknown)}</th>
                                <th>{t!(i18n, grading.sat_high)}</th><th>{t!(i18n, grading.sat_medium)}</th><th>{t!(i18n, grading.sat_low)}</th><th>{t!(i18n, grading.not_given)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {Grade::ALL.iter().enumerate().map(|(g, grade)| {
                                let total: u64 = d.cooperation[g].iter().sum();
                                view! {
                                    <tr data-grade=grade.code() data-long=d.cooperation[g][0] data-short=d.cooperation[g][1] data-high=d.satisfaction[g][0] data-low=d.satisfaction[g][2]>
                                        <th>{grade.code()}" · "{total}</th>
                                        {d.cooperation[g].iter().map(|n| view! { <td>{cell(*n, total)}</td> }).collect_view()}
                                        {d.satisfaction[g].iter().map(|n| view! { <td>{cell(*n, total)}</td> }).collect_view()}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </div>
        })}
    }
}

#[component]
pub fn Grading() -> impl IntoView {
    let i18n = use_i18n();
    let draft = Draft::new();
    let notice = RwSignal::new(None::<Notice>);
    let busy = RwSignal::new(false);
    let last = RwSignal::new(None::<LastRun>);
    let summary = RwSignal::new(None::<Summary>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            match api::get::<Loaded>("/api/admin/grading").await {
                Ok(l) => {
                    draft.load(&l.config);
                    last.set(l.last_run);
                }
                Err(e) => notice.set(Some(api_error(i18n, &e))),
            }
        });
    };
    Effect::new(move |_| reload());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let config = match draft.config() {
            Ok(c) => c,
            Err(code) => return notice.set(Some(Notice::Error(error_text(i18n, code)))),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::request::<GradingConfig>(Method::Put, "/api/admin/grading", Some(&config)).await {
                Ok(saved) => {
                    draft.load(&saved);
                    notice.set(Some(Notice::Saved));
                }
                Err(e) => notice.set(Some(api_error(i18n, &e))),
            }
            busy.set(false);
        });
    };
    let regrade = move |_| {
        busy.set(true);
        summary.set(None);
        leptos::task::spawn_local(async move {
            match api::request::<Summary>(Method::Post, "/api/admin/grading/run", None::<&()>).await {
                Ok(s) => {
                    summary.set(Some(s));
                    notice.set(None);
                    reload();
                }
                Err(e) => notice.set(Some(api_error(i18n, &e))),
            }
            busy.set(false);
        });
    };
    let unit = move || if draft.shares.get() { "%" } else { "¥" };
    let threshold = move |grade: &'static str, value: RwSignal<String>| {
        view! {
            <label class="field">
                <span class="field-label">{move || if draft.shares.get() {
                    t!(i18n, grading.share_of, grade = grade).into_any()
                } else {
                    t!(i18n, grading.least_for, grade = grade).into_any()
                }}" ("{unit}")"</span>
                <input type="text" inputmode="decimal" name=format!("threshold-{grade}") prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
        }
    };
    view! {
        <section class="grading-admin" data-testid="grading-admin">
            <p class="hint">{t!(i18n, grading.hint)}</p>
            <form class="grading-form" on:submit=save novalidate>
                <div class="form-grid">
                    <label class="field">
                        <span class="field-label">{t!(i18n, grading.basis)}</span>
                        <select name="basis" on:change=move |ev| draft.profit.set(event_target_value(&ev) == "profit")>
                            <option value="revenue" selected=move || !draft.profit.get()>{t!(i18n, grading.revenue)}</option>
                            <option value="profit" selected=move || draft.profit.get()>{t!(i18n, grading.profit)}</option>
                        </select>
                    </label>
                    <label class="field">
                        <span class="field-label">{t!(i18n, grading.kind)}</span>
                        <select name="kind" on:change=move |ev| draft.shares.set(event_target_value(&ev) == "shares")>
                            <option value="shares" selected=move || draft.shares.get()>{t!(i18n, grading.shares)}</option>
                            <option value="amounts" selected=move || !draft.shares.get()>{t!(i18n, grading.amounts)}</option>
                        </select>
                    </label>
                    {threshold("A", draft.a)}
                    {threshold("B", draft.b)}
                    {threshold("C", draft.c)}
                    <label class="field">
                        <span class="field-label">{t!(i18n, grading.period)}</span>
                        <input type="text" inputmode="numeric" name="period_days" prop:value=move || draft.period.get() on:input=move |ev| draft.period.set(event_target_value(&ev)) />
                    </label>
                    <label class="field">
                        <span class="field-label">{t!(i18n, grading.long_years)}</span>
                        <input type="text" inputmode="numeric" maxlength="2" name="long_years" prop:value=move || draft.long_years.get() on:input=move |ev| draft.long_years.set(event_target_value(&ev)) />
                    </label>
                    <label class="field field-check">
                        <input type="checkbox" name="monthly" prop:checked=move || draft.monthly.get() on:change=move |ev| draft.monthly.set(event_target_checked(&ev)) />
                        <span>{t!(i18n, grading.monthly)}</span>
                    </label>
                </div>
                <h3 class="card-title">{t!(i18n, grading.strategies)}</h3>
                <div class="strategy-table">
                    {Grade::ALL.iter().zip(draft.strategies).map(|(g, s)| {
                        let code = g.code();
                        view! {
                            <div class="strategy-row" data-grade=code>
                                <span class="badge">{code}</span>
                                <label class="field"><span class="field-label">{t!(i18n, grading.service_zh)}</span>
                                    <input type="text" maxlength="100" name=format!("service-zh-{code}") prop:value=move || s.zh.get() on:input=move |ev| s.zh.set(event_target_value(&ev)) /></label>
                                <label class="field"><span class="field-label">{t!(i18n, grading.service_en)}</span>
                                    <input type="text" maxlength="100" name=format!("service-en-{code}") prop:value=move || s.en.get() on:input=move |ev| s.en.set(event_target_value(&ev)) /></label>
                                <label class="field"><span class="field-label">{t!(i18n, grading.visit_days)}</span>
                                    <input type="text" inputmode="numeric" maxlength="3" name=format!("visit-{code}") prop:value=move || s.days.get() on:input=move |ev| s.days.set(event_target_value(&ev)) /></label>
                            </div>
                        }
                    }).collect_view()}
                </div>
                <NoticeLine notice />
                <div class="actions">
                    <button type="submit" class="button button-primary" data-testid="save-grading" disabled=move || busy.get()>{t!(i18n, admin.save)}</button>
                    <button type="button" class="button" data-testid="run-grading" disabled=move || busy.get() on:click=regrade>{t!(i18n, grading.run)}</button>
                </div>
            </form>
            <DimensionTable long_years=draft.long_years />
            {move || summary.get().map(|s| {
                let moved = s.moved.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(" · ");
                view! {
                    <div class="grading-result" data-testid="grading-result" data-changed=s.changed>
                        <p>{t!(i18n, grading.result, customers = s.customers, changed = s.changed)}</p>
                        <p class="hint">{format!("A {} · B {} · C {} · D {}", s.grades[0], s.grades[1], s.grades[2], s.grades[3])}</p>
                        <p class="hint">{moved}</p>
                    </div>
                }
            })}
            {move || last.get().map(|l| {
                let when = time::OffsetDateTime::from_unix_timestamp(l.run_at / 1000).map(|t| {
                    let t = t.to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
                    format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
                }).unwrap_or_default();
                let by = l.by.unwrap_or_else(|| t_string!(i18n, grading.by_schedule).to_string());
                view! { <p class="hint" data-testid="grading-last">{t!(i18n, grading.last, when = when, by = by, customers = l.customers, changed = l.changed)}</p> }
            })}
        </section>
    }
}
