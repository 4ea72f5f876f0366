//! Orders 订单 as the device has them (issue 7): read-only on the device for now, synced with their
//! customer (a customer in view comes with all of its orders), so segments, RFM and promotion
//! baselines are computed from the replica. Costs travel only to roles that may see them.

use super::funnel::{format_day, parse_day};
use super::rfm::Purchases;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where an order stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    #[default]
    Confirmed,
    Delivered,
    Completed,
    Cancelled,
    /// A state this build does not know (a newer server): counted like a confirmed order.
    #[serde(other)]
    Other,
}

/// One order: its header and the products on it (by SKU), enough for "bought product X". Kept
/// compact — the day as a number, the state as a tag — because segmentation reads a million of
/// them at a time and every string behind a pointer is a cache miss.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    pub customer_id: String,
    pub order_no: String,
    /// The order's day (see `funnel::parse_day`); `date`, `YYYY-MM-DD`, on the wire.
    #[serde(rename = "date", serialize_with = "day_out", deserialize_with = "day_in")]
    pub day: i32,
    pub total_fen: i64,
    /// `None` for roles that may not see costs (see `privacy::sees_costs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_fen: Option<i64>,
    pub status: OrderStatus,
    /// The SKUs on the order, each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<String>,
    /// The promotion plan it is attributed to 归因活动 (see `Op::AttributeOrder`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<String>,
    /// Received so far on the order's payment plan 已回款: the sum of its instalments' receipts.
    /// Payments travel folded into their order (a payment belongs to one order, and so to its
    /// campaign 归因): this is what a device needs for collections and a campaign's ROI, at a
    /// fraction of the bytes of every instalment.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub paid_fen: i64,
    /// The due day of the earliest instalment not yet paid in full (`None` once everything is
    /// received); `next_due`, `YYYY-MM-DD`, on the wire.
    #[serde(default, rename = "next_due", skip_serializing_if = "Option::is_none", serialize_with = "opt_day_out", deserialize_with = "opt_day_in")]
    pub next_due: Option<i32>,
}

impl OrderView {
    /// A cancelled order is no purchase.
    pub fn counts(&self) -> bool {
        self.status != OrderStatus::Cancelled
    }

    /// Still to be received 未回款: the total less what was paid (never below zero; nothing on a
    /// cancelled order).
    pub fn outstanding_fen(&self) -> i64 {
        if self.counts() {
            (self.total_fen - self.paid_fen).max(0)
        } else {
            0
        }
    }

    /// Whether an instalment is past due on `today` and not paid in full 逾期.
    pub fn overdue(&self, today: i32) -> bool {
        self.outstanding_fen() > 0 && self.next_due.is_some_and(|due| due < today)
    }
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

fn opt_day_out<S: Serializer>(day: &Option<i32>, s: S) -> Result<S::Ok, S::Error> {
    match day {
        Some(day) => s.serialize_str(&format_day(*day)),
        None => s.serialize_none(),
    }
}

fn opt_day_in<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    match <Option<std::borrow::Cow<'de, str>>>::deserialize(d)? {
        Some(text) => parse_day(&text).map(Some).ok_or_else(|| serde::de::Error::custom(format!("not a day: {text:?}"))),
        None => Ok(None),
    }
}

pub(crate) fn day_out<S: Serializer>(day: &i32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_day(*day))
}

pub(crate) fn day_in<'de, D: Deserializer<'de>>(d: D) -> Result<i32, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    parse_day(&text).ok_or_else(|| serde::de::Error::custom(format!("not a day: {text:?}")))
}

/// One customer's purchases over a period, folded from its orders: what RFM, segment rules and
/// the promotion baseline read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Day number (see `funnel::parse_day`) of the last order in the period.
    pub last_day: Option<i32>,
    /// Day number of the first order ever (for the length of cooperation).
    pub first_day: Option<i32>,
    pub orders: u32,
    pub revenue_fen: i64,
    /// `None` when any order's cost is hidden from the viewer.
    pub cost_fen: Option<i64>,
}

impl Summary {
    /// Nothing bought yet (a cost sum of zero, which a hidden cost turns into `None`).
    pub fn empty() -> Summary {
        Summary { cost_fen: Some(0), ..Summary::default() }
    }

    /// Adds one counted order of day `day` (not after today): to the first order always, to the
    /// period's figures when it is after `from`.
    pub fn add(&mut self, o: &OrderView, day: i32, from: i32) {
        self.first_day = Some(self.first_day.map_or(day, |f| f.min(day)));
        if day <= from {
            return;
        }
        self.last_day = Some(self.last_day.map_or(day, |l| l.max(day)));
        self.orders += 1;
        self.revenue_fen = self.revenue_fen.saturating_add(o.total_fen);
        self.cost_fen = match (self.cost_fen, o.cost_fen) {
            (Some(a), Some(b)) => Some(a.saturating_add(b)),
            _ => None,
        };
    }

    /// The orders counted for the period `(today - days, today]`; the first order is looked for
    /// in all of them.
    pub fn of<'a>(orders: impl IntoIterator<Item = &'a OrderView>, today: i32, days: u32) -> Summary {
        let from = today - days as i32;
        let mut s = Summary::empty();
        for o in orders {
            if o.day <= today && o.counts() {
                s.add(o, o.day, from);
            }
        }
        s
    }

    /// What RFM scores.
    pub fn purchases(&self, today: i32) -> Purchases {
        Purchases { recency_days: self.last_day.map(|d| (today - d).max(0) as u32), orders: self.orders, amount_fen: self.revenue_fen }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(date: &str, total: i64, cost: Option<i64>, status: OrderStatus) -> OrderView {
        OrderView {
            id: date.into(),
            customer_id: "c".into(),
            order_no: "n".into(),
            day: parse_day(date).unwrap(),
            total_fen: total,
            cost_fen: cost,
            status,
            products: vec![],
            campaign_id: None,
            ..Default::default()
        }
    }

    #[test]
    fn a_period_counts_its_orders_and_leaves_out_cancelled_and_older_ones() {
        let today = parse_day("2026-11-24").unwrap();
        let list = [
            order("2026-11-20", 1_000, Some(600), OrderStatus::Completed),
            order("2026-06-01", 2_000, Some(1_500), OrderStatus::Delivered),
            order("2026-11-23", 9_999, Some(1), OrderStatus::Cancelled),
            order("2025-01-05", 7_000, Some(1), OrderStatus::Completed),
        ];
        let s = Summary::of(&list, today, 365);
        assert_eq!((s.orders, s.revenue_fen, s.cost_fen), (2, 3_000, Some(2_100)));
        assert_eq!(s.last_day, parse_day("2026-11-20"));
        assert_eq!(s.first_day, parse_day("2025-01-05"), "the first order is looked for in all of them");
        assert_eq!(s.purchases(today), Purchases { recency_days: Some(4), orders: 2, amount_fen: 3_000 });
        // A hidden cost hides the sum; no order in the period means no recency.
        let hidden = [order("2026-11-20", 1_000, None, OrderStatus::Completed), order("2026-11-21", 1_000, Some(5), OrderStatus::Completed)];
        assert_eq!(Summary::of(&hidden, today, 30).cost_fen, None);
        assert_eq!(Summary::of(&list[3..4], today, 30).purchases(today).recency_days, None);
    }

    #[test]
    fn on_the_wire_an_order_has_a_date_and_a_state_in_words() {
        let json = r#"{"id":"o1","customer_id":"c","order_no":"SO1","date":"2026-11-20","total_fen":100,"status":"delivered","products":["SKU-1"]}"#;
        let o: OrderView = serde_json::from_str(json).unwrap();
        assert_eq!((o.day, o.status, o.cost_fen), (parse_day("2026-11-20").unwrap(), OrderStatus::Delivered, None));
        assert_eq!(serde_json::to_string(&o).unwrap(), json);
        let unknown: OrderView = serde_json::from_str(&json.replace("delivered", "invoiced")).unwrap();
        assert_eq!(unknown.status, OrderStatus::Other);
        assert!(serde_json::from_str::<OrderView>(&json.replace("2026-11-20", "2026-13-01")).is_err());
    }

    #[test]
    fn an_order_carries_what_was_received_and_when_the_next_instalment_is_due() {
        // As the server sends it: a null next_due once all is paid.
        let json = r#"{"id":"o1","customer_id":"c","order_no":"SO1","date":"2026-10-01","total_fen":10000,"status":"delivered","paid_fen":3000,"next_due":"2026-11-08"}"#;
        let o: OrderView = serde_json::from_str(json).unwrap();
        assert_eq!((o.paid_fen, o.next_due, o.outstanding_fen()), (3_000, parse_day("2026-11-08"), 7_000));
        assert_eq!(serde_json::to_string(&o).unwrap(), json);
        assert!(o.overdue(parse_day("2026-11-09").unwrap()));
        assert!(!o.overdue(parse_day("2026-11-08").unwrap()), "due today is not overdue yet");
        let paid: OrderView = serde_json::from_str(&json.replace("3000", "10000").replace(r#""2026-11-08""#, "null")).unwrap();
        assert_eq!((paid.next_due, paid.outstanding_fen()), (None, 0));
        assert!(!paid.overdue(parse_day("2027-01-01").unwrap()));
        let cancelled = OrderView { status: OrderStatus::Cancelled, ..o };
        assert_eq!(cancelled.outstanding_fen(), 0, "nothing is owed on a cancelled order");
        assert!(serde_json::from_str::<OrderView>(&json.replace("2026-11-08", "11/08")).is_err());
    }
}
