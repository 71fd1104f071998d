//! Donors as people: My page without passwords. A one-time link sent to the address a donor gave
//! (`sign_in`) opens a session that shows that address's donations (`mine`).

pub mod mine;
pub mod sign_in;
