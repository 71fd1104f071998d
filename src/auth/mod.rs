//! Staff and partner authentication: users, password login, bearer tokens, role extractors.

pub mod extractors;
pub mod password;
pub mod routes;
pub mod sign_in;
pub mod store;
pub mod tokens;

pub use extractors::{AdminUser, AuthUser, PartnerUser, VendorUser};

crate::named_enum! {
    pub stored enum Role {
        Admin = "admin",
        Partner = "partner",
        /// A gift vendor: sees and fulfils its own orders.
        Vendor = "vendor",
    }
}

/// Emails are compared case-insensitively.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}
