//! Invariants of the `app` sources that no type can carry: every use case has a tracing span,
//! and no stored status, stage or kind is read with a guessed default.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

/// The `.rs` files under `src`, in path order, each with its path from `src` and its text.
fn sources(src: &Path) -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(src).expect("under src").to_string_lossy().replace('\\', "/");
            (name, std::fs::read_to_string(&p).expect("source"))
        })
        .collect()
}

/// The module a source file defines: `sales/leads.rs` is `sales::leads`, `kernel/mod.rs` is
/// `kernel`, `lib.rs` is the crate root (empty).
fn module_of(file: &str) -> String {
    let path = file.trim_end_matches(".rs").trim_end_matches("/mod");
    if path == "lib" { String::new() } else { path.replace('/', "::") }
}

/// The `crate::` paths a text names, with `use crate::{a, b::c}` groups spread out; comments
/// are skipped.
fn crate_paths(text: &str) -> Vec<String> {
    let code: String = text.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n");
    let ident = |s: &str| -> String {
        s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':').collect::<String>()
    };
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|(_, c)| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(group.len(), |(i, _)| i);
            let mut item_depth = 0;
            let mut item = String::new();
            for c in group[..end].chars().chain(std::iter::once(',')) {
                match c {
                    '{' => item_depth += 1,
                    '}' => item_depth -= 1,
                    ',' if item_depth == 0 => {
                        paths.push(ident(item.trim()));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
        } else {
            paths.push(ident(rest));
        }
    }
    paths
}

/// Which modules each module of `src` imports (by the module file a `crate::` path leads to).
fn imports(src: &Path) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let files = sources(src);
    let modules: std::collections::BTreeSet<String> = files.iter().map(|(f, _)| module_of(f)).collect();
    let mut graph = std::collections::BTreeMap::new();
    for (file, text) in &files {
        let me = module_of(file);
        let used: std::collections::BTreeSet<String> = crate_paths(text)
            .into_iter()
            .filter_map(|p| {
                let parts: Vec<&str> = p.trim_end_matches(':').split("::").collect();
                (1..=parts.len()).rev().map(|k| parts[..k].join("::")).find(|m| modules.contains(m))
            })
            .filter(|m| !m.is_empty() && *m != me && !me.starts_with(&format!("{m}::")))
            .collect();
        graph.insert(me, used);
    }
    graph
}

/// The departments of `app`, in the order they may import each other: each imports only the
/// ones before it, and `kernel`, the shared core, imports none.
const DEPARTMENTS: [&str; 9] =
    ["kernel", "product", "marketing", "sales", "customer_success", "legal", "finance", "insight", "admin"];

#[test]
fn no_module_of_app_imports_another_in_a_circle() {
    let graph = imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    // Depth-first search from every module; a module met again on the current path closes a circle.
    fn visit<'a>(
        m: &'a str,
        graph: &'a std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut std::collections::BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| *p == m) {
            return Some(path[at..].iter().map(|s| (*s).to_owned()).chain([m.to_owned()]).collect());
        }
        if !done.insert(m) {
            return None;
        }
        path.push(m);
        for next in graph.get(m).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    let mut done = std::collections::BTreeSet::new();
    for m in graph.keys() {
        let circle = visit(m, &graph, &mut Vec::new(), &mut done);
        assert!(circle.is_none(), "modules import each other in a circle: {}", circle.unwrap_or_default().join(" -> "));
    }
}

#[test]
fn each_department_of_app_imports_only_the_kernel_and_departments_before_it() {
    let graph = imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let rank = |m: &str| DEPARTMENTS.iter().position(|d| m.split("::").next() == Some(*d));
    let mut wrong = Vec::new();
    for (m, used) in &graph {
        if m.is_empty() {
            continue;
        }
        let Some(mine) = rank(m) else {
            wrong.push(format!("{m} is in no department"));
            continue;
        };
        for u in used {
            let same = m.split("::").next() == u.split("::").next();
            if !same && rank(u).is_none_or(|theirs| theirs >= mine) {
                wrong.push(format!("{m} imports {u}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the department order {DEPARTMENTS:?}:\n{}", wrong.join("\n"));
}

#[test]
fn the_import_reader_sees_groups_and_paths() {
    let paths = crate_paths(
        "use crate::{Actor, kernel::audit, sales::{leads, quotes}};\nlet x = crate::kernel::money::to_minor(a); // crate::admin",
    );
    assert_eq!(paths, ["Actor", "kernel::audit", "sales::", "kernel::money::to_minor"]);
}

/// The `pub async fn`s of `impl App` blocks in `src` that have no `#[tracing::instrument]`.
fn unspanned(src: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    for (name, text) in sources(src) {
        let lines: Vec<&str> = text.lines().collect();
        let mut inside = false;
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with("impl App {") {
                inside = true;
            } else if inside && *line == "}" {
                inside = false;
            } else if inside && line.starts_with("    pub async fn ") {
                let spanned = lines[..i]
                    .iter()
                    .rev()
                    .take_while(|l| l.trim_start().starts_with("#[") || l.trim_start().starts_with("///"))
                    .any(|l| l.contains("tracing::instrument"));
                if !spanned {
                    missing.push(format!("{name}:{}: {}", i + 1, line.trim()));
                }
            }
        }
    }
    missing
}

#[test]
fn every_use_case_of_app_carries_a_span() {
    let missing = unspanned(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(missing.is_empty(), "use cases without #[tracing::instrument]:\n{}", missing.join("\n"));
}

#[test]
fn no_stored_value_is_parsed_with_a_guessed_default() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let guessed: Vec<String> = sources(&src)
        .into_iter()
        .flat_map(|(name, text)| {
            text.lines()
                .enumerate()
                .filter(|(_, l)| l.contains("::parse(&") && l.contains(").unwrap_or"))
                .map(|(i, l)| format!("{name}:{}: {}", i + 1, l.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(guessed.is_empty(), "read a stored value with crate::error::stored instead:\n{}", guessed.join("\n"));
}
