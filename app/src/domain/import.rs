//! Importing customers from a spreadsheet 批量导入: which column holds what ([`Column`],
//! suggested from the headers in either language), and one row read into a new customer with
//! every problem named by row, column and reason ([`Issue`]). The server reads the file (CSV in
//! UTF-8 or GBK, or .xlsx) and checks duplicates against the database; list values are read
//! against the company's [`Catalog`] (code or name in either language); the rules for a value
//! are the same [`Field::check`]s a form uses.

use super::catalog::{Catalog, List};
use super::sync::{ContactField, CustomerField, Field, Rejection};
use super::Money;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Rows one import may hold.
pub const MAX_ROWS: usize = 20_000;

macro_rules! columns {
    ($($variant:ident = $code:literal [$($alias:literal),*]),+ $(,)?) => {
        /// What a spreadsheet column can be mapped to.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Column { $($variant),+ }

        impl Column {
            pub const ALL: &'static [Column] = &[$(Column::$variant),+];

            pub const fn code(self) -> &'static str {
                match self { $(Column::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<Column> {
                match code { $($code => Some(Column::$variant),)+ _ => None }
            }

            /// Header texts recognised for this column (compared without case and spaces).
            fn aliases(self) -> &'static [&'static str] {
                match self { $(Column::$variant => &[$code, $($alias),*]),+ }
            }
        }
    };
}

columns! {
    Name = "name" ["客户名称", "名称", "客户", "公司名称", "企业名称", "customer", "customername", "company"],
    ShortName = "short_name" ["简称", "客户简称", "shortname"],
    Kind = "kind" ["类型", "客户类型", "type"],
    Region = "region" ["地域", "区域", "大区", "销售大区"],
    City = "city" ["城市", "所在城市"],
    Address = "address" ["地址", "详细地址"],
    Industry = "industry" ["行业", "所属行业"],
    Size = "size" ["规模", "企业规模", "companysize"],
    BusinessType = "business_type" ["业务类型", "businesstype"],
    Source = "source" ["来源", "客户来源"],
    Tags = "tags" ["标签"],
    CooperationSince = "cooperation_since" ["合作开始日期", "合作日期", "customersince"],
    CreditLimit = "credit_limit" ["信用额度", "信用额度（元）", "信用额度(元)", "creditlimit", "creditlimit(¥)"],
    Satisfaction = "satisfaction" ["满意度"],
    CreditCode = "credit_code" ["统一社会信用代码", "信用代码", "unifiedsocialcreditcode", "creditcode"],
    Phone = "phone" ["电话", "客户电话", "公司电话", "telephone"],
    ContactName = "contact_name" ["联系人", "联系人姓名", "contact", "contactname"],
    ContactTitle = "contact_title" ["职务", "联系人职务", "title"],
    ContactPhone = "contact_phone" ["手机", "联系人电话", "联系人手机", "mobile", "contactphone"],
    ContactEmail = "contact_email" ["邮箱", "电子邮箱", "email", "e-mail", "contactemail"],
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '_' && *c != '*').flat_map(char::to_lowercase).collect()
}

/// A column for each header, where one is recognised (each column at most once).
pub fn suggest(headers: &[String]) -> Vec<Option<Column>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| {
            let h = squash(h);
            let found = Column::ALL.iter().copied().find(|c| !taken.contains(c) && c.aliases().iter().any(|a| squash(a) == h));
            taken.extend(found);
            found
        })
        .collect()
}

/// Which file column (0-based) feeds each [`Column`]; as a query string `name=0,city=3`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping(pub BTreeMap<Column, usize>);

impl Mapping {
    pub fn parse(text: &str) -> Option<Mapping> {
        let mut map = BTreeMap::new();
        for pair in text.split(',').filter(|p| !p.is_empty()) {
            let (code, index) = pair.split_once('=')?;
            let column = Column::from_code(code)?;
            let index: usize = index.parse().ok().filter(|i| *i < 1000)?;
            if map.insert(column, index).is_some() {
                return None;
            }
        }
        Some(Mapping(map))
    }

    pub fn to_query(&self) -> String {
        self.0.iter().map(|(c, i)| format!("{}={i}", c.code())).collect::<Vec<_>>().join(",")
    }
}

/// A problem with one cell (or a row as a whole, `column` empty): the spreadsheet row number
/// (the header is row 1), the column's header, a reason code (translated by the UI like a
/// refusal), and the value as found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub row: u32,
    pub column: String,
    pub code: String,
    pub value: String,
}

/// Values of the fixed vocabularies (kind, satisfaction) as the importing server resolves them
/// from codes or labels in either language (`企业客户`, `Company`, `company`).
pub trait Labels {
    fn code(&self, section: &str, text: &str) -> Option<&'static str>;
}

/// One row as a new customer (and its contact, if the row names one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub name: String,
    pub kind: &'static str,
    /// Option codes of the company's lists.
    pub region: String,
    pub city: String,
    pub industry: String,
    pub size: String,
    pub business_type: String,
    pub phone: Option<String>,
    /// The optional fields, canonical and checked.
    pub details: BTreeMap<CustomerField, String>,
    pub contact: Option<(String, BTreeMap<ContactField, String>)>,
}

/// What a row falls back on when a column is absent or blank: the importer's region when they
/// have exactly one; for industry, size and business type the first active option of the list
/// (an admin puts the usual one first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defaults {
    pub region: Option<String>,
}

/// Dates as people type them into spreadsheets: `2024-03-01`, `2024/3/1`, `2024.3.1`,
/// `2024年3月1日`; canonical `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<String> {
    let t = text.trim().trim_end_matches('日');
    let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else { return None };
    let (y, m, d): (i32, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let date = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
    Some(format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day()))
}

/// Reads one data row. `row` is its spreadsheet row number; `headers` name the file's columns.
pub fn read_row(
    cells: &[String],
    headers: &[String],
    mapping: &Mapping,
    defaults: &Defaults,
    catalog: &Catalog,
    labels: &dyn Labels,
    row: u32,
) -> Result<ImportRow, Vec<Issue>> {
    let mut issues = Vec::new();
    let cell = |c: Column| -> Option<&str> { mapping.0.get(&c).and_then(|&i| cells.get(i)).map(|s| s.trim()).filter(|s| !s.is_empty()) };
    let header = |c: Column| -> String { mapping.0.get(&c).and_then(|&i| headers.get(i)).cloned().unwrap_or_else(|| c.code().to_string()) };
    let mut issue = |c: Column, code: &str, value: Option<&str>| {
        issues.push(Issue { row, column: header(c), code: code.to_string(), value: value.unwrap_or("").to_string() });
    };
    let mut text = |c: Column, field: CustomerField, required: bool| -> Option<String> {
        let v = cell(c);
        match (v, required) {
            (None, true) => {
                issue(c, "required", None);
                None
            }
            (None, false) => None,
            (Some(v), _) => match field.check(field.canonical(v).as_deref()) {
                Ok(()) => field.canonical(v),
                Err(Rejection::Invalid { code }) => {
                    issue(c, &code, Some(v));
                    None
                }
                Err(_) => None,
            },
        }
    };
    let name = text(Column::Name, CustomerField::Name, true);
    let city = text(Column::City, CustomerField::City, true);
    let phone = text(Column::Phone, CustomerField::Phone, false);
    let mut details = BTreeMap::new();
    for (c, f) in [
        (Column::ShortName, CustomerField::ShortName),
        (Column::Address, CustomerField::Address),
        (Column::Tags, CustomerField::Tags),
        (Column::CreditCode, CustomerField::CreditCode),
    ] {
        if let Some(v) = text(c, f, false) {
            details.insert(f, v);
        }
    }
    // List columns: a code or a name in either language, of an active option.
    let mut listed = |c: Column, list: List, default: Option<&str>| -> Option<String> {
        match cell(c) {
            None => {
                if default.is_none() {
                    issue(c, "required", None);
                }
                default.map(str::to_string)
            }
            Some(v) => match catalog.find(list, v) {
                Some(o) if o.active => Some(o.code.clone()),
                Some(_) => {
                    issue(c, "retired_option", Some(v));
                    None
                }
                None => {
                    issue(c, "unknown_value", Some(v));
                    None
                }
            },
        }
    };
    let first = |list: List| catalog.active(list).next().map(|o| o.code.as_str());
    let region = listed(Column::Region, List::Region, defaults.region.as_deref());
    let industry = listed(Column::Industry, List::Industry, first(List::Industry));
    let size = listed(Column::Size, List::Size, first(List::Size));
    let business_type = listed(Column::BusinessType, List::BusinessType, first(List::BusinessType));
    if cell(Column::Source).is_some() {
        if let Some(code) = listed(Column::Source, List::Source, None) {
            details.insert(CustomerField::Source, code);
        }
    }
    if let Some(s) = cell(Column::Satisfaction) {
        match labels.code("satisfaction", s) {
            Some(code) => {
                details.insert(CustomerField::Satisfaction, code.to_string());
            }
            None => issue(Column::Satisfaction, "unknown_value", Some(s)),
        }
    }
    let kind = match cell(Column::Kind) {
        None => "company",
        Some(k) => match labels.code("kind", k) {
            Some(code) => code,
            None => {
                issue(Column::Kind, "unknown_value", Some(k));
                "company"
            }
        },
    };
    if let Some(d) = cell(Column::CooperationSince) {
        match parse_date(d) {
            Some(iso) => {
                details.insert(CustomerField::CooperationSince, iso);
            }
            None => issue(Column::CooperationSince, "invalid_date", Some(d)),
        }
    }
    if let Some(amount) = cell(Column::CreditLimit) {
        match Money::parse(amount).ok().filter(|m| m.fen() >= 0).map(|m| m.fen().to_string()) {
            Some(fen) if CustomerField::CreditLimit.check(Some(&fen)).is_ok() => {
                details.insert(CustomerField::CreditLimit, fen);
            }
            _ => issue(Column::CreditLimit, "invalid_amount", Some(amount)),
        }
    }
    // A contact, if the row names one.
    let mut contact = None;
    let contact_cells = [Column::ContactName, Column::ContactTitle, Column::ContactPhone, Column::ContactEmail];
    if contact_cells.iter().any(|c| cell(*c).is_some()) {
        let mut fields = BTreeMap::new();
        let mut contact_name = None;
        for (c, f) in [
            (Column::ContactName, ContactField::Name),
            (Column::ContactTitle, ContactField::Title),
            (Column::ContactPhone, ContactField::Phone),
            (Column::ContactEmail, ContactField::Email),
        ] {
            let v = cell(c);
            if v.is_none() && f == ContactField::Name {
                issue(c, "required", None);
                continue;
            }
            let Some(v) = v else { continue };
            match f.check(f.canonical(v).as_deref()) {
                Ok(()) if f == ContactField::Name => contact_name = f.canonical(v),
                Ok(()) => {
                    fields.insert(f, f.canonical(v).unwrap_or_default());
                }
                Err(Rejection::Invalid { code }) => issue(c, &code, Some(v)),
                Err(_) => {}
            }
        }
        contact = contact_name.map(|n| (n, fields));
    }
    match (name, city, region, industry, size, business_type) {
        (Some(name), Some(city), Some(region), Some(industry), Some(size), Some(business_type)) if issues.is_empty() => {
            Ok(ImportRow { name, kind, region, city, industry, size, business_type, phone, details, contact })
        }
        _ => Err(issues),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Codes;

    impl Labels for Codes {
        fn code(&self, section: &str, text: &str) -> Option<&'static str> {
            let known: &[(&str, &str, &'static str)] = &[("kind", "企业客户", "company")];
            known.iter().find(|(s, t, _)| *s == section && *t == text).map(|(_, _, c)| *c)
        }
    }

    fn catalog() -> Catalog {
        use crate::domain::catalog::CatalogOption;
        let mut c = Catalog::starter();
        let region = |code: &str, zh: &str, en: &str, active| CatalogOption { code: code.into(), name_zh: zh.into(), name_en: en.into(), active };
        c.lists.insert(List::Region, vec![region("east", "华东", "East China", true), region("north", "华北", "North China", false)]);
        c
    }

    fn headers() -> Vec<String> {
        ["客户名称", "城市", "区域", "行业", "电话", "统一社会信用代码", "信用额度（元）", "合作开始日期", "联系人", "邮箱", "备注"].map(String::from).to_vec()
    }

    fn cells(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_in_either_language_suggest_their_columns() {
        let found = suggest(&headers());
        assert_eq!(&found[..4], &[Some(Column::Name), Some(Column::City), Some(Column::Region), Some(Column::Industry)]);
        assert_eq!(found[10], None, "备注 is not a customer field");
        let en = suggest(&["Customer Name".into(), "City".into(), "Credit code".into(), "E-mail".into(), "city".into()]);
        assert_eq!(en, [Some(Column::Name), Some(Column::City), Some(Column::CreditCode), Some(Column::ContactEmail), None]);
        let m = Mapping(found.iter().enumerate().filter_map(|(i, c)| c.map(|c| (c, i))).collect());
        assert_eq!(Mapping::parse(&m.to_query()), Some(m));
        assert_eq!(Mapping::parse("name=1,name=2"), None);
        assert_eq!(Mapping::parse("nonsense=1"), None);
    }

    #[test]
    fn a_good_row_becomes_a_customer_with_its_contact() {
        let h = headers();
        let mapping = Mapping(suggest(&h).iter().enumerate().filter_map(|(i, c)| c.map(|c| (c, i))).collect());
        let row = read_row(
            &cells(&[
                "杭州网络科技有限公司",
                "杭州",
                "华东",
                "电子",
                "0571-8888 6666",
                "91350100m000100y43",
                "50,000",
                "2024/3/1",
                "王芳",
                "WANG@example.cn",
                "x",
            ]),
            &h,
            &mapping,
            &Defaults::default(),
            &catalog(),
            &Codes,
            2,
        )
        .unwrap();
        // No size column: the list's first option.
        assert_eq!((row.region.as_str(), row.industry.as_str(), row.size.as_str()), ("east", "electronics", "micro"));
        assert_eq!(row.details[&CustomerField::CreditCode], "91350100M000100Y43");
        assert_eq!(row.details[&CustomerField::CreditLimit], "5000000");
        assert_eq!(row.details[&CustomerField::CooperationSince], "2024-03-01");
        let (name, fields) = row.contact.unwrap();
        assert_eq!((name.as_str(), fields[&ContactField::Email].as_str()), ("王芳", "wang@example.cn"));
    }

    #[test]
    fn every_problem_of_a_row_is_named_by_row_column_and_reason() {
        let h = headers();
        let mapping = Mapping(suggest(&h).iter().enumerate().filter_map(|(i, c)| c.map(|c| (c, i))).collect());
        let issues = read_row(
            &cells(&["", "杭州", "火星", "电子", "call me", "91350100M000100Y44", "-5", "2024-02-30", "", "wang@", ""]),
            &h,
            &mapping,
            &Defaults::default(),
            &catalog(),
            &Codes,
            7,
        )
        .unwrap_err();
        let got: Vec<(u32, &str, &str)> = issues.iter().map(|i| (i.row, i.column.as_str(), i.code.as_str())).collect();
        assert_eq!(
            got,
            [
                (7, "客户名称", "required"),
                (7, "电话", "invalid_phone"),
                (7, "统一社会信用代码", "credit_code_check"),
                (7, "区域", "unknown_value"),
                (7, "合作开始日期", "invalid_date"),
                (7, "信用额度（元）", "invalid_amount"),
                (7, "联系人", "required"),
                (7, "邮箱", "invalid_email"),
            ]
        );
        assert_eq!(issues[3].value, "火星");
    }

    #[test]
    fn list_values_are_names_or_codes_of_active_options() {
        let h = headers();
        let mapping = Mapping(suggest(&h).iter().enumerate().filter_map(|(i, c)| c.map(|c| (c, i))).collect());
        let read = |region: &str, industry: &str, defaults: &Defaults| {
            read_row(&cells(&["甲公司", "杭州", region, industry, "", "", "", "", "", "", ""]), &h, &mapping, defaults, &catalog(), &Codes, 3)
        };
        let row = read("East China", "ELECTRONICS", &Defaults::default()).unwrap();
        assert_eq!((row.region.as_str(), row.industry.as_str()), ("east", "electronics"));
        let codes = |r: Result<ImportRow, Vec<Issue>>| r.unwrap_err().into_iter().map(|i| i.code).collect::<Vec<_>>();
        assert_eq!(codes(read("华北", "电子", &Defaults::default())), ["retired_option"]);
        assert_eq!(codes(read("", "电子", &Defaults::default())), ["required"], "no region and no default");
        assert_eq!(read("", "", &Defaults { region: Some("east".into()) }).unwrap().industry, "manufacturing");
    }

    #[test]
    fn dates_as_typed_in_spreadsheets() {
        for (typed, iso) in [("2024-03-01", "2024-03-01"), ("2024/3/1", "2024-03-01"), ("2024.3.1", "2024-03-01"), ("2024年3月1日", "2024-03-01")] {
            assert_eq!(parse_date(typed).as_deref(), Some(iso), "{typed}");
        }
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("yesterday"), None);
    }
}

/// The answer to reading a file: its header row, a few rows, the suggested mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    /// `csv-utf8`, `csv-gbk`, `csv-utf16` or `xlsx`.
    pub format: String,
    pub headers: Vec<String>,
    /// Data rows in the file.
    pub rows: usize,
    /// The first data rows, as read.
    pub sample: Vec<Vec<String>>,
    pub suggested: Vec<Option<Column>>,
}

/// A row that looks like a customer already on file, or like an earlier row of the same file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateHit {
    pub row: u32,
    /// The existing customer's name, when the importer may see it.
    pub existing: Option<String>,
    /// The earlier row of the same file.
    pub other_row: Option<u32>,
    pub reasons: Vec<super::dedupe::DuplicateReason>,
}

/// The outcome of a dry run, or of a commit (`committed` set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub rows: usize,
    pub valid: usize,
    /// Every problem found (at most [`MAX_ISSUES`]; `more_issues` says how many more).
    pub issues: Vec<Issue>,
    pub more_issues: usize,
    pub duplicates: Vec<DuplicateHit>,
    /// Customers created, after a commit.
    pub committed: Option<usize>,
}

/// Problems listed in one report.
pub const MAX_ISSUES: usize = 500;
