//! The sync protocol between a device's replica and the server, written once for both sides.
//!
//! Every change a user makes is a typed [`Op`] inside a [`Mutation`] numbered by the device
//! (`client_id`, `seq`). The device applies it to its replica at once and queues it; the server
//! (`POST /api/sync/push`) validates it with the same [`Op::validate`], checks permissions, applies
//! it in its own transaction and answers a [`MutationResult`] per mutation, idempotently by
//! (`client_id`, `seq`). `GET /api/sync/pull?cursor=N` answers a [`PullPage`]: what changed after
//! the cursor, as the user may see it, and what left their view.

use super::catalog::{BusinessType, CompanySize, Industry, Region, Stage};
use super::customer::CustomerView;
use serde::{Deserialize, Serialize};

/// The longest free-text field a mutation may carry (names, cities), in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// Mutations per push: a queue longer than this is pushed in several batches.
pub const MAX_BATCH: usize = 500;
/// The mutation types this version understands. A newer client's type is refused with
/// [`Rejection::ClientMustUpdate`] instead of being guessed at.
pub const KNOWN_TYPES: [&str; 3] = ["create_customer", "update_customer", "move_opportunity"];

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
    /// A deal moved to another stage of the funnel.
    MoveOpportunity { id: String, from: Stage, to: Stage },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCustomer {
    pub id: String,
    pub name: String,
    /// `company` or `individual`.
    pub kind: String,
    pub region: Region,
    pub city: String,
    pub industry: Industry,
    pub size: CompanySize,
    pub business_type: BusinessType,
    #[serde(default)]
    pub phone: Option<String>,
}

/// The customer fields a device may edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerField {
    Name,
    City,
    Industry,
    Size,
    BusinessType,
    Phone,
}

impl CustomerField {
    pub const ALL: [CustomerField; 6] =
        [CustomerField::Name, CustomerField::City, CustomerField::Industry, CustomerField::Size, CustomerField::BusinessType, CustomerField::Phone];

    /// The column (and audit field) name.
    pub const fn column(self) -> &'static str {
        match self {
            CustomerField::Name => "name",
            CustomerField::City => "city",
            CustomerField::Industry => "industry",
            CustomerField::Size => "size",
            CustomerField::BusinessType => "business_type",
            CustomerField::Phone => "phone",
        }
    }

    /// Whether `value` is acceptable for this field (`None` = cleared).
    fn check(self, value: Option<&str>) -> Result<(), Rejection> {
        let invalid = |code: &'static str| Err(Rejection::Invalid { code: code.into() });
        match (self, value) {
            (CustomerField::Phone, None) => Ok(()),
            (CustomerField::Phone, Some(p)) if super::privacy::normalize_phone(p).is_some_and(|d| (5..=20).contains(&d.len())) && p.chars().count() <= 32 => Ok(()),
            (CustomerField::Phone, Some(_)) => invalid("invalid_phone"),
            (_, None) => invalid("required"),
            (CustomerField::Name | CustomerField::City, Some(v)) => text(v),
            (CustomerField::Industry, Some(v)) if Industry::from_code(v).is_some() => Ok(()),
            (CustomerField::Size, Some(v)) if CompanySize::from_code(v).is_some() => Ok(()),
            (CustomerField::BusinessType, Some(v)) if BusinessType::from_code(v).is_some() => Ok(()),
            _ => invalid("unknown_code"),
        }
    }
}

/// One edited field: what the user saw (`original`) and what they set (`value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldEdit {
    pub field: CustomerField,
    pub original: Option<String>,
    pub value: Option<String>,
}

fn text(v: &str) -> Result<(), Rejection> {
    let n = v.trim().chars().count();
    if n == 0 {
        Err(Rejection::Invalid { code: "required".into() })
    } else if n > MAX_TEXT_CHARS || v.chars().any(char::is_control) {
        Err(Rejection::Invalid { code: "too_long".into() })
    } else {
        Ok(())
    }
}

fn valid_id(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
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
                    return Err(Rejection::Invalid { code: "unknown_code".into() });
                }
                CustomerField::Phone.check(c.phone.as_deref())
            }
            Op::UpdateCustomer { id, edits } => {
                if !valid_id(id) {
                    return Err(bad_id());
                }
                if edits.is_empty() || edits.len() > CustomerField::ALL.len() {
                    return Err(Rejection::Invalid { code: "no_changes".into() });
                }
                let mut seen = Vec::new();
                for e in edits {
                    if seen.contains(&e.field) {
                        return Err(Rejection::Invalid { code: "duplicate_field".into() });
                    }
                    seen.push(e.field);
                    e.field.check(e.value.as_deref())?;
                }
                Ok(())
            }
            Op::MoveOpportunity { id, from, to } => {
                if !valid_id(id) {
                    return Err(bad_id());
                }
                if from == to {
                    return Err(Rejection::Invalid { code: "same_stage".into() });
                }
                Ok(())
            }
        }
    }

    /// The record a mutation is about, for permission checks and the change feed.
    pub fn target(&self) -> (&'static str, &str) {
        match self {
            Op::CreateCustomer(c) => ("customer", &c.id),
            Op::UpdateCustomer { id, .. } => ("customer", id),
            Op::MoveOpportunity { id, .. } => ("opportunity", id),
        }
    }
}

/// Why the server did not apply a mutation; the UI shows each translated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Rejection {
    /// The record does not exist, or the user may not see it.
    NotFound,
    /// The user sees the record but may not make this change.
    Forbidden,
    /// The shared validation refused it; `code` says why.
    Invalid { code: String },
    /// A record with this id already exists (a create replayed from another device).
    AlreadyExists,
    /// This server does not know the mutation type: the app must update before it can sync it.
    ClientMustUpdate,
}

/// The server's answer for one mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Applied; the record now has this version.
    Applied { version: i64 },
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

/// An opportunity as the replica keeps it (minimal until the funnel issue completes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpportunityView {
    pub id: String,
    pub customer_id: String,
    pub owner_id: String,
    pub title: String,
    pub stage: Stage,
    pub amount_fen: i64,
    pub expected_close: String,
    pub version: i64,
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
    pub removed: Vec<Removed>,
}

/// `GET /api/sync/conflicts`: a value of the user's that a later push overwrote, with the value
/// that won and the one both started from; the user may re-apply theirs or dismiss it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: String,
    pub entity: String,
    pub entity_id: String,
    /// The field's column name (a [`CustomerField`] for customers).
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

impl CustomerField {
    pub fn from_column(column: &str) -> Option<CustomerField> {
        CustomerField::ALL.into_iter().find(|f| f.column() == column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0b6c1f3e-8a3d-4b1e-9a55-3a1f6a2b7c90";

    fn create() -> NewCustomer {
        NewCustomer {
            id: ID.into(),
            name: "杭州网络科技有限公司".into(),
            kind: "company".into(),
            region: Region::EastChina,
            city: "杭州".into(),
            industry: Industry::Electronics,
            size: CompanySize::Small,
            business_type: BusinessType::EndUser,
            phone: Some("138 1234 5678".into()),
        }
    }

    #[test]
    fn mutations_travel_as_tagged_json_with_stable_codes() {
        let m = Mutation { seq: 7, at_ms: 1, op: Op::MoveOpportunity { id: ID.into(), from: Stage::Proposal, to: Stage::Negotiation } };
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["op"]["type"], "move_opportunity");
        assert_eq!(json["op"]["to"], "negotiation");
        assert_eq!(serde_json::from_value::<Mutation>(json).unwrap(), m);
        let c = serde_json::to_value(Op::CreateCustomer(create())).unwrap();
        assert_eq!((c["type"].as_str(), c["region"].as_str()), (Some("create_customer"), Some("east")));
        // KNOWN_TYPES names exactly the tags the enum produces.
        let tags: Vec<String> = [
            Op::CreateCustomer(create()),
            Op::UpdateCustomer { id: ID.into(), edits: vec![] },
            Op::MoveOpportunity { id: ID.into(), from: Stage::Proposal, to: Stage::Lost },
        ]
        .iter()
        .map(|op| serde_json::to_value(op).unwrap()["type"].as_str().unwrap().to_string())
        .collect();
        assert_eq!(tags, KNOWN_TYPES);
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
        let edit = |field, value: Option<&str>| FieldEdit { field, original: None, value: value.map(str::to_string) };
        assert_eq!(code(Op::UpdateCustomer { id: ID.into(), edits: vec![] }), "no_changes");
        assert_eq!(code(Op::UpdateCustomer { id: ID.into(), edits: vec![edit(CustomerField::Industry, Some("mining"))] }), "unknown_code");
        assert_eq!(code(Op::UpdateCustomer { id: ID.into(), edits: vec![edit(CustomerField::Name, None)] }), "required");
        assert_eq!(
            code(Op::UpdateCustomer { id: ID.into(), edits: vec![edit(CustomerField::City, Some("上海")), edit(CustomerField::City, Some("北京"))] }),
            "duplicate_field"
        );
        assert_eq!(Op::UpdateCustomer { id: ID.into(), edits: vec![edit(CustomerField::Phone, None), edit(CustomerField::Size, Some("large"))] }.validate(), Ok(()));
        assert_eq!(code(Op::MoveOpportunity { id: ID.into(), from: Stage::Proposal, to: Stage::Proposal }), "same_stage");
    }
}
