//! Customer segmentation 客户细分 (issue 7), computed where the data is — in the browser from the
//! replica, or natively by the server and the benchmarks — by the same code:
//!
//! - a [`Profile`] folds every customer's orders once per period (purchases, last order ever,
//!   products bought) and scores RFM over all of them;
//! - a [`Rule`] is a saved definition (not a frozen list): any combination of fields, grades,
//!   tags, RFM segments and purchase behaviour, all of which must hold;
//! - [`features`] turns the members into standardised points for k-means (`cluster`);
//! - [`won_traits`] says what the customers of won deals have in common.

use super::cluster::standardise;
use super::customer::CustomerView;
#[cfg(test)]
use super::order::OrderStatus;
use super::order::{OrderView, Summary};
use super::rfm::{self, Rfm};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A segment's definition: every condition given must hold (an empty rule admits everyone).
/// Lists admit any of their values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub industries: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sizes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub business_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<String>,
    /// Any of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub satisfaction: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rfm: Vec<rfm::Segment>,
    /// Bought this product (SKU) in the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bought: Option<String>,
    /// No order in the last N days (customers who never ordered count as idle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_days: Option<u32>,
    /// At least this much bought in the period, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_revenue_fen: Option<i64>,
    /// At least this many orders in the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_orders: Option<u32>,
}

/// A saved segment 细分方案: its definition, kept on the server and synced to the devices that may
/// see it — the owner's, and when shared, the owner's team's (managers and above see every shared
/// one). Each device evaluates it over the customers it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSegment {
    pub id: String,
    pub owner_id: String,
    #[serde(default)]
    pub owner_name: String,
    pub name: String,
    pub rule: Rule,
    pub period_days: u32,
    pub shared: bool,
    pub version: i64,
}

/// Why a rule cannot be used (a code the UI translates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleError {
    /// A negative amount.
    NegativeAmount,
    /// A period outside 30–1,095 days or an idle span over 3,650 days.
    BadDays,
}

impl RuleError {
    pub fn code(self) -> &'static str {
        match self {
            RuleError::NegativeAmount => "amount_negative",
            RuleError::BadDays => "invalid_period",
        }
    }
}

/// The purchase period's bounds, in days.
pub const PERIOD_DAYS: std::ops::RangeInclusive<u32> = 30..=1095;

impl Rule {
    pub fn check(&self, period_days: u32) -> Result<(), RuleError> {
        if self.min_revenue_fen.is_some_and(|v| v < 0) {
            return Err(RuleError::NegativeAmount);
        }
        if !PERIOD_DAYS.contains(&period_days) || self.idle_days.is_some_and(|d| d > 3650) {
            return Err(RuleError::BadDays);
        }
        Ok(())
    }

    /// Whether customer `i` of the profile belongs (for one customer; to test many, make a
    /// [`Matcher`] once).
    pub fn admits(&self, c: &CustomerView, p: &Profile, i: usize) -> bool {
        self.matcher(p).admits(c, i)
    }

    /// The rule made ready for testing a profile's customers one after another.
    pub fn matcher<'a>(&'a self, p: &'a Profile) -> Matcher<'a> {
        Matcher { rule: self, p, bought: self.bought.as_deref().map(|sku| p.sku(sku)) }
    }
}

/// A rule against one profile: the product looked up once, not per customer.
pub struct Matcher<'a> {
    rule: &'a Rule,
    p: &'a Profile,
    /// `None`: no product condition; `Some(None)`: a product nobody bought.
    bought: Option<Option<u32>>,
}

impl Matcher<'_> {
    pub fn admits(&self, c: &CustomerView, i: usize) -> bool {
        let (rule, p) = (self.rule, self.p);
        let any = |list: &[String], value: &str| list.is_empty() || list.iter().any(|v| v == value);
        let s = &p.summaries[i];
        any(&rule.regions, &c.region)
            && any(&rule.industries, &c.industry)
            && any(&rule.sizes, &c.size)
            && any(&rule.business_types, &c.business_type)
            && any(&rule.grades, &c.grade)
            && any(&rule.satisfaction, c.satisfaction.as_deref().unwrap_or(""))
            && (rule.tags.is_empty() || c.tags.iter().any(|t| rule.tags.contains(t)))
            && (rule.rfm.is_empty() || rule.rfm.contains(&rfm::Segment::of(p.rfm[i])))
            && self.bought.is_none_or(|sku| sku.is_some_and(|sku| p.bought(i).contains(&sku)))
            && rule.idle_days.is_none_or(|d| p.last_ever[i].is_none_or(|last| p.today - last >= d as i32))
            && rule.min_revenue_fen.is_none_or(|v| s.revenue_fen >= v)
            && rule.min_orders.is_none_or(|n| s.orders >= n)
    }
}

/// Every customer's purchases folded once for a period (index-aligned with the customers given
/// to [`Profile::build`]), with RFM scored over all of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub today: i32,
    pub period_days: u32,
    pub summaries: Vec<Summary>,
    /// The day of the last order ever (not only in the period).
    pub last_ever: Vec<Option<i32>>,
    /// The SKUs seen, each once; customers' products are indices into it.
    pub skus: Vec<String>,
    /// Customer `i` bought `bought_ids[bought_at[i]..bought_at[i + 1]]` in the period (sorted,
    /// each once): one flat list, not an allocation per customer.
    bought_at: Vec<u32>,
    bought_ids: Vec<u32>,
    pub rfm: Vec<Rfm>,
}

impl Profile {
    /// `orders_of(i)` gives customer `i`'s orders. One pass over every order: its day read once,
    /// its products interned (1,000,000 orders make no string copies).
    pub fn build<'a, I: IntoIterator<Item = &'a OrderView>>(n: usize, mut orders_of: impl FnMut(usize) -> I, today: i32, period_days: u32) -> Profile {
        let mut p = Profile { today, period_days, ..Profile::default() };
        p.summaries.reserve(n);
        p.last_ever.reserve(n);
        p.bought_at.reserve(n + 1);
        p.bought_at.push(0);
        let mut interned: rustc_hash::FxHashMap<&'a str, u32> = rustc_hash::FxHashMap::default();
        let from = today - period_days as i32;
        for i in 0..n {
            let mut s = Summary::empty();
            let mut last = None;
            let start = p.bought_ids.len();
            for o in orders_of(i) {
                if o.day > today || !o.counts() {
                    continue;
                }
                let day = o.day;
                last = Some(last.map_or(day, |l: i32| l.max(day)));
                s.add(o, day, from);
                if day > from {
                    for sku in &o.products {
                        let next = interned.len() as u32;
                        let id = *interned.entry(sku.as_str()).or_insert_with(|| {
                            p.skus.push(sku.clone());
                            next
                        });
                        p.bought_ids.push(id);
                    }
                }
            }
            let mine = &mut p.bought_ids[start..];
            mine.sort_unstable();
            let mut kept = start;
            for j in start..p.bought_ids.len() {
                if j == start || p.bought_ids[j] != p.bought_ids[kept - 1] {
                    p.bought_ids[kept] = p.bought_ids[j];
                    kept += 1;
                }
            }
            p.bought_ids.truncate(kept);
            p.bought_at.push(kept as u32);
            p.summaries.push(s);
            p.last_ever.push(last);
        }
        let purchases: Vec<rfm::Purchases> = p.summaries.iter().map(|s| s.purchases(today)).collect();
        p.rfm = rfm::scores(&purchases);
        p
    }

    /// The index of a SKU, if anyone bought it in the period.
    pub fn sku(&self, sku: &str) -> Option<u32> {
        self.skus.iter().position(|s| s == sku).map(|i| i as u32)
    }

    /// The products customer `i` bought in the period (indices into [`Profile::skus`]).
    pub fn bought(&self, i: usize) -> &[u32] {
        &self.bought_ids[self.bought_at[i] as usize..self.bought_at[i + 1] as usize]
    }

    /// The SKUs customer `i` bought in the period, by name.
    pub fn bought_skus(&self, i: usize) -> impl Iterator<Item = &str> {
        self.bought(i).iter().map(|&k| self.skus[k as usize].as_str())
    }
}

/// A numeric feature k-means may cluster on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Days since the last order in the period (the whole period when none).
    Recency,
    /// Orders in the period.
    Frequency,
    /// Revenue in the period (yuan).
    Monetary,
    /// Average order value (yuan).
    AverageOrder,
    /// Days since cooperation began (`cooperation_since`, else the first order; 0 when neither).
    Tenure,
}

impl Feature {
    pub const ALL: [Feature; 5] = [Feature::Recency, Feature::Frequency, Feature::Monetary, Feature::AverageOrder, Feature::Tenure];

    pub fn code(self) -> &'static str {
        match self {
            Feature::Recency => "recency",
            Feature::Frequency => "frequency",
            Feature::Monetary => "monetary",
            Feature::AverageOrder => "average_order",
            Feature::Tenure => "tenure",
        }
    }

    /// The raw value for customer `i` (in days, orders or yuan).
    pub fn value(self, c: &CustomerView, p: &Profile, i: usize) -> f64 {
        let s = &p.summaries[i];
        match self {
            Feature::Recency => f64::from(s.last_day.map_or(p.period_days as i32, |d| p.today - d)),
            Feature::Frequency => f64::from(s.orders),
            Feature::Monetary => s.revenue_fen as f64 / 100.0,
            Feature::AverageOrder => {
                if s.orders == 0 {
                    0.0
                } else {
                    s.revenue_fen as f64 / 100.0 / f64::from(s.orders)
                }
            }
            Feature::Tenure => {
                let since = super::grading::cooperation_since(c, s.first_day);
                f64::from(since.map_or(0, |d| (p.today - d).max(0)))
            }
        }
    }
}

/// The members' raw feature values (`members.len() × features.len()`, row by row) and the same
/// standardised, ready for `cluster::kmeans`.
pub fn features(members: &[(&CustomerView, usize)], p: &Profile, chosen: &[Feature]) -> (Vec<f64>, Vec<f64>) {
    let raw: Vec<f64> = members.iter().flat_map(|(c, i)| chosen.iter().map(move |f| f.value(c, p, *i))).collect();
    let mut points = raw.clone();
    standardise(&mut points, chosen.len());
    (raw, points)
}

/// The mean raw value of each feature per cluster (`k × d`), for a readable table.
pub fn cluster_means(raw: &[f64], d: usize, assignment: &[u32], k: usize) -> Vec<(usize, Vec<f64>)> {
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0usize; k];
    for (row, &a) in raw.chunks(d).zip(assignment) {
        counts[a as usize] += 1;
        for (s, v) in sums[a as usize * d..][..d].iter_mut().zip(row) {
            *s += v;
        }
    }
    (0..k).map(|c| (counts[c], sums[c * d..][..d].iter().map(|s| if counts[c] > 0 { s / counts[c] as f64 } else { 0.0 }).collect())).collect()
}

/// A dimension won customers are compared on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Industry,
    Size,
    Region,
    Source,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [Dimension::Industry, Dimension::Size, Dimension::Region, Dimension::Source];

    fn of(self, c: &CustomerView) -> Option<&str> {
        match self {
            Dimension::Industry => Some(&c.industry),
            Dimension::Size => Some(&c.size),
            Dimension::Region => Some(&c.region),
            Dimension::Source => c.source.as_deref(),
        }
    }
}

/// One value's share among won customers against its share among all: `lift` > 1 means the value
/// is more common among won customers than in general.
#[derive(Debug, Clone, PartialEq)]
pub struct Trait {
    pub dimension: Dimension,
    pub code: String,
    pub won: usize,
    pub all: usize,
    pub won_share: f64,
    pub all_share: f64,
    pub lift: f64,
}

/// What won customers have in common: per dimension, each value held by at least `min_won` won
/// customers, most over-represented first.
pub fn won_traits<'a>(all: impl IntoIterator<Item = (&'a CustomerView, bool)>, min_won: usize) -> Vec<Trait> {
    let mut counts: BTreeMap<(Dimension, &str), (usize, usize)> = BTreeMap::new();
    let (mut n_all, mut n_won) = (0usize, 0usize);
    for (c, won) in all {
        n_all += 1;
        n_won += usize::from(won);
        for d in Dimension::ALL {
            if let Some(v) = d.of(c).filter(|v| !v.is_empty()) {
                let e = counts.entry((d, v)).or_default();
                e.1 += 1;
                e.0 += usize::from(won);
            }
        }
    }
    if n_won == 0 {
        return Vec::new();
    }
    let mut out: Vec<Trait> = counts
        .into_iter()
        // A value everyone has (one region in view) says nothing.
        .filter(|(_, (won, all))| *won >= min_won.max(1) && *all < n_all)
        .map(|((dimension, code), (won, all))| {
            let won_share = won as f64 / n_won as f64;
            let all_share = all as f64 / n_all as f64;
            Trait { dimension, code: code.to_string(), won, all, won_share, all_share, lift: won_share / all_share }
        })
        .collect();
    out.sort_by(|a, b| b.lift.total_cmp(&a.lift).then(b.won.cmp(&a.won)).then(a.code.cmp(&b.code)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::funnel::parse_day;

    fn customer(n: u32, industry: &str, region: &str, grade: &str) -> CustomerView {
        CustomerView {
            id: n.to_string(),
            name: format!("客户{n}"),
            industry: industry.into(),
            region: region.into(),
            grade: grade.into(),
            size: "small".into(),
            ..Default::default()
        }
    }

    fn order(customer: u32, date: &str, total: i64, skus: &[&str]) -> OrderView {
        OrderView {
            id: format!("{customer}-{date}"),
            customer_id: customer.to_string(),
            order_no: "n".into(),
            day: parse_day(date).unwrap(),
            total_fen: total,
            cost_fen: Some(total / 2),
            status: OrderStatus::Completed,
            products: skus.iter().map(|s| s.to_string()).collect(),
            campaign_id: None,
            ..OrderView::default()
        }
    }

    /// Four customers: 1 buys often and lately, 2 once lately, 3 once two years ago, 4 never.
    fn sample() -> (Vec<CustomerView>, Vec<Vec<OrderView>>, Profile) {
        let customers = vec![
            customer(1, "electronics", "east", "A"),
            customer(2, "machinery", "east", "B"),
            customer(3, "electronics", "south", "C"),
            customer(4, "food", "north", "D"),
        ];
        let orders = vec![
            vec![order(1, "2026-11-01", 50_000, &["SKU-1"]), order(1, "2026-10-01", 30_000, &["SKU-2"]), order(1, "2026-03-01", 20_000, &["SKU-1"])],
            vec![order(2, "2026-11-20", 10_000, &["SKU-2"])],
            vec![order(3, "2024-11-01", 90_000, &["SKU-1"])],
            vec![],
        ];
        let today = parse_day("2026-11-24").unwrap();
        let p = Profile::build(customers.len(), |i| orders[i].iter(), today, 365);
        (customers, orders, p)
    }

    fn members(rule: &Rule, c: &[CustomerView], p: &Profile) -> Vec<String> {
        c.iter().enumerate().filter(|(i, x)| rule.admits(x, p, *i)).map(|(_, x)| x.id.clone()).collect()
    }

    #[test]
    fn a_profile_folds_each_customers_orders_for_the_period() {
        let (_, _, p) = sample();
        assert_eq!(p.summaries.iter().map(|s| (s.orders, s.revenue_fen)).collect::<Vec<_>>(), [(3, 100_000), (1, 10_000), (0, 0), (0, 0)]);
        assert_eq!(p.last_ever[2], parse_day("2024-11-01"), "the last order ever, outside the period");
        let mut bought: Vec<&str> = p.bought_skus(0).collect();
        bought.sort();
        assert_eq!(bought, ["SKU-1", "SKU-2"]);
        assert!(p.bought(2).is_empty(), "bought before the period");
        // Two buyers in the period: customer 1 has the better F and M, customer 2 the better R.
        assert_eq!((p.rfm[0].f, p.rfm[0].m, p.rfm[1].r), (3, 3, 3));
        assert_eq!(p.rfm[3], Rfm { r: 1, f: 1, m: 1 });
    }

    #[test]
    fn every_condition_must_hold() {
        let (c, _, p) = sample();
        assert_eq!(members(&Rule::default(), &c, &p), ["1", "2", "3", "4"], "an empty rule admits everyone");
        let electronics = Rule { industries: vec!["electronics".into()], ..Rule::default() };
        assert_eq!(members(&electronics, &c, &p), ["1", "3"]);
        assert_eq!(members(&Rule { regions: vec!["east".into()], ..electronics.clone() }, &c, &p), ["1"]);
        assert_eq!(members(&Rule { bought: Some("SKU-2".into()), ..Rule::default() }, &c, &p), ["1", "2"]);
        assert!(members(&Rule { bought: Some("SKU-9".into()), ..Rule::default() }, &c, &p).is_empty(), "a product nobody bought");
        // No order in 180 days: the two-year-old buyer and the one who never ordered.
        assert_eq!(members(&Rule { idle_days: Some(180), ..Rule::default() }, &c, &p), ["3", "4"]);
        assert_eq!(members(&Rule { min_revenue_fen: Some(50_000), ..Rule::default() }, &c, &p), ["1"]);
        assert_eq!(members(&Rule { min_orders: Some(1), grades: vec!["B".into(), "C".into()], ..Rule::default() }, &c, &p), ["2"]);
        let champion = rfm::Segment::of(p.rfm[0]);
        assert_eq!(members(&Rule { rfm: vec![champion], ..Rule::default() }, &c, &p), ["1"]);
        assert_eq!(Rule { min_revenue_fen: Some(-1), ..Rule::default() }.check(365), Err(RuleError::NegativeAmount));
        assert_eq!(Rule::default().check(10), Err(RuleError::BadDays));
        assert_eq!(Rule::default().check(365), Ok(()));
        // A rule travels as JSON with only what it sets.
        assert_eq!(serde_json::to_string(&electronics).unwrap(), r#"{"industries":["electronics"]}"#);
    }

    #[test]
    fn features_are_raw_and_standardised_and_cluster_means_read_in_raw_units() {
        let (c, _, p) = sample();
        let m: Vec<(&CustomerView, usize)> = c.iter().enumerate().map(|(i, x)| (x, i)).collect();
        let (raw, points) = features(&m, &p, &[Feature::Recency, Feature::Frequency, Feature::AverageOrder]);
        // Recency: 23 days, 4 days, and the whole period for the two without orders in it.
        assert_eq!(raw, [23.0, 3.0, 1_000.0 / 3.0, 4.0, 1.0, 100.0, 365.0, 0.0, 0.0, 365.0, 0.0, 0.0]);
        assert_eq!(points.len(), raw.len());
        assert!(points.iter().step_by(3).sum::<f64>().abs() < 1e-9, "standardised: mean 0");
        let means = cluster_means(&raw, 3, &[0, 0, 1, 1], 2);
        assert_eq!(means[0], (2, vec![13.5, 2.0, (1_000.0 / 3.0 + 100.0) / 2.0]));
        assert_eq!(means[1], (2, vec![365.0, 0.0, 0.0]));
        // Tenure: from the first order when no cooperation date is recorded.
        assert_eq!(Feature::Tenure.value(&c[2], &p, 2), 753.0);
    }

    #[test]
    fn won_customers_traits_are_ranked_by_lift() {
        // Ten customers, four won; three of the four won are electronics (three of five overall).
        let mut all = Vec::new();
        for n in 0..10u32 {
            let industry = if n < 5 { "electronics" } else { "food" };
            all.push((customer(n, industry, if n % 2 == 0 { "east" } else { "west" }, "B"), matches!(n, 0 | 1 | 2 | 7)));
        }
        let traits = won_traits(all.iter().map(|(c, w)| (c, *w)), 2);
        let electronics = traits.iter().find(|t| t.code == "electronics").unwrap();
        // Won share 3/4 = 0.75 against 5/10 = 0.5 overall: lift 1.5, the top trait.
        assert_eq!((electronics.won, electronics.all, electronics.lift), (3, 5, 1.5));
        assert_eq!(traits[0].code, "electronics");
        assert!(traits.iter().all(|t| t.won >= 2), "values held by fewer than two won customers are left out");
        let everyone: Vec<(CustomerView, bool)> = all.iter().map(|(c, w)| (CustomerView { size: "large".into(), ..c.clone() }, *w)).collect();
        assert!(won_traits(everyone.iter().map(|(c, w)| (c, *w)), 1).iter().all(|t| t.code != "large"), "a value everyone has is no trait");
        assert!(won_traits(all.iter().map(|(c, _)| (c, false)), 1).is_empty());
    }
}
