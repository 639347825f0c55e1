//! Insight: figures across departments (KPIs, reports), `blockers`, search and `node`.

pub mod analytics;
pub mod blockers;
pub mod node;
pub mod search;
