//! The core of every change a device makes: a field of a record, the rules for its values, and
//! why a change is refused. Every area's mutations are made of these; this module knows no area.

use serde::{Deserialize, Serialize};

/// The longest free-text field a mutation may carry (names, cities), in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// A field a mutation can set: its column, and the shared rule for its values.
pub trait Field: Copy + Eq + Ord + std::fmt::Debug + 'static {
    const ALL: &'static [Self];
    /// The column (and audit field) name.
    fn column(self) -> &'static str;
    /// Whether `value` is acceptable (`None` = cleared), in its canonical form.
    fn check(self, value: Option<&str>) -> Result<(), Rejection>;
    /// The canonical form of what a user typed (trimmed; tags, codes tidied); `None` if blank.
    fn canonical(self, typed: &str) -> Option<String>;
    /// Whether the column holds a number (written as one: PostgreSQL does not cast text).
    fn numeric(self) -> bool {
        false
    }

    fn from_column(column: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.column() == column)
    }
}

/// Longest option code and name (the lists an admin edits, sales processes).
pub const MAX_CODE_CHARS: usize = 32;
pub const MAX_OPTION_NAME_CHARS: usize = 40;

/// An option code: 1–32 of `a-z`, `0-9`, `_`, starting with a letter (stable, safe in URLs,
/// CSV and SQL values).
pub fn check_code(code: &str) -> Result<(), &'static str> {
    let ok = !code.is_empty()
        && code.len() <= MAX_CODE_CHARS
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err("invalid_code")
    }
}

/// The rule for an option's names (both languages required, as every screen shows one).
pub fn check_option_name(name: &str) -> Result<(), &'static str> {
    let n = name.trim().chars().count();
    if n == 0 {
        Err("required")
    } else if n > MAX_OPTION_NAME_CHARS {
        Err("too_long")
    } else {
        Ok(())
    }
}

/// The largest amount a field may hold: ¥1,000,000,000,000 in fen.
pub const MAX_AMOUNT_FEN: i64 = 100_000_000_000_000;
/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// Tags per customer, and characters per tag.
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG_CHARS: usize = 20;

/// An amount in fen as a field carries it: a whole number from 0 to [`MAX_AMOUNT_FEN`], written
/// canonically (no sign, no leading zeros).
pub(crate) fn amount_fen(v: &str) -> Result<(), Rejection> {
    match v.parse::<i64>() {
        Ok(fen) if (0..=MAX_AMOUNT_FEN).contains(&fen) && v == fen.to_string() => Ok(()),
        _ => invalid("invalid_amount"),
    }
}

pub(crate) fn invalid(code: &str) -> Result<(), Rejection> {
    Err(Rejection::Invalid { code: code.into() })
}

/// A value of one of the company's lists looks like a code (its membership is checked against
/// the catalogue by each mutation's `check_catalog`).
pub(crate) fn list_code(v: &str) -> Result<(), Rejection> {
    check_code(v).map_err(|_| Rejection::Invalid { code: "unknown_code".into() })
}

pub(crate) fn coded<T>(known: Option<T>) -> Result<(), Rejection> {
    known.map(|_| ()).ok_or_else(|| Rejection::Invalid { code: "unknown_code".into() })
}

pub(crate) fn phone(v: &str) -> Result<(), Rejection> {
    // A masked number (`138****5678`, as exported for a colleague's customer) is not a number.
    if super::privacy::normalize_phone(v).is_some_and(|d| (5..=20).contains(&d.len())) && v.chars().count() <= 32 && !v.contains('*') {
        Ok(())
    } else {
        invalid("invalid_phone")
    }
}

pub(crate) fn email(v: &str) -> Result<(), Rejection> {
    let ok = v.len() <= 100
        && !v.chars().any(|c| c.is_whitespace() || c.is_control())
        && v.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@')
        });
    if ok {
        Ok(())
    } else {
        invalid("invalid_email")
    }
}

pub(crate) fn date(v: &str) -> Result<(), Rejection> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(v, &format) {
        Ok(d) if (1900..=2200).contains(&d.year()) => Ok(()),
        _ => invalid("invalid_date"),
    }
}

/// Tags as typed (`VIP, 重点 ，vip`) in canonical form: split on commas (either width), trimmed,
/// the first spelling of each kept, joined with `,`.
pub fn normalize_tags(typed: &str) -> String {
    let mut seen: Vec<String> = Vec::new();
    for tag in typed.split([',', '，', ';', '；']).map(str::trim).filter(|t| !t.is_empty()) {
        if !seen.iter().any(|s| s.to_lowercase() == tag.to_lowercase()) {
            seen.push(tag.to_string());
        }
    }
    seen.join(",")
}

pub(crate) fn tags(v: &str) -> Result<(), Rejection> {
    let list: Vec<&str> = v.split(',').collect();
    if list.len() > MAX_TAGS || list.iter().any(|t| t.chars().count() > MAX_TAG_CHARS || t.chars().any(char::is_control)) {
        return invalid("invalid_tags");
    }
    if normalize_tags(v) != v {
        return invalid("invalid_tags");
    }
    Ok(())
}

pub(crate) fn text(v: &str) -> Result<(), Rejection> {
    let n = v.trim().chars().count();
    if n == 0 {
        Err(Rejection::Invalid { code: "required".into() })
    } else if n > MAX_TEXT_CHARS || v.chars().any(char::is_control) {
        Err(Rejection::Invalid { code: "too_long".into() })
    } else {
        Ok(())
    }
}

/// A record id as devices make them (a UUID in text form).
pub(crate) fn valid_id(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// Why the server did not apply a mutation; the UI shows each translated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Rejection {
    /// The record does not exist, or the user may not see it.
    NotFound,
    /// The user sees the record but may not make this change.
    Forbidden,
    /// The shared validation refused it; `code` says why.
    Invalid { code: String },
    /// A record with this id already exists (a create replayed from another device).
    AlreadyExists,
    /// This server does not know the mutation type: the app must update before it can sync it.
    ClientMustUpdate,
    /// Applying it failed on the server several times in a row (a fault, logged there with its
    /// cause): it is set aside so that the changes queued behind it go through, and the user may
    /// try it again from the sync screen.
    ServerError,
}
