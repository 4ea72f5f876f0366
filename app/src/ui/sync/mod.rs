//! Local-first data in the browser. Every screen reads the in-memory [`Replica`] from the
//! [`SyncState`] context; every change goes through [`SyncState::mutate`], which validates it
//! with the shared rules, shows it at once, stores it in the device's queue (IndexedDB) and wakes
//! the sync loop. The loop (`engine`, browser only) pushes the queue, pulls what changed, rebases
//! what is still pending and fetches the user's conflicts; a server-sent event wakes it when
//! another device changed something.
//!
//! - `store`: IndexedDB (what survives a reload);
//! - `engine`: the loop, the network and the session;
//! - `screens`: the status chip, the sync screen (pending, refused, conflicts), update banner.

#[cfg(feature = "hydrate")]
mod engine;
pub mod screens;
#[cfg(feature = "hydrate")]
mod store;

use crate::domain::replica::Replica;
use crate::domain::sync::{Conflict, Op, RejectedChange, Rejection};
use leptos::prelude::*;

/// What the sync loop is doing, for the status chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Not started yet (before the user is known).
    Idle,
    /// Connected and up to date (nothing being sent or fetched).
    Online,
    /// Sending or fetching.
    Syncing,
    /// The device is offline or the server cannot be reached; changes wait on the device.
    Offline,
    /// The session ended: changes wait until the user signs in again.
    SignedOut,
}

/// The sync context: signals the screens read. `Copy`, provided once by the app.
#[derive(Clone, Copy)]
pub struct SyncState {
    /// The replica, `None` until it has been read from the device.
    pub replica: RwSignal<Option<Replica>>,
    pub link: RwSignal<Link>,
    /// Customer records received in the current pull (progress of a first sync).
    pub received: RwSignal<usize>,
    /// Unix ms of the last complete sync.
    pub last_synced: RwSignal<Option<i64>>,
    pub rejected: RwSignal<Vec<RejectedChange>>,
    pub conflicts: RwSignal<Vec<Conflict>>,
    /// Local storage failed (e.g. a private window that refuses IndexedDB): changes are kept in
    /// memory only, and the status screen says so.
    pub storage_error: RwSignal<Option<String>>,
    /// A new version of the app is installed and waits for a reload.
    pub update_ready: RwSignal<bool>,
    /// The company's lists as the replica has them: one copy for every screen, and screens are
    /// only woken when the lists themselves change (not on every pull).
    catalog: Memo<crate::domain::catalog::Catalog>,
}

impl SyncState {
    pub fn provide() -> SyncState {
        let replica: RwSignal<Option<Replica>> = RwSignal::new(None);
        let state = SyncState {
            catalog: Memo::new(move |_| replica.with(|r| r.as_ref().map(|r| r.catalog().clone()).unwrap_or_default())),
            replica,
            link: RwSignal::new(Link::Idle),
            received: RwSignal::new(0),
            last_synced: RwSignal::new(None),
            rejected: RwSignal::new(Vec::new()),
            conflicts: RwSignal::new(Vec::new()),
            storage_error: RwSignal::new(None),
            update_ready: RwSignal::new(false),
        };
        provide_context(state);
        state
    }

    pub fn pending_count(&self) -> usize {
        self.replica.with(|r| r.as_ref().map_or(0, |r| r.pending().len()))
    }

    /// Makes a change: checked by the same rules the server applies, shown at once, queued on
    /// the device and sent when there is a connection. A refusal here is shown to the user
    /// before anything is queued.
    pub fn mutate(&self, op: Op) -> Result<(), Rejection> {
        op.validate()?;
        match self.replica.with_untracked(|r| r.as_ref().map(|r| op.check_catalog(r.catalog()))) {
            None => return Err(Rejection::Invalid { code: "not_ready".into() }),
            Some(checked) => checked?,
        }
        #[cfg(feature = "hydrate")]
        engine::enqueue(*self, op);
        Ok(())
    }

    /// Hides a refused change the user has read.
    pub fn dismiss_rejected(&self, seq: u64) {
        self.rejected.update(|list| list.retain(|r| r.mutation.seq != seq));
        #[cfg(feature = "hydrate")]
        engine::dismiss_rejected(seq);
    }

    /// Sends a change the server set aside after failing on it (`server_error`) once more, as a
    /// new mutation; the refused entry goes once the new one is queued.
    pub fn retry_rejected(&self, seq: u64) -> Result<(), Rejection> {
        let Some(op) = self.rejected.with_untracked(|list| list.iter().find(|r| r.mutation.seq == seq).map(|r| r.mutation.op.clone())) else {
            return Ok(());
        };
        self.mutate(op)?;
        self.dismiss_rejected(seq);
        Ok(())
    }

    /// Dismisses a conflict on the server (and re-applies the user's value first if asked).
    pub fn resolve_conflict(&self, conflict: Conflict, reapply: bool) -> Result<(), Rejection> {
        if reapply {
            use crate::domain::deal::DealField;
            use crate::domain::entity::Entity;
            use crate::domain::sync::{ContactField, CustomerField, Field};
            let unknown = || Rejection::Invalid { code: "unknown_code".into() };
            let value = conflict.their_value.clone().unwrap_or_default();
            let id = &conflict.entity_id;
            let op = match Entity::from_code(&conflict.entity).ok_or_else(unknown)? {
                Entity::Contact => {
                    let field = ContactField::from_column(&conflict.field).ok_or_else(unknown)?;
                    self.replica.with_untracked(|r| r.as_ref().and_then(|r| r.contact_edit(id, &[(field, value)])))
                }
                Entity::Opportunity => {
                    let field = DealField::from_column(&conflict.field).ok_or_else(unknown)?;
                    self.replica.with_untracked(|r| r.as_ref().and_then(|r| r.deal_edit(id, &[(field, value)])))
                }
                Entity::Customer => {
                    let field = CustomerField::from_column(&conflict.field).ok_or_else(unknown)?;
                    self.replica.with_untracked(|r| r.as_ref().and_then(|r| r.customer_edit(id, &[(field, value)])))
                }
                // Conflicts are filed for the records with editable fields only.
                Entity::Order | Entity::Segment | Entity::Promotion | Entity::Catalog => return Err(unknown()),
            };
            if let Some(op) = op {
                self.mutate(op)?;
            }
        }
        self.conflicts.update(|list| list.retain(|c| c.id != conflict.id));
        #[cfg(feature = "hydrate")]
        engine::dismiss_conflict(conflict.id);
        Ok(())
    }
}

/// A new record id chosen on the device (a UUID), so a record exists offline at once.
pub fn new_id() -> String {
    #[cfg(feature = "hydrate")]
    return engine::new_uuid();
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

/// The company's lists (region, industry, …) from the replica; empty until the first pull.
pub fn use_catalog() -> Memo<crate::domain::catalog::Catalog> {
    use_sync().catalog
}

pub fn use_sync() -> SyncState {
    expect_context::<SyncState>()
}

/// Starts (or resumes) syncing for the signed-in user: opens their replica on this device and
/// runs the loop. Browser only; calling it again for the same user wakes the loop.
pub fn start(state: SyncState, user: &crate::ui::signin::Me) {
    #[cfg(feature = "hydrate")]
    engine::start(state, user);
    #[cfg(not(feature = "hydrate"))]
    let _ = (state, user);
}

/// Called on sign-out: forgets this user's replica on the device unless changes still wait to
/// be sent (those stay until the same user signs in again). Answers how many wait.
pub async fn sign_out(state: SyncState) -> usize {
    #[cfg(feature = "hydrate")]
    return engine::sign_out(state).await;
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = state;
        0
    }
}
