//! Staff and partner authentication: users, password login, bearer tokens, role extractors.

pub mod extractors;
pub mod password;
pub mod routes;
pub mod sign_in;
pub mod slowdown;
pub mod store;
pub mod tokens;

pub use extractors::{AdminUser, AuthUser, PartnerUser, StaffUser, VendorUser};

crate::named_enum! {
    pub stored enum Role {
        /// Tax-division staff: every staff read and write.
        Admin = "admin",
        /// Read-only tax-division staff: every staff page and read except exports of personal
        /// data; changes nothing.
        Viewer = "viewer",
        Partner = "partner",
        /// A gift vendor: sees and fulfils its own orders.
        Vendor = "vendor",
    }
}

impl Role {
    /// A tax-division login (the console and `/api/v1/admin/`), read-only or not.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Viewer)
    }

    /// The staff role that changes things and takes personal data away (exports); read-only
    /// staff (`viewer`) see the screens and the reads only.
    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

/// Emails are compared case-insensitively.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}
