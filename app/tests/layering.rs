//! The layering, kept: in each crate of the workspace (the shared `app`, the `server`) the modules
//! import each other without cycles, so a module can be read, tested and moved together with what
//! it imports and nothing above it. Read from the sources: every `crate::…`, `super::…` and
//! `self::…` path (in `use` trees and in code) and every path through a declared child module,
//! resolved to the module that defines it. A folder below the crate's top folders (`ui/sync/`,
//! `http/sync/`, `ui/admin/`, …) counts as one module: its files may use each other freely.
//! `#[cfg(test)]` modules are left out (a test may reach anywhere).
//!
//! Written by hand: no crate reads a module graph out of Rust sources without compiling them, and
//! this needs only paths, which a few string scans find.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One source file: its module path (`["ui", "sync", "engine"]`) and its text without comments,
/// string literals and test modules.
struct Source {
    module: Vec<String>,
    file: PathBuf,
    code: String,
}

fn sources(root: &Path) -> Vec<Source> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative: Vec<String> = path.strip_prefix(root).unwrap().iter().map(|c| c.to_string_lossy().into_owned()).collect();
                let mut module: Vec<String> = relative.iter().map(|c| c.trim_end_matches(".rs").to_string()).collect();
                if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                    module.pop();
                }
                let code = without_tests(&strip(&std::fs::read_to_string(&path).unwrap()));
                out.push(Source { module, file: path, code });
            }
        }
    }
    out.sort_by(|a, b| a.module.cmp(&b.module));
    out
}

/// The text without comments and string or char literals (a path in a doc comment or a message is
/// no import). Raw strings are rare enough here to be read like plain ones.
fn strip(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            // A char literal ('a', '\n', '"'), not a lifetime ('a).
            b'\'' if bytes.get(i + 2) == Some(&b'\'') || (bytes.get(i + 1) == Some(&b'\\')) => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("' '");
            }
            _ => {
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[i..i + len]);
                i += len;
            }
        }
    }
    out
}

/// The code without `#[cfg(test)] mod … { … }` blocks.
fn without_tests(code: &str) -> String {
    let mut out = code.to_string();
    while let Some(at) = out.find("#[cfg(test)]") {
        let rest = &out[at..];
        let Some(open) = rest.find('{') else { break };
        let is_module = rest[..open].contains("mod ");
        if !is_module {
            // A test-only item other than a module: drop the attribute line only.
            out.replace_range(at..at + "#[cfg(test)]".len(), "");
            continue;
        }
        let mut depth = 0;
        let mut end = out.len();
        for (j, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = at + open + j + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.replace_range(at..end, "");
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every path written in `code`: `use` trees expanded (`use a::{b, c::d}` → `a::b`, `a::c::d`),
/// then the paths in the rest of the code, each as its segments.
fn paths(code: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = String::with_capacity(code.len());
    let mut i = 0;
    while i < code.len() {
        let tail = &code[i..];
        let starts_use = (tail.starts_with("use ") || tail.starts_with("use\n")) && (i == 0 || !code[..i].ends_with(|c: char| is_ident(c)));
        if starts_use {
            let end = tail.find(';').unwrap_or(tail.len());
            // (`a as b` → `a@b` before the spaces go.)
            let tree: String = tail[4..end].replace(" as ", "@").chars().filter(|c| !c.is_whitespace()).collect();
            expand(&tree, &[], &mut found);
            i += end + 1;
        } else {
            let c = tail.chars().next().unwrap();
            rest.push(c);
            i += c.len_utf8();
        }
    }
    // Paths in code: maximal runs of `ident::ident::…`.
    let chars: Vec<char> = rest.chars().collect();
    let mut k = 0;
    while k < chars.len() {
        if is_ident(chars[k]) && (k == 0 || !is_ident(chars[k - 1]) && chars[k - 1] != ':') {
            let mut segments = Vec::new();
            let mut j = k;
            loop {
                let start = j;
                while j < chars.len() && is_ident(chars[j]) {
                    j += 1;
                }
                segments.push(chars[start..j].iter().collect::<String>());
                if j + 2 < chars.len() && chars[j] == ':' && chars[j + 1] == ':' && is_ident(chars[j + 2]) {
                    j += 2;
                } else {
                    break;
                }
            }
            if segments.len() > 1 {
                found.push(segments);
            }
            k = j.max(k + 1);
        } else {
            k += 1;
        }
    }
    found
}

/// Expands a `use` tree without whitespace (`a::{b,c::{d,e}}`, `a::b@c` for `a::b as c`, `a::*`).
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim_start_matches("::");
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open].split("::").filter(|s| !s.is_empty()).map(str::to_string).collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut base = prefix.to_vec();
        base.extend(head);
        let mut depth = 0;
        let mut start = 0;
        for (j, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..j], &base, out);
                    start = j + 1;
                }
                _ => {}
            }
        }
        if start < inner.len() {
            expand(&inner[start..], &base, out);
        }
    } else if !tree.is_empty() {
        let tree = tree.split('@').next().unwrap_or(tree);
        let mut path = prefix.to_vec();
        path.extend(tree.split("::").filter(|s| !s.is_empty() && *s != "*" && *s != "self").map(str::to_string));
        out.push(path);
    }
}

/// Unit → unit it imports → the paths that tie them.
type Edges = BTreeMap<Vec<String>, BTreeMap<Vec<String>, BTreeSet<String>>>;

/// The module unit a module path belongs to: a folder below the crate's top folders is one unit.
fn unit(module: &[String], folders: &BTreeSet<Vec<String>>) -> Vec<String> {
    for depth in 2..module.len() {
        if folders.contains(&module[..depth].to_vec()) {
            return module[..depth].to_vec();
        }
    }
    module.to_vec()
}

/// The module graph of one crate (`root` = its `src/`): unit → unit → the paths that tie them.
fn graph(root: &Path) -> (Edges, Vec<Source>) {
    let sources = sources(root);
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let folders: BTreeSet<Vec<String>> = sources.iter().filter(|s| s.file.ends_with("mod.rs")).map(|s| s.module.clone()).collect();
    let mut edges: Edges = BTreeMap::new();
    for source in &sources {
        let from = unit(&source.module, &folders);
        // The module this file's `super` names, and its declared children.
        let children: BTreeSet<String> =
            modules.iter().filter(|m| m.len() == source.module.len() + 1 && m.starts_with(&source.module)).map(|m| m.last().unwrap().clone()).collect();
        for path in paths(&source.code) {
            let mut absolute: Vec<String> = match path[0].as_str() {
                "crate" => Vec::new(),
                "super" | "self" => source.module.clone(),
                first if children.contains(first) => source.module.clone(),
                _ => continue,
            };
            let mut segments = path.iter().skip_while(|s| matches!(s.as_str(), "crate" | "self")).peekable();
            while segments.peek().is_some_and(|s| *s == "super") {
                absolute.pop();
                segments.next();
            }
            absolute.extend(segments.cloned());
            // The longest prefix that is a module.
            let Some(target) = (0..=absolute.len()).rev().map(|n| absolute[..n].to_vec()).find(|m| modules.contains(m)) else { continue };
            let to = unit(&target, &folders);
            // A file naming its own parents (`crate::ui` from `crate::ui::x`) only walks down.
            if to != from && !from.starts_with(&to) {
                edges.entry(from.clone()).or_default().entry(to).or_default().insert(path.join("::"));
            }
        }
    }
    (edges, sources)
}

/// The groups of units that import each other in a loop (strongly connected components of more
/// than one unit), each with the edges inside it.
fn cycles(edges: &Edges) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&Vec<String>> = edges.keys().chain(edges.values().flat_map(|m| m.keys())).collect();
    let reaches = |from: &Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for next in edges.get(&n).into_iter().flat_map(|m| m.keys()) {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&Vec<String>, BTreeSet<Vec<String>>> = nodes.iter().map(|n| (*n, reaches(n))).collect();
    let mut reported = BTreeSet::new();
    let mut out = Vec::new();
    for n in &nodes {
        if reported.contains(*n) || !reach[n].contains(*n) {
            continue;
        }
        let group: Vec<&Vec<String>> = nodes.iter().copied().filter(|m| reach[n].contains(*m) && reach[m].contains(*n)).collect();
        let mut lines = Vec::new();
        for a in &group {
            for (b, names) in edges.get(*a).into_iter().flatten() {
                if group.contains(&b) {
                    let names: Vec<&str> = names.iter().map(String::as_str).take(4).collect();
                    lines.push(format!("  {} -> {}: {}", a.join("::"), b.join("::"), names.join(", ")));
                }
            }
            reported.insert((*a).clone());
        }
        out.push(lines);
    }
    out
}

fn check(crate_src: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate_src);
    let (edges, sources) = graph(&root);
    assert!(sources.len() > 10 && edges.len() > 5, "{crate_src}: the scan found too little ({} files)", sources.len());
    let found = cycles(&edges);
    let report: Vec<String> = found.iter().map(|lines| lines.join("\n")).collect();
    assert!(found.is_empty(), "{crate_src}: modules that import each other in a loop:\n{}", report.join("\n\n"));
}

#[test]
fn the_shared_crate_has_no_import_cycles() {
    check("src");
}

#[test]
fn the_server_has_no_import_cycles() {
    check("../server/src");
}

#[test]
fn the_scan_sees_use_trees_relative_paths_and_cycles() {
    let mut found = Vec::new();
    expand("crate::domain::{catalog::{Grade,List},sync::Op@O,self}", &[], &mut found);
    let joined: Vec<String> = found.iter().map(|p| p.join("::")).collect();
    assert_eq!(joined, ["crate::domain::catalog::Grade", "crate::domain::catalog::List", "crate::domain::sync::Op", "crate::domain"]);
    let code = strip("let x = super::feed::plans(\"crate::fake::path\"); // crate::also::fake\nuse crate::a::b;");
    let found: Vec<String> = paths(&code).iter().map(|p| p.join("::")).collect();
    assert_eq!(found, ["crate::a::b", "super::feed::plans"]);
    let a = vec!["a".to_string()];
    let b = vec!["b".to_string()];
    let edges = BTreeMap::from([
        (a.clone(), BTreeMap::from([(b.clone(), BTreeSet::from(["crate::b::x".to_string()]))])),
        (b, BTreeMap::from([(a, BTreeSet::from(["crate::a::y".to_string()]))])),
    ]);
    assert_eq!(cycles(&edges).len(), 1);
}
