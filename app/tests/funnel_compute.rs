//! Where the funnel's time goes, natively: building the replica's deal table, then the board's
//! columns and the analytics (deal facts, then the aggregates) folded from it, and one move,
//! over 56,000 synthetic deals of one pipeline, the size of the demo data at
//! `--scale 7`. Not a timed test; run it to see the split before optimising:
//!
//!   cargo test --release -p kedao-app --test funnel_compute -- --ignored --nocapture
//!
//! The browser figures (`end2end/bench/funnel.mjs`) run the same functions in wasm.

use kedao_app::domain::board::DealFilter;
use kedao_app::domain::deal_table::DealTable;
use kedao_app::domain::funnel::{breakdown, forecast_by_month, funnel, DAY_MS};
use kedao_app::domain::pipeline::{extend_path, PipelineConfig};
use kedao_app::domain::sync::OpportunityView;
use std::time::Instant;

const STAGES: [&str; 6] = ["initial_contact", "needs_analysis", "proposal", "negotiation", "contract_signed", "lost"];

fn deal(i: u64) -> OpportunityView {
    let stage = (i * 7 % 6) as usize;
    let mut path = String::new();
    for (k, code) in STAGES.iter().take(stage.min(4) + 1).enumerate() {
        path = extend_path(&path, code, 20_000 + k as i32 * 10);
    }
    OpportunityView {
        id: format!("{i:08x}-0000-4000-8000-{i:012x}"),
        customer_id: format!("c{}", i % 14_000),
        owner_id: format!("u{}", i % 24),
        title: format!("项目{i}"),
        pipeline: "project".into(),
        stage: STAGES[stage].into(),
        amount_fen: (i as i64 % 1_000) * 10_000,
        expected_close: format!("2026-{:02}-{:02}", i % 12 + 1, i % 28 + 1),
        source: "referral".into(),
        created_at: 20_000 * DAY_MS,
        stage_entered_at: 20_030 * DAY_MS,
        touched_at: 20_030 * DAY_MS,
        path,
        ..Default::default()
    }
}

#[test]
#[ignore = "a probe, run by hand"]
fn funnel_compute_split() {
    let pipelines = [PipelineConfig::starter(), PipelineConfig::starter_product()];
    let p = &pipelines[0];
    let mut deals: Vec<OpportunityView> = (0..56_000).map(deal).collect();
    let filter = DealFilter::default();
    let t = Instant::now();
    let mut table = DealTable::build(&pipelines, deals.iter());
    println!("table built once per replica load: {:?}", t.elapsed());
    for round in 0..3 {
        let t = Instant::now();
        let cols = table.columns(p, |_| None, &filter, 20_100);
        let board = t.elapsed();
        let t = Instant::now();
        let facts = table.facts(p, |_| None, &filter, 20_100);
        let facts_time = t.elapsed();
        let t = Instant::now();
        let shape = p.funnel();
        let report = funnel(&shape, &facts);
        let t1 = t.elapsed();
        let forecast = forecast_by_month(&shape, &facts, 20_100);
        let t2 = t.elapsed();
        let (by_source, by_rep) = (breakdown(&facts, |d| d.source), breakdown(&facts, |d| Some(d.owner)));
        let aggregate = t.elapsed();
        println!("  funnel {t1:?} forecast {:?} breakdowns {:?}", t2 - t1, aggregate - t2);
        let open: usize = cols.iter().map(|c| c.count).sum();
        assert_eq!(open, report.stages.iter().map(|s| s.open).sum::<usize>());
        // A move: one deal changes stage, its rows are redone and two columns re-sorted.
        let t = Instant::now();
        let d = &mut deals[round * 7];
        d.stage = "negotiation".into();
        d.rank = None;
        table.upsert(&pipelines, d);
        table.settle();
        let moved = t.elapsed();
        println!(
            "board columns {board:?} ({open} open) · deal facts {facts_time:?} · aggregates {aggregate:?} ({} months, {} sources, {} reps) · one move {moved:?}",
            forecast.len(),
            by_source.len(),
            by_rep.len()
        );
    }
}
