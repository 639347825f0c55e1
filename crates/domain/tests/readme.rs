//! The README's table of rule codes must be the one the registry generates. Regenerate it with
//! `BATON_UPDATE_README=1 cargo test -p baton-domain --test readme`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_domain::Rule;
use std::path::PathBuf;

fn readme() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md")
}

#[test]
fn the_readme_lists_every_rule_code_as_the_registry_generates_it() {
    let on_disk = std::fs::read_to_string(readme()).unwrap();
    let generated = Rule::with_generated_table(&on_disk).expect("the README has the rule-code markers");
    if std::env::var_os("BATON_UPDATE_README").is_some() && generated != on_disk {
        std::fs::write(readme(), &generated).unwrap();
        return;
    }
    assert!(
        on_disk == generated,
        "README.md's rule codes are stale: run `BATON_UPDATE_README=1 cargo test -p baton-domain --test readme`.\n\
         The section should read:\n{}",
        Rule::markdown_table()
    );
}
