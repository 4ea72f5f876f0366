//! What a viewer may see of sensitive values. The server applies these before anything leaves
//! it; the UI shows what it receives.

use super::org::Role;

/// `13812345678` → `138****5678`: keeps the first three and last four characters so a rep can
/// still tell numbers apart. Short values are masked whole.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len().max(4));
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// Cost, margin and quote floor prices: manager and above only.
pub const fn sees_costs(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Director | Role::Manager)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_keep_head_and_tail() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("021-6234-5678"), "021****5678");
        assert_eq!(mask_phone("12345"), "*****");
        assert_eq!(mask_phone(""), "****");
    }

    #[test]
    fn only_managers_and_above_see_costs() {
        let seeing: Vec<Role> = Role::ALL.into_iter().filter(|r| sees_costs(*r)).collect();
        assert_eq!(seeing, vec![Role::Admin, Role::Director, Role::Manager]);
    }
}
