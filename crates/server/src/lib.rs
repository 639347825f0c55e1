//! The `baton` server: configuration, logging, the axum router, and start-up and shutdown.
//! `main.rs` holds the command line; this library lets end-to-end tests start the real server
//! on port 0.

// The merged root objects nest one level per member; their futures need a deeper limit.
#![recursion_limit = "256"]

pub mod cli;
pub mod config;
pub mod exports;
pub mod http;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod persisted;
pub mod webhooks;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::routing::get;
use baton_api::Limits;
use baton_app::App;
use baton_app::kernel::auth::JwtKeys;
use config::{Config, LogFormat, RunEnv};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tower_http::LatencyUnit;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Installs the stderr logger once; later calls are no-ops.
pub fn init_tracing(filter: &str, format: LogFormat) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// Connects, migrates, and builds the application handle.
pub async fn open(cfg: &Config) -> anyhow::Result<App> {
    let db = baton_store::connect(
        &cfg.database_url,
        cfg.db_max_connections,
        Duration::from_secs(cfg.db_acquire_timeout_secs),
    )
    .await
    .with_context(|| format!("connecting to {}", baton_store::redact_url(&cfg.database_url)))?;
    baton_store::migrate(&db).await.context("applying migrations")?;
    let keys = JwtKeys::new(
        &cfg.jwt_secret()?,
        &cfg.jwt_issuer,
        &cfg.jwt_audience,
        chrono::Duration::minutes(cfg.token_ttl_minutes),
    );
    let mut app = App::new(db, keys);
    app.login_policy = baton_app::kernel::throttle::LoginPolicy {
        free_per_account: cfg.login_free_attempts,
        free_per_address: cfg.login_free_attempts.saturating_mul(4),
    };
    Ok(app)
}

/// The router with every layer: request ids, tracing, CORS, body limit, timeout.
pub fn router(cfg: &Config, app: App) -> Router {
    let limits = Limits {
        depth: cfg.max_depth,
        complexity: cfg.max_complexity,
        introspection: cfg.introspection,
        suggestions: cfg.env == RunEnv::Development,
    };
    let schema = baton_api::build_schema(app.clone(), limits);
    let conform = Arc::new(baton_api::kernel::conform::Conformance::new(&schema, limits));
    let state = http::AppState {
        app,
        schema,
        conform,
        max_batch: cfg.max_batch,
        max_body_bytes: cfg.max_body_bytes,
        graphiql: cfg.graphiql,
        metrics: Arc::new(metrics::Metrics::default()),
        documents: Arc::new(persisted::Documents::new(cfg.persisted_queries)),
    };
    let cors = if cfg.cors_origins.is_empty() && cfg.env == RunEnv::Development {
        CorsLayer::new().allow_origin(AllowOrigin::any())
    } else {
        let origins: Vec<HeaderValue> = cfg.cors_origins.iter().filter_map(|o| o.parse().ok()).collect();
        CorsLayer::new().allow_origin(origins)
    }
    .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
    // What Apollo Client and urql send besides the usual three, and the request id a client
    // quotes when it reports a fault.
    .allow_headers([
        header::AUTHORIZATION,
        header::CONTENT_TYPE,
        header::ACCEPT,
        HeaderName::from_static("apollographql-client-name"),
        HeaderName::from_static("apollographql-client-version"),
        HeaderName::from_static("apollo-require-preflight"),
        HeaderName::from_static("x-request-id"),
        HeaderName::from_static("x-baton-view-as"),
    ])
    .expose_headers([
        HeaderName::from_static("x-request-id"),
        HeaderName::from_static("x-export-id"),
        header::RETRY_AFTER,
    ]);
    let x_request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .route("/graphql", get(http::graphql_get).post(http::graphql_post))
        .route("/graphql/ws", get(http::graphql_ws))
        .route("/graphiql/{file}", get(http::graphiql_asset))
        .route("/export/{file}", get(exports::export_csv))
        .route("/healthz", get(http::healthz))
        .route("/readyz", get(http::readyz))
        .route("/metrics", get(http::metrics))
        .with_state(state)
        .layer(DefaultBodyLimit::max(cfg.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(cfg.request_timeout_secs),
        ))
        .layer(cors)
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        // One line per request at info: method, path, operation names, status, latency, id.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    let rid = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        path = %req.uri().path(),
                        operation = tracing::field::Empty,
                        request_id = %rid
                    )
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub app: App,
    shutdown: Option<oneshot::Sender<()>>,
    join: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish, and waits. On SQLite the write-ahead
    /// log is then folded into the database file, so that the file alone is a complete copy.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.join.await;
        // What the last requests wrote is chained before the process goes.
        if let Err(e) = self.app.seal_audit().await {
            tracing::warn!(error = %e, "sealing the last audit rows at shutdown failed");
        }
        if let Err(e) = baton_store::checkpoint(&self.app.db).await {
            tracing::warn!(error = %e, "checkpointing the write-ahead log at shutdown failed");
        }
    }
}

/// Binds, migrates and serves in the background; the server stops on [`Running::stop`].
pub async fn start(cfg: &Config) -> anyhow::Result<Running> {
    let mut app = open(cfg).await?;
    // Subscriptions hear events from every instance on PostgreSQL; SQLite has only one.
    if baton_store::is_postgres(&app.db) {
        app.events = baton_app::kernel::events::EventBus::postgres(app.db.clone(), &cfg.database_url)
            .await
            .context("connecting the event listener")?;
    }
    let principal_watch = app.spawn_principal_watch();
    let sealer = app.spawn_sealer();
    let deliverer =
        app.spawn_webhook_deliverer(std::sync::Arc::new(webhooks::HttpTransport), cfg.webhook_retry_base_ms);
    let listener =
        tokio::net::TcpListener::bind(&cfg.listen).await.with_context(|| format!("binding {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let router = router(cfg, app.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let scheduler = cfg.jobs.then(|| jobs::spawn_scheduler(app.clone(), jobs::sender(cfg)));
    let join = tokio::spawn(async move {
        let served = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Some(s) = scheduler {
            s.abort();
        }
        principal_watch.abort();
        sealer.abort();
        deliverer.abort();
        if let Err(e) = served {
            tracing::error!(error = %e, "server stopped with an error");
        }
    });
    Ok(Running { addr, app, shutdown: Some(tx), join })
}

/// Waits for SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
