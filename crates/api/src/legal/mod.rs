//! Legal's schema: `legalView`, contracts and signing, governance, gifts, consent, privacy.

pub mod compliance;
pub mod contracts;
pub mod governance;
pub mod privacy;
pub mod view;
