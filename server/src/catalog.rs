//! The company's lists ([`Catalog`]) as stored: regions from `regions` (teams and managers hang
//! on them), industry, size, business type and source from `catalog_options`; the version is
//! sync counter 3, moved on by every change ([`changed`]) so that devices fetch a new copy with
//! their next pull, and woken by the change feed like any other change.

use kedao_app::domain::catalog::{Catalog, CatalogOption, List, PersonEntry, TeamEntry};
use kedao_app::domain::funnel::day_of_ms;
use kedao_app::domain::pipeline::{extend_path, PipelineConfig};
use sqlx::AnyConnection;
use sqlx::{Any, Pool, Row, Transaction};

const VERSION_COUNTER: i64 = 3;

/// The lists as they stand, each in the admin's order, retired options included.
pub async fn load(conn: &mut AnyConnection) -> Result<Catalog, sqlx::Error> {
    let version: i64 = sqlx::query("SELECT value FROM sync_counter WHERE id = $1").bind(VERSION_COUNTER).fetch_one(&mut *conn).await?.try_get("value")?;
    let mut catalog = Catalog { version, ..Default::default() };
    let regions = sqlx::query("SELECT code, name_zh, name_en FROM regions ORDER BY position, code").fetch_all(&mut *conn).await?;
    let options = regions
        .iter()
        .map(|r| Ok(CatalogOption { code: r.try_get("code")?, name_zh: r.try_get("name_zh")?, name_en: r.try_get("name_en")?, active: true }))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    catalog.lists.insert(List::Region, options);
    let rows =
        sqlx::query("SELECT list, code, name_zh, name_en, CASE WHEN active THEN 1 ELSE 0 END AS active FROM catalog_options ORDER BY list, position, code")
            .fetch_all(&mut *conn)
            .await?;
    for r in rows {
        let list: String = r.try_get("list")?;
        // A list this version does not know (written by a newer one) is left out.
        let Some(list) = List::from_code(&list) else { continue };
        let option = CatalogOption {
            code: r.try_get("code")?,
            name_zh: r.try_get("name_zh")?,
            name_en: r.try_get("name_en")?,
            active: r.try_get::<i64, _>("active")? != 0,
        };
        catalog.lists.entry(list).or_default().push(option);
    }
    for r in sqlx::query("SELECT code, config FROM pipelines ORDER BY position, code").fetch_all(&mut *conn).await? {
        let (code, config): (String, String) = (r.try_get("code")?, r.try_get("config")?);
        // Written by `http::pipelines` after validation; one that does not read (a newer
        // version's) is left out rather than failing every pull.
        match serde_json::from_str::<PipelineConfig>(&config) {
            Ok(p) => catalog.pipelines.push(p),
            Err(e) => tracing::warn!(pipeline = code, error = %e, "pipeline configuration not readable"),
        }
    }
    let mut teams: Vec<TeamEntry> = sqlx::query("SELECT id, name_zh, name_en FROM teams ORDER BY name_zh, id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(TeamEntry { id: r.try_get("id")?, name_zh: r.try_get("name_zh")?, name_en: r.try_get("name_en")?, members: Vec::new() }))
        .collect::<Result<_, sqlx::Error>>()?;
    for r in sqlx::query("SELECT id, team_id FROM users WHERE team_id IS NOT NULL ORDER BY id").fetch_all(&mut *conn).await? {
        let (user, team): (String, String) = (r.try_get("id")?, r.try_get("team_id")?);
        if let Some(t) = teams.iter_mut().find(|t| t.id == team) {
            t.members.push(user);
        }
    }
    catalog.teams = teams;
    // Whom customers and deals can be handed to (`access::handover` has the same roles).
    catalog.people = sqlx::query("SELECT id, display_name, team_id FROM users WHERE active = TRUE AND role IN ('rep', 'supervisor') ORDER BY display_name, id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok(PersonEntry { id: r.try_get("id")?, name: r.try_get("display_name")?, team_id: r.try_get("team_id")? }))
        .collect::<Result<_, sqlx::Error>>()?;
    catalog.grading = Some(crate::grading::config(&mut *conn).await?);
    Ok(catalog)
}

/// Notes, inside the transaction that changed the grading rules, that the catalogue moved on.
pub async fn grading_changed(tx: &mut Transaction<'_, Any>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sync_counter SET value = value + 1 WHERE id = $1").bind(VERSION_COUNTER).execute(&mut **tx).await?;
    crate::changes::log_change(tx, kedao_app::domain::entity::Entity::Catalog, "grading").await?;
    Ok(())
}

/// Notes, inside the transaction that changed the teams or who is in them, that the catalogue
/// moved on.
pub async fn teams_changed(tx: &mut Transaction<'_, Any>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sync_counter SET value = value + 1 WHERE id = $1").bind(VERSION_COUNTER).execute(&mut **tx).await?;
    crate::changes::log_change(tx, kedao_app::domain::entity::Entity::Catalog, "teams").await?;
    Ok(())
}

/// The catalogue's version alone (what a pull compares with the device's).
pub async fn version(pool: &Pool<Any>) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT value FROM sync_counter WHERE id = $1").bind(VERSION_COUNTER).fetch_one(pool).await?.try_get("value")
}

/// Notes, inside the transaction that changed `list`, that the catalogue moved on.
pub async fn changed(tx: &mut Transaction<'_, Any>, list: List) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sync_counter SET value = value + 1 WHERE id = $1").bind(VERSION_COUNTER).execute(&mut **tx).await?;
    crate::changes::log_change(tx, kedao_app::domain::entity::Entity::Catalog, list.code()).await?;
    Ok(())
}

/// Notes, inside the transaction that changed a pipeline, that the catalogue moved on.
pub async fn pipelines_changed(tx: &mut Transaction<'_, Any>, pipeline: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sync_counter SET value = value + 1 WHERE id = $1").bind(VERSION_COUNTER).execute(&mut **tx).await?;
    crate::changes::log_change(tx, kedao_app::domain::entity::Entity::Catalog, &format!("pipeline/{pipeline}")).await?;
    Ok(())
}

/// Fills the lists with the starter options, once per database (several processes may start
/// at once: the marker row decides which one does it).
pub async fn ensure_starter(pool: &Pool<Any>) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let first =
        sqlx::query("INSERT INTO app_meta (key, value) VALUES ('catalog_starter', '1') ON CONFLICT (key) DO NOTHING").execute(&mut *tx).await?.rows_affected()
            == 1;
    let starter = Catalog::starter();
    if first {
        for (list, options) in &starter.lists {
            for (position, o) in options.iter().enumerate() {
                sqlx::query("INSERT INTO catalog_options (list, code, name_zh, name_en, position, active) VALUES ($1, $2, $3, $4, $5, TRUE)")
                    .bind(list.code())
                    .bind(&o.code)
                    .bind(&o.name_zh)
                    .bind(&o.name_en)
                    .bind(position as i64)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    // Pipelines came later (0009): a marker of their own, for databases filled before.
    let first = sqlx::query("INSERT INTO app_meta (key, value) VALUES ('pipelines_starter', '1') ON CONFLICT (key) DO NOTHING")
        .execute(&mut *tx)
        .await?
        .rows_affected()
        == 1;
    if first {
        // Devices holding the lists from before pipelines existed must fetch them again.
        sqlx::query("UPDATE sync_counter SET value = value + 1 WHERE id = $1").bind(VERSION_COUNTER).execute(&mut *tx).await?;
        for (position, p) in starter.pipelines.iter().enumerate() {
            sqlx::query("INSERT INTO pipelines (code, position, config) VALUES ($1, $2, $3)")
                .bind(&p.code)
                .bind(position as i64)
                .bind(serde_json::to_string(p)?)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    backfill_paths(pool).await
}

/// Writes the stage path of deals made before deals kept one (migration 0009), from their stage
/// history. Does nothing (one indexed look) once every deal has one.
async fn backfill_paths(pool: &Pool<Any>) -> anyhow::Result<()> {
    if sqlx::query("SELECT 1 AS one FROM opportunities WHERE path IS NULL LIMIT 1").fetch_optional(pool).await?.is_none() {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    let rows = sqlx::query(
        "SELECT h.opportunity_id, h.to_stage, h.changed_at FROM opportunity_stage_history h \
         JOIN opportunities o ON o.id = h.opportunity_id WHERE o.path IS NULL ORDER BY h.opportunity_id, h.changed_at",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut paths: Vec<(String, String)> = Vec::new();
    for r in rows {
        let (id, stage, at): (String, String, i64) = (r.try_get("opportunity_id")?, r.try_get("to_stage")?, r.try_get("changed_at")?);
        match paths.last_mut() {
            Some((last, path)) if *last == id => *path = extend_path(path, &stage, day_of_ms(at)),
            _ => paths.push((id, extend_path("", &stage, day_of_ms(at)))),
        }
    }
    for (id, path) in &paths {
        sqlx::query("UPDATE opportunities SET path = $1 WHERE id = $2").bind(path).bind(id).execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE opportunities SET path = '' WHERE path IS NULL").execute(&mut *tx).await?;
    tx.commit().await?;
    tracing::info!(deals = paths.len(), "stage paths written from the stage history");
    Ok(())
}
