//! On-site e-vouchers (現地決済型, しながわe街ギフト): issue on payment, redeem at partner tills,
//! reverse the same day, statements and monthly settlement.

pub mod admin_routes;
pub mod issue;
mod one_statement;
pub mod partner_admin_routes;
pub mod partners;
pub mod redeem;
pub mod routes;
pub mod settle;
pub mod store;
pub mod types;
