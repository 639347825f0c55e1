//! Every use case carries a tracing span: a log line written inside one names the operation and
//! the organization, whichever resolver, job or command called it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

/// The `pub async fn`s of `impl App` blocks in `src` that have no `#[tracing::instrument]`.
fn unspanned(src: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(src).expect("src").flatten().map(|e| e.path()).collect();
    files.sort();
    for path in files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "rs")) {
        let text = std::fs::read_to_string(&path).expect("source");
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
                    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
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
