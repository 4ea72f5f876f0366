//! Fixed vocabularies 固定词表: satisfaction, decision role, grade, funnel stage. Each value has a
//! stable code (stored, and used on the wire); its label comes from the i18n files, keyed by that
//! code. (The lists an admin edits are [`super::catalog`]'s.)

/// An enum whose variants are stored and sent as stable text codes (also used by the demo
/// generator for its own vocabulary).
#[doc(hidden)]
#[macro_export]
macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
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

crate::coded_enum!(
    /// Customer satisfaction 满意度.
    Satisfaction { High = "high", Medium = "medium", Low = "low" }
);

crate::coded_enum!(
    /// A contact's role in the buying decision 决策角色.
    ContactRole { DecisionMaker = "decision_maker", Influencer = "influencer", User = "user", Gatekeeper = "gatekeeper" }
);

crate::coded_enum!(
    /// Customer grade 客户分级: A 优质, B 潜力, C 维护, D 淘汰.
    Grade { A = "A", B = "B", C = "C", D = "D" }
);

crate::coded_enum!(
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
