//! The fixed vocabularies a customer and an opportunity are classified by: region, industry,
//! size, business type, grade and funnel stage. Each value has a stable code (stored in the
//! database, and the form serde uses on the wire); its label comes from the i18n files, keyed by that code.

use serde::{Deserialize, Serialize};

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $code)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database.
            pub const fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

coded_enum!(
    /// Sales regions 销售大区.
    Region { EastChina = "east", SouthChina = "south", NorthChina = "north", SouthwestChina = "southwest", CentralChina = "central", NortheastChina = "northeast", NorthwestChina = "northwest" }
);

coded_enum!(
    /// Industry 行业.
    Industry { Manufacturing = "manufacturing", Electronics = "electronics", Retail = "retail", Construction = "construction", Healthcare = "healthcare", Logistics = "logistics", Education = "education", Finance = "finance", Food = "food", Energy = "energy" }
);

coded_enum!(
    /// Company size 规模.
    CompanySize { Micro = "micro", Small = "small", Medium = "medium", Large = "large", Enterprise = "enterprise" }
);

coded_enum!(
    /// Business type 业务类型.
    BusinessType { Distributor = "distributor", EndUser = "end_user", Oem = "oem", Government = "government", Retailer = "retailer" }
);

coded_enum!(
    /// Where a customer or a deal came from 来源.
    Source { Referral = "referral", Exhibition = "exhibition", Website = "website", ColdCall = "cold_call", Partner = "partner", ExistingCustomer = "existing_customer", Advertising = "advertising", Other = "other" }
);

coded_enum!(
    /// Customer satisfaction 满意度.
    Satisfaction { High = "high", Medium = "medium", Low = "low" }
);

coded_enum!(
    /// A contact's role in the buying decision 决策角色.
    ContactRole { DecisionMaker = "decision_maker", Influencer = "influencer", User = "user", Gatekeeper = "gatekeeper" }
);

coded_enum!(
    /// Customer grade 客户分级: A 优质, B 潜力, C 维护, D 淘汰.
    Grade { A = "A", B = "B", C = "C", D = "D" }
);

coded_enum!(
    /// Funnel stages 销售漏斗阶段, in order, then the two closed outcomes.
    Stage { InitialContact = "initial_contact", NeedsAnalysis = "needs_analysis", Proposal = "proposal", Negotiation = "negotiation", ContractSigned = "contract_signed", Lost = "lost" }
);

impl Stage {
    /// The stages of an open deal, in funnel order.
    pub const OPEN: [Stage; 4] = [Stage::InitialContact, Stage::NeedsAnalysis, Stage::Proposal, Stage::Negotiation];

    /// Default win probability in basis points, used for the weighted pipeline until a company
    /// configures its own stages.
    pub const fn default_probability_bp(self) -> i64 {
        match self {
            Stage::InitialContact => 1_000,
            Stage::NeedsAnalysis => 2_500,
            Stage::Proposal => 5_000,
            Stage::Negotiation => 7_500,
            Stage::ContractSigned => 10_000,
            Stage::Lost => 0,
        }
    }

    pub const fn is_closed(self) -> bool {
        matches!(self, Stage::ContractSigned | Stage::Lost)
    }
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
        check(Region::ALL, Region::code, Region::from_code);
        check(Industry::ALL, Industry::code, Industry::from_code);
        check(CompanySize::ALL, CompanySize::code, CompanySize::from_code);
        check(BusinessType::ALL, BusinessType::code, BusinessType::from_code);
        check(Grade::ALL, Grade::code, Grade::from_code);
        check(Source::ALL, Source::code, Source::from_code);
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
}
