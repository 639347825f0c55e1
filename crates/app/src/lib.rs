//! Baton's use cases. Each public operation is one transaction: load, decide in `domain`,
//! save, write the audit row. This is the only crate that opens transactions.
//!
//! Callers pass raw input; parsing into domain values happens here so that every path (GraphQL,
//! CLI, seeding) is held to the same rules.

pub mod admin;
pub mod customer_success;
pub mod finance;
pub mod insight;
pub mod kernel;
pub mod legal;
pub mod marketing;
pub mod product;
pub mod sales;

pub use baton_domain as domain;
pub use baton_store::entity;
pub use kernel::actor::{Actor, HeldRole, Owners, Principal};
pub use kernel::error::AppError;
pub use sea_orm::DatabaseConnection;

use kernel::auth::JwtKeys;

/// Everything a use case needs: the database and the token keys. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub db: DatabaseConnection,
    pub jwt: JwtKeys,
    pub events: kernel::events::EventBus,
    pub principals: kernel::principals::PrincipalCache,
    pub login_policy: kernel::throttle::LoginPolicy,
}

impl App {
    pub fn new(db: DatabaseConnection, jwt: JwtKeys) -> Self {
        Self {
            db,
            jwt,
            events: kernel::events::EventBus::default(),
            principals: kernel::principals::PrincipalCache::default(),
            login_policy: kernel::throttle::LoginPolicy::default(),
        }
    }
}

/// Parses a UUID given as text, naming the field when it is malformed.
pub fn parse_id(field: &str, s: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(s.trim()).map_err(|_| AppError::bad_input(field, "is not a valid id (a UUID)"))
}
