//! Request extractors that make a handler's required role part of its signature.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::http::{header, Method};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};

use super::{store, tokens, Role};
use crate::error::{Error, ErrorCode};
use crate::state::AppState;

/// Any signed-in staff member or partner.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: String,
    pub role: Role,
    pub partner_id: Option<String>,
    pub token_hash: String,
}

/// A signed-in tax-division staff member who may change things (role `admin`).
#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthUser);

/// A signed-in tax-division staff member, read-only (`viewer`) or not: for staff reads.
#[derive(Debug, Clone)]
pub struct StaffUser(pub AuthUser);

impl StaffUser {
    /// Exports of donors' personal data (CSV lists, addresses, one-stop lists) are for staff who
    /// may act on them; a read-only login sees the screens but takes no file away.
    pub fn may_export_personal_data(&self) -> Result<(), Error> {
        personal_data_export(self.0.role)
    }
}

/// Whether a staff login may take personal data away (the API's exports, the console's
/// downloads): admins only.
pub fn personal_data_export(role: Role) -> Result<(), Error> {
    if role.is_admin() {
        Ok(())
    } else {
        Err(Error::forbidden(
            "A read-only staff login cannot export personal data.",
        ))
    }
}

/// A signed-in partner business (till staff).
#[derive(Debug, Clone)]
pub struct PartnerUser {
    pub user: AuthUser,
    pub partner_id: String,
}

/// A signed-in gift vendor.
#[derive(Debug, Clone)]
pub struct VendorUser {
    pub user: AuthUser,
    pub vendor_id: String,
}

/// The bearer token of the request, if it has one.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .then(|| token.trim().to_owned())
}

fn unauthenticated() -> Error {
    Error::rejected(
        ErrorCode::Unauthorized,
        "Sign in first: a valid bearer token is required.",
    )
}

async fn authenticate(req: HttpRequest) -> Result<AuthUser, Error> {
    // The role gate below may already have authenticated this request.
    if let Some(user) = req.extensions().get::<AuthUser>() {
        return Ok(user.clone());
    }
    let token = bearer_token(&req).ok_or_else(unauthenticated)?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| Error::internal("application state missing"))?
        .clone();
    let hash = tokens::token_hash(&token);
    let lookup = hash.clone();
    let user = state
        .db
        .run(move |conn| store::session_user(conn, &lookup))
        .await?
        .ok_or_else(unauthenticated)?;
    let role = user.role;
    Ok(AuthUser {
        id: user.id,
        role,
        partner_id: user.partner_id,
        token_hash: hash,
    })
}

impl FromRequest for AuthUser {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

/// A role extractor: the signed-in login, admitted by `$admit` (a function of the `AuthUser`
/// answering the extractor or its refusal).
macro_rules! role_extractor {
    ($extractor:ty, $admit:expr) => {
        impl FromRequest for $extractor {
            type Error = Error;
            type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move { authenticate(req).await.and_then($admit) })
            }
        }
    };
}

role_extractor!(AdminUser, |user: AuthUser| match user.role {
    Role::Admin => Ok(AdminUser(user)),
    Role::Viewer => Err(read_only()),
    Role::Partner | Role::Vendor => Err(forbidden_for(Role::Admin)),
});

role_extractor!(StaffUser, |user: AuthUser| {
    if user.role.is_staff() {
        Ok(StaffUser(user))
    } else {
        Err(forbidden_for(Role::Admin))
    }
});

/// The refusal of a change asked by a read-only staff login.
pub fn read_only() -> Error {
    Error::forbidden("This staff login is read-only: it can see, not change.")
}

/// The business a login of `role` works for, or `403` for a login of another role.
fn business_of(user: &AuthUser, role: Role) -> Result<String, Error> {
    match &user.partner_id {
        Some(business_id) if user.role == role => Ok(business_id.clone()),
        _ => Err(forbidden_for(role)),
    }
}

role_extractor!(PartnerUser, |user: AuthUser| {
    let partner_id = business_of(&user, Role::Partner)?;
    Ok(PartnerUser { user, partner_id })
});

role_extractor!(VendorUser, |user: AuthUser| {
    let vendor_id = business_of(&user, Role::Vendor)?;
    Ok(VendorUser { user, vendor_id })
});

/// The refusal of a login without the role a route needs.
fn forbidden_for(role: Role) -> Error {
    Error::forbidden(match role {
        Role::Admin | Role::Viewer => "This needs a tax-division staff login.",
        Role::Partner => "This needs a partner business login.",
        Role::Vendor => "This needs a gift vendor login.",
    })
}

/// Checks the role required by a path prefix before anything reads the body, so an unauthorised
/// client always gets 401/403 rather than a validation error about a body it may not send. The
/// admitted login is kept in the request for the handler's extractor. (The first check of the
/// request gate, `startup::request_gate`.)
pub async fn admit_role(req: &ServiceRequest) -> Result<(), Error> {
    let path = req.path();
    let required = if path.starts_with("/api/v1/admin/") {
        Some(Role::Admin)
    } else if path.starts_with("/api/v1/partner/") {
        Some(Role::Partner)
    } else if path.starts_with("/api/v1/vendor/") {
        Some(Role::Vendor)
    } else {
        None
    };
    if let Some(role) = required {
        let user = authenticate(req.request().clone()).await?;
        // Read-only staff pass the staff gate for reads only; the handler's extractor (AdminUser
        // for writes, StaffUser for reads) checks again.
        let reads = matches!(*req.method(), Method::GET | Method::HEAD);
        if role == Role::Admin && user.role == Role::Viewer && !reads {
            return Err(read_only());
        }
        let admitted = user.role == role || (role == Role::Admin && user.role == Role::Viewer);
        if !admitted {
            return Err(forbidden_for(role));
        }
        req.extensions_mut().insert(user);
    }
    Ok(())
}
