//! The wire format, pinned: golden JSON of one example of every mutation type (minimal and
//! maximal where a type has optional parts), every push outcome, a pull page, and what a device
//! stores in IndexedDB (a queued mutation, a refused change, a customer record). Each file is
//! decoded with today's types and encoded again, and must come out byte for byte the same: a
//! renamed field, a lost `#[serde(default)]` or a reordered enum shows up here before it loses a
//! device's queued work (the store drops queue entries it cannot decode).
//!
//! The files in `tests/wire/` were captured from the build before the area layout and are never
//! regenerated: a change that needs them changed is a change of the wire format, and old devices
//! hold the old one.

use kedao_app::domain::replica::CustomerRecord;
use kedao_app::domain::sync::{known_types, Mutation, PullPage, PushResponse, RejectedChange};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeSet;

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wire").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes `text` as `T` and encodes it again: the same bytes.
fn round_trip<T: Serialize + DeserializeOwned>(what: &str, text: &str) -> T {
    let value: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{what} no longer decodes: {e}\n{text}"));
    let again = serde_json::to_string(&value).unwrap();
    assert_eq!(again, text, "{what} encodes differently than before");
    value
}

#[test]
fn every_mutation_type_decodes_and_encodes_as_before() {
    let text = fixture("mutations.jsonl");
    let mut types = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let m: Mutation = round_trip(&format!("mutations.jsonl line {}", n + 1), line);
        assert_eq!(m.op.validate(), Ok(()), "line {}: the example is a valid mutation", n + 1);
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        types.insert(value["op"]["type"].as_str().unwrap().to_string());
    }
    let known: BTreeSet<String> = known_types().iter().map(|t| t.to_string()).collect();
    assert_eq!(types, known, "every known mutation type has a golden example, and no other type does");
}

#[test]
fn every_outcome_encodes_as_before() {
    let text = fixture("push_response.json");
    let answer: PushResponse = round_trip("push_response.json", text.trim_end());
    let reasons: BTreeSet<String> = serde_json::from_str::<serde_json::Value>(&text).unwrap()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}/{}", r["outcome"]["status"].as_str().unwrap(), r["outcome"]["reason"].as_str().unwrap_or("-")))
        .collect();
    assert_eq!(reasons.len(), answer.results.len(), "one example of each outcome");
}

#[test]
fn a_pull_page_decodes_and_encodes_as_before() {
    let full: PullPage = round_trip("pull_page.json", fixture("pull_page.json").trim_end());
    for (what, n) in [
        ("customers", full.customers.len()),
        ("opportunities", full.opportunities.len()),
        ("contacts", full.contacts.len()),
        ("orders", full.orders.len()),
        ("segments", full.segments.len()),
        ("promotions", full.promotions.len()),
        ("removed", full.removed.len()),
    ] {
        assert!(n > 0, "the golden page carries {what}");
    }
    assert!(full.catalog.is_some());
    round_trip::<PullPage>("pull_page_empty.json", fixture("pull_page_empty.json").trim_end());
}

#[test]
fn what_a_device_stores_decodes_and_encodes_as_before() {
    round_trip::<CustomerRecord>("customer_record.json", fixture("customer_record.json").trim_end());
    round_trip::<RejectedChange>("rejected_change.json", fixture("rejected_change.json").trim_end());
}

/// Shapes older builds wrote (before fields were added with a default) still decode.
#[test]
fn older_shapes_still_decode() {
    for (n, line) in fixture("legacy.jsonl").lines().enumerate() {
        let (kind, json) = line.split_once('\t').unwrap_or_else(|| panic!("legacy.jsonl line {}: KIND<TAB>JSON", n + 1));
        let ok = match kind {
            "mutation" => serde_json::from_str::<Mutation>(json).map(|m| assert_eq!(m.op.validate(), Ok(()), "line {}", n + 1)),
            "record" => serde_json::from_str::<CustomerRecord>(json).map(drop),
            "page" => serde_json::from_str::<PullPage>(json).map(drop),
            other => panic!("legacy.jsonl line {}: unknown kind {other}", n + 1),
        };
        ok.unwrap_or_else(|e| panic!("legacy.jsonl line {} no longer decodes: {e}", n + 1));
    }
}
