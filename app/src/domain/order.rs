//! Orders 订单 as the device has them (issue 7): read-only on the device for now, synced with their
//! customer (a customer in view comes with all of its orders), so segments, RFM and promotion
//! baselines are computed from the replica. Costs travel only to roles that may see them.

use super::funnel::parse_day;
use super::rfm::Purchases;
use serde::{Deserialize, Serialize};

/// One order: its header and the products on it (by SKU), enough for "bought product X".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    pub customer_id: String,
    pub order_no: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub total_fen: i64,
    /// `None` for roles that may not see costs (see `privacy::sees_costs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_fen: Option<i64>,
    /// `confirmed`, `delivered`, `completed` or `cancelled`.
    pub status: String,
    /// The SKUs on the order, each once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<String>,
}

impl OrderView {
    /// A cancelled order is no purchase.
    pub fn counts(&self) -> bool {
        self.status != "cancelled"
    }
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
    /// The orders counted for the period `(today - days, today]`; the first order is looked for
    /// in all of them. Orders with an unreadable date are left out.
    pub fn of<'a>(orders: impl IntoIterator<Item = &'a OrderView>, today: i32, days: u32) -> Summary {
        let from = today - days as i32;
        let mut s = Summary { cost_fen: Some(0), ..Summary::default() };
        for o in orders {
            let Some(day) = parse_day(&o.date) else { continue };
            if !o.counts() || day > today {
                continue;
            }
            s.first_day = Some(s.first_day.map_or(day, |f| f.min(day)));
            if day <= from {
                continue;
            }
            s.last_day = Some(s.last_day.map_or(day, |l| l.max(day)));
            s.orders += 1;
            s.revenue_fen = s.revenue_fen.saturating_add(o.total_fen);
            s.cost_fen = match (s.cost_fen, o.cost_fen) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                _ => None,
            };
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

    fn order(date: &str, total: i64, cost: Option<i64>, status: &str) -> OrderView {
        OrderView { id: date.into(), customer_id: "c".into(), order_no: "n".into(), date: date.into(), total_fen: total, cost_fen: cost, status: status.into(), products: vec![] }
    }

    #[test]
    fn a_period_counts_its_orders_and_leaves_out_cancelled_and_older_ones() {
        let today = parse_day("2026-11-24").unwrap();
        let list = [
            order("2026-11-20", 1_000, Some(600), "completed"),
            order("2026-06-01", 2_000, Some(1_500), "delivered"),
            order("2026-11-23", 9_999, Some(1), "cancelled"),
            order("2025-01-05", 7_000, Some(1), "completed"),
            order("not a day", 5, Some(1), "completed"),
        ];
        let s = Summary::of(&list, today, 365);
        assert_eq!((s.orders, s.revenue_fen, s.cost_fen), (2, 3_000, Some(2_100)));
        assert_eq!(s.last_day, parse_day("2026-11-20"));
        assert_eq!(s.first_day, parse_day("2025-01-05"), "the first order is looked for in all of them");
        assert_eq!(s.purchases(today), Purchases { recency_days: Some(4), orders: 2, amount_fen: 3_000 });
        // A hidden cost hides the sum; no order in the period means no recency.
        let hidden = [order("2026-11-20", 1_000, None, "completed"), order("2026-11-21", 1_000, Some(5), "completed")];
        assert_eq!(Summary::of(&hidden, today, 30).cost_fen, None);
        assert_eq!(Summary::of(&list[3..4], today, 30).purchases(today).recency_days, None);
    }
}
