//! The thin sync API (`kedao_app::domain::sync` describes the protocol):
//! - `POST /api/sync/push`: a device's queued mutations in one transaction, each in its own
//!   savepoint after the session, the permissions ([`crate::access`]) and the shared validation,
//!   and remembered by (user, client id, seq) so a replay changes nothing and answers the same; a
//!   refused mutation leaves nothing written, a seq sent twice is applied once, and a mutation
//!   that keeps failing on the server is set aside as `server_error` instead of blocking the
//!   queue behind it;
//! - `GET /api/sync/pull?cursor=…&catalog=N`: what changed since the cursor as the user may see
//!   it, and what left their view; without a usable cursor, a fresh snapshot; and the company's
//!   lists when the device's copy (version `N`) is not the current one;
//! - `GET /api/sync/conflicts`, `POST /api/sync/conflicts/{id}/dismiss`: values of the user's that
//!   a later push overwrote.
//!
//! Applying each kind of mutation is in [`apply`]; what a pull sends is in [`feed`].

mod apply;
mod feed;

use super::session::Viewer;
use super::{AppError, AppJson, AppState};
use crate::access::CustomerScope;
use crate::audit::Actor;
use crate::crypto::Place;
use crate::db::now_ms;
use crate::insert::Batch;
use apply::{apply, prefetch, Work};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header::USER_AGENT;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use feed::{changes_since, snapshot};
use kedao_app::domain::sync::{Conflict, Mutation, MutationResult, Op, Outcome, PullPage, PushResponse, Rejection, MAX_BATCH};
use serde::Deserialize;
use serde_json::Value;
use sqlx::Acquire;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// Largest push body accepted.
pub const PUSH_LIMIT_BYTES: usize = 1024 * 1024;

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

async fn push(State(state): State<AppState>, viewer: Viewer, headers: HeaderMap, AppJson(req): AppJson<PushRequest>) -> Result<Json<PushResponse>, AppError> {
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

    // One transaction for the batch, one savepoint per mutation inside it. It starts by writing
    // this device's row in `sync_clients`, which serialises pushes from the same device (a retry
    // racing its original waits, then finds the results) on both databases; only then are
    // earlier results looked up.
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
    let earlier = Earlier::load(&mut tx, user, &req.client_id, &seqs).await?;

    let mut remembered = Batch::new("sync_applied", &["user_id", "client_id", "seq", "result", "at"]);
    let now = now_ms();
    // Decode everything first (a seq answered before, or earlier in this batch, is not decoded
    // again), then read every customer the batch edits in one query.
    let mut first_in_batch = HashSet::new();
    let decoded: Vec<(u64, Option<Result<Mutation, Rejection>>)> = req
        .mutations
        .into_iter()
        .zip(seqs)
        .map(|(raw, seq)| (seq, (!earlier.results.contains_key(&seq) && first_in_batch.insert(seq)).then(|| decode(raw))))
        .collect();
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
        fx: crate::areas::Effects::new(actor),
        customers: prefetch(&mut tx, &state, &scope, &targets).await?,
        journal: Vec::new(),
        catalog: None,
    };
    // List values, deal moves and hand-overs are checked against the company's lists,
    // pipelines and people.
    let needs_catalog = decoded.iter().any(|(_, m)| {
        matches!(
            m,
            Some(Ok(Mutation {
                op: Op::CreateCustomer(_)
                    | Op::UpdateCustomer { .. }
                    | Op::MoveOpportunity { .. }
                    | Op::TickCriterion { .. }
                    | Op::CreateOpportunity(_)
                    | Op::UpdateOpportunity { .. }
                    | Op::ReassignCustomer { .. }
                    | Op::ReassignOpportunity { .. },
                ..
            }))
        )
    });
    if needs_catalog {
        work.catalog = Some(crate::catalog::load(&mut tx).await?);
    }

    // The outcome of each seq as answered in this push: a seq sent twice gets its first answer.
    let mut answered: HashMap<u64, Outcome> = HashMap::new();
    // What each mutation is answered, in the batch's order (`None`: as its seq was answered
    // before, in an earlier push or earlier in this one).
    let mut answers: Vec<(u64, Option<Outcome>)> = Vec::with_capacity(decoded.len());
    let mut failures = Vec::new();
    // Savepoints cost two statements each, as much as a typical edit, so mutations are applied
    // in groups under one savepoint for as long as each is applied. The first one that is
    // refused or fails rolls its group back, and the group is decided again from its start one
    // savepoint per mutation (`careful_until`): exactly as if each had had its own from the
    // start, so a refused mutation never leaves a write behind.
    let mut group: Option<Group> = None;
    let mut careful_until = 0;
    let mut i = 0;
    while i < decoded.len() {
        let (seq, mutation) = &decoded[i];
        let seq = *seq;
        let m = match mutation {
            None => {
                answers.push((seq, None));
                i += 1;
                continue;
            }
            Some(Err(rejection)) => {
                let outcome = Outcome::Rejected(rejection.clone());
                answered.insert(seq, outcome.clone());
                answers.push((seq, Some(outcome)));
                i += 1;
                continue;
            }
            Some(Ok(m)) => m,
        };
        if i >= careful_until {
            if group.is_none() {
                sqlx::query("SAVEPOINT kedao_group").execute(&mut *tx).await?;
                group = Some(Group { index: i, answers: answers.len(), mark: work.mark() });
            }
            if let Ok(Ok(version)) = apply(&mut tx, &mut work, &m.op).await {
                let outcome = Outcome::Applied { version };
                answered.insert(seq, outcome.clone());
                answers.push((seq, Some(outcome)));
                if group.as_ref().is_some_and(|g| answers.len() - g.answers >= GROUP) {
                    sqlx::query("RELEASE SAVEPOINT kedao_group").execute(&mut *tx).await?;
                    group = None;
                }
                i += 1;
                continue;
            }
            // Refused or failed: undo the group and decide it again, one by one, up to here.
            if let Some(start) = group.take() {
                sqlx::query("ROLLBACK TO SAVEPOINT kedao_group").execute(&mut *tx).await?;
                sqlx::query("RELEASE SAVEPOINT kedao_group").execute(&mut *tx).await?;
                work.undo_to(start.mark);
                // The group's own answers go (not those it repeated from before: `None`).
                for (seq, outcome) in answers.drain(start.answers..) {
                    if outcome.is_some() {
                        answered.remove(&seq);
                    }
                }
                careful_until = i + 1;
                i = start.index;
            }
            continue;
        }
        // One savepoint for this mutation alone: whatever it wrote before it was refused or
        // failed is undone, with the audit entries, change-feed entries and cached rows it noted.
        let mark = work.mark();
        let mut savepoint = tx.begin().await?;
        let outcome = match apply(&mut savepoint, &mut work, &m.op).await {
            Ok(Ok(version)) => {
                savepoint.commit().await?;
                Outcome::Applied { version }
            }
            Ok(Err(rejection)) => {
                savepoint.rollback().await?;
                work.undo_to(mark);
                Outcome::Rejected(rejection)
            }
            Err(error) => {
                savepoint.rollback().await?;
                work.undo_to(mark);
                let attempts = earlier.attempts.get(&seq).copied().unwrap_or(0) + 1;
                let cause = format!("{:#}", anyhow::Error::from(error));
                tracing::error!(user, client_id = %req.client_id, seq, op = m.op.type_name(), attempts, error = %cause, "a pushed mutation failed on the server");
                failures.push((seq, attempts, cause));
                if attempts < MAX_ATTEMPTS {
                    // Not answered: the device sends it again (after a pause when nothing of
                    // this push was answered); what came before it stands.
                    break;
                }
                Outcome::Rejected(Rejection::ServerError)
            }
        };
        answered.insert(seq, outcome.clone());
        answers.push((seq, Some(outcome)));
        i += 1;
    }
    if group.take().is_some() {
        sqlx::query("RELEASE SAVEPOINT kedao_group").execute(&mut *tx).await?;
    }
    let mut results = Vec::with_capacity(answers.len());
    for (seq, outcome) in answers {
        let outcome = match outcome {
            Some(outcome) => {
                let text = serde_json::to_string(&outcome).map_err(anyhow::Error::from)?;
                remembered.push(vec![user.into(), req.client_id.as_str().into(), (seq as i64).into(), text.into(), now.into()]);
                outcome
            }
            None => {
                earlier.results.get(&seq).or_else(|| answered.get(&seq)).cloned().ok_or_else(|| anyhow::anyhow!("seq {seq} neither applied nor answered"))?
            }
        };
        results.push(MutationResult { seq, outcome });
    }
    work.fx.flush(&mut tx, state.db.backend()).await?;
    remembered.flush(&mut tx, state.db.backend()).await?;
    for (seq, attempts, cause) in &failures {
        record_failure(&mut tx, user, &req.client_id, *seq, *attempts, cause).await?;
    }
    tx.commit().await?;
    if results.is_empty() && !failures.is_empty() {
        return Err(AppError::RetryLater);
    }
    Ok(Json(PushResponse { results }))
}

/// Tries of a mutation that failed on the server before it is set aside as
/// [`Rejection::ServerError`].
const MAX_ATTEMPTS: i64 = 3;

/// Mutations answered under one savepoint at most (PostgreSQL also slows down once a
/// transaction holds more than 64 subtransactions).
const GROUP: usize = 50;

/// Where a group of mutations applied under one savepoint started: the first one's index in the
/// batch, and the answers and the work noted before it.
struct Group {
    index: usize,
    answers: usize,
    mark: apply::Mark,
}

/// What earlier pushes of this device came to, for the seqs of this batch: the remembered
/// results, and how often each still unanswered seq failed.
struct Earlier {
    results: HashMap<u64, Outcome>,
    attempts: HashMap<u64, i64>,
}

impl Earlier {
    async fn load(tx: &mut sqlx::Transaction<'_, sqlx::Any>, user: &str, client_id: &str, seqs: &[u64]) -> Result<Earlier, AppError> {
        let mut earlier = Earlier { results: HashMap::new(), attempts: HashMap::new() };
        let (Some(lo), Some(hi)) = (seqs.iter().min(), seqs.iter().max()) else { return Ok(earlier) };
        let range = "WHERE user_id = $1 AND client_id = $2 AND seq >= $3 AND seq <= $4";
        let rows = sqlx::query(&format!("SELECT seq, result FROM sync_applied {range}"))
            .bind(user)
            .bind(client_id)
            .bind(*lo as i64)
            .bind(*hi as i64)
            .fetch_all(&mut **tx)
            .await?;
        for r in rows {
            earlier.results.insert(r.try_get::<i64, _>("seq")? as u64, decode_result(&r.try_get::<String, _>("result")?)?);
        }
        let rows = sqlx::query(&format!("SELECT seq, attempts FROM sync_failures {range}"))
            .bind(user)
            .bind(client_id)
            .bind(*lo as i64)
            .bind(*hi as i64)
            .fetch_all(&mut **tx)
            .await?;
        for r in rows {
            earlier.attempts.insert(r.try_get::<i64, _>("seq")? as u64, r.try_get("attempts")?);
        }
        Ok(earlier)
    }
}

/// Counts a failed try of a mutation (kept with its cause for whoever looks into it).
async fn record_failure(tx: &mut sqlx::Transaction<'_, sqlx::Any>, user: &str, client_id: &str, seq: u64, attempts: i64, cause: &str) -> Result<(), AppError> {
    let cause: String = cause.chars().take(2000).collect();
    sqlx::query(
        "INSERT INTO sync_failures (user_id, client_id, seq, attempts, last_error, at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (user_id, client_id, seq) DO UPDATE SET attempts = $4, last_error = $5, at = $6",
    )
    .bind(user)
    .bind(client_id)
    .bind(seq as i64)
    .bind(attempts)
    .bind(cause)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn decode_result(text: &str) -> Result<Outcome, AppError> {
    Ok(serde_json::from_str(text).map_err(anyhow::Error::from)?)
}

/// A mutation of a type this server knows, well-formed and valid; or why not.
fn decode(raw: Value) -> Result<Mutation, Rejection> {
    let mutation = match raw.get("op").and_then(|op| op.get("type")).and_then(Value::as_str) {
        Some(t) if kedao_app::domain::sync::known_types().contains(&t) => {
            serde_json::from_value::<Mutation>(raw).map_err(|_| Rejection::Invalid { code: "malformed".into() })?
        }
        Some(_) => return Err(Rejection::ClientMustUpdate),
        None => return Err(Rejection::Invalid { code: "malformed".into() }),
    };
    mutation.op.validate()?;
    Ok(mutation)
}

// ---------------------------------------------------------------------------------------------
// Pull

#[derive(Debug, Deserialize)]
struct PullParams {
    #[serde(default)]
    cursor: Option<String>,
    /// The version of the device's copy of the lists; the page brings them if it differs.
    #[serde(default)]
    catalog: Option<i64>,
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
) -> Result<(axum::http::HeaderMap, Json<PullPage>), AppError> {
    let (cursor, has_catalog) = match params {
        Ok(Query(p)) => (p.cursor.and_then(|c| Cursor::parse(&c)), p.catalog),
        Err(_) => (None, None),
    };
    let (now_seq, epoch) = crate::changes::position(&state.db).await?;
    let mut page = pull_page(&state, &viewer, cursor, now_seq, epoch).await?;
    if has_catalog != Some(crate::catalog::version(state.db.pool()).await?) {
        page.catalog = Some(crate::catalog::load(&mut *state.db.pool().acquire().await?).await?);
    }
    // The next page's cursor also in a header: a device asks for it as soon as the headers are
    // in, so the server prepares it while this one downloads and is decoded.
    let mut headers = axum::http::HeaderMap::new();
    if page.more {
        if let Ok(value) = axum::http::HeaderValue::from_str(&page.cursor) {
            headers.insert(NEXT_CURSOR_HEADER, value);
        }
    }
    Ok((headers, Json(page)))
}

/// Names the next page's cursor (`app/src/ui/sync/engine.rs` reads it).
const NEXT_CURSOR_HEADER: &str = "kedao-next-cursor";

async fn pull_page(state: &AppState, viewer: &Viewer, cursor: Option<Cursor>, now_seq: i64, epoch: i64) -> Result<PullPage, AppError> {
    let scope = CustomerScope::of(&state.db, viewer).await?;
    // A cursor from another epoch, from the future or unreadable starts a fresh snapshot.
    let cursor = match cursor {
        Some(Cursor::Caught { seq, epoch: e }) if e == epoch && seq <= now_seq => Cursor::Caught { seq, epoch },
        Some(Cursor::Snapshot { seq, epoch: e, after }) if e == epoch && seq <= now_seq => Cursor::Snapshot { seq, epoch, after },
        _ => return snapshot(state, viewer, &scope, now_seq, epoch, "", true).await,
    };
    match cursor {
        Cursor::Snapshot { seq, epoch, after } => snapshot(state, viewer, &scope, seq, epoch, &after, false).await,
        Cursor::Caught { seq, epoch } => changes_since(state, viewer, &scope, seq, epoch).await,
    }
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
