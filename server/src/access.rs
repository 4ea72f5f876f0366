//! Record-level access, decided in one place. Every query that reads or writes customer data
//! (and what hangs off a customer) adds the condition [`CustomerScope::sql`] builds for the
//! viewer, so a record the viewer may not see is never read, and a write to it matches no row.
//!
//! | role | customers visible |
//! |---|---|
//! | admin, director | all |
//! | finance, service | all (read; their own areas decide what they may change) |
//! | manager | customers in the regions they manage |
//! | supervisor | customers owned by their team's members, plus own and shared |
//! | rep | own customers plus those explicitly shared with them |
//!
//! Re-assigning a customer changes `owner_id`, so visibility moves with it on the next query.

use crate::db::Db;
use crate::http::session::Viewer;
use anyhow::Context;
use kedao_app::domain::org::Role;
use sqlx::Row;

/// May `viewer` change a customer they can see and that `owner_id` owns? Its owner, and those who
/// answer for it; a colleague it is only shared with reads it. (Handing over, sharing, editing.)
pub fn may_change(viewer: &Viewer, owner_id: &str) -> bool {
    owner_id == viewer.user.user_id || viewer.user.role.answers_for_customers()
}

/// Which customers a viewer may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerScope {
    All,
    Regions(Vec<String>),
    Team { user_id: String, team_id: String },
    Own { user_id: String },
}

impl CustomerScope {
    /// Works out the scope from the viewer's role and place in the organisation.
    pub async fn of(db: &Db, viewer: &Viewer) -> anyhow::Result<CustomerScope> {
        let user_id = viewer.user.user_id.clone();
        Ok(match viewer.user.role {
            Role::Admin | Role::Director | Role::Finance | Role::Service => CustomerScope::All,
            Role::Manager => {
                let rows = sqlx::query("SELECT region_id FROM user_regions WHERE user_id = $1")
                    .bind(&user_id)
                    .fetch_all(db.pool())
                    .await
                    .context("reading a manager's regions")?;
                let regions = rows.iter().map(|r| r.try_get::<String, _>("region_id")).collect::<Result<Vec<_>, _>>()?;
                CustomerScope::Regions(regions)
            }
            Role::Supervisor => {
                let team: Option<String> = sqlx::query("SELECT team_id FROM users WHERE id = $1")
                    .bind(&user_id)
                    .fetch_one(db.pool())
                    .await
                    .context("reading a supervisor's team")?
                    .try_get("team_id")?;
                match team {
                    Some(team_id) => CustomerScope::Team { user_id, team_id },
                    None => CustomerScope::Own { user_id },
                }
            }
            Role::Rep => CustomerScope::Own { user_id },
        })
    }

    /// An SQL condition on the customers table aliased `c`, with its bound values in order.
    /// Placeholders are numbered from `first` so the caller can bind its own values before.
    pub fn sql(&self, first: usize) -> (String, Vec<String>) {
        let own_or_shared =
            |n: usize| format!("(c.owner_id = ${n} OR EXISTS (SELECT 1 FROM customer_shares s WHERE s.customer_id = c.id AND s.user_id = ${n}))");
        match self {
            CustomerScope::All => ("TRUE".into(), vec![]),
            CustomerScope::Regions(regions) if regions.is_empty() => ("FALSE".into(), vec![]),
            CustomerScope::Regions(regions) => {
                let list: Vec<String> = (0..regions.len()).map(|i| format!("${}", first + i)).collect();
                (format!("c.region_id IN ({})", list.join(", ")), regions.clone())
            }
            CustomerScope::Team { user_id, team_id } => (
                format!("({} OR c.owner_id IN (SELECT m.id FROM users m WHERE m.team_id = ${}))", own_or_shared(first), first + 1),
                vec![user_id.clone(), team_id.clone()],
            ),
            CustomerScope::Own { user_id } => (own_or_shared(first), vec![user_id.clone()]),
        }
    }
}

/// Someone a customer or a deal can be handed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub user_id: String,
    scope: CustomerScope,
}

/// Whom `scope` (the actor's) may hand customers and deals to 转移负责人: an active rep or
/// supervisor inside the area the actor answers for — anyone for the director and admins, the
/// managed regions' teams for a manager, their own team for a supervisor, nobody for the others.
/// `None`: not such a person (unknown, inactive, another role, or outside the area). Used by the
/// online endpoint (`POST /api/customers/{id}/owner`, by username) and the sync mutations (by id).
pub async fn handover(conn: &mut sqlx::AnyConnection, scope: &CustomerScope, user: &str, by_username: bool) -> Result<Option<Handover>, sqlx::Error> {
    let column = if by_username { "u.username" } else { "u.id" };
    let sql = format!("SELECT u.id, u.role, u.team_id, t.region_id FROM users u LEFT JOIN teams t ON t.id = u.team_id WHERE {column} = $1 AND u.active = TRUE");
    let Some(row) = sqlx::query(&sql).bind(user).fetch_optional(&mut *conn).await? else { return Ok(None) };
    let user_id: String = row.try_get("id")?;
    let role: String = row.try_get("role")?;
    let team: Option<String> = row.try_get("team_id")?;
    let region: Option<String> = row.try_get("region_id")?;
    let inside = match scope {
        CustomerScope::All => true,
        CustomerScope::Regions(regions) => region.is_some_and(|r| regions.contains(&r)),
        CustomerScope::Team { team_id, .. } => team.as_deref() == Some(team_id.as_str()),
        CustomerScope::Own { .. } => false,
    };
    // What they will see once it is theirs (as `CustomerScope::of` works it out for them).
    let their_scope = match (Role::from_code(&role), team) {
        (Some(Role::Supervisor), Some(team_id)) => CustomerScope::Team { user_id: user_id.clone(), team_id },
        (Some(Role::Rep | Role::Supervisor), _) => CustomerScope::Own { user_id: user_id.clone() },
        _ => return Ok(None),
    };
    Ok(inside.then_some(Handover { user_id, scope: their_scope }))
}

impl Handover {
    /// Whether they can see the customer as it stands (a deal's new owner must, or the deal would
    /// vanish from their phone).
    pub async fn sees_customer(&self, conn: &mut sqlx::AnyConnection, customer_id: &str) -> Result<bool, sqlx::Error> {
        let (condition, binds) = self.scope.sql(2);
        let sql = format!("SELECT 1 AS one FROM customers c WHERE c.id = $1 AND {condition}");
        let mut query = sqlx::query(&sql).bind(customer_id);
        for b in &binds {
            query = query.bind(b.as_str());
        }
        Ok(query.fetch_optional(&mut *conn).await?.is_some())
    }
}
