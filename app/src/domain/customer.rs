//! Customer records as they travel between server and client.

use serde::{Deserialize, Serialize};

/// One customer as a viewer may see it: sensitive fields already masked by the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    // Added with the full customer file (issue 5); a replica stored before that reads them empty.
    /// 简称, what colleagues call it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    /// A [`Source`](super::catalog::Source) code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// 合作开始日期, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooperation_since: Option<String>,
    /// 信用额度 in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_limit_fen: Option<i64>,
    /// A [`Satisfaction`](super::catalog::Satisfaction) code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<String>,
    /// 统一社会信用代码, canonical (see [`super::credit_code`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    /// Why the owner marked it hot 热点客户; `None`: not hot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hot_reason: Option<String>,
}

/// A contact person of a customer; the phone masked like its customer's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    pub id: String,
    pub customer_id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A [`ContactRole`](super::catalog::ContactRole) code: their part in the buying decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub version: i64,
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
