//! Invariants of the `app` sources that no type can carry: every use case has a tracing span,
//! and no stored status, stage or kind is read with a guessed default.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

/// The `.rs` files of `src`, in name order, with their text.
fn sources(src: &Path) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(src).expect("src").flatten().map(|e| e.path()).collect();
    files.sort();
    files
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            (name, std::fs::read_to_string(&p).expect("source"))
        })
        .collect()
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
