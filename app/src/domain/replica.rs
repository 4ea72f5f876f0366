//! The device's replica, as plain data: the server's state as last pulled (the *base*), the
//! user's mutations not yet confirmed by a pull (*pending*), and the merged view every screen
//! reads. No I/O: the browser keeps it in memory and stores [`CustomerRecord`]s and the queue in
//! IndexedDB (`ui::sync`); the rules for applying a mutation locally live here, next to the
//! protocol (`domain::sync`), and are unit-tested natively.
//!
//! Rebasing: the view of a record is its base state with every pending mutation that targets it
//! applied in sequence order. A pull replaces base records; the overlay is then recomputed from
//! the pending queue, so a user's unsynced edits always sit on top of the newest server state.
//!
//! Searching ([`Replica::search`]) runs over a [`SearchKey`] per customer, built the first time
//! someone searches and then kept up to date for exactly the customers a pull or a mutation
//! touched. The deals the funnel folds ([`Replica::with_deals`], a [`DealTable`]) are kept the
//! same way, per deal.

use super::catalog::{Catalog, Grade};
use super::customer::{ContactView, CustomerView};
use super::deal::{deal_value, set_deal_field, DealField};
use super::deal_table::DealTable;
use super::dedupe::{DuplicateReason, Probe};
use super::entity::Entity;
use super::order::OrderView;
use super::promotion::{Draft, SavedPlan, Status as PlanStatus};
use super::search::{pinyin_sort_key, Query, SearchKey};
use super::segment::SavedSegment;
use super::sync::{ContactField, CustomerField, Field, FieldEdit, Mutation, Op, OpportunityView, PullPage};
use serde::{Deserialize, Serialize};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

/// A customer with its opportunities, contacts and orders: the unit stored in IndexedDB (one
/// record per customer, so a snapshot of 50,000 customers and 200,000 deals is 50,000 writes, not
/// 250,000).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRecord {
    pub customer: CustomerView,
    pub opportunities: Vec<OpportunityView>,
    #[serde(default)]
    pub contacts: Vec<ContactView>,
    /// Read-only on the device: orders are entered elsewhere and arrive with the pull.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<OrderView>,
}

/// Who is using the replica: what they create is theirs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owner {
    pub id: String,
    pub name: String,
}

/// What a pull changed in the base, so the caller writes exactly those records to storage.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// Customer records to write (new or changed, or one of their deals or contacts changed).
    pub upserted: BTreeSet<String>,
    /// Customer records to delete.
    pub removed: BTreeSet<String>,
    /// The page asked for an empty replica first.
    pub reset: bool,
    /// The page brought a new catalogue (the company's lists).
    pub catalog: bool,
    /// The saved segments changed.
    pub segments: bool,
    /// The promotion plans changed.
    pub promotions: bool,
}

/// What the customer list shows: a search and filters (`None`: any), and an order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFilter {
    pub query: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub size: Option<String>,
    pub business_type: Option<String>,
    pub source: Option<String>,
    pub grade: Option<String>,
    pub owner_id: Option<String>,
    pub tag: Option<String>,
    pub hot_only: bool,
    pub sort: SortBy,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortBy {
    /// By the name's pinyin, as Chinese users expect.
    #[default]
    Name,
    /// A first, then by name.
    Grade,
    /// Highest credit limit first.
    CreditLimit,
}

impl CustomerFilter {
    /// Whether the filter narrows anything beyond the query.
    fn filters(&self) -> bool {
        self.region.is_some()
            || self.industry.is_some()
            || self.size.is_some()
            || self.business_type.is_some()
            || self.source.is_some()
            || self.grade.is_some()
            || self.owner_id.is_some()
            || self.tag.is_some()
            || self.hot_only
    }

    fn admits(&self, c: &Facets) -> bool {
        let is = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        is(&self.region, &c.region)
            && is(&self.industry, &c.industry)
            && is(&self.size, &c.size)
            && is(&self.business_type, &c.business_type)
            && is(&self.source, &c.source)
            && is(&self.grade, &c.grade)
            && is(&self.owner_id, &c.owner_id)
            && self.tag.as_ref().is_none_or(|t| c.tags.iter().any(|x| **x == **t))
            && (!self.hot_only || c.hot)
    }
}

/// What the list filters and sorts by, copied into the index so a search never looks a
/// customer up by id (100,000 hash lookups cost more than the search itself). Codes are short
/// strings; an absent source is "".
#[derive(Debug)]
struct Facets {
    region: Box<str>,
    industry: Box<str>,
    size: Box<str>,
    business_type: Box<str>,
    source: Box<str>,
    grade: Box<str>,
    owner_id: Box<str>,
    tags: Box<[Box<str>]>,
    hot: bool,
    credit_limit_fen: Option<i64>,
}

impl Facets {
    fn of(c: &CustomerView) -> Facets {
        Facets {
            region: c.region.as_str().into(),
            industry: c.industry.as_str().into(),
            size: c.size.as_str().into(),
            business_type: c.business_type.as_str().into(),
            source: c.source.as_deref().unwrap_or("").into(),
            grade: c.grade.as_str().into(),
            owner_id: c.owner_id.as_str().into(),
            tags: c.tags.iter().map(|t| t.as_str().into()).collect(),
            hot: c.hot_reason.is_some(),
            credit_limit_fen: c.credit_limit_fen,
        }
    }
}

/// A search's answer: how many customers match, and the ids of the first `limit` in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub total: usize,
    pub ids: Vec<String>,
}

#[derive(Debug)]
struct IndexEntry {
    id: String,
    key: SearchKey,
    facets: Facets,
    /// The name's pinyin: entries are kept in this order, so the default list needs no sort.
    sort: String,
}

#[derive(Debug, Default)]
struct SearchIndex {
    built: bool,
    /// One entry per customer in view, ordered by (`sort`, `id`).
    entries: Vec<IndexEntry>,
    /// Customers whose key must be rebuilt before the next search.
    dirty: HashSet<String>,
    /// The last query and the entries it matched: a query that narrows it (one more letter
    /// typed) only looks at those. Cleared whenever an entry changes.
    last: Option<(Query, Vec<u32>)>,
}

/// The index behind a lock so that searching (a read of the replica) can refresh it.
#[derive(Debug, Default)]
struct IndexCell(Mutex<SearchIndex>);

impl Clone for IndexCell {
    fn clone(&self) -> Self {
        IndexCell::default()
    }
}

impl IndexCell {
    fn touch<'a>(&self, ids: impl IntoIterator<Item = &'a String>) {
        let mut index = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if index.built {
            index.dirty.extend(ids.into_iter().cloned());
        }
    }
}

/// The funnel's [`DealTable`] behind a lock, refreshed on read like the search index.
#[derive(Debug, Default)]
struct DealsCell(Mutex<DealsState>);

#[derive(Debug, Default)]
struct DealsState {
    table: Option<DealTable>,
    /// Deals whose row must be redone before the next read.
    dirty: HashSet<String>,
}

impl Clone for DealsCell {
    fn clone(&self) -> Self {
        DealsCell::default()
    }
}

impl DealsCell {
    fn touch<'a>(&self, ids: impl IntoIterator<Item = &'a String>) {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if state.table.is_some() {
            state.dirty.extend(ids.into_iter().cloned());
        }
    }

    fn reset(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = DealsState::default();
    }
}

#[derive(Debug, Clone, Default)]
pub struct Replica {
    owner: Owner,
    customers: HashMap<String, CustomerRecord>,
    /// Deal id → its customer's id.
    home: HashMap<String, String>,
    /// Contact id → its customer's id.
    contact_home: HashMap<String, String>,
    /// Order id → its customer's id.
    order_home: HashMap<String, String>,
    pending: Vec<Mutation>,
    /// Records as the pending mutations leave them.
    over_customers: HashMap<String, CustomerView>,
    over_deals: HashMap<String, OpportunityView>,
    /// `None`: deleted by a pending mutation.
    over_contacts: HashMap<String, Option<ContactView>>,
    /// Customers merged into another by a pending mutation: merged id → kept id.
    merged_into: HashMap<String, String>,
    /// Orders attributed to a promotion by a pending mutation: order id → plan id (`None`: to none).
    over_attribution: HashMap<String, Option<String>>,
    segments: Docs<SavedSegment>,
    promotions: Docs<SavedPlan>,
    index: IndexCell,
    deals: DealsCell,
    /// The company's lists as last pulled; empty (version 0) until the first pull brings them.
    catalog: Catalog,
}

/// Records the device keeps whole beside the customers (saved segments, promotion plans): as
/// pulled, and as the pending mutations leave them. One shape for each such entity, so adding
/// one is a field here, not another copy of the overlay logic.
#[derive(Debug, Clone)]
pub struct Docs<T> {
    base: BTreeMap<String, T>,
    /// `None`: deleted by a pending mutation.
    over: BTreeMap<String, Option<T>>,
}

impl<T> Default for Docs<T> {
    fn default() -> Self {
        Docs { base: BTreeMap::new(), over: BTreeMap::new() }
    }
}

impl<T> Docs<T> {
    /// As the pending mutations leave it.
    pub fn get(&self, id: &str) -> Option<&T> {
        match self.over.get(id) {
            Some(over) => over.as_ref(),
            None => self.base.get(id),
        }
    }

    /// Everything the user sees, pending changes applied (in id order).
    pub fn all(&self) -> impl Iterator<Item = &T> {
        self.base.iter().filter(|(id, _)| !self.over.contains_key(*id)).map(|(_, t)| t).chain(self.over.values().flatten())
    }

    /// As pulled (for the device's storage).
    pub fn stored(&self) -> impl Iterator<Item = &T> {
        self.base.values()
    }
}

impl Replica {
    pub fn new(owner: Owner) -> Replica {
        Replica { owner, ..Default::default() }
    }

    /// The replica as stored: base records plus the queue.
    pub fn load(owner: Owner, records: impl IntoIterator<Item = CustomerRecord>, pending: Vec<Mutation>) -> Replica {
        let mut r = Replica::new(owner);
        for record in records {
            for o in &record.opportunities {
                r.home.insert(o.id.clone(), record.customer.id.clone());
            }
            for c in &record.contacts {
                r.contact_home.insert(c.id.clone(), record.customer.id.clone());
            }
            for o in &record.orders {
                r.order_home.insert(o.id.clone(), record.customer.id.clone());
            }
            r.customers.insert(record.customer.id.clone(), record);
        }
        r.set_pending(pending);
        r
    }

    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    /// The saved segments as stored (for the device's storage).
    pub fn stored_segments(&self) -> impl Iterator<Item = &SavedSegment> {
        self.segments.stored()
    }

    /// The saved segments stored on the device (when it loads).
    pub fn set_segments(&mut self, list: Vec<SavedSegment>) {
        self.segments.base = list.into_iter().map(|s| (s.id.clone(), s)).collect();
        self.recompute();
    }

    /// The saved segments the user sees, pending saves and deletes applied, by name.
    pub fn segments(&self) -> Vec<&SavedSegment> {
        let mut list: Vec<&SavedSegment> = self.segments.all().collect();
        list.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        list
    }

    pub fn segment(&self, id: &str) -> Option<&SavedSegment> {
        self.segments.get(id)
    }

    /// The promotion plans as stored (for the device's storage).
    pub fn stored_promotions(&self) -> impl Iterator<Item = &SavedPlan> {
        self.promotions.stored()
    }

    /// The promotion plans stored on the device (when it loads).
    pub fn set_promotions(&mut self, list: Vec<SavedPlan>) {
        self.promotions.base = list.into_iter().map(|p| (p.id.clone(), p)).collect();
        self.recompute();
    }

    /// The promotion plans the user sees, pending changes applied: latest window first.
    pub fn promotions(&self) -> Vec<&SavedPlan> {
        let mut list: Vec<&SavedPlan> = self.promotions.all().collect();
        list.sort_by(|a, b| (b.draft.from, &a.draft.name, &a.id).cmp(&(a.draft.from, &b.draft.name, &b.id)));
        list
    }

    pub fn promotion(&self, id: &str) -> Option<&SavedPlan> {
        self.promotions.get(id)
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The catalogue as stored on the device.
    pub fn set_catalog(&mut self, catalog: Catalog) {
        self.catalog = catalog;
    }

    // -- reading the view ----------------------------------------------------------------------

    pub fn customer(&self, id: &str) -> Option<&CustomerView> {
        if self.merged_into.contains_key(id) {
            return None;
        }
        self.over_customers.get(id).or_else(|| self.customers.get(id).map(|r| &r.customer))
    }

    /// Every customer in view, in no particular order.
    pub fn customers(&self) -> impl Iterator<Item = &CustomerView> {
        let (over, merged) = (&self.over_customers, &self.merged_into);
        self.customers
            .values()
            .map(|r| &r.customer)
            .filter(move |c| !over.contains_key(&c.id))
            .chain(over.values())
            .filter(move |c| !merged.contains_key(&c.id))
    }

    pub fn customer_count(&self) -> usize {
        self.customers.len() + self.over_customers.keys().filter(|id| !self.customers.contains_key(*id)).count() - self.merged_into.len()
    }

    /// The customer and those merged into it by pending mutations: whose records it shows.
    fn merged_with<'a>(&'a self, customer_id: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        std::iter::once(customer_id).chain(self.merged_into.iter().filter(move |(_, keep)| *keep == customer_id).map(|(merged, _)| merged.as_str()))
    }

    pub fn opportunity(&self, id: &str) -> Option<&OpportunityView> {
        self.over_deals.get(id).or_else(|| self.home.get(id).and_then(|c| self.customers.get(c)).and_then(|r| r.opportunities.iter().find(|o| o.id == id)))
    }

    /// Every deal in view, in no particular order.
    pub fn opportunities(&self) -> impl Iterator<Item = &OpportunityView> {
        let over = &self.over_deals;
        // Most of the time nothing is pending: no lookup per deal then.
        let none = over.is_empty();
        let home = &self.home;
        self.customers
            .values()
            .flat_map(|r| r.opportunities.iter())
            .map(move |o| if none { o } else { over.get(&o.id).unwrap_or(o) })
            // Created on this device and not pulled yet.
            .chain(over.values().filter(move |o| !home.contains_key(&o.id)))
    }

    /// Runs `f` over the deals as the board and the analytics fold them: the table is built on
    /// first use (or when the pipelines' stages change), then only the rows of deals touched
    /// since the last read are redone.
    pub fn with_deals<R>(&self, f: impl FnOnce(&DealTable) -> R) -> R {
        let mut guard = self.deals.0.lock().unwrap_or_else(|e| e.into_inner());
        let DealsState { table, dirty } = &mut *guard;
        let pipelines = &self.catalog.pipelines;
        match table {
            Some(t) if t.fits(pipelines) => {
                for id in dirty.drain() {
                    match self.opportunity(&id) {
                        Some(d) => t.upsert(pipelines, d),
                        None => t.remove(&id),
                    }
                }
                t.settle();
            }
            _ => {
                *table = Some(DealTable::build(pipelines, self.opportunities()));
                dirty.clear();
            }
        }
        f(table.as_ref().expect("just built"))
    }

    pub fn opportunity_count(&self) -> usize {
        self.home.len() + self.over_deals.keys().filter(|id| !self.home.contains_key(*id)).count()
    }

    /// The deals of one customer, as the view shows them.
    pub fn opportunities_of(&self, customer_id: &str) -> Vec<&OpportunityView> {
        let over = &self.over_deals;
        let ids: Vec<&str> = self.merged_with(customer_id).collect();
        let mut out: Vec<&OpportunityView> =
            ids.iter().filter_map(|id| self.customers.get(*id)).flat_map(|r| r.opportunities.iter().map(|o| over.get(&o.id).unwrap_or(o))).collect();
        out.extend(over.values().filter(|o| ids.contains(&o.customer_id.as_str()) && !self.home.contains_key(&o.id)));
        out
    }

    pub fn contact(&self, id: &str) -> Option<&ContactView> {
        match self.over_contacts.get(id) {
            Some(over) => over.as_ref(),
            None => self.contact_home.get(id).and_then(|c| self.customers.get(c)).and_then(|r| r.contacts.iter().find(|x| x.id == id)),
        }
    }

    /// The contacts of one customer as the view shows them, by name.
    pub fn contacts_of(&self, customer_id: &str) -> Vec<&ContactView> {
        let ids: Vec<&str> = self.merged_with(customer_id).collect();
        let mut out: Vec<&ContactView> = ids
            .iter()
            .filter_map(|id| self.customers.get(*id))
            .flat_map(|r| r.contacts.iter())
            .filter_map(|c| match self.over_contacts.get(&c.id) {
                Some(over) => over.as_ref(),
                None => Some(c),
            })
            .collect();
        // Created on this device and not pulled yet.
        out.extend(self.over_contacts.values().flatten().filter(|c| ids.contains(&c.customer_id.as_str()) && !self.contact_home.contains_key(&c.id)));
        out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        out
    }

    /// The base record of a customer (for storage).
    pub fn record(&self, id: &str) -> Option<&CustomerRecord> {
        self.customers.get(id)
    }

    /// A customer's orders, oldest first (orders are read-only here: no overlay). A customer merged
    /// away by a pending mutation lends its orders to the one kept.
    pub fn orders_of<'a>(&'a self, customer_id: &'a str) -> impl Iterator<Item = &'a OrderView> + 'a {
        self.merged_with(customer_id).filter_map(|id| self.customers.get(id)).flat_map(|r| r.orders.iter())
    }

    /// Since when a customer works with the company: its record's start date, else its first
    /// (not cancelled) order (see [`super::grading::cooperation_since`]).
    /// Every order in view with the customer it counts for (the one kept, for a customer merged away
    /// by a pending mutation), in no particular order: one pass over the records, with no lookup
    /// per customer while nothing is pending (a director's collections read 50,000 customers).
    pub fn orders_with_customers(&self) -> impl Iterator<Item = (&CustomerView, &OrderView)> {
        let pending = !(self.merged_into.is_empty() && self.over_customers.is_empty());
        self.customers
            .values()
            .filter(|r| !r.orders.is_empty())
            .filter_map(move |r| {
                let customer = if pending { self.customer(self.merged_into.get(&r.customer.id).unwrap_or(&r.customer.id))? } else { &r.customer };
                Some(r.orders.iter().map(move |o| (customer, o)))
            })
            .flatten()
    }

    pub fn cooperation_since(&self, c: &CustomerView) -> Option<i32> {
        super::grading::cooperation_since(c, self.orders_of(&c.id).filter(|o| o.counts()).map(|o| o.day).min())
    }

    /// One order, as synced with its customer.
    pub fn order(&self, id: &str) -> Option<&OrderView> {
        self.customers.get(self.order_home.get(id)?)?.orders.iter().find(|o| o.id == id)
    }

    /// The promotion plan an order is attributed to, pending changes applied.
    pub fn attribution<'a>(&'a self, order: &'a OrderView) -> Option<&'a str> {
        match self.over_attribution.get(&order.id) {
            Some(over) => over.as_deref(),
            None => order.campaign_id.as_deref(),
        }
    }

    // -- searching -------------------------------------------------------------------------------

    /// The customers the filter admits, in its order; the ids of the first `limit`.
    pub fn search(&self, filter: &CustomerFilter, limit: usize) -> Found {
        let mut guard = self.index.0.lock().unwrap_or_else(|e| e.into_inner());
        let index = &mut *guard;
        self.refresh(index);
        let query = Query::parse(&filter.query);
        // The entries matching the query (in name order), narrowing the last search if possible.
        let matching: Vec<u32> = match &query {
            None => (0..index.entries.len() as u32).collect(),
            Some(q) => {
                let mut memo = Vec::new();
                let entries = &index.entries;
                let test = |i: &u32| q.matches(&entries[*i as usize].key, &mut memo);
                let hits: Vec<u32> = match &index.last {
                    Some((last, hits)) if q.narrows(last) => hits.iter().copied().filter(test).collect(),
                    _ => (0..entries.len() as u32).filter(test).collect(),
                };
                index.last = Some((q.clone(), hits.clone()));
                hits
            }
        };
        if !filter.filters() && filter.sort == SortBy::Name {
            let ids = matching.iter().take(limit).map(|&i| index.entries[i as usize].id.clone()).collect();
            return Found { total: matching.len(), ids };
        }
        let mut hits: Vec<&IndexEntry> = matching.iter().map(|&i| &index.entries[i as usize]).filter(|e| filter.admits(&e.facets)).collect();
        let total = hits.len();
        let by_name = |a: &&IndexEntry, b: &&IndexEntry| a.sort.cmp(&b.sort).then_with(|| a.id.cmp(&b.id));
        let order = |a: &&IndexEntry, b: &&IndexEntry| match filter.sort {
            SortBy::Name => by_name(a, b),
            SortBy::Grade => Grade::from_code(&a.facets.grade).cmp(&Grade::from_code(&b.facets.grade)).then_with(|| by_name(a, b)),
            SortBy::CreditLimit => b.facets.credit_limit_fen.cmp(&a.facets.credit_limit_fen).then_with(|| by_name(a, b)),
        };
        if filter.sort != SortBy::Name {
            if hits.len() > limit && limit > 0 {
                hits.select_nth_unstable_by(limit - 1, order);
            }
            hits.truncate(limit);
            hits.sort_unstable_by(order);
        }
        let ids = hits.into_iter().take(limit).map(|e| e.id.clone()).collect();
        Found { total, ids }
    }

    /// Builds the index on first use, then rebuilds the keys of touched customers.
    fn refresh(&self, index: &mut SearchIndex) {
        if index.built && index.dirty.is_empty() {
            return;
        }
        if !index.built {
            index.entries = self.customers().map(|c| self.index_entry(c)).collect();
            index.built = true;
        } else {
            let dirty = std::mem::take(&mut index.dirty);
            index.entries.retain(|e| !dirty.contains(&e.id));
            index.entries.extend(dirty.iter().filter_map(|id| self.customer(id)).map(|c| self.index_entry(c)));
        }
        index.dirty.clear();
        index.last = None;
        // A stable sort: linear on the already ordered runs an update leaves.
        index.entries.sort_by(|a, b| a.sort.cmp(&b.sort).then_with(|| a.id.cmp(&b.id)));
    }

    fn index_entry(&self, c: &CustomerView) -> IndexEntry {
        let (key, sort) = self.search_key(c);
        IndexEntry { id: c.id.clone(), key, sort, facets: Facets::of(c) }
    }

    fn search_key(&self, c: &CustomerView) -> (SearchKey, String) {
        let contacts = self.contacts_of(&c.id);
        let names = [c.name.as_str(), c.short_name.as_deref().unwrap_or(""), c.name_en.as_deref().unwrap_or("")]
            .into_iter()
            .chain(contacts.iter().map(|x| x.name.as_str()));
        let phones = c.phone.iter().chain(contacts.iter().filter_map(|x| x.phone.as_ref())).map(String::as_str);
        (SearchKey::new(names, c.tags.iter().map(String::as_str), phones), pinyin_sort_key(&c.name))
    }

    /// Customers in view that look like `probe`, those with the most reasons first (at most
    /// `limit`); `except` is the customer being edited.
    pub fn likely_duplicates(&self, probe: &Probe, except: Option<&str>, limit: usize) -> Vec<(String, Vec<DuplicateReason>)> {
        let mut found: Vec<(String, Vec<DuplicateReason>)> = self
            .customers()
            .filter(|c| Some(c.id.as_str()) != except)
            .filter_map(|c| {
                let contacts = self.contacts_of(&c.id);
                let phones = c.phone.iter().chain(contacts.iter().filter_map(|x| x.phone.as_ref())).map(String::as_str);
                let emails = contacts.iter().filter_map(|x| x.email.as_deref());
                let reasons = probe.reasons(&Probe::new(&c.name, phones, emails, c.credit_code.as_deref()));
                (!reasons.is_empty()).then(|| (c.id.clone(), reasons))
            })
            .collect();
        found.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.1.cmp(&b.1)).then_with(|| a.0.cmp(&b.0)));
        found.truncate(limit);
        found
    }

    // -- pending mutations ---------------------------------------------------------------------

    pub fn pending(&self) -> &[Mutation] {
        &self.pending
    }

    /// Adds a mutation the user just made; it shows at once.
    pub fn push_pending(&mut self, m: Mutation) {
        self.pending.push(m);
        self.recompute();
    }

    /// Replaces the pending queue (e.g. as read back from storage).
    pub fn set_pending(&mut self, mut pending: Vec<Mutation>) {
        pending.sort_by_key(|m| m.seq);
        self.pending = pending;
        self.recompute();
    }

    /// Drops mutations the server has answered for and whose effect a pull has brought (or that
    /// it refused): the view falls back to the server's state for them.
    pub fn drop_pending(&mut self, seqs: &BTreeSet<u64>) {
        if seqs.is_empty() {
            return;
        }
        self.pending.retain(|m| !seqs.contains(&m.seq));
        self.recompute();
    }

    /// The update a form's changes amount to, each field with the value the user saw as its
    /// original; `None` when nothing changed or the customer is not in view.
    pub fn customer_edit(&self, id: &str, changes: &[(CustomerField, String)]) -> Option<Op> {
        let current = self.customer(id)?;
        let edits = edits(changes, |f| field_value(current, f));
        (!edits.is_empty()).then(|| Op::UpdateCustomer { id: id.to_string(), edits })
    }

    /// Like [`Replica::customer_edit`], for a deal.
    pub fn deal_edit(&self, id: &str, changes: &[(DealField, String)]) -> Option<Op> {
        let current = self.opportunity(id)?;
        let edits = edits(changes, |f| deal_value(current, f));
        (!edits.is_empty()).then(|| Op::UpdateOpportunity { id: id.to_string(), edits })
    }

    /// Like [`Replica::customer_edit`], for a contact.
    pub fn contact_edit(&self, id: &str, changes: &[(ContactField, String)]) -> Option<Op> {
        let current = self.contact(id)?;
        let edits = edits(changes, |f| contact_value(current, f));
        (!edits.is_empty()).then(|| Op::UpdateContact { id: id.to_string(), edits })
    }

    // -- applying a pull -------------------------------------------------------------------------

    /// Applies one pull page to the base and rebases the pending mutations on it.
    pub fn apply_page(&mut self, page: &PullPage) -> Touched {
        let mut touched = Touched { reset: page.reset, ..Default::default() };
        if let Some(catalog) = &page.catalog {
            self.catalog = catalog.clone();
            touched.catalog = true;
        }
        // Deals whose funnel row must be redone.
        let mut deals: Vec<String> = page.opportunities.iter().map(|o| o.id.clone()).collect();
        if page.reset {
            self.deals.reset();
            touched.removed.extend(self.customers.keys().cloned());
            self.customers.clear();
            self.home.clear();
            self.contact_home.clear();
            self.order_home.clear();
            self.segments.base.clear();
            self.promotions.base.clear();
            touched.segments = true;
            touched.promotions = true;
        }
        for x in &page.segments {
            self.segments.base.insert(x.id.clone(), x.clone());
            touched.segments = true;
        }
        for x in &page.promotions {
            self.promotions.base.insert(x.id.clone(), x.clone());
            touched.promotions = true;
        }
        for c in &page.customers {
            touched.removed.remove(&c.id);
            touched.upserted.insert(c.id.clone());
            match self.customers.entry(c.id.clone()) {
                Entry::Occupied(mut known) => {
                    let record = known.get_mut();
                    record.customer = c.clone();
                    // A customer in a page comes with all its deals and contacts: those not
                    // listed are gone.
                    for o in record.opportunities.drain(..) {
                        self.home.remove(&o.id);
                        deals.push(o.id);
                    }
                    for x in record.contacts.drain(..) {
                        self.contact_home.remove(&x.id);
                    }
                    for x in record.orders.drain(..) {
                        self.order_home.remove(&x.id);
                    }
                }
                Entry::Vacant(new) => {
                    new.insert(CustomerRecord { customer: c.clone(), opportunities: Vec::new(), contacts: Vec::new(), orders: Vec::new() });
                }
            }
        }
        for o in &page.opportunities {
            if let Some(old_home) = self.home.get(&o.id).cloned() {
                if let Some(r) = self.customers.get_mut(&old_home) {
                    r.opportunities.retain(|x| x.id != o.id);
                }
                touched.upserted.insert(old_home);
            }
            if let Some(r) = self.customers.get_mut(&o.customer_id) {
                r.opportunities.push(o.clone());
                self.home.insert(o.id.clone(), o.customer_id.clone());
                touched.upserted.insert(o.customer_id.clone());
            }
        }
        for x in &page.contacts {
            if let Some(old_home) = self.contact_home.get(&x.id).cloned() {
                if let Some(r) = self.customers.get_mut(&old_home) {
                    r.contacts.retain(|y| y.id != x.id);
                }
                touched.upserted.insert(old_home);
            }
            if let Some(r) = self.customers.get_mut(&x.customer_id) {
                r.contacts.push(x.clone());
                self.contact_home.insert(x.id.clone(), x.customer_id.clone());
                touched.upserted.insert(x.customer_id.clone());
            }
        }
        for x in &page.orders {
            if let Some(old_home) = self.order_home.get(&x.id).cloned() {
                if let Some(r) = self.customers.get_mut(&old_home) {
                    r.orders.retain(|y| y.id != x.id);
                }
                touched.upserted.insert(old_home);
            }
            if let Some(r) = self.customers.get_mut(&x.customer_id) {
                r.orders.push(x.clone());
                self.order_home.insert(x.id.clone(), x.customer_id.clone());
                touched.upserted.insert(x.customer_id.clone());
            }
        }
        for gone in &page.removed {
            match Entity::from_code(&gone.entity) {
                Some(Entity::Customer) => {
                    if let Some(r) = self.customers.remove(&gone.id) {
                        for o in r.opportunities {
                            self.home.remove(&o.id);
                            deals.push(o.id);
                        }
                        for x in r.contacts {
                            self.contact_home.remove(&x.id);
                        }
                        for x in r.orders {
                            self.order_home.remove(&x.id);
                        }
                        touched.upserted.remove(&gone.id);
                        touched.removed.insert(gone.id.clone());
                    }
                }
                Some(Entity::Contact) => {
                    if let Some(home) = self.contact_home.remove(&gone.id) {
                        if let Some(r) = self.customers.get_mut(&home) {
                            r.contacts.retain(|x| x.id != gone.id);
                            touched.upserted.insert(home);
                        }
                    }
                }
                Some(Entity::Segment) => {
                    touched.segments |= self.segments.base.remove(&gone.id).is_some();
                }
                Some(Entity::Promotion) => {
                    touched.promotions |= self.promotions.base.remove(&gone.id).is_some();
                }
                Some(Entity::Order) => {
                    if let Some(home) = self.order_home.remove(&gone.id) {
                        if let Some(r) = self.customers.get_mut(&home) {
                            r.orders.retain(|x| x.id != gone.id);
                            touched.upserted.insert(home);
                        }
                    }
                }
                Some(Entity::Opportunity) => {
                    deals.push(gone.id.clone());
                    if let Some(home) = self.home.remove(&gone.id) {
                        if let Some(r) = self.customers.get_mut(&home) {
                            r.opportunities.retain(|x| x.id != gone.id);
                            touched.upserted.insert(home);
                        }
                    }
                }
                // The lists travel by version; a kind this build does not know is not on it.
                Some(Entity::Catalog) | None => {}
            }
        }
        for id in &touched.upserted {
            if let Some(r) = self.customers.get_mut(id) {
                r.opportunities.sort_by(|a, b| a.id.cmp(&b.id));
                r.contacts.sort_by(|a, b| a.id.cmp(&b.id));
                r.orders.sort_by(|a, b| (a.day, &a.id).cmp(&(b.day, &b.id)));
            }
        }
        self.index.touch(touched.upserted.iter().chain(&touched.removed));
        self.deals.touch(&deals);
        self.recompute();
        touched
    }

    /// The customers whose view the overlay changes (their own fields or their contacts).
    fn overlaid(&self) -> Vec<String> {
        let contacts =
            self.over_contacts.iter().filter_map(|(id, over)| self.contact_home.get(id).cloned().or_else(|| over.as_ref().map(|c| c.customer_id.clone())));
        let merges = self.merged_into.iter().flat_map(|(a, b)| [a.clone(), b.clone()]);
        self.over_customers.keys().cloned().chain(contacts).chain(merges).collect()
    }

    /// Recomputes the overlay: base records with every pending mutation applied in order.
    fn recompute(&mut self) {
        let before = self.overlaid();
        self.deals.touch(self.over_deals.keys());
        self.over_customers.clear();
        self.over_deals.clear();
        self.over_contacts.clear();
        self.merged_into.clear();
        self.segments.over.clear();
        self.promotions.over.clear();
        self.over_attribution.clear();
        for i in 0..self.pending.len() {
            match &self.pending[i].op {
                Op::CreateCustomer(c) => {
                    // A create the server already applied comes back in the base; until then the
                    // device's own copy stands in for it.
                    if self.customers.contains_key(&c.id) {
                        continue;
                    }
                    let mut view = CustomerView {
                        id: c.id.clone(),
                        name: c.name.trim().to_string(),
                        name_en: None,
                        kind: c.kind.clone(),
                        region: c.region.clone(),
                        city: c.city.trim().to_string(),
                        industry: c.industry.clone(),
                        size: c.size.clone(),
                        business_type: c.business_type.clone(),
                        grade: "D".into(),
                        owner_id: self.owner.id.clone(),
                        owner_name: self.owner.name.clone(),
                        phone: c.phone.clone(),
                        id_number: None,
                        bank_account: None,
                        version: 0,
                        ..Default::default()
                    };
                    for (field, value) in &c.details {
                        set_field(&mut view, *field, Some(value.clone()));
                    }
                    self.over_customers.insert(c.id.clone(), view);
                }
                Op::UpdateCustomer { id, edits } => {
                    let Some(mut view) = self.customer(id).cloned() else { continue };
                    for e in edits {
                        set_field(&mut view, e.field, e.value.clone());
                    }
                    self.over_customers.insert(id.clone(), view);
                }
                Op::MoveOpportunity { id, to, rank, lost_reason, lost_to, .. } => {
                    // As the server will apply it (`server/src/http/sync/apply.rs`).
                    let Some(mut deal) = self.opportunity(id).cloned() else { continue };
                    let at = self.pending[i].at_ms;
                    if deal.stage != *to {
                        deal.path = super::pipeline::extend_path(&deal.path, to, super::funnel::day_of_ms(at));
                        deal.stage = to.clone();
                        deal.stage_entered_at = at;
                        deal.touched_at = at;
                        deal.lost_reason = lost_reason.clone();
                        deal.lost_to = lost_to.as_deref().map(|w| w.trim().to_string());
                    }
                    if rank.is_some() {
                        deal.rank = rank.clone();
                    }
                    self.over_deals.insert(id.clone(), deal);
                }
                Op::CreateOpportunity(o) => {
                    if self.home.contains_key(&o.id) || self.customer(&o.customer_id).is_none() {
                        continue;
                    }
                    let Some(first) = self.catalog.pipeline(&o.pipeline).and_then(|p| p.stages.first()) else { continue };
                    let view = o.view(&self.owner.id, &first.code, self.pending[i].at_ms);
                    self.over_deals.insert(o.id.clone(), view);
                }
                Op::UpdateOpportunity { id, edits } => {
                    let Some(mut deal) = self.opportunity(id).cloned() else { continue };
                    for e in edits {
                        set_deal_field(&mut deal, e.field, e.value.clone());
                    }
                    deal.touched_at = deal.touched_at.max(self.pending[i].at_ms);
                    self.over_deals.insert(id.clone(), deal);
                }
                Op::ReassignCustomer { id, to } => {
                    // As the server will apply it: the customer and the open deals its old owner held.
                    let Some(mut view) = self.customer(id).cloned() else { continue };
                    let old = std::mem::replace(&mut view.owner_id, to.clone());
                    if let Some(name) = self.catalog.person_name(to) {
                        view.owner_name = name.to_string();
                    }
                    let open: Vec<OpportunityView> = self
                        .opportunities_of(id)
                        .into_iter()
                        .filter(|d| d.owner_id == old && d.stage != super::pipeline::WON && d.stage != super::pipeline::LOST)
                        .cloned()
                        .collect();
                    for mut deal in open {
                        deal.owner_id = to.clone();
                        self.over_deals.insert(deal.id.clone(), deal);
                    }
                    self.over_customers.insert(id.clone(), view);
                }
                Op::ReassignOpportunity { id, to } => {
                    let Some(mut deal) = self.opportunity(id).cloned() else { continue };
                    deal.owner_id = to.clone();
                    self.over_deals.insert(id.clone(), deal);
                }
                Op::TickCriterion { id, stage, code, ticked } => {
                    let Some(mut deal) = self.opportunity(id).cloned() else { continue };
                    deal.criteria = super::pipeline::tick(&deal.criteria, stage, code, *ticked);
                    self.over_deals.insert(id.clone(), deal);
                }
                Op::CreateContact(c) => {
                    if self.contact_home.contains_key(&c.id) || self.customer(&c.customer_id).is_none() {
                        continue;
                    }
                    let mut view =
                        ContactView { id: c.id.clone(), customer_id: c.customer_id.clone(), name: c.name.trim().to_string(), version: 0, ..Default::default() };
                    for (field, value) in &c.details {
                        set_contact_field(&mut view, *field, Some(value.clone()));
                    }
                    self.over_contacts.insert(c.id.clone(), Some(view));
                }
                Op::UpdateContact { id, edits } => {
                    let Some(mut view) = self.contact(id).cloned() else { continue };
                    for e in edits {
                        set_contact_field(&mut view, e.field, e.value.clone());
                    }
                    self.over_contacts.insert(id.clone(), Some(view));
                }
                Op::DeleteContact { id } => {
                    if self.contact(id).is_some() {
                        self.over_contacts.insert(id.clone(), None);
                    }
                }
                Op::SaveSegment { id, name, rule, period_days, shared } => {
                    // A new one is the user's; a change keeps who owns it (the server refuses a
                    // change by anyone else).
                    let known = self.segment(id).cloned();
                    let view = SavedSegment {
                        id: id.clone(),
                        owner_id: known.as_ref().map_or_else(|| self.owner.id.clone(), |k| k.owner_id.clone()),
                        owner_name: known.as_ref().map_or_else(|| self.owner.name.clone(), |k| k.owner_name.clone()),
                        name: name.trim().to_string(),
                        rule: rule.clone(),
                        period_days: *period_days,
                        shared: *shared,
                        version: known.map_or(0, |k| k.version),
                    };
                    self.segments.over.insert(id.clone(), Some(view));
                }
                Op::DeleteSegment { id } => {
                    if self.segment(id).is_some() {
                        self.segments.over.insert(id.clone(), None);
                    }
                }
                Op::SavePromotion { id, draft } => {
                    // Like a segment: a new plan is the user's; saving makes it a draft again.
                    let known = self.promotion(id).cloned();
                    let view = SavedPlan {
                        id: id.clone(),
                        owner_id: known.as_ref().map_or_else(|| self.owner.id.clone(), |k| k.owner_id.clone()),
                        owner_name: known.as_ref().map_or_else(|| self.owner.name.clone(), |k| k.owner_name.clone()),
                        draft: Draft { name: draft.name.trim().to_string(), ..draft.clone() },
                        status: PlanStatus::Draft,
                        decided_by: None,
                        note: None,
                        version: known.map_or(0, |k| k.version),
                    };
                    self.promotions.over.insert(id.clone(), Some(view));
                }
                Op::SubmitPromotion { id } => {
                    let Some(mut plan) = self.promotion(id).cloned() else { continue };
                    if plan.status.editable() {
                        plan.status = PlanStatus::Submitted;
                        plan.note = None;
                        self.promotions.over.insert(id.clone(), Some(plan));
                    }
                }
                Op::DecidePromotion { id, approve, note } => {
                    let Some(mut plan) = self.promotion(id).cloned() else { continue };
                    if plan.status == PlanStatus::Submitted {
                        plan.status = if *approve { PlanStatus::Approved } else { PlanStatus::Rejected };
                        plan.decided_by = Some(self.owner.name.clone());
                        plan.note = Some(note.trim().to_string()).filter(|n| !n.is_empty());
                        self.promotions.over.insert(id.clone(), Some(plan));
                    }
                }
                Op::DeletePromotion { id } => {
                    if self.promotion(id).is_some() {
                        self.promotions.over.insert(id.clone(), None);
                    }
                }
                Op::AttributeOrder { id, plan } => {
                    if self.order_home.contains_key(id) {
                        self.over_attribution.insert(id.clone(), plan.clone());
                    }
                }
                Op::MergeCustomers { keep, merged } => {
                    // Both must be in view; once the server has merged them a pull removes
                    // `merged` from the base and this is a no-op.
                    if self.customer(keep).is_some() && self.customer(merged).is_some() {
                        // Customers merged earlier into `merged` now show under `keep`.
                        for target in self.merged_into.values_mut().filter(|t| *t == merged) {
                            *target = keep.clone();
                        }
                        self.merged_into.insert(merged.clone(), keep.clone());
                    }
                }
            }
        }
        let after = self.overlaid();
        self.index.touch(before.iter().chain(&after));
        self.deals.touch(self.over_deals.keys());
    }
}

/// The edits a form's typed values amount to against the current values.
fn edits<F: Field>(changes: &[(F, String)], current: impl Fn(F) -> Option<String>) -> Vec<FieldEdit<F>> {
    changes
        .iter()
        .filter_map(|(field, typed)| {
            let original = current(*field);
            let value = field.canonical(typed);
            (original != value).then_some(FieldEdit { field: *field, original, value })
        })
        .collect()
}

/// A customer's value for an editable field, as the sync protocol carries it.
pub fn field_value(c: &CustomerView, field: CustomerField) -> Option<String> {
    use CustomerField as F;
    match field {
        F::Name => Some(c.name.clone()),
        F::City => Some(c.city.clone()),
        F::Industry => Some(c.industry.clone()),
        F::Size => Some(c.size.clone()),
        F::BusinessType => Some(c.business_type.clone()),
        F::Phone => c.phone.clone(),
        F::ShortName => c.short_name.clone(),
        F::Address => c.address.clone(),
        F::Source => c.source.clone(),
        F::Tags => (!c.tags.is_empty()).then(|| c.tags.join(",")),
        F::CooperationSince => c.cooperation_since.clone(),
        F::CreditLimit => c.credit_limit_fen.map(|f| f.to_string()),
        F::Satisfaction => c.satisfaction.clone(),
        F::CreditCode => c.credit_code.clone(),
        F::HotReason => c.hot_reason.clone(),
    }
}

/// Sets a field from its protocol value (the inverse of [`field_value`]).
pub fn set_field(c: &mut CustomerView, field: CustomerField, value: Option<String>) {
    use CustomerField as F;
    let text = |v: Option<String>| v.map(|v| v.trim().to_string()).unwrap_or_default();
    match field {
        F::Name => c.name = text(value),
        F::City => c.city = text(value),
        F::Industry => c.industry = text(value),
        F::Size => c.size = text(value),
        F::BusinessType => c.business_type = text(value),
        F::Phone => c.phone = value,
        F::ShortName => c.short_name = value,
        F::Address => c.address = value,
        F::Source => c.source = value,
        F::Tags => c.tags = value.map(|v| v.split(',').map(str::to_string).collect()).unwrap_or_default(),
        F::CooperationSince => c.cooperation_since = value,
        F::CreditLimit => c.credit_limit_fen = value.and_then(|v| v.parse().ok()),
        F::Satisfaction => c.satisfaction = value,
        F::CreditCode => c.credit_code = value,
        F::HotReason => c.hot_reason = value,
    }
}

/// A contact's value for a field, as the sync protocol carries it.
pub fn contact_value(c: &ContactView, field: ContactField) -> Option<String> {
    match field {
        ContactField::Name => Some(c.name.clone()),
        ContactField::Title => c.title.clone(),
        ContactField::Role => c.role.clone(),
        ContactField::Phone => c.phone.clone(),
        ContactField::Email => c.email.clone(),
        ContactField::Wechat => c.wechat.clone(),
        ContactField::Birthday => c.birthday.clone(),
        ContactField::Notes => c.notes.clone(),
    }
}

pub fn set_contact_field(c: &mut ContactView, field: ContactField, value: Option<String>) {
    match field {
        ContactField::Name => c.name = value.unwrap_or_default(),
        ContactField::Title => c.title = value,
        ContactField::Role => c.role = value,
        ContactField::Phone => c.phone = value,
        ContactField::Email => c.email = value,
        ContactField::Wechat => c.wechat = value,
        ContactField::Birthday => c.birthday = value,
        ContactField::Notes => c.notes = value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Catalog;
    use crate::domain::sync::{FieldEdit, NewCustomer, Removed};

    fn id(n: u8) -> String {
        format!("00000000-0000-4000-8000-0000000000{n:02}")
    }

    fn customer(n: u8, name: &str) -> CustomerView {
        CustomerView {
            id: id(n),
            name: name.into(),
            name_en: None,
            kind: "company".into(),
            region: "east".into(),
            city: "杭州".into(),
            industry: "retail".into(),
            size: "small".into(),
            business_type: "end_user".into(),
            grade: "B".into(),
            owner_id: "u1".into(),
            owner_name: "王芳".into(),
            phone: Some("13812345678".into()),
            id_number: None,
            bank_account: None,
            version: 1,
            ..Default::default()
        }
    }

    fn deal(n: u8, customer: u8, stage: &str) -> OpportunityView {
        OpportunityView {
            id: id(n),
            customer_id: id(customer),
            owner_id: "u1".into(),
            title: format!("deal {n}"),
            pipeline: "project".into(),
            stage: stage.into(),
            amount_fen: 10_000,
            expected_close: "2026-12-31".into(),
            version: 1,
            ..Default::default()
        }
    }

    fn owner() -> Owner {
        Owner { id: "u1".into(), name: "王芳".into() }
    }

    fn page(customers: Vec<CustomerView>, opportunities: Vec<OpportunityView>, removed: Vec<(&str, String)>) -> PullPage {
        PullPage {
            cursor: "c.1.1".into(),
            reset: false,
            more: false,
            customers,
            opportunities,
            contacts: Vec::new(),
            orders: Vec::new(),
            segments: Vec::new(),
            promotions: Vec::new(),
            removed: removed.into_iter().map(|(e, id)| Removed { entity: e.into(), id }).collect(),
            catalog: None,
        }
    }

    #[test]
    fn a_page_may_bring_the_lists_and_they_stay_until_the_next_ones() {
        let mut r = Replica::new(owner());
        assert_eq!(r.catalog().version, 0, "none before the first pull");
        let mut first = page(vec![customer(1, "甲")], vec![], vec![]);
        first.catalog = Some(Catalog { version: 4, ..Catalog::starter() });
        assert!(r.apply_page(&first).catalog);
        assert_eq!(r.catalog().version, 4);
        let later = page(vec![customer(2, "乙")], vec![], vec![]);
        assert!(!r.apply_page(&later).catalog);
        assert_eq!(r.catalog().version, 4);
        assert_eq!(r.catalog().label(crate::domain::catalog::List::Source, "exhibition", false), "展会");
    }

    fn mutation(seq: u64, op: Op) -> Mutation {
        Mutation { seq, at_ms: 0, op }
    }

    fn rename(n: u8, from: &str, to: &str) -> Op {
        Op::UpdateCustomer { id: id(n), edits: vec![FieldEdit { field: CustomerField::Name, original: Some(from.into()), value: Some(to.into()) }] }
    }

    #[test]
    fn a_page_fills_the_base_and_says_what_to_store() {
        let mut r = Replica::new(owner());
        let t = r.apply_page(&PullPage {
            reset: true,
            ..page(vec![customer(1, "甲"), customer(2, "乙")], vec![deal(10, 1, "proposal"), deal(11, 2, "negotiation")], vec![])
        });
        assert_eq!(t.upserted, [id(1), id(2)].into_iter().collect());
        assert!(t.reset);
        assert_eq!((r.customer_count(), r.opportunity_count()), (2, 2));
        assert_eq!(r.opportunities_of(&id(1)).len(), 1);
        // A deal changed on its own is stored through its customer's record.
        let t = r.apply_page(&page(vec![], vec![deal(10, 1, "negotiation")], vec![]));
        assert_eq!(t.upserted, [id(1)].into_iter().collect());
        assert_eq!(r.opportunity(&id(10)).unwrap().stage, "negotiation");
        // A customer that left the view takes its deals along.
        let t = r.apply_page(&page(vec![], vec![], vec![("opportunity", id(11)), ("customer", id(2))]));
        assert_eq!(t.removed, [id(2)].into_iter().collect());
        assert_eq!((r.customer_count(), r.opportunity_count()), (1, 1));
        assert!(r.customer(&id(2)).is_none() && r.opportunity(&id(11)).is_none());
        // A customer sent again comes with all its deals: one not listed is gone.
        r.apply_page(&page(vec![customer(1, "甲")], vec![], vec![]));
        assert_eq!(r.opportunity_count(), 0);
        // A reset empties what is not in the page.
        let t = r.apply_page(&PullPage { reset: true, ..page(vec![customer(3, "丙")], vec![], vec![]) });
        assert_eq!(t.removed, [id(1)].into_iter().collect());
        assert_eq!(r.customers().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["丙"]);
    }

    #[test]
    fn pending_mutations_show_at_once_and_stay_on_top_of_newer_server_state() {
        let mut r = Replica::load(
            owner(),
            [CustomerRecord { customer: customer(1, "甲"), opportunities: vec![deal(10, 1, "proposal")], contacts: vec![], orders: vec![] }],
            vec![],
        );
        let created = NewCustomer {
            id: id(5),
            name: " 新客户 ".into(),
            kind: "company".into(),
            region: "east".into(),
            city: "宁波".into(),
            industry: "retail".into(),
            size: "micro".into(),
            business_type: "retailer".into(),
            phone: None,
            details: Default::default(),
        };
        r.push_pending(mutation(1, Op::CreateCustomer(created)));
        r.push_pending(mutation(2, rename(1, "甲", "甲方")));
        r.push_pending(mutation(
            3,
            Op::MoveOpportunity { id: id(10), from: "proposal".into(), to: "negotiation".into(), rank: None, lost_reason: None, lost_to: None },
        ));
        assert_eq!(r.customer(&id(5)).map(|c| (c.name.as_str(), c.owner_name.as_str())), Some(("新客户", "王芳")));
        assert_eq!(r.customer(&id(1)).unwrap().name, "甲方");
        assert_eq!(r.opportunity(&id(10)).unwrap().stage, "negotiation");
        assert_eq!(r.opportunities_of(&id(1))[0].stage, "negotiation");
        assert_eq!(r.customer_count(), 2);
        assert_eq!(r.customers().count(), 2);
        // The server changed the city meanwhile: the pending rename stays on top of it.
        let mut newer = customer(1, "甲");
        newer.city = "上海".into();
        newer.version = 2;
        r.apply_page(&page(vec![newer], vec![deal(10, 1, "proposal")], vec![]));
        let c = r.customer(&id(1)).unwrap();
        assert_eq!((c.name.as_str(), c.city.as_str(), c.version), ("甲方", "上海", 2));
        assert_eq!(r.opportunity(&id(10)).unwrap().stage, "negotiation");
        // Once the server has them and a pull brought their effect, dropping them changes nothing.
        let mut applied = customer(1, "甲方");
        applied.city = "上海".into();
        r.apply_page(&page(vec![applied], vec![deal(10, 1, "negotiation")], vec![]));
        r.drop_pending(&[2, 3].into_iter().collect());
        assert_eq!(r.customer(&id(1)).unwrap().name, "甲方");
        assert_eq!(r.opportunity(&id(10)).unwrap().stage, "negotiation");
        // A refused create disappears from the view when dropped.
        r.drop_pending(&[1].into_iter().collect());
        assert!(r.customer(&id(5)).is_none());
        assert!(r.pending().is_empty());
    }

    #[test]
    fn a_deal_created_offline_is_on_the_board_at_once_and_edits_stack_on_it() {
        use crate::domain::deal::{DealField, NewOpportunity};
        let mut r = Replica::load(
            owner(),
            [CustomerRecord { customer: customer(1, "甲"), opportunities: vec![deal(10, 1, "proposal")], contacts: vec![], orders: vec![] }],
            vec![],
        );
        r.set_catalog(Catalog { pipelines: vec![crate::domain::pipeline::PipelineConfig::starter()], ..Default::default() });
        let new = NewOpportunity {
            id: id(11),
            customer_id: id(1),
            pipeline: "project".into(),
            title: "新项目".into(),
            amount_fen: 100,
            expected_close: "2026-12-01".into(),
            source: "referral".into(),
            details: Default::default(),
        };
        r.push_pending(mutation(1, Op::CreateOpportunity(new.clone())));
        assert_eq!(r.opportunity_count(), 2);
        assert_eq!(r.opportunities().count(), 2);
        assert_eq!(r.opportunities_of(&id(1)).len(), 2);
        let d = r.opportunity(&id(11)).unwrap();
        assert_eq!((d.stage.as_str(), d.owner_id.as_str()), ("initial_contact", owner().id.as_str()));
        let edit = r.deal_edit(&id(11), &[(DealField::Title, "新项目".into()), (DealField::Competitors, "乙， 丙".into())]).unwrap();
        assert_eq!(
            edit,
            Op::UpdateOpportunity {
                id: id(11),
                edits: vec![crate::domain::sync::FieldEdit { field: DealField::Competitors, original: None, value: Some("乙,丙".into()) }]
            }
        );
        r.push_pending(mutation(2, edit));
        assert_eq!(r.opportunity(&id(11)).unwrap().competitors, "乙,丙");
        // A create for a pipeline the device does not know shows nothing rather than guessing.
        r.push_pending(mutation(3, Op::CreateOpportunity(NewOpportunity { id: id(12), pipeline: "gone".into(), ..new })));
        assert!(r.opportunity(&id(12)).is_none());
        // Once pulled, the base copy stands and the created one is not counted twice.
        let mut pulled = deal(11, 1, "initial_contact");
        pulled.competitors = "乙,丙".into();
        r.apply_page(&page(vec![customer(1, "甲")], vec![deal(10, 1, "proposal"), pulled], vec![]));
        r.drop_pending(&[1, 2, 3].into_iter().collect());
        assert_eq!((r.opportunity_count(), r.opportunities().count()), (2, 2));
    }

    #[test]
    fn an_edit_records_what_the_user_saw_and_skips_unchanged_fields() {
        let r = Replica::load(owner(), [CustomerRecord { customer: customer(1, "甲"), opportunities: vec![], contacts: vec![], orders: vec![] }], vec![]);
        let op = r.customer_edit(&id(1), &[(CustomerField::Name, "甲".into()), (CustomerField::City, " 上海 ".into()), (CustomerField::Phone, "".into())]);
        assert_eq!(
            op,
            Some(Op::UpdateCustomer {
                id: id(1),
                edits: vec![
                    FieldEdit { field: CustomerField::City, original: Some("杭州".into()), value: Some("上海".into()) },
                    FieldEdit { field: CustomerField::Phone, original: Some("13812345678".into()), value: None },
                ]
            })
        );
        assert_eq!(r.customer_edit(&id(1), &[(CustomerField::Name, "甲".into())]), None);
        assert_eq!(r.customer_edit(&id(9), &[(CustomerField::Name, "x".into())]), None);
    }

    #[test]
    fn edits_to_a_record_that_left_the_view_show_nothing() {
        let mut r = Replica::load(
            owner(),
            [CustomerRecord { customer: customer(1, "甲"), opportunities: vec![], contacts: vec![], orders: vec![] }],
            vec![mutation(1, rename(1, "甲", "甲方"))],
        );
        assert_eq!(r.customer(&id(1)).unwrap().name, "甲方");
        r.apply_page(&page(vec![], vec![], vec![("customer", id(1))]));
        assert!(r.customer(&id(1)).is_none());
        assert_eq!(r.customers().count(), 0);
        // Still queued: the server will say why it refuses it.
        assert_eq!(r.pending().len(), 1);
    }

    fn contact(n: u8, customer: u8, name: &str, phone: &str) -> ContactView {
        ContactView { id: id(n), customer_id: id(customer), name: name.into(), phone: Some(phone.into()), version: 1, ..Default::default() }
    }

    fn order(n: u8, customer: u8, date: &str) -> OrderView {
        OrderView {
            id: id(n),
            customer_id: id(customer),
            order_no: format!("SO{n}"),
            day: crate::domain::funnel::parse_day(date).unwrap(),
            total_fen: 100,
            ..Default::default()
        }
    }

    #[test]
    fn orders_come_with_their_customer_oldest_first_and_leave_with_it() {
        let mut r = Replica::new(owner());
        let mut first = page(vec![customer(1, "甲"), customer(2, "乙")], vec![], vec![]);
        first.orders = vec![order(30, 1, "2026-05-01"), order(31, 1, "2025-02-01"), order(32, 2, "2026-01-01")];
        let t = r.apply_page(&first);
        assert_eq!(t.upserted, [id(1), id(2)].into_iter().collect());
        let dates = |r: &Replica, c: u8| r.orders_of(&id(c)).map(|o| crate::domain::funnel::format_day(o.day)).collect::<Vec<_>>();
        assert_eq!(dates(&r, 1), ["2025-02-01", "2026-05-01"]);
        // A customer sent again comes with all its orders; an order removed on its own goes.
        let mut again = page(vec![customer(1, "甲")], vec![], vec![]);
        again.orders = vec![order(31, 1, "2025-02-01")];
        r.apply_page(&again);
        assert_eq!(dates(&r, 1), ["2025-02-01"]);
        let t = r.apply_page(&page(vec![], vec![], vec![("order", id(32))]));
        assert_eq!((t.upserted, dates(&r, 2).len()), ([id(2)].into_iter().collect(), 0));
        // Stored and loaded, the orders are the same; a customer that leaves takes its orders.
        let stored: Vec<CustomerRecord> = [id(1), id(2)].iter().map(|i| r.record(i).unwrap().clone()).collect();
        let mut loaded = Replica::load(owner(), stored, vec![]);
        assert_eq!(dates(&loaded, 1), ["2025-02-01"]);
        loaded.apply_page(&page(vec![], vec![], vec![("customer", id(1))]));
        assert_eq!(loaded.orders_of(&id(1)).count(), 0);
    }

    #[test]
    fn a_promotion_plan_goes_through_approval_on_the_device_and_the_pull_confirms_each_step() {
        use crate::domain::promotion::{tests::draft, SavedPlan, Status};
        let mut r = Replica::new(owner());
        let plan = draft();
        r.push_pending(mutation(1, Op::SavePromotion { id: id(50), draft: Draft { name: " 年终回馈 ".into(), ..plan.clone() } }));
        let shown = r.promotion(&id(50)).unwrap();
        assert_eq!((shown.draft.name.as_str(), shown.owner_id.as_str(), shown.status, shown.version), ("年终回馈", owner().id.as_str(), Status::Draft, 0));
        r.push_pending(mutation(2, Op::SubmitPromotion { id: id(50) }));
        assert_eq!(r.promotion(&id(50)).unwrap().status, Status::Submitted);
        // Submitted, it cannot be decided on by its owner's device in a way that sticks: the
        // overlay only moves a submitted plan, and the server refuses the owner (see the API test).
        // The server applied both: the pull brings it submitted, the queue empties.
        let stored = SavedPlan {
            id: id(50),
            owner_id: owner().id,
            owner_name: owner().name,
            draft: plan.clone(),
            status: Status::Submitted,
            decided_by: None,
            note: None,
            version: 2,
        };
        let mut p = page(vec![], vec![], vec![]);
        p.promotions = vec![stored.clone()];
        assert!(r.apply_page(&p).promotions);
        r.drop_pending(&[1, 2].into_iter().collect());
        assert_eq!(r.promotions().len(), 1);

        // The manager's device: rejected with a reason, shown at once with who decided.
        let boss = Owner { id: "manager1".into(), name: "李经理".into() };
        let mut m = Replica::new(boss);
        let mut p = page(vec![], vec![], vec![]);
        p.promotions =
            vec![stored.clone(), SavedPlan { id: id(51), draft: Draft { name: "春季".into(), from: plan.from + 90, ..plan.clone() }, ..stored.clone() }];
        m.apply_page(&p);
        assert_eq!(m.promotions().iter().map(|p| p.draft.name.as_str()).collect::<Vec<_>>(), ["春季", "年终回馈"], "latest window first");
        m.push_pending(mutation(1, Op::DecidePromotion { id: id(50), approve: false, note: " 预算过高 ".into() }));
        let decided = m.promotion(&id(50)).unwrap();
        assert_eq!((decided.status, decided.decided_by.as_deref(), decided.note.as_deref()), (Status::Rejected, Some("李经理"), Some("预算过高")));
        // A second decision on the same plan changes nothing on the device.
        m.push_pending(mutation(2, Op::DecidePromotion { id: id(50), approve: true, note: String::new() }));
        assert_eq!(m.promotion(&id(50)).unwrap().status, Status::Rejected);

        // Back on the owner's device: rejected, changed (a draft again), submitted again.
        let rejected =
            SavedPlan { status: Status::Rejected, decided_by: Some("李经理".into()), note: Some("预算过高".into()), version: 3, ..stored.clone() };
        let mut p = page(vec![], vec![], vec![]);
        p.promotions = vec![rejected];
        r.apply_page(&p);
        r.push_pending(mutation(3, Op::SavePromotion { id: id(50), draft: Draft { budget_fen: 3_000_000, ..plan.clone() } }));
        let again = r.promotion(&id(50)).unwrap();
        assert_eq!((again.status, again.draft.budget_fen, again.note.as_deref(), again.version), (Status::Draft, 3_000_000, None, 3));
        r.push_pending(mutation(4, Op::SubmitPromotion { id: id(50) }));
        assert_eq!(r.promotion(&id(50)).unwrap().status, Status::Submitted);
        // Deleted offline; one that left the view goes; a reset empties them.
        r.push_pending(mutation(5, Op::DeletePromotion { id: id(50) }));
        assert!(r.promotions().is_empty());
        r.set_pending(vec![]);
        assert!(r.apply_page(&page(vec![], vec![], vec![("promotion", id(50))])).promotions);
        assert!(r.promotions().is_empty());
        m.apply_page(&PullPage { reset: true, ..page(vec![], vec![], vec![]) });
        m.set_pending(vec![]);
        assert!(m.promotions().is_empty());
    }

    #[test]
    fn a_saved_segment_shows_at_once_and_the_pull_confirms_it() {
        use crate::domain::segment::{Rule, SavedSegment};
        let mut r = Replica::new(owner());
        let rule = Rule { idle_days: Some(90), regions: vec!["east".into()], ..Rule::default() };
        let save = |name: &str| Op::SaveSegment { id: id(40), name: name.into(), rule: rule.clone(), period_days: 365, shared: true };
        r.push_pending(mutation(1, save(" 华东沉睡客户 ")));
        let shown = r.segments();
        assert_eq!(shown.len(), 1);
        assert_eq!((shown[0].name.as_str(), shown[0].owner_id.as_str(), shown[0].version), ("华东沉睡客户", owner().id.as_str(), 0));
        // The server applied it: the pull brings it, the queue empties.
        let stored = SavedSegment {
            id: id(40),
            owner_id: owner().id,
            owner_name: owner().name,
            name: "华东沉睡客户".into(),
            rule: rule.clone(),
            period_days: 365,
            shared: true,
            version: 1,
        };
        let mut p = page(vec![], vec![], vec![]);
        p.segments = vec![stored.clone(), SavedSegment { id: id(41), name: "A 类".into(), owner_id: "someone".into(), ..stored.clone() }];
        let t = r.apply_page(&p);
        assert!(t.segments);
        r.drop_pending(&[1].into_iter().collect());
        assert_eq!(r.segments().iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["A 类", "华东沉睡客户"]);
        // Renamed and then deleted offline: the overlay shows each at once; a change keeps the owner.
        r.push_pending(mutation(2, Op::SaveSegment { id: id(41), name: "A 类客户".into(), rule: Rule::default(), period_days: 180, shared: true }));
        assert_eq!((r.segment(&id(41)).unwrap().name.as_str(), r.segment(&id(41)).unwrap().owner_id.as_str()), ("A 类客户", "someone"));
        r.push_pending(mutation(3, Op::DeleteSegment { id: id(40) }));
        assert!(r.segment(&id(40)).is_none());
        assert_eq!(r.segments().len(), 1);
        // One that left the view goes; a reset empties them.
        let t = r.apply_page(&page(vec![], vec![], vec![("segment", id(41))]));
        assert!(t.segments);
        r.set_pending(vec![]);
        assert_eq!(r.segments().iter().map(|s| s.id.clone()).collect::<Vec<_>>(), [id(40)]);
        r.apply_page(&PullPage { reset: true, ..page(vec![], vec![], vec![]) });
        assert!(r.segments().is_empty());
    }

    #[test]
    fn contacts_come_with_their_customer_and_take_pending_changes() {
        use crate::domain::sync::NewContact;
        let mut r = Replica::new(owner());
        let mut first = page(vec![customer(1, "杭州网络科技有限公司")], vec![], vec![]);
        first.contacts = vec![contact(20, 1, "王芳", "13900001111"), contact(21, 1, "李雷", "13900002222")];
        let t = r.apply_page(&first);
        assert_eq!(t.upserted, [id(1)].into_iter().collect());
        assert_eq!(r.contacts_of(&id(1)).iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["李雷", "王芳"]);
        r.push_pending(mutation(
            1,
            Op::CreateContact(NewContact {
                id: id(22),
                customer_id: id(1),
                name: "赵敏".into(),
                details: [(ContactField::Role, "decision_maker".into())].into_iter().collect(),
            }),
        ));
        r.push_pending(mutation(2, Op::DeleteContact { id: id(21) }));
        let edit = r.contact_edit(&id(20), &[(ContactField::Title, " 采购经理 ".into()), (ContactField::Name, "王芳".into())]).unwrap();
        assert_eq!(
            edit,
            Op::UpdateContact { id: id(20), edits: vec![FieldEdit { field: ContactField::Title, original: None, value: Some("采购经理".into()) }] }
        );
        r.push_pending(mutation(3, edit));
        let shown: Vec<(&str, Option<&str>)> = r.contacts_of(&id(1)).iter().map(|c| (c.name.as_str(), c.title.as_deref().or(c.role.as_deref()))).collect();
        assert_eq!(shown, [("王芳", Some("采购经理")), ("赵敏", Some("decision_maker"))]);
        assert!(r.contact(&id(21)).is_none());
        // A customer sent again comes with all its contacts.
        let mut again = page(vec![customer(1, "杭州网络科技有限公司")], vec![], vec![]);
        again.contacts = vec![contact(20, 1, "王芳", "13900001111")];
        r.apply_page(&again);
        assert!(r.record(&id(1)).unwrap().contacts.iter().all(|c| c.id != id(21)));
        // A removed contact leaves its customer's record.
        r.apply_page(&page(vec![], vec![], vec![("contact", id(20))]));
        assert_eq!(r.record(&id(1)).unwrap().contacts.len(), 0);
    }

    #[test]
    fn search_finds_by_pinyin_contact_and_phone_and_follows_changes() {
        let mut r = Replica::new(owner());
        let mut first = page(vec![customer(1, "杭州网络科技有限公司"), customer(2, "成都贸易有限公司"), customer(3, "北京建筑集团")], vec![], vec![]);
        first.contacts = vec![contact(20, 2, "刘洋", "13900001111")];
        r.apply_page(&first);
        fn ids_of(r: &Replica, q: &str) -> Vec<String> {
            r.search(&CustomerFilter { query: q.into(), ..Default::default() }, 10).ids
        }
        macro_rules! ids {
            ($q:expr) => {
                ids_of(&r, $q)
            };
        }
        assert_eq!(ids!("hzwl"), [id(1)]);
        assert_eq!(ids!("cdmy"), [id(2)]);
        assert_eq!(ids!("liuyang"), [id(2)], "by a contact's name in pinyin");
        assert_eq!(ids!("1111"), [id(2)], "by a contact's phone");
        // Sorted by pinyin: beijing, chengdu, hangzhou.
        assert_eq!(ids!(""), [id(3), id(2), id(1)]);
        let found = r.search(&CustomerFilter::default(), 2);
        assert_eq!((found.total, found.ids), (3, vec![id(3), id(2)]));
        // The index follows a pending rename and a pull.
        r.push_pending(mutation(1, rename(3, "北京建筑集团", "天津建筑集团")));
        assert_eq!(ids!("tjjz"), [id(3)]);
        assert!(ids!("bjjz").is_empty());
        r.apply_page(&page(vec![customer(4, "广州物流")], vec![], vec![("customer", id(1))]));
        assert_eq!(ids!("gzwl"), [id(4)]);
        assert!(ids!("hzwl").is_empty());
        // Filters and sorting.
        let mut hot = customer(5, "安徽热电");
        hot.hot_reason = Some("招标在即".into());
        hot.grade = "A".into();
        r.apply_page(&page(vec![hot], vec![], vec![]));
        let f = CustomerFilter { hot_only: true, ..Default::default() };
        assert_eq!(r.search(&f, 10).ids, [id(5)]);
        let f = CustomerFilter { sort: SortBy::Grade, ..Default::default() };
        assert_eq!(r.search(&f, 1).ids, [id(5)]);
    }

    #[test]
    fn a_merge_shows_at_once_with_everything_under_the_kept_customer() {
        let mut r = Replica::new(owner());
        let mut first =
            page(vec![customer(1, "杭州网络科技有限公司"), customer(2, "杭州网络科技")], vec![deal(10, 1, "proposal"), deal(11, 2, "negotiation")], vec![]);
        first.contacts = vec![contact(20, 1, "王芳", "13900001111"), contact(21, 2, "李雷", "13900002222")];
        let order = |n: u8, customer: u8| OrderView { id: id(n), customer_id: id(customer), order_no: format!("SO{n}"), ..Default::default() };
        first.orders = vec![order(30, 1), order(31, 2)];
        r.apply_page(&first);
        let homes = |r: &Replica| {
            let mut homes: Vec<(String, String)> = r.orders_with_customers().map(|(c, o)| (o.order_no.clone(), c.id.clone())).collect();
            homes.sort();
            homes
        };
        assert_eq!(homes(&r), [("SO30".to_string(), id(1)), ("SO31".to_string(), id(2))]);
        let f = CustomerFilter { query: "hzwl".into(), ..Default::default() };
        assert_eq!(r.search(&f, 10).total, 2);
        r.push_pending(mutation(1, Op::MergeCustomers { keep: id(1), merged: id(2) }));
        assert_eq!(homes(&r), [("SO30".to_string(), id(1)), ("SO31".to_string(), id(1))], "the merged customer's orders count for the one kept");
        assert!(r.customer(&id(2)).is_none());
        assert_eq!(r.customer_count(), 1);
        assert_eq!(r.opportunities_of(&id(1)).len(), 2);
        assert_eq!(r.contacts_of(&id(1)).len(), 2);
        assert_eq!(r.search(&f, 10).ids, [id(1)]);
        assert_eq!(r.search(&CustomerFilter { query: "lilei".into(), ..Default::default() }, 10).ids, [id(1)], "the merged contacts are searchable");
        // The server merged them: the pull moves the deal and contact and removes the other.
        let mut done = page(vec![customer(1, "杭州网络科技有限公司")], vec![deal(10, 1, "proposal"), deal(11, 1, "negotiation")], vec![("customer", id(2))]);
        done.contacts = vec![contact(20, 1, "王芳", "13900001111"), contact(21, 1, "李雷", "13900002222")];
        r.apply_page(&done);
        r.drop_pending(&[1].into_iter().collect());
        assert_eq!((r.customer_count(), r.opportunities_of(&id(1)).len(), r.contacts_of(&id(1)).len()), (1, 2, 2));
    }
}
