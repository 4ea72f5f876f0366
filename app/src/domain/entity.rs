//! The kinds of synced record, by the code each carries on the wire (`Removed::entity`,
//! `Conflict::entity`) and in the server's `change_log`. A code this build does not know is
//! `None` from [`Entity::from_code`] and is skipped on purpose, never taken for another kind.

/// A kind of synced record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    Customer,
    /// A deal 商机.
    Opportunity,
    Contact,
    /// Orders travel with their customer; the code names them in removals and the audit log.
    Order,
    Segment,
    Promotion,
    /// The company's lists: travel by version, not as records.
    Catalog,
}

impl Entity {
    pub const ALL: [Entity; 7] = [Entity::Customer, Entity::Opportunity, Entity::Contact, Entity::Order, Entity::Segment, Entity::Promotion, Entity::Catalog];

    pub const fn code(self) -> &'static str {
        match self {
            Entity::Customer => "customer",
            Entity::Opportunity => "opportunity",
            Entity::Contact => "contact",
            Entity::Order => "order",
            Entity::Segment => "segment",
            Entity::Promotion => "promotion",
            Entity::Catalog => "catalog",
        }
    }

    pub fn from_code(code: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::Entity;

    #[test]
    fn codes_are_distinct_and_read_back() {
        for e in Entity::ALL {
            assert_eq!(Entity::from_code(e.code()), Some(e));
        }
        assert_eq!(Entity::from_code("deal"), None);
        let mut codes: Vec<&str> = Entity::ALL.iter().map(|e| e.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Entity::ALL.len());
    }
}
