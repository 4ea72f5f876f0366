//! 导入导出: customers in and out of spreadsheets.
//! - `POST /api/import/customers?step=parse` with the file as the body: the header row, a sample,
//!   the suggested mapping. CSV in UTF-8 (with or without BOM), GBK (what Excel saves in China)
//!   or UTF-16, or .xlsx; anything else is refused with a reason.
//! - `…?step=check&mapping=name=0,city=2` (a dry run) and `…?step=commit&mapping=…&mode=all|valid`
//!   [`&skip_duplicates=true`]: every row read by the shared rules (`domain::import`), duplicates
//!   looked up, and on commit every accepted row written in one transaction — all or nothing.
//!   `mode=all` commits only when no row has a problem; `mode=valid` commits the valid rows.
//! - `POST /api/export/customers?format=csv|xlsx` with `{"ids": [...]}` (the list as filtered on
//!   the device): those customers the viewer may see, masked as the viewer sees them, headers and
//!   labels in the viewer's language (the import reads them back).
//!
//! The client keeps the file and sends it again for each step, so any server process can answer.

use super::customers::customers_in_scope;
use super::session::Viewer;
use super::{AppError, AppState};
use crate::access::CustomerScope;
use crate::audit::{self, Actor, Change};
use crate::changes::log_changes;
use crate::crypto::Place;
use crate::db::now_ms;
use crate::insert::{Batch, Val};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, USER_AGENT};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use kedao_app::domain::catalog::{Catalog, List};
use kedao_app::domain::customer::CustomerView;
use kedao_app::domain::dedupe::{normalize_name, DuplicateReason};
use kedao_app::domain::import::{
    read_row, suggest, Column, Defaults, DuplicateHit, ImportPreview, ImportReport, ImportRow, Issue, Labels, Mapping, MAX_ISSUES, MAX_ROWS,
};
use kedao_app::domain::sync::{ContactField, CustomerField};
use kedao_app::domain::Money;
use serde::Deserialize;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Customers one export may name (their ids fit the server's body limit, 4 MB by default).
const MAX_EXPORT: usize = 100_000;

/// Files and id lists are bounded by the server-wide body limit (`body_limit_bytes`, 4 MB by
/// default: 10,000 rows of a wide CSV are ~2 MB, as .xlsx ~0.6 MB), not axum's 2 MB default.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/import/customers", post(import).layer(DefaultBodyLimit::disable()))
        .route("/api/export/customers", post(export).layer(DefaultBodyLimit::disable()))
}

fn bad(code: &'static str, message: &str) -> AppError {
    AppError::BadRequest { code, message: message.into() }
}

// ---------------------------------------------------------------------------------------------
// Reading a file

/// A file as rows of text: the header row and the data rows with their spreadsheet row numbers.
struct Table {
    format: &'static str,
    headers: Vec<String>,
    rows: Vec<(u32, Vec<String>)>,
}

fn read_table(bytes: &[u8]) -> Result<Table, AppError> {
    if bytes.is_empty() {
        return Err(bad("empty_file", "the file is empty"));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(bad("xls_unsupported", "old .xls files: save as .xlsx or CSV"));
    }
    let (text, format, delimiter) = decode_text(bytes)?;
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(&text));
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut all = Vec::new();
    // The line each row starts on, as a spreadsheet numbers it: the reader skips blank lines and
    // does not count them, so lines are counted here from the rows' byte offsets.
    let (mut line, mut counted) = (1u32, 0usize);
    for record in reader.records() {
        let record = record.map_err(|e| bad("not_a_table", &e.to_string()))?;
        let mut at = record.position().map_or(counted, |p| p.byte() as usize).min(text.len());
        // A record's position is where reading it began, before the blank lines it skipped.
        while at < text.len() && matches!(text.as_bytes()[at], b'\n' | b'\r') {
            at += 1;
        }
        line += text.as_bytes()[counted..at].iter().filter(|&&b| b == b'\n').count() as u32;
        counted = at;
        all.push((line, record.iter().map(str::to_string).collect::<Vec<_>>()));
        if all.len() > MAX_ROWS + 1 {
            return Err(bad("too_many_rows", "more rows than one import takes"));
        }
    }
    table(format, all)
}

/// The text of a CSV file: UTF-8 (BOM or not), UTF-16 with its BOM (Excel's "Unicode text",
/// tab-separated), or GBK/GB18030 (Excel's "CSV" on a Chinese Windows). Bytes that are none of
/// these are refused rather than guessed at.
fn decode_text(bytes: &[u8]) -> Result<(String, &'static str, Option<u8>), AppError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        let text = std::str::from_utf8(rest).map_err(|_| bad("unreadable_encoding", "invalid UTF-8 after a UTF-8 BOM"))?;
        return Ok((text.to_string(), "csv-utf8", None));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let encoding = if bytes[0] == 0xFF { encoding_rs::UTF_16LE } else { encoding_rs::UTF_16BE };
        let (text, _, errors) = encoding.decode(bytes);
        if errors {
            return Err(bad("unreadable_encoding", "invalid UTF-16"));
        }
        return Ok((text.into_owned(), "csv-utf16", Some(b'\t')));
    }
    if bytes.contains(&0) {
        return Err(bad("not_a_table", "binary data"));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), "csv-utf8", None));
    }
    let (text, _, errors) = encoding_rs::GB18030.decode(bytes);
    if errors {
        return Err(bad("unreadable_encoding", "neither UTF-8 nor GBK"));
    }
    Ok((text.into_owned(), "csv-gbk", None))
}

/// Comma, semicolon or tab: whichever the first line has most of.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    [b',', b';', b'\t'].into_iter().max_by_key(|d| first.matches(*d as char).count()).unwrap_or(b',')
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, AppError> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| bad("not_a_table", &e.to_string()))?;
    let range = book.worksheet_range_at(0).ok_or_else(|| bad("empty_file", "no worksheet"))?.map_err(|e| bad("not_a_table", &e.to_string()))?;
    if range.height() > MAX_ROWS + 1 {
        return Err(bad("too_many_rows", "more rows than one import takes"));
    }
    let first_row = range.start().map_or(0, |(r, _)| r);
    let cell = |d: &Data| -> String {
        match d {
            Data::String(s) => s.clone(),
            Data::Int(i) => i.to_string(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(d) => excel_date(d.as_f64()).unwrap_or_default(),
            Data::DateTimeIso(s) => s.chars().take(10).collect(),
            Data::DurationIso(s) => s.clone(),
            Data::Error(_) | Data::Empty => String::new(),
        }
    };
    let rows = range.rows().enumerate().map(|(i, r)| (first_row + i as u32 + 1, r.iter().map(cell).collect())).collect();
    table("xlsx", rows)
}

/// An Excel date serial (days since 1899-12-30 in the 1900 system) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> Option<String> {
    let epoch = time::macros::date!(1899 - 12 - 30);
    let d = epoch.checked_add(time::Duration::days(serial.floor() as i64))?;
    Some(format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
}

/// The first non-empty row is the header; empty rows are skipped (their numbers kept).
fn table(format: &'static str, all: Vec<(u32, Vec<String>)>) -> Result<Table, AppError> {
    let blank = |r: &Vec<String>| r.iter().all(|c| c.trim().is_empty());
    let mut rows = all.into_iter().filter(|(_, r)| !blank(r));
    let (_, headers) = rows.next().ok_or_else(|| bad("empty_file", "no header row"))?;
    let headers: Vec<String> = headers.into_iter().map(|h| h.trim().to_string()).collect();
    let rows: Vec<(u32, Vec<String>)> = rows.collect();
    if rows.is_empty() {
        return Err(bad("empty_file", "no data rows"));
    }
    Ok(Table { format, headers, rows })
}

// ---------------------------------------------------------------------------------------------
// Labels of the fixed vocabularies (kind, satisfaction) by code or label in either language, from
// the UI's files. The company's lists are read against its catalogue (`Catalog::find`).

struct CatalogueLabels(HashMap<(String, String), &'static str>);

fn labels() -> &'static CatalogueLabels {
    static LABELS: OnceLock<CatalogueLabels> = OnceLock::new();
    LABELS.get_or_init(|| {
        let mut map = HashMap::new();
        for text in [include_str!("../../../app/locales/zh-CN.json"), include_str!("../../../app/locales/en.json")] {
            let json: serde_json::Value = serde_json::from_str(text).expect("the locale files are JSON");
            for section in ["satisfaction"] {
                if let Some(entries) = json[section].as_object() {
                    for (code, label) in entries {
                        let code: &'static str = Box::leak(code.clone().into_boxed_str());
                        map.insert((section.to_string(), squash(code)), code);
                        if let Some(label) = label.as_str() {
                            map.insert((section.to_string(), squash(label)), code);
                        }
                    }
                }
            }
            for kind in ["company", "individual"] {
                if let Some(label) = json["customers"][kind].as_str() {
                    map.insert(("kind".to_string(), squash(label)), if kind == "company" { "company" } else { "individual" });
                }
                map.insert(("kind".to_string(), kind.to_string()), if kind == "company" { "company" } else { "individual" });
            }
        }
        CatalogueLabels(map)
    })
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

impl Labels for CatalogueLabels {
    fn code(&self, section: &str, text: &str) -> Option<&'static str> {
        self.0.get(&(section.to_string(), squash(text))).copied()
    }
}

// ---------------------------------------------------------------------------------------------
// Import

#[derive(Debug, Deserialize)]
struct ImportParams {
    step: String,
    #[serde(default)]
    mapping: Option<String>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    skip_duplicates: bool,
}

async fn import(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    params: Result<Query<ImportParams>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<Response, AppError> {
    let Query(params) = params.map_err(|e| bad("invalid_query", &e.body_text()))?;
    if !viewer.user.role.creates_customers() {
        return Err(AppError::Forbidden);
    }
    // Reading and checking 10,000 rows is CPU work: off the async threads.
    let bytes = body.to_vec();
    let table = tokio::task::spawn_blocking(move || read_table(&bytes)).await.map_err(anyhow::Error::from)??;
    if params.step == "parse" {
        let suggested = suggest(&table.headers);
        let sample = table.rows.iter().take(5).map(|(_, r)| r.clone()).collect();
        let preview = ImportPreview { format: table.format.to_string(), rows: table.rows.len(), headers: table.headers, sample, suggested };
        return Ok(Json(preview).into_response());
    }
    let mapping = params.mapping.as_deref().and_then(Mapping::parse).ok_or_else(|| bad("invalid_mapping", "mapping=column=index,…"))?;
    if !mapping.0.contains_key(&Column::Name) || !mapping.0.contains_key(&Column::City) {
        return Err(bad("invalid_mapping", "name and city must be mapped"));
    }
    let scope = CustomerScope::of(&state.db, &viewer).await?;
    let (regions, default_region) = importer_regions(&state, &viewer, &scope).await?;
    let catalog = crate::catalog::load(&mut *state.db.pool().acquire().await?).await?;
    let (mut report, accepted) = check(&state, &viewer, &table, &mapping, &catalog, &regions, Defaults { region: default_region }).await?;
    match params.step.as_str() {
        "check" => Ok(Json(report).into_response()),
        "commit" => {
            let all = params.mode.as_deref() == Some("all");
            if all && (!report.issues.is_empty() || report.valid < report.rows) {
                // Nothing is written: the report says why.
                return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Json(report)).into_response());
            }
            let duplicate_rows: Vec<u32> = report.duplicates.iter().map(|d| d.row).collect();
            let rows: Vec<ImportRow> =
                accepted.into_iter().filter(|(row, _)| !(params.skip_duplicates && duplicate_rows.contains(row))).map(|(_, r)| r).collect();
            let device = headers.get(USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string);
            report.committed = Some(commit(&state, &viewer, device.as_deref(), rows).await?);
            Ok(Json(report).into_response())
        }
        _ => Err(bad("invalid_query", "step is parse, check or commit")),
    }
}

/// The regions the importer may create customers in (`None`: any) and the one a row without a
/// region gets (a manager's only region, a rep's team's region).
async fn importer_regions(state: &AppState, viewer: &Viewer, scope: &CustomerScope) -> Result<(Option<Vec<String>>, Option<String>), AppError> {
    let codes: Vec<String> = match scope {
        CustomerScope::Regions(ids) => {
            let mut codes = Vec::new();
            for id in ids {
                let code: Option<String> = sqlx::query("SELECT code FROM regions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(state.db.pool())
                    .await?
                    .map(|r| r.try_get("code"))
                    .transpose()?;
                codes.extend(code);
            }
            let only = (codes.len() == 1).then(|| codes[0].clone());
            return Ok((Some(codes), only));
        }
        _ => sqlx::query("SELECT r.code FROM users u JOIN teams t ON t.id = u.team_id JOIN regions r ON r.id = t.region_id WHERE u.id = $1")
            .bind(&viewer.user.user_id)
            .fetch_all(state.db.pool())
            .await?
            .iter()
            .map(|r| r.try_get("code"))
            .collect::<Result<_, _>>()?,
    };
    Ok((None, codes.into_iter().next()))
}

/// What an existing customer is recognised by, from the whole database (duplicates matter across
/// the company); the name only where the importer may see the customer.
struct KnownCustomers {
    by_name: HashMap<String, usize>,
    by_code: HashMap<String, usize>,
    by_phone: HashMap<String, usize>,
    by_email: HashMap<String, usize>,
    names: Vec<Option<String>>,
}

async fn known_customers(state: &AppState, viewer: &Viewer) -> Result<KnownCustomers, AppError> {
    let scope = CustomerScope::of(&state.db, viewer).await?;
    let (condition, binds) = scope.sql(1);
    let mut visible_query = sqlx::query_scalar::<_, String>(Box::leak(format!("SELECT c.id FROM customers c WHERE {condition}").into_boxed_str()));
    for b in &binds {
        visible_query = visible_query.bind(b.clone());
    }
    let visible: std::collections::HashSet<String> = visible_query.fetch_all(state.db.pool()).await?.into_iter().collect();
    let mut known = KnownCustomers { by_name: HashMap::new(), by_code: HashMap::new(), by_phone: HashMap::new(), by_email: HashMap::new(), names: Vec::new() };
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in sqlx::query("SELECT id, name, credit_code, phone_bidx FROM customers").fetch_all(state.db.pool()).await? {
        let id: String = row.try_get("id")?;
        let name: String = row.try_get("name")?;
        let i = known.names.len();
        known.names.push(visible.contains(&id).then(|| name.clone()));
        known.by_name.entry(normalize_name(&name)).or_insert(i);
        if let Some(code) = row.try_get::<Option<String>, _>("credit_code")? {
            known.by_code.entry(code).or_insert(i);
        }
        if let Some(b) = row.try_get::<Option<String>, _>("phone_bidx")? {
            known.by_phone.entry(b).or_insert(i);
        }
        index.insert(id, i);
    }
    for row in sqlx::query("SELECT customer_id, phone_bidx, email FROM contacts").fetch_all(state.db.pool()).await? {
        let Some(&i) = index.get(&row.try_get::<String, _>("customer_id")?) else { continue };
        if let Some(b) = row.try_get::<Option<String>, _>("phone_bidx")? {
            known.by_phone.entry(b).or_insert(i);
        }
        if let Some(e) = row.try_get::<Option<String>, _>("email")? {
            known.by_email.entry(e.to_lowercase()).or_insert(i);
        }
    }
    Ok(known)
}

/// Reads every row (a dry run): the report, and the rows that would be written.
async fn check(
    state: &AppState,
    viewer: &Viewer,
    table: &Table,
    mapping: &Mapping,
    catalog: &Catalog,
    regions: &Option<Vec<String>>,
    defaults: Defaults,
) -> Result<(ImportReport, Vec<(u32, ImportRow)>), AppError> {
    let known = known_customers(state, viewer).await?;
    let mut report = ImportReport { rows: table.rows.len(), ..Default::default() };
    let mut accepted = Vec::new();
    // Earlier rows of the file, by the same keys.
    let mut in_file: HashMap<(u8, String), u32> = HashMap::new();
    let region_header = mapping.0.get(&Column::Region).and_then(|&i| table.headers.get(i)).cloned().unwrap_or_else(|| "region".into());
    let mut issues: Vec<Issue> = Vec::new();
    for (row_no, cells) in &table.rows {
        let mut row = match read_row(cells, &table.headers, mapping, &defaults, catalog, labels(), *row_no) {
            Ok(row) => row,
            Err(found) => {
                issues.extend(found);
                continue;
            }
        };
        if let Some(allowed) = regions {
            if !allowed.contains(&row.region) {
                issues.push(Issue { row: *row_no, column: region_header.clone(), code: "forbidden".into(), value: row.region.clone() });
                continue;
            }
        }
        // Duplicates: the same keys as a form's check, by equality (phones by their blind index).
        let mut keys: Vec<(DuplicateReason, u8, String)> = vec![(DuplicateReason::Name, 0, normalize_name(&row.name))];
        if let Some(code) = row.details.get(&CustomerField::CreditCode) {
            keys.push((DuplicateReason::CreditCode, 1, code.clone()));
        }
        let contact_phone = row.contact.as_ref().and_then(|(_, f)| f.get(&ContactField::Phone).cloned());
        for phone in row.phone.iter().chain(contact_phone.iter()) {
            if let Some(b) = state.vault.phone_index(phone) {
                keys.push((DuplicateReason::Phone, 2, b));
            }
        }
        if let Some(email) = row.contact.as_ref().and_then(|(_, f)| f.get(&ContactField::Email)) {
            keys.push((DuplicateReason::Email, 3, email.clone()));
        }
        let mut existing = None;
        let mut other_row = None;
        let mut reasons = Vec::new();
        for (reason, kind, key) in &keys {
            let map = match kind {
                0 => &known.by_name,
                1 => &known.by_code,
                2 => &known.by_phone,
                _ => &known.by_email,
            };
            if let Some(&i) = map.get(key) {
                existing.get_or_insert(i);
                reasons.push(*reason);
            } else if let Some(&earlier) = in_file.get(&(*kind, key.clone())) {
                other_row.get_or_insert(earlier);
                reasons.push(*reason);
            }
            in_file.entry((*kind, key.clone())).or_insert(*row_no);
        }
        if !reasons.is_empty() {
            reasons.sort();
            reasons.dedup();
            let existing = existing.and_then(|i| known.names[i].clone().or_else(|| Some(String::new())));
            report.duplicates.push(DuplicateHit { row: *row_no, existing, other_row, reasons });
        }
        row.name = row.name.trim().to_string();
        accepted.push((*row_no, row));
    }
    report.valid = accepted.len();
    report.more_issues = issues.len().saturating_sub(MAX_ISSUES);
    issues.truncate(MAX_ISSUES);
    report.issues = issues;
    Ok((report, accepted))
}

/// Writes the rows in one transaction: customers, their contacts, one audit entry each and the
/// change feed. Returns how many customers were created.
async fn commit(state: &AppState, viewer: &Viewer, device: Option<&str>, rows: Vec<ImportRow>) -> Result<usize, AppError> {
    let region_ids: HashMap<String, String> = sqlx::query("SELECT id, code FROM regions")
        .fetch_all(state.db.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<String, _>("code")?, r.try_get::<String, _>("id")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let mut customers = Batch::new(
        "customers",
        &[
            "id",
            "name",
            "kind",
            "region_id",
            "city",
            "industry",
            "size",
            "business_type",
            "grade",
            "owner_id",
            "phone",
            "phone_bidx",
            "created_at",
            "updated_at",
            "version",
            "short_name",
            "source",
            "address",
            "tags",
            "cooperation_since",
            "credit_limit_fen",
            "satisfaction",
            "credit_code",
        ],
    );
    let mut contacts = Batch::new(
        "contacts",
        &["id", "customer_id", "name", "title", "role", "phone", "phone_bidx", "email", "is_decision_maker", "created_at", "updated_at", "version"],
    );
    let actor = Actor { user_id: &viewer.user.user_id, device };
    let mut audit = audit::Pending::default();
    let mut changed = Vec::new();
    let now = now_ms();
    let count = rows.len();
    for row in rows {
        let id = uuid::Uuid::new_v4().to_string();
        let region_id = region_ids.get(&row.region).cloned().ok_or_else(|| anyhow::anyhow!("region {} missing", row.region))?;
        let detail = |f: CustomerField| -> Val { row.details.get(&f).cloned().into() };
        let credit: Option<i64> = row.details.get(&CustomerField::CreditLimit).and_then(|v| v.parse().ok());
        customers.push(vec![
            id.clone().into(),
            row.name.clone().into(),
            row.kind.into(),
            region_id.into(),
            row.city.clone().into(),
            row.industry.as_str().into(),
            row.size.as_str().into(),
            row.business_type.as_str().into(),
            "D".into(),
            viewer.user.user_id.clone().into(),
            state.vault.seal_opt(Place { table: "customers", column: "phone", id: &id }, row.phone.as_deref()).into(),
            row.phone.as_deref().and_then(|p| state.vault.phone_index(p)).into(),
            now.into(),
            now.into(),
            1i64.into(),
            detail(CustomerField::ShortName),
            detail(CustomerField::Source),
            detail(CustomerField::Address),
            detail(CustomerField::Tags),
            detail(CustomerField::CooperationSince),
            credit.into(),
            detail(CustomerField::Satisfaction),
            detail(CustomerField::CreditCode),
        ]);
        audit.add(&actor, Change { entity: "customer", entity_id: &id, field: "imported", old: None, new: Some(&row.name) });
        if let Some((name, fields)) = &row.contact {
            let contact_id = uuid::Uuid::new_v4().to_string();
            let phone = fields.get(&ContactField::Phone);
            contacts.push(vec![
                contact_id.clone().into(),
                id.clone().into(),
                name.clone().into(),
                fields.get(&ContactField::Title).cloned().into(),
                None::<String>.into(),
                state.vault.seal_opt(Place { table: "contacts", column: "phone", id: &contact_id }, phone.map(String::as_str)).into(),
                phone.and_then(|p| state.vault.phone_index(p)).into(),
                fields.get(&ContactField::Email).cloned().into(),
                false.into(),
                now.into(),
                now.into(),
                1i64.into(),
            ]);
            changed.push((kedao_app::domain::entity::Entity::Contact, contact_id));
        }
        changed.push((kedao_app::domain::entity::Entity::Customer, id));
    }
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    customers.flush(&mut tx, state.db.backend()).await?;
    contacts.flush(&mut tx, state.db.backend()).await?;
    audit.flush(&mut tx, state.db.backend()).await?;
    log_changes(&mut tx, &changed, state.db.backend()).await?;
    tx.commit().await?;
    Ok(count)
}

// ---------------------------------------------------------------------------------------------
// Export

#[derive(Debug, Deserialize)]
struct ExportParams {
    format: String,
}

#[derive(Debug, Deserialize)]
struct ExportRequest {
    ids: Vec<String>,
}

async fn export(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    params: Result<Query<ExportParams>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<Response, AppError> {
    let Query(params) = params.map_err(|e| bad("invalid_query", &e.body_text()))?;
    let req: ExportRequest = serde_json::from_slice(&body).map_err(|e| bad("invalid_json", &e.to_string()))?;
    if req.ids.len() > MAX_EXPORT || req.ids.iter().any(|id| id.len() > 64) {
        return Err(bad("too_many_rows", "at most 100,000 customers per export"));
    }
    let xlsx = match params.format.as_str() {
        "csv" => false,
        "xlsx" => true,
        _ => return Err(bad("invalid_query", "format is csv or xlsx")),
    };
    let english = super::pwa::prefers_english(&headers);
    // Those of the ids the viewer may see, as the viewer sees them, in the order given.
    let scope = CustomerScope::of(&state.db, &viewer).await?;
    let found: HashMap<String, CustomerView> = customers_in_scope(&state, &viewer, &scope, &req.ids).await?.into_iter().map(|c| (c.id.clone(), c)).collect();
    let catalog = crate::catalog::load(&mut *state.db.pool().acquire().await?).await?;
    let rows: Vec<Vec<String>> = req.ids.iter().filter_map(|id| found.get(id)).map(|c| export_row(c, &catalog, english)).collect();
    let header = export_header(english);
    let date = time::OffsetDateTime::now_utc().date();
    let stem = format!("customers-{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day());
    let (bytes, mime, ext) = tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, &'static str, &'static str), anyhow::Error> {
        if xlsx {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (r, values) in std::iter::once(&header).chain(rows.iter()).enumerate() {
                for (c, v) in values.iter().enumerate() {
                    sheet.write_string(r as u32, c as u16, v)?;
                }
            }
            Ok((book.save_to_buffer()?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"))
        } else {
            // A BOM, so that Excel opens the UTF-8 file with its Chinese intact.
            let mut out = vec![0xEF, 0xBB, 0xBF];
            {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record(&header)?;
                for r in &rows {
                    w.write_record(r)?;
                }
                w.flush()?;
            }
            Ok((out, "text/csv; charset=utf-8", "csv"))
        }
    })
    .await
    .map_err(anyhow::Error::from)??;
    let disposition = format!("attachment; filename=\"{stem}.{ext}\"");
    Ok(([(CONTENT_TYPE, mime.to_string()), (CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

/// The export's columns: the import recognises every one of these headers.
const EXPORT_COLUMNS: [(&str, &str, &str); 19] = [
    ("name", "客户名称", "Customer name"),
    ("short_name", "简称", "Short name"),
    ("kind", "类型", "Type"),
    ("region", "地域", "Region"),
    ("city", "城市", "City"),
    ("address", "地址", "Address"),
    ("industry", "行业", "Industry"),
    ("size", "规模", "Size"),
    ("business_type", "业务类型", "Business type"),
    ("source", "来源", "Source"),
    ("tags", "标签", "Tags"),
    ("cooperation_since", "合作开始日期", "Customer since"),
    ("credit_limit", "信用额度（元）", "Credit limit"),
    ("satisfaction", "满意度", "Satisfaction"),
    ("credit_code", "统一社会信用代码", "Credit code"),
    ("phone", "电话", "Telephone"),
    ("grade", "客户等级", "Grade"),
    ("owner", "负责人", "Owner"),
    ("hot_reason", "热点原因", "Why hot"),
];

fn export_header(english: bool) -> Vec<String> {
    EXPORT_COLUMNS.iter().map(|(_, zh, en)| if english { en } else { zh }.to_string()).collect()
}

/// A label from the locale files for a fixed vocabulary's code, in the viewer's language.
fn label(section: &str, code: &str, english: bool) -> String {
    static FILES: OnceLock<(serde_json::Value, serde_json::Value)> = OnceLock::new();
    let (zh, en) = FILES.get_or_init(|| {
        let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).expect("the locale files are JSON");
        (parse(include_str!("../../../app/locales/zh-CN.json")), parse(include_str!("../../../app/locales/en.json")))
    });
    let file = if english { en } else { zh };
    file[section][code].as_str().unwrap_or(code).to_string()
}

fn export_row(c: &CustomerView, catalog: &Catalog, english: bool) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let listed = |list: List, code: &str| catalog.label(list, code, english).to_string();
    let kind = label("customers", if c.kind == "individual" { "individual" } else { "company" }, english);
    vec![
        c.name.clone(),
        opt(&c.short_name),
        kind,
        listed(List::Region, &c.region),
        c.city.clone(),
        opt(&c.address),
        listed(List::Industry, &c.industry),
        listed(List::Size, &c.size),
        listed(List::BusinessType, &c.business_type),
        c.source.as_deref().map(|s| listed(List::Source, s)).unwrap_or_default(),
        c.tags.join(","),
        opt(&c.cooperation_since),
        c.credit_limit_fen.map(|f| Money::from_fen(f).to_plain()).unwrap_or_default(),
        c.satisfaction.as_deref().map(|s| label("satisfaction", s, english)).unwrap_or_default(),
        opt(&c.credit_code),
        opt(&c.phone),
        c.grade.clone(),
        c.owner_name.clone(),
        opt(&c.hot_reason),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_excel_writes_are_read_or_refused_by_name() {
        let utf8 = "客户名称,城市\n杭州网络,杭州\n".as_bytes();
        assert_eq!(decode_text(utf8).unwrap().1, "csv-utf8");
        let (gbk, _, _) = encoding_rs::GBK.encode("客户名称,城市\n杭州网络,杭州\n");
        let (text, format, _) = decode_text(&gbk).unwrap();
        assert_eq!((format, text.lines().nth(1)), ("csv-gbk", Some("杭州网络,杭州")));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(utf8);
        assert_eq!(decode_text(&bom).unwrap().0, "客户名称,城市\n杭州网络,杭州\n");
        let pdf = b"%PDF-1.7\x00\x01binary";
        assert!(matches!(read_table(pdf), Err(AppError::BadRequest { code: "not_a_table", .. })));
        assert!(matches!(read_table(&[0xD0, 0xCF, 0x11, 0xE0, 1, 2]), Err(AppError::BadRequest { code: "xls_unsupported", .. })));
        assert!(matches!(read_table(b""), Err(AppError::BadRequest { code: "empty_file", .. })));
        assert!(matches!(read_table("客户名称,城市\n".as_bytes()), Err(AppError::BadRequest { code: "empty_file", .. })));
    }

    #[test]
    fn semicolons_and_tabs_are_sniffed() {
        let t = read_table("客户名称;城市\n甲;杭州\n\n乙;宁波\n".as_bytes()).unwrap();
        assert_eq!(t.headers, ["客户名称", "城市"]);
        assert_eq!(t.rows, vec![(2, vec!["甲".to_string(), "杭州".to_string()]), (4, vec!["乙".to_string(), "宁波".to_string()])]);
    }

    #[test]
    fn labels_in_both_languages_resolve_to_codes() {
        let l = labels();
        assert_eq!(l.code("satisfaction", "高"), Some("high"));
        assert_eq!(l.code("satisfaction", "Low"), Some("low"));
        assert_eq!(l.code("kind", "个人客户"), Some("individual"));
        assert_eq!(l.code("satisfaction", "火星"), None);
    }

    #[test]
    fn excel_serials_are_dates() {
        assert_eq!(excel_date(45352.0).as_deref(), Some("2024-03-01"));
    }
}
