//! The end-to-end suite: the real server over HTTP and WebSocket, every test on SQLite and on
//! PostgreSQL. One binary (one link of the whole server) with a module per area.

mod analytics;
mod audit;
mod automation;
mod backbone;
mod backbone_rules;
mod compliance;
mod custom_software;
mod discovery;
mod documents;
mod enablement;
mod exports;
mod governance;
mod imports;
mod leads;
mod lists;
mod loops;
mod matrix;
mod money;
mod privacy;
mod roles;
mod security;
mod sla;
mod smoke;
mod success;
mod transport;
mod webhooks;
