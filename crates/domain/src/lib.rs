//! Baton's pure core: value types, roles and the permission table, and the hand-off state
//! machines with their gates.
//!
//! Nothing here does I/O, awaits, or knows a framework. Every rule is a plain function that
//! returns all of its violations at once, so the API can explain every "no" and the `blockers`
//! query can ask the same functions without acting.

pub mod assignment;
pub mod chain;
pub mod commission;
pub mod compliance;
pub mod contract;
pub mod enablement;
pub mod export;
pub mod handoff;
pub mod health;
pub mod import;
pub mod insight;
pub mod invoice;
pub mod kpi;
pub mod lead;
pub mod money;
pub mod opportunity;
pub mod outbox;
pub mod permission;
pub mod privacy;
pub mod quote;
pub mod role;
pub mod rule;
pub mod sla;
pub mod text;
pub mod violation;

pub use money::{Currency, Money};
pub use permission::{Action, Denied, Scope, authorize};
pub use role::{Department, Role};
pub use rule::Rule;
pub use violation::Violation;
