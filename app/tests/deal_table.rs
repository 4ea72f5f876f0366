//! The funnel's deal table kept up to date piece by piece must always equal one built afresh:
//! after random pulls, moves, edits and removals (the table alone), and through the replica
//! (pending moves, pulls confirming them, a deal leaving the view, the admin changing stages).

use kedao_app::domain::board::{Column, DealFilter};
use kedao_app::domain::catalog::Catalog;
use kedao_app::domain::customer::CustomerView;
use kedao_app::domain::deal_table::DealTable;
use kedao_app::domain::funnel::DAY_MS;
use kedao_app::domain::pipeline::{extend_path, PipelineConfig};
use kedao_app::domain::replica::{Owner, Replica};
use kedao_app::domain::sync::{Mutation, Op, OpportunityView, PullPage};

const STAGES: [&str; 7] = ["initial_contact", "needs_analysis", "proposal", "negotiation", "contract_signed", "won", "lost"];

fn id(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

fn deal(rng: &mut Rng, n: u64) -> OpportunityView {
    let stage = STAGES[rng.next(STAGES.len() as u64) as usize];
    let mut path = String::new();
    for (k, code) in STAGES.iter().take(rng.next(4) as usize + 1).enumerate() {
        path = extend_path(&path, code, 20_000 + k as i32 * 3);
    }
    OpportunityView {
        id: id(n),
        customer_id: id(1_000 + rng.next(5)),
        owner_id: format!("rep{}", rng.next(3)),
        title: format!("deal {n}"),
        pipeline: if rng.next(5) == 0 { "product".into() } else { "project".into() },
        stage: stage.into(),
        amount_fen: rng.next(1_000) as i64 * 100,
        expected_close: format!("2026-12-{:02}", rng.next(28) + 1),
        source: ["", "referral", "website"][rng.next(3) as usize].into(),
        created_at: 20_000 * DAY_MS,
        stage_entered_at: (20_000 + rng.next(30) as i64) * DAY_MS,
        touched_at: (20_000 + rng.next(60) as i64) * DAY_MS,
        // Half placed by hand, some sharing a rank (ties go by id).
        rank: (rng.next(2) == 0).then(|| format!("m{}", rng.next(6))),
        path,
        version: 1,
        ..Default::default()
    }
}

/// Everything the board and the analytics read, for comparing two tables.
fn picture(t: &DealTable, pipelines: &[PipelineConfig], filter: &DealFilter) -> Vec<(Vec<Column>, Vec<String>)> {
    pipelines
        .iter()
        .map(|p| {
            let cols = t.columns(p, |_| None, filter, 20_050);
            let mut facts: Vec<String> =
                t.rows_of(&p.code).map(|r| format!("{} {:?} {:?} {}", r.id, r.at, r.facts.path, t.keys().name(r.facts.owner))).collect();
            facts.sort();
            (cols, facts)
        })
        .collect()
}

#[test]
fn a_table_kept_up_to_date_equals_one_built_afresh() {
    let pipelines = [PipelineConfig::starter(), PipelineConfig::starter_product()];
    let filters = [
        DealFilter::default(),
        DealFilter { owner: Some("rep1".into()), ..Default::default() },
        DealFilter { source: Some("referral".into()), min_fen: Some(30_000), ..Default::default() },
        DealFilter { stalled_only: true, close_from: Some("2026-12-05".into()), ..Default::default() },
        DealFilter { team: Some(vec!["rep0".into(), "rep2".into()]), ..Default::default() },
    ];
    for seed in 1..40u64 {
        let mut rng = Rng(seed * 7_919);
        let mut deals: Vec<OpportunityView> = (0..60).map(|n| deal(&mut rng, n)).collect();
        let mut table = DealTable::build(&pipelines, deals.iter());
        for _ in 0..80 {
            match rng.next(4) {
                // A move (or an edit): the deal changes stage, rank, owner, amount.
                0 | 1 if !deals.is_empty() => {
                    let i = rng.next(deals.len() as u64) as usize;
                    let n = rng.next(1_000);
                    let changed = deal(&mut rng, n);
                    let d = &mut deals[i];
                    (d.stage, d.rank, d.owner_id, d.amount_fen) = (changed.stage, changed.rank, changed.owner_id, changed.amount_fen);
                    table.upsert(&pipelines, d);
                }
                // A deal leaves the view.
                2 if !deals.is_empty() => {
                    let gone = deals.swap_remove(rng.next(deals.len() as u64) as usize);
                    table.remove(&gone.id);
                }
                // A new deal arrives.
                _ => {
                    let n = 100 + rng.next(900);
                    let d = deal(&mut rng, n);
                    table.upsert(&pipelines, &d);
                    match deals.iter_mut().find(|x| x.id == d.id) {
                        Some(x) => *x = d,
                        None => deals.push(d),
                    }
                }
            }
        }
        table.settle();
        let fresh = DealTable::build(&pipelines, deals.iter());
        assert_eq!(table.len(), deals.len(), "seed {seed}");
        for f in &filters {
            assert_eq!(picture(&table, &pipelines, f), picture(&fresh, &pipelines, f), "seed {seed}, filter {f:?}");
        }
    }
}

fn board(r: &Replica) -> Vec<Vec<String>> {
    let p = r.catalog().pipelines[0].clone();
    r.with_deals(|t| t.columns(&p, |_| None, &DealFilter::default(), 20_050)).into_iter().map(|c| c.ids.iter().map(|id| id.to_string()).collect()).collect()
}

#[test]
fn the_replica_keeps_its_table_in_step_with_pulls_and_pending_moves() {
    let customer = CustomerView { id: id(1_000), name: "杭州网络科技".into(), owner_id: "u1".into(), ..Default::default() };
    let mut rng = Rng(42);
    let deals: Vec<OpportunityView> = (0..8)
        .map(|n| OpportunityView { customer_id: id(1_000), pipeline: "project".into(), stage: "initial_contact".into(), rank: None, ..deal(&mut rng, n) })
        .collect();
    let mut r = Replica::new(Owner { id: "u1".into(), name: "王芳".into() });
    // A page with the customer carries all its deals; one without changes only what it names.
    let page = |deals: Vec<OpportunityView>, removed: Vec<kedao_app::domain::sync::Removed>, catalog: Option<Catalog>| PullPage {
        cursor: "c.1.1".into(),
        reset: false,
        more: false,
        customers: if deals.is_empty() { Vec::new() } else { vec![customer.clone()] },
        opportunities: deals,
        contacts: Vec::new(),
        orders: Vec::new(),
        segments: Vec::new(),
        promotions: Vec::new(),
        removed,
        catalog,
    };
    r.apply_page(&page(deals.clone(), Vec::new(), Some(Catalog::starter())));
    let first = board(&r);
    assert_eq!(first[0].len(), 8);

    // A move made on the device shows at once, at the top of its new column.
    let moved = deals[3].id.clone();
    let op = Op::MoveOpportunity {
        id: moved.clone(),
        from: "initial_contact".into(),
        to: "proposal".into(),
        rank: Some("0".into()),
        lost_reason: None,
        lost_to: None,
    };
    r.push_pending(Mutation { seq: 1, at_ms: 0, op });
    let after_move = board(&r);
    assert_eq!(after_move[0].len(), 7);
    assert_eq!(after_move[2], std::slice::from_ref(&moved));

    // The pull confirming it leaves the board as it was; the queue empties.
    let mut confirmed = deals.clone();
    confirmed[3].stage = "proposal".into();
    confirmed[3].rank = Some("0".into());
    r.apply_page(&page(confirmed.clone(), Vec::new(), None));
    r.drop_pending(&[1].into_iter().collect());
    assert_eq!(board(&r), after_move);

    // A deal the server removes goes from the board.
    let gone = kedao_app::domain::sync::Removed { entity: "opportunity".into(), id: deals[0].id.clone() };
    r.apply_page(&page(Vec::new(), vec![gone], None));
    assert!(!board(&r)[0].contains(&deals[0].id));
    assert_eq!(board(&r)[0].len(), 6);

    // The admin inserts a stage: columns follow the new stages.
    let mut catalog = Catalog::starter();
    catalog.version = 9;
    let mut stage = catalog.pipelines[0].stages[1].clone();
    stage.code = "site_visit".into();
    catalog.pipelines[0].stages.insert(1, stage);
    r.apply_page(&page(Vec::new(), Vec::new(), Some(catalog)));
    let b = board(&r);
    assert_eq!(b.len(), 5, "four open stages and the new one");
    assert_eq!((b[0].len(), b[1].len(), b[3].clone(), b[2].len()), (6, 0, vec![moved], 0));
}
