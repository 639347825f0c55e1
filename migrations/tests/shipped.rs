//! A migration that has shipped never changes: every migration file's SHA-256 is recorded in
//! `shipped.sha256`, and this test fails when a recorded file differs or a file is missing
//! from the list. Adding a new migration means adding its line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn shipped_migrations_never_change() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let recorded: BTreeMap<String, String> = std::fs::read_to_string(root.join("shipped.sha256"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (sum, name) = l.split_once("  ").expect("`<sha256>  <file>` per line");
            (name.trim().to_owned(), sum.trim().to_owned())
        })
        .collect();
    let mut files: Vec<String> = std::fs::read_dir(root.join("src"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('m') && n.ends_with(".rs"))
        .collect();
    files.sort();
    for f in &files {
        let sum = hex(&Sha256::digest(std::fs::read(root.join("src").join(f)).unwrap()));
        match recorded.get(f) {
            Some(want) => assert_eq!(&sum, want, "{f} changed after it shipped: put the change in a new migration"),
            None => panic!("{f} is not in migrations/shipped.sha256: add `{sum}  {f}`"),
        }
    }
    for name in recorded.keys() {
        assert!(files.contains(name), "{name} is recorded as shipped but no longer exists");
    }
}

/// A database that applied the later versions of migrations 14 and 16 (which already held the
/// changes moved into migration 19) runs 19 without error and without change.
#[tokio::test]
async fn the_moved_changes_apply_once_whichever_versions_ran_before() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database};
    // A file, so that the pool's several connections see one database as in production.
    let path = std::env::temp_dir().join(format!("baton-migrations-{}.db", std::process::id()));
    let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display())).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    // Forget that 19 ran, as on a database whose 14 and 16 were the later versions.
    db.execute_unprepared("DELETE FROM seaql_migrations WHERE version = 'm20261201_000019_shipped_fixes'")
        .await
        .unwrap();
    Migrator::up(&db, None).await.unwrap();
    let row = db
        .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_log_no_update'",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 1, "the append-only trigger is back");
    let idx = db
        .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND name = 'ix_leads_status_disqualified'",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(idx.try_get::<i64>("", "n").unwrap(), 1);
    db.close().await.ok();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
