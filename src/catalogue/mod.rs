//! The return-gift catalogue (返礼品), organisations, usage purposes and businesses.

pub mod admin_routes;
pub mod cache;
pub mod routes;
