//! The end-to-end harness: starts the real server on port 0 against a fresh SQLite file or a
//! fresh PostgreSQL database, seeds the demo organization, and talks HTTP and WebSocket to it.
//!
//! PostgreSQL tests use `BATON_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) to create one database per test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::path::PathBuf;

pub use baton_server::config::Config;

pub mod flow;

/// The test secret; tests sign their own malformed tokens with it.
pub const SECRET: &str = "an-end-to-end-test-secret-of-sufficient-length";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A server under test.
pub struct TestApp {
    pub base: String,
    pub ws: String,
    pub engine: Engine,
    pub database_url: String,
    pub http: reqwest::Client,
    running: Option<baton_server::Running>,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Database { admin_url: String, name: String },
}

fn admin_pg_url() -> String {
    std::env::var("BATON_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

async fn fresh_database(engine: Engine) -> (String, Cleanup) {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    match engine {
        Engine::Sqlite => {
            let path = std::env::temp_dir().join(format!("baton-test-{tag}.db"));
            (format!("sqlite://{}?mode=rwc", path.display()), Cleanup::File(path))
        }
        Engine::Postgres => {
            use sea_orm::ConnectionTrait;
            let admin_url = admin_pg_url();
            // Named after the test run (see scripts/test.sh), which drops only its own leftovers.
            let run: String = std::env::var("BATON_TEST_RUN")
                .unwrap_or_default()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(16)
                .collect();
            let name = if run.is_empty() { format!("baton_t_{tag}") } else { format!("baton_t_{run}_{tag}") };
            let admin =
                sea_orm::Database::connect(admin_url.as_str()).await.expect("PostgreSQL for tests is reachable");
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
            admin.close().await.ok();
            let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or(admin_url.clone());
            (format!("{base}/{name}"), Cleanup::Database { admin_url, name })
        }
    }
}

/// Starts a server on a fresh database with the demo organization.
pub async fn spawn_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |_| {}).await
}

/// Starts a server on a fresh database, letting the test adjust the configuration.
pub async fn spawn_app_with(engine: Engine, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let (database_url, cleanup) = fresh_database(engine).await;
    let mut cfg = Config::for_tests(&database_url, SECRET).unwrap();
    adjust(&mut cfg);
    let running = baton_server::start(&cfg).await.expect("server starts");
    running.app.seed_demo().await.expect("demo seed");
    let addr = running.addr;
    TestApp {
        base: format!("http://{addr}"),
        ws: format!("ws://{addr}/graphql/ws"),
        engine,
        database_url,
        http: reqwest::Client::new(),
        running: Some(running),
        cleanup,
    }
}

impl TestApp {
    /// The application handle of the running server, for direct database checks.
    pub fn app(&self) -> &baton_app::App {
        &self.running.as_ref().unwrap().app
    }

    /// Posts one GraphQL operation and returns the whole JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req =
            self.http.post(format!("{}/graphql", self.base)).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap().json().await.unwrap()
    }

    /// Logs in a demo user (password `demo`) and returns the token.
    pub async fn login(&self, email: &str) -> String {
        self.login_with(email, "demo").await.unwrap_or_else(|| panic!("login as {email} failed"))
    }

    pub async fn login_with(&self, email: &str, password: &str) -> Option<String> {
        let r = self
            .gql(
                None,
                "mutation($e:String!,$p:String!){ login(email:$e,password:$p){ token } }",
                json!({"e": email, "p": password}),
            )
            .await;
        r["data"]["login"]["token"].as_str().map(str::to_owned)
    }

    /// The id of a demo user.
    pub async fn user_id(&self, token: &str, email: &str) -> String {
        let r = self.gql(Some(token), "{ users { id email } }", json!({})).await;
        r["data"]["users"].as_array().unwrap().iter().find(|u| u["email"] == email).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Counts the rows of a table, straight from the database.
    pub async fn count(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT COUNT(*) AS n FROM {table}")).await
    }

    /// The BIGINT column `n` of the one row a statement answers, straight from the database.
    pub async fn scalar(&self, sql: &str) -> i64 {
        use sea_orm::{ConnectionTrait, Statement};
        let db = &self.app().db;
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    /// Every `table.column` of the whole database whose text contains `needle` (any case): on
    /// SQLite every column, on PostgreSQL every text, varchar and JSON column.
    pub async fn text_hits(&self, needle: &str) -> Vec<String> {
        use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
        let db = &self.app().db;
        let backend = db.get_database_backend();
        let list = match backend {
            DatabaseBackend::Postgres => "SELECT table_name AS t, column_name AS c FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
                .to_owned(),
            _ => "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
                .to_owned(),
        };
        let cols = db.query_all_raw(Statement::from_string(backend, list)).await.unwrap();
        let needle = needle.to_lowercase().replace('\'', "''");
        let mut hits = vec![];
        for c in cols {
            let (t, c): (String, String) = (c.try_get("", "t").unwrap(), c.try_get("", "c").unwrap());
            let sql = format!("SELECT COUNT(*) AS n FROM \"{t}\" WHERE LOWER(CAST(\"{c}\" AS TEXT)) LIKE '%{needle}%'");
            let row = db.query_one_raw(Statement::from_string(backend, sql)).await.unwrap().unwrap();
            if row.try_get::<i64>("", "n").unwrap() > 0 {
                hits.push(format!("{t}.{c}"));
            }
        }
        hits.sort();
        hits
    }

    /// Runs a statement straight on the database and returns the database's error, if any.
    pub async fn try_exec(&self, sql: &str) -> Result<(), String> {
        use sea_orm::ConnectionTrait;
        self.app().db.execute_unprepared(sql).await.map(|_| ()).map_err(|e| e.to_string())
    }

    /// Drops the triggers that keep the audit log append-only, as someone with DDL rights on
    /// the database could, to show that the hash chain still catches tampering.
    pub async fn drop_audit_guards(&self) {
        use sea_orm::DatabaseBackend;
        // The tampering happens on a chained log: whatever is still pending is sealed first.
        self.app().seal_audit().await.expect("sealing");
        let sql: &[&str] = match self.app().db.get_database_backend() {
            DatabaseBackend::Postgres => &[
                "DROP TRIGGER audit_log_append_only ON audit_log",
                "DROP TRIGGER audit_payloads_erase_only ON audit_payloads",
            ],
            _ => &[
                "DROP TRIGGER audit_log_no_update",
                "DROP TRIGGER audit_log_no_delete",
                "DROP TRIGGER audit_payloads_erase_only",
                "DROP TRIGGER audit_payloads_no_delete",
            ],
        };
        for s in sql {
            self.exec(s).await;
        }
    }

    /// Runs a statement straight on the database (to tamper or inspect).
    pub async fn exec(&self, sql: &str) {
        use sea_orm::ConnectionTrait;
        self.app().db.execute_unprepared(sql).await.unwrap();
    }

    /// Starts another server on the same database (another instance behind a load balancer);
    /// returns its base HTTP and WebSocket addresses and a handle to stop it.
    pub async fn second_instance(&self) -> (String, String, baton_server::Running) {
        let cfg = Config::for_tests(&self.database_url, SECRET).unwrap();
        let running = baton_server::start(&cfg).await.expect("second server starts");
        let addr = running.addr;
        (format!("http://{addr}"), format!("ws://{addr}/graphql/ws"), running)
    }

    /// Stops the server and starts a new one on the same database, on another port. What the
    /// old one's background tasks were doing (a webhook being sent, a job) is cut off where it
    /// stood, as a crash would leave it; nothing of it is finished on the way out.
    pub async fn restart(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        let cfg = Config::for_tests(&self.database_url, SECRET).unwrap();
        let running = baton_server::start(&cfg).await.expect("server restarts");
        let addr = running.addr;
        self.base = format!("http://{addr}");
        self.ws = format!("ws://{addr}/graphql/ws");
        self.running = Some(running);
    }

    /// Stops the server and drops its database.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            let db = r.app.db.clone();
            r.stop().await;
            db.close().await.ok();
        }
        match &self.cleanup {
            Cleanup::File(p) => {
                for suffix in ["", "-wal", "-shm", ".jwt-secret"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                use sea_orm::ConnectionTrait;
                if let Ok(admin) = sea_orm::Database::connect(admin_url.as_str()).await {
                    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                    admin.close().await.ok();
                }
            }
        }
    }
}

/// The error code of the first error of a response.
pub fn code(r: &Value) -> &str {
    r["errors"][0]["extensions"]["code"].as_str().unwrap_or("<no error>")
}

/// Declares one test body run on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! both {
    ($(#[$m:meta])* $name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let f = $body;
                f($crate::Engine::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let f = $body;
                f($crate::Engine::Postgres).await;
            }
        }
    };
}

/// A `graphql-transport-ws` client socket.
pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/graphql/ws` with the `graphql-transport-ws` subprotocol and sends `connection_init`
/// with the bearer token; returns the socket once the server acknowledged it.
pub async fn ws_connect(t: &TestApp, token: &str) -> Ws {
    ws_connect_to(&t.ws, token).await
}

/// Like [`ws_connect`], to the WebSocket endpoint at `url`.
pub async fn ws_connect_to(url: &str, token: &str) -> Ws {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(
        resp.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()),
        Some("graphql-transport-ws")
    );
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    ws.send(Message::text(init.to_string())).await.unwrap();
    let ack = ws_next(&mut ws).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws
}

/// The next JSON message of a socket (pings skipped), within ten seconds.
pub async fn ws_next(ws: &mut Ws) -> Value {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("a message within ten seconds")
            .expect("the socket is open")
            .expect("a valid frame");
        match msg {
            Message::Text(t) => {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                if v["type"] == "ping" {
                    continue;
                }
                return v;
            }
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}
