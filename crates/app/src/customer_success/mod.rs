//! Customer success: the takeover package from sales, accounts in care, health, renewals and
//! referrals.

pub mod handoffs;
pub mod success;
