//! Multi-row `INSERT`s for bulk loading. (sqlx's QueryBuilder picks placeholders by database
//! type, which the `Any` driver cannot know, hence this small helper.) PostgreSQL needs `$n`;
//! SQLite gets anonymous `?`, because it looks numbered parameters up by a linear scan, which
//! makes a 30,000-parameter statement take seconds instead of milliseconds.

use crate::db::Backend;
use anyhow::Context;
use sqlx::{Any, Transaction};

/// One value of a row.
#[derive(Debug, Clone)]
pub enum Val {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
}

impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_string())
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::OptText(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Val::OptInt(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::Bool(v)
    }
}

/// Rows waiting to be inserted into one table.
pub struct Batch {
    table: &'static str,
    columns: &'static [&'static str],
    values: Vec<Val>,
    pub inserted: u64,
}

/// Bound parameters per statement: under SQLite's limit (32,766) and PostgreSQL's (65,535).
const MAX_PARAMS: usize = 30_000;

impl Batch {
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Batch { table, columns, values: Vec::new(), inserted: 0 }
    }

    pub fn push(&mut self, row: Vec<Val>) {
        debug_assert_eq!(row.len(), self.columns.len(), "row for {}", self.table);
        self.values.extend(row);
    }

    pub fn pending_rows(&self) -> usize {
        self.values.len() / self.columns.len()
    }

    /// Forgets the rows pushed after the first `rows` (a mutation rolled back to its savepoint).
    pub fn truncate_rows(&mut self, rows: usize) {
        self.values.truncate(rows * self.columns.len());
    }

    pub async fn flush(&mut self, tx: &mut Transaction<'_, Any>, backend: Backend) -> anyhow::Result<()> {
        let ncols = self.columns.len();
        let rows_per_statement = (MAX_PARAMS / ncols).max(1);
        let values = std::mem::take(&mut self.values);
        for chunk in values.chunks(rows_per_statement * ncols) {
            let rows = chunk.len() / ncols;
            let sql = self.sql(rows, backend);
            let mut query = sqlx::query(&sql).persistent(false);
            for v in chunk {
                query = match v {
                    Val::Text(s) => query.bind(s.as_str()),
                    Val::OptText(s) => query.bind(s.as_deref()),
                    Val::Int(i) => query.bind(*i),
                    Val::OptInt(i) => query.bind(*i),
                    Val::Bool(b) => query.bind(*b),
                };
            }
            query.execute(&mut **tx).await.with_context(|| format!("inserting into {}", self.table))?;
            self.inserted += rows as u64;
        }
        Ok(())
    }

    fn sql(&self, rows: usize, backend: Backend) -> String {
        let ncols = self.columns.len();
        let mut sql = format!("INSERT INTO {} ({}) VALUES ", self.table, self.columns.join(", "));
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 0..ncols {
                if c > 0 {
                    sql.push_str(", ");
                }
                match backend {
                    Backend::Postgres => {
                        sql.push('$');
                        sql.push_str(&(r * ncols + c + 1).to_string());
                    }
                    Backend::Sqlite => sql.push('?'),
                }
            }
            sql.push(')');
        }
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_across_rows() {
        let b = Batch::new("t", &["a", "b"]);
        assert_eq!(b.sql(2, Backend::Postgres), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
        assert_eq!(b.sql(2, Backend::Sqlite), "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)");
    }
}
