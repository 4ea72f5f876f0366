//! The order of cards within a board column: every deal has a sort key, and a card dropped
//! between two others gets a key between theirs, so a reorder is one small mutation of one deal
//! and two devices reordering at once never have to renumber a column.
//!
//! Keys are strings of `0-9a-z` compared as bytes, never ending in `0` (so that a key always
//! exists between any two). A deal nobody has placed by hand sorts by its expected close date,
//! then its id ([`default_key`]), so a fresh column is in a useful order and needs no stored key.
//!
//! Written here rather than taken from a crate: the keys must interleave with [`default_key`]s
//! made from data, which the fractional-index crates' own encodings do not allow. The algorithm
//! is David Greenspan's "Implementing Fractional Indexing" (digit-wise midpoint).

const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
/// The longest key a mutation may carry (about a hundred drops into the very same gap).
pub const MAX_KEY_CHARS: usize = 200;

fn digit(c: u8) -> usize {
    DIGITS.iter().position(|&d| d == c).unwrap_or(0)
}

/// Whether `key` is a well-formed sort key.
pub fn valid(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_CHARS && key.bytes().all(|c| DIGITS.contains(&c)) && !key.ends_with('0')
}

/// A key strictly between `before` and `after` (`None` = the column's start or end). `before`
/// must sort before `after` and both must be [`valid`]; otherwise a key after `before` (or before
/// `after`) is still returned, so the card lands next to its neighbour rather than nowhere.
pub fn between(before: Option<&str>, after: Option<&str>) -> String {
    let a = before.filter(|k| valid(k)).unwrap_or("");
    let b = after.filter(|k| valid(k) && *k > a);
    midpoint(a.as_bytes(), b.map(str::as_bytes))
}

fn midpoint(a: &[u8], b: Option<&[u8]>) -> String {
    if let Some(b) = b {
        // The common prefix (reading a past its end as zeros) is kept.
        let n = (0..b.len()).take_while(|&i| a.get(i).copied().unwrap_or(b'0') == b[i]).count();
        if n > 0 {
            let prefix = String::from_utf8_lossy(&b[..n]).into_owned();
            return prefix + &midpoint(a.get(n..).unwrap_or(&[]), Some(&b[n..]));
        }
    }
    let da = a.first().map_or(0, |&c| digit(c));
    let db = b.map_or(DIGITS.len(), |b| b.first().map_or(DIGITS.len(), |&c| digit(c)));
    if db - da > 1 {
        return (DIGITS[(da + db).div_ceil(2)] as char).to_string();
    }
    // Adjacent digits: a shorter b's first digit works, else extend a.
    match b {
        Some(b) if b.len() > 1 => (b[0] as char).to_string(),
        _ => (DIGITS[da] as char).to_string() + &midpoint(a.get(1..).unwrap_or(&[]), None),
    }
}

/// The key of a deal nobody placed by hand: its expected close day (`YYYY-MM-DD`), then its id,
/// so a column runs from the soonest close; always [`valid`] and unique per deal.
pub fn default_key(expected_close: &str, id: &str) -> String {
    let mut key: String = expected_close.chars().filter(char::is_ascii_digit).collect();
    key.extend(id.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()));
    key.push('1');
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fall_between_their_neighbours() {
        assert_eq!(between(None, None), "i");
        assert_eq!(between(Some("i"), None), "r");
        assert_eq!(between(None, Some("i")), "9");
        assert_eq!(between(Some("a"), Some("b")), "ai");
        assert_eq!(between(Some("a"), Some("a1")), "a0i");
        assert!(valid(&between(Some("a"), Some("a1"))));
        assert_eq!(between(Some("z"), None), "zi");
        // Bad neighbours still give a usable key next to the good one.
        assert!(between(Some("b"), Some("a")).as_str() > "b");
        assert!(between(Some("ABC"), Some("b")).as_str() < "b");
    }

    #[test]
    fn a_hundred_drops_into_one_gap_stay_ordered_and_short_enough() {
        // xorshift: the same sequence every run.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut keys =
            vec![default_key("2026-11-30", "0b6c1f3e-8a3d-4b1e-9a55-3a1f6a2b7c90"), default_key("2026-12-01", "00000000-0000-0000-0000-000000000000")];
        keys.sort();
        for _ in 0..2000 {
            let i = (next() % (keys.len() as u64 + 1)) as usize;
            let key = between(i.checked_sub(1).map(|j| keys[j].as_str()), keys.get(i).map(String::as_str));
            assert!(valid(&key), "{key}");
            keys.insert(i, key);
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "out of order after inserting at {i}");
        }
        // Always dropping at the same spot (the worst case) grows the key slowly.
        let (low, mut high) = ("a".to_string(), "b".to_string());
        for _ in 0..100 {
            high = between(Some(&low), Some(&high));
        }
        assert!(high.len() <= 40, "{}", high.len());
        assert!(valid(&high) && high.as_str() > "a");
    }

    #[test]
    fn default_keys_sort_by_close_date_then_id() {
        let soon = default_key("2026-11-30", "ffffffff-0000-0000-0000-000000000000");
        let later = default_key("2026-12-01", "00000000-0000-0000-0000-000000000000");
        assert!(soon < later && valid(&soon) && valid(&later));
        let k = between(Some(&soon), Some(&later));
        assert!(soon < k && k < later);
    }
}
