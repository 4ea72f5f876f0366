//! Customer grading 客户分级 on the server (issue 7): every customer regraded by the company's
//! rules with the shared code (`kedao_app::domain::grading`), on demand and once a month by
//! itself. Revenue is the customers' order totals in the period, profit those totals less their
//! cost (cancelled orders left out). A changed grade is written like any other change — version
//! moved on, change feed, so devices pull it — and recorded in `customer_grade_history`.

use crate::db::{now_ms, Db};
use crate::insert::Batch;
use anyhow::Context;
use kedao_app::domain::catalog::Grade;
use kedao_app::domain::grading::{grade, Basis, GradingConfig};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// The rules as stored (the starter rules until an admin saves some).
pub async fn config(conn: &mut AnyConnection) -> Result<GradingConfig, sqlx::Error> {
    let row = sqlx::query("SELECT value FROM app_meta WHERE key = 'grading'").fetch_optional(&mut *conn).await?;
    Ok(row
        .and_then(|r| r.try_get::<String, _>("value").ok())
        // Written after validation; one a newer version wrote and this one cannot read falls
        // back to the starter rules rather than failing every pull.
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(GradingConfig::starter))
}

/// What a regrading did.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub run_id: String,
    pub run_at: i64,
    pub customers: u64,
    pub changed: u64,
    /// Customers per grade after the run (A, B, C, D).
    pub grades: [u64; 4],
    /// `"A→B"` → how many moved that way.
    pub moved: BTreeMap<String, u64>,
}

/// Regrades every customer as of `today` (`YYYY-MM-DD`, the business day). `month` marks the
/// scheduled run of that month: if another process already ran it, nothing happens (`None`).
pub async fn run(db: &Db, by: Option<&str>, month: Option<&str>, today: &str) -> anyhow::Result<Option<RunSummary>> {
    let _turn = db.write_turn().await;
    let mut tx = db.pool().begin().await?;
    let config = config(&mut tx).await?;
    let run_id = uuid::Uuid::new_v4().to_string();
    let run_at = now_ms();
    let claimed = sqlx::query(
        "INSERT INTO grading_runs (id, month, run_at, run_by, config, customers, changed) VALUES ($1, $2, $3, $4, $5, 0, 0) ON CONFLICT (month) DO NOTHING",
    )
    .bind(&run_id)
    .bind(month)
    .bind(run_at)
    .bind(by)
    .bind(serde_json::to_string(&config)?)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(None);
    }
    let from = kedao_app::domain::funnel::parse_day(today).context("today is a date")? - config.period_days as i32 + 1;
    let from = kedao_app::domain::funnel::format_day(from);
    let rows = sqlx::query(
        // Cast: PostgreSQL sums BIGINT as NUMERIC.
        "SELECT c.id, c.grade, CAST(COALESCE(SUM(o.total_fen), 0) AS BIGINT) AS revenue, CAST(COALESCE(SUM(o.total_fen - o.cost_fen), 0) AS BIGINT) AS profit \
         FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.order_date >= $1 AND o.order_date <= $2 AND o.status <> 'cancelled' \
         GROUP BY c.id, c.grade ORDER BY c.id",
    )
    .bind(&from)
    .bind(today)
    .fetch_all(&mut *tx)
    .await?;
    let mut ids = Vec::with_capacity(rows.len());
    let mut before = Vec::with_capacity(rows.len());
    let mut values = Vec::with_capacity(rows.len());
    for r in &rows {
        ids.push(r.try_get::<String, _>("id")?);
        before.push(r.try_get::<String, _>("grade")?);
        let column = match config.basis {
            Basis::Revenue => "revenue",
            Basis::Profit => "profit",
        };
        values.push(r.try_get::<i64, _>(column)?);
    }
    let after = grade(&values, &config.thresholds).map_err(|code| anyhow::anyhow!("the stored grading rules are not usable: {code}"))?;
    let mut summary = RunSummary { run_id: run_id.clone(), run_at, customers: ids.len() as u64, changed: 0, grades: [0; 4], moved: BTreeMap::new() };
    let mut history = Batch::new("customer_grade_history", &["id", "customer_id", "run_id", "from_grade", "to_grade", "value_fen"]);
    let mut changed = Vec::new();
    for (i, to) in after.iter().enumerate() {
        summary.grades[Grade::ALL.iter().position(|g| g == to).unwrap_or(3)] += 1;
        if before[i] == to.code() {
            continue;
        }
        sqlx::query("UPDATE customers SET grade = $1, version = version + 1, updated_at = $2 WHERE id = $3")
            .bind(to.code())
            .bind(run_at)
            .bind(&ids[i])
            .execute(&mut *tx)
            .await?;
        history.push(vec![
            uuid::Uuid::new_v4().to_string().into(),
            ids[i].clone().into(),
            run_id.clone().into(),
            before[i].clone().into(),
            to.code().into(),
            values[i].into(),
        ]);
        changed.push((kedao_app::domain::entity::Entity::Customer, ids[i].clone()));
        *summary.moved.entry(format!("{}→{}", before[i], to.code())).or_insert(0) += 1;
    }
    summary.changed = changed.len() as u64;
    history.flush(&mut tx, db.backend()).await?;
    crate::changes::log_changes(&mut tx, &changed, db.backend()).await?;
    sqlx::query("UPDATE grading_runs SET customers = $1, changed = $2 WHERE id = $3")
        .bind(summary.customers as i64)
        .bind(summary.changed as i64)
        .bind(&run_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(summary))
}

/// Today as the business day (China Standard Time).
pub fn business_today() -> String {
    kedao_app::domain::funnel::format_day(kedao_app::domain::funnel::day_of_ms(now_ms()))
}

/// Once an hour: if the rules say monthly and this month's run has not happened, run it — on the
/// first three days of a month only, so a server started mid-month does not regrade at once.
pub fn schedule(db: Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3_600));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let today = business_today();
            if today.get(8..10).and_then(|d| d.parse::<u32>().ok()).is_none_or(|d| d > 3) {
                continue;
            }
            let monthly = match db.pool().acquire().await {
                Ok(mut conn) => config(&mut conn).await.map(|c| c.monthly).unwrap_or(false),
                Err(_) => false,
            };
            if !monthly {
                continue;
            }
            match run(&db, None, Some(&today[..7]), &today).await {
                Ok(Some(s)) => tracing::info!(customers = s.customers, changed = s.changed, "monthly regrading done"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "monthly regrading failed"),
            }
        }
    });
}
