//! Customer reads: `GET /api/customers`, `GET /api/customers/{id}` and `GET /api/products`.
//! Every query is limited by the viewer's [`CustomerScope`]; a customer outside it is "not
//! found" (its existence is not revealed). Phones of customers the viewer does not own are masked
//! here, before they leave the server; costs only reach those who may see them.

use super::session::Viewer;
use super::{AppError, AppState};
use crate::access::CustomerScope;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use kedao_app::domain::customer::{ContactView, CustomerDetail, CustomerPage, CustomerView, ProductView};
use kedao_app::domain::privacy::{mask_phone, sees_costs};
use serde::Deserialize;
use sqlx::any::AnyRow;
use sqlx::Row;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/customers", get(list))
        .route("/api/customers/{id}", get(detail))
        .route("/api/products", get(products))
}

const COLUMNS: &str = "c.id, c.name, c.name_en, c.kind, r.code AS region, c.city, c.industry, c.size, \
    c.business_type, c.grade, c.owner_id, u.display_name AS owner_name, c.phone, c.version";
const FROM: &str = "FROM customers c JOIN users u ON u.id = c.owner_id JOIN regions r ON r.id = c.region_id";

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

fn customer_view(row: &AnyRow, viewer: &Viewer) -> Result<CustomerView, sqlx::Error> {
    let owner_id: String = row.try_get("owner_id")?;
    let phone: Option<String> = row.try_get("phone")?;
    let owns = owner_id == viewer.user.user_id;
    Ok(CustomerView {
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
        owner_name: row.try_get("owner_name")?,
        phone: phone.map(|p| if owns { p } else { mask_phone(&p) }),
        owner_id,
        version: row.try_get("version")?,
    })
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
    let total: i64 = count.fetch_one(state.db.pool()).await.map_err(anyhow::Error::from)?.try_get("n").map_err(anyhow::Error::from)?;
    let n = binds.len();
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE {condition} ORDER BY c.name, c.id LIMIT ${} OFFSET ${}", n + 1, n + 2);
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = query.bind(b.as_str());
    }
    let rows = query.bind(params.limit).bind(params.offset).fetch_all(state.db.pool()).await.map_err(anyhow::Error::from)?;
    let customers = rows.iter().map(|r| customer_view(r, &viewer)).collect::<Result<Vec<_>, _>>().map_err(anyhow::Error::from)?;
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
    let row = query.fetch_optional(state.db.pool()).await.map_err(anyhow::Error::from)?.ok_or(AppError::NotFound)?;
    let customer = customer_view(&row, &viewer).map_err(anyhow::Error::from)?;
    let owns = customer.owner_id == viewer.user.user_id;
    let rows = sqlx::query(
        "SELECT id, name, title, phone, email, CASE WHEN is_decision_maker THEN 1 ELSE 0 END AS decides \
         FROM contacts WHERE customer_id = $1 ORDER BY name, id",
    )
    .bind(id.as_str())
    .fetch_all(state.db.pool())
    .await
    .map_err(anyhow::Error::from)?;
    let contacts = rows
        .iter()
        .map(|r| {
            let phone: Option<String> = r.try_get("phone")?;
            Ok(ContactView {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                title: r.try_get("title")?,
                phone: phone.map(|p| if owns { p } else { mask_phone(&p) }),
                email: r.try_get("email")?,
                is_decision_maker: r.try_get::<i64, _>("decides")? != 0,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(anyhow::Error::from)?;
    Ok(Json(CustomerDetail { customer, contacts }))
}

async fn products(State(state): State<AppState>, viewer: Viewer) -> Result<Json<Vec<ProductView>>, AppError> {
    let costs = sees_costs(viewer.user.role);
    let rows = sqlx::query("SELECT id, sku, name_zh, name_en, unit, unit_price_fen, unit_cost_fen FROM products ORDER BY sku")
        .fetch_all(state.db.pool())
        .await
        .map_err(anyhow::Error::from)?;
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
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(anyhow::Error::from)?;
    Ok(Json(products))
}
