//! Customer success' schema: `customerSuccessView`, the takeover package, health, renewals.

pub mod handoffs;
pub mod success;
pub mod view;
