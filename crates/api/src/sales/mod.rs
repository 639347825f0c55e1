//! Sales' schema: `salesView`, leads, accounts and contacts, opportunities and quotes, the lead
//! pool, cadences, commissions, partners and training.

pub mod automation;
pub mod deals;
pub mod enablement;
pub mod leads;
pub mod view;
