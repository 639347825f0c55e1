//! The operator commands of the `baton` binary, run as a process in a scratch directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

fn baton(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_baton"));
    c.current_dir(dir).args(args).env_remove("DATABASE_URL").env_remove("BATON_JWT_SECRET").env_remove("BATON_ENV");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn scratch() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("baton-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn migrate_seed_token_and_org_create_work_on_a_fresh_directory() {
    let dir = scratch();
    let o = baton(&dir, &["migrate"], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("baton.db").exists(), "SQLite file created on first start");
    assert!(stdout(&o).is_empty(), "logs go to stderr");

    for _ in 0..2 {
        let o = baton(&dir, &["seed", "--demo"], &[]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stderr).contains("sdr@demo.test"), "the seed prints the users");
    }

    // The development secret is generated once and kept beside the database: tokens stay valid.
    let t1 = baton(&dir, &["token", "--email", "sdr@demo.test"], &[]);
    assert!(t1.status.success(), "{}", String::from_utf8_lossy(&t1.stderr));
    let token = stdout(&t1);
    assert_eq!(token.trim().split('.').count(), 3, "only the JWT on stdout: {token}");
    assert!(dir.join("baton.db.jwt-secret").exists());

    let unknown = baton(&dir, &["token", "--email", "nobody@demo.test"], &[]);
    assert!(!unknown.status.success());
    assert!(stdout(&unknown).is_empty());

    let org = baton(
        &dir,
        &["org", "create", "--name", "Other Co", "--admin-email", "boss@other.test", "--admin-password", "password123"],
        &[],
    );
    assert!(org.status.success(), "{}", String::from_utf8_lossy(&org.stderr));
    assert!(uuid::Uuid::parse_str(stdout(&org).trim()).is_ok(), "prints the new organization's id");
    let again = baton(
        &dir,
        &["org", "create", "--name", "Again", "--admin-email", "boss@other.test", "--admin-password", "password123"],
        &[],
    );
    assert!(!again.status.success(), "e-mails are unique across organizations");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn schema_prints_exactly_the_committed_sdl() {
    let dir = scratch();
    let o = baton(&dir, &["schema"], &[]);
    assert!(o.status.success());
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/schema.graphql")).unwrap();
    assert_eq!(stdout(&o), committed);
    assert!(!dir.join("baton.db").exists(), "printing the schema needs no database");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn production_refuses_to_start_without_a_strong_jwt_secret() {
    let dir = scratch();
    let o = baton(&dir, &["migrate"], &[("BATON_ENV", "production")]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("BATON_JWT_SECRET"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = baton(&dir, &["migrate"], &[("BATON_ENV", "production"), ("BATON_JWT_SECRET", "short")]);
    assert!(!o.status.success());
    let o = baton(
        &dir,
        &["migrate"],
        &[("BATON_ENV", "production"), ("BATON_JWT_SECRET", "0123456789abcdef0123456789abcdef")],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_config_file_sits_between_the_defaults_and_the_environment() {
    let dir = scratch();
    std::fs::write(dir.join("baton.toml"), "database_url = \"sqlite://from-file.db?mode=rwc\"\n").unwrap();
    let o = baton(&dir, &["migrate"], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(dir.join("from-file.db").exists(), "the file beats the default");
    let o = baton(&dir, &["migrate"], &[("DATABASE_URL", "sqlite://from-env.db?mode=rwc")]);
    assert!(o.status.success());
    assert!(dir.join("from-env.db").exists(), "the environment beats the file");
    let o = baton(
        &dir,
        &["migrate", "--database-url", "sqlite://from-flag.db?mode=rwc"],
        &[("DATABASE_URL", "sqlite://from-env2.db?mode=rwc")],
    );
    assert!(o.status.success());
    assert!(dir.join("from-flag.db").exists(), "the flag beats the environment");
    assert!(!dir.join("from-env2.db").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_bad_smtp_setting_stops_start_up_naming_it_without_the_password() {
    let dir = scratch();
    let bad_url = [("BATON_SMTP_URL", "smtp://mailer:hunter2@mail.example.com:587?tls=sometimes")];
    let o = baton(&dir, &["migrate"], &bad_url);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("BATON_SMTP_URL is not a usable SMTP URL"), "{err}");
    assert!(!err.contains("hunter2"), "the password is never printed: {err}");
    assert!(!dir.join("baton.db").exists(), "nothing ran");
    let o = baton(&dir, &["migrate"], &[("BATON_SMTP_ADDR", "mail.example.com")]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("BATON_SMTP_ADDR is not host:port"));
    // From the file too; and the URL wins over a valid address.
    std::fs::write(dir.join("baton.toml"), "smtp_url = \"smtps://mailer:hunter2@\"\n").unwrap();
    let o = baton(&dir, &["migrate"], &[("BATON_SMTP_ADDR", "mail.example.com:25")]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("BATON_SMTP_URL") && !err.contains("hunter2"), "{err}");
    std::fs::write(dir.join("baton.toml"), "smtp_url = \"smtps://mailer:hunter2@mail.example.com\"\n").unwrap();
    let o = baton(&dir, &["migrate"], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

/// `baton audit verify` on a database at `url` (run from `dir`): passes on a clean log; the
/// database refuses a direct rewrite; once its guard is dropped, the altered row is named.
async fn audit_verify_names_an_altered_row(dir: &Path, url: &str, drop_guard: &str) {
    use baton_store::sea_orm::ConnectionTrait;
    let env = [("DATABASE_URL", url)];
    let o = baton(
        dir,
        &["org", "create", "--name", "Audit Co", "--admin-email", "boss@audit.test", "--admin-password", "password123"],
        &env,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ok = baton(dir, &["audit", "verify"], &env);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(stdout(&ok).starts_with("ok: "), "{}", stdout(&ok));

    let db = baton_store::connect(url, 1, std::time::Duration::from_secs(10)).await.unwrap();
    let refused = db.execute_unprepared("UPDATE audit_log SET action = 'forged' WHERE seq = 2").await;
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    db.execute_unprepared(drop_guard).await.unwrap();
    db.execute_unprepared("UPDATE audit_log SET action = 'forged' WHERE seq = 2").await.unwrap();
    db.close().await.unwrap();
    let bad = baton(dir, &["audit", "verify"], &env);
    assert!(!bad.status.success());
    assert!(stdout(&bad).contains("row 2 ("), "{}", stdout(&bad));
}

#[tokio::test]
async fn audit_verify_passes_on_a_clean_log_and_names_an_altered_row_on_sqlite() {
    let dir = scratch();
    let url = format!("sqlite://{}?mode=rwc", dir.join("baton.db").display());
    audit_verify_names_an_altered_row(&dir, &url, "DROP TRIGGER audit_log_no_update").await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn audit_verify_passes_on_a_clean_log_and_names_an_altered_row_on_postgres() {
    use baton_store::sea_orm::ConnectionTrait;
    let admin_url = std::env::var("BATON_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let run: String =
        std::env::var("BATON_TEST_RUN").unwrap_or_default().chars().filter(char::is_ascii_alphanumeric).collect();
    let name = format!("baton_t_{run}_cli_{}", uuid::Uuid::new_v4().simple());
    let admin = baton_store::connect(&admin_url, 1, std::time::Duration::from_secs(10))
        .await
        .expect("PostgreSQL for tests is reachable");
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
    let dir = scratch();
    audit_verify_names_an_altered_row(
        &dir,
        &format!("{base}/{name}"),
        "DROP TRIGGER audit_log_append_only ON audit_log",
    )
    .await;
    admin.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)")).await.unwrap();
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn demo_data_is_refused_in_production() {
    let dir = scratch();
    let env = [("BATON_ENV", "production"), ("BATON_JWT_SECRET", "a-production-secret-of-at-least-32-bytes")];
    for args in [&["seed", "--demo"][..], &["serve", "--demo"][..]] {
        let o = baton(&dir, args, &env);
        assert!(!o.status.success(), "{args:?} must fail in production");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--demo is refused"), "{args:?}: {err}");
    }
    assert!(!dir.join("baton.db").exists(), "nothing was created");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn after_a_clean_shutdown_the_sqlite_file_alone_is_a_complete_copy() {
    let dir = scratch();
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .current_dir(&dir)
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .env_remove("DATABASE_URL")
        .env_remove("BATON_JWT_SECRET")
        .env_remove("BATON_ENV")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the demo is seeded and the server listens.
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    let mut listening = false;
    for line in lines.by_ref().take(200) {
        if line.unwrap().contains("baton is listening") {
            listening = true;
            break;
        }
    }
    assert!(listening, "the server started");
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "a clean shutdown exits 0");
    let wal = dir.join("baton.db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0, "nothing is left in the log");

    // The file copied alone holds the demo organization.
    let copy = scratch();
    std::fs::copy(dir.join("baton.db"), copy.join("baton.db")).unwrap();
    std::fs::copy(dir.join("baton.db.jwt-secret"), copy.join("baton.db.jwt-secret")).unwrap();
    let o = baton(&copy, &["token", "--email", "sdr@demo.test"], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&copy);
}

/// `seed --demo` leaves a living organization: every department's view has something to show.
#[tokio::test]
async fn the_demo_organization_is_alive_in_every_department() {
    use baton_store::sea_orm::{ConnectionTrait, Statement};
    let dir = scratch();
    let o = baton(&dir, &["seed", "--demo"], &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let url = format!("sqlite://{}?mode=rwc", dir.join("baton.db").display());
    let db = baton_store::connect(&url, 1, std::time::Duration::from_secs(10)).await.unwrap();
    let count = |sql: &'static str| {
        let db = db.clone();
        async move {
            let row = db
                .query_one_raw(Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT COUNT(*) AS n FROM {sql}"),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
    };
    for (what, sql) in [
        ("leads in the pipeline", "leads WHERE status IN ('NEW', 'CONTACTED', 'QUALIFIED')"),
        ("opportunities in several stages", "(SELECT DISTINCT stage FROM opportunities)"),
        ("contracts waiting for or through legal", "contracts WHERE status <> 'DRAFT'"),
        ("open invoices", "invoices WHERE status IN ('ISSUED', 'PARTIALLY_PAID')"),
        ("accounts under customer success", "accounts WHERE cs_owner_id IS NOT NULL"),
        ("feature requests", "feature_requests"),
        ("campaigns", "campaigns"),
    ] {
        assert!(count(sql).await > 1, "the demo has {what}");
    }
    // Seeding again adds nothing.
    let before = count("leads").await;
    db.close().await.ok();
    let again = baton(&dir, &["seed", "--demo"], &[]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let db = baton_store::connect(&url, 1, std::time::Duration::from_secs(10)).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) AS n FROM leads".to_owned()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), before);
    db.close().await.ok();
    std::fs::remove_dir_all(&dir).ok();
}

/// At the default level every request leaves one line: method, path, operation, status,
/// latency and request id, so an error's `requestId` can be found in the log.
#[test]
fn every_request_is_one_log_line_with_its_operation_status_and_request_id() {
    use std::io::{BufRead, Read, Write};
    let dir = scratch();
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .current_dir(&dir)
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .env_remove("DATABASE_URL")
        .env_remove("BATON_JWT_SECRET")
        .env_remove("BATON_ENV")
        .env_remove("BATON_LOG")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = lines
        .by_ref()
        .take(200)
        .map_while(Result::ok)
        .find(|l| l.contains("baton is listening"))
        .and_then(|l| {
            let v: serde_json::Value = serde_json::from_str(&l).ok()?;
            v["fields"]["addr"].as_str().map(str::to_owned)
        })
        .expect("the server says where it listens");
    let body = r#"{"query":"query Probe { __typename }","operationName":"Probe"}"#;
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nx-request-id: rid-log-line-test\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let line = lines
        .take(50)
        .map_while(Result::ok)
        .find(|l| l.contains("rid-log-line-test"))
        .expect("a log line for the request");
    let _ = child.kill();
    let _ = child.wait();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["level"], "INFO", "{line}");
    assert_eq!(v["span"]["operation"], "Probe", "{line}");
    assert_eq!(v["span"]["method"], "POST", "{line}");
    assert_eq!(v["fields"]["status"], 200, "{line}");
    assert!(v["fields"]["latency"].is_string() || v["fields"]["latency"].is_number(), "{line}");
    std::fs::remove_dir_all(&dir).ok();
}
