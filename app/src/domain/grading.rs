//! Customer grading 客户分级 (issue 7): A/B/C/D by a customer's revenue or profit contribution
//! over a period, with thresholds either as amounts (A from ¥1,000,000) or as shares of the
//! customers (top 20 % A, next 30 % B, …). Pure functions over (customer, value) pairs, so the
//! browser can preview a regrading and the server can run the scheduled one with the same rules.

use super::vocab::{Grade, Satisfaction};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the grade is measured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Payments or order totals in the period.
    Revenue,
    /// Revenue less cost in the period (毛利贡献).
    Profit,
}

/// Where the grades begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Thresholds {
    /// The least value (fen) for A, B and C; below C is D. Must fall strictly: `a > b > c ≥ 0`.
    Amounts { a_fen: i64, b_fen: i64, c_fen: i64 },
    /// The share of customers (basis points of the count, best first) graded A, B and C; the
    /// rest are D. Each more than zero; together at most 100 %.
    Shares { a_bp: u32, b_bp: u32, c_bp: u32 },
}

/// Why thresholds cannot be used (a code the UI translates).
pub fn check(t: &Thresholds) -> Result<(), &'static str> {
    match *t {
        Thresholds::Amounts { a_fen, b_fen, c_fen } if a_fen > b_fen && b_fen > c_fen && c_fen >= 0 => Ok(()),
        Thresholds::Amounts { .. } => Err("thresholds_overlap"),
        Thresholds::Shares { a_bp, b_bp, c_bp } if a_bp > 0 && b_bp > 0 && c_bp > 0 && a_bp + b_bp + c_bp <= 10_000 => Ok(()),
        Thresholds::Shares { .. } => Err("thresholds_overlap"),
    }
}

/// The grade of each customer, in the order given. A customer with nothing (a value ≤ 0) is D
/// whatever the thresholds. With shares, customers are ranked by value; equal values get the
/// same (better) grade, so a tie at a boundary never splits two equal customers.
pub fn grade(values: &[i64], t: &Thresholds) -> Result<Vec<Grade>, &'static str> {
    check(t)?;
    Ok(match *t {
        Thresholds::Amounts { a_fen, b_fen, c_fen } => values
            .iter()
            .map(|&v| match v {
                v if v <= 0 => Grade::D,
                v if v >= a_fen => Grade::A,
                v if v >= b_fen => Grade::B,
                v if v >= c_fen => Grade::C,
                _ => Grade::D,
            })
            .collect(),
        Thresholds::Shares { a_bp, b_bp, c_bp } => {
            let n = values.len() as u64;
            // How many customers each grade takes, counting from the best (rounded to nearest).
            let upto = |bp: u32| ((n * u64::from(bp) + 5_000) / 10_000) as usize;
            let (a_end, b_end, c_end) = (upto(a_bp), upto(a_bp + b_bp), upto(a_bp + b_bp + c_bp));
            let mut order: Vec<usize> = (0..values.len()).collect();
            order.sort_by(|&x, &y| values[y].cmp(&values[x]).then(x.cmp(&y)));
            let mut out = vec![Grade::D; values.len()];
            let mut rank_of_value = 0;
            for (rank, &i) in order.iter().enumerate() {
                // The first rank holding this value decides (ties share the better grade).
                if rank == 0 || values[order[rank - 1]] != values[i] {
                    rank_of_value = rank;
                }
                out[i] = match rank_of_value {
                    _ if values[i] <= 0 => Grade::D,
                    r if r < a_end => Grade::A,
                    r if r < b_end => Grade::B,
                    r if r < c_end => Grade::C,
                    _ => Grade::D,
                };
            }
            out
        }
    })
}

/// What a grade gets 分级策略: a service level and how often its customers are visited (the
/// default follow-up cadence of their new deals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strategy {
    pub service_zh: String,
    pub service_en: String,
    /// Days between visits, 1–365.
    pub visit_days: u32,
}

/// How the company grades its customers 客户分级规则. Travels with the lists
/// (`Catalog::grading`), so devices show the strategies and can preview a regrading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradingConfig {
    pub basis: Basis,
    pub thresholds: Thresholds,
    /// How far back the revenue or profit is summed, in days (30–1,095).
    pub period_days: u32,
    /// Regrade by itself on the first day of each month.
    pub monthly: bool,
    /// For A, B, C and D, in that order.
    pub strategies: [Strategy; 4],
    /// Customers working with the company at least this many years are long-standing 长期合作
    /// (1–20): the cooperation-length dimension beside the grade.
    #[serde(default = "default_long_years")]
    pub long_cooperation_years: u32,
}

impl GradingConfig {
    /// Where a new company starts: revenue over the last 365 days, top 20 % A, next 30 % B, next
    /// 30 % C; monthly.
    pub fn starter() -> GradingConfig {
        let s = |zh: &str, en: &str, visit_days| Strategy { service_zh: zh.into(), service_en: en.into(), visit_days };
        GradingConfig {
            basis: Basis::Revenue,
            thresholds: Thresholds::Shares { a_bp: 2_000, b_bp: 3_000, c_bp: 3_000 },
            period_days: 365,
            monthly: true,
            long_cooperation_years: DEFAULT_LONG_YEARS,
            strategies: [
                s("专属客户经理，优先响应", "Dedicated account manager, first response", 7),
                s("定期拜访，重点维护", "Regular visits, active care", 14),
                s("电话跟进为主", "Mostly by phone", 30),
                s("线上服务，按需跟进", "Online service, follow up as needed", 90),
            ],
        }
    }

    pub fn validate(&self) -> Result<(), &'static str> {
        check(&self.thresholds)?;
        if !(30..=1_095).contains(&self.period_days) {
            return Err("invalid_period");
        }
        if !(1..=20).contains(&self.long_cooperation_years) {
            return Err("invalid_years");
        }
        for s in &self.strategies {
            if !(1..=365).contains(&s.visit_days) {
                return Err("invalid_cadence");
            }
            let ok = |t: &str| t.trim().chars().count() <= 100;
            if !ok(&s.service_zh) || !ok(&s.service_en) {
                return Err("invalid_name");
            }
        }
        Ok(())
    }

    pub fn strategy(&self, grade: Grade) -> &Strategy {
        &self.strategies[Grade::ALL.iter().position(|g| *g == grade).unwrap_or(3)]
    }

    /// Long or short cooperation for a customer working with the company since `since` (a day,
    /// see [`cooperation_since`]); `None` when not known.
    pub fn cooperation(&self, since: Option<i32>, today: i32) -> Option<Cooperation> {
        let days = today - since?;
        Some(if days >= self.long_cooperation_years as i32 * 365 { Cooperation::Long } else { Cooperation::Short })
    }
}

/// Since when a customer works with the company: the date on its record 合作开始日期, else its
/// first order (a day, see `funnel::parse_day`).
pub fn cooperation_since(c: &super::customer::CustomerView, first_order_day: Option<i32>) -> Option<i32> {
    c.cooperation_since.as_deref().and_then(super::funnel::parse_day).or(first_order_day)
}

/// Length of cooperation 合作年限, a further grading dimension beside the grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cooperation {
    /// 长期合作: at least the configured number of years.
    Long,
    /// 短期合作.
    Short,
}

/// Where a new company draws the line between long and short cooperation.
pub const DEFAULT_LONG_YEARS: u32 = 3;

fn default_long_years() -> u32 {
    DEFAULT_LONG_YEARS
}

/// Customers counted per grade (A–D, in that order) and by the further dimensions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dimensions {
    /// Per grade: long, short, not known (no start date and no order yet).
    pub cooperation: [[u64; 3]; 4],
    /// Per grade: high, medium, low, not given.
    pub satisfaction: [[u64; 4]; 4],
}

impl Dimensions {
    pub fn add(&mut self, grade: Grade, cooperation: Option<Cooperation>, satisfaction: Option<Satisfaction>) {
        let g = Grade::ALL.iter().position(|x| *x == grade).unwrap_or(3);
        self.cooperation[g][match cooperation {
            Some(Cooperation::Long) => 0,
            Some(Cooperation::Short) => 1,
            None => 2,
        }] += 1;
        self.satisfaction[g][match satisfaction {
            Some(Satisfaction::High) => 0,
            Some(Satisfaction::Medium) => 1,
            Some(Satisfaction::Low) => 2,
            None => 3,
        }] += 1;
    }
}

/// The customers whose grade a regrading changes: (id, from, to), in the order given.
pub fn changes<'a>(before: &HashMap<&'a str, Grade>, after: &[(&'a str, Grade)]) -> Vec<(&'a str, Grade, Grade)> {
    after.iter().filter_map(|&(id, to)| before.get(id).filter(|from| **from != to).map(|&from| (id, from, to))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Grade::{A, B, C, D};

    #[test]
    fn amounts_grade_by_the_least_value_of_each_grade() {
        let t = Thresholds::Amounts { a_fen: 1_000, b_fen: 500, c_fen: 100 };
        assert_eq!(grade(&[1_000, 999, 500, 499, 100, 99, 0, -5], &t), Ok(vec![A, B, B, C, C, D, D, D]));
        // Nobody has anything: everyone is D, even with C from zero.
        let from_zero = Thresholds::Amounts { a_fen: 2, b_fen: 1, c_fen: 0 };
        assert_eq!(grade(&[0, 0], &from_zero), Ok(vec![D, D]));
    }

    #[test]
    fn shares_rank_customers_and_ties_share_the_better_grade() {
        // Top 20 % A, next 30 % B, next 30 % C, the rest D: of ten customers 2, 3, 3, 2.
        let t = Thresholds::Shares { a_bp: 2_000, b_bp: 3_000, c_bp: 3_000 };
        let values = [10, 90, 80, 70, 60, 50, 40, 30, 20, 100];
        assert_eq!(grade(&values, &t), Ok(vec![D, A, B, B, B, C, C, C, D, A]));
        // 80 and 80 straddle the A boundary: both A, and the next customer ranks fourth (C).
        assert_eq!(grade(&[100, 80, 80, 10, 5], &Thresholds::Shares { a_bp: 4_000, b_bp: 2_000, c_bp: 2_000 }), Ok(vec![A, A, A, C, D]));
        // Customers with nothing are D even inside the top share.
        assert_eq!(grade(&[0, 0, 5], &Thresholds::Shares { a_bp: 5_000, b_bp: 2_500, c_bp: 2_500 }), Ok(vec![D, D, A]));
        assert_eq!(grade(&[], &t), Ok(vec![]));
    }

    #[test]
    fn overlapping_thresholds_are_refused() {
        for bad in [
            Thresholds::Amounts { a_fen: 500, b_fen: 500, c_fen: 100 },
            Thresholds::Amounts { a_fen: 500, b_fen: 100, c_fen: -1 },
            Thresholds::Shares { a_bp: 5_000, b_bp: 4_000, c_bp: 2_000 },
            Thresholds::Shares { a_bp: 0, b_bp: 4_000, c_bp: 2_000 },
        ] {
            assert_eq!(grade(&[1], &bad), Err("thresholds_overlap"), "{bad:?}");
        }
    }

    #[test]
    fn a_share_grading_gives_each_grade_its_share_of_distinct_values() {
        // 1,000 customers with distinct values: exactly 200 / 300 / 300 / 200.
        let values: Vec<i64> = (1..=1_000).map(|v| v * 7 % 1_009).collect();
        let grades = grade(&values, &Thresholds::Shares { a_bp: 2_000, b_bp: 3_000, c_bp: 3_000 }).unwrap();
        let count = |g: Grade| grades.iter().filter(|x| **x == g).count();
        assert_eq!([count(A), count(B), count(C), count(D)], [200, 300, 300, 200]);
        // Every A is worth at least every B, and so on down.
        let least = |g: Grade| values.iter().zip(&grades).filter(|(_, x)| **x == g).map(|(v, _)| *v).min().unwrap();
        let most = |g: Grade| values.iter().zip(&grades).filter(|(_, x)| **x == g).map(|(v, _)| *v).max().unwrap();
        assert!(least(A) > most(B) && least(B) > most(C) && least(C) > most(D));
    }

    #[test]
    fn a_grading_configuration_is_checked_and_reads_back() {
        let starter = GradingConfig::starter();
        assert_eq!(starter.validate(), Ok(()));
        assert_eq!(starter.strategy(B).visit_days, 14);
        let json = serde_json::to_value(&starter).unwrap();
        assert_eq!(json["thresholds"], serde_json::json!({"kind": "shares", "a_bp": 2000, "b_bp": 3000, "c_bp": 3000}));
        assert_eq!(serde_json::from_value::<GradingConfig>(json).unwrap(), starter);
        let bad = |f: fn(&mut GradingConfig)| {
            let mut c = GradingConfig::starter();
            f(&mut c);
            c.validate()
        };
        assert_eq!(bad(|c| c.period_days = 7), Err("invalid_period"));
        assert_eq!(bad(|c| c.strategies[0].visit_days = 0), Err("invalid_cadence"));
        assert_eq!(bad(|c| c.thresholds = Thresholds::Amounts { a_fen: 1, b_fen: 2, c_fen: 0 }), Err("thresholds_overlap"));
        assert_eq!(bad(|c| c.long_cooperation_years = 0), Err("invalid_years"));
        assert_eq!(bad(|c| c.long_cooperation_years = 21), Err("invalid_years"));
        // Rules saved before the cooperation dimension read with the default.
        let mut old = serde_json::to_value(&starter).unwrap();
        old.as_object_mut().unwrap().remove("long_cooperation_years");
        assert_eq!(serde_json::from_value::<GradingConfig>(old).unwrap().long_cooperation_years, DEFAULT_LONG_YEARS);
    }

    #[test]
    fn cooperation_length_and_satisfaction_count_per_grade() {
        use crate::domain::customer::CustomerView;
        use crate::domain::funnel::parse_day;
        let rules = GradingConfig::starter();
        let today = parse_day("2026-11-24").unwrap();
        // Three years to the day is long; a day less is short; nothing known is nothing.
        assert_eq!(rules.cooperation(Some(today - 3 * 365), today), Some(Cooperation::Long));
        assert_eq!(rules.cooperation(Some(today - 3 * 365 + 1), today), Some(Cooperation::Short));
        assert_eq!(rules.cooperation(None, today), None);
        // The start date on the record wins over the first order.
        let mut c = CustomerView { cooperation_since: Some("2020-01-01".into()), ..CustomerView::default() };
        assert_eq!(cooperation_since(&c, Some(today - 10)), parse_day("2020-01-01"));
        c.cooperation_since = None;
        assert_eq!(cooperation_since(&c, Some(today - 10)), Some(today - 10));
        let mut d = Dimensions::default();
        d.add(A, Some(Cooperation::Long), Some(Satisfaction::High));
        d.add(A, Some(Cooperation::Short), None);
        d.add(D, None, Some(Satisfaction::Low));
        assert_eq!(d.cooperation[0], [1, 1, 0]);
        assert_eq!(d.cooperation[3], [0, 0, 1]);
        assert_eq!(d.satisfaction[0], [1, 0, 0, 1]);
        assert_eq!(d.satisfaction[3], [0, 0, 1, 0]);
    }

    #[test]
    fn changes_list_who_moved() {
        let before: HashMap<&str, Grade> = [("a", A), ("b", B), ("c", C)].into_iter().collect();
        assert_eq!(changes(&before, &[("a", B), ("b", B), ("c", A), ("new", D)]), vec![("a", A, B), ("c", C, A)]);
    }
}
