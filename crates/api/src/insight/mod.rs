//! Figures across departments: KPIs and reviews, `search`, `node`.

pub mod analytics;
pub mod node;
pub mod search;
