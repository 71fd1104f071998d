//! The HTML front doors: server-rendered pages on the same use cases as the JSON API.
//!
//! - `lang`: Japanese pages, and the same pages in English under `/en/` for visitors.
//! - `render`: the templates (built into the binary), the page answer with its security headers,
//!   error pages showing the API's own code and message.
//! - `assets`: CSS and icons built into the binary, served under fingerprinted names.
//! - `csrf`: the token every state-changing form carries.
//! - `forms`: form fields read as values, a refusal's messages beside its fields.
//! - `desk`: the back-office doors' sign-in and session cookie (till, vendor, console).
//! - `console`: the staff console (`/console/`): dashboard, catalogue, donations, imports,
//!   vouchers, operations; every table as CSV.
//! - `images`: gift pictures, served from the database with a year's cache.
//! - `storefront`: the donors' pages (特設サイト): browse and find.
//! - `donate`: the donation form, the page after paying, the printable receipt.
//! - `mypage`: My page, signed in by a one-time email link.
//! - `till`: the partner shops' till (`/till/`): scan or type, take an amount, the day and month.
//! - `vendor`: the gift vendors' desk (`/vendor/`): new orders, shipments, packing slips, CSV.
//! - `simulator`: the deduction-limit estimate (控除上限額シミュレーション).

pub mod assets;
pub mod console;
pub mod csrf;
pub mod desk;
pub mod donate;
pub mod forms;
pub mod images;
pub mod lang;
pub mod mypage;
pub mod render;
pub mod simulator;
pub mod storefront;
pub mod till;
pub mod vendor;

/// Every page route.
pub fn services(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.configure(assets::services)
        .configure(images::services)
        .configure(|c| storefront::services_at("", c))
        .configure(|c| storefront::services_at(lang::ENGLISH_ROOT, c))
        .route(
            lang::ENGLISH_ROOT,
            actix_web::web::get().to(|| async { render::see_other("/en/") }),
        )
        .configure(|c| donate::services_at("", c))
        .configure(|c| donate::services_at(lang::ENGLISH_ROOT, c))
        .configure(mypage::services)
        .configure(simulator::services)
        .configure(till::services)
        .configure(vendor::services)
        .configure(console::services);
}
