//! Finance: invoices, payments, collections and the ledger they post to.

pub mod invoices;
