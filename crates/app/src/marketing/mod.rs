//! Marketing: campaigns and their attribution, cadences and the automation that runs them, and
//! consent (a lead is only e-mailed under a purpose it agreed to).

pub mod automation;
pub mod campaigns;
pub mod consent;
