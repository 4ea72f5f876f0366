//! The thin sync API (`kedao_app::domain::sync` describes the protocol):
//! - `POST /api/sync/push`: a device's queued mutations, each applied in its own transaction
//!   after the session, the permissions ([`crate::access`]) and the shared validation, and
//!   remembered by (user, client id, seq) so a replay changes nothing and answers the same;
//! - `GET /api/sync/pull?cursor=…`: what changed since the cursor as the user may see it, and
//!   what left their view; without a usable cursor, a fresh snapshot;
//! - `GET /api/sync/conflicts`, `POST /api/sync/conflicts/{id}/dismiss`: values of the user's that
//!   a later push overwrote.

use super::session::Viewer;
use super::{AppError, AppJson, AppState};
use crate::access::{may_change, CustomerScope};
use crate::audit::{self, Actor, Change};
use crate::changes::log_changes;
use crate::insert::Batch;
use crate::crypto::{Place, Vault};
use crate::db::now_ms;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header::USER_AGENT;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use kedao_app::domain::catalog::Stage;
use kedao_app::domain::customer::CustomerView;
use kedao_app::domain::privacy::mask_phone;
use super::customers::{customer_view, COLUMNS as CUSTOMER_COLUMNS, FROM as CUSTOMER_FROM};
use kedao_app::domain::sync::{
    Conflict, CustomerField, Mutation, PushResponse, MutationResult, Op, OpportunityView, Outcome, PullPage, Rejection, Removed, KNOWN_TYPES, MAX_BATCH,
};
use serde::Deserialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use std::collections::{BTreeSet, HashMap};

/// Largest push body accepted.
pub const PUSH_LIMIT_BYTES: usize = 1024 * 1024;
/// Customers (with their deals) per snapshot page, and changes per incremental page.
const PAGE: i64 = 2000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/sync/push", post(push).layer(DefaultBodyLimit::max(PUSH_LIMIT_BYTES)))
        .route("/api/sync/pull", get(pull))
        .route("/api/sync/events", get(events))
        .route("/api/sync/conflicts", get(conflicts))
        .route("/api/sync/conflicts/{id}/dismiss", post(dismiss))
}

// ---------------------------------------------------------------------------------------------
// Push

#[derive(Debug, Deserialize)]
struct PushRequest {
    client_id: String,
    /// Decoded one by one: a mutation this server does not know must not spoil the batch.
    mutations: Vec<Value>,
}

async fn push(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    AppJson(req): AppJson<PushRequest>,
) -> Result<Json<PushResponse>, AppError> {
    let bad = |message: &str| AppError::BadRequest { code: "invalid_push", message: message.into() };
    if req.client_id.len() != 36 || !req.client_id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(bad("client_id must be a UUID"));
    }
    if req.mutations.len() > MAX_BATCH {
        return Err(bad("too many mutations in one push"));
    }
    // Every mutation must at least carry its number, or nothing is applied.
    let seqs = req.mutations.iter().map(|m| m.get("seq").and_then(Value::as_u64)).collect::<Option<Vec<u64>>>();
    let seqs = seqs.filter(|s| s.iter().all(|&n| n > 0 && n < i64::MAX as u64)).ok_or_else(|| bad("every mutation needs a positive seq"))?;

    let scope = CustomerScope::of(&state.db, &viewer).await?;
    let device = headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
    let user = viewer.user.user_id.as_str();
    let actor = Actor { user_id: user, device: device.as_deref() };

    // One transaction for the batch. It starts by writing this device's row in `sync_clients`,
    // which serialises pushes from the same device (a retry racing its original waits, then
    // finds the results) on both databases; only then are earlier results looked up.
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query(
        "INSERT INTO sync_clients (user_id, client_id, last_push_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, client_id) DO UPDATE SET last_push_at = $3",
    )
    .bind(user)
    .bind(&req.client_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    let mut known: HashMap<u64, Outcome> = HashMap::new();
    if let (Some(lo), Some(hi)) = (seqs.iter().min(), seqs.iter().max()) {
        let rows = sqlx::query("SELECT seq, result FROM sync_applied WHERE user_id = $1 AND client_id = $2 AND seq >= $3 AND seq <= $4")
            .bind(user)
            .bind(&req.client_id)
            .bind(*lo as i64)
            .bind(*hi as i64)
            .fetch_all(&mut *tx)
            .await?;
        for r in rows {
            known.insert(r.try_get::<i64, _>("seq")? as u64, decode_result(&r.try_get::<String, _>("result")?)?);
        }
    }

    // Each mutation is decided on its own: `apply` refuses only before its first write, so a
    // refused mutation leaves nothing and does not disturb its neighbours. The change feed and
    // the remembered results are written once for the batch, and answered only after the commit.
    let mut results = Vec::with_capacity(seqs.len());
    let mut remembered = Batch::new("sync_applied", &["user_id", "client_id", "seq", "result", "at"]);
    let now = now_ms();
    // Decode everything first, then read every customer the batch edits in one query.
    let decoded: Vec<(u64, Option<Result<Mutation, Rejection>>)> =
        req.mutations.into_iter().zip(seqs).map(|(raw, seq)| (seq, (!known.contains_key(&seq)).then(|| decode(raw)))).collect();
    let targets: Vec<String> = decoded
        .iter()
        .filter_map(|(_, m)| match m {
            Some(Ok(Mutation { op: Op::UpdateCustomer { id, .. }, .. })) => Some(id.clone()),
            _ => None,
        })
        .collect();
    let mut work = Work {
        state: &state,
        viewer: &viewer,
        scope: &scope,
        actor,
        changed: Vec::new(),
        audit: audit::Pending::default(),
        customers: prefetch(&mut tx, &state, &scope, &targets).await?,
    };
    for (seq, mutation) in decoded {
        let Some(mutation) = mutation else {
            results.push(MutationResult { seq, outcome: known[&seq].clone() });
            continue;
        };
        let outcome = match mutation {
            Err(rejection) => Outcome::Rejected(rejection),
            Ok(m) => match apply(&mut tx, &mut work, &m.op).await? {
                Ok(version) => Outcome::Applied { version },
                Err(rejection) => Outcome::Rejected(rejection),
            },
        };
        let text = serde_json::to_string(&outcome).map_err(anyhow::Error::from)?;
        remembered.push(vec![user.into(), req.client_id.as_str().into(), (seq as i64).into(), text.into(), now.into()]);
        known.insert(seq, outcome.clone());
        results.push(MutationResult { seq, outcome });
    }
    work.audit.flush(&mut tx, state.db.backend()).await?;
    log_changes(&mut tx, &work.changed, state.db.backend()).await?;
    remembered.flush(&mut tx, state.db.backend()).await?;
    tx.commit().await?;
    Ok(Json(PushResponse { results }))
}

fn decode_result(text: &str) -> Result<Outcome, AppError> {
    Ok(serde_json::from_str(text).map_err(anyhow::Error::from)?)
}

/// A mutation of a type this server knows, well-formed and valid; or why not.
fn decode(raw: Value) -> Result<Mutation, Rejection> {
    let mutation = match raw.get("op").and_then(|op| op.get("type")).and_then(Value::as_str) {
        Some(t) if KNOWN_TYPES.contains(&t) => {
            serde_json::from_value::<Mutation>(raw).map_err(|_| Rejection::Invalid { code: "malformed".into() })?
        }
        Some(_) => return Err(Rejection::ClientMustUpdate),
        None => return Err(Rejection::Invalid { code: "malformed".into() }),
    };
    mutation.op.validate()?;
    Ok(mutation)
}

/// Applies one validated mutation inside `tx` and notes what it changed in `changed` and
/// `audit_log` (written once for the batch).
/// `Ok(Err(_))` is a refusal, and every arm refuses only before its first write: a refused
/// mutation has written nothing.
async fn apply(tx: &mut Transaction<'_, Any>, work: &mut Work<'_>, op: &Op) -> Result<Result<i64, Rejection>, AppError> {
    let Work { state, viewer, scope, actor, .. } = *work;
    let actor = &actor;
    match op {
        Op::CreateCustomer(c) => {
            if !viewer.user.role.creates_customers() {
                return Ok(Err(Rejection::Forbidden));
            }
            let region: Option<String> = sqlx::query("SELECT id FROM regions WHERE code = $1")
                .bind(c.region.code())
                .fetch_optional(&mut **tx)
                .await?
                .map(|r| r.try_get("id"))
                .transpose()?;
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
            .bind(c.industry.code())
            .bind(c.size.code())
            .bind(c.business_type.code())
            .bind(&viewer.user.user_id)
            .bind(state.vault.seal_opt(place, c.phone.as_deref()))
            .bind(c.phone.as_deref().and_then(|p| state.vault.phone_index(p)))
            .bind(now)
            .execute(&mut **tx)
            .await?;
            work.audit.add(actor, Change { entity: "customer", entity_id: &c.id, field: "created", old: None, new: Some(c.name.trim()) });
            work.changed.push(("customer", c.id.clone()));
            let values = [
                ("name", Some(c.name.trim().to_string())),
                ("city", Some(c.city.trim().to_string())),
                ("industry", Some(c.industry.code().to_string())),
                ("size", Some(c.size.code().to_string())),
                ("business_type", Some(c.business_type.code().to_string())),
                ("phone", c.phone.clone()),
            ];
            work.customers.insert(c.id.clone(), Editable { owner_id: viewer.user.user_id.clone(), version: 1, values: values.into_iter().collect() });
            Ok(Ok(1))
        }
        Op::UpdateCustomer { id, edits } => {
            // Read with the batch (`prefetch`): absent means invisible or nonexistent.
            let Some(row) = work.customers.get(id).cloned() else { return Ok(Err(Rejection::NotFound)) };
            if !may_change(viewer, &row.owner_id) {
                return Ok(Err(Rejection::Forbidden));
            }
            // One UPDATE for every changed column plus the version.
            let mut sets: Vec<(&'static str, Option<String>)> = Vec::new();
            for edit in edits {
                let column = edit.field.column();
                let current = row.values.get(column).cloned().flatten();
                let value = edit.value.as_ref().map(|v| if column == "phone" { v.clone() } else { v.trim().to_string() });
                if current == value {
                    continue;
                }
                if current != edit.original {
                    // Someone else changed this field since the user read it: the later push wins,
                    // and whoever set the overwritten value finds it in their conflicts list.
                    record_conflict(tx, &state.vault, id, column, current.as_deref(), value.as_deref(), edit.original.as_deref(), &viewer.user.user_id).await?;
                }
                if column == "phone" {
                    sets.push(("phone", state.vault.seal_opt(Place { table: "customers", column, id }, value.as_deref())));
                    sets.push(("phone_bidx", value.as_deref().and_then(|p| state.vault.phone_index(p))));
                } else {
                    sets.push((column, value.clone()));
                }
                // Phones are not written to the audit log in clear.
                let shown = |v: Option<&str>| if column == "phone" { v.map(mask_phone) } else { v.map(str::to_string) };
                let (old, new) = (shown(current.as_deref()), shown(value.as_deref()));
                work.audit.add(actor, Change { entity: "customer", entity_id: id, field: column, old: old.as_deref(), new: new.as_deref() });
            }
            let version = row.version;
            if sets.is_empty() {
                return Ok(Ok(version));
            }
            // Column names come from the closed list of editable fields, never from input.
            let assignments: Vec<String> = sets.iter().enumerate().map(|(i, (col, _))| format!("{col} = ${}", i + 1)).collect();
            let n = sets.len();
            let sql = format!(
                "UPDATE customers SET {}, version = version + 1, updated_at = ${} WHERE id = ${}",
                assignments.join(", "),
                n + 1,
                n + 2
            );
            let mut query = sqlx::query(&sql);
            for (_, value) in &sets {
                query = query.bind(value.as_deref());
            }
            query.bind(now_ms()).bind(id).execute(&mut **tx).await?;
            work.changed.push(("customer", id.clone()));
            // Later mutations of this batch see this one.
            if let Some(cached) = work.customers.get_mut(id) {
                cached.version += 1;
                for edit in edits {
                    let value = edit.value.as_ref().map(|v| if edit.field.column() == "phone" { v.clone() } else { v.trim().to_string() });
                    cached.values.insert(edit.field.column(), value);
                }
            }
            Ok(Ok(version + 1))
        }
        Op::MoveOpportunity { id, to, .. } => {
            let (condition, binds) = scope.sql(2);
            let sql = format!(
                "SELECT o.stage, o.version, o.owner_id, c.owner_id AS customer_owner FROM opportunities o \
                 JOIN customers c ON c.id = o.customer_id WHERE o.id = $1 AND {condition}"
            );
            let mut query = sqlx::query(&sql).bind(id);
            for b in &binds {
                query = query.bind(b.as_str());
            }
            let Some(row) = query.fetch_optional(&mut **tx).await? else { return Ok(Err(Rejection::NotFound)) };
            let (owner, customer_owner): (String, String) = (row.try_get("owner_id")?, row.try_get("customer_owner")?);
            if !(may_change(viewer, &owner) || may_change(viewer, &customer_owner)) {
                return Ok(Err(Rejection::Forbidden));
            }
            // The later move wins whatever the device thought the stage was; the history keeps
            // every move with the stage it really left.
            let current: String = row.try_get("stage")?;
            let version: i64 = row.try_get("version")?;
            if current == to.code() {
                return Ok(Ok(version));
            }
            let now = now_ms();
            let closed_on = to.is_closed().then(|| {
                let d = time::OffsetDateTime::from_unix_timestamp(now / 1000).map(|t| t.date()).unwrap_or(time::Date::MIN);
                format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
            });
            sqlx::query("UPDATE opportunities SET stage = $1, stage_entered_at = $2, closed_on = $3, updated_at = $2, version = version + 1 WHERE id = $4")
                .bind(to.code())
                .bind(now)
                .bind(closed_on)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "INSERT INTO opportunity_stage_history (id, opportunity_id, from_stage, to_stage, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(id)
            .bind(&current)
            .bind(to.code())
            .bind(&viewer.user.user_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            work.audit.add(actor, Change { entity: "opportunity", entity_id: id, field: "stage", old: Some(&current), new: Some(to.code()) });
            work.changed.push(("opportunity", id.clone()));
            Ok(Ok(version + 1))
        }
    }
}

/// What a push works with: who is asking, what it has changed so far, and the customers it edits.
struct Work<'a> {
    state: &'a AppState,
    viewer: &'a Viewer,
    scope: &'a CustomerScope,
    actor: Actor<'a>,
    changed: Vec<(&'static str, String)>,
    audit: audit::Pending,
    customers: HashMap<String, Editable>,
}

/// A customer the viewer may see, as far as editing needs it (the phone opened).
#[derive(Clone)]
struct Editable {
    owner_id: String,
    version: i64,
    values: HashMap<&'static str, Option<String>>,
}

/// The customers among `ids` the viewer may see, in one query per 200.
async fn prefetch(tx: &mut Transaction<'_, Any>, state: &AppState, scope: &CustomerScope, ids: &[String]) -> Result<HashMap<String, Editable>, AppError> {
    let mut out = HashMap::new();
    let mut unique: Vec<&String> = ids.iter().collect();
    unique.sort();
    unique.dedup();
    for chunk in unique.chunks(200) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let (condition, binds) = scope.sql(chunk.len() + 1);
        let sql = format!(
            "SELECT c.id, c.owner_id, c.version, c.name, c.city, c.industry, c.size, c.business_type, c.phone \
             FROM customers c WHERE c.id IN ({}) AND {condition}",
            list.join(", ")
        );
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
                let stored: Option<String> = row.try_get(column)?;
                let value = if column == "phone" { state.vault.open_opt(Place { table: "customers", column, id: &id }, stored.as_deref())? } else { stored };
                values.insert(column, value);
            }
            out.insert(id, Editable { owner_id: row.try_get("owner_id")?, version: row.try_get("version")?, values });
        }
    }
    Ok(out)
}

/// Files the overwritten value for whoever last set it (from the audit log), unless that is the
/// user overwriting it. Phone values are kept sealed.
#[allow(clippy::too_many_arguments)]
async fn record_conflict(
    tx: &mut Transaction<'_, Any>,
    vault: &Vault,
    id: &str,
    column: &'static str,
    theirs: Option<&str>,
    winning: Option<&str>,
    original: Option<&str>,
    pusher: &str,
) -> Result<(), AppError> {
    let author: Option<String> = sqlx::query(
        "SELECT actor_id FROM audit_log WHERE entity = 'customer' AND entity_id = $1 AND field = $2 ORDER BY at DESC, id DESC LIMIT 1",
    )
    .bind(id)
    .bind(column)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| r.try_get("actor_id"))
    .transpose()?;
    let Some(author) = author.filter(|a| a != pusher) else { return Ok(()) };
    let conflict_id = uuid::Uuid::new_v4().to_string();
    let keep = |col: &'static str, v: Option<&str>| {
        if column == "phone" {
            vault.seal_opt(Place { table: "sync_conflicts", column: col, id: &conflict_id }, v)
        } else {
            v.map(str::to_string)
        }
    };
    sqlx::query(
        "INSERT INTO sync_conflicts (id, user_id, entity, entity_id, field, their_value, current_value, original_value, at, resolved) \
         VALUES ($1, $2, 'customer', $3, $4, $5, $6, $7, $8, FALSE)",
    )
    .bind(&conflict_id)
    .bind(&author)
    .bind(id)
    .bind(column)
    .bind(keep("their_value", theirs))
    .bind(keep("current_value", winning))
    .bind(keep("original_value", original))
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Pull

#[derive(Debug, Deserialize)]
struct PullParams {
    #[serde(default)]
    cursor: Option<String>,
}

/// Where a client stands: in a snapshot (after a customer id) or caught up to a sequence number,
/// both within one organisation epoch. Written as `s.SEQ.EPOCH.AFTER` or `c.SEQ.EPOCH`.
enum Cursor {
    Snapshot { seq: i64, epoch: i64, after: String },
    Caught { seq: i64, epoch: i64 },
}

impl Cursor {
    fn parse(s: &str) -> Option<Cursor> {
        let parts: Vec<&str> = s.splitn(4, '.').collect();
        match parts.as_slice() {
            ["c", seq, epoch] => Some(Cursor::Caught { seq: seq.parse().ok()?, epoch: epoch.parse().ok()? }),
            ["s", seq, epoch, after] if after.len() <= 64 => {
                Some(Cursor::Snapshot { seq: seq.parse().ok()?, epoch: epoch.parse().ok()?, after: after.to_string() })
            }
            _ => None,
        }
    }
}

async fn pull(
    State(state): State<AppState>,
    viewer: Viewer,
    params: Result<Query<PullParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PullPage>, AppError> {
    let cursor = params.ok().and_then(|Query(p)| p.cursor).and_then(|c| Cursor::parse(&c));
    let (now_seq, epoch) = crate::changes::position(&state.db).await?;
    let scope = CustomerScope::of(&state.db, &viewer).await?;
    // A cursor from another epoch, from the future or unreadable starts a fresh snapshot.
    let cursor = match cursor {
        Some(Cursor::Caught { seq, epoch: e }) if e == epoch && seq <= now_seq => Cursor::Caught { seq, epoch },
        Some(Cursor::Snapshot { seq, epoch: e, after }) if e == epoch && seq <= now_seq => Cursor::Snapshot { seq, epoch, after },
        _ => return snapshot(&state, &viewer, &scope, now_seq, epoch, "", true).await.map(Json),
    };
    let page = match cursor {
        Cursor::Snapshot { seq, epoch, after } => snapshot(&state, &viewer, &scope, seq, epoch, &after, false).await?,
        Cursor::Caught { seq, epoch } => changes_since(&state, &viewer, &scope, seq, epoch).await?,
    };
    Ok(Json(page))
}

/// One page of every customer (and its opportunities) the viewer may see, by id.
async fn snapshot(state: &AppState, viewer: &Viewer, scope: &CustomerScope, seq: i64, epoch: i64, after: &str, reset: bool) -> Result<PullPage, AppError> {
    let (condition, binds) = scope.sql(2);
    let sql = format!("SELECT {CUSTOMER_COLUMNS} {CUSTOMER_FROM} WHERE c.id > $1 AND {condition} ORDER BY c.id LIMIT {PAGE}");
    let mut query = sqlx::query(&sql).bind(after);
    for b in &binds {
        query = query.bind(b.as_str());
    }
    let rows = query.fetch_all(state.db.pool()).await?;
    let customers = rows.iter().map(|r| customer_view(r, viewer, &state.vault)).collect::<Result<Vec<_>, _>>()?;
    let ids: Vec<String> = customers.iter().map(|c| c.id.clone()).collect();
    let opportunities = opportunities_of(state, &ids).await?;
    let more = customers.len() as i64 == PAGE;
    let cursor = match customers.last() {
        Some(last) if more => format!("s.{seq}.{epoch}.{}", last.id),
        _ => format!("c.{seq}.{epoch}"),
    };
    Ok(PullPage { cursor, reset, more, customers, opportunities, removed: Vec::new() })
}

/// The records changed after `seq`, as the viewer may see them now; the others are removals.
async fn changes_since(state: &AppState, viewer: &Viewer, scope: &CustomerScope, seq: i64, epoch: i64) -> Result<PullPage, AppError> {
    // Each record once, at its latest change; a page ends at a change number, so a record whose
    // latest change is after it comes (with its latest state) on the next page.
    let rows = sqlx::query(&format!(
        "SELECT entity, entity_id, MAX(seq) AS last FROM change_log WHERE seq > $1 GROUP BY entity, entity_id ORDER BY last LIMIT {PAGE}"
    ))
    .bind(seq)
    .fetch_all(state.db.pool())
    .await?;
    let more = rows.len() as i64 == PAGE;
    let mut last = seq;
    let mut customer_ids = BTreeSet::new();
    let mut opportunity_ids = BTreeSet::new();
    for r in &rows {
        last = last.max(r.try_get("last")?);
        let entity: String = r.try_get("entity")?;
        let id: String = r.try_get("entity_id")?;
        match entity.as_str() {
            "customer" => customer_ids.insert(id),
            _ => opportunity_ids.insert(id),
        };
    }
    let mut page = PullPage { cursor: format!("c.{last}.{epoch}"), more, ..Default::default() };
    if !customer_ids.is_empty() {
        let ids: Vec<String> = customer_ids.iter().cloned().collect();
        let visible = customers_in_scope(state, viewer, scope, &ids).await?;
        let seen: BTreeSet<String> = visible.iter().map(|c| c.id.clone()).collect();
        let shown: Vec<String> = seen.iter().cloned().collect();
        // A customer that came into view brings its deals; one that left takes them along.
        page.opportunities.extend(opportunities_of(state, &shown).await?);
        let gone: Vec<String> = customer_ids.difference(&seen).cloned().collect();
        for o in opportunities_of(state, &gone).await? {
            page.removed.push(Removed { entity: "opportunity".into(), id: o.id });
        }
        page.removed.extend(gone.into_iter().map(|id| Removed { entity: "customer".into(), id }));
        page.customers = visible;
    }
    // Deals changed on their own: visible through their customer, or removed.
    let sent: BTreeSet<&str> = page.opportunities.iter().map(|o| o.id.as_str()).collect();
    let pending: Vec<String> = opportunity_ids.into_iter().filter(|id| !sent.contains(id.as_str())).collect();
    for chunk in pending.chunks(200) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let (condition, binds) = scope.sql(chunk.len() + 1);
        let sql = format!(
            "SELECT {OPPORTUNITY_COLUMNS} FROM opportunities o JOIN customers c ON c.id = o.customer_id WHERE o.id IN ({}) AND {condition}",
            list.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for b in &binds {
            query = query.bind(b.as_str());
        }
        let found = query.fetch_all(state.db.pool()).await?.iter().map(opportunity_view).collect::<Result<Vec<_>, _>>()?;
        let visible: BTreeSet<&str> = found.iter().map(|o| o.id.as_str()).collect();
        for id in chunk {
            if !visible.contains(id.as_str()) {
                page.removed.push(Removed { entity: "opportunity".into(), id: id.clone() });
            }
        }
        page.opportunities.extend(found);
    }
    Ok(page)
}

const OPPORTUNITY_COLUMNS: &str = "o.id, o.customer_id, o.owner_id, o.title, o.stage, o.amount_fen, o.expected_close, o.version";

async fn customers_in_scope(state: &AppState, viewer: &Viewer, scope: &CustomerScope, ids: &[String]) -> Result<Vec<CustomerView>, AppError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let (condition, binds) = scope.sql(chunk.len() + 1);
        let sql = format!("SELECT {CUSTOMER_COLUMNS} {CUSTOMER_FROM} WHERE c.id IN ({}) AND {condition}", list.join(", "));
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for b in &binds {
            query = query.bind(b.as_str());
        }
        for row in query.fetch_all(state.db.pool()).await? {
            out.push(customer_view(&row, viewer, &state.vault)?);
        }
    }
    Ok(out)
}

/// The deals of these customers (the caller has checked they are visible), in no particular
/// order: the replica keeps its own.
async fn opportunities_of(state: &AppState, customer_ids: &[String]) -> Result<Vec<OpportunityView>, AppError> {
    let mut out = Vec::new();
    for chunk in customer_ids.chunks(500) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("SELECT {OPPORTUNITY_COLUMNS} FROM opportunities o WHERE o.customer_id IN ({})", list.join(", "));
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for row in query.fetch_all(state.db.pool()).await? {
            out.push(opportunity_view(&row)?);
        }
    }
    Ok(out)
}

fn opportunity_view(row: &AnyRow) -> Result<OpportunityView, AppError> {
    let stage: String = row.try_get("stage")?;
    Ok(OpportunityView {
        id: row.try_get("id")?,
        customer_id: row.try_get("customer_id")?,
        owner_id: row.try_get("owner_id")?,
        title: row.try_get("title")?,
        stage: Stage::from_code(&stage).ok_or_else(|| anyhow::anyhow!("unknown stage {stage:?}"))?,
        amount_fen: row.try_get("amount_fen")?,
        expected_close: row.try_get("expected_close")?,
        version: row.try_get("version")?,
    })
}

// ---------------------------------------------------------------------------------------------
// Events

/// `GET /api/sync/events`: a server-sent event `changes` whenever synced data changed anywhere
/// (the client then pulls; the pull decides what this user may see), plus a keep-alive comment.
async fn events(
    State(state): State<AppState>,
    _viewer: Viewer,
) -> axum::response::sse::Sse<impl futures_util::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let mut changes = state.changes.clone();
    changes.mark_unchanged();
    let stream = futures_util::stream::unfold(changes, |mut rx| async move {
        rx.changed().await.ok()?;
        let mark = *rx.borrow_and_update();
        Some((Ok(Event::default().event("changes").data(mark.to_string())), rx))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15)))
}

// ---------------------------------------------------------------------------------------------
// Conflicts

async fn conflicts(State(state): State<AppState>, viewer: Viewer) -> Result<Json<Vec<Conflict>>, AppError> {
    let rows = sqlx::query(
        "SELECT id, entity, entity_id, field, their_value, current_value, original_value, at FROM sync_conflicts \
         WHERE user_id = $1 AND resolved = FALSE ORDER BY at DESC LIMIT 200",
    )
    .bind(&viewer.user.user_id)
    .fetch_all(state.db.pool())
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: String = r.try_get("id")?;
        let field: String = r.try_get("field")?;
        let open = |col: &'static str| -> Result<Option<String>, AppError> {
            let v: Option<String> = r.try_get(col)?;
            if field == "phone" {
                Ok(state.vault.open_opt(Place { table: "sync_conflicts", column: col, id: &id }, v.as_deref())?)
            } else {
                Ok(v)
            }
        };
        out.push(Conflict {
            their_value: open("their_value")?,
            current_value: open("current_value")?,
            original_value: open("original_value")?,
            entity: r.try_get("entity")?,
            entity_id: r.try_get("entity_id")?,
            at_ms: r.try_get("at")?,
            field,
            id,
        });
    }
    Ok(Json(out))
}

async fn dismiss(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    let done = sqlx::query("UPDATE sync_conflicts SET resolved = TRUE WHERE id = $1 AND user_id = $2")
        .bind(&id)
        .bind(&viewer.user.user_id)
        .execute(state.db.pool())
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(Json(serde_json::json!({ "dismissed": id })))
}
