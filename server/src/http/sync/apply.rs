//! Applying one pushed mutation: the permission checks beyond the shared validation, the writes,
//! the audit entries and the change-feed entries. Every arm refuses only before its first write,
//! so a refused mutation has written nothing.

use super::super::session::Viewer;
use super::super::{AppError, AppState};
use crate::access::{may_change, CustomerScope};
use crate::areas::Effects;
use crate::audit::Change;
use crate::crypto::{Place, Vault};
use crate::db::now_ms;
use kedao_app::domain::catalog::ContactRole;
use kedao_app::domain::deal::check_deal_move;
use kedao_app::domain::deal::{parse_contacts, DealField};
use kedao_app::domain::entity::Entity;
use kedao_app::domain::funnel::day_of_ms;
use kedao_app::domain::pipeline::{extend_path, tick, MoveCheck, LOST, WON};
use kedao_app::domain::privacy::mask_phone;
use kedao_app::domain::promotion::{may_decide, Status as PlanStatus};
use kedao_app::domain::sync::{ContactField, CustomerField, Field, FieldEdit, Op, OpportunityView, Rejection};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

/// What a push works with: who is asking, what it has changed so far, and the customers it edits.
pub(super) struct Work<'a> {
    pub state: &'a AppState,
    pub viewer: &'a Viewer,
    pub scope: &'a CustomerScope,
    /// The change-feed and audit entries of the mutations applied so far.
    pub fx: Effects<'a>,
    /// Customers read with the batch (`prefetch`), as the mutations so far left them: absent
    /// means not visible or not there. Changed only through [`Work::cache`], so that a mutation
    /// rolled back to its savepoint leaves the cache as it found it.
    pub customers: HashMap<String, Editable>,
    /// What each [`Work::cache`] replaced, newest last.
    pub journal: Vec<(String, Option<Editable>)>,
    /// The company's lists, read when the batch gives list values (creates and customer edits).
    pub catalog: Option<kedao_app::domain::catalog::Catalog>,
}

/// Where a [`Work`] stood before a mutation: the lengths of what it collects.
#[derive(Clone, Copy)]
pub(super) struct Mark {
    changed: usize,
    audit: usize,
    journal: usize,
}

impl Work<'_> {
    pub fn mark(&self) -> Mark {
        Mark { changed: self.fx.changed.len(), audit: self.fx.audit.len(), journal: self.journal.len() }
    }

    /// Forgets what the mutations after `mark` noted: their change-feed and audit entries, and
    /// the cached rows they changed.
    pub fn undo_to(&mut self, mark: Mark) {
        self.fx.changed.truncate(mark.changed);
        self.fx.audit.undo_to(mark.audit);
        while self.journal.len() > mark.journal {
            let Some((id, before)) = self.journal.pop() else { break };
            match before {
                Some(row) => self.customers.insert(id, row),
                None => self.customers.remove(&id),
            };
        }
    }

    /// Sets (or with `None` drops) the cached customer `id`, so later mutations of the batch
    /// see this one.
    fn cache(&mut self, id: &str, row: Option<Editable>) {
        let before = match row {
            Some(row) => self.customers.insert(id.to_string(), row),
            None => self.customers.remove(id),
        };
        self.journal.push((id.to_string(), before));
    }
}

/// A promotion plan as its approval needs it.
struct PlanRow {
    owner_id: String,
    status: PlanStatus,
    version: i64,
}

/// The plan `id` if the viewer may see it (see [`super::feed::plans_visible_sql`]).
async fn plan_row(tx: &mut Transaction<'_, Any>, viewer: &Viewer, id: &str) -> Result<Option<PlanRow>, AppError> {
    let sql = format!(
        "SELECT p.owner_id, p.status, p.version FROM promotion_plans p JOIN users u ON u.id = p.owner_id WHERE p.id = $2 AND {}",
        super::feed::plans_visible_sql(viewer.user.role)
    );
    let Some(row) = sqlx::query(&sql).bind(&viewer.user.user_id).bind(id).fetch_optional(&mut **tx).await? else { return Ok(None) };
    let status: String = row.try_get("status")?;
    Ok(Some(PlanRow {
        owner_id: row.try_get("owner_id")?,
        status: PlanStatus::from_code(&status).ok_or_else(|| anyhow::anyhow!("unknown plan status {status:?}"))?,
        version: row.try_get("version")?,
    }))
}

/// Moves a plan to `to`: written, audited, in the change feed. `decision`: the approver's note
/// (`Some(None)`: none given) when this is a decision; a submission clears the last one.
async fn set_plan_status(
    tx: &mut Transaction<'_, Any>,
    work: &mut Work<'_>,
    id: &str,
    plan: &PlanRow,
    to: PlanStatus,
    decision: Option<Option<&str>>,
) -> Result<(), AppError> {
    let now = now_ms();
    let decided_by = decision.map(|_| work.viewer.user.user_id.as_str());
    sqlx::query("UPDATE promotion_plans SET status = $1, decided_by = $2, decided_at = $3, note = $4, updated_at = $5, version = $6 WHERE id = $7")
        .bind(to.code())
        .bind(decided_by)
        .bind(decision.map(|_| now))
        .bind(decision.flatten())
        .bind(now)
        .bind(plan.version + 1)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    work.fx.audit(Change { entity: "promotion", entity_id: id, field: "status", old: Some(plan.status.code()), new: Some(to.code()) });
    work.fx.changed.push((Entity::Promotion, id.to_string()));
    Ok(())
}

/// A record the viewer may see, as far as editing needs it (the phone opened).
#[derive(Clone)]
pub(super) struct Editable {
    owner_id: String,
    version: i64,
    values: HashMap<&'static str, Option<String>>,
}

/// A value to write, typed for the column (PostgreSQL does not cast text to BIGINT).
enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
}

/// The columns one field's value is written to: a phone is sealed beside its blind index, a
/// number ([`Field::numeric`]) is written as one, the rest is text.
fn cells<F: Field>(vault: &Vault, table: &'static str, id: &str, field: F, value: Option<&str>) -> Vec<(&'static str, Cell)> {
    let column = field.column();
    match column {
        "phone" => vec![
            ("phone", Cell::Text(vault.seal_opt(Place { table, column, id }, value))),
            ("phone_bidx", Cell::Text(value.and_then(|p| vault.phone_index(p)))),
        ],
        _ if field.numeric() => vec![(column, Cell::Int(value.and_then(|v| v.parse().ok())))],
        _ => vec![(column, Cell::Text(value.map(str::to_string)))],
    }
}

/// `UPDATE table SET …, updated_at = now[, version = version + 1] WHERE id = …`. Column names
/// come from the closed lists of fields, never from input.
async fn update_row(tx: &mut Transaction<'_, Any>, table: &'static str, id: &str, sets: Vec<(&'static str, Cell)>, bump: bool) -> Result<(), AppError> {
    if sets.is_empty() {
        return Ok(());
    }
    let assignments: Vec<String> = sets.iter().enumerate().map(|(i, (col, _))| format!("{col} = ${}", i + 1)).collect();
    let n = sets.len();
    let version = if bump { ", version = version + 1" } else { "" };
    let sql = format!("UPDATE {table} SET {}, updated_at = ${}{version} WHERE id = ${}", assignments.join(", "), n + 1, n + 2);
    let mut query = sqlx::query(&sql);
    for (_, cell) in sets {
        query = match cell {
            Cell::Text(v) => query.bind(v),
            Cell::Int(v) => query.bind(v),
            Cell::Bool(v) => query.bind(v),
        };
    }
    query.bind(now_ms()).bind(id).execute(&mut **tx).await?;
    Ok(())
}

/// A deal the viewer sees (`None`: not found or not in view), and whether they may change it
/// (`Some(None)`: they see it but may not), with what a move or a tick needs of it.
async fn editable_deal(tx: &mut Transaction<'_, Any>, work: &Work<'_>, id: &str) -> Result<Option<Option<OpportunityView>>, AppError> {
    let (condition, binds) = work.scope.sql(2);
    let sql = format!(
        "SELECT o.pipeline, o.stage, o.criteria, COALESCE(o.path, '') AS path, o.version, o.owner_id, c.owner_id AS customer_owner \
         FROM opportunities o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1 AND {condition}"
    );
    let mut query = sqlx::query(&sql).bind(id);
    for b in &binds {
        query = query.bind(b.as_str());
    }
    let Some(row) = query.fetch_optional(&mut **tx).await? else { return Ok(None) };
    let (owner, customer_owner): (String, String) = (row.try_get("owner_id")?, row.try_get("customer_owner")?);
    if !(may_change(work.viewer, &owner) || may_change(work.viewer, &customer_owner)) {
        return Ok(Some(None));
    }
    Ok(Some(Some(OpportunityView {
        id: id.to_string(),
        pipeline: row.try_get("pipeline")?,
        stage: row.try_get("stage")?,
        criteria: row.try_get("criteria")?,
        path: row.try_get("path")?,
        version: row.try_get("version")?,
        owner_id: owner,
        ..Default::default()
    })))
}

/// The optional fields a create carries, written to the row just inserted (version unchanged).
async fn write_details<F: Field>(
    tx: &mut Transaction<'_, Any>,
    vault: &Vault,
    table: &'static str,
    id: &str,
    details: &std::collections::BTreeMap<F, String>,
) -> Result<(), AppError> {
    let mut sets = Vec::new();
    for (field, value) in details {
        let value = stored(field.column(), Some(value));
        sets.extend(cells(vault, table, id, *field, value.as_deref()));
    }
    update_row(tx, table, id, sets, false).await
}

/// A value as stored, trimmed like the shared canonical form (phones are kept as typed).
fn stored(column: &str, value: Option<&String>) -> Option<String> {
    value.map(|v| if column == "phone" { v.clone() } else { v.trim().to_string() })
}

/// Applies one validated mutation inside `tx` and notes what it changed in `work` (the change
/// feed and the audit log are written once for the batch). `Ok(Err(_))` is a refusal.
pub(super) async fn apply(tx: &mut Transaction<'_, Any>, work: &mut Work<'_>, op: &Op) -> Result<Result<i64, Rejection>, AppError> {
    let Work { state, viewer, scope, .. } = *work;
    if let Some(catalog) = &work.catalog {
        if let Err(rejection) = op.check_catalog(catalog) {
            return Ok(Err(rejection));
        }
    }
    match op {
        Op::CreateCustomer(c) => {
            if !viewer.user.role.creates_customers() {
                return Ok(Err(Rejection::Forbidden));
            }
            let region: Option<String> =
                sqlx::query("SELECT id FROM regions WHERE code = $1").bind(&c.region).fetch_optional(&mut **tx).await?.map(|r| r.try_get("id")).transpose()?;
            let Some(region_id) = region else { return Ok(Err(Rejection::Invalid { code: "unknown_code".into() })) };
            // A manager creates only inside the regions they answer for (or would lose sight of it).
            if let CustomerScope::Regions(regions) = scope {
                if !regions.contains(&region_id) {
                    return Ok(Err(Rejection::Forbidden));
                }
            }
            let exists = sqlx::query("SELECT 1 AS one FROM customers WHERE id = $1").bind(&c.id).fetch_optional(&mut **tx).await?;
            if exists.is_some() {
                return Ok(Err(Rejection::AlreadyExists));
            }
            let place = Place { table: "customers", column: "phone", id: &c.id };
            let now = now_ms();
            sqlx::query(
                "INSERT INTO customers (id, name, kind, region_id, city, industry, size, business_type, grade, owner_id, phone, phone_bidx, \
                 created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'D', $9, $10, $11, $12, $12, 1)",
            )
            .bind(&c.id)
            .bind(c.name.trim())
            .bind(&c.kind)
            .bind(&region_id)
            .bind(c.city.trim())
            .bind(&c.industry)
            .bind(&c.size)
            .bind(&c.business_type)
            .bind(&viewer.user.user_id)
            .bind(state.vault.seal_opt(place, c.phone.as_deref()))
            .bind(c.phone.as_deref().and_then(|p| state.vault.phone_index(p)))
            .bind(now)
            .execute(&mut **tx)
            .await?;
            let mut values: HashMap<&'static str, Option<String>> = [
                ("name", Some(c.name.trim().to_string())),
                ("city", Some(c.city.trim().to_string())),
                ("industry", Some(c.industry.clone())),
                ("size", Some(c.size.clone())),
                ("business_type", Some(c.business_type.clone())),
                ("phone", c.phone.clone()),
            ]
            .into_iter()
            .collect();
            let mut sets = Vec::new();
            for (field, value) in &c.details {
                let value = stored(field.column(), Some(value));
                sets.extend(cells(&state.vault, "customers", &c.id, *field, value.as_deref()));
                values.insert(field.column(), value);
            }
            update_row(tx, "customers", &c.id, sets, false).await?;
            work.fx.audit(Change { entity: "customer", entity_id: &c.id, field: "created", old: None, new: Some(c.name.trim()) });
            work.fx.changed.push((Entity::Customer, c.id.clone()));
            work.cache(&c.id, Some(Editable { owner_id: viewer.user.user_id.clone(), version: 1, values }));
            Ok(Ok(1))
        }
        Op::UpdateCustomer { id, edits } => {
            // Read with the batch (`prefetch`): absent means invisible or nonexistent.
            let Some(row) = work.customers.get(id).cloned() else { return Ok(Err(Rejection::NotFound)) };
            if !may_change(viewer, &row.owner_id) {
                return Ok(Err(Rejection::Forbidden));
            }
            let version = row.version;
            let changed = update_fields(tx, work, Entity::Customer, id, &row, edits).await?;
            if !changed {
                return Ok(Ok(version));
            }
            work.fx.changed.push((Entity::Customer, id.clone()));
            // Later mutations of this batch see this one.
            let mut cached = row;
            cached.version += 1;
            for edit in edits {
                cached.values.insert(edit.field.column(), stored(edit.field.column(), edit.value.as_ref()));
            }
            work.cache(id, Some(cached));
            Ok(Ok(version + 1))
        }
        Op::MoveOpportunity { id, to, rank, lost_reason, lost_to, .. } => {
            let Some(deal) = editable_deal(tx, work, id).await? else { return Ok(Err(Rejection::NotFound)) };
            let Some(deal) = deal else { return Ok(Err(Rejection::Forbidden)) };
            let version = deal.version;
            let now = now_ms();
            if deal.stage == *to {
                // A reorder within the column (or a move the deal already made).
                if let Some(rank) = rank {
                    sqlx::query("UPDATE opportunities SET board_rank = $1, updated_at = $2, version = version + 1 WHERE id = $3")
                        .bind(rank)
                        .bind(now)
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                    work.fx.changed.push((Entity::Opportunity, id.clone()));
                    return Ok(Ok(version + 1));
                }
                return Ok(Ok(version));
            }
            // Checked against the deal as stored: the later move wins whatever stage the device
            // thought it was in, but only if the pipeline allows it from where it really is.
            let catalog = work.catalog.as_ref().expect("loaded for moves");
            if let MoveCheck::Refused { reason, .. } = check_deal_move(catalog, &deal, to) {
                return Ok(Err(Rejection::Invalid { code: reason.into() }));
            }
            let closed_on = (to == WON || to == LOST).then(|| {
                let d = time::OffsetDateTime::from_unix_timestamp(now / 1000).map(|t| t.date()).unwrap_or(time::Date::MIN);
                format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
            });
            let path = extend_path(&deal.path, to, day_of_ms(now));
            let reason = if to == LOST { lost_reason.as_deref().map(str::trim) } else { None };
            let winner = if to == LOST { lost_to.as_deref().map(str::trim) } else { None };
            sqlx::query(
                "UPDATE opportunities SET stage = $1, stage_entered_at = $2, touched_at = $2, closed_on = $3, path = $4, lost_reason = $5, \
                 lost_to = $6, board_rank = COALESCE($7, board_rank), updated_at = $2, version = version + 1 WHERE id = $8",
            )
            .bind(to)
            .bind(now)
            .bind(closed_on)
            .bind(&path)
            .bind(reason)
            .bind(winner)
            .bind(rank.as_deref())
            .bind(id)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO opportunity_stage_history (id, opportunity_id, from_stage, to_stage, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(id)
            .bind(&deal.stage)
            .bind(to)
            .bind(&viewer.user.user_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            work.fx.audit(Change { entity: "opportunity", entity_id: id, field: "stage", old: Some(&deal.stage), new: Some(to) });
            if let Some(reason) = reason {
                work.fx.audit(Change { entity: "opportunity", entity_id: id, field: "lost_reason", old: None, new: Some(reason) });
            }
            if let Some(winner) = winner {
                work.fx.audit(Change { entity: "opportunity", entity_id: id, field: "lost_to", old: None, new: Some(winner) });
            }
            work.fx.changed.push((Entity::Opportunity, id.clone()));
            Ok(Ok(version + 1))
        }
        Op::TickCriterion { id, stage, code, ticked } => {
            let Some(deal) = editable_deal(tx, work, id).await? else { return Ok(Err(Rejection::NotFound)) };
            let Some(deal) = deal else { return Ok(Err(Rejection::Forbidden)) };
            let catalog = work.catalog.as_ref().expect("loaded for ticks");
            let known = catalog
                .pipeline(&deal.pipeline)
                .and_then(|p| p.stages.iter().find(|s| s.code == *stage))
                .is_some_and(|s| s.entry_criteria.iter().chain(&s.exit_criteria).any(|c| c.code == *code));
            if !known {
                return Ok(Err(Rejection::Invalid { code: "unknown_criterion".into() }));
            }
            let criteria = tick(&deal.criteria, stage, code, *ticked);
            if criteria == deal.criteria {
                return Ok(Ok(deal.version));
            }
            let now = now_ms();
            sqlx::query("UPDATE opportunities SET criteria = $1, touched_at = $2, updated_at = $2, version = version + 1 WHERE id = $3")
                .bind(&criteria)
                .bind(now)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            work.fx.audit(Change { entity: "opportunity", entity_id: id, field: "criteria", old: Some(&deal.criteria), new: Some(&criteria) });
            work.fx.changed.push((Entity::Opportunity, id.clone()));
            Ok(Ok(deal.version + 1))
        }
        Op::CreateContact(k) => {
            let Some(owner) = customer_owner(tx, scope, &k.customer_id).await? else { return Ok(Err(Rejection::NotFound)) };
            if !may_change(viewer, &owner) {
                return Ok(Err(Rejection::Forbidden));
            }
            let exists = sqlx::query("SELECT 1 AS one FROM contacts WHERE id = $1").bind(&k.id).fetch_optional(&mut **tx).await?;
            if exists.is_some() {
                return Ok(Err(Rejection::AlreadyExists));
            }
            let now = now_ms();
            let decides = k.details.get(&ContactField::Role).map(String::as_str) == Some(ContactRole::DecisionMaker.code());
            sqlx::query("INSERT INTO contacts (id, customer_id, name, is_decision_maker, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $5, 1)")
                .bind(&k.id)
                .bind(&k.customer_id)
                .bind(k.name.trim())
                .bind(decides)
                .bind(now)
                .execute(&mut **tx)
                .await?;
            write_details(tx, &state.vault, "contacts", &k.id, &k.details).await?;
            // The customer's history shows who joined and left its contacts.
            work.fx.audit(Change { entity: "customer", entity_id: &k.customer_id, field: "contact_added", old: None, new: Some(k.name.trim()) });
            work.fx.changed.push((Entity::Contact, k.id.clone()));
            Ok(Ok(1))
        }
        Op::UpdateContact { id, edits } => {
            let Some((row, _)) = editable_contact(tx, state, scope, id).await? else { return Ok(Err(Rejection::NotFound)) };
            if !may_change(viewer, &row.owner_id) {
                return Ok(Err(Rejection::Forbidden));
            }
            let version = row.version;
            if !update_fields(tx, work, Entity::Contact, id, &row, edits).await? {
                return Ok(Ok(version));
            }
            work.fx.changed.push((Entity::Contact, id.clone()));
            Ok(Ok(version + 1))
        }
        Op::MergeCustomers { keep, merged } => {
            // Whoever may change both customers may merge them (their owner, or who answers for
            // them); the merged one's records all move, then it is gone.
            let Some(keep_owner) = customer_owner(tx, scope, keep).await? else { return Ok(Err(Rejection::NotFound)) };
            let Some(merged_owner) = customer_owner(tx, scope, merged).await? else { return Ok(Err(Rejection::NotFound)) };
            if !may_change(viewer, &keep_owner) || !may_change(viewer, &merged_owner) {
                return Ok(Err(Rejection::Forbidden));
            }
            let version = crate::areas::customers::merge(tx, &mut work.fx, keep, merged).await?;
            work.cache(merged, None);
            if let Some(mut cached) = work.customers.get(keep).cloned() {
                cached.version = version;
                work.cache(keep, Some(cached));
            }
            Ok(Ok(version))
        }
        Op::CreateOpportunity(o) => {
            // Whoever may change the customer may open a deal on it; the deal is theirs.
            let Some(owner) = customer_owner(tx, scope, &o.customer_id).await? else { return Ok(Err(Rejection::NotFound)) };
            if !may_change(viewer, &owner) {
                return Ok(Err(Rejection::Forbidden));
            }
            let exists = sqlx::query("SELECT 1 AS one FROM opportunities WHERE id = $1").bind(&o.id).fetch_optional(&mut **tx).await?;
            if exists.is_some() {
                return Ok(Err(Rejection::AlreadyExists));
            }
            let catalog = work.catalog.as_ref().expect("loaded for deals");
            let Some(first) = catalog.pipeline(&o.pipeline).and_then(|p| p.stages.first()) else {
                return Ok(Err(Rejection::Invalid { code: "unknown_pipeline".into() }));
            };
            if let Some(contacts) = o.details.get(&DealField::Contacts) {
                if let Err(rejection) = contacts_of_customer(tx, &o.customer_id, contacts).await? {
                    return Ok(Err(rejection));
                }
            }
            let now = now_ms();
            sqlx::query(
                "INSERT INTO opportunities (id, customer_id, owner_id, title, stage, amount_fen, source, expected_close, stage_entered_at, \
                 created_at, updated_at, version, pipeline, touched_at, path, criteria) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9, 1, $10, $9, $11, '')",
            )
            .bind(&o.id)
            .bind(&o.customer_id)
            .bind(&viewer.user.user_id)
            .bind(o.title.trim())
            .bind(&first.code)
            .bind(o.amount_fen)
            .bind(&o.source)
            .bind(&o.expected_close)
            .bind(now)
            .bind(&o.pipeline)
            .bind(extend_path("", &first.code, day_of_ms(now)))
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO opportunity_stage_history (id, opportunity_id, from_stage, to_stage, changed_by, changed_at) VALUES ($1, $2, NULL, $3, $4, $5)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(&o.id)
            .bind(&first.code)
            .bind(&viewer.user.user_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            write_details(tx, &state.vault, "opportunities", &o.id, &o.details).await?;
            work.fx.audit(Change { entity: "opportunity", entity_id: &o.id, field: "created", old: None, new: Some(o.title.trim()) });
            work.fx.changed.push((Entity::Opportunity, o.id.clone()));
            Ok(Ok(1))
        }
        Op::UpdateOpportunity { id, edits } => {
            let Some((row, customer_id, allowed)) = deal_fields(tx, scope, viewer, id).await? else { return Ok(Err(Rejection::NotFound)) };
            if !allowed {
                return Ok(Err(Rejection::Forbidden));
            }
            if let Some(contacts) = edits.iter().find(|e| e.field == DealField::Contacts).and_then(|e| e.value.as_deref()) {
                if let Err(rejection) = contacts_of_customer(tx, &customer_id, contacts).await? {
                    return Ok(Err(rejection));
                }
            }
            let version = row.version;
            if !update_fields(tx, work, Entity::Opportunity, id, &row, edits).await? {
                return Ok(Ok(version));
            }
            work.fx.changed.push((Entity::Opportunity, id.clone()));
            Ok(Ok(version + 1))
        }
        Op::ReassignCustomer { id, to } => {
            let Some(old_owner) = customer_owner(tx, scope, id).await? else { return Ok(Err(Rejection::NotFound)) };
            if !viewer.user.role.answers_for_customers() {
                return Ok(Err(Rejection::Forbidden));
            }
            let Some(target) = crate::access::handover(tx, scope, to, false).await? else {
                return Ok(Err(Rejection::Invalid { code: "invalid_owner".into() }));
            };
            let version: i64 = sqlx::query("SELECT version FROM customers WHERE id = $1").bind(id).fetch_one(&mut **tx).await?.try_get("version")?;
            if target.user_id == old_owner {
                return Ok(Ok(version));
            }
            let version = crate::areas::customers::reassign(tx, &mut work.fx, id, &old_owner, &target.user_id).await?;
            // Later mutations of this batch see the new owner.
            if let Some(mut cached) = work.customers.get(id).cloned() {
                cached.owner_id = target.user_id.clone();
                cached.version = version;
                work.cache(id, Some(cached));
            }
            Ok(Ok(version))
        }
        Op::ReassignOpportunity { id, to } => {
            let Some((row, customer_id, _)) = deal_fields(tx, scope, viewer, id).await? else { return Ok(Err(Rejection::NotFound)) };
            if !viewer.user.role.answers_for_customers() {
                return Ok(Err(Rejection::Forbidden));
            }
            let Some(target) = crate::access::handover(tx, scope, to, false).await? else {
                return Ok(Err(Rejection::Invalid { code: "invalid_owner".into() }));
            };
            if target.user_id == row.owner_id {
                return Ok(Ok(row.version));
            }
            if !target.sees_customer(tx, &customer_id).await? {
                return Ok(Err(Rejection::Invalid { code: "owner_cannot_see_customer".into() }));
            }
            crate::areas::deals::hand_over(tx, &mut work.fx, id, &row.owner_id, &target.user_id, now_ms()).await?;
            Ok(Ok(row.version + 1))
        }
        Op::SaveSegment { id, name, rule, period_days, shared } => {
            let known = sqlx::query("SELECT owner_id, version FROM saved_segments WHERE id = $1").bind(id).fetch_optional(&mut **tx).await?;
            let rule_text = serde_json::to_string(rule).map_err(anyhow::Error::from)?;
            let now = now_ms();
            let version = match known {
                Some(row) => {
                    if row.try_get::<String, _>("owner_id")? != viewer.user.user_id {
                        return Ok(Err(Rejection::Forbidden));
                    }
                    let version = row.try_get::<i64, _>("version")? + 1;
                    sqlx::query("UPDATE saved_segments SET name = $1, rule = $2, period_days = $3, shared = $4, updated_at = $5, version = $6 WHERE id = $7")
                        .bind(name.trim())
                        .bind(&rule_text)
                        .bind(*period_days as i32)
                        .bind(*shared)
                        .bind(now)
                        .bind(version)
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                    version
                }
                None => {
                    sqlx::query(
                        "INSERT INTO saved_segments (id, owner_id, name, rule, period_days, shared, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1)",
                    )
                    .bind(id)
                    .bind(&viewer.user.user_id)
                    .bind(name.trim())
                    .bind(&rule_text)
                    .bind(*period_days as i32)
                    .bind(*shared)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                    1
                }
            };
            work.fx.changed.push((Entity::Segment, id.clone()));
            Ok(Ok(version))
        }
        Op::DeleteSegment { id } => {
            // Someone else's private segment does not exist for the viewer; a shared one they see
            // is not theirs to delete.
            let sql = format!(
                "SELECT s.owner_id, s.version FROM saved_segments s JOIN users u ON u.id = s.owner_id WHERE s.id = $2 AND {}",
                super::feed::segments_visible_sql(viewer.user.role)
            );
            let Some(row) = sqlx::query(&sql).bind(&viewer.user.user_id).bind(id).fetch_optional(&mut **tx).await? else {
                return Ok(Err(Rejection::NotFound));
            };
            if row.try_get::<String, _>("owner_id")? != viewer.user.user_id {
                return Ok(Err(Rejection::Forbidden));
            }
            sqlx::query("DELETE FROM saved_segments WHERE id = $1").bind(id).execute(&mut **tx).await?;
            work.fx.changed.push((Entity::Segment, id.clone()));
            Ok(Ok(row.try_get::<i64, _>("version")? + 1))
        }
        Op::SavePromotion { id, draft } => {
            if let Some(segment) = &draft.segment_id {
                let found = sqlx::query("SELECT id FROM saved_segments WHERE id = $1").bind(segment).fetch_optional(&mut **tx).await?;
                if found.is_none() {
                    return Ok(Err(Rejection::Invalid { code: "unknown_segment".into() }));
                }
            }
            let text = serde_json::to_string(draft).map_err(anyhow::Error::from)?;
            let now = now_ms();
            let version = match plan_row(tx, viewer, id).await? {
                Some(plan) => {
                    if plan.owner_id != viewer.user.user_id {
                        return Ok(Err(Rejection::Forbidden));
                    }
                    if !plan.status.editable() {
                        return Ok(Err(Rejection::Invalid { code: "plan_locked".into() }));
                    }
                    sqlx::query(
                        "UPDATE promotion_plans SET name = $1, draft = $2, status = 'draft', decided_by = NULL, decided_at = NULL, note = NULL, updated_at = $3, version = $4 WHERE id = $5",
                    )
                    .bind(draft.name.trim())
                    .bind(&text)
                    .bind(now)
                    .bind(plan.version + 1)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                    plan.version + 1
                }
                None => {
                    // An id taken by a plan the viewer may not see is not theirs to reuse.
                    if sqlx::query("SELECT id FROM promotion_plans WHERE id = $1").bind(id).fetch_optional(&mut **tx).await?.is_some() {
                        return Ok(Err(Rejection::Forbidden));
                    }
                    sqlx::query(
                        "INSERT INTO promotion_plans (id, owner_id, name, draft, status, created_at, updated_at, version) VALUES ($1, $2, $3, $4, 'draft', $5, $5, 1)",
                    )
                    .bind(id)
                    .bind(&viewer.user.user_id)
                    .bind(draft.name.trim())
                    .bind(&text)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                    1
                }
            };
            work.fx.changed.push((Entity::Promotion, id.clone()));
            Ok(Ok(version))
        }
        Op::SubmitPromotion { id } => {
            let Some(plan) = plan_row(tx, viewer, id).await? else { return Ok(Err(Rejection::NotFound)) };
            if plan.owner_id != viewer.user.user_id {
                return Ok(Err(Rejection::Forbidden));
            }
            match plan.status {
                PlanStatus::Submitted => return Ok(Ok(plan.version)),
                PlanStatus::Approved => return Ok(Err(Rejection::Invalid { code: "plan_locked".into() })),
                PlanStatus::Draft | PlanStatus::Rejected => {}
            }
            set_plan_status(tx, work, id, &plan, PlanStatus::Submitted, None).await?;
            Ok(Ok(plan.version + 1))
        }
        Op::DecidePromotion { id, approve, note } => {
            let Some(plan) = plan_row(tx, viewer, id).await? else { return Ok(Err(Rejection::NotFound)) };
            if !may_decide(viewer.user.role, &viewer.user.user_id, &plan.owner_id, plan.status) {
                // Not theirs to decide (a role below, or their own plan), or not waiting for it.
                let theirs = may_decide(viewer.user.role, &viewer.user.user_id, &plan.owner_id, PlanStatus::Submitted);
                return Ok(Err(if theirs { Rejection::Invalid { code: "not_submitted".into() } } else { Rejection::Forbidden }));
            }
            let to = if *approve { PlanStatus::Approved } else { PlanStatus::Rejected };
            let note = Some(note.trim()).filter(|n| !n.is_empty());
            set_plan_status(tx, work, id, &plan, to, Some(note)).await?;
            Ok(Ok(plan.version + 1))
        }
        Op::DeletePromotion { id } => {
            let Some(plan) = plan_row(tx, viewer, id).await? else { return Ok(Err(Rejection::NotFound)) };
            if plan.owner_id != viewer.user.user_id {
                return Ok(Err(Rejection::Forbidden));
            }
            if plan.status == PlanStatus::Approved {
                return Ok(Err(Rejection::Invalid { code: "plan_locked".into() }));
            }
            sqlx::query("DELETE FROM promotion_plans WHERE id = $1").bind(id).execute(&mut **tx).await?;
            work.fx.changed.push((Entity::Promotion, id.clone()));
            Ok(Ok(plan.version + 1))
        }
        Op::AttributeOrder { id, plan } => {
            let (condition, binds) = scope.sql(2);
            let sql = format!(
                "SELECT r.customer_id, r.campaign_id, c.owner_id FROM orders r JOIN customers c ON c.id = r.customer_id WHERE r.id = $1 AND {condition}"
            );
            let mut query = sqlx::query(&sql).bind(id);
            for b in &binds {
                query = query.bind(b.as_str());
            }
            let Some(row) = query.fetch_optional(&mut **tx).await? else { return Ok(Err(Rejection::NotFound)) };
            let (customer_id, current, owner_id): (String, Option<String>, String) =
                (row.try_get("customer_id")?, row.try_get("campaign_id")?, row.try_get("owner_id")?);
            if !may_change(viewer, &owner_id) {
                return Ok(Err(Rejection::Forbidden));
            }
            if let Some(plan) = plan {
                let status: Option<String> = sqlx::query("SELECT status FROM promotion_plans WHERE id = $1")
                    .bind(plan)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(|r| r.try_get("status"))
                    .transpose()?;
                if status.as_deref() != Some(PlanStatus::Approved.code()) {
                    return Ok(Err(Rejection::Invalid { code: "plan_not_approved".into() }));
                }
            }
            // Orders carry no version of their own: the customer they travel with is sent again.
            if current != *plan {
                sqlx::query("UPDATE orders SET campaign_id = $1 WHERE id = $2").bind(plan.as_deref()).bind(id).execute(&mut **tx).await?;
                work.fx.audit(Change { entity: "order", entity_id: id, field: "campaign_id", old: current.as_deref(), new: plan.as_deref() });
                work.fx.changed.push((Entity::Customer, customer_id));
            }
            Ok(Ok(1))
        }
        Op::DeleteContact { id } => {
            let Some((row, customer_id)) = editable_contact(tx, state, scope, id).await? else { return Ok(Err(Rejection::NotFound)) };
            if !may_change(viewer, &row.owner_id) {
                return Ok(Err(Rejection::Forbidden));
            }
            sqlx::query("DELETE FROM contacts WHERE id = $1").bind(id).execute(&mut **tx).await?;
            let name = row.values.get("name").cloned().flatten();
            work.fx.audit(Change { entity: "customer", entity_id: &customer_id, field: "contact_deleted", old: name.as_deref(), new: None });
            work.fx.changed.push((Entity::Contact, id.clone()));
            Ok(Ok(row.version + 1))
        }
    }
}

/// Writes the edits that change something (one UPDATE, version + 1), files conflicts for values
/// someone else changed since the user read them, and audits each change. `false`: nothing to do.
async fn update_fields<F: Field>(
    tx: &mut Transaction<'_, Any>,
    work: &mut Work<'_>,
    entity: Entity,
    id: &str,
    row: &Editable,
    edits: &[FieldEdit<F>],
) -> Result<bool, AppError> {
    let table = match entity {
        Entity::Customer => "customers",
        Entity::Contact => "contacts",
        Entity::Opportunity => "opportunities",
        Entity::Order | Entity::Segment | Entity::Promotion | Entity::Catalog => return Err(anyhow::anyhow!("{entity:?} has no field edits").into()),
    };
    let mut sets = Vec::new();
    for edit in edits {
        let column = edit.field.column();
        let current = row.values.get(column).cloned().flatten();
        let value = stored(column, edit.value.as_ref());
        if current == value {
            continue;
        }
        if current != edit.original {
            // Someone else changed this field since the user read it: the later push wins, and
            // whoever set the overwritten value finds it in their conflicts list.
            let conflict =
                Overwritten { entity: entity.code(), id, column, theirs: current.as_deref(), winning: value.as_deref(), original: edit.original.as_deref() };
            record_conflict(tx, &work.state.vault, conflict, &work.viewer.user.user_id).await?;
        }
        sets.extend(cells(&work.state.vault, table, id, edit.field, value.as_deref()));
        if entity == Entity::Contact && column == "role" {
            sets.push(("is_decision_maker", Cell::Bool(value.as_deref() == Some(ContactRole::DecisionMaker.code()))));
        }
        // Phones are not written to the audit log in clear.
        let shown = |v: Option<&str>| if column == "phone" { v.map(mask_phone) } else { v.map(str::to_string) };
        let (old, new) = (shown(current.as_deref()), shown(value.as_deref()));
        work.fx.audit(Change { entity: entity.code(), entity_id: id, field: column, old: old.as_deref(), new: new.as_deref() });
    }
    if sets.is_empty() {
        return Ok(false);
    }
    if entity == Entity::Opportunity {
        // Working on a deal (a next step, a new assessment) counts against it stalling.
        sets.push(("touched_at", Cell::Int(Some(now_ms()))));
    }
    update_row(tx, table, id, sets, true).await?;
    Ok(true)
}

/// A deal the viewer sees, with its editable fields, its customer, and whether they may change it
/// (its owner or its customer's, or who answers for them).
async fn deal_fields(tx: &mut Transaction<'_, Any>, scope: &CustomerScope, viewer: &Viewer, id: &str) -> Result<Option<(Editable, String, bool)>, AppError> {
    let (condition, binds) = scope.sql(2);
    let columns: Vec<String> = DealField::ALL.iter().map(|f| format!("o.{}", f.column())).collect();
    let sql = format!(
        "SELECT o.customer_id, o.owner_id, o.version, c.owner_id AS customer_owner, {} FROM opportunities o JOIN customers c ON c.id = o.customer_id \
         WHERE o.id = $1 AND {condition}",
        columns.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(id);
    for b in &binds {
        query = query.bind(b.as_str());
    }
    let Some(row) = query.fetch_optional(&mut **tx).await? else { return Ok(None) };
    let mut values = HashMap::new();
    for field in DealField::ALL {
        let column = field.column();
        let value = if field.numeric() { row.try_get::<Option<i64>, _>(column)?.map(|n| n.to_string()) } else { row.try_get::<Option<String>, _>(column)? };
        // Lists stored empty are absent, as the device has them.
        values.insert(column, value.filter(|v| !v.is_empty()));
    }
    let (owner, customer_owner): (String, String) = (row.try_get("owner_id")?, row.try_get("customer_owner")?);
    let allowed = may_change(viewer, &owner) || may_change(viewer, &customer_owner);
    Ok(Some((Editable { owner_id: owner, version: row.try_get("version")?, values }, row.try_get("customer_id")?, allowed)))
}

/// Whether every contact a deal names is one of its customer's.
async fn contacts_of_customer(tx: &mut Transaction<'_, Any>, customer_id: &str, contacts: &str) -> Result<Result<(), Rejection>, AppError> {
    let known: std::collections::HashSet<String> = sqlx::query("SELECT id FROM contacts WHERE customer_id = $1")
        .bind(customer_id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    if parse_contacts(contacts).all(|(id, _)| known.contains(id)) {
        Ok(Ok(()))
    } else {
        Ok(Err(Rejection::Invalid { code: "not_customer_contact".into() }))
    }
}

/// The owner of a customer the viewer may see.
async fn customer_owner(tx: &mut Transaction<'_, Any>, scope: &CustomerScope, customer_id: &str) -> Result<Option<String>, AppError> {
    let (condition, binds) = scope.sql(2);
    let sql = format!("SELECT c.owner_id FROM customers c WHERE c.id = $1 AND {condition}");
    let mut query = sqlx::query(&sql).bind(customer_id);
    for b in &binds {
        query = query.bind(b.as_str());
    }
    Ok(query.fetch_optional(&mut **tx).await?.map(|r| r.try_get("owner_id")).transpose()?)
}

/// A contact of a customer the viewer may see, with its customer's owner and its customer's id.
async fn editable_contact(tx: &mut Transaction<'_, Any>, state: &AppState, scope: &CustomerScope, id: &str) -> Result<Option<(Editable, String)>, AppError> {
    let (condition, binds) = scope.sql(2);
    let columns: Vec<String> = ContactField::ALL.iter().map(|f| format!("k.{}", f.column())).collect();
    let sql = format!(
        "SELECT k.customer_id, k.version, c.owner_id, {} FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE k.id = $1 AND {condition}",
        columns.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(id);
    for b in &binds {
        query = query.bind(b.as_str());
    }
    let Some(row) = query.fetch_optional(&mut **tx).await? else { return Ok(None) };
    let mut values = HashMap::new();
    for field in ContactField::ALL {
        let column = field.column();
        let stored: Option<String> = row.try_get(column)?;
        let value = if column == "phone" { state.vault.open_opt(Place { table: "contacts", column, id }, stored.as_deref())? } else { stored };
        values.insert(column, value);
    }
    let editable = Editable { owner_id: row.try_get("owner_id")?, version: row.try_get("version")?, values };
    Ok(Some((editable, row.try_get("customer_id")?)))
}

/// The customers among `ids` the viewer may see, in one query per 200.
pub(super) async fn prefetch(
    tx: &mut Transaction<'_, Any>,
    state: &AppState,
    scope: &CustomerScope,
    ids: &[String],
) -> Result<HashMap<String, Editable>, AppError> {
    let mut out = HashMap::new();
    let mut unique: Vec<&String> = ids.iter().collect();
    unique.sort();
    unique.dedup();
    let columns: Vec<String> = CustomerField::ALL.iter().map(|f| format!("c.{}", f.column())).collect();
    for chunk in unique.chunks(200) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let (condition, binds) = scope.sql(chunk.len() + 1);
        let sql = format!("SELECT c.id, c.owner_id, c.version, {} FROM customers c WHERE c.id IN ({}) AND {condition}", columns.join(", "), list.join(", "));
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for b in &binds {
            query = query.bind(b.as_str());
        }
        for row in query.fetch_all(&mut **tx).await? {
            let id: String = row.try_get("id")?;
            let mut values = HashMap::new();
            for field in CustomerField::ALL {
                let column = field.column();
                let value = match column {
                    "phone" => state.vault.open_opt(Place { table: "customers", column, id: &id }, row.try_get::<Option<String>, _>(column)?.as_deref())?,
                    _ if field.numeric() => row.try_get::<Option<i64>, _>(column)?.map(|n| n.to_string()),
                    _ => row.try_get(column)?,
                };
                values.insert(column, value);
            }
            out.insert(id, Editable { owner_id: row.try_get("owner_id")?, version: row.try_get("version")?, values });
        }
    }
    Ok(out)
}

/// A value a push overwrote: the record, the field, and the three values.
struct Overwritten<'a> {
    entity: &'static str,
    id: &'a str,
    column: &'static str,
    theirs: Option<&'a str>,
    winning: Option<&'a str>,
    original: Option<&'a str>,
}

/// Files the overwritten value for whoever last set it (from the audit log), unless that is the
/// user overwriting it. Phone values are kept sealed.
async fn record_conflict(tx: &mut Transaction<'_, Any>, vault: &Vault, o: Overwritten<'_>, pusher: &str) -> Result<(), AppError> {
    let author: Option<String> =
        sqlx::query("SELECT actor_id FROM audit_log WHERE entity = $1 AND entity_id = $2 AND field = $3 ORDER BY at DESC, id DESC LIMIT 1")
            .bind(o.entity)
            .bind(o.id)
            .bind(o.column)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.try_get("actor_id"))
            .transpose()?;
    let Some(author) = author.filter(|a| a != pusher) else { return Ok(()) };
    let conflict_id = uuid::Uuid::new_v4().to_string();
    let keep = |col: &'static str, v: Option<&str>| {
        if o.column == "phone" {
            vault.seal_opt(Place { table: "sync_conflicts", column: col, id: &conflict_id }, v)
        } else {
            v.map(str::to_string)
        }
    };
    sqlx::query(
        "INSERT INTO sync_conflicts (id, user_id, entity, entity_id, field, their_value, current_value, original_value, at, resolved) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, FALSE)",
    )
    .bind(&conflict_id)
    .bind(&author)
    .bind(o.entity)
    .bind(o.id)
    .bind(o.column)
    .bind(keep("their_value", o.theirs))
    .bind(keep("current_value", o.winning))
    .bind(keep("original_value", o.original))
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
