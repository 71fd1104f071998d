//! What every handler shares: settings, the database and the catalogue cache.

use std::sync::Arc;

use crate::catalogue::cache::CatalogueCache;
use crate::config::Settings;
use crate::db::Db;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub catalogue_cache: Arc<CatalogueCache>,
}

impl AppState {
    pub fn new(settings: Settings, db: Db) -> AppState {
        let check_every = std::time::Duration::from_millis(settings.catalogue.version_check_ms);
        let max_age = std::time::Duration::from_secs(settings.catalogue.cache_max_age_seconds);
        AppState {
            settings: Arc::new(settings),
            db,
            catalogue_cache: Arc::new(CatalogueCache::new(check_every, max_age)),
        }
    }
}
