//! The replica on disk: one IndexedDB database per user on this device (`kedao-<user id>`), so
//! a user's unsynced changes wait for them even if someone else signs in meanwhile.
//!
//! Stores (all with out-of-line keys; values are JSON text, as one string crosses the wasm
//! boundary much faster than a structured object built field by field):
//! - `chunks`: a first sync's pages, each page's [`CustomerRecord`]s as one JSON array (one
//!   write per page: IndexedDB costs about 0.1 ms per record written, which for 50,000 records
//!   one by one is seconds);
//! - `customers`: customer id → a record changed since (overrides its copy in a chunk), or an
//!   empty string for a customer that left the view;
//! - `queue`: sequence number → a pending [`Mutation`] as JSON;
//! - `rejected`: sequence number → a [`RejectedChange`] the user has not dismissed yet;
//! - `meta`: `client_id`, `next_seq`, `cursor`, `catalog` (the company's lists, JSON), `segments`
//!   (the saved segments, JSON), `promotions` (the promotion plans, JSON).

use crate::domain::catalog::Catalog;
use crate::domain::promotion::SavedPlan;
use crate::domain::replica::{CustomerRecord, Replica, Touched};
use crate::domain::segment::SavedSegment;
use crate::domain::sync::{Mutation, RejectedChange};
use idb::{Database, DatabaseEvent, Factory, ObjectStoreParams, TransactionFuture, TransactionMode};
use std::future::IntoFuture;
use wasm_bindgen::JsValue;

const VERSION: u32 = 2;
const CHUNKS: &str = "chunks";
const CUSTOMERS: &str = "customers";
const QUEUE: &str = "queue";
const REJECTED: &str = "rejected";
const META: &str = "meta";

/// Why local storage failed, for the console and the status screen.
#[derive(Debug, Clone)]
pub struct StoreError(pub String);

impl From<idb::Error> for StoreError {
    fn from(e: idb::Error) -> Self {
        StoreError(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// What the device had when the app last closed.
pub struct Loaded {
    pub records: Vec<CustomerRecord>,
    pub queue: Vec<Mutation>,
    pub rejected: Vec<RejectedChange>,
    pub cursor: String,
    pub client_id: Option<String>,
    pub next_seq: u64,
    /// The company's lists as last pulled (`None` before the first pull that brought them).
    pub catalog: Option<Catalog>,
    pub segments: Vec<SavedSegment>,
    pub promotions: Vec<SavedPlan>,
}

pub struct Local {
    db: Database,
}

pub fn database_name(user_id: &str) -> String {
    format!("kedao-{user_id}")
}

impl Local {
    pub async fn open(user_id: &str) -> Result<Local, StoreError> {
        let factory = Factory::new()?;
        let mut request = factory.open(&database_name(user_id), Some(VERSION))?;
        request.on_upgrade_needed(|event| {
            let Ok(db) = event.database() else { return };
            let existing = db.store_names();
            for name in [CHUNKS, CUSTOMERS, QUEUE, REJECTED, META] {
                if !existing.iter().any(|n| n == name) {
                    let _ = db.create_object_store(name, ObjectStoreParams::new());
                }
            }
        });
        Ok(Local { db: request.await? })
    }

    /// Everything stored, for the replica in memory.
    pub async fn load(&self) -> Result<Loaded, StoreError> {
        let tx = self.db.transaction(&[CHUNKS, CUSTOMERS, QUEUE, REJECTED, META], TransactionMode::ReadOnly)?;
        let texts = |values: Vec<JsValue>| values.into_iter().map(|v| v.as_string().unwrap_or_default()).collect::<Vec<_>>();
        let chunks = texts(tx.object_store(CHUNKS)?.get_all(None, None)?.await?);
        let singles = tx.object_store(CUSTOMERS)?;
        let single_ids = texts(singles.get_all_keys(None, None)?.await?);
        let single_records = texts(singles.get_all(None, None)?.await?);
        let queue = texts(tx.object_store(QUEUE)?.get_all(None, None)?.await?);
        let rejected = texts(tx.object_store(REJECTED)?.get_all(None, None)?.await?);
        let meta = tx.object_store(META)?;
        let text = |v: Option<JsValue>| v.and_then(|v| v.as_string());
        let cursor = text(meta.get(JsValue::from_str("cursor"))?.await?).unwrap_or_default();
        let client_id = text(meta.get(JsValue::from_str("client_id"))?.await?);
        let next_seq = text(meta.get(JsValue::from_str("next_seq"))?.await?).and_then(|s| s.parse().ok()).unwrap_or(1);
        let catalog = text(meta.get(JsValue::from_str("catalog"))?.await?).and_then(|s| serde_json::from_str(&s).ok());
        let segments = text(meta.get(JsValue::from_str("segments"))?.await?).and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
        let promotions = text(meta.get(JsValue::from_str("promotions"))?.await?).and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default();
        // Chunks first, then the records changed since. A record this version cannot read (kept
        // by an older version whose records had other fields) is not guessed at: the device
        // starts over with a fresh snapshot (an empty cursor), keeping its queue.
        let mut unreadable = false;
        let mut records: std::collections::HashMap<String, CustomerRecord> = std::collections::HashMap::new();
        for chunk in &chunks {
            match serde_json::from_str::<Vec<CustomerRecord>>(chunk) {
                Ok(list) => records.extend(list.into_iter().map(|r| (r.customer.id.clone(), r))),
                Err(_) => unreadable = true,
            }
        }
        for (id, text) in single_ids.into_iter().zip(&single_records) {
            match serde_json::from_str::<CustomerRecord>(text) {
                Ok(r) => records.insert(id, r),
                Err(_) => {
                    unreadable |= !text.is_empty();
                    records.remove(&id)
                }
            };
        }
        let cursor = if unreadable { String::new() } else { cursor };
        Ok(Loaded {
            records: records.into_values().collect(),
            queue: queue.iter().filter_map(|t| serde_json::from_str(t).ok()).collect(),
            rejected: rejected.iter().filter_map(|t| serde_json::from_str(t).ok()).collect(),
            cursor,
            client_id,
            next_seq,
            catalog,
            segments,
            promotions,
        })
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[META], TransactionMode::ReadWrite)?;
        tx.object_store(META)?.put(&JsValue::from_str(value), Some(&JsValue::from_str(key)))?;
        finished(tx.await)
    }

    /// Appends a mutation to the queue and moves the sequence on, in one transaction.
    pub async fn enqueue(&self, m: &Mutation) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[QUEUE, META], TransactionMode::ReadWrite)?;
        let text = serde_json::to_string(m)?;
        tx.object_store(QUEUE)?.put(&JsValue::from_str(&text), Some(&seq_key(m.seq)))?;
        tx.object_store(META)?.put(&JsValue::from_str(&(m.seq + 1).to_string()), Some(&JsValue::from_str("next_seq")))?;
        finished(tx.await)
    }

    /// The server answered for these mutations: they leave the queue, refused ones are kept
    /// for the user to read.
    pub async fn answered(&self, seqs: &[u64], rejected: &[RejectedChange]) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[QUEUE, REJECTED], TransactionMode::ReadWrite)?;
        let queue = tx.object_store(QUEUE)?;
        for seq in seqs {
            queue.delete(seq_key(*seq))?;
        }
        let store = tx.object_store(REJECTED)?;
        for r in rejected {
            store.put(&JsValue::from_str(&serde_json::to_string(r)?), Some(&seq_key(r.mutation.seq)))?;
        }
        finished(tx.await)
    }

    pub async fn dismiss_rejected(&self, seq: u64) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[REJECTED], TransactionMode::ReadWrite)?;
        tx.object_store(REJECTED)?.delete(seq_key(seq))?;
        finished(tx.await)
    }

    /// Starts writing what a pull page changed, with the page's cursor, in one transaction
    /// (after a crash the stored replica is at one cursor or the other, never between). The
    /// writes are issued at once; await the transaction to know they landed. Transactions run in
    /// the order they were created, so the caller may fetch the next page meanwhile.
    ///
    /// `chunk`: the page belongs to a first sync (started by a reset in this run): its records
    /// are written as one chunk, the page number its key.
    pub fn write_page(&self, touched: &Touched, replica: &Replica, cursor: &str, chunk: Option<usize>) -> Result<TransactionFuture, StoreError> {
        let tx = self.db.transaction(&[CHUNKS, CUSTOMERS, META], TransactionMode::ReadWrite)?;
        let singles = tx.object_store(CUSTOMERS)?;
        if touched.reset {
            tx.object_store(CHUNKS)?.clear()?;
            singles.clear()?;
        } else {
            // Marked, not deleted: a copy may sit in a chunk.
            for id in &touched.removed {
                singles.put(&JsValue::from_str(""), Some(&JsValue::from_str(id)))?;
            }
        }
        match chunk {
            Some(n) => {
                let records: Vec<&CustomerRecord> = touched.upserted.iter().filter_map(|id| replica.record(id)).collect();
                tx.object_store(CHUNKS)?.put(&JsValue::from_str(&serde_json::to_string(&records)?), Some(&JsValue::from_f64(n as f64)))?;
            }
            None => {
                for id in &touched.upserted {
                    if let Some(record) = replica.record(id) {
                        singles.put(&JsValue::from_str(&serde_json::to_string(record)?), Some(&JsValue::from_str(id)))?;
                    }
                }
            }
        }
        let meta = tx.object_store(META)?;
        meta.put(&JsValue::from_str(cursor), Some(&JsValue::from_str("cursor")))?;
        if touched.catalog {
            meta.put(&JsValue::from_str(&serde_json::to_string(replica.catalog())?), Some(&JsValue::from_str("catalog")))?;
        }
        if touched.segments {
            let list: Vec<&SavedSegment> = replica.stored_segments().collect();
            meta.put(&JsValue::from_str(&serde_json::to_string(&list)?), Some(&JsValue::from_str("segments")))?;
        }
        if touched.promotions {
            let list: Vec<&SavedPlan> = replica.stored_promotions().collect();
            meta.put(&JsValue::from_str(&serde_json::to_string(&list)?), Some(&JsValue::from_str("promotions")))?;
        }
        // Listen for the outcome now: awaited later, a transaction that already completed would
        // never report it.
        Ok(tx.into_future())
    }

    pub fn close(&self) {
        self.db.close();
    }
}

/// A transaction's outcome: an abort (e.g. the disk is full) is an error too.
pub fn finished(outcome: Result<idb::TransactionResult, idb::Error>) -> Result<(), StoreError> {
    match outcome? {
        idb::TransactionResult::Committed => Ok(()),
        idb::TransactionResult::Aborted => Err(StoreError("the write was aborted".into())),
    }
}

fn seq_key(seq: u64) -> JsValue {
    JsValue::from_f64(seq as f64)
}

/// Forgets a user's replica on this device (after sign-out with nothing left to sync).
pub async fn delete(user_id: &str) -> Result<(), StoreError> {
    Factory::new()?.delete(&database_name(user_id))?.await?;
    Ok(())
}
