//! The cost ledger (募集に要する費用): every cost of raising donations, in the ministry's
//! categories, booked automatically where the service knows it (`book`) and by staff otherwise
//! (`entries`), reported per fiscal year against the 50% rule (`report`).

pub mod book;
pub mod entries;
pub mod report;
pub mod routes;
pub mod store;
pub mod types;
