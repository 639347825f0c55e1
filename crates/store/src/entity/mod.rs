//! sea-orm entities, one module per table. Kept apart from hand-written queries.

pub mod account;
pub mod activity;
pub mod api_token;
pub mod audit_log;
pub mod contact;
pub mod lead;
pub mod opportunity;
pub mod organization;
pub mod role_grant;
pub mod team;
pub mod team_member;
pub mod user;
