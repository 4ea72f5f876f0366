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

/// An ID card number (18 characters) keeps its first three and last four: `110***********123X`.
/// Other lengths keep only the last four.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len().max(4));
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    if chars.len() == 18 {
        let head: String = chars[..3].iter().collect();
        format!("{head}{}{tail}", "*".repeat(11))
    } else {
        format!("{}{tail}", "*".repeat(chars.len() - 4))
    }
}

/// A bank account number keeps its last four digits: `**** **** **** 1234`.
pub fn mask_bank_account(account: &str) -> String {
    let digits: Vec<char> = account.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    if digits.len() < 8 {
        return "****".into();
    }
    let tail: String = digits[digits.len() - 4..].iter().collect();
    format!("**** **** **** {tail}")
}

/// The canonical form of a phone number for comparing and duplicate search: digits only, without
/// China's country code on mobile numbers (`+86 138-1234-5678` → `13812345678`). `None` when there
/// are no digits at all.
pub fn normalize_phone(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    for prefix in ["0086", "86"] {
        if let Some(rest) = digits.strip_prefix(prefix) {
            if rest.len() == 11 && rest.starts_with('1') {
                return Some(rest.to_string());
            }
        }
    }
    Some(digits)
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
    fn ids_and_bank_accounts_keep_only_what_tells_them_apart() {
        assert_eq!(mask_id_number("11010519491231002X"), "110***********002X");
        assert_eq!(mask_id_number("A1234567"), "****4567");
        assert_eq!(mask_id_number("123"), "****");
        assert_eq!(mask_bank_account("6222 0212 3456 7890 123"), "**** **** **** 0123");
        assert_eq!(mask_bank_account("12"), "****");
    }

    #[test]
    fn phones_normalise_to_their_digits_without_the_country_code() {
        assert_eq!(normalize_phone("+86 138-1234-5678").as_deref(), Some("13812345678"));
        assert_eq!(normalize_phone("0086 13812345678").as_deref(), Some("13812345678"));
        assert_eq!(normalize_phone("021-6234 5678").as_deref(), Some("02162345678"));
        assert_eq!(normalize_phone("86 21 6234 5678").as_deref(), Some("862162345678"), "landlines keep their digits");
        assert_eq!(normalize_phone("n/a"), None);
    }

    #[test]
    fn only_managers_and_above_see_costs() {
        let seeing: Vec<Role> = Role::ALL.into_iter().filter(|r| sees_costs(*r)).collect();
        assert_eq!(seeing, vec![Role::Admin, Role::Director, Role::Manager]);
    }
}
