//! The device's replica, as plain data: the server's state as last pulled (the *base*), the
//! user's mutations not yet confirmed by a pull (*pending*), and the merged view every screen
//! reads. No I/O: the browser keeps it in memory and stores [`CustomerRecord`]s and the queue in
//! IndexedDB (`ui::sync`); the rules for applying a mutation locally live here, next to the
//! protocol (`domain::sync`), and are unit-tested natively.
//!
//! Rebasing: the view of a record is its base state with every pending mutation that targets it
//! applied in sequence order. A pull replaces base records; the overlay is then recomputed from
//! the pending queue, so a user's unsynced edits always sit on top of the newest server state.

use super::customer::CustomerView;
use super::sync::{CustomerField, Mutation, Op, OpportunityView, PullPage};
use serde::{Deserialize, Serialize};
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};

/// A customer with its opportunities: the unit stored in IndexedDB (one record per customer, so
/// a snapshot of 50,000 customers and 200,000 deals is 50,000 writes, not 250,000).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRecord {
    pub customer: CustomerView,
    pub opportunities: Vec<OpportunityView>,
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
    /// Customer records to write (new or changed, or one of their deals changed).
    pub upserted: BTreeSet<String>,
    /// Customer records to delete.
    pub removed: BTreeSet<String>,
    /// The page asked for an empty replica first.
    pub reset: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Replica {
    owner: Owner,
    customers: HashMap<String, CustomerRecord>,
    /// Deal id → its customer's id.
    home: HashMap<String, String>,
    pending: Vec<Mutation>,
    /// Records as the pending mutations leave them (`None`: not visible, e.g. its base left).
    over_customers: HashMap<String, CustomerView>,
    over_deals: HashMap<String, OpportunityView>,
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
            r.customers.insert(record.customer.id.clone(), record);
        }
        r.set_pending(pending);
        r
    }

    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    // -- reading the view ----------------------------------------------------------------------

    pub fn customer(&self, id: &str) -> Option<&CustomerView> {
        self.over_customers.get(id).or_else(|| self.customers.get(id).map(|r| &r.customer))
    }

    /// Every customer in view, in no particular order.
    pub fn customers(&self) -> impl Iterator<Item = &CustomerView> {
        let over = &self.over_customers;
        self.customers.values().map(|r| &r.customer).filter(move |c| !over.contains_key(&c.id)).chain(over.values())
    }

    pub fn customer_count(&self) -> usize {
        self.customers.len() + self.over_customers.keys().filter(|id| !self.customers.contains_key(*id)).count()
    }

    pub fn opportunity(&self, id: &str) -> Option<&OpportunityView> {
        self.over_deals.get(id).or_else(|| self.home.get(id).and_then(|c| self.customers.get(c)).and_then(|r| r.opportunities.iter().find(|o| o.id == id)))
    }

    /// Every deal in view, in no particular order.
    pub fn opportunities(&self) -> impl Iterator<Item = &OpportunityView> {
        let over = &self.over_deals;
        self.customers.values().flat_map(|r| r.opportunities.iter()).map(move |o| over.get(&o.id).unwrap_or(o))
    }

    pub fn opportunity_count(&self) -> usize {
        self.home.len()
    }

    /// The deals of one customer, as the view shows them.
    pub fn opportunities_of(&self, customer_id: &str) -> Vec<&OpportunityView> {
        let over = &self.over_deals;
        self.customers.get(customer_id).map(|r| r.opportunities.iter().map(|o| over.get(&o.id).unwrap_or(o)).collect()).unwrap_or_default()
    }

    /// The base record of a customer (for storage).
    pub fn record(&self, id: &str) -> Option<&CustomerRecord> {
        self.customers.get(id)
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
    pub fn customer_edit(&self, id: &str, changes: &[(CustomerField, Option<String>)]) -> Option<Op> {
        let current = self.customer(id)?;
        let edits: Vec<_> = changes
            .iter()
            .filter_map(|(field, value)| {
                let original = field_value(current, *field);
                let value = value.as_ref().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
                (original != value).then(|| super::sync::FieldEdit { field: *field, original, value })
            })
            .collect();
        (!edits.is_empty()).then(|| Op::UpdateCustomer { id: id.to_string(), edits })
    }

    // -- applying a pull -------------------------------------------------------------------------

    /// Applies one pull page to the base and rebases the pending mutations on it.
    pub fn apply_page(&mut self, page: &PullPage) -> Touched {
        let mut touched = Touched { reset: page.reset, ..Default::default() };
        if page.reset {
            touched.removed.extend(self.customers.keys().cloned());
            self.customers.clear();
            self.home.clear();
        }
        for c in &page.customers {
            touched.removed.remove(&c.id);
            touched.upserted.insert(c.id.clone());
            match self.customers.entry(c.id.clone()) {
                Entry::Occupied(mut known) => {
                    let record = known.get_mut();
                    record.customer = c.clone();
                    // A customer in a page comes with all its deals: those not listed are gone.
                    for o in record.opportunities.drain(..) {
                        self.home.remove(&o.id);
                    }
                }
                Entry::Vacant(new) => {
                    new.insert(CustomerRecord { customer: c.clone(), opportunities: Vec::new() });
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
        for gone in &page.removed {
            match gone.entity.as_str() {
                "customer" => {
                    if let Some(r) = self.customers.remove(&gone.id) {
                        for o in r.opportunities {
                            self.home.remove(&o.id);
                        }
                        touched.upserted.remove(&gone.id);
                        touched.removed.insert(gone.id.clone());
                    }
                }
                _ => {
                    if let Some(home) = self.home.remove(&gone.id) {
                        if let Some(r) = self.customers.get_mut(&home) {
                            r.opportunities.retain(|x| x.id != gone.id);
                            touched.upserted.insert(home);
                        }
                    }
                }
            }
        }
        for id in &touched.upserted {
            if let Some(r) = self.customers.get_mut(id) {
                r.opportunities.sort_by(|a, b| a.id.cmp(&b.id));
            }
        }
        self.recompute();
        touched
    }

    /// Recomputes the overlay: base records with every pending mutation applied in order.
    fn recompute(&mut self) {
        self.over_customers.clear();
        self.over_deals.clear();
        for i in 0..self.pending.len() {
            match &self.pending[i].op {
                Op::CreateCustomer(c) => {
                    // A create the server already applied comes back in the base; until then the
                    // device's own copy stands in for it.
                    if self.customers.contains_key(&c.id) {
                        continue;
                    }
                    let view = CustomerView {
                        id: c.id.clone(),
                        name: c.name.trim().to_string(),
                        name_en: None,
                        kind: c.kind.clone(),
                        region: c.region.code().to_string(),
                        city: c.city.trim().to_string(),
                        industry: c.industry.code().to_string(),
                        size: c.size.code().to_string(),
                        business_type: c.business_type.code().to_string(),
                        grade: "D".into(),
                        owner_id: self.owner.id.clone(),
                        owner_name: self.owner.name.clone(),
                        phone: c.phone.clone(),
                        id_number: None,
                        bank_account: None,
                        version: 0,
                    };
                    self.over_customers.insert(c.id.clone(), view);
                }
                Op::UpdateCustomer { id, edits } => {
                    let Some(mut view) = self.customer(id).cloned() else { continue };
                    for e in edits {
                        set_field(&mut view, e.field, e.value.clone());
                    }
                    self.over_customers.insert(id.clone(), view);
                }
                Op::MoveOpportunity { id, to, .. } => {
                    let Some(mut deal) = self.opportunity(id).cloned() else { continue };
                    deal.stage = *to;
                    self.over_deals.insert(id.clone(), deal);
                }
            }
        }
    }
}

/// A customer's value for an editable field, as the sync protocol carries it.
pub fn field_value(c: &CustomerView, field: CustomerField) -> Option<String> {
    match field {
        CustomerField::Name => Some(c.name.clone()),
        CustomerField::City => Some(c.city.clone()),
        CustomerField::Industry => Some(c.industry.clone()),
        CustomerField::Size => Some(c.size.clone()),
        CustomerField::BusinessType => Some(c.business_type.clone()),
        CustomerField::Phone => c.phone.clone(),
    }
}

fn set_field(c: &mut CustomerView, field: CustomerField, value: Option<String>) {
    let text = |v: Option<String>| v.map(|v| v.trim().to_string()).unwrap_or_default();
    match field {
        CustomerField::Name => c.name = text(value),
        CustomerField::City => c.city = text(value),
        CustomerField::Industry => c.industry = text(value),
        CustomerField::Size => c.size = text(value),
        CustomerField::BusinessType => c.business_type = text(value),
        CustomerField::Phone => c.phone = value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::{BusinessType, CompanySize, Industry, Region, Stage};
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
        }
    }

    fn deal(n: u8, customer: u8, stage: Stage) -> OpportunityView {
        OpportunityView {
            id: id(n),
            customer_id: id(customer),
            owner_id: "u1".into(),
            title: format!("deal {n}"),
            stage,
            amount_fen: 100_00,
            expected_close: "2026-12-31".into(),
            version: 1,
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
            removed: removed.into_iter().map(|(e, id)| Removed { entity: e.into(), id }).collect(),
        }
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
        let t = r.apply_page(&PullPage { reset: true, ..page(vec![customer(1, "甲"), customer(2, "乙")], vec![deal(10, 1, Stage::Proposal), deal(11, 2, Stage::Negotiation)], vec![]) });
        assert_eq!(t.upserted, [id(1), id(2)].into_iter().collect());
        assert!(t.reset);
        assert_eq!((r.customer_count(), r.opportunity_count()), (2, 2));
        assert_eq!(r.opportunities_of(&id(1)).len(), 1);
        // A deal changed on its own is stored through its customer's record.
        let t = r.apply_page(&page(vec![], vec![deal(10, 1, Stage::Negotiation)], vec![]));
        assert_eq!(t.upserted, [id(1)].into_iter().collect());
        assert_eq!(r.opportunity(&id(10)).unwrap().stage, Stage::Negotiation);
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
        let mut r = Replica::load(owner(), [CustomerRecord { customer: customer(1, "甲"), opportunities: vec![deal(10, 1, Stage::Proposal)] }], vec![]);
        let created = NewCustomer {
            id: id(5),
            name: " 新客户 ".into(),
            kind: "company".into(),
            region: Region::EastChina,
            city: "宁波".into(),
            industry: Industry::Retail,
            size: CompanySize::Micro,
            business_type: BusinessType::Retailer,
            phone: None,
        };
        r.push_pending(mutation(1, Op::CreateCustomer(created)));
        r.push_pending(mutation(2, rename(1, "甲", "甲方")));
        r.push_pending(mutation(3, Op::MoveOpportunity { id: id(10), from: Stage::Proposal, to: Stage::Negotiation }));
        assert_eq!(r.customer(&id(5)).map(|c| (c.name.as_str(), c.owner_name.as_str())), Some(("新客户", "王芳")));
        assert_eq!(r.customer(&id(1)).unwrap().name, "甲方");
        assert_eq!(r.opportunity(&id(10)).unwrap().stage, Stage::Negotiation);
        assert_eq!(r.opportunities_of(&id(1))[0].stage, Stage::Negotiation);
        assert_eq!(r.customer_count(), 2);
        assert_eq!(r.customers().count(), 2);
        // The server changed the city meanwhile: the pending rename stays on top of it.
        let mut newer = customer(1, "甲");
        newer.city = "上海".into();
        newer.version = 2;
        r.apply_page(&page(vec![newer], vec![deal(10, 1, Stage::Proposal)], vec![]));
        let c = r.customer(&id(1)).unwrap();
        assert_eq!((c.name.as_str(), c.city.as_str(), c.version), ("甲方", "上海", 2));
        assert_eq!(r.opportunity(&id(10)).unwrap().stage, Stage::Negotiation);
        // Once the server has them and a pull brought their effect, dropping them changes nothing.
        let mut applied = customer(1, "甲方");
        applied.city = "上海".into();
        r.apply_page(&page(vec![applied], vec![deal(10, 1, Stage::Negotiation)], vec![]));
        r.drop_pending(&[2, 3].into_iter().collect());
        assert_eq!(r.customer(&id(1)).unwrap().name, "甲方");
        assert_eq!(r.opportunity(&id(10)).unwrap().stage, Stage::Negotiation);
        // A refused create disappears from the view when dropped.
        r.drop_pending(&[1].into_iter().collect());
        assert!(r.customer(&id(5)).is_none());
        assert!(r.pending().is_empty());
    }

    #[test]
    fn an_edit_records_what_the_user_saw_and_skips_unchanged_fields() {
        let r = Replica::load(owner(), [CustomerRecord { customer: customer(1, "甲"), opportunities: vec![] }], vec![]);
        let op = r.customer_edit(&id(1), &[(CustomerField::Name, Some("甲".into())), (CustomerField::City, Some(" 上海 ".into())), (CustomerField::Phone, Some("".into()))]);
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
        assert_eq!(r.customer_edit(&id(1), &[(CustomerField::Name, Some("甲".into()))]), None);
        assert_eq!(r.customer_edit(&id(9), &[(CustomerField::Name, Some("x".into()))]), None);
    }

    #[test]
    fn edits_to_a_record_that_left_the_view_show_nothing() {
        let mut r = Replica::load(owner(), [CustomerRecord { customer: customer(1, "甲"), opportunities: vec![] }], vec![mutation(1, rename(1, "甲", "甲方"))]);
        assert_eq!(r.customer(&id(1)).unwrap().name, "甲方");
        r.apply_page(&page(vec![], vec![], vec![("customer", id(1))]));
        assert!(r.customer(&id(1)).is_none());
        assert_eq!(r.customers().count(), 0);
        // Still queued: the server will say why it refuses it.
        assert_eq!(r.pending().len(), 1);
    }
}
