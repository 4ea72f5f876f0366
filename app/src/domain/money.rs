//! Money in integer fen (1/100 yuan). Never `f64`: sums of prices must be exact.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Mul, Sub};

/// An amount of renminbi, held as a whole number of fen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not an amount of money")]
    Invalid,
    #[error("more than two decimal places")]
    TooPrecise,
    #[error("amount too large")]
    Overflow,
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Self {
        Money(fen)
    }

    pub const fn from_yuan(yuan: i64) -> Self {
        Money(yuan * 100)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Parses what a user types: `1234`, `1,234.5`, `¥1 234.56`, `-20`. At most two decimals.
    pub fn parse(input: &str) -> Result<Self, MoneyError> {
        let trimmed = input.trim();
        let (negative, unsigned) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let cleaned: String = unsigned.trim_start_matches(['¥', '￥']).chars().filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '_')).collect();
        let digits = cleaned.as_str();
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        if whole.is_empty() && frac.is_empty() {
            return Err(MoneyError::Invalid);
        }
        if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(MoneyError::Invalid);
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| MoneyError::Overflow)? };
        let frac_fen: i64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().map_err(|_| MoneyError::Invalid)? * 10,
            _ => frac.parse::<i64>().map_err(|_| MoneyError::Invalid)?,
        };
        let fen = whole.checked_mul(100).and_then(|f| f.checked_add(frac_fen)).ok_or(MoneyError::Overflow)?;
        Ok(Money(if negative { -fen } else { fen }))
    }

    /// `¥1,234,567.89`: yuan with thousands grouping and two decimals. Both zh-CN and en group
    /// money by thousands, so one format serves both locales.
    pub fn format_yuan(self) -> String {
        let negative = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let yuan = abs / 100;
        let fen = abs % 100;
        let mut out = String::with_capacity(24);
        if negative {
            out.push('-');
        }
        out.push('¥');
        out.push_str(&group_thousands(yuan));
        out.push('.');
        out.push_str(&format!("{fen:02}"));
        out
    }

    /// A short amount for tight places (board column headers, chart labels): `¥3,500`,
    /// `¥12.5万`, `¥3.2亿` in Chinese, `¥3,500`, `¥125K`, `¥2.45M` in English; three significant
    /// digits at most.
    pub fn format_compact(self, english: bool) -> String {
        let yuan = self.0 as f64 / 100.0;
        let units: &[(f64, &str)] = if english { &[(1e9, "B"), (1e6, "M"), (1e3, "K")] } else { &[(1e8, "亿"), (1e4, "万")] };
        let sign = if yuan < 0.0 { "-" } else { "" };
        let abs = yuan.abs();
        for &(size, unit) in units {
            // English keeps "¥3,500" (K from 10,000 on); Chinese says 万 from 10,000.
            if abs >= size && !(english && size == 1e3 && abs < 1e4) {
                let v = abs / size;
                let decimals = if v >= 100.0 {
                    0
                } else if v >= 10.0 {
                    1
                } else {
                    2
                };
                let text = format!("{v:.decimals$}");
                let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text };
                return format!("{sign}¥{text}{unit}");
            }
        }
        format!("{sign}¥{}", group_thousands(abs.round() as u64))
    }

    /// Yuan as typed into a form, without symbol or grouping: `50000`, `1234.5`, `-0.05`.
    /// [`Money::parse`] reads it back.
    pub fn to_plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        match abs % 100 {
            0 => format!("{sign}{}", abs / 100),
            f if f % 10 == 0 => format!("{sign}{}.{}", abs / 100, f / 10),
            f => format!("{sign}{}.{f:02}", abs / 100),
        }
    }

    /// Multiplies by a percentage given in basis points (1/100 of a percent), rounding half away
    /// from zero to the nearest fen: weighted pipeline values, discounts.
    pub fn scale_bp(self, basis_points: i64) -> Money {
        let product = self.0 as i128 * basis_points as i128;
        let rounded = if product >= 0 { (product + 5_000) / 10_000 } else { (product - 5_000) / 10_000 };
        Money(rounded as i64)
    }
}

/// Inserts `,` every three digits from the right.
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format_yuan())
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Mul<i64> for Money {
    type Output = Money;
    fn mul(self, rhs: i64) -> Money {
        Money(self.0 * rhs)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_grouping_and_two_decimals() {
        assert_eq!(Money::from_fen(0).format_yuan(), "¥0.00");
        assert_eq!(Money::from_fen(5).format_yuan(), "¥0.05");
        assert_eq!(Money::from_fen(123_456_789).format_yuan(), "¥1,234,567.89");
        assert_eq!(Money::from_fen(-100_000).format_yuan(), "-¥1,000.00");
        assert_eq!(Money::from_yuan(999).format_yuan(), "¥999.00");
        assert_eq!(Money::from_yuan(1000).format_yuan(), "¥1,000.00");
    }

    #[test]
    fn parses_what_users_type() {
        assert_eq!(Money::parse("1234"), Ok(Money::from_fen(123_400)));
        assert_eq!(Money::parse("¥1,234.5"), Ok(Money::from_fen(123_450)));
        assert_eq!(Money::parse(" ￥1 234.56 "), Ok(Money::from_fen(123_456)));
        assert_eq!(Money::parse("-20"), Ok(Money::from_fen(-2_000)));
        assert_eq!(Money::parse(".5"), Ok(Money::from_fen(50)));
        assert_eq!(Money::parse("1.234"), Err(MoneyError::TooPrecise));
        assert_eq!(Money::parse("abc"), Err(MoneyError::Invalid));
        assert_eq!(Money::parse(""), Err(MoneyError::Invalid));
        assert_eq!(Money::parse("1e5"), Err(MoneyError::Invalid));
        assert_eq!(Money::parse("99999999999999999999"), Err(MoneyError::Overflow));
    }

    #[test]
    fn parse_inverts_format() {
        for fen in [0, 1, 99, 100, 12_345, 100_000_000, -7_654_321, i64::MAX / 1000] {
            let m = Money::from_fen(fen);
            assert_eq!(Money::parse(&m.format_yuan()), Ok(m), "{fen}");
        }
    }

    #[test]
    fn scaling_by_basis_points_rounds_half_away_from_zero() {
        // 30% of ¥100.01 = ¥30.003 → ¥30.00
        assert_eq!(Money::from_fen(10_001).scale_bp(3_000), Money::from_fen(3_000));
        // 50% of 1 fen = 0.5 fen → 1 fen
        assert_eq!(Money::from_fen(1).scale_bp(5_000), Money::from_fen(1));
        assert_eq!(Money::from_fen(-1).scale_bp(5_000), Money::from_fen(-1));
        assert_eq!(Money::from_yuan(1_000).scale_bp(10_000), Money::from_yuan(1_000));
    }

    #[test]
    fn plain_yuan_round_trips_through_parse() {
        for fen in [0, 5, 50, 123_456, 5_000_000, -5, 10_010] {
            let m = Money::from_fen(fen);
            assert_eq!(Money::parse(&m.to_plain()), Ok(m), "{}", m.to_plain());
        }
        assert_eq!(Money::from_fen(5_000_000).to_plain(), "50000");
        assert_eq!(Money::from_fen(123_450).to_plain(), "1234.5");
    }

    #[test]
    fn compact_amounts_for_headers() {
        let yuan = |y: i64| Money::from_yuan(y);
        assert_eq!(yuan(3_500).format_compact(false), "¥3,500");
        assert_eq!(yuan(125_000).format_compact(false), "¥12.5万");
        assert_eq!(yuan(10_000).format_compact(false), "¥1万");
        assert_eq!(yuan(320_000_000).format_compact(false), "¥3.2亿");
        assert_eq!(yuan(125_000).format_compact(true), "¥125K");
        assert_eq!(yuan(3_500).format_compact(true), "¥3,500");
        assert_eq!(yuan(320_000_000).format_compact(true), "¥320M");
        assert_eq!(yuan(2_448_000).format_compact(true), "¥2.45M");
        assert_eq!(yuan(12_000).format_compact(true), "¥12K");
        assert_eq!(yuan(-1_234_567).format_compact(false), "-¥123万");
        assert_eq!(Money::ZERO.format_compact(true), "¥0");
    }
}
