//! What every department's schema shares: the error mapping, the document checks and the
//! response conformance, loaders, scalars and enums, connections, shared object types, tasks and
//! SLA clocks, notifications.

pub mod conform;
pub mod connection;
pub mod document;
pub mod enums;
pub mod error;
pub mod loaders;
pub mod notifications;
pub mod scalars;
pub mod sla;
pub mod types;
