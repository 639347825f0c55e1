//! The committed SDL must equal the schema the code builds. Regenerate with
//! `BATON_UPDATE_SCHEMA=1 cargo test -p baton-api --test schema` or `baton schema > schema/schema.graphql`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

fn committed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schema/schema.graphql")
}

#[test]
fn the_committed_schema_matches_the_code() {
    let sdl = baton_api::sdl_of_code();
    if std::env::var_os("BATON_UPDATE_SCHEMA").is_some() {
        std::fs::write(committed(), &sdl).unwrap();
    }
    let on_disk = std::fs::read_to_string(committed()).unwrap_or_default();
    assert!(
        on_disk == sdl,
        "schema/schema.graphql is stale: run `cargo run -p baton-server -- schema > schema/schema.graphql`"
    );
}

#[test]
fn every_type_field_argument_and_enum_value_has_a_capitalised_description() {
    let sdl = baton_api::sdl_of_code();
    let lines: Vec<&str> = sdl.lines().collect();
    let mut missing = vec![];
    let mut in_schema_block = false;
    for (i, line) in lines.iter().enumerate() {
        let l = line.trim();
        if l.starts_with("schema {") {
            in_schema_block = true;
        }
        if in_schema_block {
            in_schema_block = l != "}";
            continue;
        }
        let is_definition =
            l.starts_with("type ") || l.starts_with("enum ") || l.starts_with("input ") || l.starts_with("scalar ");
        let is_member =
            line.starts_with('\t') && !l.starts_with('"') && !l.is_empty() && l != "}" && !l.starts_with(')');
        if (is_definition && !l.starts_with("scalar ")) || is_member {
            let prev = if i > 0 { lines[i - 1].trim() } else { "" };
            if !prev.ends_with("\"\"\"") && !prev.ends_with('"') {
                missing.push(l.to_owned());
            }
        }
    }
    assert!(missing.is_empty(), "undocumented schema members: {missing:#?}");
    let mut open = false;
    for (i, line) in lines.iter().enumerate() {
        if line.trim() == "\"\"\"" {
            if !open && i + 1 < lines.len() {
                let first = lines[i + 1].trim().chars().next().unwrap_or('A');
                assert!(!first.is_lowercase(), "description not capitalised: {}", lines[i + 1]);
            }
            open = !open;
        }
    }
}

#[test]
fn the_schema_contains_the_contract_names_of_the_lead_slice() {
    let sdl = baton_api::sdl_of_code();
    for name in [
        "salesView",
        "marketingView",
        "productView",
        "customerSuccessView",
        "legalView",
        "financeView",
        "blockers",
        "createLead",
        "updateLead",
        "assignLead",
        "recordLeadContact",
        "qualifyLead",
        "disqualifyLead",
        "convertLead",
        "possibleDuplicates",
        "leadsBySource",
        "approvalQueue",
        "incomingHandoffs",
        "featureRequests",
        "collections",
        "legalQueueChanged",
        "notifications",
        "createApiToken",
        "revokeApiToken",
        "updateOrgSettings",
    ] {
        assert!(sdl.contains(name), "{name} is missing from the SDL");
    }
}

/// The API reaches the database only through `app`'s use cases: no resolver names sea-orm or
/// the application's connection.
#[test]
fn no_resolver_reaches_the_database_past_the_use_cases() {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = vec![];
    walk(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut found = vec![];
    for f in &files {
        for (i, line) in std::fs::read_to_string(f).unwrap().lines().enumerate() {
            if line.contains("sea_orm") || line.contains(").db") || line.contains("app.db") {
                found.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(files.len() > 20, "the sources were read");
    assert!(found.is_empty(), "database access outside app:\n{}", found.join("\n"));
}
