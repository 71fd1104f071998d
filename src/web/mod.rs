//! The HTML front doors: server-rendered pages on the same use cases as the JSON API.
//!
//! - `render`: the templates (built into the binary), the page answer with its security headers,
//!   error pages showing the API's own code and message.
//! - `assets`: CSS and icons built into the binary, served under fingerprinted names.
//! - `csrf`: the token every state-changing form carries.
//! - `images`: gift pictures, served from the database with a year's cache.
//! - `storefront`: the donors' pages (特設サイト): browse and find.
//! - `donate`: the donation form, the page after paying, the printable receipt.
//! - `mypage`: My page, signed in by a one-time email link.
//! - `simulator`: the deduction-limit estimate (控除上限額シミュレーション).

pub mod assets;
pub mod csrf;
pub mod donate;
pub mod images;
pub mod mypage;
pub mod render;
pub mod simulator;
pub mod storefront;

/// Every page route.
pub fn services(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.configure(assets::services)
        .configure(images::services)
        .configure(storefront::services)
        .configure(donate::services)
        .configure(mypage::services)
        .configure(simulator::services);
}
