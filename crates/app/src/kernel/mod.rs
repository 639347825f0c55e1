//! The shared core every department builds on: the principal and its roles, the one gate per
//! object, row scope and list filters, pages, the audit chain and its webhook fan-out, SLA
//! clocks, notifications, the e-mail outbox, money and won revenue. It imports no department.

pub mod actor;
pub mod audit;
pub mod auth;
pub mod counts;
pub mod error;
pub mod events;
pub mod gate;
pub mod hooks;
pub mod money;
pub mod notifications;
pub mod outbox;
pub mod page;
pub mod persisted;
pub mod principals;
pub mod revenue;
pub mod scope;
pub mod sla;
pub mod sql;
pub mod throttle;
pub mod tx;
