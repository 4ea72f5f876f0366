//! Generates the pinyin table the customer search matches against (`domain::search`): for every
//! character of the CJK Unified Ideographs block, the set of its plain readings (heteronyms
//! included: 长沙 is "changsha", 银行 "yinhang"), taken from the `pinyin` crate's data. The crate
//! itself keeps every tone style for every block (~450 KB of wasm); search needs only the plain
//! syllables, so this packs them into ~60 KB: a set id per character, the sets as lists of
//! syllable ids, and the ~400 syllables.

use pinyin::ToPinyinMulti;
use std::collections::HashMap;
use std::fmt::Write;

const FIRST: u32 = 0x4E00;
const LAST: u32 = 0x9FFF;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let mut syllables: Vec<String> = Vec::new();
    let mut syllable_ids: HashMap<String, u16> = HashMap::new();
    let mut sets: Vec<Vec<u16>> = vec![Vec::new()];
    let mut set_ids: HashMap<Vec<u16>, u16> = HashMap::new();
    set_ids.insert(Vec::new(), 0);
    let mut char_sets = Vec::new();
    for cp in FIRST..=LAST {
        let mut set: Vec<u16> = Vec::new();
        if let Some(ch) = char::from_u32(cp) {
            if let Some(multi) = ch.to_pinyin_multi() {
                for p in multi {
                    let plain = p.plain().to_string();
                    // ü is written v on a keyboard (女 nv, 绿 lv).
                    let plain = plain.replace('ü', "v").replace('ê', "e");
                    // A few interjections have readings no keyboard types (ḿ, ň): skipped.
                    if plain.is_empty() || !plain.bytes().all(|b| b.is_ascii_lowercase()) {
                        continue;
                    }
                    let next = syllable_ids.len() as u16;
                    let id = *syllable_ids.entry(plain.clone()).or_insert_with(|| {
                        syllables.push(plain);
                        next
                    });
                    if !set.contains(&id) {
                        set.push(id);
                    }
                }
            }
        }
        let next = sets.len() as u16;
        let id = *set_ids.entry(set.clone()).or_insert_with(|| {
            sets.push(set);
            next
        });
        char_sets.push(id);
    }
    let mut out = String::new();
    writeln!(out, "pub(crate) const FIRST: u32 = {FIRST:#X};").unwrap();
    writeln!(out, "pub(crate) static SYLLABLES: [&str; {}] = {:?};", syllables.len(), syllables).unwrap();
    let mut offsets = vec![0u16];
    let mut items = Vec::new();
    let mut initials = Vec::new();
    for set in &sets {
        items.extend(set.iter().copied());
        offsets.push(items.len() as u16);
        let mask = set.iter().fold(0u32, |m, &s| m | 1 << (syllables[s as usize].as_bytes()[0] - b'a'));
        initials.push(mask);
    }
    writeln!(out, "pub(crate) static SET_OFFSETS: [u16; {}] = {:?};", offsets.len(), offsets).unwrap();
    writeln!(out, "pub(crate) static SET_ITEMS: [u16; {}] = {:?};", items.len(), items).unwrap();
    writeln!(out, "pub(crate) static SET_INITIALS: [u32; {}] = {:?};", initials.len(), initials).unwrap();
    writeln!(out, "pub(crate) static CHAR_SETS: [u16; {}] = {:?};", char_sets.len(), char_sets).unwrap();
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("pinyin_table.rs");
    std::fs::write(path, out).unwrap();
}
