//! The sync protocol between a device's replica and the server, written once for both sides.
//!
//! Every change a user makes is a typed [`Op`] inside a [`Mutation`] numbered by the device
//! (`client_id`, `seq`). The device applies it to its replica at once and queues it; the server
//! (`POST /api/sync/push`) validates it with the same [`Op::validate`], checks permissions, applies
//! it in its own transaction and answers a [`MutationResult`] per mutation, idempotently by
//! (`client_id`, `seq`). `GET /api/sync/pull?cursor=N` answers a [`PullPage`]: what changed after
//! the cursor, as the user may see it, and what left their view.

use super::catalog::{Catalog, ContactRole, List, Satisfaction};
use super::credit_code::normalize_credit_code;
use super::customer::{ContactView, CustomerView};
pub use super::deal::OpportunityView;
use super::deal::{DealField, NewOpportunity};
pub(crate) use super::field::{amount_fen, coded, date, email, invalid, list_code, phone, tags, text, valid_id};
pub use super::field::{normalize_tags, Field, Rejection, MAX_AMOUNT_FEN, MAX_NOTE_CHARS, MAX_TAGS, MAX_TAG_CHARS, MAX_TEXT_CHARS};
use super::order::OrderView;
use super::promotion::{Draft, SavedPlan};
use super::segment::{Rule, SavedSegment};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Mutations per push: a queue longer than this is pushed in several batches.
pub const MAX_BATCH: usize = 500;
/// The mutation types this version understands, as they are named on the wire: derived from
/// [`Op`] itself (see [`variant_names`]), so a new variant is known the moment it exists. A
/// newer client's type is refused with [`Rejection::ClientMustUpdate`] instead of being guessed
/// at.
pub fn known_types() -> &'static [&'static str] {
    static TYPES: std::sync::OnceLock<&'static [&'static str]> = std::sync::OnceLock::new();
    TYPES.get_or_init(|| variant_names::<Op>("type"))
}

/// The wire names of the variants of an internally tagged enum (`#[serde(tag = "…")]`), in
/// declaration order, as serde's derive knows them: asked to decode a variant named "" it
/// answers with the list it expected. (serde keeps the list private; this is the one door to
/// it, and no code has to restate it.)
pub fn variant_names<T: serde::de::DeserializeOwned>(tag: &'static str) -> &'static [&'static str] {
    #[derive(Debug)]
    struct Expected(Option<&'static [&'static str]>);
    impl std::fmt::Display for Expected {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{:?}", self.0)
        }
    }
    impl std::error::Error for Expected {}
    impl serde::de::Error for Expected {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Expected(None)
        }
        fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
            Expected(Some(expected))
        }
    }
    let probe = serde::de::value::MapDeserializer::<_, Expected>::new(std::iter::once((tag, "")));
    match T::deserialize(probe) {
        Err(Expected(Some(names))) => names,
        _ => panic!("{} is not an enum tagged by {tag:?}", std::any::type_name::<T>()),
    }
}

/// One change, made on one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mutation {
    /// The device's sequence number for it: 1, 2, 3, … never reused.
    pub seq: u64,
    /// When the user made it (device clock, Unix ms): for history only, never for ordering.
    pub at_ms: i64,
    pub op: Op,
}

/// What a mutation does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Op {
    /// A new customer; the device chose its id (a UUID), so it exists offline at once.
    CreateCustomer(NewCustomer),
    /// Changed fields of a customer, each with the value the user saw before editing, so that
    /// edits to different fields on two devices both survive and same-field edits are noticed.
    UpdateCustomer { id: String, edits: Vec<FieldEdit> },
    /// A deal moved to another stage of its pipeline (stage codes, see
    /// [`PipelineConfig::place`](super::pipeline::PipelineConfig::place)), or within its column
    /// (`from == to` with a `rank`). Both sides check the move with
    /// [`PipelineConfig::check_move`](super::pipeline::PipelineConfig::check_move).
    MoveOpportunity {
        id: String,
        from: String,
        to: String,
        /// Its place among the cards of the column ([`super::rank`]); `None` keeps the order.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rank: Option<String>,
        /// Why it was lost 输单原因 (a move to lost needs one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lost_reason: Option<String>,
        /// Who won it instead 赢单竞争对手 (only with a move to lost; optional).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lost_to: Option<String>,
    },
    /// An entry or exit criterion of a stage ticked (met) or unticked, on one deal.
    TickCriterion { id: String, stage: String, code: String, ticked: bool },
    /// A new contact person of a customer.
    CreateContact(NewContact),
    /// Changed fields of a contact, like [`Op::UpdateCustomer`].
    UpdateContact { id: String, edits: Vec<FieldEdit<ContactField>> },
    /// A contact removed (left the company, entered twice).
    DeleteContact { id: String },
    /// Two records of one customer made one 合并: everything of `merged` (contacts, deals,
    /// activities, orders, payments, shares) moves to `keep`, and `merged` is gone.
    MergeCustomers { keep: String, merged: String },
    /// A new deal of a customer ([`NewOpportunity::validate`]).
    CreateOpportunity(NewOpportunity),
    /// Changed fields of a deal, like [`Op::UpdateCustomer`] (its stage changes by moves).
    UpdateOpportunity { id: String, edits: Vec<FieldEdit<DealField>> },
    /// A manager hands a customer to another salesperson 转移客户: its open deals the old owner
    /// held go along (closed ones keep who won or lost them). `to` is a user id from the
    /// catalogue's [`people`](super::catalog::Catalog::people); the server checks it is someone
    /// the manager answers for.
    ReassignCustomer { id: String, to: String },
    /// One deal handed to another salesperson 转交商机, who must be able to see its customer.
    ReassignOpportunity { id: String, to: String },
    /// A segment's definition saved 保存细分, new or changed (only its owner changes it).
    SaveSegment { id: String, name: String, rule: Rule, period_days: u32, shared: bool },
    /// A saved segment deleted by its owner.
    DeleteSegment { id: String },
    /// A promotion plan saved 保存方案, new or changed by its owner while a draft or rejected
    /// (saving makes it a draft again).
    SavePromotion { id: String, draft: Draft },
    /// A plan submitted for approval 提交审批 by its owner.
    SubmitPromotion { id: String },
    /// A plan approved 批准 or rejected 驳回 (with a reason) by a manager over its owner, or the
    /// director ([`super::promotion::may_decide`]).
    DecidePromotion {
        id: String,
        approve: bool,
        #[serde(default)]
        note: String,
    },
    /// A plan deleted by its owner (not once approved).
    DeletePromotion { id: String },
    /// An order attributed to the approved promotion it came from 归因 (`None`: to none), by
    /// whoever may change its customer.
    AttributeOrder {
        id: String,
        #[serde(default)]
        plan: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCustomer {
    pub id: String,
    pub name: String,
    /// `company` or `individual`.
    pub kind: String,
    /// Codes of the company's lists ([`Op::check_catalog`]).
    pub region: String,
    pub city: String,
    pub industry: String,
    pub size: String,
    pub business_type: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// The optional fields filled in (short name, source, tags, …), canonical values as in an
    /// edit. The fields above cannot appear here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<CustomerField, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewContact {
    pub id: String,
    pub customer_id: String,
    pub name: String,
    /// The other fields filled in; `name` cannot appear here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<ContactField, String>,
}

/// The customer fields a device may edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerField {
    Name,
    ShortName,
    City,
    Address,
    Industry,
    Size,
    BusinessType,
    Source,
    Tags,
    CooperationSince,
    CreditLimit,
    Satisfaction,
    CreditCode,
    HotReason,
    Phone,
}

impl CustomerField {
    /// The fields a new customer always has (not in [`NewCustomer::details`]).
    pub const BASIC: [CustomerField; 6] =
        [CustomerField::Name, CustomerField::City, CustomerField::Industry, CustomerField::Size, CustomerField::BusinessType, CustomerField::Phone];

    /// The company list a field's values come from.
    pub fn list(self) -> Option<List> {
        match self {
            CustomerField::Industry => Some(List::Industry),
            CustomerField::Size => Some(List::Size),
            CustomerField::BusinessType => Some(List::BusinessType),
            CustomerField::Source => Some(List::Source),
            _ => None,
        }
    }
}

impl Field for CustomerField {
    const ALL: &'static [CustomerField] = &[
        CustomerField::Name,
        CustomerField::ShortName,
        CustomerField::City,
        CustomerField::Address,
        CustomerField::Industry,
        CustomerField::Size,
        CustomerField::BusinessType,
        CustomerField::Source,
        CustomerField::Tags,
        CustomerField::CooperationSince,
        CustomerField::CreditLimit,
        CustomerField::Satisfaction,
        CustomerField::CreditCode,
        CustomerField::HotReason,
        CustomerField::Phone,
    ];

    fn column(self) -> &'static str {
        match self {
            CustomerField::Name => "name",
            CustomerField::ShortName => "short_name",
            CustomerField::City => "city",
            CustomerField::Address => "address",
            CustomerField::Industry => "industry",
            CustomerField::Size => "size",
            CustomerField::BusinessType => "business_type",
            CustomerField::Source => "source",
            CustomerField::Tags => "tags",
            CustomerField::CooperationSince => "cooperation_since",
            CustomerField::CreditLimit => "credit_limit_fen",
            CustomerField::Satisfaction => "satisfaction",
            CustomerField::CreditCode => "credit_code",
            CustomerField::HotReason => "hot_reason",
            CustomerField::Phone => "phone",
        }
    }

    fn check(self, value: Option<&str>) -> Result<(), Rejection> {
        use CustomerField as F;
        let Some(v) = value else {
            return match self {
                F::Name | F::City | F::Industry | F::Size | F::BusinessType => invalid("required"),
                _ => Ok(()),
            };
        };
        match self {
            F::Name | F::City | F::ShortName | F::Address | F::HotReason => text(v),
            F::Phone => phone(v),
            // Whether the code is one of the company's options is [`Op::check_catalog`]'s part.
            F::Industry | F::Size | F::BusinessType | F::Source => list_code(v),
            F::Satisfaction => coded(Satisfaction::from_code(v)),
            F::Tags => tags(v),
            F::CooperationSince => date(v),
            F::CreditLimit => amount_fen(v),
            F::CreditCode => match normalize_credit_code(v) {
                Ok(code) if code == v => Ok(()),
                Ok(_) => invalid("credit_code_character"),
                Err(e) => invalid(e.code()),
            },
        }
    }

    fn numeric(self) -> bool {
        self == CustomerField::CreditLimit
    }

    fn canonical(self, typed: &str) -> Option<String> {
        let t = typed.trim();
        if t.is_empty() {
            return None;
        }
        Some(match self {
            CustomerField::Tags => normalize_tags(t),
            CustomerField::CreditCode => normalize_credit_code(t).unwrap_or_else(|_| t.to_string()),
            _ => t.to_string(),
        })
        .filter(|v| !v.is_empty())
    }
}

/// The contact fields a device may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    Name,
    Title,
    Role,
    Phone,
    Email,
    Wechat,
    Birthday,
    Notes,
}

impl Field for ContactField {
    const ALL: &'static [ContactField] = &[
        ContactField::Name,
        ContactField::Title,
        ContactField::Role,
        ContactField::Phone,
        ContactField::Email,
        ContactField::Wechat,
        ContactField::Birthday,
        ContactField::Notes,
    ];

    fn column(self) -> &'static str {
        match self {
            ContactField::Name => "name",
            ContactField::Title => "title",
            ContactField::Role => "role",
            ContactField::Phone => "phone",
            ContactField::Email => "email",
            ContactField::Wechat => "wechat",
            ContactField::Birthday => "birthday",
            ContactField::Notes => "notes",
        }
    }

    fn check(self, value: Option<&str>) -> Result<(), Rejection> {
        let Some(v) = value else {
            return if self == ContactField::Name { invalid("required") } else { Ok(()) };
        };
        match self {
            ContactField::Name | ContactField::Title => text(v),
            ContactField::Role => coded(ContactRole::from_code(v)),
            ContactField::Phone => phone(v),
            ContactField::Email => email(v),
            ContactField::Wechat if (1..=40).contains(&v.chars().count()) && !v.chars().any(char::is_whitespace) => Ok(()),
            ContactField::Wechat => invalid("invalid_wechat"),
            ContactField::Birthday => date(v),
            ContactField::Notes if v.chars().count() > MAX_NOTE_CHARS => invalid("too_long"),
            ContactField::Notes if v.chars().any(|c| c.is_control() && c != '\n') => invalid("too_long"),
            ContactField::Notes => Ok(()),
        }
    }

    fn canonical(self, typed: &str) -> Option<String> {
        let t = typed.trim();
        match self {
            _ if t.is_empty() => None,
            ContactField::Email => Some(t.to_lowercase()),
            _ => Some(t.to_string()),
        }
    }
}

/// One edited field: what the user saw (`original`) and what they set (`value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldEdit<F = CustomerField> {
    pub field: F,
    pub original: Option<String>,
    pub value: Option<String>,
}

/// Edits of one record: at least one, each field once, every value acceptable.
fn check_edits<F: Field>(edits: &[FieldEdit<F>]) -> Result<(), Rejection> {
    if edits.is_empty() || edits.len() > F::ALL.len() {
        return invalid("no_changes");
    }
    let mut seen = Vec::new();
    for e in edits {
        if seen.contains(&e.field) {
            return invalid("duplicate_field");
        }
        seen.push(e.field);
        e.field.check(e.value.as_deref())?;
    }
    Ok(())
}

impl Op {
    /// The checks both sides make before a mutation touches any data.
    pub fn validate(&self) -> Result<(), Rejection> {
        let bad_id = || Rejection::Invalid { code: "invalid_id".into() };
        match self {
            Op::CreateCustomer(c) => {
                if !valid_id(&c.id) {
                    return Err(bad_id());
                }
                text(&c.name)?;
                text(&c.city)?;
                if c.kind != "company" && c.kind != "individual" {
                    return invalid("unknown_code");
                }
                for code in [&c.region, &c.industry, &c.size, &c.business_type] {
                    list_code(code)?;
                }
                CustomerField::Phone.check(c.phone.as_deref())?;
                for (field, value) in &c.details {
                    if CustomerField::BASIC.contains(field) {
                        return invalid("duplicate_field");
                    }
                    field.check(Some(value))?;
                }
                Ok(())
            }
            Op::UpdateCustomer { id, edits } => {
                if !valid_id(id) {
                    return Err(bad_id());
                }
                check_edits(edits)
            }
            Op::MoveOpportunity { id, from, to, rank, lost_reason, lost_to } => {
                if !valid_id(id) {
                    return Err(bad_id());
                }
                list_code(from)?;
                list_code(to)?;
                if from == to && rank.is_none() {
                    return invalid("same_stage");
                }
                if rank.as_deref().is_some_and(|r| !super::rank::valid(r)) {
                    return invalid("invalid_rank");
                }
                if let Some(winner) = lost_to {
                    if to != super::pipeline::LOST {
                        return invalid("not_lost");
                    }
                    text(winner)?;
                }
                match lost_reason {
                    Some(reason) if to == super::pipeline::LOST => text(reason),
                    Some(_) => invalid("not_lost"),
                    None if to == super::pipeline::LOST => invalid("lost_reason_required"),
                    None => Ok(()),
                }
            }
            Op::TickCriterion { id, stage, code, .. } => {
                if !valid_id(id) {
                    return Err(bad_id());
                }
                list_code(stage)?;
                list_code(code)
            }
            Op::CreateContact(c) => {
                if !valid_id(&c.id) || !valid_id(&c.customer_id) {
                    return Err(bad_id());
                }
                text(&c.name)?;
                for (field, value) in &c.details {
                    if *field == ContactField::Name {
                        return invalid("duplicate_field");
                    }
                    field.check(Some(value))?;
                }
                Ok(())
            }
            Op::UpdateContact { id, edits } => {
                if !valid_id(id) {
                    return Err(bad_id());
                }
                check_edits(edits)
            }
            Op::DeleteContact { id } => {
                if !valid_id(id) {
                    return Err(bad_id());
                }
                Ok(())
            }
            Op::MergeCustomers { keep, merged } => {
                if !valid_id(keep) || !valid_id(merged) {
                    return Err(bad_id());
                }
                if keep == merged {
                    return invalid("same_customer");
                }
                Ok(())
            }
            Op::CreateOpportunity(o) => o.validate(),
            Op::UpdateOpportunity { id, edits } => {
                if !valid_id(id) {
                    return Err(bad_id());
                }
                check_edits(edits)
            }
            Op::SaveSegment { id, name, rule, period_days, .. } => {
                if !valid_id(id) {
                    return Err(bad_id());
                }
                text(name)?;
                rule.check(*period_days).map_err(|e| Rejection::Invalid { code: e.code().into() })
            }
            Op::DeleteSegment { id } | Op::SubmitPromotion { id } | Op::DeletePromotion { id } => {
                if !valid_id(id) {
                    return Err(bad_id());
                }
                Ok(())
            }
            Op::SavePromotion { id, draft } => {
                if !valid_id(id) || draft.segment_id.as_deref().is_some_and(|s| !valid_id(s)) {
                    return Err(bad_id());
                }
                draft.check().map_err(|code| Rejection::Invalid { code: code.into() })
            }
            Op::AttributeOrder { id, plan } => {
                if !valid_id(id) || plan.as_deref().is_some_and(|p| !valid_id(p)) {
                    return Err(bad_id());
                }
                Ok(())
            }
            Op::DecidePromotion { id, approve, note } => {
                if !valid_id(id) {
                    return Err(bad_id());
                }
                if !approve && note.trim().is_empty() {
                    return invalid("reason_required");
                }
                if note.chars().count() > MAX_TEXT_CHARS || note.chars().any(char::is_control) {
                    return invalid("too_long");
                }
                Ok(())
            }
            Op::ReassignCustomer { id, to } | Op::ReassignOpportunity { id, to } => {
                if !valid_id(id) {
                    return Err(bad_id());
                }
                if !valid_id(to) {
                    return invalid("invalid_owner");
                }
                Ok(())
            }
        }
    }

    /// Whether the list values a mutation gives are options of the company's lists, and active
    /// ones: a retired option stays on the records that have it but is not given anew. Both
    /// sides check it, the device against its copy of the catalogue, the server against its own.
    pub fn check_catalog(&self, catalog: &Catalog) -> Result<(), Rejection> {
        let check = |list: List, code: &str| catalog.check(list, code).map_err(|code| Rejection::Invalid { code: code.into() });
        match self {
            Op::CreateCustomer(c) => {
                check(List::Region, &c.region)?;
                check(List::Industry, &c.industry)?;
                check(List::Size, &c.size)?;
                check(List::BusinessType, &c.business_type)?;
                c.details.iter().filter_map(|(f, v)| f.list().map(|l| (l, v))).try_for_each(|(l, v)| check(l, v))
            }
            Op::UpdateCustomer { edits, .. } => edits.iter().filter_map(|e| Some((e.field.list()?, e.value.as_deref()?))).try_for_each(|(l, v)| check(l, v)),
            Op::CreateOpportunity(o) => {
                if catalog.pipeline(&o.pipeline).is_none() {
                    return invalid("unknown_pipeline");
                }
                check(List::Source, &o.source)
            }
            Op::UpdateOpportunity { edits, .. } => edits.iter().filter_map(|e| Some((e.field.list()?, e.value.as_deref()?))).try_for_each(|(l, v)| check(l, v)),
            // Only a salesperson the catalogue lists can take something over (the server also
            // checks the actor answers for them).
            Op::ReassignCustomer { to, .. } | Op::ReassignOpportunity { to, .. } => {
                if catalog.people.iter().any(|p| p.id == *to) {
                    Ok(())
                } else {
                    invalid("invalid_owner")
                }
            }
            // Stages, criteria and plans are checked against the record they move (the server
            // and the replica each hold it); the rest gives no list values.
            Op::MoveOpportunity { .. }
            | Op::TickCriterion { .. }
            | Op::CreateContact(_)
            | Op::UpdateContact { .. }
            | Op::DeleteContact { .. }
            | Op::MergeCustomers { .. }
            | Op::SaveSegment { .. }
            | Op::DeleteSegment { .. }
            | Op::SavePromotion { .. }
            | Op::SubmitPromotion { .. }
            | Op::DecidePromotion { .. }
            | Op::DeletePromotion { .. }
            | Op::AttributeOrder { .. } => Ok(()),
        }
    }

    /// Its type as named on the wire (`create_customer`, …), for logs.
    pub fn type_name(&self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v["type"].as_str().map(str::to_string)).unwrap_or_default()
    }
}

/// The server's answer for one mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Applied; the record now has this version.
    Applied {
        version: i64,
    },
    Rejected(Rejection),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MutationResult {
    pub seq: u64,
    pub outcome: Outcome,
}

/// The answer to `POST /api/sync/push`: one result per mutation sent, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
}

/// A record that left the user's view (deleted, or no longer visible to them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removed {
    pub entity: String,
    pub id: String,
}

/// One page of `GET /api/sync/pull`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullPage {
    /// Where the next pull starts.
    pub cursor: String,
    /// The replica must be emptied before applying this page (first sync, a cursor the server
    /// cannot continue, or the user's visibility changed wholesale).
    pub reset: bool,
    /// More pages follow: pull again with `cursor` right away.
    pub more: bool,
    pub customers: Vec<CustomerView>,
    pub opportunities: Vec<OpportunityView>,
    /// Contacts of customers in view (a customer in the page comes with all of its contacts).
    #[serde(default)]
    pub contacts: Vec<ContactView>,
    /// Orders of customers in view (a customer in the page comes with all of its orders).
    #[serde(default)]
    pub orders: Vec<OrderView>,
    /// Saved segments the user may see: all of them on a snapshot's first page, then the changed
    /// ones (those that left the view are in `removed` as `segment`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<SavedSegment>,
    /// Promotion plans the user may see, like `segments` (entity `promotion`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub promotions: Vec<SavedPlan>,
    pub removed: Vec<Removed>,
    /// The company's lists, when the device's copy is missing or older (see `catalog=` in the
    /// pull's query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<Catalog>,
}

/// `GET /api/sync/conflicts`: a value of the user's that a later push overwrote, with the value
/// that won and the one both started from; the user may re-apply theirs or dismiss it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: String,
    pub entity: String,
    pub entity_id: String,
    /// The field's column name (a [`CustomerField`] for customers, a [`ContactField`] for contacts).
    pub field: String,
    pub their_value: Option<String>,
    pub current_value: Option<String>,
    pub original_value: Option<String>,
    pub at_ms: i64,
}

/// A mutation the server refused, kept on the device until the user has seen why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedChange {
    pub mutation: Mutation,
    pub reason: Rejection,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0b6c1f3e-8a3d-4b1e-9a55-3a1f6a2b7c90";

    fn mv(from: &str, to: &str) -> Op {
        Op::MoveOpportunity { id: ID.into(), from: from.into(), to: to.into(), rank: None, lost_reason: None, lost_to: None }
    }

    fn create() -> NewCustomer {
        NewCustomer {
            id: ID.into(),
            name: "杭州网络科技有限公司".into(),
            kind: "company".into(),
            region: "east".into(),
            city: "杭州".into(),
            industry: "electronics".into(),
            size: "small".into(),
            business_type: "end_user".into(),
            phone: Some("138 1234 5678".into()),
            details: BTreeMap::new(),
        }
    }

    #[test]
    fn mutations_travel_as_tagged_json_with_stable_codes() {
        let m = Mutation { seq: 7, at_ms: 1, op: mv("proposal", "negotiation") };
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["op"]["type"], "move_opportunity");
        assert_eq!(json["op"]["to"], "negotiation");
        assert_eq!(serde_json::from_value::<Mutation>(json).unwrap(), m);
        let c = serde_json::to_value(Op::CreateCustomer(create())).unwrap();
        assert_eq!((c["type"].as_str(), c["region"].as_str()), (Some("create_customer"), Some("east")));
        // The known types are exactly the tags the enum produces.
        let tags: Vec<String> = [
            Op::CreateCustomer(create()),
            Op::UpdateCustomer { id: ID.into(), edits: vec![] },
            Op::MoveOpportunity { id: ID.into(), from: "proposal".into(), to: "lost".into(), rank: None, lost_reason: Some("价格".into()), lost_to: None },
            Op::TickCriterion { id: ID.into(), stage: "proposal".into(), code: "proposal_sent".into(), ticked: true },
            Op::CreateContact(NewContact { id: ID.into(), customer_id: ID.into(), name: "王芳".into(), details: BTreeMap::new() }),
            Op::UpdateContact { id: ID.into(), edits: vec![] },
            Op::DeleteContact { id: ID.into() },
            Op::MergeCustomers { keep: ID.into(), merged: ID.replace('0', "1") },
            Op::CreateOpportunity(NewOpportunity {
                id: ID.into(),
                customer_id: ID.into(),
                pipeline: "project".into(),
                title: "t".into(),
                amount_fen: 1,
                expected_close: "2026-01-01".into(),
                source: "website".into(),
                details: BTreeMap::new(),
            }),
            Op::UpdateOpportunity { id: ID.into(), edits: vec![] },
            Op::ReassignCustomer { id: ID.into(), to: ID.into() },
            Op::ReassignOpportunity { id: ID.into(), to: ID.into() },
            Op::SaveSegment { id: ID.into(), name: "华东".into(), rule: Rule::default(), period_days: 365, shared: false },
            Op::DeleteSegment { id: ID.into() },
            Op::SavePromotion { id: ID.into(), draft: crate::domain::promotion::tests::draft() },
            Op::SubmitPromotion { id: ID.into() },
            Op::DecidePromotion { id: ID.into(), approve: true, note: String::new() },
            Op::DeletePromotion { id: ID.into() },
            Op::AttributeOrder { id: ID.into(), plan: Some(ID.into()) },
        ]
        .iter()
        .map(|op| serde_json::to_value(op).unwrap()["type"].as_str().unwrap().to_string())
        .collect();
        assert_eq!(tags, known_types());
        let r = serde_json::to_value(Outcome::Rejected(Rejection::Invalid { code: "required".into() })).unwrap();
        assert_eq!(r, serde_json::json!({"status": "rejected", "reason": "invalid", "code": "required"}));
    }

    #[test]
    fn the_shared_validation_refuses_bad_changes_with_a_reason() {
        assert_eq!(Op::CreateCustomer(create()).validate(), Ok(()));
        let code = |op: Op| match op.validate() {
            Err(Rejection::Invalid { code }) => code,
            other => panic!("{other:?}"),
        };
        assert_eq!(code(Op::CreateCustomer(NewCustomer { name: " ".into(), ..create() })), "required");
        assert_eq!(code(Op::CreateCustomer(NewCustomer { name: "x".repeat(201), ..create() })), "too_long");
        assert_eq!(code(Op::CreateCustomer(NewCustomer { id: "1".into(), ..create() })), "invalid_id");
        assert_eq!(code(Op::CreateCustomer(NewCustomer { phone: Some("call me".into()), ..create() })), "invalid_phone");
        assert_eq!(code(Op::CreateCustomer(NewCustomer { phone: Some("138****5678".into()), ..create() })), "invalid_phone");
        let edit = |field, value: Option<&str>| FieldEdit { field, original: None, value: value.map(str::to_string) };
        assert_eq!(code(Op::UpdateCustomer { id: ID.into(), edits: vec![] }), "no_changes");
        assert_eq!(code(Op::UpdateCustomer { id: ID.into(), edits: vec![edit(CustomerField::Industry, Some("Mining!"))] }), "unknown_code");
        assert_eq!(code(Op::CreateCustomer(NewCustomer { region: "华东".into(), ..create() })), "unknown_code");
        assert_eq!(code(Op::UpdateCustomer { id: ID.into(), edits: vec![edit(CustomerField::Name, None)] }), "required");
        assert_eq!(
            code(Op::UpdateCustomer { id: ID.into(), edits: vec![edit(CustomerField::City, Some("上海")), edit(CustomerField::City, Some("北京"))] }),
            "duplicate_field"
        );
        assert_eq!(
            Op::UpdateCustomer { id: ID.into(), edits: vec![edit(CustomerField::Phone, None), edit(CustomerField::Size, Some("large"))] }.validate(),
            Ok(())
        );
        assert_eq!(code(mv("proposal", "proposal")), "same_stage");
        assert_eq!(
            Op::MoveOpportunity { id: ID.into(), from: "proposal".into(), to: "proposal".into(), rank: Some("i".into()), lost_reason: None, lost_to: None }
                .validate(),
            Ok(())
        );
        assert_eq!(
            code(Op::MoveOpportunity { id: ID.into(), from: "a".into(), to: "b".into(), rank: Some("I0".into()), lost_reason: None, lost_to: None }),
            "invalid_rank"
        );
        assert_eq!(code(mv("proposal", "lost")), "lost_reason_required");
        assert_eq!(
            code(Op::MoveOpportunity { id: ID.into(), from: "proposal".into(), to: "won".into(), rank: None, lost_reason: Some("x".into()), lost_to: None }),
            "not_lost"
        );
        assert_eq!(code(mv("Proposal!", "lost")), "unknown_code");
        let lost_to = |to: &str| Op::MoveOpportunity {
            id: ID.into(),
            from: "proposal".into(),
            to: to.into(),
            rank: None,
            lost_reason: Some("价格".into()),
            lost_to: Some("华为".into()),
        };
        assert_eq!(lost_to("lost").validate(), Ok(()));
        assert_eq!(
            code(Op::MoveOpportunity { id: ID.into(), from: "a".into(), to: "b".into(), rank: None, lost_reason: None, lost_to: Some("华为".into()) }),
            "not_lost"
        );
        assert_eq!(code(Op::MergeCustomers { keep: ID.into(), merged: ID.into() }), "same_customer");
    }

    #[test]
    fn the_full_customer_file_checks_every_field() {
        let ok = |f: CustomerField, v: &str| f.check(Some(v));
        let code = |r: Result<(), Rejection>| match r {
            Err(Rejection::Invalid { code }) => code,
            other => format!("{other:?}"),
        };
        assert_eq!(ok(CustomerField::CreditCode, "91350100M000100Y43"), Ok(()));
        assert_eq!(code(ok(CustomerField::CreditCode, "91350100M000100Y44")), "credit_code_check");
        assert_eq!(code(ok(CustomerField::CreditCode, "91350100m000100Y43")), "credit_code_character", "not canonical");
        assert_eq!(CustomerField::CreditCode.canonical(" 91350100m000100y43 ").as_deref(), Some("91350100M000100Y43"));
        assert_eq!(ok(CustomerField::Tags, "VIP,重点"), Ok(()));
        assert_eq!(code(ok(CustomerField::Tags, "VIP, 重点")), "invalid_tags");
        assert_eq!(CustomerField::Tags.canonical("VIP， 重点 ,vip,,").as_deref(), Some("VIP,重点"));
        assert_eq!(CustomerField::Tags.canonical(" , ，"), None);
        assert_eq!(ok(CustomerField::CreditLimit, "5000000"), Ok(()));
        assert_eq!(code(ok(CustomerField::CreditLimit, "-1")), "invalid_amount");
        assert_eq!(code(ok(CustomerField::CreditLimit, "05")), "invalid_amount");
        assert_eq!(ok(CustomerField::CooperationSince, "2021-03-01"), Ok(()));
        assert_eq!(code(ok(CustomerField::CooperationSince, "2021-02-30")), "invalid_date");
        assert_eq!(code(ok(CustomerField::Source, "TV")), "unknown_code");
        assert_eq!(CustomerField::HotReason.check(None), Ok(()));
        assert_eq!(code(CustomerField::City.check(None)), "required");
        assert_eq!(CustomerField::from_column("credit_limit_fen"), Some(CustomerField::CreditLimit));
        // Basic fields travel outside `details`.
        let mut c = create();
        c.details.insert(CustomerField::Source, "exhibition".into());
        assert_eq!(Op::CreateCustomer(c.clone()).validate(), Ok(()));
        c.details.insert(CustomerField::Name, "x".into());
        assert_eq!(code(Op::CreateCustomer(c).validate()), "duplicate_field");
    }

    #[test]
    fn list_values_must_be_active_options_of_the_catalogue() {
        use crate::domain::catalog::CatalogOption;
        let mut catalog = Catalog::starter();
        let option = |code: &str, active| CatalogOption { code: code.into(), name_zh: code.into(), name_en: code.into(), active };
        catalog.lists.insert(List::Region, vec![option("east", true), option("far_west", false)]);
        catalog.lists.get_mut(&List::Industry).unwrap().push(option("mining", true));
        let code = |r: Result<(), Rejection>| match r {
            Err(Rejection::Invalid { code }) => code,
            other => format!("{other:?}"),
        };
        assert_eq!(Op::CreateCustomer(create()).check_catalog(&catalog), Ok(()));
        assert_eq!(Op::CreateCustomer(NewCustomer { industry: "mining".into(), ..create() }).check_catalog(&catalog), Ok(()));
        assert_eq!(code(Op::CreateCustomer(NewCustomer { region: "far_west".into(), ..create() }).check_catalog(&catalog)), "retired_option");
        assert_eq!(code(Op::CreateCustomer(NewCustomer { size: "tiny".into(), ..create() }).check_catalog(&catalog)), "unknown_code");
        let mut with_source = create();
        with_source.details.insert(CustomerField::Source, "tv".into());
        assert_eq!(code(Op::CreateCustomer(with_source).check_catalog(&catalog)), "unknown_code");
        let edit = |field, value: Option<&str>| FieldEdit { field, original: None, value: value.map(str::to_string) };
        let update = |edits| Op::UpdateCustomer { id: ID.into(), edits };
        assert_eq!(update(vec![edit(CustomerField::Source, None), edit(CustomerField::City, Some("tv"))]).check_catalog(&catalog), Ok(()));
        assert_eq!(code(update(vec![edit(CustomerField::BusinessType, Some("mining"))]).check_catalog(&catalog)), "unknown_code");
    }

    #[test]
    fn contacts_check_their_fields() {
        let ok = |f: ContactField, v: &str| f.check(Some(v));
        assert_eq!(ok(ContactField::Email, "wang.fang@example.cn"), Ok(()));
        for bad in ["wang", "a@b", "a b@c.cn", "@c.cn", "a@.cn"] {
            assert!(ok(ContactField::Email, bad).is_err(), "{bad}");
        }
        assert_eq!(ContactField::Email.canonical(" Wang@Example.CN "), Some("wang@example.cn".into()));
        assert_eq!(ok(ContactField::Role, "gatekeeper"), Ok(()));
        assert!(ok(ContactField::Role, "boss").is_err());
        assert!(ok(ContactField::Wechat, "wx id").is_err());
        assert_eq!(ok(ContactField::Notes, "第一行\n第二行"), Ok(()));
        let mut details = BTreeMap::new();
        details.insert(ContactField::Phone, "13900001111".into());
        let new = NewContact { id: ID.into(), customer_id: ID.into(), name: "李雷".into(), details };
        assert_eq!(Op::CreateContact(new.clone()).validate(), Ok(()));
        assert_eq!(Op::CreateContact(NewContact { customer_id: "x".into(), ..new }).validate(), Err(Rejection::Invalid { code: "invalid_id".into() }));
        let edit = FieldEdit { field: ContactField::Name, original: Some("李雷".into()), value: None };
        assert_eq!(Op::UpdateContact { id: ID.into(), edits: vec![edit] }.validate(), Err(Rejection::Invalid { code: "required".into() }));
    }
}
