//! Start-up preparation of the database: migrations, the donor search backfill, the first admin,
//! the demo data set.

use secrecy::ExposeSecret;

use crate::auth::{self, password, Role};
use crate::db::write_transaction;
use crate::error::{ErrorCode, Result};
use crate::state::AppState;

/// Runs before the server accepts requests.
pub fn prepare_database(state: &AppState) -> anyhow::Result<()> {
    state.db.migrate()?;
    let settings = &state.settings;
    let mut conn = state.db.get()?;
    // Donations from before the donor search index get their terms; normally none.
    let indexed = crate::donations::search_terms::backfill(&mut conn)?;
    if indexed > 0 {
        tracing::info!(indexed, "donor search terms written for existing donations");
    }
    let email = auth::normalize_email(&settings.bootstrap.admin_email);
    let password_text = settings.bootstrap.admin_password.expose_secret();
    if !email.is_empty() && !password_text.is_empty() {
        let hash = password::hash_password(password_text, &settings.auth)?;
        let created = write_transaction(&mut conn, |c| -> Result<bool> {
            if auth::store::admin_exists(c)? {
                return Ok(false);
            }
            match auth::store::insert_user(c, &email, &hash, Role::Admin, None) {
                Ok(_) => Ok(true),
                // Another instance starting at the same moment created it first.
                Err(crate::error::Error::Rejected {
                    code: ErrorCode::EmailTaken,
                    ..
                }) => Ok(false),
                Err(e) => Err(e),
            }
        })?;
        if created {
            tracing::info!("bootstrap admin created");
        }
    }
    if settings.demo {
        crate::demo::load_if_empty(&mut conn, settings)?;
    }
    Ok(())
}
