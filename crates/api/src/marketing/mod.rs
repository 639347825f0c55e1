//! Marketing's schema: `marketingView`, campaigns and messaging.

pub mod campaigns;
pub mod view;
