//! What the workbench's agenda costs, natively: the director's replica at the size of the demo
//! data at `--scale 25` (50,000 customers, 200,000 deals, 100,000 orders). Not a timed test; run
//! it to see the cost of one recompute (the workbench redoes it when the replica changes):
//!
//!   cargo test --release -p kedao-app --test agenda_compute -- --ignored --nocapture
//!
//! In the browser, the workbench shows the same figure as `data-compute-ms` on its agenda.

use kedao_app::domain::agenda::agenda;
use kedao_app::domain::catalog::Catalog;
use kedao_app::domain::customer::CustomerView;
use kedao_app::domain::funnel::{format_day, DAY_MS};
use kedao_app::domain::order::OrderView;
use kedao_app::domain::replica::{CustomerRecord, Owner, Replica};
use kedao_app::domain::sync::OpportunityView;
use std::time::Instant;

const STAGES: [&str; 6] = ["initial_contact", "needs_analysis", "proposal", "negotiation", "contract_signed", "lost"];
const TODAY: i32 = 20_400;

fn record(n: u64) -> CustomerRecord {
    let id = format!("{n:08x}-0000-4000-8000-{n:012x}");
    let deal = |k: u64| {
        let i = n * 4 + k;
        OpportunityView {
            id: format!("{i:08x}-0000-4000-9000-{i:012x}"),
            customer_id: id.clone(),
            owner_id: format!("u{}", n % 24),
            title: format!("项目{i}"),
            pipeline: "project".into(),
            stage: STAGES[(i * 7 % 6) as usize].into(),
            amount_fen: (i as i64 % 1_000) * 10_000,
            expected_close: "2026-12-31".into(),
            stage_entered_at: i64::from(TODAY - (i % 60) as i32) * DAY_MS,
            touched_at: i64::from(TODAY - (i % 40) as i32) * DAY_MS,
            next_step_date: i.is_multiple_of(3).then(|| format_day(TODAY - 10 + (i % 20) as i32)),
            cadence_days: i.is_multiple_of(5).then_some(14),
            version: 1,
            ..Default::default()
        }
    };
    let order = |k: u64| OrderView {
        id: format!("{n:08x}-0000-4000-a000-{k:012x}"),
        customer_id: id.clone(),
        order_no: format!("SO{n}{k}"),
        day: TODAY - 100,
        total_fen: 1_000_000,
        paid_fen: if k == 0 { 400_000 } else { 1_000_000 },
        next_due: (k == 0).then_some(TODAY - 20 + (n % 60) as i32),
        ..Default::default()
    };
    CustomerRecord {
        customer: CustomerView { id: id.clone(), name: format!("客户{n}"), owner_id: format!("u{}", n % 24), version: 1, ..Default::default() },
        opportunities: (0..4).map(deal).collect(),
        contacts: vec![],
        orders: (0..2).map(order).collect(),
    }
}

#[test]
#[ignore = "a probe, run by hand"]
fn agenda_compute_cost() {
    let mut r = Replica::load(Owner { id: "director".into(), name: "赵建国".into() }, (0..50_000).map(record), vec![]);
    r.set_catalog(Catalog::starter());
    let t = Instant::now();
    r.with_deals(|t| t.len());
    println!("deal table built (once per replica load, shared with the funnel board): {:?}", t.elapsed());
    for round in 0..5 {
        let t = Instant::now();
        let a = agenda(&r, TODAY, false, 200);
        println!("round {round}: {:?} (follow-ups {}, collections {}, stalled {})", t.elapsed(), a.follow_ups.total, a.collections.total, a.stalled.total);
    }
}
