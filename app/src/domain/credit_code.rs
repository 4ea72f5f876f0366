//! The unified social credit code 统一社会信用代码 (GB 32100-2015) every Chinese organisation has:
//! 18 characters from a 31-character alphabet, the last a check character over the first 17.
//! Written by hand because it is one published formula (no crate keeps it better).

/// The code's alphabet: digits and capitals without I, O, S, V, Z.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weight of each of the first 17 positions: 3^i mod 31.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Why a credit code is not valid; the UI words each for a sales assistant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditCodeError {
    /// Not 18 characters.
    Length,
    /// A character outside the code's alphabet (I, O, S, V, Z and punctuation never occur).
    Character,
    /// The last character does not match the others: usually a typo.
    CheckCharacter,
}

impl CreditCodeError {
    /// The stable code the sync protocol and the import report carry.
    pub const fn code(self) -> &'static str {
        match self {
            CreditCodeError::Length => "credit_code_length",
            CreditCodeError::Character => "credit_code_character",
            CreditCodeError::CheckCharacter => "credit_code_check",
        }
    }
}

/// The code in its canonical form (capitals, no spaces), if it is valid.
pub fn normalize_credit_code(input: &str) -> Result<String, CreditCodeError> {
    let code: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    if code.chars().count() != 18 {
        return Err(CreditCodeError::Length);
    }
    let mut values = [0u32; 18];
    for (i, b) in code.bytes().enumerate() {
        values[i] = ALPHABET.iter().position(|&a| a == b).ok_or(CreditCodeError::Character)? as u32;
    }
    let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    if values[17] != check {
        return Err(CreditCodeError::CheckCharacter);
    }
    Ok(code)
}

/// The check character for 17 leading characters (for test and demo data).
pub fn check_character(first17: &str) -> Option<char> {
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in first17.bytes().zip(WEIGHTS) {
        sum += ALPHABET.iter().position(|&a| a == b)? as u32 * w;
    }
    Some(ALPHABET[((31 - sum % 31) % 31) as usize] as char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_pass_and_normalise() {
        // Codes printed on public business licences.
        for code in ["91350100M000100Y43", "91110108551385082Q", "91440300708461136T"] {
            assert_eq!(normalize_credit_code(code).as_deref(), Ok(code), "{code}");
        }
        assert_eq!(normalize_credit_code(" 9135 0100 m000 100y43 ").as_deref(), Ok("91350100M000100Y43"));
    }

    #[test]
    fn typos_are_caught_with_a_reason() {
        assert_eq!(normalize_credit_code("91350100M000100Y44"), Err(CreditCodeError::CheckCharacter));
        // Two neighbouring characters swapped.
        assert_eq!(normalize_credit_code("91351000M000100Y43"), Err(CreditCodeError::CheckCharacter));
        assert_eq!(normalize_credit_code("91350100M000100Y4"), Err(CreditCodeError::Length));
        assert_eq!(normalize_credit_code("91350100I000100Y43"), Err(CreditCodeError::Character));
        assert_eq!(normalize_credit_code("９１350100M000100Y43"), Err(CreditCodeError::Character));
    }

    #[test]
    fn the_check_character_completes_any_body() {
        for body in ["91350100M000100Y4", "12100000400000624", "Y1440300MA5DXXXXX".replace('X', "0").as_str()] {
            let full = format!("{body}{}", check_character(body).unwrap());
            assert!(normalize_credit_code(&full).is_ok(), "{full}");
        }
        assert_eq!(check_character("short"), None);
    }
}
