//! Administration's schema: the organization, users and API tokens, roles, webhooks, imports,
//! the audit log.

pub mod audit;
pub mod imports;
pub mod org;
pub mod roles;
pub mod webhooks;
