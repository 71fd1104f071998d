//! The Shinagawa demo data set.

use crate::config::Settings;
use crate::db::DbConnection;
use crate::error::Result;

/// Loads the demo catalogue into an empty database; does nothing otherwise.
pub fn load_if_empty(_conn: &mut DbConnection, _settings: &Settings) -> Result<bool> {
    Ok(false)
}
