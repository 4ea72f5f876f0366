//! 工作台 (the workbench): what needs the user today, gathered from the replica so it is there on
//! the metro with no signal — follow-ups due 待跟进, money due within 30 days 到期回款 and deals
//! stalled in their stage 停滞商机. A rep sees their own; someone who answers for customers
//! (supervisor and above) sees everything in their replica, i.e. their people's.

use super::deal::overdue_on;
use super::pipeline::Place;
use super::replica::Replica;
use std::cmp::Ordering;
use std::sync::Arc;

/// How far ahead the collections list looks (the sales practice's "30 天内到期回款").
pub const COLLECTION_DAYS: i32 = 30;

/// One open deal whose follow-up is due today or overdue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub deal_id: String,
    pub pipeline: String,
    pub title: String,
    pub customer: String,
    pub owner_id: String,
    /// The next step 下一步计划, if one was written.
    pub next_step: Option<String>,
    pub due: i32,
    /// Days past due (0: due today).
    pub late_days: u32,
}

/// One order with money owed whose next instalment is due within [`COLLECTION_DAYS`] (or is
/// already overdue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub order_id: String,
    pub order_no: String,
    pub customer_id: String,
    pub customer: String,
    pub owner_id: String,
    pub outstanding_fen: i64,
    pub due: i32,
    pub overdue: bool,
}

/// One open deal idle past its stage's limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StalledDeal {
    pub deal_id: String,
    pub pipeline: String,
    pub stage: String,
    pub title: String,
    pub customer: String,
    pub owner_id: String,
    /// Days idle (more than the stage allows).
    pub idle_days: u32,
}

/// A list cut to what a screen shows, with the full count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<T> {
    pub total: usize,
    pub items: Vec<T>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agenda {
    /// Most overdue first.
    pub follow_ups: Part<FollowUp>,
    /// Earliest due first; overdue ones therefore lead.
    pub collections: Part<Collection>,
    /// Sum owed on all of `collections` (not only the ones shown).
    pub collections_fen: i64,
    /// Longest idle first.
    pub stalled: Part<StalledDeal>,
}

/// Gathers the agenda for `today` (a business day, `funnel::day_of_ms`). `mine_only` keeps what
/// the replica's user owns (deals they own, orders of customers they own); each list keeps its
/// first `limit` items.
///
/// Deals are read from the replica's deal table (`Replica::with_deals`), which already holds each
/// open deal's follow-up day, idle day and stage as numbers and is kept up to date change by
/// change: a director's 200,000 deals cost a few milliseconds, not a parse of every deal.
pub fn agenda(r: &Replica, today: i32, mine_only: bool, limit: usize) -> Agenda {
    let me = r.owner().id.as_str();
    let pipelines = &r.catalog().pipelines;
    let (follow_ups, stalled) = r.with_deals(|t| {
        let me = t.keys().find(me);
        let mut follow_ups = Vec::new();
        let mut stalled = Vec::new();
        for row in t.open_rows().filter(|row| !mine_only || Some(row.facts.owner) == me) {
            if let Some(due) = row.follow_up_due.filter(|due| *due <= today) {
                follow_ups.push((due, &row.id));
            }
            if let Some((p, Place::Open(stage))) = row.at {
                if let Some(idle) = pipelines.get(p).and_then(|p| p.stalled(stage, row.idle_since, today)) {
                    stalled.push((idle, &row.id));
                }
            }
        }
        // Most overdue first; longest idle first. Only the ids kept leave the table.
        (
            owned(first(follow_ups, limit, |(a, x), (b, y)| a.cmp(b).then_with(|| x.cmp(y)))),
            owned(first(stalled, limit, |(a, x), (b, y)| b.cmp(a).then_with(|| x.cmp(y)))),
        )
    });

    let mut collections = Vec::new();
    let mut collections_fen = 0;
    for (c, o) in r.orders_with_customers().filter(|(c, _)| !mine_only || c.owner_id == me) {
        let owed = o.outstanding_fen();
        match o.next_due {
            Some(due) if owed > 0 && due <= today + COLLECTION_DAYS => {
                collections_fen += owed;
                collections.push((due, c, o));
            }
            _ => {}
        }
    }
    let collections = first(collections, limit, |(a, _, x), (b, _, y)| a.cmp(b).then_with(|| x.order_no.cmp(&y.order_no)));

    let customer_name = |id: &str| r.customer(id).map(|c| c.name.clone()).unwrap_or_default();
    Agenda {
        follow_ups: Part {
            total: follow_ups.total,
            items: follow_ups
                .items
                .into_iter()
                .filter_map(|(due, id)| {
                    let d = r.opportunity(&id)?;
                    Some(FollowUp {
                        deal_id: d.id.clone(),
                        pipeline: d.pipeline.clone(),
                        title: d.title.clone(),
                        customer: customer_name(&d.customer_id),
                        owner_id: d.owner_id.clone(),
                        next_step: d.next_step.clone().filter(|s| !s.trim().is_empty()),
                        due,
                        late_days: overdue_on(Some(due), today).unwrap_or(0),
                    })
                })
                .collect(),
        },
        collections: Part {
            total: collections.total,
            items: collections
                .items
                .into_iter()
                .map(|(due, c, o)| Collection {
                    order_id: o.id.clone(),
                    order_no: o.order_no.clone(),
                    customer_id: c.id.clone(),
                    customer: c.name.clone(),
                    owner_id: c.owner_id.clone(),
                    outstanding_fen: o.outstanding_fen(),
                    due,
                    overdue: o.overdue(today),
                })
                .collect(),
        },
        collections_fen,
        stalled: Part {
            total: stalled.total,
            items: stalled
                .items
                .into_iter()
                .filter_map(|(idle, id)| {
                    let d = r.opportunity(&id)?;
                    Some(StalledDeal {
                        deal_id: d.id.clone(),
                        pipeline: d.pipeline.clone(),
                        stage: d.stage.clone(),
                        title: d.title.clone(),
                        customer: customer_name(&d.customer_id),
                        owner_id: d.owner_id.clone(),
                        idle_days: idle,
                    })
                })
                .collect(),
        },
    }
}

fn owned<N>(part: Part<(N, &Arc<str>)>) -> Part<(N, Arc<str>)> {
    Part { total: part.total, items: part.items.into_iter().map(|(n, id)| (n, id.clone())).collect() }
}

/// The first `limit` of `all` in `order`, and how many there were: a selection, then a sort of
/// only those (a manager's tens of thousands of lines are never sorted whole).
fn first<T>(mut all: Vec<T>, limit: usize, order: impl Fn(&T, &T) -> Ordering) -> Part<T> {
    let total = all.len();
    if total > limit {
        all.select_nth_unstable_by(limit, &order);
        all.truncate(limit);
    }
    all.sort_by(order);
    Part { total, items: all }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::customer::CustomerView;
    use crate::domain::funnel::{parse_day, DAY_MS};
    use crate::domain::order::OrderView;
    use crate::domain::replica::{CustomerRecord, Owner};
    use crate::domain::sync::OpportunityView;

    fn customer(id: &str, owner: &str) -> CustomerView {
        CustomerView { id: id.into(), name: format!("客户 {id}"), owner_id: owner.into(), version: 1, ..Default::default() }
    }

    /// An open deal in 需求分析 (idle limit 21 days in the starter pipeline), last touched on `touched`.
    fn deal(id: &str, customer: &str, owner: &str, touched: &str) -> OpportunityView {
        let at = i64::from(parse_day(touched).unwrap()) * DAY_MS;
        OpportunityView {
            id: id.into(),
            customer_id: customer.into(),
            owner_id: owner.into(),
            title: format!("商机 {id}"),
            pipeline: "project".into(),
            stage: "needs_analysis".into(),
            amount_fen: 100_000,
            stage_entered_at: at,
            touched_at: at,
            version: 1,
            ..Default::default()
        }
    }

    fn order(id: &str, customer: &str, total: i64, paid: i64, due: Option<&str>) -> OrderView {
        OrderView {
            id: id.into(),
            customer_id: customer.into(),
            order_no: format!("SO-{id}"),
            total_fen: total,
            paid_fen: paid,
            next_due: due.and_then(parse_day),
            ..Default::default()
        }
    }

    #[test]
    fn the_agenda_of_a_rep_and_of_their_manager_worked_by_hand() {
        let today = parse_day("2026-11-24").unwrap();
        let mut planned = deal("d1", "c1", "rep1", "2026-11-20");
        planned.next_step = Some("送样品".into());
        planned.next_step_date = Some("2026-11-21".into()); // 3 days late
        let mut cadence = deal("d2", "c1", "rep1", "2026-11-10");
        cadence.cadence_days = Some(14); // due 11-24: today, not late
        let mut tomorrow = deal("d3", "c1", "rep1", "2026-11-20");
        tomorrow.next_step_date = Some("2026-11-25".into()); // not yet
        let idle = deal("d4", "c2", "rep1", "2026-10-01"); // 54 days idle > 21
        let mut won = deal("d5", "c2", "rep1", "2026-09-01");
        won.stage = crate::domain::pipeline::WON.into();
        won.next_step_date = Some("2026-10-01".into()); // closed: nothing due, never stalled
        let mut colleague = deal("d6", "c3", "rep2", "2026-09-01"); // stalled and due, but rep2's
        colleague.next_step_date = Some("2026-11-01".into());
        let records = [
            CustomerRecord {
                customer: customer("c1", "rep1"),
                opportunities: vec![planned, cadence, tomorrow],
                contacts: vec![],
                orders: vec![
                    order("o1", "c1", 500_000, 200_000, Some("2026-11-20")), // overdue: 300,000 owed
                    order("o2", "c1", 100_000, 0, Some("2026-12-24")),       // today + 30: in
                    order("o3", "c1", 100_000, 0, Some("2026-12-25")),       // today + 31: out
                    order("o4", "c1", 100_000, 100_000, None),               // paid in full
                ],
            },
            CustomerRecord { customer: customer("c2", "rep1"), opportunities: vec![idle, won], contacts: vec![], orders: vec![] },
            CustomerRecord {
                customer: customer("c3", "rep2"),
                opportunities: vec![colleague],
                contacts: vec![],
                orders: vec![order("o5", "c3", 70_000, 0, Some("2026-11-30"))],
            },
        ];
        let mut r = Replica::load(Owner { id: "rep1".into(), name: "王磊".into() }, records, vec![]);
        r.set_catalog(crate::domain::catalog::Catalog::starter());

        let a = agenda(&r, today, true, 10);
        let follow: Vec<_> = a.follow_ups.items.iter().map(|f| (f.deal_id.as_str(), f.late_days, f.next_step.as_deref())).collect();
        assert_eq!(follow, [("d1", 3, Some("送样品")), ("d2", 0, None)]);
        let owed: Vec<_> = a.collections.items.iter().map(|c| (c.order_no.as_str(), c.outstanding_fen, c.overdue)).collect();
        assert_eq!(owed, [("SO-o1", 300_000, true), ("SO-o2", 100_000, false)]);
        assert_eq!(a.collections_fen, 400_000);
        let stalled: Vec<_> = a.stalled.items.iter().map(|s| (s.deal_id.as_str(), s.idle_days, s.customer.as_str())).collect();
        assert_eq!(stalled, [("d4", 54, "客户 c2")]);

        // Their manager's view of the same replica: rep2's deal and order join, most urgent first.
        let all = agenda(&r, today, false, 10);
        assert_eq!(all.follow_ups.items.iter().map(|f| f.deal_id.as_str()).collect::<Vec<_>>(), ["d6", "d1", "d2"]);
        assert_eq!(all.collections.items.iter().map(|c| c.order_no.as_str()).collect::<Vec<_>>(), ["SO-o1", "SO-o5", "SO-o2"]);
        assert_eq!(all.stalled.items.iter().map(|s| (s.deal_id.as_str(), s.idle_days)).collect::<Vec<_>>(), [("d6", 84), ("d4", 54)]);

        // A limit cuts the lists, not the counts or the sum.
        let short = agenda(&r, today, false, 1);
        assert_eq!((short.follow_ups.total, short.follow_ups.items.len()), (3, 1));
        assert_eq!((short.collections.total, short.collections.items.len(), short.collections_fen), (3, 1, 470_000));
    }
}
