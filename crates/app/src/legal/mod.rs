//! Legal: contract review and signature, approval policies, the gift register, and data-subject
//! requests.

pub mod compliance;
pub mod contracts;
pub mod governance;
pub mod privacy;
