//! 客户细分: segments over the replica, computed on the device by `domain::segment`, `rfm` and
//! `cluster` (offline too). A rule form (fields, grades, tags, RFM group, purchase behaviour) gives
//! the members; beside them the list, the RFM groups, k-means clusters with an elbow hint, and
//! what the customers of won deals have in common.

use super::clock::{perf_ms, today};
use super::labels::{error_text, option_label, rejection_text};
use super::sync::{use_catalog, use_sync};
use crate::domain::catalog::List;
use crate::domain::cluster::{elbow, kmeans};
use crate::domain::funnel::format_day;
use crate::domain::pipeline::WON;
use crate::domain::rfm::Segment as RfmGroup;
use crate::domain::segment::{cluster_means, features, won_traits, Dimension, Feature, Profile, Rule};
use crate::domain::sync::Op;
use crate::domain::Money;
use crate::i18n::{t, t_string, use_i18n, Locale};
use leptos::prelude::*;
use std::collections::HashSet;
use std::sync::Arc;

type I18n = leptos_i18n::I18nContext<Locale>;

/// Shared, compared by identity (a memo's value is recomputed, never edited, so a new value is a
/// new `Arc`; comparing 100,000 rows to learn that would cost more than the work).
struct Shared<T>(Arc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The replica's customers in one order with their purchases folded for the period.
struct Prepared {
    ids: Vec<String>,
    profile: Profile,
}

/// The segment's members: indices into [`Prepared`], biggest buyers first.
struct Members {
    prepared: Shared<Prepared>,
    rows: Vec<usize>,
}

const PERIODS: [u32; 4] = [90, 180, 365, 730];
const SEED: u64 = 42;
const LIST_SHOWN: usize = 100;

/// The rule form as typed (`""`: any).
#[derive(Clone, Copy)]
struct Form {
    region: RwSignal<Vec<String>>,
    industry: RwSignal<Vec<String>>,
    size: RwSignal<Vec<String>>,
    business_type: RwSignal<Vec<String>>,
    grades: RwSignal<Vec<String>>,
    tag: RwSignal<String>,
    bought: RwSignal<String>,
    idle: RwSignal<String>,
    min_revenue: RwSignal<String>,
    min_orders: RwSignal<String>,
    rfm: RwSignal<String>,
    period: RwSignal<u32>,
}

fn whole(text: &str) -> Result<Option<u32>, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| "invalid_number")
}

fn one(v: String) -> Vec<String> {
    if v.is_empty() {
        Vec::new()
    } else {
        vec![v]
    }
}

impl Form {
    fn new() -> Form {
        let s = || RwSignal::new(String::new());
        let many = || RwSignal::new(Vec::new());
        Form {
            region: many(),
            industry: many(),
            size: many(),
            business_type: many(),
            grades: RwSignal::new(Vec::new()),
            tag: s(),
            bought: s(),
            idle: s(),
            min_revenue: s(),
            min_orders: s(),
            rfm: s(),
            period: RwSignal::new(365),
        }
    }

    /// The rule, or why it cannot be read (tracks every field).
    fn rule(&self) -> Result<Rule, &'static str> {
        let min_revenue = self.min_revenue.with(|v| {
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            if v.starts_with('-') {
                return Err("amount_negative");
            }
            Money::parse(v).map(|m| Some(m.fen())).map_err(|_| "invalid_amount")
        })?;
        let rule = Rule {
            regions: self.region.get(),
            industries: self.industry.get(),
            sizes: self.size.get(),
            business_types: self.business_type.get(),
            grades: self.grades.get(),
            tags: one(self.tag.get().trim().to_string()),
            satisfaction: Vec::new(),
            rfm: self.rfm.with(|r| RfmGroup::from_code(r)).into_iter().collect(),
            bought: Some(self.bought.get()).filter(|b| !b.is_empty()),
            idle_days: self.idle.with(|v| whole(v))?,
            min_revenue_fen: min_revenue,
            min_orders: self.min_orders.with(|v| whole(v))?,
        };
        rule.check(self.period.get()).map_err(|e| e.code())?;
        Ok(rule)
    }

    /// Fills the form from a saved definition (every value of each list; one tag and one RFM
    /// group, as the form offers).
    fn load(&self, rule: &Rule, period_days: u32) {
        let first = |v: &[String]| v.first().cloned().unwrap_or_default();
        self.region.set(rule.regions.clone());
        self.industry.set(rule.industries.clone());
        self.size.set(rule.sizes.clone());
        self.business_type.set(rule.business_types.clone());
        self.grades.set(rule.grades.clone());
        self.tag.set(first(&rule.tags));
        self.bought.set(rule.bought.clone().unwrap_or_default());
        self.idle.set(rule.idle_days.map(|d| d.to_string()).unwrap_or_default());
        self.min_revenue.set(rule.min_revenue_fen.map(|f| Money::from_fen(f).to_plain()).unwrap_or_default());
        self.min_orders.set(rule.min_orders.map(|d| d.to_string()).unwrap_or_default());
        self.rfm.set(rule.rfm.first().map(|g| g.code().to_string()).unwrap_or_default());
        self.period.set(period_days);
    }

    fn clear(&self) {
        for s in [self.tag, self.bought, self.idle, self.min_revenue, self.min_orders, self.rfm] {
            s.set(String::new());
        }
        for s in [self.region, self.industry, self.size, self.business_type, self.grades] {
            s.set(Vec::new());
        }
    }
}

/// Several values of one of the company's lists for a rule (any of them admits a customer): the
/// chosen ones as chips, each removable, and a select that adds one more.
#[component]
fn MultiPick(name: &'static str, list: List, values: RwSignal<Vec<String>>, label: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = use_catalog();
    let english = move || i18n.get_locale() == Locale::en;
    // The options not chosen yet (retired ones too: an old rule may name them).
    let offered = move || {
        let chosen = values.get();
        catalog
            .with(|c| c.options(list).iter().filter(|o| !chosen.contains(&o.code)).map(|o| (o.code.clone(), o.name(english()).to_string())).collect::<Vec<_>>())
    };
    view! {
        <div class="field multi-pick" data-pick=name>
            <label>
                <span class="field-label">{label}</span>
                // Back to the blank entry after each pick: the select only adds.
                <select name=name prop:value=move || { values.track(); String::new() } on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if !v.is_empty() {
                        values.update(|list| if !list.contains(&v) { list.push(v) });
                    }
                }>
                    <option value="">{move || if values.with(Vec::is_empty) { t_string!(i18n, segments.any).to_string() } else { t_string!(i18n, segments.add_value).to_string() }}</option>
                    {move || offered().into_iter().map(|(code, text)| view! { <option value=code>{text}</option> }).collect_view()}
                </select>
            </label>
            <div class="picked">
                {move || values.get().into_iter().map(|code| {
                    let text = catalog.with(|c| c.label(list, &code, english()).to_string());
                    let gone = code.clone();
                    view! {
                        <button type="button" class="chip-picked" data-value=code.clone()
                            aria-label=move || format!("{} {}", t_string!(i18n, segments.remove_value), text)
                            on:click=move |_| values.update(|list| list.retain(|x| *x != gone))>
                            {catalog.with(|c| c.label(list, &code, english()).to_string())}" ×"
                        </button>
                    }
                }).collect_view()}
            </div>
        </div>
    }
}

fn group_label(i18n: I18n, g: RfmGroup) -> String {
    match g {
        RfmGroup::Champions => t_string!(i18n, segments.rfm_champions),
        RfmGroup::Loyal => t_string!(i18n, segments.rfm_loyal),
        RfmGroup::New => t_string!(i18n, segments.rfm_new),
        RfmGroup::Promising => t_string!(i18n, segments.rfm_promising),
        RfmGroup::AtRisk => t_string!(i18n, segments.rfm_at_risk),
        RfmGroup::Hibernating => t_string!(i18n, segments.rfm_hibernating),
        RfmGroup::Lost => t_string!(i18n, segments.rfm_lost),
    }
    .to_string()
}

fn feature_label(i18n: I18n, f: Feature) -> String {
    match f {
        Feature::Recency => t_string!(i18n, segments.f_recency),
        Feature::Frequency => t_string!(i18n, segments.f_frequency),
        Feature::Monetary => t_string!(i18n, segments.f_monetary),
        Feature::AverageOrder => t_string!(i18n, segments.f_average_order),
        Feature::Tenure => t_string!(i18n, segments.f_tenure),
    }
    .to_string()
}

/// The ids of the customers in view a rule admits (for another screen that targets a saved
/// segment, e.g. promotions): the period's purchases folded, the rule tested.
pub(crate) fn members(r: &crate::domain::replica::Replica, rule: &Rule, period_days: u32, today: i32) -> Vec<String> {
    let ids: Vec<String> = r.customers().map(|c| c.id.clone()).collect();
    let profile = Profile::build(ids.len(), |i| r.orders_of(&ids[i]), today, period_days);
    let matcher = rule.matcher(&profile);
    ids.iter().enumerate().filter(|(i, id)| r.customer(id).is_some_and(|c| matcher.admits(c, *i))).map(|(_, id)| id.clone()).collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    List,
    Rfm,
    Clusters,
    Traits,
}

#[derive(Clone, Copy)]
struct SegCx {
    i18n: I18n,
    prepared: Memo<Option<Shared<Prepared>>>,
    members: Memo<Option<Shared<Members>>>,
    form: Form,
}

impl SegCx {
    fn english(&self) -> bool {
        self.i18n.get_locale() == Locale::en
    }
}

#[component]
pub fn Segments() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let form = Form::new();
    let today = today();
    // Every customer's purchases, folded once per period and replica change.
    let prepared = Memo::new(move |_| {
        let days = form.period.get();
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let ids: Vec<String> = r.customers().map(|c| c.id.clone()).collect();
            let profile = Profile::build(ids.len(), |i| r.orders_of(&ids[i]), today, days);
            Some(Shared(Arc::new(Prepared { ids, profile })))
        })
    });
    let rule = Memo::new(move |_| form.rule());
    let members = Memo::new(move |last: Option<&Option<Shared<Members>>>| {
        let prepared = prepared.get()?;
        // While a condition cannot be read (and says why), the last good segment stays on screen.
        let Ok(rule) = rule.get() else { return last.cloned().flatten() };
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let p = &prepared.0;
            let matcher = rule.matcher(&p.profile);
            let mut rows: Vec<usize> = (0..p.ids.len()).filter(|&i| r.customer(&p.ids[i]).is_some_and(|c| matcher.admits(c, i))).collect();
            rows.sort_by_key(|&i| (std::cmp::Reverse(p.profile.summaries[i].revenue_fen), i));
            Some(Shared(Arc::new(Members { prepared: prepared.clone(), rows })))
        })
    });
    let cx = SegCx { i18n, prepared, members, form };
    provide_context(cx);
    let tab = RwSignal::new(Tab::List);
    let tab_button = move |which: Tab, label: Signal<String>, id: &'static str| {
        view! {
            <button type="button" class="tab" role="tab" data-tab=id aria-selected=move || (tab.get() == which).to_string() on:click=move |_| tab.set(which)>
                {label}
            </button>
        }
    };
    let summary = move || {
        members.with(|m| {
            m.as_ref().map(|m| {
                let p = &m.0.prepared.0.profile;
                let revenue: i64 = m.0.rows.iter().map(|&i| p.summaries[i].revenue_fen).sum();
                let buyers = m.0.rows.iter().filter(|&&i| p.summaries[i].orders > 0).count();
                (m.0.rows.len(), Money::from_fen(revenue).format_compact(cx.english()), buyers)
            })
        })
    };
    view! {
        <section class="page segments-page" data-page="segments">
            <h1 class="page-title">{t!(i18n, segments.title)}</h1>
            <p class="hint">{t!(i18n, segments.hint)}</p>
            <Show when=move || sync.replica.with(Option::is_some) fallback=move || view! { <p class="hint">{t!(i18n, segments.loading)}</p> }>
                <SavedSegments />
                <RuleForm />
                <p class="form-error" role="alert" data-testid="segment-error">{move || rule.with(|r| r.as_ref().err().map(|code| error_text(i18n, code)))}</p>
                {move || summary().map(|(count, revenue, buyers)| view! {
                    <div class="segment-summary">
                        <strong data-testid="segment-count" data-count=count>{t!(i18n, segments.count, count = count)}</strong>
                        <span class="muted">{t!(i18n, segments.summary, revenue = revenue.clone(), buyers = buyers)}</span>
                    </div>
                })}
                <div class="tabs" role="tablist">
                    {tab_button(Tab::List, Signal::derive(move || t_string!(i18n, segments.list).to_string()), "list")}
                    {tab_button(Tab::Rfm, Signal::derive(move || t_string!(i18n, segments.rfm_tab).to_string()), "rfm")}
                    {tab_button(Tab::Clusters, Signal::derive(move || t_string!(i18n, segments.clusters).to_string()), "clusters")}
                    {tab_button(Tab::Traits, Signal::derive(move || t_string!(i18n, segments.traits).to_string()), "traits")}
                </div>
                {move || match tab.get() {
                    Tab::List => view! { <MemberList /> }.into_any(),
                    Tab::Rfm => view! { <RfmGroups /> }.into_any(),
                    Tab::Clusters => view! { <Clusters /> }.into_any(),
                    Tab::Traits => view! { <Traits /> }.into_any(),
                }}
            </Show>
        </section>
    }
}

/// What the last save or delete did.
#[derive(Clone, PartialEq)]
enum SavedNotice {
    Saved(String),
    Deleted(String),
    Error(String),
}

/// The saved segments 已保存的细分: choosing one fills the conditions; the current conditions are
/// saved as a new segment or over the chosen one (if it is the user's), shared or not. Saving and
/// deleting are mutations: offline too, shown at once, synced.
#[component]
fn SavedSegments() -> impl IntoView {
    let cx = expect_context::<SegCx>();
    let i18n = cx.i18n;
    let sync = use_sync();
    let chosen = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let shared = RwSignal::new(false);
    let notice: RwSignal<Option<SavedNotice>> = RwSignal::new(None);
    let me = move || sync.replica.with(|r| r.as_ref().map(|r| r.owner().id.clone()).unwrap_or_default());
    let list = move || {
        sync.replica.with(|r| {
            r.as_ref()
                .map(|r| {
                    r.segments().into_iter().map(|s| (s.id.clone(), s.name.clone(), s.owner_id.clone(), s.owner_name.clone(), s.shared)).collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    // The chosen one, if it is still there and the user's own.
    let own_chosen = move || {
        let id = chosen.get();
        sync.replica
            .with(|r| r.as_ref().and_then(|r| r.segment(&id)).is_some_and(|s| s.owner_id == r.as_ref().map(|r| r.owner().id.clone()).unwrap_or_default()))
    };
    let choose = move |id: String| {
        chosen.set(id.clone());
        notice.set(None);
        let found = sync.replica.with_untracked(|r| r.as_ref().and_then(|r| r.segment(&id).cloned()));
        if let Some(s) = found {
            cx.form.load(&s.rule, s.period_days);
            name.set(s.name.clone());
            shared.set(s.shared);
        }
    };
    let save = move |as_new: bool| {
        let rule = match cx.form.rule() {
            Ok(rule) => rule,
            Err(code) => return notice.set(Some(SavedNotice::Error(error_text(i18n, code)))),
        };
        let id = if as_new || !own_chosen() { crate::ui::sync::new_id() } else { chosen.get_untracked() };
        let text = name.get_untracked().trim().to_string();
        let op = Op::SaveSegment { id: id.clone(), name: text.clone(), rule, period_days: cx.form.period.get_untracked(), shared: shared.get_untracked() };
        match sync.mutate(op) {
            Ok(()) => {
                chosen.set(id);
                notice.set(Some(SavedNotice::Saved(text)));
            }
            Err(r) => notice.set(Some(SavedNotice::Error(rejection_text(i18n, &r)))),
        }
    };
    let delete = move |_| {
        let id = chosen.get_untracked();
        let text = name.get_untracked();
        match sync.mutate(Op::DeleteSegment { id }) {
            Ok(()) => {
                chosen.set(String::new());
                name.set(String::new());
                notice.set(Some(SavedNotice::Deleted(text)));
            }
            Err(r) => notice.set(Some(SavedNotice::Error(rejection_text(i18n, &r)))),
        }
    };
    view! {
        <section class="card saved-segments" data-testid="saved-segments">
            <h2 class="card-title">{t!(i18n, segments.saved)}</h2>
            <div class="saved-row">
                <label class="field saved-pick">
                    <span class="visually-hidden">{t!(i18n, segments.choose_saved)}</span>
                    <select name="saved" on:change=move |ev| choose(event_target_value(&ev))>
                        <option value="" selected=move || chosen.with(String::is_empty)>
                            {move || if list().is_empty() { t_string!(i18n, segments.none_saved).to_string() } else { t_string!(i18n, segments.choose_saved).to_string() }}
                        </option>
                        {move || {
                            let mine = me();
                            list().into_iter().map(|(id, label, owner, owner_name, is_shared)| {
                                let suffix = if owner != mine {
                                    Some(view! { "（"{t!(i18n, segments.shared_by, owner = owner_name.clone())}"）" }.into_any())
                                } else if is_shared {
                                    Some(view! { "（"{t!(i18n, segments.share)}"）" }.into_any())
                                } else {
                                    None
                                };
                                let selected = id.clone();
                                view! { <option value=id selected=move || chosen.with(|c| *c == selected)>{label}{suffix}</option> }
                            }).collect_view()
                        }}
                    </select>
                </label>
                <label class="field saved-name">
                    <span class="visually-hidden">{t!(i18n, segments.name)}</span>
                    <input type="text" name="segment-name" maxlength="200" placeholder=move || t_string!(i18n, segments.name).to_string()
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <label class="chip-toggle">
                    <input type="checkbox" name="segment-shared" prop:checked=move || shared.get() on:change=move |ev| shared.set(event_target_checked(&ev)) />
                    <span>{t!(i18n, segments.share)}</span>
                </label>
                <button type="button" class="button button-primary" data-testid="save-segment" on:click=move |_| save(false)>{t!(i18n, segments.save)}</button>
                <Show when=own_chosen>
                    <button type="button" class="button" data-testid="save-segment-as" on:click=move |_| save(true)>{t!(i18n, segments.save_as)}</button>
                    <button type="button" class="button button-danger" data-testid="delete-segment" on:click=delete>{t!(i18n, segments.delete)}</button>
                </Show>
            </div>
            <p class="notice" role="status" aria-live="polite" data-testid="segment-notice" data-ok=move || notice.with(|n| n.as_ref().map(|n| (!matches!(n, SavedNotice::Error(_))).to_string()))>
                {move || notice.get().map(|n| match n {
                    SavedNotice::Saved(name) => t!(i18n, segments.saved_ok, name = name.clone()).into_any(),
                    SavedNotice::Deleted(name) => t!(i18n, segments.deleted_ok, name = name.clone()).into_any(),
                    SavedNotice::Error(text) => text.into_any(),
                })}
            </p>
        </section>
    }
}

/// The conditions: lists from the catalogue, grades as toggles, purchase behaviour as numbers.
#[component]
fn RuleForm() -> impl IntoView {
    let cx = expect_context::<SegCx>();
    let i18n = cx.i18n;
    let f = cx.form;
    // The products bought in the period by the customers in view, by SKU.
    let skus = Memo::new(move |_| {
        let mut all = cx.prepared.with(|p| p.as_ref().map(|p| p.0.profile.skus.clone()).unwrap_or_default());
        all.sort();
        all
    });
    let select = move |list: List, name: &'static str, values: RwSignal<Vec<String>>, label: Signal<String>| view! { <MultiPick name list values label /> };
    let number = move |value: RwSignal<String>, name: &'static str, mode: &'static str, label: Signal<String>| {
        view! {
            <label class="field">
                <span class="field-label">{label}</span>
                <input type="text" name=name inputmode=mode prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
        }
    };
    let label = move |s: fn(I18n) -> String| Signal::derive(move || s(i18n));
    view! {
        <section class="card segment-rule" data-testid="segment-rule">
            <div class="section-head">
                <h2 class="card-title">{t!(i18n, segments.conditions)}</h2>
                <button type="button" class="button button-small" on:click=move |_| f.clear()>{t!(i18n, segments.clear)}</button>
            </div>
            <div class="filter-grid">
                <label class="field">
                    <span class="field-label">{t!(i18n, segments.period)}</span>
                    <select name="period" on:change=move |ev| f.period.set(event_target_value(&ev).parse().unwrap_or(365))>
                        {PERIODS.into_iter().map(|d| view! { <option value=d selected=move || f.period.get() == d>{t!(i18n, segments.days_n, days = d)}</option> }).collect_view()}
                    </select>
                </label>
                {select(List::Region, "region", f.region, label(|i| t_string!(i, segments.region).to_string()))}
                {select(List::Industry, "industry", f.industry, label(|i| t_string!(i, segments.industry).to_string()))}
                {select(List::Size, "size", f.size, label(|i| t_string!(i, segments.size).to_string()))}
                {select(List::BusinessType, "business_type", f.business_type, label(|i| t_string!(i, segments.business_type).to_string()))}
                <label class="field">
                    <span class="field-label">{t!(i18n, segments.rfm)}</span>
                    <select name="rfm" on:change=move |ev| f.rfm.set(event_target_value(&ev))>
                        <option value="" selected=move || f.rfm.with(String::is_empty)>{t!(i18n, segments.any)}</option>
                        {RfmGroup::ALL.into_iter().map(|g| view! { <option value=g.code() selected=move || f.rfm.with(|r| r == g.code())>{move || group_label(i18n, g)}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">{t!(i18n, segments.bought)}</span>
                    <select name="bought" on:change=move |ev| f.bought.set(event_target_value(&ev))>
                        <option value="" selected=move || f.bought.with(String::is_empty)>{t!(i18n, segments.any)}</option>
                        <For each=move || skus.get() key=|s| s.clone() let(sku)>
                            <option value=sku.clone() selected=move || f.bought.with(|b| *b == sku)>{sku.clone()}</option>
                        </For>
                    </select>
                </label>
                {number(f.idle, "idle_days", "numeric", label(|i| t_string!(i, segments.idle_days).to_string()))}
                {number(f.min_revenue, "min_revenue", "decimal", label(|i| t_string!(i, segments.min_revenue).to_string()))}
                {number(f.min_orders, "min_orders", "numeric", label(|i| t_string!(i, segments.min_orders).to_string()))}
                {number(f.tag, "tag", "text", label(|i| t_string!(i, segments.tag).to_string()))}
            </div>
            <fieldset class="grade-toggles">
                <legend>{t!(i18n, segments.grades)}</legend>
                {["A", "B", "C", "D"].into_iter().map(|g| view! {
                    <label class="chip-toggle">
                        <input type="checkbox" name="grade" value=g prop:checked=move || f.grades.with(|v| v.iter().any(|x| x == g))
                            on:change=move |ev| { let on = event_target_checked(&ev); f.grades.update(|v| { v.retain(|x| x != g); if on { v.push(g.to_string()); v.sort(); } }); } />
                        <span>{g}</span>
                    </label>
                }).collect_view()}
            </fieldset>
        </section>
    }
}

/// The members, biggest buyers in the period first.
#[component]
fn MemberList() -> impl IntoView {
    let cx = expect_context::<SegCx>();
    let i18n = cx.i18n;
    let sync = use_sync();
    let rows = move || {
        let m = cx.members.get()?;
        let english = cx.english();
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let p = &m.0.prepared.0;
            Some(
                m.0.rows
                    .iter()
                    .take(LIST_SHOWN)
                    .filter_map(|&i| {
                        let c = r.customer(&p.ids[i])?;
                        let s = &p.profile.summaries[i];
                        let last = p.profile.last_ever[i].map(format_day);
                        Some((c.id.clone(), c.name.clone(), c.grade.clone(), Money::from_fen(s.revenue_fen).format_compact(english), s.orders, last))
                    })
                    .collect::<Vec<_>>(),
            )
        })
    };
    view! {
        <section class="segment-list" data-testid="segment-list">
            <p class="hint">{t!(i18n, segments.list_note, shown = LIST_SHOWN)}</p>
            <ul class="list">
                {move || rows().unwrap_or_default().into_iter().map(|(id, name, grade, revenue, orders, last)| view! {
                    <li>
                        <a class="list-item" href=format!("/customers?c={id}") data-customer=id.clone()>
                            <span class="list-item-main">
                                <span class="list-item-title">{name}</span>
                                <span class="list-item-sub">{t!(i18n, segments.last_order)}": "{match last {
                                    Some(day) => day.into_any(),
                                    None => t!(i18n, segments.never).into_any(),
                                }}" · "{t!(i18n, segments.orders)}" "{orders}</span>
                            </span>
                            <span class="list-item-side"><span class="grade-badge">{grade}</span><span>{revenue}</span></span>
                        </a>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// The members by RFM group, with their purchases; a group can narrow the segment.
#[component]
fn RfmGroups() -> impl IntoView {
    let cx = expect_context::<SegCx>();
    let i18n = cx.i18n;
    let groups = move || {
        cx.members.with(|m| {
            let m = m.as_ref()?;
            let p = &m.0.prepared.0.profile;
            let mut out: Vec<(RfmGroup, usize, i64)> = RfmGroup::ALL.into_iter().map(|g| (g, 0, 0)).collect();
            for &i in &m.0.rows {
                let g = RfmGroup::of(p.rfm[i]);
                if let Some(slot) = out.iter_mut().find(|x| x.0 == g) {
                    slot.1 += 1;
                    slot.2 += p.summaries[i].revenue_fen;
                }
            }
            Some((m.0.rows.len(), out))
        })
    };
    view! {
        <section class="card chart-card" data-testid="rfm-groups">
            <p class="hint">{t!(i18n, segments.rfm_hint)}</p>
            {move || groups().map(|(total, list)| {
                let max = list.iter().map(|g| g.1).max().unwrap_or(0).max(1) as f64;
                let english = cx.english();
                view! {
                    <div class="table-scroll"><table class="table breakdown">
                        <thead><tr><th></th><th>{t!(i18n, segments.customers)}</th><th>{t!(i18n, segments.revenue)}</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|(g, n, revenue)| {
                                let width = n as f64 / max * 100.0;
                                let share = if total > 0 { n as f64 * 100.0 / total as f64 } else { 0.0 };
                                view! {
                                    <tr data-rfm=g.code() data-count=n>
                                        <td>{group_label(i18n, g)}</td>
                                        <td class="bar-cell"><span class="bar" style=format!("width:{width:.0}%")></span><span>{format!("{n} · {share:.0}%")}</span></td>
                                        <td>{Money::from_fen(revenue).format_compact(english)}</td>
                                        <td><button type="button" class="button button-small" disabled=n == 0 on:click=move |_| cx.form.rfm.set(g.code().to_string())>{t!(i18n, segments.only_this)}</button></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }
            })}
        </section>
    }
}

/// A clustering's result in readable units.
#[derive(Clone, PartialEq)]
struct ClusterResult {
    features: Vec<Feature>,
    /// Per cluster: size and mean raw values.
    clusters: Vec<(usize, Vec<f64>)>,
    ms: f64,
}

/// k-means over the members on the chosen features, with an elbow hint for k.
#[component]
fn Clusters() -> impl IntoView {
    let cx = expect_context::<SegCx>();
    let i18n = cx.i18n;
    let sync = use_sync();
    let chosen = RwSignal::new(vec![Feature::Recency, Feature::Frequency, Feature::Monetary]);
    let k_text = RwSignal::new("4".to_string());
    let result: RwSignal<Option<Result<ClusterResult, &'static str>>> = RwSignal::new(None);
    let curve: RwSignal<Option<Vec<(usize, f64)>>> = RwSignal::new(None);
    // A changed segment or choice makes the last result stale.
    Effect::new(move |_| {
        cx.members.track();
        chosen.track();
        result.set(None);
        curve.set(None);
    });
    // The members' standardised points (None: nothing to cluster), read when asked.
    let points = move || -> Result<(Vec<f64>, Vec<f64>, usize), &'static str> {
        let features_chosen = chosen.get_untracked();
        if features_chosen.is_empty() {
            return Err("choose_feature");
        }
        let m = cx.members.get_untracked().ok_or("segment_empty")?;
        if m.0.rows.is_empty() {
            return Err("segment_empty");
        }
        sync.replica.with_untracked(|r| {
            let r = r.as_ref().ok_or("segment_empty")?;
            let p = &m.0.prepared.0;
            let list: Vec<(&crate::domain::customer::CustomerView, usize)> = m.0.rows.iter().filter_map(|&i| r.customer(&p.ids[i]).map(|c| (c, i))).collect();
            let (raw, pts) = features(&list, &p.profile, &features_chosen);
            Ok((raw, pts, features_chosen.len()))
        })
    };
    let run = move |_| {
        let started = perf_ms();
        let k = match k_text.get_untracked().trim().parse::<usize>() {
            Ok(k) => k,
            Err(_) => return result.set(Some(Err("k_too_large"))),
        };
        result.set(Some(points().and_then(|(raw, pts, d)| {
            let c = kmeans(&pts, d, k, 20, SEED).map_err(|e| e.code())?;
            Ok(ClusterResult { features: chosen.get_untracked(), clusters: cluster_means(&raw, d, &c.assignment, k), ms: perf_ms() - started })
        })));
    };
    let suggest = move |_| match points() {
        Ok((_, pts, d)) => {
            let n = pts.len() / d;
            let found: Vec<(usize, f64)> = elbow(&pts, d, 1..=8.min(n), 20, SEED).into_iter().filter_map(|(k, r)| r.ok().map(|w| (k, w))).collect();
            curve.set(Some(found));
        }
        Err(code) => result.set(Some(Err(code))),
    };
    let error_of =
        move |code: &'static str| if code == "choose_feature" { t_string!(i18n, segments.choose_feature).to_string() } else { error_text(i18n, code) };
    view! {
        <section class="card segment-clusters" data-testid="clusters">
            <fieldset class="grade-toggles">
                <legend>{t!(i18n, segments.features)}</legend>
                {Feature::ALL.into_iter().map(|f| view! {
                    <label class="chip-toggle">
                        <input type="checkbox" name="feature" value=f.code() prop:checked=move || chosen.with(|v| v.contains(&f))
                            on:change=move |ev| { let on = event_target_checked(&ev); chosen.update(|v| { v.retain(|x| *x != f); if on { v.push(f); v.sort(); } }); } />
                        <span>{move || feature_label(i18n, f)}</span>
                    </label>
                }).collect_view()}
            </fieldset>
            <div class="cluster-actions">
                <label class="field k-field">
                    <span class="field-label">{t!(i18n, segments.k)}</span>
                    <input type="text" name="k" inputmode="numeric" prop:value=move || k_text.get() on:input=move |ev| k_text.set(event_target_value(&ev)) />
                </label>
                <button type="button" class="button button-primary" data-testid="run-clusters" on:click=run>{t!(i18n, segments.run)}</button>
                <button type="button" class="button" data-testid="suggest-k" on:click=suggest>{t!(i18n, segments.suggest)}</button>
            </div>
            {move || curve.get().map(|points| view! { <ElbowChart points=points /> })}
            {move || result.get().map(|r| match r {
                Err(code) => view! { <p class="form-error" role="alert" data-testid="cluster-error">{error_of(code)}</p> }.into_any(),
                Ok(r) => {
                    let english = cx.english();
                    view! {
                        <div class="table-scroll"><table class="table" data-testid="cluster-table">
                            <thead><tr><th></th><th>{t!(i18n, segments.customers)}</th>
                                {r.features.iter().map(|f| view! { <th>{feature_label(i18n, *f)}</th> }).collect_view()}</tr></thead>
                            <tbody>
                                {r.clusters.iter().enumerate().map(|(n, (size, means))| view! {
                                    <tr data-cluster=n data-size=*size>
                                        <td>{t!(i18n, segments.cluster, n = n + 1)}</td>
                                        <td>{*size}</td>
                                        {r.features.iter().zip(means).map(|(f, v)| {
                                            let text = match f {
                                                Feature::Monetary | Feature::AverageOrder => Money::from_fen((v * 100.0).round() as i64).format_compact(english),
                                                _ => format!("{v:.1}"),
                                            };
                                            view! { <td>{text}</td> }
                                        }).collect_view()}
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table></div>
                        <p class="hint">{t!(i18n, segments.cluster_note, ms = format!("{:.0}", r.ms))}</p>
                    }.into_any()
                }
            })}
        </section>
    }
}

/// The within-cluster error by k as a line, the suggested k (the largest drop in the curve's
/// slope) marked.
#[component]
fn ElbowChart(points: Vec<(usize, f64)>) -> impl IntoView {
    let cx = expect_context::<SegCx>();
    let i18n = cx.i18n;
    const W: f64 = 320.0;
    const H: f64 = 140.0;
    let max = points.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-9);
    let n = points.len().max(2) as f64;
    let x = move |i: usize| 20.0 + i as f64 * (W - 40.0) / (n - 1.0);
    let y = move |w: f64| 10.0 + (1.0 - w / max) * (H - 30.0);
    // The elbow: where the drop before a k most exceeds the drop after it.
    let pick = (1..points.len().saturating_sub(1)).max_by(|&a, &b| {
        let bend = |i: usize| (points[i - 1].1 - points[i].1) - (points[i].1 - points[i + 1].1);
        bend(a).total_cmp(&bend(b))
    });
    let line: Vec<String> = points.iter().enumerate().map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.1))).collect();
    view! {
        <div class="chart-card" data-testid="elbow">
            <p class="hint">{t!(i18n, segments.elbow_hint)}</p>
            <svg class="chart" viewBox=format!("0 0 {W} {H}") role="img">
                <polyline points=line.join(" ") fill="none" stroke="var(--c-brand)" stroke-width="2"></polyline>
                {points.iter().enumerate().map(|(i, (k, w))| view! {
                    <g>
                        <circle cx=x(i) cy=y(*w) r=if Some(i) == pick { "5" } else { "3" } fill=if Some(i) == pick { "var(--c-warning)" } else { "var(--c-brand)" }></circle>
                        <text x=x(i) y=H - 4.0 text-anchor="middle" class="chart-label">{format!("k={k}")}</text>
                    </g>
                }).collect_view()}
            </svg>
            {pick.map(|i| view! { <p data-testid="elbow-pick" data-k=points[i].0>{t!(i18n, segments.elbow_pick, k = points[i].0)}</p> })}
        </div>
    }
}

/// What the members with won deals have in common, against all members.
#[component]
fn Traits() -> impl IntoView {
    let cx = expect_context::<SegCx>();
    let i18n = cx.i18n;
    let sync = use_sync();
    let catalog = use_catalog();
    let found = move || {
        let m = cx.members.get()?;
        sync.replica.with(|r| {
            let r = r.as_ref()?;
            let won: HashSet<&str> = r.opportunities().filter(|o| o.stage == WON).map(|o| o.customer_id.as_str()).collect();
            let p = &m.0.prepared.0;
            let list: Vec<(&crate::domain::customer::CustomerView, bool)> =
                m.0.rows.iter().filter_map(|&i| r.customer(&p.ids[i])).map(|c| (c, won.contains(c.id.as_str()))).collect();
            let n_won = list.iter().filter(|x| x.1).count();
            let mut traits = won_traits(list.iter().map(|(c, w)| (*c, *w)), 2);
            traits.truncate(12);
            Some((n_won, list.len(), traits))
        })
    };
    let dimension = move |d: Dimension| -> (String, List) {
        match d {
            Dimension::Industry => (t_string!(i18n, segments.d_industry).to_string(), List::Industry),
            Dimension::Size => (t_string!(i18n, segments.d_size).to_string(), List::Size),
            Dimension::Region => (t_string!(i18n, segments.d_region).to_string(), List::Region),
            Dimension::Source => (t_string!(i18n, segments.d_source).to_string(), List::Source),
        }
    };
    view! {
        <section class="card chart-card" data-testid="traits">
            <p class="hint">{t!(i18n, segments.traits_hint)}</p>
            {move || found().map(|(won, all, traits)| if traits.is_empty() {
                view! { <p class="empty-state">{t!(i18n, segments.no_traits)}</p> }.into_any()
            } else {
                view! {
                    <p>{t!(i18n, segments.won_customers, won = won, all = all)}</p>
                    <div class="table-scroll"><table class="table">
                        <thead><tr><th>{t!(i18n, segments.dimension)}</th><th>{t!(i18n, segments.value)}</th><th>{t!(i18n, segments.won_share)}</th><th>{t!(i18n, segments.all_share)}</th><th>{t!(i18n, segments.lift)}</th></tr></thead>
                        <tbody>
                            {traits.into_iter().map(|tr| {
                                let (dim, list) = dimension(tr.dimension);
                                let value = catalog.with(|c| option_label(i18n, c, list, &tr.code));
                                view! {
                                    <tr data-trait=tr.code.clone()>
                                        <td>{dim}</td><td>{value}</td>
                                        <td>{format!("{:.0}%", tr.won_share * 100.0)}</td>
                                        <td>{format!("{:.0}%", tr.all_share * 100.0)}</td>
                                        <td class:lift-up={tr.lift > 1.0}>{format!("{:.2}", tr.lift)}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table></div>
                }.into_any()
            })}
        </section>
    }
}
