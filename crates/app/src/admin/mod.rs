//! Administration: the organization, its users, teams and roles, API tokens, webhooks, imports,
//! exports and seeding.

pub mod exports;
pub mod imports;
pub mod org;
pub mod roles;
pub mod scale;
pub mod seed;
pub mod webhooks;
