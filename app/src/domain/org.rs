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
    pub const ALL: [Role; 7] = [Role::Admin, Role::Director, Role::Manager, Role::Supervisor, Role::Rep, Role::Finance, Role::Service];

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

    /// Answers for customers they can see but do not own: may hand them over, share and edit them
    /// (supervisors in their team, managers in their regions, the director and admins everywhere).
    pub const fn answers_for_customers(self) -> bool {
        matches!(self, Role::Admin | Role::Director | Role::Manager | Role::Supervisor)
    }

    /// May open the audit history of the records they can see.
    pub const fn sees_history(self) -> bool {
        matches!(self, Role::Admin | Role::Director | Role::Manager)
    }

    /// May create customers (finance and service work on existing ones).
    pub const fn creates_customers(self) -> bool {
        self.answers_for_customers() || matches!(self, Role::Rep)
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

    #[test]
    fn who_answers_for_customers_sees_history_and_creates() {
        let with = |f: fn(Role) -> bool| Role::ALL.into_iter().filter(|r| f(*r)).collect::<Vec<_>>();
        assert_eq!(with(Role::answers_for_customers), [Role::Admin, Role::Director, Role::Manager, Role::Supervisor]);
        assert_eq!(with(Role::sees_history), [Role::Admin, Role::Director, Role::Manager]);
        assert_eq!(with(Role::creates_customers), [Role::Admin, Role::Director, Role::Manager, Role::Supervisor, Role::Rep]);
    }
}
