//! Finance's schema: `financeView`, invoices and payments.

pub mod invoices;
pub mod view;
