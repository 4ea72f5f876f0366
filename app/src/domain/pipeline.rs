//! Pipelines 销售流程 as an admin configures them (issue 6): the open stages in order, each with
//! its win probability, entry and exit criteria 进入/退出标准 as a checklist, whether those must be
//! met before a deal moves on, and after how many idle days a deal in it is stalled 停滞; then the
//! two outcomes, won (合同签订) and lost. The rules of moving a deal live here, once, for the board
//! on the device and for the server that re-checks every move.

use super::field::{check_code, check_option_name};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The stage code of a won deal 合同签订 (every pipeline ends in it).
pub const WON: &str = "contract_signed";
/// The stage code of a lost deal 输单.
pub const LOST: &str = "lost";
/// The pipeline of a deal created before pipelines existed, and the first starter one.
pub const DEFAULT_PIPELINE: &str = "project";

/// One item of a stage's checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// Stable within its stage (a deal records which ones are ticked).
    pub code: String,
    pub text_zh: String,
    pub text_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageConfig {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Win probability in basis points (10000 = certain), for the weighted pipeline.
    pub probability_bp: i64,
    /// What a deal should meet to enter this stage.
    #[serde(default)]
    pub entry_criteria: Vec<Criterion>,
    /// What a deal should meet before it leaves this stage forward.
    #[serde(default)]
    pub exit_criteria: Vec<Criterion>,
    /// The criteria must be met before a deal moves on; otherwise moving asks for confirmation.
    #[serde(default)]
    pub enforce: bool,
    /// A deal with no move and no activity for this many days is stalled.
    pub stall_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineConfig {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The open stages, in funnel order (won and lost follow them).
    pub stages: Vec<StageConfig>,
}

/// Where a deal is, or is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "stage", rename_all = "snake_case")]
pub enum Place {
    /// An open stage, by its index in [`PipelineConfig::stages`].
    Open(usize),
    Won,
    Lost,
}

/// What moving a deal needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveCheck {
    Allowed,
    /// Allowed once the user confirms: these criteria (codes, by stage) are not ticked.
    Confirm {
        unmet: Vec<(usize, String)>,
    },
    /// Not allowed: a code the UI translates, and the unmet criteria if that is why.
    Refused {
        reason: &'static str,
        unmet: Vec<(usize, String)>,
    },
}

pub const MAX_STAGES: usize = 12;
pub const MAX_CRITERIA: usize = 10;
pub const MAX_CRITERION_CHARS: usize = 100;
pub const MAX_STALL_DAYS: u32 = 365;

impl PipelineConfig {
    /// The pipeline a company starts with (project sales 项目型销售), as PRODUCT.md names it.
    pub fn starter() -> PipelineConfig {
        let criterion = |code: &str, zh: &str, en: &str| Criterion { code: code.into(), text_zh: zh.into(), text_en: en.into() };
        let stage = |code: &str, zh: &str, en: &str, p: i64, exit: Vec<Criterion>, stall| StageConfig {
            code: code.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            probability_bp: p,
            entry_criteria: Vec::new(),
            exit_criteria: exit,
            enforce: false,
            stall_days: stall,
        };
        PipelineConfig {
            code: "project".into(),
            name_zh: "项目型销售".into(),
            name_en: "Project sales".into(),
            stages: vec![
                stage(
                    "initial_contact",
                    "初步接触",
                    "Initial contact",
                    1_000,
                    vec![criterion("contact_known", "已确认联系人及其角色", "Contact and their role confirmed")],
                    14,
                ),
                stage(
                    "needs_analysis",
                    "需求分析",
                    "Needs analysis",
                    2_500,
                    vec![criterion("needs_written", "需求已书面确认", "Needs confirmed in writing"), criterion("budget_known", "预算已了解", "Budget known")],
                    21,
                ),
                stage("proposal", "方案制定", "Proposal", 5_000, vec![criterion("proposal_sent", "方案已提交客户", "Proposal sent to the customer")], 21),
                stage(
                    "negotiation",
                    "商务谈判",
                    "Negotiation",
                    7_500,
                    vec![
                        criterion("decision_maker_met", "已与决策者会面", "Met the decision maker"),
                        criterion("terms_agreed", "主要条款已谈妥", "Main terms agreed"),
                    ],
                    30,
                ),
            ],
        }
    }

    /// The second starter pipeline (product sales 产品型销售): shorter, with a quoting stage.
    pub fn starter_product() -> PipelineConfig {
        let mut p = PipelineConfig::starter();
        p.code = "product".into();
        p.name_zh = "产品型销售".into();
        p.name_en = "Product sales".into();
        let quoting = StageConfig {
            code: "quoting".into(),
            name_zh: "报价阶段".into(),
            name_en: "Quoting".into(),
            probability_bp: 4_000,
            entry_criteria: Vec::new(),
            exit_criteria: vec![Criterion {
                code: "quote_accepted".into(),
                text_zh: "客户已确认报价".into(),
                text_en: "Quote accepted by the customer".into(),
            }],
            enforce: false,
            stall_days: 14,
        };
        p.stages = vec![p.stages[0].clone(), quoting, p.stages[3].clone()];
        p.stages[0].stall_days = 7;
        p
    }

    pub fn name(&self, english: bool) -> &str {
        if english {
            &self.name_en
        } else {
            &self.name_zh
        }
    }

    /// Where a stored stage code puts a deal (`None`: a code this pipeline does not have).
    pub fn place(&self, code: &str) -> Option<Place> {
        match code {
            WON => Some(Place::Won),
            LOST => Some(Place::Lost),
            _ => self.stages.iter().position(|s| s.code == code).map(Place::Open),
        }
    }

    /// The stage code stored for a place.
    pub fn code(&self, place: Place) -> &str {
        match place {
            Place::Open(i) => self.stages.get(i).map_or("", |s| s.code.as_str()),
            Place::Won => WON,
            Place::Lost => LOST,
        }
    }

    /// A deal's win probability at `place`.
    pub fn probability_bp(&self, place: Place) -> i64 {
        match place {
            Place::Open(i) => self.stages.get(i).map_or(0, |s| s.probability_bp),
            Place::Won => 10_000,
            Place::Lost => 0,
        }
    }

    /// The criteria a deal has ticked (stored as `stage.criterion` codes, comma-separated), as
    /// [`check_move`](Self::check_move) takes them; codes of stages no longer there are skipped.
    pub fn ticked(&self, criteria: &str) -> BTreeSet<(usize, String)> {
        criteria
            .split(',')
            .filter_map(|item| {
                let (stage, code) = item.split_once('.')?;
                Some((self.stages.iter().position(|s| s.code == stage)?, code.to_string()))
            })
            .collect()
    }

    /// The admin's configuration is usable: 1–12 stages with unique codes and names, probabilities
    /// within 0–100 %, a stall limit of 1–365 days, at most 10 criteria of 1–100 characters each,
    /// unique within their stage.
    pub fn validate(&self) -> Result<(), &'static str> {
        check_code(&self.code)?;
        check_option_name(&self.name_zh).and(check_option_name(&self.name_en)).map_err(|_| "invalid_name")?;
        if self.stages.is_empty() || self.stages.len() > MAX_STAGES {
            return Err("stage_count");
        }
        let mut codes = BTreeSet::new();
        for s in &self.stages {
            check_code(&s.code)?;
            if !codes.insert(s.code.as_str()) {
                return Err("taken");
            }
            check_option_name(&s.name_zh).and(check_option_name(&s.name_en)).map_err(|_| "invalid_name")?;
            if !(0..=10_000).contains(&s.probability_bp) {
                return Err("invalid_probability");
            }
            if !(1..=MAX_STALL_DAYS).contains(&s.stall_days) {
                return Err("invalid_stall_days");
            }
            for list in [&s.entry_criteria, &s.exit_criteria] {
                if list.len() > MAX_CRITERIA {
                    return Err("too_many_criteria");
                }
                let mut seen = BTreeSet::new();
                for c in list {
                    check_code(&c.code)?;
                    let ok = |t: &str| (1..=MAX_CRITERION_CHARS).contains(&t.trim().chars().count());
                    if !ok(&c.text_zh) || !ok(&c.text_en) {
                        return Err("invalid_criterion");
                    }
                    if !seen.insert(c.code.as_str()) {
                        return Err("taken");
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether a deal may move `from` → `to`, given the criteria it has ticked (`(stage, code)`).
    /// Forward moves must meet the exit criteria of every stage they leave or pass and the entry
    /// criteria of the stage they reach; backward moves and losing need nothing; a won deal stays
    /// won; a lost one may be reopened.
    pub fn check_move(&self, from: Place, to: Place, ticked: &BTreeSet<(usize, String)>) -> MoveCheck {
        let n = self.stages.len();
        let refused = |reason| MoveCheck::Refused { reason, unmet: Vec::new() };
        let known = |p: Place| !matches!(p, Place::Open(i) if i >= n);
        if !known(from) || !known(to) {
            return refused("unknown_stage");
        }
        if from == to {
            return refused("same_stage");
        }
        let (start, end) = match (from, to) {
            (Place::Won, _) => return refused("won_is_final"),
            (_, Place::Lost) | (Place::Lost, Place::Open(_)) => return MoveCheck::Allowed,
            (Place::Lost, Place::Won) => return refused("reopen_first"),
            (Place::Open(a), Place::Open(b)) if b < a => return MoveCheck::Allowed,
            (Place::Open(a), Place::Open(b)) => (a, b),
            (Place::Open(a), Place::Won) => (a, n),
        };
        let mut unmet = Vec::new();
        let mut enforced = false;
        let mut need = |stage: usize, list: &[Criterion], enforce: bool| {
            for c in list {
                if !ticked.contains(&(stage, c.code.clone())) {
                    unmet.push((stage, c.code.clone()));
                    enforced |= enforce;
                }
            }
        };
        for s in start..end {
            let stage = &self.stages[s];
            need(s, &stage.exit_criteria, stage.enforce);
        }
        if let Some(stage) = self.stages.get(end) {
            need(end, &stage.entry_criteria, stage.enforce);
        }
        match (unmet.is_empty(), enforced) {
            (true, _) => MoveCheck::Allowed,
            (false, true) => MoveCheck::Refused { reason: "criteria_unmet", unmet },
            (false, false) => MoveCheck::Confirm { unmet },
        }
    }

    /// How long an open deal has been idle (no move, no activity) if that is past its stage's
    /// limit: it is stalled. `last_touch` and `today` are day numbers.
    pub fn stalled(&self, stage: usize, last_touch: i32, today: i32) -> Option<u32> {
        let limit = self.stages.get(stage)?.stall_days;
        let idle = u32::try_from(today - last_touch).ok()?;
        (idle > limit).then_some(idle)
    }

    /// The probabilities for [`super::funnel`].
    pub fn funnel(&self) -> super::funnel::Pipeline {
        super::funnel::Pipeline {
            stages: self.stages.iter().map(|s| super::funnel::StageDef { code: s.code.clone(), probability_bp: s.probability_bp }).collect(),
        }
    }
}

/// `criteria` with `stage.code` ticked or not (kept in a stable order, each once).
pub fn tick(criteria: &str, stage: &str, code: &str, ticked: bool) -> String {
    let item = format!("{stage}.{code}");
    let mut items: BTreeSet<&str> = criteria.split(',').filter(|i| !i.is_empty() && *i != item).collect();
    if ticked {
        items.insert(&item);
    }
    items.into_iter().collect::<Vec<_>>().join(",")
}

/// A deal's stage history as stored (`code@day;code@day`, oldest first, days as in
/// [`funnel::day_of_ms`]); malformed entries are skipped.
pub fn parse_path(path: &str) -> impl Iterator<Item = (&str, i32)> {
    path.split(';').filter_map(|entry| {
        let (code, day) = entry.split_once('@')?;
        Some((code, day.parse().ok()?))
    })
}

/// `path` with one more entry.
pub fn extend_path(path: &str, code: &str, day: i32) -> String {
    if path.is_empty() {
        format!("{code}@{day}")
    } else {
        format!("{path};{code}@{day}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::deal::{check_deal_move, OpportunityView};
    use crate::domain::funnel;

    fn ticked(items: &[(usize, &str)]) -> BTreeSet<(usize, String)> {
        items.iter().map(|(s, c)| (*s, c.to_string())).collect()
    }

    #[test]
    fn the_starter_pipeline_is_valid_and_bad_configurations_are_named() {
        let p = PipelineConfig::starter();
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(p.stages.iter().map(|s| s.name_zh.as_str()).collect::<Vec<_>>(), ["初步接触", "需求分析", "方案制定", "商务谈判"]);
        let broken = |f: fn(&mut PipelineConfig)| {
            let mut q = PipelineConfig::starter();
            f(&mut q);
            q.validate()
        };
        assert_eq!(broken(|q| q.stages.clear()), Err("stage_count"));
        assert_eq!(broken(|q| q.stages[1].code = "initial_contact".into()), Err("taken"));
        assert_eq!(broken(|q| q.stages[0].probability_bp = 10_001), Err("invalid_probability"));
        assert_eq!(broken(|q| q.stages[0].stall_days = 0), Err("invalid_stall_days"));
        assert_eq!(broken(|q| q.stages[0].exit_criteria[0].text_en = " ".into()), Err("invalid_criterion"));
        assert_eq!(broken(|q| q.stages[2].name_en = String::new()), Err("invalid_name"));
        assert_eq!(broken(|q| q.code = "Project!".into()), Err("invalid_code"));
    }

    #[test]
    fn forward_moves_need_the_criteria_of_every_stage_left_behind() {
        let mut p = PipelineConfig::starter();
        // Moving on from initial contact without its criterion asks first.
        assert_eq!(p.check_move(Place::Open(0), Place::Open(1), &ticked(&[])), MoveCheck::Confirm { unmet: vec![(0, "contact_known".into())] });
        assert_eq!(p.check_move(Place::Open(0), Place::Open(1), &ticked(&[(0, "contact_known")])), MoveCheck::Allowed);
        // Skipping a stage needs its exit criteria too.
        let skip = p.check_move(Place::Open(0), Place::Open(2), &ticked(&[(0, "contact_known"), (1, "budget_known")]));
        assert_eq!(skip, MoveCheck::Confirm { unmet: vec![(1, "needs_written".into())] });
        // Enforced: refused, with what is missing.
        p.stages[3].enforce = true;
        match p.check_move(Place::Open(3), Place::Won, &ticked(&[(3, "terms_agreed")])) {
            MoveCheck::Refused { reason, unmet } => assert_eq!((reason, unmet), ("criteria_unmet", vec![(3, "decision_maker_met".into())])),
            other => panic!("{other:?}"),
        }
        // Entry criteria of the stage reached count as well.
        p.stages[2].entry_criteria.push(Criterion { code: "solution_fit".into(), text_zh: "方案可行".into(), text_en: "Solution fits".into() });
        assert_eq!(
            p.check_move(Place::Open(1), Place::Open(2), &ticked(&[(1, "needs_written"), (1, "budget_known")])),
            MoveCheck::Confirm { unmet: vec![(2, "solution_fit".into())] }
        );
    }

    #[test]
    fn backward_losing_reopening_and_bad_moves() {
        let p = PipelineConfig::starter();
        let none = ticked(&[]);
        assert_eq!(p.check_move(Place::Open(3), Place::Open(1), &none), MoveCheck::Allowed);
        assert_eq!(p.check_move(Place::Open(2), Place::Lost, &none), MoveCheck::Allowed);
        assert_eq!(p.check_move(Place::Lost, Place::Open(0), &none), MoveCheck::Allowed);
        let reason = |m: MoveCheck| match m {
            MoveCheck::Refused { reason, .. } => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(reason(p.check_move(Place::Won, Place::Open(3), &none)), "won_is_final");
        assert_eq!(reason(p.check_move(Place::Lost, Place::Won, &none)), "reopen_first");
        assert_eq!(reason(p.check_move(Place::Open(1), Place::Open(1), &none)), "same_stage");
        assert_eq!(reason(p.check_move(Place::Open(1), Place::Open(9), &none)), "unknown_stage");
    }

    #[test]
    fn a_deal_is_stalled_past_its_stages_idle_limit() {
        let p = PipelineConfig::starter();
        assert_eq!(p.stalled(0, 100, 114), None, "14 days is the limit, not past it");
        assert_eq!(p.stalled(0, 100, 115), Some(15));
        assert_eq!(p.stalled(3, 100, 120), None);
        assert_eq!(p.stalled(9, 0, 1000), None, "no such stage");
        assert_eq!(p.stalled(0, 200, 100), None, "touched in the future (a device's clock)");
        assert_eq!(p.funnel().stages.iter().map(|s| s.probability_bp).collect::<Vec<_>>(), [1_000, 2_500, 5_000, 7_500]);
    }

    #[test]
    fn stored_codes_ticks_and_paths_read_back() {
        let p = PipelineConfig::starter();
        assert_eq!(PipelineConfig::starter_product().validate(), Ok(()));
        assert_eq!(p.place("proposal"), Some(Place::Open(2)));
        assert_eq!(p.place(WON), Some(Place::Won));
        assert_eq!(p.place("quoting"), None);
        assert_eq!(p.code(Place::Open(3)), "negotiation");
        assert_eq!(p.code(p.place(LOST).unwrap()), LOST);
        assert_eq!(p.ticked("initial_contact.contact_known,gone.x,needs_analysis.budget_known,junk"), ticked(&[(0, "contact_known"), (1, "budget_known")]));
        let path = extend_path(&extend_path("", "initial_contact", 20_400), "proposal", 20_410);
        assert_eq!(path, "initial_contact@20400;proposal@20410");
        assert_eq!(parse_path(&(path.clone() + ";bad;x@y")).collect::<Vec<_>>(), [("initial_contact", 20_400), ("proposal", 20_410)]);
        let deal = OpportunityView {
            id: "d".into(),
            customer_id: "c".into(),
            owner_id: "rep1".into(),
            title: "t".into(),
            pipeline: DEFAULT_PIPELINE.into(),
            stage: WON.into(),
            amount_fen: 100,
            expected_close: "2025-11-10".into(),
            source: "referral".into(),
            created_at: 20_390 * funnel::DAY_MS,
            stage_entered_at: 20_420 * funnel::DAY_MS,
            touched_at: 20_420 * funnel::DAY_MS,
            path: path + ";contract_signed@20420",
            criteria: String::new(),
            rank: None,
            lost_reason: None,
            version: 1,
            ..Default::default()
        };
        // What the analytics read of it.
        let table = super::super::deal_table::DealTable::build(std::slice::from_ref(&p), std::iter::once(&deal));
        let facts = &table.row(&deal.id).unwrap().facts;
        assert_eq!(facts.path.as_slice(), [(0, 20_400), (2, 20_410)]);
        assert_eq!(facts.outcome, super::super::funnel::Outcome::Won(20_420));
        assert_eq!((facts.created, facts.source), (20_390, table.keys().find("referral")));
        let product = super::super::deal_table::DealTable::build(&[PipelineConfig::starter_product()], std::iter::once(&deal));
        assert_eq!(product.row(&deal.id).unwrap().at, None, "another pipeline's deal");
        assert_eq!(tick(&tick("", "proposal", "sent", true), "initial_contact", "known", true), "initial_contact.known,proposal.sent");
        assert_eq!(tick("initial_contact.known,proposal.sent", "proposal", "sent", false), "initial_contact.known");
        let catalog = super::super::catalog::Catalog::starter();
        let open = OpportunityView { stage: "initial_contact".into(), criteria: "initial_contact.contact_known".into(), ..deal.clone() };
        assert_eq!(check_deal_move(&catalog, &open, "needs_analysis"), MoveCheck::Allowed);
        assert!(matches!(check_deal_move(&catalog, &open, "proposal"), MoveCheck::Confirm { .. }));
        assert!(matches!(check_deal_move(&catalog, &deal, "proposal"), MoveCheck::Refused { reason: "won_is_final", .. }));
        assert!(matches!(check_deal_move(&catalog, &open, "quoting"), MoveCheck::Refused { reason: "unknown_stage", .. }));
        let elsewhere = OpportunityView { pipeline: "gone".into(), ..open };
        assert!(matches!(check_deal_move(&catalog, &elsewhere, "proposal"), MoveCheck::Refused { reason: "unknown_pipeline", .. }));
    }
}
