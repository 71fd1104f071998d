//! furusato: the backend of a municipality's hometown-tax donation programme (ふるさと納税).

pub mod audit;
pub mod auth;
pub mod background;
pub mod bootstrap;
pub mod catalogue;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod donations;
pub mod email;
pub mod error;
pub mod health;
pub mod http;
pub mod idempotency;
pub mod imports;
pub mod named_enum;
pub mod openapi;
pub mod payments;
pub mod rate_limit;
pub mod reports;
pub mod request_log;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod vouchers;
