//! The sales organisation: roles and their stable codes.

use serde::{Deserialize, Serialize};

/// What a user is in the organisation; decides what they may see (issue #3 enforces it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Director,
    Manager,
    Supervisor,
    Rep,
    Finance,
    Service,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Director,
        Role::Manager,
        Role::Supervisor,
        Role::Rep,
        Role::Finance,
        Role::Service,
    ];

    /// The code stored in the database and sent over the wire.
    pub const fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Director => "director",
            Role::Manager => "manager",
            Role::Supervisor => "supervisor",
            Role::Rep => "rep",
            Role::Finance => "finance",
            Role::Service => "service",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("root"), None);
    }
}
