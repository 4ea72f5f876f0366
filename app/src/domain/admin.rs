//! The organisation as an admin edits it: regions, teams, users with their role, team, managed
//! regions and reporting line. The forms' validation is written once here; the admin screens run
//! it before sending and the server runs it again before writing.

use super::catalog::{check_code, check_option_name};
use super::org::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RegionView {
    pub id: String,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TeamView {
    pub id: String,
    pub region_id: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAdminView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub team_id: Option<String>,
    /// The user this one reports to (approvals follow this line).
    pub manager_id: Option<String>,
    /// The regions a manager answers for.
    pub region_ids: Vec<String>,
    pub active: bool,
    pub must_change_password: bool,
    /// Devices currently signed in.
    pub sessions: i64,
}

/// `GET /api/admin/org`: everything the admin screens show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSnapshot {
    pub regions: Vec<RegionView>,
    pub teams: Vec<TeamView>,
    pub users: Vec<UserAdminView>,
}

/// Creating (`POST /api/admin/users`) or changing (`PUT /api/admin/users/{username}`) a user.
/// On a change, `username` must match the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserForm {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub team_id: Option<String>,
    #[serde(default)]
    pub manager_id: Option<String>,
    #[serde(default)]
    pub region_ids: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// The answer to creating a user: the one-time password is shown once, to the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedUser {
    pub user: UserAdminView,
    pub one_time_password: String,
}

/// A region or a team being created or renamed (`region_id` only for teams).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub region_id: Option<String>,
    pub name_zh: String,
    pub name_en: String,
}

/// What is wrong with a form; the UI translates the code, the server answers it as
/// `{"error": "<code>"}` with status 400.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormError {
    InvalidUsername,
    InvalidDisplayName,
    /// Supervisors and reps belong to a team.
    TeamRequired,
    /// A manager answers for at least one region.
    RegionsRequired,
    /// Nobody reports to themselves, directly or through others.
    ReportingCycle,
    InvalidName,
    /// A list option's names: both languages, each at most 40 characters.
    InvalidOptionName,
    InvalidCode,
    /// A referenced team, region or user does not exist.
    UnknownReference,
    /// The username or code is taken.
    Taken,
    /// The region or team still has people or customers.
    InUse,
    /// An admin cannot deactivate or demote themselves (the last way back in).
    OwnAccount,
}

impl FormError {
    pub const fn code(self) -> &'static str {
        match self {
            FormError::InvalidUsername => "invalid_username",
            FormError::InvalidDisplayName => "invalid_display_name",
            FormError::TeamRequired => "team_required",
            FormError::RegionsRequired => "regions_required",
            FormError::ReportingCycle => "reporting_cycle",
            FormError::InvalidName => "invalid_name",
            FormError::InvalidOptionName => "invalid_option_name",
            FormError::InvalidCode => "invalid_code",
            FormError::UnknownReference => "unknown_reference",
            FormError::Taken => "taken",
            FormError::InUse => "in_use",
            FormError::OwnAccount => "own_account",
        }
    }
}

pub const MAX_NAME_CHARS: usize = 100;

fn valid_name(name: &str) -> bool {
    let n = name.trim().chars().count();
    (1..=MAX_NAME_CHARS).contains(&n) && !name.chars().any(char::is_control)
}

/// Usernames: 1-64 ASCII letters, digits, `.`, `_`, `-` (they are typed on phones at sign-in).
pub fn valid_username(username: &str) -> bool {
    (1..=64).contains(&username.len()) && username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

impl UserForm {
    /// The checks that need no database: names, and what each role requires.
    pub fn validate(&self) -> Result<(), FormError> {
        if !valid_username(&self.username) {
            return Err(FormError::InvalidUsername);
        }
        if !valid_name(&self.display_name) {
            return Err(FormError::InvalidDisplayName);
        }
        match self.role {
            Role::Supervisor | Role::Rep if self.team_id.is_none() => Err(FormError::TeamRequired),
            Role::Manager if self.region_ids.is_empty() => Err(FormError::RegionsRequired),
            _ => Ok(()),
        }
    }

    /// What is stored: a team only for supervisors and reps, regions only for managers.
    pub fn normalised(mut self) -> UserForm {
        self.username = self.username.trim().to_string();
        self.display_name = self.display_name.trim().to_string();
        if !matches!(self.role, Role::Supervisor | Role::Rep) {
            self.team_id = None;
        }
        if self.role != Role::Manager {
            self.region_ids.clear();
        }
        self.region_ids.sort();
        self.region_ids.dedup();
        self
    }
}

impl UnitForm {
    pub fn validate(&self) -> Result<(), FormError> {
        if !valid_name(&self.name_zh) || !valid_name(&self.name_en) {
            return Err(FormError::InvalidName);
        }
        if let Some(code) = &self.code {
            check_code(code).map_err(|_| FormError::InvalidCode)?;
        }
        Ok(())
    }
}

/// An option of one of the company's lists being added (`code` optional: made from the English
/// name), renamed, retired or brought back (`active`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionForm {
    #[serde(default)]
    pub code: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub active: Option<bool>,
}

impl OptionForm {
    pub fn validate(&self) -> Result<(), FormError> {
        if check_option_name(&self.name_zh).is_err()
            || check_option_name(&self.name_en).is_err()
            || [&self.name_zh, &self.name_en].iter().any(|n| n.chars().any(char::is_control))
        {
            return Err(FormError::InvalidOptionName);
        }
        match &self.code {
            Some(code) if !code.trim().is_empty() => check_code(code.trim()).map_err(|_| FormError::InvalidCode),
            _ => Ok(()),
        }
    }
}

/// A list's new order: every code of the list, once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderForm {
    pub codes: Vec<String>,
}

/// Would `user` reporting to `manager` close a loop? `manager_of` gives each user's current
/// manager. Walks up from `manager`; a chain longer than the number of users is a loop too.
pub fn creates_cycle<'a>(user: &str, manager: &'a str, manager_of: impl Fn(&str) -> Option<&'a str>, users: usize) -> bool {
    let mut current = Some(manager);
    for _ in 0..=users {
        match current {
            None => return false,
            Some(m) if m == user => return true,
            Some(m) => current = manager_of(m),
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(role: Role) -> UserForm {
        UserForm { username: "li.na".into(), display_name: "李娜".into(), role, team_id: None, manager_id: None, region_ids: vec![], active: true }
    }

    #[test]
    fn each_role_needs_its_place_in_the_organisation() {
        assert_eq!(form(Role::Rep).validate(), Err(FormError::TeamRequired));
        assert_eq!(form(Role::Supervisor).validate(), Err(FormError::TeamRequired));
        assert_eq!(UserForm { team_id: Some("t1".into()), ..form(Role::Rep) }.validate(), Ok(()));
        assert_eq!(form(Role::Manager).validate(), Err(FormError::RegionsRequired));
        assert_eq!(UserForm { region_ids: vec!["r1".into()], ..form(Role::Manager) }.validate(), Ok(()));
        for role in [Role::Admin, Role::Director, Role::Finance, Role::Service] {
            assert_eq!(form(role).validate(), Ok(()));
        }
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(UserForm { username: "李娜".into(), ..form(Role::Director) }.validate(), Err(FormError::InvalidUsername));
        assert_eq!(UserForm { username: "".into(), ..form(Role::Director) }.validate(), Err(FormError::InvalidUsername));
        assert_eq!(UserForm { display_name: "  ".into(), ..form(Role::Director) }.validate(), Err(FormError::InvalidDisplayName));
        assert_eq!(UserForm { display_name: "x".repeat(101), ..form(Role::Director) }.validate(), Err(FormError::InvalidDisplayName));
        let unit = UnitForm { code: Some("east".into()), region_id: None, name_zh: "华东".into(), name_en: "East".into() };
        assert_eq!(unit.validate(), Ok(()));
        assert_eq!(UnitForm { code: Some("East China".into()), ..unit.clone() }.validate(), Err(FormError::InvalidCode));
        assert_eq!(UnitForm { name_en: "".into(), ..unit }.validate(), Err(FormError::InvalidName));
    }

    #[test]
    fn normalising_drops_what_the_role_does_not_use() {
        let f = UserForm { team_id: Some("t".into()), region_ids: vec!["b".into(), "a".into(), "b".into()], ..form(Role::Manager) };
        let n = f.normalised();
        assert_eq!(n.team_id, None);
        assert_eq!(n.region_ids, vec!["a", "b"]);
    }

    #[test]
    fn reporting_cycles_are_found() {
        // a → b → c (a reports to b, b to c)
        let line = |u: &str| match u {
            "a" => Some("b"),
            "b" => Some("c"),
            _ => None,
        };
        assert!(creates_cycle("c", "a", line, 3), "c reporting to a closes a → b → c → a");
        assert!(creates_cycle("a", "a", line, 3), "nobody reports to themselves");
        assert!(!creates_cycle("d", "a", line, 4));
        assert!(!creates_cycle("a", "c", line, 3), "a to c directly is fine");
    }
}
