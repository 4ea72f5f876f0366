//! What a pull sends: a snapshot page of everything the viewer may see, or the records changed
//! since a sequence number as the viewer may see them now (the others are removals).

use super::super::customers::{
    contact_view, customers_in_scope, open_contact_phone, StoredCustomer, COLUMNS as CUSTOMER_COLUMNS, COLUMN_NAMES as CUSTOMER_NAMES, CONTACT_COLUMNS,
    FROM as CUSTOMER_FROM,
};
use super::super::session::Viewer;
use super::super::{AppError, AppState};
use crate::access::CustomerScope;
use kedao_app::domain::customer::{ContactView, CustomerView};
use kedao_app::domain::entity::Entity;
use kedao_app::domain::order::OrderView;
use kedao_app::domain::org::Role;
use kedao_app::domain::privacy::sees_costs;
use kedao_app::domain::promotion::{SavedPlan, Status as PlanStatus};
use kedao_app::domain::segment::SavedSegment;
use kedao_app::domain::sync::{OpportunityView, PullPage, Removed};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};

/// Customers (with their deals and contacts) per snapshot page, and changes per incremental page.
const PAGE: i64 = 2000;

/// One page of every customer (with its deals and contacts) the viewer may see, by id.
pub(super) async fn snapshot(
    state: &AppState,
    viewer: &Viewer,
    scope: &CustomerScope,
    seq: i64,
    epoch: i64,
    after: &str,
    reset: bool,
) -> Result<PullPage, AppError> {
    // The page's customers in one aggregated row (see `Backend::json_array_of`), with the last
    // id in the database's own order (the next page starts after it) and the count.
    let (condition, binds) = scope.sql(2);
    let fields: Vec<(&str, String)> = CUSTOMER_NAMES.iter().map(|n| (*n, format!("p.{n}"))).collect();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, e)| (*n, e.as_str())).collect();
    let sql = format!(
        "SELECT {} AS rows, MAX(p.id) AS last, COUNT(*) AS n FROM \
         (SELECT {CUSTOMER_COLUMNS} {CUSTOMER_FROM} WHERE c.id > $1 AND {condition} ORDER BY c.id LIMIT {PAGE}) p",
        state.db.backend().json_array_of(&fields)
    );
    let mut query = sqlx::query(&sql).bind(after);
    for b in &binds {
        query = query.bind(b.as_str());
    }
    let row = query.fetch_one(state.db.pool()).await?;
    let (text, last, count): (String, Option<String>, i64) = (row.try_get("rows")?, row.try_get("last")?, row.try_get("n")?);
    let stored: Vec<StoredCustomer> = serde_json::from_str(&text).map_err(anyhow::Error::from)?;
    let customers = stored.into_iter().map(|c| c.view(viewer, &state.vault)).collect::<Result<Vec<_>, _>>()?;
    let ids: Vec<String> = customers.iter().map(|c| c.id.clone()).collect();
    let (opportunities, contacts, orders) =
        tokio::try_join!(opportunities_of(state, &ids), contacts_of(state, viewer, &customers), orders_of(state, viewer, &ids))?;
    // The saved segments and promotion plans travel whole with a snapshot's first page.
    let (segments, promotions) = if after.is_empty() {
        tokio::try_join!(segments_visible(state, viewer, None), promotions_visible(state, viewer, None))?
    } else {
        (Vec::new(), Vec::new())
    };
    let more = count == PAGE;
    let cursor = match last {
        Some(last) if more => format!("s.{seq}.{epoch}.{last}"),
        _ => format!("c.{seq}.{epoch}"),
    };
    Ok(PullPage { cursor, reset, more, customers, opportunities, contacts, orders, segments, promotions, removed: Vec::new(), catalog: None })
}

/// The records changed after `seq`, as the viewer may see them now; the others are removals.
pub(super) async fn changes_since(state: &AppState, viewer: &Viewer, scope: &CustomerScope, seq: i64, epoch: i64) -> Result<PullPage, AppError> {
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
    let mut contact_ids = BTreeSet::new();
    let mut segment_ids = BTreeSet::new();
    let mut promotion_ids = BTreeSet::new();
    for r in &rows {
        last = last.max(r.try_get("last")?);
        let entity: String = r.try_get("entity")?;
        let id: String = r.try_get("entity_id")?;
        match Entity::from_code(&entity) {
            Some(Entity::Customer) => customer_ids.insert(id),
            Some(Entity::Contact) => contact_ids.insert(id),
            Some(Entity::Opportunity) => opportunity_ids.insert(id),
            Some(Entity::Segment) => segment_ids.insert(id),
            Some(Entity::Promotion) => promotion_ids.insert(id),
            // Orders travel with their customer and the lists by version (see `pull`); a code
            // this build does not know is skipped, never taken for another kind.
            Some(Entity::Order | Entity::Catalog) | None => false,
        };
    }
    let mut page = PullPage { cursor: format!("c.{last}.{epoch}"), more, ..Default::default() };
    if !segment_ids.is_empty() {
        let ids: Vec<String> = segment_ids.iter().cloned().collect();
        page.segments = segments_visible(state, viewer, Some(&ids)).await?;
        let seen: BTreeSet<&str> = page.segments.iter().map(|s| s.id.as_str()).collect();
        let gone: Vec<String> = ids.iter().filter(|id| !seen.contains(id.as_str())).cloned().collect();
        page.removed.extend(gone.into_iter().map(|id| Removed { entity: Entity::Segment.code().into(), id }));
    }
    if !promotion_ids.is_empty() {
        let ids: Vec<String> = promotion_ids.iter().cloned().collect();
        page.promotions = promotions_visible(state, viewer, Some(&ids)).await?;
        let seen: BTreeSet<&str> = page.promotions.iter().map(|p| p.id.as_str()).collect();
        let gone: Vec<String> = ids.iter().filter(|id| !seen.contains(id.as_str())).cloned().collect();
        page.removed.extend(gone.into_iter().map(|id| Removed { entity: Entity::Promotion.code().into(), id }));
    }
    if !customer_ids.is_empty() {
        let ids: Vec<String> = customer_ids.iter().cloned().collect();
        let visible = customers_in_scope(state, viewer, scope, &ids).await?;
        let seen: BTreeSet<String> = visible.iter().map(|c| c.id.clone()).collect();
        let shown: Vec<String> = seen.iter().cloned().collect();
        // A customer that came into view brings its deals; one that left takes them along.
        let (deals, contacts, orders) =
            tokio::try_join!(opportunities_of(state, &shown), contacts_of(state, viewer, &visible), orders_of(state, viewer, &shown))?;
        page.opportunities.extend(deals);
        page.contacts.extend(contacts);
        page.orders.extend(orders);
        let gone: Vec<String> = customer_ids.difference(&seen).cloned().collect();
        for o in opportunities_of(state, &gone).await? {
            page.removed.push(Removed { entity: Entity::Opportunity.code().into(), id: o.id });
        }
        page.removed.extend(gone.into_iter().map(|id| Removed { entity: Entity::Customer.code().into(), id }));
        page.customers = visible;
    }
    // Deals changed on their own: visible through their customer, or removed (once: a deal
    // whose customer left the view is removed with it above).
    let removed: BTreeSet<&str> = page.removed.iter().filter(|r| r.entity == Entity::Opportunity.code()).map(|r| r.id.as_str()).collect();
    let sent: BTreeSet<&str> = page.opportunities.iter().map(|o| o.id.as_str()).chain(removed).collect();
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
                page.removed.push(Removed { entity: Entity::Opportunity.code().into(), id: id.clone() });
            }
        }
        page.opportunities.extend(found);
    }
    // Contacts changed on their own: visible through their customer, or removed.
    let sent: BTreeSet<&str> = page.contacts.iter().map(|k| k.id.as_str()).collect();
    let pending: Vec<String> = contact_ids.into_iter().filter(|id| !sent.contains(id.as_str())).collect();
    for chunk in pending.chunks(200) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let (condition, binds) = scope.sql(chunk.len() + 1);
        let sql = format!(
            "SELECT {CONTACT_COLUMNS}, c.owner_id AS customer_owner FROM contacts k JOIN customers c ON c.id = k.customer_id WHERE k.id IN ({}) AND {condition}",
            list.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for b in &binds {
            query = query.bind(b.as_str());
        }
        let mut found = Vec::new();
        for row in query.fetch_all(state.db.pool()).await? {
            let owns = row.try_get::<String, _>("customer_owner")? == viewer.user.user_id;
            found.push(contact_view(&row, owns, &state.vault)?);
        }
        let visible: BTreeSet<&str> = found.iter().map(|k| k.id.as_str()).collect();
        for id in chunk {
            if !visible.contains(id.as_str()) {
                page.removed.push(Removed { entity: Entity::Contact.code().into(), id: id.clone() });
            }
        }
        page.contacts.extend(found);
    }
    Ok(page)
}

const OPPORTUNITY_COLUMNS: &str = "o.id, o.customer_id, o.owner_id, o.title, o.pipeline, o.stage, o.amount_fen, o.expected_close, o.source, o.created_at, \
     o.stage_entered_at, COALESCE(o.touched_at, o.stage_entered_at) AS touched_at, COALESCE(o.path, '') AS path, o.criteria, o.board_rank AS rank, o.lost_reason, o.lost_to, o.competitors, o.intent, o.budget, o.competition, o.deal_contacts AS contacts, \
     o.next_step, o.next_step_date, o.cadence_days, o.version";

/// The deals of these customers (the caller has checked they are visible), in no particular
/// order: the replica keeps its own.
async fn opportunities_of(state: &AppState, customer_ids: &[String]) -> Result<Vec<OpportunityView>, AppError> {
    // Each chunk in one aggregated row (see `Backend::json_array_of`), the chunks at once.
    let rows = state.db.backend().json_array_of(OPPORTUNITY_FIELDS);
    let chunks = customer_ids.chunks(500).map(|chunk| {
        let rows = &rows;
        async move {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT {rows} AS rows FROM opportunities o WHERE o.customer_id IN ({})", list.join(", "));
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.as_str());
            }
            let text: String = query.fetch_one(state.db.pool()).await?.try_get("rows")?;
            Ok::<_, AppError>(serde_json::from_str::<Vec<OpportunityView>>(&text).map_err(anyhow::Error::from)?)
        }
    });
    Ok(futures_util::future::try_join_all(chunks).await?.into_iter().flatten().collect())
}

/// An opportunity's fields as the replica has them (the names of [`OpportunityView`]).
const OPPORTUNITY_FIELDS: &[(&str, &str)] = &[
    ("id", "o.id"),
    ("customer_id", "o.customer_id"),
    ("owner_id", "o.owner_id"),
    ("title", "o.title"),
    ("pipeline", "o.pipeline"),
    ("stage", "o.stage"),
    ("amount_fen", "o.amount_fen"),
    ("expected_close", "o.expected_close"),
    ("source", "o.source"),
    ("created_at", "o.created_at"),
    ("stage_entered_at", "o.stage_entered_at"),
    ("touched_at", "COALESCE(o.touched_at, o.stage_entered_at)"),
    ("path", "COALESCE(o.path, '')"),
    ("criteria", "o.criteria"),
    ("rank", "o.board_rank"),
    ("lost_reason", "o.lost_reason"),
    ("lost_to", "o.lost_to"),
    ("competitors", "o.competitors"),
    ("intent", "o.intent"),
    ("budget", "o.budget"),
    ("competition", "o.competition"),
    ("contacts", "o.deal_contacts"),
    ("next_step", "o.next_step"),
    ("next_step_date", "o.next_step_date"),
    ("cadence_days", "o.cadence_days"),
    ("version", "o.version"),
];

fn opportunity_view(row: &AnyRow) -> Result<OpportunityView, AppError> {
    Ok(OpportunityView {
        id: row.try_get("id")?,
        customer_id: row.try_get("customer_id")?,
        owner_id: row.try_get("owner_id")?,
        title: row.try_get("title")?,
        pipeline: row.try_get("pipeline")?,
        stage: row.try_get("stage")?,
        amount_fen: row.try_get("amount_fen")?,
        expected_close: row.try_get("expected_close")?,
        source: row.try_get("source")?,
        created_at: row.try_get("created_at")?,
        stage_entered_at: row.try_get("stage_entered_at")?,
        touched_at: row.try_get("touched_at")?,
        path: row.try_get("path")?,
        criteria: row.try_get("criteria")?,
        rank: row.try_get("rank")?,
        lost_reason: row.try_get("lost_reason")?,
        lost_to: row.try_get("lost_to")?,
        competitors: row.try_get("competitors")?,
        intent: row.try_get("intent")?,
        budget: row.try_get("budget")?,
        competition: row.try_get("competition")?,
        contacts: row.try_get("contacts")?,
        next_step: row.try_get("next_step")?,
        next_step_date: row.try_get("next_step_date")?,
        cadence_days: row.try_get("cadence_days")?,
        version: row.try_get("version")?,
    })
}

/// The contacts of these customers (the caller has checked they are visible), phones masked
/// unless the viewer owns the customer.
async fn contacts_of(state: &AppState, viewer: &Viewer, customers: &[CustomerView]) -> Result<Vec<ContactView>, AppError> {
    let rows = state.db.backend().json_array_of(CONTACT_FIELDS);
    let chunks = customers.chunks(500).map(|chunk| {
        let rows = &rows;
        async move {
            let owners: HashMap<&str, bool> = chunk.iter().map(|c| (c.id.as_str(), c.owner_id == viewer.user.user_id)).collect();
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT {rows} AS rows FROM contacts k WHERE k.customer_id IN ({})", list.join(", "));
            let mut query = sqlx::query(&sql);
            for c in chunk {
                query = query.bind(c.id.as_str());
            }
            let text: String = query.fetch_one(state.db.pool()).await?.try_get("rows")?;
            // As stored: the phone sealed; opened, and masked unless the viewer owns the customer.
            let mut contacts = serde_json::from_str::<Vec<ContactView>>(&text).map_err(anyhow::Error::from)?;
            for k in &mut contacts {
                let owns = owners.get(k.customer_id.as_str()).copied().unwrap_or(false);
                k.phone = open_contact_phone(&state.vault, &k.id, k.phone.take(), owns)?;
            }
            Ok::<_, AppError>(contacts)
        }
    });
    Ok(futures_util::future::try_join_all(chunks).await?.into_iter().flatten().collect())
}

/// The orders of these customers (the caller has checked they are visible) with the SKUs on
/// each and their payment plan folded in (received so far, the next unpaid instalment's due
/// day); costs only for roles that may see them. Orders are not written through sync yet, so an
/// order changes on the device only when its customer is sent again.
async fn orders_of(state: &AppState, viewer: &Viewer, customer_ids: &[String]) -> Result<Vec<OrderView>, AppError> {
    let cost = if sees_costs(viewer.user.role) { "r.cost_fen" } else { "NULL" };
    let orders = state.db.backend().json_array_of(&[
        ("id", "r.id"),
        ("customer_id", "r.customer_id"),
        ("order_no", "r.order_no"),
        ("date", "r.order_date"),
        ("total_fen", "r.total_fen"),
        ("cost_fen", cost),
        ("status", "r.status"),
        ("campaign_id", "r.campaign_id"),
        ("paid_fen", "(SELECT CAST(COALESCE(SUM(p.paid_fen), 0) AS BIGINT) FROM payments p WHERE p.order_id = r.id)"),
        ("next_due", "(SELECT MIN(p.due_date) FROM payments p WHERE p.order_id = r.id AND p.paid_fen < p.amount_fen)"),
    ]);
    let lines = state.db.backend().json_array_of(&[("order_id", "x.order_id"), ("sku", "x.sku")]);
    let chunks = customer_ids.chunks(500).map(|chunk| {
        let (orders, lines) = (&orders, &lines);
        async move {
            let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let list = list.join(", ");
            let head_sql = format!("SELECT {orders} AS rows FROM orders r WHERE r.customer_id IN ({list})");
            let skus_sql = format!(
                "SELECT {lines} AS rows FROM (SELECT DISTINCT l.order_id, p.sku FROM order_lines l JOIN orders r ON r.id = l.order_id \
                 JOIN products p ON p.id = l.product_id WHERE r.customer_id IN ({list})) x"
            );
            let (mut head, mut skus) = (sqlx::query(&head_sql), sqlx::query(&skus_sql));
            for id in chunk {
                head = head.bind(id.as_str());
                skus = skus.bind(id.as_str());
            }
            let (head, skus) = tokio::try_join!(head.fetch_one(state.db.pool()), skus.fetch_one(state.db.pool()))?;
            let mut found: Vec<OrderView> = serde_json::from_str(&head.try_get::<String, _>("rows")?).map_err(anyhow::Error::from)?;
            #[derive(serde::Deserialize)]
            struct Line {
                order_id: String,
                sku: String,
            }
            let mut by_order: HashMap<String, Vec<String>> = HashMap::new();
            for l in serde_json::from_str::<Vec<Line>>(&skus.try_get::<String, _>("rows")?).map_err(anyhow::Error::from)? {
                by_order.entry(l.order_id).or_default().push(l.sku);
            }
            for o in &mut found {
                o.products = by_order.remove(&o.id).unwrap_or_default();
                o.products.sort();
            }
            Ok::<_, AppError>(found)
        }
    });
    Ok(futures_util::future::try_join_all(chunks).await?.into_iter().flatten().collect())
}

/// Which saved segments (aliased `s`, their owner `u`) the viewer (`$1`) sees: their own; shared
/// ones of their team or of owners without a team; managers and above see every shared one.
pub(super) fn segments_visible_sql(role: Role) -> &'static str {
    if matches!(role, Role::Manager | Role::Director | Role::Admin) {
        "(s.owner_id = $1 OR s.shared)"
    } else {
        "(s.owner_id = $1 OR (s.shared AND (u.team_id IS NULL OR u.team_id = (SELECT v.team_id FROM users v WHERE v.id = $1))))"
    }
}

/// The saved segments the viewer may see (all, or those of `ids`), see [`segments_visible_sql`].
async fn segments_visible(state: &AppState, viewer: &Viewer, ids: Option<&[String]>) -> Result<Vec<SavedSegment>, AppError> {
    let visible = segments_visible_sql(viewer.user.role);
    let mut found = Vec::new();
    let chunks: Vec<&[String]> = match ids {
        Some(ids) => ids.chunks(200).collect(),
        None => vec![&[]],
    };
    for chunk in chunks {
        let only = if ids.is_some() {
            format!(" AND s.id IN ({})", (2..chunk.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", "))
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT s.id, s.owner_id, u.display_name AS owner_name, s.name, s.rule, s.period_days, CASE WHEN s.shared THEN 1 ELSE 0 END AS shared, s.version \
             FROM saved_segments s JOIN users u ON u.id = s.owner_id WHERE {visible}{only} ORDER BY s.name, s.id"
        );
        let mut query = sqlx::query(&sql).bind(&viewer.user.user_id);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for row in query.fetch_all(state.db.pool()).await? {
            let rule: String = row.try_get("rule")?;
            found.push(SavedSegment {
                id: row.try_get("id")?,
                owner_id: row.try_get("owner_id")?,
                owner_name: row.try_get("owner_name")?,
                name: row.try_get("name")?,
                rule: serde_json::from_str(&rule).map_err(anyhow::Error::from)?,
                period_days: row.try_get::<i64, _>("period_days")? as u32,
                shared: row.try_get::<i64, _>("shared")? != 0,
                version: row.try_get("version")?,
            });
        }
    }
    Ok(found)
}

/// Which promotion plans (table `promotion_plans p` joined to its owner `users u`) a viewer (`$1`)
/// sees: their own; plans in approval or decided (not drafts) of the people they answer for — a
/// supervisor's team, a manager's regions — and every one for the director and admins; and every
/// approved one, the campaigns everybody sells and attributes orders to. Those who may decide on
/// a plan are among those who see it.
pub(super) fn plans_visible_sql(role: Role) -> &'static str {
    match role {
        Role::Director | Role::Admin => "(p.owner_id = $1 OR p.status <> 'draft')",
        Role::Manager => {
            "(p.owner_id = $1 OR p.status = 'approved' OR (p.status <> 'draft' AND EXISTS \
             (SELECT 1 FROM teams t JOIN user_regions r ON r.region_id = t.region_id WHERE t.id = u.team_id AND r.user_id = $1)))"
        }
        Role::Supervisor => {
            "(p.owner_id = $1 OR p.status = 'approved' OR (p.status <> 'draft' AND u.team_id = (SELECT v.team_id FROM users v WHERE v.id = $1)))"
        }
        Role::Rep | Role::Finance | Role::Service => "(p.owner_id = $1 OR p.status = 'approved')",
    }
}

/// The promotion plans the viewer may see (all, or those of `ids`), see [`plans_visible_sql`].
async fn promotions_visible(state: &AppState, viewer: &Viewer, ids: Option<&[String]>) -> Result<Vec<SavedPlan>, AppError> {
    let visible = plans_visible_sql(viewer.user.role);
    let mut found = Vec::new();
    let chunks: Vec<&[String]> = match ids {
        Some(ids) => ids.chunks(200).collect(),
        None => vec![&[]],
    };
    for chunk in chunks {
        let only = if ids.is_some() {
            format!(" AND p.id IN ({})", (2..chunk.len() + 2).map(|i| format!("${i}")).collect::<Vec<_>>().join(", "))
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT p.id, p.owner_id, u.display_name AS owner_name, p.draft, p.status, d.display_name AS decided_by, p.note, p.version \
             FROM promotion_plans p JOIN users u ON u.id = p.owner_id LEFT JOIN users d ON d.id = p.decided_by WHERE {visible}{only} ORDER BY p.id"
        );
        let mut query = sqlx::query(&sql).bind(&viewer.user.user_id);
        for id in chunk {
            query = query.bind(id.as_str());
        }
        for row in query.fetch_all(state.db.pool()).await? {
            let draft: String = row.try_get("draft")?;
            let status: String = row.try_get("status")?;
            found.push(SavedPlan {
                id: row.try_get("id")?,
                owner_id: row.try_get("owner_id")?,
                owner_name: row.try_get("owner_name")?,
                draft: serde_json::from_str(&draft).map_err(anyhow::Error::from)?,
                status: PlanStatus::from_code(&status).ok_or_else(|| anyhow::anyhow!("unknown plan status {status:?}"))?,
                decided_by: row.try_get("decided_by")?,
                note: row.try_get("note")?,
                version: row.try_get("version")?,
            });
        }
    }
    Ok(found)
}

/// A contact's fields as stored (the names of [`ContactView`]).
const CONTACT_FIELDS: &[(&str, &str)] = &[
    ("id", "k.id"),
    ("customer_id", "k.customer_id"),
    ("name", "k.name"),
    ("title", "k.title"),
    ("role", "k.role"),
    ("phone", "k.phone"),
    ("email", "k.email"),
    ("wechat", "k.wechat"),
    ("birthday", "k.birthday"),
    ("notes", "k.notes"),
    ("version", "k.version"),
];
