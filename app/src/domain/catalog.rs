//! What customers and deals are classified by.
//!
//! - **Lists an admin edits** 数据字典 ([`List`]): region, industry, size, business type, source.
//!   They are data: a [`Catalog`] travels with the first pull (and again whenever an admin changes
//!   it), labels come from it in the viewer's language, and both sides accept only its active
//!   options for new values. A retired option stays on the records that have it.
//! - **Fixed vocabularies** ([`super::vocab`], re-exported here): satisfaction, decision role,
//!   grade, funnel stage. Each value has a stable code (stored, and used on the wire); its label
//!   comes from the i18n files, keyed by that code.

pub use super::field::{check_code, check_option_name, MAX_CODE_CHARS, MAX_OPTION_NAME_CHARS};
use super::pipeline::PipelineConfig;
pub use super::vocab::{ContactRole, Grade, Satisfaction, Stage};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::coded_enum!(
    /// The classification lists an admin edits.
    List { Region = "region", Industry = "industry", Size = "size", BusinessType = "business_type", Source = "source" }
);

/// One option of a [`List`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogOption {
    /// Stable: stored on the records; see [`check_code`].
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Offered for new values; a retired (`false`) option keeps its label on old records.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl CatalogOption {
    pub fn name(&self, english: bool) -> &str {
        if english {
            &self.name_en
        } else {
            &self.name_zh
        }
    }
}

/// The company's lists, each in the order the admin gave it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// Moves on with every change, so a device knows whether its copy is current.
    pub version: i64,
    pub lists: BTreeMap<List, Vec<CatalogOption>>,
    /// The sales pipelines 销售流程, in the admin's order (the first is a new deal's default).
    #[serde(default)]
    pub pipelines: Vec<PipelineConfig>,
    /// The sales teams 销售团队 and who is in each, for filtering deals by team (names only: who
    /// may see what is the server's business).
    #[serde(default)]
    pub teams: Vec<TeamEntry>,
    /// The active salespeople (reps, supervisors, managers) by name, in name order: whom a
    /// customer or a deal can be handed to, and how an owner id reads on screen.
    #[serde(default)]
    pub people: Vec<PersonEntry>,
    /// How customers are graded and what each grade gets (`None` until the server sends it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grading: Option<super::grading::GradingConfig>,
}

/// A salesperson as the catalogue carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonEntry {
    pub id: String,
    pub name: String,
    /// Their team, if any (`TeamEntry::id`).
    #[serde(default)]
    pub team_id: Option<String>,
}

/// A team as the catalogue carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamEntry {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// User ids of its members (supervisor and reps).
    pub members: Vec<String>,
}

impl TeamEntry {
    pub fn name(&self, english: bool) -> &str {
        if english && !self.name_en.is_empty() {
            &self.name_en
        } else {
            &self.name_zh
        }
    }
}

/// What a new company starts with (regions excepted: they are the organisation's own and are
/// created with it). Names as PRODUCT.md uses them.
/// (code, Chinese name, English name).
type Starter = (&'static str, &'static str, &'static str);

const STARTER: &[(List, &[Starter])] = &[
    (
        List::Industry,
        &[
            ("manufacturing", "制造业", "Manufacturing"),
            ("electronics", "电子", "Electronics"),
            ("retail", "零售", "Retail"),
            ("construction", "建筑", "Construction"),
            ("healthcare", "医疗", "Healthcare"),
            ("logistics", "物流", "Logistics"),
            ("education", "教育", "Education"),
            ("finance", "金融", "Finance"),
            ("food", "食品", "Food"),
            ("energy", "能源", "Energy"),
        ],
    ),
    (
        List::Size,
        &[
            ("micro", "微型", "Micro"),
            ("small", "小型", "Small"),
            ("medium", "中型", "Medium"),
            ("large", "大型", "Large"),
            ("enterprise", "特大型", "Enterprise"),
        ],
    ),
    (
        List::BusinessType,
        &[
            ("distributor", "经销商", "Distributor"),
            ("end_user", "终端客户", "End user"),
            ("oem", "OEM", "OEM"),
            ("government", "政府", "Government"),
            ("retailer", "零售商", "Retailer"),
        ],
    ),
    (
        List::Source,
        &[
            ("referral", "客户推荐", "Referral"),
            ("exhibition", "展会", "Trade show"),
            ("website", "网站", "Website"),
            ("cold_call", "电话开发", "Cold call"),
            ("partner", "合作伙伴", "Partner"),
            ("existing_customer", "老客户", "Existing customer"),
            ("advertising", "广告", "Advertising"),
            ("other", "其他", "Other"),
        ],
    ),
];

impl Catalog {
    /// A salesperson's name (`None`: not a salesperson the catalogue knows).
    pub fn person_name(&self, id: &str) -> Option<&str> {
        self.people.iter().find(|p| p.id == id).map(|p| p.name.as_str())
    }

    /// The starter lists, without regions, at version 0.
    pub fn starter() -> Catalog {
        let lists = STARTER
            .iter()
            .map(|(list, options)| {
                let options = options
                    .iter()
                    .map(|(code, zh, en)| CatalogOption { code: (*code).into(), name_zh: (*zh).into(), name_en: (*en).into(), active: true })
                    .collect();
                (*list, options)
            })
            .collect();
        Catalog {
            version: 0,
            lists,
            pipelines: vec![PipelineConfig::starter(), PipelineConfig::starter_product()],
            teams: Vec::new(),
            people: Vec::new(),
            grading: Some(super::grading::GradingConfig::starter()),
        }
    }

    pub fn pipeline(&self, code: &str) -> Option<&PipelineConfig> {
        self.pipelines.iter().find(|p| p.code == code)
    }

    /// Every option of a list, retired ones included, in order.
    pub fn options(&self, list: List) -> &[CatalogOption] {
        self.lists.get(&list).map_or(&[], Vec::as_slice)
    }

    /// The options offered for new values.
    pub fn active(&self, list: List) -> impl Iterator<Item = &CatalogOption> {
        self.options(list).iter().filter(|o| o.active)
    }

    pub fn option(&self, list: List, code: &str) -> Option<&CatalogOption> {
        self.options(list).iter().find(|o| o.code == code)
    }

    /// The label of a stored code; the code itself if the list does not know it.
    pub fn label<'a>(&'a self, list: List, code: &'a str, english: bool) -> &'a str {
        self.option(list, code).map_or(code, |o| o.name(english))
    }

    /// Whether `code` may be given as a new value: an active option of the list.
    pub fn check(&self, list: List, code: &str) -> Result<(), &'static str> {
        match self.option(list, code) {
            Some(o) if o.active => Ok(()),
            Some(_) => Err("retired_option"),
            None => Err("unknown_code"),
        }
    }

    /// The option a value names: its code, or its name in either language, ignoring case and
    /// spaces (what people type in a spreadsheet).
    pub fn find(&self, list: List, text: &str) -> Option<&CatalogOption> {
        let wanted = squash(text);
        let options = self.options(list);
        options
            .iter()
            .find(|o| o.code == text)
            .or_else(|| options.iter().find(|o| squash(&o.code) == wanted || squash(&o.name_zh) == wanted || squash(&o.name_en) == wanted))
    }
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// A code made from an English name (`Trade show` → `trade_show`), for an admin who typed none;
/// `None` if nothing usable is left (a name in Chinese only).
pub fn code_from_name(name: &str) -> Option<String> {
    let mut code = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            code.push(c.to_ascii_lowercase());
        } else if !code.is_empty() && !code.ends_with('_') {
            code.push('_');
        }
    }
    let code: String = code.trim_matches('_').chars().take(MAX_CODE_CHARS).collect();
    let code = code.trim_end_matches('_').to_string();
    check_code(&code).ok().map(|()| code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_is_unique() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(all: &[T], code: fn(T) -> &'static str, parse: fn(&str) -> Option<T>) {
            let mut seen = std::collections::HashSet::new();
            for &v in all {
                assert!(seen.insert(code(v)), "duplicate code {}", code(v));
                assert_eq!(parse(code(v)), Some(v));
            }
            assert_eq!(parse("no-such-code"), None);
        }
        check(List::ALL, List::code, List::from_code);
        check(Grade::ALL, Grade::code, Grade::from_code);
        check(Satisfaction::ALL, Satisfaction::code, Satisfaction::from_code);
        check(ContactRole::ALL, ContactRole::code, ContactRole::from_code);
        check(Stage::ALL, Stage::code, Stage::from_code);
    }

    #[test]
    fn open_stages_rise_in_probability() {
        let p: Vec<i64> = Stage::OPEN.iter().map(|s| s.default_probability_bp()).collect();
        assert!(p.windows(2).all(|w| w[0] < w[1]));
        assert!(Stage::OPEN.iter().all(|s| !s.is_closed()));
    }

    #[test]
    fn the_starter_lists_are_valid_and_unique() {
        let c = Catalog::starter();
        for list in [List::Industry, List::Size, List::BusinessType, List::Source] {
            let options = c.options(list);
            assert!(!options.is_empty());
            let mut codes = std::collections::HashSet::new();
            for o in options {
                assert_eq!(check_code(&o.code), Ok(()), "{}", o.code);
                assert!(check_option_name(&o.name_zh).is_ok() && check_option_name(&o.name_en).is_ok());
                assert!(codes.insert(&o.code));
            }
        }
        assert!(c.options(List::Region).is_empty());
    }

    #[test]
    fn options_are_checked_labelled_and_found() {
        let mut c = Catalog::starter();
        c.lists.get_mut(&List::Source).unwrap()[1].active = false;
        assert_eq!(c.check(List::Source, "referral"), Ok(()));
        assert_eq!(c.check(List::Source, "exhibition"), Err("retired_option"));
        assert_eq!(c.check(List::Source, "tv"), Err("unknown_code"));
        assert_eq!(c.check(List::Industry, "referral"), Err("unknown_code"));
        assert_eq!(c.label(List::Source, "exhibition", false), "展会");
        assert_eq!(c.label(List::Source, "exhibition", true), "Trade show");
        assert_eq!(c.label(List::Source, "tv", true), "tv");
        assert!(c.active(List::Source).all(|o| o.code != "exhibition"));
        assert_eq!(c.find(List::Source, " trade  SHOW").map(|o| o.code.as_str()), Some("exhibition"));
        assert_eq!(c.find(List::Source, "展会").map(|o| o.code.as_str()), Some("exhibition"));
        assert_eq!(c.find(List::Industry, "Electronics").map(|o| o.code.as_str()), Some("electronics"));
        assert_eq!(c.find(List::Industry, "火星"), None);
    }

    #[test]
    fn codes_are_strict_and_made_from_english_names() {
        assert_eq!(check_code("cold_call"), Ok(()));
        for bad in ["", "Cold", "1st", "a-b", "a b", "展会", &"a".repeat(33)] {
            assert_eq!(check_code(bad), Err("invalid_code"), "{bad:?}");
        }
        assert_eq!(code_from_name("Trade show").as_deref(), Some("trade_show"));
        assert_eq!(code_from_name("  B2B / e-Commerce!! ").as_deref(), Some("b2b_e_commerce"));
        assert_eq!(code_from_name("展会"), None);
        assert_eq!(code_from_name("3D printing"), None);
        assert!(code_from_name(&"word ".repeat(20)).is_some_and(|c| c.len() <= 32 && !c.ends_with('_')));
    }
}
