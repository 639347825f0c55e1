//! The command line: `serve`, `migrate`, `seed`, `token`, `schema`, `audit`, `jobs`,
//! `persisted-queries`, `org create`.

use crate::config::Settings;
use anyhow::Context;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "baton", version, about = "Baton: the revenue team's hand-offs, enforced by a GraphQL backend")]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations and serve HTTP and WebSocket.
    Serve {
        /// Seed the demo organization first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Create the demo organization (idempotent).
    Seed {
        /// Seed the demo organization of the API contract.
        #[arg(long)]
        demo: bool,
        /// With --demo: also fill the demo organization with benchmark data derived from N
        /// leads (N/10 accounts and deals, their quotes, contracts, invoices, payments,
        /// hand-offs and the rest) in one transaction, without audit rows. Refused when the
        /// organization already holds scale data: scale a fresh database.
        #[arg(long, value_name = "N", requires = "demo")]
        scale: Option<u64>,
    },
    /// Print a JWT for an existing user on stdout.
    Token {
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
    },
    /// Print the GraphQL SDL on stdout.
    Schema,
    /// The tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Background jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Register the operations of a client's manifest (Apollo's persisted-query manifest, or
    /// the hash-to-document map of graphql-codegen or the Relay compiler) for persisted queries
    /// and the allow-list mode. Every document must parse and every id be its SHA-256.
    PersistedQueries {
        /// The manifest file (JSON).
        manifest: std::path::PathBuf,
    },
    /// Manage organizations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every organization's hash chain; name the first broken row and exit 1 if any.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Run every due job once (issue scheduled invoices, open renewals) and exit.
    RunOnce,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organization with its first administrator.
    Create {
        /// The organization's name.
        #[arg(long)]
        name: String,
        /// The administrator's e-mail address.
        #[arg(long)]
        admin_email: String,
        /// The administrator's password (at least 8 characters).
        #[arg(long)]
        admin_password: String,
    },
}

fn print_demo_users() {
    eprintln!(
        "Demo organization \"{}\" is ready. Every user's password is `{}`:",
        baton_app::admin::seed::DEMO_ORG,
        baton_app::admin::seed::DEMO_PASSWORD
    );
    for (email, name, role) in baton_app::admin::seed::DEMO_USERS {
        eprintln!("  {email:<24} {:<18} {name}", role.as_str());
    }
}

/// Leads of the living demo: enough for every department's view to show a working pipeline,
/// contracts waiting for legal, invoices in every aging bucket, customers under CS, feature
/// requests and campaigns.
pub const LIVING_DEMO_LEADS: u64 = 400;

/// Fills the demo organization with a living data set once; a second run leaves it as it is.
async fn seed_living_demo(app: &baton_app::App) -> anyhow::Result<()> {
    match app.seed_scale(LIVING_DEMO_LEADS).await {
        Ok(report) => {
            eprintln!("living demo: {} rows across the departments", report.total());
            Ok(())
        }
        Err(baton_app::AppError::Conflict(_)) => Ok(()),
        Err(e) => Err(anyhow::anyhow!("seeding the living demo: {e}")),
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Schema = cli.command {
        print!("{}", baton_api::sdl_of_code());
        return Ok(());
    }
    let cfg = cli.settings.resolve()?;
    crate::init_tracing(&cfg.log, cfg.log_format);
    // The demo users' password is public; a production database never gets them.
    let demo = matches!(cli.command, Command::Serve { demo: true } | Command::Seed { demo: true, .. });
    anyhow::ensure!(
        !(demo && cfg.env == crate::config::RunEnv::Production),
        "--demo is refused when BATON_ENV=production: the demo users share a public password"
    );
    match cli.command {
        Command::Schema => anyhow::Ok(()),
        Command::Migrate => {
            crate::open(&cfg).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Seed { demo, scale } => {
            anyhow::ensure!(demo, "only `baton seed --demo` exists");
            let app = crate::open(&cfg).await?;
            app.seed_demo().await.map_err(|e| anyhow::anyhow!("seeding: {e}"))?;
            if scale.is_none() {
                seed_living_demo(&app).await?;
            }
            if let Some(n) = scale {
                let started = std::time::Instant::now();
                let report = app.seed_scale(n).await.map_err(|e| anyhow::anyhow!("scaling: {e:#}"))?;
                let secs = started.elapsed().as_secs_f64();
                for (table, rows) in &report.tables {
                    eprintln!("  {table:<26} {rows:>10}");
                }
                eprintln!("scale data: {} rows from {n} leads in {secs:.1} s", report.total());
            }
            app.seal_audit().await.context("sealing the audit rows")?;
            print_demo_users();
            Ok(())
        }
        Command::Token { email } => {
            let app = crate::open(&cfg).await?;
            let token = app.token_for_email(&email).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{token}");
            Ok(())
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let app = crate::open(&cfg).await?;
            match app.verify_audit().await.map_err(|e| anyhow::anyhow!("{e}"))? {
                baton_app::kernel::audit::Verdict::Intact { rows, organizations } => {
                    println!("ok: {rows} audit rows in {organizations} organization(s) verify");
                    Ok(())
                }
                baton_app::kernel::audit::Verdict::Broken { organization, seq, id, reason } => {
                    println!("broken: organization {organization}, row {seq} ({id}): {reason}");
                    anyhow::bail!("the audit log does not verify")
                }
            }
        }
        Command::Jobs { command: JobsCommand::RunOnce } => {
            let mut app = crate::open(&cfg).await?;
            // Notifications raised here reach the live subscriptions of every `serve` on the
            // same PostgreSQL, as they would from the scheduler inside `serve`.
            if baton_store::is_postgres(&app.db) {
                app.events = baton_app::kernel::events::EventBus::postgres(app.db.clone(), &cfg.database_url)
                    .await
                    .context("connecting the event publisher")?;
            }
            let ran = crate::jobs::run_once(&app, crate::jobs::sender(&cfg)).await;
            app.events.flush().await;
            app.seal_audit().await.context("sealing the audit rows")?;
            let (issued, renewals) = ran?;
            eprintln!("issued {issued} scheduled invoice(s), opened {renewals} renewal opportunity(ies)");
            Ok(())
        }
        Command::PersistedQueries { manifest } => {
            let text =
                std::fs::read_to_string(&manifest).with_context(|| format!("reading {}", manifest.display()))?;
            let ops = baton_app::kernel::persisted::parse_manifest(&text).map_err(|e| anyhow::anyhow!("the manifest {e}"))?;
            for op in &ops {
                async_graphql::parser::parse_query(&op.document)
                    .map_err(|e| anyhow::anyhow!("the document of {} does not parse: {e}", op.hash))?;
            }
            let app = crate::open(&cfg).await?;
            let n = app.register_persisted(&ops).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!("registered {n} operation(s)");
            Ok(())
        }
        Command::Org { command: OrgCommand::Create { name, admin_email, admin_password } } => {
            let app = crate::open(&cfg).await?;
            let (org, admin) = app.create_org(&name, &admin_email, &admin_password).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            app.seal_audit().await.context("sealing the audit rows")?;
            eprintln!("created organization {} ({}) with administrator {}", org.name, org.id, admin.email);
            println!("{}", org.id);
            Ok(())
        }
        Command::Serve { demo } => {
            let running = crate::start(&cfg).await?;
            if demo {
                running.app.seed_demo().await.map_err(|e| anyhow::anyhow!("seeding: {e}"))?;
                seed_living_demo(&running.app).await?;
                print_demo_users();
            }
            tracing::info!(addr = %running.addr, database = %baton_store::redact_url(&cfg.database_url), "baton is listening; GraphiQL at http://{}/graphql", running.addr);
            crate::shutdown_signal().await;
            let db = running.app.db.clone();
            running.stop().await;
            // Closing the last connection lets SQLite remove the emptied log files.
            db.close().await.ok();
            Ok(())
        }
    }
    .context("baton")
}
