//! The funnel board 销售看板 as data: which open deals of a pipeline show in which column, in
//! which order, with the column totals, under the user's filters; which deals are stalled; where
//! a dropped card goes. The columns themselves are folded from the replica's
//! [`DealTable`](super::deal_table::DealTable); the board, its tests and its benchmark run the
//! same code.

use super::funnel::day_of_ms;
use super::pipeline::{PipelineConfig, Place};
use super::rank;
use super::sync::OpportunityView;
use super::Money;
use std::borrow::Cow;

/// What the user filters the board by (`None`: any). Amounts in fen, dates `YYYY-MM-DD`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealFilter {
    /// Part of the deal's title or its customer's name (case-insensitive); empty: any.
    pub query: String,
    pub owner: Option<String>,
    pub source: Option<String>,
    /// The customer's region.
    pub region: Option<String>,
    pub min_fen: Option<i64>,
    pub max_fen: Option<i64>,
    pub close_from: Option<String>,
    pub close_to: Option<String>,
    pub stalled_only: bool,
    /// The members of the team chosen (deals they own pass).
    pub team: Option<Vec<String>>,
    /// Only deals whose follow-up is overdue ([`super::deal::overdue_days`]).
    pub overdue_only: bool,
}

impl DealFilter {
    /// The filter from what was typed into the filter form: amounts in yuan, dates as the date
    /// inputs give them. A bad amount is named (`invalid_amount`, `amount_negative`).
    #[allow(clippy::too_many_arguments)]
    pub fn from_form(
        query: &str,
        owner: &str,
        source: &str,
        region: &str,
        min: &str,
        max: &str,
        from: &str,
        to: &str,
        stalled_only: bool,
    ) -> Result<DealFilter, &'static str> {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let amount = |s: &str| -> Result<Option<i64>, &'static str> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            let m = Money::parse(s).map_err(|_| "invalid_amount")?;
            if m.fen() < 0 {
                return Err("amount_negative");
            }
            Ok(Some(m.fen()))
        };
        Ok(DealFilter {
            query: query.trim().to_lowercase(),
            owner: some(owner),
            source: some(source),
            region: some(region),
            min_fen: amount(min)?,
            max_fen: amount(max)?,
            close_from: some(from),
            close_to: some(to),
            stalled_only,
            team: None,
            overdue_only: false,
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == DealFilter::default()
    }
}

/// A column of the board: an open stage with the deals in it that pass the filter, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub stage: usize,
    pub count: usize,
    pub amount_fen: i64,
    pub weighted_fen: i64,
    /// Shared with the replica's [`DealTable`](super::deal_table::DealTable): no copy per card,
    /// and none at all for an unfiltered board.
    pub ids: std::sync::Arc<[std::sync::Arc<str>]>,
}

/// How many days a deal has been idle past its stage's limit (`None`: not stalled, or closed).
pub fn stalled_days(pipeline: &PipelineConfig, deal: &OpportunityView, today: i32) -> Option<u32> {
    match pipeline.place(&deal.stage)? {
        Place::Open(stage) => pipeline.stalled(stage, day_of_ms(deal.touched_at.max(deal.stage_entered_at)), today),
        _ => None,
    }
}

/// Days since the deal entered its stage.
pub fn days_in_stage(deal: &OpportunityView, today: i32) -> i32 {
    (today - day_of_ms(deal.stage_entered_at)).max(0)
}

/// Whether `text` contains `lowered` (already lower-case), ignoring case.
pub(super) fn contains_folded(text: &str, lowered: &str) -> bool {
    if text.is_ascii() {
        text.to_ascii_lowercase().contains(lowered)
    } else {
        text.to_lowercase().contains(lowered)
    }
}

/// The sort key for a card dropped at `position` among `ids` (the column's cards without it),
/// between its new neighbours; `key_of` gives a card's key.
pub fn drop_rank<'a, S: AsRef<str>>(ids: &[S], position: usize, key_of: impl Fn(&str) -> Option<Cow<'a, str>>) -> String {
    let before = position.checked_sub(1).and_then(|i| ids.get(i)).and_then(|id| key_of(id.as_ref()));
    let after = ids.get(position).and_then(|id| key_of(id.as_ref()));
    rank::between(before.as_deref(), after.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::deal_table::DealTable;
    use crate::domain::funnel::DAY_MS;
    use crate::domain::pipeline::DEFAULT_PIPELINE;

    fn deal(n: u32, stage: &str, amount_yuan: i64, close: &str) -> OpportunityView {
        OpportunityView {
            id: format!("00000000-0000-0000-0000-{n:012}"),
            customer_id: format!("c{}", n % 3),
            owner_id: format!("rep{}", n % 2),
            title: format!("Deal {n} 采购"),
            pipeline: DEFAULT_PIPELINE.into(),
            stage: stage.into(),
            amount_fen: amount_yuan * 100,
            expected_close: close.into(),
            source: if n.is_multiple_of(2) { "referral".into() } else { "website".into() },
            stage_entered_at: 100 * DAY_MS,
            touched_at: 100 * DAY_MS,
            ..Default::default()
        }
    }

    /// The board as the replica's table folds it.
    fn columns(p: &PipelineConfig, deals: &[OpportunityView], f: &DealFilter, today: i32) -> Vec<Column> {
        let pipelines = [p.clone(), PipelineConfig::starter_product()];
        DealTable::build(&pipelines, deals.iter()).columns(p, customer, f, today)
    }

    fn ids(c: &Column) -> Vec<&str> {
        c.ids.iter().map(|id| &**id).collect()
    }

    fn customer(id: &str) -> Option<(&'static str, &'static str)> {
        match id {
            "c0" => Some(("杭州网络科技", "east")),
            "c1" => Some(("Shenzhen Robotics", "south")),
            _ => Some(("北京软件", "north")),
        }
    }

    #[test]
    fn columns_hold_open_deals_in_order_with_totals() {
        let p = PipelineConfig::starter();
        let mut deals = vec![
            deal(1, "initial_contact", 1_000, "2026-12-20"),
            deal(2, "initial_contact", 3_000, "2026-12-01"),
            deal(3, "proposal", 10_000, "2026-12-05"),
            deal(4, "contract_signed", 99_000, "2026-11-01"),
            deal(5, "lost", 5_000, "2026-11-01"),
        ];
        let mut other = deal(6, "initial_contact", 7_000, "2026-12-01");
        other.pipeline = "product".into();
        deals.push(other);
        // Placed by hand at the front of its column.
        deals[0].rank = Some(super::rank::between(None, Some(&deals[1].sort_key())));
        let cols = columns(&p, &deals, &DealFilter::default(), 110);
        assert_eq!(cols.len(), 4);
        assert_eq!(ids(&cols[0]), [deals[0].id.as_str(), deals[1].id.as_str()]);
        assert_eq!((cols[0].count, cols[0].amount_fen, cols[0].weighted_fen), (2, 400_000, 40_000));
        assert_eq!((cols[2].count, cols[2].weighted_fen), (1, 500_000));
        assert_eq!(cols[1].count + cols[3].count, 0, "won, lost and other pipelines stay off the board");
    }

    #[test]
    fn filters_combine_and_bad_amounts_are_named() {
        let p = PipelineConfig::starter();
        let deals: Vec<OpportunityView> = (1..=9).map(|n| deal(n, "needs_analysis", i64::from(n) * 1_000, &format!("2026-12-{:02}", n))).collect();
        let count = |f: &DealFilter, today: i32| columns(&p, &deals, f, today)[1].count;
        let form = |q: &str, owner: &str, min: &str, max: &str| DealFilter::from_form(q, owner, "", "", min, max, "", "", false).unwrap();
        assert_eq!(count(&DealFilter::default(), 110), 9);
        assert_eq!(count(&form("", "rep1", "", ""), 110), 5);
        assert_eq!(count(&form("", "", "3000", "5000.00"), 110), 3);
        assert_eq!(count(&form("shenzhen", "", "", ""), 110), 3, "customer name, any case");
        assert_eq!(count(&form("deal 7", "", "", ""), 110), 1, "deal title");
        let region = DealFilter { region: Some("east".into()), ..Default::default() };
        assert_eq!(count(&region, 110), 3);
        let dates = DealFilter { close_from: Some("2026-12-03".into()), close_to: Some("2026-12-04".into()), ..Default::default() };
        assert_eq!(count(&dates, 110), 2);
        let stalled = DealFilter { stalled_only: true, ..Default::default() };
        assert_eq!(count(&stalled, 110), 0, "10 idle days: needs analysis allows 21");
        assert_eq!(count(&stalled, 122), 9);
        let team = DealFilter { team: Some(vec!["rep0".into(), "rep7".into()]), ..Default::default() };
        assert_eq!(count(&team, 110), 4, "deals owned by a member");
        let mut late = deals.clone();
        late[0].next_step_date = Some("2026-12-01".into());
        late[1].cadence_days = Some(5);
        let overdue = DealFilter { overdue_only: true, ..Default::default() };
        let today = crate::domain::funnel::parse_day("2026-12-02").unwrap();
        assert_eq!(ids(&columns(&p, &late, &overdue, today)[1]), [late[0].id.as_str(), late[1].id.as_str()]);
        assert_eq!(DealFilter::from_form("", "", "", "", "-5", "", "", "", false), Err("amount_negative"));
        assert_eq!(DealFilter::from_form("", "", "", "", "", "lots", "", "", false), Err("invalid_amount"));
        assert!(DealFilter::from_form(" ", "", "", "", "", "", "", "", false).unwrap().is_empty());
    }

    #[test]
    fn a_dropped_card_lands_between_its_new_neighbours() {
        let deals: Vec<OpportunityView> = (1..=3).map(|n| deal(n, "proposal", 1, &format!("2026-12-0{n}"))).collect();
        let ids: Vec<String> = deals.iter().map(|d| d.id.clone()).collect();
        let key = |id: &str| deals.iter().find(|d| d.id == id).map(|d| d.sort_key());
        let between_1_2 = drop_rank(&ids, 1, key);
        assert!(deals[0].sort_key().as_ref() < between_1_2.as_str() && between_1_2.as_str() < deals[1].sort_key().as_ref());
        assert!(drop_rank(&ids, 0, key).as_str() < deals[0].sort_key().as_ref());
        assert!(drop_rank(&ids, 3, key).as_str() > deals[2].sort_key().as_ref());
        assert_eq!(drop_rank::<String>(&[], 0, key), "i");
        assert_eq!(days_in_stage(&deals[0], 107), 7);
        assert_eq!(stalled_days(&PipelineConfig::starter(), &deals[0], 122), Some(22));
    }
}
