//! Product: feature requests ranked by the revenue asking for them, and release notes.

pub mod requests;
