//! Customers: `GET /api/customers`, `GET /api/customers/{id}`, its history, handing it to another
//! rep (`POST /api/customers/{id}/owner`), and `GET /api/products`.
//! Every query is limited by the viewer's [`CustomerScope`]; a customer outside it is "not
//! found" (its existence is not revealed). Phones of customers the viewer does not own are masked
//! here, before they leave the server; costs only reach those who may see them.

use super::session::Viewer;
use super::{AppError, AppJson, AppState};
use crate::access::CustomerScope;
use crate::audit::{self, Actor, Change};
use crate::crypto::{Place, Vault};
use crate::db::now_ms;
use axum::extract::{Path, Query, State};
use axum::http::header::USER_AGENT;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use kedao_app::domain::customer::{ContactView, CustomerDetail, CustomerPage, CustomerView, HistoryEntry, ProductView, Reassign};
use kedao_app::domain::privacy::{mask_bank_account, mask_id_number, mask_phone, sees_costs};
use serde::Deserialize;
use sqlx::any::AnyRow;
use sqlx::Row;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/customers", get(list))
        .route("/api/customers/{id}", get(detail))
        .route("/api/customers/{id}/owner", post(reassign))
        .route("/api/customers/{id}/history", get(history))
        .route("/api/customers/{id}/shares", post(share))
        .route("/api/customers/{id}/shares/{username}", axum::routing::delete(unshare))
        .route("/api/products", get(products))
}

pub(super) const COLUMNS: &str = "c.id, c.name, c.name_en, c.kind, r.code AS region, c.city, c.industry, c.size, \
    c.business_type, c.grade, c.owner_id, u.display_name AS owner_name, c.phone, c.id_number, c.bank_account, c.version, \
    c.short_name, c.source, c.address, c.tags, c.cooperation_since, c.credit_limit_fen, c.satisfaction, c.credit_code, c.hot_reason";
/// A contact's columns (`k` is `contacts`), for [`contact_view`].
pub(super) const CONTACT_COLUMNS: &str = "k.id, k.customer_id, k.name, k.title, k.role, k.phone, k.email, k.wechat, k.birthday, k.notes, k.version";
pub(super) const FROM: &str = "FROM customers c JOIN users u ON u.id = c.owner_id JOIN regions r ON r.id = c.region_id";

#[derive(Debug, Deserialize)]
struct ListParams {
    #[serde(default)]
    offset: i64,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    100
}

/// A customer as stored (the [`COLUMNS`]): sensitive fields sealed, tags comma-separated. Read
/// from a row, or from the JSON a whole snapshot page is aggregated into (the same names).
#[derive(Debug, Deserialize)]
pub(super) struct StoredCustomer {
    id: String,
    name: String,
    name_en: Option<String>,
    kind: String,
    region: String,
    city: String,
    industry: String,
    size: String,
    business_type: String,
    grade: String,
    owner_id: String,
    owner_name: String,
    phone: Option<String>,
    id_number: Option<String>,
    bank_account: Option<String>,
    version: i64,
    short_name: Option<String>,
    source: Option<String>,
    address: Option<String>,
    tags: Option<String>,
    cooperation_since: Option<String>,
    credit_limit_fen: Option<i64>,
    satisfaction: Option<String>,
    credit_code: Option<String>,
    hot_reason: Option<String>,
}

/// The names of [`COLUMNS`] (and of [`StoredCustomer`]'s fields), for aggregating rows to JSON.
pub(super) const COLUMN_NAMES: [&str; 25] = [
    "id",
    "name",
    "name_en",
    "kind",
    "region",
    "city",
    "industry",
    "size",
    "business_type",
    "grade",
    "owner_id",
    "owner_name",
    "phone",
    "id_number",
    "bank_account",
    "version",
    "short_name",
    "source",
    "address",
    "tags",
    "cooperation_since",
    "credit_limit_fen",
    "satisfaction",
    "credit_code",
    "hot_reason",
];

impl StoredCustomer {
    fn from_row(row: &AnyRow) -> Result<StoredCustomer, sqlx::Error> {
        Ok(StoredCustomer {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            name_en: row.try_get("name_en")?,
            kind: row.try_get("kind")?,
            region: row.try_get("region")?,
            city: row.try_get("city")?,
            industry: row.try_get("industry")?,
            size: row.try_get("size")?,
            business_type: row.try_get("business_type")?,
            grade: row.try_get("grade")?,
            owner_id: row.try_get("owner_id")?,
            owner_name: row.try_get("owner_name")?,
            phone: row.try_get("phone")?,
            id_number: row.try_get("id_number")?,
            bank_account: row.try_get("bank_account")?,
            version: row.try_get("version")?,
            short_name: row.try_get("short_name")?,
            source: row.try_get("source")?,
            address: row.try_get("address")?,
            tags: row.try_get("tags")?,
            cooperation_since: row.try_get("cooperation_since")?,
            credit_limit_fen: row.try_get("credit_limit_fen")?,
            satisfaction: row.try_get("satisfaction")?,
            credit_code: row.try_get("credit_code")?,
            hot_reason: row.try_get("hot_reason")?,
        })
    }

    /// As `viewer` may see it: sensitive fields opened, then masked unless the viewer owns it.
    pub(super) fn view(self, viewer: &Viewer, vault: &Vault) -> Result<CustomerView, AppError> {
        let StoredCustomer { id, owner_id, .. } = &self;
        let owns = *owner_id == viewer.user.user_id;
        let open = |column: &'static str, stored: Option<String>, mask: fn(&str) -> String| -> Result<Option<String>, AppError> {
            let plain = vault.open_opt(Place { table: "customers", column, id }, stored.as_deref())?;
            Ok(plain.map(|p| if owns { p } else { mask(&p) }))
        };
        let phone = open("phone", self.phone.clone(), mask_phone)?;
        let id_number = open("id_number", self.id_number.clone(), mask_id_number)?;
        let bank_account = open("bank_account", self.bank_account.clone(), mask_bank_account)?;
        Ok(CustomerView {
            id: self.id,
            name: self.name,
            name_en: self.name_en,
            kind: self.kind,
            region: self.region,
            city: self.city,
            industry: self.industry,
            size: self.size,
            business_type: self.business_type,
            grade: self.grade,
            owner_id: self.owner_id,
            owner_name: self.owner_name,
            phone,
            id_number,
            bank_account,
            version: self.version,
            short_name: self.short_name,
            source: self.source,
            address: self.address,
            tags: self.tags.map(|t| t.split(',').map(str::to_string).collect()).unwrap_or_default(),
            cooperation_since: self.cooperation_since,
            credit_limit_fen: self.credit_limit_fen,
            satisfaction: self.satisfaction,
            credit_code: self.credit_code,
            hot_reason: self.hot_reason,
        })
    }
}

/// A customer row as `viewer` may see it (see [`StoredCustomer::view`]).
pub(super) fn customer_view(row: &AnyRow, viewer: &Viewer, vault: &Vault) -> Result<CustomerView, AppError> {
    StoredCustomer::from_row(row)?.view(viewer, vault)
}

/// A contact row as a viewer may see it: the phone opened, then masked unless the viewer owns
/// the customer (`owns`).
/// A contact's stored (sealed) phone as the viewer may see it: whole for the customer's owner,
/// masked for everyone else.
pub(super) fn open_contact_phone(vault: &Vault, id: &str, stored: Option<String>, owns: bool) -> Result<Option<String>, AppError> {
    let phone = vault.open_opt(Place { table: "contacts", column: "phone", id }, stored.as_deref())?;
    Ok(phone.map(|p| if owns { p } else { mask_phone(&p) }))
}

pub(super) fn contact_view(row: &AnyRow, owns: bool, vault: &Vault) -> Result<ContactView, AppError> {
    let id: String = row.try_get("id")?;
    let phone = open_contact_phone(vault, &id, row.try_get("phone")?, owns)?;
    Ok(ContactView {
        customer_id: row.try_get("customer_id")?,
        name: row.try_get("name")?,
        title: row.try_get("title")?,
        role: row.try_get("role")?,
        phone,
        email: row.try_get("email")?,
        wechat: row.try_get("wechat")?,
        birthday: row.try_get("birthday")?,
        notes: row.try_get("notes")?,
        version: row.try_get("version")?,
        id,
    })
}

/// The customers among `ids` the viewer may see, as they may see them (one query per 200 ids).
pub(super) async fn customers_in_scope(state: &AppState, viewer: &Viewer, scope: &CustomerScope, ids: &[String]) -> Result<Vec<CustomerView>, AppError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(200) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let (condition, binds) = scope.sql(chunk.len() + 1);
        let sql = format!("SELECT {COLUMNS} {FROM} WHERE c.id IN ({}) AND {condition}", list.join(", "));
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

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CustomerPage>, AppError> {
    let Query(params) = params.map_err(|e| AppError::BadRequest { code: "invalid_query", message: e.body_text() })?;
    if params.offset < 0 || !(1..=1000).contains(&params.limit) {
        return Err(AppError::BadRequest { code: "invalid_query", message: "offset >= 0, limit 1-1000".into() });
    }
    let scope = CustomerScope::of(&state.db, &viewer).await?;
    let (condition, binds) = scope.sql(1);
    let count_sql = format!("SELECT COUNT(*) AS n {FROM} WHERE {condition}");
    let mut count = sqlx::query(&count_sql);
    for b in &binds {
        count = count.bind(b.as_str());
    }
    let total: i64 = count.fetch_one(state.db.pool()).await?.try_get("n")?;
    let n = binds.len();
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE {condition} ORDER BY c.name, c.id LIMIT ${} OFFSET ${}", n + 1, n + 2);
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = query.bind(b.as_str());
    }
    let rows = query.bind(params.limit).bind(params.offset).fetch_all(state.db.pool()).await?;
    let customers = rows.iter().map(|r| customer_view(r, &viewer, &state.vault)).collect::<Result<Vec<_>, _>>()?;
    Ok(Json(CustomerPage { total, customers }))
}

async fn detail(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Json<CustomerDetail>, AppError> {
    if id.len() > 64 {
        return Err(AppError::NotFound);
    }
    let scope = CustomerScope::of(&state.db, &viewer).await?;
    let (condition, binds) = scope.sql(2);
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE c.id = $1 AND {condition}");
    let mut query = sqlx::query(&sql).bind(id.as_str());
    for b in &binds {
        query = query.bind(b.as_str());
    }
    let row = query.fetch_optional(state.db.pool()).await?.ok_or(AppError::NotFound)?;
    let customer = customer_view(&row, &viewer, &state.vault)?;
    let owns = customer.owner_id == viewer.user.user_id;
    let rows = sqlx::query(&format!("SELECT {CONTACT_COLUMNS} FROM contacts k WHERE k.customer_id = $1 ORDER BY k.name, k.id"))
        .bind(id.as_str())
        .fetch_all(state.db.pool())
        .await?;
    let contacts = rows.iter().map(|r| contact_view(r, owns, &state.vault)).collect::<Result<Vec<_>, AppError>>()?;
    Ok(Json(CustomerDetail { customer, contacts }))
}

async fn products(State(state): State<AppState>, viewer: Viewer) -> Result<Json<Vec<ProductView>>, AppError> {
    let costs = sees_costs(viewer.user.role);
    let rows =
        sqlx::query("SELECT id, sku, name_zh, name_en, unit, unit_price_fen, unit_cost_fen FROM products ORDER BY sku").fetch_all(state.db.pool()).await?;
    let products = rows
        .iter()
        .map(|r| {
            Ok(ProductView {
                id: r.try_get("id")?,
                sku: r.try_get("sku")?,
                name_zh: r.try_get("name_zh")?,
                name_en: r.try_get("name_en")?,
                unit: r.try_get("unit")?,
                unit_price_fen: r.try_get("unit_price_fen")?,
                unit_cost_fen: if costs { Some(r.try_get("unit_cost_fen")?) } else { None },
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Json(products))
}

/// A customer the viewer may see, with the viewer's scope; `NotFound` otherwise.
struct Visible {
    scope: CustomerScope,
    owner_id: String,
    version: i64,
}

async fn visible_customer(state: &AppState, viewer: &Viewer, id: &str) -> Result<Visible, AppError> {
    if id.len() > 64 {
        return Err(AppError::NotFound);
    }
    let scope = CustomerScope::of(&state.db, viewer).await?;
    let (condition, binds) = scope.sql(2);
    let sql = format!("SELECT c.owner_id, c.version FROM customers c WHERE c.id = $1 AND {condition}");
    let mut query = sqlx::query(&sql).bind(id);
    for b in &binds {
        query = query.bind(b.as_str());
    }
    let row = query.fetch_optional(state.db.pool()).await?.ok_or(AppError::NotFound)?;
    Ok(Visible { scope, owner_id: row.try_get("owner_id")?, version: row.try_get("version")? })
}

/// `POST /api/customers/{id}/owner`: managers (within their regions), supervisors (within their
/// team), the director and admins hand a customer to another rep or supervisor. Visibility moves
/// with it. Recorded in the audit log.
async fn reassign(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(req): AppJson<Reassign>,
) -> Result<Json<CustomerView>, AppError> {
    let Visible { scope, owner_id: old_owner, version } = visible_customer(&state, &viewer, &id).await?;
    if !viewer.user.role.answers_for_customers() {
        return Err(AppError::Forbidden);
    }
    let invalid_owner = || AppError::BadRequest { code: "invalid_owner", message: "the new owner cannot take this customer".into() };
    let mut conn = state.db.pool().acquire().await?;
    let target_id = crate::access::handover(&mut conn, &scope, &req.owner, true).await?.ok_or_else(invalid_owner)?.user_id;
    drop(conn);
    if req.version != version {
        return Err(AppError::Conflict);
    }
    if target_id != old_owner {
        let _turn = state.db.write_turn().await;
        let mut tx = state.db.pool().begin().await?;
        // Changed since the client read it (or by now someone else's): the client reloads.
        let current = sqlx::query("SELECT owner_id, version FROM customers WHERE id = $1").bind(&id).fetch_optional(&mut *tx).await?;
        let unchanged = match &current {
            Some(row) => row.try_get::<i64, _>("version")? == version && row.try_get::<String, _>("owner_id")? == old_owner,
            None => false,
        };
        if !unchanged {
            return Err(AppError::Conflict);
        }
        let device = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
        // The same command as the sync push's `reassign_customer`: the open deals go along.
        let mut fx = crate::areas::Effects::new(Actor { user_id: &viewer.user.user_id, device });
        crate::areas::customers::reassign(&mut tx, &mut fx, &id, &old_owner, &target_id).await?;
        fx.flush(&mut tx, state.db.backend()).await?;
        tx.commit().await?;
    }
    let row = sqlx::query(&format!("SELECT {COLUMNS} {FROM} WHERE c.id = $1")).bind(&id).fetch_one(state.db.pool()).await?;
    Ok(Json(customer_view(&row, &viewer, &state.vault)?))
}

/// `GET /api/customers/{id}/history`: the audit trail of a customer the viewer can see; managers
/// and above only. Read-only: there is no way to change history.
async fn history(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Json<Vec<HistoryEntry>>, AppError> {
    visible_customer(&state, &viewer, &id).await?;
    if !viewer.user.role.sees_history() {
        return Err(AppError::Forbidden);
    }
    let rows = sqlx::query(
        "SELECT a.at, u.display_name AS actor, a.device, a.field, a.old_value, a.new_value \
         FROM audit_log a JOIN users u ON u.id = a.actor_id \
         WHERE a.entity = 'customer' AND a.entity_id = $1 ORDER BY a.at, a.id",
    )
    .bind(&id)
    .fetch_all(state.db.pool())
    .await?;
    // Fields that hold a user id are shown with the user's name.
    let names: std::collections::HashMap<String, String> = sqlx::query("SELECT id, display_name FROM users")
        .fetch_all(state.db.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let entries = rows
        .iter()
        .map(|r| {
            let field: String = r.try_get("field")?;
            let readable = |v: Option<String>| match field.as_str() {
                "owner_id" | "shared_with" => v.map(|id| names.get(&id).cloned().unwrap_or(id)),
                _ => v,
            };
            Ok(HistoryEntry {
                at_ms: r.try_get("at")?,
                actor: r.try_get("actor")?,
                device: r.try_get("device")?,
                old_value: readable(r.try_get("old_value")?),
                new_value: readable(r.try_get("new_value")?),
                field,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(Json(entries))
}

/// The body of `POST /api/customers/{id}/shares`.
#[derive(Debug, Deserialize)]
struct ShareRequest {
    username: String,
}

/// `POST /api/customers/{id}/shares` `{"username"}`: lets a colleague see (not own) the customer;
/// their view keeps sensitive fields masked. Audited.
async fn share(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    AppJson(req): AppJson<ShareRequest>,
) -> Result<Json<serde_json::Value>, AppError> {
    let visible = visible_customer(&state, &viewer, &id).await?;
    if !crate::access::may_change(&viewer, &visible.owner_id) {
        return Err(AppError::Forbidden);
    }
    let invalid = || AppError::BadRequest { code: "invalid_user", message: "no active colleague by that name".into() };
    let target: String = sqlx::query("SELECT id FROM users WHERE username = $1 AND active = TRUE")
        .bind(&req.username)
        .fetch_optional(state.db.pool())
        .await?
        .ok_or_else(invalid)?
        .try_get("id")?;
    if target == visible.owner_id {
        return Err(invalid());
    }
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    let added = sqlx::query(
        "INSERT INTO customer_shares (customer_id, user_id, shared_by, shared_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (customer_id, user_id) DO NOTHING",
    )
    .bind(&id)
    .bind(&target)
    .bind(&viewer.user.user_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if added > 0 {
        let device = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
        let actor = Actor { user_id: &viewer.user.user_id, device };
        audit::record(&mut tx, &actor, Change { entity: "customer", entity_id: &id, field: "shared_with", old: None, new: Some(&target) }).await?;
        crate::changes::log_change(&mut tx, kedao_app::domain::entity::Entity::Customer, &id).await?;
    }
    tx.commit().await?;
    Ok(Json(serde_json::json!({ "shared_with": req.username })))
}

/// `DELETE /api/customers/{id}/shares/{username}`: ends a share. Audited.
async fn unshare(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((id, username)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, AppError> {
    let visible = visible_customer(&state, &viewer, &id).await?;
    if !crate::access::may_change(&viewer, &visible.owner_id) {
        return Err(AppError::Forbidden);
    }
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    let target: Option<String> =
        sqlx::query("SELECT id FROM users WHERE username = $1").bind(&username).fetch_optional(&mut *tx).await?.map(|r| r.try_get("id")).transpose()?;
    let target = target.ok_or(AppError::NotFound)?;
    let removed =
        sqlx::query("DELETE FROM customer_shares WHERE customer_id = $1 AND user_id = $2").bind(&id).bind(&target).execute(&mut *tx).await?.rows_affected();
    if removed == 0 {
        return Err(AppError::NotFound);
    }
    let device = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    let actor = Actor { user_id: &viewer.user.user_id, device };
    audit::record(&mut tx, &actor, Change { entity: "customer", entity_id: &id, field: "shared_with", old: Some(&target), new: None }).await?;
    crate::changes::log_change(&mut tx, kedao_app::domain::entity::Entity::Customer, &id).await?;
    tx.commit().await?;
    Ok(Json(serde_json::json!({ "unshared": username })))
}
