//! Businesses and partner logins: `create_business`, `update_business`, `create_partner`. A partner
//! login's welcome email goes to the outbox in the same transaction; the audit entry too.

use uuid::Uuid;

use crate::audit;
use crate::auth::{self, password, Role};
use crate::catalogue::store;
use crate::catalogue::types::{
    Business, BusinessPatch, LoginRequest, NewBusinessRequest, NewPartnerRequest, PartnerCreated,
};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::fields::{check_login, check_named};
use crate::email::{self, OutgoingEmail};
use crate::error::{Error, ErrorCode, Result};

/// A partner login ready to store: normalised email and password hash.
pub struct NewLogin {
    email: String,
    password_hash: String,
}

impl NewLogin {
    /// Checks and hashes (argon2: CPU work, keep it off the async workers).
    pub fn prepare(settings: &Settings, email: &str, password_text: &str) -> Result<NewLogin> {
        check_login(email, password_text).map_err(Error::Validation)?;
        Ok(NewLogin {
            email: auth::normalize_email(email),
            password_hash: password::hash_password(password_text, &settings.auth)?,
        })
    }
}

/// The login a new business asks for: partners only.
pub fn business_login(
    settings: &Settings,
    is_partner: bool,
    login: Option<&LoginRequest>,
) -> Result<Option<NewLogin>> {
    match login {
        Some(l) if is_partner => NewLogin::prepare(settings, &l.email, &l.password).map(Some),
        Some(_) => Err(Error::field("login", "only partner businesses have logins")),
        None => Ok(None),
    }
}

fn new_business(name: &str, is_vendor: bool, is_partner: bool) -> Result<Business> {
    check_named(name, "").map_err(Error::Validation)?;
    Ok(Business {
        id: Uuid::new_v4().to_string(),
        name: name.trim().to_owned(),
        is_vendor,
        is_partner,
        contact_email: None,
        contact_phone: None,
        address: None,
        active: true,
    })
}

/// The login instructions for a new partner login (never the password).
fn welcome_mail(settings: &Settings, business: &Business, email: &str) -> Result<OutgoingEmail> {
    email::partner_welcome(
        settings,
        email::PartnerWelcome {
            partner_id: business.id.clone(),
            partner_name: business.name.clone(),
            email: email.to_owned(),
        },
    )
}

fn insert(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    business: &Business,
    login: Option<&NewLogin>,
) -> Result<()> {
    store::insert_business(conn, business)?;
    if let Some(l) = login {
        let id = Some(business.id.as_str());
        auth::store::insert_user(conn, &l.email, &l.password_hash, Role::Partner, id)?;
        email::enqueue(conn, &welcome_mail(settings, business, &l.email)?)?;
    }
    let after = Some(business);
    audit::record(
        conn,
        Some(actor_id),
        "create",
        "business",
        &business.id,
        None::<&()>,
        after,
    )
}

/// Creates a business: a vendor of gifts, a voucher partner, or both; a partner may get a login.
pub fn create_business(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    b: NewBusinessRequest,
    login: Option<NewLogin>,
) -> Result<Business> {
    if !b.is_vendor && !b.is_partner {
        let message = "a business must be a vendor, a partner, or both";
        return Err(Error::field("is_vendor", message));
    }
    let business = Business {
        contact_email: b.contact_email,
        contact_phone: b.contact_phone,
        address: b.address,
        ..new_business(&b.name, b.is_vendor, b.is_partner)?
    };
    insert(conn, settings, actor_id, &business, login.as_ref())?;
    Ok(business)
}

/// Creates a partner business and its login in one step.
pub fn create_partner(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    b: NewPartnerRequest,
    login: NewLogin,
) -> Result<PartnerCreated> {
    let business = Business {
        contact_email: Some(login.email.clone()),
        contact_phone: b.contact_phone,
        address: b.address,
        ..new_business(&b.name, false, true)?
    };
    insert(conn, settings, actor_id, &business, Some(&login))?;
    Ok(PartnerCreated {
        business,
        login_email: login.email,
    })
}

/// Changes a business; the name rule is checked on the result.
pub fn update_business(
    conn: &mut DbConnection,
    actor_id: &str,
    id: &str,
    p: BusinessPatch,
) -> Result<Business> {
    let before = store::find_business(conn, id)?
        .ok_or_else(|| Error::rejected(ErrorCode::BusinessNotFound, "No business with this id."))?;
    let after = Business {
        id: before.id.clone(),
        name: p.name.map_or(before.name.clone(), |v| v.trim().to_owned()),
        is_vendor: p.is_vendor.unwrap_or(before.is_vendor),
        is_partner: p.is_partner.unwrap_or(before.is_partner),
        contact_email: p.contact_email.unwrap_or(before.contact_email.clone()),
        contact_phone: p.contact_phone.unwrap_or(before.contact_phone.clone()),
        address: p.address.unwrap_or(before.address.clone()),
        active: p.active.unwrap_or(before.active),
    };
    check_named(&after.name, "").map_err(Error::Validation)?;
    store::update_business(conn, &after)?;
    audit::record(
        conn,
        Some(actor_id),
        "update",
        "business",
        id,
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Adds a login to a vendor business: it sees and fulfils only that vendor's orders. The
/// welcome email (never the password) and the audit entry go in the same transaction.
pub fn create_vendor_login(
    conn: &mut DbConnection,
    settings: &Settings,
    actor_id: &str,
    vendor_id: &str,
    login: NewLogin,
) -> Result<PartnerCreated> {
    let business = store::find_business(conn, vendor_id)?
        .filter(|b| b.is_vendor)
        .ok_or_else(|| Error::rejected(ErrorCode::BusinessNotFound, "No vendor with this id."))?;
    let id = Some(business.id.as_str());
    let user_id =
        auth::store::insert_user(conn, &login.email, &login.password_hash, Role::Vendor, id)?;
    let welcome = email::vendor_welcome(
        settings,
        email::PartnerWelcome {
            partner_id: business.id.clone(),
            partner_name: business.name.clone(),
            email: login.email.clone(),
        },
    )?;
    email::enqueue(conn, &welcome)?;
    let after = serde_json::json!({ "role": Role::Vendor, "business_id": business.id });
    audit::record(
        conn,
        Some(actor_id),
        "create",
        "user",
        &user_id,
        None::<&()>,
        Some(&after),
    )?;
    Ok(PartnerCreated {
        business,
        login_email: login.email,
    })
}
