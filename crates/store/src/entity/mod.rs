//! sea-orm entities, one module per table. Kept apart from hand-written queries.

pub mod account;
pub mod activity;
pub mod api_token;
pub mod audit_log;
pub mod change_order;
pub mod contact;
pub mod contract;
pub mod contract_clause;
pub mod contract_template;
pub mod delivery_project;
pub mod handoff_package;
pub mod invoice;
pub mod lead;
pub mod onboarding_milestone;
pub mod opportunity;
pub mod organization;
pub mod payment;
pub mod product;
pub mod quote;
pub mod quote_line;
pub mod role_grant;
pub mod subscription;
pub mod team;
pub mod team_member;
pub mod template_clause;
pub mod user;
