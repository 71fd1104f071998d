//! Donor identities (名寄せ): one person who gives through several channels, the ward's own site
//! and each portal, is one identity, so staff, reports and the one-stop notices see a person
//! rather than rows. The rule for "one person" is `domain::identity::same_person`.
//!
//! - `matching`: links each donation to an identity after it is written (never on the donation's
//!   own path): the sweeper and every identity read call `catch_up`.
//! - `store`: the queries, among them `identity_of_donation` and `live_identity` for other
//!   features.
//! - `by_hand`: staff merge two identities or split donations off one, audited.
//! - `views` and `routes`: what staff read and the staff routes.

pub mod by_hand;
pub mod matching;
pub mod routes;
pub mod store;
pub mod views;

pub use matching::catch_up;
pub use store::{identity_of_donation, live_identity};
