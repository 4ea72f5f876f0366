//! Promotion planning 促销策划 (issue 7): the kinds of promotion the sales practice uses and a
//! stated, editable model of what a plan will bring, simulated on the device as a slider moves.
//!
//! The model, per customer grade (A–D), for the plan's window:
//! - **baseline** — what the segment's customers bought in the same window last year (revenue and
//!   cost of goods); without a promotion this year is assumed to repeat it;
//! - **uptake** — the share of customers who take the offer: the grade's base uptake, raised by
//!   `uptake_per_point_bp` for every percentage point of discount (points count at their value),
//!   capped at 100 %;
//! - **volume lift** — a taker buys `lift_bp` more than their baseline;
//! - the **cost of the promotion** — the discount given on takers' purchases, the gifts (one per
//!   taker) and the points (a share of takers' spend) — is what the budget pays and what ROI
//!   divides by; margin is revenue less cost of goods less the promotion's cost.
//!
//! A slider update does not look at the customers again: they are summed per grade once
//! ([`Basis::of`]), and [`simulate`] works on four sums.

use super::catalog::Grade;
use serde::{Deserialize, Serialize};

/// The kinds of promotion 促销方式.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 现金折扣: a share off the price.
    CashDiscount,
    /// 数量折扣: a share off when the order reaches a quantity (the uptake model is the same; the
    /// tiers decide which takers qualify, see [`Plan::min_quantity`]).
    QuantityDiscount,
    /// 季节折扣: a share off in the off season.
    Seasonal,
    /// 赠品: a gift per taker, no price change.
    Gift,
    /// 积分: points worth a share of the spend.
    Points,
    /// 限时优惠: a share off within a short window.
    LimitedTime,
}

/// One customer as the simulation needs them: their grade and what they bought in the same
/// window last year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Customer {
    pub grade: Grade,
    pub baseline_revenue_fen: i64,
    pub baseline_cost_fen: i64,
}

/// The segment summed per grade (A, B, C, D).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Basis {
    pub customers: [u64; 4],
    pub revenue_fen: [i64; 4],
    pub cost_fen: [i64; 4],
}

fn slot(g: Grade) -> usize {
    Grade::ALL.iter().position(|x| *x == g).unwrap_or(3)
}

impl Basis {
    pub fn of(customers: &[Customer]) -> Basis {
        let mut b = Basis::default();
        for c in customers {
            let i = slot(c.grade);
            b.customers[i] += 1;
            b.revenue_fen[i] += c.baseline_revenue_fen;
            b.cost_fen[i] += c.baseline_cost_fen;
        }
        b
    }

    pub fn count(&self) -> u64 {
        self.customers.iter().sum()
    }
}

/// The assumptions, shown next to the figures and editable by the planner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    /// Base uptake per grade (A–D), basis points of the grade's customers.
    pub base_uptake_bp: [u32; 4],
    /// Extra uptake per percentage point of discount, basis points.
    pub uptake_per_point_bp: u32,
    /// How much more a taker buys than their baseline, basis points.
    pub lift_bp: u32,
}

impl Default for Model {
    /// A starting point a planner is expected to adjust: A 30 %, B 20 %, C 12 %, D 5 %; +1.5 % per
    /// point of discount; takers buy 25 % more.
    fn default() -> Model {
        Model { base_uptake_bp: [3_000, 2_000, 1_200, 500], uptake_per_point_bp: 150, lift_bp: 2_500 }
    }
}

/// A promotion plan as the planner sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub kind: Kind,
    /// The intensity: discount off the price, or the points' value, basis points (≤ 90 %).
    pub intensity_bp: u32,
    /// Cost of one gift (kind `Gift`), fen.
    pub gift_fen: i64,
    /// Quantity discount: the least quantity an order needs (informational for the model).
    pub min_quantity: u32,
    /// First and last day of the window (days since 1970-01-01).
    pub from_day: i32,
    pub to_day: i32,
    pub budget_fen: i64,
}

/// What the plan is expected to bring.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub customers: u64,
    pub takers: f64,
    pub baseline_revenue_fen: i64,
    pub revenue_fen: i64,
    pub incremental_revenue_fen: i64,
    /// Discount + gifts + points.
    pub promotion_cost_fen: i64,
    pub margin_fen: i64,
    pub incremental_margin_fen: i64,
    /// Promotion cost ÷ budget.
    pub budget_used: f64,
    /// Incremental margin ÷ promotion cost (`None` when it costs nothing).
    pub roi: Option<f64>,
}

/// Why a plan cannot be simulated (a code the UI translates).
pub fn check(plan: &Plan, today: i32) -> Result<(), &'static str> {
    if plan.budget_fen <= 0 {
        return Err("budget_zero");
    }
    if plan.to_day < plan.from_day {
        return Err("window_reversed");
    }
    if plan.to_day < today {
        return Err("window_past");
    }
    if plan.intensity_bp > 9_000 || plan.gift_fen < 0 {
        return Err("invalid_intensity");
    }
    Ok(())
}

/// The plan's forecast for a segment summed as `basis`, under `model`.
pub fn simulate(plan: &Plan, model: &Model, basis: &Basis, today: i32) -> Result<Forecast, &'static str> {
    check(plan, today)?;
    if basis.count() == 0 {
        return Err("segment_empty");
    }
    let intensity = f64::from(plan.intensity_bp) / 10_000.0;
    let discount = match plan.kind {
        Kind::CashDiscount | Kind::QuantityDiscount | Kind::Seasonal | Kind::LimitedTime => intensity,
        Kind::Gift | Kind::Points => 0.0,
    };
    let points = if plan.kind == Kind::Points { intensity } else { 0.0 };
    let gift = if plan.kind == Kind::Gift { plan.gift_fen as f64 } else { 0.0 };
    // Percentage points of value offered, for the uptake.
    let points_offered = (discount + points) * 100.0;
    let lift = 1.0 + f64::from(model.lift_bp) / 10_000.0;
    let (mut takers, mut revenue, mut cost_of_goods) = (0.0, 0.0, 0.0);
    let (mut discount_cost, mut points_cost, mut gift_cost) = (0.0, 0.0, 0.0);
    for g in 0..4 {
        let n = basis.customers[g] as f64;
        if n == 0.0 {
            continue;
        }
        let uptake = ((f64::from(model.base_uptake_bp[g]) + f64::from(model.uptake_per_point_bp) * points_offered) / 10_000.0).clamp(0.0, 1.0);
        let (base_rev, base_cost) = (basis.revenue_fen[g] as f64, basis.cost_fen[g] as f64);
        // Takers are that share of the grade, with that share of its baseline, bought `lift` over.
        let taker_list_price = base_rev * uptake * lift;
        let taker_paid = taker_list_price * (1.0 - discount);
        takers += n * uptake;
        revenue += base_rev * (1.0 - uptake) + taker_paid;
        cost_of_goods += base_cost * (1.0 - uptake) + base_cost * uptake * lift;
        discount_cost += taker_list_price * discount;
        points_cost += taker_paid * points;
        gift_cost += n * uptake * gift;
    }
    let baseline_revenue: i64 = basis.revenue_fen.iter().sum();
    let baseline_margin = baseline_revenue - basis.cost_fen.iter().sum::<i64>();
    // The discount is already missing from revenue; points and gifts cost on top.
    let margin_fen = (revenue - cost_of_goods - points_cost - gift_cost).round() as i64;
    let promo = discount_cost + points_cost + gift_cost;
    let revenue_fen = revenue.round() as i64;
    Ok(Forecast {
        customers: basis.count(),
        takers,
        baseline_revenue_fen: baseline_revenue,
        revenue_fen,
        incremental_revenue_fen: revenue_fen - baseline_revenue,
        promotion_cost_fen: promo.round() as i64,
        margin_fen,
        incremental_margin_fen: margin_fen - baseline_margin,
        budget_used: promo / plan.budget_fen as f64,
        roi: (promo >= 0.5).then(|| (margin_fen - baseline_margin) as f64 / promo),
    })
}

// ---------------------------------------------------------------------------------------------
// Saved plans 促销方案 and their approval 审批.

/// How the offer reaches the customers 推广渠道.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 上门拜访: the reps bring it on their visits.
    #[default]
    Visit,
    /// 电话: called by the reps.
    Phone,
    /// 微信: WeChat messages and moments.
    Wechat,
    /// 短信: text messages.
    Sms,
    /// 邮件: e-mail.
    Email,
    /// 展会/活动: at a trade show or event.
    Event,
    /// 广告投放: paid advertising (online or print); its spend is the plan's budget and the
    /// orders it brought are attributed to it like any campaign's.
    Advertising,
}

impl Channel {
    pub const ALL: [Channel; 7] = [Channel::Visit, Channel::Phone, Channel::Wechat, Channel::Sms, Channel::Email, Channel::Event, Channel::Advertising];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Visit => "visit",
            Channel::Phone => "phone",
            Channel::Wechat => "wechat",
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::Event => "event",
            Channel::Advertising => "advertising",
        }
    }

    pub fn from_code(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl Kind {
    pub const ALL: [Kind; 6] = [Kind::CashDiscount, Kind::QuantityDiscount, Kind::Seasonal, Kind::Gift, Kind::Points, Kind::LimitedTime];

    /// The kind's code, as on the wire.
    pub fn code(self) -> &'static str {
        match self {
            Kind::CashDiscount => "cash_discount",
            Kind::QuantityDiscount => "quantity_discount",
            Kind::Seasonal => "seasonal",
            Kind::Gift => "gift",
            Kind::Points => "points",
            Kind::LimitedTime => "limited_time",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// What the planner's device expected when the plan was saved, over the customers it could see:
/// kept with the plan so the approver sees the figures it was submitted with, and the effect
/// can later be set against them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    pub customers: u64,
    pub takers: u64,
    pub baseline_revenue_fen: i64,
    pub revenue_fen: i64,
    pub promotion_cost_fen: i64,
}

impl Expected {
    pub fn of(f: &Forecast) -> Expected {
        Expected {
            customers: f.customers,
            takers: f.takers.round() as u64,
            baseline_revenue_fen: f.baseline_revenue_fen,
            revenue_fen: f.revenue_fen,
            promotion_cost_fen: f.promotion_cost_fen,
        }
    }
}

/// A plan as the planner saves it: the target, the offer, the window, the budget and the model
/// it was simulated with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub name: String,
    /// The saved segment it targets; `None`: every customer the planner sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_id: Option<String>,
    pub channel: Channel,
    pub kind: Kind,
    pub intensity_bp: u32,
    #[serde(default)]
    pub gift_fen: i64,
    /// First and last day of the window; `YYYY-MM-DD` on the wire.
    #[serde(serialize_with = "super::order::day_out", deserialize_with = "super::order::day_in")]
    pub from: i32,
    #[serde(serialize_with = "super::order::day_out", deserialize_with = "super::order::day_in")]
    pub to: i32,
    pub budget_fen: i64,
    pub model: Model,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<Expected>,
}

impl Draft {
    /// The plan the simulation takes.
    pub fn plan(&self) -> Plan {
        Plan {
            kind: self.kind,
            intensity_bp: self.intensity_bp,
            gift_fen: self.gift_fen,
            min_quantity: 0,
            from_day: self.from,
            to_day: self.to,
            budget_fen: self.budget_fen,
        }
    }

    /// The checks both sides make before saving (a code the UI translates). A window already
    /// past is refused by the planner's screen (it knows today); here only what is wrong on any
    /// day.
    pub fn check(&self) -> Result<(), &'static str> {
        let name = self.name.trim().chars().count();
        if name == 0 {
            return Err("required");
        }
        if name > super::field::MAX_TEXT_CHARS || self.name.chars().any(char::is_control) {
            return Err("too_long");
        }
        if self.budget_fen <= 0 {
            return Err("budget_zero");
        }
        if self.to < self.from {
            return Err("window_reversed");
        }
        if self.intensity_bp > 9_000 || self.gift_fen < 0 {
            return Err("invalid_intensity");
        }
        let m = &self.model;
        if m.base_uptake_bp.iter().any(|u| *u > 10_000) || m.uptake_per_point_bp > 10_000 || m.lift_bp > 100_000 {
            return Err("invalid_model");
        }
        Ok(())
    }
}

/// Where a plan stands in its approval 审批状态.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 草稿: being planned; only its owner sees it.
    #[default]
    Draft,
    /// 待审批: submitted, waiting for a manager (or the director for a manager's own plan).
    Submitted,
    /// 已批准.
    Approved,
    /// 已驳回: with the approver's reason; the owner may change it and submit again.
    Rejected,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        [Status::Draft, Status::Submitted, Status::Approved, Status::Rejected].into_iter().find(|s| s.code() == code)
    }

    /// Its owner may still change it (and delete it).
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Rejected)
    }
}

/// A saved plan as the devices see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub id: String,
    pub owner_id: String,
    pub owner_name: String,
    pub draft: Draft,
    pub status: Status,
    /// Who approved or rejected it, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub version: i64,
}

// ---------------------------------------------------------------------------------------------
// Effect evaluation 效果评估: what a plan brought, from the orders on the device.

/// What a plan brought so far (its window up to today), against the same days last year.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// Days of the window evaluated (up to today) and in all.
    pub days: i32,
    pub window_days: i32,
    /// Target customers in view, and those of them who ordered in the window.
    pub customers: u64,
    pub buyers: u64,
    /// Target customers' purchases in the window so far, and on the same days last year.
    pub revenue_fen: i64,
    pub baseline_revenue_fen: i64,
    /// Revenue less cost of goods (`None` when some cost is not known to the viewer).
    pub margin_fen: Option<i64>,
    pub baseline_margin_fen: Option<i64>,
    /// Customers (in view, target or not) whose very first order falls in the window.
    pub new_customers: u64,
    /// Orders attributed to the plan 归因订单 (in view, target or not), their total, and the
    /// payments received on them so far 归因回款 (a payment belongs to its order's campaign).
    pub attributed_orders: u64,
    pub attributed_revenue_fen: i64,
    pub attributed_paid_fen: i64,
    /// What the offer cost on the attributed orders: the discount given (their list price less
    /// what they paid), the points (a share of what they paid) or the gifts (one per customer).
    pub promotion_cost_fen: i64,
    /// Attributed payments ÷ promotion cost (`None` while nothing was attributed or it cost
    /// nothing): money actually received, not merely ordered.
    pub roi: Option<f64>,
}

/// One customer as the evaluation reads them: in the plan's target or not, and their orders.
pub struct Evaluated<'a> {
    pub target: bool,
    pub orders: Vec<&'a super::order::OrderView>,
}

/// Evaluates `draft` (saved as `plan_id`) over the customers in view on `today`. `attributed`
/// says which plan an order is attributed to (the device's pending changes applied). `Err`:
/// `not_started` before the window opens.
pub fn evaluate<'a>(
    draft: &Draft,
    customers: impl IntoIterator<Item = Evaluated<'a>>,
    attributed: impl Fn(&super::order::OrderView) -> bool,
    today: i32,
) -> Result<Effect, &'static str> {
    if today < draft.from {
        return Err("not_started");
    }
    let end = draft.to.min(today);
    let window = draft.from..=end;
    let last_year = (draft.from - 365)..=(end - 365);
    let intensity = f64::from(draft.intensity_bp) / 10_000.0;
    let mut e = Effect {
        days: end - draft.from + 1,
        window_days: draft.to - draft.from + 1,
        customers: 0,
        buyers: 0,
        revenue_fen: 0,
        baseline_revenue_fen: 0,
        margin_fen: Some(0),
        baseline_margin_fen: Some(0),
        new_customers: 0,
        attributed_orders: 0,
        attributed_revenue_fen: 0,
        attributed_paid_fen: 0,
        promotion_cost_fen: 0,
        roi: None,
    };
    let mut cost = 0.0;
    let add_margin = |m: &mut Option<i64>, total: i64, c: Option<i64>| {
        *m = match (*m, c) {
            (Some(sum), Some(c)) => Some(sum + total - c),
            _ => None,
        }
    };
    for c in customers {
        let counted = || c.orders.iter().filter(|o| o.counts());
        if counted().map(|o| o.day).min().is_some_and(|first| window.contains(&first)) {
            e.new_customers += 1;
        }
        let mut took = false;
        for o in counted().filter(|o| attributed(o)) {
            took = true;
            e.attributed_orders += 1;
            e.attributed_revenue_fen += o.total_fen;
            e.attributed_paid_fen += o.paid_fen;
            let charged = o.total_fen as f64;
            cost += match draft.kind {
                Kind::CashDiscount | Kind::QuantityDiscount | Kind::Seasonal | Kind::LimitedTime if intensity < 1.0 => charged * intensity / (1.0 - intensity),
                Kind::Points => charged * intensity,
                _ => 0.0,
            };
        }
        if took && draft.kind == Kind::Gift {
            cost += draft.gift_fen as f64;
        }
        if !c.target {
            continue;
        }
        e.customers += 1;
        let mut bought = false;
        for o in counted() {
            if window.contains(&o.day) {
                bought = true;
                e.revenue_fen += o.total_fen;
                add_margin(&mut e.margin_fen, o.total_fen, o.cost_fen);
            } else if last_year.contains(&o.day) {
                e.baseline_revenue_fen += o.total_fen;
                add_margin(&mut e.baseline_margin_fen, o.total_fen, o.cost_fen);
            }
        }
        e.buyers += u64::from(bought);
    }
    e.promotion_cost_fen = cost.round() as i64;
    e.roi = (e.attributed_orders > 0 && cost >= 0.5).then(|| e.attributed_paid_fen as f64 / cost);
    Ok(e)
}

/// Whether `role` (user `me`) may approve or reject `plan` now: a manager, the director or an
/// admin, not on their own plan, while it waits for a decision. (The server also checks the plan's
/// owner is someone they answer for; a manager sees only those plans in the first place.)
pub fn may_decide(role: super::org::Role, me: &str, owner_id: &str, status: Status) -> bool {
    use super::org::Role;
    matches!(role, Role::Manager | Role::Director | Role::Admin) && owner_id != me && status == Status::Submitted
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A plan as a planner saves it: 10 % off for a month in December 2026, ¥50,000 budget.
    pub(crate) fn draft() -> Draft {
        use super::super::funnel::parse_day;
        Draft {
            name: "年终回馈".into(),
            segment_id: None,
            channel: Channel::Visit,
            kind: Kind::CashDiscount,
            intensity_bp: 1_000,
            gift_fen: 0,
            from: parse_day("2026-12-01").unwrap(),
            to: parse_day("2026-12-31").unwrap(),
            budget_fen: 5_000_000,
            model: Model::default(),
            expected: Some(Expected { customers: 10, takers: 4, baseline_revenue_fen: 100, revenue_fen: 120, promotion_cost_fen: 10 }),
        }
    }

    #[test]
    fn a_saved_plan_travels_with_dates_and_codes() {
        let d = draft();
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!((json["from"].as_str(), json["to"].as_str()), (Some("2026-12-01"), Some("2026-12-31")));
        assert_eq!((json["kind"].as_str(), json["channel"].as_str()), (Some("cash_discount"), Some("visit")));
        assert_eq!(json["model"]["base_uptake_bp"], serde_json::json!([3_000, 2_000, 1_200, 500]));
        assert!(json.get("segment_id").is_none());
        assert_eq!(serde_json::from_value::<Draft>(json).unwrap(), d);
        for k in Kind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.code());
            assert_eq!(Kind::from_code(k.code()), Some(k));
        }
        for c in Channel::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.code());
        }
        for s in [Status::Draft, Status::Submitted, Status::Approved, Status::Rejected] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.code());
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn a_draft_is_checked_before_it_is_saved() {
        assert_eq!(draft().check(), Ok(()));
        let with = |f: fn(&mut Draft)| {
            let mut d = draft();
            f(&mut d);
            d.check()
        };
        assert_eq!(with(|d| d.name = "  ".into()), Err("required"));
        assert_eq!(with(|d| d.name = "x".repeat(201)), Err("too_long"));
        assert_eq!(with(|d| d.budget_fen = 0), Err("budget_zero"));
        assert_eq!(with(|d| d.to = d.from - 1), Err("window_reversed"));
        assert_eq!(with(|d| d.intensity_bp = 9_001), Err("invalid_intensity"));
        assert_eq!(with(|d| d.gift_fen = -1), Err("invalid_intensity"));
        assert_eq!(with(|d| d.model.base_uptake_bp[2] = 10_001), Err("invalid_model"));
        // The same day as first and last day is a one-day offer.
        assert_eq!(with(|d| d.to = d.from), Ok(()));
    }

    #[test]
    fn the_effect_of_a_plan_worked_by_hand() {
        use super::super::funnel::parse_day;
        use super::super::order::{OrderStatus, OrderView};
        // Every order here has had 40 % of it paid so far.
        let order = |id: &str, date: &str, yuan: i64, cost: Option<i64>, campaign: Option<&str>, status: OrderStatus| OrderView {
            id: id.into(),
            day: parse_day(date).unwrap(),
            total_fen: yuan * 100,
            paid_fen: yuan * 40,
            cost_fen: cost.map(|c| c * 100),
            status,
            campaign_id: campaign.map(str::to_string),
            ..OrderView::default()
        };
        use OrderStatus::Confirmed as Ok_;
        let a = [
            order("a1", "2025-12-05", 1_000, Some(600), None, Ok_),
            order("a2", "2026-12-03", 2_000, Some(1_200), Some("p"), Ok_),
            order("a3", "2026-11-20", 500, Some(300), None, Ok_),
        ];
        let b = [order("b1", "2025-12-20", 700, Some(400), None, Ok_)];
        let c = [order("c1", "2026-12-08", 900, Some(500), Some("p"), Ok_)];
        let d = [order("d1", "2026-12-02", 5_000, Some(3_000), Some("p"), OrderStatus::Cancelled)];
        let customers = || {
            [(true, &a[..]), (true, &b[..]), (false, &c[..]), (true, &d[..])]
                .into_iter()
                .map(|(target, list)| Evaluated { target, orders: list.iter().collect() })
        };
        let attributed = |o: &OrderView| o.campaign_id.as_deref() == Some("p");
        let today = parse_day("2026-12-10").unwrap();
        // 10 % off, December 2026, evaluated on the 10th: against 1–10 December 2025.
        let e = evaluate(&draft(), customers(), attributed, today).unwrap();
        assert_eq!((e.days, e.window_days), (10, 31));
        assert_eq!((e.customers, e.buyers), (3, 1));
        assert_eq!((e.revenue_fen, e.baseline_revenue_fen), (200_000, 100_000), "b1 is after the 10th of last December");
        assert_eq!((e.margin_fen, e.baseline_margin_fen), (Some(80_000), Some(40_000)));
        assert_eq!(e.new_customers, 1, "c's first order ever is in the window; a had bought before; a cancelled order is none");
        assert_eq!((e.attributed_orders, e.attributed_revenue_fen), (2, 290_000), "attributed orders count, target or not; a cancelled one does not");
        assert_eq!(e.attributed_paid_fen, 116_000, "40 % of ¥2,900 received so far");
        // Paid 90 % of list: the discount given is a ninth of the order total.
        assert_eq!(e.promotion_cost_fen, 32_222);
        // ROI is what was received over what the offer cost: 1,160 / (2,900 / 9) = 3.6.
        assert!((e.roi.unwrap() - 3.6).abs() < 1e-9);
        // A cost the viewer cannot see leaves the margin unknown, not wrong.
        let hidden = [order("a2", "2026-12-03", 2_000, None, None, Ok_)];
        let e = evaluate(&draft(), [Evaluated { target: true, orders: hidden.iter().collect() }], attributed, today).unwrap();
        assert_eq!((e.revenue_fen, e.margin_fen, e.roi), (200_000, None, None));
        // Before the window opens there is nothing to evaluate; after it closes, all of it is.
        assert_eq!(evaluate(&draft(), customers(), attributed, parse_day("2026-11-30").unwrap()), Err("not_started"));
        assert_eq!(evaluate(&draft(), customers(), attributed, parse_day("2027-02-01").unwrap()).unwrap().days, 31);
        // Gifts cost one per customer who took the offer.
        let gift = Draft { kind: Kind::Gift, gift_fen: 5_000, ..draft() };
        assert_eq!(evaluate(&gift, customers(), attributed, today).unwrap().promotion_cost_fen, 10_000);
    }

    #[test]
    fn who_decides_on_a_plan() {
        use super::super::org::Role;
        let mut p = SavedPlan {
            id: "p".into(),
            owner_id: "rep1".into(),
            owner_name: "王磊".into(),
            draft: draft(),
            status: Status::Submitted,
            decided_by: None,
            note: None,
            version: 2,
        };
        assert!(may_decide(Role::Manager, "manager1", &p.owner_id, p.status));
        assert!(may_decide(Role::Director, "director", &p.owner_id, p.status));
        assert!(may_decide(Role::Admin, "admin", &p.owner_id, p.status));
        assert!(!may_decide(Role::Supervisor, "supervisor1", &p.owner_id, p.status));
        assert!(!may_decide(Role::Rep, "rep2", &p.owner_id, p.status));
        // Not one's own plan, and only while it waits.
        p.owner_id = "manager1".into();
        assert!(!may_decide(Role::Manager, "manager1", &p.owner_id, p.status));
        assert!(may_decide(Role::Director, "director", &p.owner_id, p.status));
        for s in [Status::Draft, Status::Approved, Status::Rejected] {
            p.status = s;
            assert!(!may_decide(Role::Director, "director", &p.owner_id, p.status));
        }
    }

    fn plan(kind: Kind, intensity_bp: u32) -> Plan {
        Plan { kind, intensity_bp, gift_fen: 0, min_quantity: 0, from_day: 100, to_day: 130, budget_fen: 1_000_000 }
    }

    /// Ten B customers who each bought ¥1,000 (cost ¥600) in the window last year.
    fn ten_b() -> Basis {
        let c = Customer { grade: Grade::B, baseline_revenue_fen: 100_000, baseline_cost_fen: 60_000 };
        Basis::of(&vec![c; 10])
    }

    #[test]
    fn a_cash_discount_worked_by_hand() {
        // 10 % off: uptake 20 % + 10 × 1.5 % = 35 %; 3.5 takers of ¥10,000 baseline buy 25 % more.
        let f = simulate(&plan(Kind::CashDiscount, 1_000), &Model::default(), &ten_b(), 100).unwrap();
        assert!((f.takers - 3.5).abs() < 1e-9);
        // Takers: 1,000,000 × 0.35 × 1.25 = 437,500 at list, pay 393,750; the rest pay 650,000.
        assert_eq!(f.revenue_fen, 650_000 + 393_750);
        assert_eq!(f.incremental_revenue_fen, 43_750);
        assert_eq!(f.promotion_cost_fen, 43_750);
        // Cost of goods: 390,000 + 600,000 × 0.35 × 1.25 = 652,500; margin 1,043,750 − 652,500.
        assert_eq!(f.margin_fen, 391_250);
        assert_eq!(f.incremental_margin_fen, 391_250 - 400_000);
        assert!((f.budget_used - 0.04375).abs() < 1e-9);
        assert!((f.roi.unwrap() - (-8_750.0 / 43_750.0)).abs() < 1e-9);
    }

    #[test]
    fn gifts_and_points_cost_on_top_and_the_slider_moves_the_figures() {
        let mut gift = plan(Kind::Gift, 0);
        gift.gift_fen = 5_000;
        // No discount: uptake stays 20 %; 2 takers × ¥50 of gifts; revenue up by their lift.
        let f = simulate(&gift, &Model::default(), &ten_b(), 100).unwrap();
        assert!((f.takers - 2.0).abs() < 1e-9);
        assert_eq!((f.promotion_cost_fen, f.incremental_revenue_fen), (10_000, 50_000));
        assert_eq!(f.margin_fen, 1_050_000 - 630_000 - 10_000);
        // Points worth 5 %: uptake 27.5 %, cost 5 % of what takers pay.
        let p = simulate(&plan(Kind::Points, 500), &Model::default(), &ten_b(), 100).unwrap();
        assert_eq!(p.promotion_cost_fen, (1_000_000.0_f64 * 0.275 * 1.25 * 0.05).round() as i64);
        // More discount: more takers and more cost, every step of the slider.
        let mut last = simulate(&plan(Kind::LimitedTime, 0), &Model::default(), &ten_b(), 100).unwrap();
        for bp in (500..=5_000).step_by(500) {
            let f = simulate(&plan(Kind::LimitedTime, bp), &Model::default(), &ten_b(), 100).unwrap();
            assert!(f.takers >= last.takers && f.promotion_cost_fen > last.promotion_cost_fen, "{bp}");
            assert!(f.takers <= 10.0);
            last = f;
        }
    }

    #[test]
    fn bad_plans_are_named() {
        let mut p = plan(Kind::CashDiscount, 1_000);
        p.budget_fen = 0;
        assert_eq!(simulate(&p, &Model::default(), &ten_b(), 100), Err("budget_zero"));
        let mut p = plan(Kind::CashDiscount, 1_000);
        p.to_day = 99;
        assert_eq!(simulate(&p, &Model::default(), &ten_b(), 100), Err("window_reversed"));
        assert_eq!(simulate(&plan(Kind::CashDiscount, 1_000), &Model::default(), &ten_b(), 131), Err("window_past"));
        assert_eq!(simulate(&plan(Kind::CashDiscount, 9_500), &Model::default(), &ten_b(), 100), Err("invalid_intensity"));
        assert_eq!(simulate(&plan(Kind::CashDiscount, 1_000), &Model::default(), &Basis::default(), 100), Err("segment_empty"));
    }
}
