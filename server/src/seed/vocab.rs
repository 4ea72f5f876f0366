//! The demo company's own classification codes: options of the starter lists
//! (`kedao_app::domain::catalog::Catalog::starter`) and the regions the demo organisation
//! creates. Typed here so the generator can reason about them (sizes scale deal counts); in the
//! product these lists are data an admin edits.

kedao_app::coded_enum!(
    /// The demo organisation's sales regions.
    #[allow(clippy::enum_variant_names)]
    Region { EastChina = "east", SouthChina = "south", NorthChina = "north", SouthwestChina = "southwest", CentralChina = "central" }
);

kedao_app::coded_enum!(
    Industry { Manufacturing = "manufacturing", Electronics = "electronics", Retail = "retail", Construction = "construction", Healthcare = "healthcare", Logistics = "logistics", Education = "education", Finance = "finance", Food = "food", Energy = "energy" }
);

kedao_app::coded_enum!(
    CompanySize { Micro = "micro", Small = "small", Medium = "medium", Large = "large", Enterprise = "enterprise" }
);

kedao_app::coded_enum!(
    BusinessType { Distributor = "distributor", EndUser = "end_user", Oem = "oem", Government = "government", Retailer = "retailer" }
);

#[cfg(test)]
mod tests {
    use super::*;
    use kedao_app::domain::catalog::{Catalog, List};

    #[test]
    fn the_demo_codes_are_starter_options() {
        let starter = Catalog::starter();
        assert!(Industry::ALL.iter().all(|v| starter.check(List::Industry, v.code()).is_ok()));
        assert!(CompanySize::ALL.iter().all(|v| starter.check(List::Size, v.code()).is_ok()));
        assert!(BusinessType::ALL.iter().all(|v| starter.check(List::BusinessType, v.code()).is_ok()));
    }
}
