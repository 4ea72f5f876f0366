//! An opportunity 商机 beyond its place in the funnel: the fields a rep creates and edits (title,
//! amount, expected close, source, competitors, the value assessment, the contacts involved with
//! their roles, the next step with its date, the follow-up cadence), and what is read off them —
//! the value score and overdue follow-ups. Written once; the device and the server both use it.

use super::catalog::{ContactRole, List};
use super::field::{self, Field, Rejection};
use super::funnel::{day_of_ms, parse_day};
use super::pipeline::MoveCheck;
use super::pipeline::{LOST, WON};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::coded_enum!(
    /// How much the customer wants it 客户意向.
    Intent { Strong = "strong", Medium = "medium", Weak = "weak" }
);

crate::coded_enum!(
    /// Where the customer's money stands 预算情况.
    Budget { Approved = "approved", Planned = "planned", None = "none" }
);

crate::coded_enum!(
    /// How we stand against the competitors 竞争态势.
    Competition { Leading = "leading", Even = "even", Behind = "behind" }
);

/// Contacts involved in one deal.
pub const MAX_DEAL_CONTACTS: usize = 20;
/// The longest follow-up cadence, in days.
pub const MAX_CADENCE_DAYS: i64 = 365;

/// The value assessment 商机价值评估 as a score out of 100: intent weighs 40, budget 35,
/// competition 25. `None` until all three are assessed (a partial score would read as a low one).
pub fn value_score(intent: Option<&str>, budget: Option<&str>, competition: Option<&str>) -> Option<u8> {
    let intent = match Intent::from_code(intent?)? {
        Intent::Strong => 40,
        Intent::Medium => 25,
        Intent::Weak => 10,
    };
    let budget = match Budget::from_code(budget?)? {
        Budget::Approved => 35,
        Budget::Planned => 20,
        Budget::None => 0,
    };
    let competition = match Competition::from_code(competition?)? {
        Competition::Leading => 25,
        Competition::Even => 15,
        Competition::Behind => 5,
    };
    Some(intent + budget + competition)
}

/// A score's band: 0 low (< 45), 1 medium, 2 high (≥ 75).
pub fn score_band(score: u8) -> u8 {
    match score {
        75.. => 2,
        45.. => 1,
        _ => 0,
    }
}

/// The contacts of a deal as stored: `contact_id:role` comma-separated, each contact once.
pub fn parse_contacts(stored: &str) -> impl Iterator<Item = (&str, ContactRole)> {
    stored.split(',').filter_map(|item| {
        let (id, role) = item.split_once(':')?;
        Some((id, ContactRole::from_code(role)?))
    })
}

/// The stored form of a deal's contacts (later duplicates dropped).
pub fn format_contacts<'a>(contacts: impl IntoIterator<Item = (&'a str, ContactRole)>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for (id, role) in contacts {
        if !seen.contains(&id) {
            seen.push(id);
            out.push(format!("{id}:{}", role.code()));
        }
    }
    out.join(",")
}

/// When a deal's next follow-up is due (a business day number, [`day_of_ms`]): the next step's
/// date, or the last touch plus the cadence, whichever comes first. `None` for a closed deal or
/// one with neither.
pub fn follow_up_due(deal: &OpportunityView) -> Option<i32> {
    if deal.stage == WON || deal.stage == LOST {
        return None;
    }
    let planned = deal.next_step_date.as_deref().and_then(parse_day);
    let cadence = deal.cadence_days.map(|d| day_of_ms(deal.touched_at) + d as i32);
    match (planned, cadence) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Days a follow-up is overdue on `today` (`None`: not overdue).
pub fn overdue_days(deal: &OpportunityView, today: i32) -> Option<u32> {
    overdue_on(follow_up_due(deal), today)
}

/// Days a follow-up due on `due` is overdue on `today` (`None`: not overdue, or nothing due).
pub fn overdue_on(due: Option<i32>, today: i32) -> Option<u32> {
    due.filter(|due| *due < today).map(|due| (today - due) as u32)
}

/// The deal fields a device may set when it creates or edits a deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DealField {
    Title,
    Amount,
    ExpectedClose,
    Source,
    Competitors,
    Intent,
    Budget,
    Competition,
    Contacts,
    NextStep,
    NextStepDate,
    Cadence,
}

impl DealField {
    /// The fields a new deal always has (not in [`NewOpportunity::details`]).
    pub const BASIC: [DealField; 4] = [DealField::Title, DealField::Amount, DealField::ExpectedClose, DealField::Source];

    /// The company list a field's values come from.
    pub fn list(self) -> Option<List> {
        (self == DealField::Source).then_some(List::Source)
    }
}

impl Field for DealField {
    const ALL: &'static [DealField] = &[
        DealField::Title,
        DealField::Amount,
        DealField::ExpectedClose,
        DealField::Source,
        DealField::Competitors,
        DealField::Intent,
        DealField::Budget,
        DealField::Competition,
        DealField::Contacts,
        DealField::NextStep,
        DealField::NextStepDate,
        DealField::Cadence,
    ];

    fn column(self) -> &'static str {
        match self {
            DealField::Title => "title",
            DealField::Amount => "amount_fen",
            DealField::ExpectedClose => "expected_close",
            DealField::Source => "source",
            DealField::Competitors => "competitors",
            DealField::Intent => "intent",
            DealField::Budget => "budget",
            DealField::Competition => "competition",
            DealField::Contacts => "deal_contacts",
            DealField::NextStep => "next_step",
            DealField::NextStepDate => "next_step_date",
            DealField::Cadence => "cadence_days",
        }
    }

    fn check(self, value: Option<&str>) -> Result<(), Rejection> {
        use DealField as F;
        let Some(v) = value else {
            return match self {
                F::Title | F::Amount | F::ExpectedClose | F::Source => field::invalid("required"),
                _ => Ok(()),
            };
        };
        match self {
            F::Title | F::NextStep => field::text(v),
            F::Amount => field::amount_fen(v),
            F::ExpectedClose | F::NextStepDate => field::date(v),
            // Whether the code is one of the company's options is [`super::sync::Op::check_catalog`]'s part.
            F::Source => field::list_code(v),
            F::Competitors => field::tags(v).map_err(|_| Rejection::Invalid { code: "invalid_competitors".into() }),
            F::Intent => field::coded(Intent::from_code(v)),
            F::Budget => field::coded(Budget::from_code(v)),
            F::Competition => field::coded(Competition::from_code(v)),
            F::Contacts => {
                let items: Vec<&str> = v.split(',').collect();
                let parsed: Vec<(&str, ContactRole)> = parse_contacts(v).collect();
                let ids_ok = parsed.iter().all(|(id, _)| field::valid_id(id));
                if items.len() > MAX_DEAL_CONTACTS || parsed.len() != items.len() || !ids_ok || format_contacts(parsed) != v {
                    return field::invalid("invalid_contacts");
                }
                Ok(())
            }
            F::Cadence => match v.parse::<i64>() {
                Ok(days) if (1..=MAX_CADENCE_DAYS).contains(&days) && v == days.to_string() => Ok(()),
                _ => field::invalid("invalid_cadence"),
            },
        }
    }

    fn numeric(self) -> bool {
        matches!(self, DealField::Amount | DealField::Cadence)
    }

    fn canonical(self, typed: &str) -> Option<String> {
        let t = typed.trim();
        match self {
            _ if t.is_empty() => None,
            DealField::Competitors => Some(field::normalize_tags(t)).filter(|v| !v.is_empty()),
            _ => Some(t.to_string()),
        }
    }
}

/// A new deal; the device chose its id, so it is on the board at once, offline too. It starts in
/// the first stage of its pipeline, owned by whoever creates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOpportunity {
    pub id: String,
    pub customer_id: String,
    /// The pipeline's code; it must be one of the company's.
    pub pipeline: String,
    pub title: String,
    pub amount_fen: i64,
    /// `YYYY-MM-DD`.
    pub expected_close: String,
    /// A code of the source list.
    pub source: String,
    /// The other fields filled in, canonical values as in an edit; the fields above cannot
    /// appear here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<DealField, String>,
}

impl NewOpportunity {
    /// The shared checks of a new deal, before anything is written.
    pub fn validate(&self) -> Result<(), Rejection> {
        if !field::valid_id(&self.id) || !field::valid_id(&self.customer_id) {
            return field::invalid("invalid_id");
        }
        field::list_code(&self.pipeline)?;
        DealField::Title.check(Some(&self.title))?;
        DealField::Amount.check(Some(&self.amount_fen.to_string()))?;
        DealField::ExpectedClose.check(Some(&self.expected_close))?;
        DealField::Source.check(Some(&self.source))?;
        for (field, value) in &self.details {
            if DealField::BASIC.contains(field) {
                return field::invalid("duplicate_field");
            }
            field.check(Some(value))?;
        }
        Ok(())
    }

    /// The deal as the device shows it until the server's copy arrives: first stage, `now`.
    pub fn view(&self, owner_id: &str, first_stage: &str, now_ms: i64) -> OpportunityView {
        let mut deal = OpportunityView {
            id: self.id.clone(),
            customer_id: self.customer_id.clone(),
            owner_id: owner_id.to_string(),
            title: self.title.trim().to_string(),
            pipeline: self.pipeline.clone(),
            stage: first_stage.to_string(),
            amount_fen: self.amount_fen,
            expected_close: self.expected_close.clone(),
            source: self.source.clone(),
            created_at: now_ms,
            stage_entered_at: now_ms,
            touched_at: now_ms,
            path: super::pipeline::extend_path("", first_stage, day_of_ms(now_ms)),
            version: 0,
            ..Default::default()
        };
        for (field, value) in &self.details {
            set_deal_field(&mut deal, *field, Some(value.clone()));
        }
        deal
    }
}

/// A deal's value for an editable field, as the sync protocol carries it.
pub fn deal_value(d: &OpportunityView, field: DealField) -> Option<String> {
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    match field {
        DealField::Title => Some(d.title.clone()),
        DealField::Amount => Some(d.amount_fen.to_string()),
        DealField::ExpectedClose => Some(d.expected_close.clone()),
        DealField::Source => Some(d.source.clone()),
        DealField::Competitors => text(&d.competitors),
        DealField::Intent => d.intent.clone(),
        DealField::Budget => d.budget.clone(),
        DealField::Competition => d.competition.clone(),
        DealField::Contacts => text(&d.contacts),
        DealField::NextStep => d.next_step.clone(),
        DealField::NextStepDate => d.next_step_date.clone(),
        DealField::Cadence => d.cadence_days.map(|n| n.to_string()),
    }
}

/// Sets a field on the device's copy as the server will store it.
pub fn set_deal_field(d: &mut OpportunityView, field: DealField, value: Option<String>) {
    match field {
        DealField::Title => d.title = value.unwrap_or_default(),
        DealField::Amount => d.amount_fen = value.and_then(|v| v.parse().ok()).unwrap_or(d.amount_fen),
        DealField::ExpectedClose => d.expected_close = value.unwrap_or_default(),
        DealField::Source => d.source = value.unwrap_or_default(),
        DealField::Competitors => d.competitors = value.unwrap_or_default(),
        DealField::Intent => d.intent = value,
        DealField::Budget => d.budget = value,
        DealField::Competition => d.competition = value,
        DealField::Contacts => d.contacts = value.unwrap_or_default(),
        DealField::NextStep => d.next_step = value,
        DealField::NextStepDate => d.next_step_date = value,
        DealField::Cadence => d.cadence_days = value.and_then(|v| v.parse().ok()),
    }
}

/// An opportunity 商机 as the replica keeps it: what the board, the stalled list and the funnel
/// analytics need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityView {
    pub id: String,
    pub customer_id: String,
    pub owner_id: String,
    pub title: String,
    /// The pipeline's code ([`super::pipeline::PipelineConfig`]).
    pub pipeline: String,
    /// The stage's code in its pipeline, or won / lost.
    pub stage: String,
    pub amount_fen: i64,
    /// `YYYY-MM-DD`.
    pub expected_close: String,
    /// A code of the source list 来源.
    pub source: String,
    /// Unix ms.
    pub created_at: i64,
    pub stage_entered_at: i64,
    /// The last move or activity (what "stalled" measures from).
    pub touched_at: i64,
    /// Every stage entered, oldest first ([`super::pipeline::parse_path`]).
    pub path: String,
    /// Criteria ticked, `stage.code` comma-separated ([`super::pipeline::PipelineConfig::ticked`]).
    pub criteria: String,
    /// Its place in the column, if someone placed it by hand ([`super::rank`]).
    pub rank: Option<String>,
    pub lost_reason: Option<String>,
    /// The competitor it was lost to.
    #[serde(default)]
    pub lost_to: Option<String>,
    /// Competitors in the running 竞争对手, comma-separated (like tags).
    #[serde(default)]
    pub competitors: String,
    /// The value assessment ([`super::deal::value_score`]): codes of
    /// [`super::deal::Intent`], [`super::deal::Budget`], [`super::deal::Competition`].
    #[serde(default)]
    pub intent: Option<String>,
    #[serde(default)]
    pub budget: Option<String>,
    #[serde(default)]
    pub competition: Option<String>,
    /// The customer's contacts involved, with their part ([`super::deal::parse_contacts`]).
    #[serde(default)]
    pub contacts: String,
    /// The next step 下一步计划 and its date (`YYYY-MM-DD`).
    #[serde(default)]
    pub next_step: Option<String>,
    #[serde(default)]
    pub next_step_date: Option<String>,
    /// Follow up at least every N days 跟进周期 ([`super::deal::follow_up_due`]).
    #[serde(default)]
    pub cadence_days: Option<i64>,
    pub version: i64,
}

impl OpportunityView {
    /// The key it sorts by in its column.
    pub fn sort_key(&self) -> std::borrow::Cow<'_, str> {
        match &self.rank {
            Some(r) => std::borrow::Cow::Borrowed(r),
            None => std::borrow::Cow::Owned(super::rank::default_key(&self.expected_close, &self.id)),
        }
    }
}

/// Whether `deal` may move to the stage `to` of its pipeline, by the rules of
/// [`PipelineConfig::check_move`] and the criteria it has ticked. The board asks before a drop;
/// the server asks again, with the deal as stored, before it applies the move.
pub fn check_deal_move(catalog: &super::catalog::Catalog, deal: &OpportunityView, to: &str) -> MoveCheck {
    let refused = |reason| MoveCheck::Refused { reason, unmet: Vec::new() };
    let Some(pipeline) = catalog.pipeline(&deal.pipeline) else { return refused("unknown_pipeline") };
    let (Some(from), Some(to)) = (pipeline.place(&deal.stage), pipeline.place(to)) else { return refused("unknown_stage") };
    pipeline.check_move(from, to, &pipeline.ticked(&deal.criteria))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "00000000-0000-0000-0000-00000000000a";
    const B: &str = "00000000-0000-0000-0000-00000000000b";

    #[test]
    fn value_score_needs_all_three_and_is_weighted() {
        assert_eq!(value_score(Some("strong"), Some("approved"), Some("leading")), Some(100));
        assert_eq!(value_score(Some("weak"), Some("none"), Some("behind")), Some(15));
        // 25 + 20 + 15: a middling deal.
        assert_eq!(value_score(Some("medium"), Some("planned"), Some("even")), Some(60));
        assert_eq!(value_score(Some("strong"), None, Some("leading")), None);
        assert_eq!(value_score(Some("strong"), Some("approved"), Some("ahead")), None);
        assert_eq!([score_band(100), score_band(75), score_band(74), score_band(45), score_band(44), score_band(15)], [2, 2, 1, 1, 0, 0]);
    }

    #[test]
    fn every_combination_scores_within_bounds() {
        for i in Intent::ALL {
            for b in Budget::ALL {
                for c in Competition::ALL {
                    let s = value_score(Some(i.code()), Some(b.code()), Some(c.code())).unwrap();
                    assert!((15..=100).contains(&s));
                }
            }
        }
    }

    #[test]
    fn contacts_round_trip_and_bad_lists_are_refused() {
        let stored = format_contacts([(A, ContactRole::DecisionMaker), (B, ContactRole::User), (A, ContactRole::User)]);
        assert_eq!(stored, format!("{A}:decision_maker,{B}:user"));
        assert_eq!(parse_contacts(&stored).collect::<Vec<_>>(), [(A, ContactRole::DecisionMaker), (B, ContactRole::User)]);
        assert!(DealField::Contacts.check(Some(&stored)).is_ok());
        let refused = |v: String| DealField::Contacts.check(Some(&v)) == field::invalid("invalid_contacts");
        assert!(refused(format!("{A}:boss")));
        assert!(refused(format!("{A}:user,{A}:user")));
        assert!(refused("x:user".into()));
        assert!(refused(format!("{A}:user,")));
        let many: Vec<String> = (0..21).map(|i| format!("00000000-0000-0000-0000-{i:012}:user")).collect();
        assert!(refused(many.join(",")));
    }

    #[test]
    fn fields_check_their_values() {
        assert!(DealField::Amount.check(Some("12345")).is_ok());
        assert_eq!(DealField::Amount.check(Some("-1")), field::invalid("invalid_amount"));
        assert_eq!(DealField::Amount.check(Some("1.5")), field::invalid("invalid_amount"));
        assert_eq!(DealField::Amount.check(None), field::invalid("required"));
        assert_eq!(DealField::Cadence.check(Some("0")), field::invalid("invalid_cadence"));
        assert_eq!(DealField::Cadence.check(Some("366")), field::invalid("invalid_cadence"));
        assert!(DealField::Cadence.check(Some("7")).is_ok());
        assert!(DealField::Cadence.check(None).is_ok());
        assert_eq!(DealField::NextStepDate.check(Some("2026-02-30")), field::invalid("invalid_date"));
        assert_eq!(DealField::Intent.check(Some("hot")), field::invalid("unknown_code"));
        assert_eq!(DealField::Competitors.canonical(" 华为， 中兴,华为 "), Some("华为,中兴".into()));
        assert!(DealField::Competitors.check(Some("华为,中兴")).is_ok());
        assert_eq!(DealField::Competitors.check(Some("华为,,中兴")), field::invalid("invalid_competitors"));
    }

    fn deal(stage: &str, touched_day: i32, next: Option<&str>, cadence: Option<i64>) -> OpportunityView {
        OpportunityView {
            stage: stage.into(),
            // Noon in China on that day.
            touched_at: touched_day as i64 * super::super::funnel::DAY_MS + 4 * 3_600_000,
            next_step_date: next.map(str::to_string),
            cadence_days: cadence,
            ..Default::default()
        }
    }

    #[test]
    fn follow_ups_fall_due_on_the_earlier_of_plan_and_cadence() {
        let d = |s: &str| parse_day(s).unwrap();
        let touched = d("2026-03-02");
        // Cadence only: a week after the last touch.
        assert_eq!(follow_up_due(&deal("proposal", touched, None, Some(7))), Some(d("2026-03-09")));
        // The next step earlier than the cadence wins, and the other way round.
        assert_eq!(follow_up_due(&deal("proposal", touched, Some("2026-03-05"), Some(7))), Some(d("2026-03-05")));
        assert_eq!(follow_up_due(&deal("proposal", touched, Some("2026-03-20"), Some(7))), Some(d("2026-03-09")));
        assert_eq!(follow_up_due(&deal("proposal", touched, None, None)), None);
        // Closed deals are never overdue.
        assert_eq!(follow_up_due(&deal(WON, touched, Some("2026-03-05"), None)), None);
        assert_eq!(follow_up_due(&deal(LOST, touched, None, Some(1))), None);
        let late = deal("proposal", touched, Some("2026-03-05"), None);
        assert_eq!(overdue_days(&late, d("2026-03-05")), None);
        assert_eq!(overdue_days(&late, d("2026-03-06")), Some(1));
        assert_eq!(overdue_days(&late, d("2026-03-15")), Some(10));
    }

    #[test]
    fn a_new_deal_starts_in_the_first_stage_with_its_details() {
        let new = NewOpportunity {
            id: A.into(),
            customer_id: B.into(),
            pipeline: "project".into(),
            title: " ERP 升级 ".into(),
            amount_fen: 50_000_000,
            expected_close: "2026-12-31".into(),
            source: "referral".into(),
            details: [(DealField::Competitors, "华为".to_string()), (DealField::Cadence, "7".to_string())].into_iter().collect(),
        };
        assert_eq!(new.validate(), Ok(()));
        let view = new.view("u1", "initial_contact", 1_764_000_000_000);
        assert_eq!((view.title.as_str(), view.stage.as_str(), view.competitors.as_str(), view.cadence_days), ("ERP 升级", "initial_contact", "华为", Some(7)));
        assert!(view.path.starts_with("initial_contact@"));
        for f in DealField::ALL {
            assert_eq!(deal_value(&view, *f).is_some(), DealField::BASIC.contains(f) || matches!(f, DealField::Competitors | DealField::Cadence), "{f:?}");
        }
        let dup = NewOpportunity { details: [(DealField::Title, "x".to_string())].into_iter().collect(), ..new.clone() };
        assert_eq!(dup.validate(), field::invalid("duplicate_field"));
        let negative = NewOpportunity { amount_fen: -5, ..new };
        assert_eq!(negative.validate(), field::invalid("invalid_amount"));
    }
}
