//! Sales funnel analytics 销售漏斗分析: plain functions over the facts of a set of deals, run in
//! the browser from the replica (and natively in tests and benchmarks). No I/O, no clock: the
//! caller says which day "today" is.
//!
//! A pipeline is its open stages in order, then won and lost. A deal's *path* is the open stages
//! it entered, with the day it entered each; a deal that skipped a stage counts as having passed
//! it (it reached a later one). Amounts are fen, probabilities basis points (1/100 of a percent),
//! days are days since 1970-01-01 (`time::Date::to_julian_day() - UNIX_EPOCH_JULIAN_DAY`).

use std::borrow::Borrow;
use std::collections::BTreeMap;

/// Where a deal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still in the funnel, at this open stage (an index into [`Pipeline::stages`]).
    Open(usize),
    /// Won (contract signed) on this day.
    Won(i32),
    /// Lost on this day.
    Lost(i32),
}

/// A deal's stage path: inline up to six entries (nearly every deal), on the heap beyond.
pub type Path = smallvec::SmallVec<[(usize, i32); 6]>;

/// What analytics need to know about one deal. Owner and source are keys the caller hands out
/// (`deal_table::Keys`), so grouping by them is integer work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealFacts {
    pub owner: u32,
    pub source: Option<u32>,
    pub amount_fen: i64,
    pub created: i32,
    /// The expected close day (used for the forecast of open deals).
    pub expected_close: i32,
    /// The open stages entered, in the order entered, with the day of entry; the first is where
    /// the deal started.
    pub path: Path,
    pub outcome: Outcome,
}

/// An open stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageDef {
    pub code: String,
    /// Win probability in basis points (10000 = certain).
    pub probability_bp: i64,
}

/// The open stages, in funnel order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub stages: Vec<StageDef>,
}

/// A share as a fraction in `0..=1` with the counts it comes from (`None` when there is nothing
/// to divide by).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub hits: usize,
    pub of: usize,
}

impl Rate {
    pub fn value(self) -> Option<f64> {
        (self.of > 0).then(|| self.hits as f64 / self.of as f64)
    }
}

/// One stage in the funnel report.
#[derive(Debug, Clone, PartialEq)]
pub struct StageReport {
    /// Deals that reached this stage (entered it or a later one, or were won).
    pub reached: usize,
    /// Of those, the ones that went on to a later stage or were won.
    pub conversion: Rate,
    /// Mean days spent in the stage by deals that left it forward (entered a later stage or won).
    pub average_days: Option<f64>,
    /// Open deals sitting in the stage now, and their amounts.
    pub open: usize,
    pub open_amount_fen: i64,
    pub weighted_fen: i64,
}

/// The funnel over a set of deals.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelReport {
    pub stages: Vec<StageReport>,
    /// The stage holding deals back most: the lowest conversion among stages that at least
    /// `MIN_BOTTLENECK_DEALS` deals reached; on a tie the one where deals stay longest.
    pub bottleneck: Option<usize>,
    /// Won ÷ closed (won + lost).
    pub win_rate: Rate,
    /// Mean days from creation to winning, over won deals.
    pub average_cycle_days: Option<f64>,
    pub won_amount_fen: i64,
}

/// Stages fewer deals reached than this are not called the bottleneck (too little to go by).
pub const MIN_BOTTLENECK_DEALS: usize = 5;

/// Amount × probability, rounded half away from zero to the fen.
pub fn weighted(amount_fen: i64, probability_bp: i64) -> i64 {
    // In i64 whenever the product fits (any amount below 9 × 10^14 fen): 128-bit division is a
    // library call in wasm, and the board and the analytics weigh every open deal.
    if let Some(product) = amount_fen.checked_mul(probability_bp) {
        if let Some(rounded) = if product >= 0 { product.checked_add(5_000) } else { product.checked_sub(5_000) } {
            return rounded / 10_000;
        }
    }
    let product = amount_fen as i128 * probability_bp as i128;
    let rounded = if product >= 0 { (product + 5_000) / 10_000 } else { (product - 5_000) / 10_000 };
    rounded as i64
}

/// The furthest open stage a deal reached (`stages.len()` for a won deal: past every stage).
fn furthest(deal: &DealFacts, stages: usize) -> Option<usize> {
    match deal.outcome {
        Outcome::Won(_) => Some(stages),
        _ => deal.path.iter().map(|(s, _)| *s).filter(|s| *s < stages).max(),
    }
}

pub fn funnel<D: Borrow<DealFacts>>(pipeline: &Pipeline, deals: &[D]) -> FunnelReport {
    let n = pipeline.stages.len();
    // Deals whose furthest stage is `i` (`n`: won, past every stage).
    let mut furthest_at = vec![0usize; n + 1];
    let mut days_sum = vec![0i64; n];
    let mut days_count = vec![0usize; n];
    let mut open = vec![0usize; n];
    let mut open_amount = vec![0i64; n];
    let mut weighted_sum = vec![0i64; n];
    let (mut won, mut lost, mut won_amount) = (0usize, 0usize, 0i64);
    let (mut cycle_sum, mut cycle_count) = (0i64, 0usize);
    for deal in deals {
        let deal = deal.borrow();
        let Some(top) = furthest(deal, n) else { continue };
        // Reached every stage up to the furthest; moved on from every stage before it (a lost
        // deal did not move on from the stage it was lost in). Counted where it stopped and
        // summed down the funnel below.
        furthest_at[top.min(n)] += 1;
        // Time in a stage: from entering it to entering the next stage on the path, or to the
        // win for the last one.
        for (i, &(stage, day)) in deal.path.iter().enumerate() {
            let left = match (deal.path.get(i + 1), deal.outcome) {
                (Some(&(next, next_day)), _) if next > stage => Some(next_day),
                (None, Outcome::Won(on)) => Some(on),
                _ => None,
            };
            if let (Some(left), true) = (left, stage < n) {
                days_sum[stage] += i64::from((left - day).max(0));
                days_count[stage] += 1;
            }
        }
        match deal.outcome {
            Outcome::Open(stage) if stage < n => {
                open[stage] += 1;
                open_amount[stage] += deal.amount_fen;
                weighted_sum[stage] += weighted(deal.amount_fen, pipeline.stages[stage].probability_bp);
            }
            Outcome::Open(_) => {}
            Outcome::Won(on) => {
                won += 1;
                won_amount += deal.amount_fen;
                cycle_sum += i64::from((on - deal.created).max(0));
                cycle_count += 1;
            }
            Outcome::Lost(_) => lost += 1,
        }
    }
    // Reached `s`: stopped at `s` or later; moved on from `s`: stopped later.
    let mut reached = vec![0usize; n];
    let mut moved_on = vec![0usize; n];
    let mut later = furthest_at[n];
    for s in (0..n).rev() {
        moved_on[s] = later;
        later += furthest_at[s];
        reached[s] = later;
    }
    let stages: Vec<StageReport> = (0..n)
        .map(|s| StageReport {
            reached: reached[s],
            conversion: Rate { hits: moved_on[s], of: reached[s] },
            average_days: (days_count[s] > 0).then(|| days_sum[s] as f64 / days_count[s] as f64),
            open: open[s],
            open_amount_fen: open_amount[s],
            weighted_fen: weighted_sum[s],
        })
        .collect();
    let bottleneck = stages
        .iter()
        .enumerate()
        .filter(|(_, r)| r.reached >= MIN_BOTTLENECK_DEALS)
        .min_by(|(_, a), (_, b)| {
            let (ca, cb) = (a.conversion.value().unwrap_or(1.0), b.conversion.value().unwrap_or(1.0));
            ca.total_cmp(&cb).then_with(|| b.average_days.unwrap_or(0.0).total_cmp(&a.average_days.unwrap_or(0.0)))
        })
        .map(|(i, _)| i);
    FunnelReport {
        stages,
        bottleneck,
        win_rate: Rate { hits: won, of: won + lost },
        average_cycle_days: (cycle_count > 0).then(|| cycle_sum as f64 / cycle_count as f64),
        won_amount_fen: won_amount,
    }
}

/// The weighted amount of open deals by the month they are expected to close (`(year, month)`);
/// deals expected before `today`'s month count in `today`'s month (they are late, not gone).
pub fn forecast_by_month<D: Borrow<DealFacts>>(pipeline: &Pipeline, deals: &[D], today: i32) -> BTreeMap<(i32, u8), i64> {
    let this_month = month_of(today);
    // Summed by day first (deals share close days), then the few hundred days by month.
    let mut by_day: rustc_hash::FxHashMap<i32, i64> = rustc_hash::FxHashMap::default();
    for deal in deals {
        let deal = deal.borrow();
        if let Outcome::Open(stage) = deal.outcome {
            let Some(def) = pipeline.stages.get(stage) else { continue };
            *by_day.entry(deal.expected_close).or_insert(0) += weighted(deal.amount_fen, def.probability_bp);
        }
    }
    let mut out = BTreeMap::new();
    for (day, fen) in by_day {
        *out.entry(month_of(day).max(this_month)).or_insert(0) += fen;
    }
    out
}

/// The Julian day number of 1970-01-01.
pub const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

pub const DAY_MS: i64 = 86_400_000;
/// Days turn at midnight China Standard Time (UTC+8), the companies' working day, whatever the
/// clock of the device or server reading them.
pub const BUSINESS_UTC_OFFSET_MS: i64 = 8 * 3_600_000;

/// The business day (see [`BUSINESS_UTC_OFFSET_MS`]) of a Unix time in milliseconds.
pub fn day_of_ms(ms: i64) -> i32 {
    (ms + BUSINESS_UTC_OFFSET_MS).div_euclid(DAY_MS) as i32
}

/// The day of a `YYYY-MM-DD` date.
pub fn parse_day(date: &str) -> Option<i32> {
    // Read by hand: the analytics read one per deal, and `time`'s parsing was most of their cost.
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| b[r].iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')));
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    const DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&month) || day == 0 || day > DAYS[month as usize - 1] + u32::from(month == 2 && leap) {
        return None;
    }
    Some(days_from_civil(year as i32, month, day))
}

/// The `YYYY-MM-DD` text of a day (the inverse of [`parse_day`]).
pub fn format_day(day: i32) -> String {
    let date = time::Date::from_julian_day(day + UNIX_EPOCH_JULIAN_DAY).unwrap_or(time::Date::MIN);
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// Days since 1970-01-01 of a valid calendar date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy as i32;
    era * 146_097 + doe - 719_468
}

/// The `(year, month)` a day falls in (Howard Hinnant's `civil_from_days`; the forecast asks
/// once per open deal, and `time`'s calendar conversion was a third of its cost).
pub fn month_of(day: i32) -> (i32, u8) {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month as u8)
}

/// The first day of a year.
pub fn year_start(year: i32) -> i32 {
    days_from_civil(year, 1, 1)
}

/// Open weighted pipeline ÷ what remains of the target (`None` once the target is met).
pub fn coverage(weighted_open_fen: i64, target_fen: i64, achieved_fen: i64) -> Option<f64> {
    let remaining = target_fen - achieved_fen;
    (remaining > 0).then(|| weighted_open_fen as f64 / remaining as f64)
}

/// Win rate and won revenue per key (a source, an owner).
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    pub win_rate: Rate,
    pub won_amount_fen: i64,
    pub open: usize,
}

/// Deals grouped by `key` (deals without a key under `None`). Keys are small dense numbers
/// (`deal_table::Keys`), so the groups are a vector indexed by key, not a hash map.
pub fn breakdown<D: Borrow<DealFacts>>(deals: &[D], key: impl Fn(&DealFacts) -> Option<u32>) -> BTreeMap<Option<u32>, Breakdown> {
    let empty = Breakdown { win_rate: Rate { hits: 0, of: 0 }, won_amount_fen: 0, open: 0 };
    // Slot 0 for no key, `k + 1` for key `k`.
    let mut slots: Vec<Option<Breakdown>> = Vec::new();
    for deal in deals {
        let deal = deal.borrow();
        let slot = key(deal).map_or(0, |k| k as usize + 1);
        if slot >= slots.len() {
            slots.resize(slot + 1, None);
        }
        let entry = slots[slot].get_or_insert_with(|| empty.clone());
        match deal.outcome {
            Outcome::Won(_) => {
                entry.win_rate.hits += 1;
                entry.win_rate.of += 1;
                entry.won_amount_fen += deal.amount_fen;
            }
            Outcome::Lost(_) => entry.win_rate.of += 1,
            Outcome::Open(_) => entry.open += 1,
        }
    }
    slots.into_iter().enumerate().filter_map(|(slot, b)| Some(((slot > 0).then(|| slot as u32 - 1), b?))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_days_and_dates() {
        assert_eq!(parse_day("1970-01-02"), Some(1));
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_day("soon"), None);
        assert_eq!(parse_day("2024-02-29"), Some(19_782));
        assert_eq!(parse_day("2023-02-29"), None);
        assert_eq!(parse_day("1969-12-31"), Some(-1));
        assert_eq!(parse_day("2026-13-01"), None);
        // Every day of four centuries agrees with `time`.
        let mut d = time::Date::from_calendar_date(1900, time::Month::January, 1).unwrap();
        while d.year() < 2300 {
            let text = format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
            assert_eq!(parse_day(&text), Some(d.to_julian_day() - UNIX_EPOCH_JULIAN_DAY), "{text}");
            assert_eq!(format_day(d.to_julian_day() - UNIX_EPOCH_JULIAN_DAY), text);
            d = d.next_day().unwrap();
        }
        // 2026-11-22 23:30 in Beijing is 15:30 UTC: still the 22nd; 16:30 UTC is the 23rd.
        let d22 = parse_day("2026-11-22").unwrap();
        assert_eq!(day_of_ms(i64::from(d22) * DAY_MS + 15 * 3_600_000 + 1_800_000), d22);
        assert_eq!(day_of_ms(i64::from(d22) * DAY_MS + 16 * 3_600_000 + 1_800_000), d22 + 1);
        assert_eq!(month_of(d22), (2026, 11));
        // Every day of four centuries falls in the month `time` says, and years start where they should.
        let mut d = time::Date::from_calendar_date(1900, time::Month::January, 1).unwrap();
        while d.year() < 2300 {
            let day = d.to_julian_day() - UNIX_EPOCH_JULIAN_DAY;
            assert_eq!(month_of(day), (d.year(), u8::from(d.month())), "{d}");
            if d.ordinal() == 1 {
                assert_eq!(year_start(d.year()), day);
            }
            d = d.next_day().unwrap();
        }
    }

    fn pipeline() -> Pipeline {
        let stage = |code: &str, p| StageDef { code: code.into(), probability_bp: p };
        Pipeline { stages: vec![stage("initial_contact", 1_000), stage("needs_analysis", 2_500), stage("proposal", 5_000), stage("negotiation", 7_500)] }
    }

    // Owner and source keys, as a `deal_table::Keys` would hand them out.
    const WANG: u32 = 0;
    const LI: u32 = 1;
    const REFERRAL: u32 = 2;
    const EXHIBITION: u32 = 3;

    fn deal(owner: u32, source: Option<u32>, amount: i64, path: &[(usize, i32)], outcome: Outcome) -> DealFacts {
        DealFacts { owner, source, amount_fen: amount, created: path.first().map_or(0, |p| p.1), expected_close: 100, path: Path::from_slice(path), outcome }
    }

    /// Six deals worked through by hand:
    /// A: 0@0 → 1@10 → 2@20 → 3@30, won @40      (reached all; 10, 10, 10, 10 days)
    /// B: 0@0 → 1@5, lost @15                     (reached 0, 1; left 0 after 5 days)
    /// C: 0@0 → 2@8 (skipped 1), open in 2         (reached 0, 1, 2; left 0 after 8 days)
    /// D: 0@0, lost @3                             (reached 0)
    /// E: 0@0 → 1@4 → 2@6 → 3@9, won @19           (reached all; 4, 2, 3, 10 days)
    /// F: 0@2, open in 0                           (reached 0)
    fn six() -> Vec<DealFacts> {
        vec![
            deal(WANG, Some(REFERRAL), 100_000, &[(0, 0), (1, 10), (2, 20), (3, 30)], Outcome::Won(40)),
            deal(WANG, Some(REFERRAL), 50_000, &[(0, 0), (1, 5)], Outcome::Lost(15)),
            deal(LI, Some(EXHIBITION), 80_000, &[(0, 0), (2, 8)], Outcome::Open(2)),
            deal(LI, None, 30_000, &[(0, 0)], Outcome::Lost(3)),
            deal(LI, Some(EXHIBITION), 200_000, &[(0, 0), (1, 4), (2, 6), (3, 9)], Outcome::Won(19)),
            deal(WANG, Some(REFERRAL), 10_000, &[(0, 2)], Outcome::Open(0)),
        ]
    }

    #[test]
    fn a_small_funnel_checked_by_hand() {
        let r = funnel(&pipeline(), &six());
        let reached: Vec<usize> = r.stages.iter().map(|s| s.reached).collect();
        assert_eq!(reached, [6, 4, 3, 2]);
        let conversion: Vec<(usize, usize)> = r.stages.iter().map(|s| (s.conversion.hits, s.conversion.of)).collect();
        // Stage 0: A, B, C, E moved on (D lost, F open). Stage 1: A, C, E (B lost). Stage 2: A, E
        // (C open). Stage 3: A, E won.
        assert_eq!(conversion, [(4, 6), (3, 4), (2, 3), (2, 2)]);
        // Days in stage 0: A 10, B 5, C 8, E 4 → 6.75. Stage 1: A 10, E 2 → 6 (B left it lost,
        // C never was in it). Stage 2: A 10, E 3 → 6.5. Stage 3: A 10, E 10 → 10.
        let days: Vec<Option<f64>> = r.stages.iter().map(|s| s.average_days).collect();
        assert_eq!(days, [Some(6.75), Some(6.0), Some(6.5), Some(10.0)]);
        assert_eq!((r.stages[2].open, r.stages[2].open_amount_fen, r.stages[2].weighted_fen), (1, 80_000, 40_000));
        assert_eq!((r.stages[0].open, r.stages[0].weighted_fen), (1, 1_000));
        assert_eq!((r.win_rate.hits, r.win_rate.of), (2, 4));
        assert_eq!(r.won_amount_fen, 300_000);
        // Cycles: A 40, E 19.
        assert_eq!(r.average_cycle_days, Some(29.5));
        // Lowest conversion among stages reached by ≥ 5 deals: only stage 0 qualifies.
        assert_eq!(r.bottleneck, Some(0));
    }

    #[test]
    fn the_bottleneck_is_the_lowest_conversion_then_the_longest_stay() {
        let mut deals = Vec::new();
        for i in 0..10 {
            // Everyone passes stage 0 in 2 days; half stall in stage 1 (lost), the rest pass it in 9.
            let won = i % 2 == 0;
            let path = if won { vec![(0, 0), (1, 2), (2, 11), (3, 12)] } else { vec![(0, 0), (1, 2)] };
            deals.push(deal(WANG, None, 1, &path, if won { Outcome::Won(13) } else { Outcome::Lost(20) }));
        }
        let r = funnel(&pipeline(), &deals);
        assert_eq!(r.bottleneck, Some(1));
        assert_eq!(r.stages[1].conversion.value(), Some(0.5));
        // Nothing reached: no bottleneck, no rates, no division by zero.
        let empty = funnel::<DealFacts>(&pipeline(), &[]);
        assert_eq!((empty.bottleneck, empty.win_rate.value(), empty.average_cycle_days), (None, None, None));
    }

    #[test]
    fn forecast_by_month_counts_late_deals_in_this_month() {
        let day = |y, m, d| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap().to_julian_day() - UNIX_EPOCH_JULIAN_DAY;
        let today = day(2026, 11, 22);
        let mut deals = six();
        deals[2].expected_close = day(2026, 12, 15); // proposal, 80,000 × 50 %
        deals[5].expected_close = day(2026, 10, 1); // late: initial contact, 10,000 × 10 %
        let f = forecast_by_month(&pipeline(), &deals, today);
        assert_eq!(f.into_iter().collect::<Vec<_>>(), [((2026, 11), 1_000), ((2026, 12), 40_000)]);
    }

    #[test]
    fn weighting_rounds_to_the_fen_and_coverage_needs_something_left() {
        assert_eq!(weighted(333, 5_000), 167);
        assert_eq!(weighted(-333, 5_000), -167);
        assert_eq!(weighted(i64::MAX / 2, 10_000), i64::MAX / 2);
        // The i64 shortcut agrees with 128-bit arithmetic, at the edge where it stops fitting too.
        let exact = |a: i64, p: i64| {
            let x = i128::from(a) * i128::from(p);
            (if x >= 0 { (x + 5_000) / 10_000 } else { (x - 5_000) / 10_000 }) as i64
        };
        let edge = i64::MAX / 10_000;
        for a in [0, 1, 4_999, 5_000, -5_001, 123_456_789, edge - 1, edge, edge + 1, -edge, -edge - 1, i64::MIN / 10_000] {
            for p in [0, 1, 2_500, 9_999, 10_000] {
                assert_eq!(weighted(a, p), exact(a, p), "{a} × {p}");
            }
        }
        assert_eq!(coverage(300, 1_000, 400), Some(0.5));
        assert_eq!(coverage(300, 1_000, 1_000), None);
    }

    #[test]
    fn win_rate_and_revenue_by_source_and_by_rep() {
        let deals = six();
        let by_source = breakdown(&deals, |d| d.source);
        let referral = &by_source[&Some(REFERRAL)];
        assert_eq!((referral.win_rate.hits, referral.win_rate.of, referral.won_amount_fen, referral.open), (1, 2, 100_000, 1));
        assert_eq!(by_source[&Some(EXHIBITION)].won_amount_fen, 200_000);
        assert_eq!(by_source[&None].win_rate.of, 1, "a deal without a source is counted under None");
        let by_rep = breakdown(&deals, |d| Some(d.owner));
        assert_eq!((by_rep[&Some(LI)].win_rate.hits, by_rep[&Some(LI)].win_rate.of), (1, 2));
    }

    /// Deals from a small deterministic generator (xorshift), for the properties below.
    fn random_deals(seed: u64, count: usize) -> Vec<DealFacts> {
        let mut state = seed.max(1);
        let mut next = move |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        };
        (0..count)
            .map(|_| {
                let mut day = next(100) as i32;
                let created = day;
                let mut stage = next(2) as usize;
                let mut path = vec![(stage, day)];
                while stage < 3 && next(3) > 0 {
                    stage += 1 + next(2) as usize;
                    stage = stage.min(3);
                    day += next(20) as i32;
                    path.push((stage, day));
                }
                let outcome = match next(3) {
                    0 => Outcome::Open(stage),
                    1 => Outcome::Won(day + next(10) as i32),
                    _ => Outcome::Lost(day + next(10) as i32),
                };
                DealFacts {
                    owner: next(4) as u32,
                    source: None,
                    amount_fen: next(1_000_000) as i64,
                    created,
                    expected_close: day + 30,
                    path: path.into(),
                    outcome,
                }
            })
            .collect()
    }

    #[test]
    fn properties_hold_for_many_random_funnels() {
        for seed in 1..200 {
            let deals = random_deals(seed, (seed % 40) as usize);
            let p = pipeline();
            let r = funnel(&p, &deals);
            // Reaching is monotone down the funnel, and conversion never exceeds reaching.
            assert!(r.stages.windows(2).all(|w| w[0].reached >= w[1].reached), "seed {seed}");
            for (i, s) in r.stages.iter().enumerate() {
                assert!(s.conversion.hits <= s.conversion.of);
                assert!(s.average_days.is_none_or(|d| d >= 0.0));
                if i + 1 < r.stages.len() {
                    assert_eq!(s.conversion.hits, r.stages[i + 1].reached, "seed {seed}: moving on from {i} is reaching {}", i + 1);
                }
            }
            // Every deal is counted once: open + won + lost.
            let open: usize = r.stages.iter().map(|s| s.open).sum();
            assert_eq!(open + r.win_rate.of, deals.len(), "seed {seed}");
            // The forecast spreads exactly the weighted open pipeline over months.
            let weighted_open: i64 = r.stages.iter().map(|s| s.weighted_fen).sum();
            assert_eq!(forecast_by_month(&p, &deals, 0).values().sum::<i64>(), weighted_open, "seed {seed}");
            // Per-rep breakdowns add up to the whole.
            let by_rep = breakdown(&deals, |d| Some(d.owner));
            assert_eq!(by_rep.values().map(|b| b.win_rate.hits).sum::<usize>(), r.win_rate.hits);
            assert_eq!(by_rep.values().map(|b| b.won_amount_fen).sum::<i64>(), r.won_amount_fen);
        }
    }
}
