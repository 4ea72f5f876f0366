//! Administration of the organisation: users (role, team, managed regions, reporting line,
//! active), regions and teams. Every handler takes an [`Admin`], which only an admin's session
//! yields; every change is validated by the shared rules in `kedao_app::domain::admin`, checked
//! against the database, and written together with its audit entries in one transaction.

use super::session::Viewer;
use super::{AppError, AppJson, AppState};
use crate::audit::{self, Actor, Change};
use crate::auth::{delete_user_sessions, hash_password};
use crate::db::now_ms;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::USER_AGENT;
use axum::http::request::Parts;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use kedao_app::domain::admin::{creates_cycle, CreatedUser, FormError, OrgSnapshot, RegionView, TeamView, UnitForm, UserAdminView, UserForm};
use kedao_app::domain::catalog::List;
use kedao_app::domain::org::Role;
use serde_json::{json, Value};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/org", get(org))
        .route("/api/admin/users", post(create_user))
        .route("/api/admin/users/{username}", put(update_user).delete(deactivate_user))
        .route("/api/admin/users/{username}/sessions", delete(sign_out_everywhere))
        .route("/api/admin/users/{username}/password", post(reset_password))
        .route("/api/admin/regions", post(create_region))
        .route("/api/admin/regions/{id}", put(update_region).delete(delete_region))
        .route("/api/admin/teams", post(create_team))
        .route("/api/admin/teams/{id}", put(update_team).delete(delete_team))
}

/// An admin, proven: handlers that take one cannot run for anybody else (403 otherwise).
pub struct Admin {
    viewer: Viewer,
    device: Option<String>,
}

impl Admin {
    pub(super) fn actor(&self) -> Actor<'_> {
        Actor { user_id: &self.viewer.user.user_id, device: self.device.as_deref() }
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let viewer = Viewer::from_request_parts(parts, state).await?;
        if viewer.user.role != Role::Admin {
            return Err(AppError::Forbidden);
        }
        let device = parts.headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
        Ok(Admin { viewer, device })
    }
}

impl From<FormError> for AppError {
    fn from(e: FormError) -> Self {
        AppError::Form(e)
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

async fn snapshot(state: &AppState) -> Result<OrgSnapshot, AppError> {
    let pool = state.db.pool();
    let regions = sqlx::query("SELECT id, code, name_zh, name_en FROM regions ORDER BY position, code")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok(RegionView { id: r.try_get("id")?, code: r.try_get("code")?, name_zh: r.try_get("name_zh")?, name_en: r.try_get("name_en")? }))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let teams = sqlx::query("SELECT id, region_id, name_zh, name_en FROM teams ORDER BY region_id, name_en")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok(TeamView { id: r.try_get("id")?, region_id: r.try_get("region_id")?, name_zh: r.try_get("name_zh")?, name_en: r.try_get("name_en")? }))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let mut regions_of: HashMap<String, Vec<String>> = HashMap::new();
    for r in sqlx::query("SELECT user_id, region_id FROM user_regions ORDER BY region_id").fetch_all(pool).await? {
        regions_of.entry(r.try_get("user_id")?).or_default().push(r.try_get("region_id")?);
    }
    let now = now_ms();
    let mut sessions_of: HashMap<String, i64> = HashMap::new();
    for r in sqlx::query("SELECT user_id, COUNT(*) AS n FROM sessions WHERE expires_at > $1 GROUP BY user_id").bind(now).fetch_all(pool).await? {
        sessions_of.insert(r.try_get("user_id")?, r.try_get("n")?);
    }
    let users = sqlx::query(
        "SELECT id, username, display_name, role, team_id, manager_id, \
         CASE WHEN active THEN 1 ELSE 0 END AS active, CASE WHEN must_change_password THEN 1 ELSE 0 END AS must_change \
         FROM users ORDER BY username",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let id: String = r.try_get("id")?;
        let role: String = r.try_get("role")?;
        Ok(UserAdminView {
            username: r.try_get("username")?,
            display_name: r.try_get("display_name")?,
            role: Role::from_code(&role).ok_or_else(|| anyhow::anyhow!("user {id} has unknown role {role:?}"))?,
            team_id: r.try_get("team_id")?,
            manager_id: r.try_get("manager_id")?,
            region_ids: regions_of.remove(&id).unwrap_or_default(),
            active: r.try_get::<i64, _>("active")? != 0,
            must_change_password: r.try_get::<i64, _>("must_change")? != 0,
            sessions: sessions_of.get(&id).copied().unwrap_or(0),
            id,
        })
    })
    .collect::<Result<Vec<UserAdminView>, AppError>>()?;
    // By rank, then name with numbers in order (rep2 before rep10).
    let mut users = users;
    users.sort_by_cached_key(|u| (Role::ALL.iter().position(|r| *r == u.role), natural_key(&u.username)));
    Ok(OrgSnapshot { regions, teams, users })
}

/// `rep10` → ("rep", 10): sorts names with numbers the way people read them.
fn natural_key(name: &str) -> (String, u64) {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (head, tail) = name.split_at(name.len() - digits);
    (head.to_string(), tail.parse().unwrap_or(0))
}

/// `GET /api/admin/org`: regions, teams and users with their place in the organisation.
async fn org(State(state): State<AppState>, _admin: Admin) -> Result<Json<OrgSnapshot>, AppError> {
    Ok(Json(snapshot(&state).await?))
}

fn user_in(org: &OrgSnapshot, username: &str) -> Result<UserAdminView, AppError> {
    org.users.iter().find(|u| u.username == username).cloned().ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// Users

/// The checks that need the organisation: references exist, no reporting loop.
fn check_user(org: &OrgSnapshot, form: &UserForm, user_id: Option<&str>) -> Result<(), FormError> {
    if let Some(team) = &form.team_id {
        if !org.teams.iter().any(|t| &t.id == team) {
            return Err(FormError::UnknownReference);
        }
    }
    if !form.region_ids.iter().all(|r| org.regions.iter().any(|x| &x.id == r)) {
        return Err(FormError::UnknownReference);
    }
    if let Some(manager) = &form.manager_id {
        if !org.users.iter().any(|u| &u.id == manager && u.active) {
            return Err(FormError::UnknownReference);
        }
        if let Some(me) = user_id {
            let manager_of = |u: &str| org.users.iter().find(|x| x.id == u).and_then(|x| x.manager_id.as_deref());
            if creates_cycle(me, manager, manager_of, org.users.len()) {
                return Err(FormError::ReportingCycle);
            }
        }
    }
    Ok(())
}

async fn write_regions(tx: &mut Transaction<'static, Any>, user_id: &str, regions: &[String]) -> Result<(), AppError> {
    sqlx::query("DELETE FROM user_regions WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    for region in regions {
        sqlx::query("INSERT INTO user_regions (user_id, region_id) VALUES ($1, $2)").bind(user_id).bind(region).execute(&mut **tx).await?;
    }
    Ok(())
}

/// `POST /api/admin/users`: a new user with a one-time password they must change at first sign-in.
async fn create_user(State(state): State<AppState>, admin: Admin, AppJson(form): AppJson<UserForm>) -> Result<Json<CreatedUser>, AppError> {
    form.validate()?;
    let form = form.normalised();
    let org = snapshot(&state).await?;
    if org.users.iter().any(|u| u.username.eq_ignore_ascii_case(&form.username)) {
        return Err(FormError::Taken.into());
    }
    check_user(&org, &form, None)?;
    let password = crate::seed::random_password();
    let hash = hash_password(&password)?;
    let id = uuid::Uuid::new_v4().to_string();
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query(
        "INSERT INTO users (id, username, display_name, role, team_id, manager_id, password_hash, must_change_password, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $9)",
    )
    .bind(&id)
    .bind(&form.username)
    .bind(&form.display_name)
    .bind(form.role.code())
    .bind(&form.team_id)
    .bind(&form.manager_id)
    .bind(hash)
    .bind(form.active)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    write_regions(&mut tx, &id, &form.region_ids).await?;
    let created = format!("{} ({})", form.username, form.role.code());
    audit::record(&mut tx, &admin.actor(), Change { entity: "user", entity_id: &id, field: "created", old: None, new: Some(&created) }).await?;
    crate::catalog::teams_changed(&mut tx).await?;
    tx.commit().await?;
    let user = user_in(&snapshot(&state).await?, &form.username)?;
    Ok(Json(CreatedUser { user, one_time_password: password }))
}

/// `PUT /api/admin/users/{username}`: role, team, regions, reporting line, name, active.
/// Deactivating ends the user's sessions. An admin cannot demote or deactivate themselves.
async fn update_user(
    State(state): State<AppState>,
    admin: Admin,
    Path(username): Path<String>,
    AppJson(form): AppJson<UserForm>,
) -> Result<Json<UserAdminView>, AppError> {
    let org = snapshot(&state).await?;
    let before = user_in(&org, &username)?;
    if form.username != before.username {
        return Err(AppError::BadRequest { code: "username_mismatch", message: "usernames cannot be changed".into() });
    }
    form.validate()?;
    let form = form.normalised();
    if before.id == admin.viewer.user.user_id && (form.role != Role::Admin || !form.active) {
        return Err(FormError::OwnAccount.into());
    }
    check_user(&org, &form, Some(&before.id))?;

    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query("UPDATE users SET display_name = $1, role = $2, team_id = $3, manager_id = $4, active = $5 WHERE id = $6")
        .bind(&form.display_name)
        .bind(form.role.code())
        .bind(&form.team_id)
        .bind(&form.manager_id)
        .bind(form.active)
        .bind(&before.id)
        .execute(&mut *tx)
        .await?;
    write_regions(&mut tx, &before.id, &form.region_ids).await?;
    let bool_text = |b: bool| if b { "true" } else { "false" };
    let fields: [(&str, Option<String>, Option<String>); 6] = [
        ("display_name", Some(before.display_name.clone()), Some(form.display_name.clone())),
        ("role", Some(before.role.code().into()), Some(form.role.code().into())),
        ("team_id", before.team_id.clone(), form.team_id.clone()),
        ("manager_id", before.manager_id.clone(), form.manager_id.clone()),
        ("region_ids", Some(before.region_ids.join(",")), Some(form.region_ids.join(","))),
        ("active", Some(bool_text(before.active).into()), Some(bool_text(form.active).into())),
    ];
    let actor = admin.actor();
    for (field, old, new) in &fields {
        if old != new {
            let change = Change { entity: "user", entity_id: &before.id, field, old: old.as_deref(), new: new.as_deref() };
            audit::record(&mut tx, &actor, change).await?;
        }
    }
    if !form.active {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(&before.id).execute(&mut *tx).await?;
    }
    // What this user may see changed wholesale: their devices (and others') re-sync.
    if before.role != form.role || before.team_id != form.team_id || before.region_ids != form.region_ids {
        crate::changes::bump_epoch(&mut tx).await?;
    }
    crate::catalog::teams_changed(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(user_in(&snapshot(&state).await?, &username)?))
}

/// `DELETE /api/admin/users/{username}`: users are never erased (their history names them); this
/// deactivates the account and ends its sessions.
async fn deactivate_user(State(state): State<AppState>, admin: Admin, Path(username): Path<String>) -> Result<Json<UserAdminView>, AppError> {
    let before = user_in(&snapshot(&state).await?, &username)?;
    let form = UserForm {
        username: before.username.clone(),
        display_name: before.display_name.clone(),
        role: before.role,
        team_id: before.team_id.clone(),
        manager_id: before.manager_id.clone(),
        region_ids: before.region_ids.clone(),
        active: false,
    };
    update_user(State(state), admin, Path(username), AppJson(form)).await
}

/// `DELETE /api/admin/users/{username}/sessions`: sign a user out on every device (a lost phone).
async fn sign_out_everywhere(State(state): State<AppState>, admin: Admin, Path(username): Path<String>) -> Result<Json<Value>, AppError> {
    let row = sqlx::query("SELECT id FROM users WHERE username = $1").bind(&username).fetch_optional(state.db.pool()).await?.ok_or(AppError::NotFound)?;
    let user_id: String = row.try_get("id")?;
    let ended = delete_user_sessions(&state.db, &admin.actor(), &user_id).await?;
    tracing::info!(admin = %admin.viewer.user.username, user = %username, ended, "signed out everywhere");
    Ok(Json(json!({ "sessions_ended": ended })))
}

/// `POST /api/admin/users/{username}/password`: a new one-time password (a forgotten password);
/// the user's sessions end and they must choose a new password at the next sign-in.
async fn reset_password(State(state): State<AppState>, admin: Admin, Path(username): Path<String>) -> Result<Json<Value>, AppError> {
    let before = user_in(&snapshot(&state).await?, &username)?;
    if before.id == admin.viewer.user.user_id {
        return Err(FormError::OwnAccount.into());
    }
    let password = crate::seed::random_password();
    let hash = hash_password(&password)?;
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = TRUE WHERE id = $2").bind(hash).bind(&before.id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(&before.id).execute(&mut *tx).await?;
    let change = Change { entity: "user", entity_id: &before.id, field: "password", old: None, new: Some("reset by admin") };
    audit::record(&mut tx, &admin.actor(), change).await?;
    tx.commit().await?;
    Ok(Json(json!({ "one_time_password": password })))
}

// ---------------------------------------------------------------------------------------------
// Regions and teams

async fn record_unit(
    tx: &mut Transaction<'static, Any>,
    admin: &Admin,
    entity: &str,
    id: &str,
    before: Option<(&str, &str)>,
    form: &UnitForm,
) -> Result<(), AppError> {
    let actor = admin.actor();
    let (old_zh, old_en) = before.map_or((None, None), |(zh, en)| (Some(zh), Some(en)));
    for (field, old, new) in [("name_zh", old_zh, form.name_zh.as_str()), ("name_en", old_en, form.name_en.as_str())] {
        if old != Some(new) {
            audit::record(tx, &actor, Change { entity, entity_id: id, field, old, new: Some(new) }).await?;
        }
    }
    Ok(())
}

/// `POST /api/admin/regions` `{code, name_zh, name_en}`.
async fn create_region(State(state): State<AppState>, admin: Admin, AppJson(form): AppJson<UnitForm>) -> Result<Json<RegionView>, AppError> {
    form.validate()?;
    let code = form.code.clone().ok_or(FormError::InvalidCode)?;
    let org = snapshot(&state).await?;
    if org.regions.iter().any(|r| r.code == code) {
        return Err(FormError::Taken.into());
    }
    let id = uuid::Uuid::new_v4().to_string();
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query("INSERT INTO regions (id, code, name_zh, name_en, position) VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), -1) + 1 FROM regions))")
        .bind(&id)
        .bind(&code)
        .bind(form.name_zh.trim())
        .bind(form.name_en.trim())
        .execute(&mut *tx)
        .await?;
    record_unit(&mut tx, &admin, "region", &id, None, &form).await?;
    crate::catalog::changed(&mut tx, List::Region).await?;
    tx.commit().await?;
    Ok(Json(RegionView { id, code, name_zh: form.name_zh.trim().into(), name_en: form.name_en.trim().into() }))
}

/// `PUT /api/admin/regions/{id}` `{name_zh, name_en}`: renames (codes are stable).
async fn update_region(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    AppJson(form): AppJson<UnitForm>,
) -> Result<Json<RegionView>, AppError> {
    form.validate()?;
    let org = snapshot(&state).await?;
    let before = org.regions.iter().find(|r| r.id == id).ok_or(AppError::NotFound)?;
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query("UPDATE regions SET name_zh = $1, name_en = $2 WHERE id = $3")
        .bind(form.name_zh.trim())
        .bind(form.name_en.trim())
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    record_unit(&mut tx, &admin, "region", &id, Some((&before.name_zh, &before.name_en)), &form).await?;
    crate::catalog::changed(&mut tx, List::Region).await?;
    tx.commit().await?;
    Ok(Json(RegionView { id, code: before.code.clone(), name_zh: form.name_zh.trim().into(), name_en: form.name_en.trim().into() }))
}

/// `DELETE /api/admin/regions/{id}`: only a region without teams, customers or managers.
async fn delete_region(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    let org = snapshot(&state).await?;
    let before = org.regions.iter().find(|r| r.id == id).ok_or(AppError::NotFound)?;
    let used: i64 = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM teams WHERE region_id = $1) + (SELECT COUNT(*) FROM customers WHERE region_id = $1) \
         + (SELECT COUNT(*) FROM user_regions WHERE region_id = $1) AS n",
    )
    .bind(&id)
    .fetch_one(state.db.pool())
    .await?
    .try_get("n")?;
    if used > 0 {
        return Err(FormError::InUse.into());
    }
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query("DELETE FROM regions WHERE id = $1").bind(&id).execute(&mut *tx).await?;
    audit::record(&mut tx, &admin.actor(), Change { entity: "region", entity_id: &id, field: "deleted", old: Some(&before.code), new: None }).await?;
    crate::catalog::changed(&mut tx, List::Region).await?;
    tx.commit().await?;
    Ok(Json(json!({ "deleted": id })))
}

/// `POST /api/admin/teams` `{region_id, name_zh, name_en}`.
async fn create_team(State(state): State<AppState>, admin: Admin, AppJson(form): AppJson<UnitForm>) -> Result<Json<TeamView>, AppError> {
    form.validate()?;
    let org = snapshot(&state).await?;
    let region_id = form.region_id.clone().filter(|r| org.regions.iter().any(|x| &x.id == r)).ok_or(FormError::UnknownReference)?;
    let id = uuid::Uuid::new_v4().to_string();
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query("INSERT INTO teams (id, region_id, name_zh, name_en) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(&region_id)
        .bind(form.name_zh.trim())
        .bind(form.name_en.trim())
        .execute(&mut *tx)
        .await?;
    record_unit(&mut tx, &admin, "team", &id, None, &form).await?;
    audit::record(&mut tx, &admin.actor(), Change { entity: "team", entity_id: &id, field: "region_id", old: None, new: Some(&region_id) }).await?;
    crate::catalog::teams_changed(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(TeamView { id, region_id, name_zh: form.name_zh.trim().into(), name_en: form.name_en.trim().into() }))
}

/// `PUT /api/admin/teams/{id}` `{name_zh, name_en}`: renames. (Moving a team to another region
/// would move its customers' visibility; that is a re-organisation for a later issue.)
async fn update_team(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    AppJson(form): AppJson<UnitForm>,
) -> Result<Json<TeamView>, AppError> {
    form.validate()?;
    let org = snapshot(&state).await?;
    let before = org.teams.iter().find(|t| t.id == id).ok_or(AppError::NotFound)?;
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query("UPDATE teams SET name_zh = $1, name_en = $2 WHERE id = $3")
        .bind(form.name_zh.trim())
        .bind(form.name_en.trim())
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    record_unit(&mut tx, &admin, "team", &id, Some((&before.name_zh, &before.name_en)), &form).await?;
    crate::catalog::teams_changed(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(TeamView { id, region_id: before.region_id.clone(), name_zh: form.name_zh.trim().into(), name_en: form.name_en.trim().into() }))
}

/// `DELETE /api/admin/teams/{id}`: only a team nobody belongs to.
async fn delete_team(State(state): State<AppState>, admin: Admin, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    let org = snapshot(&state).await?;
    org.teams.iter().find(|t| t.id == id).ok_or(AppError::NotFound)?;
    if org.users.iter().any(|u| u.team_id.as_deref() == Some(id.as_str())) {
        return Err(FormError::InUse.into());
    }
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    sqlx::query("DELETE FROM teams WHERE id = $1").bind(&id).execute(&mut *tx).await?;
    audit::record(&mut tx, &admin.actor(), Change { entity: "team", entity_id: &id, field: "deleted", old: Some(&id), new: None }).await?;
    crate::catalog::teams_changed(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(json!({ "deleted": id })))
}
