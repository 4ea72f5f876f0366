//! The sync loop in the browser. One loop per signed-in user; it is the only code that talks
//! to `/api/sync/*`, so pushes and pulls never overlap.
//!
//! A round: push the queue in batches (the server answers each mutation *applied* or
//! *rejected*; answered mutations leave the stored queue, refused ones are kept for the user to
//! read), pull until caught up (each page written to IndexedDB with its cursor), then drop the
//! answered mutations from the view (the pull has brought their effect) and fetch conflicts.
//! The loop sleeps until a change is made, the server announces changes (server-sent event),
//! the device comes online, or a timer fires (30 s; sooner after a failure).

use super::store::{self, Local};
use super::{Link, SyncState};
use crate::domain::replica::{Owner, Replica};
use crate::domain::sync::{Conflict, Mutation, Op, Outcome, PullPage, PushResponse, RejectedChange, MAX_BATCH};
use crate::ui::api::{self, ApiError, Method};
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::future::Future;
use std::rc::Rc;
use std::task::Poll;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

struct Engine {
    user_id: String,
    store: RefCell<Option<Rc<Local>>>,
    client_id: RefCell<String>,
    next_seq: Cell<u64>,
    cursor: RefCell<String>,
    /// Applied by the server, still shown from the queue until a pull brings their effect.
    acked: RefCell<BTreeSet<u64>>,
    wake: tokio::sync::Notify,
    events: RefCell<Option<web_sys::EventSource>>,
    stopped: Cell<bool>,
}

thread_local! {
    static ENGINE: RefCell<Option<Rc<Engine>>> = const { RefCell::new(None) };
}

fn current() -> Option<Rc<Engine>> {
    ENGINE.with(|e| e.borrow().clone())
}

impl Engine {
    fn store(&self) -> Option<Rc<Local>> {
        self.store.borrow().clone()
    }
}

pub fn start(state: SyncState, me: &crate::ui::signin::Me) {
    if let Some(e) = current() {
        if e.user_id == me.user_id {
            if state.link.get_untracked() == Link::SignedOut {
                state.link.set(Link::Syncing);
            }
            e.wake.notify_one();
            return;
        }
        stop(&e);
    }
    let engine = Rc::new(Engine {
        user_id: me.user_id.clone(),
        store: RefCell::new(None),
        client_id: RefCell::new(String::new()),
        next_seq: Cell::new(1),
        cursor: RefCell::new(String::new()),
        acked: RefCell::new(BTreeSet::new()),
        wake: tokio::sync::Notify::new(),
        events: RefCell::new(None),
        stopped: Cell::new(false),
    });
    ENGINE.with(|e| *e.borrow_mut() = Some(engine.clone()));
    let owner = Owner { id: me.user_id.clone(), name: me.display_name.clone() };
    leptos::task::spawn_local(async move {
        let mut replica = Replica::new(owner.clone());
        match Local::open(&engine.user_id).await {
            Ok(local) => match local.load().await {
                Ok(loaded) => {
                    replica = Replica::load(owner, loaded.records, loaded.queue);
                    if let Some(catalog) = loaded.catalog {
                        replica.set_catalog(catalog);
                    }
                    replica.set_segments(loaded.segments);
                    replica.set_promotions(loaded.promotions);
                    *engine.cursor.borrow_mut() = loaded.cursor;
                    let next = replica.pending().iter().map(|m| m.seq + 1).max().unwrap_or(1).max(loaded.next_seq);
                    engine.next_seq.set(next);
                    state.rejected.set(loaded.rejected);
                    let client_id = match loaded.client_id {
                        Some(id) => id,
                        None => {
                            let id = new_uuid();
                            if let Err(e) = local.set_meta("client_id", &id).await {
                                state.storage_error.set(Some(e.0));
                            }
                            id
                        }
                    };
                    *engine.client_id.borrow_mut() = client_id;
                    *engine.store.borrow_mut() = Some(Rc::new(local));
                }
                Err(e) => state.storage_error.set(Some(e.0)),
            },
            Err(e) => state.storage_error.set(Some(e.0)),
        }
        if engine.client_id.borrow().is_empty() {
            // Memory only: a client id for this page's life.
            *engine.client_id.borrow_mut() = new_uuid();
        }
        if engine.stopped.get() {
            return;
        }
        state.replica.set(Some(replica));
        // The funnel's deal table is built on first use; build it while the user is still
        // looking at the first screen, so opening the funnel later only folds it.
        leptos::task::spawn_local(async move {
            sleep(1_500).await;
            state.replica.with_untracked(|r| r.as_ref().map(|r| r.with_deals(|t| t.len())));
        });
        listen(&engine, state);
        run(engine, state).await;
    });
}

/// Wakes the loop on server announcements, on reconnection and when the device comes online.
fn listen(engine: &Rc<Engine>, state: SyncState) {
    let wake = |engine: &Rc<Engine>| {
        let e = Rc::downgrade(engine);
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(e) = e.upgrade() {
                e.wake.notify_one();
            }
        })
        .into_js_value()
    };
    if let Ok(source) = web_sys::EventSource::new("/api/sync/events") {
        let _ = source.add_event_listener_with_callback("changes", wake(engine).unchecked_ref());
        let _ = source.add_event_listener_with_callback("open", wake(engine).unchecked_ref());
        *engine.events.borrow_mut() = Some(source);
    }
    let window = leptos::prelude::window();
    let _ = window.add_event_listener_with_callback("online", wake(engine).unchecked_ref());
    let offline = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| state.link.set(Link::Offline)).into_js_value();
    let _ = window.add_event_listener_with_callback("offline", offline.unchecked_ref());
}

async fn run(engine: Rc<Engine>, state: SyncState) {
    let mut failures: u32 = 0;
    loop {
        if engine.stopped.get() {
            return;
        }
        if !leptos::prelude::window().navigator().on_line() {
            state.link.set(Link::Offline);
        } else if state.link.get_untracked() != Link::SignedOut {
            state.link.set(Link::Syncing);
            match round(&engine, state).await {
                Ok(()) => {
                    failures = 0;
                    state.link.set(Link::Online);
                    state.last_synced.set(Some(js_sys::Date::now() as i64));
                }
                Err(ApiError::Unauthenticated) => state.link.set(Link::SignedOut),
                Err(ApiError::Network) => {
                    failures += 1;
                    state.link.set(Link::Offline);
                }
                Err(ApiError::Refused { status, code }) => {
                    failures += 1;
                    leptos::logging::warn!("sync refused: {status} {code}");
                    state.link.set(Link::Offline);
                }
            }
        }
        // After a failure retry soon (1, 2, 4, 8 s), else every 30 s; any wake-up comes first.
        let wait = if failures > 0 { 1000 * 2_i32.pow(failures.min(4) - 1) } else { 30_000 };
        first_of(engine.wake.notified(), sleep(wait)).await;
    }
}

/// Changes the replica in memory (once it is loaded), redrawing what reads it.
fn edit(state: SyncState, f: impl FnOnce(&mut Replica)) {
    state.replica.update(|r| {
        if let Some(r) = r {
            f(r)
        }
    });
}

async fn round(engine: &Rc<Engine>, state: SyncState) -> Result<(), ApiError> {
    push(engine, state).await?;
    pull(engine, state).await?;
    let acked = std::mem::take(&mut *engine.acked.borrow_mut());
    if !acked.is_empty() {
        edit(state, |r| r.drop_pending(&acked));
    }
    let conflicts = api::get::<Vec<Conflict>>("/api/sync/conflicts").await?;
    if state.conflicts.get_untracked() != conflicts {
        state.conflicts.set(conflicts);
    }
    Ok(())
}

#[derive(serde::Serialize)]
struct PushRequest<'a> {
    client_id: &'a str,
    mutations: &'a [Mutation],
}

async fn push(engine: &Rc<Engine>, state: SyncState) -> Result<(), ApiError> {
    loop {
        let batch: Vec<Mutation> = state.replica.with_untracked(|r| {
            let acked = engine.acked.borrow();
            r.as_ref().map(|r| r.pending().iter().filter(|m| !acked.contains(&m.seq)).take(MAX_BATCH).cloned().collect()).unwrap_or_default()
        });
        if batch.is_empty() {
            return Ok(());
        }
        let client_id = engine.client_id.borrow().clone();
        let answer: PushResponse = api::request(Method::Post, "/api/sync/push", Some(&PushRequest { client_id: &client_id, mutations: &batch })).await?;
        if answer.results.is_empty() {
            return Err(ApiError::Refused { status: 200, code: "invalid_answer".into() });
        }
        let mut answered = Vec::new();
        let mut refused = Vec::new();
        for result in answer.results {
            let Some(m) = batch.iter().find(|m| m.seq == result.seq) else { continue };
            answered.push(m.seq);
            match result.outcome {
                Outcome::Applied { .. } => {
                    engine.acked.borrow_mut().insert(m.seq);
                }
                Outcome::Rejected(reason) => refused.push(RejectedChange { mutation: m.clone(), reason }),
            }
        }
        if let Some(store) = engine.store() {
            if let Err(e) = store.answered(&answered, &refused).await {
                state.storage_error.set(Some(e.0));
            }
        }
        if !refused.is_empty() {
            let seqs: BTreeSet<u64> = refused.iter().map(|r| r.mutation.seq).collect();
            edit(state, |r| r.drop_pending(&seqs));
            state.rejected.update(|list| list.extend(refused));
        }
    }
}

/// A pull page being fetched in the background: `next` says, as soon as the answer's headers are
/// in, where the page after it starts (`None`: it is the last, or the request failed); `page` is
/// the page itself once downloaded and decoded.
struct Fetching {
    next: tokio::sync::oneshot::Receiver<Option<String>>,
    page: tokio::sync::oneshot::Receiver<Result<PullPage, ApiError>>,
}

/// `catalog`: the version of the device's copy of the lists (the page brings them if newer).
fn fetch_page(cursor: String, catalog: i64) -> Fetching {
    let (next_tx, next) = tokio::sync::oneshot::channel();
    let (page_tx, page) = tokio::sync::oneshot::channel();
    leptos::task::spawn_local(async move {
        let url = if cursor.is_empty() { format!("/api/sync/pull?catalog={catalog}") } else { format!("/api/sync/pull?cursor={cursor}&catalog={catalog}") };
        let got = api::get_with_header::<PullPage>(&url, NEXT_CURSOR_HEADER, move |next| {
            let _ = next_tx.send(next);
        })
        .await;
        let _ = page_tx.send(got);
    });
    Fetching { next, page }
}

/// The header in which the server names the next page's cursor (`http/sync/mod.rs`).
const NEXT_CURSOR_HEADER: &str = "kedao-next-cursor";

async fn pull(engine: &Rc<Engine>, state: SyncState) -> Result<(), ApiError> {
    let mut pages = 0usize;
    let mut writing: Option<idb::TransactionFuture> = None;
    state.received.set(0);
    let catalog = move || state.replica.with_untracked(|r| r.as_ref().map_or(0, |r| r.catalog().version));
    let mut fetching = fetch_page(engine.cursor.borrow().clone(), catalog());
    // Pages of a first sync (from a reset on) are stored as chunks.
    let mut snapshot = false;
    loop {
        // The next page is asked for as soon as this one's headers name it, so the server
        // prepares it while this one downloads, decodes and is stored. (Asked before this page
        // is applied: a page that brings the lists may bring them twice.)
        let following = match (&mut fetching.next).await {
            Ok(Some(cursor)) => Some(fetch_page(cursor, catalog())),
            _ => None,
        };
        let page = fetching.page.await.map_err(|_| ApiError::Network)??;
        let following = match following {
            Some(f) => Some(f),
            // A server that does not name the next page in a header: ask now.
            None if page.more => Some(fetch_page(page.cursor.clone(), page.catalog.as_ref().map_or_else(catalog, |c| c.version))),
            None => None,
        };
        // The previous page's writes have had the fetch's time to land.
        if let Some(tx) = writing.take() {
            if let Err(e) = store::finished(tx.await) {
                state.storage_error.set(Some(e.0));
            }
        }
        pages += 1;
        snapshot |= page.reset;
        let mut touched = Default::default();
        let apply = |r: &mut Option<Replica>| {
            if let Some(r) = r {
                touched = r.apply_page(&page);
            }
        };
        // A first sync of many pages redraws the screens every few pages, not on each.
        if !page.more || pages.is_multiple_of(8) {
            state.replica.update(apply);
        } else {
            state.replica.update_untracked(apply);
        }
        state.received.update(|n| *n += page.customers.len());
        if let Some(store) = engine.store() {
            let staged = state.replica.with_untracked(|r| r.as_ref().map(|r| store.write_page(&touched, r, &page.cursor, snapshot.then_some(pages))));
            match staged {
                Some(Ok(tx)) => writing = Some(tx),
                Some(Err(e)) => state.storage_error.set(Some(e.0)),
                None => {}
            }
        }
        *engine.cursor.borrow_mut() = page.cursor;
        match following {
            Some(f) if page.more => fetching = f,
            _ => break,
        }
    }
    if let Some(tx) = writing {
        if let Err(e) = store::finished(tx.await) {
            state.storage_error.set(Some(e.0));
        }
    }
    Ok(())
}

pub fn enqueue(state: SyncState, op: Op) {
    let Some(engine) = current() else { return };
    let seq = engine.next_seq.get();
    engine.next_seq.set(seq + 1);
    let m = Mutation { seq, at_ms: js_sys::Date::now() as i64, op };
    edit(state, |r| r.push_pending(m.clone()));
    leptos::task::spawn_local(async move {
        if let Some(store) = engine.store() {
            if let Err(e) = store.enqueue(&m).await {
                state.storage_error.set(Some(e.0));
            }
        }
        engine.wake.notify_one();
    });
}

pub fn dismiss_rejected(seq: u64) {
    let Some(engine) = current() else { return };
    leptos::task::spawn_local(async move {
        if let Some(store) = engine.store() {
            let _ = store.dismiss_rejected(seq).await;
        }
    });
}

pub fn dismiss_conflict(id: String) {
    leptos::task::spawn_local(async move {
        let url = format!("/api/sync/conflicts/{id}/dismiss");
        let _ = api::request::<serde_json::Value>(Method::Post, &url, None::<&()>).await;
    });
}

fn stop(engine: &Rc<Engine>) {
    engine.stopped.set(true);
    if let Some(source) = engine.events.borrow_mut().take() {
        source.close();
    }
    engine.wake.notify_one();
    ENGINE.with(|e| *e.borrow_mut() = None);
}

pub async fn sign_out(state: SyncState) -> usize {
    let waiting = state.replica.with_untracked(|r| r.as_ref().map_or(0, |r| r.pending().len()));
    let Some(engine) = current() else { return waiting };
    stop(&engine);
    state.replica.set(None);
    state.rejected.set(Vec::new());
    state.conflicts.set(Vec::new());
    state.link.set(Link::Idle);
    if let Some(local) = engine.store.borrow_mut().take() {
        local.close();
    }
    // Nothing waits to be sent: leave nothing of this user's data on the device.
    if waiting == 0 {
        let _ = store::delete(&engine.user_id).await;
    }
    waiting
}

/// A random (version 4) UUID. `crypto.randomUUID()` exists only on HTTPS pages; random bytes
/// exist everywhere.
pub fn new_uuid() -> String {
    let mut b = [0u8; 16];
    if let Ok(crypto) = leptos::prelude::window().crypto() {
        let _ = crypto.get_random_values_with_u8_array(&mut b);
    }
    if b == [0u8; 16] {
        // No crypto at all (very old browsers): still unique enough for a device-chosen id.
        for (i, x) in b.iter_mut().enumerate() {
            *x = (js_sys::Math::random() * 256.0) as u8 ^ (i as u8);
        }
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = leptos::prelude::window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits for whichever future finishes first (the other is dropped).
async fn first_of(a: impl Future, b: impl Future) {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    std::future::poll_fn(|cx| if a.as_mut().poll(cx).is_ready() || b.as_mut().poll(cx).is_ready() { Poll::Ready(()) } else { Poll::Pending }).await
}
