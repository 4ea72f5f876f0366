//! Likely duplicates 客户查重: the same customer entered twice under a slightly different name,
//! or found again by its phone, a contact's email or its credit code. Shared by the new-customer
//! form (over the replica, before saving) and the import (over the whole database).

use super::privacy::normalize_phone;
use serde::{Deserialize, Serialize};

/// Why two customers look like one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateReason {
    CreditCode,
    Phone,
    Email,
    Name,
}

/// Legal-form words that do not tell two companies apart, longest first.
const LEGAL_FORMS: [&str; 14] =
    ["股份有限公司", "有限责任公司", "有限公司", "集团公司", "分公司", "集团", "公司", "corporation", "company", "limited", "group", "corp", "ltd", "inc"];

/// A company name reduced to what identifies it: lower case, without spaces, punctuation (of
/// either width) and legal-form words. `杭州网络科技有限公司` and `杭州网络科技（有限公司）`
/// both give `杭州网络科技`; `Acme Co., Ltd.` gives `acmeco`.
pub fn normalize_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && !"（）【】《》，。、；：“”‘’·—－".contains(*c))
        .flat_map(char::to_lowercase)
        .collect();
    loop {
        let before = s.len();
        for form in LEGAL_FORMS {
            if let Some(stripped) = s.strip_suffix(form) {
                s = stripped.to_string();
            }
        }
        if s.len() == before {
            break;
        }
    }
    s
}

/// What a new or imported customer is compared by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probe {
    /// [`normalize_name`] of its name.
    pub name: String,
    /// [`normalize_phone`] of its phone and its contacts' phones.
    pub phones: Vec<String>,
    /// Lower-cased emails of its contacts.
    pub emails: Vec<String>,
    pub credit_code: Option<String>,
}

impl Probe {
    pub fn new<'a>(name: &str, phones: impl IntoIterator<Item = &'a str>, emails: impl IntoIterator<Item = &'a str>, credit_code: Option<&str>) -> Probe {
        Probe {
            name: normalize_name(name),
            phones: phones.into_iter().filter(|p| !p.contains('*')).filter_map(normalize_phone).filter(|p| p.len() >= 5).collect(),
            emails: emails.into_iter().map(|e| e.trim().to_lowercase()).filter(|e| e.contains('@')).collect(),
            credit_code: credit_code.map(str::to_string),
        }
    }

    /// Why `other` looks like the same customer (empty: it does not). Masked phones never match.
    pub fn reasons(&self, other: &Probe) -> Vec<DuplicateReason> {
        let mut out = Vec::new();
        if self.credit_code.is_some() && self.credit_code == other.credit_code {
            out.push(DuplicateReason::CreditCode);
        }
        if self.phones.iter().any(|p| other.phones.contains(p)) {
            out.push(DuplicateReason::Phone);
        }
        if self.emails.iter().any(|e| other.emails.contains(e)) {
            out.push(DuplicateReason::Email);
        }
        if similar_names(&self.name, &other.name) {
            out.push(DuplicateReason::Name);
        }
        out
    }
}

/// Equal once normalised, or one contains the other and the shorter still says something
/// (four characters or more: `杭州网络` in `杭州网络科技`).
fn similar_names(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.chars().count() <= b.chars().count() { (a, b) } else { (b, a) };
    short == long || (short.chars().count() >= 4 && long.contains(short))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_legal_forms_punctuation_and_case() {
        assert_eq!(normalize_name("杭州网络科技有限公司"), "杭州网络科技");
        assert_eq!(normalize_name(" 杭州网络科技（有限公司） "), "杭州网络科技");
        assert_eq!(normalize_name("杭州网络科技股份有限公司"), "杭州网络科技");
        assert_eq!(normalize_name("Acme Trading Co., Ltd."), "acmetradingco");
        assert_eq!(normalize_name("ACME Trading Limited"), "acmetrading");
    }

    #[test]
    fn duplicates_are_found_by_each_identifier() {
        let existing = Probe::new("杭州网络科技有限公司", ["+86 138-1234-5678"], ["wang@example.cn"], Some("91350100M000100Y43"));
        let by_phone = Probe::new("新客户", ["13812345678"], [], None);
        assert_eq!(by_phone.reasons(&existing), [DuplicateReason::Phone]);
        let by_name = Probe::new("杭州网络科技", [], [], None);
        assert_eq!(by_name.reasons(&existing), [DuplicateReason::Name]);
        let by_all = Probe::new("杭州网络科技(有限公司)", ["138 1234 5678"], ["WANG@example.cn"], Some("91350100M000100Y43"));
        assert_eq!(by_all.reasons(&existing), [DuplicateReason::CreditCode, DuplicateReason::Phone, DuplicateReason::Email, DuplicateReason::Name]);
        assert!(Probe::new("杭州", ["021****5678"], [], None).reasons(&existing).is_empty(), "short names and masked phones say nothing");
        assert!(Probe::new("上海网络科技", ["13900000000"], [], None).reasons(&existing).is_empty());
    }
}
