//! Finding a customer as a rep types: by name, short name, contact name, tag, phone digits, and by
//! pinyin — full (`hangzhou`), initials (`hzwl`) or both mixed (`hangzwl`), heteronyms included
//! (`changsha` and `cs` find 长沙). Plain code over plain data: the replica keeps a [`SearchKey`]
//! per customer and runs a [`Query`] over all of them on each keystroke, natively in tests and
//! benches and in wasm in the browser.

mod table {
    include!(concat!(env!("OUT_DIR"), "/pinyin_table.rs"));
}

use super::privacy::normalize_phone;

/// Letters of a pinyin query taken into account (longer queries match on their first 48).
const MAX_LETTERS: usize = 48;
/// Marks the end of one name in [`SearchKey::tokens`]: a pinyin match never runs across it.
const BREAK: u16 = 0;

/// The reading set of a CJK character (`None` for anything else).
fn reading_set(ch: char) -> Option<u16> {
    let i = (ch as u32).checked_sub(table::FIRST)? as usize;
    table::CHAR_SETS.get(i).copied().filter(|&s| s != BREAK)
}

fn readings(set: u16) -> impl Iterator<Item = &'static [u8]> {
    let (from, to) = (table::SET_OFFSETS[set as usize] as usize, table::SET_OFFSETS[set as usize + 1] as usize);
    table::SET_ITEMS[from..to].iter().map(|&s| table::SYLLABLES[s as usize].as_bytes())
}

/// The text in pinyin with each character's most common reading, for sorting Chinese names the
/// way a Chinese user expects (by pinyin, not by code point): `长沙贸易` → `changshamaoyi`.
pub fn pinyin_sort_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for ch in text.chars() {
        match reading_set(ch).and_then(|s| readings(s).next()) {
            Some(r) => out.push_str(std::str::from_utf8(r).unwrap_or_default()),
            None => out.extend(ch.to_lowercase()),
        }
    }
    out
}

/// What a customer can be found by, prepared once per version of the customer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchKey {
    /// Names, short name, contact names and tags, lower-cased, each followed by `\n`.
    text: String,
    /// The digit runs of every phone, each followed by `,` (a masked `138****5678` gives `138`
    /// and `5678`, so nobody finds a customer by digits they were not shown).
    digits: String,
    /// The reading set of each character of the names; [`BREAK`] after each name and for
    /// anything that is not a CJK character.
    tokens: Vec<u16>,
    /// Every letter a reading of those characters starts with (bit 0 = `a`): a pinyin query
    /// whose first letter is not here cannot match, and a one-letter query that is, does.
    initials: u32,
}

impl SearchKey {
    /// `names`: the customer's name, short name and contact names (found by text and pinyin);
    /// `words`: found by text only (tags: their pinyin would find 长期合作 for any `hz`);
    /// `phones`: its phones and its contacts' phones, as the viewer sees them.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>, words: impl IntoIterator<Item = &'a str>, phones: impl IntoIterator<Item = &'a str>) -> SearchKey {
        let mut key = SearchKey::default();
        for word in words {
            key.text.extend(word.trim().chars().flat_map(char::to_lowercase));
            key.text.push('\n');
        }
        for name in names {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            key.text.extend(name.chars().flat_map(char::to_lowercase));
            key.text.push('\n');
            key.tokens.extend(name.chars().map(|c| reading_set(c).unwrap_or(BREAK)));
            key.tokens.push(BREAK);
        }
        for &set in &key.tokens {
            key.initials |= table::SET_INITIALS[set as usize];
        }
        for phone in phones {
            match normalize_phone(phone).filter(|_| !phone.contains('*')) {
                Some(digits) => {
                    key.digits.push_str(&digits);
                    key.digits.push(',');
                }
                None => {
                    for run in phone.split(|c: char| !c.is_ascii_digit()).filter(|r| !r.is_empty()) {
                        key.digits.push_str(run);
                        key.digits.push(',');
                    }
                }
            }
        }
        key
    }
}

/// A search as typed, prepared once per keystroke.
#[derive(Debug, Clone)]
pub struct Query {
    /// Lower-cased, trimmed.
    text: String,
    /// A prepared substring search for `text` (built once, run over every key).
    finder: memchr::memmem::Finder<'static>,
    /// The letters, when the query is only letters (and spaces): a pinyin query.
    letters: Option<Vec<u8>>,
    /// The digits, when the query is a phone number or a piece of one (3 digits or more).
    digits: Option<String>,
}

impl Query {
    /// `None` for an empty query (everything matches).
    pub fn parse(input: &str) -> Option<Query> {
        let text: String = input.trim().chars().flat_map(char::to_lowercase).collect();
        if text.is_empty() {
            return None;
        }
        let letters = text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == ' ' || c == '\'')
            .then(|| text.bytes().filter(u8::is_ascii_lowercase).take(MAX_LETTERS).collect::<Vec<u8>>())
            .filter(|l| !l.is_empty());
        let digits = text.chars().all(|c| c.is_ascii_digit() || " -+()".contains(c)).then(|| normalize_phone(&text)).flatten().filter(|d| d.len() >= 3);
        let finder = memchr::memmem::Finder::new(text.as_bytes()).into_owned();
        Some(Query { text, finder, letters, digits })
    }

    /// Whether the query is the previous one with more typed: then only the previous matches
    /// need checking.
    pub fn narrows(&self, previous: &Query) -> bool {
        self.text.starts_with(&previous.text)
    }

    /// Whether a customer with this key matches. `memo` is scratch space reused across calls.
    pub fn matches(&self, key: &SearchKey, memo: &mut Vec<u64>) -> bool {
        if self.finder.find(key.text.as_bytes()).is_some() {
            return true;
        }
        if let Some(digits) = &self.digits {
            if key.digits.contains(digits.as_str()) {
                return true;
            }
        }
        match &self.letters {
            Some(letters) if key.initials & (1 << (letters[0] - b'a')) == 0 => false,
            Some(letters) if letters.len() == 1 => true,
            Some(letters) => pinyin_matches(&key.tokens, letters, memo),
            None => false,
        }
    }
}

impl PartialEq for Query {
    fn eq(&self, other: &Query) -> bool {
        self.text == other.text
    }
}

impl Eq for Query {}

/// Whether `q` can be typed along consecutive characters of one name, each character taking a
/// non-empty prefix of one of its readings (its initial, part or all of it); the query may end
/// inside a reading. `hzwl`, `hangzhou`, `hangzwl` and `hangzho` all match 杭州网络.
fn pinyin_matches(tokens: &[u16], q: &[u8], memo: &mut Vec<u64>) -> bool {
    let first = 1u32 << (q[0] - b'a');
    let mut prepared = false;
    for start in 0..tokens.len() {
        let set = tokens[start];
        if set == BREAK || table::SET_INITIALS[set as usize] & first == 0 {
            continue;
        }
        if !prepared {
            memo.clear();
            memo.resize(tokens.len(), 0);
            prepared = true;
        }
        if walk(tokens, q, start, 0, memo) {
            return true;
        }
    }
    false
}

/// From character `i` with `q[j..]` left to type. `memo[i]` has bit `j` set once that state
/// failed, so each state is explored once (a query of n letters over m characters: ≤ n·m).
fn walk(tokens: &[u16], q: &[u8], i: usize, j: usize, memo: &mut Vec<u64>) -> bool {
    if j == q.len() {
        return true;
    }
    let Some(&set) = tokens.get(i) else { return false };
    if set == BREAK || memo[i] & (1 << j) != 0 {
        return false;
    }
    let rest = &q[j..];
    for reading in readings(set) {
        let common = reading.iter().zip(rest).take_while(|(a, b)| a == b).count();
        if common == rest.len() {
            return true;
        }
        for k in (1..=common).rev() {
            if walk(tokens, q, i + 1, j + k, memo) {
                return true;
            }
        }
    }
    memo[i] |= 1 << j;
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(query: &str, names: &[&str]) -> bool {
        let key = SearchKey::new(names.iter().copied(), [], []);
        Query::parse(query).unwrap().matches(&key, &mut Vec::new())
    }

    #[test]
    fn pinyin_initials_full_and_mixed_find_the_name() {
        let name = ["杭州网络科技有限公司"];
        for q in ["hzwl", "HZWL", "hangzhou", "hangzhouwangluo", "hangzwl", "wlkj", "zhouwang", "hangzho", "h", "hz wl"] {
            assert!(finds(q, &name), "{q}");
        }
        for q in ["hzwx", "zhh", "hangzhoux", "wlhz"] {
            assert!(!finds(q, &name), "{q}");
        }
    }

    #[test]
    fn heteronyms_are_all_readings() {
        assert!(finds("changsha", &["长沙贸易"]) && finds("cs", &["长沙贸易"]));
        assert!(finds("yinhang", &["招商银行"]) && finds("zsyh", &["招商银行"]));
        assert!(finds("xiamen", &["厦门"]) && finds("cq", &["重庆"]));
        // ü is typed v.
        assert!(finds("lvse", &["绿色食品"]));
    }

    #[test]
    fn a_match_never_runs_across_two_names() {
        // 州 ends the first name, 网 starts the second: "zw" is not typed along one name.
        assert!(!finds("zw", &["杭州", "网络"]));
        assert!(finds("wl", &["杭州", "网络"]));
    }

    #[test]
    fn plain_text_contact_names_tags_and_phone_digits() {
        let key = SearchKey::new(["杭州网络科技有限公司", "杭网", "王芳", "Acme Ltd"], ["VIP客户", "长期合作"], ["+86 138-1234-5678", "021****5678"]);
        let m = |q: &str| Query::parse(q).unwrap().matches(&key, &mut Vec::new());
        assert!(m("网络科技") && m("王芳") && m("vip") && m("acme") && m("杭网"));
        assert!(m("wf"), "contact initials");
        assert!(m("长期合作") && !m("cqhz"), "tags by text, not by pinyin");
        assert!(m("13812345678") && m("1234 5678") && m("138-1234"), "an own phone by any piece");
        assert!(m("5678") && !m("0215678"), "a masked phone only by the digits shown");
        assert!(!m("上海") && !m("99"));
        assert_eq!(Query::parse("   "), None);
    }

    #[test]
    fn a_longer_query_narrows_the_previous_one() {
        let (a, b) = (Query::parse("hz").unwrap(), Query::parse("hzw").unwrap());
        assert!(b.narrows(&a) && !a.narrows(&b));
    }

    #[test]
    fn names_sort_by_pinyin() {
        // By each character's most common reading (重 zhong, so 重庆 sorts under z).
        let mut names = vec!["重庆", "北京", "成都", "安徽"];
        names.sort_by_key(|n| pinyin_sort_key(n));
        assert_eq!(names, ["安徽", "北京", "成都", "重庆"]);
        assert_eq!(pinyin_sort_key("3M中国"), "3mzhongguo");
    }

    #[test]
    fn adversarial_names_do_not_explode() {
        let name = "啊".repeat(200);
        let q = "a".repeat(47) + "b";
        assert!(!finds(&q, &[&name]));
    }
}
