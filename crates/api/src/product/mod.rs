//! Product's schema: `productView`, feature requests and release notes.

pub mod requests;
pub mod view;
