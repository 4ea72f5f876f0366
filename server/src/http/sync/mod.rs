//! The thin sync API (`kedao_app::domain::sync` describes the protocol):
//! - `POST /api/sync/push`: a device's queued mutations, each applied in its own transaction
//!   after the session, the permissions ([`crate::access`]) and the shared validation, and
//!   remembered by (user, client id, seq) so a replay changes nothing and answers the same;
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
use crate::audit::{self, Actor};
use crate::changes::log_changes;
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
use kedao_app::domain::sync::{Conflict, Mutation, MutationResult, Op, Outcome, PullPage, PushResponse, Rejection, KNOWN_TYPES, MAX_BATCH};
use serde::Deserialize;
use serde_json::Value;
use sqlx::Row;
use std::collections::HashMap;

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
        catalog: None,
    };
    // List values and deal moves are checked against the company's lists and pipelines.
    let gives_list_values = decoded.iter().any(|(_, m)| {
        matches!(m, Some(Ok(Mutation { op: Op::CreateCustomer(_)
                    | Op::UpdateCustomer { .. }
                    | Op::MoveOpportunity { .. }
                    | Op::TickCriterion { .. }
                    | Op::CreateOpportunity(_)
                    | Op::UpdateOpportunity { .. },
                ..
            })
        ))
    });
    if gives_list_values {
        work.catalog = Some(crate::catalog::load(&mut tx).await?);
    }
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
