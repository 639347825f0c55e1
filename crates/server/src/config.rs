//! Configuration: struct defaults, then an optional `baton.toml`, then `BATON_*` environment
//! variables, then command-line flags. Secrets print as `[redacted]`.

use anyhow::{Context, bail};
use clap::Args;
use secrecy::SecretString;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Whether Baton runs for development or production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RunEnv {
    Development,
    Production,
}

/// How logs are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Which documents `/graphql` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum PersistedQueries {
    /// Any document; Apollo's automatic persisted queries let a client send a hash instead.
    Apq,
    /// Only the registered operations (`baton persisted-queries`), by hash or by text.
    AllowList,
}

/// Flags, each also readable from its environment variable. Absent values fall back to
/// `baton.toml`, then to the defaults.
#[derive(Debug, Clone, Default, Args, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct Settings {
    /// Database URL: `sqlite://baton.db?mode=rwc` (default) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "BATON_LISTEN", global = true)]
    pub listen: Option<String>,
    /// `development` (default) or `production`.
    #[arg(long = "env", env = "BATON_ENV", global = true, value_enum)]
    pub env: Option<RunEnv>,
    /// HS256 secret for JWTs; required in production.
    #[arg(long, env = "BATON_JWT_SECRET", global = true, hide_env_values = true)]
    #[serde(skip)]
    pub jwt_secret: Option<String>,
    /// The `iss` claim issued and required (default `baton`).
    #[arg(long, env = "BATON_JWT_ISSUER", global = true)]
    pub jwt_issuer: Option<String>,
    /// The `aud` claim issued and required (default `baton`).
    #[arg(long, env = "BATON_JWT_AUDIENCE", global = true)]
    pub jwt_audience: Option<String>,
    /// Token lifetime in minutes (default 480).
    #[arg(long, env = "BATON_TOKEN_TTL_MINUTES", global = true)]
    pub token_ttl_minutes: Option<i64>,
    /// Serve introspection (default: on in development, off in production).
    #[arg(long, env = "BATON_INTROSPECTION", global = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub introspection: Option<bool>,
    /// Comma-separated origins allowed by CORS (default: any origin in development, none in production).
    #[arg(long, env = "BATON_CORS_ORIGINS", global = true)]
    pub cors_origins: Option<String>,
    /// Log filter (default `info`).
    #[arg(long, env = "BATON_LOG", global = true)]
    pub log: Option<String>,
    /// `pretty` (default) or `json`.
    #[arg(long, env = "BATON_LOG_FORMAT", global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Maximum query depth (default 15).
    #[arg(long, env = "BATON_MAX_DEPTH", global = true)]
    pub max_depth: Option<usize>,
    /// Maximum query cost; a connection costs `first` times the fields under it (default 20,000).
    #[arg(long, env = "BATON_MAX_COMPLEXITY", global = true)]
    pub max_complexity: Option<usize>,
    /// Maximum operations in one batch (default 10).
    #[arg(long, env = "BATON_MAX_BATCH", global = true)]
    pub max_batch: Option<usize>,
    /// Maximum request body in bytes (default 1 MiB).
    #[arg(long, env = "BATON_MAX_BODY_BYTES", global = true)]
    pub max_body_bytes: Option<usize>,
    /// Maximum seconds per request (default 30).
    #[arg(long, env = "BATON_REQUEST_TIMEOUT_SECS", global = true)]
    pub request_timeout_secs: Option<u64>,
    /// Database pool size (default 10).
    #[arg(long, env = "BATON_DB_MAX_CONNECTIONS", global = true)]
    pub db_max_connections: Option<u32>,
    /// Seconds a request waits for a database connection before it is answered UNAVAILABLE
    /// (default 2).
    #[arg(long, env = "BATON_DB_ACQUIRE_TIMEOUT_SECS", global = true)]
    pub db_acquire_timeout_secs: Option<u64>,
    /// Serve GraphiQL on `GET /graphql` (default: on in development, off in production).
    #[arg(long, env = "BATON_GRAPHIQL", global = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub graphiql: Option<bool>,
    /// Failed logins allowed per account and per client address before backoff starts (default 5).
    #[arg(long, env = "BATON_LOGIN_FREE_ATTEMPTS", global = true)]
    pub login_free_attempts: Option<u32>,
    /// SMTP relay for outgoing e-mail, `host:port`, plain SMTP (default: e-mails are logged,
    /// not sent). `BATON_SMTP_URL` takes precedence.
    #[arg(long, env = "BATON_SMTP_ADDR", global = true)]
    pub smtp_addr: Option<String>,
    /// SMTP relay as a URL, with TLS and credentials: `smtp://host:25` (plain),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://user:pass@host:465`
    /// (implicit TLS). Takes precedence over `BATON_SMTP_ADDR`.
    #[arg(long, env = "BATON_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender address of outgoing e-mail (default `baton@localhost`).
    #[arg(long, env = "BATON_SMTP_FROM", global = true)]
    pub smtp_from: Option<String>,
    /// The first retry delay of a failed webhook delivery, in milliseconds; it doubles per
    /// attempt, with jitter, up to an hour (default 30000).
    #[arg(long, env = "BATON_WEBHOOK_RETRY_BASE_MS", global = true)]
    pub webhook_retry_base_ms: Option<u64>,
    /// `apq` (default: any document, or a hash of one) or `allow-list` (only the operations
    /// registered with `baton persisted-queries`).
    #[arg(long, env = "BATON_PERSISTED_QUERIES", global = true, value_enum)]
    pub persisted_queries: Option<PersistedQueries>,
    /// Run the scheduled jobs inside `serve` (default on). Off on an instance that only serves
    /// requests while others run the jobs; every job is safe on several instances at once.
    #[arg(long, env = "BATON_JOBS", global = true, value_parser = clap::builder::BoolishValueParser::new())]
    pub jobs: Option<bool>,
    /// Configuration file (default `baton.toml` when it exists).
    #[arg(long, env = "BATON_CONFIG", global = true)]
    #[serde(skip)]
    pub config: Option<PathBuf>,
}

/// The resolved configuration.
#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub listen: String,
    pub env: RunEnv,
    pub jwt_secret: Option<SecretString>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub token_ttl_minutes: i64,
    pub introspection: bool,
    pub cors_origins: Vec<String>,
    pub log: String,
    pub log_format: LogFormat,
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_batch: usize,
    pub max_body_bytes: usize,
    pub request_timeout_secs: u64,
    pub db_max_connections: u32,
    pub db_acquire_timeout_secs: u64,
    pub graphiql: bool,
    pub login_free_attempts: u32,
    /// The SMTP relay (`BATON_SMTP_URL`, else `BATON_SMTP_ADDR`); none: e-mails are logged.
    pub smtp: Option<crate::mail::SmtpSender>,
    pub smtp_from: String,
    pub webhook_retry_base_ms: u64,
    pub persisted_queries: PersistedQueries,
    /// Whether `serve` runs the scheduled jobs.
    pub jobs: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &baton_store::redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("env", &self.env)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "[redacted]"))
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("introspection", &self.introspection)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Layers flags and environment (already merged by clap) over the file over the defaults.
    pub fn resolve(self) -> anyhow::Result<Config> {
        let path = self.config.clone().unwrap_or_else(|| PathBuf::from("baton.toml"));
        let file: Settings = if path.exists() {
            ::config::Config::builder()
                .add_source(::config::File::from(path.as_path()))
                .build()
                .and_then(|c| c.try_deserialize())
                .with_context(|| format!("reading {}", path.display()))?
        } else if self.config.is_some() {
            bail!("configuration file {} does not exist", path.display());
        } else {
            Settings::default()
        };
        self.over(file).finish()
    }

    /// Fills in the defaults and checks the combination.
    pub fn finish(self) -> anyhow::Result<Config> {
        let s = self;
        let env = s.env.unwrap_or(RunEnv::Development);
        let mut cfg = Config {
            database_url: s.database_url.unwrap_or_else(|| baton_store::DEFAULT_DATABASE_URL.to_owned()),
            listen: s.listen.unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            env,
            jwt_secret: s.jwt_secret.filter(|x| !x.is_empty()).map(SecretString::from),
            jwt_issuer: s.jwt_issuer.unwrap_or_else(|| "baton".to_owned()),
            jwt_audience: s.jwt_audience.unwrap_or_else(|| "baton".to_owned()),
            token_ttl_minutes: s.token_ttl_minutes.unwrap_or(480),
            introspection: s.introspection.unwrap_or(env == RunEnv::Development),
            cors_origins: s
                .cors_origins
                .map(|o| o.split(',').map(|x| x.trim().to_owned()).filter(|x| !x.is_empty()).collect())
                .unwrap_or_default(),
            log: s.log.unwrap_or_else(|| "info".to_owned()),
            log_format: s.log_format.unwrap_or(LogFormat::Pretty),
            max_depth: s.max_depth.unwrap_or(15),
            max_complexity: s.max_complexity.unwrap_or(20_000),
            max_batch: s.max_batch.unwrap_or(10),
            max_body_bytes: s.max_body_bytes.unwrap_or(1024 * 1024),
            request_timeout_secs: s.request_timeout_secs.unwrap_or(30),
            db_max_connections: s.db_max_connections.unwrap_or(10),
            db_acquire_timeout_secs: s.db_acquire_timeout_secs.unwrap_or(2).max(1),
            graphiql: s.graphiql.unwrap_or(env == RunEnv::Development),
            login_free_attempts: s.login_free_attempts.unwrap_or(5),
            smtp: None,
            smtp_from: s.smtp_from.unwrap_or_else(|| "baton@localhost".to_owned()),
            webhook_retry_base_ms: s.webhook_retry_base_ms.unwrap_or(30_000).max(1),
            persisted_queries: s.persisted_queries.unwrap_or(PersistedQueries::Apq),
            jobs: s.jobs.unwrap_or(true),
        };
        cfg.smtp = smtp_relay(s.smtp_url, s.smtp_addr, &cfg.smtp_from)?;
        if cfg.token_ttl_minutes < 1 {
            bail!("BATON_TOKEN_TTL_MINUTES must be at least 1");
        }
        if cfg.env == RunEnv::Production {
            match &cfg.jwt_secret {
                None => bail!("BATON_JWT_SECRET is required when BATON_ENV=production"),
                Some(secret) if secrecy::ExposeSecret::expose_secret(secret).len() < 32 => {
                    bail!("BATON_JWT_SECRET must be at least 32 bytes in production")
                }
                Some(_) => {}
            }
        }
        Ok(cfg)
    }

    /// `self` where set, else `file`.
    fn over(self, file: Settings) -> Settings {
        Settings {
            database_url: self.database_url.or(file.database_url),
            listen: self.listen.or(file.listen),
            env: self.env.or(file.env),
            jwt_secret: self.jwt_secret,
            jwt_issuer: self.jwt_issuer.or(file.jwt_issuer),
            jwt_audience: self.jwt_audience.or(file.jwt_audience),
            token_ttl_minutes: self.token_ttl_minutes.or(file.token_ttl_minutes),
            introspection: self.introspection.or(file.introspection),
            cors_origins: self.cors_origins.or(file.cors_origins),
            log: self.log.or(file.log),
            log_format: self.log_format.or(file.log_format),
            max_depth: self.max_depth.or(file.max_depth),
            max_complexity: self.max_complexity.or(file.max_complexity),
            max_batch: self.max_batch.or(file.max_batch),
            max_body_bytes: self.max_body_bytes.or(file.max_body_bytes),
            request_timeout_secs: self.request_timeout_secs.or(file.request_timeout_secs),
            db_max_connections: self.db_max_connections.or(file.db_max_connections),
            db_acquire_timeout_secs: self.db_acquire_timeout_secs.or(file.db_acquire_timeout_secs),
            graphiql: self.graphiql.or(file.graphiql),
            login_free_attempts: self.login_free_attempts.or(file.login_free_attempts),
            smtp_addr: self.smtp_addr.or(file.smtp_addr),
            smtp_url: self.smtp_url.or(file.smtp_url),
            smtp_from: self.smtp_from.or(file.smtp_from),
            webhook_retry_base_ms: self.webhook_retry_base_ms.or(file.webhook_retry_base_ms),
            persisted_queries: self.persisted_queries.or(file.persisted_queries),
            jobs: self.jobs.or(file.jobs),
            config: self.config,
        }
    }
}

impl Config {
    /// A configuration for tests and embedding: defaults, port 0, the given database and secret.
    pub fn for_tests(database_url: &str, jwt_secret: &str) -> anyhow::Result<Config> {
        Settings {
            database_url: Some(database_url.to_owned()),
            listen: Some("127.0.0.1:0".into()),
            jwt_secret: Some(jwt_secret.to_owned()),
            db_max_connections: Some(5),
            ..Default::default()
        }
        .finish()
    }

    /// The JWT secret: configured, or in development generated once and kept beside the
    /// database so that restarts and `baton token` keep working.
    pub fn jwt_secret(&self) -> anyhow::Result<SecretString> {
        if let Some(s) = &self.jwt_secret {
            return Ok(s.clone());
        }
        if self.env == RunEnv::Production {
            bail!("BATON_JWT_SECRET is required when BATON_ENV=production");
        }
        let path = self.secret_path();
        if let Ok(s) = std::fs::read_to_string(&path) {
            let s = s.trim().to_owned();
            if !s.is_empty() {
                return Ok(SecretString::from(s));
            }
        }
        let secret = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        write_private(&path, &secret)
            .with_context(|| format!("writing the development JWT secret to {}", path.display()))?;
        tracing::info!(path = %path.display(), "generated a development JWT secret");
        Ok(SecretString::from(secret))
    }

    /// Where the development secret lives: beside the SQLite file, else in the working directory.
    fn secret_path(&self) -> PathBuf {
        let file = self
            .database_url
            .strip_prefix("sqlite://")
            .or_else(|| self.database_url.strip_prefix("sqlite:"))
            .map(|rest| rest.split('?').next().unwrap_or(rest))
            .filter(|p| !p.is_empty() && !p.contains(":memory:"));
        match file {
            Some(p) => PathBuf::from(format!("{p}.jwt-secret")),
            None => Path::new("baton.jwt-secret").to_path_buf(),
        }
    }
}

/// The relay from `BATON_SMTP_URL`, else `BATON_SMTP_ADDR` (empty means unset), checked now so
/// that a bad setting stops start-up with its name; the error never repeats the URL, which may
/// hold a password.
fn smtp_relay(
    url: Option<String>,
    addr: Option<String>,
    from: &str,
) -> anyhow::Result<Option<crate::mail::SmtpSender>> {
    use crate::mail::{RelayError, SmtpSender};
    let named = |setting: &str, e: RelayError| match e {
        RelayError::From(_) => anyhow::anyhow!("BATON_SMTP_FROM is {e}"),
        _ => anyhow::anyhow!("{setting} is {e}"),
    };
    if let Some(url) = url.filter(|u| !u.is_empty()) {
        return SmtpSender::from_url(&url, from).map(Some).map_err(|e| named("BATON_SMTP_URL", e));
    }
    match addr.filter(|a| !a.is_empty()) {
        Some(addr) => SmtpSender::plain(&addr, from).map(Some).map_err(|e| named("BATON_SMTP_ADDR", e)),
        None => Ok(None),
    }
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(content.as_bytes())
}
