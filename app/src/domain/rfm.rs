//! RFM 客户价值分析 (issue 7): each customer scored 1–5 on recency (days since the last order,
//! fewer is better), frequency (orders in the period) and monetary value (their total), by
//! quintiles of the customers scored together, and placed in a named segment. Pure functions,
//! written for 100,000 customers at a time in the browser: one sort per measure, no allocation
//! per customer beyond the output.

use serde::{Deserialize, Serialize};

/// What RFM needs of one customer's purchases in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purchases {
    /// Days since the last order (`None`: never ordered).
    pub recency_days: Option<u32>,
    pub orders: u32,
    pub amount_fen: i64,
}

/// Scores 1 (worst) to 5 (best).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rfm {
    pub r: u8,
    pub f: u8,
    pub m: u8,
}

/// The usual named segments, from the R and F scores (M refines within a segment, shown beside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// 重要价值: bought lately and often.
    Champions,
    /// 忠诚客户: buy regularly.
    Loyal,
    /// 新客户: a first order lately.
    New,
    /// 潜力客户: lately, not yet often.
    Promising,
    /// 流失风险: used to buy often, not lately.
    AtRisk,
    /// 沉睡客户: neither lately nor often.
    Hibernating,
    /// 已流失: long gone, rarely bought.
    Lost,
}

impl Segment {
    pub const ALL: [Segment; 7] = [Segment::Champions, Segment::Loyal, Segment::New, Segment::Promising, Segment::AtRisk, Segment::Hibernating, Segment::Lost];

    /// The stable code: the same as on the wire (a saved rule's `rfm`) and in the page.
    pub const fn code(self) -> &'static str {
        match self {
            Segment::Champions => "champions",
            Segment::Loyal => "loyal",
            Segment::New => "new",
            Segment::Promising => "promising",
            Segment::AtRisk => "at_risk",
            Segment::Hibernating => "hibernating",
            Segment::Lost => "lost",
        }
    }

    pub fn from_code(code: &str) -> Option<Segment> {
        Segment::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The segment of an R/F pair, by a fixed grid (written out so it can be read and tested):
    ///
    /// | R \ F | 1 | 2 | 3 | 4 | 5 |
    /// |---|---|---|---|---|---|
    /// | 5 | New | Promising | Loyal | Champions | Champions |
    /// | 4 | New | Promising | Loyal | Champions | Champions |
    /// | 3 | Promising | Promising | Loyal | Loyal | Loyal |
    /// | 2 | Hibernating | Hibernating | At risk | At risk | At risk |
    /// | 1 | Lost | Lost | At risk | At risk | At risk |
    pub fn of(s: Rfm) -> Segment {
        match (s.r, s.f) {
            (4..=5, 4..=5) => Segment::Champions,
            (3..=5, 3..=5) => Segment::Loyal,
            (4..=5, 1) => Segment::New,
            (3..=5, _) => Segment::Promising,
            (_, 3..=5) => Segment::AtRisk,
            (2, _) => Segment::Hibernating,
            _ => Segment::Lost,
        }
    }
}

/// Quintile scores 1–5 of `keys` (higher key = better), ties sharing the score of their first
/// rank, so equal customers always score the same.
fn quintiles(keys: &[i64]) -> Vec<u8> {
    let n = keys.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by_key(|&i| keys[i as usize]);
    let mut out = vec![1u8; n];
    let mut first_rank = 0;
    for (rank, &i) in order.iter().enumerate() {
        if rank == 0 || keys[order[rank - 1] as usize] != keys[i as usize] {
            first_rank = rank;
        }
        out[i as usize] = 1 + (first_rank * 5 / n) as u8;
    }
    out
}

/// The RFM scores of each customer, in the order given. Customers who never ordered score 1 on
/// every measure and do not take a quintile place from those who did.
pub fn scores(customers: &[Purchases]) -> Vec<Rfm> {
    let buyers: Vec<usize> = (0..customers.len()).filter(|&i| customers[i].recency_days.is_some() && customers[i].orders > 0).collect();
    // Recency: fewer days is better, so the key is the negated days.
    let r = quintiles(&buyers.iter().map(|&i| -i64::from(customers[i].recency_days.unwrap_or(u32::MAX))).collect::<Vec<_>>());
    let f = quintiles(&buyers.iter().map(|&i| i64::from(customers[i].orders)).collect::<Vec<_>>());
    let m = quintiles(&buyers.iter().map(|&i| customers[i].amount_fen).collect::<Vec<_>>());
    let mut out = vec![Rfm { r: 1, f: 1, m: 1 }; customers.len()];
    for (k, &i) in buyers.iter().enumerate() {
        out[i] = Rfm { r: r[k], f: f[k], m: m[k] };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(days: u32, orders: u32, yuan: i64) -> Purchases {
        Purchases { recency_days: Some(days), orders, amount_fen: yuan * 100 }
    }

    #[test]
    fn five_customers_take_one_quintile_each() {
        let list = [p(1, 10, 5_000), p(10, 8, 4_000), p(30, 6, 3_000), p(90, 4, 2_000), p(365, 2, 1_000)];
        let s = scores(&list);
        assert_eq!(s, vec![Rfm { r: 5, f: 5, m: 5 }, Rfm { r: 4, f: 4, m: 4 }, Rfm { r: 3, f: 3, m: 3 }, Rfm { r: 2, f: 2, m: 2 }, Rfm { r: 1, f: 1, m: 1 }]);
        let segments: Vec<Segment> = s.into_iter().map(Segment::of).collect();
        assert_eq!(segments, [Segment::Champions, Segment::Champions, Segment::Loyal, Segment::Hibernating, Segment::Lost]);
    }

    #[test]
    fn ties_score_alike_and_non_buyers_score_one() {
        let never = Purchases { recency_days: None, orders: 0, amount_fen: 0 };
        let list = [p(5, 3, 100), p(5, 3, 100), never, p(50, 1, 10)];
        let s = scores(&list);
        assert_eq!(s[0], s[1], "equal customers score the same");
        assert_eq!(s[2], Rfm { r: 1, f: 1, m: 1 });
        // Of the three buyers, the two equal ones share the better score.
        assert_eq!((s[0].r, s[3].r), (2, 1));
        assert_eq!(scores(&[]), vec![]);
    }

    #[test]
    fn the_grid_names_every_pair_as_documented() {
        let at = |r, f| Segment::of(Rfm { r, f, m: 3 });
        assert_eq!(
            [at(5, 1), at(5, 2), at(5, 3), at(5, 4), at(5, 5)],
            [Segment::New, Segment::Promising, Segment::Loyal, Segment::Champions, Segment::Champions]
        );
        assert_eq!([at(3, 1), at(3, 2), at(3, 3), at(3, 5)], [Segment::Promising, Segment::Promising, Segment::Loyal, Segment::Loyal]);
        assert_eq!([at(2, 1), at(2, 2), at(2, 3), at(1, 5)], [Segment::Hibernating, Segment::Hibernating, Segment::AtRisk, Segment::AtRisk]);
        assert_eq!([at(1, 1), at(1, 2)], [Segment::Lost, Segment::Lost]);
        // Every pair has a segment and every segment is reachable.
        let reached: std::collections::BTreeSet<Segment> = (1..=5).flat_map(|r| (1..=5).map(move |f| at(r, f))).collect();
        assert_eq!(reached.len(), Segment::ALL.len());
    }

    #[test]
    fn codes_are_the_wire_names() {
        for s in Segment::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.code()));
            assert_eq!(Segment::from_code(s.code()), Some(s));
        }
        assert_eq!(Segment::from_code("vip"), None);
    }

    #[test]
    fn quintiles_are_even_over_many_distinct_customers() {
        let list: Vec<Purchases> = (0..1_000u32).map(|i| p(i, 1_000 - i, i64::from(i))).collect();
        let s = scores(&list);
        for score in 1..=5u8 {
            assert_eq!(s.iter().filter(|x| x.r == score).count(), 200);
            assert_eq!(s.iter().filter(|x| x.m == score).count(), 200);
        }
        // The most recent customer (0 days) has the best recency and the least money.
        assert_eq!((s[0].r, s[0].f, s[0].m), (5, 5, 1));
    }
}
