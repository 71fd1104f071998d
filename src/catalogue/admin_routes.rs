//! Admin catalogue routes: gifts, organisations, purposes, businesses, partners, the audit log.
//! Every write is one transaction that also records the audit entry and bumps the catalogue version.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use diesel::prelude::*;
use uuid::Uuid;

use super::rule_error;
use super::store::{self, organization_store, purpose_store, GiftRow};
use super::types::{
    AdminGift, AdminGiftQuery, AuditEntry, AuditQuery, Business, BusinessPatch, GiftPatch,
    NamedItem, NamedItemPatch, NamedItemRequest, NewBusinessRequest, NewGiftRequest,
    NewPartnerRequest, PartnerCreated,
};
use crate::audit;
use crate::auth::{self, password, AdminUser, Role};
use crate::db::{now, schema::audit_log, DbConnection};
use crate::domain::gift::GiftStatus;
use crate::email::{self, OutgoingEmail};
use crate::error::{AuthErrors, Error, ErrorCode, Problem, Result};
use crate::http::{Page, PageQuery, Paging};
use crate::state::AppState;

fn gift_not_found() -> Error {
    Error::not_found(ErrorCode::GiftNotFound, "No gift with this id.")
}

/// Create a gift; the 30% rule and the wording rule are checked.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewGiftRequest,
    responses(
        (status = 201, body = AdminGift),
        AuthErrors,
        (status = 409, description = "gift_code_taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "return_ratio_exceeded, prohibited_wording, validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/gifts")]
pub async fn create_gift(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<NewGiftRequest>,
) -> Result<HttpResponse> {
    let b = body.into_inner();
    let at = now();
    let row = GiftRow {
        id: Uuid::new_v4().to_string(),
        code: b.code.trim().to_owned(),
        name: b.name.trim().to_owned(),
        description: b.description,
        category: b.category.as_str().to_owned(),
        amount: b.amount,
        procurement_cost: b.procurement_cost,
        shipping_cost: b.shipping_cost,
        vendor_id: b.vendor_id,
        stock: b.stock,
        available_from: b.available_from,
        available_until: b.available_until,
        status: b.status.unwrap_or(GiftStatus::Draft).as_str().to_owned(),
        local_basis: b.local_basis,
        image_url: b.image_url,
        created_at: at,
        updated_at: at,
    };
    row.terms()
        .check(&state.settings.catalogue.prohibited_words)
        .map_err(|e| rule_error(e, row.amount))?;
    let actor = admin.0.id;
    let gift = state
        .db
        .write(move |conn| {
            let vendor = store::require_vendor(conn, &row.vendor_id)?;
            store::insert_gift(conn, &row)?;
            let view = row.admin(&vendor)?;
            audit::record(
                conn,
                Some(&actor),
                "create",
                "gift",
                &row.id,
                None::<&()>,
                Some(&view),
            )?;
            Ok(view)
        })
        .await?;
    state.catalogue_cache.invalidate();
    Ok(HttpResponse::Created().json(gift))
}

/// List gifts in any state.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(AdminGiftQuery),
    responses(
        (status = 200, body = Page<AdminGift>),
        AuthErrors,
    )
)]
#[get("/admin/gifts")]
pub async fn list_gifts(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<AdminGiftQuery>,
) -> Result<web::Json<Page<AdminGift>>> {
    let q = query.into_inner();
    let paging = Paging::from_query(q.page, q.per_page)?;
    let (rows, total) = state
        .db
        .run(move |conn| {
            store::admin_gifts(
                conn,
                q.status,
                q.category,
                q.vendor_id.as_deref(),
                paging.offset(),
                paging.per_page,
            )
        })
        .await?;
    let items = rows
        .iter()
        .map(|(g, v)| g.admin(v))
        .collect::<Result<Vec<_>>>()?;
    Ok(web::Json(Page::new(items, paging, total)))
}

/// One gift with its costs and state.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = AdminGift),
        AuthErrors,
        (status = 404, description = "gift_not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/admin/gifts/{id}")]
pub async fn get_gift(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: web::Path<String>,
) -> Result<web::Json<AdminGift>> {
    let id = id.into_inner();
    let (gift, vendor) = state
        .db
        .run(move |conn| store::find_gift(conn, &id))
        .await?
        .ok_or_else(gift_not_found)?;
    Ok(web::Json(gift.admin(&vendor)?))
}

fn apply_patch(mut row: GiftRow, p: GiftPatch) -> GiftRow {
    if let Some(v) = p.code {
        row.code = v.trim().to_owned();
    }
    if let Some(v) = p.name {
        row.name = v.trim().to_owned();
    }
    if let Some(v) = p.description {
        row.description = v;
    }
    if let Some(v) = p.category {
        row.category = v.as_str().to_owned();
    }
    if let Some(v) = p.amount {
        row.amount = v;
    }
    if let Some(v) = p.procurement_cost {
        row.procurement_cost = v;
    }
    if let Some(v) = p.shipping_cost {
        row.shipping_cost = v;
    }
    if let Some(v) = p.vendor_id {
        row.vendor_id = v;
    }
    if let Some(v) = p.stock {
        row.stock = v;
    }
    if let Some(v) = p.available_from {
        row.available_from = v;
    }
    if let Some(v) = p.available_until {
        row.available_until = v;
    }
    if let Some(v) = p.status {
        row.status = v.as_str().to_owned();
    }
    if let Some(v) = p.local_basis {
        row.local_basis = v;
    }
    if let Some(v) = p.image_url {
        row.image_url = v;
    }
    row.updated_at = now();
    row
}

/// Change a gift; the rules are checked on the gift as it would be after the change.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = GiftPatch,
    responses(
        (status = 200, body = AdminGift),
        AuthErrors,
        (status = 404, description = "gift_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "gift_code_taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "return_ratio_exceeded, prohibited_wording, validation_failed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/admin/gifts/{id}")]
pub async fn update_gift(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: web::Json<GiftPatch>,
) -> Result<web::Json<AdminGift>> {
    let id = id.into_inner();
    let patch = body.into_inner();
    let words = state.settings.catalogue.prohibited_words.clone();
    let actor = admin.0.id;
    let gift = state
        .db
        .write(move |conn| {
            let (before, before_vendor) =
                store::find_gift(conn, &id)?.ok_or_else(gift_not_found)?;
            let stock_change = patch.stock;
            let after = apply_patch(before.clone(), patch);
            after
                .terms()
                .check(&words)
                .map_err(|e| rule_error(e, after.amount))?;
            let vendor = if after.vendor_id == before.vendor_id {
                before_vendor.clone()
            } else {
                store::require_vendor(conn, &after.vendor_id)?
            };
            store::update_gift(conn, &after)?;
            if let Some(stock) = stock_change {
                store::set_stock(conn, &id, stock)?;
            }
            // Read back: stock may have moved under concurrent donations.
            let (after, _) = store::find_gift(conn, &id)?.ok_or_else(gift_not_found)?;
            let view = after.admin(&vendor)?;
            audit::record(
                conn,
                Some(&actor),
                "update",
                "gift",
                &id,
                Some(&before.admin(&before_vendor)?),
                Some(&view),
            )?;
            Ok(view)
        })
        .await?;
    state.catalogue_cache.invalidate();
    Ok(web::Json(gift))
}

/// Suspend a gift (nothing is ever deleted).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 200, body = AdminGift, description = "The gift, now suspended"),
        AuthErrors,
        (status = 404, description = "gift_not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/admin/gifts/{id}")]
pub async fn suspend_gift(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
) -> Result<web::Json<AdminGift>> {
    let id = id.into_inner();
    let actor = admin.0.id;
    let gift = state
        .db
        .write(move |conn| {
            let (before, vendor) = store::find_gift(conn, &id)?.ok_or_else(gift_not_found)?;
            let mut after = before.clone();
            after.status = GiftStatus::Suspended.as_str().to_owned();
            after.updated_at = now();
            store::update_gift(conn, &after)?;
            let view = after.admin(&vendor)?;
            audit::record(
                conn,
                Some(&actor),
                "suspend",
                "gift",
                &id,
                Some(&before.admin(&vendor)?),
                Some(&view),
            )?;
            Ok(view)
        })
        .await?;
    state.catalogue_cache.invalidate();
    Ok(web::Json(gift))
}

fn check_named(name: &str, description: &str) -> Result<()> {
    let mut errors = Vec::new();
    if !(1..=200).contains(&name.trim().chars().count()) {
        errors.push(crate::domain::FieldError::new(
            "name",
            "must be 1-200 characters",
        ));
    }
    if description.chars().count() > 2000 {
        errors.push(crate::domain::FieldError::new(
            "description",
            "must be at most 2000 characters",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

// Organisations and usage purposes have the same admin routes over their own tables.
macro_rules! named_item_routes {
    ($module:ident, $store:ident, $entity:literal, $base:literal, $item:literal, $missing:expr) => {
        pub mod $module {
            use super::*;

            fn not_found() -> Error {
                Error::not_found($missing, "No entry with this id.")
            }

            /// Create an entry.
            #[utoipa::path(
                tag = "admin",
                security(("bearer" = [])),
                request_body = NamedItemRequest,
                responses(
                    (status = 201, body = NamedItem),
                    AuthErrors,
                    (status = 409, body = Problem, content_type = "application/problem+json"),
                    (status = 422, body = Problem, content_type = "application/problem+json"),
                )
            )]
            #[post($base)]
            pub async fn create(
                state: web::Data<AppState>,
                admin: AdminUser,
                body: web::Json<NamedItemRequest>,
            ) -> Result<HttpResponse> {
                let b = body.into_inner();
                check_named(&b.name, &b.description)?;
                let actor = admin.0.id;
                let item = state
                    .db
                    .write(move |conn| {
                        let item = $store::insert(conn, b.name.trim(), &b.description)?;
                        audit::record(conn, Some(&actor), "create", $entity, &item.id, None::<&()>, Some(&item))?;
                        Ok(item)
                    })
                    .await?;
                state.catalogue_cache.invalidate();
                Ok(HttpResponse::Created().json(item))
            }

            /// List entries, active or not.
            #[utoipa::path(
                tag = "admin",
                security(("bearer" = [])),
                params(PageQuery),
                responses(
                    (status = 200, body = Page<NamedItem>),
                    AuthErrors,
                )
            )]
            #[get($base)]
            pub async fn list(
                state: web::Data<AppState>,
                _admin: AdminUser,
                query: web::Query<PageQuery>,
            ) -> Result<web::Json<Page<NamedItem>>> {
                let paging = query.paging()?;
                let (items, total) = state
                    .db
                    .run(move |c| $store::list(c, false, paging.offset(), paging.per_page))
                    .await?;
                Ok(web::Json(Page::new(items, paging, total)))
            }

            /// Change an entry (`active: false` deactivates it).
            #[utoipa::path(
                tag = "admin",
                security(("bearer" = [])),
                params(("id" = String, Path)),
                request_body = NamedItemPatch,
                responses(
                    (status = 200, body = NamedItem),
                    AuthErrors,
                    (status = 404, body = Problem, content_type = "application/problem+json"),
                    (status = 422, body = Problem, content_type = "application/problem+json"),
                )
            )]
            #[patch($item)]
            pub async fn update(
                state: web::Data<AppState>,
                admin: AdminUser,
                id: web::Path<String>,
                body: web::Json<NamedItemPatch>,
            ) -> Result<web::Json<NamedItem>> {
                let id = id.into_inner();
                let p = body.into_inner();
                let actor = admin.0.id;
                let item = state
                    .db
                    .write(move |conn| {
                        let before = $store::find(conn, &id)?.ok_or_else(not_found)?;
                        let mut after = before.clone();
                        if let Some(name) = p.name {
                            after.name = name.trim().to_owned();
                        }
                        if let Some(description) = p.description {
                            after.description = description;
                        }
                        if let Some(active) = p.active {
                            after.active = active;
                        }
                        check_named(&after.name, &after.description)?;
                        $store::update(conn, &after)?;
                        audit::record(conn, Some(&actor), "update", $entity, &id, Some(&before), Some(&after))?;
                        Ok(after)
                    })
                    .await?;
                state.catalogue_cache.invalidate();
                Ok(web::Json(item))
            }

            /// Deactivate an entry (kept for past donations and reports).
            #[utoipa::path(
                tag = "admin",
                security(("bearer" = [])),
                params(("id" = String, Path)),
                responses(
                    (status = 200, body = NamedItem),
                    AuthErrors,
                    (status = 404, body = Problem, content_type = "application/problem+json"),
                )
            )]
            #[delete($item)]
            pub async fn deactivate(
                state: web::Data<AppState>,
                admin: AdminUser,
                id: web::Path<String>,
            ) -> Result<web::Json<NamedItem>> {
                let id = id.into_inner();
                let actor = admin.0.id;
                let item = state
                    .db
                    .write(move |conn| {
                        let before = $store::find(conn, &id)?.ok_or_else(not_found)?;
                        let after = NamedItem { active: false, ..before.clone() };
                        $store::update(conn, &after)?;
                        audit::record(conn, Some(&actor), "deactivate", $entity, &id, Some(&before), Some(&after))?;
                        Ok(after)
                    })
                    .await?;
                state.catalogue_cache.invalidate();
                Ok(web::Json(item))
            }
        }
    };
}

named_item_routes!(
    organizations,
    organization_store,
    "organization",
    "/admin/organizations",
    "/admin/organizations/{id}",
    ErrorCode::OrganizationNotFound
);
named_item_routes!(
    purposes,
    purpose_store,
    "purpose",
    "/admin/purposes",
    "/admin/purposes/{id}",
    ErrorCode::PurposeNotFound
);

fn check_login(email: &str, password_text: &str) -> Result<()> {
    let mut errors = Vec::new();
    let email = email.trim();
    if email.len() > 254 || email.split('@').count() != 2 || !email.contains('.') {
        errors.push(crate::domain::FieldError::new(
            "email",
            "must be an email address",
        ));
    }
    if !(12..=200).contains(&password_text.chars().count()) {
        errors.push(crate::domain::FieldError::new(
            "password",
            "must be 12-200 characters",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// Creates a business (and its partner login, with the login's welcome email in the outbox) inside
/// the caller's transaction.
fn create_business(
    conn: &mut DbConnection,
    actor: &str,
    business: &Business,
    login: Option<(&str, &str)>,
    welcome: Option<&OutgoingEmail>,
) -> Result<()> {
    store::insert_business(conn, business)?;
    if let Some((email, hash)) = login {
        auth::store::insert_user(conn, email, hash, Role::Partner, Some(&business.id))?;
    }
    if let Some(mail) = welcome {
        email::enqueue(conn, mail)?;
    }
    audit::record(
        conn,
        Some(actor),
        "create",
        "business",
        &business.id,
        None::<&()>,
        Some(business),
    )
}

/// The login instructions for a new partner login (never the password).
fn partner_welcome_mail(
    state: &AppState,
    business: &Business,
    login_email: &str,
) -> Result<OutgoingEmail> {
    email::partner_welcome(
        &state.settings,
        email::PartnerWelcome {
            partner_id: business.id.clone(),
            partner_name: business.name.clone(),
            email: login_email.to_owned(),
        },
    )
}

/// Create a business: a vendor of gifts, a voucher partner, or both.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewBusinessRequest,
    responses(
        (status = 201, body = Business),
        AuthErrors,
        (status = 409, description = "email_taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/businesses")]
pub async fn create_business_route(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<NewBusinessRequest>,
) -> Result<HttpResponse> {
    let b = body.into_inner();
    check_named(&b.name, "")?;
    if !b.is_vendor && !b.is_partner {
        return Err(Error::field(
            "is_vendor",
            "a business must be a vendor, a partner, or both",
        ));
    }
    let login = match &b.login {
        Some(l) if b.is_partner => {
            check_login(&l.email, &l.password)?;
            let hash = password::hash_password(&l.password, &state.settings.auth)?;
            Some((auth::normalize_email(&l.email), hash))
        }
        Some(_) => return Err(Error::field("login", "only partner businesses have logins")),
        None => None,
    };
    let business = Business {
        id: Uuid::new_v4().to_string(),
        name: b.name.trim().to_owned(),
        is_vendor: b.is_vendor,
        is_partner: b.is_partner,
        contact_email: b.contact_email,
        contact_phone: b.contact_phone,
        address: b.address,
        active: true,
    };
    let welcome = login
        .as_ref()
        .map(|(login_email, _)| partner_welcome_mail(&state, &business, login_email))
        .transpose()?;
    let actor = admin.0.id;
    let created = business.clone();
    state
        .db
        .write(move |conn| {
            create_business(
                conn,
                &actor,
                &business,
                login.as_ref().map(|(e, h)| (e.as_str(), h.as_str())),
                welcome.as_ref(),
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// List businesses.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = Page<Business>),
        AuthErrors,
    )
)]
#[get("/admin/businesses")]
pub async fn list_businesses(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<Business>>> {
    let paging = query.paging()?;
    let (items, total) = state
        .db
        .run(move |c| store::list_businesses(c, paging.offset(), paging.per_page))
        .await?;
    Ok(web::Json(Page::new(items, paging, total)))
}

/// Change a business.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body = BusinessPatch,
    responses(
        (status = 200, body = Business),
        AuthErrors,
        (status = 404, description = "business_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/admin/businesses/{id}")]
pub async fn update_business(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: web::Json<BusinessPatch>,
) -> Result<web::Json<Business>> {
    let id = id.into_inner();
    let p = body.into_inner();
    let actor = admin.0.id;
    let business = state
        .db
        .write(move |conn| {
            let before = store::find_business(conn, &id)?.ok_or_else(|| {
                Error::not_found(ErrorCode::BusinessNotFound, "No business with this id.")
            })?;
            let mut after = before.clone();
            if let Some(v) = p.name {
                after.name = v.trim().to_owned();
            }
            if let Some(v) = p.is_vendor {
                after.is_vendor = v;
            }
            if let Some(v) = p.is_partner {
                after.is_partner = v;
            }
            if let Some(v) = p.contact_email {
                after.contact_email = v;
            }
            if let Some(v) = p.contact_phone {
                after.contact_phone = v;
            }
            if let Some(v) = p.address {
                after.address = v;
            }
            if let Some(v) = p.active {
                after.active = v;
            }
            check_named(&after.name, "")?;
            store::update_business(conn, &after)?;
            audit::record(
                conn,
                Some(&actor),
                "update",
                "business",
                &id,
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    state.catalogue_cache.invalidate();
    Ok(web::Json(business))
}

/// Create a partner business and its login in one step.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = NewPartnerRequest,
    responses(
        (status = 201, body = PartnerCreated),
        AuthErrors,
        (status = 409, description = "email_taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/admin/partners")]
pub async fn create_partner(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<NewPartnerRequest>,
) -> Result<HttpResponse> {
    let b = body.into_inner();
    check_named(&b.name, "")?;
    check_login(&b.email, &b.password)?;
    let email = auth::normalize_email(&b.email);
    let hash = password::hash_password(&b.password, &state.settings.auth)?;
    let business = Business {
        id: Uuid::new_v4().to_string(),
        name: b.name.trim().to_owned(),
        is_vendor: false,
        is_partner: true,
        contact_email: Some(email.clone()),
        contact_phone: b.contact_phone,
        address: b.address,
        active: true,
    };
    let actor = admin.0.id;
    let created = PartnerCreated {
        business: business.clone(),
        login_email: email.clone(),
    };
    let welcome = partner_welcome_mail(&state, &business, &email)?;
    state
        .db
        .write(move |conn| {
            create_business(
                conn,
                &actor,
                &business,
                Some((&email, &hash)),
                Some(&welcome),
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// List partner businesses.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = Page<Business>),
        AuthErrors,
    )
)]
#[get("/admin/partners")]
pub async fn list_partners(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Page<Business>>> {
    let paging = query.paging()?;
    let (all, _) = state
        .db
        .run(move |c| store::list_businesses(c, 0, i64::MAX))
        .await?;
    let partners: Vec<Business> = all.into_iter().filter(|b| b.is_partner).collect();
    let total = partners.len() as i64;
    let items = partners
        .into_iter()
        .skip(paging.offset() as usize)
        .take(paging.per_page as usize)
        .collect();
    Ok(web::Json(Page::new(items, paging, total)))
}

/// The audit log, newest first.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, body = Page<AuditEntry>),
        AuthErrors,
    )
)]
#[get("/admin/audit-log")]
pub async fn audit_log_route(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEntry>>> {
    let q = query.into_inner();
    let paging = Paging::from_query(q.page, q.per_page)?;
    type Row = (
        String,
        Option<String>,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        chrono::NaiveDateTime,
    );
    let (rows, total) = state
        .db
        .run(move |conn| {
            let build = || {
                let mut query = audit_log::table.into_boxed();
                if let Some(e) = &q.entity {
                    query = query.filter(audit_log::entity.eq(e.clone()));
                }
                if let Some(id) = &q.entity_id {
                    query = query.filter(audit_log::entity_id.eq(id.clone()));
                }
                query
            };
            let total: i64 = build().count().get_result(conn)?;
            let rows: Vec<Row> = build()
                .select((
                    audit_log::id,
                    audit_log::actor_id,
                    audit_log::action,
                    audit_log::entity,
                    audit_log::entity_id,
                    audit_log::before_state,
                    audit_log::after_state,
                    audit_log::created_at,
                ))
                .order(audit_log::created_at.desc())
                .offset(paging.offset())
                .limit(paging.per_page)
                .load(conn)?;
            Ok((rows, total))
        })
        .await?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    let items = rows
        .into_iter()
        .map(
            |(id, actor_id, action, entity, entity_id, before, after, at)| AuditEntry {
                id,
                actor_id,
                action,
                entity,
                entity_id,
                before: parse(before),
                after: parse(after),
                created_at: at.and_utc(),
            },
        )
        .collect();
    Ok(web::Json(Page::new(items, paging, total)))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_gift)
        .service(list_gifts)
        .service(get_gift)
        .service(update_gift)
        .service(suspend_gift)
        .service(organizations::create)
        .service(organizations::list)
        .service(organizations::update)
        .service(organizations::deactivate)
        .service(purposes::create)
        .service(purposes::list)
        .service(purposes::update)
        .service(purposes::deactivate)
        .service(create_business_route)
        .service(list_businesses)
        .service(update_business)
        .service(create_partner)
        .service(list_partners)
        .service(audit_log_route);
}
