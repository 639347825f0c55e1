//! Sales: leads and their conversion, accounts and contacts, the six-stage pipeline, quotes,
//! incentives, partners and training, and the reads behind the sales view.

pub mod accounts;
pub mod enablement;
pub mod incentives;
pub mod leads;
pub mod opportunities;
pub mod quotes;
pub mod reads;
