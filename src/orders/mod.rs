//! Gift fulfilment (返礼品の発注・配送管理): every paid gift line becomes one order its vendor
//! accepts, ships (carrier and tracking number, or a booking reference for experiences) and sees
//! delivered; staff may hold one; a refund cancels an order not yet sent. Vendors see only their
//! own orders, through the API (`/api/v1/vendor/`) and their pages (`/vendor/`).

pub mod admin_routes;
pub mod export;
pub mod fulfil;
pub mod place;
pub mod routes;
pub mod statement;
pub mod store;
pub mod tracking;
pub mod views;
