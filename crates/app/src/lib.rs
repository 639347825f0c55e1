//! Baton's use cases. Each public operation is one transaction: load, decide in `domain`,
//! save, write the audit row. This is the only crate that opens transactions.
//!
//! Callers pass raw input; parsing into domain values happens here so that every path (GraphQL,
//! CLI, seeding) is held to the same rules.

pub mod accounts;
pub mod actor;
pub mod admin;
pub mod analytics;
pub mod audit;
pub mod auth;
pub mod automation;
pub mod blockers;
pub mod compliance;
pub mod consent;
pub mod contracts;
pub mod counts;
pub mod enablement;
pub mod error;
pub mod events;
pub mod exports;
pub mod finance;
pub mod gate;
pub mod governance;
pub mod handoffs;
pub mod imports;
pub mod incentives;
pub mod leads;
pub mod marketing;
pub mod node;
pub mod opportunities;
pub mod page;
pub mod persisted;
pub mod principals;
pub mod privacy;
pub mod product;
pub mod quotes;
pub mod roles;
pub mod scale;
pub mod search;
pub mod seed;
pub mod sla;
pub mod sql;
pub mod success;
pub mod throttle;
pub mod tx;
pub mod views;
pub mod webhooks;

pub use actor::{Actor, HeldRole, Owners, Principal};
pub use baton_domain as domain;
pub use baton_store::entity;
pub use error::AppError;
pub use sea_orm::DatabaseConnection;

use auth::JwtKeys;

/// Everything a use case needs: the database and the token keys. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub db: DatabaseConnection,
    pub jwt: JwtKeys,
    pub events: events::EventBus,
    pub principals: principals::PrincipalCache,
    pub login_policy: throttle::LoginPolicy,
}

impl App {
    pub fn new(db: DatabaseConnection, jwt: JwtKeys) -> Self {
        Self {
            db,
            jwt,
            events: events::EventBus::default(),
            principals: principals::PrincipalCache::default(),
            login_policy: throttle::LoginPolicy::default(),
        }
    }
}

/// Parses a UUID given as text, naming the field when it is malformed.
pub fn parse_id(field: &str, s: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s.trim()).map_err(|_| AppError::bad_input(field, "is not a valid id (a UUID)"))
}
