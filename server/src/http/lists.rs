//! The lists an admin edits 数据字典: industry, size, business type and source (regions are
//! created with the organisation in `admin`, and ordered here like the others).
//!
//! - `GET /api/catalog`: every list with its options, retired ones included (any signed-in user;
//!   devices get the same through the pull).
//! - `POST /api/admin/lists/{list}` `{code?, name_zh, name_en}`: a new option at the end.
//! - `PUT /api/admin/lists/{list}/{code}` `{name_zh, name_en, active?}`: rename, retire, restore.
//! - `PUT /api/admin/lists/{list}` `{codes}`: the list's new order.
//! - `DELETE /api/admin/lists/{list}/{code}`: only an option no record uses (retire it otherwise).
//!
//! Codes never change: records store them. Each change is audited and moves the catalogue's
//! version on ([`crate::catalog::changed`]), so every device gets the new lists with its next pull.

use super::admin::Admin;
use super::session::Viewer;
use super::{AppError, AppJson, AppState};
use crate::audit::{self, Change};
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use kedao_app::domain::admin::{FormError, OptionForm, OrderForm};
use kedao_app::domain::catalog::{code_from_name, Catalog, CatalogOption, List};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/catalog", get(catalog))
        .route("/api/admin/lists/{list}", post(create).put(reorder))
        .route("/api/admin/lists/{list}/{code}", put(update).delete(remove))
}

async fn catalog(State(state): State<AppState>, _viewer: Viewer) -> Result<Json<Catalog>, AppError> {
    Ok(Json(crate::catalog::load(&mut *state.db.pool().acquire().await?).await?))
}

/// A list an option can be added to here (regions are created in the organisation screen).
fn editable(list: &str) -> Result<List, AppError> {
    List::from_code(list).filter(|l| *l != List::Region).ok_or(AppError::NotFound)
}

/// The records that hold a list's codes, as (table, column).
fn users_of(list: List) -> &'static [(&'static str, &'static str)] {
    match list {
        List::Region => &[],
        List::Industry => &[("customers", "industry")],
        List::Size => &[("customers", "size")],
        List::BusinessType => &[("customers", "business_type")],
        List::Source => &[("customers", "source"), ("opportunities", "source")],
    }
}

fn entity_id(list: List, code: &str) -> String {
    format!("{}/{code}", list.code())
}

async fn create(
    State(state): State<AppState>,
    admin: Admin,
    Path(list): Path<String>,
    AppJson(form): AppJson<OptionForm>,
) -> Result<Json<CatalogOption>, AppError> {
    let list = editable(&list)?;
    form.validate()?;
    let current = crate::catalog::load(&mut *state.db.pool().acquire().await?).await?;
    let taken = |code: &str| current.option(list, code).is_some();
    let code = match form.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) if taken(code) => return Err(FormError::Taken.into()),
        Some(code) => code.to_string(),
        // Made from the English name (`Trade show` → `trade_show`), numbered if taken.
        None => {
            let stem = code_from_name(&form.name_en).unwrap_or_else(|| format!("option_{}", current.options(list).len() + 1));
            let stem: String = stem.chars().take(28).collect();
            (1..).map(|n| if n == 1 { stem.clone() } else { format!("{stem}_{n}") }).find(|c| !taken(c)).expect("a free code")
        }
    };
    let (zh, en) = (form.name_zh.trim().to_string(), form.name_en.trim().to_string());
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query(
        "INSERT INTO catalog_options (list, code, name_zh, name_en, position, active) \
         VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), -1) + 1 FROM catalog_options WHERE list = $1), TRUE)",
    )
    .bind(list.code())
    .bind(&code)
    .bind(&zh)
    .bind(&en)
    .execute(&mut *tx)
    .await?;
    let id = entity_id(list, &code);
    for (field, value) in [("name_zh", &zh), ("name_en", &en)] {
        audit::record(&mut tx, &admin.actor(), Change { entity: "list_option", entity_id: &id, field, old: None, new: Some(value) }).await?;
    }
    crate::catalog::changed(&mut tx, list).await?;
    tx.commit().await?;
    Ok(Json(CatalogOption { code, name_zh: zh, name_en: en, active: true }))
}

async fn update(
    State(state): State<AppState>,
    admin: Admin,
    Path((list, code)): Path<(String, String)>,
    AppJson(form): AppJson<OptionForm>,
) -> Result<Json<CatalogOption>, AppError> {
    let list = editable(&list)?;
    form.validate()?;
    let current = crate::catalog::load(&mut *state.db.pool().acquire().await?).await?;
    let before = current.option(list, &code).ok_or(AppError::NotFound)?;
    let after = CatalogOption {
        code: code.clone(),
        name_zh: form.name_zh.trim().into(),
        name_en: form.name_en.trim().into(),
        active: form.active.unwrap_or(before.active),
    };
    if &after == before {
        return Ok(Json(after));
    }
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query("UPDATE catalog_options SET name_zh = $1, name_en = $2, active = $3 WHERE list = $4 AND code = $5")
        .bind(&after.name_zh)
        .bind(&after.name_en)
        .bind(after.active)
        .bind(list.code())
        .bind(&code)
        .execute(&mut *tx)
        .await?;
    let id = entity_id(list, &code);
    let active = |a: bool| if a { "true" } else { "false" };
    for (field, old, new) in [
        ("name_zh", before.name_zh.as_str(), after.name_zh.as_str()),
        ("name_en", before.name_en.as_str(), after.name_en.as_str()),
        ("active", active(before.active), active(after.active)),
    ] {
        if old != new {
            audit::record(&mut tx, &admin.actor(), Change { entity: "list_option", entity_id: &id, field, old: Some(old), new: Some(new) }).await?;
        }
    }
    crate::catalog::changed(&mut tx, list).await?;
    tx.commit().await?;
    Ok(Json(after))
}

/// The new order must name every option of the list once (regions included).
async fn reorder(State(state): State<AppState>, admin: Admin, Path(list): Path<String>, AppJson(form): AppJson<OrderForm>) -> Result<Json<Catalog>, AppError> {
    let list = List::from_code(&list).ok_or(AppError::NotFound)?;
    let current = crate::catalog::load(&mut *state.db.pool().acquire().await?).await?;
    let mut given = form.codes.clone();
    given.sort();
    let mut known: Vec<String> = current.options(list).iter().map(|o| o.code.clone()).collect();
    known.sort();
    if given != known {
        return Err(FormError::UnknownReference.into());
    }
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    for (position, code) in form.codes.iter().enumerate() {
        let query = if list == List::Region {
            sqlx::query("UPDATE regions SET position = $1 WHERE code = $2").bind(position as i64).bind(code)
        } else {
            sqlx::query("UPDATE catalog_options SET position = $1 WHERE code = $2 AND list = $3").bind(position as i64).bind(code).bind(list.code())
        };
        query.execute(&mut *tx).await?;
    }
    let old: Vec<&str> = current.options(list).iter().map(|o| o.code.as_str()).collect();
    audit::record(
        &mut tx,
        &admin.actor(),
        Change { entity: "list", entity_id: list.code(), field: "order", old: Some(&old.join(",")), new: Some(&form.codes.join(",")) },
    )
    .await?;
    crate::catalog::changed(&mut tx, list).await?;
    let catalog = crate::catalog::load(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(catalog))
}

async fn remove(State(state): State<AppState>, admin: Admin, Path((list, code)): Path<(String, String)>) -> Result<Json<Value>, AppError> {
    let list = editable(&list)?;
    let current = crate::catalog::load(&mut *state.db.pool().acquire().await?).await?;
    let before = current.option(list, &code).ok_or(AppError::NotFound)?;
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    // Checked inside the transaction that deletes, so no record takes the code meanwhile (on
    // SQLite writers take turns; on PostgreSQL a record written concurrently keeps a code the
    // lists no longer name, and shows it as its code).
    for (table, column) in users_of(list) {
        let used = sqlx::query(&format!("SELECT 1 AS one FROM {table} WHERE {column} = $1 LIMIT 1")).bind(&code).fetch_optional(&mut *tx).await?;
        if used.is_some() {
            return Err(FormError::InUse.into());
        }
    }
    sqlx::query("DELETE FROM catalog_options WHERE list = $1 AND code = $2").bind(list.code()).bind(&code).execute(&mut *tx).await?;
    let id = entity_id(list, &code);
    audit::record(&mut tx, &admin.actor(), Change { entity: "list_option", entity_id: &id, field: "deleted", old: Some(&before.name_zh), new: None }).await?;
    crate::catalog::changed(&mut tx, list).await?;
    tx.commit().await?;
    Ok(Json(json!({ "deleted": code })))
}
