//! Customer records as they travel between server and client.

use serde::{Deserialize, Serialize};

/// One customer as a viewer may see it: sensitive fields already masked by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerView {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: String,
    pub region: String,
    pub city: String,
    pub industry: String,
    pub size: String,
    pub business_type: String,
    pub grade: String,
    pub owner_id: String,
    pub owner_name: String,
    /// Masked (`138****5678`) unless the viewer owns the customer.
    pub phone: Option<String>,
    /// Resident ID number (individual customers), masked like the phone.
    pub id_number: Option<String>,
    /// Bank account for invoicing and payments (companies), masked like the phone.
    pub bank_account: Option<String>,
    pub version: i64,
}

/// A contact person of a customer, masked like its customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub is_decision_maker: bool,
}

/// `GET /api/customers/{id}`: the customer and its contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetail {
    pub customer: CustomerView,
    pub contacts: Vec<ContactView>,
}

/// A page of `GET /api/customers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPage {
    pub total: i64,
    pub customers: Vec<CustomerView>,
}

/// A catalogue product; `unit_cost_fen` only for those who may see costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductView {
    pub id: String,
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub unit: String,
    pub unit_price_fen: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_cost_fen: Option<i64>,
}

/// `POST /api/customers/{id}/owner`: hand a customer to another rep. `version` is the version
/// the client last saw; a stale one is refused with 409 so no newer change is overwritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reassign {
    pub owner: String,
    pub version: i64,
}

/// One entry of a record's history, `GET /api/customers/{id}/history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at_ms: i64,
    pub actor: String,
    pub device: Option<String>,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}
